//! What the Service REST storage does before a Service is stored
//! (pkg/registry/core/service/storage/alloc.go): its IP family fields, a
//! cluster IP from the service CIDR, and node ports.
//!
//! Dynamic allocations come from the upper part of each range and leave the
//! lower band to addresses asked for by name (KEP-3070, KEP-3668); they use
//! a generator of their own, so adding a Service leaves every generated
//! name and uid of other objects as it was.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::Service;

use super::errors::FieldError;
use crate::rand::SimRng;

/// kube-apiserver's --service-cluster-ip-range (kubeadm's and minikube's default).
pub const SERVICE_CIDR: &str = "10.96.0.0/12";
const CIDR_BASE: u32 = 0x0a60_0000;
const CIDR_SIZE: u32 = 1 << 20;
/// The `kubernetes` Service's address: the first of the range.
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";
/// kube-dns's address, which kubelets write into every pod's resolv.conf.
pub const CLUSTER_DNS_IP: &str = "10.96.0.10";
/// --service-node-port-range.
const NODE_PORTS: std::ops::RangeInclusive<i32> = 30000..=32767;

/// IPFamilyPolicy, ipFamilies, clusterIP(s) and node ports of a new Service.
pub fn allocate(
    svc: &mut Service,
    taken_ips: &BTreeSet<String>,
    taken_ports: &BTreeSet<i32>,
    rng: &mut SimRng,
) -> Result<(), FieldError> {
    let selectorless = svc
        .spec
        .as_ref()
        .is_none_or(|s| s.selector.as_ref().is_none_or(|m| m.is_empty()));
    let Some(spec) = svc.spec.as_mut() else {
        return Ok(());
    };
    if spec.type_.as_deref() == Some("ExternalName") {
        return Ok(());
    }
    let headless = spec.cluster_ip.as_deref() == Some("None");
    // initIPFamilyFields: a headless Service without a selector may have
    // addresses of every family; anything else gets the cluster's one.
    spec.ip_family_policy.get_or_insert_with(|| {
        if headless && selectorless {
            "RequireDualStack".into()
        } else {
            "SingleStack".into()
        }
    });
    spec.ip_families.get_or_insert_with(|| vec!["IPv4".into()]);
    if headless {
        spec.cluster_ips = Some(vec!["None".into()]);
    } else {
        let ip = match spec.cluster_ip.as_deref().filter(|ip| !ip.is_empty()) {
            Some(asked) => {
                let Ok(addr) = asked.parse::<Ipv4Addr>() else {
                    return Err(FieldError::invalid(
                        "spec.clusterIPs[0]",
                        format!("{asked:?}"),
                        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                    ));
                };
                let offset = u32::from(addr).wrapping_sub(CIDR_BASE);
                let why = if offset == 0 || offset >= CIDR_SIZE - 1 {
                    Some(format!("the provided IP ({asked}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}"))
                } else if taken_ips.contains(asked) {
                    Some("provided IP is already allocated".to_string())
                } else {
                    None
                };
                if let Some(why) = why {
                    return Err(FieldError::invalid(
                        "spec.clusterIPs",
                        format!("[]string{{{asked:?}}}"),
                        &format!("failed to allocate IP {asked}: {why}"),
                    ));
                }
                asked.to_string()
            }
            None => dynamic_ip(taken_ips, rng),
        };
        spec.cluster_ip = Some(ip.clone());
        spec.cluster_ips = Some(vec![ip]);
    }
    if matches!(spec.type_.as_deref(), Some("NodePort" | "LoadBalancer")) {
        let mut taken = taken_ports.clone();
        for port in spec.ports.iter_mut().flatten() {
            match port.node_port {
                Some(asked) if taken.contains(&asked) => {
                    return Err(FieldError::invalid(
                        "spec.ports[0].nodePort",
                        asked,
                        "provided port is already allocated",
                    ));
                }
                Some(asked) => {
                    taken.insert(asked);
                }
                None => {
                    let chosen = dynamic_node_port(&taken, rng);
                    taken.insert(chosen);
                    port.node_port = Some(chosen);
                }
            }
        }
    }
    Ok(())
}

/// patchAllocatedValues: an update that leaves out what was allocated keeps it.
pub fn keep_allocated(old: &Service, new: &mut Service) {
    let (Some(old), Some(new)) = (old.spec.as_ref(), new.spec.as_mut()) else {
        return;
    };
    if old.type_ == new.type_ || new.type_.is_none() {
        if new.cluster_ip.as_deref().is_none_or(str::is_empty) {
            new.cluster_ip = old.cluster_ip.clone();
            new.cluster_ips = old.cluster_ips.clone();
        }
        new.cluster_ips
            .get_or_insert_with(|| old.cluster_ips.clone().unwrap_or_default());
        if new.ip_family_policy.is_none() {
            new.ip_family_policy = old.ip_family_policy.clone();
        }
        if new.ip_families.is_none() {
            new.ip_families = old.ip_families.clone();
        }
    }
    for port in new.ports.iter_mut().flatten() {
        if port.node_port.is_none() {
            port.node_port = old
                .ports
                .iter()
                .flatten()
                .find(|p| p.port == port.port && p.protocol == port.protocol)
                .and_then(|p| p.node_port);
        }
    }
}

/// A free address above the range's lower band (min(max(16, size/16), 256) addresses).
fn dynamic_ip(taken: &BTreeSet<String>, rng: &mut SimRng) -> String {
    let lower_band = 256;
    let span = u64::from(CIDR_SIZE - 1 - lower_band);
    loop {
        let offset = lower_band + rng.below(span) as u32;
        let ip = Ipv4Addr::from(CIDR_BASE + offset).to_string();
        if !taken.contains(&ip) {
            return ip;
        }
    }
}

/// A free node port above the lower band (min(max(16, size/32), 128) ports).
fn dynamic_node_port(taken: &BTreeSet<i32>, rng: &mut SimRng) -> i32 {
    let size = NODE_PORTS.end() - NODE_PORTS.start() + 1;
    let lower_band = (size / 32).clamp(16, 128);
    let span = (size - lower_band) as u64;
    for _ in 0..size {
        let port = NODE_PORTS.start() + lower_band + rng.below(span) as i32;
        if !taken.contains(&port) {
            return port;
        }
    }
    *NODE_PORTS.start()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};

    fn service(cluster_ip: Option<&str>) -> Service {
        Service {
            spec: Some(ServiceSpec {
                cluster_ip: cluster_ip.map(str::to_string),
                selector: Some([("app".to_string(), "web".to_string())].into()),
                ports: Some(vec![ServicePort {
                    port: 80,
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn dynamic_addresses_are_in_the_upper_part_of_the_range() {
        let mut rng = SimRng::new(1);
        for _ in 0..100 {
            let mut svc = service(None);
            allocate(&mut svc, &BTreeSet::new(), &BTreeSet::new(), &mut rng).unwrap();
            let ip: Ipv4Addr = svc.spec.unwrap().cluster_ip.unwrap().parse().unwrap();
            let offset = u32::from(ip) - CIDR_BASE;
            assert!((256..CIDR_SIZE - 1).contains(&offset), "{ip}");
        }
    }

    #[test]
    fn an_address_asked_for_must_be_free_and_in_range() {
        let mut rng = SimRng::new(1);
        let taken: BTreeSet<String> = [KUBERNETES_SERVICE_IP.to_string()].into();
        let err = allocate(
            &mut service(Some("10.96.0.1")),
            &taken,
            &BTreeSet::new(),
            &mut rng,
        )
        .unwrap_err();
        assert_eq!(
            format!("{}: {}", err.field, err.detail),
            "spec.clusterIPs: Invalid value: []string{\"10.96.0.1\"}: failed to allocate IP 10.96.0.1: provided IP is already allocated"
        );
        let err = allocate(
            &mut service(Some("1.2.3.4")),
            &taken,
            &BTreeSet::new(),
            &mut rng,
        )
        .unwrap_err();
        assert!(err.detail.ends_with(
            "the provided IP (1.2.3.4) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
        ));
        let mut headless = service(Some("None"));
        allocate(&mut headless, &taken, &BTreeSet::new(), &mut rng).unwrap();
        let spec = headless.spec.unwrap();
        assert_eq!(spec.cluster_ips, Some(vec!["None".to_string()]));
        assert_eq!(spec.ip_family_policy.as_deref(), Some("SingleStack"));
    }
}
