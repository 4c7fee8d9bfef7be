//! The first stage of admission: a manifest document becomes a typed object.
//! Decoding is strict, as `kubectl apply` asks by default: an unknown field or a
//! value of the wrong type is refused, naming the field.

use serde_json::Value;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::errors::{ApiError, StatusReason};
use super::schema;
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

/// Decodes `value` as `kind` as the API server does: a value of the wrong type
/// refuses the body (Go's message), then every unknown field does (strict
/// decoding); both are checked against the kind's OpenAPI schema.
pub fn decode_as(kind: Kind, value: &Value) -> Result<Object, ApiError> {
    let refuse =
        |detail: String| ApiError::new(StatusReason::BadRequest, cannot_handle(kind, &detail));
    let info = kind.info();
    let schema = schema::schema();
    let definition = schema
        .kind(info.api_version, info.kind)
        .ok_or_else(|| refuse(format!("no schema for {}", info.kind)))?;
    let checked = schema.check(definition, value);
    if let Some(error) = checked.type_error {
        return Err(refuse(error.message).at_field(error.path));
    }
    if let Some(first) = checked.unknown.first() {
        let listed: Vec<String> = checked
            .unknown
            .iter()
            .map(|f| format!("unknown field \"{f}\""))
            .collect();
        return Err(
            refuse(format!("strict decoding error: {}", listed.join(", "))).at_field(first.clone()),
        );
    }
    let body = checked.value;
    // What the schema lets through but a typed field cannot hold (a malformed
    // timestamp) is refused in serde's words.
    let mut object = typed_decode(kind, body).map_err(|e| refuse(e.to_string()))?;
    if let Object::Secret(secret) = &mut object {
        merge_string_data(secret);
    }
    Ok(object)
}

/// `stringData` is write-only: decoding merges it into `data`, its values
/// winning (Convert_v1_Secret_To_core_Secret, pkg/apis/core/v1/conversion.go).
fn merge_string_data(secret: &mut k8s_openapi::api::core::v1::Secret) {
    let Some(strings) = secret.string_data.take() else {
        return;
    };
    let data = secret.data.get_or_insert_with(Default::default);
    for (key, value) in strings {
        data.insert(key, k8s_openapi::ByteString(value.into_bytes()));
    }
}

fn typed_decode(kind: Kind, value: Value) -> Result<Object, serde_json::Error> {
    use k8s_openapi::api::apps::v1 as apps;
    use k8s_openapi::api::core::v1 as core;
    use serde_json::from_value;
    Ok(match kind {
        Kind::Namespace => from_value::<core::Namespace>(value)?.into(),
        Kind::Node => from_value::<core::Node>(value)?.into(),
        Kind::Pod => from_value::<core::Pod>(value)?.into(),
        Kind::Event => from_value::<core::Event>(value)?.into(),
        Kind::ReplicaSet => from_value::<apps::ReplicaSet>(value)?.into(),
        Kind::Deployment => from_value::<apps::Deployment>(value)?.into(),
        Kind::DaemonSet => from_value::<apps::DaemonSet>(value)?.into(),
        Kind::Job => from_value::<k8s_openapi::api::batch::v1::Job>(value)?.into(),
        Kind::CronJob => from_value::<k8s_openapi::api::batch::v1::CronJob>(value)?.into(),
        Kind::StatefulSet => from_value::<apps::StatefulSet>(value)?.into(),
        Kind::PersistentVolumeClaim => from_value::<core::PersistentVolumeClaim>(value)?.into(),
        Kind::PersistentVolume => from_value::<core::PersistentVolume>(value)?.into(),
        Kind::StorageClass => {
            from_value::<k8s_openapi::api::storage::v1::StorageClass>(value)?.into()
        }
        Kind::Lease => from_value::<k8s_openapi::api::coordination::v1::Lease>(value)?.into(),
        Kind::ServiceAccount => from_value::<core::ServiceAccount>(value)?.into(),
        Kind::Role => from_value::<k8s_openapi::api::rbac::v1::Role>(value)?.into(),
        Kind::ClusterRole => from_value::<k8s_openapi::api::rbac::v1::ClusterRole>(value)?.into(),
        Kind::RoleBinding => from_value::<k8s_openapi::api::rbac::v1::RoleBinding>(value)?.into(),
        Kind::ClusterRoleBinding => {
            from_value::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>(value)?.into()
        }
        Kind::ConfigMap => from_value::<core::ConfigMap>(value)?.into(),
        Kind::Secret => from_value::<core::Secret>(value)?.into(),
        Kind::Service => from_value::<core::Service>(value)?.into(),
        Kind::Endpoints => from_value::<core::Endpoints>(value)?.into(),
        Kind::EndpointSlice => {
            from_value::<k8s_openapi::api::discovery::v1::EndpointSlice>(value)?.into()
        }
        // Kinds nothing simulates yet stay JSON, with typed metadata.
        Kind::Other(info) => {
            let metadata: ObjectMeta = match value.get("metadata") {
                Some(m) => from_value(m.clone())?,
                None => ObjectMeta::default(),
            };
            Object::Other(Box::new(OtherObject {
                info,
                metadata,
                body: value,
            }))
        }
    })
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
        assert_eq!(
            err.message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal \
             string into Go struct field DeploymentSpec.spec.replicas of type int32"
        );
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
