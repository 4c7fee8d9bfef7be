//! What kubectl's node commands (cordon, uncordon, drain, taint) and label
//! share: their own flag parsing, finding the nodes they act on, writing a
//! node back, and the client-side checks kubectl makes
//! (k8s.io/apimachinery/pkg/util/validation).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Node;

use crate::apiserver::auth::{Attributes, UserInfo};
use crate::apiserver::ApiError;
use crate::kubelet::node_ref;
use crate::labels::Selector;
use crate::objects::{MetaExt, Object};
use crate::sim::Simulation;

/// A command's arguments: positional words, boolean flags and flags with values.
#[derive(Debug, Default)]
pub struct Args {
    pub positional: Vec<String>,
    pub bools: BTreeSet<&'static str>,
    pub values: BTreeMap<&'static str, String>,
}

impl Args {
    pub fn has(&self, flag: &str) -> bool {
        self.bools.contains(flag)
    }

    pub fn value(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }
}

/// Parses `args` for a command that knows `bools` (`--force`) and `values`
/// (long name, optional short name). `--flag=value`, `--flag value` and
/// `--bool=true|false` are understood as cobra understands them.
pub fn parse_args(
    args: &[String],
    bools: &[&'static str],
    values: &[(&'static str, Option<&'static str>)],
) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if !arg.starts_with('-') || arg == "-" {
            parsed.positional.push(arg.clone());
            i += 1;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        if let Some(flag) = bools.iter().find(|b| **b == name) {
            match inline.as_deref() {
                None | Some("true") => {
                    parsed.bools.insert(flag);
                }
                Some("false") => {
                    parsed.bools.remove(flag);
                }
                Some(other) => {
                    return Err(format!(
                        "error: invalid argument \"{other}\" for \"{name}\" flag: strconv.ParseBool: parsing \"{other}\": invalid syntax"
                    ))
                }
            }
        } else if let Some((long, _)) = values
            .iter()
            .find(|(long, short)| *long == name || short.is_some_and(|s| s == name))
        {
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| format!("error: flag needs an argument: {name}"))?
                }
            };
            parsed.values.insert(long, value);
        } else {
            return Err(format!("error: unknown flag: {name}"));
        }
        i += 1;
    }
    Ok(parsed)
}

/// cmdutil.UsageErrorf as CheckErr prints it.
pub fn usage_error(command: &str, message: &str) -> String {
    format!("error: {message}\nSee 'kubectl {command} -h' for help and examples")
}

/// Checks RBAC for a request on nodes.
pub fn authorize(
    sim: &Simulation,
    user: &UserInfo,
    verb: &str,
    name: Option<&str>,
) -> Result<(), String> {
    let attrs = Attributes::new(verb, "", "nodes", None, name);
    sim.api()
        .authorize(user, &attrs)
        .map_err(|e| e.kubectl_message())
}

/// The nodes a command names, or those a `-l` selector picks, as kubectl's
/// resource builder finds them: a missing node is the API server's NotFound.
pub fn find_nodes(
    sim: &Simulation,
    user: &UserInfo,
    names: &[String],
    selector: Option<&str>,
) -> Result<Vec<Node>, String> {
    let mut nodes = Vec::new();
    if let Some(text) = selector {
        let selector = Selector::parse(text).map_err(|e| format!("error: {e}"))?;
        authorize(sim, user, "list", None)?;
        nodes.extend(
            sim.api()
                .list_typed::<Node>(None)
                .into_iter()
                .filter(|n| selector.matches(&n.metadata.labels_map()))
                .cloned(),
        );
        if nodes.is_empty() {
            return Err("No resources found".to_string());
        }
    }
    for name in names {
        authorize(sim, user, "get", Some(name))?;
        match sim.api().get(&node_ref(name)) {
            Some(Object::Node(node)) => nodes.push(node.clone()),
            _ => return Err(ApiError::not_found("nodes", name).kubectl_message()),
        }
    }
    Ok(nodes)
}

/// Writes a changed node back through the API server (kubectl sends a patch;
/// the result is the same object).
pub fn update_node(sim: &mut Simulation, user: &UserInfo, mut node: Node) -> Result<Node, String> {
    authorize(sim, user, "patch", Some(node.metadata.name_str()))?;
    node.metadata.resource_version = None;
    match sim.api.update(Object::Node(node)).as_deref() {
        Ok(Object::Node(updated)) => Ok(updated.clone()),
        Ok(_) => Err("error: the server returned an object of another kind".into()),
        Err(e) => Err(e.kubectl_message()),
    }
}

const QUALIFIED_NAME_MAX: usize = 63;
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

fn is_name_part(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
}

fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// validation.IsQualifiedName: the messages, or empty when valid.
pub fn qualified_name_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let (prefix, name) = match value.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, value),
    };
    if value.matches('/').count() > 1 {
        return vec![format!(
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QUALIFIED_NAME_FMT}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        )];
    }
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            errors.push("prefix part must be non-empty".to_string());
        } else if !is_dns1123_subdomain(prefix) {
            errors.push("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_string());
        }
    }
    if name.is_empty() {
        errors.push("name part must be non-empty".to_string());
    } else if name.len() > QUALIFIED_NAME_MAX {
        errors.push(format!(
            "name part must be no more than {QUALIFIED_NAME_MAX} characters"
        ));
    }
    if !is_name_part(name) {
        errors.push(format!("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QUALIFIED_NAME_FMT}')"));
    }
    errors
}

/// validation.IsValidLabelValue: the messages, or empty when valid.
pub fn label_value_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > 63 {
        errors.push("must be no more than 63 characters".to_string());
    }
    if !value.is_empty() && !is_name_part(value) {
        errors.push(format!("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '{LABEL_VALUE_FMT}')"));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_like_cobra() {
        let args: Vec<String> = ["node-1", "--force", "--grace-period=5", "-l", "a=b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let parsed = parse_args(
            &args,
            &["--force"],
            &[("--grace-period", None), ("--selector", Some("-l"))],
        )
        .unwrap();
        assert_eq!(parsed.positional, vec!["node-1"]);
        assert!(parsed.has("--force"));
        assert_eq!(parsed.value("--grace-period"), Some("5"));
        assert_eq!(parsed.value("--selector"), Some("a=b"));
        assert_eq!(
            parse_args(&["--nope".to_string()], &[], &[]).unwrap_err(),
            "error: unknown flag: --nope"
        );
        assert_eq!(
            parse_args(&["-l".to_string()], &[], &[("--selector", Some("-l"))]).unwrap_err(),
            "error: flag needs an argument: -l"
        );
    }

    #[test]
    fn names_and_values_validate_like_apimachinery() {
        assert!(qualified_name_errors("dedicated").is_empty());
        assert!(qualified_name_errors("example.com/gpu").is_empty());
        assert!(!qualified_name_errors("bad key").is_empty());
        assert!(!qualified_name_errors("Example.com/gpu").is_empty());
        assert!(!qualified_name_errors("").is_empty());
        assert!(label_value_errors("").is_empty());
        assert!(label_value_errors("special-user").is_empty());
        assert!(!label_value_errors("-x").is_empty());
        assert!(!label_value_errors(&"a".repeat(64)).is_empty());
    }
}
