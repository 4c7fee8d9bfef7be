//! NodeResourcesBalancedAllocation: prefers nodes where, with the pod placed,
//! CPU and memory are used in similar proportions.

use crate::scheduler::framework::{
    CycleState, NodeInfo, PodInfo, ScorePlugin, Snapshot, Status, MAX_NODE_SCORE,
};

pub const NAME: &str = "NodeResourcesBalancedAllocation";

pub struct NodeResourcesBalancedAllocation;

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        1
    }

    /// Pods that request nothing (BestEffort) are not scored, so that many
    /// of them do not pile onto one node (BalancedAllocation.PreScore).
    fn pre_score(
        &self,
        _state: &mut CycleState,
        pod: &PodInfo,
        _feasible: &[&NodeInfo],
        _nodes: &Snapshot,
    ) -> Status {
        if pod.requests.milli_cpu == 0 && pod.requests.memory == 0 {
            Status::skip(NAME)
        } else {
            Status::success(NAME)
        }
    }

    /// balancedResourceScorer: (1 - standard deviation of the used fractions) × 100.
    #[inline]
    fn score(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let fraction = |requested: i64, allocatable: i64| {
            if allocatable == 0 {
                return 0.0;
            }
            (requested as f64 / allocatable as f64).min(1.0)
        };
        let cpu = fraction(
            node.requested
                .milli_cpu
                .saturating_add(pod.requests.milli_cpu),
            node.allocatable.milli_cpu,
        );
        let memory = fraction(
            node.requested.memory.saturating_add(pod.requests.memory),
            node.allocatable.memory,
        );
        // With two resources the standard deviation is half their difference.
        let std = (cpu - memory).abs() / 2.0;
        ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::testing::{info, node, pod, snapshot_of};

    #[test]
    fn balanced_beats_lopsided() {
        let p = pod(Some("1"), Some("1Gi"));
        let pi = PodInfo::new(&p);
        let state = CycleState::default();
        let cases = [
            // 1 of 4 cpu (0.25) and 1Gi of 4Gi (0.25): perfectly balanced.
            ("even", node("even", "4", "4Gi"), 100),
            // 0.25 cpu vs 0.0625 memory: std 0.09375 → 90.
            ("odd", node("odd", "4", "16Gi"), 90),
        ];
        for (name, n, want) in cases {
            assert_eq!(
                NodeResourcesBalancedAllocation.score(&state, &pi, &info(n)),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn best_effort_pods_are_not_scored() {
        let cluster = snapshot_of(vec![info(node("n", "4", "4Gi"))]);
        let best_effort = pod(None, None);
        let status = NodeResourcesBalancedAllocation.pre_score(
            &mut CycleState::default(),
            &PodInfo::new(&best_effort),
            &[],
            &cluster.get(),
        );
        assert_eq!(status.code, Code::Skip);
    }
}
