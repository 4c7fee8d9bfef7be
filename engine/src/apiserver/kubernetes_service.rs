//! The API server's own Service: `kubernetes` in `default`, at the first
//! address of the service range, with an Endpoints object and an
//! EndpointSlice that the API server keeps pointing at itself (pkg/controlplane/controller/kubernetesservice
//! and the endpoint reconciler). No selector: the EndpointSlice controller
//! leaves it alone.

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort as CoreEndpointPort, EndpointSubset, Endpoints, Service,
    ServicePort, ServiceSpec, ServiceStatus,
};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::service_alloc::KUBERNETES_SERVICE_IP;
use crate::labels::SERVICE_NAME;

/// The control-plane node's address and the API server's port (minikube's).
pub const API_SERVER_ADDRESS: &str = "192.168.49.2";
pub const API_SERVER_PORT: i32 = 8443;

pub fn service() -> Service {
    let mut metadata = super::new_meta("default", Some("kubernetes"), None);
    metadata.labels = Some(
        [
            ("component".to_string(), "apiserver".to_string()),
            ("provider".to_string(), "kubernetes".to_string()),
        ]
        .into(),
    );
    Service {
        metadata,
        spec: Some(ServiceSpec {
            cluster_ip: Some(KUBERNETES_SERVICE_IP.into()),
            ports: Some(vec![ServicePort {
                name: Some("https".into()),
                port: 443,
                protocol: Some("TCP".into()),
                target_port: Some(IntOrString::Int(API_SERVER_PORT)),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        status: Some(ServiceStatus::default()),
    }
}

pub fn endpoint_slice() -> EndpointSlice {
    let mut metadata = super::new_meta("default", Some("kubernetes"), None);
    metadata.labels = Some([(SERVICE_NAME.to_string(), "kubernetes".to_string())].into());
    EndpointSlice {
        metadata,
        address_type: "IPv4".into(),
        endpoints: vec![Endpoint {
            addresses: vec![API_SERVER_ADDRESS.into()],
            conditions: Some(EndpointConditions {
                ready: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }],
        ports: Some(vec![EndpointPort {
            name: Some("https".into()),
            port: Some(API_SERVER_PORT),
            protocol: Some("TCP".into()),
            app_protocol: None,
        }]),
    }
}

/// The v1 Endpoints the endpoint reconciler writes; the mirroring
/// controller is told to leave it alone.
pub fn endpoints() -> Endpoints {
    let mut metadata = super::new_meta("default", Some("kubernetes"), None);
    metadata.labels = Some(
        [(
            "endpointslice.kubernetes.io/skip-mirror".to_string(),
            "true".to_string(),
        )]
        .into(),
    );
    Endpoints {
        metadata,
        subsets: Some(vec![EndpointSubset {
            addresses: Some(vec![EndpointAddress {
                ip: API_SERVER_ADDRESS.into(),
                ..Default::default()
            }]),
            not_ready_addresses: None,
            ports: Some(vec![CoreEndpointPort {
                name: Some("https".into()),
                port: API_SERVER_PORT,
                protocol: Some("TCP".into()),
                app_protocol: None,
            }]),
        }]),
    }
}
