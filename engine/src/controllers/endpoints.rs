//! The Endpoints controller (pkg/controller/endpoint): the v1 Endpoints
//! object of every Service with a selector, named as the Service. The API
//! is deprecated since v1.33 in favour of EndpointSlices (which kube-proxy
//! and cluster DNS read), but the controller still runs and
//! `kubectl get endpoints` is what many guides show.
//!
//! syncService: each selected pod with an IP is an address of every
//! Service port it has (FindPort); ready pods (or all, with
//! publishNotReadyAddresses) under `addresses`, the others under
//! `notReadyAddresses` unless they will not run again
//! (shouldPodBeInEndpoints); terminating pods are left out. Subsets group
//! addresses with the same ports (RepackSubsets), sorted by IP.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod};

use super::endpointslice::{
    find_port, has_selector, hostname_for, pod_reference, selects, services_selecting,
};
use super::{Context, Controller, Reconciled};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::store::{WatchEvent, WatchEventType};

pub const NAME: &str = "endpoints-controller";
const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

pub struct EndpointsController;

impl Controller for EndpointsController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &crate::apiserver::ApiServer) -> Vec<ObjectRef> {
        let namespace = event.object_ref.namespace.as_deref();
        match &*event.object {
            Object::Service(_) => vec![ObjectRef::new(
                Kind::Service,
                namespace,
                &event.object_ref.name,
            )],
            // onEndpointsDelete: only a deleted Endpoints object is put back.
            Object::Endpoints(_) if event.event_type == WatchEventType::Deleted => {
                vec![ObjectRef::new(
                    Kind::Service,
                    namespace,
                    &event.object_ref.name,
                )]
            }
            Object::Pod(pod) => services_selecting(pod, event, api),
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let namespace = key.namespace.clone().unwrap_or_default();
        let ep_key = ObjectRef::new(Kind::Endpoints, Some(&namespace), &key.name);
        let existing = ctx
            .api
            .get_typed::<Endpoints>(Some(&namespace), &key.name)
            .cloned();
        let service = match ctx.api.get(key) {
            Some(Object::Service(svc)) if !svc.metadata.is_deleting() => svc.clone(),
            // The Service is gone: so is its Endpoints object.
            _ => {
                return match existing {
                    Some(_) if ctx.api.delete(ctx.now, &ep_key, None).is_ok() => {
                        Reconciled::did(format!("deleted endpoints {namespace}/{}", key.name))
                    }
                    _ => Reconciled::nothing(),
                };
            }
        };
        if !has_selector(&service) {
            return Reconciled::nothing();
        }
        let spec = service.spec.clone().unwrap_or_default();
        let tolerate_unready = spec.publish_not_ready_addresses.unwrap_or(false);
        let pods: Vec<&Pod> = ctx
            .api
            .list_typed::<Pod>(Some(&namespace))
            .into_iter()
            .filter(|p| selects(&service, p))
            .collect();
        // (ports) → (ready addresses, not-ready addresses)
        type Addresses = (Vec<EndpointAddress>, Vec<EndpointAddress>);
        let mut subsets: BTreeMap<Vec<(String, i32, String)>, Addresses> = BTreeMap::new();
        for pod in pods {
            let ip = pod
                .status
                .as_ref()
                .and_then(|s| s.pod_ip.clone())
                .unwrap_or_default();
            if ip.is_empty() || (!tolerate_unready && pod.metadata.is_deleting()) {
                continue;
            }
            let address = EndpointAddress {
                ip,
                hostname: hostname_for(pod, &service),
                node_name: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
                target_ref: Some(pod_reference(pod)),
            };
            let ports: Vec<(String, i32, String)> = spec
                .ports
                .iter()
                .flatten()
                .filter_map(|sp| {
                    let protocol = sp.protocol.clone().unwrap_or_else(|| "TCP".into());
                    let port = find_port(pod, sp.target_port.as_ref(), sp.port, &protocol)?;
                    Some((sp.name.clone().unwrap_or_default(), port, protocol))
                })
                .collect();
            let entry = subsets.entry(ports).or_default();
            if tolerate_unready || podutil::is_ready(pod) {
                entry.0.push(address);
            } else if should_be_in_endpoints(pod) {
                entry.1.push(address);
            }
        }
        let by_ip = |a: &EndpointAddress, b: &EndpointAddress| a.ip.cmp(&b.ip);
        let subsets: Vec<EndpointSubset> = subsets
            .into_iter()
            .filter(|(_, (ready, not_ready))| !ready.is_empty() || !not_ready.is_empty())
            .map(|(ports, (mut ready, mut not_ready))| {
                crate::sorting::sort_by(&mut ready, by_ip);
                crate::sorting::sort_by(&mut not_ready, by_ip);
                EndpointSubset {
                    addresses: (!ready.is_empty()).then_some(ready),
                    not_ready_addresses: (!not_ready.is_empty()).then_some(not_ready),
                    ports: (!ports.is_empty()).then(|| {
                        ports
                            .into_iter()
                            .map(|(name, port, protocol)| EndpointPort {
                                name: (!name.is_empty()).then_some(name),
                                port,
                                protocol: Some(protocol),
                                app_protocol: None,
                            })
                            .collect()
                    }),
                }
            })
            .collect();
        let mut labels = service.metadata.labels.clone().unwrap_or_default();
        if crate::apiserver::validation_service::is_headless(&service) {
            labels.insert(HEADLESS_LABEL.into(), String::new());
        }
        let subsets = (!subsets.is_empty()).then_some(subsets);
        let ready: usize = subsets
            .iter()
            .flatten()
            .map(|s| s.addresses.as_ref().map_or(0, Vec::len))
            .sum();
        let summary = |verb: &str| {
            format!(
                "{verb} endpoints {namespace}/{}: {ready} ready addresses",
                key.name
            )
        };
        match existing {
            None => {
                let endpoints = Endpoints {
                    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                        name: Some(key.name.clone()),
                        namespace: Some(namespace.clone()),
                        labels: (!labels.is_empty()).then_some(labels),
                        ..Default::default()
                    },
                    subsets,
                };
                match ctx.api.create(ctx.now, Object::Endpoints(endpoints)) {
                    Ok(_) => Reconciled::did(summary("created")),
                    Err(_) => Reconciled::nothing(),
                }
            }
            Some(mut endpoints) => {
                let labels = (!labels.is_empty()).then_some(labels);
                if endpoints.subsets == subsets && endpoints.metadata.labels == labels {
                    return Reconciled::nothing();
                }
                endpoints.subsets = subsets;
                endpoints.metadata.labels = labels;
                match ctx.api.update(Object::Endpoints(endpoints)) {
                    Ok(_) => Reconciled::did(summary("updated")),
                    Err(_) => Reconciled::nothing(),
                }
            }
        }
    }
}

/// shouldPodBeInEndpoints (endpoints controller): a pod that will not run
/// again is no endpoint, ready or not.
fn should_be_in_endpoints(pod: &Pod) -> bool {
    let phase = podutil::phase(pod);
    match pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()) {
        Some("Never") => phase != "Failed" && phase != "Succeeded",
        Some("OnFailure") => phase != "Succeeded",
        _ => true,
    }
}
