//! NodeResourcesFit: a pod fits where allocatable minus what is already
//! requested covers its requests; scoring is LeastAllocated (emptier nodes
//! score higher), on the non-zero requests so that pods without requests
//! still spread.

use crate::scheduler::framework::{
    Code, CycleState, FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status, MAX_NODE_SCORE,
};

pub const NAME: &str = "NodeResourcesFit";
pub const INSUFFICIENT_CPU: &str = "Insufficient cpu";
pub const INSUFFICIENT_MEMORY: &str = "Insufficient memory";
pub const TOO_MANY_PODS: &str = "Too many pods";

pub struct NodeResourcesFit;

impl FilterPlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        NAME
    }

    /// fitsRequest: every shortage is a reason, so a learner sees them all.
    /// A request larger than the node's whole allocatable can never fit there,
    /// whatever is evicted, so the node is UnschedulableAndUnresolvable and
    /// preemption leaves it alone (fit.go, kubernetes#131345).
    #[inline]
    fn filter(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        let want = pod.requests;
        let too_many_pods = node.requested.pods.saturating_add(1) > node.allocatable.pods;
        let short_cpu = want.milli_cpu > 0
            && want.milli_cpu
                > node
                    .allocatable
                    .milli_cpu
                    .saturating_sub(node.requested.milli_cpu);
        let short_memory = want.memory > 0
            && want.memory
                > node
                    .allocatable
                    .memory
                    .saturating_sub(node.requested.memory);
        if !(too_many_pods || short_cpu || short_memory) {
            return Status::success(NAME);
        }
        insufficient(pod, node, too_many_pods, short_cpu, short_memory)
    }
}

/// The status for a node that lacks something, with every shortage as a reason.
#[cold]
fn insufficient(
    pod: &PodInfo,
    node: &NodeInfo,
    too_many_pods: bool,
    short_cpu: bool,
    short_memory: bool,
) -> Status {
    let mut reasons = Vec::new();
    if too_many_pods {
        reasons.push(TOO_MANY_PODS.to_string());
    }
    if short_cpu {
        reasons.push(INSUFFICIENT_CPU.to_string());
    }
    if short_memory {
        reasons.push(INSUFFICIENT_MEMORY.to_string());
    }
    let unresolvable = (short_cpu && pod.requests.milli_cpu > node.allocatable.milli_cpu)
        || (short_memory && pod.requests.memory > node.allocatable.memory);
    let mut status = Status::unschedulable(NAME, reasons);
    if unresolvable {
        status.code = Code::UnschedulableAndUnresolvable;
    }
    status
}

/// leastRequestedScore: the share of the resource left free, 0..=100.
fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    match (capacity - requested).checked_mul(MAX_NODE_SCORE) {
        Some(free) => free / capacity,
        // A node may claim an absurd capacity.
        None => {
            ((i128::from(capacity) - i128::from(requested)) * i128::from(MAX_NODE_SCORE)
                / i128::from(capacity)) as i64
        }
    }
}

impl ScorePlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        1
    }

    /// LeastAllocated over cpu and memory, each with weight 1.
    #[inline]
    fn score(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let cpu = least_requested(
            node.non_zero_requested
                .milli_cpu
                .saturating_add(pod.non_zero_requests.milli_cpu),
            node.allocatable.milli_cpu,
        );
        let memory = least_requested(
            node.non_zero_requested
                .memory
                .saturating_add(pod.non_zero_requests.memory),
            node.allocatable.memory,
        );
        (cpu + memory) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{info, info_with_pods, node, pod};

    #[test]
    fn filter_table() {
        let busy = info_with_pods(node("busy", "2", "4Gi"), &[pod(Some("1500m"), Some("3Gi"))]);
        let cases: [(&str, _, _, Code, &[&str]); 7] = [
            (
                "fits",
                pod(Some("1"), Some("1Gi")),
                info(node("n", "2", "4Gi")),
                Code::Success,
                &[],
            ),
            (
                "no requests fit anywhere",
                pod(None, None),
                info(node("n", "2", "4Gi")),
                Code::Success,
                &[],
            ),
            (
                "more cpu than the node has at all",
                pod(Some("3"), None),
                info(node("n", "2", "4Gi")),
                Code::UnschedulableAndUnresolvable,
                &[INSUFFICIENT_CPU],
            ),
            (
                "more cpu than is free",
                pod(Some("1"), None),
                busy.clone(),
                Code::Unschedulable,
                &[INSUFFICIENT_CPU],
            ),
            (
                "both short",
                pod(Some("1"), Some("2Gi")),
                busy.clone(),
                Code::Unschedulable,
                &[INSUFFICIENT_CPU, INSUFFICIENT_MEMORY],
            ),
            (
                "one short, the other too big for the node",
                pod(Some("1"), Some("5Gi")),
                busy,
                Code::UnschedulableAndUnresolvable,
                &[INSUFFICIENT_CPU, INSUFFICIENT_MEMORY],
            ),
            (
                "exactly full fits",
                pod(Some("2"), Some("4Gi")),
                info(node("n", "2", "4Gi")),
                Code::Success,
                &[],
            ),
        ];
        for (name, p, n, want, reasons) in cases {
            let status = NodeResourcesFit.filter(&CycleState::default(), &PodInfo::new(&p), &n);
            assert_eq!(status.code, want, "{name}");
            assert_eq!(
                status.reasons,
                reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                "{name}"
            );
        }
    }

    #[test]
    fn least_allocated_prefers_emptier_nodes() {
        let p = pod(Some("1"), Some("1Gi"));
        let pi = PodInfo::new(&p);
        let empty = info(node("empty", "4", "8Gi"));
        let half = info_with_pods(node("half", "4", "8Gi"), &[pod(Some("2"), Some("4Gi"))]);
        let state = CycleState::default();
        // empty: cpu (4-1)/4=75, memory (8-1)/8=87 → 81; half: cpu 25, memory 37 → 31
        assert_eq!(NodeResourcesFit.score(&state, &pi, &empty), 81);
        assert_eq!(NodeResourcesFit.score(&state, &pi, &half), 31);
    }
}
