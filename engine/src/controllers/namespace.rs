//! The namespace controller (pkg/controller/namespace): a deleted namespace
//! stays Terminating while everything in it is deleted, then its
//! `kubernetes` finalizer is removed and the API server lets it go.

use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::store::{WatchEvent, WatchEventType};
use crate::time::SimDuration;

pub const NAME: &str = "namespace-controller";
const FINALIZER: &str = "kubernetes";

pub struct NamespaceController;

fn terminating(api: &ApiServer, namespace: &str) -> bool {
    api.get_typed::<k8s_openapi::api::core::v1::Namespace>(None, namespace)
        .is_some_and(|ns| ns.metadata.is_deleting())
}

impl Controller for NamespaceController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef> {
        match (&*event.object, event.event_type) {
            (Object::Namespace(ns), WatchEventType::Modified) if ns.metadata.is_deleting() => {
                vec![event.object_ref.clone()]
            }
            // Something left a terminating namespace: maybe it is empty now.
            (object, WatchEventType::Deleted) => match object.meta().namespace.as_deref() {
                Some(ns) if terminating(api, ns) => vec![ObjectRef::new(Kind::Namespace, None, ns)],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::Namespace(ns)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        if !ns.metadata.is_deleting() {
            return Reconciled::nothing();
        }
        let name = key.name.clone();
        let remaining: Vec<ObjectRef> = Kind::every()
            .filter(|k| k.info().namespaced && *k != Kind::Event)
            .flat_map(|k| {
                ctx.api
                    .list(k, Some(&name))
                    .map(ObjectRef::of)
                    .collect::<Vec<_>>()
            })
            .collect();
        if remaining.is_empty() {
            // Events go last, without waiting for anyone.
            let events: Vec<ObjectRef> = ctx
                .api
                .list(Kind::Event, Some(&name))
                .map(ObjectRef::of)
                .collect();
            for event in events {
                let _ = ctx.api.delete(ctx.now, &event, None);
            }
            let mut finished = ns.clone();
            if let Some(spec) = finished.spec.as_mut() {
                if let Some(finalizers) = spec.finalizers.as_mut() {
                    finalizers.retain(|f| f != FINALIZER);
                }
            }
            finished.metadata.resource_version = None;
            let _ = ctx.api.update(Object::Namespace(finished));
            return Reconciled::did(format!(
                "namespace {name} is empty; removed its finalizer so it can go"
            ));
        }
        let mut deleted = 0;
        for object_ref in &remaining {
            let already = ctx
                .api
                .get(object_ref)
                .is_some_and(|o| o.meta().is_deleting());
            if !already && ctx.api.delete(ctx.now, object_ref, None).is_ok() {
                deleted += 1;
            }
        }
        let result = if deleted > 0 {
            Reconciled::did(format!(
                "deleting {deleted} object(s) in terminating namespace {name}"
            ))
        } else {
            Reconciled::nothing()
        };
        // Pods take their grace period to go; look again in a while.
        result.requeue(SimDuration::from_secs(5))
    }
}
