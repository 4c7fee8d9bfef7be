//! `kubectl --as USER [--as-group GROUP]` and `kubectl auth can-i`.

use crate::apiserver::auth::{Attributes, UserInfo};
use crate::objects::Kind;
use crate::sim::Simulation;
use crate::view::CommandOutput;

/// Takes `--as` and `--as-group` out of the arguments and says who the request is from.
pub fn take_identity(args: &mut Vec<String>) -> Result<UserInfo, String> {
    let mut name: Option<String> = None;
    let mut groups = Vec::new();
    let mut i = 0;
    while i < args.len() {
        // What follows `--` is a command's (kubectl exec, run).
        if args[i] == "--" {
            break;
        }
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) if f == "--as" || f == "--as-group" => {
                (f.to_string(), Some(v.to_string()))
            }
            _ => (args[i].clone(), None),
        };
        if flag != "--as" && flag != "--as-group" {
            i += 1;
            continue;
        }
        args.remove(i);
        let value = match inline {
            Some(v) => v,
            None if i < args.len() => args.remove(i),
            None => return Err(format!("error: flag needs an argument: {flag}")),
        };
        if flag == "--as" {
            name = Some(value);
        } else {
            groups.push(value);
        }
    }
    match name {
        Some(name) => Ok(UserInfo::impersonate(&name, &groups)),
        None if !groups.is_empty() => {
            Err("error: requesting uid or groups without impersonating a user".into())
        }
        None => Ok(UserInfo::admin()),
    }
}

/// `kubectl auth can-i VERB RESOURCE[/NAME] [NAME]`: `yes`, or `no` with exit status 1.
pub fn can_i(
    sim: &Simulation,
    user: &UserInfo,
    positional: &[String],
    namespace: Option<&str>,
    all_namespaces: bool,
) -> CommandOutput {
    let fail = |message: String| CommandOutput {
        stdout: String::new(),
        stderr: format!("{message}\n"),
        success: false,
    };
    if positional.first().map(String::as_str) != Some("can-i") {
        return fail("error: unknown auth subcommand; kubeplay knows: kubectl auth can-i VERB RESOURCE [NAME]".into());
    }
    let (Some(verb), Some(resource)) = (positional.get(1), positional.get(2)) else {
        return fail(
            "error: you must specify two arguments: verb resource or verb resource/resourceName."
                .into(),
        );
    };
    let (resource, mut name) = match resource.split_once('/') {
        Some((r, n)) => (r.to_string(), Some(n.to_string())),
        None => (resource.clone(), None),
    };
    if let Some(n) = positional.get(3) {
        name = Some(n.clone());
    }
    let (group, plural, namespaced) = if resource == "*" {
        ("*".to_string(), "*".to_string(), true)
    } else {
        match Kind::from_resource_arg(&resource) {
            Some(kind) => {
                let info = kind.info();
                (
                    info.group.to_string(),
                    info.plural.to_string(),
                    info.namespaced,
                )
            }
            None => {
                // kubectl warns but still asks about an unknown resource.
                let (plural, group) = resource
                    .split_once('.')
                    .map(|(p, g)| (p.to_string(), g.to_string()))
                    .unwrap_or((resource.clone(), String::new()));
                (group, plural, true)
            }
        }
    };
    let ns = if namespaced && !all_namespaces {
        Some(namespace.unwrap_or("default"))
    } else {
        None
    };
    let attrs = Attributes::new(verb, &group, &plural, ns, name.as_deref());
    if sim.api().allowed(user, &attrs) {
        CommandOutput {
            stdout: "yes\n".into(),
            stderr: String::new(),
            success: true,
        }
    } else {
        CommandOutput {
            stdout: "no\n".into(),
            stderr: String::new(),
            success: false,
        }
    }
}
