//! The garbage collector (pkg/controller/garbagecollector), background
//! propagation: when an owner is gone, its dependents are deleted too, so
//! deleting a Deployment removes its ReplicaSets and then their pods.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::objects::{Kind, Object, ObjectRef};
use crate::store::{WatchEvent, WatchEventType};

pub const NAME: &str = "garbage-collector-controller";

pub struct GarbageCollector;

fn owner_kind(owner: &OwnerReference) -> Option<Kind> {
    Kind::from_manifest(&owner.api_version, &owner.kind)
}

impl Controller for GarbageCollector {
    fn name(&self) -> &'static str {
        NAME
    }

    /// A deleted object: each of its dependents needs a look.
    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef> {
        if event.event_type != WatchEventType::Deleted {
            return Vec::new();
        }
        let Some(uid) = event.object.meta().uid.clone() else {
            return Vec::new();
        };
        let namespace = event.object_ref.namespace.as_deref();
        // Dependents of a namespaced owner live in its namespace.
        Kind::every()
            .filter(|k| k.info().namespaced)
            .flat_map(|kind| api.list(kind, namespace))
            .filter(|o| {
                o.meta()
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|r| r.uid == uid)
            })
            .map(ObjectRef::of)
            .collect()
    }

    /// Deletes the object if none of its owners exists any more.
    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(object) = ctx.api.get(key) else {
            return Reconciled::nothing();
        };
        let owners: Vec<OwnerReference> =
            object.meta().owner_references.clone().unwrap_or_default();
        if owners.is_empty() || object.meta().deletion_timestamp.is_some() {
            return Reconciled::nothing();
        }
        let owner_exists = |owner: &OwnerReference| {
            owner_kind(owner)
                .map(|kind| {
                    let namespace = if kind.info().namespaced {
                        key.namespace.as_deref()
                    } else {
                        None
                    };
                    ctx.api
                        .get(&ObjectRef::new(kind, namespace, &owner.name))
                        .is_some_and(|o: &Object| {
                            o.meta().uid.as_deref() == Some(owner.uid.as_str())
                        })
                })
                .unwrap_or(true)
        };
        if owners.iter().any(owner_exists) {
            return Reconciled::nothing();
        }
        match ctx.api.delete(ctx.now, key, None) {
            Ok(_) => Reconciled::did(format!(
                "deleted {} {} whose owner {} {} is gone",
                key.kind.info().singular,
                key.display_name(),
                owners[0].kind,
                owners[0].name
            )),
            Err(_) => Reconciled::nothing(),
        }
    }
}
