//! The default profile's plugins, one per file, with upstream names and reason texts.
//!
//! The default profile (pkg/scheduler/apis/config/v1/default_plugins.go) in
//! its order, and where each plugin is here:
//!
//! | upstream plugin | here |
//! | --- | --- |
//! | SchedulingGates, PrioritySort | `queue.rs` (priority, then arrival) |
//! | NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit | one file each below |
//! | VolumeRestrictions, NodeVolumeLimits | not yet |
//! | VolumeBinding | `volume_binding.rs` |
//! | VolumeZone | not yet: nodes have no zones' volumes |
//! | PodTopologySpread, InterPodAffinity | one file each below |
//! | DefaultPreemption | `Scheduler::fit_error_message` (the PostFilter dry run) |
//! | NodeResourcesBalancedAllocation, ImageLocality | one file each below |
//! | DefaultBinder | `Scheduler::schedule_one`, through the pods/binding subresource |
//!
//! Preemption (DefaultPreemption's real work) needs PriorityClasses, which
//! admission refuses for now, so every pod has priority 0 and no node ever
//! has victims. When they come, the dry run in `Scheduler::fit_error_message`
//! becomes a `preemption.rs` beside `mod.rs` in `scheduler/`: for each node
//! whose filter status was Unschedulable, remove lower-priority pods from a
//! copy of its NodeInfo (`NodeInfo::remove_pod`) until the filters pass,
//! then nominate the best node and delete the victims through the API server.

pub mod balanced_allocation;
pub mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod taint_toleration;
pub mod volume_binding;

use super::framework::{FilterPlugin, ScorePlugin};

/// Filters in the order of the default profile; a node fails at the first
/// filter that rejects it.
pub fn default_filters() -> Vec<Box<dyn FilterPlugin>> {
    vec![
        Box::new(node_unschedulable::NodeUnschedulable),
        Box::new(node_name::NodeName),
        Box::new(taint_toleration::TaintToleration),
        Box::new(node_affinity::NodeAffinity),
        Box::new(node_ports::NodePorts),
        Box::new(node_resources_fit::NodeResourcesFit),
        Box::new(volume_binding::VolumeBinding),
        Box::new(pod_topology_spread::PodTopologySpread),
        Box::new(inter_pod_affinity::InterPodAffinity),
    ]
}

/// Scorers in the order of the default profile, with its weights.
pub fn default_scorers() -> Vec<Box<dyn ScorePlugin>> {
    vec![
        Box::new(taint_toleration::TaintToleration),
        Box::new(node_affinity::NodeAffinity),
        Box::new(node_resources_fit::NodeResourcesFit),
        Box::new(pod_topology_spread::PodTopologySpread),
        Box::new(inter_pod_affinity::InterPodAffinity),
        Box::new(balanced_allocation::NodeResourcesBalancedAllocation),
        Box::new(image_locality::ImageLocality),
    ]
}

#[cfg(test)]
pub(crate) mod testing {
    use std::collections::{BTreeMap, HashMap};
    use std::sync::Arc;

    use k8s_openapi::api::core::v1::{
        Container, ContainerImage, Node, NodeSpec, NodeStatus, Pod, PodSpec, ResourceRequirements,
        Taint,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use crate::labels::Labels;
    use crate::scheduler::framework::{NodeInfo, PlacedPod, Snapshot, Workloads};

    /// Nodes and the cluster facts a Snapshot borrows, for plugin tests.
    pub struct TestCluster {
        pub nodes: Vec<NodeInfo>,
        pub image_nodes: HashMap<String, usize>,
        pub namespaces: HashMap<String, Labels>,
        pub workloads: Workloads,
    }

    impl TestCluster {
        pub fn get(&self) -> Snapshot<'_> {
            let counts = self.nodes.iter().fold((0, 0), |(a, r), n| {
                (
                    a + n.pods_with_affinity,
                    r + n.pods_with_required_anti_affinity,
                )
            });
            Snapshot::new(
                &self.nodes,
                &self.image_nodes,
                &self.namespaces,
                &self.workloads,
                counts,
            )
        }
    }

    /// A cluster of these nodes (in this order) with the usual namespaces.
    pub fn snapshot_of(nodes: Vec<NodeInfo>) -> TestCluster {
        let mut image_nodes: HashMap<String, usize> = HashMap::new();
        for n in &nodes {
            for (name, _) in &n.images {
                *image_nodes.entry(name.clone()).or_default() += 1;
            }
        }
        let namespaces = ["default", "kube-system", "other"]
            .iter()
            .map(|ns| {
                (
                    ns.to_string(),
                    [("kubernetes.io/metadata.name".to_string(), ns.to_string())].into(),
                )
            })
            .collect();
        TestCluster {
            nodes,
            image_nodes,
            namespaces,
            workloads: Workloads::default(),
        }
    }

    /// A node's info with these pods placed on it (uids made up where missing).
    pub fn info_with_pods(node: Node, pods: &[Pod]) -> NodeInfo {
        let mut info = NodeInfo::new(node);
        for (i, pod) in pods.iter().enumerate() {
            let mut placed = PlacedPod::from_pod(pod);
            if placed.uid.is_empty() {
                placed.uid = format!("{}-pod-{i}", info.name);
            }
            info.add_pod(Arc::new(placed));
        }
        info
    }

    pub fn with_images(mut node: Node, images: &[(&[&str], i64)]) -> Node {
        let status = node.status.get_or_insert_with(Default::default);
        status.images = Some(
            images
                .iter()
                .map(|(names, size)| ContainerImage {
                    names: Some(names.iter().map(|n| n.to_string()).collect()),
                    size_bytes: Some(*size),
                })
                .collect(),
        );
        node
    }

    /// A pod in "default" with these labels and small requests.
    pub fn labelled_pod(labels: &[(&str, &str)]) -> Pod {
        let mut p = pod(Some("100m"), Some("128Mi"));
        p.metadata.labels = Some(
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        p
    }

    pub fn node(name: &str, cpu: &str, memory: &str) -> Node {
        let resources: BTreeMap<String, Quantity> = [
            ("cpu".to_string(), Quantity(cpu.to_string())),
            ("memory".to_string(), Quantity(memory.to_string())),
            ("pods".to_string(), Quantity("110".to_string())),
        ]
        .into();
        Node {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                labels: Some([("kubernetes.io/hostname".to_string(), name.to_string())].into()),
                ..ObjectMeta::default()
            },
            spec: Some(NodeSpec::default()),
            status: Some(NodeStatus {
                capacity: Some(resources.clone()),
                allocatable: Some(resources),
                ..NodeStatus::default()
            }),
        }
    }

    pub fn with_taint(mut node: Node, key: &str, value: &str, effect: &str) -> Node {
        let spec = node.spec.get_or_insert_with(Default::default);
        spec.taints.get_or_insert_with(Vec::new).push(Taint {
            key: key.to_string(),
            value: (!value.is_empty()).then(|| value.to_string()),
            effect: effect.to_string(),
            time_added: None,
        });
        node
    }

    pub fn with_labels(mut node: Node, labels: &[(&str, &str)]) -> Node {
        let map = node.metadata.labels.get_or_insert_with(BTreeMap::new);
        for (k, v) in labels {
            map.insert(k.to_string(), v.to_string());
        }
        node
    }

    pub fn pod(cpu: Option<&str>, memory: Option<&str>) -> Pod {
        let mut requests = BTreeMap::new();
        if let Some(cpu) = cpu {
            requests.insert("cpu".to_string(), Quantity(cpu.to_string()));
        }
        if let Some(memory) = memory {
            requests.insert("memory".to_string(), Quantity(memory.to_string()));
        }
        Pod {
            metadata: ObjectMeta {
                name: Some("p".into()),
                namespace: Some("default".into()),
                ..ObjectMeta::default()
            },
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "c".into(),
                    image: Some("nginx".into()),
                    resources: Some(ResourceRequirements {
                        requests: Some(requests),
                        ..ResourceRequirements::default()
                    }),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
            status: None,
        }
    }

    pub fn info(node: Node) -> NodeInfo {
        NodeInfo::new(node)
    }
}
