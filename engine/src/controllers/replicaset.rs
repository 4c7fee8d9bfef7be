//! The ReplicaSet controller (pkg/controller/replicaset): keeps the number of
//! active pods that match the selector equal to spec.replicas, adopting
//! orphans, releasing pods that no longer match, and choosing which pods to
//! delete in upstream's order.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::{Context, Controller, Reconciled};
use crate::events::{EventType, Source};
use crate::labels::Selector;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::store::WatchEvent;
use crate::time::{SimDuration, SimTime};

pub const NAME: &str = "replicaset-controller";
/// BurstReplicas: at most this many creations or deletions per sync.
const BURST_REPLICAS: usize = 500;

pub struct ReplicaSetController;

/// The controllerRef a controller puts on what it creates.
pub fn controller_ref(kind: Kind, meta: &ObjectMeta) -> OwnerReference {
    let info = kind.info();
    OwnerReference {
        api_version: info.api_version.to_string(),
        kind: info.kind.to_string(),
        name: meta.name_str().to_string(),
        uid: meta.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn owned_by(meta: &ObjectMeta, owner_uid: &str) -> bool {
    meta.controller_owner().is_some_and(|r| r.uid == owner_uid)
}

impl Controller for ReplicaSetController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &crate::apiserver::ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::ReplicaSet(_) => vec![event.object_ref.clone()],
            // The owner (and the old one if it changed), or for an orphan
            // every ReplicaSet whose selector matches it, one of which may
            // adopt it (addPod, updatePod and getPodReplicaSets in
            // pkg/controller/replicaset/replica_set.go).
            Object::Pod(pod)
                if pod.metadata.controller_owner().is_none() && !pod.metadata.is_deleting() =>
            {
                let labels = pod.metadata.labels_map();
                let mut keys: Vec<ObjectRef> = api
                    .list_typed::<ReplicaSet>(pod.metadata.namespace.as_deref())
                    .into_iter()
                    .filter(|rs| {
                        let selector = rs.spec.as_ref().map(|s| &s.selector);
                        Selector::from_label_selector(selector)
                            .is_ok_and(|s| !s.requirements.is_empty() && s.matches(&labels))
                    })
                    .map(|rs| {
                        ObjectRef::new(
                            Kind::ReplicaSet,
                            rs.metadata.namespace.as_deref(),
                            rs.metadata.name_str(),
                        )
                    })
                    .collect();
                keys.extend(super::owner_keys(event, Kind::ReplicaSet));
                crate::sorting::sort(&mut keys);
                keys.dedup();
                keys
            }
            Object::Pod(_) => super::owner_keys(event, Kind::ReplicaSet),
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::ReplicaSet(rs)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        if rs.metadata.is_deleting() {
            return Reconciled::nothing();
        }
        let namespace = rs.metadata.namespace_str().to_string();
        let uid = rs.metadata.uid.clone().unwrap_or_default();
        let spec = rs.spec.clone().unwrap_or_default();
        let selector = match Selector::from_label_selector(Some(&spec.selector)) {
            Ok(s) => s,
            Err(_) => return Reconciled::nothing(),
        };
        let mut actions = Vec::new();
        let source = Source::component(NAME);
        let rs_object = Object::ReplicaSet(rs.clone());

        // Claim pods: adopt matching orphans, release owned pods that stopped matching.
        // The stored pods are shared, not copied: 200 pods are 200 pointers.
        let mut owned: Vec<Arc<Object>> = Vec::new();
        for shared in ctx.api.list_shared(Kind::Pod, Some(&namespace)) {
            let Object::Pod(pod) = &*shared else {
                continue;
            };
            let matches = selector.matches(&pod.metadata.labels_map());
            let mine = owned_by(&pod.metadata, &uid);
            if mine && matches {
                owned.push(shared.clone());
            } else if mine && !matches {
                let mut released = pod.clone();
                if let Some(refs) = released.metadata.owner_references.as_mut() {
                    refs.retain(|r| r.uid != uid);
                }
                // An empty list is not written (omitempty).
                if released
                    .metadata
                    .owner_references
                    .as_ref()
                    .is_some_and(Vec::is_empty)
                {
                    released.metadata.owner_references = None;
                }
                if ctx.api.update(Object::Pod(released)).is_ok() {
                    actions.push(format!("released pod {}", pod.metadata.name_str()));
                }
            } else if matches
                && pod.metadata.controller_owner().is_none()
                && podutil::is_active(pod)
            {
                let mut adopted = pod.clone();
                adopted
                    .metadata
                    .owner_references
                    .get_or_insert_with(Vec::new)
                    .push(controller_ref(Kind::ReplicaSet, &rs.metadata));
                if let Ok(stored) = ctx.api.update(Object::Pod(adopted)) {
                    actions.push(format!("adopted pod {}", stored.meta().name_str()));
                    owned.push(stored);
                }
            }
        }
        let owned: Vec<&Pod> = owned
            .iter()
            .filter_map(|o| match &**o {
                Object::Pod(p) => Some(p),
                _ => None,
            })
            .collect();
        let active: Vec<&Pod> = owned
            .iter()
            .copied()
            .filter(|p| podutil::is_active(p))
            .collect();
        let desired = spec.replicas.unwrap_or(1).max(0) as usize;

        if active.len() < desired {
            let wanted = (desired - active.len()).min(BURST_REPLICAS);
            let created = slow_start_create(ctx, &rs, wanted, &source, &rs_object);
            actions.push(format!(
                "created {created} pod(s) ({} of {desired} wanted)",
                active.len() + created
            ));
        } else if active.len() > desired {
            let excess = (active.len() - desired).min(BURST_REPLICAS);
            let related = related_pods(ctx, &rs, &owned);
            let related: Vec<&Pod> = related.iter().collect();
            let victims = pods_to_delete(&active, &related, excess, ctx.now);
            for pod in victims {
                let pod_ref = ObjectRef::new(Kind::Pod, Some(&namespace), pod.metadata.name_str());
                if ctx.api.delete(ctx.now, &pod_ref, None).is_ok() {
                    let message = format!("Deleted pod: {}", pod.metadata.name_str());
                    ctx.record(
                        &source,
                        &rs_object,
                        EventType::Normal,
                        "SuccessfulDelete",
                        &message,
                    );
                }
            }
            actions.push(format!("deleted {excess} pod(s) to get down to {desired}"));
        }

        // Status, from the pods seen at the start of this sync, as upstream computes it.
        let min_ready = spec.min_ready_seconds.unwrap_or(0);
        let ready = active.iter().filter(|p| podutil::is_ready(p)).count() as i32;
        let available = active
            .iter()
            .filter(|p| podutil::is_available(p, min_ready, ctx.now))
            .count() as i32;
        let template_labels = spec
            .template
            .as_ref()
            .and_then(|t| t.metadata.as_ref())
            .map(|m| m.labels_map());
        let labeled = active
            .iter()
            .filter(|p| {
                let labels = p.metadata.labels_map();
                template_labels
                    .iter()
                    .flat_map(|t| t.iter())
                    .all(|(k, v)| labels.get(k) == Some(v))
            })
            .count() as i32;
        let status = ReplicaSetStatus {
            replicas: active.len() as i32,
            fully_labeled_replicas: Some(labeled),
            ready_replicas: Some(ready),
            available_replicas: Some(available),
            observed_generation: rs.metadata.generation,
            terminating_replicas: Some(
                owned.iter().filter(|p| p.metadata.is_deleting()).count() as i32
            ),
            conditions: rs.status.as_ref().and_then(|s| s.conditions.clone()),
        };
        let mut result = if actions.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(actions.join("; "))
        };
        if rs.status.as_ref() != Some(&status) {
            if let Some(Object::ReplicaSet(current)) = ctx.api.get(key).cloned() {
                let mut updated = current;
                updated.status = Some(status.clone());
                if ctx.api.update(Object::ReplicaSet(updated)).is_ok() && result.summary.is_none() {
                    result = Reconciled::did(format!(
                        "updated status: {} replicas, {ready} ready, {available} available",
                        status.replicas
                    ));
                }
            }
        }
        // A pod that is ready but not yet available becomes available later without any change to watch.
        if min_ready > 0 {
            let next = active
                .iter()
                .filter_map(|p| podutil::ready_since(p))
                .map(|since| since.plus(SimDuration::from_secs(min_ready as u64)))
                .filter(|t| *t > ctx.now)
                .min();
            if let Some(t) = next {
                result = result.requeue(t.since(ctx.now));
            }
        }
        result
    }
}

/// getIndirectlyRelatedPods: the pods of every ReplicaSet with the same
/// controller as this one (a Deployment's old and new ReplicaSets), or this
/// one's own pods when it has no controller.
fn related_pods(ctx: &Context, rs: &ReplicaSet, owned: &[&Pod]) -> Vec<Pod> {
    let Some(owner) = rs.metadata.controller_owner() else {
        return owned.iter().map(|p| (*p).clone()).collect();
    };
    let namespace = rs.metadata.namespace.as_deref();
    let siblings: Vec<String> = ctx
        .api
        .list_typed::<ReplicaSet>(namespace)
        .into_iter()
        .filter(|r| owned_by(&r.metadata, &owner.uid))
        .filter_map(|r| r.metadata.uid.clone())
        .collect();
    ctx.api
        .list_typed::<Pod>(namespace)
        .into_iter()
        .filter(|p| siblings.iter().any(|uid| owned_by(&p.metadata, uid)))
        .cloned()
        .collect()
}

/// slowStartBatch: create in batches of 1, 2, 4 ... so a broken template fails fast.
fn slow_start_create(
    ctx: &mut Context,
    rs: &ReplicaSet,
    count: usize,
    source: &Source,
    rs_object: &Object,
) -> usize {
    let mut created = 0;
    let mut batch = 1;
    while created < count {
        let this_batch = batch.min(count - created);
        for _ in 0..this_batch {
            let pod = pod_from_template(rs);
            match ctx.api.create(ctx.now, Object::Pod(pod)) {
                Ok(p) => {
                    let message = format!("Created pod: {}", p.meta().name_str());
                    ctx.record(
                        source,
                        rs_object,
                        EventType::Normal,
                        "SuccessfulCreate",
                        &message,
                    );
                    created += 1;
                }
                Err(err) => {
                    let message = format!("Error creating: {}", err.message);
                    ctx.record(
                        source,
                        rs_object,
                        EventType::Warning,
                        "FailedCreate",
                        &message,
                    );
                    return created;
                }
            }
        }
        batch *= 2;
    }
    created
}

/// controller.GetPodFromTemplate: the template's labels, annotations and spec, owned by the ReplicaSet.
fn pod_from_template(rs: &ReplicaSet) -> Pod {
    let template = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.clone())
        .unwrap_or_default();
    let template_meta = template.metadata.unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            namespace: rs.metadata.namespace.clone(),
            generate_name: Some(format!("{}-", rs.metadata.name_str())),
            labels: template_meta.labels,
            annotations: template_meta.annotations,
            owner_references: Some(vec![controller_ref(Kind::ReplicaSet, &rs.metadata)]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    }
}

/// The annotation that lowers or raises a pod's cost of deletion
/// (core/v1 PodDeletionCost; the PodDeletionCost feature is on by default).
pub const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// getPodsToDelete (pkg/controller/replicaset/replica_set.go): the first
/// `count` active pods in ActivePodsWithRanks order, each ranked by the
/// active related pods on its node (getPodsRankedByRelatedPodsOnSameNode).
fn pods_to_delete<'a>(
    active: &[&'a Pod],
    related: &[&Pod],
    count: usize,
    now: SimTime,
) -> Vec<&'a Pod> {
    if count >= active.len() {
        return active.to_vec();
    }
    let mut per_node: HashMap<&str, usize> = HashMap::new();
    for pod in related.iter().filter(|p| podutil::is_active(p)) {
        *per_node
            .entry(podutil::node_name(pod).unwrap_or(""))
            .or_default() += 1;
    }
    let rank = |p: &Pod| {
        per_node
            .get(podutil::node_name(p).unwrap_or(""))
            .copied()
            .unwrap_or(0)
    };
    let mut ranked: Vec<(&Pod, usize)> = active.iter().map(|p| (*p, rank(p))).collect();
    // Insertion sort: the order is upstream's Less, which is not a total
    // order (uids break ties between close timestamps, restart counts
    // between equal ones), so a sort that insists on one could panic.
    for i in 1..ranked.len() {
        let mut j = i;
        while j > 0 && delete_first(ranked[j], ranked[j - 1], now) {
            ranked.swap(j, j - 1);
            j -= 1;
        }
    }
    ranked.into_iter().take(count).map(|(p, _)| p).collect()
}

/// ActivePodsWithRanks.Less (pkg/controller/controller_utils.go): whether
/// pod `a` should be deleted before pod `b`. LogarithmicScaleDown is GA, so
/// ready and creation times compare by their power-of-two age bracket and
/// the uid decides within one bracket.
fn delete_first((a, rank_a): (&Pod, usize), (b, rank_b): (&Pod, usize), now: SimTime) -> bool {
    // 1. Unassigned < assigned.
    let (node_a, node_b) = (podutil::node_name(a), podutil::node_name(b));
    if node_a != node_b && (node_a.is_none() || node_b.is_none()) {
        return node_a.is_none();
    }
    // 2. Pending < Unknown < Running (podPhaseToOrdinal; other phases are 0).
    let phase = |p: &Pod| match podutil::phase(p) {
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    };
    if phase(a) != phase(b) {
        return phase(a) < phase(b);
    }
    // 3. Not ready < ready.
    if podutil::is_ready(a) != podutil::is_ready(b) {
        return !podutil::is_ready(a);
    }
    // 4. Lower pod-deletion-cost < higher.
    if deletion_cost(a) != deletion_cost(b) {
        return deletion_cost(a) < deletion_cost(b);
    }
    // 5. Doubled up < not doubled up.
    if rank_a != rank_b {
        return rank_a > rank_b;
    }
    // 6. Ready for less time < more time.
    if podutil::is_ready(a) && podutil::is_ready(b) {
        let (ra, rb) = (
            podutil::ready_since(a).map(whole_seconds),
            podutil::ready_since(b).map(whole_seconds),
        );
        if ra != rb {
            return newer_first(ra, rb, a, b, now);
        }
    }
    // 7. More container restarts < fewer.
    if max_restarts(a) != max_restarts(b) {
        return max_restarts(a) > max_restarts(b);
    }
    // 8. Newer < older.
    let created = |p: &Pod| {
        p.metadata
            .creation_timestamp
            .as_ref()
            .map(|t| whole_seconds(SimTime::from_k8s(t)))
    };
    if created(a) != created(b) {
        return newer_first(created(a), created(b), a, b, now);
    }
    false
}

/// The timestamps a controller compares: RFC 3339 in whole seconds.
fn whole_seconds(t: SimTime) -> SimTime {
    SimTime(t.0 / 1000 * 1000)
}

/// afterOrZero, then logarithmicRankDiff with the uid as tie-breaker.
fn newer_first(ta: Option<SimTime>, tb: Option<SimTime>, a: &Pod, b: &Pod, now: SimTime) -> bool {
    let (Some(ta), Some(tb)) = (ta, tb) else {
        return ta.is_none();
    };
    // floor(log2(age in nanoseconds)), -1 for no age.
    let bracket = |t: SimTime| {
        let nanos = now.since(t).0.saturating_mul(1_000_000);
        if nanos == 0 {
            -1
        } else {
            i64::from(63 - nanos.leading_zeros())
        }
    };
    match bracket(ta).cmp(&bracket(tb)) {
        Ordering::Equal => a.metadata.uid < b.metadata.uid,
        order => order == Ordering::Less,
    }
}

/// helper.GetDeletionCostFromPodAnnotations: an int32, 0 when absent or not one.
fn deletion_cost(pod: &Pod) -> i32 {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(POD_DELETION_COST))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// maxContainerRestarts.
fn max_restarts(pod: &Pod) -> i32 {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.iter().map(|c| c.restart_count).max())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{PodCondition, PodSpec, PodStatus};

    fn pod(name: &str, node: Option<&str>, phase: &str, ready: bool, created_s: u64) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some(name.into()),
                creation_timestamp: Some(SimTime(created_s * 1000).to_k8s()),
                ..ObjectMeta::default()
            },
            spec: Some(PodSpec {
                node_name: node.map(Into::into),
                ..PodSpec::default()
            }),
            status: Some(PodStatus {
                phase: Some(phase.into()),
                conditions: Some(vec![PodCondition {
                    type_: "Ready".into(),
                    status: if ready { "True" } else { "False" }.into(),
                    last_transition_time: Some(SimTime(created_s * 1000 + 5000).to_k8s()),
                    ..PodCondition::default()
                }]),
                ..PodStatus::default()
            }),
        }
    }

    #[test]
    fn scale_down_order_follows_upstream() {
        let unassigned = pod("unassigned", None, "Pending", false, 1);
        let pending = pod("pending", Some("a"), "Pending", false, 1);
        let not_ready = pod("not-ready", Some("b"), "Running", false, 1);
        let old_ready = pod("old-ready", Some("c"), "Running", true, 1);
        let new_ready = pod("new-ready", Some("d"), "Running", true, 60);
        let all = [&old_ready, &new_ready, &not_ready, &pending, &unassigned];
        let order: Vec<&str> = pods_to_delete(&all, &all, 4, SimTime(100_000))
            .iter()
            .map(|p| p.metadata.name_str())
            .collect();
        assert_eq!(
            order,
            vec!["unassigned", "pending", "not-ready", "new-ready"]
        );
    }

    #[test]
    fn deletion_cost_comes_before_age() {
        let mut cheap = pod("cheap", Some("a"), "Running", true, 1);
        cheap.metadata.annotations =
            Some([(POD_DELETION_COST.to_string(), "-5".to_string())].into());
        let new_ready = pod("new-ready", Some("b"), "Running", true, 90);
        let all = [&new_ready, &cheap];
        let first = pods_to_delete(&all, &all, 1, SimTime(100_000))[0];
        assert_eq!(first.metadata.name_str(), "cheap");
    }

    #[test]
    fn close_ages_are_told_apart_by_uid() {
        // Ready 95 s and 90 s ago: both in the 2^36 ns bracket.
        let mut a = pod("a", Some("a"), "Running", true, 0);
        let mut b = pod("b", Some("b"), "Running", true, 5);
        a.metadata.uid = Some("2".into());
        b.metadata.uid = Some("1".into());
        let all = [&a, &b];
        let first = pods_to_delete(&all, &all, 1, SimTime(100_000))[0];
        assert_eq!(first.metadata.name_str(), "b");
        a.metadata.uid = Some("0".into());
        let all = [&a, &b];
        let first = pods_to_delete(&all, &all, 1, SimTime(100_000))[0];
        assert_eq!(first.metadata.name_str(), "a");
    }

    #[test]
    fn crowded_nodes_lose_pods_first() {
        let a1 = pod("a1", Some("a"), "Running", true, 1);
        let a2 = pod("a2", Some("a"), "Running", true, 1);
        let b1 = pod("b1", Some("b"), "Running", true, 1);
        let all = [&b1, &a1, &a2];
        let first = pods_to_delete(&all, &all, 1, SimTime(100_000))[0]
            .metadata
            .name_str()
            .to_string();
        assert!(first.starts_with('a'), "{first}");
    }
}
