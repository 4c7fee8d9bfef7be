//! The simulation: virtual time, one queue of timed work for every
//! component, and the wiring of watches to the components they wake.
//!
//! A step is one piece of work by one component: a controller reconciling
//! one object, the scheduler placing one pod, a kubelet syncing one pod.
//! Everything a step writes goes through the API server; the watch events
//! those writes produce queue the reactions, each after a small fixed delay
//! so a learner can follow them one by one.

use crate::sorting::CollectSorted;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::apiserver::ApiServer;
use crate::controllers::{self, Context, Controller, Reconciled};
use crate::events::EventRecorder;
use crate::kubelet::{self, Kubelet, NodeSpecification};
use crate::objects::{Kind, Object, ObjectRef};
use crate::scheduler::{Outcome, Scheduler};
use crate::store::WatchEvent;
use crate::time::{SimDuration, SimTime};
use crate::view::{StepRecord, WriteRecord};

/// How long after a change each component acts on it.
pub const CONTROLLER_DELAY: SimDuration = SimDuration::from_millis(50);
pub const SCHEDULER_DELAY: SimDuration = SimDuration::from_millis(50);
pub const KUBELET_DELAY: SimDuration = SimDuration::from_millis(100);
/// Steps kept for the UI's log.
const STEP_LOG_LIMIT: usize = 1000;
/// How long `step` lets routine work (heartbeats, monitor passes) run in
/// search of a visible change before it says the cluster has settled.
const STEP_SEARCH_LIMIT: SimDuration = SimDuration::from_secs(15 * 60);

/// How a fresh cluster is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    pub seed: u64,
    /// Worker nodes, beside the control-plane node.
    pub worker_nodes: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            worker_nodes: 3,
        }
    }
}

/// A piece of work due at a time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Task {
    Controller {
        index: usize,
        key: ObjectRef,
    },
    Schedule,
    SchedulerFlush,
    Kubelet {
        node: String,
        key: ObjectRef,
    },
    /// A kubelet's heartbeat: lease renewal and node status.
    NodeHeartbeat {
        node: String,
    },
    /// A controller's periodic loop (node-monitor-period).
    ControllerTick {
        index: usize,
    },
    /// A node's kube-proxy syncing its rules.
    Proxy {
        node: String,
    },
}

impl Task {
    /// Routine work that runs whatever happens: it is a step only when it
    /// changes something visible, and it alone does not keep `step` going.
    fn is_routine(&self) -> bool {
        matches!(
            self,
            Task::NodeHeartbeat { .. } | Task::ControllerTick { .. }
        )
    }
}

pub struct Simulation {
    config: SimConfig,
    now: SimTime,
    pub(crate) api: ApiServer,
    recorder: EventRecorder,
    /// The files of PersistentVolumes.
    storage: crate::storage::Storage,
    /// What cluster DNS answers, over time.
    dns: std::sync::Arc<crate::dns::ClusterDns>,
    scheduler: Scheduler,
    controllers: Vec<Box<dyn Controller>>,
    kubelets: BTreeMap<String, Kubelet>,
    /// Each node's kube-proxy (it runs whether or not the kubelet does).
    proxies: BTreeMap<String, crate::kube_proxy::KubeProxy>,
    /// Each kubelet's lastStatusReportTime.
    node_status_reports: BTreeMap<String, Option<SimTime>>,
    /// Nodes whose kubelet has stopped (`sim node fail`).
    stopped_kubelets: BTreeSet<String>,
    queue: BTreeMap<(SimTime, u64), Task>,
    pending: HashMap<Task, (SimTime, u64)>,
    /// The step whose writes queued each pending task (the causality trail).
    causes: HashMap<Task, u64>,
    /// The cause of the task being run, and the step id its wakes will name.
    running_cause: Option<u64>,
    waking_cause: Option<u64>,
    /// What the current step's writes woke, for its record.
    woken: Vec<String>,
    /// Whether watch events are being delivered (wakes are listed only then).
    dispatching: bool,
    /// How many queued tasks are not routine.
    queued_work: usize,
    next_seq: u64,
    next_step_id: u64,
    steps: VecDeque<StepRecord>,
    /// ReplicaSet sizes over time, for the rollout picture.
    rollouts: crate::rollout_history::RolloutHistory,
}

impl Simulation {
    pub fn new(config: SimConfig) -> Self {
        let mut sim = Simulation {
            api: ApiServer::new(config.seed),
            config: config.clone(),
            now: SimTime(0),
            recorder: EventRecorder::default(),
            storage: crate::storage::Storage::default(),
            dns: Default::default(),
            scheduler: Scheduler::default(),
            controllers: controllers::all(),
            kubelets: BTreeMap::new(),
            proxies: BTreeMap::new(),
            node_status_reports: BTreeMap::new(),
            stopped_kubelets: BTreeSet::new(),
            queue: BTreeMap::new(),
            pending: HashMap::new(),
            causes: HashMap::new(),
            running_cause: None,
            waking_cause: None,
            woken: Vec::new(),
            dispatching: false,
            queued_work: 0,
            next_seq: 0,
            next_step_id: 0,
            steps: VecDeque::new(),
            rollouts: Default::default(),
        };
        sim.bootstrap();
        sim
    }

    /// What kubeadm leaves behind: the namespaces and the registered nodes.
    fn bootstrap(&mut self) {
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let namespace = k8s_openapi::api::core::v1::Namespace {
                metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                    name: Some(ns.to_string()),
                    labels: Some(
                        [("kubernetes.io/metadata.name".to_string(), ns.to_string())].into(),
                    ),
                    ..Default::default()
                },
                spec: Some(k8s_openapi::api::core::v1::NamespaceSpec {
                    finalizers: Some(vec!["kubernetes".into()]),
                }),
                status: Some(k8s_openapi::api::core::v1::NamespaceStatus {
                    phase: Some("Active".into()),
                    conditions: None,
                }),
            };
            self.api
                .create(self.now, Object::Namespace(namespace))
                .expect("bootstrap namespaces are valid");
        }
        let (roles, bindings) = crate::apiserver::auth::bootstrap_policy();
        for role in roles {
            self.api
                .create(self.now, Object::ClusterRole(role))
                .expect("bootstrap roles are valid");
        }
        for binding in bindings {
            self.api
                .create(self.now, Object::ClusterRoleBinding(binding))
                .expect("bootstrap bindings are valid");
        }
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let account = k8s_openapi::api::core::v1::ServiceAccount {
                metadata: crate::apiserver::new_meta(ns, Some("default"), None),
                ..Default::default()
            };
            self.api
                .create(self.now, Object::ServiceAccount(account))
                .expect("default service accounts are valid");
        }
        // minikube's default StorageClass. Its uid comes from a generator of
        // its own, so the uids and generated names of everything else are
        // what they were before the cluster had it.
        let main_rng = std::mem::replace(
            self.api.rng(),
            crate::rand::SimRng::new(self.config.seed ^ 0x5354_4f52_4147_4553),
        );
        self.api
            .create(
                self.now,
                Object::StorageClass(
                    crate::controllers::hostpath_provisioner::default_storage_class(),
                ),
            )
            .expect("the default StorageClass is valid");
        // The API server's own Service, the same way.
        *self.api.rng() = crate::rand::SimRng::new(self.config.seed ^ 0x4b55_4245_5345_5256);
        let kubernetes = crate::apiserver::kubernetes_service::service();
        self.api
            .create(self.now, Object::Service(kubernetes))
            .expect("the kubernetes Service is valid");
        let endpoints = crate::apiserver::kubernetes_service::endpoints();
        self.api
            .create(self.now, Object::Endpoints(endpoints))
            .expect("the kubernetes Endpoints are valid");
        let slice = crate::apiserver::kubernetes_service::endpoint_slice();
        self.api
            .create(self.now, Object::EndpointSlice(slice))
            .expect("the kubernetes EndpointSlice is valid");
        *self.api.rng() = main_rng;
        for spec in kubelet::default_node_specs(self.config.worker_nodes) {
            self.add_node(spec).expect("bootstrap nodes are valid");
        }
        // The controller manager's periodic loops have made their first pass.
        for index in 0..self.controllers.len() {
            if self.controllers[index].next_tick(self.now).is_some() {
                let mut ctx = Context {
                    api: &mut self.api,
                    recorder: &mut self.recorder,
                    storage: &mut self.storage,
                    dns: &self.dns,
                    now: self.now,
                };
                self.controllers[index].tick(&mut ctx);
                if let Some(after) = self.controllers[index].next_tick(self.now) {
                    self.enqueue(Task::ControllerTick { index }, self.now.plus(after));
                }
            }
        }
        self.api.take_writes();
        self.dispatch();
        // The components have seen what kubeadm left behind: a fresh cluster
        // starts settled, with nothing for `step` to show.
        while let Some((&slot, _)) = self.queue.iter().find(|(_, t)| !t.is_routine()) {
            if let Some(task) = self.dequeue(slot) {
                self.run(task);
            }
        }
        self.api.take_writes();
        self.steps.clear();
        self.next_step_id = 0;
    }

    /// A kubelet starts: it registers its node (unless the node is already
    /// there), creates its lease, and starts its heartbeat.
    pub fn add_node(&mut self, spec: NodeSpecification) -> Result<(), crate::apiserver::ApiError> {
        let kubelet = Kubelet::new(spec);
        let name = kubelet.node_name.clone();
        kubelet::register(&mut self.api, &kubelet, self.now)?;
        self.kubelets.insert(name.clone(), kubelet);
        // kube-proxy starts with the node and writes its rules at once.
        self.proxies
            .entry(name.clone())
            .or_insert_with(|| crate::kube_proxy::KubeProxy::new(&name));
        let now = self.now;
        self.enqueue(Task::Proxy { node: name.clone() }, now);
        self.node_status_reports
            .insert(name.clone(), Some(self.now));
        self.stopped_kubelets.remove(&name);
        self.heartbeat(&name);
        Ok(())
    }

    /// Runs a kubelet's heartbeat now and schedules the next one.
    fn heartbeat(&mut self, node: &str) -> Option<String> {
        let kubelet = self.kubelets.get(node)?;
        let last_report = self
            .node_status_reports
            .entry(node.to_string())
            .or_default();
        let mut ctx = Context {
            api: &mut self.api,
            recorder: &mut self.recorder,
            storage: &mut self.storage,
            dns: &self.dns,
            now: self.now,
        };
        let summary = kubelet.sync_node_status(last_report, &mut ctx).summary;
        self.enqueue(
            Task::NodeHeartbeat {
                node: node.to_string(),
            },
            self.now.plus(Kubelet::NODE_STATUS_UPDATE_FREQUENCY),
        );
        summary
    }

    /// Whether a node's kubelet is running (it exists and has not failed).
    /// What a container printed, from its node's kubelet (`kubectl logs`).
    pub fn container_log(
        &self,
        node: &str,
        pod: &ObjectRef,
        container: &str,
        previous: bool,
    ) -> Option<crate::runtime::ContainerLog> {
        self.kubelets
            .get(node)?
            .container_log(pod, container, previous, self.now)
    }

    /// `kubectl exec` through a node's kubelet: the command runs at this
    /// instant (the clock does not move). A command that changed the
    /// container's files wakes the pod's kubelet, as the container may now
    /// do something else (a loop waiting for a file ends).
    pub fn exec_in_container(
        &mut self,
        node: &str,
        pod: &ObjectRef,
        container: &str,
        argv: &[String],
        limit: SimDuration,
    ) -> Result<crate::runtime::shell::Session, crate::runtime::ExecError> {
        let now = self.now;
        let kubelet = self
            .kubelets
            .get_mut(node)
            .ok_or(crate::runtime::ExecError::NotRunning)?;
        let (session, changed) = kubelet.exec(pod, container, argv, now, limit, &self.dns)?;
        if changed {
            self.enqueue(
                Task::Kubelet {
                    node: node.to_string(),
                    key: pod.clone(),
                },
                now.plus(KUBELET_DELAY),
            );
        }
        Ok(session)
    }

    /// A node's InternalIP, from its kubelet.
    pub fn kubelet_internal_ip(&self, node: &str) -> Option<String> {
        self.kubelets.get(node).map(Kubelet::internal_ip)
    }

    pub fn kubelet_running(&self, node: &str) -> bool {
        self.kubelets.contains_key(node) && !self.stopped_kubelets.contains(node)
    }

    /// Whether cluster DNS answers for a fully qualified name now.
    pub fn dns_answers(&self, fqdn: &str) -> bool {
        matches!(
            self.dns.at(self.now).lookup(fqdn),
            crate::dns::Answer::Addresses(_) | crate::dns::Answer::Alias(_)
        )
    }

    /// A node's kube-proxy.
    pub fn kube_proxy(&self, node: &str) -> Option<&crate::kube_proxy::KubeProxy> {
        self.proxies.get(node)
    }

    /// The nodes that have a kubelet, in name order.
    pub fn kubelet_nodes(&self) -> impl Iterator<Item = &str> {
        self.kubelets.keys().map(String::as_str)
    }

    /// The next free node index (for a new node's IP and pod CIDR).
    pub fn next_node_index(&self) -> u32 {
        self.kubelets
            .values()
            .map(|k| k.specification().index + 1)
            .max()
            .unwrap_or(0)
    }

    /// `sim node add`: a new machine joins; its kubelet registers the node
    /// and the step log shows it.
    pub fn join_node(
        &mut self,
        spec: NodeSpecification,
    ) -> Result<StepRecord, crate::apiserver::ApiError> {
        let name = spec.name.clone();
        self.add_node(spec)?;
        Ok(self.record_outside_change(
            format!("kubelet/{name}"),
            format!("registered node {name} and created its lease"),
        ))
    }

    /// Records a step that did not come from the queue (a node joining,
    /// failing or coming back), and lets the components see its writes; the
    /// reactions name it as their cause.
    fn record_outside_change(&mut self, component: String, summary: String) -> StepRecord {
        let writes = self.api.take_writes();
        self.waking_cause = (!writes.is_empty()).then_some(self.next_step_id + 1);
        self.woken.clear();
        self.dispatching = true;
        self.dispatch();
        self.dispatching = false;
        self.waking_cause = None;
        self.running_cause = None;
        self.record(component, summary, writes)
    }

    /// `sim node fail`: the node's kubelet stops: no more heartbeats, no pod
    /// syncs. Its containers are left as they were.
    pub fn fail_node(&mut self, node: &str) -> StepRecord {
        self.stopped_kubelets.insert(node.to_string());
        let stale: Vec<Task> = self
            .pending
            .keys()
            .filter(|t| match t {
                Task::Kubelet { node: n, .. } | Task::NodeHeartbeat { node: n } => n == node,
                _ => false,
            })
            .cloned()
            .collect();
        for task in stale {
            if let Some(&slot) = self.pending.get(&task) {
                self.dequeue(slot);
            }
        }
        self.record_outside_change(
            format!("kubelet/{node}"),
            "stopped: no more heartbeats or pod syncs".to_string(),
        )
    }

    /// `sim node recover`: the kubelet starts again. It posts its status at
    /// once (registering the node again if it was deleted) and syncs every
    /// pod bound to it or that it still runs.
    pub fn recover_node(&mut self, node: &str) -> StepRecord {
        self.stopped_kubelets.remove(node);
        let now = self.now;
        let mut notes = vec!["started again".to_string()];
        if let Some(kubelet) = self.kubelets.get(node) {
            if self.api.get(&kubelet::node_ref(node)).is_none()
                && kubelet::register(&mut self.api, kubelet, now).is_ok()
            {
                notes.push(format!("registered node {node}"));
            }
        }
        self.node_status_reports.insert(node.to_string(), None);
        notes.extend(self.heartbeat(node));
        let mut pods: BTreeSet<ObjectRef> = self
            .api
            .list_typed::<k8s_openapi::api::core::v1::Pod>(None)
            .into_iter()
            .filter(|p| crate::podutil::node_name(p) == Some(node))
            .map(|p| ObjectRef::of(&Object::Pod(p.clone())))
            .collect_set();
        if let Some(kubelet) = self.kubelets.get(node) {
            pods.extend(kubelet.known_pods());
        }
        // The resyncs are this step's doing.
        self.waking_cause = Some(self.next_step_id + 1);
        for key in pods {
            self.enqueue(
                Task::Kubelet {
                    node: node.to_string(),
                    key,
                },
                now.plus(KUBELET_DELAY),
            );
        }
        self.waking_cause = None;
        self.record_outside_change(format!("kubelet/{node}"), notes.join("; "))
    }

    /// Whether routine work will change something visible: a silent kubelet
    /// about to be noticed, a node-status post, a monitor pass with taints to set.
    fn routine_work_pending(&self) -> bool {
        if self.controllers.iter().any(|c| c.tick_pending(&self.api)) {
            return true;
        }
        self.kubelets.iter().any(|(name, kubelet)| {
            let Some(Object::Node(node)) = self.api.get(&kubelet::node_ref(name)) else {
                return false;
            };
            if self.stopped_kubelets.contains(name) {
                crate::controllers::node_lifecycle::ready_status(node) != Some("Unknown")
            } else {
                kubelet.node_status_pending(node, self.now)
            }
        })
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn api(&self) -> &ApiServer {
        &self.api
    }

    /// Lifts (or sets) the most pods the cluster holds: benchmarks go past
    /// [`crate::apiserver::POD_LIMIT`].
    pub fn set_pod_limit(&mut self, limit: usize) {
        self.api.set_pod_limit(limit);
    }

    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// A ReplicaSet's sizes over time (by its etcd key), oldest first.
    pub fn replica_set_history(&self, key: &str) -> Vec<crate::rollout_history::ReplicaSetPoint> {
        self.rollouts.series(key)
    }

    /// The most recent steps, oldest first.
    pub fn steps(&self) -> impl Iterator<Item = &StepRecord> {
        self.steps.iter()
    }

    /// When the next piece of work is due, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.keys().next().map(|(t, _)| *t)
    }

    fn enqueue(&mut self, task: Task, at: SimTime) {
        if let Some(&(existing_at, seq)) = self.pending.get(&task) {
            if existing_at <= at {
                return;
            }
            self.queue.remove(&(existing_at, seq));
        } else if !task.is_routine() {
            self.queued_work += 1;
        }
        self.next_seq += 1;
        self.queue.insert((at, self.next_seq), task.clone());
        if !task.is_routine() {
            if let Some(cause) = self.waking_cause {
                self.causes.entry(task.clone()).or_insert(cause);
                if self.dispatching {
                    self.woken.push(self.describe(&task));
                }
            }
        }
        self.pending.insert(task, (at, self.next_seq));
    }

    /// Who a task wakes, for the flow view: `replicaset-controller (default/web-7d9f)`.
    fn describe(&self, task: &Task) -> String {
        match task {
            Task::Controller { index, key } => format!(
                "{} ({})",
                self.controllers[*index].name(),
                key.display_name()
            ),
            Task::Schedule | Task::SchedulerFlush => crate::scheduler::COMPONENT.to_string(),
            Task::Kubelet { node, key } => format!("kubelet/{node} ({})", key.display_name()),
            Task::NodeHeartbeat { node } => format!("kubelet/{node}"),
            Task::ControllerTick { index } => self.controllers[*index].name().to_string(),
            Task::Proxy { node } => format!("kube-proxy/{node}"),
        }
    }

    /// The steps a step caused, directly or through others, oldest first:
    /// the causality trail from a learner's apply to every reaction.
    pub fn trail(&self, step_id: u64) -> Vec<&StepRecord> {
        let mut ids = std::iter::once(step_id).collect_set();
        self.steps
            .iter()
            .filter(|s| {
                let caused = s.id == step_id || s.caused_by.is_some_and(|c| ids.contains(&c));
                if caused {
                    ids.insert(s.id);
                }
                caused
            })
            .collect()
    }

    /// Takes a task off the queue.
    fn dequeue(&mut self, slot: (SimTime, u64)) -> Option<Task> {
        let task = self.queue.remove(&slot)?;
        self.pending.remove(&task);
        self.running_cause = self.causes.remove(&task);
        if !task.is_routine() {
            self.queued_work -= 1;
        }
        Some(task)
    }

    /// Delivers the watch events of the last writes to every component.
    fn dispatch(&mut self) {
        loop {
            let events = self.api.take_watch_events();
            if events.is_empty() {
                return;
            }
            for event in &events {
                self.deliver(event);
            }
        }
    }

    fn deliver(&mut self, event: &WatchEvent) {
        if event.object_ref.kind == Kind::Event {
            return;
        }
        let now = self.now;
        if self.scheduler.on_watch(event, now) {
            self.enqueue(Task::Schedule, now.plus(SCHEDULER_DELAY));
        }
        if let Some(due) = self.scheduler.queue.next_due() {
            self.enqueue(Task::SchedulerFlush, due.max(now));
        }
        let mut wakes = Vec::new();
        for (index, controller) in self.controllers.iter().enumerate() {
            for key in controller.keys_for(event, &self.api) {
                wakes.push((Task::Controller { index, key }, now.plus(CONTROLLER_DELAY)));
            }
        }
        // Pod changes go to the kubelet of the pod's node (before and after the change).
        if let Object::Pod(pod) = &*event.object {
            let previous_node = match event.previous.as_deref() {
                Some(Object::Pod(old)) => crate::podutil::node_name(old),
                _ => None,
            };
            let mut nodes: Vec<&str> = crate::podutil::node_name(pod)
                .into_iter()
                .chain(previous_node)
                .collect();
            nodes.dedup();
            for node in nodes {
                if self.stopped_kubelets.contains(node) {
                    continue;
                }
                if let Some(kubelet) = self.kubelets.get(node) {
                    for key in kubelet.keys_for(event) {
                        wakes.push((
                            Task::Kubelet {
                                node: kubelet.node_name.clone(),
                                key,
                            },
                            now.plus(KUBELET_DELAY),
                        ));
                    }
                }
            }
        }
        // Cluster DNS follows Services and EndpointSlices; pods that look
        // names up are looked at again.
        let dns_event = matches!(*event.object, Object::Service(_) | Object::EndpointSlice(_));
        if dns_event && std::sync::Arc::make_mut(&mut self.dns).observe(event, now) {
            for (node, kubelet) in &self.kubelets {
                if self.stopped_kubelets.contains(node) {
                    continue;
                }
                for key in kubelet.dns_dependents() {
                    wakes.push((
                        Task::Kubelet {
                            node: node.clone(),
                            key,
                        },
                        now.plus(KUBELET_DELAY),
                    ));
                }
            }
        }
        // Every kube-proxy watches Services and EndpointSlices.
        if dns_event {
            for (node, proxy) in &self.proxies {
                let at = proxy.next_sync(now.plus(KUBELET_DELAY));
                wakes.push((Task::Proxy { node: node.clone() }, at));
            }
        }
        // ConfigMaps and Secrets go to every kubelet: their pods' volumes read them.
        if matches!(*event.object, Object::ConfigMap(_) | Object::Secret(_)) {
            for (node, kubelet) in &self.kubelets {
                if self.stopped_kubelets.contains(node) {
                    continue;
                }
                for key in kubelet.keys_for(event) {
                    wakes.push((
                        Task::Kubelet {
                            node: node.clone(),
                            key,
                        },
                        now.plus(KUBELET_DELAY),
                    ));
                }
            }
        }
        for (task, at) in wakes {
            self.enqueue(task, at);
        }
    }

    /// Runs the next piece of work that does something, and says what it did.
    /// Returns None when nothing is left to do.
    pub fn step(&mut self) -> Option<StepRecord> {
        let started = self.now;
        let mut awaiting_routine = false;
        loop {
            // With only routine work left, go on only if it will show something.
            if self.queued_work == 0 && !awaiting_routine {
                if !self.routine_work_pending() {
                    return None;
                }
                awaiting_routine = true;
            }
            if self.now.since(started) > STEP_SEARCH_LIMIT {
                return None;
            }
            let (&(at, seq), _) = self.queue.iter().next()?;
            let task = self.dequeue((at, seq))?;
            self.now = self.now.max(at);
            if let Some(record) = self.run(task) {
                return Some(record);
            }
        }
    }

    /// Runs everything due within `duration`, then moves the clock to its end.
    pub fn advance(&mut self, duration: SimDuration) -> Vec<StepRecord> {
        let until = self.now.plus(duration);
        let mut records = Vec::new();
        while let Some(&(at, seq)) = self.queue.keys().next() {
            if at > until {
                break;
            }
            let Some(task) = self.dequeue((at, seq)) else {
                break;
            };
            self.now = self.now.max(at);
            if let Some(record) = self.run(task) {
                records.push(record);
            }
        }
        self.now = until;
        records
    }

    fn run(&mut self, task: Task) -> Option<StepRecord> {
        let now = self.now;
        // Work a task queues for itself (the scheduler's next pod) shares its cause.
        self.waking_cause = self.running_cause;
        let (component, summary, requeue) = match &task {
            Task::Controller { index, key } => {
                let controller = &mut self.controllers[*index];
                let mut ctx = Context {
                    api: &mut self.api,
                    recorder: &mut self.recorder,
                    storage: &mut self.storage,
                    dns: &self.dns,
                    now,
                };
                let Reconciled {
                    summary,
                    requeue_after,
                } = controller.reconcile(key, &mut ctx);
                let name = controller.name().to_string();
                // A reconcile may have given the controller timed work (a scheduled eviction).
                if let Some(after) = controller.next_tick(now) {
                    self.enqueue(Task::ControllerTick { index: *index }, now.plus(after));
                }
                (name, summary, requeue_after)
            }
            Task::Schedule => {
                let outcome = self
                    .scheduler
                    .schedule_one(&mut self.api, &mut self.recorder, now);
                if self.scheduler.queue.has_active() {
                    self.enqueue(Task::Schedule, now.plus(SimDuration::from_millis(10)));
                }
                let summary = outcome.map(|o| match o {
                    Outcome::Bound {
                        pod,
                        node,
                        feasible,
                        evaluated,
                    } => {
                        format!(
                            "bound pod {} to {node} ({feasible} of {evaluated} nodes feasible)",
                            pod.display_name()
                        )
                    }
                    Outcome::Unschedulable { pod, message } => {
                        format!("could not place pod {}: {message}", pod.display_name())
                    }
                    Outcome::Skipped { pod } => {
                        format!("skipped pod {} (gone or already bound)", pod.display_name())
                    }
                });
                (crate::scheduler::COMPONENT.to_string(), summary, None)
            }
            Task::SchedulerFlush => {
                let next = self.scheduler.queue.flush(now, |_| 0);
                if let Some(next) = next {
                    self.enqueue(
                        Task::SchedulerFlush,
                        next.max(now.plus(SimDuration::from_millis(1))),
                    );
                }
                if self.scheduler.queue.has_active() {
                    self.enqueue(Task::Schedule, now);
                }
                (crate::scheduler::COMPONENT.to_string(), None, None)
            }
            Task::NodeHeartbeat { node } => {
                if !self.kubelet_running(node) {
                    return None;
                }
                let summary = self.heartbeat(node);
                (format!("kubelet/{node}"), summary, None)
            }
            Task::ControllerTick { index } => {
                let controller = &mut self.controllers[*index];
                let mut ctx = Context {
                    api: &mut self.api,
                    recorder: &mut self.recorder,
                    storage: &mut self.storage,
                    dns: &self.dns,
                    now,
                };
                let summary = controller.tick(&mut ctx).summary;
                (
                    controller.name().to_string(),
                    summary,
                    controller.next_tick(now),
                )
            }
            Task::Proxy { node } => {
                let proxy = self.proxies.get_mut(node)?;
                let summary = proxy.sync(&self.api, now);
                (format!("kube-proxy/{node}"), summary, None)
            }
            Task::Kubelet { node, key } => {
                if self.stopped_kubelets.contains(node) {
                    return None;
                }
                let Some(kubelet) = self.kubelets.get_mut(node) else {
                    return None;
                };
                let mut ctx = Context {
                    api: &mut self.api,
                    recorder: &mut self.recorder,
                    storage: &mut self.storage,
                    dns: &self.dns,
                    now,
                };
                let Reconciled {
                    summary,
                    requeue_after,
                } = kubelet.sync_pod(key, &mut ctx);
                (format!("kubelet/{node}"), summary, requeue_after)
            }
        };
        let writes = self.api.take_writes();
        let recorded = !(summary.is_none() && (writes.is_empty() || task.is_routine()));
        // Reactions to an unrecorded step belong to whatever caused it.
        self.waking_cause = if recorded {
            Some(self.next_step_id + 1)
        } else {
            self.running_cause
        };
        if let Some(after) = requeue {
            self.enqueue(task.clone(), now.plus(after));
        }
        self.woken.clear();
        self.dispatching = true;
        self.dispatch();
        self.dispatching = false;
        self.waking_cause = None;
        if !recorded {
            return None;
        }
        Some(self.record(
            component,
            summary.unwrap_or_else(|| "updated status".to_string()),
            writes,
        ))
    }

    fn record(
        &mut self,
        component: String,
        summary: String,
        writes: Vec<WriteRecord>,
    ) -> StepRecord {
        self.next_step_id += 1;
        for write in writes
            .iter()
            .filter(|w| w.key.starts_with("/registry/replicasets/"))
        {
            let object = self.api.store().get(&write.key).map(|e| &*e.object);
            self.rollouts.observe(self.now.0, &write.key, object);
        }
        let record = StepRecord {
            id: self.next_step_id,
            time_ms: self.now.0,
            component,
            summary,
            writes,
            caused_by: self.running_cause.take(),
            woke: std::mem::take(&mut self.woken),
        };
        if self.steps.len() >= STEP_LOG_LIMIT {
            self.steps.pop_front();
        }
        self.steps.push_back(record.clone());
        record
    }

    /// Records a change the learner made (through kubectl) as a step, and
    /// lets the components see it.
    pub(crate) fn after_user_change(&mut self, summary: String) -> Option<StepRecord> {
        let writes = self.api.take_writes();
        self.waking_cause = (!writes.is_empty()).then_some(self.next_step_id + 1);
        self.woken.clear();
        self.dispatching = true;
        self.dispatch();
        self.dispatching = false;
        self.waking_cause = None;
        if writes.is_empty() {
            return None;
        }
        self.running_cause = None;
        Some(self.record("kubectl".to_string(), summary, writes))
    }

    pub(crate) fn object(&self, object_ref: &ObjectRef) -> Option<&Object> {
        self.api.get(object_ref)
    }
}
