//! Tab completion for the terminal: command words, kubectl resources and
//! flags, and the names of what is in the cluster and in the editor.

/// The names completion can offer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names {
    pub pods: Vec<String>,
    pub nodes: Vec<String>,
    pub deployments: Vec<String>,
    pub replicasets: Vec<String>,
    pub services: Vec<String>,
    pub namespaces: Vec<String>,
    pub files: Vec<String>,
}

/// What Tab does to the line: the new line, and the choices when several fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub line: String,
    pub choices: Vec<String>,
}

const PROGRAMS: &[&str] = &["kubectl", "sim", "clear", "help"];
const KUBECTL: &[&str] = &[
    "apply", "auth", "cordon", "create", "delete", "describe", "drain", "exec", "expose", "get",
    "label", "logs", "rollout", "run", "scale", "set", "taint", "uncordon",
];
const CREATE: &[&str] = &["configmap", "deployment", "namespace", "secret"];
const CREATE_SECRET: &[&str] = &["docker-registry", "generic", "tls"];
/// Flags whose value is a file of the workspace.
const FILE_FLAGS: &[&str] = &[
    "-f",
    "--filename",
    "--from-file",
    "--from-env-file",
    "--cert",
    "--key",
];
const RESOURCES: &[&str] = &[
    "pods",
    "deployments",
    "replicasets",
    "nodes",
    "events",
    "namespaces",
    "daemonsets",
    "statefulsets",
    "jobs",
    "cronjobs",
    "services",
    "endpointslices",
    "endpoints",
    "configmaps",
    "secrets",
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
    "serviceaccounts",
    "leases",
    "all",
];
const SIM: &[&str] = &[
    "step", "advance", "log", "trail", "explain", "etcd", "node", "iptables",
];
const ROLLOUT: &[&str] = &["status", "history", "undo", "pause", "resume", "restart"];
const DURATIONS: &[&str] = &["1s", "5s", "10s", "30s", "1m", "5m"];
const OUTPUTS: &[&str] = &["wide", "yaml", "json", "name"];

fn names_for<'a>(resource: &str, names: &'a Names) -> &'a [String] {
    match resource.trim_end_matches('s') {
        "pod" | "po" => &names.pods,
        "node" | "no" => &names.nodes,
        "deployment" | "deploy" => &names.deployments,
        "replicaset" | "rs" => &names.replicasets,
        "service" | "svc" => &names.services,
        "namespace" | "n" => &names.namespaces,
        _ => &[],
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut end = first.len();
    for w in &words[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(w.chars())
                .find(|((_, a), b)| a != b)
                .map(|((i, _), _)| i)
                .unwrap_or(first.len().min(w.len())),
        );
    }
    first[..end].to_string()
}

/// The candidates for the word being typed, given the words before it.
fn candidates(before: &[&str], names: &Names) -> Vec<String> {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    if let Some(last) = before.last() {
        match *last {
            flag if FILE_FLAGS.contains(&flag) => return names.files.clone(),
            "-o" | "--output" => return owned(OUTPUTS),
            "-n" | "--namespace" => return names.namespaces.clone(),
            _ => {}
        }
    }
    // Positional words only (flags and their values aside).
    let mut words: Vec<&str> = Vec::new();
    let mut skip = false;
    for w in before {
        if skip {
            skip = false;
            continue;
        }
        if w.starts_with('-') {
            skip = matches!(*w, "-n" | "--namespace" | "-o" | "--output" | "-l" | "-c")
                || FILE_FLAGS.contains(w);
            continue;
        }
        words.push(w);
    }
    match words.as_slice() {
        [] => owned(PROGRAMS),
        ["kubectl"] | ["k"] => owned(KUBECTL),
        ["kubectl" | "k", "get" | "describe" | "delete"] => owned(RESOURCES),
        ["kubectl" | "k", "get" | "describe" | "delete", resource] => {
            names_for(resource, names).to_vec()
        }
        ["kubectl" | "k", "create"] => owned(CREATE),
        ["kubectl" | "k", "create", "secret"] => owned(CREATE_SECRET),
        ["kubectl" | "k", "exec" | "logs"] => names
            .pods
            .iter()
            .cloned()
            .chain(names.deployments.iter().map(|d| format!("deployment/{d}")))
            .collect(),
        ["kubectl" | "k", "set"] => vec!["image".into()],
        ["kubectl" | "k", "expose"] => vec![
            "deployment".into(),
            "pod".into(),
            "replicaset".into(),
            "service".into(),
        ],
        ["kubectl" | "k", "expose", resource] => names_for(resource, names).to_vec(),
        ["kubectl" | "k", "scale"] => names
            .deployments
            .iter()
            .map(|d| format!("deployment/{d}"))
            .collect(),
        ["kubectl" | "k", "set", "image"] => names
            .deployments
            .iter()
            .map(|d| format!("deployment/{d}"))
            .collect(),
        ["kubectl" | "k", "rollout"] => owned(ROLLOUT),
        ["kubectl" | "k", "rollout", _] => names
            .deployments
            .iter()
            .map(|d| format!("deployment/{d}"))
            .collect(),
        ["kubectl" | "k", "cordon" | "uncordon" | "drain"] => names.nodes.clone(),
        ["kubectl" | "k", "taint" | "label"] => vec!["nodes".into(), "pods".into()],
        ["kubectl" | "k", "taint" | "label", resource] => names_for(resource, names).to_vec(),
        ["kubectl" | "k", "auth"] => vec!["can-i".into()],
        ["sim"] => owned(SIM),
        ["sim", "advance"] => owned(DURATIONS),
        ["sim", "explain"] => names.pods.clone(),
        ["sim", "etcd"] => vec!["ls".into(), "get".into(), "history".into(), "status".into()],
        ["sim", "etcd", "ls"] => vec!["/registry/".into()],
        ["sim", "etcd", "get" | "history"] => names
            .pods
            .iter()
            .map(|p| format!("/registry/pods/default/{p}"))
            .chain(
                names
                    .deployments
                    .iter()
                    .map(|d| format!("/registry/deployments/default/{d}")),
            )
            .chain(names.nodes.iter().map(|n| format!("/registry/minions/{n}")))
            .collect(),
        ["sim", "node"] => vec!["add".into(), "fail".into(), "recover".into()],
        ["sim", "node", "fail" | "recover"] => names.nodes.clone(),
        ["sim", "iptables"] => names.nodes.clone(),
        ["sim", "iptables", _] => names.services.clone(),
        _ => Vec::new(),
    }
}

/// Completes the last word of `line`.
pub fn complete(line: &str, names: &Names) -> Completion {
    let ends_in_space = line.is_empty() || line.ends_with(char::is_whitespace);
    let words: Vec<&str> = line.split_whitespace().collect();
    let (before, current): (&[&str], &str) = if ends_in_space {
        (&words, "")
    } else {
        match words.split_last() {
            Some((last, rest)) => (rest, last),
            None => (&[], ""),
        }
    };
    // `--from-file=NAME`: the workspace's files after the `=`.
    let inline_file = FILE_FLAGS
        .iter()
        .filter(|f| f.starts_with("--"))
        .find(|f| current.starts_with(&format!("{f}=")));
    let offered = match inline_file {
        Some(flag) => names.files.iter().map(|f| format!("{flag}={f}")).collect(),
        None => candidates(before, names),
    };
    // `kubectl get pod/NAME`-style: complete after the slash.
    let mut choices: Vec<String> = offered
        .into_iter()
        .filter(|c| c.starts_with(current))
        .collect();
    choices.dedup();
    let head = line.strip_suffix(current).unwrap_or(line);
    match choices.len() {
        0 => Completion {
            line: line.to_string(),
            choices,
        },
        1 => {
            let word = &choices[0];
            let space = if word.ends_with('/') { "" } else { " " };
            Completion {
                line: format!("{head}{word}{space}"),
                choices: Vec::new(),
            }
        }
        _ => {
            let prefix = common_prefix(&choices);
            let word = if prefix.len() > current.len() {
                prefix
            } else {
                current.to_string()
            };
            Completion {
                line: format!("{head}{word}"),
                choices,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            pods: vec!["web-abc".into(), "web-abd".into(), "big".into()],
            nodes: vec!["node-1".into(), "node-2".into()],
            deployments: vec!["web".into()],
            replicasets: vec![],
            services: vec!["kubernetes".into(), "web".into()],
            namespaces: vec!["default".into(), "kube-system".into()],
            files: vec!["manifest.yaml".into()],
        }
    }

    #[test]
    fn completes_nodes_and_services_for_iptables() {
        let n = names();
        assert_eq!(complete("sim ipt", &n).line, "sim iptables ");
        assert_eq!(
            complete("sim iptables node-2 w", &n).line,
            "sim iptables node-2 web "
        );
        assert_eq!(
            complete("kubectl describe svc k", &n).line,
            "kubectl describe svc kubernetes "
        );
    }

    #[test]
    fn completes_words_in_place() {
        let n = names();
        assert_eq!(complete("kub", &n).line, "kubectl ");
        assert_eq!(complete("kubectl g", &n).line, "kubectl get ");
        assert_eq!(complete("kubectl get po", &n).line, "kubectl get pods ");
        assert_eq!(
            complete("kubectl get pods b", &n).line,
            "kubectl get pods big "
        );
        let c = complete("kubectl describe pod web", &n);
        assert_eq!(c.line, "kubectl describe pod web-ab");
        assert_eq!(c.choices, ["web-abc", "web-abd"]);
        assert_eq!(
            complete("kubectl apply -f m", &n).line,
            "kubectl apply -f manifest.yaml "
        );
        assert_eq!(
            complete("kubectl get pods -o w", &n).line,
            "kubectl get pods -o wide "
        );
        assert_eq!(
            complete("kubectl get pods -n kube-system b", &n).line,
            "kubectl get pods -n kube-system big "
        );
        assert_eq!(
            complete("sim node fail node-", &n).choices,
            ["node-1", "node-2"]
        );
        assert_eq!(
            complete("kubectl scale d", &n).line,
            "kubectl scale deployment/web "
        );
        assert_eq!(complete("sim etcd ls ", &n).line, "sim etcd ls /registry/");
        assert_eq!(complete("kubectl exe", &n).line, "kubectl exec ");
        assert_eq!(complete("kubectl ex", &n).choices, ["exec", "expose"]);
        assert_eq!(
            complete("kubectl expose deployment w", &n).line,
            "kubectl expose deployment web "
        );
        assert_eq!(complete("kubectl exec b", &n).line, "kubectl exec big ");
        assert_eq!(
            complete("kubectl exec -c app d", &n).line,
            "kubectl exec -c app deployment/web "
        );
        assert_eq!(
            complete("kubectl create co", &n).line,
            "kubectl create configmap "
        );
        assert_eq!(
            complete("kubectl create secret g", &n).line,
            "kubectl create secret generic "
        );
        assert_eq!(
            complete("kubectl create configmap c --from-file=m", &n).line,
            "kubectl create configmap c --from-file=manifest.yaml "
        );
        assert_eq!(
            complete("kubectl create secret tls t --cert m", &n).line,
            "kubectl create secret tls t --cert manifest.yaml "
        );
        assert_eq!(complete("nothing here", &n).line, "nothing here");
        assert_eq!(complete("", &n).choices.len(), PROGRAMS.len());
        // Odd input never panics.
        for odd in [
            "한\t",
            "kubectl\t",
            "\u{a0}",
            "k  ",
            "kubectl get pods\u{3000}b",
        ] {
            let _ = complete(odd, &n);
        }
    }
}
