//! Small facts about pods that several components need (after
//! k8s.io/kubernetes/pkg/api/v1/pod and pkg/controller's helpers).

use k8s_openapi::api::core::v1::Pod;

use crate::objects::MetaExt;
use crate::time::{SimDuration, SimTime};

pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

pub fn node_name(pod: &Pod) -> Option<&str> {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .filter(|n| !n.is_empty())
}

pub fn is_terminal(pod: &Pod) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
}

/// controller.IsPodActive: not finished and not being deleted.
pub fn is_active(pod: &Pod) -> bool {
    !is_terminal(pod) && !pod.metadata.is_deleting()
}

fn ready_condition(pod: &Pod) -> Option<&k8s_openapi::api::core::v1::PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
}

pub fn is_ready(pod: &Pod) -> bool {
    ready_condition(pod).is_some_and(|c| c.status == "True")
}

/// When the pod last became Ready.
pub fn ready_since(pod: &Pod) -> Option<SimTime> {
    let c = ready_condition(pod).filter(|c| c.status == "True")?;
    c.last_transition_time.as_ref().map(SimTime::from_k8s)
}

/// podutil.IsPodAvailable: Ready for at least minReadySeconds.
pub fn is_available(pod: &Pod, min_ready_seconds: i32, now: SimTime) -> bool {
    match ready_since(pod) {
        Some(since) => {
            min_ready_seconds <= 0
                || since.plus(SimDuration::from_secs(min_ready_seconds as u64)) <= now
        }
        None => false,
    }
}

pub fn restart_count(pod: &Pod) -> i32 {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().map(|c| c.restart_count).sum())
        .unwrap_or(0)
}

/// v1qos.GetPodQOS: Guaranteed when every container has equal cpu and memory
/// requests and limits, BestEffort when none sets any, else Burstable.
pub fn qos_class(pod: &Pod) -> &'static str {
    let containers = pod.spec.iter().flat_map(|s| {
        s.containers
            .iter()
            .chain(s.init_containers.iter().flatten())
    });
    let mut any = false;
    let mut guaranteed = true;
    for c in containers {
        let requests = c
            .resources
            .as_ref()
            .and_then(|r| r.requests.clone())
            .unwrap_or_default();
        let limits = c
            .resources
            .as_ref()
            .and_then(|r| r.limits.clone())
            .unwrap_or_default();
        if !requests.is_empty() || !limits.is_empty() {
            any = true;
        }
        for resource in ["cpu", "memory"] {
            match limits.get(resource) {
                Some(limit) => {
                    if requests.get(resource).is_some_and(|r| r != limit) {
                        guaranteed = false;
                    }
                }
                None => guaranteed = false,
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}
