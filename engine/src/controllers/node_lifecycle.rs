//! The node lifecycle controller (pkg/controller/nodelifecycle): watches the
//! kubelets' heartbeats and turns their silence into node conditions and
//! taints that the scheduler and the taint eviction controller act on.
//!
//! - Every node-monitor-period (5 s) `monitorNodeHealth` looks at each node's
//!   Ready condition and Lease. A node whose kubelet has posted nothing for
//!   node-monitor-grace-period (50 s since v1.32) gets its conditions set to
//!   Unknown (`NodeStatusUnknown`, `Kubelet stopped posting node status.`),
//!   a `NodeNotReady` event, and its pods' Ready condition set to False with
//!   a `NodeNotReady` event each (MarkPodsNotReady).
//! - The same pass taints not-ready nodes `node.kubernetes.io/not-ready` or
//!   `node.kubernetes.io/unreachable` with effect NoExecute, and removes those
//!   taints from nodes that are Ready again (processTaintBaseEviction). As
//!   upstream, it decides from the condition it observed at the start of the
//!   pass, so the NoExecute taint comes one pass after the status change.
//! - On every node change, `doNoScheduleTaintingPass` keeps the NoSchedule
//!   taints in step with the conditions (`not-ready`, `unreachable`,
//!   `memory-pressure` ...) and with `spec.unschedulable` (the
//!   `node.kubernetes.io/unschedulable` taint a cordon gets).
//! - Zone disruption (handleDisruption): when every node is not ready the
//!   controller stops tainting and removes the NoExecute taints; when more
//!   than 2 nodes and at least 55 % of a small zone are not ready, it stops
//!   adding NoExecute taints there.
//!
//! Simplification: the NoExecute tainting queue's rate limit (0.1 node/s per
//! zone) is not simulated; every due node is tainted in the pass that finds it.

use crate::sorting::CollectSorted;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Node, NodeCondition, Pod, Taint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::events::{EventType, Source};
use crate::kubelet::Kubelet;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::store::{WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};

/// The controller's name in kube-controller-manager.
pub const NAME: &str = "node-lifecycle-controller";
/// The event source it records under (NewNodeLifecycleController's recorder).
pub const COMPONENT: &str = "node-controller";
/// --node-monitor-period.
pub const NODE_MONITOR_PERIOD: SimDuration = SimDuration::from_secs(5);
/// --node-monitor-grace-period (50 s from v1.32, kubernetes#126287).
pub const NODE_MONITOR_GRACE_PERIOD: SimDuration = SimDuration::from_secs(50);
/// --node-startup-grace-period: for a node that never posted a Ready condition.
pub const NODE_STARTUP_GRACE_PERIOD: SimDuration = SimDuration::from_secs(60);

pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
const TAINT_MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
const TAINT_DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
const TAINT_PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
const TAINT_NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

/// nodeConditionToTaintKeyStatusMap: (condition, status) → NoSchedule taint key.
const CONDITION_TAINTS: [(&str, &str, &str); 6] = [
    ("Ready", "False", TAINT_NOT_READY),
    ("Ready", "Unknown", TAINT_UNREACHABLE),
    ("MemoryPressure", "True", TAINT_MEMORY_PRESSURE),
    ("DiskPressure", "True", TAINT_DISK_PRESSURE),
    ("NetworkUnavailable", "True", TAINT_NETWORK_UNAVAILABLE),
    ("PIDPressure", "True", TAINT_PID_PRESSURE),
];

const STATUS_UNKNOWN_REASON: &str = "NodeStatusUnknown";
const STATUS_UNKNOWN_MESSAGE: &str = "Kubelet stopped posting node status.";
const NEVER_UPDATED_REASON: &str = "NodeStatusNeverUpdated";
const NEVER_UPDATED_MESSAGE: &str = "Kubelet never posted node status.";
/// --unhealthy-zone-threshold and --large-cluster-size-threshold.
const UNHEALTHY_ZONE_THRESHOLD: f32 = 0.55;
const LARGE_CLUSTER_THRESHOLD: usize = 50;
/// Nodes with this label are left out of the zone disruption count.
const LABEL_EXCLUDE_DISRUPTION: &str = "node.kubernetes.io/exclude-disruption";

/// The status of a node's Ready condition (`True`, `False`, `Unknown`), if it has one.
pub fn ready_status(node: &Node) -> Option<&str> {
    condition(node, "Ready").map(|c| c.status.as_str())
}

fn condition<'a>(node: &'a Node, type_: &str) -> Option<&'a NodeCondition> {
    node.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

fn taints(node: &Node) -> &[Taint] {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or(&[])
}

fn has_taint(node: &Node, key: &str, effect: &str) -> bool {
    taints(node)
        .iter()
        .any(|t| t.key == key && t.effect == effect)
}

/// `node.kubernetes.io/unreachable:NoExecute`, as kubectl prints a taint.
pub fn taint_string(taint: &Taint) -> String {
    match taint.value.as_deref().filter(|v| !v.is_empty()) {
        Some(value) => format!("{}={value}:{}", taint.key, taint.effect),
        None => format!("{}:{}", taint.key, taint.effect),
    }
}

/// The NoExecute taint a Ready status calls for (NotReadyTaintTemplate,
/// UnreachableTaintTemplate), and the opposite one to remove.
fn no_execute_for(ready: &str) -> Option<(&'static str, &'static str)> {
    match ready {
        "False" => Some((TAINT_NOT_READY, TAINT_UNREACHABLE)),
        "Unknown" => Some((TAINT_UNREACHABLE, TAINT_NOT_READY)),
        _ => None,
    }
}

/// nodetopology.GetZoneKey: region and zone labels.
fn zone_key(node: &Node) -> String {
    let labels = node.metadata.labels.as_ref();
    let get = |ga: &str, beta: &str| {
        labels
            .and_then(|l| l.get(ga).or_else(|| l.get(beta)))
            .cloned()
            .unwrap_or_default()
    };
    let region = get(
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/region",
    );
    let zone = get(
        "topology.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/zone",
    );
    if region.is_empty() && zone.is_empty() {
        String::new()
    } else {
        format!("{region}:\x00:{zone}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ZoneState {
    Initial,
    Normal,
    FullDisruption,
    PartialDisruption,
}

/// What the zone disruption count needs to know of a node after a pass.
struct NodeSummary {
    name: String,
    zone: String,
    excluded: bool,
    ready_after: bool,
    /// The keys of its NoExecute taints.
    no_execute: Vec<String>,
}

/// What the controller remembers of a node between passes (nodeHealthData).
#[derive(Clone, Debug)]
struct NodeHealth {
    /// When the controller last saw a sign of life: a new heartbeat or lease renewal.
    probe: SimTime,
    /// The Ready condition as last seen.
    ready: Option<NodeCondition>,
    /// The lease's renewTime as last seen.
    lease_renew: Option<SimTime>,
}

#[derive(Default)]
pub struct NodeLifecycleController {
    /// Whether the first monitor pass has run (the nodes it finds then are
    /// the cluster's own and get no RegisteredNode event here).
    started: bool,
    /// knownNodeSet.
    known: BTreeSet<String>,
    /// nodeHealthMap.
    health: BTreeMap<String, NodeHealth>,
    /// zoneStates.
    zones: BTreeMap<String, ZoneState>,
    /// Zones whose NoExecute tainting is stopped (limiter at 0 qps).
    zones_without_tainting: BTreeSet<String>,
}

fn source() -> Source {
    Source::component(COMPONENT)
}

/// RecordNodeEvent: `Node node-4 event: Registered Node node-4 in Controller`.
fn record_node_event(ctx: &mut Context, node: &Node, reason: &str, event: &str) {
    let message = format!("Node {} event: {event}", node.metadata.name_str());
    ctx.record(
        &source(),
        &Object::Node(node.clone()),
        EventType::Normal,
        reason,
        &message,
    );
}

/// RecordNodeStatusChange: `Node node-1 status is now: NodeNotReady`.
fn record_status_change(ctx: &mut Context, node: &Node, new_status: &str) {
    let message = format!(
        "Node {} status is now: {new_status}",
        node.metadata.name_str()
    );
    ctx.record(
        &source(),
        &Object::Node(node.clone()),
        EventType::Normal,
        new_status,
        &message,
    );
}

fn pods_on_node(api: &ApiServer, node: &str) -> Vec<Pod> {
    api.list_typed::<Pod>(None)
        .into_iter()
        .filter(|p| crate::podutil::node_name(p) == Some(node))
        .cloned()
        .collect()
}

/// MarkPodsNotReady (pkg/controller/util/node): each pod's Ready condition
/// goes False, with a `NodeNotReady` warning on the pod. Returns how many changed.
fn mark_pods_not_ready(ctx: &mut Context, node: &str) -> usize {
    let mut marked = 0;
    for pod in pods_on_node(ctx.api, node) {
        let mut updated = pod.clone();
        let Some(ready) = updated
            .status
            .as_mut()
            .and_then(|s| s.conditions.as_mut())
            .and_then(|cs| cs.iter_mut().find(|c| c.type_ == "Ready"))
        else {
            continue;
        };
        if ready.status == "False" {
            continue;
        }
        ready.status = "False".into();
        ready.last_transition_time = Some(ctx.now.to_k8s());
        updated.metadata.resource_version = None;
        if ctx.api.update(Object::Pod(updated.clone())).is_err() {
            continue;
        }
        ctx.record(
            &source(),
            &Object::Pod(updated),
            EventType::Warning,
            "NodeNotReady",
            "Node is not ready",
        );
        marked += 1;
    }
    marked
}

/// Writes a node's new taint list onto the freshest copy; true if it changed.
fn write_taints(ctx: &mut Context, name: &str, new_taints: Vec<Taint>) -> bool {
    let Some(Object::Node(current)) = ctx.api.get(&crate::kubelet::node_ref(name)).cloned() else {
        return false;
    };
    if taints(&current) == new_taints.as_slice() {
        return false;
    }
    let mut updated = current;
    updated.spec.get_or_insert_with(Default::default).taints =
        (!new_taints.is_empty()).then_some(new_taints);
    updated.metadata.resource_version = None;
    ctx.api.update(Object::Node(updated)).is_ok()
}

/// SwapNodeControllerTaint: adds `add` (stamped with timeAdded) and removes
/// `remove`, each matched by key and effect. Returns what it did, for the log.
fn swap_taints(ctx: &mut Context, node: &Node, add: &[Taint], remove: &[Taint]) -> Vec<String> {
    let mut new_taints: Vec<Taint> = taints(node)
        .iter()
        .filter(|t| {
            !remove
                .iter()
                .any(|r| r.key == t.key && r.effect == t.effect)
        })
        .cloned()
        .collect();
    let mut notes = Vec::new();
    for r in remove {
        if has_taint(node, &r.key, &r.effect) {
            notes.push(format!(
                "removed taint {} from {}",
                taint_string(r),
                node.metadata.name_str()
            ));
        }
    }
    for a in add {
        if new_taints
            .iter()
            .any(|t| t.key == a.key && t.effect == a.effect)
        {
            continue;
        }
        let mut taint = a.clone();
        taint.time_added = Some(ctx.now.to_k8s());
        notes.push(format!(
            "added taint {} to {}",
            taint_string(&taint),
            node.metadata.name_str()
        ));
        new_taints.push(taint);
    }
    if notes.is_empty() || !write_taints(ctx, node.metadata.name_str(), new_taints) {
        return Vec::new();
    }
    notes
}

fn taint(key: &str, effect: &str) -> Taint {
    Taint {
        key: key.to_string(),
        effect: effect.to_string(),
        value: None,
        time_added: None,
    }
}

impl NodeLifecycleController {
    /// Notes a node it had not seen (classifyNodes' "added").
    fn observe(&mut self, ctx: &mut Context, node: &Node) -> Option<String> {
        let name = node.metadata.name_str().to_string();
        if !self.known.insert(name.clone()) || !self.started {
            return None;
        }
        record_node_event(
            ctx,
            node,
            "RegisteredNode",
            &format!("Registered Node {name} in Controller"),
        );
        Some(format!("registered node {name}"))
    }

    /// tryUpdateNodeHealth: returns the Ready condition observed at the start
    /// of the pass, and the one the node has after it.
    fn update_health(
        &mut self,
        ctx: &mut Context,
        name: &str,
    ) -> Option<(NodeCondition, Option<NodeCondition>, Option<String>)> {
        let now = ctx.now;
        let name = name.to_string();
        // Read what is needed without copying the node: most passes write nothing.
        let (created, current_ready) = {
            let node = ctx.api.get_typed::<Node>(None, &name)?;
            (
                node.metadata
                    .creation_timestamp
                    .clone()
                    .unwrap_or_else(|| SimTime(0).to_k8s()),
                condition(node, "Ready").cloned(),
            )
        };
        let (grace, observed) = match &current_ready {
            Some(c) => (NODE_MONITOR_GRACE_PERIOD, c.clone()),
            None => (
                NODE_STARTUP_GRACE_PERIOD,
                NodeCondition {
                    type_: "Ready".into(),
                    status: "Unknown".into(),
                    last_heartbeat_time: Some(created.clone()),
                    last_transition_time: Some(created.clone()),
                    ..NodeCondition::default()
                },
            ),
        };
        let fresh = NodeHealth {
            probe: now,
            ready: current_ready.clone(),
            lease_renew: None,
        };
        let mut health = match self.health.get(&name).cloned() {
            None => fresh,
            Some(saved) => match (&saved.ready, &current_ready) {
                (None, Some(_)) | (Some(_), None) => NodeHealth {
                    lease_renew: saved.lease_renew,
                    ..fresh
                },
                (Some(old), Some(cur)) if old.last_heartbeat_time != cur.last_heartbeat_time => {
                    NodeHealth {
                        lease_renew: saved.lease_renew,
                        ..fresh
                    }
                }
                _ => saved,
            },
        };
        // Always update the probe time if the node lease is renewed.
        let lease_renew = ctx
            .api
            .get(&ObjectRef::new(
                Kind::Lease,
                Some(Kubelet::LEASE_NAMESPACE),
                &name,
            ))
            .and_then(|o| match o {
                Object::Lease(l) => l.spec.as_ref()?.renew_time.as_ref(),
                _ => None,
            })
            .map(|t| SimTime::from_k8s(&Time(t.0)));
        if let Some(renew) = lease_renew {
            if health.lease_renew.is_none_or(|saved| saved < renew) {
                health.lease_renew = Some(renew);
                health.probe = now;
            }
        }
        let mut current = current_ready.clone();
        let mut note = None;
        if now > health.probe.plus(grace) {
            // The node (or its lease) has not been updated for longer than the
            // grace period: every condition the kubelet owns becomes Unknown.
            let mut updated = ctx.api.get_typed::<Node>(None, &name)?.clone();
            let status = updated.status.get_or_insert_with(Default::default);
            let conditions = status.conditions.get_or_insert_with(Vec::new);
            for type_ in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
                match conditions.iter_mut().find(|c| c.type_ == type_) {
                    None => conditions.push(NodeCondition {
                        type_: type_.into(),
                        status: "Unknown".into(),
                        reason: Some(NEVER_UPDATED_REASON.into()),
                        message: Some(NEVER_UPDATED_MESSAGE.into()),
                        last_heartbeat_time: Some(created.clone()),
                        last_transition_time: Some(now.to_k8s()),
                    }),
                    Some(c) if c.status != "Unknown" => {
                        c.status = "Unknown".into();
                        c.reason = Some(STATUS_UNKNOWN_REASON.into());
                        c.message = Some(STATUS_UNKNOWN_MESSAGE.into());
                        c.last_transition_time = Some(now.to_k8s());
                    }
                    Some(_) => {}
                }
            }
            let after = condition(&updated, "Ready").cloned();
            if after.as_ref() != Some(&observed) {
                updated.metadata.resource_version = None;
                if ctx.api.update(Object::Node(updated)).is_ok() {
                    let silent_for = now.since(health.probe);
                    note = Some(format!(
                        "node {name} has not posted status or renewed its lease for {}: set its conditions to Unknown",
                        crate::time::human_duration(silent_for)
                    ));
                    health.ready = after.clone();
                    current = after;
                }
            }
        }
        self.health.insert(name, health);
        Some((observed, current, note))
    }

    /// handleDisruption: zone states from the Ready conditions after this pass.
    fn handle_disruption(&mut self, ctx: &mut Context, nodes: &[NodeSummary]) -> Vec<String> {
        let mut per_zone: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for node in nodes.iter().filter(|n| !n.excluded) {
            let entry = per_zone.entry(node.zone.clone()).or_default();
            if node.ready_after {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        let new_states: BTreeMap<String, ZoneState> = per_zone
            .iter()
            .map(|(zone, &(ready, not_ready))| {
                let state = if ready == 0 && not_ready > 0 {
                    ZoneState::FullDisruption
                } else if not_ready > 2
                    && not_ready as f32 / (ready + not_ready) as f32 >= UNHEALTHY_ZONE_THRESHOLD
                {
                    ZoneState::PartialDisruption
                } else {
                    ZoneState::Normal
                };
                (zone.clone(), state)
            })
            .collect_map();
        for zone in new_states.keys() {
            self.zones.entry(zone.clone()).or_insert(ZoneState::Initial);
        }
        let all_are_full = new_states.values().all(|s| *s == ZoneState::FullDisruption);
        self.zones.retain(|zone, _| new_states.contains_key(zone));
        let all_were_full = self.zones.values().all(|s| *s == ZoneState::FullDisruption);
        let mut notes = Vec::new();
        if all_are_full && all_were_full {
            return notes;
        }
        let limit = |state: ZoneState, size: usize| match state {
            ZoneState::PartialDisruption => size > LARGE_CLUSTER_THRESHOLD,
            _ => true,
        };
        if all_are_full {
            // Every node is down: more likely the control plane's network than
            // the nodes. Stop evicting and take the NoExecute taints off.
            for summary in nodes {
                if let Some(Object::Node(node)) = ctx
                    .api
                    .get(&crate::kubelet::node_ref(&summary.name))
                    .cloned()
                {
                    notes.extend(self.mark_reachable(ctx, &node));
                }
            }
            for (zone, state) in self.zones.iter_mut() {
                *state = ZoneState::FullDisruption;
                self.zones_without_tainting.insert(zone.clone());
            }
            notes
                .push("every node is not ready: entered full disruption mode, no evictions".into());
            return notes;
        }
        if all_were_full {
            // Leaving full disruption: every node gets a fresh grace period.
            for health in self.health.values_mut() {
                health.probe = ctx.now;
            }
            notes.push("some nodes are ready again: left full disruption mode".into());
        }
        self.zones_without_tainting.clear();
        for (zone, state) in &new_states {
            self.zones.insert(zone.clone(), *state);
            let (ready, not_ready) = per_zone[zone];
            if !limit(*state, ready + not_ready) {
                self.zones_without_tainting.insert(zone.clone());
            }
        }
        notes
    }

    /// markNodeAsReachable: removes the NoExecute taints the controller added.
    fn mark_reachable(&self, ctx: &mut Context, node: &Node) -> Vec<String> {
        swap_taints(
            ctx,
            node,
            &[],
            &[
                taint(TAINT_UNREACHABLE, "NoExecute"),
                taint(TAINT_NOT_READY, "NoExecute"),
            ],
        )
    }

    /// processTaintBaseEviction, from the Ready status observed at the start of the pass.
    fn taint_for_eviction(
        &self,
        ctx: &mut Context,
        listed: &NodeSummary,
        observed: &str,
    ) -> Vec<String> {
        // Nothing to do for most nodes: decide on the summary first.
        let has = |key: &str| listed.no_execute.iter().any(|k| k == key);
        let needed = match no_execute_for(observed) {
            Some((wanted, opposite)) => !has(wanted) || has(opposite),
            None => observed == "True" && (has(TAINT_UNREACHABLE) || has(TAINT_NOT_READY)),
        };
        if !needed {
            return Vec::new();
        }
        let name = listed.name.as_str();
        let Some(Object::Node(node)) = ctx.api.get(&crate::kubelet::node_ref(name)).cloned() else {
            return Vec::new();
        };
        match no_execute_for(observed) {
            Some((wanted, opposite)) => {
                if self.zones_without_tainting.contains(&zone_key(&node))
                    && !has_taint(&node, opposite, "NoExecute")
                {
                    return Vec::new();
                }
                swap_taints(
                    ctx,
                    &node,
                    &[taint(wanted, "NoExecute")],
                    &[taint(opposite, "NoExecute")],
                )
            }
            None if observed == "True" => self.mark_reachable(ctx, &node),
            None => Vec::new(),
        }
    }

    /// doNoScheduleTaintingPass: NoSchedule taints that mirror the conditions
    /// and spec.unschedulable.
    fn no_schedule_pass(&self, ctx: &mut Context, node: &Node) -> Vec<String> {
        let mut wanted: Vec<Taint> = CONDITION_TAINTS
            .iter()
            .filter(|(type_, status, _)| {
                condition(node, type_).is_some_and(|c| c.status == *status)
            })
            .map(|(_, _, key)| taint(key, "NoSchedule"))
            .collect();
        if node
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false)
        {
            wanted.push(taint(TAINT_UNSCHEDULABLE, "NoSchedule"));
        }
        let managed = |t: &Taint| {
            t.effect == "NoSchedule"
                && (t.key == TAINT_UNSCHEDULABLE
                    || CONDITION_TAINTS.iter().any(|(_, _, key)| *key == t.key))
        };
        let existing: Vec<Taint> = taints(node)
            .iter()
            .filter(|t| managed(t))
            .cloned()
            .collect();
        let add: Vec<Taint> = wanted
            .iter()
            .filter(|w| !existing.iter().any(|e| e.key == w.key))
            .cloned()
            .collect();
        let remove: Vec<Taint> = existing
            .iter()
            .filter(|e| !wanted.iter().any(|w| w.key == e.key))
            .cloned()
            .collect();
        if add.is_empty() && remove.is_empty() {
            return Vec::new();
        }
        swap_taints(ctx, node, &add, &remove)
    }

    /// Whether a later monitor pass has visible work: a not-ready node still
    /// waiting for its NoExecute taint, or a ready one still carrying it.
    fn pass_pending(&self, api: &ApiServer) -> bool {
        api.list_typed::<Node>(None).into_iter().any(|node| {
            let name = node.metadata.name_str();
            if !self.known.contains(name) {
                return true;
            }
            match ready_status(node) {
                Some("True") => {
                    has_taint(node, TAINT_UNREACHABLE, "NoExecute")
                        || has_taint(node, TAINT_NOT_READY, "NoExecute")
                }
                Some(status) => match no_execute_for(status) {
                    Some((wanted, _)) => {
                        !has_taint(node, wanted, "NoExecute")
                            && !self.zones_without_tainting.contains(&zone_key(node))
                    }
                    None => false,
                },
                None => false,
            }
        })
    }
}

impl Controller for NodeLifecycleController {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Node changes: the node update queue (NoSchedule taints, registration).
    /// (Updates that change neither conditions nor taints nor
    /// spec.unschedulable, such as heartbeats, would find nothing to do and
    /// are skipped.)
    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectRef> {
        let relevant = |node: &Node| {
            let conditions: Vec<(String, String)> = node
                .status
                .iter()
                .flat_map(|s| s.conditions.iter().flatten())
                .map(|c| (c.type_.clone(), c.status.clone()))
                .collect();
            let spec = node.spec.as_ref();
            (
                conditions,
                spec.and_then(|s| s.taints.clone()),
                spec.and_then(|s| s.unschedulable),
            )
        };
        match (&*event.object, event.event_type, event.previous.as_deref()) {
            (Object::Node(node), WatchEventType::Modified, Some(Object::Node(old)))
                if relevant(node) == relevant(old) =>
            {
                Vec::new()
            }
            (Object::Node(_), WatchEventType::Added | WatchEventType::Modified, _) => {
                vec![event.object_ref.clone()]
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::Node(node)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        let mut notes: Vec<String> = self.observe(ctx, &node).into_iter().collect();
        notes.extend(self.no_schedule_pass(ctx, &node));
        if notes.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(notes.join("; "))
        }
    }

    fn next_tick(&self, _now: SimTime) -> Option<SimDuration> {
        Some(NODE_MONITOR_PERIOD)
    }

    fn tick_pending(&self, api: &ApiServer) -> bool {
        self.pass_pending(api)
    }

    /// monitorNodeHealth.
    fn tick(&mut self, ctx: &mut Context) -> Reconciled {
        let names: Vec<String> = ctx
            .api
            .list_typed::<Node>(None)
            .into_iter()
            .map(|n| n.metadata.name_str().to_string())
            .collect();
        let mut notes = Vec::new();
        let gone: Vec<String> = self
            .known
            .iter()
            .filter(|k| !names.contains(k))
            .cloned()
            .collect();
        for name in gone {
            self.known.remove(&name);
            self.health.remove(&name);
            let node = Node {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    ..ObjectMeta::default()
                },
                ..Node::default()
            };
            record_node_event(
                ctx,
                &node,
                "RemovingNode",
                &format!("Removing Node {name} from Controller"),
            );
            notes.push(format!("node {name} is gone"));
        }
        let mut summaries = Vec::new();
        let mut observed: Vec<String> = Vec::new();
        for name in &names {
            if !self.known.contains(name) {
                if let Some(node) = ctx.api.get_typed::<Node>(None, name).cloned() {
                    notes.extend(self.observe(ctx, &node));
                }
            }
            let Some((observed_ready, current, note)) = self.update_health(ctx, name) else {
                continue;
            };
            notes.extend(note);
            if let Some(current) = &current {
                if current.status != "True" && observed_ready.status == "True" {
                    // Report the change once, and take the node's pods out of service.
                    if let Some(node) = ctx.api.get_typed::<Node>(None, name).cloned() {
                        record_status_change(ctx, &node, "NodeNotReady");
                    }
                    let marked = mark_pods_not_ready(ctx, name);
                    if marked > 0 {
                        notes.push(format!("marked {marked} pod(s) on {name} not ready"));
                    }
                }
            }
            let Some(node) = ctx.api.get_typed::<Node>(None, name) else {
                continue;
            };
            summaries.push(NodeSummary {
                zone: zone_key(node),
                excluded: node
                    .metadata
                    .labels
                    .as_ref()
                    .is_some_and(|l| l.contains_key(LABEL_EXCLUDE_DISRUPTION)),
                ready_after: current.as_ref().is_some_and(|c| c.status == "True"),
                no_execute: taints(node)
                    .iter()
                    .filter(|t| t.effect == "NoExecute")
                    .map(|t| t.key.clone())
                    .collect(),
                name: name.clone(),
            });
            observed.push(observed_ready.status);
        }
        notes.extend(self.handle_disruption(ctx, &summaries));
        for (summary, observed) in summaries.iter().zip(&observed) {
            notes.extend(self.taint_for_eviction(ctx, summary, observed));
        }
        self.started = true;
        if notes.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(notes.join("; "))
        }
    }
}
