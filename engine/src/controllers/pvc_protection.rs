//! The PVC protection controller (pkg/controller/volume/pvcprotection): a
//! claim carries the `kubernetes.io/pvc-protection` finalizer (the
//! StorageObjectInUseProtection admission plugin puts it there), so deleting
//! a claim that a pod still uses leaves it Terminating; once no scheduled,
//! unfinished pod names it, the finalizer goes and so does the claim.

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::objects::{MetaExt, Object, ObjectRef};
use crate::store::WatchEvent;

pub const NAME: &str = "pvc-protection-controller";
pub const FINALIZER: &str = "kubernetes.io/pvc-protection";

pub struct PvcProtectionController;

fn has_finalizer(pvc: &PersistentVolumeClaim) -> bool {
    pvc.metadata
        .finalizers
        .iter()
        .flatten()
        .any(|f| f == FINALIZER)
}

/// podUsesPVC: a pod on a node, not finished, whose volumes name the claim.
fn pod_uses(pod: &Pod, claim: &str) -> bool {
    crate::podutil::node_name(pod).is_some()
        && !crate::podutil::is_terminal(pod)
        && pod
            .spec
            .iter()
            .flat_map(|s| s.volumes.iter().flatten())
            .any(|v| {
                v.persistent_volume_claim
                    .as_ref()
                    .is_some_and(|c| c.claim_name == claim)
            })
}

fn claims_of(pod: &Pod) -> impl Iterator<Item = &str> {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .map(|c| c.claim_name.as_str())
}

impl Controller for PvcProtectionController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::PersistentVolumeClaim(pvc)
                if pvc.metadata.is_deleting() && has_finalizer(pvc) =>
            {
                vec![event.object_ref.clone()]
            }
            // A pod that goes or finishes may free the claims it used.
            Object::Pod(pod) => claims_of(pod)
                .filter_map(|name| {
                    api.get_typed::<PersistentVolumeClaim>(pod.metadata.namespace.as_deref(), name)
                })
                .filter(|c| c.metadata.is_deleting() && has_finalizer(c))
                .map(|c| ObjectRef::of(&Object::PersistentVolumeClaim(c.clone())))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::PersistentVolumeClaim(pvc)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        if !pvc.metadata.is_deleting() || !has_finalizer(&pvc) {
            return Reconciled::nothing();
        }
        let name = pvc.metadata.name_str().to_string();
        let users: Vec<String> = ctx
            .api
            .list_typed::<Pod>(pvc.metadata.namespace.as_deref())
            .into_iter()
            .filter(|p| pod_uses(p, &name))
            .map(|p| p.metadata.name_str().to_string())
            .collect();
        if !users.is_empty() {
            return Reconciled::nothing();
        }
        let mut updated = pvc.clone();
        if let Some(f) = updated.metadata.finalizers.as_mut() {
            f.retain(|x| x != FINALIZER);
        }
        updated.metadata.resource_version = None;
        match ctx.api.update(Object::PersistentVolumeClaim(updated)) {
            Ok(_) => Reconciled::did(format!(
                "removed finalizer {FINALIZER} from claim {} (no pod uses it)",
                key.display_name()
            )),
            Err(_) => Reconciled::nothing(),
        }
    }
}
