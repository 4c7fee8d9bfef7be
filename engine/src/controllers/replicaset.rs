//! The ReplicaSet controller (pkg/controller/replicaset): keeps the number of
//! active pods that match the selector equal to spec.replicas, adopting
//! orphans, releasing pods that no longer match, and choosing which pods to
//! delete in upstream's order.

use std::cmp::Ordering;
use std::collections::HashMap;

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

    fn keys_for(&self, event: &WatchEvent, _api: &crate::apiserver::ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::ReplicaSet(_) => vec![event.object_ref.clone()],
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
        let mut owned: Vec<Pod> = Vec::new();
        let candidates: Vec<Pod> = ctx
            .api
            .list_typed::<Pod>(Some(&namespace))
            .into_iter()
            .cloned()
            .collect();
        for pod in candidates {
            let matches = selector.matches(&pod.metadata.labels_map());
            let mine = owned_by(&pod.metadata, &uid);
            if mine && matches {
                owned.push(pod);
            } else if mine && !matches {
                let mut released = pod.clone();
                if let Some(refs) = released.metadata.owner_references.as_mut() {
                    refs.retain(|r| r.uid != uid);
                }
                if ctx.api.update(Object::Pod(released)).is_ok() {
                    actions.push(format!("released pod {}", pod.metadata.name_str()));
                }
            } else if matches
                && pod.metadata.controller_owner().is_none()
                && podutil::is_active(&pod)
            {
                let mut adopted = pod.clone();
                adopted
                    .metadata
                    .owner_references
                    .get_or_insert_with(Vec::new)
                    .push(controller_ref(Kind::ReplicaSet, &rs.metadata));
                if let Ok(Object::Pod(p)) = ctx.api.update(Object::Pod(adopted)).as_deref() {
                    actions.push(format!("adopted pod {}", p.metadata.name_str()));
                    owned.push(p.clone());
                }
            }
        }
        let active: Vec<&Pod> = owned.iter().filter(|p| podutil::is_active(p)).collect();
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
            let all_owned: Vec<&Pod> = owned.iter().collect();
            let victims = pods_to_delete(&active, &all_owned, excess, ctx.now);
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
        let labeled = active
            .iter()
            .filter(|p| {
                let template_labels = spec
                    .template
                    .as_ref()
                    .and_then(|t| t.metadata.as_ref())
                    .and_then(|m| m.labels.clone())
                    .unwrap_or_default();
                let labels = p.metadata.labels_map();
                template_labels
                    .iter()
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

/// getPodsToDelete with ActivePodsWithRanks: the pods that are least useful go first.
fn pods_to_delete<'a>(
    active: &[&'a Pod],
    related: &[&Pod],
    count: usize,
    now: SimTime,
) -> Vec<&'a Pod> {
    // Rank: how many related pods share the pod's node; crowded nodes lose pods first.
    let mut per_node: HashMap<&str, usize> = HashMap::new();
    for pod in related.iter().filter(|p| podutil::is_active(p)) {
        if let Some(node) = podutil::node_name(pod) {
            *per_node.entry(node).or_default() += 1;
        }
    }
    let rank = |p: &Pod| {
        podutil::node_name(p)
            .and_then(|n| per_node.get(n))
            .copied()
            .unwrap_or(0)
    };
    let mut sorted: Vec<&Pod> = active.to_vec();
    sorted.sort_by(|a, b| delete_order(a, b, rank(a), rank(b), now));
    sorted.truncate(count);
    sorted
}

/// ActivePodsWithRanks.Less: true (Less) means "delete first".
fn delete_order(a: &Pod, b: &Pod, rank_a: usize, rank_b: usize, _now: SimTime) -> Ordering {
    // 1. Unassigned before assigned.
    let assigned = |p: &Pod| podutil::node_name(p).is_some();
    if assigned(a) != assigned(b) {
        return assigned(a).cmp(&assigned(b));
    }
    // 2. Pending before Unknown before Running.
    let phase_rank = |p: &Pod| match podutil::phase(p) {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };
    if phase_rank(a) != phase_rank(b) {
        return phase_rank(a).cmp(&phase_rank(b));
    }
    // 3. Not ready before ready.
    if podutil::is_ready(a) != podutil::is_ready(b) {
        return podutil::is_ready(a).cmp(&podutil::is_ready(b));
    }
    // 4. More crowded node first.
    if rank_a != rank_b {
        return rank_b.cmp(&rank_a);
    }
    // 5. Ready for less time first.
    if podutil::is_ready(a) {
        let (ra, rb) = (podutil::ready_since(a), podutil::ready_since(b));
        if ra != rb {
            return rb.cmp(&ra);
        }
    }
    // 6. More restarts first.
    let (ca, cb) = (podutil::restart_count(a), podutil::restart_count(b));
    if ca != cb {
        return cb.cmp(&ca);
    }
    // 7. Newer first.
    let created = |p: &Pod| {
        p.metadata
            .creation_timestamp
            .as_ref()
            .map(SimTime::from_k8s)
    };
    created(b)
        .cmp(&created(a))
        .then_with(|| b.metadata.name_str().cmp(a.metadata.name_str()))
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
        let new_ready = pod("new-ready", Some("d"), "Running", true, 9);
        let all = [&old_ready, &new_ready, &not_ready, &pending, &unassigned];
        let order: Vec<&str> = pods_to_delete(&all, &all, 5, SimTime(100_000))
            .iter()
            .map(|p| p.metadata.name_str())
            .collect();
        assert_eq!(
            order,
            vec![
                "unassigned",
                "pending",
                "not-ready",
                "new-ready",
                "old-ready"
            ]
        );
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
