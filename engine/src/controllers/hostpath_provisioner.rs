//! minikube's storage-provisioner (k8s.io/minikube-hostpath): the external
//! provisioner behind the default StorageClass `standard`. It answers the
//! claims the PV controller annotated for it
//! (`volume.kubernetes.io/storage-provisioner`) with a new volume
//! `pvc-<claim uid>`, a hostPath under /tmp/hostpath-provisioner, already
//! pre-bound to the claim (sig-storage-lib-external-provisioner's
//! provisionClaimOperation); the PV controller then completes the binding.
//! When such a volume is Released and its policy is Delete, it deletes it.
//!
//! It runs as a pod in kube-system on minikube; here it is a component of
//! the control plane, named in events as the real one names itself.

use crate::sorting::CollectSorted;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    HostPathVolumeSource, PersistentVolume, PersistentVolumeClaim, PersistentVolumeSpec,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::persistent_volume::{claim_class, ANN_PROVISIONED_BY, ANN_STORAGE_PROVISIONER};
use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::events::{EventType, Source};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::store::WatchEvent;

/// The provisioner name minikube's default class names.
pub const PROVISIONER: &str = "k8s.io/minikube-hostpath";
/// How the provisioner signs its events: `<provisioner>_<host>_<uuid>`.
pub const IDENTITY: &str =
    "k8s.io/minikube-hostpath_control-plane_2b6c1f0e-7a7d-4a8c-9d35-5f0e8c2b4a61";
/// The step log's name for it.
pub const NAME: &str = "storage-provisioner";
const ROOT: &str = "/tmp/hostpath-provisioner";

pub struct HostPathProvisioner;

fn is_ours(pvc: &PersistentVolumeClaim) -> bool {
    pvc.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANN_STORAGE_PROVISIONER))
        .is_some_and(|p| p == PROVISIONER)
}

fn provisioned_by_us(pv: &PersistentVolume) -> bool {
    pv.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANN_PROVISIONED_BY))
        .is_some_and(|p| p == PROVISIONER)
}

fn unbound(pvc: &PersistentVolumeClaim) -> bool {
    pvc.spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .is_none_or(str::is_empty)
}

/// The volume the provisioner makes for a claim.
fn volume_for(pvc: &PersistentVolumeClaim, class: &StorageClass) -> PersistentVolume {
    let spec = pvc.spec.clone().unwrap_or_default();
    let namespace = pvc.metadata.namespace_str();
    let name = pvc.metadata.name_str();
    let capacity: BTreeMap<_, _> = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .map(|q| ("storage".to_string(), q.clone()))
        .into_iter()
        .collect_map();
    PersistentVolume {
        metadata: ObjectMeta {
            name: Some(format!(
                "pvc-{}",
                pvc.metadata.uid.as_deref().unwrap_or_default()
            )),
            annotations: Some(
                [
                    (
                        "hostPathProvisionerIdentity".to_string(),
                        "control-plane".to_string(),
                    ),
                    (ANN_PROVISIONED_BY.to_string(), PROVISIONER.to_string()),
                ]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        spec: Some(PersistentVolumeSpec {
            access_modes: spec.access_modes.clone(),
            capacity: Some(capacity),
            claim_ref: Some(k8s_openapi::api::core::v1::ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("PersistentVolumeClaim".into()),
                name: pvc.metadata.name.clone(),
                namespace: pvc.metadata.namespace.clone(),
                uid: pvc.metadata.uid.clone(),
                resource_version: pvc.metadata.resource_version.clone(),
                field_path: None,
            }),
            host_path: Some(HostPathVolumeSource {
                path: format!("{ROOT}/{namespace}/{name}"),
                type_: None,
            }),
            mount_options: class.mount_options.clone(),
            persistent_volume_reclaim_policy: class.reclaim_policy.clone(),
            storage_class_name: Some(class.metadata.name_str().to_string()),
            volume_mode: spec.volume_mode.clone(),
            ..PersistentVolumeSpec::default()
        }),
        status: None,
    }
}

impl HostPathProvisioner {
    fn provision(&self, pvc: PersistentVolumeClaim, ctx: &mut Context) -> Reconciled {
        if pvc.metadata.is_deleting() || !is_ours(&pvc) || !unbound(&pvc) {
            return Reconciled::nothing();
        }
        let class_name = claim_class(&pvc);
        let Some(class) = ctx
            .api
            .get_typed::<StorageClass>(None, &class_name)
            .cloned()
        else {
            return Reconciled::nothing();
        };
        if class.provisioner != PROVISIONER {
            return Reconciled::nothing();
        }
        let volume = volume_for(&pvc, &class);
        let volume_name = volume.metadata.name_str().to_string();
        if ctx
            .api
            .get(&ObjectRef::new(Kind::PersistentVolume, None, &volume_name))
            .is_some()
        {
            return Reconciled::nothing();
        }
        let source = Source::component(IDENTITY);
        let claim_object = Object::PersistentVolumeClaim(pvc.clone());
        let key = format!(
            "{}/{}",
            pvc.metadata.namespace_str(),
            pvc.metadata.name_str()
        );
        ctx.record(
            &source,
            &claim_object,
            EventType::Normal,
            "Provisioning",
            &format!("External provisioner is provisioning volume for claim {key:?}"),
        );
        match ctx.api.create(ctx.now, Object::PersistentVolume(volume)) {
            Ok(_) => {
                ctx.record(
                    &source,
                    &claim_object,
                    EventType::Normal,
                    "ProvisioningSucceeded",
                    &format!("Successfully provisioned volume {volume_name}"),
                );
                Reconciled::did(format!("provisioned volume {volume_name} for claim {key}"))
            }
            Err(e) => {
                ctx.record(
                    &source,
                    &claim_object,
                    EventType::Warning,
                    "ProvisioningFailed",
                    &format!(
                        "failed to provision volume with StorageClass {class_name:?}: {}",
                        e.message
                    ),
                );
                Reconciled::did(format!("failed to provision a volume for claim {key}"))
            }
        }
    }

    /// deleteVolumeOperation: a Released volume of ours with policy Delete goes.
    fn delete(&self, pv: PersistentVolume, ctx: &mut Context) -> Reconciled {
        let released = pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Released");
        let delete = pv
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
            == Some("Delete");
        if !released || !delete || !provisioned_by_us(&pv) || pv.metadata.is_deleting() {
            return Reconciled::nothing();
        }
        let name = pv.metadata.name_str().to_string();
        match ctx.api.delete(
            ctx.now,
            &ObjectRef::new(Kind::PersistentVolume, None, &name),
            None,
        ) {
            Ok(_) => {
                // The provisioner removes the volume's directory too.
                ctx.storage.remove_volume(&pv);
                Reconciled::did(format!("deleted volume {name} (reclaim policy Delete)"))
            }
            Err(_) => Reconciled::nothing(),
        }
    }
}

impl Controller for HostPathProvisioner {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::PersistentVolumeClaim(pvc) if is_ours(pvc) && unbound(pvc) => {
                vec![event.object_ref.clone()]
            }
            Object::PersistentVolume(pv) if provisioned_by_us(pv) => vec![event.object_ref.clone()],
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        match ctx.api.get(key).cloned() {
            Some(Object::PersistentVolumeClaim(pvc)) => self.provision(pvc, ctx),
            Some(Object::PersistentVolume(pv)) => self.delete(pv, ctx),
            _ => Reconciled::nothing(),
        }
    }
}

/// minikube's default StorageClass, as its storage-provisioner addon
/// installs it (deploy/addons/storageclass/storageclass.yaml).
pub fn default_storage_class() -> StorageClass {
    StorageClass {
        metadata: ObjectMeta {
            name: Some("standard".into()),
            annotations: Some(
                [(
                    crate::kubectl::printers_storage::IS_DEFAULT_CLASS.to_string(),
                    "true".to_string(),
                )]
                .into(),
            ),
            labels: Some(
                [(
                    "addonmanager.kubernetes.io/mode".to_string(),
                    "EnsureExists".to_string(),
                )]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        provisioner: PROVISIONER.into(),
        reclaim_policy: Some("Delete".into()),
        volume_binding_mode: Some("Immediate".into()),
        ..StorageClass::default()
    }
}
