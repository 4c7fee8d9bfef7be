//! NodeUnschedulable: a cordoned node takes no new pods, unless the pod
//! tolerates the `node.kubernetes.io/unschedulable` taint.

use k8s_openapi::api::core::v1::Taint;

use crate::scheduler::framework::{CycleState, FilterPlugin, NodeInfo, PodInfo, Status};
use crate::scheduler::plugins::taint_toleration::tolerated_by;

pub const NAME: &str = "NodeUnschedulable";
pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";
const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

pub struct NodeUnschedulable;

impl FilterPlugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        NAME
    }

    #[inline]
    fn filter(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        if !node.unschedulable {
            return Status::success(NAME);
        }
        cordoned(pod)
    }
}

/// A cordoned node: only a pod that tolerates the cordon's taint fits.
#[cold]
fn cordoned(pod: &PodInfo) -> Status {
    // The pod may tolerate the taint a cordon stands for (v1helper.TolerationsTolerateTaint).
    let taint = Taint {
        key: UNSCHEDULABLE_TAINT.to_string(),
        effect: "NoSchedule".to_string(),
        value: None,
        time_added: None,
    };
    let tolerations = pod
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.tolerations.as_deref())
        .unwrap_or(&[]);
    if tolerated_by(tolerations, &taint) {
        Status::success(NAME)
    } else {
        Status::unresolvable(NAME, ERR_REASON_UNSCHEDULABLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::testing::{info, node, pod};
    use k8s_openapi::api::core::v1::Toleration;

    #[test]
    fn table() {
        let cordoned = {
            let mut n = node("n", "2", "4Gi");
            n.spec.get_or_insert_with(Default::default).unschedulable = Some(true);
            n
        };
        let mut tolerating = pod(None, None);
        tolerating.spec.as_mut().unwrap().tolerations = Some(vec![Toleration {
            key: Some(UNSCHEDULABLE_TAINT.into()),
            operator: Some("Exists".into()),
            effect: Some("NoSchedule".into()),
            ..Toleration::default()
        }]);
        let cases = [
            (
                "schedulable node",
                node("n", "2", "4Gi"),
                pod(None, None),
                Code::Success,
            ),
            (
                "cordoned node",
                cordoned.clone(),
                pod(None, None),
                Code::UnschedulableAndUnresolvable,
            ),
            (
                "cordoned but tolerated",
                cordoned,
                tolerating,
                Code::Success,
            ),
        ];
        for (name, n, p, want) in cases {
            let status =
                NodeUnschedulable.filter(&CycleState::default(), &PodInfo::new(&p), &info(n));
            assert_eq!(status.code, want, "{name}");
            if want != Code::Success {
                assert_eq!(status.reasons, vec![ERR_REASON_UNSCHEDULABLE.to_string()]);
            }
        }
    }
}
