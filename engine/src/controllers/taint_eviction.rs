//! The taint eviction controller (pkg/controller/tainteviction, the taint
//! manager that kube-controller-manager runs on its own since v1.29): evicts
//! pods from nodes with NoExecute taints.
//!
//! - A pod that does not tolerate every NoExecute taint of its node is
//!   deleted at once.
//! - A pod that tolerates them all, some for a limited `tolerationSeconds`,
//!   is deleted when the shortest of those runs out, counted from when the
//!   controller noticed the taint. Every pod tolerates `not-ready` and
//!   `unreachable` for 300 s (the DefaultTolerationSeconds admission plugin).
//! - A toleration without `tolerationSeconds` tolerates forever.
//! - When the taint goes (the node is back) before then, the eviction is
//!   cancelled.
//!
//! Deleting a pod is a graceful delete: on a node whose kubelet is gone, the
//! pod stays Terminating, but its ReplicaSet counts only active pods and
//! creates a replacement at once.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod, Taint, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Context, Controller, Reconciled};
use crate::apiserver::{set_pod_condition, ApiServer};
use crate::events::{EventType, Source};
use crate::objects::{Kind, Object, ObjectRef};
use crate::scheduler::plugins::taint_toleration::tolerates;
use crate::store::{WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};

/// The controller's name, which is also its event source.
pub const NAME: &str = "taint-eviction-controller";

fn no_execute_taints(node: Option<&Node>) -> Vec<Taint> {
    node.and_then(|n| n.spec.as_ref())
        .and_then(|s| s.taints.as_ref())
        .map(|ts| {
            ts.iter()
                .filter(|t| t.effect == "NoExecute")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn tolerations(pod: Option<&Pod>) -> Vec<Toleration> {
    pod.and_then(|p| p.spec.as_ref())
        .and_then(|s| s.tolerations.clone())
        .unwrap_or_default()
}

/// v1helper.GetMatchingTolerations: for each taint the first toleration that
/// tolerates it, or None if some taint is not tolerated.
fn matching_tolerations(taints: &[Taint], tolerations: &[Toleration]) -> Option<Vec<Toleration>> {
    taints
        .iter()
        .map(|taint| tolerations.iter().find(|t| tolerates(t, taint)).cloned())
        .collect()
}

/// getMinTolerationTime: the shortest tolerationSeconds (0 if any is not
/// positive), or None when all tolerate forever.
fn min_toleration_time(used: &[Toleration]) -> Option<SimDuration> {
    if used.is_empty() {
        return Some(SimDuration::ZERO);
    }
    let mut min: Option<i64> = None;
    for seconds in used.iter().filter_map(|t| t.toleration_seconds) {
        if seconds <= 0 {
            return Some(SimDuration::ZERO);
        }
        min = Some(min.map_or(seconds, |m| m.min(seconds)));
    }
    min.map(|s| SimDuration::from_secs(s as u64))
}

/// A pod reference the recorder can take when the pod itself may be gone.
fn pod_for_event(api: &ApiServer, key: &ObjectRef) -> Object {
    match api.get(key) {
        Some(o) => o.clone(),
        None => Object::Pod(Pod {
            metadata: ObjectMeta {
                name: Some(key.name.clone()),
                namespace: key.namespace.clone(),
                ..ObjectMeta::default()
            },
            ..Pod::default()
        }),
    }
}

/// A scheduled eviction (a TimedWorker).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Work {
    created: SimTime,
    fire_at: SimTime,
}

#[derive(Default)]
pub struct TaintEvictionController {
    /// taintedNodes: the NoExecute taints of each node that has some.
    tainted_nodes: BTreeMap<String, Vec<Taint>>,
    /// taintEvictionQueue: pending evictions; None once one has fired.
    queue: BTreeMap<ObjectRef, Option<Work>>,
}

impl TaintEvictionController {
    /// cancelWorkWithEvent: `Cancelling deletion of Pod default/web-1`.
    fn cancel(&mut self, ctx: &mut Context, key: &ObjectRef, notes: &mut Vec<String>) {
        let Some(work) = self.queue.remove(key) else {
            return;
        };
        if work.is_none() {
            return;
        }
        let pod = pod_for_event(ctx.api, key);
        ctx.record(
            &Source::component(NAME),
            &pod,
            EventType::Normal,
            "TaintManagerEviction",
            &format!("Cancelling deletion of Pod {}", key.display_name()),
        );
        notes.push(format!(
            "cancelled the eviction of pod {}",
            key.display_name()
        ));
    }

    /// deletePodHandler: the event, the DisruptionTarget condition, then a
    /// graceful delete (addConditionAndDeletePod).
    fn evict(&mut self, ctx: &mut Context, key: &ObjectRef, why: &str, notes: &mut Vec<String>) {
        self.queue.insert(key.clone(), None);
        let pod = pod_for_event(ctx.api, key);
        ctx.record(
            &Source::component(NAME),
            &pod,
            EventType::Normal,
            "TaintManagerEviction",
            &format!("Marking for deletion Pod {}", key.display_name()),
        );
        let Some(Object::Pod(current)) = ctx.api.get(key).cloned() else {
            return;
        };
        let mut updated = current.clone();
        let status = updated.status.get_or_insert_with(Default::default);
        set_pod_condition(
            status,
            "DisruptionTarget",
            "True",
            Some("DeletionByTaintManager"),
            Some("Taint manager: deleting due to NoExecute taint"),
            ctx.now,
        );
        if updated.status != current.status {
            updated.metadata.resource_version = None;
            let _ = ctx.api.update(Object::Pod(updated));
        }
        if ctx.api.delete(ctx.now, key, None).is_ok() {
            notes.push(format!("evicted pod {} ({why})", key.display_name()));
        }
    }

    /// processPodOnNode.
    fn process_pod(
        &mut self,
        ctx: &mut Context,
        key: &ObjectRef,
        tolerations: &[Toleration],
        taints: &[Taint],
        notes: &mut Vec<String>,
    ) {
        let now = ctx.now;
        if taints.is_empty() {
            self.cancel(ctx, key, notes);
            return;
        }
        let Some(used) = matching_tolerations(taints, tolerations) else {
            // Not all taints are tolerated: delete right away.
            self.cancel(ctx, key, notes);
            let untolerated: Vec<String> = taints
                .iter()
                .filter(|t| !tolerations.iter().any(|tol| tolerates(tol, t)))
                .map(crate::controllers::node_lifecycle::taint_string)
                .collect();
            self.evict(
                ctx,
                key,
                &format!("does not tolerate {}", untolerated.join(", ")),
                notes,
            );
            return;
        };
        let Some(min) = min_toleration_time(&used) else {
            // Tolerated forever.
            self.cancel(ctx, key, notes);
            return;
        };
        let mut start = now;
        let trigger = now.plus(min);
        match self.queue.get(key).copied() {
            Some(Some(work)) => {
                start = work.created;
                if start.plus(min) < trigger {
                    return;
                }
                self.cancel(ctx, key, notes);
            }
            // AddWork skips a key whose worker has already fired.
            Some(None) => return,
            None => {}
        }
        let fire_at = start.plus(min);
        let described: Vec<String> = taints
            .iter()
            .map(crate::controllers::node_lifecycle::taint_string)
            .collect();
        if fire_at <= now {
            self.evict(
                ctx,
                key,
                &format!(
                    "tolerated {} for {}s",
                    described.join(", "),
                    min.as_millis() / 1000
                ),
                notes,
            );
            return;
        }
        self.queue.insert(
            key.clone(),
            Some(Work {
                created: start,
                fire_at,
            }),
        );
        notes.push(format!(
            "pod {} tolerates {} for {}s: eviction due at {fire_at}",
            key.display_name(),
            described.join(", "),
            min.as_millis() / 1000
        ));
    }

    /// handleNodeUpdate.
    fn node_updated(&mut self, ctx: &mut Context, name: &str, notes: &mut Vec<String>) {
        let node = match ctx.api.get(&crate::kubelet::node_ref(name)) {
            Some(Object::Node(n)) => n.clone(),
            _ => {
                self.tainted_nodes.remove(name);
                return;
            }
        };
        let taints = no_execute_taints(Some(&node));
        if taints.is_empty() {
            self.tainted_nodes.remove(name);
        } else {
            self.tainted_nodes.insert(name.to_string(), taints.clone());
        }
        let pods: Vec<Pod> = ctx
            .api
            .list_typed::<Pod>(None)
            .into_iter()
            .filter(|p| crate::podutil::node_name(p) == Some(name))
            .cloned()
            .collect();
        for pod in pods {
            let key = ObjectRef::of(&Object::Pod(pod.clone()));
            if taints.is_empty() {
                self.cancel(ctx, &key, notes);
            } else {
                self.process_pod(ctx, &key, &tolerations(Some(&pod)), &taints, notes);
            }
        }
    }

    /// handlePodUpdate.
    fn pod_updated(&mut self, ctx: &mut Context, key: &ObjectRef, notes: &mut Vec<String>) {
        let Some(Object::Pod(pod)) = ctx.api.get(key).cloned() else {
            self.cancel(ctx, key, notes);
            return;
        };
        let Some(node) = crate::podutil::node_name(&pod) else {
            return;
        };
        let Some(taints) = self.tainted_nodes.get(node).cloned() else {
            return;
        };
        self.process_pod(ctx, key, &tolerations(Some(&pod)), &taints, notes);
    }

    /// The timed workers whose time has come.
    fn fire_due(&mut self, ctx: &mut Context, notes: &mut Vec<String>) {
        let mut due: Vec<(SimTime, ObjectRef)> = self
            .queue
            .iter()
            .filter_map(|(k, w)| {
                w.filter(|w| w.fire_at <= ctx.now)
                    .map(|w| (w.fire_at, k.clone()))
            })
            .collect();
        crate::sorting::sort(&mut due);
        for (_, key) in due {
            let taints = ctx
                .api
                .get(&key)
                .and_then(|o| match o {
                    Object::Pod(p) => crate::podutil::node_name(p).map(str::to_string),
                    _ => None,
                })
                .and_then(|n| self.tainted_nodes.get(&n).cloned())
                .unwrap_or_default();
            let described: Vec<String> = taints
                .iter()
                .map(crate::controllers::node_lifecycle::taint_string)
                .collect();
            let why = if described.is_empty() {
                "toleration time ran out".to_string()
            } else {
                format!("toleration of {} ran out", described.join(", "))
            };
            self.evict(ctx, &key, &why, notes);
        }
    }
}

impl Controller for TaintEvictionController {
    fn name(&self) -> &'static str {
        NAME
    }

    /// NodeUpdated (a change of NoExecute taints) and PodUpdated (a change of
    /// node or tolerations).
    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectRef> {
        let previous = event.previous.as_deref();
        match &*event.object {
            Object::Node(node) => {
                let changed = match (event.event_type, previous) {
                    (WatchEventType::Modified, Some(Object::Node(old))) => {
                        no_execute_taints(Some(old)) != no_execute_taints(Some(node))
                    }
                    _ => true,
                };
                if changed {
                    vec![event.object_ref.clone()]
                } else {
                    Vec::new()
                }
            }
            Object::Pod(pod) => {
                let changed = match (event.event_type, previous) {
                    (WatchEventType::Modified, Some(Object::Pod(old))) => {
                        tolerations(Some(old)) != tolerations(Some(pod))
                            || crate::podutil::node_name(old) != crate::podutil::node_name(pod)
                    }
                    _ => true,
                };
                if changed {
                    vec![event.object_ref.clone()]
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let mut notes = Vec::new();
        self.fire_due(ctx, &mut notes);
        match key.kind {
            Kind::Node => self.node_updated(ctx, &key.name, &mut notes),
            Kind::Pod => self.pod_updated(ctx, key, &mut notes),
            _ => {}
        }
        if notes.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(notes.join("; "))
        }
    }

    /// The timed workers: wake when the next scheduled eviction is due.
    fn next_tick(&self, now: SimTime) -> Option<SimDuration> {
        self.queue
            .values()
            .flatten()
            .map(|w| w.fire_at)
            .min()
            .map(|at| at.since(now).max(SimDuration::from_millis(1)))
    }

    fn tick(&mut self, ctx: &mut Context) -> Reconciled {
        let mut notes = Vec::new();
        self.fire_due(ctx, &mut notes);
        if notes.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(notes.join("; "))
        }
    }

    fn tick_pending(&self, _api: &ApiServer) -> bool {
        self.queue.values().any(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toleration(key: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: Some(key.into()),
            operator: Some("Exists".into()),
            effect: Some("NoExecute".into()),
            toleration_seconds: seconds,
            value: None,
        }
    }

    fn taint(key: &str) -> Taint {
        Taint {
            key: key.into(),
            effect: "NoExecute".into(),
            value: None,
            time_added: None,
        }
    }

    #[test]
    fn toleration_times_follow_upstream() {
        let unreachable = taint("node.kubernetes.io/unreachable");
        let defaults = vec![
            toleration("node.kubernetes.io/not-ready", Some(300)),
            toleration("node.kubernetes.io/unreachable", Some(300)),
        ];
        let used = matching_tolerations(std::slice::from_ref(&unreachable), &defaults).unwrap();
        assert_eq!(
            min_toleration_time(&used),
            Some(SimDuration::from_secs(300))
        );
        // Forever without tolerationSeconds.
        let forever = vec![toleration("node.kubernetes.io/unreachable", None)];
        let used = matching_tolerations(std::slice::from_ref(&unreachable), &forever).unwrap();
        assert_eq!(min_toleration_time(&used), None);
        // Zero or negative means at once.
        let zero = vec![toleration("node.kubernetes.io/unreachable", Some(0))];
        let used = matching_tolerations(std::slice::from_ref(&unreachable), &zero).unwrap();
        assert_eq!(min_toleration_time(&used), Some(SimDuration::ZERO));
        // A taint nobody tolerates.
        assert!(matching_tolerations(&[taint("gpu")], &defaults).is_none());
        // The shortest of several wins.
        let both = [taint("a"), taint("b")];
        let tols = vec![toleration("a", Some(60)), toleration("b", Some(30))];
        let used = matching_tolerations(&both, &tols).unwrap();
        assert_eq!(min_toleration_time(&used), Some(SimDuration::from_secs(30)));
    }
}
