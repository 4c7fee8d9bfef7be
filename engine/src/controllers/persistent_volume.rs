//! The PersistentVolume controller (pkg/controller/volume/persistentvolume,
//! pv_controller.go): binds each claim to a volume and keeps both phases
//! right.
//!
//! - A claim without a volume gets the smallest Available volume of its
//!   class whose capacity, access modes, volume mode and labels fit
//!   (findBestMatchForClaim); failing that, a claim with a class waits for
//!   the class's provisioner (`ExternalProvisioning`, and the claim is
//!   annotated for it: `hostpath_provisioner.rs` answers for
//!   `k8s.io/minikube-hostpath`), and a claim without one stays Pending
//!   (`FailedBinding`).
//! - A class with `volumeBindingMode: WaitForFirstConsumer` delays all this
//!   until a pod that uses the claim is on a node. (Upstream, the
//!   scheduler's VolumeBinding PreBind writes the claim's selected-node
//!   annotation before it binds the pod; here this controller writes it
//!   when it sees the pod bound.)
//! - A volume whose claim is gone is Released, then reclaimed by its
//!   policy: Retain keeps it (and its data) for an administrator, Delete
//!   removes it (the external provisioner deletes what it provisioned; an
//!   in-tree hostPath volume is deleted only under /tmp, as upstream).

use std::sync::Arc;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Node, ObjectReference, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus,
    Pod,
};
use k8s_openapi::api::storage::v1::StorageClass;

use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::events::{EventType, Source};
use crate::kubectl::printers_storage::is_default_class;
use crate::labels::Selector;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::store::WatchEvent;

pub const NAME: &str = "persistentvolume-controller";

/// Annotations of pv_controller.go and the storage helpers.
pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
pub const ANN_PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";
pub const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
pub const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
pub const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
const ANN_BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// Event texts of pv_controller.go.
const NO_VOLUME_NO_CLASS: &str =
    "no persistent volumes available for this claim and no storage class is set";
const WAIT_FOR_FIRST_CONSUMER: &str = "waiting for first consumer to be created before binding";
const CLAIM_LOST: &str = "Bound claim has lost its PersistentVolume. Data on the volume is lost!";

/// provisionClaimOperationExternal's event.
fn external_provisioning_message(provisioner: &str) -> String {
    format!("Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")
}

pub struct PersistentVolumeController;

/// storagehelpers.GetPersistentVolumeClaimClass: spec.storageClassName, or
/// the beta annotation, or "".
pub fn claim_class(pvc: &PersistentVolumeClaim) -> String {
    if let Some(class) = pvc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANN_BETA_STORAGE_CLASS))
    {
        return class.clone();
    }
    pvc.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

/// storagehelpers.GetPersistentVolumeClass.
pub fn volume_class(pv: &PersistentVolume) -> String {
    if let Some(class) = pv
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANN_BETA_STORAGE_CLASS))
    {
        return class.clone();
    }
    pv.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

/// The default StorageClass: the newest of those marked default, by
/// creation time and then name (the DefaultStorageClass admission plugin's
/// choice).
pub fn default_class(api: &ApiServer) -> Option<String> {
    api.list_typed::<StorageClass>(None)
        .into_iter()
        .filter(|sc| is_default_class(sc))
        .max_by(|a, b| {
            a.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0)
                .cmp(&b.metadata.creation_timestamp.as_ref().map(|t| t.0))
                .then_with(|| b.metadata.name_str().cmp(a.metadata.name_str()))
        })
        .map(|sc| sc.metadata.name_str().to_string())
}

/// Whether the claim's class delays binding until a pod uses it.
pub fn is_delayed_binding(api: &ApiServer, pvc: &PersistentVolumeClaim) -> bool {
    let class = claim_class(pvc);
    !class.is_empty()
        && api
            .get_typed::<StorageClass>(None, &class)
            .is_some_and(|sc| sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"))
}

fn storage_request(pvc: &PersistentVolumeClaim) -> i64 {
    pvc.spec
        .as_ref()
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .and_then(|q| crate::quantity::value(&q.0).ok())
        .unwrap_or(0)
}

fn volume_capacity(pv: &PersistentVolume) -> i64 {
    pv.spec
        .as_ref()
        .and_then(|s| s.capacity.as_ref())
        .and_then(|c| c.get("storage"))
        .and_then(|q| crate::quantity::value(&q.0).ok())
        .unwrap_or(0)
}

fn phase_of_volume(pv: &PersistentVolume) -> &str {
    pv.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn phase_of_claim(pvc: &PersistentVolumeClaim) -> &str {
    pvc.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// IsVolumeBoundToClaim: the volume's claimRef names this claim (and its
/// uid, when the claimRef has one).
pub fn is_volume_bound_to_claim(pv: &PersistentVolume, pvc: &PersistentVolumeClaim) -> bool {
    let Some(claim_ref) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
        return false;
    };
    claim_ref.name.as_deref() == pvc.metadata.name.as_deref()
        && claim_ref.namespace.as_deref() == pvc.metadata.namespace.as_deref()
        && claim_ref
            .uid
            .as_deref()
            .is_none_or(|u| u.is_empty() || Some(u) == pvc.metadata.uid.as_deref())
}

/// The node affinity of a volume allows this node.
pub fn volume_fits_node(pv: &PersistentVolume, node: &Node) -> bool {
    pv.spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
        .is_none_or(|required| {
            required
                .node_selector_terms
                .iter()
                .any(|t| crate::scheduler::plugins::node_affinity::term_matches(t, node))
        })
}

/// findMatchingVolume (index.go): a volume pre-bound to the claim, or the
/// smallest Available one of the claim's class whose access modes, volume
/// mode and labels fit, preferring volumes with fewer access modes
/// (allPossibleMatchingAccessModes). With `node`, only volumes that node
/// can reach; without, delayed-binding claims match nothing but pre-bound
/// volumes.
pub fn find_best_match<'a>(
    volumes: &[&'a PersistentVolume],
    pvc: &PersistentVolumeClaim,
    node: Option<&Node>,
    delayed: bool,
) -> Option<&'a PersistentVolume> {
    let spec = pvc.spec.clone().unwrap_or_default();
    let requested = storage_request(pvc);
    let class = claim_class(pvc);
    let wanted_modes = spec.access_modes.clone().unwrap_or_default();
    let claim_mode = spec.volume_mode.as_deref().unwrap_or("Filesystem");
    let selector = match &spec.selector {
        Some(s) => match Selector::from_label_selector(Some(s)) {
            Ok(s) => Some(s),
            Err(_) => return None,
        },
        None => None,
    };
    let mut best: Option<(usize, i64, &str, &'a PersistentVolume)> = None;
    for pv in volumes {
        let pv_spec = pv.spec.clone().unwrap_or_default();
        if pv_spec.volume_mode.as_deref().unwrap_or("Filesystem") != claim_mode {
            continue;
        }
        if pv.metadata.is_deleting() {
            continue;
        }
        let node_ok = node.is_none_or(|n| volume_fits_node(pv, n));
        if is_volume_bound_to_claim(pv, pvc) {
            if node_ok {
                return Some(pv);
            }
            continue;
        }
        if node.is_none() && delayed {
            continue;
        }
        if pv_spec.claim_ref.is_some() || phase_of_volume(pv) != "Available" {
            continue;
        }
        if let Some(selector) = &selector {
            if !selector.matches(&pv.metadata.labels_map()) {
                continue;
            }
        }
        if volume_class(pv) != class || !node_ok {
            continue;
        }
        let modes = pv_spec.access_modes.clone().unwrap_or_default();
        if !wanted_modes.iter().all(|m| modes.contains(m)) {
            continue;
        }
        let capacity = volume_capacity(pv);
        if capacity < requested {
            continue;
        }
        let candidate = (modes.len(), capacity, pv.metadata.name_str(), *pv);
        let better = match &best {
            None => true,
            Some(b) => (candidate.0, candidate.1, candidate.2) < (b.0, b.1, b.2),
        };
        if better {
            best = Some(candidate);
        }
    }
    best.map(|b| b.3)
}

fn claim_ref_of(pvc: &PersistentVolumeClaim) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("PersistentVolumeClaim".into()),
        name: pvc.metadata.name.clone(),
        namespace: pvc.metadata.namespace.clone(),
        uid: pvc.metadata.uid.clone(),
        resource_version: pvc.metadata.resource_version.clone(),
        field_path: None,
    }
}

/// What one sync wrote, for the step log.
struct Sync<'c, 'a> {
    ctx: &'c mut Context<'a>,
    actions: Vec<String>,
}

impl Sync<'_, '_> {
    fn event(&mut self, object: &Object, event_type: EventType, reason: &str, message: &str) {
        self.ctx.recorder.record(
            self.ctx.api,
            self.ctx.now,
            &Source::component(NAME),
            object,
            event_type,
            reason,
            message,
        );
    }

    /// updateVolumePhase (with lastPhaseTransitionTime).
    fn set_volume_phase(
        &mut self,
        pv: &PersistentVolume,
        phase: &str,
        message: Option<&str>,
    ) -> PersistentVolume {
        if phase_of_volume(pv) == phase
            && pv.status.as_ref().and_then(|s| s.message.as_deref()) == message
        {
            return pv.clone();
        }
        let mut updated = pv.clone();
        let status = updated.status.get_or_insert_with(Default::default);
        if status.phase.as_deref() != Some(phase) {
            status.last_phase_transition_time = Some(self.ctx.now.to_k8s());
        }
        status.phase = Some(phase.to_string());
        status.message = message.map(str::to_string);
        updated.metadata.resource_version = None;
        match self
            .ctx
            .api
            .update(Object::PersistentVolume(updated))
            .map(Arc::unwrap_or_clone)
        {
            Ok(Object::PersistentVolume(saved)) => {
                self.actions
                    .push(format!("volume {} is {phase}", saved.metadata.name_str()));
                saved
            }
            _ => pv.clone(),
        }
    }

    /// updateClaimStatus: the phase, and the volume's capacity and access
    /// modes once bound.
    fn set_claim_status(
        &mut self,
        pvc: &PersistentVolumeClaim,
        phase: &str,
        volume: Option<&PersistentVolume>,
    ) -> PersistentVolumeClaim {
        let mut status = pvc.status.clone().unwrap_or_default();
        status.phase = Some(phase.to_string());
        match volume {
            Some(pv) => {
                let spec = pv.spec.clone().unwrap_or_default();
                status.access_modes = spec.access_modes.clone();
                status.capacity = spec.capacity.clone();
            }
            None => {
                status.access_modes = None;
                status.capacity = None;
            }
        }
        if pvc.status.as_ref() == Some(&status) {
            return pvc.clone();
        }
        let mut updated = pvc.clone();
        updated.status = Some(PersistentVolumeClaimStatus { ..status });
        updated.metadata.resource_version = None;
        match self
            .ctx
            .api
            .update(Object::PersistentVolumeClaim(updated))
            .map(Arc::unwrap_or_clone)
        {
            Ok(Object::PersistentVolumeClaim(saved)) => {
                if phase_of_claim(pvc) != phase {
                    self.actions
                        .push(format!("claim {} is {phase}", saved.metadata.name_str()));
                }
                saved
            }
            _ => pvc.clone(),
        }
    }

    /// bind(): the volume's claimRef, then the claim's volumeName, then
    /// both phases.
    fn bind(&mut self, pv: &PersistentVolume, pvc: &PersistentVolumeClaim) {
        // bindVolumeToClaim
        let mut volume = pv.clone();
        let wanted_ref = claim_ref_of(pvc);
        let current = volume.spec.as_ref().and_then(|s| s.claim_ref.clone());
        let needs_ref = current.as_ref().is_none_or(|r| {
            r.uid.as_deref().is_none_or(str::is_empty)
                || r.name != wanted_ref.name
                || r.namespace != wanted_ref.namespace
        });
        if needs_ref {
            if current.is_none() {
                volume
                    .metadata
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
            }
            volume.spec.get_or_insert_with(Default::default).claim_ref = Some(wanted_ref);
            volume.metadata.resource_version = None;
            match self
                .ctx
                .api
                .update(Object::PersistentVolume(volume))
                .map(Arc::unwrap_or_clone)
            {
                Ok(Object::PersistentVolume(saved)) => volume = saved,
                _ => return,
            }
        }
        let volume = self.set_volume_phase(&volume, "Bound", None);
        // bindClaimToVolume
        let mut claim = pvc.clone();
        let pv_name = volume.metadata.name_str().to_string();
        let annotations = claim.metadata.annotations.clone().unwrap_or_default();
        let spec = claim.spec.get_or_insert_with(Default::default);
        let mut dirty = false;
        if spec.volume_name.as_deref() != Some(pv_name.as_str()) {
            spec.volume_name = Some(pv_name.clone());
            claim
                .metadata
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
            dirty = true;
        }
        if annotations.get(ANN_BIND_COMPLETED).map(String::as_str) != Some("yes") {
            claim
                .metadata
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(ANN_BIND_COMPLETED.into(), "yes".into());
            dirty = true;
        }
        if dirty {
            claim.metadata.resource_version = None;
            match self
                .ctx
                .api
                .update(Object::PersistentVolumeClaim(claim))
                .map(Arc::unwrap_or_clone)
            {
                Ok(Object::PersistentVolumeClaim(saved)) => {
                    self.actions.push(format!(
                        "bound claim {} to volume {pv_name}",
                        saved.metadata.name_str()
                    ));
                    claim = saved;
                }
                _ => return,
            }
        }
        self.set_claim_status(&claim, "Bound", Some(&volume));
    }
}

impl PersistentVolumeController {
    fn volumes(api: &ApiServer) -> Vec<PersistentVolume> {
        api.list_typed::<PersistentVolume>(None)
            .into_iter()
            .cloned()
            .collect()
    }

    /// The node a pod using the claim is bound to (for delayed binding).
    fn consumer_node(api: &ApiServer, pvc: &PersistentVolumeClaim) -> (Option<Pod>, Option<Node>) {
        let name = pvc.metadata.name_str();
        let pods: Vec<&Pod> = api
            .list_typed::<Pod>(pvc.metadata.namespace.as_deref())
            .into_iter()
            .filter(|p| !crate::podutil::is_terminal(p) && !p.metadata.is_deleting())
            .filter(|p| {
                p.spec
                    .iter()
                    .flat_map(|s| s.volumes.iter().flatten())
                    .any(|v| {
                        v.persistent_volume_claim
                            .as_ref()
                            .is_some_and(|c| c.claim_name == name)
                    })
            })
            .collect();
        let bound = pods
            .iter()
            .find_map(|p| crate::podutil::node_name(p).map(|n| ((*p).clone(), n.to_string())));
        match bound {
            Some((pod, node)) => (Some(pod), api.get_typed::<Node>(None, &node).cloned()),
            None => (pods.first().map(|p| (*p).clone()), None),
        }
    }

    /// syncUnboundClaim and syncBoundClaim.
    fn sync_claim(&self, pvc: PersistentVolumeClaim, sync: &mut Sync) {
        if pvc.metadata.is_deleting() {
            return;
        }
        let claim_object = Object::PersistentVolumeClaim(pvc.clone());
        let volume_name = pvc
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.clone())
            .unwrap_or_default();
        let bind_completed = pvc
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(ANN_BIND_COMPLETED))
            .is_some();
        if !volume_name.is_empty() {
            let volume = sync
                .ctx
                .api
                .get_typed::<PersistentVolume>(None, &volume_name)
                .cloned();
            match volume {
                None if bind_completed => {
                    if phase_of_claim(&pvc) != "Lost" {
                        sync.event(&claim_object, EventType::Warning, "ClaimLost", CLAIM_LOST);
                        sync.set_claim_status(&pvc, "Lost", None);
                    }
                }
                // The claim asks for a volume that does not exist (yet).
                None => {
                    sync.set_claim_status(&pvc, "Pending", None);
                }
                Some(pv) => {
                    let claim_ref = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
                    if claim_ref.is_none() || is_volume_bound_to_claim(&pv, &pvc) {
                        sync.bind(&pv, &pvc);
                    } else if bind_completed {
                        if phase_of_claim(&pvc) != "Lost" {
                            sync.event(
                                &claim_object,
                                EventType::Warning,
                                "ClaimMisbound",
                                "Two claims are bound to the same volume, this one is bound incorrectly",
                            );
                            sync.set_claim_status(&pvc, "Lost", None);
                        }
                    } else {
                        // The volume the user asked for is someone else's.
                        sync.set_claim_status(&pvc, "Pending", None);
                    }
                }
            }
            return;
        }
        // Retroactive default StorageClass assignment (KEP-3333): a claim
        // made while no class was the default gets the default class now.
        if pvc
            .spec
            .as_ref()
            .is_some_and(|s| s.storage_class_name.is_none())
        {
            if let Some(class) = default_class(sync.ctx.api) {
                let mut updated = pvc.clone();
                updated
                    .spec
                    .get_or_insert_with(Default::default)
                    .storage_class_name = Some(class.clone());
                updated.metadata.resource_version = None;
                if sync
                    .ctx
                    .api
                    .update(Object::PersistentVolumeClaim(updated))
                    .is_ok()
                {
                    sync.actions.push(format!(
                        "gave claim {} the default class {class}",
                        pvc.metadata.name_str()
                    ));
                    return;
                }
            }
        }
        let delayed = is_delayed_binding(sync.ctx.api, &pvc);
        let volumes = Self::volumes(sync.ctx.api);
        let refs: Vec<&PersistentVolume> = volumes.iter().collect();
        let mut selected_node: Option<Node> = None;
        if delayed {
            let annotated = pvc
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(ANN_SELECTED_NODE))
                .cloned();
            selected_node = match annotated {
                Some(node) => sync.ctx.api.get_typed::<Node>(None, &node).cloned(),
                None => {
                    let (pod, node) = Self::consumer_node(sync.ctx.api, &pvc);
                    match (pod, node) {
                        (_, Some(node)) => {
                            // The scheduler has placed a consumer: binding may start there.
                            let mut annotated = pvc.clone();
                            annotated
                                .metadata
                                .annotations
                                .get_or_insert_with(BTreeMap::new)
                                .insert(ANN_SELECTED_NODE.into(), node.metadata.name_str().into());
                            annotated.metadata.resource_version = None;
                            let _ = sync
                                .ctx
                                .api
                                .update(Object::PersistentVolumeClaim(annotated));
                            sync.actions.push(format!(
                                "claim {} will be bound on node {}",
                                pvc.metadata.name_str(),
                                node.metadata.name_str()
                            ));
                            return;
                        }
                        (Some(pod), None) => {
                            sync.event(
                                &claim_object,
                                EventType::Normal,
                                "WaitForPodScheduled",
                                &format!(
                                    "waiting for pod {} to be scheduled",
                                    pod.metadata.name_str()
                                ),
                            );
                            sync.set_claim_status(&pvc, "Pending", None);
                            return;
                        }
                        (None, None) => {
                            sync.event(
                                &claim_object,
                                EventType::Normal,
                                "WaitForFirstConsumer",
                                WAIT_FOR_FIRST_CONSUMER,
                            );
                            sync.set_claim_status(&pvc, "Pending", None);
                            return;
                        }
                    }
                }
            };
        }
        if let Some(pv) = find_best_match(&refs, &pvc, selected_node.as_ref(), delayed) {
            let pv = pv.clone();
            sync.bind(&pv, &pvc);
            return;
        }
        let class = claim_class(&pvc);
        if class.is_empty() {
            sync.event(
                &claim_object,
                EventType::Normal,
                "FailedBinding",
                NO_VOLUME_NO_CLASS,
            );
            sync.set_claim_status(&pvc, "Pending", None);
            return;
        }
        // provisionClaim
        let Some(storage_class) = sync
            .ctx
            .api
            .get_typed::<StorageClass>(None, &class)
            .cloned()
        else {
            sync.event(
                &claim_object,
                EventType::Warning,
                "ProvisioningFailed",
                &format!("storageclass.storage.k8s.io {class:?} not found"),
            );
            sync.set_claim_status(&pvc, "Pending", None);
            return;
        };
        let provisioner = storage_class.provisioner.clone();
        let annotations = pvc.metadata.annotations.clone().unwrap_or_default();
        let mut claim = pvc.clone();
        if annotations.get(ANN_STORAGE_PROVISIONER) != Some(&provisioner)
            || annotations.get(ANN_BETA_STORAGE_PROVISIONER) != Some(&provisioner)
        {
            // setClaimProvisioner: tell the external provisioner it is its claim.
            let map = claim.metadata.annotations.get_or_insert_with(BTreeMap::new);
            map.insert(ANN_BETA_STORAGE_PROVISIONER.into(), provisioner.clone());
            map.insert(ANN_STORAGE_PROVISIONER.into(), provisioner.clone());
            claim.metadata.resource_version = None;
            if let Ok(Object::PersistentVolumeClaim(saved)) = sync
                .ctx
                .api
                .update(Object::PersistentVolumeClaim(claim.clone()))
                .map(Arc::unwrap_or_clone)
            {
                claim = saved;
            }
            sync.actions.push(format!(
                "claim {} waits for provisioner {provisioner}",
                pvc.metadata.name_str()
            ));
            sync.event(
                &Object::PersistentVolumeClaim(claim.clone()),
                EventType::Normal,
                "ExternalProvisioning",
                &external_provisioning_message(&provisioner),
            );
        }
        sync.set_claim_status(&claim, "Pending", None);
    }

    /// syncVolume.
    fn sync_volume(&self, pv: PersistentVolume, sync: &mut Sync) {
        if pv.metadata.is_deleting() {
            return;
        }
        let Some(claim_ref) = pv.spec.as_ref().and_then(|s| s.claim_ref.clone()) else {
            sync.set_volume_phase(&pv, "Available", None);
            return;
        };
        if claim_ref.uid.as_deref().is_none_or(str::is_empty) {
            // Pre-bound to a claim that has not bound to it yet.
            sync.set_volume_phase(&pv, "Available", None);
            return;
        }
        let claim = sync
            .ctx
            .api
            .get_typed::<PersistentVolumeClaim>(
                claim_ref.namespace.as_deref(),
                claim_ref.name.as_deref().unwrap_or(""),
            )
            .filter(|c| c.metadata.uid == claim_ref.uid)
            .cloned();
        match claim {
            None => {
                let phase = phase_of_volume(&pv);
                let pv = if phase != "Released" && phase != "Failed" {
                    sync.set_volume_phase(&pv, "Released", None)
                } else {
                    pv
                };
                self.reclaim(pv, sync);
            }
            Some(claim) => {
                let bound_to = claim
                    .spec
                    .as_ref()
                    .and_then(|s| s.volume_name.clone())
                    .unwrap_or_default();
                if bound_to.is_empty() {
                    // The claim's sync finishes the binding (it is queued too).
                } else if bound_to == pv.metadata.name_str() {
                    sync.set_volume_phase(&pv, "Bound", None);
                } else if pv
                    .metadata
                    .annotations
                    .as_ref()
                    .is_some_and(|a| a.contains_key(ANN_PROVISIONED_BY))
                    && pv
                        .spec
                        .as_ref()
                        .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
                        == Some("Delete")
                {
                    let pv = sync.set_volume_phase(&pv, "Released", None);
                    self.reclaim(pv, sync);
                } else {
                    // unbindVolume: bound by the controller to a claim bound elsewhere.
                    let mut unbound = pv.clone();
                    let by_controller = pv
                        .metadata
                        .annotations
                        .as_ref()
                        .is_some_and(|a| a.contains_key(ANN_BOUND_BY_CONTROLLER));
                    if let Some(spec) = unbound.spec.as_mut() {
                        if by_controller {
                            spec.claim_ref = None;
                        } else if let Some(r) = spec.claim_ref.as_mut() {
                            r.uid = None;
                        }
                    }
                    if let Some(a) = unbound.metadata.annotations.as_mut() {
                        a.remove(ANN_BOUND_BY_CONTROLLER);
                    }
                    unbound.metadata.resource_version = None;
                    if let Ok(Object::PersistentVolume(saved)) = sync
                        .ctx
                        .api
                        .update(Object::PersistentVolume(unbound))
                        .map(Arc::unwrap_or_clone)
                    {
                        sync.set_volume_phase(&saved, "Available", None);
                    }
                }
            }
        }
    }

    /// reclaimVolume: Retain keeps the volume; Delete removes it (what an
    /// external provisioner made is deleted by that provisioner).
    fn reclaim(&self, pv: PersistentVolume, sync: &mut Sync) {
        let policy = pv
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_reclaim_policy.clone())
            .unwrap_or_else(|| "Retain".into());
        if policy != "Delete" || phase_of_volume(&pv) == "Failed" {
            return;
        }
        let provisioned_by = pv
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(ANN_PROVISIONED_BY))
            .cloned();
        if provisioned_by.is_some() {
            return;
        }
        // An in-tree volume: only hostPath can be deleted, and only under /tmp
        // (host_path.go's deleter).
        let object = Object::PersistentVolume(pv.clone());
        let name = pv.metadata.name_str().to_string();
        let error = match pv.spec.as_ref().and_then(|s| s.host_path.as_ref()) {
            Some(h) if h.path.starts_with("/tmp/") && h.path.len() > 5 => None,
            Some(h) => Some(format!(
                "host_path deleter only supports /tmp/.+ but received provided {}",
                h.path
            )),
            None => Some(format!(
                "error getting deleter volume plugin for volume {name:?}: no deletable volume plugin matched"
            )),
        };
        match error {
            None => {
                if sync
                    .ctx
                    .api
                    .delete(
                        sync.ctx.now,
                        &ObjectRef::new(Kind::PersistentVolume, None, &name),
                        None,
                    )
                    .is_ok()
                {
                    sync.ctx.storage.remove_volume(&pv);
                    sync.actions
                        .push(format!("deleted volume {name} (reclaim policy Delete)"));
                }
            }
            Some(message) => {
                sync.event(&object, EventType::Warning, "VolumeFailedDelete", &message);
                sync.set_volume_phase(&pv, "Failed", Some(&message));
            }
        }
    }
}

impl Controller for PersistentVolumeController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::PersistentVolumeClaim(pvc) => {
                let mut keys = vec![event.object_ref.clone()];
                // deleteClaim: the claim's volume is looked at again (Released).
                if event.event_type == crate::store::WatchEventType::Deleted {
                    if let Some(volume) = pvc
                        .spec
                        .as_ref()
                        .and_then(|s| s.volume_name.as_deref())
                        .filter(|v| !v.is_empty())
                    {
                        keys.push(ObjectRef::new(Kind::PersistentVolume, None, volume));
                    }
                }
                keys
            }
            Object::PersistentVolume(pv) => {
                let mut keys = vec![event.object_ref.clone()];
                if let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) {
                    keys.push(ObjectRef::new(
                        Kind::PersistentVolumeClaim,
                        r.namespace.as_deref(),
                        r.name.as_deref().unwrap_or(""),
                    ));
                }
                // A volume that became Available may fit a waiting claim.
                if phase_of_volume(pv) == "Available" {
                    keys.extend(
                        api.list_typed::<PersistentVolumeClaim>(None)
                            .into_iter()
                            .filter(|c| phase_of_claim(c) == "Pending")
                            .filter(|c| {
                                c.spec
                                    .as_ref()
                                    .and_then(|s| s.volume_name.as_deref())
                                    .is_none_or(str::is_empty)
                            })
                            .map(|c| ObjectRef::of(&Object::PersistentVolumeClaim(c.clone()))),
                    );
                }
                keys
            }
            // A class that appears lets its waiting claims provision.
            Object::StorageClass(sc) => api
                .list_typed::<PersistentVolumeClaim>(None)
                .into_iter()
                .filter(|c| {
                    let no_class = c
                        .spec
                        .as_ref()
                        .is_some_and(|s| s.storage_class_name.is_none());
                    phase_of_claim(c) == "Pending"
                        && (claim_class(c) == sc.metadata.name_str()
                            || no_class && is_default_class(sc))
                })
                .map(|c| ObjectRef::of(&Object::PersistentVolumeClaim(c.clone())))
                .collect(),
            // A pod placed on a node starts the binding of its delayed claims.
            Object::Pod(pod) => pod
                .spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .filter_map(|v| v.persistent_volume_claim.as_ref())
                .filter_map(|c| {
                    api.get_typed::<PersistentVolumeClaim>(
                        pod.metadata.namespace.as_deref(),
                        &c.claim_name,
                    )
                })
                .filter(|c| phase_of_claim(c) == "Pending" && is_delayed_binding(api, c))
                .map(|c| ObjectRef::of(&Object::PersistentVolumeClaim(c.clone())))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let object = ctx.api.get(key).cloned();
        let mut sync = Sync {
            ctx,
            actions: Vec::new(),
        };
        match object {
            Some(Object::PersistentVolumeClaim(pvc)) => self.sync_claim(pvc, &mut sync),
            Some(Object::PersistentVolume(pv)) => self.sync_volume(pv, &mut sync),
            _ => {}
        }
        if sync.actions.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(sync.actions.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pv(name: &str, size: &str, modes: &[&str], class: &str) -> PersistentVolume {
        serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"capacity": {"storage": size}, "accessModes": modes, "storageClassName": class,
                     "hostPath": {"path": "/mnt/data"}},
            "status": {"phase": "Available"}}))
        .unwrap()
    }

    fn claim(size: &str, modes: &[&str], class: &str) -> PersistentVolumeClaim {
        serde_json::from_value(json!({"metadata": {"name": "c", "namespace": "default", "uid": "u1"},
            "spec": {"resources": {"requests": {"storage": size}}, "accessModes": modes, "storageClassName": class}}))
        .unwrap()
    }

    #[test]
    fn the_smallest_fitting_volume_wins() {
        let big = pv("big", "10Gi", &["ReadWriteOnce"], "manual");
        let small = pv("small", "2Gi", &["ReadWriteOnce"], "manual");
        let tiny = pv("tiny", "1Gi", &["ReadWriteOnce"], "manual");
        let other_class = pv("other", "2Gi", &["ReadWriteOnce"], "fast");
        let rwx = pv("rwx", "2Gi", &["ReadWriteMany"], "manual");
        let volumes = vec![&big, &small, &tiny, &other_class, &rwx];
        let found = find_best_match(
            &volumes,
            &claim("2Gi", &["ReadWriteOnce"], "manual"),
            None,
            false,
        );
        assert_eq!(found.map(|p| p.metadata.name_str()), Some("small"));
        let found = find_best_match(
            &volumes,
            &claim("20Gi", &["ReadWriteOnce"], "manual"),
            None,
            false,
        );
        assert!(found.is_none());
        let found = find_best_match(
            &volumes,
            &claim("1Gi", &["ReadWriteMany"], "manual"),
            None,
            false,
        );
        assert_eq!(found.map(|p| p.metadata.name_str()), Some("rwx"));
    }

    #[test]
    fn fewer_access_modes_are_preferred() {
        let both = pv("both", "1Gi", &["ReadWriteOnce", "ReadOnlyMany"], "");
        let one = pv("one", "5Gi", &["ReadWriteOnce"], "");
        let volumes = vec![&both, &one];
        let found = find_best_match(&volumes, &claim("1Gi", &["ReadWriteOnce"], ""), None, false);
        assert_eq!(found.map(|p| p.metadata.name_str()), Some("one"));
    }
}
