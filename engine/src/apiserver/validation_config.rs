//! Validation of ConfigMaps and Secrets, worded as the API server words it
//! (pkg/apis/core/validation: ValidateConfigMap, ValidateSecret and their
//! updates; apimachinery's IsConfigMapKey).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use super::errors::FieldError;

/// core.MaxSecretSize, the bound on a ConfigMap's or Secret's data.
const MAX_DATA_BYTES: usize = 1024 * 1024;
const CONFIG_KEY_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const IMMUTABLE_MSG: &str = "field is immutable when `immutable` is set";

/// IsConfigMapKey: the messages for a key that cannot name a file.
pub(crate) fn config_key_errors(key: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if key.len() > 253 {
        errors.push("must be no more than 253 characters".to_string());
    }
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
    {
        errors.push(CONFIG_KEY_MSG.to_string());
    }
    errors.extend(chdir_prefix_error(key).map(str::to_string));
    errors
}

/// hasChDirPrefix: a key that would climb out of its directory.
pub(crate) fn chdir_prefix_error(key: &str) -> Option<&'static str> {
    if key == "." {
        Some("must not be '.'")
    } else if key == ".." {
        Some("must not be '..'")
    } else if key.starts_with("..") {
        Some("must not start with '..'")
    } else {
        None
    }
}

fn check_keys<'a>(
    field: &str,
    keys: impl Iterator<Item = &'a String>,
    errors: &mut Vec<FieldError>,
) {
    for key in keys {
        for msg in config_key_errors(key) {
            errors.push(FieldError::invalid(
                format!("{field}[{key}]"),
                format!("{key:?}"),
                &msg,
            ));
        }
    }
}

pub(super) fn validate_config_map(cm: &ConfigMap, errors: &mut Vec<FieldError>) {
    let data = cm.data.clone().unwrap_or_default();
    let binary = cm.binary_data.clone().unwrap_or_default();
    check_keys("data", data.keys(), errors);
    for key in data.keys().filter(|k| binary.contains_key(*k)) {
        errors.push(FieldError::invalid(
            format!("data[{key}]"),
            format!("{key:?}"),
            "duplicate of key present in binaryData",
        ));
    }
    check_keys("binaryData", binary.keys(), errors);
    let size: usize = data.values().map(String::len).sum::<usize>()
        + binary.values().map(|b| b.0.len()).sum::<usize>();
    if size > MAX_DATA_BYTES {
        errors.push(FieldError {
            field: String::new(),
            detail: format!("Too long: may not be more than {MAX_DATA_BYTES} bytes"),
        });
    }
}

pub(super) fn validate_secret(secret: &Secret, errors: &mut Vec<FieldError>) {
    let data = secret.data.clone().unwrap_or_default();
    check_keys("data", data.keys(), errors);
    let size: usize = data.values().map(|b| b.0.len()).sum();
    if size > MAX_DATA_BYTES {
        errors.push(FieldError {
            field: "data".into(),
            detail: format!("Too long: may not be more than {MAX_DATA_BYTES} bytes"),
        });
    }
    let required = |key: &str, errors: &mut Vec<FieldError>| {
        errors.push(FieldError::required(format!("data[{key}]"), ""));
    };
    let has = |key: &str| data.contains_key(key);
    match secret.type_.as_deref().unwrap_or("Opaque") {
        "kubernetes.io/service-account-token" => {
            let named = secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .is_some_and(|n| !n.is_empty());
            if !named {
                errors.push(FieldError::required(
                    "metadata.annotations[kubernetes.io/service-account.name]",
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" if !has(".dockercfg") => required(".dockercfg", errors),
        "kubernetes.io/dockerconfigjson" if !has(".dockerconfigjson") => {
            required(".dockerconfigjson", errors)
        }
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            required("username", errors);
            required("password", errors);
        }
        "kubernetes.io/ssh-auth" if data.get("ssh-privatekey").is_none_or(|v| v.0.is_empty()) => {
            required("ssh-privatekey", errors)
        }
        "kubernetes.io/tls" => {
            for key in ["tls.crt", "tls.key"] {
                if !has(key) {
                    required(key, errors);
                }
            }
        }
        _ => {}
    }
}

/// ValidateConfigMapUpdate: an immutable ConfigMap keeps its data for good.
pub(super) fn validate_config_map_update(
    old: &ConfigMap,
    new: &ConfigMap,
    errors: &mut Vec<FieldError>,
) {
    if old.immutable != Some(true) {
        return;
    }
    if new.immutable != Some(true) {
        errors.push(FieldError::forbidden("immutable", IMMUTABLE_MSG));
    }
    if non_empty(&old.data) != non_empty(&new.data) {
        errors.push(FieldError::forbidden("data", IMMUTABLE_MSG));
    }
    if non_empty(&old.binary_data) != non_empty(&new.binary_data) {
        errors.push(FieldError::forbidden("binaryData", IMMUTABLE_MSG));
    }
}

/// ValidateSecretUpdate: the type never changes; an immutable Secret keeps its data.
pub(super) fn validate_secret_update(old: &Secret, new: &Secret, errors: &mut Vec<FieldError>) {
    let (old_type, new_type) = (
        old.type_.as_deref().unwrap_or("Opaque"),
        new.type_.as_deref().unwrap_or("Opaque"),
    );
    if old_type != new_type {
        errors.push(FieldError::invalid(
            "type",
            format!("{new_type:?}"),
            "field is immutable",
        ));
    }
    if old.immutable != Some(true) {
        return;
    }
    if new.immutable != Some(true) {
        errors.push(FieldError::forbidden("immutable", IMMUTABLE_MSG));
    }
    if non_empty(&old.data) != non_empty(&new.data) {
        errors.push(FieldError::forbidden("data", IMMUTABLE_MSG));
    }
}

/// An absent map and an empty one are the same data.
fn non_empty<V: PartialEq>(map: &Option<BTreeMap<String, V>>) -> Option<&BTreeMap<String, V>> {
    map.as_ref().filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_must_name_files() {
        assert!(config_key_errors("game.properties").is_empty());
        assert!(config_key_errors("SPECIAL_LEVEL").is_empty());
        assert_eq!(config_key_errors("a/b"), vec![CONFIG_KEY_MSG.to_string()]);
        assert_eq!(
            config_key_errors(".."),
            vec!["must not be '..'".to_string()]
        );
        assert_eq!(
            config_key_errors("..data"),
            vec!["must not start with '..'".to_string()]
        );
    }

    #[test]
    fn typed_secrets_need_their_keys() {
        let mut secret = Secret {
            type_: Some("kubernetes.io/tls".into()),
            ..Secret::default()
        };
        let mut errors = Vec::new();
        validate_secret(&secret, &mut errors);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["data[tls.crt]", "data[tls.key]"]);
        secret.type_ = Some("Opaque".into());
        errors.clear();
        validate_secret(&secret, &mut errors);
        assert!(errors.is_empty());
    }

    #[test]
    fn immutable_config_maps_keep_their_data() {
        let old = ConfigMap {
            immutable: Some(true),
            data: Some([("a".to_string(), "1".to_string())].into()),
            ..ConfigMap::default()
        };
        let mut new = old.clone();
        new.data = Some([("a".to_string(), "2".to_string())].into());
        let mut errors = Vec::new();
        validate_config_map_update(&old, &new, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "data");
    }
}
