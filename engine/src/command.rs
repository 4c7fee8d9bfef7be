//! The command language shared by the `kubeplay` binary and the browser's
//! terminal: one command per line, `#` starts a comment.
//!
//! - `kubectl ...` — see the kubectl module;
//! - `sim step` — process the next event;
//! - `sim advance DURATION` — run for a while (`30s`, `2m`, `1h`);
//! - `sim log [N]` — the last N steps (default 20);
//! - `sim explain POD [-n NS]` — the scheduler's filters and scores for the pod, recomputed now.

use crate::files::FileSource;
use crate::kubectl::fail;
use crate::sim::Simulation;
use crate::time::{human_duration, SimDuration, SimTime};
use crate::view::{CommandOutput, StepRecord};

/// Splits a command line into words as a POSIX shell does: single quotes
/// keep everything, double quotes keep all but `\"`, `\\`, `\$` and `` \` ``,
/// and a backslash outside quotes escapes the next character (so the
/// `'\''` idiom puts a single quote inside single quotes).
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                current.extend(chars.next());
            }
            (Some(_), c) => current.push(c),
            (None, '\\') => {
                current.extend(chars.next());
                in_word = true;
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("error: unterminated quote".to_string());
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

/// How a step reads in a terminal: `[12.350s] kubelet/node-1: started container nginx`.
pub fn format_step(step: &StepRecord) -> String {
    format!(
        "[{}] {}: {}",
        SimTime(step.time_ms),
        step.component,
        step.summary
    )
}

/// The longest `sim advance`: a day of virtual time runs every heartbeat and
/// resync in it, well under a second natively.
const MAX_ADVANCE: SimDuration = SimDuration::from_secs(24 * 3600);

/// Runs one line of the command language.
pub fn execute(sim: &mut Simulation, line: &str, files: &dyn FileSource) -> CommandOutput {
    let stages = match crate::filters::split_pipeline(line) {
        Ok(stages) => stages,
        Err(e) => return fail(e),
    };
    let (first, rest) = stages
        .split_first()
        .map_or(("", &[][..]), |(f, r)| (f.as_str(), r));
    let mut output = execute_one(sim, first, files);
    // The pipeline's status is the last stage's, as in a shell; stderr goes
    // straight to the terminal.
    for stage in rest {
        let words = match split_words(stage) {
            Ok(w) => w,
            Err(e) => return fail(e),
        };
        let (stdout, stderr, status) = crate::filters::run(&words, &output.stdout);
        output.stdout = stdout;
        output.stderr.push_str(&stderr);
        output.success = status == 0;
    }
    output
}

fn execute_one(sim: &mut Simulation, line: &str, files: &dyn FileSource) -> CommandOutput {
    let words = match split_words(line) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let Some(program) = words.first() else {
        return CommandOutput {
            success: true,
            ..CommandOutput::default()
        };
    };
    match program.as_str() {
        "kubectl" | "k" => crate::kubectl::run(sim, &words[1..], files),
        "sim" => sim_command(sim, &words[1..]),
        other => fail(format!(
            "{other}: command not found (try kubectl get pods, sim step, or sim advance 10s)"
        )),
    }
}

fn sim_command(sim: &mut Simulation, args: &[String]) -> CommandOutput {
    let ok = |stdout: String| CommandOutput {
        stdout,
        stderr: String::new(),
        success: true,
    };
    match args.first().map(String::as_str) {
        Some("step") => match sim.step() {
            Some(step) => {
                let mut text = format!("{}\n", format_step(&step));
                for woken in &step.woke {
                    text.push_str(&format!("  -> woke {woken}\n"));
                }
                ok(text)
            }
            None => ok(format!(
                "[{}] nothing to do: the cluster has settled\n",
                sim.now()
            )),
        },
        Some("advance") => {
            let Some(text) = args.get(1) else {
                return fail("error: sim advance needs a duration, like 30s, 2m or 1h");
            };
            match SimDuration::parse(text) {
                Ok(d) if d > MAX_ADVANCE => fail(format!(
                    "error: sim advance goes at most {} at a time (every periodic task between runs, and a page would freeze); run it again to go further",
                    advanced_by(MAX_ADVANCE)
                )),
                Ok(d) => {
                    let steps = sim.advance(d);
                    ok(format!(
                        "advanced {} to {} ({} steps)\n",
                        advanced_by(d),
                        sim.now(),
                        steps.len()
                    ))
                }
                Err(e) => fail(format!("error: {e}")),
            }
        }
        Some("etcd") => crate::etcdctl::run(sim, &args[1..]),
        Some("trail") => {
            // The trail of a step (by default the learner's last kubectl change).
            let id = match args.get(1).map(|a| a.trim_start_matches('#').parse::<u64>()) {
                Some(Ok(id)) => Some(id),
                Some(Err(_)) => return fail("error: sim trail takes a step number, like sim trail 12"),
                None => sim.steps().filter(|s| s.component == "kubectl").map(|s| s.id).last(),
            };
            let Some(id) = id else {
                return ok("no kubectl change yet: apply something first\n".into());
            };
            let trail = sim.trail(id);
            if trail.is_empty() {
                return fail(format!("error: step {id} is not in the recent log"));
            }
            let text: String = trail
                .iter()
                .map(|s| {
                    let cause = s.caused_by.map(|c| format!(" (woken by #{c})")).unwrap_or_default();
                    format!("#{} {}{cause}\n", s.id, format_step(s))
                })
                .collect();
            ok(text)
        }
        Some("node") => sim_node_command(sim, &args[1..]),
        // What `iptables-save -t nat` prints on a node: its kube-proxy's rules.
        Some("iptables") => {
            let Some(node) = args.get(1) else {
                return fail("error: sim iptables needs a node name, like: sim iptables node-1 [default/web]");
            };
            let Some(proxy) = sim.kube_proxy(node) else {
                let known = sim.kubelet_nodes().collect::<Vec<_>>().join(", ");
                return fail(format!("error: node \"{node}\" not found (nodes: {known})"));
            };
            let service = args.get(2).map(|s| {
                if s.contains('/') {
                    s.clone()
                } else {
                    format!("default/{s}")
                }
            });
            ok(proxy.iptables_save(service.as_deref()))
        }
        Some("explain") => match crate::scheduler::explain::command(sim, &args[1..]) {
            Ok(text) => ok(text),
            Err(e) => fail(e),
        },
        Some("log") => {
            let count: usize = match args.get(1).map(|n| n.parse()) {
                None => 20,
                Some(Ok(n)) => n,
                Some(Err(_)) => return fail("error: sim log takes a number of steps"),
            };
            let steps: Vec<&StepRecord> = sim.steps().collect();
            let start = steps.len().saturating_sub(count);
            ok(steps[start..]
                .iter()
                .map(|s| format!("{}\n", format_step(s)))
                .collect())
        }
        Some(other) => fail(format!(
            "error: unknown sim command \"{other}\" (known: step, advance, log, trail, etcd, node, iptables, explain)"
        )),
        None => fail("error: sim needs a command: step, advance DURATION or log [N]"),
    }
}

const SIM_NODE_USAGE: &str = "sim node add NAME [--cpu N] [--memory Q] [--labels k=v,...] [--taints k=v:Effect,...], sim node fail NAME or sim node recover NAME";

/// `sim node add|fail|recover`: machines joining, failing and coming back.
fn sim_node_command(sim: &mut Simulation, args: &[String]) -> CommandOutput {
    let ok = |stdout: String| CommandOutput {
        stdout,
        stderr: String::new(),
        success: true,
    };
    let Some(action) = args.first().map(String::as_str) else {
        return fail(format!("error: sim node needs a command: {SIM_NODE_USAGE}"));
    };
    if !matches!(action, "add" | "fail" | "recover") {
        return fail(format!(
            "error: unknown sim node command \"{action}\" (known: {SIM_NODE_USAGE})"
        ));
    }
    let Some(name) = args.get(1).filter(|n| !n.starts_with('-')) else {
        return fail(format!(
            "error: sim node {action} needs a node name, like: sim node {action} node-4"
        ));
    };
    let known = || sim.kubelet_nodes().collect::<Vec<_>>().join(", ");
    match action {
        "add" => match node_specification(sim, name, &args[2..]) {
            Ok(spec) => {
                let summary = format!("{} CPU, {} memory", spec.cpu, spec.memory);
                match sim.join_node(spec) {
                    Ok(_) => ok(format!(
                        "node/{name} joined the cluster ({summary}); its kubelet registered it\n"
                    )),
                    Err(e) => fail(e.kubectl_message()),
                }
            }
            Err(e) => fail(e),
        },
        _ if args.len() > 2 => fail(format!(
            "error: sim node {action} takes one node name, not \"{}\"",
            args[2..].join(" ")
        )),
        _ if !sim.kubelet_nodes().any(|n| n == name) => fail(format!(
            "error: node \"{name}\" not found (nodes: {})",
            known()
        )),
        "fail" if !sim.kubelet_running(name) => fail(format!(
            "error: node \"{name}\" has already failed (sim node recover {name} brings it back)"
        )),
        "fail" => {
            sim.fail_node(name);
            ok(format!(
                "node/{name}: kubelet stopped (no heartbeats, no pod syncs); the node controller marks the node NotReady after 50s without a heartbeat\n"
            ))
        }
        _ if sim.kubelet_running(name) => fail(format!(
            "error: node \"{name}\" has not failed (sim node fail {name} stops its kubelet)"
        )),
        _ => {
            sim.recover_node(name);
            ok(format!(
                "node/{name}: kubelet started again; it posts its status and resumes its pods\n"
            ))
        }
    }
}

/// The NodeSpecification `sim node add NAME [flags]` describes.
fn node_specification(
    sim: &Simulation,
    name: &str,
    args: &[String],
) -> Result<crate::kubelet::NodeSpecification, String> {
    use crate::kubectl::nodes::{label_value_errors, parse_args, qualified_name_errors};
    if !crate::apiserver::validation::is_dns1123_subdomain(name) {
        return Err(format!(
            "error: invalid node name \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')"
        ));
    }
    if sim.kubelet_nodes().any(|n| n == name)
        || sim.api().get(&crate::kubelet::node_ref(name)).is_some()
    {
        return Err(format!("error: node \"{name}\" already exists"));
    }
    let parsed = parse_args(
        args,
        &[],
        &[
            ("--cpu", None),
            ("--memory", None),
            ("--labels", None),
            ("--taints", None),
        ],
    )?;
    if let Some(extra) = parsed.positional.first() {
        return Err(format!(
            "error: unexpected argument \"{extra}\" (usage: {SIM_NODE_USAGE})"
        ));
    }
    let cpu = parsed.value("--cpu").unwrap_or("4").to_string();
    match crate::quantity::cpu_millis(&cpu) {
        Ok(m) if m > 0 => {}
        Ok(_) => return Err(format!("error: --cpu must be more than 0, not \"{cpu}\"")),
        Err(e) => return Err(format!("error: invalid --cpu \"{cpu}\": {e}")),
    }
    let memory = parsed.value("--memory").unwrap_or("8Gi").to_string();
    match crate::quantity::value(&memory) {
        Ok(bytes) if bytes > 100 * 1024 * 1024 => {}
        Ok(_) => {
            return Err(format!(
                "error: --memory must be more than 100Mi (the kubelet keeps 100Mi back for its eviction threshold), not \"{memory}\""
            ))
        }
        Err(e) => return Err(format!("error: invalid --memory \"{memory}\": {e}")),
    }
    let mut labels = std::collections::BTreeMap::new();
    for pair in parsed
        .value("--labels")
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.is_empty())
    {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "error: invalid label \"{pair}\" in --labels: use key=value,key2=value2"
            ));
        };
        let mut errors = qualified_name_errors(key);
        errors.extend(label_value_errors(value));
        if !errors.is_empty() {
            return Err(format!(
                "error: invalid label \"{pair}\" in --labels: {}",
                errors.join("; ")
            ));
        }
        labels.insert(key.to_string(), value.to_string());
    }
    let mut taints = Vec::new();
    for spec in parsed
        .value("--taints")
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.is_empty())
    {
        if !spec.contains(':') {
            return Err(format!(
                "error: invalid taint \"{spec}\" in --taints: a taint needs an effect, like {spec}:NoSchedule (NoSchedule, PreferNoSchedule or NoExecute)"
            ));
        }
        let taint = crate::kubectl::taint::parse_taint(spec)
            .map_err(|e| format!("error: invalid taint in --taints: {e}"))?;
        taints.push(taint);
    }
    Ok(crate::kubelet::NodeSpecification {
        name: name.to_string(),
        cpu,
        memory,
        pods: 110,
        control_plane: false,
        labels,
        taints,
        index: sim.next_node_index(),
    })
}

/// The span `sim advance` ran: kubectl's short form, exact below two
/// minutes (`750ms`, `3.9s`), where the AGE column would round it down.
fn advanced_by(d: SimDuration) -> String {
    let ms = d.0;
    if ms.is_multiple_of(1000) || ms >= 120_000 {
        return human_duration(d);
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let fraction = format!("{:03}", ms % 1000);
    format!("{}.{}s", ms / 1000, fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            split_words("kubectl get pods -o wide").unwrap(),
            vec!["kubectl", "get", "pods", "-o", "wide"]
        );
        assert_eq!(
            split_words("  sim  advance 10s # wait").unwrap(),
            vec!["sim", "advance", "10s"]
        );
        assert_eq!(
            split_words("kubectl get pods -l 'app in (a, b)'").unwrap(),
            vec!["kubectl", "get", "pods", "-l", "app in (a, b)"]
        );
        assert_eq!(
            split_words("# only a comment").unwrap(),
            Vec::<String>::new()
        );
        assert!(split_words("echo 'open").is_err());
        // Backslashes as a POSIX shell reads them.
        assert_eq!(
            split_words(r#"sh -c 'echo '\''q'\''' a\ b "x\"y\n""#).unwrap(),
            vec!["sh", "-c", "echo 'q'", "a b", r#"x"y\n"#]
        );
        assert_eq!(
            crate::filters::split_pipeline(r#"echo 'a'\''|b' | wc"#).unwrap(),
            vec![r#"echo 'a'\''|b' "#, " wc"]
        );
    }
}
