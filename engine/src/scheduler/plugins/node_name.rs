//! NodeName: a pod that names its node (spec.nodeName) fits only there.
//! (A pod created with nodeName is already bound and never reaches the
//! scheduler; the filter matters for `sim explain` and preemption.)

use crate::scheduler::framework::{CycleState, FilterPlugin, NodeInfo, PodInfo, Status};

pub const NAME: &str = "NodeName";
pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

pub struct NodeName;

impl FilterPlugin for NodeName {
    fn name(&self) -> &'static str {
        NAME
    }

    fn filter(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        match pod.pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            Some(wanted) if !wanted.is_empty() && wanted != node.name => {
                Status::unresolvable(NAME, ERR_REASON)
            }
            _ => Status::success(NAME),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn table() {
        let named = |n: &str| {
            let mut p = pod(None, None);
            p.spec.as_mut().unwrap().node_name = Some(n.into());
            p
        };
        let cases = [
            ("no node name", pod(None, None), Code::Success),
            ("same node", named("a"), Code::Success),
            ("other node", named("b"), Code::UnschedulableAndUnresolvable),
        ];
        for (name, p, want) in cases {
            assert_eq!(
                NodeName
                    .filter(
                        &CycleState::default(),
                        &PodInfo::new(&p),
                        &info(node("a", "1", "1Gi"))
                    )
                    .code,
                want,
                "{name}"
            );
        }
    }
}
