//! `kubectl apply -f`: each document of a manifest is decoded strictly,
//! then created or, when it exists, updated, with the
//! last-applied-configuration annotation kubectl keeps.

use std::collections::BTreeMap;

use crate::apiserver::auth::{Attributes, UserInfo};
use crate::apiserver::decode::{decode, DecodeError};
use crate::apiserver::defaults::apply_defaults;
use crate::apiserver::{ApiError, ApiServer};
use crate::manifest::{parse_documents, Document, ManifestError};
use crate::objects::{MetaExt, Object, ObjectRef};
use crate::time::SimTime;

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What applying one document did: `deployment.apps/web created`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub object_ref: ObjectRef,
    pub line: String,
    /// Printed on stderr as `Warning: ...`, as kubectl prints the API server's warnings.
    pub warning: Option<String>,
}

/// Applies every document of `text`. Documents before a failing one stay
/// applied, as with kubectl; the first failure is returned with its position.
pub fn apply(
    api: &mut ApiServer,
    user: &UserInfo,
    now: SimTime,
    source: &str,
    text: &str,
) -> (Vec<Applied>, Vec<ManifestError>) {
    let documents = match parse_documents(source, text) {
        Ok(docs) => docs,
        Err(err) => return (Vec::new(), vec![err]),
    };
    if documents.is_empty() {
        return (
            Vec::new(),
            vec![ManifestError {
                source: source.into(),
                line: None,
                column: None,
                message: "error: no objects passed to apply".into(),
            }],
        );
    }
    let mut applied = Vec::new();
    let mut errors = Vec::new();
    for document in &documents {
        match apply_document(api, user, now, source, document) {
            Ok(a) => applied.push(a),
            Err(e) => errors.push(e),
        }
    }
    (applied, errors)
}

fn positioned(
    source: &str,
    document: &Document,
    field: Option<&str>,
    message: String,
) -> ManifestError {
    let (line, column) = match field {
        Some(f) => document.positions.nearest(f),
        None => document.positions.nearest(""),
    };
    ManifestError {
        source: source.to_string(),
        line: Some(line),
        column: Some(column),
        message,
    }
}

fn apply_document(
    api: &mut ApiServer,
    user: &UserInfo,
    now: SimTime,
    source: &str,
    document: &Document,
) -> Result<Applied, ManifestError> {
    let mut object = decode(&document.value).map_err(|err| match err {
        DecodeError::ClientValidation(detail) => positioned(
            source,
            document,
            None,
            format!("error: error validating \"{source}\": {detail}; if you choose to ignore these errors, turn validation off with --validate=false"),
        ),
        DecodeError::NoKindMatch { kind, api_version, name, namespace } => positioned(
            source,
            document,
            Some("kind"),
            format!(
                "error: resource mapping not found for name: \"{name}\" namespace: \"{namespace}\" from \"{source}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first"
            ),
        ),
        DecodeError::Api(api_err) => positioned(source, document, api_err.field.as_deref(), api_err.kubectl_apply_message("creating", source)),
    })?;
    let info = object.kind().info();
    let warning = (!object.kind().is_simulated()).then(|| {
        format!(
            "kubeplay stores {} objects but does not simulate them yet: nothing will act on {}",
            info.kind,
            object.meta().name_str()
        )
    });
    if info.namespaced && object.meta().namespace.as_deref().is_none_or(str::is_empty) {
        object.meta_mut().namespace = Some("default".to_string());
    }
    // kubectl records what was applied, for the next apply's three-way merge.
    let mut last_applied = document.value.clone();
    if let Some(annotations) = last_applied
        .pointer_mut("/metadata/annotations")
        .and_then(|a| a.as_object_mut())
    {
        annotations.remove(LAST_APPLIED);
        if annotations.is_empty() {
            if let Some(meta) = last_applied
                .pointer_mut("/metadata")
                .and_then(|m| m.as_object_mut())
            {
                meta.remove("annotations");
            }
        }
    }
    let last_applied_text = format!(
        "{}\n",
        serde_json::to_string(&last_applied).unwrap_or_default()
    );
    object
        .meta_mut()
        .annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(LAST_APPLIED.to_string(), last_applied_text);

    let object_ref = ObjectRef::of(&object);
    let display = format!("{}/{}", info.qualified_singular(), object_ref.name);
    let api_error = |verb: &str, err: ApiError| {
        positioned(
            source,
            document,
            err.field.as_deref(),
            err.kubectl_apply_message(verb, source),
        )
    };
    // kubectl reads the live object first, then creates or patches it.
    let attrs = |verb: &str, name: Option<&str>| {
        Attributes::new(
            verb,
            info.group,
            info.plural,
            object_ref.namespace.as_deref(),
            name,
        )
    };
    if let Err(denied) = api.authorize(user, &attrs("get", Some(&object_ref.name))) {
        let version = info
            .api_version
            .rsplit('/')
            .next()
            .unwrap_or(info.api_version);
        let message = format!(
            "Error from server (Forbidden): error when retrieving current configuration of:\nResource: \"{}/{version}, Resource={}\", GroupVersionKind: \"{}/{version}, Kind={}\"\nName: \"{}\", Namespace: \"{}\"\nfrom server for: \"{source}\": {}",
            info.group,
            info.plural,
            info.group,
            info.kind,
            object_ref.name,
            object_ref.namespace.as_deref().unwrap_or(""),
            denied.message
        );
        return Err(positioned(source, document, None, message));
    }
    match api.get(&object_ref).cloned() {
        None => {
            api.authorize(user, &attrs("create", None))
                .map_err(|e| api_error("creating", e))?;
            if object.meta().name.as_deref().is_none_or(str::is_empty) {
                return Err(positioned(
                    source,
                    document,
                    Some("metadata"),
                    "error: resource name may not be empty".to_string(),
                ));
            }
            api.create(now, object)
                .map_err(|e| api_error("creating", e))?;
            Ok(Applied {
                object_ref,
                line: format!("{display} created"),
                warning,
            })
        }
        Some(existing) => {
            let merged = merge_applied(&existing, object);
            let mut defaulted = merged.clone();
            apply_defaults(&mut defaulted);
            if defaulted == existing {
                return Ok(Applied {
                    object_ref,
                    line: format!("{display} unchanged"),
                    warning: None,
                });
            }
            api.authorize(user, &attrs("patch", Some(&object_ref.name)))
                .map_err(|e| api_error("applying patch to", e))?;
            api.update(merged)
                .map_err(|e| api_error("applying patch to", e))?;
            Ok(Applied {
                object_ref,
                line: format!("{display} configured"),
                warning,
            })
        }
    }
}

/// The applied object's labels, annotations and spec over the stored object,
/// which keeps what the server owns (uid, timestamps, status, generation).
fn merge_applied(existing: &Object, applied: Object) -> Object {
    let mut merged = applied;
    let old = existing.meta().clone();
    {
        let meta = merged.meta_mut();
        meta.uid = old.uid.clone();
        meta.creation_timestamp = old.creation_timestamp.clone();
        meta.generation = old.generation;
        meta.resource_version = old.resource_version.clone();
        meta.owner_references = meta
            .owner_references
            .clone()
            .or(old.owner_references.clone());
        meta.finalizers = meta.finalizers.clone().or(old.finalizers.clone());
        meta.deletion_timestamp = old.deletion_timestamp.clone();
        // Annotations others wrote (like the Deployment's revision) survive.
        let mut annotations = old.annotations.clone().unwrap_or_default();
        annotations.extend(meta.annotations.clone().unwrap_or_default());
        meta.annotations = Some(annotations);
    }
    match (&mut merged, existing) {
        (Object::Pod(new), Object::Pod(old)) => {
            new.status = old.status.clone();
            // nodeName is set by the scheduler, not the manifest.
            if let (Some(spec), Some(old_spec)) = (new.spec.as_mut(), old.spec.as_ref()) {
                if spec.node_name.is_none() {
                    spec.node_name = old_spec.node_name.clone();
                }
                spec.tolerations = spec.tolerations.clone().or(old_spec.tolerations.clone());
                spec.priority = spec.priority.or(old_spec.priority);
            }
        }
        (Object::Deployment(new), Object::Deployment(old)) => new.status = old.status.clone(),
        (Object::ReplicaSet(new), Object::ReplicaSet(old)) => new.status = old.status.clone(),
        (Object::Node(new), Object::Node(old)) => new.status = old.status.clone(),
        (Object::StatefulSet(new), Object::StatefulSet(old)) => new.status = old.status.clone(),
        (Object::PersistentVolumeClaim(new), Object::PersistentVolumeClaim(old)) => {
            new.status = old.status.clone();
            // The PV controller binds the claim, and admission gave it its class.
            if let (Some(spec), Some(old_spec)) = (new.spec.as_mut(), old.spec.as_ref()) {
                if spec.volume_name.is_none() {
                    spec.volume_name = old_spec.volume_name.clone();
                }
                if spec.storage_class_name.is_none() {
                    spec.storage_class_name = old_spec.storage_class_name.clone();
                }
            }
        }
        (Object::PersistentVolume(new), Object::PersistentVolume(old)) => {
            new.status = old.status.clone();
            if let (Some(spec), Some(old_spec)) = (new.spec.as_mut(), old.spec.as_ref()) {
                if spec.claim_ref.is_none() {
                    spec.claim_ref = old_spec.claim_ref.clone();
                }
            }
        }
        (Object::Service(new), Object::Service(old)) => {
            new.status = old.status.clone();
            // The cluster IP and node ports the API server allocated stay.
            crate::apiserver::service_alloc::keep_allocated(old, new);
        }
        (Object::Namespace(new), Object::Namespace(old)) => {
            new.status = old.status.clone();
            new.spec = new.spec.clone().or(old.spec.clone());
        }
        _ => {}
    }
    let _ = merged.meta().name_str();
    merged
}
