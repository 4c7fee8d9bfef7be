//! The garbage collector (pkg/controller/garbagecollector). Background
//! deletion: when an owner is gone, its dependents are deleted too, so
//! deleting a Deployment removes its ReplicaSets and then their pods.
//! Foreground deletion: the owner waits, with the foregroundDeletion
//! finalizer, until its dependents are gone. Orphan deletion: the
//! dependents lose their ownerReference and stay.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use super::{Context, Controller, Reconciled};
use crate::apiserver::{ApiServer, DeleteOptions, Propagation, FOREGROUND_DELETION, ORPHAN};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::store::{WatchEvent, WatchEventType};

pub const NAME: &str = "garbage-collector-controller";

pub struct GarbageCollector;

fn owner_kind(owner: &OwnerReference) -> Option<Kind> {
    Kind::from_manifest(&owner.api_version, &owner.kind)
}

fn owner_ref(owner: &OwnerReference, dependent_namespace: Option<&str>) -> Option<ObjectRef> {
    let kind = owner_kind(owner)?;
    let namespace = if kind.info().namespaced {
        dependent_namespace
    } else {
        None
    };
    Some(ObjectRef::new(kind, namespace, &owner.name))
}

fn has_finalizer(object: &Object, finalizer: &str) -> bool {
    object.meta().is_deleting()
        && object
            .meta()
            .finalizers
            .iter()
            .flatten()
            .any(|f| f == finalizer)
}

/// The objects that name `uid` among their owners.
fn dependents(api: &ApiServer, uid: &str, namespace: Option<&str>) -> Vec<ObjectRef> {
    Kind::every()
        .filter(|k| k.info().namespaced && *k != Kind::Event)
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

impl Controller for GarbageCollector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef> {
        if event.object_ref.kind == Kind::Event {
            return Vec::new();
        }
        let namespace = event.object_ref.namespace.as_deref();
        let mut keys = Vec::new();
        let uid = event.object.meta().uid.clone().unwrap_or_default();
        match event.event_type {
            // An owner is gone: each dependent needs a look.
            WatchEventType::Deleted => keys.extend(dependents(api, &uid, namespace)),
            // An owner waits for its dependents (foreground) or lets them go (orphan).
            _ if has_finalizer(&event.object, FOREGROUND_DELETION)
                || has_finalizer(&event.object, ORPHAN) =>
            {
                keys.push(event.object_ref.clone());
            }
            _ => {}
        }
        // A dependent changed or left: an owner in foreground deletion may be free now.
        for owner in event.object.meta().owner_references.iter().flatten() {
            if let Some(r) = owner_ref(owner, namespace) {
                if api
                    .get(&r)
                    .is_some_and(|o| has_finalizer(o, FOREGROUND_DELETION))
                {
                    keys.push(r);
                }
            }
        }
        keys
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(object) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        let uid = object.meta().uid.clone().unwrap_or_default();
        if has_finalizer(&object, ORPHAN) {
            return orphan_dependents(key, &object, &uid, ctx);
        }
        if has_finalizer(&object, FOREGROUND_DELETION) {
            return delete_dependents_first(key, &object, &uid, ctx);
        }
        collect_if_orphaned(key, &object, ctx)
    }
}

/// Orphan deletion: remove the owner from every dependent, then let the owner go.
fn orphan_dependents(key: &ObjectRef, object: &Object, uid: &str, ctx: &mut Context) -> Reconciled {
    let deps = dependents(ctx.api, uid, key.namespace.as_deref());
    for dep in &deps {
        if let Some(mut d) = ctx.api.get(dep).cloned() {
            if let Some(refs) = d.meta_mut().owner_references.as_mut() {
                refs.retain(|r| r.uid != uid);
            }
            d.meta_mut().resource_version = None;
            let _ = ctx.api.update(d);
        }
    }
    remove_finalizer(object, ORPHAN, ctx);
    Reconciled::did(format!(
        "orphaned {} dependent(s) of {} {}",
        deps.len(),
        key.kind.info().singular,
        key.display_name()
    ))
}

/// Foreground deletion: delete the dependents, and let the owner go once none is left.
fn delete_dependents_first(
    key: &ObjectRef,
    object: &Object,
    uid: &str,
    ctx: &mut Context,
) -> Reconciled {
    let deps = dependents(ctx.api, uid, key.namespace.as_deref());
    if deps.is_empty() {
        remove_finalizer(object, FOREGROUND_DELETION, ctx);
        return Reconciled::did(format!(
            "all dependents of {} {} are gone; removed its foregroundDeletion finalizer",
            key.kind.info().singular,
            key.display_name()
        ));
    }
    let mut started = 0;
    for dep in &deps {
        let deleting = ctx.api.get(dep).is_some_and(|d| d.meta().is_deleting());
        let options = DeleteOptions {
            grace_seconds: None,
            propagation: Propagation::Foreground,
        };
        if !deleting && ctx.api.delete_with(ctx.now, dep, options).is_ok() {
            started += 1;
        }
    }
    if started == 0 {
        return Reconciled::nothing();
    }
    Reconciled::did(format!(
        "deleting {started} dependent(s) of {} {} before it (foreground)",
        key.kind.info().singular,
        key.display_name()
    ))
}

fn remove_finalizer(object: &Object, finalizer: &str, ctx: &mut Context) {
    let mut updated = object.clone();
    if let Some(list) = updated.meta_mut().finalizers.as_mut() {
        list.retain(|f| f != finalizer);
    }
    updated.meta_mut().resource_version = None;
    let _ = ctx.api.update(updated);
}

/// Background deletion: a dependent whose owners are all gone is deleted.
fn collect_if_orphaned(key: &ObjectRef, object: &Object, ctx: &mut Context) -> Reconciled {
    let owners: Vec<OwnerReference> = object.meta().owner_references.clone().unwrap_or_default();
    if owners.is_empty() || object.meta().is_deleting() {
        return Reconciled::nothing();
    }
    let owner_exists = |owner: &OwnerReference| match owner_ref(owner, key.namespace.as_deref()) {
        Some(r) => ctx
            .api
            .get(&r)
            .is_some_and(|o| o.meta().uid.as_deref() == Some(owner.uid.as_str())),
        None => true,
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
