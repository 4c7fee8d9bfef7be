//! The Deployment controller (pkg/controller/deployment): one ReplicaSet per
//! pod template, named by the template's hash; rolling updates bounded by
//! maxSurge and maxUnavailable; Recreate; revisions, history cleanup,
//! proportional scaling during a rollout, and the Available and Progressing
//! conditions. Function names in comments are upstream's.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetSpec,
};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::replicaset::controller_ref;
use super::{compute_hash, Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::events::{EventType, Source};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::store::{WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};

pub const NAME: &str = "deployment-controller";
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
pub const DESIRED_REPLICAS_ANNOTATION: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS_ANNOTATION: &str = "deployment.kubernetes.io/max-replicas";
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
pub const REVISION_HISTORY_ANNOTATION: &str = "deployment.kubernetes.io/revision-history";
/// maxRevHistoryLengthInChars (sync.go).
const MAX_REV_HISTORY_LENGTH_IN_CHARS: usize = 2000;
/// annotationsToSkip (deployment_util.go): kept off the ReplicaSets.
const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION,
    "deprecated.deployment.rollback.to",
];

pub struct DeploymentController;

impl Controller for DeploymentController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef> {
        let ns = event.object_ref.namespace.as_deref();
        let deployment_owner = |meta: &ObjectMeta| {
            meta.controller_owner()
                .filter(|r| r.kind == "Deployment")
                .map(|r| ObjectRef::new(Kind::Deployment, ns, &r.name))
        };
        match &*event.object {
            Object::Deployment(_) => vec![event.object_ref.clone()],
            Object::ReplicaSet(_) => super::owner_keys(event, Kind::Deployment),
            // Recreate waits for old pods to be gone.
            Object::Pod(pod) if event.event_type == WatchEventType::Deleted => pod
                .metadata
                .controller_owner()
                .filter(|r| r.kind == "ReplicaSet")
                .and_then(|r| api.get_typed::<ReplicaSet>(ns, &r.name))
                .and_then(|rs| deployment_owner(&rs.metadata))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// syncDeployment.
    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::Deployment(d)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        let mut sync = Sync {
            d,
            ctx,
            actions: Vec::new(),
            requeue: None,
        };
        sync.run();
        let mut result = if sync.actions.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(sync.actions.join("; "))
        };
        if let Some(after) = sync.requeue {
            result = result.requeue(after);
        }
        result
    }
}

struct Sync<'c, 'a> {
    d: Deployment,
    ctx: &'c mut Context<'a>,
    actions: Vec<String>,
    requeue: Option<SimDuration>,
}

fn replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0)
}

fn status_replicas(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().map(|s| s.replicas).unwrap_or(0)
}

fn available(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.available_replicas)
        .unwrap_or(0)
}

fn ready(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0)
}

/// The revision annotation of a ReplicaSet (0 without one).
pub fn revision(rs: &ReplicaSet) -> i64 {
    rs.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REVISION_ANNOTATION))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn annotation_i32(rs: &ReplicaSet, key: &str) -> Option<i32> {
    rs.metadata.annotations.as_ref()?.get(key)?.parse().ok()
}

fn created(rs: &ReplicaSet) -> (Option<SimTime>, String) {
    (
        rs.metadata
            .creation_timestamp
            .as_ref()
            .map(SimTime::from_k8s),
        rs.metadata.name_str().to_string(),
    )
}

/// intstrutil.GetScaledValueFromIntOrPercent.
pub fn scaled_value(value: &IntOrString, total: i32, round_up: bool) -> i32 {
    match value {
        IntOrString::Int(i) => *i,
        IntOrString::String(s) => {
            let percent: i64 = s.trim_end_matches('%').parse().unwrap_or(0);
            let product = percent * i64::from(total);
            (if round_up {
                (product + 99).div_euclid(100)
            } else {
                product.div_euclid(100)
            }) as i32
        }
    }
}

/// ResolveFenceposts: surge rounds up, unavailability rounds down, and both
/// cannot be zero.
pub fn resolve_fenceposts(
    max_surge: &IntOrString,
    max_unavailable: &IntOrString,
    desired: i32,
) -> (i32, i32) {
    let surge = scaled_value(max_surge, desired, true);
    let mut unavailable = scaled_value(max_unavailable, desired, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

fn is_rolling_update(d: &Deployment) -> bool {
    d.spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("RollingUpdate")
        == "RollingUpdate"
}

fn fenceposts(d: &Deployment) -> (i32, i32) {
    let rolling = d
        .spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.rolling_update.as_ref());
    let surge = rolling
        .and_then(|r| r.max_surge.clone())
        .unwrap_or(IntOrString::String("25%".into()));
    let unavailable = rolling
        .and_then(|r| r.max_unavailable.clone())
        .unwrap_or(IntOrString::String("25%".into()));
    resolve_fenceposts(&surge, &unavailable, desired_replicas(d))
}

fn desired_replicas(d: &Deployment) -> i32 {
    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

/// MaxSurge: zero unless rolling.
pub fn max_surge(d: &Deployment) -> i32 {
    if !is_rolling_update(d) {
        return 0;
    }
    fenceposts(d).0
}

/// MaxUnavailable: zero unless rolling, and never more than the replicas.
pub fn max_unavailable(d: &Deployment) -> i32 {
    let desired = desired_replicas(d);
    if !is_rolling_update(d) || desired == 0 {
        return 0;
    }
    fenceposts(d).1.min(desired)
}

/// NewRSNewReplicas: how big the new ReplicaSet may grow in this step.
pub fn new_rs_new_replicas(d: &Deployment, all: &[&ReplicaSet], new_rs: &ReplicaSet) -> i32 {
    let desired = desired_replicas(d);
    if !is_rolling_update(d) {
        return desired;
    }
    let current: i32 = all.iter().map(|rs| replicas(rs)).sum();
    let max_total = desired + max_surge(d);
    if current >= max_total {
        return replicas(new_rs);
    }
    let scale_up = (max_total - current).min(desired - replicas(new_rs));
    replicas(new_rs) + scale_up
}

/// EqualIgnoreHash: templates equal once the pod-template-hash label is dropped.
fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    let strip = |t: &PodTemplateSpec| {
        let mut t = t.clone();
        if let Some(labels) = t.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            labels.remove(POD_TEMPLATE_HASH);
        }
        t
    };
    strip(a) == strip(b)
}

impl Sync<'_, '_> {
    fn namespace(&self) -> String {
        self.d.metadata.namespace_str().to_string()
    }

    fn source() -> Source {
        Source::component(NAME)
    }

    fn event(&mut self, reason: &str, message: &str) {
        let object = Object::Deployment(self.d.clone());
        self.ctx.recorder.record(
            self.ctx.api,
            self.ctx.now,
            &Self::source(),
            &object,
            EventType::Normal,
            reason,
            message,
        );
    }

    /// The ReplicaSets this Deployment controls (claimed by controllerRef).
    fn replica_sets(&self) -> Vec<ReplicaSet> {
        let uid = self.d.metadata.uid.clone().unwrap_or_default();
        self.ctx
            .api
            .list_typed::<ReplicaSet>(Some(&self.namespace()))
            .into_iter()
            .filter(|rs| rs.metadata.controller_owner().is_some_and(|r| r.uid == uid))
            .cloned()
            .collect()
    }

    fn run(&mut self) {
        if self.d.metadata.is_deleting() {
            let all = self.replica_sets();
            let new_rs = self.find_new_rs(&all);
            self.sync_status(&all, new_rs.as_ref());
            return;
        }
        let spec = self.d.spec.clone().unwrap_or_default();
        if spec.paused == Some(true) || self.is_scaling_event() {
            self.sync(spec.paused == Some(true));
            return;
        }
        if is_rolling_update(&self.d) {
            self.rollout_rolling();
        } else {
            self.rollout_recreate();
        }
    }

    fn find_new_rs(&self, all: &[ReplicaSet]) -> Option<ReplicaSet> {
        let template = &self.d.spec.as_ref()?.template;
        // FindNewReplicaSet: the oldest ReplicaSet with an equal template.
        let mut matching: Vec<&ReplicaSet> = all
            .iter()
            .filter(|rs| {
                rs.spec
                    .as_ref()
                    .and_then(|s| s.template.as_ref())
                    .is_some_and(|t| equal_ignore_hash(t, template))
            })
            .collect();
        crate::sorting::sort_by_key(&mut matching, |rs| created(rs));
        matching.first().map(|rs| (*rs).clone())
    }

    /// getAllReplicaSetsAndSyncRevision: the new ReplicaSet (made if asked) and the old ones.
    fn new_and_old(&mut self, create: bool) -> (Option<ReplicaSet>, Vec<ReplicaSet>) {
        let all = self.replica_sets();
        let existing_new = self.find_new_rs(&all);
        let new_uid = existing_new.as_ref().and_then(|rs| rs.metadata.uid.clone());
        let old: Vec<ReplicaSet> = all
            .iter()
            .filter(|rs| rs.metadata.uid != new_uid || new_uid.is_none())
            .cloned()
            .collect();
        let max_old_revision = old.iter().map(revision).max().unwrap_or(0);
        let new_revision = (max_old_revision + 1).to_string();
        let new_rs = match existing_new {
            Some(rs) => {
                // getNewReplicaSet: bring the annotations (the revision, after
                // a rollback) and minReadySeconds up to date; the Deployment's
                // revision follows in the next sync.
                let mut copy = rs.clone();
                let annotations_updated =
                    self.set_new_rs_annotations(&mut copy, &new_revision, true);
                let min_ready = self.d.spec.as_ref().and_then(|s| s.min_ready_seconds);
                let spec = copy.spec.get_or_insert_with(Default::default);
                let min_ready_updated = spec.min_ready_seconds != min_ready;
                if annotations_updated || min_ready_updated {
                    spec.min_ready_seconds = min_ready;
                    copy.metadata.resource_version = None;
                    return match self.ctx.api.update(Object::ReplicaSet(copy)).as_deref() {
                        Ok(Object::ReplicaSet(updated)) => (Some(updated.clone()), old),
                        _ => (None, old),
                    };
                }
                self.set_deployment_revision(&revision(&rs).to_string());
                Some(rs)
            }
            None if create => {
                let created = self.create_new_rs(&old, &new_revision);
                if created.is_some() {
                    self.set_deployment_revision(&new_revision);
                }
                created
            }
            None => None,
        };
        (new_rs, old)
    }

    /// SetNewReplicaSetAnnotations: the Deployment's own annotations (but
    /// annotationsToSkip), the revision when it is behind (keeping the
    /// earlier ones in revision-history, as after a rollback), and for a new
    /// ReplicaSet the replicas annotations. Reports whether anything changed.
    fn set_new_rs_annotations(
        &self,
        rs: &mut ReplicaSet,
        new_revision: &str,
        exists: bool,
    ) -> bool {
        let mut changed = false;
        let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
        // copyDeploymentAnnotationsToReplicaSet.
        for (k, v) in self.d.metadata.annotations.iter().flatten() {
            if ANNOTATIONS_TO_SKIP.contains(&k.as_str()) || annotations.get(k) == Some(v) {
                continue;
            }
            annotations.insert(k.clone(), v.clone());
            changed = true;
        }
        let old_revision = annotations.get(REVISION_ANNOTATION).cloned();
        let old_number = match old_revision.as_deref() {
            None | Some("") => 0,
            Some(r) => match r.parse::<i64>() {
                Ok(n) => n,
                Err(_) => return false,
            },
        };
        let Ok(new_number) = new_revision.parse::<i64>() else {
            return false;
        };
        if old_number < new_number {
            annotations.insert(REVISION_ANNOTATION.into(), new_revision.to_string());
            changed = true;
            if let Some(old_revision) = old_revision {
                let history = annotations
                    .get(REVISION_HISTORY_ANNOTATION)
                    .cloned()
                    .unwrap_or_default();
                let mut revisions: Vec<&str> = if history.is_empty() {
                    Vec::new()
                } else {
                    history.split(',').collect()
                };
                // maxRevHistoryLengthInChars: the oldest entries make room.
                let mut total = history.len() + old_revision.len() + 1;
                while total > MAX_REV_HISTORY_LENGTH_IN_CHARS && !revisions.is_empty() {
                    total -= revisions.remove(0).len() + 1;
                }
                if total <= MAX_REV_HISTORY_LENGTH_IN_CHARS || history.is_empty() {
                    revisions.push(&old_revision);
                    let joined = revisions.join(",");
                    annotations.insert(REVISION_HISTORY_ANNOTATION.into(), joined);
                }
            }
        }
        if !exists {
            changed |= self.set_replicas_annotations(rs);
        }
        changed
    }

    fn set_deployment_revision(&mut self, rev: &str) {
        let current = self
            .d
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION_ANNOTATION))
            .cloned();
        if current.as_deref() == Some(rev) {
            return;
        }
        let mut updated = self.d.clone();
        updated
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(REVISION_ANNOTATION.into(), rev.to_string());
        updated.metadata.resource_version = None;
        if let Ok(Object::Deployment(d)) =
            self.ctx.api.update(Object::Deployment(updated)).as_deref()
        {
            self.d = d.clone();
        }
    }

    fn create_new_rs(&mut self, old: &[ReplicaSet], new_revision: &str) -> Option<ReplicaSet> {
        let spec = self.d.spec.clone()?;
        let collision = self.d.status.as_ref().and_then(|s| s.collision_count);
        let hash = compute_hash(&spec.template, collision);
        let mut template = spec.template.clone();
        template
            .metadata
            .get_or_insert_with(ObjectMeta::default)
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let mut selector: LabelSelector = spec.selector.clone();
        selector
            .match_labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let name = format!("{}-{hash}", self.d.metadata.name_str());
        let mut new_rs = ReplicaSet {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: self.d.metadata.namespace.clone(),
                labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
                owner_references: Some(vec![controller_ref(Kind::Deployment, &self.d.metadata)]),
                ..ObjectMeta::default()
            },
            spec: Some(ReplicaSetSpec {
                replicas: Some(0),
                min_ready_seconds: spec.min_ready_seconds,
                selector,
                template: Some(template),
            }),
            status: None,
        };
        let all_old: Vec<&ReplicaSet> = old.iter().collect();
        let mut all: Vec<&ReplicaSet> = all_old.clone();
        all.push(&new_rs);
        let count = new_rs_new_replicas(&self.d, &all, &new_rs);
        if let Some(s) = new_rs.spec.as_mut() {
            s.replicas = Some(count);
        }
        self.set_new_rs_annotations(&mut new_rs, new_revision, false);
        match self
            .ctx
            .api
            .create(self.ctx.now, Object::ReplicaSet(new_rs))
            .as_deref()
        {
            Ok(Object::ReplicaSet(created)) => {
                if count > 0 {
                    self.event(
                        "ScalingReplicaSet",
                        &format!("Scaled up replica set {name} to {count}"),
                    );
                }
                self.actions.push(format!(
                    "created ReplicaSet {name} (revision {new_revision}) with {count} replica(s)"
                ));
                self.set_progressing(
                    "True",
                    "NewReplicaSetCreated",
                    &format!("Created new replica set \"{name}\""),
                );
                Some(created.clone())
            }
            _ => None,
        }
    }

    /// SetReplicasAnnotations: what the Deployment wanted when it sized this
    /// ReplicaSet. Reports whether they changed.
    fn set_replicas_annotations(&self, rs: &mut ReplicaSet) -> bool {
        let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
        let desired = desired_replicas(&self.d);
        let max = desired + max_surge(&self.d);
        let before = (
            annotations.get(DESIRED_REPLICAS_ANNOTATION).cloned(),
            annotations.get(MAX_REPLICAS_ANNOTATION).cloned(),
        );
        annotations.insert(DESIRED_REPLICAS_ANNOTATION.into(), desired.to_string());
        annotations.insert(MAX_REPLICAS_ANNOTATION.into(), max.to_string());
        before != (Some(desired.to_string()), Some(max.to_string()))
    }

    /// scaleReplicaSetAndRecordEvent: nothing to do when the size is right;
    /// otherwise scaleReplicaSet, "up" or "down". Returns whether it scaled.
    fn scale(&mut self, rs: &ReplicaSet, new_scale: i32) -> (bool, Option<ReplicaSet>) {
        if replicas(rs) == new_scale {
            return (false, None);
        }
        let operation = if replicas(rs) < new_scale {
            "up"
        } else {
            "down"
        };
        self.scale_replica_set(rs, new_scale, operation)
    }

    /// scaleReplicaSet: writes the size and the replicas annotations when
    /// either is out of date; the event only when the size changed.
    fn scale_replica_set(
        &mut self,
        rs: &ReplicaSet,
        new_scale: i32,
        operation: &str,
    ) -> (bool, Option<ReplicaSet>) {
        let old_scale = replicas(rs);
        let mut updated = rs.clone();
        updated.spec.get_or_insert_with(Default::default).replicas = Some(new_scale);
        self.set_replicas_annotations(&mut updated);
        if &updated == rs {
            return (false, None);
        }
        updated.metadata.resource_version = None;
        let Ok(Object::ReplicaSet(result)) = self
            .ctx
            .api
            .update(Object::ReplicaSet(updated))
            .map(Arc::unwrap_or_clone)
        else {
            return (false, None);
        };
        let scaled = old_scale != new_scale;
        if scaled {
            let name = rs.metadata.name_str();
            self.event(
                "ScalingReplicaSet",
                &format!("Scaled {operation} replica set {name} to {new_scale} from {old_scale}"),
            );
            let direction = if new_scale > old_scale { "up" } else { "down" };
            self.actions.push(format!(
                "scaled {direction} ReplicaSet {name} from {old_scale} to {new_scale}"
            ));
        }
        (scaled, Some(result))
    }

    /// isScalingEvent: an active ReplicaSet was sized for a different replica count.
    fn is_scaling_event(&mut self) -> bool {
        let desired = desired_replicas(&self.d);
        let all = self.replica_sets();
        all.iter()
            .filter(|rs| replicas(rs) > 0)
            .any(|rs| annotation_i32(rs, DESIRED_REPLICAS_ANNOTATION).is_some_and(|a| a != desired))
    }

    /// sync: scaling (proportional while a rollout is under way) and status.
    fn sync(&mut self, paused: bool) {
        let (new_rs, old) = self.new_and_old(false);
        let all: Vec<ReplicaSet> = old.iter().cloned().chain(new_rs.clone()).collect();
        self.scale_all(new_rs.as_ref(), &old);
        if paused {
            self.cleanup(&old);
        }
        self.sync_status(&all, new_rs.as_ref());
    }

    /// scale (pkg/controller/deployment/sync.go).
    fn scale_all(&mut self, new_rs: Option<&ReplicaSet>, old: &[ReplicaSet]) {
        let desired = desired_replicas(&self.d);
        let mut active: Vec<&ReplicaSet> = old
            .iter()
            .chain(new_rs)
            .filter(|rs| replicas(rs) > 0)
            .collect();
        // FindActiveOrLatest.
        let only = match active.len() {
            0 => {
                let mut all: Vec<&ReplicaSet> = old.iter().chain(new_rs).collect();
                crate::sorting::sort_by_key(&mut all, |rs| created(rs));
                new_rs.or(all.last().copied())
            }
            1 => Some(active[0]),
            _ => None,
        };
        if let Some(rs) = only {
            if replicas(rs) != desired {
                let rs = rs.clone();
                self.scale(&rs, desired);
            }
            return;
        }
        // IsSaturated: the new ReplicaSet alone serves everything; old ones go to zero.
        if let Some(new_rs) = new_rs {
            let saturated = replicas(new_rs) == desired
                && annotation_i32(new_rs, DESIRED_REPLICAS_ANNOTATION) == Some(desired)
                && available(new_rs) == desired;
            if saturated {
                for rs in old.iter().filter(|rs| replicas(rs) > 0) {
                    let rs = rs.clone();
                    self.scale(&rs, 0);
                }
                return;
            }
        }
        if !is_rolling_update(&self.d) {
            return;
        }
        // Proportional scaling: every active ReplicaSet grows or shrinks in proportion.
        let total: i32 = active.iter().map(|rs| replicas(rs)).sum();
        let allowed = if desired > 0 {
            desired + max_surge(&self.d)
        } else {
            0
        };
        let to_add = allowed - total;
        if to_add > 0 {
            // ReplicaSetsBySizeNewer: larger first, newer first on ties.
            crate::sorting::sort_by(&mut active, |a, b| {
                replicas(b)
                    .cmp(&replicas(a))
                    .then_with(|| created(b).cmp(&created(a)))
            });
        } else if to_add < 0 {
            // ReplicaSetsBySizeOlder: larger first, older first on ties.
            crate::sorting::sort_by(&mut active, |a, b| {
                replicas(b)
                    .cmp(&replicas(a))
                    .then_with(|| created(a).cmp(&created(b)))
            });
        }
        let mut added = 0;
        let mut sizes: Vec<i32> = Vec::new();
        for rs in &active {
            if to_add != 0 {
                let proportion = get_proportion(rs, &self.d, to_add, added);
                sizes.push(replicas(rs) + proportion);
                added += proportion;
            } else {
                sizes.push(replicas(rs));
            }
        }
        if to_add != 0 {
            if let Some(first) = sizes.first_mut() {
                *first = (*first + to_add - added).max(0);
            }
        }
        let operation = match to_add.signum() {
            1 => "up",
            -1 => "down",
            _ => "",
        };
        let targets: Vec<(ReplicaSet, i32)> = active.into_iter().cloned().zip(sizes).collect();
        for (rs, size) in targets {
            self.scale_replica_set(&rs, size, operation);
        }
    }

    /// rolloutRolling. The status is computed from the ReplicaSets as this
    /// sync found them (upstream's allRSs), as upstream does.
    fn rollout_rolling(&mut self) {
        let (new_rs, old) = self.new_and_old(true);
        let Some(new_rs) = new_rs else { return };
        let all: Vec<&ReplicaSet> = old.iter().chain(std::iter::once(&new_rs)).collect();
        let found: Vec<ReplicaSet> = all.iter().map(|rs| (*rs).clone()).collect();
        // FilterActiveReplicaSets: only old ReplicaSets that still want pods
        // count, so a stale status of one just scaled to zero does not.
        let active_old: Vec<ReplicaSet> =
            old.iter().filter(|rs| replicas(rs) > 0).cloned().collect();
        if self.reconcile_new_rs(&all, &new_rs) || self.reconcile_old_rss(&active_old, &new_rs) {
            self.sync_status(&found, Some(&new_rs));
            return;
        }
        // DeploymentComplete(d, &d.Status): the status as this sync found it.
        if deployment_complete(&self.d) {
            self.cleanup(&old);
        }
        self.sync_status(&found, Some(&new_rs));
    }

    /// reconcileNewReplicaSet.
    fn reconcile_new_rs(&mut self, all: &[&ReplicaSet], new_rs: &ReplicaSet) -> bool {
        let desired = desired_replicas(&self.d);
        if replicas(new_rs) == desired {
            return false;
        }
        if replicas(new_rs) > desired {
            return self.scale(new_rs, desired).0;
        }
        let count = new_rs_new_replicas(&self.d, all, new_rs);
        self.scale(new_rs, count).0
    }

    /// reconcileOldReplicaSets.
    fn reconcile_old_rss(&mut self, old: &[ReplicaSet], new_rs: &ReplicaSet) -> bool {
        let old_pods: i32 = old.iter().map(replicas).sum();
        if old_pods == 0 {
            return false;
        }
        let all_pods = old_pods + replicas(new_rs);
        let min_available = desired_replicas(&self.d) - max_unavailable(&self.d);
        let new_rs_unavailable = replicas(new_rs) - available(new_rs);
        let max_scaled_down = all_pods - min_available - new_rs_unavailable;
        if max_scaled_down <= 0 {
            return false;
        }
        // An error there makes upstream report "nothing scaled" for this sync.
        let Some((old, cleaned)) = self.cleanup_unhealthy_replicas(old, max_scaled_down) else {
            return false;
        };
        let scaled = self.scale_down_old_for_rolling_update(&old, new_rs);
        cleaned + scaled > 0
    }

    /// cleanupUnhealthyReplicas: first drop old pods that are not available anyway.
    fn cleanup_unhealthy_replicas(
        &mut self,
        old: &[ReplicaSet],
        max_cleanup: i32,
    ) -> Option<(Vec<ReplicaSet>, i32)> {
        let mut old: Vec<ReplicaSet> = old.to_vec();
        crate::sorting::sort_by_key(&mut old, created);
        let mut total = 0;
        for rs in old.iter_mut() {
            if total >= max_cleanup {
                break;
            }
            if replicas(rs) == 0 || replicas(rs) == available(rs) {
                continue;
            }
            let count = (max_cleanup - total).min(replicas(rs) - available(rs));
            let target = replicas(rs) - count;
            if target > replicas(rs) {
                // Upstream's "invalid request to scale down": more available
                // than wanted (a scale-down the ReplicaSet has not acted on yet).
                return None;
            }
            if let (_, Some(updated)) = self.scale(rs, target) {
                *rs = updated;
            }
            total += count;
        }
        Some((old, total))
    }

    /// scaleDownOldReplicaSetsForRollingUpdate: keep at least minAvailable pods available.
    fn scale_down_old_for_rolling_update(
        &mut self,
        old: &[ReplicaSet],
        new_rs: &ReplicaSet,
    ) -> i32 {
        let min_available = desired_replicas(&self.d) - max_unavailable(&self.d);
        let available_pods: i32 = old.iter().map(available).sum::<i32>() + available(new_rs);
        if available_pods <= min_available {
            return 0;
        }
        let mut old: Vec<ReplicaSet> = old.to_vec();
        crate::sorting::sort_by_key(&mut old, created);
        let total_to_scale_down = available_pods - min_available;
        let mut total = 0;
        for rs in &old {
            if total >= total_to_scale_down {
                break;
            }
            if replicas(rs) == 0 {
                continue;
            }
            let count = replicas(rs).min(total_to_scale_down - total);
            self.scale(rs, replicas(rs) - count);
            total += count;
        }
        total
    }

    /// rolloutRecreate: old pods all go before any new one starts.
    fn rollout_recreate(&mut self) {
        let (mut new_rs, mut old) = self.new_and_old(false);
        let mut all: Vec<ReplicaSet> = old.iter().cloned().chain(new_rs.clone()).collect();
        // scaleDownOldReplicaSetsForRecreate.
        let mut scaled_down = false;
        for rs in old.iter().filter(|rs| replicas(rs) > 0) {
            if self.scale(rs, 0).0 {
                scaled_down = true;
            }
        }
        if scaled_down || self.old_pods_running(&old) {
            self.sync_status(&all, new_rs.as_ref());
            return;
        }
        if new_rs.is_none() {
            (new_rs, old) = self.new_and_old(true);
            all = old.iter().cloned().chain(new_rs.clone()).collect();
        }
        // scaleUpNewReplicaSetForRecreate.
        if let Some(rs) = &new_rs {
            self.scale(rs, desired_replicas(&self.d));
        }
        if deployment_complete(&self.d) {
            self.cleanup(&old);
        }
        self.sync_status(&all, new_rs.as_ref());
    }

    fn old_pods_running(&self, old: &[ReplicaSet]) -> bool {
        let uids: Vec<String> = old
            .iter()
            .filter_map(|rs| rs.metadata.uid.clone())
            .collect();
        self.ctx
            .api
            .list_typed::<Pod>(Some(&self.namespace()))
            .into_iter()
            .any(|pod| {
                pod.metadata
                    .controller_owner()
                    .is_some_and(|r| uids.contains(&r.uid))
                    && !podutil::is_terminal(pod)
            })
    }

    /// cleanupDeployment: of the old ReplicaSets beyond revisionHistoryLimit,
    /// the oldest by revision go, unless they still have pods or the
    /// ReplicaSet controller has not seen their last change.
    fn cleanup(&mut self, old: &[ReplicaSet]) {
        // HasRevisionHistoryLimit: unset or MaxInt32 keeps everything.
        let Some(limit) = self
            .d
            .spec
            .as_ref()
            .and_then(|s| s.revision_history_limit)
            .filter(|l| *l != i32::MAX)
        else {
            return;
        };
        let mut cleanable: Vec<&ReplicaSet> =
            old.iter().filter(|rs| !rs.metadata.is_deleting()).collect();
        let diff = cleanable.len() as i64 - i64::from(limit);
        if diff <= 0 {
            return;
        }
        // ReplicaSetsByRevision: by revision, then by creation.
        crate::sorting::sort_by_key(&mut cleanable, |rs| (revision(rs), created(rs)));
        for rs in cleanable.into_iter().take(diff as usize) {
            let observed = rs.status.as_ref().and_then(|s| s.observed_generation);
            if status_replicas(rs) != 0 || replicas(rs) != 0 || rs.metadata.generation > observed {
                continue;
            }
            let rs_ref = ObjectRef::of(&Object::ReplicaSet(rs.clone()));
            if self.ctx.api.delete(self.ctx.now, &rs_ref, None).is_ok() {
                self.actions.push(format!(
                    "deleted old ReplicaSet {} (revision history limit)",
                    rs.metadata.name_str()
                ));
            }
        }
    }

    fn set_progressing(&mut self, status: &str, reason: &str, message: &str) {
        let mut d = self.d.clone();
        let st = d.status.get_or_insert_with(DeploymentStatus::default);
        set_condition(st, "Progressing", status, reason, message, self.ctx.now);
        self.write_status(d);
    }

    fn write_status(&mut self, d: Deployment) {
        if d == self.d {
            return;
        }
        let mut d = d;
        d.metadata.resource_version = None;
        if let Ok(Object::Deployment(updated)) =
            self.ctx.api.update(Object::Deployment(d)).as_deref()
        {
            self.d = updated.clone();
        }
    }

    /// calculateStatus and syncRolloutStatus: counts and the two conditions.
    fn sync_status(&mut self, all: &[ReplicaSet], new_rs: Option<&ReplicaSet>) {
        let desired = desired_replicas(&self.d);
        let available_total: i32 = all.iter().map(available).sum();
        let total: i32 = all.iter().map(replicas).sum();
        let old_status = self.d.status.clone().unwrap_or_default();
        let mut status = DeploymentStatus {
            observed_generation: self.d.metadata.generation,
            replicas: Some(all.iter().map(status_replicas).sum()),
            updated_replicas: Some(new_rs.map(status_replicas).unwrap_or(0)),
            ready_replicas: Some(all.iter().map(ready).sum()),
            available_replicas: Some(available_total),
            unavailable_replicas: Some((total - available_total).max(0)),
            collision_count: old_status.collision_count,
            conditions: old_status.conditions.clone(),
            terminating_replicas: None,
        };
        // A scaled-down Deployment (0 replicas) counts no unavailable pods.
        if status.unavailable_replicas == Some(0) {
            status.unavailable_replicas = None;
        }
        let now = self.ctx.now;
        if available_total >= desired - max_unavailable(&self.d) {
            set_condition(
                &mut status,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                now,
            );
        } else {
            set_condition(
                &mut status,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now,
            );
        }
        let paused = self.d.spec.as_ref().and_then(|s| s.paused) == Some(true);
        let deadline = self
            .d
            .spec
            .as_ref()
            .and_then(|s| s.progress_deadline_seconds);
        if let (Some(new_rs), false, Some(deadline)) = (new_rs, paused, deadline) {
            let name = new_rs.metadata.name_str();
            let mut probe = self.d.clone();
            probe.status = Some(status.clone());
            if deployment_complete(&probe) {
                set_condition(
                    &mut status,
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    &format!("ReplicaSet \"{name}\" has successfully progressed."),
                    now,
                );
            } else if deployment_progressing(&old_status, &status) {
                set_condition(
                    &mut status,
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    &format!("ReplicaSet \"{name}\" is progressing."),
                    now,
                );
            } else if let Some(since) = find_condition(&status, "Progressing")
                .and_then(|c| c.last_update_time.as_ref())
                .map(SimTime::from_k8s)
            {
                let deadline_at = since.plus(SimDuration::from_secs(deadline.max(0) as u64));
                if find_condition(&status, "Progressing").is_some_and(|c| c.status == "True") {
                    if deadline_at <= now {
                        set_condition(
                            &mut status,
                            "Progressing",
                            "False",
                            "ProgressDeadlineExceeded",
                            &format!("ReplicaSet \"{name}\" has timed out progressing."),
                            now,
                        );
                    } else {
                        self.requeue = Some(deadline_at.since(now));
                    }
                }
            }
        }
        let mut d = self.d.clone();
        d.status = Some(status);
        self.write_status(d);
    }
}

/// DeploymentComplete.
fn deployment_complete(d: &Deployment) -> bool {
    let desired = desired_replicas(d);
    let Some(status) = &d.status else {
        return false;
    };
    status.updated_replicas.unwrap_or(0) == desired
        && status.replicas.unwrap_or(0) == desired
        && status.available_replicas.unwrap_or(0) == desired
        && status.observed_generation >= d.metadata.generation
}

/// DeploymentProgressing: more pods updated, ready or available, or fewer old ones.
fn deployment_progressing(old: &DeploymentStatus, new: &DeploymentStatus) -> bool {
    let old_old = old.replicas.unwrap_or(0) - old.updated_replicas.unwrap_or(0);
    let new_old = new.replicas.unwrap_or(0) - new.updated_replicas.unwrap_or(0);
    new.updated_replicas.unwrap_or(0) > old.updated_replicas.unwrap_or(0)
        || new_old < old_old
        || new.ready_replicas.unwrap_or(0) > old.ready_replicas.unwrap_or(0)
        || new.available_replicas.unwrap_or(0) > old.available_replicas.unwrap_or(0)
}

fn find_condition<'a>(
    status: &'a DeploymentStatus,
    type_: &str,
) -> Option<&'a DeploymentCondition> {
    status
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

/// SetDeploymentCondition: lastTransitionTime moves only when the status flips.
fn set_condition(
    status: &mut DeploymentStatus,
    type_: &str,
    value: &str,
    reason: &str,
    message: &str,
    now: SimTime,
) {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) if c.status == value && c.reason.as_deref() == Some(reason) => {
            if c.message.as_deref() != Some(message) {
                c.message = Some(message.to_string());
                c.last_update_time = Some(now.to_k8s());
            }
        }
        Some(c) => {
            if c.status != value {
                c.last_transition_time = Some(now.to_k8s());
            }
            c.status = value.to_string();
            c.reason = Some(reason.to_string());
            c.message = Some(message.to_string());
            c.last_update_time = Some(now.to_k8s());
        }
        None => conditions.push(DeploymentCondition {
            type_: type_.to_string(),
            status: value.to_string(),
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            last_update_time: Some(now.to_k8s()),
            last_transition_time: Some(now.to_k8s()),
        }),
    }
}

/// GetProportion: this ReplicaSet's share of a scaling step.
fn get_proportion(rs: &ReplicaSet, d: &Deployment, to_add: i32, added: i32) -> i32 {
    if replicas(rs) == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = replica_set_fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// getReplicaSetFraction.
fn replica_set_fraction(rs: &ReplicaSet, d: &Deployment) -> i32 {
    let desired = desired_replicas(d);
    if desired == 0 {
        return -replicas(rs);
    }
    let deployment_replicas = desired + max_surge(d);
    let annotated = annotation_i32(rs, MAX_REPLICAS_ANNOTATION)
        .unwrap_or_else(|| d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0));
    if annotated == 0 {
        return 0;
    }
    let size = f64::from(replicas(rs)) * f64::from(deployment_replicas) / f64::from(annotated);
    round_to_int32(size) - replicas(rs)
}

/// integer.RoundToInt32 (k8s.io/utils): half away from zero, then truncated
/// as Go's int32 conversion does.
fn round_to_int32(a: f64) -> i32 {
    if a < 0.0 {
        (a - 0.5) as i32
    } else {
        (a + 0.5) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_as_upstream() {
        let pct = |s: &str| IntOrString::String(s.into());
        // 25% of 10: surge rounds up to 3, unavailable down to 2.
        assert_eq!(resolve_fenceposts(&pct("25%"), &pct("25%"), 10), (3, 2));
        // 25% of 3: surge 1, unavailable 0.
        assert_eq!(resolve_fenceposts(&pct("25%"), &pct("25%"), 3), (1, 0));
        // both zero: unavailable becomes 1.
        assert_eq!(
            resolve_fenceposts(&IntOrString::Int(0), &pct("0%"), 5),
            (0, 1)
        );
        assert_eq!(
            resolve_fenceposts(&IntOrString::Int(2), &IntOrString::Int(1), 5),
            (2, 1)
        );
    }

    #[test]
    fn equal_templates_hash_equally() {
        let t = PodTemplateSpec::default();
        assert_eq!(compute_hash(&t, None), compute_hash(&t.clone(), None));
        assert_ne!(compute_hash(&t, None), compute_hash(&t, Some(1)));
    }
}
