//! The node side of the kubelet: the Node object it registers (capacity,
//! allocatable, conditions, addresses, system info), the nodes a fresh
//! cluster starts with, and the two heartbeats a running kubelet keeps up:
//!
//! - its Lease in `kube-node-lease`, renewed every 10 s
//!   (pkg/kubelet/nodelease: leaseDurationSeconds 40, renew interval 25 % of it);
//! - its node status, computed every nodeStatusUpdateFrequency (10 s) but
//!   posted only when something other than the heartbeat times changed, or
//!   when nodeStatusReportFrequency (5 min) has passed since the last post
//!   (pkg/kubelet/kubelet_node_status.go tryUpdateNodeStatus,
//!   nodeStatusHasChanged).
//!
//! A heartbeat that changes nothing but timestamps is not a step of the step
//! log; a post that changes something a learner can see (conditions, the
//! images the node holds) is.

use crate::sorting::CollectSorted;
use std::collections::BTreeMap;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{
    ContainerImage, Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo, Taint,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference};

use super::Kubelet;
use crate::apiserver::ApiServer;
use crate::controllers::{Context, Reconciled};
use crate::events::EventType;
use crate::objects::{Kind, Object, ObjectRef};
use crate::registry::{self, Lookup};
use crate::time::{SimDuration, SimTime};

pub const KUBELET_VERSION: &str = "v1.34.2";
pub const CONTAINER_RUNTIME: &str = "containerd://2.1.4";

/// The namespace kubelets keep their Leases in (corev1.NamespaceNodeLease).
pub const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";
/// kubelet's nodeLeaseDurationSeconds default.
pub const LEASE_DURATION_SECONDS: i32 = 40;
/// nodeStatusUpdateFrequency: how often the kubelet computes its node status
/// (and, at 25 % of the lease duration, renews its lease).
pub const NODE_STATUS_UPDATE_FREQUENCY: SimDuration = SimDuration::from_secs(10);
/// nodeStatusReportFrequency: an unchanged status is still posted this often.
pub const NODE_STATUS_REPORT_FREQUENCY: SimDuration = SimDuration::from_secs(5 * 60);
/// nodeStatusMaxImages and maxNamesPerImageInNodeStatus (pkg/kubelet/nodestatus/setters.go).
const NODE_STATUS_MAX_IMAGES: usize = 50;
const MAX_NAMES_PER_IMAGE: usize = 5;

/// How a node looks when it joins: its size and role.
#[derive(Clone, Debug)]
pub struct NodeSpecification {
    pub name: String,
    pub cpu: String,
    pub memory: String,
    pub pods: u32,
    pub control_plane: bool,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// Index of the node, for its IP and pod CIDR.
    pub index: u32,
}

/// The condition rows a healthy kubelet reports, in its order
/// (nodestatus.MemoryPressureCondition ... ReadyCondition), with the event each
/// transition records.
const KUBELET_CONDITIONS: [(&str, &str, &str, &str); 4] = [
    (
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
    ),
    (
        "DiskPressure",
        "False",
        "KubeletHasNoDiskPressure",
        "kubelet has no disk pressure",
    ),
    (
        "PIDPressure",
        "False",
        "KubeletHasSufficientPID",
        "kubelet has sufficient PID available",
    ),
    (
        "Ready",
        "True",
        "KubeletReady",
        "kubelet is posting ready status",
    ),
];

/// The event reason a transition of each condition records
/// (pkg/kubelet/events: NodeHasSufficientMemory, NodeHasNoDiskPressure,
/// NodeHasSufficientPID, NodeReady).
fn transition_event(condition_type: &str) -> &'static str {
    match condition_type {
        "MemoryPressure" => "NodeHasSufficientMemory",
        "DiskPressure" => "NodeHasNoDiskPressure",
        "PIDPressure" => "NodeHasSufficientPID",
        _ => "NodeReady",
    }
}

/// How containerd names a pulled image: `nginx:1.14.2` → `docker.io/library/nginx:1.14.2`.
pub fn normalized_image_name(image: &str) -> String {
    let (repo, tag) = registry::split_reference(image);
    let first = repo.split('/').next().unwrap_or("");
    let has_registry =
        repo.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        format!("{repo}:{tag}")
    } else if repo.contains('/') {
        format!("docker.io/{repo}:{tag}")
    } else {
        format!("docker.io/library/{repo}:{tag}")
    }
}

/// Conditions equal but for their heartbeat time (nodeConditionsHaveChanged).
fn same_ignoring_heartbeat(a: &NodeStatus, b: &NodeStatus) -> bool {
    let strip = |s: &NodeStatus| {
        let mut s = s.clone();
        let mut conditions = s.conditions.take().unwrap_or_default();
        for c in &mut conditions {
            c.last_heartbeat_time = None;
        }
        crate::sorting::sort_by(&mut conditions, |x, y| x.type_.cmp(&y.type_));
        s.conditions = Some(conditions);
        s
    };
    strip(a) == strip(b)
}

impl Kubelet {
    /// Where kubelets keep their Leases.
    pub const LEASE_NAMESPACE: &'static str = NODE_LEASE_NAMESPACE;
    /// How often the heartbeat (lease renewal and node-status sync) runs.
    pub const NODE_STATUS_UPDATE_FREQUENCY: SimDuration = NODE_STATUS_UPDATE_FREQUENCY;

    pub fn internal_ip(&self) -> String {
        format!("192.168.49.{}", self.spec.index + 2)
    }

    /// How the node was specified when it joined.
    pub fn specification(&self) -> &NodeSpecification {
        &self.spec
    }

    /// The pods this kubelet has workers for, whether or not they are still in the API.
    pub fn known_pods(&self) -> Vec<ObjectRef> {
        self.pods.keys().cloned().collect()
    }

    /// The images this kubelet has pulled, as node status lists them: biggest
    /// first, at most 50 (nodestatus.Images over imageManager.GetImageList).
    pub fn image_list(&self) -> Vec<ContainerImage> {
        let mut images: Vec<(String, i64)> = self
            .images
            .iter()
            .map(|image| {
                let size = match registry::lookup(image) {
                    Lookup::Known { size_bytes, .. } | Lookup::Assumed { size_bytes } => {
                        size_bytes as i64
                    }
                    _ => 0,
                };
                (normalized_image_name(image), size)
            })
            .collect();
        crate::sorting::sort_by(&mut images, |a, b| {
            b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))
        });
        images.truncate(NODE_STATUS_MAX_IMAGES);
        images
            .into_iter()
            .map(|(name, size)| ContainerImage {
                names: Some(std::iter::once(name).take(MAX_NAMES_PER_IMAGE).collect()),
                size_bytes: Some(size),
            })
            .collect()
    }

    pub(super) fn capacity_and_allocatable(
        &self,
    ) -> (BTreeMap<String, Quantity>, BTreeMap<String, Quantity>) {
        let spec = &self.spec;
        let memory_bytes = crate::quantity::value(&spec.memory).unwrap_or(0);
        // Allocatable leaves the kubelet's hard eviction threshold (memory.available<100Mi).
        let allocatable_memory = (memory_bytes - 100 * 1024 * 1024).max(0);
        let capacity: BTreeMap<String, Quantity> = [
            ("cpu", spec.cpu.clone()),
            ("memory", format!("{}Ki", memory_bytes / 1024)),
            ("pods", spec.pods.to_string()),
            ("ephemeral-storage", "102400000Ki".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Quantity(v)))
        .collect_map();
        let mut allocatable = capacity.clone();
        allocatable.insert(
            "memory".into(),
            Quantity(format!("{}Ki", allocatable_memory / 1024)),
        );
        (capacity, allocatable)
    }

    /// The node status the kubelet would post now, given what the API server
    /// holds: its conditions keep their transition time while their status
    /// holds, as the kubelet's setters do.
    pub fn desired_node_status(&self, current: Option<&NodeStatus>, now: SimTime) -> NodeStatus {
        let (capacity, allocatable) = self.capacity_and_allocatable();
        let existing = |type_: &str| {
            current
                .and_then(|s| s.conditions.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.type_ == type_))
        };
        let conditions = KUBELET_CONDITIONS
            .iter()
            .map(|(type_, status, reason, message)| {
                let transition = match existing(type_) {
                    Some(c) if c.status == *status => c
                        .last_transition_time
                        .clone()
                        .unwrap_or_else(|| now.to_k8s()),
                    _ => now.to_k8s(),
                };
                NodeCondition {
                    type_: type_.to_string(),
                    status: status.to_string(),
                    reason: Some(reason.to_string()),
                    message: Some(message.to_string()),
                    last_heartbeat_time: Some(now.to_k8s()),
                    last_transition_time: Some(transition),
                }
            })
            .collect();
        let images = self.image_list();
        NodeStatus {
            capacity: Some(capacity),
            allocatable: Some(allocatable),
            conditions: Some(conditions),
            addresses: Some(vec![
                NodeAddress {
                    type_: "InternalIP".into(),
                    address: self.internal_ip(),
                },
                NodeAddress {
                    type_: "Hostname".into(),
                    address: self.spec.name.clone(),
                },
            ]),
            images: (!images.is_empty()).then_some(images),
            node_info: Some(NodeSystemInfo {
                architecture: "amd64".into(),
                boot_id: String::new(),
                container_runtime_version: CONTAINER_RUNTIME.into(),
                kernel_version: "6.8.0-88-generic".into(),
                kube_proxy_version: KUBELET_VERSION.into(),
                kubelet_version: KUBELET_VERSION.into(),
                machine_id: String::new(),
                operating_system: "linux".into(),
                os_image: "Ubuntu 24.04.3 LTS".into(),
                system_uuid: String::new(),
                swap: None,
            }),
            // What the kubelet does not own stays as the API server has it.
            ..current.cloned().unwrap_or_default()
        }
    }

    /// Whether the next node-status sync would change something visible (the
    /// simulation asks, to know whether waiting for it is worth a step).
    pub fn node_status_pending(&self, node: &Node, now: SimTime) -> bool {
        let current = node.status.clone().unwrap_or_default();
        let desired = self.desired_node_status(Some(&current), now);
        !same_ignoring_heartbeat(&current, &desired)
    }

    /// The Node object the kubelet registers.
    pub fn node_object(&self, now: SimTime) -> Node {
        let spec = &self.spec;
        let mut labels: BTreeMap<String, String> = [
            ("beta.kubernetes.io/arch", "amd64"),
            ("beta.kubernetes.io/os", "linux"),
            ("kubernetes.io/arch", "amd64"),
            ("kubernetes.io/os", "linux"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect_map();
        labels.insert("kubernetes.io/hostname".into(), spec.name.clone());
        if spec.control_plane {
            labels.insert(
                "node-role.kubernetes.io/control-plane".into(),
                String::new(),
            );
        }
        labels.extend(spec.labels.clone());
        Node {
            metadata: ObjectMeta {
                name: Some(spec.name.clone()),
                labels: Some(labels),
                annotations: Some(
                    [("node.alpha.kubernetes.io/ttl".to_string(), "0".to_string())]
                        .into_iter()
                        .collect_map(),
                ),
                ..ObjectMeta::default()
            },
            spec: Some(NodeSpec {
                pod_cidr: Some(format!("10.244.{}.0/24", spec.index)),
                pod_cidrs: Some(vec![format!("10.244.{}.0/24", spec.index)]),
                taints: (!spec.taints.is_empty()).then(|| spec.taints.clone()),
                ..NodeSpec::default()
            }),
            status: Some(self.desired_node_status(None, now)),
        }
    }

    /// Creates or renews the node's Lease (pkg/kubelet/nodelease via
    /// component-helpers/apimachinery/lease controller): holder the node,
    /// 40 s duration, owned by the Node so it goes when the node goes.
    fn renew_lease(&self, ctx: &mut Context) {
        let name = self.node_name.as_str();
        let now = ctx.now;
        let renew_time = Some(MicroTime(now.to_k8s().0));
        let lease_ref = ObjectRef::new(Kind::Lease, Some(NODE_LEASE_NAMESPACE), name);
        // setNodeOwnerFunc: the Node owns its lease, once the Node exists.
        let owner = ctx
            .api
            .get(&node_ref(name))
            .and_then(|n| n.meta().uid.clone())
            .map(|uid| OwnerReference {
                api_version: "v1".into(),
                kind: "Node".into(),
                name: name.to_string(),
                uid,
                ..OwnerReference::default()
            });
        if let Some(Object::Lease(current)) = ctx.api.get(&lease_ref) {
            let mut lease = current.clone();
            let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
            spec.holder_identity = Some(name.to_string());
            spec.lease_duration_seconds = Some(LEASE_DURATION_SECONDS);
            spec.renew_time = renew_time;
            if lease
                .metadata
                .owner_references
                .as_ref()
                .is_none_or(Vec::is_empty)
            {
                lease.metadata.owner_references = owner.map(|o| vec![o]);
            }
            lease.metadata.resource_version = None;
            let _ = ctx.api.update(Object::Lease(lease));
            return;
        }
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                namespace: Some(NODE_LEASE_NAMESPACE.to_string()),
                owner_references: owner.map(|o| vec![o]),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: Some(name.to_string()),
                lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
                renew_time,
                ..LeaseSpec::default()
            }),
        };
        let _ = ctx.api.create(now, Object::Lease(lease));
    }

    /// One round of the kubelet's heartbeat: renew the lease, then post node
    /// status if it changed or the report period ran out. `last_report` is
    /// the kubelet's lastStatusReportTime. Returns a summary only when the
    /// post changed something visible.
    pub fn sync_node_status(
        &self,
        last_report: &mut Option<SimTime>,
        ctx: &mut Context,
    ) -> Reconciled {
        let now = ctx.now;
        self.renew_lease(ctx);
        // The node object may have been deleted: a running kubelet does not
        // register again (registration happens once, at start-up).
        let Some(Object::Node(node)) = ctx.api.get(&node_ref(&self.node_name)).cloned() else {
            return Reconciled::nothing();
        };
        let current = node.status.clone().unwrap_or_default();
        let desired = self.desired_node_status(Some(&current), now);
        let changed = !same_ignoring_heartbeat(&current, &desired);
        let report_due = last_report.is_none_or(|t| now.since(t) >= NODE_STATUS_REPORT_FREQUENCY);
        if !changed && !report_due {
            return Reconciled::nothing();
        }
        let mut updated = node.clone();
        updated.status = Some(desired.clone());
        updated.metadata.resource_version = None;
        if ctx.api.update(Object::Node(updated.clone())).is_err() {
            return Reconciled::nothing();
        }
        *last_report = Some(now);
        if !changed {
            return Reconciled::nothing();
        }
        // recordNodeStatusEvent: `Node node-1 status is now: NodeReady`.
        let mut news = Vec::new();
        let source = self.source();
        let node_object = Object::Node(updated);
        for condition in desired.conditions.iter().flatten() {
            let before = current
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == condition.type_);
            if before.is_some_and(|b| b.status == condition.status) {
                continue;
            }
            let reason = transition_event(&condition.type_);
            ctx.recorder.record(
                ctx.api,
                now,
                &source,
                &node_object,
                EventType::Normal,
                reason,
                &format!("Node {} status is now: {reason}", self.node_name),
            );
            news.push(format!("{}={}", condition.type_, condition.status));
        }
        if current.images != desired.images {
            let names: Vec<String> = desired
                .images
                .iter()
                .flatten()
                .filter_map(|i| i.names.as_ref()?.last().cloned())
                .collect();
            news.push(format!(
                "images [{}]",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ));
        }
        if news.is_empty() {
            news.push("capacity and addresses".to_string());
        }
        Reconciled::did(format!("posted node status: {}", news.join(", ")))
    }
}

/// The node names a fresh cluster gets: one control plane, then workers.
pub fn default_node_specs(workers: usize) -> Vec<NodeSpecification> {
    let mut specs = vec![NodeSpecification {
        name: "control-plane".into(),
        cpu: "2".into(),
        memory: "4Gi".into(),
        pods: 110,
        control_plane: true,
        labels: BTreeMap::new(),
        taints: vec![Taint {
            key: "node-role.kubernetes.io/control-plane".into(),
            effect: "NoSchedule".into(),
            value: None,
            time_added: None,
        }],
        index: 0,
    }];
    for i in 1..=workers {
        specs.push(NodeSpecification {
            name: format!("node-{i}"),
            cpu: "4".into(),
            memory: "8Gi".into(),
            pods: 110,
            control_plane: false,
            labels: BTreeMap::new(),
            taints: Vec::new(),
            index: i as u32,
        });
    }
    specs
}

/// Registers a node through the API server, as a kubelet does when it starts.
pub fn register(
    api: &mut ApiServer,
    kubelet: &Kubelet,
    now: SimTime,
) -> Result<(), crate::apiserver::ApiError> {
    api.create(now, Object::Node(kubelet.node_object(now)))
        .map(|_| ())
}

pub fn node_ref(name: &str) -> ObjectRef {
    ObjectRef::new(Kind::Node, None, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_are_normalized_like_containerd() {
        assert_eq!(
            normalized_image_name("nginx:1.14.2"),
            "docker.io/library/nginx:1.14.2"
        );
        assert_eq!(
            normalized_image_name("nginx"),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(
            normalized_image_name("bitnami/redis:7"),
            "docker.io/bitnami/redis:7"
        );
        assert_eq!(
            normalized_image_name("registry.k8s.io/pause:3.10"),
            "registry.k8s.io/pause:3.10"
        );
        assert_eq!(
            normalized_image_name("localhost:5000/app:v1"),
            "localhost:5000/app:v1"
        );
    }

    #[test]
    fn heartbeat_times_alone_are_no_change() {
        let kubelet = Kubelet::new(default_node_specs(1).remove(1));
        let first = kubelet.desired_node_status(None, SimTime(0));
        let later = kubelet.desired_node_status(Some(&first), SimTime(10_000));
        assert!(same_ignoring_heartbeat(&first, &later));
        assert_ne!(first, later, "heartbeat times move on");
        // Transition times hold while the status holds.
        let ready = |s: &NodeStatus| {
            s.conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == "Ready")
                .cloned()
                .unwrap()
        };
        assert_eq!(
            ready(&later).last_transition_time,
            Some(SimTime(0).to_k8s())
        );
        // After the node controller marked it Unknown, Ready transitions again.
        let mut unknown = later.clone();
        for c in unknown.conditions.iter_mut().flatten() {
            c.status = "Unknown".into();
        }
        let back = kubelet.desired_node_status(Some(&unknown), SimTime(90_000));
        assert!(!same_ignoring_heartbeat(&unknown, &back));
        assert_eq!(ready(&back).status, "True");
        assert_eq!(
            ready(&back).last_transition_time,
            Some(SimTime(90_000).to_k8s())
        );
    }
}
