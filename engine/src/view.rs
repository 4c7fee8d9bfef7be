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
    pub pods: Vec<PodView>,
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
