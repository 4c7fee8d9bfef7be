//! The kubelet of one node: registers its Node, notices pods bound to it,
//! and takes each through sandbox creation, image pulls, container creation
//! and start, restarts with CrashLoopBackOff, and graceful termination,
//! reporting every change as pod status through the API server. Node
//! registration and node status live in `node_status.rs`.

mod node_status;

pub use node_status::{
    default_node_specs, node_ref, register, NodeSpecification, CONTAINER_RUNTIME, KUBELET_VERSION,
};

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, Pod, PodIP, PodStatus,
};

use crate::apiserver::set_pod_condition;
use crate::controllers::{Context, Reconciled};
use crate::events::{EventType, Source};
use crate::objects::{MetaExt, Object, ObjectRef};
use crate::registry::{self, Lookup};
use crate::runtime::{self, Behaviour};
use crate::store::{WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};

/// Sandbox creation: the pause container and the pod's network.
const SANDBOX_DELAY: SimDuration = SimDuration::from_millis(800);
/// From Pulled to Created to Started.
const CREATE_DELAY: SimDuration = SimDuration::from_millis(300);
/// Simulated download speed and per-pull latency.
const PULL_BYTES_PER_SECOND: u64 = 25_000_000;
const PULL_LATENCY: SimDuration = SimDuration::from_millis(400);
/// A container that gets SIGTERM and exits promptly.
const STOP_DELAY: SimDuration = SimDuration::from_millis(500);
/// kubelet's container restart back-off: 10 s, doubling, at most 5 min.
const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);

#[derive(Clone, Debug, PartialEq)]
enum Run {
    /// Waiting to be created (reason ContainerCreating, or PodInitializing).
    Creating,
    Pulling {
        until: SimTime,
    },
    /// Image pulled; creating and starting the container is due.
    Pulled {
        at: SimTime,
    },
    PullFailed {
        retry_at: SimTime,
        reason: &'static str,
        message: String,
    },
    Running {
        started: SimTime,
        exits_at: Option<(SimTime, i32)>,
    },
    Terminated {
        code: i32,
        started: SimTime,
        finished: SimTime,
    },
    BackOff {
        until: SimTime,
    },
}

#[derive(Clone, Debug)]
struct ContainerRun {
    name: String,
    image: String,
    run: Run,
    restart_count: i32,
    last_terminated: Option<(i32, SimTime, SimTime)>,
    backoff: SimDuration,
    pull_backoff: SimDuration,
}

#[derive(Clone, Debug)]
struct PodWorker {
    uid: String,
    pod_ip: Option<String>,
    sandbox_ready: bool,
    started_at: SimTime,
    containers: Vec<ContainerRun>,
    stopping_since: Option<SimTime>,
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

    /// The pods whose state a change concerns: pods bound to this node.
    pub fn keys_for(&self, event: &WatchEvent) -> Vec<ObjectRef> {
        match &event.object {
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

    /// syncPod: moves the pod one stage on and reports its status.
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
        if crate::podutil::is_terminal(&pod) {
            return Reconciled::nothing();
        }
        let now = ctx.now;
        let source = self.source();
        let pod_object = Object::Pod(pod.clone());
        if !self.pods.contains_key(key) {
            let containers = pod
                .spec
                .iter()
                .flat_map(|s| s.containers.iter())
                .map(|c| ContainerRun {
                    name: c.name.clone(),
                    image: c.image.clone().unwrap_or_default(),
                    run: Run::Creating,
                    restart_count: 0,
                    last_terminated: None,
                    backoff: BACKOFF_INITIAL,
                    pull_backoff: BACKOFF_INITIAL,
                })
                .collect();
            self.pods.insert(
                key.clone(),
                PodWorker {
                    uid,
                    pod_ip: None,
                    sandbox_ready: false,
                    started_at: now,
                    containers,
                    stopping_since: None,
                },
            );
            self.write_status(key, &pod, ctx);
            return Reconciled::did(format!(
                "accepted pod {}; creating its sandbox",
                key.display_name()
            ))
            .requeue(SANDBOX_DELAY);
        }
        let worker = self.pods.get_mut(key).expect("worker exists");
        if !worker.sandbox_ready {
            worker.sandbox_ready = true;
            worker.pod_ip = Some(format!("10.244.{}.{}", self.spec.index, self.next_ip));
            self.next_ip = if self.next_ip >= 254 {
                2
            } else {
                self.next_ip + 1
            };
            let ip = worker.pod_ip.clone().unwrap_or_default();
            self.write_status(key, &pod, ctx);
            return Reconciled::did(format!(
                "started sandbox for {} with IP {ip}",
                key.display_name()
            ))
            .requeue(SimDuration::from_millis(100));
        }

        let restart_policy = pod
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.clone())
            .unwrap_or_else(|| "Always".into());
        let specs: Vec<k8s_openapi::api::core::v1::Container> = pod
            .spec
            .as_ref()
            .map(|s| s.containers.clone())
            .unwrap_or_default();
        let mut actions: Vec<String> = Vec::new();
        let mut wake: Option<SimTime> = None;
        let mut note_wake = |t: SimTime| {
            wake = Some(wake.map_or(t, |w: SimTime| w.min(t)));
        };
        // Pulls are serial on a node (serializeImagePulls), so one container
        // at a time moves through pulling; started ones are checked for exits.
        let images = &mut self.images;
        let worker = self.pods.get_mut(key).expect("worker exists");
        let mut pulling_busy = worker
            .containers
            .iter()
            .any(|c| matches!(c.run, Run::Pulling { .. }));
        for (container, spec) in worker.containers.iter_mut().zip(&specs) {
            let image = container.image.clone();
            match container.run.clone() {
                Run::Creating | Run::PullFailed { .. } => {
                    if let Run::PullFailed {
                        retry_at,
                        reason,
                        message,
                    } = container.run.clone()
                    {
                        if retry_at > now {
                            if reason == "ErrImagePull" {
                                // The next sync finds the pull in back-off.
                                ctx.recorder.record(
                                    ctx.api,
                                    now,
                                    &source,
                                    &pod_object,
                                    EventType::Normal,
                                    "BackOff",
                                    &format!("Back-off pulling image \"{image}\""),
                                );
                                ctx.recorder.record(
                                    ctx.api,
                                    now,
                                    &source,
                                    &pod_object,
                                    EventType::Warning,
                                    "Failed",
                                    "Error: ImagePullBackOff",
                                );
                                container.run = Run::PullFailed {
                                    retry_at,
                                    reason: "ImagePullBackOff",
                                    message,
                                };
                                actions.push(format!("backing off pulling image {image}"));
                            }
                            note_wake(retry_at);
                            continue;
                        }
                    }
                    if pulling_busy {
                        continue;
                    }
                    let policy = spec
                        .image_pull_policy
                        .clone()
                        .unwrap_or_else(|| "IfNotPresent".into());
                    let present = images.contains(&image_ref(&image));
                    if policy == "Never" && !present {
                        container.run = Run::PullFailed {
                            retry_at: now.plus(BACKOFF_MAX),
                            reason: "ErrImageNeverPull",
                            message: format!("Container image \"{image}\" is not present with pull policy of Never"),
                        };
                        ctx.recorder.record(ctx.api, now, &source, &pod_object, EventType::Warning, "ErrImageNeverPull", &format!("Container image \"{image}\" is not present with pull policy of Never"));
                        actions.push(format!(
                            "cannot start {}: image not present and pull policy Never",
                            container.name
                        ));
                        continue;
                    }
                    if present && policy != "Always" {
                        ctx.recorder.record(
                            ctx.api,
                            now,
                            &source,
                            &pod_object,
                            EventType::Normal,
                            "Pulled",
                            &format!("Container image \"{image}\" already present on machine"),
                        );
                        container.run = Run::Pulled { at: now };
                        note_wake(now.plus(CREATE_DELAY));
                        actions.push(format!(
                            "image {image} already present for {}",
                            container.name
                        ));
                        continue;
                    }
                    ctx.recorder.record(
                        ctx.api,
                        now,
                        &source,
                        &pod_object,
                        EventType::Normal,
                        "Pulling",
                        &format!("Pulling image \"{image}\""),
                    );
                    let size = match registry::lookup(&image) {
                        Lookup::Known { size_bytes, .. } | Lookup::Assumed { size_bytes } => {
                            size_bytes
                        }
                        _ => 0,
                    };
                    let took = SimDuration(PULL_LATENCY.0 + size * 1000 / PULL_BYTES_PER_SECOND);
                    container.run = Run::Pulling {
                        until: now.plus(took),
                    };
                    pulling_busy = true;
                    note_wake(now.plus(took));
                    actions.push(format!("pulling image {image} for {}", container.name));
                }
                Run::Pulling { until } => {
                    if until > now {
                        note_wake(until);
                        continue;
                    }
                    pulling_busy = false;
                    match registry::lookup(&image) {
                        Lookup::Known { size_bytes, .. } | Lookup::Assumed { size_bytes } => {
                            images.insert(image_ref(&image));
                            let took = go_duration(SimDuration(
                                PULL_LATENCY.0 + size_bytes * 1000 / PULL_BYTES_PER_SECOND,
                            ));
                            ctx.recorder.record(ctx.api, now, &source, &pod_object, EventType::Normal, "Pulled",
                                &format!("Successfully pulled image \"{image}\" in {took} ({took} including waiting). Image size: {size_bytes} bytes."));
                            container.run = Run::Pulled { at: now };
                            container.pull_backoff = BACKOFF_INITIAL;
                            note_wake(now.plus(CREATE_DELAY));
                            actions.push(format!("pulled image {image}"));
                        }
                        failure => {
                            let error = pull_error(&image, &failure);
                            ctx.recorder.record(
                                ctx.api,
                                now,
                                &source,
                                &pod_object,
                                EventType::Warning,
                                "Failed",
                                &format!("Failed to pull image \"{image}\": {error}"),
                            );
                            ctx.recorder.record(
                                ctx.api,
                                now,
                                &source,
                                &pod_object,
                                EventType::Warning,
                                "Failed",
                                "Error: ErrImagePull",
                            );
                            let retry_at = now.plus(container.pull_backoff);
                            container.pull_backoff =
                                SimDuration((container.pull_backoff.0 * 2).min(BACKOFF_MAX.0));
                            container.run = Run::PullFailed {
                                retry_at,
                                reason: "ErrImagePull",
                                message: error,
                            };
                            note_wake(now.plus(SimDuration::from_secs(1)));
                            actions.push(format!("failed to pull image {image}"));
                        }
                    }
                }
                Run::Pulled { at } => {
                    if at.plus(CREATE_DELAY) > now {
                        note_wake(at.plus(CREATE_DELAY));
                        continue;
                    }
                    actions.push(Self::start(
                        container,
                        spec,
                        ctx,
                        &source,
                        &pod_object,
                        &mut note_wake,
                    ));
                }
                Run::Running {
                    started,
                    exits_at: Some((at, code)),
                } => {
                    if at > now {
                        note_wake(at);
                        continue;
                    }
                    container.run = Run::Terminated {
                        code,
                        started,
                        finished: at,
                    };
                    container.last_terminated = Some((code, started, at));
                    let restart =
                        restart_policy == "Always" || (restart_policy == "OnFailure" && code != 0);
                    actions.push(format!(
                        "container {} exited with code {code}",
                        container.name
                    ));
                    if restart {
                        // The first restart is immediate; later ones wait, doubling (doBackOff).
                        if container.restart_count == 0 {
                            container.run = Run::BackOff { until: now };
                            note_wake(now.plus(SimDuration::from_millis(100)));
                        } else {
                            container.run = Run::BackOff {
                                until: now.plus(container.backoff),
                            };
                            let message = format!(
                                "Back-off restarting failed container {} in pod {}_{}({})",
                                container.name,
                                key.name,
                                key.namespace.as_deref().unwrap_or(""),
                                pod.metadata.uid.as_deref().unwrap_or("")
                            );
                            ctx.recorder.record(
                                ctx.api,
                                now,
                                &source,
                                &pod_object,
                                EventType::Warning,
                                "BackOff",
                                &message,
                            );
                            note_wake(now.plus(container.backoff));
                        }
                    }
                }
                Run::BackOff { until } => {
                    if until > now {
                        note_wake(until);
                        continue;
                    }
                    if container.restart_count > 0 {
                        container.backoff =
                            SimDuration((container.backoff.0 * 2).min(BACKOFF_MAX.0));
                    }
                    container.restart_count += 1;
                    actions.push(Self::start(
                        container,
                        spec,
                        ctx,
                        &source,
                        &pod_object,
                        &mut note_wake,
                    ));
                }
                Run::Running { exits_at: None, .. } | Run::Terminated { .. } => {}
            }
        }
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

    fn start(
        container: &mut ContainerRun,
        spec: &k8s_openapi::api::core::v1::Container,
        ctx: &mut Context,
        source: &Source,
        pod_object: &Object,
        note_wake: &mut impl FnMut(SimTime),
    ) -> String {
        let now = ctx.now;
        ctx.recorder.record(
            ctx.api,
            now,
            source,
            pod_object,
            EventType::Normal,
            "Created",
            &format!("Created container: {}", container.name),
        );
        ctx.recorder.record(
            ctx.api,
            now,
            source,
            pod_object,
            EventType::Normal,
            "Started",
            &format!("Started container {}", container.name),
        );
        let exits_at = match runtime::behaviour(spec) {
            Behaviour::RunsForever => None,
            Behaviour::Exits { after, code } => {
                let at = now.plus(after);
                note_wake(at);
                Some((at, code))
            }
        };
        container.run = Run::Running {
            started: now,
            exits_at,
        };
        format!("created and started container {}", container.name)
    }

    /// Graceful termination: stop the containers, then remove the pod from the API.
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
        match worker.stopping_since {
            None => {
                worker.stopping_since = Some(now);
                let pod_object = Object::Pod(pod.clone());
                for container in worker
                    .containers
                    .iter()
                    .filter(|c| matches!(c.run, Run::Running { .. }))
                {
                    ctx.recorder.record(
                        ctx.api,
                        now,
                        &source,
                        &pod_object,
                        EventType::Normal,
                        "Killing",
                        &format!("Stopping container {}", container.name),
                    );
                }
                Reconciled::did(format!("stopping containers of {}", key.display_name()))
                    .requeue(STOP_DELAY)
            }
            Some(since) if since.plus(STOP_DELAY) > now => {
                Reconciled::nothing().requeue(since.plus(STOP_DELAY).since(now))
            }
            Some(_) => {
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
        let now = ctx.now;
        let mut status = pod.status.clone().unwrap_or_default();
        status.host_ip = Some(self.internal_ip());
        status.host_ips = Some(vec![k8s_openapi::api::core::v1::HostIP {
            ip: self.internal_ip(),
        }]);
        status
            .start_time
            .get_or_insert_with(|| worker.started_at.to_k8s());
        status
            .qos_class
            .get_or_insert_with(|| qos_class(pod).to_string());
        if let Some(ip) = &worker.pod_ip {
            status.pod_ip = Some(ip.clone());
            status.pod_ips = Some(vec![PodIP { ip: ip.clone() }]);
        }
        let statuses: Vec<ContainerStatus> = worker
            .containers
            .iter()
            .map(|c| container_status(c, worker.sandbox_ready))
            .collect();
        let all_running = statuses
            .iter()
            .all(|s| s.state.as_ref().is_some_and(|st| st.running.is_some()));
        let not_ready: Vec<String> = statuses
            .iter()
            .filter(|s| !s.ready)
            .map(|s| s.name.clone())
            .collect();
        let restart_policy = pod
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref())
            .unwrap_or("Always");
        let terminated: Vec<i32> = worker
            .containers
            .iter()
            .filter_map(|c| match (&c.run, restart_policy) {
                (Run::Terminated { code, .. }, "Never") => Some(*code),
                (Run::Terminated { code: 0, .. }, "OnFailure") => Some(0),
                _ => None,
            })
            .collect();
        let phase = if terminated.len() == worker.containers.len() && !terminated.is_empty() {
            if terminated.iter().all(|c| *c == 0) {
                "Succeeded"
            } else {
                "Failed"
            }
        } else if worker.containers.iter().any(|c| {
            !matches!(
                c.run,
                Run::Creating | Run::Pulling { .. } | Run::Pulled { .. } | Run::PullFailed { .. }
            )
        }) {
            "Running"
        } else {
            "Pending"
        };
        status.phase = Some(phase.to_string());
        status.container_statuses = Some(statuses);
        set_pod_condition(
            &mut status,
            "PodReadyToStartContainers",
            if worker.sandbox_ready {
                "True"
            } else {
                "False"
            },
            None,
            None,
            now,
        );
        set_pod_condition(&mut status, "Initialized", "True", None, None, now);
        let terminal = phase == "Succeeded" || phase == "Failed";
        if all_running {
            set_pod_condition(&mut status, "ContainersReady", "True", None, None, now);
            set_pod_condition(&mut status, "Ready", "True", None, None, now);
        } else {
            let (reason, message) = if terminal {
                ("PodCompleted", String::new())
            } else {
                (
                    "ContainersNotReady",
                    format!("containers with unready status: [{}]", not_ready.join(" ")),
                )
            };
            let message = (!message.is_empty()).then_some(message);
            set_pod_condition(
                &mut status,
                "ContainersReady",
                "False",
                Some(reason),
                message.as_deref(),
                now,
            );
            set_pod_condition(
                &mut status,
                "Ready",
                "False",
                Some(reason),
                message.as_deref(),
                now,
            );
        }
        order_conditions(&mut status);
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

/// Conditions in the order the kubelet lists them.
fn order_conditions(status: &mut PodStatus) {
    const ORDER: [&str; 5] = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ];
    if let Some(conditions) = status.conditions.as_mut() {
        conditions.sort_by_key(|c| {
            ORDER
                .iter()
                .position(|o| *o == c.type_)
                .unwrap_or(ORDER.len())
        });
    }
}

fn qos_class(pod: &Pod) -> &'static str {
    let containers = pod
        .spec
        .as_ref()
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[]);
    let any_resources = containers.iter().any(|c| {
        c.resources.as_ref().is_some_and(|r| {
            r.requests.as_ref().is_some_and(|m| !m.is_empty())
                || r.limits.as_ref().is_some_and(|m| !m.is_empty())
        })
    });
    if !any_resources {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let Some(r) = &c.resources else { return false };
        let limits = r.limits.clone().unwrap_or_default();
        let requests = r.requests.clone().unwrap_or_default();
        ["cpu", "memory"].iter().all(|k| {
            limits.contains_key(*k) && requests.get(*k).is_none_or(|q| Some(q) == limits.get(*k))
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn pull_error(image: &str, failure: &Lookup) -> String {
    let (repo, tag) = registry::split_reference(image);
    let full = if repo.contains('/') && repo.split('/').next().is_some_and(|h| h.contains('.')) {
        format!("{repo}:{tag}")
    } else if repo.contains('/') {
        format!("docker.io/{repo}:{tag}")
    } else {
        format!("docker.io/library/{repo}:{tag}")
    };
    match failure {
        Lookup::NoSuchTag { .. } => format!(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
        ),
        _ => format!(
            "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
        ),
    }
}

fn container_status(c: &ContainerRun, sandbox_ready: bool) -> ContainerStatus {
    let waiting = |reason: &str, message: Option<String>| ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.to_string()),
            message,
        }),
        ..ContainerState::default()
    };
    let state = match &c.run {
        Run::Creating | Run::Pulling { .. } | Run::Pulled { .. } => {
            waiting("ContainerCreating", None)
        }
        Run::PullFailed {
            reason, message, ..
        } => {
            let message = if *reason == "ImagePullBackOff" {
                format!(
                    "Back-off pulling image \"{}\": ErrImagePull: {message}",
                    c.image
                )
            } else {
                message.clone()
            };
            waiting(reason, Some(message))
        }
        Run::Running { started, .. } => ContainerState {
            running: Some(ContainerStateRunning {
                started_at: Some(started.to_k8s()),
            }),
            ..ContainerState::default()
        },
        Run::Terminated {
            code,
            started,
            finished,
        } => ContainerState {
            terminated: Some(terminated_state(*code, *started, *finished)),
            ..ContainerState::default()
        },
        Run::BackOff { .. } => waiting(
            "CrashLoopBackOff",
            Some(format!(
                "back-off {} restarting failed container={}",
                go_duration(c.backoff),
                c.name
            )),
        ),
    };
    let _ = sandbox_ready;
    let running = matches!(c.run, Run::Running { .. });
    ContainerStatus {
        name: c.name.clone(),
        image: c.image.clone(),
        image_id: if matches!(
            c.run,
            Run::Running { .. } | Run::Terminated { .. } | Run::BackOff { .. }
        ) {
            format!("docker.io/library/{}", image_ref(&c.image))
        } else {
            String::new()
        },
        container_id: running.then(|| {
            format!(
                "containerd://{:064x}",
                crate::rand::fnv32a(c.name.as_bytes()) as u64 * 0x9e37_79b9
                    + c.restart_count as u64
            )
        }),
        ready: running,
        started: Some(running),
        restart_count: c.restart_count,
        state: Some(state),
        last_state: c
            .last_terminated
            .map(|(code, started, finished)| ContainerState {
                terminated: Some(terminated_state(code, started, finished)),
                ..ContainerState::default()
            }),
        ..ContainerStatus::default()
    }
}

fn terminated_state(code: i32, started: SimTime, finished: SimTime) -> ContainerStateTerminated {
    ContainerStateTerminated {
        exit_code: code,
        reason: Some(if code == 0 { "Completed" } else { "Error" }.to_string()),
        started_at: Some(started.to_k8s()),
        finished_at: Some(finished.to_k8s()),
        ..ContainerStateTerminated::default()
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
    }
}
