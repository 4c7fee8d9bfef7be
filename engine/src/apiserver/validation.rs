//! Validation of the rules learners hit most, worded as the API server words
//! them (pkg/apis/core/validation, pkg/apis/apps/validation,
//! k8s.io/apimachinery/pkg/util/validation).

use crate::sorting::CollectSorted;
use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::errors::FieldError;
use crate::labels::{go_map_literal, Selector};
use crate::objects::Object;

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
pub(super) const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

pub(super) fn labels_of(meta: &ObjectMeta, field: &str, errors: &mut Vec<FieldError>) {
    validate_labels(meta, field, errors);
}

pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

pub(super) fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric())
}

fn validate_label_key(key: &str, field: &str, errors: &mut Vec<FieldError>) {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if !is_dns1123_subdomain(prefix) {
            errors.push(FieldError::invalid(
                field,
                format!("{key:?}"),
                &format!("prefix part {DNS1123_SUBDOMAIN_MSG}"),
            ));
        }
    }
    if name.is_empty() || name.len() > 63 || !is_label_value(name) {
        errors.push(FieldError::invalid(
            field,
            format!("{key:?}"),
            QUALIFIED_NAME_MSG,
        ));
    }
}

fn validate_labels(meta: &ObjectMeta, field: &str, errors: &mut Vec<FieldError>) {
    for (key, value) in meta.labels.iter().flatten() {
        validate_label_key(key, &format!("{field}.labels"), errors);
        if !is_label_value(value) {
            errors.push(FieldError::invalid(
                format!("{field}.labels"),
                format!("{value:?}"),
                LABEL_VALUE_MSG,
            ));
        }
    }
}

/// Name rules: most kinds need a DNS-1123 subdomain; namespaces a label.
fn validate_object_meta(meta: &ObjectMeta, name_is_label: bool, errors: &mut Vec<FieldError>) {
    match meta.name.as_deref() {
        None | Some("") => errors.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        )),
        Some(name) => {
            let (ok, msg) = if name_is_label {
                (is_dns1123_label(name), DNS1123_LABEL_MSG)
            } else {
                (is_dns1123_subdomain(name), DNS1123_SUBDOMAIN_MSG)
            };
            if !ok {
                errors.push(FieldError::invalid(
                    "metadata.name",
                    format!("{name:?}"),
                    msg,
                ));
            }
        }
    }
    validate_labels(meta, "metadata", errors);
}

/// Validates a newly created object; the errors name their fields.
pub fn validate(object: &Object) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match object {
        Object::Namespace(ns) => validate_object_meta(&ns.metadata, true, &mut errors),
        Object::Node(node) => validate_object_meta(&node.metadata, false, &mut errors),
        Object::Event(ev) => validate_object_meta(&ev.metadata, false, &mut errors),
        Object::Lease(lease) => validate_object_meta(&lease.metadata, false, &mut errors),
        Object::DaemonSet(ds) => {
            validate_object_meta(&ds.metadata, false, &mut errors);
            match &ds.spec {
                Some(spec) => validate_selector_and_template(
                    Some(&spec.selector),
                    Some(&spec.template),
                    &mut errors,
                ),
                None => errors.push(FieldError::required("spec.selector", "")),
            }
        }
        Object::Job(job) => {
            validate_object_meta(&job.metadata, false, &mut errors);
            match &job.spec {
                Some(spec) => {
                    if let Some(pod_spec) = &spec.template.spec {
                        validate_pod_spec(pod_spec, "spec.template.spec", &mut errors);
                        let policy = pod_spec.restart_policy.as_deref().unwrap_or("");
                        if policy != "OnFailure" && policy != "Never" {
                            errors.push(if policy.is_empty() || policy == "Always" && pod_spec.restart_policy.is_none() {
                                FieldError::required("spec.template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\"")
                            } else {
                                FieldError {
                                    field: "spec.template.spec.restartPolicy".into(),
                                    detail: format!("Unsupported value: {policy:?}: supported values: \"OnFailure\", \"Never\""),
                                }
                            });
                        }
                    } else {
                        errors.push(FieldError::required("spec.template.spec.containers", ""));
                    }
                    for (field, value) in [
                        ("spec.parallelism", spec.parallelism),
                        ("spec.completions", spec.completions),
                        ("spec.backoffLimit", spec.backoff_limit),
                    ] {
                        if let Some(v) = value.filter(|v| *v < 0) {
                            errors.push(FieldError::invalid(
                                field,
                                v,
                                "must be greater than or equal to 0",
                            ));
                        }
                    }
                }
                None => errors.push(FieldError::required("spec.template", "")),
            }
        }
        Object::CronJob(cj) => {
            validate_object_meta(&cj.metadata, false, &mut errors);
            if let Some(spec) = &cj.spec {
                if let Err(e) = crate::cron::Schedule::parse(&spec.schedule) {
                    errors.push(FieldError::invalid(
                        "spec.schedule",
                        format!("{:?}", spec.schedule),
                        &e,
                    ));
                }
                let policy = spec.concurrency_policy.as_deref().unwrap_or("Allow");
                if !["Allow", "Forbid", "Replace"].contains(&policy) {
                    errors.push(FieldError { field: "spec.concurrencyPolicy".into(), detail: format!("Unsupported value: {policy:?}: supported values: \"Allow\", \"Forbid\", \"Replace\"") });
                }
            }
        }
        Object::ServiceAccount(sa) => validate_object_meta(&sa.metadata, false, &mut errors),
        Object::Role(r) => validate_rbac_meta(&r.metadata, &mut errors),
        Object::ClusterRole(r) => validate_rbac_meta(&r.metadata, &mut errors),
        Object::RoleBinding(b) => {
            validate_rbac_meta(&b.metadata, &mut errors);
            validate_role_ref(&b.role_ref, true, &mut errors);
            validate_subjects(b.subjects.as_deref().unwrap_or(&[]), &mut errors);
        }
        Object::ClusterRoleBinding(b) => {
            validate_rbac_meta(&b.metadata, &mut errors);
            validate_role_ref(&b.role_ref, false, &mut errors);
            validate_subjects(b.subjects.as_deref().unwrap_or(&[]), &mut errors);
        }
        Object::Other(other) => validate_object_meta(&other.metadata, false, &mut errors),
        Object::ConfigMap(cm) => {
            validate_object_meta(&cm.metadata, false, &mut errors);
            super::validation_config::validate_config_map(cm, &mut errors);
        }
        Object::Secret(secret) => {
            validate_object_meta(&secret.metadata, false, &mut errors);
            super::validation_config::validate_secret(secret, &mut errors);
        }
        Object::Service(svc) => {
            // ValidateServiceName: a DNS-1035 label, checked with the spec.
            if svc.metadata.name.as_deref().is_none_or(str::is_empty) {
                errors.push(FieldError::required(
                    "metadata.name",
                    "name or generateName is required",
                ));
            }
            validate_labels(&svc.metadata, "metadata", &mut errors);
            super::validation_service::validate_service(svc, &mut errors);
        }
        Object::Endpoints(ep) => validate_object_meta(&ep.metadata, false, &mut errors),
        Object::EndpointSlice(slice) => {
            validate_object_meta(&slice.metadata, false, &mut errors);
            super::validation_service::validate_endpoint_slice(slice, &mut errors);
        }
        Object::StatefulSet(sts) => {
            validate_object_meta(&sts.metadata, false, &mut errors);
            super::validation_storage::validate_stateful_set(sts, &mut errors);
        }
        Object::PersistentVolumeClaim(pvc) => {
            validate_object_meta(&pvc.metadata, false, &mut errors);
            super::validation_storage::validate_claim(pvc, &mut errors);
        }
        Object::PersistentVolume(pv) => {
            validate_object_meta(&pv.metadata, false, &mut errors);
            super::validation_storage::validate_volume(pv, &mut errors);
        }
        Object::StorageClass(sc) => {
            validate_object_meta(&sc.metadata, false, &mut errors);
            super::validation_storage::validate_storage_class(sc, &mut errors);
        }
        Object::Pod(pod) => {
            validate_object_meta(&pod.metadata, false, &mut errors);
            match &pod.spec {
                Some(spec) => validate_pod_spec(spec, "spec", &mut errors),
                None => errors.push(FieldError::required("spec.containers", "")),
            }
        }
        Object::ReplicaSet(rs) => {
            validate_object_meta(&rs.metadata, false, &mut errors);
            if let Some(spec) = &rs.spec {
                validate_replicas(spec.replicas, &mut errors);
                validate_selector_and_template(
                    Some(&spec.selector),
                    spec.template.as_ref(),
                    &mut errors,
                );
            } else {
                errors.push(FieldError::required("spec.selector", ""));
            }
        }
        Object::Deployment(d) => {
            validate_object_meta(&d.metadata, false, &mut errors);
            match &d.spec {
                None => errors.push(FieldError::required("spec.selector", "")),
                Some(spec) => {
                    validate_replicas(spec.replicas, &mut errors);
                    validate_selector_and_template(
                        Some(&spec.selector),
                        Some(&spec.template),
                        &mut errors,
                    );
                    if let Some(strategy) = &spec.strategy {
                        let t = strategy.type_.as_deref().unwrap_or("RollingUpdate");
                        if t != "RollingUpdate" && t != "Recreate" {
                            errors.push(FieldError {
                                field: "spec.strategy.type".into(),
                                detail: format!("Unsupported value: {t:?}: supported values: \"Recreate\", \"RollingUpdate\""),
                            });
                        }
                        if t == "Recreate" && strategy.rolling_update.is_some() {
                            errors.push(FieldError::forbidden(
                                "spec.strategy.rollingUpdate",
                                "may not be specified when strategy `type` is 'Recreate'",
                            ));
                        }
                    }
                }
            }
        }
    }
    errors
}

/// ValidateRBACName: RBAC names only need to be valid path segments, so
/// `system:kube-scheduler` is fine.
fn validate_rbac_meta(meta: &ObjectMeta, errors: &mut Vec<FieldError>) {
    match meta.name.as_deref() {
        None | Some("") => errors.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        )),
        Some(name @ ("." | "..")) => errors.push(FieldError::invalid(
            "metadata.name",
            format!("{name:?}"),
            &format!("may not be '{name}'"),
        )),
        Some(name) if name.contains('/') || name.contains('%') => {
            let bad = if name.contains('/') { "/" } else { "%" };
            errors.push(FieldError::invalid(
                "metadata.name",
                format!("{name:?}"),
                &format!("may not contain '{bad}'"),
            ));
        }
        Some(_) => {}
    }
    validate_labels(meta, "metadata", errors);
}

fn validate_role_ref(
    role_ref: &k8s_openapi::api::rbac::v1::RoleRef,
    namespaced: bool,
    errors: &mut Vec<FieldError>,
) {
    let allowed: &[&str] = if namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !allowed.contains(&role_ref.kind.as_str()) {
        let supported: Vec<String> = allowed.iter().map(|k| format!("{k:?}")).collect();
        errors.push(FieldError {
            field: "roleRef.kind".into(),
            detail: format!(
                "Unsupported value: {:?}: supported values: {}",
                role_ref.kind,
                supported.join(", ")
            ),
        });
    }
    if role_ref.api_group != "rbac.authorization.k8s.io" {
        errors.push(FieldError {
            field: "roleRef.apiGroup".into(),
            detail: format!(
                "Unsupported value: {:?}: supported values: \"rbac.authorization.k8s.io\"",
                role_ref.api_group
            ),
        });
    }
    if role_ref.name.is_empty() {
        errors.push(FieldError::required("roleRef.name", ""));
    }
}

fn validate_subjects(
    subjects: &[k8s_openapi::api::rbac::v1::Subject],
    errors: &mut Vec<FieldError>,
) {
    for (i, subject) in subjects.iter().enumerate() {
        if subject.name.is_empty() {
            errors.push(FieldError::required(format!("subjects[{i}].name"), ""));
        }
        match subject.kind.as_str() {
            "ServiceAccount" | "User" | "Group" => {}
            other => errors.push(FieldError {
                field: format!("subjects[{i}].kind"),
                detail: format!("Unsupported value: {other:?}: supported values: \"ServiceAccount\", \"User\", \"Group\""),
            }),
        }
    }
}

pub(super) fn validate_replicas(replicas: Option<i32>, errors: &mut Vec<FieldError>) {
    if let Some(r) = replicas {
        if r < 0 {
            errors.push(FieldError::invalid(
                "spec.replicas",
                r,
                "must be greater than or equal to 0",
            ));
        }
    }
}

pub(super) fn validate_selector_and_template(
    selector: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
    template: Option<&PodTemplateSpec>,
    errors: &mut Vec<FieldError>,
) {
    let selector_is_empty = selector.is_none_or(|s| {
        s.match_labels.as_ref().is_none_or(|m| m.is_empty())
            && s.match_expressions.as_ref().is_none_or(|e| e.is_empty())
    });
    if selector_is_empty {
        errors.push(FieldError::required("spec.selector", ""));
        errors.push(FieldError::invalid("spec.selector", "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}", "empty selector is invalid for deployment"));
    }
    let Some(template) = template else {
        errors.push(FieldError::required("spec.template", ""));
        return;
    };
    let labels = template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    if !selector_is_empty {
        match Selector::from_label_selector(selector) {
            Ok(s) if !s.matches(&labels) => errors.push(FieldError::invalid(
                "spec.template.metadata.labels",
                go_map_literal(&labels),
                "`selector` does not match template `labels`",
            )),
            Ok(_) => {}
            Err(msg) => errors.push(FieldError::invalid("spec.selector", "", &msg)),
        }
    }
    if let Some(meta) = &template.metadata {
        validate_labels(meta, "spec.template.metadata", errors);
    }
    match &template.spec {
        Some(spec) => {
            validate_pod_spec(spec, "spec.template.spec", errors);
            if let Some(policy) = spec.restart_policy.as_deref() {
                if policy != "Always" {
                    errors.push(FieldError {
                        field: "spec.template.spec.restartPolicy".into(),
                        detail: format!(
                            "Unsupported value: {policy:?}: supported values: \"Always\""
                        ),
                    });
                }
            }
        }
        None => errors.push(FieldError::required("spec.template.spec.containers", "")),
    }
}

/// Every container of a pod spec, init containers first, with its field
/// path (upstream's VisitContainersWithPath).
pub(super) fn containers_with_paths<'a>(
    spec: &'a PodSpec,
    field: &'a str,
) -> impl Iterator<Item = (String, &'a Container)> + 'a {
    spec.init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(move |(i, c)| (format!("{field}.initContainers[{i}]"), c))
        .chain(
            spec.containers
                .iter()
                .enumerate()
                .map(move |(i, c)| (format!("{field}.containers[{i}]"), c)),
        )
}

fn validate_pod_spec(spec: &PodSpec, field: &str, errors: &mut Vec<FieldError>) {
    if spec.containers.is_empty() {
        errors.push(FieldError::required(format!("{field}.containers"), ""));
    }
    super::validation_storage::validate_pod_volumes(spec, field, errors);
    let mut names = BTreeSet::new();
    let all = containers_with_paths(spec, field);
    for (path, container) in all {
        if container.name.is_empty() {
            errors.push(FieldError::required(format!("{path}.name"), ""));
        } else if !is_dns1123_label(&container.name) {
            errors.push(FieldError::invalid(
                format!("{path}.name"),
                format!("{:?}", container.name),
                DNS1123_LABEL_MSG,
            ));
        } else if !names.insert(container.name.clone()) {
            errors.push(FieldError::duplicate(
                format!("{path}.name"),
                format!("{:?}", container.name),
            ));
        }
        if container
            .image
            .as_deref()
            .is_none_or(|i| i.trim().is_empty())
        {
            errors.push(FieldError::required(format!("{path}.image"), ""));
        }
        let mut ports = BTreeSet::new();
        for (j, port) in container.ports.iter().flatten().enumerate() {
            let p = port.container_port;
            if !(1..=65535).contains(&p) {
                errors.push(FieldError::invalid(
                    format!("{path}.ports[{j}].containerPort"),
                    p,
                    "must be between 1 and 65535, inclusive",
                ));
            }
            let protocol = port.protocol.clone().unwrap_or_else(|| "TCP".into());
            if !ports.insert((p, protocol.clone())) {
                errors.push(FieldError::duplicate(
                    format!("{path}.ports[{j}]"),
                    format!("\"{p}/{protocol}\""),
                ));
            }
        }
    }
    if let Some(policy) = spec.restart_policy.as_deref() {
        if !["Always", "OnFailure", "Never"].contains(&policy) {
            errors.push(FieldError {
                field: format!("{field}.restartPolicy"),
                detail: format!("Unsupported value: {policy:?}: supported values: \"Always\", \"OnFailure\", \"Never\""),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert!(is_dns1123_label("web-1"));
        assert!(!is_dns1123_label("Web"));
        assert!(!is_dns1123_label("-web"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(is_dns1123_subdomain("web.example.com"));
        assert!(!is_dns1123_subdomain("web_1"));
    }

    #[test]
    fn label_values() {
        assert!(is_label_value(""));
        assert!(is_label_value("My_Value.1"));
        assert!(!is_label_value("-x"));
        assert!(!is_label_value("a b"));
    }
}

/// The rules for changing an existing object (ValidateDeploymentUpdate,
/// ValidateReplicaSetUpdate, ValidatePodUpdate): what may not change.
pub fn validate_update(old: &Object, new: &Object) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match (old, new) {
        (Object::Deployment(o), Object::Deployment(n)) => {
            let (os, ns) = (
                o.spec.as_ref().map(|s| &s.selector),
                n.spec.as_ref().map(|s| &s.selector),
            );
            if os != ns {
                errors.push(immutable_selector(ns));
            }
        }
        (Object::ReplicaSet(o), Object::ReplicaSet(n)) => {
            let (os, ns) = (
                o.spec.as_ref().map(|s| &s.selector),
                n.spec.as_ref().map(|s| &s.selector),
            );
            if os != ns {
                errors.push(immutable_selector(ns));
            }
        }
        (Object::DaemonSet(o), Object::DaemonSet(n)) => {
            let (os, ns) = (
                o.spec.as_ref().map(|s| &s.selector),
                n.spec.as_ref().map(|s| &s.selector),
            );
            if os != ns {
                errors.push(immutable_selector(ns));
            }
        }
        (Object::Pod(o), Object::Pod(n)) => {
            if let Some(error) = pod_spec_update_error(o.spec.as_ref(), n.spec.as_ref()) {
                errors.push(error);
            }
        }
        (Object::ConfigMap(o), Object::ConfigMap(n)) => {
            super::validation_config::validate_config_map_update(o, n, &mut errors);
        }
        (Object::Secret(o), Object::Secret(n)) => {
            super::validation_config::validate_secret_update(o, n, &mut errors);
        }
        (Object::Service(o), Object::Service(n)) => {
            super::validation_service::validate_service_update(o, n, &mut errors);
        }
        _ => super::validation_storage::validate_update(old, new, &mut errors),
    }
    errors
}

fn go_selector(
    selector: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
) -> String {
    let labels = selector.and_then(|s| s.match_labels.clone());
    let match_labels = match labels {
        Some(l) => go_map_literal(&l),
        None => "map[string]string(nil)".to_string(),
    };
    let expressions = match selector.and_then(|s| s.match_expressions.as_ref()) {
        Some(e) if !e.is_empty() => format!(
            "[]v1.LabelSelectorRequirement{{...{} requirement(s)}}",
            e.len()
        ),
        _ => "[]v1.LabelSelectorRequirement(nil)".to_string(),
    };
    format!("v1.LabelSelector{{MatchLabels:{match_labels}, MatchExpressions:{expressions}}}")
}

fn immutable_selector(
    selector: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
) -> FieldError {
    FieldError::invalid("spec.selector", go_selector(selector), "field is immutable")
}

/// ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations
/// and a newly set nodeName may change in a pod's spec.
fn pod_spec_update_error(old: Option<&PodSpec>, new: Option<&PodSpec>) -> Option<FieldError> {
    let (Some(old), Some(new)) = (old, new) else {
        return None;
    };
    let mut allowed = old.clone();
    for (a, n) in allowed.containers.iter_mut().zip(&new.containers) {
        a.image = n.image.clone();
    }
    for (a, n) in allowed
        .init_containers
        .iter_mut()
        .flatten()
        .zip(new.init_containers.iter().flatten())
    {
        a.image = n.image.clone();
    }
    allowed.active_deadline_seconds = new.active_deadline_seconds;
    let old_tolerations = old.tolerations.clone().unwrap_or_default();
    let new_tolerations = new.tolerations.clone().unwrap_or_default();
    if old_tolerations.iter().all(|t| new_tolerations.contains(t)) {
        allowed.tolerations = new.tolerations.clone();
    }
    if allowed.node_name.is_none() {
        allowed.node_name = new.node_name.clone();
    }
    if new.scheduling_gates.as_ref().is_none_or(|g| g.is_empty()) {
        allowed.scheduling_gates = new.scheduling_gates.clone();
    }
    if &allowed == new {
        return None;
    }
    let changed = changed_fields(
        &serde_json::to_value(&allowed).unwrap_or_default(),
        &serde_json::to_value(new).unwrap_or_default(),
        "spec",
    );
    Some(FieldError::forbidden(
        "spec",
        &format!(
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n  changed: {}",
            changed.join(", ")
        ),
    ))
}

/// The paths where two JSON values differ, for a readable summary.
pub(super) fn changed_fields(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: &str,
) -> Vec<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect_set();
            keys.into_iter()
                .flat_map(|k| {
                    changed_fields(
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                        &format!("{path}.{k}"),
                    )
                })
                .collect()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .flat_map(|(i, (p, q))| changed_fields(p, q, &format!("{path}[{i}]")))
            .collect(),
        _ if a == b => Vec::new(),
        _ => vec![path.to_string()],
    }
}

#[cfg(test)]
mod update_tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Container, Pod};

    fn pod(image: &str, port: Option<i32>) -> Object {
        Object::Pod(Pod {
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "c".into(),
                    image: Some(image.into()),
                    ports: port.map(|p| {
                        vec![k8s_openapi::api::core::v1::ContainerPort {
                            container_port: p,
                            ..Default::default()
                        }]
                    }),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
            ..Pod::default()
        })
    }

    #[test]
    fn pods_may_change_images_only() {
        assert!(validate_update(&pod("nginx:1.25", None), &pod("nginx:1.27", None)).is_empty());
        let errors = validate_update(&pod("nginx", None), &pod("nginx", Some(80)));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .detail
                .starts_with("Forbidden: pod updates may not change fields other than"),
            "{}",
            errors[0].detail
        );
        assert!(
            errors[0].detail.contains("spec.containers[0].ports"),
            "{}",
            errors[0].detail
        );
    }
}
