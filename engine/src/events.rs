//! Event objects, recorded by every component as the real ones record them:
//! reason, message, count, source and involved object. Repeats of the same
//! event raise its count instead of making a new object, like client-go's
//! EventCorrelator.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};

use crate::apiserver::{new_meta, ApiServer};
use crate::objects::{Object, ObjectRef};
use crate::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

/// Who records an event: the component and, for kubelets, the node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    pub component: &'static str,
    pub host: Option<String>,
}

impl Source {
    pub fn component(component: &'static str) -> Self {
        Source {
            component,
            host: None,
        }
    }

    pub fn kubelet(node: &str) -> Self {
        Source {
            component: "kubelet",
            host: Some(node.to_string()),
        }
    }
}

#[derive(Default)]
pub struct EventRecorder {
    /// `dedup_key` of each event recorded → name of its Event object.
    seen: HashMap<String, String>,
}

/// What makes two events the same: the involved object's uid, the reason,
/// the message and the component, in one string (each of the first three
/// behind its length, so no two tuples give the same key).
fn dedup_key(uid: &str, reason: &str, message: &str, component: &str) -> String {
    let mut key = String::with_capacity(uid.len() + reason.len() + message.len() + 32);
    for part in [uid, reason, message] {
        key.push_str(&part.len().to_string());
        key.push(':');
        key.push_str(part);
    }
    key.push_str(component);
    key
}

impl EventRecorder {
    pub fn record(
        &mut self,
        api: &mut ApiServer,
        now: SimTime,
        source: &Source,
        involved: &Object,
        event_type: EventType,
        reason: &str,
        message: &str,
    ) {
        let meta = involved.meta();
        let namespace = meta.namespace.as_deref().unwrap_or("default");
        let uid = meta.uid.as_deref().unwrap_or_default();
        let dedup_key = dedup_key(uid, reason, message, source.component);
        if let Some(name) = self.seen.get(&dedup_key) {
            if let Some(Object::Event(existing)) = api.get(&ObjectRef::new(
                crate::objects::Kind::Event,
                Some(namespace),
                name,
            )) {
                let mut event = existing.clone();
                event.count = Some(event.count.unwrap_or(1) + 1);
                event.last_timestamp = Some(now.to_k8s());
                event.metadata.resource_version = None;
                let _ = api.update(Object::Event(event));
                return;
            }
        }
        let object_ref = ObjectRef::of(involved);
        let info = object_ref.kind.info();
        // client-go names events "<object>.<hex unix nanos>".
        // Events recorded in the same virtual instant get the next nanosecond,
        // as they would on a real clock.
        let mut nanos = now.to_k8s().0.as_nanosecond() as u128;
        let mut name = format!("{}.{nanos:x}", object_ref.name);
        while api
            .get(&ObjectRef::new(
                crate::objects::Kind::Event,
                Some(namespace),
                &name,
            ))
            .is_some()
        {
            nanos += 1;
            name = format!("{}.{nanos:x}", object_ref.name);
        }
        let event = Event {
            metadata: new_meta(namespace, Some(&name), None),
            involved_object: ObjectReference {
                api_version: Some(info.api_version.to_string()),
                kind: Some(info.kind.to_string()),
                name: meta.name.clone(),
                namespace: meta.namespace.clone(),
                uid: meta.uid.clone(),
                resource_version: meta.resource_version.clone(),
                ..ObjectReference::default()
            },
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            type_: Some(match event_type {
                EventType::Normal => "Normal".to_string(),
                EventType::Warning => "Warning".to_string(),
            }),
            count: Some(1),
            first_timestamp: Some(now.to_k8s()),
            last_timestamp: Some(now.to_k8s()),
            source: Some(EventSource {
                component: Some(source.component.to_string()),
                host: source.host.clone(),
            }),
            reporting_component: Some(source.component.to_string()),
            reporting_instance: Some(
                source
                    .host
                    .clone()
                    .unwrap_or_else(|| source.component.to_string()),
            ),
            ..Event::default()
        };
        if api.create(now, Object::Event(event)).is_ok() {
            self.seen.insert(dedup_key, name);
        }
    }
}
