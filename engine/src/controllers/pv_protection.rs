//! The PV protection controller (pkg/controller/volume/pvprotection): a
//! volume carries the `kubernetes.io/pv-protection` finalizer, so deleting
//! a volume that is still Bound to a claim leaves it Terminating until it
//! is not.

use k8s_openapi::api::core::v1::PersistentVolume;

use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::objects::{MetaExt, Object, ObjectRef};
use crate::store::WatchEvent;

pub const NAME: &str = "pv-protection-controller";
pub const FINALIZER: &str = "kubernetes.io/pv-protection";

pub struct PvProtectionController;

fn has_finalizer(pv: &PersistentVolume) -> bool {
    pv.metadata
        .finalizers
        .iter()
        .flatten()
        .any(|f| f == FINALIZER)
}

/// isVolumeInUse: a Bound volume is in use.
fn in_use(pv: &PersistentVolume) -> bool {
    pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
}

impl Controller for PvProtectionController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::PersistentVolume(pv) if pv.metadata.is_deleting() && has_finalizer(pv) => {
                vec![event.object_ref.clone()]
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::PersistentVolume(pv)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        if !pv.metadata.is_deleting() || !has_finalizer(&pv) || in_use(&pv) {
            return Reconciled::nothing();
        }
        let mut updated = pv.clone();
        if let Some(f) = updated.metadata.finalizers.as_mut() {
            f.retain(|x| x != FINALIZER);
        }
        updated.metadata.resource_version = None;
        match ctx.api.update(Object::PersistentVolume(updated)) {
            Ok(_) => Reconciled::did(format!(
                "removed finalizer {FINALIZER} from volume {} (not bound)",
                key.display_name()
            )),
            Err(_) => Reconciled::nothing(),
        }
    }
}
