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

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetStatus, RollingUpdateDaemonSet};
use k8s_openapi::api::core::v1::{
    Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod,
    Taint, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::deployment::scaled_value;
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
use crate::time::SimTime;

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
    crate::sorting::sort_by_key(&mut current, |r| r.number);
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
    crate::sorting::sort_by_key(&mut old, |r| r.number);
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

fn created(pod: &Pod) -> Option<SimTime> {
    pod.metadata
        .creation_timestamp
        .as_ref()
        .map(SimTime::from_k8s)
}

/// podByCreationTimestampAndPhase: scheduled pods first, then the oldest, then by name.
fn by_creation_and_phase(pod: &Pod) -> (bool, Option<SimTime>, String) {
    (
        podutil::node_name(pod).is_none(),
        created(pod),
        pod.metadata.name_str().to_string(),
    )
}

fn pod_hash(pod: &Pod) -> Option<&str> {
    pod.metadata.label(CONTROLLER_REVISION_HASH)
}

/// findUpdatedPodsOnNode: the node's new and old pod, ignoring terminating
/// ones; None when there are two of a kind (the manage loop sorts that out).
fn updated_and_old<'p>(pods: &[&'p Pod], hash: &str) -> Option<(Option<&'p Pod>, Option<&'p Pod>)> {
    let (mut new, mut old) = (None, None);
    for pod in pods.iter().filter(|p| !p.metadata.is_deleting()) {
        let slot = if pod_hash(pod) == Some(hash) {
            &mut new
        } else {
            &mut old
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(*pod);
    }
    Some((new, old))
}

/// rollingUpdate (pkg/controller/daemon/update.go): the nodes to create a
/// new pod on and the old pods to delete. Without surge, old pods are
/// deleted while fewer than maxUnavailable nodes lack an available pod;
/// with maxSurge, a new pod starts beside an old one on up to maxSurge
/// nodes, and the old pod goes once the new one is available.
fn rolling_update_plan<'p>(
    strategy: &RollingUpdateDaemonSet,
    desired: i32,
    on_node: &BTreeMap<String, Vec<&'p Pod>>,
    should_run: &BTreeMap<String, bool>,
    hash: &str,
    available: &dyn Fn(&Pod) -> bool,
) -> (Vec<String>, Vec<&'p Pod>) {
    // updatedDesiredNodeCounts: both round up; 0 and 0 means 1 unavailable.
    let max_surge = strategy
        .max_surge
        .as_ref()
        .map_or(0, |v| scaled_value(v, desired, true));
    let mut max_unavailable = strategy
        .max_unavailable
        .as_ref()
        .map_or(1, |v| scaled_value(v, desired, true));
    if desired > 0 && max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    let mut to_delete: Vec<&Pod> = Vec::new();
    if max_surge == 0 {
        let mut unavailable = 0;
        let mut replacements: Vec<&Pod> = Vec::new();
        let mut candidates: Vec<&Pod> = Vec::new();
        for pods in on_node.values() {
            match updated_and_old(pods, hash) {
                None | Some((None, None)) | Some((Some(_), Some(_))) => unavailable += 1,
                Some((Some(new), None)) => {
                    if !available(new) {
                        unavailable += 1;
                    }
                }
                Some((None, Some(old))) => {
                    if !available(old) {
                        replacements.push(old);
                        unavailable += 1;
                    } else if unavailable < max_unavailable {
                        candidates.push(old);
                    }
                }
            }
        }
        let remaining = (max_unavailable - unavailable).clamp(0, candidates.len() as i32);
        to_delete.extend(replacements);
        to_delete.extend(candidates.into_iter().take(remaining as usize));
        return (Vec::new(), to_delete);
    }
    let mut surge = 0;
    let mut allowed_new: Vec<String> = Vec::new();
    let mut candidate_new: Vec<String> = Vec::new();
    for (node, pods) in on_node {
        let Some((new, old)) = updated_and_old(pods, hash) else {
            surge += 1;
            continue;
        };
        match (new, old) {
            (_, None) => {}
            (None, Some(old)) => {
                if !available(old) {
                    if should_run.get(node).copied().unwrap_or(false) {
                        allowed_new.push(node.clone());
                    } else {
                        to_delete.push(old);
                    }
                } else if surge < max_surge {
                    candidate_new.push(node.clone());
                }
            }
            (Some(new), Some(old)) => {
                if available(new) {
                    to_delete.push(old);
                } else {
                    surge += 1;
                }
            }
        }
    }
    let remaining = (max_surge - surge).clamp(0, candidate_new.len() as i32);
    allowed_new.extend(candidate_new.into_iter().take(remaining as usize));
    (allowed_new, to_delete)
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
        // getNodesToDaemonPods: terminating pods count until they are gone,
        // so a node gets its new pod only after the old one has left.
        let mut by_node: BTreeMap<String, Vec<&Pod>> = BTreeMap::new();
        for pod in pods
            .iter()
            .filter(|p| !(podutil::is_terminal(p) && p.metadata.is_deleting()))
        {
            if let Some(n) = pinned_node(pod) {
                by_node.entry(n).or_default().push(pod);
            }
        }
        let status_by_node = by_node.clone();
        let min_ready = spec.min_ready_seconds.unwrap_or(0);
        let now = ctx.now;
        let available = |p: &Pod| podutil::is_available(p, min_ready, now);
        let rolling = spec
            .update_strategy
            .as_ref()
            .is_none_or(|s| s.type_.as_deref().unwrap_or("RollingUpdate") == "RollingUpdate");
        let rolling_update = spec
            .update_strategy
            .as_ref()
            .and_then(|s| s.rolling_update.clone())
            .unwrap_or_default();
        // util.AllowsSurge.
        let allows_surge = rolling
            && rolling_update
                .max_surge
                .as_ref()
                .is_some_and(|v| scaled_value(v, 1, true) > 0);
        let mut to_create: Vec<String> = Vec::new();
        let mut to_delete: Vec<&Pod> = Vec::new();
        let mut desired: i32 = 0;
        let mut should_run_on: BTreeMap<String, bool> = BTreeMap::new();
        // manage and podsShouldBeOnNode (pkg/controller/daemon/daemon_controller.go).
        for node in &nodes {
            let name = node.metadata.name_str().to_string();
            let (should_run, should_continue) = node_should_run(&ds, node);
            should_run_on.insert(name.clone(), should_run);
            let here = by_node.remove(&name).unwrap_or_default();
            if should_run {
                desired += 1;
            }
            let exists = !here.is_empty();
            // Finished daemon pods are replaced.
            let (finished, mut alive): (Vec<&Pod>, Vec<&Pod>) = here
                .into_iter()
                .filter(|p| !p.metadata.is_deleting())
                .partition(|p| podutil::is_terminal(p));
            if should_continue {
                to_delete.extend(finished.iter().copied());
            }
            crate::sorting::sort_by_key(&mut alive, |p| by_creation_and_phase(p));
            if should_run && !exists {
                to_create.push(name);
            } else if should_continue && alive.len() > 1 && !allows_surge {
                to_delete.extend(alive.into_iter().skip(1));
            } else if should_continue && alive.len() > 1 {
                // With surge, an old and a new pod may share a node while the
                // new one is not ready and the old one is; otherwise only the
                // oldest pod of the current revision stays.
                let mut oldest_new: Option<&Pod> = None;
                let mut oldest_old: Option<&Pod> = None;
                for pod in alive {
                    let slot = if pod_hash(pod) == Some(hash.as_str()) {
                        &mut oldest_new
                    } else {
                        &mut oldest_old
                    };
                    if slot.is_none() {
                        *slot = Some(pod);
                    } else {
                        to_delete.push(pod);
                    }
                }
                if let (Some(new), Some(old)) = (oldest_new, oldest_old) {
                    if !podutil::is_ready(old) || podutil::is_ready(new) {
                        to_delete.push(old);
                    }
                }
            } else if !should_continue {
                to_delete.extend(alive);
                to_delete.extend(finished);
            }
        }
        // getUnscheduledPodsWithoutNode: pods still waiting for a node that
        // no longer exists. Bound pods of a deleted node are the pod GC's.
        to_delete.extend(
            by_node
                .into_values()
                .flatten()
                .filter(|p| podutil::node_name(p).is_none()),
        );

        if rolling && to_create.is_empty() && to_delete.is_empty() {
            let mut on_node: BTreeMap<String, Vec<&Pod>> = BTreeMap::new();
            for pod in &pods {
                if let Some(n) = pinned_node(pod) {
                    on_node.entry(n).or_default().push(pod);
                }
            }
            for (node, run) in &should_run_on {
                if *run {
                    on_node.entry(node.clone()).or_default();
                }
            }
            let (create, delete) = rolling_update_plan(
                &rolling_update,
                desired,
                &on_node,
                &should_run_on,
                &hash,
                &available,
            );
            to_create = create;
            to_delete = delete;
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

        // updateDaemonSetStatus: node by node, the oldest pod on each node
        // that should run one stands for it.
        let mut status = DaemonSetStatus {
            observed_generation: ds.metadata.generation,
            collision_count: ds.status.as_ref().and_then(|s| s.collision_count),
            ..DaemonSetStatus::default()
        };
        let (mut ready, mut available_count, mut updated) = (0, 0, 0);
        for node in &nodes {
            let name = node.metadata.name_str();
            let mut here = status_by_node.get(name).cloned().unwrap_or_default();
            if !should_run_on.get(name).copied().unwrap_or(false) {
                if !here.is_empty() {
                    status.number_misscheduled += 1;
                }
                continue;
            }
            status.desired_number_scheduled += 1;
            crate::sorting::sort_by_key(&mut here, |p| by_creation_and_phase(p));
            let Some(pod) = here.first() else {
                continue;
            };
            status.current_number_scheduled += 1;
            if podutil::is_ready(pod) {
                ready += 1;
                if available(pod) {
                    available_count += 1;
                }
            }
            if pod_hash(pod) == Some(hash.as_str()) {
                updated += 1;
            }
        }
        status.number_ready = ready;
        status.number_available = Some(available_count);
        status.updated_number_scheduled = Some(updated);
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
