//! The scheduling framework: what a plugin sees (the pod, a node's
//! aggregated state, a snapshot of the whole cluster) and what it answers (a
//! Status or a score), after pkg/scheduler/framework in kube-scheduler.
//!
//! One attempt runs, in order: every filter plugin's PreFilter (once, with
//! every node), Filter on the nodes until enough fit, every score plugin's
//! PreScore (once, with the feasible nodes), Score on each feasible node, and
//! NormalizeScore. What PreFilter and PreScore compute for the attempt lives
//! in a [`CycleState`] that is dropped when the attempt ends.

use crate::objects::MetaExt;
use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, Pod, PodAffinityTerm, Taint, WeightedPodAffinityTerm};

use crate::labels::{Labels, Selector};
use crate::quantity;

/// Status codes of pkg/scheduler/framework/interface.go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Code {
    Success,
    /// The node does not fit now, but preemption might help.
    Unschedulable,
    /// The node does not fit and preemption cannot change that.
    UnschedulableAndUnresolvable,
    /// From PreFilter or PreScore: the plugin has nothing to check for this
    /// pod, so its Filter or Score is not run.
    Skip,
    /// Something went wrong that is not about the node (a selector that does
    /// not parse, for example).
    Error,
}

impl Code {
    /// How `sim explain` names the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Success => "Success",
            Code::Unschedulable => "Unschedulable",
            Code::UnschedulableAndUnresolvable => "UnschedulableAndUnresolvable",
            Code::Skip => "Skip",
            Code::Error => "Error",
        }
    }
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

    pub fn skip(plugin: &'static str) -> Self {
        Status {
            code: Code::Skip,
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

    pub fn error(plugin: &'static str, message: impl Into<String>) -> Self {
        Status {
            code: Code::Error,
            reasons: vec![message.into()],
            plugin,
        }
    }

    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }

    pub fn is_skip(&self) -> bool {
        self.code == Code::Skip
    }

    /// Unschedulable or UnschedulableAndUnresolvable (Status.IsRejected).
    pub fn is_rejected(&self) -> bool {
        matches!(
            self.code,
            Code::Unschedulable | Code::UnschedulableAndUnresolvable
        )
    }

    /// Status.Message(): the reasons joined with ", ".
    pub fn message(&self) -> String {
        self.reasons.join(", ")
    }
}

/// CPU, memory and pod count, as the scheduler adds them up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Resources {
    pub milli_cpu: i64,
    pub memory: i64,
    pub pods: i64,
}

/// Saturating, so that absurd quantities (`1E18` cpu) cannot overflow.
impl Resources {
    pub fn add(&mut self, other: &Resources) {
        self.milli_cpu = self.milli_cpu.saturating_add(other.milli_cpu);
        self.memory = self.memory.saturating_add(other.memory);
        self.pods = self.pods.saturating_add(other.pods);
    }

    pub fn subtract(&mut self, other: &Resources) {
        self.milli_cpu = self.milli_cpu.saturating_sub(other.milli_cpu);
        self.memory = self.memory.saturating_sub(other.memory);
        self.pods = self.pods.saturating_sub(other.pods);
    }
}

/// Requests the scoring plugins assume for a container that sets none
/// (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest), so that
/// pods without requests still spread over the nodes.
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// One pod (anti-)affinity term, parsed (framework.AffinityTerm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffinityTerm {
    /// The namespaces the term names; the pod's own when it names none and
    /// has no namespaceSelector (getNamespacesFromPodAffinityTerm).
    pub namespaces: Vec<String>,
    /// Matches nothing when the term has no namespaceSelector.
    pub namespace_selector: Selector,
    pub selector: Selector,
    pub topology_key: String,
}

impl AffinityTerm {
    fn parse(owner_namespace: &str, term: &PodAffinityTerm) -> Result<Self, String> {
        let selector = Selector::from_label_selector(term.label_selector.as_ref())?;
        let namespace_selector = Selector::from_label_selector(term.namespace_selector.as_ref())?;
        let mut namespaces = term.namespaces.clone().unwrap_or_default();
        if namespaces.is_empty() && term.namespace_selector.is_none() {
            namespaces.push(owner_namespace.to_string());
        }
        Ok(AffinityTerm {
            namespaces,
            namespace_selector,
            selector,
            topology_key: term.topology_key.clone(),
        })
    }

    /// AffinityTerm.Matches: the pod is in one of the term's namespaces (or
    /// one its namespaceSelector picks) and its labels match the selector.
    pub fn matches(&self, namespace: &str, labels: &Labels, namespace_labels: &Labels) -> bool {
        (self.namespaces.iter().any(|n| n == namespace)
            || self.namespace_selector.matches(namespace_labels))
            && self.selector.matches(labels)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightedAffinityTerm {
    pub term: AffinityTerm,
    pub weight: i64,
}

/// A pod's inter-pod affinity, parsed once (framework.PodInfo's terms).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodAffinityTerms {
    pub required_affinity: Vec<AffinityTerm>,
    pub required_anti_affinity: Vec<AffinityTerm>,
    pub preferred_affinity: Vec<WeightedAffinityTerm>,
    pub preferred_anti_affinity: Vec<WeightedAffinityTerm>,
}

impl PodAffinityTerms {
    /// framework.NewPodInfo: parses every term; a category with a term that
    /// does not parse is dropped, and the errors are returned beside.
    pub fn parse(pod: &Pod) -> (Self, Option<String>) {
        let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
        let affinity = pod.spec.as_ref().and_then(|s| s.affinity.as_ref());
        let pod_affinity = affinity.and_then(|a| a.pod_affinity.as_ref());
        let anti_affinity = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
        let mut errors = Vec::new();
        let mut required = |terms: Option<&Vec<PodAffinityTerm>>, what: &str| {
            terms
                .map(|terms| terms.iter().map(|t| AffinityTerm::parse(namespace, t)))
                .into_iter()
                .flatten()
                .collect::<Result<Vec<_>, _>>()
                .unwrap_or_else(|e| {
                    errors.push(format!("{what}: {e}"));
                    Vec::new()
                })
        };
        let required_affinity = required(
            pod_affinity.and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            }),
            "requiredAffinityTerms",
        );
        let required_anti_affinity = required(
            anti_affinity.and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            }),
            "requiredAntiAffinityTerms",
        );
        let mut preferred = |terms: Option<&Vec<WeightedPodAffinityTerm>>, what: &str| {
            terms
                .map(|terms| {
                    terms.iter().map(|t| {
                        AffinityTerm::parse(namespace, &t.pod_affinity_term).map(|term| {
                            WeightedAffinityTerm {
                                term,
                                weight: i64::from(t.weight),
                            }
                        })
                    })
                })
                .into_iter()
                .flatten()
                .collect::<Result<Vec<_>, _>>()
                .unwrap_or_else(|e| {
                    errors.push(format!("{what}: {e}"));
                    Vec::new()
                })
        };
        let preferred_affinity = preferred(
            pod_affinity.and_then(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            }),
            "preferredAffinityTerms",
        );
        let preferred_anti_affinity = preferred(
            anti_affinity.and_then(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            }),
            "preferredAntiAffinityTerms",
        );
        // utilerrors.NewAggregate: one error prints as itself, several as a list.
        let error = match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(format!("[{}]", errors.join(", "))),
        };
        (
            PodAffinityTerms {
                required_affinity,
                required_anti_affinity,
                preferred_affinity,
                preferred_anti_affinity,
            },
            error,
        )
    }

    pub fn is_empty(&self) -> bool {
        self.required_affinity.is_empty()
            && self.required_anti_affinity.is_empty()
            && self.preferred_affinity.is_empty()
            && self.preferred_anti_affinity.is_empty()
    }
}

/// Whether the pod sets podAffinity or podAntiAffinity at all (NodeInfo's
/// podWithAffinity), even with empty term lists.
fn has_pod_affinity(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.affinity.as_ref())
        .is_some_and(|a| a.pod_affinity.is_some() || a.pod_anti_affinity.is_some())
}

static NO_LABELS: Labels = BTreeMap::new();

/// What the plugins need to know about the pod being scheduled, computed once per attempt.
pub struct PodInfo<'a> {
    pub pod: &'a Pod,
    pub namespace: &'a str,
    pub labels: &'a Labels,
    /// Effective requests: the larger of the sum over containers and any init container.
    pub requests: Resources,
    /// The same, with the scoring defaults for containers that request nothing.
    pub non_zero_requests: Resources,
    pub host_ports: Vec<(String, i32)>,
    pub affinity: PodAffinityTerms,
    /// Why a (anti-)affinity term did not parse, if one did not.
    pub affinity_error: Option<String>,
}

impl<'a> PodInfo<'a> {
    pub fn new(pod: &'a Pod) -> Self {
        let (requests, non_zero_requests) = pod_requests(pod);
        let (affinity, affinity_error) = if has_pod_affinity(pod) {
            PodAffinityTerms::parse(pod)
        } else {
            (PodAffinityTerms::default(), None)
        };
        PodInfo {
            pod,
            namespace: pod.metadata.namespace.as_deref().unwrap_or("default"),
            labels: pod.metadata.labels.as_ref().unwrap_or(&NO_LABELS),
            requests,
            non_zero_requests,
            host_ports: host_ports(pod),
            affinity,
            affinity_error,
        }
    }
}

fn host_ports(pod: &Pod) -> Vec<(String, i32)> {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| {
            p.host_port
                .filter(|hp| *hp > 0)
                .map(|hp| (p.protocol.clone().unwrap_or_else(|| "TCP".into()), hp))
        })
        .collect()
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
        sum.add(&Resources {
            milli_cpu: cpu.unwrap_or(0),
            memory: memory.unwrap_or(0),
            pods: 0,
        });
        non_zero.add(&Resources {
            milli_cpu: cpu.unwrap_or(DEFAULT_MILLI_CPU_REQUEST),
            memory: memory.unwrap_or(DEFAULT_MEMORY_REQUEST),
            pods: 0,
        });
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
        let overhead = Resources {
            milli_cpu: cpu,
            memory,
            pods: 0,
        };
        sum.add(&overhead);
        non_zero.add(&overhead);
    }
    (sum, non_zero)
}

/// A pod the cache counts on a node: only what the plugins read, so that
/// 10,000 pods cost a few megabytes, not a copy of every Pod object.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedPod {
    pub uid: String,
    pub namespace: String,
    pub labels: Labels,
    /// A deletionTimestamp is set: PodTopologySpread no longer counts it.
    pub terminating: bool,
    pub requests: Resources,
    pub non_zero_requests: Resources,
    pub host_ports: Vec<(String, i32)>,
    /// Set when the pod has podAffinity or podAntiAffinity.
    pub affinity: Option<Box<PodAffinityTerms>>,
}

impl PlacedPod {
    pub fn from_pod(pod: &Pod) -> Self {
        Self::with_requests(pod, pod_requests(pod), host_ports(pod))
    }

    /// The same, with the requests and host ports already worked out (by the
    /// attempt that placed the pod).
    pub fn with_requests(
        pod: &Pod,
        (requests, non_zero_requests): (Resources, Resources),
        host_ports: Vec<(String, i32)>,
    ) -> Self {
        PlacedPod {
            uid: pod.metadata.uid.clone().unwrap_or_default(),
            namespace: pod
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into()),
            labels: pod.metadata.labels.clone().unwrap_or_default(),
            terminating: pod.metadata.deletion_timestamp.is_some(),
            requests,
            non_zero_requests,
            host_ports,
            affinity: has_pod_affinity(pod).then(|| Box::new(PodAffinityTerms::parse(pod).0)),
        }
    }

    pub fn required_anti_affinity(&self) -> &[AffinityTerm] {
        self.affinity
            .as_deref()
            .map_or(&[], |a| a.required_anti_affinity.as_slice())
    }
}

/// The scheduler's view of one node: the Node object and what is placed on it.
/// What the filters read on every node is kept here, beside the boxed Node,
/// so that checking hundreds of nodes per pod touches little memory.
// repr(C) keeps the fields every attempt reads together, at the front.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct NodeInfo {
    /// spec.unschedulable (a cordoned node).
    pub unschedulable: bool,
    /// spec.taints.
    pub taints: Vec<Taint>,
    pub allocatable: Resources,
    pub requested: Resources,
    pub non_zero_requested: Resources,
    /// status.images: every name of every image, with its size, sorted by name.
    pub images: Vec<(String, i64)>,
    pub name: String,
    /// (protocol, hostPort) pairs in use, one entry per pod using it.
    pub used_ports: Vec<(String, i32)>,
    /// The pods counted on this node, in the order they arrived.
    pub pods: Vec<Arc<PlacedPod>>,
    /// Pods with podAffinity or podAntiAffinity (NodeInfo.PodsWithAffinity).
    pub pods_with_affinity: usize,
    /// Pods with required anti-affinity terms (NodeInfo.PodsWithRequiredAntiAffinity).
    pub pods_with_required_anti_affinity: usize,
    pub node: Box<Node>,
}

impl NodeInfo {
    pub fn new(node: Node) -> Self {
        let mut info = NodeInfo {
            name: node.metadata.name.clone().unwrap_or_default(),
            allocatable: Resources::default(),
            requested: Resources::default(),
            non_zero_requested: Resources::default(),
            used_ports: Vec::new(),
            pods: Vec::new(),
            pods_with_affinity: 0,
            pods_with_required_anti_affinity: 0,
            images: Vec::new(),
            unschedulable: false,
            taints: Vec::new(),
            node: Box::default(),
        };
        info.set_node(node);
        info
    }

    /// Replaces the Node object (a status or label update), keeping the pods.
    pub fn set_node(&mut self, node: Node) {
        self.allocatable = node_allocatable(&node);
        self.images = node_images(&node);
        let spec = node.spec.as_ref();
        self.unschedulable = spec.and_then(|s| s.unschedulable).unwrap_or(false);
        self.taints = spec.and_then(|s| s.taints.clone()).unwrap_or_default();
        *self.node = node;
    }

    pub fn labels(&self) -> &Labels {
        self.node.metadata.labels.as_ref().unwrap_or(&NO_LABELS)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.node.metadata.label(key)
    }

    /// The size of an image the node holds under this exact name.
    pub fn image_size(&self, name: &str) -> Option<i64> {
        self.images
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.images[i].1)
    }

    pub fn add_pod(&mut self, pod: Arc<PlacedPod>) {
        if self.pods.iter().any(|p| p.uid == pod.uid) {
            return;
        }
        self.requested.add(&pod.requests);
        self.non_zero_requested.add(&pod.non_zero_requests);
        self.used_ports.extend(pod.host_ports.iter().cloned());
        if pod.affinity.is_some() {
            self.pods_with_affinity += 1;
        }
        if !pod.required_anti_affinity().is_empty() {
            self.pods_with_required_anti_affinity += 1;
        }
        self.pods.push(pod);
    }

    /// Takes the pod with this uid off the node, returning it.
    pub fn remove_pod(&mut self, uid: &str) -> Option<Arc<PlacedPod>> {
        let index = self.pods.iter().position(|p| p.uid == uid)?;
        let pod = self.pods.remove(index);
        self.requested.subtract(&pod.requests);
        self.non_zero_requested.subtract(&pod.non_zero_requests);
        for port in &pod.host_ports {
            if let Some(i) = self.used_ports.iter().position(|p| p == port) {
                self.used_ports.swap_remove(i);
            }
        }
        if pod.affinity.is_some() {
            self.pods_with_affinity -= 1;
        }
        if !pod.required_anti_affinity().is_empty() {
            self.pods_with_required_anti_affinity -= 1;
        }
        Some(pod)
    }
}

pub fn node_allocatable(node: &Node) -> Resources {
    let allocatable = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
    let get = |name: &str| allocatable.and_then(|a| a.get(name)).map(|q| q.0.as_str());
    Resources {
        milli_cpu: get("cpu")
            .and_then(|q| quantity::cpu_millis(q).ok())
            .unwrap_or(0),
        memory: get("memory")
            .and_then(|q| quantity::value(q).ok())
            .unwrap_or(0),
        pods: get("pods")
            .and_then(|q| quantity::value(q).ok())
            .unwrap_or(110),
    }
}

/// status.images flattened to (name, sizeBytes), as NodeInfo.ImageStates keys them.
fn node_images(node: &Node) -> Vec<(String, i64)> {
    let mut images: Vec<(String, i64)> = node
        .status
        .iter()
        .flat_map(|s| s.images.iter().flatten())
        .flat_map(|image| {
            let size = image.size_bytes.unwrap_or(0);
            image
                .names
                .iter()
                .flatten()
                .map(move |name| (name.clone(), size))
        })
        .collect();
    crate::sorting::sort(&mut images);
    images.dedup_by(|a, b| a.0 == b.0);
    images
}

/// Selectors of the workloads that may own or select a pod, for
/// PodTopologySpread's system default constraints (helper.DefaultSelector).
#[derive(Clone, Debug, Default)]
pub struct Workloads {
    /// (namespace, name) → spec.selector of each Service that has one.
    pub services: BTreeMap<(String, String), Labels>,
    /// (namespace, name) → spec.selector of each ReplicationController.
    pub replication_controllers: BTreeMap<(String, String), Labels>,
    /// (namespace, name) → the parsed spec.selector of each ReplicaSet.
    pub replica_sets: BTreeMap<(String, String), Selector>,
    /// (namespace, name) → the parsed spec.selector of each StatefulSet.
    pub stateful_sets: BTreeMap<(String, String), Selector>,
}

/// What every plugin may read about the cluster during one attempt
/// (the framework's SharedLister over the scheduler cache's snapshot).
pub struct Snapshot<'a> {
    nodes: &'a [NodeInfo],
    /// `sim explain` for a bound pod: that node, without the pod.
    replaced: Option<(usize, &'a NodeInfo)>,
    /// Nodes holding each image name (for ImageLocality's spread factor).
    pub image_nodes: &'a HashMap<String, usize>,
    /// Labels of each namespace, for namespaceSelector.
    pub namespaces: &'a HashMap<String, Labels>,
    pub workloads: &'a Workloads,
    /// Pods with (anti-)affinity on all nodes together: 0 lets the plugins
    /// skip looking at every node.
    pub pods_with_affinity: usize,
    pub pods_with_required_anti_affinity: usize,
    /// The claims, volumes and classes, for VolumeBinding.
    pub volumes: &'a crate::scheduler::plugins::volume_binding::Volumes,
}

impl<'a> Snapshot<'a> {
    /// The same snapshot with the scheduler's claims, volumes and classes.
    pub fn with_volumes(
        mut self,
        volumes: &'a crate::scheduler::plugins::volume_binding::Volumes,
    ) -> Self {
        self.volumes = volumes;
        self
    }

    /// `affinity_counts`: pods with (anti-)affinity and pods with required
    /// anti-affinity in the whole cluster; an overcount only costs time.
    pub fn new(
        nodes: &'a [NodeInfo],
        image_nodes: &'a HashMap<String, usize>,
        namespaces: &'a HashMap<String, Labels>,
        workloads: &'a Workloads,
        affinity_counts: (usize, usize),
    ) -> Self {
        Snapshot {
            nodes,
            replaced: None,
            image_nodes,
            namespaces,
            workloads,
            pods_with_affinity: affinity_counts.0,
            pods_with_required_anti_affinity: affinity_counts.1,
            volumes: &crate::scheduler::plugins::volume_binding::NO_VOLUMES,
        }
    }

    /// The same snapshot with one node's info swapped for another.
    pub fn replacing(mut self, index: usize, node: &'a NodeInfo) -> Self {
        self.replaced = Some((index, node));
        self
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn get(&self, index: usize) -> &'a NodeInfo {
        match self.replaced {
            Some((i, node)) if i == index => node,
            _ => &self.nodes[index],
        }
    }

    /// Every node, by name.
    pub fn iter(&self) -> impl Iterator<Item = &'a NodeInfo> + '_ {
        (0..self.nodes.len()).map(|i| self.get(i))
    }

    pub fn namespace_labels(&self, namespace: &str) -> &'a Labels {
        self.namespaces.get(namespace).unwrap_or(&NO_LABELS)
    }
}

/// Per-attempt data the plugins' PreFilter and PreScore leave for their
/// Filter and Score (framework.CycleState). Each plugin keeps its own private
/// state type, which is the key.
#[derive(Default)]
pub struct CycleState {
    entries: Vec<(TypeId, Box<dyn Any>)>,
}

impl CycleState {
    pub fn write<T: Any>(&mut self, value: T) {
        let key = TypeId::of::<T>();
        self.entries.retain(|(k, _)| *k != key);
        self.entries.push((key, Box::new(value)));
    }

    pub fn read<T: Any>(&self) -> Option<&T> {
        let key = TypeId::of::<T>();
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.downcast_ref())
    }
}

/// The highest score a plugin gives (framework.MaxNodeScore).
pub const MAX_NODE_SCORE: i64 = 100;

pub trait FilterPlugin {
    fn name(&self) -> &'static str;

    /// Runs once per attempt, before any Filter, with every node. Skip means
    /// the plugin's Filter has nothing to check for this pod; a rejection
    /// makes every node fail with it.
    fn pre_filter(&self, _state: &mut CycleState, _pod: &PodInfo, _nodes: &Snapshot) -> Status {
        Status::success(self.name())
    }

    fn filter(&self, state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status;

    /// Filter on a run of nodes. A node still `alive` that fails is marked
    /// dead and its status pushed to `failures` with its index; dead nodes
    /// failed an earlier plugin and are not looked at. The default calls
    /// Filter node by node; being compiled for each plugin, it calls it
    /// directly, so the scheduler pays one dynamic call per run of nodes
    /// instead of one per node.
    fn filter_many(
        &self,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        alive: &mut [bool],
        failures: &mut Vec<(usize, Status)>,
    ) {
        for (i, (node, alive)) in nodes.iter().zip(alive.iter_mut()).enumerate() {
            if *alive {
                let status = self.filter(state, pod, node);
                if !status.is_success() {
                    *alive = false;
                    failures.push((i, status));
                }
            }
        }
    }
}

pub trait ScorePlugin {
    fn name(&self) -> &'static str;

    /// The weight the default profile gives the plugin.
    fn weight(&self) -> i64;

    /// Runs once per attempt with the feasible nodes, before any Score.
    /// Skip means the plugin does not score this pod (it adds 0 everywhere).
    fn pre_score(
        &self,
        _state: &mut CycleState,
        _pod: &PodInfo,
        _feasible: &[&NodeInfo],
        _nodes: &Snapshot,
    ) -> Status {
        Status::success(self.name())
    }

    fn score(&self, state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> i64;

    /// Score on each node, appended to `scores` in order (one dynamic call
    /// for all of them, as `filter_many`).
    fn score_many(
        &self,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        scores: &mut Vec<i64>,
    ) {
        scores.extend(nodes.iter().map(|node| self.score(state, pod, node)));
    }

    /// Rescales the raw scores of the feasible nodes (same order) to 0..=100
    /// when the raw scale differs.
    fn normalize(&self, _state: &CycleState, _feasible: &[&NodeInfo], _scores: &mut [i64]) {}
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
