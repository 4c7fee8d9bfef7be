//! Plain snapshots of the cluster for the UI and tests: no k8s types, no behaviour.

use serde::Serialize;

/// What the cluster map draws: every node with the pods bound to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ClusterView {
    /// Virtual time, as `kubectl` would print an age (`1m30s`).
    pub time: String,
    pub time_ms: u64,
    pub nodes: Vec<NodeView>,
    /// Pods that no node has been chosen for yet.
    pub unscheduled: Vec<PodView>,
    /// Every Deployment with the ReplicaSets it owns, for a rollout at a glance.
    pub deployments: Vec<DeploymentView>,
    /// Every Service with its endpoints (Service → endpoints → pods).
    pub services: Vec<ServiceView>,
}

/// A Service and the endpoints its EndpointSlices list.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServiceView {
    pub namespace: String,
    pub name: String,
    /// `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`.
    pub service_type: String,
    /// As the CLUSTER-IP column prints it (`None` for a headless Service).
    pub cluster_ip: String,
    /// As the PORT(S) column prints it (`80/TCP`, `80:30080/TCP`).
    pub ports: String,
    /// `app=web`, or empty for a Service without a selector.
    pub selector: String,
    /// The name cluster DNS answers for it.
    pub dns_name: String,
    /// How many endpoints its EndpointSlices list, and how many are ready.
    pub endpoint_count: usize,
    pub ready_count: usize,
    /// The first endpoints (at most `SERVICE_ENDPOINTS_SHOWN`), for drawing.
    pub endpoints: Vec<EndpointView>,
}

/// Endpoints a ServiceView carries: a picture of a 200-pod Service lists a
/// few and counts the rest, and the snapshot is taken after every step.
pub const SERVICE_ENDPOINTS_SHOWN: usize = 12;

/// One endpoint of a Service, from its EndpointSlice.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EndpointView {
    pub address: String,
    /// The slice's port numbers (`80`, `80,443`).
    pub ports: String,
    /// Traffic goes to ready endpoints only.
    pub ready: bool,
    pub terminating: bool,
    /// The pod behind it (targetRef), if any.
    pub pod: Option<String>,
    pub node: Option<String>,
    /// A StatefulSet pod's DNS hostname (`web-0`).
    pub hostname: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NodeView {
    pub name: String,
    /// As the ROLES column of `kubectl get nodes` prints it.
    pub roles: String,
    /// As the STATUS column of `kubectl get nodes` prints it (`Ready`, `NotReady,SchedulingDisabled`).
    pub status: String,
    pub ready: bool,
    pub cpu_allocatable_milli: u64,
    pub cpu_requested_milli: u64,
    pub memory_allocatable_bytes: u64,
    pub memory_requested_bytes: u64,
    /// The node's taints as `kubectl describe node` lists them (`key=value:Effect`).
    pub taints: Vec<String>,
    /// The conditions that are not as a healthy node has them (Ready not
    /// True, a pressure True), as `Type=Status`, with their message.
    pub conditions: Vec<NodeConditionView>,
    pub pods: Vec<PodView>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NodeConditionView {
    /// `Ready=Unknown`, `MemoryPressure=True`.
    pub summary: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PodView {
    pub namespace: String,
    pub name: String,
    /// As the STATUS column of `kubectl get pods` prints it.
    pub status: String,
    /// As the READY column prints it (`1/1`).
    pub ready: String,
    pub all_ready: bool,
    pub restarts: i32,
    pub node: Option<String>,
    /// Why the scheduler has not placed the pod: its PodScheduled condition's
    /// message when that condition is False (the FailedScheduling text).
    pub pending_reason: Option<String>,
    /// The object that controls the pod, as `ReplicaSet/web-7d9f5c8b6`.
    pub owner: Option<String>,
}

/// A Deployment and its ReplicaSets, newest revision first.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeploymentView {
    pub namespace: String,
    pub name: String,
    /// `spec.replicas` (what is wanted).
    pub replicas: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    /// The `deployment.kubernetes.io/revision` annotation (empty before the controller set it).
    pub revision: String,
    pub replica_sets: Vec<ReplicaSetView>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReplicaSetView {
    pub name: String,
    pub revision: String,
    /// `spec.replicas`.
    pub replicas: i32,
    pub ready: i32,
    /// The first container's image.
    pub image: String,
    /// Its sizes over virtual time, oldest first (the rollout picture).
    pub history: Vec<crate::rollout_history::ReplicaSetPoint>,
}

/// `sim explain` as a table: every node, every filter and score plugin.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExplainView {
    pub namespace: String,
    pub pod: String,
    /// The node the pod is bound to (the attempt is recomputed without it there).
    pub bound_to: Option<String>,
    /// The filter plugins, in profile order (the table's rows).
    pub filter_plugins: Vec<String>,
    /// The score plugins, in profile order.
    pub score_plugins: Vec<String>,
    pub nodes: Vec<ExplainNodeView>,
    /// A PreFilter that rejected the pod before any node was looked at: (plugin, message).
    pub pre_filter_rejection: Option<(String, String)>,
    /// The node the attempt chooses.
    pub chosen: Option<String>,
    /// When no node fits or the attempt fails: the scheduler's message.
    pub message: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExplainNodeView {
    pub node: String,
    /// One per filter plugin, in the order of `filter_plugins`.
    pub filters: Vec<PluginVerdictView>,
    /// One per score plugin for a node that fits (empty otherwise).
    pub scores: Vec<ScoreView>,
    pub total: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PluginVerdictView {
    pub plugin: String,
    /// `Success`, `Unschedulable`, `UnschedulableAndUnresolvable`, `Skip`, `Error`.
    pub code: String,
    pub reason: String,
    /// The failure the scheduler reports for this node.
    pub first_failure: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScoreView {
    pub plugin: String,
    /// None when the plugin's PreScore skipped the pod.
    pub raw: Option<i64>,
    pub normalized: i64,
    pub weight: i64,
}

/// One processed event of the simulation: who acted, and what they did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepRecord {
    /// Sequence number of the step since the start of the run.
    pub id: u64,
    pub time_ms: u64,
    /// The component that acted (`scheduler`, `kubelet/node-1`, `replicaset-controller` ...).
    pub component: String,
    /// A sentence saying what it did.
    pub summary: String,
    /// The writes it made through the API server.
    pub writes: Vec<WriteRecord>,
    /// The step whose writes woke this component (None for the learner's own commands).
    pub caused_by: Option<u64>,
    /// The components its writes woke, through their watches (`replicaset-controller (default/web-7d9f)`).
    pub woke: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WriteRecord {
    /// `create`, `update`, `delete`, `bind`.
    pub verb: String,
    /// etcd key of the object.
    pub key: String,
    /// etcd revision of the write.
    pub revision: u64,
}

/// The result of one command of the command language, as a terminal shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CommandOutput {
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
}
