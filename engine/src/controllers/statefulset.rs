//! The StatefulSet controller (pkg/controller/statefulset): pods with
//! stable names (`web-0`, `web-1` ...), each with its own claims made from
//! volumeClaimTemplates (`www-web-0`) that outlive the pod, and a stable
//! network identity (hostname `web-0`, subdomain the governing service).
//!
//! updateStatefulSet in stateful_set_control.go, in order:
//! - each replica in ordinal order (processReplica): a failed pod is
//!   deleted to be made again; a missing pod is created after its claims;
//!   with OrderedReady, the walk stops at the first pod that is not Running
//!   and Ready (and available, with minReadySeconds); Parallel goes on;
//! - pods beyond the replica count are deleted from the highest ordinal
//!   (processCondemned), one at a time with OrderedReady;
//! - RollingUpdate then deletes the highest-ordinal pod not at the update
//!   revision, down to the partition, one at a time and only when the rest
//!   are available; OnDelete leaves that to the user.
//!
//! Revisions are ControllerRevision objects named `<set>-<hash>` holding
//! the pod template, as upstream stores them; a pod's revision is its
//! controller-revision-hash label.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, PodTemplateSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::history;
use super::replicaset::controller_ref;
use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::events::{EventType, Source};
use crate::labels::Selector;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::store::WatchEvent;
use crate::time::SimDuration;

pub const NAME: &str = "statefulset-controller";
/// apps.StatefulSetRevisionLabel, StatefulSetPodNameLabel, PodIndexLabel.
pub const REVISION_LABEL: &str = "controller-revision-hash";
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// history.ControllerRevisionHashLabel.
const REVISION_HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// At most this many pods are created in one sync (as the ReplicaSet
/// controller's burstReplicas), so a huge Parallel set cannot stall a step.
const BURST: usize = 500;

pub struct StatefulSetController;

/// getParentNameAndOrdinal: `web-12` → ("web", 12).
pub fn parent_and_ordinal(name: &str) -> Option<(&str, i32)> {
    let (parent, ordinal) = name.rsplit_once('-')?;
    if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((parent, ordinal.parse().ok()?))
}

fn ordinal_of(pod: &Pod) -> i32 {
    parent_and_ordinal(pod.metadata.name_str()).map_or(-1, |(_, o)| o)
}

fn revision_of(pod: &Pod) -> String {
    pod.metadata
        .labels_map()
        .get(REVISION_LABEL)
        .cloned()
        .unwrap_or_default()
}

/// isRunningAndReady.
fn running_and_ready(pod: &Pod) -> bool {
    podutil::phase(pod) == "Running" && podutil::is_ready(pod)
}

/// A ControllerRevision of a set: name, revision number, template.
#[derive(Clone)]
struct Revision {
    name: String,
    number: i64,
    template: PodTemplateSpec,
}

/// The set's revisions whose template reads back, oldest first.
fn revisions_of(api: &ApiServer, sts: &StatefulSet) -> Vec<Revision> {
    let uid = sts.metadata.uid.clone().unwrap_or_default();
    history::owned_by(api, sts.metadata.namespace.as_deref(), &uid)
        .into_iter()
        .filter_map(|r| {
            Some(Revision {
                template: r.template()?,
                name: r.name,
                number: r.number,
            })
        })
        .collect()
}

/// The set's pod template as a revision: its name and its data.
fn template_revision(sts: &StatefulSet) -> (String, PodTemplateSpec) {
    let template = sts.spec.clone().unwrap_or_default().template;
    let hash = super::compute_hash(&template, None);
    (format!("{}-{hash}", sts.metadata.name_str()), template)
}

/// getPersistentVolumeClaimName: `<template>-<set>-<ordinal>`.
pub fn claim_name(template: &str, set: &str, ordinal: i32) -> String {
    format!("{template}-{set}-{ordinal}")
}

/// getPersistentVolumeClaims: the claims a pod of this ordinal needs.
fn claims_for(sts: &StatefulSet, ordinal: i32) -> Vec<(String, PersistentVolumeClaim)> {
    let spec = sts.spec.clone().unwrap_or_default();
    let match_labels = spec.selector.match_labels.clone().unwrap_or_default();
    let delete_with_set = spec
        .persistent_volume_claim_retention_policy
        .as_ref()
        .and_then(|p| p.when_deleted.as_deref())
        == Some("Delete");
    spec.volume_claim_templates
        .iter()
        .flatten()
        .map(|template| {
            let template_name = template.metadata.name_str().to_string();
            let mut claim = template.clone();
            claim.status = None;
            let mut labels = claim.metadata.labels.clone().unwrap_or_default();
            labels.extend(match_labels.clone());
            claim.metadata = ObjectMeta {
                name: Some(claim_name(&template_name, sts.metadata.name_str(), ordinal)),
                namespace: sts.metadata.namespace.clone(),
                labels: Some(labels),
                annotations: claim.metadata.annotations.clone(),
                // updateClaimOwnerRefForSetAndPod, for whenDeleted: Delete.
                owner_references: delete_with_set
                    .then(|| vec![controller_ref(Kind::StatefulSet, &sts.metadata)]),
                ..ObjectMeta::default()
            };
            (template_name, claim)
        })
        .collect()
}

/// newStatefulSetPod: the template, the identity and the storage of an ordinal.
fn new_pod(sts: &StatefulSet, template: &PodTemplateSpec, revision: &str, ordinal: i32) -> Pod {
    let spec = sts.spec.clone().unwrap_or_default();
    let name = format!("{}-{ordinal}", sts.metadata.name_str());
    let template_meta = template.metadata.clone().unwrap_or_default();
    let mut labels = template_meta.labels.clone().unwrap_or_default();
    labels.insert(POD_NAME_LABEL.into(), name.clone());
    labels.insert(POD_INDEX_LABEL.into(), ordinal.to_string());
    labels.insert(REVISION_LABEL.into(), revision.to_string());
    let mut pod_spec = template.spec.clone().unwrap_or_default();
    // initIdentity: the stable network identity.
    pod_spec.hostname = Some(name.clone());
    if let Some(service) = spec.service_name.as_ref().filter(|s| !s.is_empty()) {
        pod_spec.subdomain = Some(service.clone());
    }
    // updateStorage: the claims' volumes first, then the template's others.
    let claims = claims_for(sts, ordinal);
    let mut volumes: Vec<Volume> = claims
        .iter()
        .map(|(template_name, claim)| Volume {
            name: template_name.clone(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim.metadata.name_str().to_string(),
                read_only: None,
            }),
            ..Volume::default()
        })
        .collect();
    for v in pod_spec.volumes.iter().flatten() {
        if !claims.iter().any(|(n, _)| *n == v.name) {
            volumes.push(v.clone());
        }
    }
    pod_spec.volumes = (!volumes.is_empty()).then_some(volumes);
    Pod {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: sts.metadata.namespace.clone(),
            labels: Some(labels),
            annotations: template_meta.annotations,
            owner_references: Some(vec![controller_ref(Kind::StatefulSet, &sts.metadata)]),
            ..ObjectMeta::default()
        },
        spec: Some(pod_spec),
        status: None,
    }
}

/// One sync of one set.
struct Sync<'c, 'a> {
    ctx: &'c mut Context<'a>,
    sts: StatefulSet,
    object: Object,
    actions: Vec<String>,
}

impl Sync<'_, '_> {
    fn event(&mut self, event_type: EventType, reason: &str, message: &str) {
        self.ctx.recorder.record(
            self.ctx.api,
            self.ctx.now,
            &Source::component(NAME),
            &self.object,
            event_type,
            reason,
            message,
        );
    }

    fn set_name(&self) -> String {
        self.sts.metadata.name_str().to_string()
    }

    /// createPersistentVolumeClaims: the claims a pod needs that do not exist.
    fn create_claims(&mut self, pod: &Pod) -> Result<(), String> {
        let ordinal = ordinal_of(pod);
        let namespace = self.sts.metadata.namespace_str().to_string();
        let mut errors = Vec::new();
        for (_, claim) in claims_for(&self.sts, ordinal) {
            let claim_name = claim.metadata.name_str().to_string();
            match self
                .ctx
                .api
                .get_typed::<PersistentVolumeClaim>(Some(&namespace), &claim_name)
            {
                Some(existing) if existing.metadata.is_deleting() => {
                    errors.push(format!("pvc {claim_name} is being deleted"));
                }
                Some(_) => {}
                None => {
                    let pod_name = pod.metadata.name_str().to_string();
                    let set = self.set_name();
                    match self
                        .ctx
                        .api
                        .create(self.ctx.now, Object::PersistentVolumeClaim(claim))
                    {
                        Ok(_) => {
                            self.event(
                                EventType::Normal,
                                "SuccessfulCreate",
                                &format!("create Claim {claim_name} Pod {pod_name} in StatefulSet {set} success"),
                            );
                            self.actions.push(format!("created claim {claim_name}"));
                        }
                        Err(e) => {
                            self.event(
                                EventType::Warning,
                                "FailedCreate",
                                &format!("create Claim {claim_name} for Pod {pod_name} in StatefulSet {set} failed error: {}", e.message),
                            );
                            errors
                                .push(format!("failed to create PVC {claim_name}: {}", e.message));
                        }
                    }
                }
            }
        }
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(format!("[{}]", errors.join(", "))),
        }
    }

    /// CreateStatefulPod: claims first, then the pod.
    fn create_pod(&mut self, pod: Pod) -> bool {
        let pod_name = pod.metadata.name_str().to_string();
        let set = self.set_name();
        if let Err(e) = self.create_claims(&pod) {
            self.event(
                EventType::Warning,
                "FailedCreate",
                &format!("create Pod {pod_name} in StatefulSet {set} failed error: {e}"),
            );
            return false;
        }
        match self.ctx.api.create(self.ctx.now, Object::Pod(pod)) {
            Ok(_) => {
                self.event(
                    EventType::Normal,
                    "SuccessfulCreate",
                    &format!("create Pod {pod_name} in StatefulSet {set} successful"),
                );
                self.actions.push(format!("created pod {pod_name}"));
                true
            }
            Err(e) if e.reason == crate::apiserver::StatusReason::AlreadyExists => false,
            Err(e) => {
                self.event(
                    EventType::Warning,
                    "FailedCreate",
                    &format!(
                        "create Pod {pod_name} in StatefulSet {set} failed error: {}",
                        e.kubectl_message()
                            .trim_start_matches("Error from server (Invalid): ")
                    ),
                );
                false
            }
        }
    }

    /// DeleteStatefulPod.
    fn delete_pod(&mut self, pod: &Pod, why: &str) {
        let pod_name = pod.metadata.name_str().to_string();
        let set = self.set_name();
        let pod_ref = ObjectRef::new(Kind::Pod, pod.metadata.namespace.as_deref(), &pod_name);
        match self.ctx.api.delete(self.ctx.now, &pod_ref, None) {
            Ok(_) => {
                self.event(
                    EventType::Normal,
                    "SuccessfulDelete",
                    &format!("delete Pod {pod_name} in StatefulSet {set} successful"),
                );
                self.actions.push(format!("deleted pod {pod_name} ({why})"));
            }
            Err(e) => {
                self.event(
                    EventType::Warning,
                    "FailedDelete",
                    &format!(
                        "delete Pod {pod_name} in StatefulSet {set} failed error: {}",
                        e.message
                    ),
                );
            }
        }
    }

    /// whenScaled: Delete: a condemned pod's claims get the pod as owner,
    /// so the garbage collector deletes them after it.
    fn claims_follow_pod(&mut self, pod: &Pod) {
        let namespace = self.sts.metadata.namespace_str().to_string();
        for (_, claim) in claims_for(&self.sts, ordinal_of(pod)) {
            let Some(existing) = self
                .ctx
                .api
                .get_typed::<PersistentVolumeClaim>(Some(&namespace), claim.metadata.name_str())
                .cloned()
            else {
                continue;
            };
            let uid = pod.metadata.uid.clone().unwrap_or_default();
            if existing
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.uid == uid)
            {
                continue;
            }
            let mut updated = existing.clone();
            let refs = updated
                .metadata
                .owner_references
                .get_or_insert_with(Vec::new);
            refs.retain(|r| r.kind != "StatefulSet");
            refs.push(OwnerReference {
                api_version: "v1".into(),
                kind: "Pod".into(),
                name: pod.metadata.name_str().to_string(),
                uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            });
            updated.metadata.resource_version = None;
            let _ = self.ctx.api.update(Object::PersistentVolumeClaim(updated));
        }
    }

    /// getStatefulSetRevisions: the update revision (made if new) and the
    /// current one (status.currentRevision, or the update revision at first).
    fn revisions(&mut self) -> (Revision, Revision) {
        let (name, template) = template_revision(&self.sts);
        let mut revisions = revisions_of(self.ctx.api, &self.sts);
        let next = revisions.last().map_or(1, |r| r.number + 1);
        let update = match revisions.iter().position(|r| r.name == name) {
            Some(i) => {
                let latest = i + 1 == revisions.len();
                let mut rev = revisions.remove(i);
                if !latest {
                    // A rollback: the older revision becomes the newest.
                    let namespace = self.sts.metadata.namespace.as_deref();
                    if history::set_number(self.ctx.api, namespace, &rev.name, next) {
                        rev.number = next;
                    }
                }
                revisions.push(rev.clone());
                rev
            }
            None => {
                self.create_revision(&name, &template, next);
                let rev = Revision {
                    name,
                    number: next,
                    template,
                };
                revisions.push(rev.clone());
                rev
            }
        };
        let current_name = self
            .sts
            .status
            .as_ref()
            .and_then(|s| s.current_revision.clone())
            .unwrap_or_default();
        let current = revisions
            .into_iter()
            .find(|r| r.name == current_name)
            .unwrap_or_else(|| update.clone());
        (current, update)
    }

    fn create_revision(&mut self, name: &str, template: &PodTemplateSpec, number: i64) {
        let mut labels = template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        labels.insert(
            REVISION_HASH_LABEL.into(),
            name.rsplit('-').next().unwrap_or_default().to_string(),
        );
        let created = history::create(
            self.ctx.api,
            self.ctx.now,
            (Kind::StatefulSet, &self.sts.metadata),
            history::NewRevision {
                name,
                labels,
                // newRevision copies the set's annotations (a change-cause among them).
                annotations: self.sts.metadata.annotations.clone(),
                data: history::template_patch(template),
                number,
            },
        );
        if created.is_ok() {
            self.actions.push(format!("created revision {name}"));
        }
    }

    /// truncateHistory: revisions no pod uses, beyond revisionHistoryLimit, go.
    fn truncate_history(&mut self, pods: &[Pod], live: &[&str]) {
        let limit = self
            .sts
            .spec
            .as_ref()
            .and_then(|s| s.revision_history_limit)
            .unwrap_or(10)
            .max(0) as usize;
        let used: Vec<String> = pods.iter().map(revision_of).collect();
        let namespace = self.sts.metadata.namespace.as_deref();
        let uid = self.sts.metadata.uid.clone().unwrap_or_default();
        let old: Vec<history::Revision> = history::owned_by(self.ctx.api, namespace, &uid)
            .into_iter()
            .filter(|r| !live.contains(&r.name.as_str()) && !used.contains(&r.name))
            .collect();
        for r in &old[..old.len().saturating_sub(limit)] {
            history::delete(self.ctx.api, self.ctx.now, namespace, &r.name);
        }
    }
}

impl Controller for StatefulSetController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::StatefulSet(_) => vec![event.object_ref.clone()],
            Object::Pod(pod) => {
                let mut keys = super::owner_keys(event, Kind::StatefulSet);
                // An orphan named like a set's pod may be adopted.
                if pod.metadata.controller_owner().is_none() {
                    if let Some((parent, _)) = parent_and_ordinal(pod.metadata.name_str()) {
                        let key = ObjectRef::new(
                            Kind::StatefulSet,
                            pod.metadata.namespace.as_deref(),
                            parent,
                        );
                        if api.get(&key).is_some() {
                            keys.push(key);
                        }
                    }
                }
                keys.dedup();
                keys
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::StatefulSet(sts)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        if sts.metadata.is_deleting() {
            return Reconciled::nothing();
        }
        let spec = sts.spec.clone().unwrap_or_default();
        let Ok(selector) = Selector::from_label_selector(Some(&spec.selector)) else {
            return Reconciled::nothing();
        };
        let set_name = sts.metadata.name_str().to_string();
        let namespace = sts.metadata.namespace_str().to_string();
        let uid = sts.metadata.uid.clone().unwrap_or_default();
        let mut sync = Sync {
            ctx,
            object: Object::StatefulSet(sts.clone()),
            sts: sts.clone(),
            actions: Vec::new(),
        };

        // ClaimPods: adopt orphans of this set that match, release pods that stopped matching.
        let candidates: Vec<Pod> = sync
            .ctx
            .api
            .list_typed::<Pod>(Some(&namespace))
            .into_iter()
            .cloned()
            .collect();
        let mut pods: Vec<Pod> = Vec::new();
        for pod in candidates {
            let matches = selector.matches(&pod.metadata.labels_map());
            let mine = pod
                .metadata
                .controller_owner()
                .is_some_and(|r| r.uid == uid);
            let member =
                parent_and_ordinal(pod.metadata.name_str()).is_some_and(|(p, _)| p == set_name);
            if mine && matches {
                pods.push(pod);
            } else if mine {
                let mut released = pod.clone();
                if let Some(refs) = released.metadata.owner_references.as_mut() {
                    refs.retain(|r| r.uid != uid);
                }
                released.metadata.resource_version = None;
                if sync.ctx.api.update(Object::Pod(released)).is_ok() {
                    sync.actions
                        .push(format!("released pod {}", pod.metadata.name_str()));
                }
            } else if matches
                && member
                && pod.metadata.controller_owner().is_none()
                && podutil::is_active(&pod)
            {
                let mut adopted = pod.clone();
                adopted
                    .metadata
                    .owner_references
                    .get_or_insert_with(Vec::new)
                    .push(controller_ref(Kind::StatefulSet, &sts.metadata));
                adopted.metadata.resource_version = None;
                if let Ok(Object::Pod(p)) = sync.ctx.api.update(Object::Pod(adopted)).as_deref() {
                    sync.actions
                        .push(format!("adopted pod {}", p.metadata.name_str()));
                    pods.push(p.clone());
                }
            }
        }

        let (current, update) = sync.revisions();
        let replicas = spec.replicas.unwrap_or(1).max(0);
        let start = spec
            .ordinals
            .as_ref()
            .map_or(0, |o| o.start.unwrap_or(0).max(0));
        let end = start.saturating_add(replicas); // exclusive
        let min_ready = spec.min_ready_seconds.unwrap_or(0);
        let now = sync.ctx.now;
        let monotonic = spec.pod_management_policy.as_deref() != Some("Parallel");
        let strategy = spec.update_strategy.clone().unwrap_or_default();
        let rolling = strategy.type_.as_deref().unwrap_or("RollingUpdate") == "RollingUpdate";
        let partition = strategy
            .rolling_update
            .as_ref()
            .and_then(|r| r.partition)
            .unwrap_or(0);

        // Status, from the pods seen at the start (computeReplicaStatus).
        let mut status = StatefulSetStatus {
            observed_generation: sts.metadata.generation,
            replicas: pods.len() as i32,
            ready_replicas: Some(pods.iter().filter(|p| running_and_ready(p)).count() as i32),
            available_replicas: Some(
                pods.iter()
                    .filter(|p| running_and_ready(p) && podutil::is_available(p, min_ready, now))
                    .count() as i32,
            ),
            current_replicas: Some(
                pods.iter()
                    .filter(|p| !p.metadata.is_deleting() && revision_of(p) == current.name)
                    .count() as i32,
            ),
            updated_replicas: Some(
                pods.iter()
                    .filter(|p| !p.metadata.is_deleting() && revision_of(p) == update.name)
                    .count() as i32,
            ),
            current_revision: Some(current.name.clone()),
            update_revision: Some(update.name.clone()),
            collision_count: Some(0),
            conditions: sts.status.as_ref().and_then(|s| s.conditions.clone()),
        };

        let mut by_ordinal: BTreeMap<i32, &Pod> = BTreeMap::new();
        let mut condemned: Vec<&Pod> = Vec::new();
        for pod in &pods {
            let ordinal = ordinal_of(pod);
            if ordinal >= start && ordinal < end {
                by_ordinal.insert(ordinal, pod);
            } else if ordinal >= 0 {
                condemned.push(pod);
            }
        }
        // Descending: the highest ordinal goes first.
        crate::sorting::sort_by_key(&mut condemned, |p| std::cmp::Reverse(ordinal_of(p)));
        let unavailable = |p: &Pod| {
            p.metadata.is_deleting()
                || !(running_and_ready(p) && podutil::is_available(p, min_ready, now))
        };
        let first_unhealthy: Option<String> = by_ordinal
            .values()
            .copied()
            .chain(condemned.iter().rev().copied())
            .find(|p| unavailable(p))
            .map(|p| p.metadata.name_str().to_string());
        let mut wake: Option<SimDuration> = None;
        let mut note_wake = |p: &Pod| {
            if let Some(since) = podutil::ready_since(p) {
                let at = since.plus(SimDuration::from_secs(min_ready.max(0) as u64));
                if at > now {
                    let after = at.since(now);
                    wake = Some(wake.map_or(after, |w: SimDuration| w.min(after)));
                }
            }
        };

        // processReplica, in ordinal order.
        let mut blocked = false;
        let mut created = 0;
        for ordinal in start..end {
            match by_ordinal.get(&ordinal) {
                None => {
                    // newVersionedStatefulSetPod: below the partition, the current revision.
                    let (template, revision) =
                        if rolling && ordinal < start.saturating_add(partition) {
                            (&current.template, &current.name)
                        } else {
                            (&update.template, &update.name)
                        };
                    let pod = new_pod(&sts, template, revision, ordinal);
                    let ok = sync.create_pod(pod);
                    created += 1;
                    // Parallel stops at a failure (slowStartBatch) and creates
                    // at most a burst per sync; the pods' own events bring
                    // the next sync.
                    if monotonic || !ok || created >= BURST {
                        blocked = true;
                        break;
                    }
                }
                Some(pod) => {
                    if podutil::is_terminal(pod) {
                        if !pod.metadata.is_deleting() {
                            sync.delete_pod(pod, "it has finished; it is made again");
                        }
                        blocked = true;
                        if monotonic {
                            break;
                        }
                        continue;
                    }
                    if podutil::phase(pod) == "Pending" {
                        let _ = sync.create_claims(pod);
                    }
                    if monotonic && pod.metadata.is_deleting() {
                        blocked = true;
                        break;
                    }
                    if monotonic && !running_and_ready(pod) {
                        blocked = true;
                        break;
                    }
                    if monotonic && !podutil::is_available(pod, min_ready, now) {
                        note_wake(pod);
                        blocked = true;
                        break;
                    }
                }
            }
        }

        // processCondemned: from the highest ordinal.
        if !blocked {
            for pod in condemned.iter().copied() {
                if pod.metadata.is_deleting() {
                    if monotonic {
                        blocked = true;
                        break;
                    }
                    continue;
                }
                let is_first_unhealthy =
                    first_unhealthy.as_deref() == Some(pod.metadata.name_str());
                if monotonic && !running_and_ready(pod) && !is_first_unhealthy {
                    blocked = true;
                    break;
                }
                if monotonic && !podutil::is_available(pod, min_ready, now) && !is_first_unhealthy {
                    note_wake(pod);
                    blocked = true;
                    break;
                }
                let when_scaled = spec
                    .persistent_volume_claim_retention_policy
                    .as_ref()
                    .and_then(|p| p.when_scaled.as_deref())
                    == Some("Delete");
                if when_scaled {
                    sync.claims_follow_pod(pod);
                }
                sync.delete_pod(pod, "scale down");
                if monotonic {
                    blocked = true;
                    break;
                }
            }
        }

        // RollingUpdate: from the highest ordinal down to the partition.
        if !blocked && rolling {
            for ordinal in (start.saturating_add(partition.max(0))..end).rev() {
                let Some(pod) = by_ordinal.get(&ordinal) else {
                    continue;
                };
                if revision_of(pod) != update.name && !pod.metadata.is_deleting() {
                    sync.delete_pod(pod, "update");
                    if let Some(c) = status.current_replicas.as_mut() {
                        *c -= 1;
                    }
                    break;
                }
                if unavailable(pod) {
                    note_wake(pod);
                    break;
                }
            }
        }

        // completeRollingUpdate.
        if rolling
            && status.updated_replicas == Some(replicas)
            && status.ready_replicas == Some(replicas)
            && status.replicas == replicas
        {
            status.current_replicas = status.updated_replicas;
            status.current_revision = status.update_revision.clone();
        }
        let live = [current.name.as_str(), update.name.as_str()];
        sync.truncate_history(&pods, &live);

        let actions_before_status = sync.actions.len();
        if sts.status.as_ref() != Some(&status) {
            if let Some(Object::StatefulSet(latest)) = sync.ctx.api.get(key).cloned() {
                let mut updated = latest;
                updated.status = Some(status.clone());
                updated.metadata.resource_version = None;
                if sync.ctx.api.update(Object::StatefulSet(updated)).is_ok()
                    && actions_before_status == 0
                {
                    sync.actions.push(format!(
                        "updated status: {} replicas, {} ready",
                        status.replicas,
                        status.ready_replicas.unwrap_or(0)
                    ));
                }
            }
        }
        let mut result = if sync.actions.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(sync.actions.join("; "))
        };
        if let Some(after) = wake {
            result = result.requeue(after);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_come_from_the_name() {
        assert_eq!(parent_and_ordinal("web-0"), Some(("web", 0)));
        assert_eq!(parent_and_ordinal("my-web-12"), Some(("my-web", 12)));
        assert_eq!(parent_and_ordinal("web"), None);
        assert_eq!(parent_and_ordinal("web-x1"), None);
        assert_eq!(parent_and_ordinal("web-"), None);
        assert_eq!(claim_name("www", "web", 1), "www-web-1");
    }
}
