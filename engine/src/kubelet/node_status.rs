//! The node side of the kubelet: the Node object it registers (capacity,
//! allocatable, conditions, addresses, system info) and the nodes a fresh
//! cluster starts with.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo, Taint,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::Kubelet;
use crate::apiserver::ApiServer;
use crate::objects::{Kind, Object, ObjectRef};
use crate::time::SimTime;

pub const KUBELET_VERSION: &str = "v1.34.2";
pub const CONTAINER_RUNTIME: &str = "containerd://2.1.4";

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

impl Kubelet {
    pub fn internal_ip(&self) -> String {
        format!("192.168.49.{}", self.spec.index + 2)
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
        .collect();
        labels.insert("kubernetes.io/hostname".into(), spec.name.clone());
        if spec.control_plane {
            labels.insert(
                "node-role.kubernetes.io/control-plane".into(),
                String::new(),
            );
        }
        labels.extend(spec.labels.clone());
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
        .collect();
        let mut allocatable = capacity.clone();
        allocatable.insert(
            "memory".into(),
            Quantity(format!("{}Ki", allocatable_memory / 1024)),
        );
        let condition = |type_: &str, status: &str, reason: &str, message: &str| NodeCondition {
            type_: type_.into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_heartbeat_time: Some(now.to_k8s()),
            last_transition_time: Some(now.to_k8s()),
        };
        Node {
            metadata: ObjectMeta {
                name: Some(spec.name.clone()),
                labels: Some(labels),
                annotations: Some(BTreeMap::from([(
                    "node.alpha.kubernetes.io/ttl".to_string(),
                    "0".to_string(),
                )])),
                ..ObjectMeta::default()
            },
            spec: Some(NodeSpec {
                pod_cidr: Some(format!("10.244.{}.0/24", spec.index)),
                pod_cidrs: Some(vec![format!("10.244.{}.0/24", spec.index)]),
                taints: (!spec.taints.is_empty()).then(|| spec.taints.clone()),
                ..NodeSpec::default()
            }),
            status: Some(NodeStatus {
                capacity: Some(capacity),
                allocatable: Some(allocatable),
                conditions: Some(vec![
                    condition(
                        "MemoryPressure",
                        "False",
                        "KubeletHasSufficientMemory",
                        "kubelet has sufficient memory available",
                    ),
                    condition(
                        "DiskPressure",
                        "False",
                        "KubeletHasNoDiskPressure",
                        "kubelet has no disk pressure",
                    ),
                    condition(
                        "PIDPressure",
                        "False",
                        "KubeletHasSufficientPID",
                        "kubelet has sufficient PID available",
                    ),
                    condition(
                        "Ready",
                        "True",
                        "KubeletReady",
                        "kubelet is posting ready status",
                    ),
                ]),
                addresses: Some(vec![
                    NodeAddress {
                        type_: "InternalIP".into(),
                        address: self.internal_ip(),
                    },
                    NodeAddress {
                        type_: "Hostname".into(),
                        address: spec.name.clone(),
                    },
                ]),
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
                ..NodeStatus::default()
            }),
        }
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
