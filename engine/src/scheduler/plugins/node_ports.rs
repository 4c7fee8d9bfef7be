//! NodePorts: a pod asking for a hostPort fits only where that port is free.

use crate::scheduler::framework::{FilterPlugin, NodeInfo, PodInfo, Status};

pub const NAME: &str = "NodePorts";
pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

pub struct NodePorts;

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        NAME
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
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
    use crate::scheduler::plugins::testing::{info, node, pod};
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
        let mut busy = info(node("busy", "2", "2Gi"));
        busy.used_ports.insert(("TCP".into(), 8080));
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
            assert_eq!(NodePorts.filter(&PodInfo::new(&p), &n).code, want, "{name}");
        }
    }
}
