//! `kubectl taint nodes NAME key=value:Effect` and `key:Effect-` / `key-`
//! (staging/src/k8s.io/kubectl/pkg/cmd/taint/taint.go and utils.go): the
//! same argument rules, the same checks, `node/node-1 tainted`,
//! `untainted` or `modified`.

use k8s_openapi::api::core::v1::{Node, Taint};

use super::fail;
use super::nodes::{
    find_nodes, label_value_errors, parse_args, qualified_name_errors, update_node, usage_error,
};
use crate::apiserver::auth::UserInfo;
use crate::objects::{Kind, MetaExt};
use crate::sim::Simulation;
use crate::view::CommandOutput;

const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Taint.ToString.
fn to_string(t: &Taint) -> String {
    let value = t.value.as_deref().unwrap_or("");
    match (t.effect.is_empty(), value.is_empty()) {
        (true, true) => t.key.clone(),
        (true, false) => format!("{}={value}:", t.key),
        (false, true) => format!("{}:{}", t.key, t.effect),
        (false, false) => format!("{}={value}:{}", t.key, t.effect),
    }
}

/// parseTaint: `<key>=<value>:<effect>`, `<key>:<effect>` or `<key>`.
pub(crate) fn parse_taint(spec: &str) -> Result<Taint, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (key, value, effect) = match parts.as_slice() {
        [key] => (key.to_string(), String::new(), String::new()),
        [kv, effect] => {
            if !EFFECTS.contains(effect) {
                return Err(format!(
                    "invalid taint effect: {effect}, unsupported taint effect"
                ));
            }
            let kv: Vec<&str> = kv.split('=').collect();
            match kv.as_slice() {
                [key] => (key.to_string(), String::new(), effect.to_string()),
                [key, value] => {
                    let errors = label_value_errors(value);
                    if !errors.is_empty() {
                        return Err(format!("invalid taint spec: {spec}, {}", errors.join("; ")));
                    }
                    (key.to_string(), value.to_string(), effect.to_string())
                }
                _ => return Err(format!("invalid taint spec: {spec}")),
            }
        }
        _ => return Err(format!("invalid taint spec: {spec}")),
    };
    let errors = qualified_name_errors(&key);
    if !errors.is_empty() {
        return Err(format!("invalid taint spec: {spec}, {}", errors.join("; ")));
    }
    Ok(Taint {
        key,
        value: (!value.is_empty()).then_some(value),
        effect,
        time_added: None,
    })
}

/// parseTaints: the taints to add and to remove.
fn parse_taints(specs: &[String]) -> Result<(Vec<Taint>, Vec<Taint>), String> {
    let mut add: Vec<Taint> = Vec::new();
    let mut remove = Vec::new();
    for spec in specs {
        if let Some(stripped) = spec.strip_suffix('-') {
            let t = parse_taint(stripped)?;
            remove.push(Taint { value: None, ..t });
        } else {
            let t = parse_taint(spec)?;
            if t.effect.is_empty() {
                return Err(format!("invalid taint spec: {spec}"));
            }
            if add.iter().any(|a| a.key == t.key && a.effect == t.effect) {
                return Err(format!(
                    "duplicated taints with the same key and effect: {{{} {} {} <nil>}}",
                    t.key,
                    t.value.as_deref().unwrap_or(""),
                    t.effect
                ));
            }
            add.push(t);
        }
    }
    Ok((add, remove))
}

fn matches(a: &Taint, b: &Taint) -> bool {
    a.key == b.key && a.effect == b.effect
}

/// reorganizeTaints: (operation, new taint list, errors).
fn reorganize(
    old: &[Taint],
    overwrite: bool,
    add: &[Taint],
    remove: &[Taint],
) -> (&'static str, Vec<Taint>, Vec<String>) {
    let mut new_taints: Vec<Taint> = add.to_vec();
    // addTaints: keep the old taints that are not being replaced.
    for t in old {
        if !new_taints.iter().any(|n| matches(n, t)) {
            new_taints.push(t.clone());
        }
    }
    let added = old.len() != new_taints.len();
    // deleteTaints: as upstream, `deleted` is what the last removal did.
    let mut errors = Vec::new();
    let mut deleted = false;
    for r in remove {
        let before = new_taints.len();
        if r.effect.is_empty() {
            new_taints.retain(|t| t.key != r.key);
        } else {
            new_taints.retain(|t| !matches(r, t));
        }
        deleted = new_taints.len() != before;
        if !deleted {
            errors.push(format!("taint \"{}\" not found", to_string(r)));
        }
    }
    let operation = if (added && deleted) || overwrite {
        "modified"
    } else if added {
        "tainted"
    } else {
        "untainted"
    };
    (operation, new_taints, errors)
}

/// CheckErr's printing of an error, or of an aggregate one per line.
fn errors_out(errors: &[String]) -> CommandOutput {
    let mut text = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i == 0 {
            text.push_str("error: ");
        }
        text.push_str(e);
        text.push('\n');
    }
    fail(text)
}

/// `kubectl taint nodes NAME... TAINT... [--overwrite] [-l SELECTOR] [--all]`.
pub fn run(sim: &mut Simulation, args: &[String], user: &UserInfo) -> CommandOutput {
    let parsed = match parse_args(
        args,
        &["--overwrite", "--all"],
        &[("--selector", Some("-l"))],
    ) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut resources: Vec<String> = Vec::new();
    let mut taint_args: Vec<String> = Vec::new();
    for s in &parsed.positional {
        let is_taint = s.contains('=') || s.contains(':') || s.ends_with('-');
        match (taint_args.is_empty(), is_taint) {
            (_, true) => taint_args.push(s.clone()),
            (true, false) => resources.push(s.clone()),
            (false, false) => {
                return fail(format!(
                    "error: all resources must be specified before taint changes: {s}"
                ))
            }
        }
    }
    if resources.is_empty() {
        return fail("error: one or more resources must be specified as <resource> <name>");
    }
    if taint_args.is_empty() {
        return fail("error: at least one taint update is required");
    }
    let (add, remove) = match parse_taints(&taint_args) {
        Ok(t) => t,
        Err(e) => return fail(usage_error("taint", &e)),
    };
    // Validate.
    let resource_type = resources[0].to_lowercase();
    match Kind::from_resource_arg(&resource_type) {
        Some(Kind::Node) => {}
        Some(_) => {
            return fail(format!(
                "error: invalid resource type {resource_type}, only node types are supported"
            ))
        }
        None => {
            return fail(format!(
                "error: the server doesn't have a resource type \"{resource_type}\""
            ))
        }
    }
    let conflicts: Vec<String> = add
        .iter()
        .flat_map(|a| {
            remove
                .iter()
                .filter(move |r| a.key == r.key && (r.effect.is_empty() || a.effect == r.effect))
                .map(|r| format!("{{\"{}\":\"{}\"}}", r.key, r.effect))
        })
        .collect();
    if !conflicts.is_empty() {
        return fail(format!(
            "error: can not both modify and remove the following taint(s) in the same command: {}",
            conflicts.join(", ")
        ));
    }
    let all = parsed.has("--all");
    let selector = parsed.value("--selector");
    if all && selector.is_some() {
        return fail("error: setting 'all' parameter with a non empty selector is prohibited");
    }
    if !all && selector.is_none() && resources.len() < 2 {
        return fail(
            "error: at least one resource name must be specified since 'all' parameter is not set",
        );
    }
    let nodes: Vec<Node> = if all {
        match find_nodes(sim, user, &[], Some("")) {
            Ok(n) => n,
            Err(e) => return fail(e),
        }
    } else {
        match find_nodes(sim, user, &resources[1..], selector) {
            Ok(n) => n,
            Err(e) => return fail(e),
        }
    };
    let overwrite = parsed.has("--overwrite");
    let mut out = CommandOutput {
        success: true,
        ..CommandOutput::default()
    };
    for node in nodes {
        let name = node.metadata.name_str().to_string();
        let old: Vec<Taint> = node
            .spec
            .as_ref()
            .and_then(|s| s.taints.clone())
            .unwrap_or_default();
        if !overwrite {
            let exists: Vec<&str> = add
                .iter()
                .flat_map(|a| {
                    old.iter()
                        .filter(move |o| matches(a, o))
                        .map(|_| a.key.as_str())
                })
                .collect();
            if !exists.is_empty() {
                let mut failed = errors_out(&[format!(
                    "node {name} already has {} taint(s) with same effect(s) and --overwrite is false",
                    exists.join(",")
                )]);
                failed.stdout = out.stdout;
                return failed;
            }
        }
        let (operation, new_taints, errors) = reorganize(&old, overwrite, &add, &remove);
        if !errors.is_empty() {
            let mut failed = errors_out(&errors);
            failed.stdout = out.stdout;
            return failed;
        }
        let mut updated = node.clone();
        updated.spec.get_or_insert_with(Default::default).taints =
            (!new_taints.is_empty()).then_some(new_taints);
        match update_node(sim, user, updated) {
            Ok(_) => {
                out.stdout.push_str(&format!("node/{name} {operation}\n"));
                sim.after_user_change(format!(
                    "kubectl taint nodes {name} {}: node/{name} {operation}",
                    taint_args.join(" ")
                ));
            }
            Err(e) => {
                let mut failed = fail(e);
                failed.stdout = out.stdout;
                return failed;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(key: &str, value: Option<&str>, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: value.map(Into::into),
            effect: effect.into(),
            time_added: None,
        }
    }

    #[test]
    fn specs_parse_like_kubectl() {
        assert_eq!(
            parse_taint("dedicated=gpu:NoSchedule").unwrap(),
            t("dedicated", Some("gpu"), "NoSchedule")
        );
        assert_eq!(
            parse_taint("bar:NoExecute").unwrap(),
            t("bar", None, "NoExecute")
        );
        assert_eq!(
            parse_taint("a:Sometimes").unwrap_err(),
            "invalid taint effect: Sometimes, unsupported taint effect"
        );
        assert!(parse_taint("a=b=c:NoSchedule")
            .unwrap_err()
            .starts_with("invalid taint spec: a=b=c:NoSchedule"));
        assert!(parse_taint("bad key:NoSchedule")
            .unwrap_err()
            .contains("name part must consist of"));
        // Adding needs an effect.
        assert_eq!(
            parse_taints(&["dedicated=gpu:".into()]).unwrap_err(),
            "invalid taint effect: , unsupported taint effect"
        );
    }

    #[test]
    fn reorganize_reports_the_operation() {
        let old = vec![t("a", None, "NoSchedule")];
        let (op, new, errs) = reorganize(&old, false, &[t("b", Some("x"), "NoExecute")], &[]);
        assert_eq!(op, "tainted");
        assert_eq!(
            new,
            vec![t("b", Some("x"), "NoExecute"), t("a", None, "NoSchedule")]
        );
        assert!(errs.is_empty());
        let (op, new, _) = reorganize(&old, false, &[], &[t("a", None, "NoSchedule")]);
        assert_eq!(op, "untainted");
        assert!(new.is_empty());
        let (op, _, errs) = reorganize(&old, false, &[], &[t("zzz", None, "")]);
        assert_eq!(op, "untainted");
        assert_eq!(errs, vec!["taint \"zzz\" not found".to_string()]);
        let (op, _, _) = reorganize(&old, true, &[t("a", Some("v"), "NoSchedule")], &[]);
        assert_eq!(op, "modified");
    }
}
