//! `kubectl describe`: an object's story in prose, with its Events at the
//! bottom (staging/src/k8s.io/kubectl/pkg/describe/describe.go). Pods,
//! Deployments, ReplicaSets and Nodes get their own layout; other kinds get
//! their metadata and events.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Container, ContainerState, Event, Node, Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use super::printers;

mod config;
pub mod network;
mod storage;
mod template;
use crate::apiserver::auth::{Attributes, UserInfo};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::quantity;
use crate::scheduler::framework::pod_requests;
use crate::sim::Simulation;
use crate::time::{human_duration, SimTime};
use crate::view::CommandOutput;
pub use template::pod_template_plain;

/// Lines of `Key:  value`, aligned within a block as kubectl's tab writer aligns them.
/// A row without a value is written as it is and takes no part in the
/// alignment (a tab writer line without a tab).
#[derive(Default)]
struct Block {
    rows: Vec<(String, Option<String>)>,
}

impl Block {
    fn add(&mut self, key: &str, value: impl Into<String>) {
        self.rows.push((format!("{key}:"), Some(value.into())));
    }

    /// A value spanning several lines, continued under the first.
    fn add_lines(&mut self, key: &str, lines: Vec<String>) {
        if lines.is_empty() {
            self.add(key, "<none>");
            return;
        }
        for (i, line) in lines.into_iter().enumerate() {
            let k = if i == 0 {
                format!("{key}:")
            } else {
                String::new()
            };
            self.rows.push((k, Some(line)));
        }
    }

    /// A line as it is, outside the alignment.
    fn add_raw(&mut self, line: impl Into<String>) {
        self.rows.push((line.into(), None));
    }

    fn render(&self, indent: usize) -> String {
        let width = self
            .rows
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.len())
            .max()
            .unwrap_or(0)
            + 2;
        let pad = " ".repeat(indent);
        self.rows
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{pad}{k:<width$}{v}").trim_end().to_string() + "\n",
                None => format!("{pad}{k}\n"),
            })
            .collect()
    }
}

fn rfc1123(t: Option<&Time>) -> String {
    t.map(|t| t.0.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string())
        .unwrap_or_else(|| "<unset>".into())
}

fn map_lines(
    map: Option<&std::collections::BTreeMap<String, String>>,
    separator: &str,
) -> Vec<String> {
    map.iter()
        .flat_map(|m| m.iter())
        .map(|(k, v)| format!("{k}{separator}{v}"))
        .collect()
}

fn annotations(meta: &ObjectMeta) -> Vec<String> {
    // kubectl skips the last-applied configuration: it is long and says nothing new.
    meta.annotations
        .iter()
        .flat_map(|m| m.iter())
        .filter(|(k, _)| k.as_str() != crate::kubectl::apply::LAST_APPLIED)
        .map(|(k, v)| format!("{k}: {v}"))
        .collect()
}

/// Name, Namespace, Labels and Annotations: how a namespaced object's describe begins.
fn header(meta: &ObjectMeta) -> Block {
    let mut b = Block::default();
    b.add("Name", meta.name_str());
    b.add("Namespace", meta.namespace_str());
    b.add_lines("Labels", map_lines(meta.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(meta));
    b
}

/// A table laid out like describe's tab writer (two spaces between columns).
fn table(indent: usize, header: &[&str], rows: &[Vec<String>], underline: bool) -> String {
    let mut all: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    if underline {
        all.push(header.iter().map(|h| "-".repeat(h.len())).collect());
    }
    all.extend(rows.iter().cloned());
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            all.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let pad = " ".repeat(indent);
    all.iter()
        .map(|row| {
            let line: String = row
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i + 1 == row.len() {
                        c.clone()
                    } else {
                        format!("{c:<w$}  ", w = widths[i])
                    }
                })
                .collect();
            format!("{pad}{}\n", line.trim_end())
        })
        .collect()
}

/// A workload's Conditions table (type, status, reason), or nothing.
fn conditions_section<'a>(
    conditions: impl Iterator<Item = (&'a String, &'a String, Option<&'a String>)>,
) -> String {
    let rows: Vec<Vec<String>> = conditions
        .map(|(type_, status, reason)| {
            vec![
                type_.clone(),
                status.clone(),
                reason.cloned().unwrap_or_default(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "Conditions:\n{}",
        table(2, &["Type", "Status", "Reason"], &rows, true)
    )
}

/// `1 Running / 0 Waiting / 0 Succeeded / 0 Failed`: the phases of a
/// controller's pods (Pending counts as Waiting).
fn pods_status(pods: &[&Pod]) -> String {
    let count = |phase: &str| pods.iter().filter(|p| podutil::phase(p) == phase).count();
    format!(
        "{} Running / {} Waiting / {} Succeeded / {} Failed",
        count("Running"),
        count("Pending"),
        count("Succeeded"),
        count("Failed")
    )
}

/// The Events section: this object's events, oldest first.
fn events(sim: &Simulation, object: &Object) -> String {
    let uid = object.meta().uid.clone().unwrap_or_default();
    let namespace = object
        .meta()
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let mut list: Vec<&Event> = sim
        .api()
        .list_typed::<Event>(Some(&namespace))
        .into_iter()
        .filter(|e| e.involved_object.uid.as_deref() == Some(uid.as_str()))
        .collect();
    if list.is_empty() {
        return "Events:  <none>\n".into();
    }
    let time = |t: Option<&Time>| t.map(SimTime::from_k8s).unwrap_or_default();
    crate::sorting::sort_by_key(&mut list, |e| {
        (
            time(e.first_timestamp.as_ref()),
            time(e.last_timestamp.as_ref()),
        )
    });
    let now = sim.now();
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|e| {
            let last = human_duration(now.since(time(e.last_timestamp.as_ref())));
            let count = e.count.unwrap_or(1);
            let age = if count > 1 {
                format!(
                    "{last} (x{count} over {})",
                    human_duration(now.since(time(e.first_timestamp.as_ref())))
                )
            } else {
                last
            };
            let from = e
                .source
                .as_ref()
                .and_then(|s| s.component.clone())
                .unwrap_or_default();
            vec![
                e.type_.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
                age,
                from,
                e.message.clone().unwrap_or_default().trim().to_string(),
            ]
        })
        .collect();
    format!(
        "Events:\n{}",
        table(
            2,
            &["Type", "Reason", "Age", "From", "Message"],
            &rows,
            true
        )
    )
}

fn state_block(state: Option<&ContainerState>, label: &str, block: &mut Block) {
    let Some(state) = state else { return };
    if let Some(r) = &state.running {
        block.add(label, "Running");
        block.add("  Started", rfc1123(r.started_at.as_ref()));
    } else if let Some(w) = &state.waiting {
        block.add(label, "Waiting");
        block.add("  Reason", w.reason.clone().unwrap_or_default());
        if let Some(m) = &w.message {
            block.add("  Message", m.clone());
        }
    } else if let Some(t) = &state.terminated {
        block.add(label, "Terminated");
        block.add("  Reason", t.reason.clone().unwrap_or_default());
        block.add("  Exit Code", t.exit_code.to_string());
        block.add("  Started", rfc1123(t.started_at.as_ref()));
        block.add("  Finished", rfc1123(t.finished_at.as_ref()));
    }
}

fn container_section(
    pod: Option<&Pod>,
    containers: &[Container],
    indent: usize,
    init: bool,
) -> String {
    let mut out = String::new();
    let statuses = pod
        .and_then(|p| p.status.as_ref())
        .and_then(|s| {
            if init {
                s.init_container_statuses.clone()
            } else {
                s.container_statuses.clone()
            }
        })
        .unwrap_or_default();
    for c in containers {
        out.push_str(&format!("{}{}:\n", " ".repeat(indent), c.name));
        let status = statuses.iter().find(|s| s.name == c.name);
        let mut b = Block::default();
        if pod.is_some() {
            b.add(
                "Container ID",
                status
                    .and_then(|s| s.container_id.clone())
                    .unwrap_or_default(),
            );
        }
        b.add("Image", c.image.clone().unwrap_or_default());
        if pod.is_some() {
            b.add(
                "Image ID",
                status.map(|s| s.image_id.clone()).unwrap_or_default(),
            );
        }
        let ports = template::ports(c, false);
        b.add(
            "Port",
            if ports.is_empty() {
                "<none>".to_string()
            } else {
                ports.join(", ")
            },
        );
        // describeContainerCommand: the title, then each word (each line of it) below.
        for (title, words) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(words) = words.as_ref().filter(|w| !w.is_empty()) {
                b.add_raw(format!("{title}:"));
                for line in words.iter().flat_map(|w| w.split('\n')) {
                    b.add_raw(format!("  {line}"));
                }
            }
        }
        if let Some(s) = status {
            state_block(s.state.as_ref(), "State", &mut b);
            if s.last_state
                .as_ref()
                .is_some_and(|l| l.terminated.is_some())
            {
                state_block(s.last_state.as_ref(), "Last State", &mut b);
            }
            b.add("Ready", if s.ready { "True" } else { "False" });
            b.add("Restart Count", s.restart_count.to_string());
        }
        let resources = c.resources.clone().unwrap_or_default();
        for (title, map) in [
            ("Limits", resources.limits),
            ("Requests", resources.requests),
        ] {
            if let Some(map) = map.filter(|m| !m.is_empty()) {
                // A nested block under its title, as kubectl prints it.
                b.add(title, "");
                for (k, v) in map {
                    b.add(&format!("  {k}"), v.0);
                }
            }
        }
        for (title, probe) in [
            ("Liveness", &c.liveness_probe),
            ("Readiness", &c.readiness_probe),
            ("Startup", &c.startup_probe),
        ] {
            if let Some(p) = probe {
                let action = if let Some(e) = &p.exec {
                    format!("exec [{}]", e.command.clone().unwrap_or_default().join(" "))
                } else if let Some(h) = &p.http_get {
                    format!(
                        "http-get http://:{}{}",
                        int_or_string(&h.port),
                        h.path.clone().unwrap_or_default()
                    )
                } else if let Some(t) = &p.tcp_socket {
                    format!("tcp-socket :{}", int_or_string(&t.port))
                } else {
                    "<unknown>".into()
                };
                b.add(
                    title,
                    format!(
                        "{action} delay={}s timeout={}s period={}s #success={} #failure={}",
                        p.initial_delay_seconds.unwrap_or(0),
                        p.timeout_seconds.unwrap_or(1),
                        p.period_seconds.unwrap_or(10),
                        p.success_threshold.unwrap_or(1),
                        p.failure_threshold.unwrap_or(3)
                    ),
                );
            }
        }
        if let Some(from) = c.env_from.as_ref().filter(|f| !f.is_empty()) {
            b.add_lines("Environment Variables from", config::env_from_lines(from));
        }
        let env: Vec<String> = c
            .env
            .iter()
            .flatten()
            .map(|e| config::env_line(e, pod))
            .collect();
        b.add_lines("Environment", env);
        b.add_lines("Mounts", template::mounts(c));
        out.push_str(&b.render(4));
    }
    out
}

fn int_or_string(v: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString) -> String {
    match v {
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
    }
}

fn describe_pod(sim: &Simulation, pod: &Pod) -> String {
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    let mut top = Block::default();
    top.add("Name", pod.metadata.name_str());
    top.add("Namespace", pod.metadata.namespace_str());
    top.add("Priority", spec.priority.unwrap_or(0).to_string());
    top.add(
        "Service Account",
        spec.service_account_name
            .clone()
            .unwrap_or_else(|| "default".into()),
    );
    top.add(
        "Node",
        match (&spec.node_name, &status.host_ip) {
            (Some(n), Some(ip)) => format!("{n}/{ip}"),
            (Some(n), None) => n.clone(),
            _ => "<none>".into(),
        },
    );
    if let Some(t) = &status.start_time {
        top.add("Start Time", rfc1123(Some(t)));
    }
    top.add_lines("Labels", map_lines(pod.metadata.labels.as_ref(), "="));
    top.add_lines("Annotations", annotations(&pod.metadata));
    let mut phase = status.phase.clone().unwrap_or_else(|| "Pending".into());
    if let Some(t) = &pod.metadata.deletion_timestamp {
        phase = format!(
            "Terminating (lasts {})",
            human_duration(SimTime::from_k8s(t).since(sim.now()))
        );
    }
    top.add("Status", phase);
    if let Some(reason) = &status.reason {
        top.add("Reason", reason.clone());
    }
    top.add("IP", status.pod_ip.clone().unwrap_or_default());
    let mut out = top.render(0);
    out.push_str("IPs:\n");
    match &status.pod_ip {
        Some(ip) => out.push_str(&format!("  IP:  {ip}\n")),
        None => out.push_str("  <none>\n"),
    }
    if let Some(owner) = pod.metadata.controller_owner() {
        out.push_str(&format!("Controlled By:  {}/{}\n", owner.kind, owner.name));
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|c| !c.is_empty()) {
        out.push_str("Init Containers:\n");
        out.push_str(&container_section(Some(pod), init, 2, true));
    }
    out.push_str("Containers:\n");
    out.push_str(&container_section(Some(pod), &spec.containers, 2, false));
    let conditions: Vec<Vec<String>> = status
        .conditions
        .iter()
        .flatten()
        .map(|c| vec![c.type_.clone(), c.status.clone()])
        .collect();
    if !conditions.is_empty() {
        out.push_str("Conditions:\n");
        out.push_str(&table(2, &["Type", "Status"], &conditions, false));
    }
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    if !volumes.is_empty() {
        out.push_str(&storage::volumes_section(volumes));
    }
    let mut bottom = Block::default();
    if volumes.is_empty() {
        bottom.add("Volumes", "<none>");
    }
    bottom.add(
        "QoS Class",
        status
            .qos_class
            .clone()
            .unwrap_or_else(|| "BestEffort".into()),
    );
    bottom.add_lines(
        "Node-Selectors",
        map_lines(spec.node_selector.as_ref(), "="),
    );
    bottom.add_lines(
        "Tolerations",
        template::tolerations(spec.tolerations.as_deref().unwrap_or_default()),
    );
    out.push_str(&bottom.render(0));
    out.push_str(&events(sim, &Object::Pod(pod.clone())));
    out
}

fn template_section(template: &PodTemplateSpec) -> String {
    let mut out = String::from("Pod Template:\n");
    let mut b = Block::default();
    b.add_lines(
        "Labels",
        map_lines(
            template.metadata.as_ref().and_then(|m| m.labels.as_ref()),
            "=",
        ),
    );
    if let Some(a) = template
        .metadata
        .as_ref()
        .map(annotations)
        .filter(|a| !a.is_empty())
    {
        b.add_lines("Annotations", a);
    }
    out.push_str(&b.render(2));
    out.push_str("  Containers:\n");
    let containers = template
        .spec
        .as_ref()
        .map(|s| s.containers.clone())
        .unwrap_or_default();
    out.push_str(&container_section(None, &containers, 3, false));
    out
}

fn describe_deployment(sim: &Simulation, d: &Deployment) -> String {
    let spec = d.spec.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    let mut b = Block::default();
    b.add("Name", d.metadata.name_str());
    b.add("Namespace", d.metadata.namespace_str());
    b.add(
        "CreationTimestamp",
        rfc1123(d.metadata.creation_timestamp.as_ref()),
    );
    b.add_lines("Labels", map_lines(d.metadata.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(&d.metadata));
    b.add("Selector", printers::format_selector(&spec.selector));
    let desired = spec.replicas.unwrap_or(1);
    b.add(
        "Replicas",
        format!(
            "{desired} desired | {} updated | {} total | {} available | {} unavailable",
            status.updated_replicas.unwrap_or(0),
            status.replicas.unwrap_or(0),
            status.available_replicas.unwrap_or(0),
            status.unavailable_replicas.unwrap_or(0)
        ),
    );
    let strategy = spec.strategy.clone().unwrap_or_default();
    let strategy_type = strategy
        .type_
        .clone()
        .unwrap_or_else(|| "RollingUpdate".into());
    b.add("StrategyType", strategy_type.clone());
    b.add(
        "MinReadySeconds",
        spec.min_ready_seconds.unwrap_or(0).to_string(),
    );
    if strategy_type == "RollingUpdate" {
        let ru = strategy.rolling_update.clone().unwrap_or_default();
        let show = |v: Option<k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| {
            v.map(|v| int_or_string(&v)).unwrap_or_else(|| "25%".into())
        };
        b.add(
            "RollingUpdateStrategy",
            format!(
                "{} max unavailable, {} max surge",
                show(ru.max_unavailable),
                show(ru.max_surge)
            ),
        );
    }
    let mut out = b.render(0);
    out.push_str(&template_section(&spec.template));
    out.push_str(&conditions_section(
        status
            .conditions
            .iter()
            .flatten()
            .map(|c| (&c.type_, &c.status, c.reason.as_ref())),
    ));
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let mut sets: Vec<&ReplicaSet> = sim
        .api()
        .list_typed::<ReplicaSet>(Some(d.metadata.namespace_str()))
        .into_iter()
        .filter(|rs| rs.metadata.controller_owner().is_some_and(|r| r.uid == uid))
        .collect();
    crate::sorting::sort_by_key(&mut sets, |rs| {
        rs.metadata
            .creation_timestamp
            .as_ref()
            .map(SimTime::from_k8s)
    });
    let describe_rs = |rs: &ReplicaSet| {
        format!(
            "{} ({}/{} replicas created)",
            rs.metadata.name_str(),
            rs.status.as_ref().map_or(0, |s| s.replicas),
            rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0)
        )
    };
    let equal = |rs: &ReplicaSet| {
        let mut t = rs
            .spec
            .as_ref()
            .and_then(|s| s.template.clone())
            .unwrap_or_default();
        if let Some(l) = t.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            l.remove(crate::controllers::deployment::POD_TEMPLATE_HASH);
        }
        t == spec.template
    };
    let new: Vec<String> = sets
        .iter()
        .filter(|rs| equal(rs))
        .map(|rs| describe_rs(rs))
        .collect();
    let old: Vec<String> = sets
        .iter()
        .filter(|rs| !equal(rs) && rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0) > 0)
        .map(|rs| describe_rs(rs))
        .collect();
    let mut tail = Block::default();
    tail.add(
        "OldReplicaSets",
        if old.is_empty() {
            "<none>".to_string()
        } else {
            old.join(", ")
        },
    );
    tail.add(
        "NewReplicaSet",
        new.first().cloned().unwrap_or_else(|| "<none>".into()),
    );
    out.push_str(&tail.render(0));
    out.push_str(&events(sim, &Object::Deployment(d.clone())));
    out
}

fn describe_replica_set(sim: &Simulation, rs: &ReplicaSet) -> String {
    let spec = rs.spec.clone().unwrap_or_default();
    let status = rs.status.clone().unwrap_or_default();
    let pods: Vec<&Pod> = sim
        .api()
        .list_typed::<Pod>(Some(rs.metadata.namespace_str()))
        .into_iter()
        .filter(|p| {
            p.metadata
                .controller_owner()
                .is_some_and(|o| Some(&o.uid) == rs.metadata.uid.as_ref())
        })
        .collect();
    let mut b = Block::default();
    b.add("Name", rs.metadata.name_str());
    b.add("Namespace", rs.metadata.namespace_str());
    b.add("Selector", printers::format_selector(&spec.selector));
    b.add_lines("Labels", map_lines(rs.metadata.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(&rs.metadata));
    if let Some(owner) = rs.metadata.controller_owner() {
        b.add("Controlled By", format!("{}/{}", owner.kind, owner.name));
    }
    b.add(
        "Replicas",
        format!(
            "{} current / {} desired",
            status.replicas,
            spec.replicas.unwrap_or(1)
        ),
    );
    b.add("Pods Status", pods_status(&pods));
    let mut out = b.render(0);
    if let Some(t) = &spec.template {
        out.push_str(&template_section(t));
    }
    out.push_str(&events(sim, &Object::ReplicaSet(rs.clone())));
    out
}

fn describe_node(sim: &Simulation, node: &Node) -> String {
    let spec = node.spec.clone().unwrap_or_default();
    let status = node.status.clone().unwrap_or_default();
    let mut b = Block::default();
    b.add("Name", node.metadata.name_str());
    b.add("Roles", printers::node_roles(node));
    b.add_lines("Labels", map_lines(node.metadata.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(&node.metadata));
    b.add(
        "CreationTimestamp",
        rfc1123(node.metadata.creation_timestamp.as_ref()),
    );
    let taints: Vec<String> = spec.taints.iter().flatten().map(printers::taint).collect();
    b.add_lines("Taints", taints);
    b.add(
        "Unschedulable",
        if spec.unschedulable.unwrap_or(false) {
            "true"
        } else {
            "false"
        },
    );
    let mut out = b.render(0);
    let conditions: Vec<Vec<String>> = status
        .conditions
        .iter()
        .flatten()
        .map(|c| {
            vec![
                c.type_.clone(),
                c.status.clone(),
                rfc1123(c.last_heartbeat_time.as_ref()),
                rfc1123(c.last_transition_time.as_ref()),
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str("Conditions:\n");
    out.push_str(&table(
        2,
        &[
            "Type",
            "Status",
            "LastHeartbeatTime",
            "LastTransitionTime",
            "Reason",
            "Message",
        ],
        &conditions,
        true,
    ));
    out.push_str("Addresses:\n");
    let mut addresses = Block::default();
    for a in status.addresses.iter().flatten() {
        addresses.add(&a.type_, a.address.clone());
    }
    out.push_str(&addresses.render(2));
    for (title, map) in [
        ("Capacity", status.capacity.clone()),
        ("Allocatable", status.allocatable.clone()),
    ] {
        out.push_str(&format!("{title}:\n"));
        let mut r = Block::default();
        for (k, v) in map.unwrap_or_default() {
            r.add(&k, v.0);
        }
        out.push_str(&r.render(2));
    }
    if let Some(info) = &status.node_info {
        out.push_str("System Info:\n");
        let mut r = Block::default();
        r.add("Kernel Version", info.kernel_version.clone());
        r.add("OS Image", info.os_image.clone());
        r.add("Operating System", info.operating_system.clone());
        r.add("Architecture", info.architecture.clone());
        r.add(
            "Container Runtime Version",
            info.container_runtime_version.clone(),
        );
        r.add("Kubelet Version", info.kubelet_version.clone());
        out.push_str(&r.render(2));
    }
    if let Some(cidr) = &spec.pod_cidr {
        out.push_str(&format!("PodCIDR:                      {cidr}\n"));
    }
    let name = node.metadata.name_str();
    let pods: Vec<&Pod> = sim
        .api()
        .list_typed::<Pod>(None)
        .into_iter()
        .filter(|p| podutil::node_name(p) == Some(name) && !podutil::is_terminal(p))
        .collect();
    let allocatable = crate::scheduler::framework::node_allocatable(node);
    let percent = |part: i64, whole: i64| if whole > 0 { part * 100 / whole } else { 0 };
    let rows: Vec<Vec<String>> = pods
        .iter()
        .map(|p| {
            let (requests, _) = pod_requests(p);
            vec![
                p.metadata.namespace_str().to_string(),
                p.metadata.name_str().to_string(),
                format!(
                    "{} ({}%)",
                    quantity::format_cpu(requests.milli_cpu),
                    percent(requests.milli_cpu, allocatable.milli_cpu)
                ),
                format!(
                    "{} ({}%)",
                    quantity::format_bytes(requests.memory),
                    percent(requests.memory, allocatable.memory)
                ),
                p.metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| human_duration(sim.now().since(SimTime::from_k8s(t))))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&format!(
        "Non-terminated Pods:          ({} in total)\n",
        pods.len()
    ));
    out.push_str(&table(
        2,
        &[
            "Namespace",
            "Name",
            "CPU Requests",
            "Memory Requests",
            "Age",
        ],
        &rows,
        true,
    ));
    let total_cpu: i64 = pods.iter().map(|p| pod_requests(p).0.milli_cpu).sum();
    let total_memory: i64 = pods.iter().map(|p| pod_requests(p).0.memory).sum();
    out.push_str(
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    out.push_str(&table(
        2,
        &["Resource", "Requests"],
        &[
            vec![
                "cpu".into(),
                format!(
                    "{} ({}%)",
                    quantity::format_cpu(total_cpu),
                    percent(total_cpu, allocatable.milli_cpu)
                ),
            ],
            vec![
                "memory".into(),
                format!(
                    "{} ({}%)",
                    quantity::format_bytes(total_memory),
                    percent(total_memory, allocatable.memory)
                ),
            ],
        ],
        true,
    ));
    out.push_str(&events(sim, &Object::Node(node.clone())));
    out
}

/// describeJob.
fn describe_job(sim: &Simulation, job: &k8s_openapi::api::batch::v1::Job) -> String {
    let spec = job.spec.clone().unwrap_or_default();
    let status = job.status.clone().unwrap_or_default();
    let mut b = Block::default();
    b.add("Name", job.metadata.name_str());
    b.add("Namespace", job.metadata.namespace_str());
    b.add(
        "Selector",
        spec.selector
            .as_ref()
            .map(printers::format_selector)
            .unwrap_or_else(|| "<none>".into()),
    );
    b.add_lines("Labels", map_lines(job.metadata.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(&job.metadata));
    b.add("Parallelism", spec.parallelism.unwrap_or(1).to_string());
    b.add(
        "Completions",
        spec.completions
            .map(|c| c.to_string())
            .unwrap_or_else(|| "<unset>".into()),
    );
    b.add(
        "Completion Mode",
        spec.completion_mode
            .clone()
            .unwrap_or_else(|| "NonIndexed".into()),
    );
    b.add("Suspend", spec.suspend.unwrap_or(false).to_string());
    b.add("Backoff Limit", spec.backoff_limit.unwrap_or(6).to_string());
    if let Some(t) = &status.start_time {
        b.add("Start Time", rfc1123(Some(t)));
    }
    if let Some(t) = &status.completion_time {
        b.add("Completed At", rfc1123(Some(t)));
    }
    b.add(
        "Pods Statuses",
        format!(
            "{} Active ({} Ready) / {} Succeeded / {} Failed",
            status.active.unwrap_or(0),
            status.ready.unwrap_or(0),
            status.succeeded.unwrap_or(0),
            status.failed.unwrap_or(0)
        ),
    );
    if let Some(indexes) = &status.completed_indexes {
        b.add("Completed Indexes", indexes.clone());
    }
    let mut out = b.render(0);
    out.push_str(&template_section(&spec.template));
    out.push_str(&conditions_section(
        status
            .conditions
            .iter()
            .flatten()
            .map(|c| (&c.type_, &c.status, c.reason.as_ref())),
    ));
    out.push_str(&events(sim, &Object::Job(job.clone())));
    out
}

/// describeCronJob (k8s.io/kubectl/pkg/describe/describe.go), with
/// describeJobTemplate and printActiveJobs.
fn describe_cron_job(sim: &Simulation, cj: &k8s_openapi::api::batch::v1::CronJob) -> String {
    let spec = cj.spec.clone().unwrap_or_default();
    let status = cj.status.clone().unwrap_or_default();
    let unset = || "<unset>".to_string();
    let mut b = Block::default();
    b.add("Name", cj.metadata.name_str());
    b.add("Namespace", cj.metadata.namespace_str());
    b.add_lines("Labels", map_lines(cj.metadata.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(&cj.metadata));
    b.add("Schedule", spec.schedule.clone());
    b.add(
        "Concurrency Policy",
        spec.concurrency_policy.clone().unwrap_or_default(),
    );
    // printBoolPtr.
    b.add(
        "Suspend",
        match spec.suspend {
            Some(true) => "True".to_string(),
            Some(false) => "False".to_string(),
            None => unset(),
        },
    );
    b.add(
        "Successful Job History Limit",
        spec.successful_jobs_history_limit
            .map_or_else(unset, |l| l.to_string()),
    );
    b.add(
        "Failed Job History Limit",
        spec.failed_jobs_history_limit
            .map_or_else(unset, |l| l.to_string()),
    );
    b.add(
        "Starting Deadline Seconds",
        spec.starting_deadline_seconds
            .map_or_else(unset, |s| format!("{s}s")),
    );
    let job_spec = spec.job_template.spec.clone().unwrap_or_default();
    b.add(
        "Selector",
        job_spec
            .selector
            .as_ref()
            .map_or_else(unset, printers::format_selector),
    );
    b.add(
        "Parallelism",
        job_spec.parallelism.map_or_else(unset, |p| p.to_string()),
    );
    b.add(
        "Completions",
        job_spec.completions.map_or_else(unset, |c| c.to_string()),
    );
    if let Some(d) = job_spec.active_deadline_seconds {
        b.add("Active Deadline Seconds", format!("{d}s"));
    }
    let mut out = b.render(0);
    out.push_str(&template_section(&job_spec.template));
    let mut bottom = Block::default();
    bottom.add(
        "Last Schedule Time",
        rfc1123(status.last_schedule_time.as_ref()),
    );
    let active: Vec<String> = status
        .active
        .iter()
        .flatten()
        .filter_map(|r| r.name.clone())
        .collect();
    bottom.add(
        "Active Jobs",
        if active.is_empty() {
            "<none>".to_string()
        } else {
            active.join(", ")
        },
    );
    out.push_str(&bottom.render(0));
    out.push_str(&events(sim, &Object::CronJob(cj.clone())));
    out
}

/// describeRoleBinding / describeClusterRoleBinding.
fn describe_binding(
    sim: &Simulation,
    object: &Object,
    role_ref: &k8s_openapi::api::rbac::v1::RoleRef,
    subjects: Option<&[k8s_openapi::api::rbac::v1::Subject]>,
) -> String {
    let meta = object.meta();
    let mut b = Block::default();
    b.add("Name", meta.name_str());
    b.add_lines("Labels", map_lines(meta.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(meta));
    b.add("Role", "");
    b.add("  Kind", role_ref.kind.clone());
    b.add("  Name", role_ref.name.clone());
    let mut out = b.render(0);
    out.push_str("Subjects:\n");
    let rows: Vec<Vec<String>> = subjects
        .unwrap_or(&[])
        .iter()
        .map(|s| {
            vec![
                s.kind.clone(),
                s.name.clone(),
                s.namespace.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&table(2, &["Kind", "Name", "Namespace"], &rows, true));
    out.push_str(&events(sim, object));
    out
}

/// describeRole / describeClusterRole: the rules as a table.
fn describe_role(
    sim: &Simulation,
    object: &Object,
    rules: Option<&[k8s_openapi::api::rbac::v1::PolicyRule]>,
) -> String {
    let meta = object.meta();
    let mut b = Block::default();
    b.add("Name", meta.name_str());
    b.add_lines("Labels", map_lines(meta.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(meta));
    b.add("PolicyRule", "");
    let mut out = b.render(0);
    let rows: Vec<Vec<String>> = rules
        .unwrap_or(&[])
        .iter()
        .flat_map(|r| {
            let groups = r.api_groups.clone().unwrap_or_default();
            let verbs = format!("[{}]", r.verbs.join(" "));
            let names = format!(
                "[{}]",
                r.resource_names.clone().unwrap_or_default().join(" ")
            );
            r.resources
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(move |res| {
                    let resource = match groups.first().map(String::as_str) {
                        Some("") | None => res,
                        Some(g) => format!("{res}.{g}"),
                    };
                    vec![resource, "[]".to_string(), names.clone(), verbs.clone()]
                })
        })
        .collect();
    out.push_str(&table(
        2,
        &["Resources", "Non-Resource URLs", "Resource Names", "Verbs"],
        &rows,
        true,
    ));
    out.push_str(&events(sim, object));
    out
}

fn describe_generic(sim: &Simulation, object: &Object) -> String {
    let meta = object.meta();
    let mut b = Block::default();
    b.add("Name", meta.name_str());
    if let Some(ns) = &meta.namespace {
        b.add("Namespace", ns.clone());
    }
    b.add_lines("Labels", map_lines(meta.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(meta));
    let mut out = b.render(0);
    let mut value = serde_json::to_value(object).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        for k in ["apiVersion", "kind", "metadata"] {
            map.remove(k);
        }
    }
    if value.as_object().is_some_and(|m| !m.is_empty()) {
        out.push_str(&super::yaml::to_yaml(&value));
    }
    out.push_str(&events(sim, object));
    out
}

/// `kubectl describe KIND [NAME...]` (all of the kind in the namespace if no name).
pub fn run(
    sim: &Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: &str,
    selector: Option<&str>,
) -> CommandOutput {
    let fail = |m: String| CommandOutput {
        stdout: String::new(),
        stderr: format!("{m}\n"),
        success: false,
    };
    let Some(first) = args.first() else {
        return fail("error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.".into());
    };
    let (resource, inline) = match first.split_once('/') {
        Some((r, n)) => (r.to_string(), Some(n.to_string())),
        None => (first.clone(), None),
    };
    let Some(kind) = Kind::from_resource_arg(&resource) else {
        return fail(format!(
            "error: the server doesn't have a resource type \"{resource}\""
        ));
    };
    let info = kind.info();
    let ns = info.namespaced.then_some(namespace);
    let mut names: Vec<String> = inline
        .into_iter()
        .chain(args.iter().skip(1).cloned())
        .collect();
    if names.is_empty() {
        if let Err(e) = sim.api().authorize(
            user,
            &Attributes::new("list", info.group, info.plural, ns, None),
        ) {
            return fail(e.kubectl_message());
        }
        let selector = match selector.map(crate::labels::Selector::parse).transpose() {
            Ok(s) => s.unwrap_or_default(),
            Err(e) => return fail(format!("error: {e}")),
        };
        names = sim
            .api()
            .list(kind, ns)
            .filter(|o| selector.matches(&o.meta().labels.clone().unwrap_or_default()))
            .map(|o| o.meta().name_str().to_string())
            .collect();
    }
    let mut out = CommandOutput {
        success: true,
        ..CommandOutput::default()
    };
    let mut texts = Vec::new();
    for name in names {
        if let Err(e) = sim.api().authorize(
            user,
            &Attributes::new("get", info.group, info.plural, ns, Some(&name)),
        ) {
            out.stderr.push_str(&format!("{}\n", e.kubectl_message()));
            out.success = false;
            continue;
        }
        let Some(object) = sim.api().get(&ObjectRef::new(kind, ns, &name)) else {
            out.stderr.push_str(&format!(
                "Error from server (NotFound): {} {name:?} not found\n",
                info.qualified_plural()
            ));
            out.success = false;
            continue;
        };
        texts.push(match object {
            Object::Pod(p) => describe_pod(sim, p),
            Object::Deployment(d) => describe_deployment(sim, d),
            Object::ReplicaSet(rs) => describe_replica_set(sim, rs),
            Object::Node(n) => describe_node(sim, n),
            Object::Job(j) => describe_job(sim, j),
            Object::CronJob(cj) => describe_cron_job(sim, cj),
            Object::RoleBinding(rb) => {
                describe_binding(sim, object, &rb.role_ref, rb.subjects.as_deref())
            }
            Object::ClusterRoleBinding(rb) => {
                describe_binding(sim, object, &rb.role_ref, rb.subjects.as_deref())
            }
            Object::Role(r) => describe_role(sim, object, r.rules.as_deref()),
            Object::ClusterRole(r) => describe_role(sim, object, r.rules.as_deref()),
            Object::StatefulSet(sts) => storage::describe_stateful_set(sim, sts),
            Object::PersistentVolumeClaim(pvc) => storage::describe_claim(sim, pvc),
            Object::PersistentVolume(pv) => storage::describe_volume(sim, pv),
            Object::StorageClass(sc) => storage::describe_storage_class(sim, sc),
            Object::ConfigMap(cm) => config::describe_config_map(sim, cm),
            Object::Secret(secret) => config::describe_secret(secret),
            Object::Service(svc) => network::describe_service(sim, svc),
            Object::EndpointSlice(slice) => network::describe_endpoint_slice(sim, slice),
            Object::Endpoints(ep) => network::describe_endpoints(sim, ep),
            other => describe_generic(sim, other),
        });
    }
    out.stdout = texts.join("\n\n");
    out
}
