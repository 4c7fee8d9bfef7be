//! NodePorts: a pod asking for a hostPort fits only where that port is free.

use crate::scheduler::framework::{CycleState, FilterPlugin, NodeInfo, PodInfo, Snapshot, Status};

pub const NAME: &str = "NodePorts";
pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

pub struct NodePorts;

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        NAME
    }

    /// A pod without host ports has nothing to check (nodeports.PreFilter's Skip).
    fn pre_filter(&self, _state: &mut CycleState, pod: &PodInfo, _nodes: &Snapshot) -> Status {
        if pod.host_ports.is_empty() {
            Status::skip(NAME)
        } else {
            Status::success(NAME)
        }
    }

    fn filter(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        if pod.host_ports.iter().any(|p| node.used_ports.contains(p)) {
            Status::unschedulable(NAME, vec![ERR_REASON.to_string()])
        } else {
            Status::success(NAME)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::testing::{info, info_with_pods, node, pod, snapshot_of};
    use k8s_openapi::api::core::v1::ContainerPort;

    #[test]
    fn table() {
        let mut with_port = pod(None, None);
        with_port.spec.as_mut().unwrap().containers[0].ports = Some(vec![ContainerPort {
            container_port: 80,
            host_port: Some(8080),
            protocol: Some("TCP".into()),
            ..ContainerPort::default()
        }]);
        let busy = info_with_pods(node("busy", "2", "2Gi"), &[with_port.clone()]);
        let cases = [
            (
                "no host port",
                pod(None, None),
                info(node("n", "2", "2Gi")),
                Code::Success,
            ),
            (
                "free port",
                with_port.clone(),
                info(node("n", "2", "2Gi")),
                Code::Success,
            ),
            ("port taken", with_port, busy, Code::Unschedulable),
        ];
        for (name, p, n, want) in cases {
            let status = NodePorts.filter(&CycleState::default(), &PodInfo::new(&p), &n);
            assert_eq!(status.code, want, "{name}");
        }
    }

    #[test]
    fn pods_without_host_ports_skip() {
        let p = pod(None, None);
        let nodes = snapshot_of(vec![info(node("n", "1", "1Gi"))]);
        let status =
            NodePorts.pre_filter(&mut CycleState::default(), &PodInfo::new(&p), &nodes.get());
        assert_eq!(status.code, Code::Skip);
    }
}
