//! The first stage of admission: a manifest document becomes a typed object.
//! Decoding is strict, as `kubectl apply` asks by default: an unknown field or a
//! value of the wrong type is refused, naming the field.

use serde_json::Value;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::errors::{ApiError, StatusReason};
use crate::known_kinds;
use crate::objects::{Kind, Object, OtherObject};

/// Why a document could not be decoded, before the API server sees it
/// (kubectl's own checks) or by the API server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// kubectl refuses before sending: `error validating data: kind not set`.
    ClientValidation(String),
    /// kubectl finds no such kind: `no matches for kind "X" in version "Y"`.
    NoKindMatch {
        kind: String,
        api_version: String,
        name: String,
        namespace: String,
    },
    /// The API server refuses the body (strict decoding, wrong types).
    Api(ApiError),
}

/// Reads `apiVersion` and `kind` and decodes the document into that kind, strictly.
pub fn decode(value: &Value) -> Result<Object, DecodeError> {
    let Some(map) = value.as_object() else {
        return Err(DecodeError::ClientValidation(
            "error validating data: invalid object to validate".to_string(),
        ));
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind_name = map.get("kind").and_then(Value::as_str).unwrap_or("");
    let missing: Vec<&str> = [("apiVersion", api_version), ("kind", kind_name)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(field, _)| match *field {
            "apiVersion" => "apiVersion not set",
            _ => "kind not set",
        })
        .collect();
    if !missing.is_empty() {
        let listed = if missing.len() == 1 {
            missing[0].to_string()
        } else {
            format!("[{}]", missing.join(", "))
        };
        return Err(DecodeError::ClientValidation(format!(
            "error validating data: {listed}"
        )));
    }
    let Some(kind) = Kind::from_manifest(api_version, kind_name) else {
        let meta = map.get("metadata");
        let field = |f: &str| {
            meta.and_then(|m| m.get(f))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        return Err(DecodeError::NoKindMatch {
            kind: kind_name.to_string(),
            api_version: api_version.to_string(),
            name: field("name"),
            namespace: field("namespace"),
        });
    };
    decode_as(kind, value).map_err(DecodeError::Api)
}

/// `Deployment in version "v1" cannot be handled as a Deployment: ...`
fn cannot_handle(kind: Kind, detail: &str) -> String {
    let info = kind.info();
    let version = info
        .api_version
        .rsplit('/')
        .next()
        .unwrap_or(info.api_version);
    format!(
        "{} in version \"{version}\" cannot be handled as a {}: {detail}",
        info.kind, info.kind
    )
}

/// Decodes `value` as `kind`, refusing unknown fields and wrong types.
pub fn decode_as(kind: Kind, value: &Value) -> Result<Object, ApiError> {
    let wrong_type = |(path, message): (String, String)| {
        ApiError::new(
            StatusReason::BadRequest,
            cannot_handle(kind, &format!("json: {message} for field \"{path}\"")),
        )
        .at_field(path)
    };
    let (object, round_trip) = match kind {
        Kind::Other(info) => {
            let known = known_kinds::find(info).ok_or_else(|| {
                ApiError::new(
                    StatusReason::BadRequest,
                    format!("no decoder for {}", info.kind),
                )
            })?;
            let body = (known.round_trip)(value.clone()).map_err(wrong_type)?;
            let metadata: ObjectMeta = match body.get("metadata") {
                Some(m) => serde_json::from_value(m.clone())
                    .map_err(|e| wrong_type(("metadata".into(), e.to_string())))?,
                None => ObjectMeta::default(),
            };
            let object = Object::Other(Box::new(OtherObject {
                info,
                metadata,
                body: body.clone(),
            }));
            (object, body)
        }
        _ => {
            let object = typed_decode(kind, value.clone()).map_err(wrong_type)?;
            let round_trip = serde_json::to_value(&object).unwrap_or(Value::Null);
            (object, round_trip)
        }
    };
    let mut unknown = Vec::new();
    find_unknown_fields(value, &round_trip, "", &mut unknown);
    if !unknown.is_empty() {
        let listed: Vec<String> = unknown
            .iter()
            .map(|f| format!("unknown field \"{f}\""))
            .collect();
        return Err(ApiError::new(
            StatusReason::BadRequest,
            cannot_handle(
                kind,
                &format!("strict decoding error: {}", listed.join(", ")),
            ),
        )
        .at_field(unknown[0].clone()));
    }
    Ok(object)
}

fn typed_decode(kind: Kind, value: Value) -> Result<Object, (String, String)> {
    // Decode through serde_path_to_error to learn which field had the wrong type.
    macro_rules! via_path {
        ($ty:ty) => {{
            let result: Result<$ty, _> = serde_path_to_error::deserialize(value);
            result
                .map(Object::from)
                .map_err(|err| (err.path().to_string(), err.inner().to_string()))
        }};
    }
    use k8s_openapi::api::apps::v1 as apps;
    use k8s_openapi::api::core::v1 as core;
    match kind {
        Kind::Namespace => via_path!(core::Namespace),
        Kind::Node => via_path!(core::Node),
        Kind::Pod => via_path!(core::Pod),
        Kind::Event => via_path!(core::Event),
        Kind::ReplicaSet => via_path!(apps::ReplicaSet),
        Kind::Deployment => via_path!(apps::Deployment),
        Kind::DaemonSet => via_path!(apps::DaemonSet),
        Kind::Job => via_path!(k8s_openapi::api::batch::v1::Job),
        Kind::CronJob => via_path!(k8s_openapi::api::batch::v1::CronJob),
        Kind::StatefulSet => via_path!(apps::StatefulSet),
        Kind::PersistentVolumeClaim => via_path!(core::PersistentVolumeClaim),
        Kind::PersistentVolume => via_path!(core::PersistentVolume),
        Kind::StorageClass => via_path!(k8s_openapi::api::storage::v1::StorageClass),
        Kind::Lease => via_path!(k8s_openapi::api::coordination::v1::Lease),
        Kind::ServiceAccount => via_path!(core::ServiceAccount),
        Kind::Role => via_path!(k8s_openapi::api::rbac::v1::Role),
        Kind::ClusterRole => via_path!(k8s_openapi::api::rbac::v1::ClusterRole),
        Kind::RoleBinding => via_path!(k8s_openapi::api::rbac::v1::RoleBinding),
        Kind::ClusterRoleBinding => via_path!(k8s_openapi::api::rbac::v1::ClusterRoleBinding),
        Kind::Other(info) => Err((
            String::new(),
            format!("{} is decoded through known_kinds", info.kind),
        )),
    }
}

/// Every field present in `original` but gone after decoding and encoding
/// again: the typed object has no place for it, so it is unknown.
fn find_unknown_fields(original: &Value, decoded: &Value, path: &str, out: &mut Vec<String>) {
    match (original, decoded) {
        (Value::Object(orig), Value::Object(dec)) => {
            for (key, value) in orig {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match dec.get(key) {
                    Some(inner) => find_unknown_fields(value, inner, &child, out),
                    None if value.is_null() => {}
                    None => out.push(child),
                }
            }
        }
        (Value::Array(orig), Value::Array(dec)) => {
            for (i, (o, d)) in orig.iter().zip(dec).enumerate() {
                find_unknown_fields(o, d, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec})
    }

    #[test]
    fn unknown_fields_are_named_by_path() {
        let value = deployment(json!({
            "replcas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "web", "image": "nginx", "imagee": "x"}]}}
        }));
        let DecodeError::Api(err) = decode(&value).unwrap_err() else {
            panic!("expected an API error")
        };
        assert_eq!(err.reason, StatusReason::BadRequest);
        assert_eq!(
            err.message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: \
             unknown field \"spec.replcas\", unknown field \"spec.template.spec.containers[0].imagee\""
        );
        assert_eq!(err.field.as_deref(), Some("spec.replcas"));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let value = deployment(json!({"replicas": "three", "selector": {}, "template": {}}));
        let DecodeError::Api(err) = decode(&value).unwrap_err() else {
            panic!("expected an API error")
        };
        assert_eq!(err.field.as_deref(), Some("spec.replicas"));
        assert!(err.message.contains("spec.replicas"), "{}", err.message);
    }

    #[test]
    fn unknown_kinds_are_worded_like_kubectl() {
        let value =
            json!({"apiVersion": "apps/v1", "kind": "Deploymnet", "metadata": {"name": "web"}});
        assert_eq!(
            decode(&value).unwrap_err(),
            DecodeError::NoKindMatch {
                kind: "Deploymnet".into(),
                api_version: "apps/v1".into(),
                name: "web".into(),
                namespace: String::new()
            }
        );
        let value = json!({"metadata": {"name": "web"}});
        assert_eq!(
            decode(&value).unwrap_err(),
            DecodeError::ClientValidation(
                "error validating data: [apiVersion not set, kind not set]".into()
            )
        );
    }

    #[test]
    fn labels_and_nulls_are_not_unknown() {
        let value = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "labels": {"any-key": "v"}, "annotations": null},
            "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}]}});
        assert!(decode(&value).is_ok());
    }
}
