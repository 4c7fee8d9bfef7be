//! kube-scheduler: takes pending pods one at a time from its queue, filters
//! the nodes with the default profile's plugins, scores the feasible ones,
//! and binds the pod to the best through the API server.

pub mod framework;
pub mod plugins;
pub mod queue;

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::{Node, Pod};

use crate::apiserver::{set_pod_condition, ApiServer};
use crate::events::{EventRecorder, EventType, Source};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::store::{WatchEvent, WatchEventType};
use crate::time::SimTime;
use framework::{Code, FilterPlugin, NodeInfo, PodInfo, Resources, ScorePlugin, Status};
use queue::SchedulingQueue;

pub const SCHEDULER_NAME: &str = "default-scheduler";
pub const COMPONENT: &str = "default-scheduler";
const PREEMPTION_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
const NO_PREEMPTION_VICTIMS: &str = "No preemption victims found for incoming pod";
/// minFeasibleNodesToFind: below this many nodes, every node is checked.
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE: usize = 5;

/// A pod placed on a node, as the cache counts it.
#[derive(Clone, Debug)]
struct Placement {
    node: String,
    requests: Resources,
    non_zero_requests: Resources,
    host_ports: Vec<(String, i32)>,
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
    Unschedulable {
        pod: ObjectRef,
        message: String,
    },
    /// The pod was gone or already bound when its turn came.
    Skipped {
        pod: ObjectRef,
    },
}

/// One node's line in a scheduling explanation.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NodeVerdict {
    pub node: String,
    /// Every filter's status, in profile order (not only the first failure).
    pub filters: Vec<Status>,
    /// (plugin, raw score, normalised score, weight) for feasible nodes.
    pub scores: Vec<(&'static str, i64, i64, i64)>,
    pub total: Option<i64>,
}

pub struct Scheduler {
    filters: Vec<Box<dyn FilterPlugin>>,
    scorers: Vec<Box<dyn ScorePlugin>>,
    nodes: BTreeMap<String, NodeInfo>,
    placements: HashMap<String, Placement>,
    pub queue: SchedulingQueue,
    /// Where the next attempt starts looking, so big clusters share the work (nextStartNodeIndex).
    next_start_node_index: usize,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            filters: plugins::default_filters(),
            scorers: plugins::default_scorers(),
            nodes: BTreeMap::new(),
            placements: HashMap::new(),
            queue: SchedulingQueue::default(),
            next_start_node_index: 0,
        }
    }
}

fn responsible_for(pod: &Pod) -> bool {
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

impl Scheduler {
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn node_info(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.get(name)
    }

    /// The informers' event handlers: keeps the cache and the queue in step
    /// with the API server. Returns whether the active queue has work.
    pub fn on_watch(&mut self, event: &WatchEvent, now: SimTime) -> bool {
        match (&event.object, event.event_type) {
            (Object::Node(node), WatchEventType::Deleted) => {
                self.nodes.remove(node.metadata.name_str());
            }
            (Object::Node(node), _) => {
                self.update_node(node.clone());
                // A new or changed node may fit pods that did not fit before.
                self.queue.move_all_to_active_or_backoff(now, |_| 0);
            }
            (Object::Pod(pod), WatchEventType::Deleted) => {
                let pod_ref = ObjectRef::of(&event.object);
                self.queue.forget(&pod_ref);
                if self.forget_placement(pod) {
                    self.queue.move_all_to_active_or_backoff(now, |_| 0);
                }
            }
            (Object::Pod(pod), _) => {
                let pod_ref = ObjectRef::of(&event.object);
                if is_bound(pod) {
                    self.queue.forget(&pod_ref);
                    if is_terminal(pod) {
                        if self.forget_placement(pod) {
                            self.queue.move_all_to_active_or_backoff(now, |_| 0);
                        }
                    } else {
                        self.place(pod);
                    }
                } else if responsible_for(pod) && !pod.metadata.is_deleting() && !is_terminal(pod) {
                    let unchanged_spec = event
                        .previous
                        .as_ref()
                        .is_some_and(|p| matches!(p, Object::Pod(old) if old.spec == pod.spec));
                    if !unchanged_spec {
                        self.queue.add(pod_ref, pod_priority(pod));
                    }
                }
            }
            _ => {}
        }
        self.queue.has_active()
    }

    fn update_node(&mut self, node: Node) {
        let name = node.metadata.name_str().to_string();
        match self.nodes.get_mut(&name) {
            Some(info) => {
                info.allocatable = framework::node_allocatable(&node);
                info.node = node;
            }
            None => {
                let mut info = NodeInfo::new(node);
                for (uid, placement) in self.placements.iter().filter(|(_, p)| p.node == name) {
                    info.pods.insert(uid.clone());
                    info.requested.add(&placement.requests);
                    info.non_zero_requested.add(&placement.non_zero_requests);
                    info.used_ports.extend(placement.host_ports.iter().cloned());
                }
                self.nodes.insert(name, info);
            }
        }
    }

    fn place(&mut self, pod: &Pod) {
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        if self.placements.contains_key(&uid) {
            return;
        }
        let info = PodInfo::new(pod);
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default();
        if let Some(node_info) = self.nodes.get_mut(&node) {
            node_info.add_pod(&uid, &info);
        }
        self.placements.insert(
            uid,
            Placement {
                node,
                requests: info.requests,
                non_zero_requests: info.non_zero_requests,
                host_ports: info.host_ports.clone(),
            },
        );
    }

    /// Returns whether the pod was counted on a node.
    fn forget_placement(&mut self, pod: &Pod) -> bool {
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let Some(placement) = self.placements.remove(&uid) else {
            return false;
        };
        if let Some(node_info) = self.nodes.get_mut(&placement.node) {
            if node_info.pods.remove(&uid) {
                node_info.requested.subtract(&placement.requests);
                node_info
                    .non_zero_requested
                    .subtract(&placement.non_zero_requests);
                for port in &placement.host_ports {
                    node_info.used_ports.remove(port);
                }
            }
        }
        true
    }

    /// numFeasibleNodesToFind: big clusters stop filtering after enough feasible nodes.
    fn feasible_nodes_to_find(all: usize) -> usize {
        if all < MIN_FEASIBLE_NODES_TO_FIND {
            return all;
        }
        let percentage = (50usize.saturating_sub(all / 125)).max(MIN_FEASIBLE_NODES_PERCENTAGE);
        (all * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
    }

    /// Runs the filters on one node, stopping at the first failure as the framework does.
    fn first_failure(&self, pod: &PodInfo, node: &NodeInfo) -> Option<Status> {
        self.filters
            .iter()
            .map(|f| f.filter(pod, node))
            .find(|s| !s.is_success())
    }

    /// Takes the next pod from the active queue and tries to place it.
    pub fn schedule_one(
        &mut self,
        api: &mut ApiServer,
        recorder: &mut EventRecorder,
        now: SimTime,
    ) -> Option<Outcome> {
        let pod_ref = self.queue.pop()?;
        let pod = match api.get(&pod_ref) {
            Some(Object::Pod(p)) if !is_bound(p) && !p.metadata.is_deleting() => p.clone(),
            _ => return Some(Outcome::Skipped { pod: pod_ref }),
        };
        let info = PodInfo::new(&pod);
        let all = self.nodes.len();
        let want = Self::feasible_nodes_to_find(all);
        let names: Vec<&String> = self.nodes.keys().collect();
        let mut feasible: Vec<&NodeInfo> = Vec::new();
        let mut failures: Vec<(String, Status)> = Vec::new();
        let mut evaluated = 0;
        for i in 0..all {
            if feasible.len() >= want {
                break;
            }
            let node = &self.nodes[names[(self.next_start_node_index + i) % all]];
            evaluated += 1;
            match self.first_failure(&info, node) {
                None => feasible.push(node),
                Some(status) => failures.push((node.name.clone(), status)),
            }
        }
        if all > 0 {
            self.next_start_node_index = (self.next_start_node_index + evaluated) % all;
        }
        if feasible.is_empty() {
            let message = Self::fit_error_message(&info, all, &failures);
            self.queue.mark_unschedulable(pod_ref.clone(), now);
            let mut updated = pod.clone();
            let status = updated.status.get_or_insert_with(Default::default);
            status.phase.get_or_insert_with(|| "Pending".to_string());
            set_pod_condition(
                status,
                "PodScheduled",
                "False",
                Some("Unschedulable"),
                Some(&message),
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
                &message,
            );
            return Some(Outcome::Unschedulable {
                pod: pod_ref,
                message,
            });
        }
        let totals = self.score(&info, &feasible);
        // The best total wins; ties go to the first node by name, so runs are predictable.
        let best = totals
            .iter()
            .enumerate()
            .max_by(|(ia, a), (ib, b)| {
                a.cmp(b)
                    .then_with(|| feasible[*ib].name.cmp(&feasible[*ia].name))
            })
            .map(|(i, _)| feasible[i].name.clone())
            .unwrap_or_default();
        let feasible_count = feasible.len();
        match api.bind(now, &pod_ref, &best) {
            Ok(bound) => {
                self.place(&bound);
                let message = format!(
                    "Successfully assigned {}/{} to {best}",
                    pod_ref.namespace.as_deref().unwrap_or(""),
                    pod_ref.name
                );
                recorder.record(
                    api,
                    now,
                    &Source::component(COMPONENT),
                    &Object::Pod(bound),
                    EventType::Normal,
                    "Scheduled",
                    &message,
                );
                Some(Outcome::Bound {
                    pod: pod_ref,
                    node: best,
                    feasible: feasible_count,
                    evaluated,
                })
            }
            Err(_) => Some(Outcome::Skipped { pod: pod_ref }),
        }
    }

    /// Σ normalised score × weight for each feasible node.
    fn score(&self, pod: &PodInfo, feasible: &[&NodeInfo]) -> Vec<i64> {
        let mut totals = vec![0i64; feasible.len()];
        for scorer in &self.scorers {
            let mut scores: Vec<i64> = feasible.iter().map(|n| scorer.score(pod, n)).collect();
            scorer.normalize(&mut scores);
            for (total, score) in totals.iter_mut().zip(scores) {
                *total += score * scorer.weight();
            }
        }
        totals
    }

    /// FitError.Error() followed by what preemption found (pkg/scheduler/framework/types.go).
    fn fit_error_message(pod: &PodInfo, all: usize, failures: &[(String, Status)]) -> String {
        if all == 0 {
            return "no nodes available to schedule pods".to_string();
        }
        let histogram = |reasons: Vec<&str>| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for reason in reasons {
                *counts.entry(reason).or_default() += 1;
            }
            let mut lines: Vec<String> = counts
                .into_iter()
                .map(|(r, n)| format!("{n} {r}"))
                .collect();
            lines.sort();
            lines.join(", ")
        };
        let filter_reasons = histogram(
            failures
                .iter()
                .flat_map(|(_, s)| s.reasons.iter().map(String::as_str))
                .collect(),
        );
        let mut message = format!("0/{all} nodes are available: {filter_reasons}.");
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
        let preemption_reasons: Vec<&str> = failures
            .iter()
            .map(|(_, status)| match status.code {
                Code::Unschedulable => NO_PREEMPTION_VICTIMS,
                _ => PREEMPTION_NOT_HELPFUL,
            })
            .collect();
        message.push_str(&format!(
            " preemption: 0/{all} nodes are available: {}.",
            histogram(preemption_reasons)
        ));
        message
    }

    /// Every filter and score for every node, recomputed now for `sim explain`.
    pub fn explain(&self, pod: &Pod) -> Vec<NodeVerdict> {
        let info = PodInfo::new(pod);
        let mut verdicts: Vec<NodeVerdict> = self
            .nodes
            .values()
            .map(|node| NodeVerdict {
                node: node.name.clone(),
                filters: self.filters.iter().map(|f| f.filter(&info, node)).collect(),
                scores: Vec::new(),
                total: None,
            })
            .collect();
        let feasible: Vec<&NodeInfo> = self
            .nodes
            .values()
            .zip(&verdicts)
            .filter(|(_, v)| v.filters.iter().all(Status::is_success))
            .map(|(n, _)| n)
            .collect();
        let mut per_node: HashMap<String, Vec<(&'static str, i64, i64, i64)>> = HashMap::new();
        for scorer in &self.scorers {
            let raw: Vec<i64> = feasible.iter().map(|n| scorer.score(&info, n)).collect();
            let mut normalized = raw.clone();
            scorer.normalize(&mut normalized);
            for ((node, raw), norm) in feasible.iter().zip(raw).zip(normalized) {
                per_node.entry(node.name.clone()).or_default().push((
                    scorer.name(),
                    raw,
                    norm,
                    scorer.weight(),
                ));
            }
        }
        for verdict in &mut verdicts {
            if let Some(scores) = per_node.remove(&verdict.node) {
                verdict.total = Some(scores.iter().map(|(_, _, n, w)| n * w).sum());
                verdict.scores = scores;
            }
        }
        verdicts
    }
}

/// The pod a kind/namespace/name refers to, if it is a pod.
pub fn pod_ref(namespace: &str, name: &str) -> ObjectRef {
    ObjectRef::new(Kind::Pod, Some(namespace), name)
}
