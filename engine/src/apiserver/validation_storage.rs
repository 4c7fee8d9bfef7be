//! Validation of StatefulSets and the storage kinds (PersistentVolume,
//! PersistentVolumeClaim, StorageClass), and of the volumes a pod names,
//! worded as the API server words it (pkg/apis/core/validation:
//! ValidatePersistentVolumeSpec, ValidatePersistentVolumeClaimSpec,
//! ValidatePersistentVolumeClaimUpdate; pkg/apis/apps/validation:
//! ValidateStatefulSetSpec, ValidateStatefulSetUpdate;
//! pkg/apis/storage/validation: ValidateStorageClass).

use crate::sorting::CollectSorted;
use std::collections::BTreeSet;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, PodSpec};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

use super::errors::FieldError;
use super::validation::{
    changed_fields, is_dns1123_subdomain, labels_of, validate_replicas, DNS1123_SUBDOMAIN_MSG,
};
use crate::labels::{go_map_literal, Selector};
use crate::objects::Object;

const ACCESS_MODES: &[&str] = &[
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

/// field.NotSupported: `Unsupported value: "x": supported values: "a", "b"`.
fn not_supported(field: impl Into<String>, value: &str, supported: &[&str]) -> FieldError {
    let listed: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    FieldError {
        field: field.into(),
        detail: format!(
            "Unsupported value: {value:?}: supported values: {}",
            listed.join(", ")
        ),
    }
}

fn validate_access_modes(
    modes: &[String],
    field: &str,
    detail: &str,
    errors: &mut Vec<FieldError>,
) {
    if modes.is_empty() {
        errors.push(FieldError::required(format!("{field}.accessModes"), detail));
    }
    let mut once_pod = false;
    let mut others = false;
    for mode in modes {
        match mode.as_str() {
            "ReadWriteOncePod" => once_pod = true,
            "ReadWriteOnce" | "ReadOnlyMany" | "ReadWriteMany" => others = true,
            _ => errors.push(not_supported(
                format!("{field}.accessModes"),
                mode,
                ACCESS_MODES,
            )),
        }
    }
    if once_pod && others {
        errors.push(FieldError::forbidden(
            format!("{field}.accessModes"),
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
}

/// ValidatePositiveQuantityValue, after the quantity parses at all.
fn validate_positive_quantity(quantity: &Quantity, field: &str, errors: &mut Vec<FieldError>) {
    match crate::quantity::parse_milli(&quantity.0) {
        Err(message) => errors.push(FieldError::invalid(
            field,
            format!("{:?}", quantity.0),
            &message,
        )),
        Ok(v) if v <= 0 => errors.push(FieldError::invalid(
            field,
            format!("{:?}", quantity.0),
            "must be greater than zero",
        )),
        Ok(_) => {}
    }
}

fn validate_class_name(name: Option<&str>, field: &str, errors: &mut Vec<FieldError>) {
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        if !is_dns1123_subdomain(name) {
            errors.push(FieldError::invalid(
                field,
                format!("{name:?}"),
                DNS1123_SUBDOMAIN_MSG,
            ));
        }
    }
}

/// ValidatePersistentVolumeClaimSpec.
pub fn validate_claim(pvc: &PersistentVolumeClaim, errors: &mut Vec<FieldError>) {
    let spec = pvc.spec.clone().unwrap_or_default();
    validate_claim_spec(&spec, "spec", errors);
}

fn validate_claim_spec(
    spec: &k8s_openapi::api::core::v1::PersistentVolumeClaimSpec,
    field: &str,
    errors: &mut Vec<FieldError>,
) {
    validate_access_modes(
        spec.access_modes.as_deref().unwrap_or(&[]),
        field,
        "at least 1 access mode is required",
        errors,
    );
    let storage = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"));
    let storage_field = format!("{field}.resources[storage]");
    match storage {
        None => errors.push(FieldError::required(storage_field, "")),
        Some(q) => validate_positive_quantity(q, &storage_field, errors),
    }
    validate_class_name(
        spec.storage_class_name.as_deref(),
        &format!("{field}.storageClassName"),
        errors,
    );
    if let Some(mode) = spec.volume_mode.as_deref() {
        if mode != "Filesystem" && mode != "Block" {
            errors.push(not_supported(
                format!("{field}.volumeMode"),
                mode,
                &["Block", "Filesystem"],
            ));
        }
    }
}

/// The volume sources a PersistentVolume may name (its JSON keys).
const PV_SOURCES: &[&str] = &[
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "csi",
    "fc",
    "flexVolume",
    "flocker",
    "gcePersistentDisk",
    "glusterfs",
    "hostPath",
    "iscsi",
    "local",
    "nfs",
    "photonPersistentDisk",
    "portworxVolume",
    "quobyte",
    "rbd",
    "scaleIO",
    "storageos",
    "vsphereVolume",
];

fn pv_sources(pv: &PersistentVolume) -> Vec<&'static str> {
    let value = serde_json::to_value(&pv.spec).unwrap_or(Value::Null);
    PV_SOURCES
        .iter()
        .copied()
        .filter(|s| value.get(*s).is_some_and(|v| !v.is_null()))
        .collect()
}

/// ValidatePersistentVolumeSpec.
pub fn validate_volume(pv: &PersistentVolume, errors: &mut Vec<FieldError>) {
    let spec = pv.spec.clone().unwrap_or_default();
    validate_access_modes(
        spec.access_modes.as_deref().unwrap_or(&[]),
        "spec",
        "",
        errors,
    );
    let capacity = spec.capacity.clone().unwrap_or_default();
    if capacity.is_empty() {
        errors.push(FieldError::required("spec.capacity", ""));
    } else if !capacity.contains_key("storage") || capacity.len() > 1 {
        let keys: Vec<&str> = capacity.keys().map(String::as_str).collect();
        errors.push(not_supported(
            "spec.capacity",
            &keys.join(","),
            &["storage"],
        ));
    }
    for (resource, quantity) in &capacity {
        validate_positive_quantity(quantity, &format!("spec.capacity[{resource}]"), errors);
    }
    if let Some(policy) = spec.persistent_volume_reclaim_policy.as_deref() {
        if !["Delete", "Recycle", "Retain"].contains(&policy) {
            errors.push(not_supported(
                "spec.persistentVolumeReclaimPolicy",
                policy,
                &["Delete", "Recycle", "Retain"],
            ));
        }
    }
    validate_class_name(
        spec.storage_class_name.as_deref(),
        "spec.storageClassName",
        errors,
    );
    let sources = pv_sources(pv);
    match sources.as_slice() {
        [] => errors.push(FieldError::required("spec", "must specify a volume type")),
        [_] => {}
        [_, rest @ ..] => {
            for extra in rest {
                errors.push(FieldError::forbidden(
                    format!("spec.{extra}"),
                    "may not specify more than 1 volume type",
                ));
            }
        }
    }
    if let Some(host_path) = &spec.host_path {
        if host_path.path.is_empty() {
            errors.push(FieldError::required("spec.hostPath.path", ""));
        } else if host_path.path.split('/').any(|p| p == "..") {
            errors.push(FieldError::invalid(
                "spec.hostPath.path",
                format!("{:?}", host_path.path),
                "must not contain '..'",
            ));
        }
    }
    if spec.local.is_some() && spec.node_affinity.is_none() {
        errors.push(FieldError::required(
            "spec.nodeAffinity",
            "Local volume requires node affinity",
        ));
    }
}

/// ValidateStorageClass.
pub fn validate_storage_class(sc: &StorageClass, errors: &mut Vec<FieldError>) {
    if sc.provisioner.is_empty() {
        errors.push(FieldError::required("provisioner", ""));
    }
    if let Some(policy) = sc.reclaim_policy.as_deref() {
        if !["Delete", "Retain"].contains(&policy) {
            errors.push(not_supported(
                "reclaimPolicy",
                policy,
                &["Delete", "Retain"],
            ));
        }
    }
    match sc.volume_binding_mode.as_deref() {
        None => errors.push(FieldError::required("volumeBindingMode", "")),
        Some("Immediate" | "WaitForFirstConsumer") => {}
        Some(mode) => errors.push(not_supported(
            "volumeBindingMode",
            mode,
            &["Immediate", "WaitForFirstConsumer"],
        )),
    }
}

/// ValidateStatefulSetSpec. The pod template is not validated as a pod spec
/// (upstream leaves that to the pods made from it, whose creation fails).
pub fn validate_stateful_set(sts: &StatefulSet, errors: &mut Vec<FieldError>) {
    let Some(spec) = &sts.spec else {
        errors.push(FieldError::required("spec.selector", ""));
        return;
    };
    match spec.pod_management_policy.as_deref() {
        None | Some("") => errors.push(FieldError::required("spec.podManagementPolicy", "")),
        Some("OrderedReady" | "Parallel") => {}
        Some(other) => errors.push(FieldError::invalid(
            "spec.podManagementPolicy",
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    match strategy.type_.as_deref() {
        None | Some("") => errors.push(FieldError::required("spec.updateStrategy", "")),
        Some("OnDelete") => {
            if strategy.rolling_update.is_some() {
                errors.push(FieldError::invalid(
                    "spec.updateStrategy.rollingUpdate",
                    "&apps.RollingUpdateStatefulSetStrategy{...}",
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        Some("RollingUpdate") => {
            if let Some(p) = strategy.rolling_update.as_ref().and_then(|r| r.partition) {
                if p < 0 {
                    errors.push(FieldError::invalid(
                        "spec.updateStrategy.rollingUpdate.partition",
                        p,
                        "must be greater than or equal to 0",
                    ));
                }
            }
        }
        Some(other) => errors.push(FieldError::invalid(
            "spec.updateStrategy",
            format!("apps.StatefulSetUpdateStrategy{{Type:{other:?}}}"),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    validate_replicas(spec.replicas, errors);
    let selector_empty = spec
        .selector
        .match_labels
        .as_ref()
        .is_none_or(|m| m.is_empty())
        && spec
            .selector
            .match_expressions
            .as_ref()
            .is_none_or(|e| e.is_empty());
    if selector_empty {
        errors.push(FieldError::invalid(
            "spec.selector",
            "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
            "empty selector is invalid for statefulset",
        ));
    }
    let labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    match Selector::from_label_selector(Some(&spec.selector)) {
        Ok(s) if !selector_empty && !s.matches(&labels) => errors.push(FieldError::invalid(
            "spec.template.metadata.labels",
            go_map_literal(&labels),
            "`selector` does not match template `labels`",
        )),
        Ok(_) => {}
        Err(msg) => errors.push(FieldError::invalid("spec.selector", "", &msg)),
    }
    if let Some(meta) = &spec.template.metadata {
        labels_of(meta, "spec.template.metadata", errors);
    }
    let pod_spec = spec.template.spec.clone().unwrap_or_default();
    let policy = pod_spec.restart_policy.as_deref().unwrap_or("Always");
    if policy != "Always" {
        errors.push(not_supported(
            "spec.template.spec.restartPolicy",
            policy,
            &["Always"],
        ));
    }
    if pod_spec.active_deadline_seconds.is_some() {
        errors.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    if let Some(start) = spec.ordinals.as_ref().and_then(|o| o.start) {
        if start < 0 {
            errors.push(FieldError::invalid(
                "spec.ordinals.start",
                start,
                "must be greater than or equal to 0",
            ));
        }
    }
    if let Some(min) = spec.min_ready_seconds {
        if min < 0 {
            errors.push(FieldError::invalid(
                "spec.minReadySeconds",
                min,
                "must be greater than or equal to 0",
            ));
        }
    }
    for (i, claim) in spec.volume_claim_templates.iter().flatten().enumerate() {
        let name = claim.metadata.name.as_deref().unwrap_or("");
        if name.is_empty() {
            errors.push(FieldError::required(
                format!("spec.volumeClaimTemplates[{i}].metadata.name"),
                "name or generateName is required",
            ));
        }
    }
}

/// ValidatePodSpec's volume rules: a claim volume names its claim, and every
/// volume mount names a volume of the pod.
pub fn validate_pod_volumes(spec: &PodSpec, field: &str, errors: &mut Vec<FieldError>) {
    let mut names = BTreeSet::new();
    for (i, volume) in spec.volumes.iter().flatten().enumerate() {
        if !names.insert(volume.name.as_str()) {
            errors.push(FieldError::duplicate(
                format!("{field}.volumes[{i}].name"),
                format!("{:?}", volume.name),
            ));
        }
        if let Some(claim) = &volume.persistent_volume_claim {
            if claim.claim_name.is_empty() {
                errors.push(FieldError::required(
                    format!("{field}.volumes[{i}].persistentVolumeClaim.claimName"),
                    "",
                ));
            }
        }
    }
    let containers = super::validation::containers_with_paths(spec, field);
    for (path, container) in containers {
        for (j, mount) in container.volume_mounts.iter().flatten().enumerate() {
            if mount.name.is_empty() {
                errors.push(FieldError::required(
                    format!("{path}.volumeMounts[{j}].name"),
                    "",
                ));
            } else if !names.contains(mount.name.as_str()) {
                errors.push(FieldError {
                    field: format!("{path}.volumeMounts[{j}].name"),
                    detail: format!("Not found: {:?}", mount.name),
                });
            }
            if mount.mount_path.is_empty() {
                errors.push(FieldError::required(
                    format!("{path}.volumeMounts[{j}].mountPath"),
                    "",
                ));
            }
        }
    }
}

/// The update rules of the storage kinds and StatefulSets.
pub fn validate_update(old: &Object, new: &Object, errors: &mut Vec<FieldError>) {
    match (old, new) {
        (Object::StatefulSet(o), Object::StatefulSet(n)) => {
            // ValidateStatefulSetUpdate: only these fields of the spec may change.
            let strip = |sts: &StatefulSet| {
                let mut spec = serde_json::to_value(&sts.spec).unwrap_or(Value::Null);
                if let Some(map) = spec.as_object_mut() {
                    for key in [
                        "replicas",
                        "ordinals",
                        "template",
                        "updateStrategy",
                        "revisionHistoryLimit",
                        "persistentVolumeClaimRetentionPolicy",
                        "minReadySeconds",
                    ] {
                        map.remove(key);
                    }
                }
                spec
            };
            if strip(o) != strip(n) {
                errors.push(FieldError::forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                ));
            }
        }
        (Object::PersistentVolumeClaim(o), Object::PersistentVolumeClaim(n)) => {
            // ValidatePersistentVolumeClaimUpdate: the spec is fixed, except
            // that the PV controller binds it (volumeName, once), a missing
            // class may be given one, and a bound claim may grow.
            let old_spec = o.spec.clone().unwrap_or_default();
            let mut allowed = n.spec.clone().unwrap_or_default();
            if old_spec.volume_name.as_deref().is_none_or(str::is_empty) {
                allowed.volume_name = old_spec.volume_name.clone();
            }
            if old_spec.storage_class_name.is_none() {
                allowed.storage_class_name = None;
            }
            let bound = o.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
            if bound {
                allowed.resources = old_spec.resources.clone();
                allowed.volume_attributes_class_name =
                    old_spec.volume_attributes_class_name.clone();
            }
            if allowed != old_spec {
                let changed = changed_fields(
                    &serde_json::to_value(&old_spec).unwrap_or_default(),
                    &serde_json::to_value(&allowed).unwrap_or_default(),
                    "spec",
                );
                errors.push(FieldError::forbidden(
                    "spec",
                    &format!(
                        "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n  changed: {}",
                        changed.join(", ")
                    ),
                ));
            }
        }
        (Object::PersistentVolume(o), Object::PersistentVolume(n)) => {
            let sources = |pv: &PersistentVolume| {
                let value = serde_json::to_value(&pv.spec).unwrap_or(Value::Null);
                PV_SOURCES
                    .iter()
                    .map(|s| (*s, value.get(*s).cloned().unwrap_or(Value::Null)))
                    .collect_map()
            };
            if sources(o) != sources(n) {
                errors.push(FieldError::forbidden(
                    "spec.persistentvolumesource",
                    "spec.persistentvolumesource is immutable after creation",
                ));
            }
            let mode = |pv: &PersistentVolume| pv.spec.as_ref().and_then(|s| s.volume_mode.clone());
            if mode(o) != mode(n) {
                errors.push(FieldError::invalid(
                    "spec.volumeMode",
                    format!("{:?}", mode(n).unwrap_or_default()),
                    "field is immutable",
                ));
            }
        }
        (Object::StorageClass(o), Object::StorageClass(n)) => {
            if o.parameters != n.parameters {
                errors.push(FieldError::forbidden(
                    "parameters",
                    "updates to parameters are forbidden.",
                ));
            }
            if o.provisioner != n.provisioner {
                errors.push(FieldError::forbidden(
                    "provisioner",
                    "updates to provisioner are forbidden.",
                ));
            }
            if o.reclaim_policy != n.reclaim_policy {
                errors.push(FieldError::forbidden(
                    "reclaimPolicy",
                    "updates to reclaimPolicy are forbidden.",
                ));
            }
            if o.volume_binding_mode != n.volume_binding_mode {
                errors.push(FieldError::invalid(
                    "volumeBindingMode",
                    format!("{:?}", n.volume_binding_mode.clone().unwrap_or_default()),
                    "field is immutable",
                ));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claim(spec: Value) -> PersistentVolumeClaim {
        serde_json::from_value(json!({"metadata": {"name": "c"}, "spec": spec})).unwrap()
    }

    #[test]
    fn claims_need_modes_and_storage() {
        let mut errors = Vec::new();
        validate_claim(&claim(json!({})), &mut errors);
        let rendered: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.detail))
            .collect();
        assert_eq!(
            rendered,
            vec![
                "spec.accessModes: Required value: at least 1 access mode is required",
                "spec.resources[storage]: Required value",
            ]
        );
        let mut errors = Vec::new();
        validate_claim(
            &claim(
                json!({"accessModes": ["ReadWriteSome"], "resources": {"requests": {"storage": "0"}}}),
            ),
            &mut errors,
        );
        assert_eq!(errors[0].detail, "Unsupported value: \"ReadWriteSome\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"");
        assert_eq!(
            errors[1].detail,
            "Invalid value: \"0\": must be greater than zero"
        );
    }

    #[test]
    fn volumes_need_a_source() {
        let pv: PersistentVolume = serde_json::from_value(json!({"metadata": {"name": "v"},
            "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}}))
        .unwrap();
        let mut errors = Vec::new();
        validate_volume(&pv, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].detail,
            "Required value: must specify a volume type"
        );
    }

    #[test]
    fn claim_templates_of_a_stateful_set_are_fixed() {
        let sts = |size: &str, replicas: i32| {
            Object::StatefulSet(
                serde_json::from_value(json!({"metadata": {"name": "web"}, "spec": {
                    "replicas": replicas, "serviceName": "nginx",
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}},
                    "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"resources": {"requests": {"storage": size}}}}]
                }}))
                .unwrap(),
            )
        };
        let mut errors = Vec::new();
        validate_update(&sts("1Gi", 1), &sts("1Gi", 3), &mut errors);
        assert!(errors.is_empty());
        validate_update(&sts("1Gi", 1), &sts("2Gi", 1), &mut errors);
        assert_eq!(errors.len(), 1);
        assert!(errors[0]
            .detail
            .starts_with("Forbidden: updates to statefulset spec"));
    }
}
