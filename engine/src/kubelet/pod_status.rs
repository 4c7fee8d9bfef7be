//! The pod status the kubelet writes: container statuses
//! (kubelet_pods.go convertToAPIContainerStatuses), the phase (getPhase)
//! and the conditions (pkg/kubelet/status/generate.go).

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, HostIP, Pod, PodIP, PodStatus,
};

use super::{ContainerRun, Kubelet, PodWorker, Run, Terminated};
use crate::apiserver::set_pod_condition;
use crate::time::SimTime;

/// 64 hex digits derived from a text (splitmix64 over its FNV hash).
fn hex64(text: &str) -> String {
    let mut x = u64::from(crate::rand::fnv32a(text.as_bytes())) ^ 0x9e37_79b9_7f4a_7c15;
    (0..4)
        .map(|_| {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            format!("{:016x}", z ^ (z >> 31))
        })
        .collect()
}

/// A stable, made-up containerd id for one container instance.
fn container_id(pod_uid: &str, name: &str, instance: u32) -> String {
    format!(
        "containerd://{}",
        hex64(&format!("{pod_uid}/{name}/{instance}"))
    )
}

/// The image id a pulled image reports: its name with a made-up digest.
fn image_id(image: &str) -> String {
    let name = super::node_status::normalized_image_name(image);
    let repo = name.rsplit_once(':').map_or(name.as_str(), |(r, _)| r);
    format!("{repo}@sha256:{}", hex64(&name))
}

fn terminated_state(t: &Terminated, pod_uid: &str, name: &str) -> ContainerStateTerminated {
    ContainerStateTerminated {
        exit_code: t.code,
        reason: Some(t.reason.clone()),
        message: t.message.clone(),
        // A container that never started reports the zero time (1970-01-01T00:00:00Z).
        started_at: Some(if t.reason == "StartError" {
            k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
            )
        } else {
            t.started.to_k8s()
        }),
        finished_at: Some(t.finished.to_k8s()),
        container_id: Some(container_id(pod_uid, name, t.instance)),
        ..ContainerStateTerminated::default()
    }
}

fn container_status(c: &ContainerRun, has_init: bool, pod_uid: &str) -> ContainerStatus {
    let waiting = |reason: &str, message: Option<String>| ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.to_string()),
            message,
        }),
        ..ContainerState::default()
    };
    let default_reason = if has_init {
        "PodInitializing"
    } else {
        "ContainerCreating"
    };
    let (state, id) = match &c.run {
        Run::Waiting | Run::Pulling { .. } | Run::Created { .. } => (
            match &c.waiting {
                Some((reason, message)) => waiting(reason, Some(message.clone())),
                None => waiting(default_reason, None),
            },
            // A container waiting to be restarted keeps the id of its last instance.
            c.last_terminated
                .as_ref()
                .map(|t| container_id(pod_uid, &c.name, t.instance)),
        ),
        Run::Running {
            started, instance, ..
        } => (
            ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: Some(started.to_k8s()),
                }),
                ..ContainerState::default()
            },
            Some(container_id(pod_uid, &c.name, *instance)),
        ),
        Run::Exited { term, .. } | Run::Done(term) => (
            ContainerState {
                terminated: Some(terminated_state(term, pod_uid, &c.name)),
                ..ContainerState::default()
            },
            Some(container_id(pod_uid, &c.name, term.instance)),
        ),
    };
    ContainerStatus {
        name: c.name.clone(),
        image: c.image.clone(),
        image_id: if c.instances > 0 {
            image_id(&c.image)
        } else {
            String::new()
        },
        container_id: id,
        ready: c.ready,
        started: Some(c.started),
        restart_count: c.restart_count,
        state: Some(state),
        last_state: Some(match &c.last_terminated {
            Some(t) => ContainerState {
                terminated: Some(terminated_state(t, pod_uid, &c.name)),
                ..ContainerState::default()
            },
            None => ContainerState::default(),
        }),
        ..ContainerStatus::default()
    }
}

/// What getPhase sees of a container.
enum Seen<'a> {
    Running,
    Terminated(i32),
    Waiting(Option<&'a Terminated>),
}

fn seen(c: &ContainerRun) -> Seen<'_> {
    match &c.run {
        Run::Running { .. } => Seen::Running,
        Run::Exited { term, .. } | Run::Done(term) => Seen::Terminated(term.code),
        _ => Seen::Waiting(c.last_terminated.as_ref()),
    }
}

/// getPhase (pkg/kubelet/kubelet_pods.go), for a pod that is not yet terminal.
pub(super) fn phase(w: &PodWorker, restart_policy: &str) -> &'static str {
    if w.terminal {
        return terminal_phase(w);
    }
    let mut pending_initialization = 0;
    let mut failed_initialization = 0;
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in &w.init {
        if c.sidecar {
            // Restartable init containers count as running containers.
            match seen(c) {
                Seen::Running => {
                    if !c.started {
                        pending_initialization += 1;
                    }
                    running += 1;
                }
                Seen::Terminated(_) | Seen::Waiting(Some(_)) => {}
                Seen::Waiting(None) => {
                    pending_initialization += 1;
                    waiting += 1;
                }
            }
            continue;
        }
        match seen(c) {
            Seen::Running => pending_initialization += 1,
            Seen::Terminated(code) => {
                if code != 0 {
                    failed_initialization += 1;
                }
            }
            Seen::Waiting(Some(last)) => {
                if last.code != 0 {
                    failed_initialization += 1;
                }
            }
            Seen::Waiting(None) => pending_initialization += 1,
        }
    }
    for c in &w.containers {
        match seen(c) {
            Seen::Running => running += 1,
            Seen::Terminated(code) => {
                stopped += 1;
                if code == 0 {
                    succeeded += 1;
                }
            }
            Seen::Waiting(Some(_)) => stopped += 1,
            Seen::Waiting(None) => waiting += 1,
        }
    }
    if failed_initialization > 0 && restart_policy == "Never" {
        return "Failed";
    }
    let any_regular_started = w.containers.iter().any(|c| c.instances > 0);
    if (pending_initialization > 0 && !any_regular_started) || waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped > 0 {
        if restart_policy == "Always" {
            return "Running";
        }
        if stopped == succeeded {
            return "Succeeded";
        }
        if restart_policy == "Never" {
            return "Failed";
        }
        return "Running";
    }
    "Pending"
}

fn terminal_phase(w: &PodWorker) -> &'static str {
    let failed = w
        .init
        .iter()
        .filter(|c| !c.sidecar)
        .chain(w.containers.iter())
        .any(|c| matches!(&c.run, Run::Done(t) | Run::Exited { term: t, .. } if t.code != 0));
    if failed {
        "Failed"
    } else {
        "Succeeded"
    }
}

/// Go's fmt of a []string: `[a b]`.
fn go_list(names: &[String]) -> String {
    format!("[{}]", names.join(" "))
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
        crate::sorting::sort_by_key(conditions, |c| {
            ORDER
                .iter()
                .position(|o| *o == c.type_)
                .unwrap_or(ORDER.len())
        });
    }
}

pub(super) fn qos_class(pod: &Pod) -> &'static str {
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

/// generateAPIPodStatus for the pod as the worker knows it.
pub(super) fn generate(kubelet: &Kubelet, w: &PodWorker, pod: &Pod, now: SimTime) -> PodStatus {
    let mut status = pod.status.clone().unwrap_or_default();
    let restart_policy = pod
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or("Always");
    status.host_ip = Some(kubelet.internal_ip());
    status.host_ips = Some(vec![HostIP {
        ip: kubelet.internal_ip(),
    }]);
    status
        .start_time
        .get_or_insert_with(|| w.started_at.to_k8s());
    status
        .qos_class
        .get_or_insert_with(|| qos_class(pod).to_string());
    if let Some(ip) = &w.pod_ip {
        status.pod_ip = Some(ip.clone());
        status.pod_ips = Some(vec![PodIP { ip: ip.clone() }]);
    }
    let has_init = !w.init.is_empty();
    if has_init {
        status.init_container_statuses = Some(
            w.init
                .iter()
                .map(|c| container_status(c, true, &w.uid))
                .collect(),
        );
    }
    let mut statuses: Vec<ContainerStatus> = w
        .containers
        .iter()
        .map(|c| container_status(c, has_init, &w.uid))
        .collect();
    // kubetypes.SortedContainerStatuses: by name.
    crate::sorting::sort_by(&mut statuses, |a, b| a.name.cmp(&b.name));
    status.container_statuses = Some(statuses);

    // Pods are not allowed to transition out of terminal phases.
    let phase = match status.phase.as_deref() {
        Some(p @ ("Succeeded" | "Failed")) => {
            if p == "Succeeded" {
                "Succeeded"
            } else {
                "Failed"
            }
        }
        _ => phase(w, restart_policy),
    };
    status.phase = Some(phase.to_string());
    let terminal = phase == "Succeeded" || phase == "Failed";

    set_pod_condition(
        &mut status,
        "PodReadyToStartContainers",
        if w.sandbox_ready && !terminal {
            "True"
        } else {
            "False"
        },
        None,
        None,
        now,
    );

    // GeneratePodInitializedCondition.
    // isInitContainerInitialized: a sidecar once started, others once done.
    let incomplete: Vec<String> = w
        .init
        .iter()
        .filter(|c| if c.sidecar { !c.started } else { !c.ready })
        .map(|c| c.name.clone())
        .collect();
    let any_regular_started = w.containers.iter().any(|c| c.instances > 0);
    if phase == "Succeeded" {
        set_pod_condition(
            &mut status,
            "Initialized",
            "True",
            Some("PodCompleted"),
            None,
            now,
        );
    } else if any_regular_started || incomplete.is_empty() {
        set_pod_condition(&mut status, "Initialized", "True", None, None, now);
    } else {
        let message = format!(
            "containers with incomplete status: {}",
            go_list(&incomplete)
        );
        set_pod_condition(
            &mut status,
            "Initialized",
            "False",
            Some("ContainersNotInitialized"),
            Some(&message),
            now,
        );
    }

    // GenerateContainersReadyCondition and GeneratePodReadyCondition.
    let (ready, reason, message): (&str, Option<&str>, Option<String>) = if terminal {
        (
            "False",
            Some(if phase == "Succeeded" {
                "PodCompleted"
            } else {
                "PodFailed"
            }),
            None,
        )
    } else {
        // Sidecars, then the app containers, in spec order.
        let unready: Vec<String> = w
            .init
            .iter()
            .filter(|c| c.sidecar)
            .chain(w.containers.iter())
            .filter(|c| !c.ready)
            .map(|c| c.name.clone())
            .collect();
        if unready.is_empty() {
            ("True", None, None)
        } else {
            (
                "False",
                Some("ContainersNotReady"),
                Some(format!(
                    "containers with unready status: {}",
                    go_list(&unready)
                )),
            )
        }
    };
    set_pod_condition(
        &mut status,
        "ContainersReady",
        ready,
        reason,
        message.as_deref(),
        now,
    );
    // Readiness gates: conditions no one here sets keep the pod from Ready.
    let gates: Vec<String> = pod
        .spec
        .iter()
        .flat_map(|s| s.readiness_gates.iter().flatten())
        .filter_map(|g| {
            let current = status
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == g.condition_type);
            match current {
                None => Some(format!(
                    "corresponding condition of pod readiness gate \"{}\" does not exist.",
                    g.condition_type
                )),
                Some(c) if c.status != "True" => Some(format!(
                    "the status of pod readiness gate \"{}\" is not \"True\", but {}",
                    g.condition_type, c.status
                )),
                _ => None,
            }
        })
        .collect();
    if ready == "True" && !gates.is_empty() {
        let message = gates.join(", ");
        set_pod_condition(
            &mut status,
            "Ready",
            "False",
            Some("ReadinessGatesNotReady"),
            Some(&message),
            now,
        );
    } else {
        set_pod_condition(&mut status, "Ready", ready, reason, message.as_deref(), now);
    }
    order_conditions(&mut status);
    status
}
