//! `kubectl get` rows for Services, Endpoints and EndpointSlices, as
//! pkg/printers/internalversion/printers.go prints them (printService,
//! printEndpoints, printEndpointSlice).

use k8s_openapi::api::core::v1::{Endpoints, Service, ServicePort};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::printers::age;
use crate::labels::format_labels;
use crate::objects::MetaExt;
use crate::time::SimTime;

/// printService.
pub fn service_row(svc: &Service, wide: bool, now: SimTime) -> Vec<String> {
    let spec = svc.spec.clone().unwrap_or_default();
    let service_type = spec.type_.clone().unwrap_or_default();
    let internal_ip = spec
        .cluster_ips
        .as_ref()
        .and_then(|ips| ips.first().cloned())
        .unwrap_or_else(|| "<none>".into());
    let ports = port_string(spec.ports.as_deref().unwrap_or(&[]));
    let mut row = vec![
        svc.metadata.name_str().to_string(),
        service_type,
        internal_ip,
        external_ip(svc),
        if ports.is_empty() {
            "<none>".into()
        } else {
            ports
        },
        age(&svc.metadata, now),
    ];
    if wide {
        // labels.FormatLabels: `<none>` for no selector.
        row.push(
            spec.selector
                .as_ref()
                .filter(|m| !m.is_empty())
                .map_or_else(|| "<none>".into(), format_labels),
        );
    }
    row
}

/// getServiceExternalIP.
fn external_ip(svc: &Service) -> String {
    let spec = svc.spec.clone().unwrap_or_default();
    let external: Vec<String> = spec.external_ips.clone().unwrap_or_default();
    match spec.type_.as_deref() {
        Some("ExternalName") => spec.external_name.clone().unwrap_or_default(),
        Some("LoadBalancer") => {
            let mut ips: Vec<String> = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.clone())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|i| i.ip.or(i.hostname))
                .collect();
            ips.extend(external);
            if ips.is_empty() {
                "<pending>".into()
            } else {
                ips.join(",")
            }
        }
        _ if !external.is_empty() => external.join(","),
        _ => "<none>".into(),
    }
}

/// makePortString: `80/TCP`, `80:30080/TCP`.
pub fn port_string(ports: &[ServicePort]) -> String {
    ports
        .iter()
        .map(|p| {
            let protocol = p.protocol.as_deref().unwrap_or("TCP");
            match p.node_port.filter(|n| *n > 0) {
                Some(node_port) => format!("{}:{node_port}/{protocol}", p.port),
                None => format!("{}/{protocol}", p.port),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// printEndpointSlice.
pub fn endpoint_slice_row(slice: &EndpointSlice, now: SimTime) -> Vec<String> {
    let ports: Vec<String> = slice
        .ports
        .iter()
        .flatten()
        .map(|p| match (p.port, &p.name) {
            (Some(n), _) => n.to_string(),
            (None, Some(name)) => name.clone(),
            (None, None) => "*".into(),
        })
        .collect();
    let addresses: Vec<String> = slice
        .endpoints
        .iter()
        .flat_map(|e| e.addresses.iter().cloned())
        .collect();
    vec![
        slice.metadata.name_str().to_string(),
        slice.address_type.clone(),
        list_with_more(&ports),
        list_with_more(&addresses),
        age(&slice.metadata, now),
    ]
}

/// listWithMoreString: the first three, then `+ N more...`; `<unset>` for none.
fn list_with_more(items: &[String]) -> String {
    const MAX: usize = 3;
    if items.is_empty() {
        return "<unset>".into();
    }
    let shown = items[..items.len().min(MAX)].join(",");
    if items.len() > MAX {
        format!("{shown} + {} more...", items.len() - MAX)
    } else {
        shown
    }
}

/// What the API server warns about on every read of a v1 Endpoints object.
pub const ENDPOINTS_DEPRECATED: &str =
    "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// printEndpoints.
pub fn endpoints_row(ep: &Endpoints, now: SimTime) -> Vec<String> {
    vec![
        ep.metadata.name_str().to_string(),
        format_endpoints(ep),
        age(&ep.metadata, now),
    ]
}

/// formatEndpoints: the ready `ip:port`s, three of them, then `+ N more...`;
/// `<none>` without subsets, nothing when none is ready.
fn format_endpoints(ep: &Endpoints) -> String {
    const MAX: usize = 3;
    let subsets = ep.subsets.as_deref().unwrap_or(&[]);
    if subsets.is_empty() {
        return "<none>".into();
    }
    let mut all = Vec::new();
    for subset in subsets {
        let addresses = subset.addresses.as_deref().unwrap_or(&[]);
        match subset.ports.as_deref().filter(|p| !p.is_empty()) {
            None => all.extend(addresses.iter().map(|a| a.ip.clone())),
            Some(ports) => {
                for port in ports {
                    all.extend(addresses.iter().map(|a| format!("{}:{}", a.ip, port.port)));
                }
            }
        }
    }
    let shown = all[..all.len().min(MAX)].join(",");
    if all.len() > MAX {
        format!("{shown} + {} more...", all.len() - MAX)
    } else {
        shown
    }
}
