//! The kubelet of one node: registers its Node, notices pods bound to it,
//! and takes each through sandbox creation, image pulls, init containers in
//! order, container creation and start, probes, restarts with the real
//! back-off, and graceful termination, reporting every change as pod
//! status through the API server. Node registration and node status live
//! in `node_status.rs`; probe workers in `prober.rs`; the status it writes
//! in `pod_status.rs`; what containers do in `crate::runtime`.
//!
//! The pod worker's timing follows upstream:
//! - a container's exit is acted on one PLEG relist (1 s) later: the first
//!   exit restarts it at once; later ones wait for the crash back-off of
//!   `kuberuntime_manager.go` doBackOff (10 s, doubling, at most 5 min,
//!   forgotten after 10 min without a restart), re-checked every 10 s (the
//!   pod workers' backOffPeriod) with a `BackOff` event each time;
//! - failed pulls back off the same way (`images/image_manager.go`);
//! - a container killed by its liveness probe is restarted as soon as it
//!   has stopped, its grace period honoured (a shell as PID 1 ignores
//!   SIGTERM and is killed after 30 s).

mod env;
mod node_status;
mod pod_status;
mod prober;
mod volumes;

pub use node_status::{
    default_node_specs, node_ref, register, NodeSpecification, CONTAINER_RUNTIME, KUBELET_VERSION,
};
pub use prober::ProbeType;

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Container, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::controllers::{Context, Reconciled};
use crate::events::{EventType, Source};
use crate::objects::{MetaExt, Object, ObjectRef};
use crate::registry::{self, Lookup};
use crate::runtime::shell::ExecResult;
use crate::runtime::{ContainerLog, PodInfo, PodRuntime};
use crate::store::{WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};
use prober::{Action, Outcome, ProbeSpec, Worker};

/// Sandbox creation: the pause container and the pod's network.
const SANDBOX_DELAY: SimDuration = SimDuration::from_millis(800);
/// From Pulled to Created to Started.
const CREATE_DELAY: SimDuration = SimDuration::from_millis(300);
/// Simulated download speed and per-pull latency.
const PULL_BYTES_PER_SECOND: u64 = 25_000_000;
const PULL_LATENCY: SimDuration = SimDuration::from_millis(400);
/// The PLEG relists containers every second: an exit is acted on by then.
const PLEG_RELIST: SimDuration = SimDuration::from_secs(1);
/// pod_workers.go backOffPeriod: a sync that ended in a back-off is retried this often.
const WORKER_BACKOFF_PERIOD: SimDuration = SimDuration::from_secs(10);
/// kubelet's container restart and image pull back-off: 10 s, doubling, at most 5 min.
const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
/// kuberuntime's minimumGracePeriodInSeconds.
const MIN_GRACE_SECONDS: i64 = 2;
/// How many passes one sync makes over the pod's containers at most.
const SYNC_PASSES: usize = 8;
/// kubecontainer.ErrCreateContainerConfig: the container's config could not be made.
const CREATE_CONTAINER_CONFIG_ERROR: &str = "CreateContainerConfigError";

/// An entry of flowcontrol.Backoff (client-go/util/flowcontrol/backoff.go).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BackoffEntry {
    backoff: SimDuration,
    last_update: SimTime,
}

/// hasExpired: an event more than twice the maximum after the last update resets the back-off.
fn backoff_expired(event: SimTime, last_update: SimTime) -> bool {
    event.0.saturating_sub(last_update.0) > 2 * BACKOFF_MAX.0
}

/// Backoff.Next.
fn backoff_next(entry: &mut Option<BackoffEntry>, event: SimTime, now: SimTime) {
    *entry = Some(match *entry {
        Some(e) if !backoff_expired(event, e.last_update) => BackoffEntry {
            backoff: SimDuration((e.backoff.0 * 2).min(BACKOFF_MAX.0)),
            last_update: now,
        },
        _ => BackoffEntry {
            backoff: BACKOFF_INITIAL,
            last_update: now,
        },
    });
}

/// A finished container instance.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Terminated {
    code: i32,
    reason: String,
    message: Option<String>,
    started: SimTime,
    finished: SimTime,
    instance: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KillReason {
    Liveness,
    Startup,
    /// The container's image was changed in the pod spec.
    Changed,
    /// A sidecar stopped because the app containers are done.
    PodDone,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Run {
    /// Not running and not being created (never started, or waiting to be
    /// started again; `ContainerRun::waiting` says why).
    Waiting,
    Pulling {
        until: SimTime,
        ok: bool,
        took: SimDuration,
    },
    /// Image ready; creating and starting is due at `at`.
    Created { at: SimTime },
    Running {
        started: SimTime,
        instance: u32,
        killing: Option<KillReason>,
    },
    /// Exited; the kubelet acts on it at `decide_at`.
    Exited {
        term: Terminated,
        decide_at: SimTime,
        killed: Option<KillReason>,
    },
    /// Finished for good (restart policy, or the pod is done).
    Done(Terminated),
}

#[derive(Clone, Debug)]
struct ContainerRun {
    name: String,
    image: String,
    init: bool,
    run: Run,
    /// Why it waits (CrashLoopBackOff, ErrImagePull ...): the reason cache.
    waiting: Option<(String, String)>,
    /// The pod worker retries a container in back-off no sooner than this.
    not_before: Option<SimTime>,
    restart_count: i32,
    instances: u32,
    last_terminated: Option<Terminated>,
    /// The exited instance a restart is for (doBackOff looks at its finish).
    restart_of: Option<Terminated>,
    crash_backoff: Option<BackoffEntry>,
    pull_backoff: Option<BackoffEntry>,
    pull_error: Option<String>,
    pull_failures: u32,
    probes: Vec<Worker>,
    ready: bool,
    started: bool,
    /// A restartable init container (`restartPolicy: Always`): a sidecar.
    sidecar: bool,
}

impl ContainerRun {
    fn new(spec: &Container, init: bool, probes_from: SimTime) -> ContainerRun {
        let mut probes = Vec::new();
        let sidecar = init && spec.restart_policy.as_deref() == Some("Always");
        if !init || sidecar {
            for (kind, probe) in [
                (ProbeType::Startup, &spec.startup_probe),
                (ProbeType::Liveness, &spec.liveness_probe),
                (ProbeType::Readiness, &spec.readiness_probe),
            ] {
                if let Some(p) = probe {
                    probes.push(Worker::new(kind, ProbeSpec::of(p), probes_from));
                }
            }
        }
        ContainerRun {
            name: spec.name.clone(),
            image: spec.image.clone().unwrap_or_default(),
            init,
            run: Run::Waiting,
            waiting: None,
            not_before: None,
            restart_count: 0,
            instances: 0,
            last_terminated: None,
            restart_of: None,
            crash_backoff: None,
            pull_backoff: None,
            pull_error: None,
            pull_failures: 0,
            probes,
            ready: false,
            started: false,
            sidecar,
        }
    }

    fn worker(&self, kind: ProbeType) -> Option<&Worker> {
        self.probes.iter().find(|w| w.kind == kind)
    }

    /// isContainerStarted and the readiness rule of the prober manager's UpdatePodStatus.
    fn refresh_flags(&mut self) {
        let instance = match self.run {
            Run::Running { instance, .. } => Some(instance),
            _ => None,
        };
        let passes = |kind| match (instance, self.worker(kind)) {
            (_, None) => true,
            (Some(i), Some(w)) => w.result_for(i) == Some(Outcome::Success),
            (None, Some(_)) => false,
        };
        let started = instance.is_some() && passes(ProbeType::Startup);
        let ready = if self.init && !self.sidecar {
            matches!(&self.run, Run::Done(t) | Run::Exited { term: t, .. } if t.code == 0)
        } else {
            started && passes(ProbeType::Readiness)
        };
        self.started = started;
        self.ready = ready;
    }
}

/// Which container of a pod: an init container (or sidecar), or an app container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct At {
    init: bool,
    i: usize,
}

#[derive(Clone, Debug)]
struct PodWorker {
    uid: String,
    pod_ip: Option<String>,
    sandbox_ready: bool,
    started_at: SimTime,
    runtime: Option<PodRuntime>,
    init: Vec<ContainerRun>,
    containers: Vec<ContainerRun>,
    stopping_since: Option<SimTime>,
    /// When every container will have stopped, during termination.
    stopped_by: Option<SimTime>,
    terminal: bool,
    /// The configMap, secret, downwardAPI and projected volumes.
    mounts: volumes::Mounts,
}

impl PodWorker {
    fn c(&self, at: At) -> &ContainerRun {
        if at.init {
            &self.init[at.i]
        } else {
            &self.containers[at.i]
        }
    }

    fn c_mut(&mut self, at: At) -> &mut ContainerRun {
        if at.init {
            &mut self.init[at.i]
        } else {
            &mut self.containers[at.i]
        }
    }

    /// Containers with probes and kills: app containers and sidecars.
    fn probed(&self) -> Vec<At> {
        let sidecars = self
            .init
            .iter()
            .enumerate()
            .filter(|(_, c)| c.sidecar)
            .map(|(i, _)| At { init: true, i });
        sidecars
            .chain((0..self.containers.len()).map(|i| At { init: false, i }))
            .collect()
    }

    /// Whether every app container has finished for good (the pod is done
    /// but for its sidecars).
    fn regular_done(&self) -> bool {
        !self.containers.is_empty()
            && self
                .containers
                .iter()
                .all(|c| matches!(c.run, Run::Done(_)))
    }
}

pub struct Kubelet {
    pub node_name: String,
    spec: NodeSpecification,
    images: BTreeSet<String>,
    pods: BTreeMap<ObjectRef, PodWorker>,
    next_ip: u32,
}

fn image_ref(image: &str) -> String {
    let (repo, tag) = registry::split_reference(image);
    format!("{repo}:{tag}")
}

/// Go's time.Duration.String() for the durations kubelet prints (`2.7s`, `806ms`, `1m5s`).
pub fn go_duration(d: SimDuration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let seconds = ms / 1000;
    let frac = ms % 1000;
    let secs_part = if frac == 0 {
        format!("{}s", seconds % 60)
    } else {
        format!(
            "{}.{}s",
            seconds % 60,
            format!("{frac:03}").trim_end_matches('0')
        )
    };
    match seconds / 60 {
        0 => secs_part,
        m if m < 60 => format!("{m}m{secs_part}"),
        m => format!("{}h{}m{secs_part}", m / 60, m % 60),
    }
}

/// What one sync did, in words for the step log, and when to come back.
struct SyncLog {
    actions: Vec<String>,
    wake: Option<SimTime>,
}

impl SyncLog {
    fn wake_at(&mut self, t: SimTime) {
        self.wake = Some(self.wake.map_or(t, |w| w.min(t)));
    }
}

/// Everything one sync of one pod needs besides the worker.
struct PodSync<'a, 'b> {
    ctx: &'a mut Context<'b>,
    source: Source,
    pod: &'a Pod,
    pod_object: Object,
    images: &'a mut BTreeSet<String>,
    /// The pod's and the node's IPs, and the node's allocatable resources:
    /// what a container's environment may name.
    pod_ip: String,
    host_ip: String,
    allocatable: BTreeMap<String, Quantity>,
    log: SyncLog,
}

impl PodSync<'_, '_> {
    fn now(&self) -> SimTime {
        self.ctx.now
    }

    fn event(&mut self, event_type: EventType, reason: &str, message: &str) {
        let now = self.ctx.now;
        self.ctx.recorder.record(
            self.ctx.api,
            now,
            &self.source,
            &self.pod_object,
            event_type,
            reason,
            message,
        );
    }

    fn restart_policy(&self) -> &str {
        self.pod
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref())
            .unwrap_or("Always")
    }

    fn spec_of(&self, c: &ContainerRun) -> Option<Container> {
        let spec = self.pod.spec.as_ref()?;
        let list = if c.init {
            spec.init_containers.as_ref()?
        } else {
            &spec.containers
        };
        list.iter().find(|s| s.name == c.name).cloned()
    }

    /// `name_namespace(uid)`, format.Pod.
    fn pod_desc(&self) -> String {
        format!(
            "{}_{}({})",
            self.pod.metadata.name_str(),
            self.pod.metadata.namespace.as_deref().unwrap_or("default"),
            self.pod.metadata.uid.as_deref().unwrap_or("")
        )
    }

    fn grace_seconds(&self, probe_override: Option<i64>) -> i64 {
        let pod_grace = self
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.termination_grace_period_seconds)
            .unwrap_or(30);
        probe_override.unwrap_or(pod_grace).max(MIN_GRACE_SECONDS)
    }
}

impl Kubelet {
    pub fn new(spec: NodeSpecification) -> Self {
        Kubelet {
            node_name: spec.name.clone(),
            spec,
            images: BTreeSet::new(),
            pods: BTreeMap::new(),
            next_ip: 2,
        }
    }

    pub fn source(&self) -> Source {
        Source::kubelet(&self.node_name)
    }

    /// The log of a container of a pod on this node (`kubectl logs`, with
    /// `previous` for `--previous`): what it has printed by `now`, though
    /// the kubelet last looked at it earlier.
    pub fn container_log(
        &self,
        pod: &ObjectRef,
        container: &str,
        previous: bool,
        now: SimTime,
    ) -> Option<ContainerLog> {
        let runtime = self.pods.get(pod)?.runtime.as_ref()?;
        if previous {
            return runtime.log(container, true).cloned();
        }
        runtime.log_at(container, now)
    }

    /// `kubectl exec`: runs a command in a running container of a pod on
    /// this node (GetExec: a container that is not running is not found).
    /// Returns what it printed and whether the container's files changed.
    pub fn exec(
        &mut self,
        pod: &ObjectRef,
        container: &str,
        argv: &[String],
        now: SimTime,
        limit: SimDuration,
        dns: &std::sync::Arc<crate::dns::ClusterDns>,
    ) -> Result<(crate::runtime::shell::Session, bool), crate::runtime::ExecError> {
        let runtime = self
            .pods
            .get_mut(pod)
            .and_then(|w| w.runtime.as_mut())
            .ok_or(crate::runtime::ExecError::NotRunning)?;
        runtime.set_dns(dns);
        runtime.exec_session(container, argv, now, limit)
    }

    /// Pods whose processes look names up: a change to cluster DNS may
    /// change when they exit, so their workers look again.
    pub fn dns_dependents(&self) -> Vec<ObjectRef> {
        self.pods
            .iter()
            .filter(|(_, w)| !w.terminal && w.runtime.as_ref().is_some_and(|rt| rt.uses_dns()))
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// The pods whose state a change concerns: pods bound to this node, and
    /// those whose volumes read a ConfigMap or Secret that changed.
    pub fn keys_for(&self, event: &WatchEvent) -> Vec<ObjectRef> {
        match &*event.object {
            Object::ConfigMap(_) | Object::Secret(_) => self
                .pods
                .iter()
                .filter(|(key, w)| {
                    key.namespace == event.object_ref.namespace
                        && w.mounts
                            .reads(event.object_ref.kind, &event.object_ref.name)
                })
                .map(|(key, _)| key.clone())
                .collect(),
            Object::Pod(pod)
                if pod.spec.as_ref().and_then(|s| s.node_name.as_deref())
                    == Some(self.node_name.as_str()) =>
            {
                if event.event_type == WatchEventType::Deleted
                    && !self.pods.contains_key(&event.object_ref)
                {
                    return Vec::new();
                }
                vec![event.object_ref.clone()]
            }
            _ => Vec::new(),
        }
    }

    /// syncPod: moves the pod on as far as `now` allows and reports its status.
    pub fn sync_pod(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let pod = match ctx.api.get(key) {
            Some(Object::Pod(p)) => p.clone(),
            _ => {
                // Gone from the API: forget it.
                return match self.pods.remove(key) {
                    Some(_) => Reconciled::did(format!("cleaned up pod {}", key.display_name())),
                    None => Reconciled::nothing(),
                };
            }
        };
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        if self.pods.get(key).is_some_and(|w| w.uid != uid) {
            self.pods.remove(key);
        }
        if pod.metadata.is_deleting() {
            return self.terminate(key, &pod, ctx);
        }
        let now = ctx.now;
        if !self.pods.contains_key(key) {
            if crate::podutil::is_terminal(&pod) {
                return Reconciled::nothing();
            }
            let spec = pod.spec.clone().unwrap_or_default();
            let worker = PodWorker {
                uid,
                pod_ip: None,
                sandbox_ready: false,
                started_at: now,
                runtime: None,
                init: spec
                    .init_containers
                    .iter()
                    .flatten()
                    .map(|c| ContainerRun::new(c, true, now))
                    .collect(),
                containers: spec
                    .containers
                    .iter()
                    .map(|c| ContainerRun::new(c, false, now))
                    .collect(),
                stopping_since: None,
                stopped_by: None,
                terminal: false,
                mounts: volumes::Mounts::new(pod.spec.as_ref()),
            };
            self.pods.insert(key.clone(), worker);
            self.write_status(key, &pod, ctx);
            return Reconciled::did(format!(
                "accepted pod {}; creating its sandbox",
                key.display_name()
            ))
            .requeue(SANDBOX_DELAY);
        }
        let Some(mut worker) = self.pods.remove(key) else {
            return Reconciled::nothing();
        };
        if let Some(rt) = worker.runtime.as_mut() {
            rt.set_dns(ctx.dns);
        }
        if worker.terminal {
            self.pods.insert(key.clone(), worker);
            return Reconciled::nothing();
        }
        if !worker.sandbox_ready {
            // WaitForAttachAndMount: the volumes first.
            let host_ip = self.internal_ip();
            let (_, allocatable) = self.capacity_and_allocatable();
            let facts = env::PodFacts {
                pod: &pod,
                pod_ip: "",
                host_ip: &host_ip,
                allocatable: &allocatable,
            };
            let pass = worker.mounts.mount(ctx.api, &facts, now);
            if pass.pending {
                let pod_object = Object::Pod(pod.clone());
                let source = self.source();
                let mut failed = Vec::new();
                for (volume, error) in &pass.failed {
                    let message = volumes::failed_mount_message(volume, error);
                    ctx.recorder.record(
                        ctx.api,
                        now,
                        &source,
                        &pod_object,
                        EventType::Warning,
                        volumes::FAILED_MOUNT,
                        &message,
                    );
                    failed.push(message);
                }
                self.pods.insert(key.clone(), worker);
                let result = if failed.is_empty() {
                    Reconciled::nothing()
                } else {
                    Reconciled::did(failed.join("; "))
                };
                return match pass.wake {
                    Some(t) => result.requeue(t.since(now).max(SimDuration::from_millis(1))),
                    None => result,
                };
            }
            worker.sandbox_ready = true;
            let ip = format!("10.244.{}.{}", self.spec.index, self.next_ip);
            self.next_ip = if self.next_ip >= 254 {
                2
            } else {
                self.next_ip + 1
            };
            let mut runtime = PodRuntime::new(&pod, PodInfo::of(&pod, &ip));
            runtime.set_dns(ctx.dns);
            // The claims' volumes come with the files their volumes hold.
            crate::storage::attach(ctx.storage, ctx.api, &pod, &mut runtime);
            for (volume, files) in worker.mounts.files() {
                runtime.set_volume_files(volume, files.clone());
            }
            worker.runtime = Some(runtime);
            worker.pod_ip = Some(ip.clone());
            self.pods.insert(key.clone(), worker);
            self.write_status(key, &pod, ctx);
            return Reconciled::did(format!(
                "started sandbox for {} with IP {ip}",
                key.display_name()
            ))
            .requeue(SimDuration::from_millis(100));
        }

        let source = self.source();
        let host_ip = self.internal_ip();
        let (_, allocatable) = self.capacity_and_allocatable();
        let mut sync = PodSync {
            ctx,
            source,
            pod: &pod,
            pod_object: Object::Pod(pod.clone()),
            images: &mut self.images,
            pod_ip: worker.pod_ip.clone().unwrap_or_default(),
            host_ip,
            allocatable,
            log: SyncLog {
                actions: Vec::new(),
                wake: None,
            },
        };
        sync_containers(&mut worker, &mut sync);
        refresh_volumes(&mut worker, &mut sync);
        let SyncLog { actions, wake } = sync.log;
        if let Some(runtime) = &worker.runtime {
            crate::storage::save(ctx.storage, ctx.api, &pod, runtime);
        }
        self.pods.insert(key.clone(), worker);
        self.write_status(key, &pod, ctx);
        let mut result = if actions.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(actions.join("; "))
        };
        if let Some(t) = wake {
            result = result.requeue(t.since(now).max(SimDuration::from_millis(1)));
        }
        result
    }

    /// Graceful termination: stop the containers (SIGTERM, then SIGKILL when
    /// the grace period ends), then remove the pod from the API.
    fn terminate(&mut self, key: &ObjectRef, pod: &Pod, ctx: &mut Context) -> Reconciled {
        let now = ctx.now;
        let source = self.source();
        let Some(worker) = self.pods.get_mut(key) else {
            // Never started here: nothing to stop.
            let _ = ctx.api.delete(now, key, Some(0));
            return Reconciled::did(format!(
                "removed pod {} (never started)",
                key.display_name()
            ));
        };
        if worker.stopping_since.is_none() {
            worker.stopping_since = Some(now);
            let grace = pod
                .metadata
                .deletion_grace_period_seconds
                .or_else(|| {
                    pod.spec
                        .as_ref()
                        .and_then(|s| s.termination_grace_period_seconds)
                })
                .unwrap_or(30)
                .max(MIN_GRACE_SECONDS);
            let pod_object = Object::Pod(pod.clone());
            let mut latest = now;
            for c in worker.init.iter_mut().chain(worker.containers.iter_mut()) {
                if !matches!(c.run, Run::Running { .. }) {
                    continue;
                }
                ctx.recorder.record(
                    ctx.api,
                    now,
                    &source,
                    &pod_object,
                    EventType::Normal,
                    "Killing",
                    &format!("Stopping container {}", c.name),
                );
                if let Some(rt) = worker.runtime.as_mut() {
                    if let Some((at, _)) =
                        rt.stop(&c.name, now, SimDuration::from_secs(grace as u64))
                    {
                        latest = latest.max(at);
                    }
                }
            }
            let stopped_by = latest.max(now.plus(crate::runtime::STOP_DELAY));
            worker.stopped_by = Some(stopped_by);
            return Reconciled::did(format!("stopping containers of {}", key.display_name()))
                .requeue(stopped_by.since(now).max(SimDuration::from_millis(1)));
        }
        match worker.stopped_by {
            Some(t) if t > now => Reconciled::nothing().requeue(t.since(now)),
            _ => {
                if let Some(rt) = worker.runtime.as_mut() {
                    rt.advance(now);
                    crate::storage::save(ctx.storage, ctx.api, pod, rt);
                }
                self.pods.remove(key);
                let _ = ctx.api.delete(now, key, Some(0));
                Reconciled::did(format!(
                    "containers of {} stopped; removed the pod",
                    key.display_name()
                ))
            }
        }
    }

    /// Writes the pod's status as the kubelet's status manager would.
    fn write_status(&self, key: &ObjectRef, pod: &Pod, ctx: &mut Context) {
        let Some(worker) = self.pods.get(key) else {
            return;
        };
        let status = pod_status::generate(self, worker, pod, ctx.now);
        if Some(&status) == pod.status.as_ref() {
            return;
        }
        // Write onto the freshest copy, so a concurrent change to the pod is kept.
        if let Some(Object::Pod(current)) = ctx.api.get(key) {
            let mut updated = current.clone();
            updated.status = Some(status);
            updated.metadata.resource_version = None;
            let _ = ctx.api.update(Object::Pod(updated));
        }
    }
}

/// At the pod's resync, its ConfigMaps' and Secrets' new data reaches the
/// files of its volumes (its containers' environment stays as it was).
fn refresh_volumes(w: &mut PodWorker, s: &mut PodSync) {
    if w.terminal {
        return;
    }
    let now = s.now();
    let facts = env::PodFacts {
        pod: s.pod,
        pod_ip: &s.pod_ip,
        host_ip: &s.host_ip,
        allocatable: &s.allocatable,
    };
    let pass = w.mounts.refresh(s.ctx.api, &facts, w.started_at, now);
    for (volume, error) in &pass.failed {
        let message = volumes::failed_mount_message(volume, error);
        s.event(EventType::Warning, volumes::FAILED_MOUNT, &message);
        s.log.actions.push(message);
    }
    for volume in &pass.updated {
        let files = w
            .mounts
            .files()
            .find(|(v, _)| *v == volume)
            .map(|(_, f)| f.clone());
        if let (Some(rt), Some(files)) = (w.runtime.as_mut(), files) {
            rt.set_volume_files(volume, files);
        }
        s.log
            .actions
            .push(format!("updated the files of volume {volume}"));
    }
    if let Some(t) = pass.wake {
        s.log.wake_at(t);
    }
}

/// One pass after another over the pod's containers until nothing more
/// happens at this instant.
fn sync_containers(w: &mut PodWorker, s: &mut PodSync) {
    let now = s.now();
    for _ in 0..SYNC_PASSES {
        let before = s.log.actions.len();
        s.log.wake = None;
        run_probes_and_exits(w, s);
        start_kills(w, s);
        decide(w, s);
        if s.log.actions.len() == before {
            break;
        }
    }
    for c in w.init.iter_mut().chain(w.containers.iter_mut()) {
        c.refresh_flags();
    }
    // Terminal phase: nothing will run again.
    let phase = pod_status::phase(w, s.restart_policy());
    if phase == "Succeeded" || phase == "Failed" {
        w.terminal = true;
        s.log.actions.push(format!("pod is {phase}"));
        s.log.wake = None;
        return;
    }
    // When to come back.
    if let Some(rt) = w.runtime.as_mut() {
        if let Some(t) = rt.next_exit(now) {
            s.log.wake_at(t);
        }
    }
    for c in w.init.iter().chain(w.containers.iter()) {
        match &c.run {
            Run::Pulling { until, .. } => s.log.wake_at(*until),
            Run::Created { at } => s.log.wake_at(*at),
            Run::Exited { decide_at, .. } => s.log.wake_at(*decide_at),
            Run::Running { .. } => {
                for p in &c.probes {
                    s.log.wake_at(p.next_tick);
                }
            }
            Run::Waiting => {
                if let Some(t) = c.not_before {
                    s.log.wake_at(t);
                }
            }
            Run::Done(_) => {}
        }
    }
    if let Some(t) = s.log.wake {
        if t < now {
            s.log.wake = Some(now);
        }
    }
}

/// Runs the containers up to now, acting on exits and on probe ticks in time order.
fn run_probes_and_exits(w: &mut PodWorker, s: &mut PodSync) {
    let now = s.now();
    loop {
        // The earliest probe tick due, of a running container.
        let tick = w
            .probed()
            .into_iter()
            .map(|at| (at, w.c(at)))
            .filter(|(_, c)| matches!(c.run, Run::Running { .. }))
            .flat_map(|(at, c)| {
                c.probes
                    .iter()
                    .enumerate()
                    .map(move |(j, p)| (p.next_tick, at, j))
            })
            .filter(|(t, _, _)| *t <= now)
            .min();
        let until = tick.map_or(now, |(t, _, _)| t);
        let exits = w
            .runtime
            .as_mut()
            .map(|rt| rt.advance(until))
            .unwrap_or_default();
        for exit in exits {
            record_exit(w, s, &exit.container, exit.code, exit.at);
        }
        let Some((t, i, j)) = tick else {
            break;
        };
        let c = w.c_mut(i);
        c.refresh_flags();
        let (instance, running_since) = match c.run {
            Run::Running {
                started, instance, ..
            } => (Some(instance), Some(started)),
            _ => (c.instances.checked_sub(1), None),
        };
        let started = c.started;
        let worker = &mut c.probes[j];
        worker.advance_tick(t);
        if worker.ready_to_probe(instance, running_since, started, t) {
            probe(w, s, i, j, t);
        }
    }
}

/// Runs one probe of container `i` and records its outcome.
fn probe(w: &mut PodWorker, s: &mut PodSync, i: At, j: usize, at: SimTime) {
    let Some(spec) = s.spec_of(w.c(i)) else {
        return;
    };
    let name = w.c(i).name.clone();
    let kind = w.c(i).probes[j].kind;
    let probe_spec = w.c(i).probes[j].spec.clone();
    let Some(rt) = w.runtime.as_mut() else {
        return;
    };
    let (outcome, output) = match &probe_spec.action {
        Action::Exec(argv) if argv.is_empty() => (Outcome::Failure, String::new()),
        Action::Exec(argv) => match rt.exec(&name, argv, at, probe_spec.timeout) {
            Some(ExecResult::Exited { code: 0, .. }) => (Outcome::Success, String::new()),
            Some(ExecResult::Exited { output, .. }) => (Outcome::Failure, output),
            // exec.NewTimeoutError(fmt.Errorf("command %q timed out", strings.Join(cmd, " ")))
            Some(ExecResult::TimedOut { .. }) => (
                Outcome::Failure,
                format!("command {} timed out", prober::go_quote(&argv.join(" "))),
            ),
            None => (Outcome::Failure, String::new()),
        },
        Action::Http {
            scheme, port, path, ..
        } => match crate::runtime::resolve_port(port, &spec) {
            Some(port) => match rt.http_get(scheme, port, path, at) {
                // pkg/probe/http: 2xx and 3xx succeed.
                Ok(code) if (200..400).contains(&code) => (Outcome::Success, String::new()),
                Ok(code) => (
                    Outcome::Failure,
                    format!("HTTP probe failed with statuscode: {code}"),
                ),
                Err(e) => (Outcome::Failure, e),
            },
            None => (Outcome::Failure, format!("unable to find port {port:?}")),
        },
        Action::Tcp { port, .. } => match crate::runtime::resolve_port(port, &spec) {
            Some(port) => match rt.tcp_connect(port, at) {
                Ok(()) => (Outcome::Success, String::new()),
                Err(e) => (Outcome::Failure, e),
            },
            None => (Outcome::Failure, format!("unable to find port {port:?}")),
        },
        Action::Grpc { port } => {
            let port = u16::try_from(*port).unwrap_or(0);
            match rt.tcp_connect(port, at) {
                Ok(()) => (Outcome::Success, String::new()),
                Err(_) => (
                    Outcome::Failure,
                    // pkg/probe/grpc: the dial blocks until the probe's timeout.
                    format!(
                        "timeout: failed to connect service \"{}:{port}\" within {}: context deadline exceeded",
                        w.pod_ip.clone().unwrap_or_default(),
                        go_duration(probe_spec.timeout)
                    ),
                ),
            }
        }
        Action::Nothing => (Outcome::Success, String::new()),
    };
    if outcome == Outcome::Failure {
        // prober.go: every failed probe is an Unhealthy event.
        s.event(
            EventType::Warning,
            "Unhealthy",
            &format!("{} probe failed: {output}", kind.title()),
        );
    }
    let c = w.c_mut(i);
    let worker = &mut c.probes[j];
    let set = worker.record(outcome);
    let threshold = worker.spec.failure_threshold;
    let failures = worker.failures_in_a_row();
    match (set, outcome) {
        (_, Outcome::Failure) if kind == ProbeType::Readiness => {
            s.log
                .actions
                .push(format!("readiness probe of {name} failed"));
        }
        (Some(Outcome::Failure), _) => s.log.actions.push(format!(
            "{} probe of {name} failed ({threshold}/{threshold})",
            kind.lower()
        )),
        (None, Outcome::Failure) => s.log.actions.push(format!(
            "{} probe of {name} failed ({failures}/{threshold})",
            kind.lower()
        )),
        (Some(Outcome::Success), _) if kind == ProbeType::Readiness && !c.ready => {
            s.log
                .actions
                .push(format!("readiness probe of {name} succeeded"));
        }
        (Some(Outcome::Success), _) if kind == ProbeType::Startup && !c.started => {
            s.log
                .actions
                .push(format!("startup probe of {name} succeeded"));
        }
        _ => {}
    }
    c.refresh_flags();
}

/// A container's process ended at `at`.
fn record_exit(w: &mut PodWorker, s: &mut PodSync, name: &str, code: i32, at: SimTime) {
    let Some(c) = w
        .init
        .iter_mut()
        .chain(w.containers.iter_mut())
        .find(|c| c.name == name)
    else {
        return;
    };
    let Run::Running {
        started,
        instance,
        killing,
    } = c.run
    else {
        return;
    };
    let term = Terminated {
        code,
        reason: if code == 0 { "Completed" } else { "Error" }.to_string(),
        message: None,
        started,
        finished: at,
        instance,
    };
    // A killed container is started again as soon as it has stopped (the
    // kill and the start are one SyncPod); an exit is seen at the next relist.
    let decide_at = if killing.is_some() {
        at
    } else {
        at.plus(PLEG_RELIST)
    };
    c.run = Run::Exited {
        term,
        decide_at,
        killed: killing,
    };
    if let Some(rt) = w.runtime.as_mut() {
        rt.remove(name);
    }
    s.log
        .actions
        .push(format!("container {name} exited with code {code}"));
}

/// Liveness and startup failures kill the container.
fn start_kills(w: &mut PodWorker, s: &mut PodSync) {
    let now = s.now();
    let restart_policy = s.restart_policy().to_string();
    for i in w.probed() {
        let c = w.c(i);
        let Run::Running {
            killing: None,
            started,
            instance,
        } = c.run
        else {
            continue;
        };
        let name = c.name.clone();
        // containerChanged: the spec's image differs from the running one's.
        let spec_image = s.spec_of(c).and_then(|spec| spec.image).unwrap_or_default();
        if spec_image != c.image {
            s.event(
                EventType::Normal,
                "Killing",
                &format!("Container {name} definition changed, will be restarted"),
            );
            let grace = s.grace_seconds(None);
            w.c_mut(i).run = Run::Running {
                started,
                instance,
                killing: Some(KillReason::Changed),
            };
            if let Some(rt) = w.runtime.as_mut() {
                rt.stop(&name, now, SimDuration::from_secs(grace as u64));
            }
            s.log.actions.push(format!(
                "killing container {name}: its image changed to {spec_image}"
            ));
            continue;
        }
        let failed = c
            .probes
            .iter()
            .find(|p| {
                p.kind != ProbeType::Readiness && p.result_for(instance) == Some(Outcome::Failure)
            })
            .map(|p| (p.kind, p.spec.termination_grace_period_seconds));
        let Some((kind, grace_override)) = failed else {
            continue;
        };
        // computePodActions: "Container %s failed liveness probe" (", will be restarted").
        let mut message = format!("Container {name} failed {} probe", kind.lower());
        if restart_policy != "Never" || i.init {
            message.push_str(", will be restarted");
        }
        s.event(EventType::Normal, "Killing", &message);
        let grace = s.grace_seconds(grace_override);
        let reason = if kind == ProbeType::Liveness {
            KillReason::Liveness
        } else {
            KillReason::Startup
        };
        w.c_mut(i).run = Run::Running {
            started,
            instance,
            killing: Some(reason),
        };
        if let Some(rt) = w.runtime.as_mut() {
            rt.stop(&name, now, SimDuration::from_secs(grace as u64));
        }
        s.log.actions.push(format!(
            "killing container {name}: it failed its {} probe",
            kind.lower()
        ));
    }
}

/// computePodActions and the starts of SyncPod: init containers one by one,
/// then the app containers; restarts per restart policy and back-off.
fn decide(w: &mut PodWorker, s: &mut PodSync) {
    let now = s.now();
    let policy = s.restart_policy().to_string();
    // The app containers are done for good: sidecars are not restarted.
    let finishing = policy != "Always" && w.regular_done();
    // computeInitContainerActions: once a regular container is on its way
    // (pulling, created or run), a sidecar that exits no longer holds the pod
    // back; it is only restarted. (The kubelet pulls inside startContainer.)
    let any_regular_started = w
        .containers
        .iter()
        .any(|c| c.instances > 0 || !matches!(c.run, Run::Waiting));
    // Init containers, in order.
    let mut initialized = true;
    for i in 0..w.init.len() {
        if w.init[i].sidecar {
            // A sidecar starts in its turn and the next init container waits
            // until it has started; it is restarted whenever it exits.
            match &w.init[i].run {
                Run::Running { .. } | Run::Done(_) => {}
                Run::Exited { decide_at, .. } if *decide_at > now => {}
                Run::Exited { term, killed, .. } => {
                    let (term, killed) = (term.clone(), *killed);
                    if finishing || killed == Some(KillReason::PodDone) {
                        w.init[i].run = Run::Done(term);
                    } else {
                        schedule_restart(&mut w.init[i], term, killed);
                        advance_start(w, s, true, i);
                    }
                }
                _ if finishing => {}
                _ => advance_start(w, s, true, i),
            }
            w.init[i].refresh_flags();
            if !any_regular_started && !w.init[i].started {
                initialized = false;
                break;
            }
            continue;
        }
        match &w.init[i].run {
            Run::Done(t) if t.code == 0 => continue,
            Run::Done(_) => {
                initialized = false;
                break;
            }
            Run::Exited { decide_at, .. } if *decide_at > now => {
                initialized = false;
                break;
            }
            Run::Exited { term, killed, .. } => {
                let term = term.clone();
                let killed = *killed;
                if term.code == 0 {
                    w.init[i].run = Run::Done(term);
                    continue;
                }
                initialized = false;
                if policy == "Never" {
                    w.init[i].run = Run::Done(term);
                } else {
                    schedule_restart(&mut w.init[i], term, killed);
                    advance_start(w, s, true, i);
                }
                break;
            }
            Run::Running { .. } => {
                initialized = false;
                break;
            }
            _ => {
                initialized = false;
                advance_start(w, s, true, i);
                break;
            }
        }
    }
    if !initialized {
        return;
    }
    for i in 0..w.containers.len() {
        match &w.containers[i].run {
            Run::Running { .. } | Run::Done(_) => {}
            Run::Exited { decide_at, .. } if *decide_at > now => {}
            Run::Exited { term, killed, .. } => {
                let term = term.clone();
                let killed = *killed;
                // ShouldContainerBeRestarted; a changed container is restarted whatever the policy.
                let restart = killed == Some(KillReason::Changed)
                    || match policy.as_str() {
                        "Never" => false,
                        "OnFailure" => term.code != 0,
                        _ => true,
                    };
                if restart {
                    schedule_restart(&mut w.containers[i], term, killed);
                    advance_start(w, s, false, i);
                } else {
                    let name = w.containers[i].name.clone();
                    w.containers[i].run = Run::Done(term);
                    s.log.actions.push(format!(
                        "container {name} will not be restarted (restartPolicy {policy})"
                    ));
                }
            }
            _ => advance_start(w, s, false, i),
        }
    }
    // The app containers are done: the sidecars are stopped.
    if policy != "Always" && w.regular_done() {
        for i in 0..w.init.len() {
            let c = &w.init[i];
            let Run::Running {
                started,
                instance,
                killing: None,
            } = c.run
            else {
                continue;
            };
            if !c.sidecar {
                continue;
            }
            let name = c.name.clone();
            s.event(
                EventType::Normal,
                "Killing",
                &format!("Stopping container {name}"),
            );
            w.init[i].run = Run::Running {
                started,
                instance,
                killing: Some(KillReason::PodDone),
            };
            let grace = s.grace_seconds(None);
            if let Some(rt) = w.runtime.as_mut() {
                rt.stop(&name, now, SimDuration::from_secs(grace as u64));
            }
            s.log.actions.push(format!(
                "stopping sidecar {name}: the app containers are done"
            ));
        }
    }
}

/// An exited container is to be started again.
fn schedule_restart(c: &mut ContainerRun, term: Terminated, killed: Option<KillReason>) {
    // doBackOff looks at the latest exited instance in the pod status the
    // sync began with: for a kill, the one before the killed instance.
    let previous = c.last_terminated.replace(term.clone());
    c.restart_of = if killed.is_some() {
        previous
    } else {
        Some(term)
    };
    if killed == Some(KillReason::Changed) {
        // A new definition is a new back-off key (getStableKey hashes the container).
        c.restart_of = None;
        c.crash_backoff = None;
    }
    c.run = Run::Waiting;
    c.waiting = None;
    c.not_before = None;
}

/// Moves a container through back-off, pull, create and start, as far as now allows.
fn advance_start(w: &mut PodWorker, s: &mut PodSync, init: bool, i: usize) {
    let now = s.now();
    // Pulls are serial: one container of the pod at a time.
    let pulling_busy = w
        .init
        .iter()
        .chain(w.containers.iter())
        .enumerate()
        .any(|(k, c)| {
            matches!(c.run, Run::Pulling { .. })
                && !(c.init == init && k == if init { i } else { w.init.len() + i })
        });
    let pod_desc = s.pod_desc();
    let list = if init { &mut w.init } else { &mut w.containers };
    let c = &mut list[i];
    let Some(spec) = s.spec_of(c) else {
        return;
    };
    // The pod spec's image may have been changed (kubectl set image).
    let spec_image = spec.image.clone().unwrap_or_default();
    if matches!(c.run, Run::Waiting) && spec_image != c.image {
        c.image = spec_image;
        c.crash_backoff = None;
        c.restart_of = None;
        c.pull_backoff = None;
        c.pull_error = None;
        c.pull_failures = 0;
        c.waiting = None;
        c.not_before = None;
    }
    let image = c.image.clone();
    let name = c.name.clone();
    match c.run.clone() {
        Run::Created { at } if at <= now => {
            start_container(w, s, init, i, &spec);
        }
        Run::Created { .. } => {}
        Run::Pulling { until, .. } if until > now => {}
        Run::Pulling { ok, took, .. } => {
            if ok {
                let size = match registry::lookup(&image) {
                    Lookup::Known { size_bytes, .. } | Lookup::Assumed { size_bytes } => size_bytes,
                    _ => 0,
                };
                s.images.insert(image_ref(&image));
                let took = go_duration(took);
                s.event(
                    EventType::Normal,
                    "Pulled",
                    &format!("Successfully pulled image \"{image}\" in {took} ({took} including waiting). Image size: {size} bytes."),
                );
                c.pull_backoff = None;
                c.pull_error = None;
                c.pull_failures = 0;
                c.run = Run::Created {
                    at: if c.instances == 0 {
                        now.plus(CREATE_DELAY)
                    } else {
                        now
                    },
                };
                s.log.actions.push(format!("pulled image {image}"));
                if c.instances > 0 {
                    start_container(w, s, init, i, &spec);
                }
            } else {
                let failure = registry::lookup(&image);
                let error = pull_error(&image, &failure);
                s.event(
                    EventType::Warning,
                    "Failed",
                    &format!("Failed to pull image \"{image}\": {error}"),
                );
                s.event(EventType::Warning, "Failed", "Error: ErrImagePull");
                backoff_next(&mut c.pull_backoff, now, now);
                c.pull_error = Some(format!("ErrImagePull: {error}"));
                c.pull_failures += 1;
                c.run = Run::Waiting;
                c.waiting = Some(("ErrImagePull".into(), error));
                // The sandbox's PLEG event brings the next sync at once after
                // the first failure; after that the pod worker's back-off period.
                c.not_before = Some(if c.pull_failures == 1 {
                    now.plus(PLEG_RELIST)
                } else {
                    now.plus(WORKER_BACKOFF_PERIOD)
                });
                s.log.actions.push(format!("failed to pull image {image}"));
            }
        }
        Run::Waiting => {
            if c.not_before.is_some_and(|t| t > now) || pulling_busy {
                return;
            }
            c.not_before = None;
            // doBackOff.
            if let Some(prev) = c.restart_of.clone() {
                if let Some(e) = c.crash_backoff {
                    if !backoff_expired(prev.finished, e.last_update)
                        && now.since(prev.finished) < e.backoff
                    {
                        s.event(
                            EventType::Warning,
                            "BackOff",
                            &format!(
                                "Back-off restarting failed container {name} in pod {pod_desc}"
                            ),
                        );
                        c.waiting = Some((
                            "CrashLoopBackOff".into(),
                            format!(
                                "back-off {} restarting failed container={name} pod={pod_desc}",
                                go_duration(e.backoff)
                            ),
                        ));
                        c.not_before = Some(now.plus(WORKER_BACKOFF_PERIOD));
                        // From the next sync on, the latest exited instance counts.
                        c.restart_of = c.last_terminated.clone();
                        s.log.actions.push(format!(
                            "back-off {} restarting failed container {name}",
                            go_duration(e.backoff)
                        ));
                        return;
                    }
                }
                backoff_next(&mut c.crash_backoff, prev.finished, now);
            }
            // EnsureImageExists.
            let policy = spec
                .image_pull_policy
                .clone()
                .unwrap_or_else(|| "IfNotPresent".into());
            let present = s.images.contains(&image_ref(&image));
            if policy == "Never" && !present {
                let message =
                    format!("Container image \"{image}\" is not present with pull policy of Never");
                s.event(EventType::Warning, "ErrImageNeverPull", &message);
                s.event(EventType::Warning, "Failed", "Error: ErrImageNeverPull");
                c.waiting = Some(("ErrImageNeverPull".into(), message));
                c.not_before = Some(now.plus(WORKER_BACKOFF_PERIOD));
                s.log.actions.push(format!(
                    "cannot start {name}: image not present and pull policy Never"
                ));
                return;
            }
            if present && policy != "Always" {
                s.event(
                    EventType::Normal,
                    "Pulled",
                    &format!("Container image \"{image}\" already present on machine"),
                );
                c.run = Run::Created {
                    at: if c.instances == 0 {
                        now.plus(CREATE_DELAY)
                    } else {
                        now
                    },
                };
                if c.instances > 0 {
                    start_container(w, s, init, i, &spec);
                } else {
                    s.log
                        .actions
                        .push(format!("image {image} already present for {name}"));
                }
                return;
            }
            if let Some(e) = c.pull_backoff {
                // IsInBackOffSinceUpdate(key, now).
                if !backoff_expired(now, e.last_update) && now.since(e.last_update) < e.backoff {
                    let mut message = format!("Back-off pulling image \"{image}\"");
                    s.event(EventType::Normal, "BackOff", &message);
                    s.event(EventType::Warning, "Failed", "Error: ImagePullBackOff");
                    if let Some(prev) = &c.pull_error {
                        message = format!("{message}: {prev}");
                    }
                    c.waiting = Some(("ImagePullBackOff".into(), message));
                    c.not_before = Some(now.plus(WORKER_BACKOFF_PERIOD));
                    s.log
                        .actions
                        .push(format!("backing off pulling image {image}"));
                    return;
                }
            }
            s.event(
                EventType::Normal,
                "Pulling",
                &format!("Pulling image \"{image}\""),
            );
            let lookup = registry::lookup(&image);
            let (ok, size) = match lookup {
                Lookup::Known { size_bytes, .. } | Lookup::Assumed { size_bytes } => {
                    (true, size_bytes)
                }
                _ => (false, 0),
            };
            // A layer already on the node is not downloaded again.
            let bytes = if present { 0 } else { size };
            let took = SimDuration(PULL_LATENCY.0 + bytes * 1000 / PULL_BYTES_PER_SECOND);
            c.run = Run::Pulling {
                until: now.plus(took),
                ok,
                took,
            };
            s.log
                .actions
                .push(format!("pulling image {image} for {name}"));
        }
        Run::Running { .. } | Run::Exited { .. } | Run::Done(_) => {}
    }
}

/// Creates and starts a container whose image is ready. Its config (the
/// environment) is made first: an error there leaves it waiting with
/// CreateContainerConfigError, retried on the pod worker's back-off.
fn start_container(w: &mut PodWorker, s: &mut PodSync, init: bool, i: usize, spec: &Container) {
    let now = s.now();
    let list = if init { &mut w.init } else { &mut w.containers };
    let c = &mut list[i];
    let name = c.name.clone();
    let facts = env::PodFacts {
        pod: s.pod,
        pod_ip: &s.pod_ip,
        host_ip: &s.host_ip,
        allocatable: &s.allocatable,
    };
    let env = match env::make_environment(s.ctx.api, &facts, spec) {
        Ok(env) => env,
        Err(message) => {
            // kuberuntime startContainer: "Error: %v", and ErrCreateContainerConfig.
            s.event(EventType::Warning, "Failed", &format!("Error: {message}"));
            c.run = Run::Waiting;
            c.waiting = Some((CREATE_CONTAINER_CONFIG_ERROR.into(), message.clone()));
            c.not_before = Some(now.plus(WORKER_BACKOFF_PERIOD));
            s.log
                .actions
                .push(format!("cannot create container {name}: {message}"));
            return;
        }
    };
    c.instances += 1;
    if c.instances > 1 {
        c.restart_count += 1;
    }
    let instance = c.instances;
    c.restart_of = None;
    c.waiting = None;
    c.not_before = None;
    s.event(
        EventType::Normal,
        "Created",
        &format!("Created container: {name}"),
    );
    let Some(rt) = w.runtime.as_mut() else {
        return;
    };
    match rt.start(spec, &env, now) {
        Ok(()) => {
            s.event(
                EventType::Normal,
                "Started",
                &format!("Started container {name}"),
            );
            c.run = Run::Running {
                started: now,
                instance,
                killing: None,
            };
            // The probe workers' tickers kept going while it was not running.
            for p in c.probes.iter_mut() {
                p.catch_up(now);
            }
            s.log.actions.push(if c.instances > 1 {
                format!("restarted container {name} (restart {})", c.restart_count)
            } else {
                format!("created and started container {name}")
            });
            let readiness = c.probes.iter().position(|p| p.kind == ProbeType::Readiness);
            if let Some(j) = readiness {
                c.refresh_flags();
                let started = c.started;
                if c.probes[j].ready_to_probe(Some(instance), Some(now), started, now) {
                    probe(w, s, At { init, i }, j, now);
                }
            }
        }
        Err(e) => {
            s.event(
                EventType::Warning,
                "Failed",
                &format!("Error: {}", e.message),
            );
            c.run = Run::Exited {
                term: Terminated {
                    code: 128,
                    reason: "StartError".into(),
                    message: Some(e.message),
                    started: SimTime(0),
                    finished: now,
                    instance,
                },
                decide_at: now.plus(PLEG_RELIST),
                killed: None,
            };
            s.log
                .actions
                .push(format!("could not start container {name}"));
        }
    }
}

fn pull_error(image: &str, failure: &Lookup) -> String {
    let full = node_status::normalized_image_name(image);
    match failure {
        Lookup::NoSuchTag { .. } => format!(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
        ),
        _ => format!(
            "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration(SimDuration::from_millis(806)), "806ms");
        assert_eq!(go_duration(SimDuration::from_millis(2700)), "2.7s");
        assert_eq!(go_duration(SimDuration::from_millis(2000)), "2s");
        assert_eq!(go_duration(SimDuration::from_millis(65_250)), "1m5.25s");
        assert_eq!(go_duration(SimDuration::from_secs(300)), "5m0s");
        assert_eq!(go_duration(SimDuration::from_secs(80)), "1m20s");
    }

    #[test]
    fn backoff_doubles_caps_and_expires() {
        let mut e = None;
        let t = |s: u64| SimTime(s * 1000);
        backoff_next(&mut e, t(0), t(1));
        assert_eq!(e.unwrap().backoff, SimDuration::from_secs(10));
        for want in [20, 40, 80, 160, 300, 300] {
            backoff_next(&mut e, t(2), t(3));
            assert_eq!(e.unwrap().backoff, SimDuration::from_secs(want));
        }
        // Ten minutes after the last restart, a failure starts over at 10 s.
        backoff_next(&mut e, t(3 + 601), t(3 + 602));
        assert_eq!(e.unwrap().backoff, SimDuration::from_secs(10));
    }
}
