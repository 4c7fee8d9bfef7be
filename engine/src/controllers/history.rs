//! ControllerRevisions, as pkg/controller/history keeps them for the
//! DaemonSet and StatefulSet controllers (and kubectl's rollout history
//! reads them): each holds a patch that restores the pod template
//! (`{"spec":{"template":{..., "$patch":"replace"}}}`, upstream's getPatch)
//! and a revision number.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{json, Value};

use super::replicaset::controller_ref;
use crate::apiserver::{ApiError, ApiServer};
use crate::objects::{Kind, KindInfo, MetaExt, Object, ObjectRef, OtherObject};
use crate::time::SimTime;

/// apps.ControllerRevisionHashLabelKey (DefaultDaemonSetUniqueLabelKey).
pub const HASH_LABEL: &str = "controller-revision-hash";

/// ControllerRevision's API facts (a known kind nothing else acts on).
pub fn info() -> Option<&'static KindInfo> {
    crate::known_kinds::KNOWN
        .iter()
        .find(|k| k.info.kind == "ControllerRevision")
        .map(|k| &k.info)
}

/// A stored ControllerRevision.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub name: String,
    pub number: i64,
    pub data: Value,
    pub metadata: ObjectMeta,
}

impl Revision {
    /// The pod template the revision's patch restores.
    pub fn template(&self) -> Option<PodTemplateSpec> {
        template_of(&self.data)
    }

    pub fn label(&self, key: &str) -> Option<&String> {
        self.metadata.labels.as_ref()?.get(key)
    }
}

/// getPatch: the patch that replaces spec.template with this one.
pub fn template_patch(template: &PodTemplateSpec) -> Value {
    let mut data = serde_json::to_value(template).unwrap_or(Value::Null);
    if let Some(map) = data.as_object_mut() {
        map.insert("$patch".into(), json!("replace"));
    }
    json!({"spec": {"template": data}})
}

/// The template inside a getPatch patch.
pub fn template_of(data: &Value) -> Option<PodTemplateSpec> {
    let mut template = data.pointer("/spec/template")?.clone();
    if let Some(map) = template.as_object_mut() {
        map.remove("$patch");
    }
    serde_json::from_value(template).ok()
}

/// controlledHistories: the revisions a controller owns, by revision number.
pub fn owned_by(api: &ApiServer, namespace: Option<&str>, uid: &str) -> Vec<Revision> {
    let Some(info) = info() else {
        return Vec::new();
    };
    let mut list: Vec<Revision> = api
        .list(Kind::Other(info), namespace)
        .filter_map(|o| match o {
            Object::Other(other) => Some(other),
            _ => None,
        })
        .filter(|o| o.metadata.controller_owner().is_some_and(|r| r.uid == uid))
        .map(|o| Revision {
            name: o.metadata.name_str().to_string(),
            number: o.body.get("revision").and_then(Value::as_i64).unwrap_or(0),
            data: o.body.get("data").cloned().unwrap_or(Value::Null),
            metadata: o.metadata.clone(),
        })
        .collect();
    crate::sorting::sort_by(&mut list, |a, b| {
        a.number.cmp(&b.number).then(a.name.cmp(&b.name))
    });
    list
}

/// What a new ControllerRevision holds.
pub struct NewRevision<'a> {
    pub name: &'a str,
    pub labels: BTreeMap<String, String>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub data: Value,
    pub number: i64,
}

/// NewControllerRevision and its create.
pub fn create(
    api: &mut ApiServer,
    now: SimTime,
    owner: (Kind, &ObjectMeta),
    new: NewRevision,
) -> Result<(), ApiError> {
    let NewRevision {
        name,
        labels,
        annotations,
        data,
        number,
    } = new;
    let Some(info) = info() else {
        return Ok(());
    };
    let metadata = ObjectMeta {
        name: Some(name.to_string()),
        namespace: owner.1.namespace.clone(),
        labels: Some(labels),
        annotations: annotations.filter(|a| !a.is_empty()),
        owner_references: Some(vec![controller_ref(owner.0, owner.1)]),
        ..ObjectMeta::default()
    };
    let body = json!({
        "apiVersion": info.api_version,
        "kind": info.kind,
        "data": data,
        "revision": number,
    });
    let object = Object::Other(Box::new(OtherObject {
        info,
        metadata,
        body,
    }));
    api.create(now, object).map(|_| ())
}

/// Gives a stored revision a new number (a rollback makes an old one the newest).
pub fn set_number(api: &mut ApiServer, namespace: Option<&str>, name: &str, number: i64) -> bool {
    let Some(info) = info() else {
        return false;
    };
    let key = ObjectRef::new(Kind::Other(info), namespace, name);
    let Some(Object::Other(mut other)) = api.get(&key).cloned() else {
        return false;
    };
    if let Some(map) = other.body.as_object_mut() {
        map.insert("revision".into(), json!(number));
    }
    other.metadata.resource_version = None;
    api.update(Object::Other(other)).is_ok()
}

pub fn delete(api: &mut ApiServer, now: SimTime, namespace: Option<&str>, name: &str) -> bool {
    let Some(info) = info() else {
        return false;
    };
    let key = ObjectRef::new(Kind::Other(info), namespace, name);
    api.delete(now, &key, None).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patch_gives_back_its_template() {
        let template = PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(BTreeMap::from([("app".to_string(), "web".to_string())])),
                ..ObjectMeta::default()
            }),
            spec: None,
        };
        let patch = template_patch(&template);
        assert_eq!(
            patch.pointer("/spec/template/$patch"),
            Some(&json!("replace"))
        );
        assert_eq!(template_of(&patch), Some(template));
    }
}
