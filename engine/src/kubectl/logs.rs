//! `kubectl logs POD [-c CONTAINER] [-p] [--tail N] [--timestamps]`: what a
//! container printed, kept by its node's kubelet.

use k8s_openapi::api::core::v1::Pod;

use crate::apiserver::auth::{Attributes, UserInfo};
use crate::objects::{Kind, MetaExt, ObjectRef};
use crate::podutil;
use crate::sim::Simulation;
use crate::view::CommandOutput;

fn fail(message: impl Into<String>) -> CommandOutput {
    CommandOutput {
        stdout: String::new(),
        stderr: format!("{}\n", message.into()),
        success: false,
    }
}

pub fn run(sim: &Simulation, user: &UserInfo, args: &[String], namespace: &str) -> CommandOutput {
    let mut container: Option<String> = None;
    let mut previous = false;
    let mut timestamps = false;
    let mut tail: Option<usize> = None;
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with('-') => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("error: flag needs an argument: {name}"))
        };
        match name {
            "-c" | "--container" => match value() {
                Ok(v) => container = Some(v),
                Err(e) => return fail(e),
            },
            "-p" | "--previous" => previous = inline.as_deref() != Some("false"),
            "--timestamps" => timestamps = inline.as_deref() != Some("false"),
            "--tail" => match value().map(|v| v.parse::<i64>()) {
                Ok(Ok(n)) if n >= 0 => tail = Some(n as usize),
                Ok(Ok(_)) => tail = None,
                _ => return fail("error: --tail must be a number"),
            },
            "-f" | "--follow" => {}
            other if other.starts_with('-') => {
                return fail(format!("error: unknown flag: {other}"))
            }
            _ => positional.push(arg.clone()),
        }
        i += 1;
    }
    let Some(target) = positional.first() else {
        return fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command");
    };
    let name = target
        .strip_prefix("pod/")
        .or_else(|| target.strip_prefix("pods/"))
        .unwrap_or(target);
    if container.is_none() {
        container = positional.get(1).cloned();
    }
    let attrs = Attributes {
        subresource: "log".into(),
        ..Attributes::new("get", "", "pods", Some(namespace), Some(name))
    };
    if let Err(e) = sim.api().authorize(user, &attrs) {
        return fail(e.kubectl_message());
    }
    let pod_ref = ObjectRef::new(Kind::Pod, Some(namespace), name);
    let Some(pod) = sim.api().get_typed::<Pod>(Some(namespace), name) else {
        return fail(format!(
            "Error from server (NotFound): pods {name:?} not found"
        ));
    };
    let names: Vec<String> = pod
        .spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .map(|c| c.name.clone())
        .collect();
    let mut notice = String::new();
    let container = match container {
        Some(c) => {
            let all: Vec<String> = pod
                .spec
                .iter()
                .flat_map(|s| s.init_containers.iter().flatten().chain(&s.containers))
                .map(|c| c.name.clone())
                .collect();
            if !all.contains(&c) {
                return fail(format!(
                    "Error from server (BadRequest): container {c} is not valid for pod {name}"
                ));
            }
            c
        }
        None if names.len() == 1 => names[0].clone(),
        None => {
            // kubectl picks the default container and says so.
            notice = format!(
                "Defaulted container {:?} out of: {}\n",
                names[0],
                names.join(", ")
            );
            names[0].clone()
        }
    };
    let Some(node) = podutil::node_name(pod) else {
        return fail(format!("Error from server (BadRequest): container {container:?} in pod {name:?} is waiting to start: ContainerCreating"));
    };
    let log = sim.container_log(node, &pod_ref, &container, previous);
    let Some(log) = log else {
        if previous {
            return fail(format!("Error from server (BadRequest): previous terminated container {container:?} in pod {name:?} not found"));
        }
        let waiting = pod
            .status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
            .find(|s| s.name == container)
            .and_then(|s| s.state.as_ref()?.waiting.as_ref()?.reason.clone())
            .unwrap_or_else(|| "ContainerCreating".into());
        return fail(format!("Error from server (BadRequest): container {container:?} in pod {name:?} is waiting to start: {waiting}"));
    };
    let lines: Vec<String> = log
        .lines
        .iter()
        .map(|l| {
            if timestamps {
                format!(
                    "{} {}",
                    l.time.to_k8s().0.strftime("%Y-%m-%dT%H:%M:%S%.9fZ"),
                    l.text
                )
            } else {
                l.text.clone()
            }
        })
        .collect();
    let start = tail.map_or(0, |t| lines.len().saturating_sub(t));
    let mut stdout: String = lines[start..].iter().map(|l| format!("{l}\n")).collect();
    if pod.metadata.is_deleting() && stdout.is_empty() {
        stdout.clear();
    }
    CommandOutput {
        stdout,
        stderr: notice,
        success: true,
    }
}
