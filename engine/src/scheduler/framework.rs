//! The scheduling framework: what a plugin sees (the pod, a node's
//! aggregated state) and what it answers (a Status or a score), after
//! pkg/scheduler/framework in kube-scheduler.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Node, Pod};

use crate::quantity;

/// Status codes of pkg/scheduler/framework/interface.go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Code {
    Success,
    /// The node does not fit now, but preemption might help.
    Unschedulable,
    /// The node does not fit and preemption cannot change that.
    UnschedulableAndUnresolvable,
}

/// A plugin's verdict on one node. Fit keeps every reason, not only the first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    pub code: Code,
    pub reasons: Vec<String>,
    pub plugin: &'static str,
}

impl Status {
    pub fn success(plugin: &'static str) -> Self {
        Status {
            code: Code::Success,
            reasons: Vec::new(),
            plugin,
        }
    }

    pub fn unschedulable(plugin: &'static str, reasons: Vec<String>) -> Self {
        Status {
            code: Code::Unschedulable,
            reasons,
            plugin,
        }
    }

    pub fn unresolvable(plugin: &'static str, reason: impl Into<String>) -> Self {
        Status {
            code: Code::UnschedulableAndUnresolvable,
            reasons: vec![reason.into()],
            plugin,
        }
    }

    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }
}

/// CPU, memory and pod count, as the scheduler adds them up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Resources {
    pub milli_cpu: i64,
    pub memory: i64,
    pub pods: i64,
}

impl Resources {
    pub fn add(&mut self, other: &Resources) {
        self.milli_cpu += other.milli_cpu;
        self.memory += other.memory;
        self.pods += other.pods;
    }

    pub fn subtract(&mut self, other: &Resources) {
        self.milli_cpu -= other.milli_cpu;
        self.memory -= other.memory;
        self.pods -= other.pods;
    }
}

/// Requests the scoring plugins assume for a container that sets none
/// (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest), so that
/// pods without requests still spread over the nodes.
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// What the plugins need to know about the pod being scheduled, computed once per attempt.
pub struct PodInfo<'a> {
    pub pod: &'a Pod,
    /// Effective requests: the larger of the sum over containers and any init container.
    pub requests: Resources,
    /// The same, with the scoring defaults for containers that request nothing.
    pub non_zero_requests: Resources,
    pub host_ports: Vec<(String, i32)>,
}

impl<'a> PodInfo<'a> {
    pub fn new(pod: &'a Pod) -> Self {
        let (requests, non_zero_requests) = pod_requests(pod);
        let host_ports = pod
            .spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .flat_map(|c| c.ports.iter().flatten())
            .filter_map(|p| {
                p.host_port
                    .filter(|hp| *hp > 0)
                    .map(|hp| (p.protocol.clone().unwrap_or_else(|| "TCP".into()), hp))
            })
            .collect();
        PodInfo {
            pod,
            requests,
            non_zero_requests,
            host_ports,
        }
    }
}

/// The pod's requests (resource.PodRequests): containers summed, then the max
/// with each init container, plus the pod overhead.
pub fn pod_requests(pod: &Pod) -> (Resources, Resources) {
    let mut sum = Resources {
        pods: 1,
        ..Resources::default()
    };
    let mut non_zero = Resources {
        pods: 1,
        ..Resources::default()
    };
    let Some(spec) = &pod.spec else {
        return (sum, non_zero);
    };
    let container_requests = |c: &k8s_openapi::api::core::v1::Container| {
        let requests = c.resources.as_ref().and_then(|r| r.requests.as_ref());
        let cpu = requests
            .and_then(|r| r.get("cpu"))
            .and_then(|q| quantity::cpu_millis(&q.0).ok());
        let memory = requests
            .and_then(|r| r.get("memory"))
            .and_then(|q| quantity::value(&q.0).ok());
        (cpu, memory)
    };
    for container in &spec.containers {
        let (cpu, memory) = container_requests(container);
        sum.milli_cpu += cpu.unwrap_or(0);
        sum.memory += memory.unwrap_or(0);
        non_zero.milli_cpu += cpu.unwrap_or(DEFAULT_MILLI_CPU_REQUEST);
        non_zero.memory += memory.unwrap_or(DEFAULT_MEMORY_REQUEST);
    }
    for container in spec.init_containers.iter().flatten() {
        let (cpu, memory) = container_requests(container);
        sum.milli_cpu = sum.milli_cpu.max(cpu.unwrap_or(0));
        sum.memory = sum.memory.max(memory.unwrap_or(0));
    }
    if let Some(overhead) = &spec.overhead {
        let cpu = overhead
            .get("cpu")
            .and_then(|q| quantity::cpu_millis(&q.0).ok())
            .unwrap_or(0);
        let memory = overhead
            .get("memory")
            .and_then(|q| quantity::value(&q.0).ok())
            .unwrap_or(0);
        sum.milli_cpu += cpu;
        sum.memory += memory;
        non_zero.milli_cpu += cpu;
        non_zero.memory += memory;
    }
    (sum, non_zero)
}

/// The scheduler's view of one node: the Node object and what is placed on it.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    pub node: Node,
    pub name: String,
    pub allocatable: Resources,
    pub requested: Resources,
    pub non_zero_requested: Resources,
    /// (protocol, hostPort) pairs in use.
    pub used_ports: BTreeSet<(String, i32)>,
    /// Uids of the pods counted on this node.
    pub pods: BTreeSet<String>,
}

impl NodeInfo {
    pub fn new(node: Node) -> Self {
        let name = node.metadata.name.clone().unwrap_or_default();
        let allocatable = node_allocatable(&node);
        NodeInfo {
            node,
            name,
            allocatable,
            requested: Resources::default(),
            non_zero_requested: Resources::default(),
            used_ports: BTreeSet::new(),
            pods: BTreeSet::new(),
        }
    }

    pub fn add_pod(&mut self, uid: &str, info: &PodInfo) {
        if self.pods.insert(uid.to_string()) {
            self.requested.add(&info.requests);
            self.non_zero_requested.add(&info.non_zero_requests);
            self.used_ports.extend(info.host_ports.iter().cloned());
        }
    }

    pub fn remove_pod(&mut self, uid: &str, info: &PodInfo) {
        if self.pods.remove(uid) {
            self.requested.subtract(&info.requests);
            self.non_zero_requested.subtract(&info.non_zero_requests);
            for port in &info.host_ports {
                self.used_ports.remove(port);
            }
        }
    }
}

pub fn node_allocatable(node: &Node) -> Resources {
    let allocatable = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
    let get = |name: &str| allocatable.and_then(|a| a.get(name)).map(|q| q.0.clone());
    Resources {
        milli_cpu: get("cpu")
            .and_then(|q| quantity::cpu_millis(&q).ok())
            .unwrap_or(0),
        memory: get("memory")
            .and_then(|q| quantity::value(&q).ok())
            .unwrap_or(0),
        pods: get("pods")
            .and_then(|q| quantity::value(&q).ok())
            .unwrap_or(110),
    }
}

/// The highest score a plugin gives (framework.MaxNodeScore).
pub const MAX_NODE_SCORE: i64 = 100;

pub trait FilterPlugin {
    fn name(&self) -> &'static str;
    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status;
}

pub trait ScorePlugin {
    fn name(&self) -> &'static str;
    /// The weight the default profile gives the plugin.
    fn weight(&self) -> i64;
    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64;
    /// Rescales raw scores to 0..=100 when the raw scale differs.
    fn normalize(&self, _scores: &mut [i64]) {}
}

/// helper.DefaultNormalizeScore: scale so the best node gets 100, optionally reversed.
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores.iter_mut() {
        let scaled = MAX_NODE_SCORE * *s / max;
        *s = if reverse {
            MAX_NODE_SCORE - scaled
        } else {
            scaled
        };
    }
}
