//! The EndpointSlice controller (pkg/controller/endpointslice, with the
//! reconciler of staging/src/k8s.io/endpointslice): for every Service with a
//! selector, the addresses of the pods it selects, in EndpointSlices the
//! Service owns. kube-proxy and cluster DNS read these slices.
//!
//! - Which pods: ShouldPodBeInEndpoints — not terminal, with an IP;
//!   terminating pods stay, with `terminating: true`.
//! - Each endpoint: podToEndpoint — `serving` is the pod's readiness,
//!   `ready` is serving and not terminating (or true with
//!   publishNotReadyAddresses), the hostname when the pod's subdomain names
//!   the Service (ShouldSetHostname), the node and the pod as targetRef.
//! - Ports: getEndpointPorts — each Service port's target port as found in
//!   the pod (a named port looked up among its containers' ports).
//! - Slices group endpoints with the same ports, at most 100 each; a slice
//!   whose endpoints changed is updated in place; with no endpoints at all
//!   the Service keeps one empty placeholder slice.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ObjectReference, Pod, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Context, Controller, Reconciled};
use crate::labels::{slice_service, SERVICE_NAME};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::sorting::CollectSorted;
use crate::store::{WatchEvent, WatchEventType};

pub const NAME: &str = "endpointslice-controller";
/// The managed-by label's value: slices others manage are left alone.
pub const MANAGED_BY: &str = "endpointslice-controller.k8s.io";
const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";
/// --max-endpoints-per-slice's default.
const MAX_ENDPOINTS_PER_SLICE: usize = 100;

pub struct EndpointSliceController;

type Ports = Vec<EndpointPort>;

/// SelectorFromSet: every key of a Service's selector, with its value.
pub fn selects(svc: &Service, pod: &Pod) -> bool {
    let Some(selector) = svc
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .filter(|s| !s.is_empty())
    else {
        return false;
    };
    let labels = pod.metadata.labels.as_ref();
    selector
        .iter()
        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

fn as_slice(object: &Object) -> Option<&EndpointSlice> {
    match object {
        Object::EndpointSlice(s) => Some(s),
        _ => None,
    }
}

fn managed_by_us(slice: &EndpointSlice) -> bool {
    slice.metadata.label(MANAGED_BY_LABEL) == Some(MANAGED_BY)
}

impl Controller for EndpointSliceController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, api: &crate::apiserver::ApiServer) -> Vec<ObjectRef> {
        let namespace = event.object_ref.namespace.as_deref();
        let service_key = |name: &str| ObjectRef::new(Kind::Service, namespace, name);
        match &*event.object {
            Object::Service(_) => vec![service_key(&event.object_ref.name)],
            Object::Pod(pod) => services_selecting(pod, event, api),
            // A slice someone deleted is put back (the controller's own
            // writes do not wake it: its endpointSliceTracker knows them).
            Object::EndpointSlice(slice)
                if managed_by_us(slice) && event.event_type == WatchEventType::Deleted =>
            {
                slice_service(slice).map(service_key).into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let namespace = key.namespace.clone().unwrap_or_default();
        // Shared, not copied: a slice is copied only when it must change.
        let existing: Vec<Arc<Object>> = ctx
            .api
            .list_shared(Kind::EndpointSlice, Some(&namespace))
            .into_iter()
            .filter(|o| {
                as_slice(o).is_some_and(|s| {
                    managed_by_us(s) && slice_service(s) == Some(key.name.as_str())
                })
            })
            .collect();
        let service = match ctx.api.get(key) {
            Some(Object::Service(svc)) if !svc.metadata.is_deleting() => Some(svc.clone()),
            _ => None,
        };
        let Some(service) = service.filter(has_selector) else {
            return Reconciled::nothing();
        };
        // Endpoints grouped by their ports, each group in pod-name order.
        let mut desired: BTreeMap<Vec<PortKey>, Vec<Endpoint>> = BTreeMap::new();
        let (mut selected, mut ready) = (0, 0);
        for pod in ctx.api.list_typed::<Pod>(Some(&namespace)) {
            if !selects(&service, pod) || !should_be_in_endpoints(pod) {
                continue;
            }
            selected += 1;
            if podutil::is_ready(pod) && !pod.metadata.is_deleting() {
                ready += 1;
            }
            let ports = endpoint_ports(&service, pod);
            desired
                .entry(ports.iter().map(PortKey::of).collect())
                .or_default()
                .push(pod_to_endpoint(pod, &service));
        }
        let mut created = 0;
        let mut updated = 0;
        let mut deleted = 0;
        let mut unused: Vec<Arc<Object>> = existing;
        let mut wanted: Vec<(Vec<EndpointPort>, Vec<Endpoint>)> = Vec::new();
        for (key_ports, mut endpoints) in desired {
            let ports = key_ports.iter().map(PortKey::to_port).collect::<Vec<_>>();
            while !endpoints.is_empty() {
                let rest = endpoints.split_off(endpoints.len().min(MAX_ENDPOINTS_PER_SLICE));
                wanted.push((ports.clone(), endpoints));
                endpoints = rest;
            }
        }
        if wanted.is_empty() {
            // The placeholder: one empty slice.
            wanted.push((Vec::new(), Vec::new()));
        }
        // Slices with the same ports are updated; the others are reused for
        // what would be created (finalize: creates become updates of slices
        // that would be deleted), so a Service keeps its slice's name.
        let ports_of = |o: &Arc<Object>| {
            as_slice(o)
                .and_then(|s| s.ports.clone())
                .unwrap_or_default()
        };
        let mut matched: Vec<(Option<Arc<Object>>, Ports, Vec<Endpoint>)> = wanted
            .into_iter()
            .map(|(ports, endpoints)| {
                let same = unused.iter().position(|o| ports_of(o) == ports);
                (same.map(|i| unused.remove(i)), ports, endpoints)
            })
            .collect();
        for (slot, _, _) in matched.iter_mut().filter(|(s, _, _)| s.is_none()) {
            if !unused.is_empty() {
                *slot = Some(unused.remove(0));
            }
        }
        let labels = slice_labels(&service);
        for (slot, ports, endpoints) in matched {
            let Some(stored) = slot else {
                let mut slice = new_slice(&service);
                slice.ports = Some(ports);
                slice.endpoints = endpoints;
                slice.metadata.labels = Some(labels.clone());
                if ctx
                    .api
                    .create(ctx.now, Object::EndpointSlice(slice))
                    .is_ok()
                {
                    created += 1;
                }
                continue;
            };
            let Some(current) = as_slice(&stored) else {
                continue;
            };
            let unchanged = current.ports.as_deref().unwrap_or(&[]) == ports.as_slice()
                && current.ports.is_some()
                && current.endpoints == endpoints
                && current.metadata.labels.as_ref() == Some(&labels);
            if unchanged {
                continue;
            }
            let mut slice = current.clone();
            slice.ports = Some(ports);
            slice.endpoints = endpoints;
            slice.metadata.labels = Some(labels.clone());
            if ctx.api.update(Object::EndpointSlice(slice)).is_ok() {
                updated += 1;
            }
        }
        for stored in unused {
            let slice_ref = ObjectRef::new(
                Kind::EndpointSlice,
                Some(&namespace),
                stored.meta().name_str(),
            );
            if ctx.api.delete(ctx.now, &slice_ref, None).is_ok() {
                deleted += 1;
            }
        }
        if created + updated + deleted == 0 {
            return Reconciled::nothing();
        }
        let verb = match (created, updated, deleted) {
            (c, 0, 0) if c > 0 => "created",
            (0, _, 0) => "updated",
            (0, 0, _) => "deleted",
            _ => "rewrote",
        };
        Reconciled::did(format!(
            "{verb} the EndpointSlices of service {}/{}: {} of {} selected pods ready",
            namespace, key.name, ready, selected
        ))
    }
}

/// ShouldPodBeInEndpoints with terminating pods included.
fn should_be_in_endpoints(pod: &Pod) -> bool {
    !podutil::is_terminal(pod)
        && pod
            .status
            .as_ref()
            .and_then(|s| s.pod_ip.as_deref())
            .is_some_and(|ip| !ip.is_empty())
}

/// podToEndpoint.
fn pod_to_endpoint(pod: &Pod, svc: &Service) -> Endpoint {
    let serving = podutil::is_ready(pod);
    let terminating = pod.metadata.is_deleting();
    let publish_not_ready = svc
        .spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false);
    Endpoint {
        addresses: vec![pod
            .status
            .as_ref()
            .and_then(|s| s.pod_ip.clone())
            .unwrap_or_default()],
        conditions: Some(EndpointConditions {
            ready: Some(publish_not_ready || (serving && !terminating)),
            serving: Some(serving),
            terminating: Some(terminating),
        }),
        hostname: hostname_for(pod, svc),
        node_name: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        target_ref: Some(pod_reference(pod)),
        ..Default::default()
    }
}

// What the EndpointSlice and Endpoints controllers share (upstream's
// endpointutil and podutil).

/// getPodServiceMemberships: the Services selecting a pod before or after a change.
pub fn services_selecting(
    pod: &Pod,
    event: &WatchEvent,
    api: &crate::apiserver::ApiServer,
) -> Vec<ObjectRef> {
    let namespace = event.object_ref.namespace.as_deref();
    let previous = match event.previous.as_deref() {
        Some(Object::Pod(old)) => Some(old),
        _ => None,
    };
    api.list_typed::<Service>(namespace)
        .into_iter()
        .filter(|svc| selects(svc, pod) || previous.is_some_and(|old| selects(svc, old)))
        .map(|svc| ObjectRef::new(Kind::Service, namespace, svc.metadata.name_str()))
        .collect()
}

/// Whether a Service selects pods; without a selector its endpoints are
/// someone else's to write.
pub fn has_selector(svc: &Service) -> bool {
    svc.spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .is_some_and(|m| !m.is_empty())
}

/// ShouldSetHostname: a pod's hostname is published when its subdomain is this Service.
pub fn hostname_for(pod: &Pod, svc: &Service) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    spec.hostname.clone().filter(|h| {
        !h.is_empty()
            && spec.subdomain.as_deref() == svc.metadata.name.as_deref()
            && pod.metadata.namespace == svc.metadata.namespace
    })
}

/// An endpoint's targetRef: the pod.
pub fn pod_reference(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        uid: pod.metadata.uid.clone(),
        ..Default::default()
    }
}

/// getEndpointPorts: a Service port whose target the pod lacks is left out.
fn endpoint_ports(svc: &Service, pod: &Pod) -> Vec<EndpointPort> {
    svc.spec
        .iter()
        .flat_map(|s| s.ports.iter().flatten())
        .filter_map(|sp| {
            let protocol = sp.protocol.clone().unwrap_or_else(|| "TCP".into());
            let number = find_port(pod, sp.target_port.as_ref(), sp.port, &protocol)?;
            Some(EndpointPort {
                name: Some(sp.name.clone().unwrap_or_default()),
                port: Some(number),
                protocol: Some(protocol),
                app_protocol: sp.app_protocol.clone(),
            })
        })
        .collect()
}

/// podutil.FindPort: a number as it is; a name among the containers' ports.
pub fn find_port(
    pod: &Pod,
    target: Option<&IntOrString>,
    port: i32,
    protocol: &str,
) -> Option<i32> {
    match target {
        None => Some(port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => pod
            .spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| {
                p.name.as_deref() == Some(name.as_str())
                    && p.protocol.as_deref().unwrap_or("TCP") == protocol
            })
            .map(|p| p.container_port),
    }
}

/// An EndpointPort as a sortable key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PortKey {
    name: String,
    port: i32,
    protocol: String,
    app_protocol: Option<String>,
}

impl PortKey {
    fn of(p: &EndpointPort) -> PortKey {
        PortKey {
            name: p.name.clone().unwrap_or_default(),
            port: p.port.unwrap_or(0),
            protocol: p.protocol.clone().unwrap_or_default(),
            app_protocol: p.app_protocol.clone(),
        }
    }

    fn to_port(&self) -> EndpointPort {
        EndpointPort {
            name: Some(self.name.clone()),
            port: Some(self.port),
            protocol: Some(self.protocol.clone()),
            app_protocol: self.app_protocol.clone(),
        }
    }
}

/// newEndpointSlice: `<service>-` and a random suffix, owned by the Service.
fn new_slice(svc: &Service) -> EndpointSlice {
    let mut meta = crate::apiserver::new_meta(
        svc.metadata.namespace_str(),
        None,
        Some(&format!("{}-", svc.metadata.name_str())),
    );
    meta.owner_references = Some(vec![super::replicaset::controller_ref(
        Kind::Service,
        &svc.metadata,
    )]);
    EndpointSlice {
        metadata: meta,
        address_type: "IPv4".into(),
        endpoints: Vec::new(),
        ports: Some(Vec::new()),
    }
}

/// setEndpointSliceLabels: the Service's own labels, the headless mark, the
/// Service's name and who manages the slice.
fn slice_labels(svc: &Service) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = svc
        .metadata
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != SERVICE_NAME && k != MANAGED_BY_LABEL)
        .collect_map();
    if crate::apiserver::validation_service::is_headless(svc) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    }
    labels.insert(SERVICE_NAME.into(), svc.metadata.name_str().into());
    labels.insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
    labels
}
