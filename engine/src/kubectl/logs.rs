//! `kubectl logs POD [-c CONTAINER] [-p] [--tail N] [--timestamps]`: what a
//! container printed, kept by its node's kubelet.

use k8s_openapi::api::core::v1::Pod;

use super::fail;
use crate::apiserver::auth::{Attributes, UserInfo};
use crate::labels::Selector;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::sim::Simulation;
use crate::view::CommandOutput;

/// `TYPE/NAME`: the pod whose logs kubectl shows for an object
/// (polymorphichelpers.AttachablePodForObject): the pod itself, or the
/// most active of a workload's pods (GetFirstPod); and how many it chose from.
pub(crate) fn pod_of(
    sim: &Simulation,
    resource: &str,
    name: &str,
    namespace: &str,
) -> Result<(String, usize), String> {
    let Some(kind) = Kind::from_resource_arg(resource) else {
        return Err(format!(
            "error: the server doesn't have a resource type \"{resource}\""
        ));
    };
    if kind == Kind::Pod {
        return Ok((name.to_string(), 1));
    }
    let Some(object) = sim.api().get(&ObjectRef::new(kind, Some(namespace), name)) else {
        return Err(format!(
            "Error from server (NotFound): {} {name:?} not found",
            kind.info().qualified_plural()
        ));
    };
    let selector = match object {
        Object::Job(j) => j.spec.as_ref().and_then(|s| s.selector.as_ref()),
        Object::Deployment(d) => d.spec.as_ref().map(|s| &s.selector),
        Object::ReplicaSet(rs) => rs.spec.as_ref().map(|s| &s.selector),
        Object::StatefulSet(sts) => sts.spec.as_ref().map(|s| &s.selector),
        Object::DaemonSet(ds) => ds.spec.as_ref().map(|s| &s.selector),
        _ => {
            return Err(format!(
                "error: cannot attach to {}: not implemented",
                kind.info().qualified_singular()
            ))
        }
    };
    let selector = Selector::from_label_selector(selector).map_err(|e| format!("error: {e}"))?;
    let mut pods: Vec<&Pod> = sim
        .api()
        .list_typed::<Pod>(Some(namespace))
        .into_iter()
        .filter(|p| selector.matches(&p.metadata.labels.clone().unwrap_or_default()))
        .collect();
    // controller.ActivePods, most active first: on a node, running, ready.
    let rank = |p: &Pod| {
        let phase = match podutil::phase(p) {
            "Running" => 0,
            "Pending" => 1,
            _ => 2,
        };
        (
            podutil::node_name(p).is_none(),
            phase,
            !podutil::is_ready(p),
            p.metadata.name_str().to_string(),
        )
    };
    crate::sorting::sort_by_key(&mut pods, |p| rank(p));
    match pods.first() {
        Some(p) => Ok((p.metadata.name_str().to_string(), pods.len())),
        None => Err("error: timed out waiting for the condition".into()),
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
    let mut notice = String::new();
    let chosen;
    let name = match target.split_once('/') {
        None => target.as_str(),
        Some((resource, object)) => match pod_of(sim, resource, object, namespace) {
            Ok((pod, found)) => {
                if found > 1 {
                    notice.push_str(&format!("Found {found} pods, using pod/{pod}\n"));
                }
                chosen = pod;
                chosen.as_str()
            }
            Err(e) => return fail(e),
        },
    };
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
    let container = match container {
        Some(c) => {
            if !super::podcmd::has_container(pod, &c) {
                return fail(format!(
                    "Error from server (BadRequest): container {c} is not valid for pod {name}"
                ));
            }
            c
        }
        None => match super::podcmd::default_container(pod) {
            Ok((c, note)) => {
                notice.push_str(&note.unwrap_or_default());
                c
            }
            Err(e) => return fail(e),
        },
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
