//! The default profile's plugins, one per file, with upstream names and reason texts.

pub mod balanced_allocation;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod taint_toleration;

use super::framework::{FilterPlugin, ScorePlugin};

/// Filters in the order of the default profile (pkg/scheduler/apis/config/v1/default_plugins.go);
/// a node fails at the first filter that rejects it.
pub fn default_filters() -> Vec<Box<dyn FilterPlugin>> {
    vec![
        Box::new(node_unschedulable::NodeUnschedulable),
        Box::new(node_name::NodeName),
        Box::new(taint_toleration::TaintToleration),
        Box::new(node_affinity::NodeAffinity),
        Box::new(node_ports::NodePorts),
        Box::new(node_resources_fit::NodeResourcesFit),
    ]
}

/// Scorers with the default profile's weights.
pub fn default_scorers() -> Vec<Box<dyn ScorePlugin>> {
    vec![
        Box::new(taint_toleration::TaintToleration),
        Box::new(node_affinity::NodeAffinity),
        Box::new(node_resources_fit::NodeResourcesFit),
        Box::new(balanced_allocation::NodeResourcesBalancedAllocation),
    ]
}

#[cfg(test)]
pub(crate) mod testing {
    use std::collections::BTreeMap;

    use k8s_openapi::api::core::v1::{
        Container, Node, NodeSpec, NodeStatus, Pod, PodSpec, ResourceRequirements, Taint,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use crate::scheduler::framework::NodeInfo;

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
