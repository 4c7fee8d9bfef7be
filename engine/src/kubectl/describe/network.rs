//! `kubectl describe` for Services, Endpoints and EndpointSlices
//! (describe.go: describeService with formatEndpointSlices,
//! describeEndpoints, describeEndpointSliceV1).

use k8s_openapi::api::core::v1::{Endpoints, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{events, header, table, Block};
use crate::labels::format_labels;
use crate::objects::{MetaExt, Object};
use crate::sim::Simulation;

/// The EndpointSlices of a Service, as a label-selected list returns them.
pub fn slices_of<'a>(sim: &'a Simulation, svc: &Service) -> Vec<&'a EndpointSlice> {
    sim.api()
        .list_typed::<EndpointSlice>(Some(svc.metadata.namespace_str()))
        .into_iter()
        .filter(|s| crate::labels::slice_of_service(s, svc))
        .collect()
}

/// The Events line joins the aligned block when there are none (its tab
/// keeps it in the tabwriter's column); a table of events stands apart.
fn with_events(sim: &Simulation, mut block: Block, object: Object) -> String {
    let events = events(sim, &object);
    if events.starts_with("Events:  <none>") {
        block.add("Events", "<none>");
        return block.render(0);
    }
    block.render(0) + &events
}

pub(super) fn describe_service(sim: &Simulation, svc: &Service) -> String {
    let spec = svc.spec.clone().unwrap_or_default();
    let mut b = header(&svc.metadata);
    b.add(
        "Selector",
        spec.selector
            .as_ref()
            .filter(|m| !m.is_empty())
            .map_or_else(|| "<none>".into(), format_labels),
    );
    b.add("Type", spec.type_.clone().unwrap_or_default());
    if let Some(policy) = &spec.ip_family_policy {
        b.add("IP Family Policy", policy.clone());
    }
    b.add(
        "IP Families",
        spec.ip_families
            .as_ref()
            .filter(|f| !f.is_empty())
            .map_or_else(|| "<none>".into(), |f| f.join(",")),
    );
    b.add("IP", spec.cluster_ip.clone().unwrap_or_default());
    b.add(
        "IPs",
        spec.cluster_ips
            .as_ref()
            .filter(|f| !f.is_empty())
            .map_or_else(|| "<none>".into(), |f| f.join(",")),
    );
    if let Some(ips) = spec.external_ips.as_ref().filter(|i| !i.is_empty()) {
        b.add("External IPs", ips.join(","));
    }
    if let Some(name) = spec.external_name.as_ref().filter(|n| !n.is_empty()) {
        b.add("External Name", name.clone());
    }
    let slices = slices_of(sim, svc);
    for port in spec.ports.iter().flatten() {
        let name = port.name.clone().filter(|n| !n.is_empty());
        let shown = name.clone().unwrap_or_else(|| "<unset>".into());
        let protocol = port.protocol.clone().unwrap_or_else(|| "TCP".into());
        b.add("Port", format!("{shown}  {}/{protocol}", port.port));
        let target = match &port.target_port {
            Some(IntOrString::Int(n)) => n.to_string(),
            Some(IntOrString::String(s)) => s.clone(),
            None => "0".into(),
        };
        b.add("TargetPort", format!("{target}/{protocol}"));
        if let Some(node_port) = port.node_port.filter(|n| *n != 0) {
            b.add("NodePort", format!("{shown}  {node_port}/{protocol}"));
        }
        b.add(
            "Endpoints",
            format_endpoint_slices(&slices, name.as_deref().unwrap_or("")),
        );
    }
    b.add(
        "Session Affinity",
        spec.session_affinity.clone().unwrap_or_default(),
    );
    if let Some(policy) = spec.external_traffic_policy.as_ref() {
        b.add("External Traffic Policy", policy.clone());
    }
    if let Some(policy) = spec.internal_traffic_policy.as_ref() {
        b.add("Internal Traffic Policy", policy.clone());
    }
    with_events(sim, b, Object::Service(svc.clone()))
}

/// formatEndpointSlices for one port name: the first three ready
/// `address:port`s, then `+ N more...`; `<none>` without any slice.
fn format_endpoint_slices(slices: &[&EndpointSlice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut count = 0;
    let ready = |e: &k8s_openapi::api::discovery::v1::Endpoint| {
        e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true)
    };
    for slice in slices {
        let ports = slice.ports.as_deref().unwrap_or(&[]);
        if ports.is_empty() {
            // A headless Service may have no ports: addresses alone.
            for e in slice.endpoints.iter().filter(|e| ready(e)) {
                if list.len() < MAX {
                    list.extend(e.addresses.first().cloned());
                }
                count += 1;
            }
            continue;
        }
        for port in ports
            .iter()
            .filter(|p| p.name.as_deref().unwrap_or("") == port_name)
        {
            for e in slice.endpoints.iter().filter(|e| ready(e)) {
                if list.len() < MAX {
                    if let Some(address) = e.addresses.first() {
                        list.push(format!("{address}:{}", port.port.unwrap_or(0)));
                    }
                }
                count += 1;
            }
        }
    }
    let joined = list.join(",");
    if count > MAX {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

pub(super) fn describe_endpoint_slice(sim: &Simulation, slice: &EndpointSlice) -> String {
    let mut head = header(&slice.metadata);
    head.add("AddressType", slice.address_type.clone());
    let mut out = head.render(0);
    let ports = slice.ports.as_deref().unwrap_or(&[]);
    if ports.is_empty() {
        out.push_str("Ports: <unset>\n");
    } else {
        out.push_str("Ports:\n");
        out.push_str(&ports_table(
            2,
            ports.iter().map(|p| {
                let number = p.port.map_or_else(|| "<unset>".into(), |n| n.to_string());
                (p.name.as_deref(), number, p.protocol.as_deref())
            }),
        ));
    }
    let events = events(sim, &Object::EndpointSlice(slice.clone()));
    let no_events = events.starts_with("Events:  <none>");
    if slice.endpoints.is_empty() {
        out.push_str("Endpoints: <none>\n");
        return out + &events;
    }
    out.push_str("Endpoints:\n");
    // Keys carry their indentation: tabwriter aligns a run of lines with
    // tabs, whatever their level; a line without one ends the run.
    let mut last = Block::default();
    for e in &slice.endpoints {
        let addresses = if e.addresses.is_empty() {
            "<none>".to_string()
        } else {
            e.addresses.join(", ")
        };
        last.add("  - Addresses", addresses);
        out.push_str(&last.render(0));
        out.push_str("    Conditions:\n");
        let ready = e
            .conditions
            .as_ref()
            .and_then(|c| c.ready)
            .map_or_else(|| "<unset>".into(), |r| r.to_string());
        let mut b = Block::default();
        b.add("      Ready", ready);
        out.push_str(&b.render(0));
        last = Block::default();
        last.add(
            "    Hostname",
            e.hostname.clone().unwrap_or_else(|| "<unset>".into()),
        );
        if let Some(target) = &e.target_ref {
            last.add(
                "    TargetRef",
                format!(
                    "{}/{}",
                    target.kind.clone().unwrap_or_default(),
                    target.name.clone().unwrap_or_default()
                ),
            );
        }
        last.add(
            "    NodeName",
            e.node_name.clone().unwrap_or_else(|| "<unset>".into()),
        );
        last.add(
            "    Zone",
            e.zone.clone().unwrap_or_else(|| "<unset>".into()),
        );
    }
    if no_events {
        last.add("Events", "<none>");
        return out + &last.render(0);
    }
    out + &last.render(0) + &events
}

/// describeEndpoints: each subset's ready and not-ready addresses and its ports.
pub(super) fn describe_endpoints(sim: &Simulation, ep: &Endpoints) -> String {
    let mut out = header(&ep.metadata).render(0);
    out.push_str("Subsets:\n");
    for subset in ep.subsets.iter().flatten() {
        let join = |list: Option<&Vec<k8s_openapi::api::core::v1::EndpointAddress>>| {
            let ips: Vec<&str> = list
                .iter()
                .flat_map(|l| l.iter())
                .map(|a| a.ip.as_str())
                .collect();
            if ips.is_empty() {
                "<none>".to_string()
            } else {
                ips.join(",")
            }
        };
        let mut b = Block::default();
        b.add("  Addresses", join(subset.addresses.as_ref()));
        b.add(
            "  NotReadyAddresses",
            join(subset.not_ready_addresses.as_ref()),
        );
        out.push_str(&b.render(0));
        if let Some(ports) = subset.ports.as_ref().filter(|p| !p.is_empty()) {
            out.push_str("  Ports:\n");
            out.push_str(&ports_table(
                4,
                ports
                    .iter()
                    .map(|p| (p.name.as_deref(), p.port.to_string(), p.protocol.as_deref())),
            ));
        }
        out.push('\n');
    }
    out + &events(sim, &Object::Endpoints(ep.clone()))
}

/// The Name/Port/Protocol table of a slice's or a subset's ports; an unnamed port is `<unset>`.
fn ports_table<'a>(
    indent: usize,
    ports: impl Iterator<Item = (Option<&'a str>, String, Option<&'a str>)>,
) -> String {
    let rows: Vec<Vec<String>> = ports
        .map(|(name, number, protocol)| {
            vec![
                name.filter(|n| !n.is_empty())
                    .unwrap_or("<unset>")
                    .to_string(),
                number,
                protocol.unwrap_or_default().to_string(),
            ]
        })
        .collect();
    table(indent, &["Name", "Port", "Protocol"], &rows, true)
}
