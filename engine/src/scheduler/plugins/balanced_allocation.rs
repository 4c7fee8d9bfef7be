//! NodeResourcesBalancedAllocation: prefers nodes where, with the pod placed,
//! CPU and memory are used in similar proportions.

use crate::scheduler::framework::{NodeInfo, PodInfo, ScorePlugin, MAX_NODE_SCORE};

pub const NAME: &str = "NodeResourcesBalancedAllocation";

pub struct NodeResourcesBalancedAllocation;

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        1
    }

    /// balancedResourceScorer: (1 - standard deviation of the used fractions) × 100.
    /// Pods that request nothing (BestEffort) are skipped, as PreScore does upstream.
    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        if pod.requests.milli_cpu == 0 && pod.requests.memory == 0 {
            return 0;
        }
        let fraction = |requested: i64, allocatable: i64| {
            if allocatable == 0 {
                return 0.0;
            }
            (requested as f64 / allocatable as f64).min(1.0)
        };
        let cpu = fraction(
            node.requested.milli_cpu + pod.requests.milli_cpu,
            node.allocatable.milli_cpu,
        );
        let memory = fraction(
            node.requested.memory + pod.requests.memory,
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
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn balanced_beats_lopsided() {
        let p = pod(Some("1"), Some("1Gi"));
        let pi = PodInfo::new(&p);
        // 1 of 4 cpu (0.25) and 1Gi of 4Gi (0.25): perfectly balanced.
        assert_eq!(
            NodeResourcesBalancedAllocation.score(&pi, &info(node("even", "4", "4Gi"))),
            100
        );
        // 0.25 cpu vs 0.0625 memory: std 0.09375 → 90.
        assert_eq!(
            NodeResourcesBalancedAllocation.score(&pi, &info(node("odd", "4", "16Gi"))),
            90
        );
        let best_effort = pod(None, None);
        assert_eq!(
            NodeResourcesBalancedAllocation
                .score(&PodInfo::new(&best_effort), &info(node("even", "4", "4Gi"))),
            0
        );
    }
}
