//! The DaemonSet controller (pkg/controller/daemon): one pod on every node
//! that should run it — the nodes its nodeSelector and node affinity select
//! and whose taints it tolerates, counting the tolerations the controller
//! adds by itself. A node that joins gets its pod at once; a node that goes
//! takes its pod with it. RollingUpdate replaces pods maxUnavailable at a
//! time; OnDelete waits for the learner to delete them.
//!
//! Each pod template is kept as a ControllerRevision `<set>-<hash>`
//! (constructHistory), whose hash labels the pods made from it; old
//! revisions no pod uses go beyond revisionHistoryLimit (cleanupHistory).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetStatus};
use k8s_openapi::api::core::v1::{
    Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod,
    Taint, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::history::{self, Revision};
use super::replicaset::controller_ref;
use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::events::{EventType, Source};
use crate::labels::Selector;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::scheduler::plugins::node_affinity::term_matches;
use crate::scheduler::plugins::taint_toleration::tolerated_by;
use crate::store::WatchEvent;

pub const NAME: &str = "daemonset-controller";
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";

pub struct DaemonSetController;

/// AddOrUpdateDaemonPodTolerations: what every daemon pod tolerates.
fn daemon_tolerations(host_network: bool) -> Vec<Toleration> {
    let toleration = |key: &str, effect: &str| Toleration {
        key: Some(key.to_string()),
        operator: Some("Exists".to_string()),
        effect: Some(effect.to_string()),
        ..Toleration::default()
    };
    let mut list = vec![
        toleration("node.kubernetes.io/not-ready", "NoExecute"),
        toleration("node.kubernetes.io/unreachable", "NoExecute"),
        toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/unschedulable", "NoSchedule"),
    ];
    if host_network {
        list.push(toleration(
            "node.kubernetes.io/network-unavailable",
            "NoSchedule",
        ));
    }
    list
}

/// constructHistory: the revision of the current template (made, or
/// renumbered to be the newest, as after a rollback) and the old ones.
/// Returns the current revision's hash and the old revisions.
fn construct_history(
    ctx: &mut Context,
    ds: &DaemonSet,
    actions: &mut Vec<String>,
) -> (String, Vec<Revision>) {
    let template = ds.spec.clone().unwrap_or_default().template;
    let patch = history::template_patch(&template);
    let namespace = ds.metadata.namespace.as_deref();
    let uid = ds.metadata.uid.clone().unwrap_or_default();
    // Match: a revision is current when its patch is this template's.
    let (mut current, old): (Vec<Revision>, Vec<Revision>) =
        history::owned_by(ctx.api, namespace, &uid)
            .into_iter()
            .partition(|r| r.data == patch);
    let next = old.iter().map(|r| r.number).max().unwrap_or(0) + 1;
    let hash = super::compute_hash(&template, None);
    // dedupCurHistories: the newest of equal revisions stays.
    current.sort_by_key(|r| r.number);
    let Some(cur) = current.pop() else {
        // snapshot.
        let name = format!("{}-{hash}", ds.metadata.name_str());
        let mut labels = template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        labels.insert(history::HASH_LABEL.into(), hash.clone());
        let created = history::create(
            ctx.api,
            ctx.now,
            (Kind::DaemonSet, &ds.metadata),
            history::NewRevision {
                name: &name,
                labels,
                annotations: ds.metadata.annotations.clone(),
                data: patch,
                number: next,
            },
        );
        if created.is_ok() {
            actions.push(format!("created revision {name} ({next})"));
        }
        return (hash, old);
    };
    for duplicate in current {
        history::delete(ctx.api, ctx.now, namespace, &duplicate.name);
    }
    if cur.number < next && history::set_number(ctx.api, namespace, &cur.name, next) {
        actions.push(format!("revision {} is now {next}", cur.name));
    }
    let cur_hash = cur.label(history::HASH_LABEL).cloned().unwrap_or(hash);
    (cur_hash, old)
}

/// cleanupHistory: beyond revisionHistoryLimit, the oldest revisions that
/// no pod (even a finished one) was made from go.
fn cleanup_history(ctx: &mut Context, ds: &DaemonSet, pods: &[Pod], mut old: Vec<Revision>) {
    let keep = ds
        .spec
        .as_ref()
        .and_then(|s| s.revision_history_limit)
        .unwrap_or(10)
        .max(0) as usize;
    let Some(mut to_kill) = old.len().checked_sub(keep).filter(|n| *n > 0) else {
        return;
    };
    let live: Vec<&String> = pods
        .iter()
        .filter_map(|p| p.metadata.labels.as_ref()?.get(CONTROLLER_REVISION_HASH))
        .collect();
    old.sort_by_key(|r| r.number);
    for revision in old {
        if to_kill == 0 {
            break;
        }
        if revision
            .label(history::HASH_LABEL)
            .is_some_and(|h| live.contains(&h))
        {
            continue;
        }
        history::delete(
            ctx.api,
            ctx.now,
            ds.metadata.namespace.as_deref(),
            &revision.name,
        );
        to_kill -= 1;
    }
}

/// The pod the DaemonSet wants on `node`: its template, pinned to the node
/// by node affinity (the default scheduler still binds it), with the daemon tolerations.
fn new_pod(ds: &DaemonSet, node: &str, hash: &str) -> Pod {
    let spec = ds.spec.clone().unwrap_or_default();
    let template_meta = spec.template.metadata.clone().unwrap_or_default();
    let mut pod_spec = spec.template.spec.clone().unwrap_or_default();
    let mut tolerations = pod_spec.tolerations.clone().unwrap_or_default();
    for t in daemon_tolerations(pod_spec.host_network.unwrap_or(false)) {
        if !tolerations
            .iter()
            .any(|x| x.key == t.key && x.effect == t.effect)
        {
            tolerations.push(t);
        }
    }
    pod_spec.tolerations = Some(tolerations);
    // ReplaceDaemonSetPodNodeNameNodeAffinity.
    let affinity = pod_spec.affinity.get_or_insert_with(Affinity::default);
    let node_affinity = affinity
        .node_affinity
        .get_or_insert_with(NodeAffinity::default);
    node_affinity.required_during_scheduling_ignored_during_execution = Some(NodeSelector {
        node_selector_terms: vec![NodeSelectorTerm {
            match_expressions: None,
            match_fields: Some(vec![NodeSelectorRequirement {
                key: "metadata.name".into(),
                operator: "In".into(),
                values: Some(vec![node.to_string()]),
            }]),
        }],
    });
    let mut labels = template_meta.labels.clone().unwrap_or_default();
    labels.insert(CONTROLLER_REVISION_HASH.into(), hash.to_string());
    labels.insert(
        "pod-template-generation".into(),
        ds.metadata.generation.unwrap_or(1).to_string(),
    );
    Pod {
        metadata: ObjectMeta {
            namespace: ds.metadata.namespace.clone(),
            generate_name: Some(format!("{}-", ds.metadata.name_str())),
            labels: Some(labels),
            annotations: template_meta.annotations,
            owner_references: Some(vec![controller_ref(Kind::DaemonSet, &ds.metadata)]),
            ..ObjectMeta::default()
        },
        spec: Some(pod_spec),
        status: None,
    }
}

/// NodeShouldRunDaemonPod: (should run, should keep running).
pub fn node_should_run(ds: &DaemonSet, node: &Node) -> (bool, bool) {
    let spec = ds.spec.clone().unwrap_or_default();
    let pod_spec = spec.template.spec.clone().unwrap_or_default();
    let labels = node.metadata.labels_map();
    let selector_ok = pod_spec
        .node_selector
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let affinity_ok = pod_spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .is_none_or(|s| s.node_selector_terms.iter().any(|t| term_matches(t, node)));
    if !selector_ok || !affinity_ok {
        return (false, false);
    }
    let mut tolerations = pod_spec.tolerations.clone().unwrap_or_default();
    tolerations.extend(daemon_tolerations(pod_spec.host_network.unwrap_or(false)));
    let taints: Vec<&Taint> = node
        .spec
        .iter()
        .flat_map(|s| s.taints.iter().flatten())
        .collect();
    let untolerated = |effect: &str| {
        taints
            .iter()
            .any(|t| t.effect == effect && !tolerated_by(&tolerations, t))
    };
    let should_continue = !untolerated("NoExecute");
    (
        should_continue && !untolerated("NoSchedule"),
        should_continue,
    )
}

impl Controller for DaemonSetController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::DaemonSet(_) => vec![event.object_ref.clone()],
            Object::Pod(_) => super::owner_keys(event, Kind::DaemonSet),
            // A node came, went or changed: every DaemonSet looks again.
            Object::Node(_) => api.list(Kind::DaemonSet, None).map(ObjectRef::of).collect(),
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::DaemonSet(ds)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        if ds.metadata.is_deleting() {
            return Reconciled::nothing();
        }
        let namespace = ds.metadata.namespace_str().to_string();
        let uid = ds.metadata.uid.clone().unwrap_or_default();
        let spec = ds.spec.clone().unwrap_or_default();
        let Ok(selector) = Selector::from_label_selector(Some(&spec.selector)) else {
            return Reconciled::nothing();
        };
        let mut actions = Vec::new();
        let (hash, old_revisions) = construct_history(ctx, &ds, &mut actions);
        let source = Source::component(NAME);
        let ds_object = Object::DaemonSet(ds.clone());
        let nodes: Vec<Node> = ctx
            .api
            .list_typed::<Node>(None)
            .into_iter()
            .cloned()
            .collect();
        let pods: Vec<Pod> = ctx
            .api
            .list_typed::<Pod>(Some(&namespace))
            .into_iter()
            .filter(|p| {
                p.metadata.controller_owner().is_some_and(|o| o.uid == uid)
                    && selector.matches(&p.metadata.labels_map())
            })
            .cloned()
            .collect();
        // Pods by the node they are pinned to (bound, or awaiting the scheduler).
        let pinned_node = |p: &Pod| -> Option<String> {
            podutil::node_name(p).map(str::to_string).or_else(|| {
                p.spec
                    .as_ref()?
                    .affinity
                    .as_ref()?
                    .node_affinity
                    .as_ref()?
                    .required_during_scheduling_ignored_during_execution
                    .as_ref()?
                    .node_selector_terms
                    .first()?
                    .match_fields
                    .as_ref()?
                    .first()?
                    .values
                    .as_ref()?
                    .first()
                    .cloned()
            })
        };
        let mut by_node: BTreeMap<String, Vec<&Pod>> = BTreeMap::new();
        for pod in pods.iter().filter(|p| !p.metadata.is_deleting()) {
            if let Some(n) = pinned_node(pod) {
                by_node.entry(n).or_default().push(pod);
            }
        }
        let mut to_create: Vec<String> = Vec::new();
        let mut to_delete: Vec<&Pod> = Vec::new();
        let mut desired: i32 = 0;
        for node in &nodes {
            let name = node.metadata.name_str().to_string();
            let (should_run, should_continue) = node_should_run(&ds, node);
            let here = by_node.remove(&name).unwrap_or_default();
            if should_run {
                desired += 1;
            }
            // Failed daemon pods are replaced.
            let (failed, alive): (Vec<&Pod>, Vec<&Pod>) = here
                .into_iter()
                .partition(|p| podutil::phase(p) == "Failed");
            to_delete.extend(failed);
            if should_run && alive.is_empty() {
                to_create.push(name);
            } else if should_continue && alive.len() > 1 {
                to_delete.extend(alive.into_iter().skip(1));
            } else if !should_continue {
                to_delete.extend(alive);
            }
        }
        // Pods pinned to nodes that no longer exist.
        to_delete.extend(by_node.into_values().flatten());

        // RollingUpdate: replace out-of-date pods, keeping at most maxUnavailable unavailable.
        let rolling = spec
            .update_strategy
            .as_ref()
            .is_none_or(|s| s.type_.as_deref().unwrap_or("RollingUpdate") == "RollingUpdate");
        if rolling && to_create.is_empty() && to_delete.is_empty() {
            let max_unavailable = spec
                .update_strategy
                .as_ref()
                .and_then(|s| s.rolling_update.as_ref())
                .and_then(|r| r.max_unavailable.clone())
                .map(|v| match v {
                    IntOrString::Int(i) => i.max(0) as usize,
                    IntOrString::String(p) => {
                        let pct: usize = p.trim_end_matches('%').parse().unwrap_or(0);
                        (pct * desired.max(0) as usize).div_ceil(100).max(1)
                    }
                })
                .unwrap_or(1);
            let active: Vec<&Pod> = pods.iter().filter(|p| !p.metadata.is_deleting()).collect();
            let unavailable = active
                .iter()
                .filter(|p| !podutil::is_available(p, spec.min_ready_seconds.unwrap_or(0), ctx.now))
                .count()
                + pods.iter().filter(|p| p.metadata.is_deleting()).count();
            let old: Vec<&Pod> = active
                .iter()
                .copied()
                .filter(|p| p.metadata.labels_map().get(CONTROLLER_REVISION_HASH) != Some(&hash))
                .collect();
            // Unavailable old pods go first: replacing them costs nothing.
            let (old_unavailable, old_available): (Vec<&Pod>, Vec<&Pod>) =
                old.into_iter().partition(|p| {
                    !podutil::is_available(p, spec.min_ready_seconds.unwrap_or(0), ctx.now)
                });
            to_delete.extend(old_unavailable);
            let budget = max_unavailable.saturating_sub(unavailable);
            to_delete.extend(old_available.into_iter().take(budget));
        }

        for node in &to_create {
            match ctx
                .api
                .create(ctx.now, Object::Pod(new_pod(&ds, node, &hash)))
            {
                Ok(p) => {
                    let message = format!("Created pod: {}", p.meta().name_str());
                    ctx.record(
                        &source,
                        &ds_object,
                        EventType::Normal,
                        "SuccessfulCreate",
                        &message,
                    );
                    actions.push(format!(
                        "created pod {} for node {node}",
                        p.meta().name_str()
                    ));
                }
                Err(e) => {
                    let message = format!("Error creating: {}", e.message);
                    ctx.record(
                        &source,
                        &ds_object,
                        EventType::Warning,
                        "FailedCreate",
                        &message,
                    );
                }
            }
        }
        for pod in to_delete {
            let pod_ref = ObjectRef::new(Kind::Pod, Some(&namespace), pod.metadata.name_str());
            if ctx.api.delete(ctx.now, &pod_ref, None).is_ok() {
                let message = format!("Deleted pod: {}", pod.metadata.name_str());
                ctx.record(
                    &source,
                    &ds_object,
                    EventType::Normal,
                    "SuccessfulDelete",
                    &message,
                );
                actions.push(format!("deleted pod {}", pod.metadata.name_str()));
            }
        }

        cleanup_history(ctx, &ds, &pods, old_revisions);

        // Status, from the pods seen at the start of this sync.
        let active: Vec<&Pod> = pods.iter().filter(|p| !p.metadata.is_deleting()).collect();
        let scheduled_ok = |p: &Pod| {
            pinned_node(p).is_some_and(|n| {
                nodes
                    .iter()
                    .any(|node| node.metadata.name_str() == n && node_should_run(&ds, node).0)
            })
        };
        let status = DaemonSetStatus {
            desired_number_scheduled: desired,
            current_number_scheduled: active.iter().filter(|p| scheduled_ok(p)).count() as i32,
            number_misscheduled: active.iter().filter(|p| !scheduled_ok(p)).count() as i32,
            number_ready: active.iter().filter(|p| podutil::is_ready(p)).count() as i32,
            number_available: Some(
                active
                    .iter()
                    .filter(|p| {
                        podutil::is_available(p, spec.min_ready_seconds.unwrap_or(0), ctx.now)
                    })
                    .count() as i32,
            ),
            number_unavailable: None,
            updated_number_scheduled: Some(
                active
                    .iter()
                    .filter(|p| {
                        p.metadata.labels_map().get(CONTROLLER_REVISION_HASH) == Some(&hash)
                    })
                    .count() as i32,
            ),
            observed_generation: ds.metadata.generation,
            collision_count: ds.status.as_ref().and_then(|s| s.collision_count),
            conditions: None,
        };
        let mut status = status;
        let unavailable = desired - status.number_available.unwrap_or(0);
        status.number_unavailable = (unavailable > 0).then_some(unavailable);
        if ds.status.as_ref() != Some(&status) {
            let mut updated = ds.clone();
            updated.status = Some(status);
            updated.metadata.resource_version = None;
            let _ = ctx.api.update(Object::DaemonSet(updated));
            if actions.is_empty() {
                actions.push("updated status".into());
            }
        }
        if actions.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(actions.join("; "))
        }
    }
}
