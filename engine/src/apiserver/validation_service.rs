//! Validation of Services and EndpointSlices, worded as the API server words
//! it (ValidateService, ValidateServiceUpdate and ValidateEndpointSlice in
//! pkg/apis/core/validation and pkg/apis/discovery/validation).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::errors::FieldError;
use super::validation::is_dns1123_label;

/// apimachinery's DNS1035LabelErrMsg: Service names become DNS labels.
pub(super) const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const PORT_RANGE_MSG: &str = "must be between 1 and 65535, inclusive";
const TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

pub fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.as_bytes()[0].is_ascii_lowercase()
}

/// Whether a Service has no cluster IP: its DNS name answers with its pods' addresses.
pub fn is_headless(svc: &Service) -> bool {
    svc.spec
        .as_ref()
        .and_then(|s| s.cluster_ip.as_deref())
        .is_some_and(|ip| ip == "None")
}

fn unsupported(field: String, value: &str, supported: &[&str]) -> FieldError {
    let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    FieldError {
        field,
        detail: format!(
            "Unsupported value: {value:?}: supported values: {}",
            list.join(", ")
        ),
    }
}

pub(super) fn validate_service(svc: &Service, errors: &mut Vec<FieldError>) {
    if let Some(name) = svc.metadata.name.as_deref().filter(|n| !n.is_empty()) {
        if !is_dns1035_label(name) {
            errors.push(FieldError::invalid(
                "metadata.name",
                format!("{name:?}"),
                DNS1035_LABEL_MSG,
            ));
        }
    }
    let Some(spec) = &svc.spec else {
        errors.push(FieldError::required("spec.ports", ""));
        return;
    };
    let service_type = spec.type_.as_deref().unwrap_or("ClusterIP");
    if !TYPES.contains(&service_type) {
        errors.push(unsupported("spec.type".into(), service_type, TYPES));
    }
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    if service_type == "ExternalName" {
        if spec.external_name.as_deref().is_none_or(str::is_empty) {
            errors.push(FieldError::required("spec.externalName", ""));
        }
    } else if ports.is_empty() && !is_headless(svc) {
        errors.push(FieldError::required("spec.ports", ""));
    }
    if is_headless(svc) && matches!(service_type, "NodePort" | "LoadBalancer") {
        errors.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            "\"None\"",
            "may not be set to 'None' for LoadBalancer or NodePort services",
        ));
    }
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let field = format!("spec.ports[{i}]");
        let name = port.name.as_deref().unwrap_or("");
        if name.is_empty() {
            if ports.len() > 1 {
                errors.push(FieldError::required(format!("{field}.name"), ""));
            }
        } else if !is_dns1123_label(name) {
            errors.push(FieldError::invalid(
                format!("{field}.name"),
                format!("{name:?}"),
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            ));
        } else if !names.insert(name) {
            errors.push(FieldError::duplicate(
                format!("{field}.name"),
                format!("{name:?}"),
            ));
        }
        if !(1..=65535).contains(&port.port) {
            errors.push(FieldError::invalid(
                format!("{field}.port"),
                port.port,
                PORT_RANGE_MSG,
            ));
        }
        let protocol = port.protocol.as_deref().unwrap_or("TCP");
        if !PROTOCOLS.contains(&protocol) {
            errors.push(unsupported(
                format!("{field}.protocol"),
                protocol,
                PROTOCOLS,
            ));
        }
        match &port.target_port {
            Some(IntOrString::Int(n)) if !(1..=65535).contains(n) => {
                errors.push(FieldError::invalid(
                    format!("{field}.targetPort"),
                    n,
                    PORT_RANGE_MSG,
                ));
            }
            _ => {}
        }
        if let Some(node_port) = port.node_port {
            if service_type == "ClusterIP" {
                errors.push(FieldError::forbidden(
                    format!("{field}.nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            } else if !(30000..=32767).contains(&node_port) {
                errors.push(FieldError::invalid(
                    format!("{field}.nodePort"),
                    node_port,
                    "provided port is not in the valid range. The range of valid ports is 30000-32767",
                ));
            }
        }
    }
    let affinity = spec.session_affinity.as_deref().unwrap_or("None");
    if !["ClientIP", "None"].contains(&affinity) {
        errors.push(unsupported(
            "spec.sessionAffinity".into(),
            affinity,
            &["ClientIP", "None"],
        ));
    }
}

/// validateUpgradeDowngradeClusterIPs: the cluster IP a Service was given stays.
pub(super) fn validate_service_update(old: &Service, new: &Service, errors: &mut Vec<FieldError>) {
    let ip = |s: &Service| s.spec.as_ref().and_then(|s| s.cluster_ip.clone());
    let (before, after) = (ip(old), ip(new));
    if before.is_some() && after.is_some() && before != after {
        errors.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            format!("{:?}", after.unwrap_or_default()),
            "may not change once set",
        ));
    }
}

/// ValidateEndpointSlice: the rules a hand-written slice meets most.
pub(super) fn validate_endpoint_slice(slice: &EndpointSlice, errors: &mut Vec<FieldError>) {
    const TYPES: &[&str] = &["FQDN", "IPv4", "IPv6"];
    if !TYPES.contains(&slice.address_type.as_str()) {
        errors.push(unsupported(
            "addressType".into(),
            &slice.address_type,
            TYPES,
        ));
    }
    for (i, endpoint) in slice.endpoints.iter().enumerate() {
        if endpoint.addresses.is_empty() || endpoint.addresses.len() > 100 {
            errors.push(FieldError::invalid(
                format!("endpoints[{i}].addresses"),
                endpoint.addresses.len(),
                "must contain at least 1 and no more than 100 elements",
            ));
        }
        if slice.address_type == "IPv4" {
            for (j, address) in endpoint.addresses.iter().enumerate() {
                if address.parse::<std::net::Ipv4Addr>().is_err() {
                    errors.push(FieldError::invalid(
                        format!("endpoints[{i}].addresses[{j}]"),
                        format!("{address:?}"),
                        "must be a valid IPv4 address",
                    ));
                }
            }
        }
    }
    for (i, port) in slice.ports.iter().flatten().enumerate() {
        if let Some(n) = port.port.filter(|n| !(1..=65535).contains(n)) {
            errors.push(FieldError::invalid(
                format!("ports[{i}].port"),
                n,
                PORT_RANGE_MSG,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};

    fn service(ports: Vec<ServicePort>) -> Service {
        Service {
            metadata: crate::apiserver::new_meta("default", Some("web"), None),
            spec: Some(ServiceSpec {
                ports: Some(ports),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn messages(svc: &Service) -> Vec<String> {
        let mut errors = Vec::new();
        validate_service(svc, &mut errors);
        errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.detail))
            .collect()
    }

    #[test]
    fn a_service_needs_ports_unless_headless() {
        assert_eq!(messages(&service(vec![])), ["spec.ports: Required value"]);
        let mut headless = service(vec![]);
        headless.spec.as_mut().unwrap().cluster_ip = Some("None".into());
        assert!(messages(&headless).is_empty());
    }

    #[test]
    fn several_ports_need_names_and_valid_numbers() {
        let port = |name: Option<&str>, port| ServicePort {
            name: name.map(str::to_string),
            port,
            ..Default::default()
        };
        assert_eq!(
            messages(&service(vec![port(Some("web"), 80), port(None, 0)])),
            [
                "spec.ports[1].name: Required value",
                "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive"
            ]
        );
    }

    #[test]
    fn names_are_dns_1035_labels() {
        let mut svc = service(vec![ServicePort {
            port: 80,
            ..Default::default()
        }]);
        svc.metadata.name = Some("1web".into());
        assert_eq!(
            messages(&svc),
            [format!(
                "metadata.name: Invalid value: \"1web\": {DNS1035_LABEL_MSG}"
            )]
        );
    }
}
