//! The pod garbage collector (pkg/controller/podgc): every 20 s it force
//! deletes pods nothing else will finish off.
//!
//! - gcOrphaned: pods bound to a node that no longer exists, once the node
//!   has been missing for the 40 s quarantine. This is how a pod left
//!   Terminating on a dead node goes away when the node object is deleted.
//! - gcTerminating: terminating pods on a node that is not ready and carries
//!   the `node.kubernetes.io/out-of-service` taint (an admin's statement that
//!   the node is gone for good).
//! - gcUnscheduledTerminating: terminating pods that were never scheduled.
//!
//! Each is marked Failed first (with a DisruptionTarget condition for
//! orphans), then deleted with grace period 0. gcTerminated (more than
//! 12500 finished pods) is not simulated: a playground never has that many.

use crate::sorting::CollectSorted;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod};

use super::{Context, Controller, Reconciled};
use crate::apiserver::{set_pod_condition, ApiServer};
use crate::objects::{Object, ObjectRef};
use crate::store::WatchEvent;
use crate::time::{SimDuration, SimTime};

pub const NAME: &str = "pod-garbage-collector-controller";
/// gcCheckPeriod.
pub const GC_CHECK_PERIOD: SimDuration = SimDuration::from_secs(20);
/// quarantineTime: how long a node must be missing before its pods go.
pub const QUARANTINE_TIME: SimDuration = SimDuration::from_secs(40);
const TAINT_OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";

#[derive(Default)]
pub struct PodGcController {
    /// nodeQueue: missing nodes and when they were first found missing.
    missing_since: BTreeMap<String, SimTime>,
}

#[derive(Clone, Copy, PartialEq)]
enum Reason {
    Orphaned,
    OutOfService,
    Unscheduled,
}

fn node_ready(node: &Node) -> bool {
    crate::controllers::node_lifecycle::ready_status(node) == Some("True")
}

/// What the pass would collect, given the quarantine so far.
fn candidates(
    api: &ApiServer,
    missing_since: &BTreeMap<String, SimTime>,
    now: SimTime,
) -> Vec<(Pod, Reason)> {
    let nodes: BTreeMap<&str, &Node> = api
        .list_typed::<Node>(None)
        .into_iter()
        .map(|n| (n.metadata.name.as_deref().unwrap_or(""), n))
        .collect_map();
    let mut found = Vec::new();
    for pod in api.list_typed::<Pod>(None) {
        let deleting = pod.metadata.deletion_timestamp.is_some();
        match crate::podutil::node_name(pod) {
            None if deleting => found.push((pod.clone(), Reason::Unscheduled)),
            None => {}
            Some(node) => match nodes.get(node) {
                Some(n) => {
                    let out_of_service = n
                        .spec
                        .as_ref()
                        .and_then(|s| s.taints.as_ref())
                        .is_some_and(|ts| ts.iter().any(|t| t.key == TAINT_OUT_OF_SERVICE));
                    if deleting && out_of_service && !node_ready(n) {
                        found.push((pod.clone(), Reason::OutOfService));
                    }
                }
                None => {
                    let due = missing_since
                        .get(node)
                        .is_some_and(|since| since.plus(QUARANTINE_TIME) <= now);
                    if due {
                        found.push((pod.clone(), Reason::Orphaned));
                    }
                }
            },
        }
    }
    found
}

impl Controller for PodGcController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, _event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectRef> {
        Vec::new()
    }

    fn reconcile(&mut self, _key: &ObjectRef, _ctx: &mut Context) -> Reconciled {
        Reconciled::nothing()
    }

    fn next_tick(&self, _now: SimTime) -> Option<SimDuration> {
        Some(GC_CHECK_PERIOD)
    }

    fn tick(&mut self, ctx: &mut Context) -> Reconciled {
        let now = ctx.now;
        // Quarantine newly missing nodes; forget the ones that came back.
        let existing: Vec<String> = ctx
            .api
            .list_typed::<Node>(None)
            .into_iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        let bound: Vec<String> = ctx
            .api
            .list_typed::<Pod>(None)
            .into_iter()
            .filter_map(|p| crate::podutil::node_name(p).map(str::to_string))
            .collect();
        self.missing_since
            .retain(|node, _| !existing.contains(node) && bound.contains(node));
        for node in bound {
            if !existing.contains(&node) {
                self.missing_since.entry(node).or_insert(now);
            }
        }
        let mut notes = Vec::new();
        for (pod, reason) in candidates(ctx.api, &self.missing_since, now) {
            let key = ObjectRef::of(&Object::Pod(pod.clone()));
            // markFailedAndDeletePodWithCondition.
            let phase = crate::podutil::phase(&pod).to_string();
            if phase != "Succeeded" && phase != "Failed" {
                let mut updated = pod.clone();
                let status = updated.status.get_or_insert_with(Default::default);
                status.phase = Some("Failed".into());
                if reason == Reason::Orphaned {
                    set_pod_condition(
                        status,
                        "DisruptionTarget",
                        "True",
                        Some("DeletionByPodGC"),
                        Some("PodGC: node no longer exists"),
                        now,
                    );
                }
                updated.metadata.resource_version = None;
                let _ = ctx.api.update(Object::Pod(updated));
            }
            if ctx.api.delete(now, &key, Some(0)).is_ok() {
                let why = match reason {
                    Reason::Orphaned => format!(
                        "its node {} no longer exists",
                        crate::podutil::node_name(&pod).unwrap_or("")
                    ),
                    Reason::OutOfService => {
                        "it was terminating on an out-of-service node".to_string()
                    }
                    Reason::Unscheduled => "it was terminating and never scheduled".to_string(),
                };
                notes.push(format!("force deleted pod {} ({why})", key.display_name()));
            }
        }
        if notes.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(notes.join("; "))
        }
    }

    /// Orphans waiting out their quarantine, or pods a pass would delete now.
    fn tick_pending(&self, api: &ApiServer) -> bool {
        let far_future = SimTime(u64::MAX / 2);
        let nodes: Vec<String> = api
            .list_typed::<Node>(None)
            .into_iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        let orphans = api
            .list_typed::<Pod>(None)
            .into_iter()
            .any(|p| crate::podutil::node_name(p).is_some_and(|n| !nodes.iter().any(|e| e == n)));
        orphans || !candidates(api, &BTreeMap::new(), far_future).is_empty()
    }
}
