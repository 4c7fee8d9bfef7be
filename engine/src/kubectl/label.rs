//! `kubectl label TYPE NAME k=v k2-` (staging/src/k8s.io/kubectl/pkg/cmd/label/label.go):
//! adds, changes (with `--overwrite`) and removes labels on any object,
//! printing `node/node-1 labeled`, `unlabeled` or `not labeled`.

use std::collections::BTreeMap;

use super::fail;
use super::nodes::{label_value_errors, parse_args};
use crate::apiserver::auth::{Attributes, UserInfo};
use crate::apiserver::ApiError;
use crate::labels::Selector;
use crate::objects::{Kind, ObjectRef};
use crate::sim::Simulation;
use crate::view::CommandOutput;

/// parseLabels: the labels to set and the keys to remove.
fn parse_labels(specs: &[String]) -> Result<(BTreeMap<String, String>, Vec<String>), String> {
    let mut labels = BTreeMap::new();
    let mut remove = Vec::new();
    for spec in specs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            if parts.len() != 2 {
                return Err(format!("invalid label spec: {spec}"));
            }
            let errors = label_value_errors(parts[1]);
            if !errors.is_empty() {
                return Err(format!(
                    "invalid label value: \"{spec}\": {}",
                    errors.join(";")
                ));
            }
            labels.insert(parts[0].to_string(), parts[1].to_string());
        } else if let Some(key) = spec.strip_suffix('-') {
            remove.push(key.to_string());
        } else {
            return Err(format!("unknown label spec: {spec}"));
        }
    }
    if remove.iter().any(|k| labels.contains_key(k)) {
        return Err("can not both modify and remove a label in the same command".into());
    }
    Ok((labels, remove))
}

fn resolve_kind(arg: &str) -> Result<Kind, String> {
    Kind::from_resource_arg(arg)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{arg}\""))
}

/// The objects the arguments name (ResourceTypeOrNameArgs), or a selector
/// picks, and the errors for the ones that could not be found (the builder
/// continues on error; they are printed after the others are labelled).
fn targets(
    sim: &Simulation,
    user: &UserInfo,
    resources: &[String],
    namespace: &str,
    selector: Option<&str>,
    all: bool,
) -> Result<(Vec<ObjectRef>, Vec<String>), String> {
    let mut refs = Vec::new();
    let mut errors = Vec::new();
    let mut named: Vec<(Kind, String)> = Vec::new();
    if resources[0].contains('/') {
        for r in resources {
            let Some((kind, name)) = r.split_once('/') else {
                return Err("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".to_string());
            };
            named.push((resolve_kind(kind)?, name.to_string()));
        }
    } else {
        let kind = resolve_kind(&resources[0])?;
        if resources.len() == 1 {
            if selector.is_none() && !all {
                return Err(
                    "error: resource(s) were provided, but no name was specified".to_string(),
                );
            }
            let info = kind.info();
            let ns = info.namespaced.then_some(namespace);
            let attrs = Attributes::new("list", info.group, info.plural, ns, None);
            sim.api()
                .authorize(user, &attrs)
                .map_err(|e| e.kubectl_message())?;
            let selector =
                Selector::parse(selector.unwrap_or("")).map_err(|e| format!("error: {e}"))?;
            refs.extend(
                sim.api()
                    .list(kind, ns)
                    .filter(|o| selector.matches(&o.meta().labels.clone().unwrap_or_default()))
                    .map(ObjectRef::of),
            );
            if refs.is_empty() {
                return Err("No resources found".to_string());
            }
        }
        named.extend(resources[1..].iter().map(|n| (kind, n.clone())));
    }
    for (kind, name) in named {
        let info = kind.info();
        let ns = info.namespaced.then_some(namespace);
        let key = ObjectRef::new(kind, ns, &name);
        let attrs = Attributes::new("get", info.group, info.plural, ns, Some(&name));
        if let Err(e) = sim.api().authorize(user, &attrs) {
            errors.push(e.kubectl_message());
            continue;
        }
        if sim.api().get(&key).is_none() {
            errors.push(ApiError::not_found(&info.qualified_plural(), &name).kubectl_message());
            continue;
        }
        refs.push(key);
    }
    Ok((refs, errors))
}

/// `kubectl label TYPE NAME... KEY=VALUE... KEY-... [--overwrite] [-n NS] [-l SELECTOR] [--all]`.
pub fn run(sim: &mut Simulation, args: &[String], user: &UserInfo) -> CommandOutput {
    let parsed = match parse_args(
        args,
        &["--overwrite", "--all"],
        &[("--namespace", Some("-n")), ("--selector", Some("-l"))],
    ) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    // GetResourcesAndPairs.
    let mut resources: Vec<String> = Vec::new();
    let mut pairs: Vec<String> = Vec::new();
    for s in &parsed.positional {
        let is_pair = s.contains('=') || s.ends_with('-');
        match (pairs.is_empty(), is_pair) {
            (_, true) => pairs.push(s.clone()),
            (true, false) => resources.push(s.clone()),
            (false, false) => {
                return fail(format!(
                    "error: all resources must be specified before label changes: {s}"
                ))
            }
        }
    }
    let (labels, remove) = match parse_labels(&pairs) {
        Ok(l) => l,
        Err(e) => return fail(format!("error: {e}")),
    };
    let all = parsed.has("--all");
    let selector = parsed.value("--selector");
    if all && selector.is_some() {
        return fail("error: cannot set --all and --selector at the same time");
    }
    if resources.is_empty() {
        return fail(
            "error: one or more resources must be specified as <resource> <name> or <resource>/<name>",
        );
    }
    if labels.is_empty() && remove.is_empty() {
        return fail("error: at least one label update is required");
    }
    let namespace = parsed.value("--namespace").unwrap_or("default").to_string();
    let (refs, lookup_errors) = match targets(sim, user, &resources, &namespace, selector, all) {
        Ok(found) => found,
        Err(e) => return fail(e),
    };
    let overwrite = parsed.has("--overwrite");
    let mut out = CommandOutput {
        success: true,
        ..CommandOutput::default()
    };
    for key in refs {
        let Some(object) = sim.api().get(&key).cloned() else {
            continue;
        };
        let info = key.kind.info();
        let current = object.meta().labels.clone().unwrap_or_default();
        for k in &remove {
            if !current.contains_key(k) {
                out.stdout.push_str(&format!("label \"{k}\" not found.\n"));
            }
        }
        if !overwrite {
            let clashes: Vec<String> = labels
                .keys()
                .filter_map(|k| {
                    current.get(k).map(|v| {
                        format!("'{k}' already has a value ({v}), and --overwrite is false")
                    })
                })
                .collect();
            if !clashes.is_empty() {
                for (i, e) in clashes.iter().enumerate() {
                    if i == 0 {
                        out.stderr.push_str("error: ");
                    }
                    out.stderr.push_str(&format!("{e}\n"));
                }
                out.success = false;
                continue;
            }
        }
        let mut new_labels = current.clone();
        new_labels.extend(labels.clone());
        for k in &remove {
            new_labels.remove(k);
        }
        let mut updated = object.clone();
        updated.meta_mut().labels = Some(new_labels);
        // updateDataChangeMsg compares the object's JSON before and after.
        // Through serde_json::Value, as objects are serialized everywhere else
        // (one copy of the serializers): its keys come sorted, which changes
        // neither the equality nor the length compared here.
        let old_json = serde_json::to_value(&object)
            .unwrap_or_default()
            .to_string();
        let new_json = serde_json::to_value(&updated)
            .unwrap_or_default()
            .to_string();
        let message = if old_json == new_json {
            "not labeled"
        } else if !overwrite && new_json.len() < old_json.len() {
            "unlabeled"
        } else {
            "labeled"
        };
        let attrs = Attributes::new(
            "patch",
            info.group,
            info.plural,
            key.namespace.as_deref(),
            Some(&key.name),
        );
        if let Err(e) = sim.api().authorize(user, &attrs) {
            out.stderr.push_str(&format!("{}\n", e.kubectl_message()));
            out.success = false;
            continue;
        }
        updated.meta_mut().resource_version = None;
        match sim.api.update(updated) {
            Ok(_) => {
                let line = format!("{}/{} {message}", info.qualified_singular(), key.name);
                out.stdout.push_str(&format!("{line}\n"));
                sim.after_user_change(format!(
                    "kubectl label {} {} {}: {line}",
                    info.plural,
                    key.name,
                    pairs.join(" ")
                ));
            }
            Err(e) => {
                out.stderr.push_str(&format!("{}\n", e.kubectl_message()));
                out.success = false;
            }
        }
    }
    for e in lookup_errors {
        out.stderr.push_str(&format!("{e}\n"));
        out.success = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_specs_parse_like_kubectl() {
        let (set, remove) = parse_labels(&["disk=ssd".into(), "old-".into()]).unwrap();
        assert_eq!(set.get("disk").map(String::as_str), Some("ssd"));
        assert_eq!(remove, vec!["old".to_string()]);
        assert_eq!(
            parse_labels(&["a=b=c".into()]).unwrap_err(),
            "invalid label spec: a=b=c"
        );
        assert!(parse_labels(&["a=-x".into()])
            .unwrap_err()
            .starts_with("invalid label value: \"a=-x\": a valid label must be"));
        assert_eq!(
            parse_labels(&["a=b".into(), "a-".into()]).unwrap_err(),
            "can not both modify and remove a label in the same command"
        );
    }
}
