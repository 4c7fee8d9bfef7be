//! kube-scheduler: takes pending pods one at a time from its queue, filters
//! the nodes with the default profile's plugins, scores the feasible ones,
//! and binds the pod to the best through the API server.
//!
//! The cache (`nodes`, `placements`) holds, per node, the Node object and a
//! small summary of each pod on it ([`PlacedPod`]): what the plugins read,
//! not copies of the Pod objects. Nothing is kept per attempt: `sim explain`
//! recomputes an attempt on demand ([`Scheduler::explain`]).

pub mod explain;
pub mod framework;
pub mod plugins;
pub mod queue;

use crate::sorting::CollectSorted;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::apiserver::{set_pod_condition, ApiServer};
use crate::events::{EventRecorder, EventType, Source};
use crate::labels::{Labels, Selector};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::store::{WatchEvent, WatchEventType};
use crate::time::SimTime;
use framework::{
    Code, CycleState, FilterPlugin, NodeInfo, PlacedPod, PodInfo, ScorePlugin, Snapshot, Status,
    Workloads, MAX_NODE_SCORE,
};
use plugins::{inter_pod_affinity, node_ports, node_resources_fit, pod_topology_spread};
use queue::SchedulingQueue;

pub const SCHEDULER_NAME: &str = "default-scheduler";
pub const COMPONENT: &str = "default-scheduler";
const PREEMPTION_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
const NO_PREEMPTION_VICTIMS: &str = "No preemption victims found for incoming pod";
/// ErrNoNodesAvailable (schedule_one.go).
const NO_NODES_AVAILABLE: &str = "no nodes available to schedule pods";
/// minFeasibleNodesToFind: below this many nodes, every node is checked.
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE: usize = 5;
/// Nodes go through the filters in runs of this many (see `attempt`).
const MIN_RUN: usize = 16;
const MAX_RUN: usize = 128;

/// Plugins that registered for the deletion of an assigned pod: their
/// rejections may go away when one goes (each plugin's EventsToRegister).
const HELPED_BY_POD_DELETE: &[&str] = &[
    node_resources_fit::NAME,
    node_ports::NAME,
    pod_topology_spread::NAME,
    inter_pod_affinity::NAME,
];
/// Plugins that registered for a new assigned pod or a change of its labels.
const HELPED_BY_POD_ADD: &[&str] = &[pod_topology_spread::NAME, inter_pod_affinity::NAME];

/// A pod placed on a node, as the cache counts it.
#[derive(Clone, Debug)]
struct Placement {
    node: String,
    pod: Arc<PlacedPod>,
}

/// What one scheduling attempt decided, for the step log.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Bound {
        pod: ObjectRef,
        node: String,
        feasible: usize,
        evaluated: usize,
    },
    /// No node fits, or the attempt failed with an error (a selector that
    /// does not parse...): the FailedScheduling message.
    Unschedulable { pod: ObjectRef, message: String },
    /// The pod was gone or already bound when its turn came.
    Skipped { pod: ObjectRef },
}

/// One score plugin's part in a feasible node's total.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ScoreLine {
    pub plugin: &'static str,
    /// None when the plugin's PreScore skipped this pod.
    pub raw: Option<i64>,
    pub normalized: i64,
    pub weight: i64,
}

/// One node's line in a scheduling explanation.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NodeVerdict {
    pub node: String,
    /// Every filter's status, in profile order (not only the first failure);
    /// Skip for plugins whose PreFilter skipped the pod.
    pub filters: Vec<Status>,
    /// For feasible nodes, every score plugin in profile order.
    pub scores: Vec<ScoreLine>,
    pub total: Option<i64>,
}

impl NodeVerdict {
    /// The status the scheduler reports for the node: its first failure.
    pub fn first_failure(&self) -> Option<&Status> {
        self.filters
            .iter()
            .find(|s| !s.is_success() && !s.is_skip())
    }
}

/// How a recomputed attempt ends.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Decision {
    /// The node the scheduler would bind the pod to, with its total score.
    Node { node: String, total: i64 },
    /// No node fits: the FailedScheduling message.
    Unschedulable { message: String },
    /// The attempt fails with an error.
    Error { message: String },
}

/// A scheduling attempt recomputed on the current cluster, for `sim explain`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Explanation {
    /// Every filter plugin's PreFilter status.
    pub pre_filter: Vec<Status>,
    /// Every score plugin's PreScore status (empty when no node fits).
    pub pre_score: Vec<Status>,
    /// Every node, by name.
    pub nodes: Vec<NodeVerdict>,
    pub decision: Decision,
    /// How many feasible nodes a real attempt stops at (numFeasibleNodesToFind).
    pub nodes_to_find: usize,
}

/// The cache's nodes, sorted by name in one contiguous Vec so that an
/// attempt walks memory in order. Nodes added since the last attempt wait in
/// `pending` and are sorted in by the next one: inserting 5,000 nodes one by
/// one would move the whole list each time.
#[derive(Default)]
struct NodeList {
    sorted: Vec<NodeInfo>,
    pending: Vec<NodeInfo>,
    /// Name → index in `pending`.
    pending_index: HashMap<String, usize>,
}

impl NodeList {
    fn len(&self) -> usize {
        self.sorted.len() + self.pending.len()
    }

    fn sorted_index(&self, name: &str) -> Option<usize> {
        self.sorted
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .ok()
    }

    fn get(&self, name: &str) -> Option<&NodeInfo> {
        match self.sorted_index(name) {
            Some(i) => Some(&self.sorted[i]),
            None => self.pending_index.get(name).map(|i| &self.pending[*i]),
        }
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut NodeInfo> {
        match self.sorted_index(name) {
            Some(i) => Some(&mut self.sorted[i]),
            None => self.pending_index.get(name).map(|i| &mut self.pending[*i]),
        }
    }

    /// Adds a node the list does not hold.
    fn insert(&mut self, info: NodeInfo) {
        self.pending_index
            .insert(info.name.clone(), self.pending.len());
        self.pending.push(info);
    }

    fn remove(&mut self, name: &str) -> Option<NodeInfo> {
        if let Some(i) = self.sorted_index(name) {
            return Some(self.sorted.remove(i));
        }
        let i = self.pending_index.remove(name)?;
        let info = self.pending.swap_remove(i);
        if let Some(moved) = self.pending.get(i) {
            self.pending_index.insert(moved.name.clone(), i);
        }
        Some(info)
    }

    /// Sorts the pending nodes in.
    fn merge(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.sorted.append(&mut self.pending);
        // Node names are unique, so the stable sort orders as the unstable one did.
        crate::sorting::sort_by(&mut self.sorted, |a, b| a.name.cmp(&b.name));
        self.pending_index.clear();
    }
}

pub struct Scheduler {
    filters: Vec<Box<dyn FilterPlugin>>,
    scorers: Vec<Box<dyn ScorePlugin>>,
    nodes: NodeList,
    /// Pod uid → where it is counted.
    placements: HashMap<String, Placement>,
    /// Image name → the number of nodes reporting it in status.images.
    image_nodes: HashMap<String, usize>,
    /// Namespace → its labels (for namespaceSelector).
    namespaces: HashMap<String, Labels>,
    workloads: Workloads,
    /// Claims, volumes and classes, for VolumeBinding.
    volumes: plugins::volume_binding::Volumes,
    /// Placed pods with podAffinity/podAntiAffinity, and with required anti-affinity.
    pods_with_affinity: usize,
    pods_with_required_anti_affinity: usize,
    pub queue: SchedulingQueue,
    /// Where the next attempt starts looking, so big clusters share the work (nextStartNodeIndex).
    next_start_node_index: usize,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            filters: plugins::default_filters(),
            scorers: plugins::default_scorers(),
            nodes: NodeList::default(),
            placements: HashMap::new(),
            image_nodes: HashMap::new(),
            namespaces: HashMap::new(),
            workloads: Workloads::default(),
            volumes: Default::default(),
            pods_with_affinity: 0,
            pods_with_required_anti_affinity: 0,
            queue: SchedulingQueue::default(),
            next_start_node_index: 0,
        }
    }
}

pub fn responsible_for(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.scheduler_name.as_deref())
        .is_none_or(|n| n == SCHEDULER_NAME)
}

fn is_bound(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .is_some_and(|n| !n.is_empty())
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

pub fn pod_priority(pod: &Pod) -> i64 {
    i64::from(pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0))
}

/// numFeasibleNodesToFind: big clusters stop filtering after enough feasible nodes.
pub fn feasible_nodes_to_find(all: usize) -> usize {
    if all < MIN_FEASIBLE_NODES_TO_FIND {
        return all;
    }
    let percentage = (50usize.saturating_sub(all / 125)).max(MIN_FEASIBLE_NODES_PERCENTAGE);
    (all * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// Whether a node update may let a pending pod fit: anything the filters
/// read changed (allocatable, labels, taints, cordon, conditions), not only
/// a heartbeat (the queue's nodeSchedulingPropertiesChange).
fn node_change_may_help(old: &Node, new: &Node) -> bool {
    fn conditions(n: &Node) -> impl Iterator<Item = (&str, &str)> {
        n.status
            .as_ref()
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or(&[])
            .iter()
            .map(|c| (c.type_.as_str(), c.status.as_str()))
    }
    old.metadata.labels != new.metadata.labels
        || old.metadata.annotations != new.metadata.annotations
        || old.spec.as_ref().map(|s| (s.unschedulable, &s.taints))
            != new.spec.as_ref().map(|s| (s.unschedulable, &s.taints))
        || old.status.as_ref().map(|s| &s.allocatable)
            != new.status.as_ref().map(|s| &s.allocatable)
        || !conditions(old).eq(conditions(new))
}

/// Whether the cache's copy of a node must be replaced: what the plugins
/// read changed, or the images the kubelet reports. A heartbeat alone does
/// not copy the Node.
fn node_change_matters(old: &Node, new: &Node) -> bool {
    node_change_may_help(old, new)
        || old.status.as_ref().map(|s| &s.images) != new.status.as_ref().map(|s| &s.images)
        || old.metadata.name != new.metadata.name
}

/// spec.selector of a Service or ReplicationController kept as JSON (kinds
/// the simulation stores but does not act on).
fn json_selector_map(body: &serde_json::Value) -> Option<Labels> {
    let map = body.get("spec")?.get("selector")?.as_object()?;
    Some(
        map.iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect_map(),
    )
}

fn json_label_selector(body: &serde_json::Value) -> Selector {
    let parsed = body
        .get("spec")
        .and_then(|s| s.get("selector"))
        .and_then(|s| serde_json::from_value::<LabelSelector>(s.clone()).ok());
    Selector::from_label_selector(parsed.as_ref()).unwrap_or(Selector {
        requirements: Vec::new(),
        matches_nothing: true,
    })
}

/// The part of an attempt that decides, before anything is written.
enum Attempt {
    Bind {
        node: String,
        feasible: usize,
        evaluated: usize,
        /// The pod's requests and host ports, for the cache once it is bound.
        requests: (framework::Resources, framework::Resources),
        host_ports: Vec<(String, i32)>,
    },
    Unschedulable {
        message: String,
        plugins: Vec<&'static str>,
        evaluated: usize,
    },
    Error {
        message: String,
    },
}

/// What the PreFilter stage left for the filters.
struct PreFiltered {
    state: CycleState,
    /// Per filter, in order, its PreFilter status (Skip means its Filter is
    /// not run); shorter when an UnschedulableAndUnresolvable stopped them.
    statuses: Vec<Status>,
    /// A PreFilter that rejected the pod: every node fails with it.
    rejected: Option<Status>,
}

impl Scheduler {
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn node_info(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.get(name)
    }

    /// The pods the cache counts, across all nodes.
    pub fn placed_pod_count(&self) -> usize {
        self.placements.len()
    }

    /// The cluster as an attempt sees it; the node list must be merged.
    fn snapshot(&self) -> Snapshot<'_> {
        self.snapshot_of(&self.nodes.sorted)
    }

    fn snapshot_of<'a>(&'a self, nodes: &'a [NodeInfo]) -> Snapshot<'a> {
        Snapshot::new(
            nodes,
            &self.image_nodes,
            &self.namespaces,
            &self.workloads,
            (
                self.pods_with_affinity,
                self.pods_with_required_anti_affinity,
            ),
        )
        .with_volumes(&self.volumes)
    }

    fn count_affinity(&mut self, pod: &PlacedPod, delta: isize) {
        if pod.affinity.is_some() {
            self.pods_with_affinity = self.pods_with_affinity.saturating_add_signed(delta);
        }
        if !pod.required_anti_affinity().is_empty() {
            self.pods_with_required_anti_affinity = self
                .pods_with_required_anti_affinity
                .saturating_add_signed(delta);
        }
    }

    /// The informers' event handlers: keeps the cache and the queue in step
    /// with the API server. Returns whether the active queue has work.
    pub fn on_watch(&mut self, event: &WatchEvent, now: SimTime) -> bool {
        match (&*event.object, event.event_type) {
            (Object::Node(node), WatchEventType::Deleted) => {
                self.remove_node(node.metadata.name_str());
            }
            (Object::Node(node), _) => {
                let (may_help, matters) = match event.previous.as_deref() {
                    Some(Object::Node(old)) => (
                        node_change_may_help(old, node),
                        node_change_matters(old, node),
                    ),
                    _ => (true, true),
                };
                if matters || self.nodes.get(node.metadata.name_str()).is_none() {
                    self.update_node(node);
                }
                if may_help && self.queue.has_unschedulable() {
                    // A new or changed node may fit pods that did not fit before.
                    self.queue.move_all_to_active_or_backoff(now, |_| 0);
                }
            }
            (Object::Pod(pod), WatchEventType::Deleted) => {
                let pod_ref = ObjectRef::of(&event.object);
                self.queue.forget(&pod_ref);
                if self.forget_placement(pod) {
                    self.move_pods(now, HELPED_BY_POD_DELETE);
                }
            }
            (Object::Pod(pod), _) => {
                let pod_ref = ObjectRef::of(&event.object);
                if is_bound(pod) {
                    self.queue.forget(&pod_ref);
                    if is_terminal(pod) {
                        if self.forget_placement(pod) {
                            self.move_pods(now, HELPED_BY_POD_DELETE);
                        }
                    } else if self.place(pod) {
                        self.move_pods(now, HELPED_BY_POD_ADD);
                    }
                } else if responsible_for(pod) && !pod.metadata.is_deleting() && !is_terminal(pod) {
                    let unchanged_spec = event
                        .previous
                        .as_deref()
                        .is_some_and(|p| matches!(p, Object::Pod(old) if old.spec == pod.spec));
                    if !unchanged_spec {
                        self.queue.add(pod_ref, pod_priority(pod));
                    }
                }
            }
            (Object::Namespace(ns), WatchEventType::Deleted) => {
                self.namespaces.remove(ns.metadata.name_str());
            }
            (Object::Namespace(ns), _) => {
                self.namespaces.insert(
                    ns.metadata.name_str().to_string(),
                    ns.metadata.labels.clone().unwrap_or_default(),
                );
            }
            (Object::ReplicaSet(rs), event_type) => {
                let key = (
                    rs.metadata.namespace_str().to_string(),
                    rs.metadata.name_str().to_string(),
                );
                if event_type == WatchEventType::Deleted {
                    self.workloads.replica_sets.remove(&key);
                } else {
                    let selector =
                        Selector::from_label_selector(rs.spec.as_ref().map(|s| &s.selector))
                            .unwrap_or(Selector {
                                requirements: Vec::new(),
                                matches_nothing: true,
                            });
                    self.workloads.replica_sets.insert(key, selector);
                }
            }
            (Object::StatefulSet(sts), event_type) => {
                let key = (
                    sts.metadata.namespace_str().to_string(),
                    sts.metadata.name_str().to_string(),
                );
                if event_type == WatchEventType::Deleted {
                    self.workloads.stateful_sets.remove(&key);
                } else {
                    let selector =
                        Selector::from_label_selector(sts.spec.as_ref().map(|s| &s.selector))
                            .unwrap_or(Selector {
                                requirements: Vec::new(),
                                matches_nothing: true,
                            });
                    self.workloads.stateful_sets.insert(key, selector);
                }
            }
            (
                Object::PersistentVolumeClaim(_)
                | Object::PersistentVolume(_)
                | Object::StorageClass(_),
                event_type,
            ) => {
                // VolumeBinding's EventsToRegister: a claim, volume or class
                // that changes may let the pods it rejected go on.
                self.volumes
                    .apply(&event.object, event_type == WatchEventType::Deleted);
                self.move_pods(now, &[plugins::volume_binding::NAME]);
            }
            (Object::Other(other), event_type) => {
                let key = (
                    other.metadata.namespace_str().to_string(),
                    other.metadata.name_str().to_string(),
                );
                let deleted = event_type == WatchEventType::Deleted;
                match (other.info.group, other.info.kind) {
                    ("", "Service") => match json_selector_map(&other.body) {
                        Some(selector) if !deleted => {
                            self.workloads.services.insert(key, selector);
                        }
                        _ => {
                            self.workloads.services.remove(&key);
                        }
                    },
                    ("", "ReplicationController") => match json_selector_map(&other.body) {
                        Some(selector) if !deleted => {
                            self.workloads.replication_controllers.insert(key, selector);
                        }
                        _ => {
                            self.workloads.replication_controllers.remove(&key);
                        }
                    },
                    ("apps", "StatefulSet") => {
                        if deleted {
                            self.workloads.stateful_sets.remove(&key);
                        } else {
                            self.workloads
                                .stateful_sets
                                .insert(key, json_label_selector(&other.body));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        self.queue.has_active()
    }

    /// Moves the unschedulable pods that one of these plugins rejected.
    fn move_pods(&mut self, now: SimTime, helped: &[&str]) {
        if self.queue.has_unschedulable() {
            self.queue.move_to_active_or_backoff(
                now,
                |_| 0,
                |plugins| plugins.iter().any(|p| helped.contains(p)),
            );
        }
    }

    fn count_images(&mut self, images: &[(String, i64)], delta: isize) {
        for (name, _) in images {
            let count = self.image_nodes.entry(name.clone()).or_default();
            *count = count.saturating_add_signed(delta);
            if *count == 0 {
                self.image_nodes.remove(name);
            }
        }
    }

    fn remove_node(&mut self, name: &str) {
        if let Some(info) = self.nodes.remove(name) {
            self.count_images(&info.images, -1);
        }
    }

    fn update_node(&mut self, node: &Node) {
        let name = node.metadata.name_str();
        if let Some(info) = self.nodes.get_mut(name) {
            let old_images = std::mem::take(&mut info.images);
            info.set_node(node.clone());
            let changed = (old_images != info.images).then(|| info.images.clone());
            if let Some(new_images) = changed {
                self.count_images(&old_images, -1);
                self.count_images(&new_images, 1);
            }
            return;
        }
        let mut info = NodeInfo::new(node.clone());
        let mut here: Vec<&Placement> = self
            .placements
            .values()
            .filter(|p| p.node == name)
            .collect();
        crate::sorting::sort_by(&mut here, |a, b| a.pod.uid.cmp(&b.pod.uid));
        for placement in here {
            info.add_pod(placement.pod.clone());
        }
        self.count_images(&info.images, 1);
        self.nodes.insert(info);
    }

    /// Counts a bound pod on its node, or refreshes what the cache knows of
    /// it. Returns whether that changed (a new pod, new labels, a pod now
    /// terminating): spreading and inter-pod affinity may judge differently.
    fn place(&mut self, pod: &Pod) -> bool {
        let uid = pod.metadata.uid.as_deref().unwrap_or_default();
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .unwrap_or_default();
        if let Some(existing) = self.placements.get(uid) {
            // Most updates of a bound pod are its status: nothing the plugins read.
            let same = existing.node == node
                && existing.pod.terminating == pod.metadata.deletion_timestamp.is_some()
                && pod
                    .metadata
                    .labels
                    .as_ref()
                    .map_or(existing.pod.labels.is_empty(), |l| {
                        *l == existing.pod.labels
                    });
            if same {
                return false;
            }
            let uid = uid.to_string();
            self.forget_uid(&uid);
            self.insert_placement(uid, node.to_string(), pod);
            return true;
        }
        self.insert_placement(uid.to_string(), node.to_string(), pod);
        true
    }

    fn insert_placement(&mut self, uid: String, node: String, pod: &Pod) {
        self.insert_placed(uid, node, PlacedPod::from_pod(pod));
    }

    fn insert_placed(&mut self, uid: String, node: String, placed: PlacedPod) {
        let placed = Arc::new(placed);
        self.count_affinity(&placed, 1);
        if let Some(info) = self.nodes.get_mut(&node) {
            info.add_pod(placed.clone());
        }
        self.placements.insert(uid, Placement { node, pod: placed });
    }

    fn forget_uid(&mut self, uid: &str) -> bool {
        let Some(placement) = self.placements.remove(uid) else {
            return false;
        };
        self.count_affinity(&placement.pod, -1);
        if let Some(info) = self.nodes.get_mut(&placement.node) {
            info.remove_pod(uid);
        }
        true
    }

    /// Returns whether the pod was counted on a node.
    fn forget_placement(&mut self, pod: &Pod) -> bool {
        self.forget_uid(pod.metadata.uid.as_deref().unwrap_or_default())
    }

    /// Runs every filter plugin's PreFilter (RunPreFilterPlugins): an
    /// UnschedulableAndUnresolvable stops at once, an Unschedulable lets
    /// the others run, an error ends the attempt.
    fn pre_filter(&self, pod: &PodInfo, nodes: &Snapshot) -> Result<PreFiltered, String> {
        let mut state = CycleState::default();
        let mut statuses = Vec::with_capacity(self.filters.len());
        let mut rejected: Option<Status> = None;
        for filter in &self.filters {
            let status = filter.pre_filter(&mut state, pod, nodes);
            match status.code {
                Code::Error => {
                    return Err(format!(
                        "running PreFilter plugin {:?}: {}",
                        filter.name(),
                        status.message()
                    ))
                }
                Code::UnschedulableAndUnresolvable => {
                    // Preemption cannot help: the other PreFilters are not run.
                    rejected = Some(status.clone());
                    statuses.push(status);
                    break;
                }
                Code::Unschedulable => rejected = Some(status.clone()),
                Code::Success | Code::Skip => {}
            }
            statuses.push(status);
        }
        Ok(PreFiltered {
            state,
            statuses,
            rejected,
        })
    }

    /// Runs the filters on a run of nodes; each node stops at its first
    /// failure, as the framework's RunFilterPlugins does.
    fn first_failures(
        &self,
        pre: &PreFiltered,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        alive: &mut [bool],
        failures: &mut Vec<(usize, Status)>,
    ) {
        for (filter, status) in self.filters.iter().zip(&pre.statuses) {
            if !status.is_skip() {
                filter.filter_many(&pre.state, pod, nodes, alive, failures);
            }
        }
    }

    /// Runs PreScore, Score and NormalizeScore for the feasible nodes and
    /// returns Σ normalised score × weight for each. With `lines`, also what
    /// each plugin gave each node.
    fn score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo,
        feasible: &[&NodeInfo],
        nodes: &Snapshot,
        mut lines: Option<(&mut Vec<Status>, &mut Vec<Vec<ScoreLine>>)>,
    ) -> Result<Vec<i64>, String> {
        let mut totals = vec![0i64; feasible.len()];
        let mut scores: Vec<i64> = Vec::with_capacity(feasible.len());
        for scorer in &self.scorers {
            let status = scorer.pre_score(state, pod, feasible, nodes);
            if status.code == Code::Error {
                return Err(format!(
                    "running PreScore plugin {:?}: {}",
                    scorer.name(),
                    status.message()
                ));
            }
            let skipped = status.is_skip();
            if let Some((pre_score, per_node)) = lines.as_mut() {
                pre_score.push(status);
                if skipped {
                    for node_lines in per_node.iter_mut() {
                        node_lines.push(ScoreLine {
                            plugin: scorer.name(),
                            raw: None,
                            normalized: 0,
                            weight: scorer.weight(),
                        });
                    }
                }
            }
            if skipped {
                continue;
            }
            scores.clear();
            scorer.score_many(state, pod, feasible, &mut scores);
            let raw: Option<Vec<i64>> = lines.is_some().then(|| scores.clone());
            scorer.normalize(state, feasible, &mut scores);
            let weight = scorer.weight();
            let mut invalid = None;
            for (total, score) in totals.iter_mut().zip(&scores) {
                if !(0..=MAX_NODE_SCORE).contains(score) {
                    invalid = Some(*score);
                }
                *total += score * weight;
            }
            // The framework refuses scores outside 0..=100 (RunScorePlugins).
            if let Some(bad) = invalid {
                return Err(format!(
                    "applying score defaultWeights on Score plugins: plugin {:?} returns an invalid score {bad}, it should in the range of [0, {MAX_NODE_SCORE}] after normalizing",
                    scorer.name()
                ));
            }
            if let (Some((_, per_node)), Some(raw)) = (lines.as_mut(), raw) {
                for (i, node_lines) in per_node.iter_mut().enumerate() {
                    node_lines.push(ScoreLine {
                        plugin: scorer.name(),
                        raw: Some(raw[i]),
                        normalized: scores[i],
                        weight,
                    });
                }
            }
        }
        Ok(totals)
    }

    /// The best total wins; ties go to the first node by name, so runs are
    /// predictable. `order` is each feasible node's place in the name-sorted
    /// node list, so no names are compared.
    fn best(order: &[usize], totals: &[i64]) -> Option<usize> {
        (0..totals.len()).max_by(|&a, &b| totals[a].cmp(&totals[b]).then(order[b].cmp(&order[a])))
    }

    /// One attempt for the pod, against the cache, without writing anything.
    fn attempt(&self, pod: &Pod) -> Attempt {
        let info = PodInfo::new(pod);
        let nodes = self.snapshot();
        let all = nodes.len();
        if all == 0 {
            return Attempt::Unschedulable {
                message: NO_NODES_AVAILABLE.to_string(),
                plugins: Vec::new(),
                evaluated: 0,
            };
        }
        let pre = match self.pre_filter(&info, &nodes) {
            Ok(pre) => pre,
            Err(message) => return Attempt::Error { message },
        };
        if let Some(rejected) = &pre.rejected {
            return Attempt::Unschedulable {
                message: Self::fit_error_message(&info, all, Some(rejected), &[]),
                plugins: vec![rejected.plugin],
                evaluated: 0,
            };
        }
        let want = feasible_nodes_to_find(all);
        let start = self.next_start_node_index % all;
        let mut feasible: Vec<&NodeInfo> = Vec::with_capacity(want);
        let mut order: Vec<usize> = Vec::with_capacity(want);
        let mut failures: Vec<Status> = Vec::new();
        let mut evaluated = 0;
        // Nodes are checked in runs, so that each plugin looks at a run at a
        // time; the outcome is the same as checking one node after another
        // and stopping at the `want`-th feasible one (findNodesThatPassFilters).
        let mut run: Vec<&NodeInfo> = Vec::with_capacity(MAX_RUN);
        let mut alive: Vec<bool> = Vec::with_capacity(MAX_RUN);
        let mut run_failures: Vec<(usize, Status)> = Vec::new();
        let mut next = 0;
        while feasible.len() < want && next < all {
            let size = (want - feasible.len())
                .clamp(MIN_RUN, MAX_RUN)
                .min(all - next);
            run.clear();
            run.extend((next..next + size).map(|i| {
                let index = start + i;
                nodes.get(if index >= all { index - all } else { index })
            }));
            alive.clear();
            alive.resize(size, true);
            self.first_failures(&pre, &info, &run, &mut alive, &mut run_failures);
            // As if one node after another: stop at the `want`-th feasible one.
            let mut checked = size;
            for (i, fits) in alive.iter().enumerate() {
                if *fits {
                    feasible.push(run[i]);
                    let index = start + next + i;
                    order.push(if index >= all { index - all } else { index });
                    if feasible.len() == want {
                        checked = i + 1;
                        break;
                    }
                }
            }
            evaluated += checked;
            failures.extend(
                run_failures
                    .drain(..)
                    .filter(|(i, _)| *i < checked)
                    .map(|(_, status)| status),
            );
            next += size;
        }
        if feasible.is_empty() {
            let plugins: BTreeSet<&'static str> = failures.iter().map(|s| s.plugin).collect_set();
            return Attempt::Unschedulable {
                message: Self::fit_error_message(&info, all, None, &failures),
                plugins: plugins.into_iter().collect(),
                evaluated,
            };
        }
        let mut state = pre.state;
        let totals = match self.score(&mut state, &info, &feasible, &nodes, None) {
            Ok(totals) => totals,
            Err(message) => return Attempt::Error { message },
        };
        let best = Self::best(&order, &totals).unwrap_or(0);
        Attempt::Bind {
            node: feasible[best].name.clone(),
            feasible: feasible.len(),
            evaluated,
            requests: (info.requests, info.non_zero_requests),
            host_ports: info.host_ports,
        }
    }

    /// Takes the next pod from the active queue and tries to place it.
    pub fn schedule_one(
        &mut self,
        api: &mut ApiServer,
        recorder: &mut EventRecorder,
        now: SimTime,
    ) -> Option<Outcome> {
        let pod_ref = self.queue.pop()?;
        self.nodes.merge();
        let attempt = match api.get(&pod_ref) {
            Some(Object::Pod(p)) if !is_bound(p) && !p.metadata.is_deleting() => self.attempt(p),
            _ => return Some(Outcome::Skipped { pod: pod_ref }),
        };
        let all = self.nodes.len();
        match attempt {
            Attempt::Bind {
                node,
                feasible,
                evaluated,
                requests,
                host_ports,
            } => {
                self.next_start_node_index = (self.next_start_node_index + evaluated) % all.max(1);
                match api.bind(now, &pod_ref, &node) {
                    Ok(object) => {
                        let Object::Pod(bound) = &*object else {
                            return Some(Outcome::Skipped { pod: pod_ref });
                        };
                        // The assumed pod (cache.AssumePod): counted at once.
                        let uid = bound.metadata.uid.clone().unwrap_or_default();
                        if !self.placements.contains_key(&uid) {
                            let placed = PlacedPod::with_requests(bound, requests, host_ports);
                            self.insert_placed(uid, node.clone(), placed);
                        }
                        let message = format!(
                            "Successfully assigned {}/{} to {node}",
                            pod_ref.namespace.as_deref().unwrap_or(""),
                            pod_ref.name
                        );
                        recorder.record(
                            api,
                            now,
                            &Source::component(COMPONENT),
                            &object,
                            EventType::Normal,
                            "Scheduled",
                            &message,
                        );
                        Some(Outcome::Bound {
                            pod: pod_ref,
                            node,
                            feasible,
                            evaluated,
                        })
                    }
                    Err(_) => Some(Outcome::Skipped { pod: pod_ref }),
                }
            }
            Attempt::Unschedulable {
                message,
                plugins,
                evaluated,
            } => {
                self.next_start_node_index = (self.next_start_node_index + evaluated) % all.max(1);
                self.queue.mark_unschedulable(pod_ref.clone(), now, plugins);
                Self::record_failure(api, recorder, now, &pod_ref, "Unschedulable", &message);
                Some(Outcome::Unschedulable {
                    pod: pod_ref,
                    message,
                })
            }
            Attempt::Error { message } => {
                self.queue.mark_error(pod_ref.clone(), now);
                Self::record_failure(api, recorder, now, &pod_ref, "SchedulerError", &message);
                Some(Outcome::Unschedulable {
                    pod: pod_ref,
                    message,
                })
            }
        }
    }

    /// handleSchedulingFailure: PodScheduled=False with the reason and
    /// message, and a FailedScheduling event.
    fn record_failure(
        api: &mut ApiServer,
        recorder: &mut EventRecorder,
        now: SimTime,
        pod_ref: &ObjectRef,
        reason: &str,
        message: &str,
    ) {
        let Some(Object::Pod(pod)) = api.get(pod_ref) else {
            return;
        };
        let pod = pod.clone();
        let mut updated = pod.clone();
        let status = updated.status.get_or_insert_with(Default::default);
        status.phase.get_or_insert_with(|| "Pending".to_string());
        set_pod_condition(
            status,
            "PodScheduled",
            "False",
            Some(reason),
            Some(message),
            now,
        );
        if updated != pod {
            let _ = api.update(Object::Pod(updated));
        }
        recorder.record(
            api,
            now,
            &Source::component(COMPONENT),
            &Object::Pod(pod),
            EventType::Warning,
            "FailedScheduling",
            message,
        );
    }

    /// FitError.Error() followed by what preemption found (pkg/scheduler/framework/types.go).
    /// `pre_filter` is a PreFilter rejection (every node has its status);
    /// otherwise `failures` holds each failing node's first failure.
    fn fit_error_message(
        pod: &PodInfo,
        all: usize,
        pre_filter: Option<&Status>,
        failures: &[Status],
    ) -> String {
        let histogram = |reasons: &mut dyn Iterator<Item = (&str, usize)>| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for (reason, n) in reasons {
                *counts.entry(reason).or_default() += n;
            }
            let mut lines: Vec<String> = counts
                .into_iter()
                .map(|(r, n)| format!("{n} {r}"))
                .collect();
            // sort.Strings on the whole "N reason" strings.
            crate::sorting::sort(&mut lines);
            lines.join(", ")
        };
        let mut message = format!("0/{all} nodes are available:");
        match pre_filter {
            Some(status) => message.push_str(&format!(" {}.", status.message())),
            None => {
                let reasons = histogram(
                    &mut failures
                        .iter()
                        .flat_map(|s| s.reasons.iter().map(|r| (r.as_str(), 1))),
                );
                if !reasons.is_empty() {
                    message.push_str(&format!(" {reasons}."));
                }
            }
        }
        let policy = pod
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.preemption_policy.as_deref())
            .unwrap_or("PreemptLowerPriority");
        if policy == "Never" {
            message.push_str(" preemption: not eligible due to preemptionPolicy=Never.");
            return message;
        }
        // DefaultPreemption's dry run: only nodes that failed with Unschedulable
        // are candidates, and only lower-priority pods can be victims. Every
        // pod has priority 0 until PriorityClasses are simulated (admission
        // refuses any other), so no candidate node ever has victims.
        let verdict = |code: Code| match code {
            Code::Unschedulable => NO_PREEMPTION_VICTIMS,
            _ => PREEMPTION_NOT_HELPFUL,
        };
        let preemption = match pre_filter {
            Some(status) => histogram(&mut std::iter::once((verdict(status.code), all))),
            None => histogram(&mut failures.iter().map(|s| (verdict(s.code), 1))),
        };
        message.push_str(&format!(
            " preemption: 0/{all} nodes are available: {preemption}."
        ));
        message
    }

    /// An attempt for the pod recomputed now, with every filter on every
    /// node and every score on every feasible node, for `sim explain`. A
    /// bound pod is taken off its node first, so the cluster looks as it did
    /// to the attempt that placed it (but with everything since).
    pub fn explain(&self, pod: &Pod) -> Explanation {
        // A bound pod is explained as the pending pod it was: without its node.
        let pending: Pod;
        let pod = if is_bound(pod) {
            pending = Pod {
                spec: pod
                    .spec
                    .clone()
                    .map(|spec| k8s_openapi::api::core::v1::PodSpec {
                        node_name: None,
                        ..spec
                    }),
                ..pod.clone()
            };
            &pending
        } else {
            pod
        };
        let info = PodInfo::new(pod);
        let uid = pod.metadata.uid.as_deref().unwrap_or_default();
        // Nodes added since the last attempt are not sorted in yet: sort a copy.
        let merged: Vec<NodeInfo>;
        let list: &[NodeInfo] = if self.nodes.pending.is_empty() {
            &self.nodes.sorted
        } else {
            let mut all: Vec<NodeInfo> = self.nodes.sorted.clone();
            all.extend(self.nodes.pending.iter().cloned());
            crate::sorting::sort_by(&mut all, |a, b| a.name.cmp(&b.name));
            merged = all;
            &merged
        };
        let without_pod: Option<(usize, NodeInfo)> = self.placements.get(uid).and_then(|p| {
            let index = list
                .binary_search_by(|n| n.name.as_str().cmp(&p.node))
                .ok()?;
            let mut node = list[index].clone();
            node.remove_pod(uid);
            Some((index, node))
        });
        let mut nodes = self.snapshot_of(list);
        if let Some((index, node)) = &without_pod {
            nodes = nodes.replacing(*index, node);
        }
        let all = nodes.len();
        let nodes_to_find = feasible_nodes_to_find(all);
        let mut explanation = Explanation {
            pre_filter: Vec::new(),
            pre_score: Vec::new(),
            nodes: Vec::new(),
            decision: Decision::Unschedulable {
                message: NO_NODES_AVAILABLE.to_string(),
            },
            nodes_to_find,
        };
        if all == 0 {
            return explanation;
        }
        let pre = match self.pre_filter(&info, &nodes) {
            Ok(pre) => pre,
            Err(message) => {
                explanation.decision = Decision::Error { message };
                return explanation;
            }
        };
        explanation.pre_filter = pre.statuses.clone();
        explanation.nodes = nodes
            .iter()
            .map(|node| NodeVerdict {
                node: node.name.clone(),
                filters: match &pre.rejected {
                    Some(_) => Vec::new(),
                    None => self
                        .filters
                        .iter()
                        .zip(&pre.statuses)
                        .map(|(f, s)| {
                            if s.is_skip() {
                                Status::skip(f.name())
                            } else {
                                f.filter(&pre.state, &info, node)
                            }
                        })
                        .collect(),
                },
                scores: Vec::new(),
                total: None,
            })
            .collect();
        if let Some(rejected) = &pre.rejected {
            explanation.decision = Decision::Unschedulable {
                message: Self::fit_error_message(&info, all, Some(rejected), &[]),
            };
            return explanation;
        }
        let feasible_index: Vec<usize> = (0..all)
            .filter(|i| explanation.nodes[*i].first_failure().is_none())
            .collect();
        if feasible_index.is_empty() {
            let failures: Vec<Status> = explanation
                .nodes
                .iter()
                .filter_map(|v| v.first_failure().cloned())
                .collect();
            explanation.decision = Decision::Unschedulable {
                message: Self::fit_error_message(&info, all, None, &failures),
            };
            return explanation;
        }
        let feasible: Vec<&NodeInfo> = feasible_index.iter().map(|i| nodes.get(*i)).collect();
        let mut state = pre.state;
        let mut per_node: Vec<Vec<ScoreLine>> = vec![Vec::new(); feasible.len()];
        let totals = match self.score(
            &mut state,
            &info,
            &feasible,
            &nodes,
            Some((&mut explanation.pre_score, &mut per_node)),
        ) {
            Ok(totals) => totals,
            Err(message) => {
                explanation.decision = Decision::Error { message };
                return explanation;
            }
        };
        for ((index, lines), total) in feasible_index.iter().zip(per_node).zip(&totals) {
            explanation.nodes[*index].scores = lines;
            explanation.nodes[*index].total = Some(*total);
        }
        if let Some(best) = Self::best(&feasible_index, &totals) {
            explanation.decision = Decision::Node {
                node: feasible[best].name.clone(),
                total: totals[best],
            };
        }
        explanation
    }
}

/// The pod a kind/namespace/name refers to, if it is a pod.
pub fn pod_ref(namespace: &str, name: &str) -> ObjectRef {
    ObjectRef::new(Kind::Pod, Some(namespace), name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubelet::{self, Kubelet};
    use crate::scheduler::plugins::testing::{labelled_pod, pod};
    use k8s_openapi::api::core::v1::{Affinity, PodAffinityTerm, PodAntiAffinity};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
        LabelSelector, LabelSelectorRequirement, ObjectMeta,
    };

    struct Cluster {
        api: ApiServer,
        recorder: EventRecorder,
        scheduler: Scheduler,
        now: SimTime,
    }

    impl Cluster {
        /// A control-plane node and `workers` workers, as the simulation starts.
        fn new(workers: usize) -> Self {
            let mut cluster = Cluster {
                api: ApiServer::new(1),
                recorder: EventRecorder::default(),
                scheduler: Scheduler::default(),
                now: SimTime(0),
            };
            let namespace = k8s_openapi::api::core::v1::Namespace {
                metadata: ObjectMeta {
                    name: Some("default".into()),
                    ..ObjectMeta::default()
                },
                ..Default::default()
            };
            cluster
                .api
                .create(cluster.now, Object::Namespace(namespace))
                .unwrap();
            for spec in kubelet::default_node_specs(workers) {
                kubelet::register(&mut cluster.api, &Kubelet::new(spec), cluster.now).unwrap();
            }
            cluster.deliver();
            cluster
        }

        fn deliver(&mut self) {
            for event in self.api.take_watch_events() {
                self.scheduler.on_watch(&event, self.now);
            }
        }

        fn create(&mut self, name: &str, mut p: Pod) {
            p.metadata.name = Some(name.into());
            self.api.create(self.now, Object::Pod(p)).unwrap();
            self.deliver();
        }

        fn schedule(&mut self) -> Option<Outcome> {
            let outcome = self
                .scheduler
                .schedule_one(&mut self.api, &mut self.recorder, self.now);
            self.deliver();
            outcome
        }
    }

    #[test]
    fn runs_of_nodes_stop_where_one_node_at_a_time_would() {
        // 301 nodes: numFeasibleNodesToFind is 301 × (50 - 2)% = 144.
        let mut cluster = Cluster::new(300);
        assert_eq!(feasible_nodes_to_find(301), 144);
        for i in 0..3 {
            cluster.create(&format!("p{i}"), pod(Some("100m"), Some("64Mi")));
        }
        let evaluated: Vec<(usize, usize)> = (0..3)
            .map(|_| match cluster.schedule() {
                Some(Outcome::Bound {
                    feasible,
                    evaluated,
                    ..
                }) => (feasible, evaluated),
                other => panic!("{other:?}"),
            })
            .collect();
        // The first attempt starts at "control-plane" (tainted): 145 looked at.
        // The second starts after the last node looked at (index 145) and
        // meets only workers; the third starts at 289, wraps around and
        // meets the control-plane node again.
        assert_eq!(evaluated, vec![(144, 145), (144, 144), (144, 145)]);
        assert_eq!(
            cluster.scheduler.next_start_node_index,
            (145 + 144 + 145) % 301
        );
    }

    #[test]
    fn a_rejected_prefilter_fails_every_node_with_its_message() {
        let cluster = Cluster::new(3);
        let mut p = labelled_pod(&[("app", "web")]);
        p.spec.as_mut().unwrap().affinity = Some(Affinity {
            pod_anti_affinity: Some(PodAntiAffinity {
                required_during_scheduling_ignored_during_execution: Some(vec![PodAffinityTerm {
                    topology_key: "kubernetes.io/hostname".into(),
                    label_selector: Some(LabelSelector {
                        match_expressions: Some(vec![LabelSelectorRequirement {
                            key: "app".into(),
                            operator: "Near".into(),
                            values: None,
                        }]),
                        ..LabelSelector::default()
                    }),
                    ..PodAffinityTerm::default()
                }]),
                ..PodAntiAffinity::default()
            }),
            ..Affinity::default()
        });
        let explanation = cluster.scheduler.explain(&p);
        assert_eq!(
            explanation.decision,
            Decision::Unschedulable {
                message: "0/4 nodes are available: parsing pod: requiredAntiAffinityTerms: \
                          \"Near\" is not a valid label selector operator. preemption: 0/4 nodes \
                          are available: 4 Preemption is not helpful for scheduling."
                    .to_string()
            }
        );
        assert!(explanation.nodes.iter().all(|n| n.filters.is_empty()));
    }

    #[test]
    fn explain_takes_a_bound_pod_off_its_node() {
        let mut cluster = Cluster::new(3);
        cluster.create("big", pod(Some("3"), Some("1Gi")));
        let Some(Outcome::Bound { node, .. }) = cluster.schedule() else {
            panic!("not bound");
        };
        let bound = match cluster.api.get(&pod_ref("default", "big")) {
            Some(Object::Pod(p)) => p.clone(),
            other => panic!("{other:?}"),
        };
        // With the pod counted, 3 of 4 cpu would be taken on its node; taken
        // off, every worker fits again and the same node wins.
        let explanation = cluster.scheduler.explain(&bound);
        assert_eq!(
            explanation.decision,
            Decision::Node {
                node: node.clone(),
                total: explanation
                    .nodes
                    .iter()
                    .find(|n| n.node == node)
                    .and_then(|n| n.total)
                    .unwrap()
            }
        );
        let fitting = explanation
            .nodes
            .iter()
            .filter(|n| n.first_failure().is_none())
            .count();
        assert_eq!(fitting, 3);
    }

    #[test]
    fn heartbeats_do_not_wake_unschedulable_pods_but_label_changes_do() {
        let mut cluster = Cluster::new(1);
        let mut picky = pod(None, None);
        picky.spec.as_mut().unwrap().node_selector =
            Some([("disktype".to_string(), "ssd".to_string())].into());
        cluster.create("picky", picky);
        assert!(matches!(
            cluster.schedule(),
            Some(Outcome::Unschedulable { .. })
        ));
        let node_ref = ObjectRef::new(Kind::Node, None, "node-1");
        let Some(Object::Node(node)) = cluster.api.get(&node_ref).cloned() else {
            panic!("no node-1");
        };
        // A heartbeat: only lastHeartbeatTime moves.
        let mut beat = node.clone();
        for c in beat
            .status
            .as_mut()
            .unwrap()
            .conditions
            .iter_mut()
            .flatten()
        {
            c.last_heartbeat_time = Some(SimTime(10_000).to_k8s());
        }
        cluster.api.update(Object::Node(beat)).unwrap();
        cluster.now = SimTime(20_000);
        cluster.deliver();
        cluster.scheduler.queue.flush(cluster.now, |_| 0);
        assert!(!cluster.scheduler.queue.has_active());
        // The label the pod wants: it is tried again, and fits.
        let Some(Object::Node(mut labelled)) = cluster.api.get(&node_ref).cloned() else {
            panic!("no node-1");
        };
        labelled
            .metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert("disktype".into(), "ssd".into());
        cluster.api.update(Object::Node(labelled)).unwrap();
        cluster.deliver();
        cluster.scheduler.queue.flush(cluster.now, |_| 0);
        assert!(matches!(
            cluster.schedule(),
            Some(Outcome::Bound { node, .. }) if node == "node-1"
        ));
    }
}
