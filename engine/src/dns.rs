//! Cluster DNS: what CoreDNS's kubernetes plugin answers, from the Services
//! and EndpointSlices it watches (plugin/kubernetes in coredns/coredns, as
//! kubeadm's Corefile configures it: `kubernetes cluster.local in-addr.arpa`
//! with `pods insecure`).
//!
//! - `<service>.<ns>.svc.cluster.local`: the cluster IP; for a headless
//!   Service, the address of every ready endpoint.
//! - `<hostname>.<service>.<ns>.svc.cluster.local`: one endpoint, by the
//!   hostname its pod set (a StatefulSet's `web-0.nginx`) or, without one,
//!   its address with dashes (`10-244-1-2`).
//! - `<a-b-c-d>.<ns>.pod.cluster.local`: that address.
//! - An ExternalName Service is a CNAME to its external name.
//! - Reverse lookups name the Service of a cluster IP, or the endpoint name
//!   of a pod's address.
//!
//! Answers depend on when the question is asked: containers run ahead of the
//! simulation's clock and catch up later, so the zone keeps its recent
//! history and answers as it stood at the asking container's time.

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::objects::{MetaExt, Object};
use crate::store::{WatchEvent, WatchEventType};
use crate::time::SimTime;

/// The cluster domain (kubelet's --cluster-domain).
pub const CLUSTER_DOMAIN: &str = "cluster.local";
/// Zones kept for containers that have not caught up yet.
const HISTORY: usize = 64;

/// One Service as DNS sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ServiceRecord {
    /// None for a headless Service.
    cluster_ip: Option<String>,
    external_name: Option<String>,
}

/// One ready endpoint of a Service.
#[derive(Clone, Debug, PartialEq, Eq)]
struct EndpointRecord {
    address: String,
    hostname: Option<String>,
}

impl EndpointRecord {
    /// endpointHostname: the pod's hostname, or its address with dashes.
    fn name(&self) -> String {
        self.hostname
            .clone()
            .unwrap_or_else(|| self.address.replace('.', "-"))
    }
}

/// What the cluster's DNS knows at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zone {
    /// (namespace, name) → the Service.
    services: BTreeMap<(String, String), ServiceRecord>,
    /// (namespace, slice name) → (its Service's name, its ready endpoints).
    slices: BTreeMap<(String, String), (String, Vec<EndpointRecord>)>,
}

/// The answer to one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Addresses(Vec<String>),
    /// An ExternalName Service.
    Alias(String),
    NotFound,
}

impl Zone {
    fn endpoints_of(&self, namespace: &str, service: &str) -> Vec<&EndpointRecord> {
        self.slices
            .iter()
            .filter(|((ns, _), (svc, _))| ns == namespace && svc == service)
            .flat_map(|(_, (_, endpoints))| endpoints.iter())
            .collect()
    }

    /// A fully qualified name in the cluster domain.
    pub fn lookup(&self, fqdn: &str) -> Answer {
        let name = fqdn.trim_end_matches('.').to_ascii_lowercase();
        let Some(rest) = name.strip_suffix(&format!(".{CLUSTER_DOMAIN}")) else {
            return Answer::NotFound;
        };
        let labels: Vec<&str> = rest.split('.').collect();
        match labels.as_slice() {
            [service, namespace, "svc"] => {
                let key = (namespace.to_string(), service.to_string());
                let Some(record) = self.services.get(&key) else {
                    return Answer::NotFound;
                };
                if let Some(target) = &record.external_name {
                    return Answer::Alias(target.clone());
                }
                let addresses: Vec<String> = match &record.cluster_ip {
                    Some(ip) => vec![ip.clone()],
                    None => {
                        let mut all: Vec<String> = self
                            .endpoints_of(namespace, service)
                            .iter()
                            .map(|e| e.address.clone())
                            .collect();
                        crate::sorting::sort(&mut all);
                        all.dedup();
                        all
                    }
                };
                if addresses.is_empty() {
                    Answer::NotFound
                } else {
                    Answer::Addresses(addresses)
                }
            }
            [host, service, namespace, "svc"] => {
                let key = (namespace.to_string(), service.to_string());
                if !self.services.contains_key(&key) {
                    return Answer::NotFound;
                }
                let mut addresses: Vec<String> = self
                    .endpoints_of(namespace, service)
                    .iter()
                    .filter(|e| e.name() == *host)
                    .map(|e| e.address.clone())
                    .collect();
                crate::sorting::sort(&mut addresses);
                addresses.dedup();
                if addresses.is_empty() {
                    Answer::NotFound
                } else {
                    Answer::Addresses(addresses)
                }
            }
            // `pods insecure`: any dashed address answers with itself.
            [dashed, _namespace, "pod"] => match dashed.replace('-', ".").parse::<Ipv4Addr>() {
                Ok(ip) => Answer::Addresses(vec![ip.to_string()]),
                Err(_) => Answer::NotFound,
            },
            _ => Answer::NotFound,
        }
    }

    /// The PTR name of a cluster address, if DNS has one.
    pub fn reverse(&self, ip: &str) -> Option<String> {
        for ((namespace, name), record) in &self.services {
            if record.cluster_ip.as_deref() == Some(ip) {
                return Some(format!("{name}.{namespace}.svc.{CLUSTER_DOMAIN}"));
            }
        }
        self.slices
            .iter()
            .find_map(|((namespace, _), (service, endpoints))| {
                endpoints
                    .iter()
                    .find(|e| e.address == ip)
                    .map(|e| format!("{}.{service}.{namespace}.svc.{CLUSTER_DOMAIN}", e.name()))
            })
    }

    fn observe(&mut self, event: &WatchEvent) {
        let meta = event.object.meta();
        let key = (
            meta.namespace_str().to_string(),
            meta.name_str().to_string(),
        );
        let deleted = event.event_type == WatchEventType::Deleted;
        match &*event.object {
            Object::Service(svc) => {
                if deleted {
                    self.services.remove(&key);
                    return;
                }
                let spec = svc.spec.clone().unwrap_or_default();
                let external = spec.type_.as_deref() == Some("ExternalName");
                self.services.insert(
                    key,
                    ServiceRecord {
                        cluster_ip: spec
                            .cluster_ip
                            .filter(|ip| ip != "None" && !ip.is_empty() && !external),
                        external_name: spec.external_name.filter(|_| external),
                    },
                );
            }
            Object::EndpointSlice(slice) => {
                let service = crate::labels::slice_service(slice).map(str::to_string);
                let Some(service) = service.filter(|_| !deleted) else {
                    self.slices.remove(&key);
                    return;
                };
                // EndpointSliceToEndpoints: only ready addresses are served.
                let endpoints = slice
                    .endpoints
                    .iter()
                    .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
                    .flat_map(|e| {
                        e.addresses.iter().map(|address| EndpointRecord {
                            address: address.clone(),
                            hostname: e.hostname.clone(),
                        })
                    })
                    .collect();
                self.slices.insert(key, (service, endpoints));
            }
            _ => {}
        }
    }
}

/// The zone over time, as CoreDNS's watches keep it.
#[derive(Clone, Debug, Default)]
pub struct ClusterDns {
    history: VecDeque<(SimTime, Arc<Zone>)>,
    /// Counts changes: a container's look-ahead made with an older zone is stale.
    epoch: u64,
}

impl ClusterDns {
    /// Takes in a watch event; true if what DNS answers changed.
    pub fn observe(&mut self, event: &WatchEvent, now: SimTime) -> bool {
        if !matches!(
            &*event.object,
            Object::Service(_) | Object::EndpointSlice(_)
        ) {
            return false;
        }
        let current = self
            .history
            .back()
            .map(|(_, z)| z.clone())
            .unwrap_or_default();
        let mut zone = (*current).clone();
        zone.observe(event);
        if zone == *current {
            return false;
        }
        // Changes at the same moment replace each other.
        if self.history.back().is_some_and(|(t, _)| *t == now) {
            self.history.pop_back();
        }
        self.history.push_back((now, Arc::new(zone)));
        while self.history.len() > HISTORY {
            self.history.pop_front();
        }
        self.epoch += 1;
        true
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The zone as it stood at `t` (the oldest kept, for a time before it).
    pub fn at(&self, t: SimTime) -> Arc<Zone> {
        self.history
            .iter()
            .rev()
            .find(|(since, _)| *since <= t)
            .or(self.history.front())
            .map(|(_, z)| z.clone())
            .unwrap_or_default()
    }
}

/// What a resolver makes of a name: the name that answered and its addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub name: String,
    pub addresses: Vec<String>,
}

/// The stub resolver of a container: its resolv.conf's search list and
/// ndots (names with fewer dots try the search domains first), the cluster
/// zone for names in the cluster domain, and the outside world for the rest.
pub fn resolve(zone: &Zone, host: &str, resolv_conf: &str) -> Option<Resolved> {
    let host = host.trim();
    if host.is_empty() {
        return None;
    }
    if host == "localhost" {
        return Some(Resolved {
            name: host.into(),
            addresses: vec!["127.0.0.1".into()],
        });
    }
    if host.parse::<Ipv4Addr>().is_ok() {
        return Some(Resolved {
            name: host.into(),
            addresses: vec![host.into()],
        });
    }
    let (search, ndots) = parse_resolv_conf(resolv_conf);
    let mut candidates: Vec<String> = Vec::new();
    if let Some(absolute) = host.strip_suffix('.') {
        candidates.push(absolute.to_string());
    } else {
        let searched = search.iter().map(|d| format!("{host}.{d}"));
        if host.matches('.').count() < ndots {
            candidates.extend(searched);
            candidates.push(host.to_string());
        } else {
            candidates.push(host.to_string());
            candidates.extend(searched);
        }
    }
    for name in candidates {
        let in_cluster = name == CLUSTER_DOMAIN || name.ends_with(&format!(".{CLUSTER_DOMAIN}"));
        let addresses = if in_cluster {
            match zone.lookup(&name) {
                Answer::Addresses(a) => a,
                Answer::Alias(target) => outside(&target).into_iter().collect(),
                Answer::NotFound => Vec::new(),
            }
        } else {
            outside(&name).into_iter().collect()
        };
        if !addresses.is_empty() {
            return Some(Resolved { name, addresses });
        }
    }
    None
}

/// `search` domains and `options ndots:N` (glibc and musl default to 1).
fn parse_resolv_conf(text: &str) -> (Vec<String>, usize) {
    let mut search = Vec::new();
    let mut ndots = 1;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("search") => search = words.map(str::to_string).collect(),
            Some("options") => {
                for option in words {
                    if let Some(n) = option.strip_prefix("ndots:").and_then(|n| n.parse().ok()) {
                        ndots = n;
                    }
                }
            }
            _ => {}
        }
    }
    (search, ndots)
}

/// Top-level domains the simulated internet has: a name under any other
/// (`web-1.nginx`) does not exist out there either.
const TOP_LEVEL_DOMAINS: &[&str] = &[
    "com", "org", "net", "io", "dev", "app", "info", "edu", "gov", "mil", "int", "co", "ai",
    "cloud", "me", "tv", "biz", "kr", "jp", "cn", "uk", "de", "fr", "ch", "nl", "se", "no", "fi",
    "it", "es", "ru", "in", "au", "ca", "us", "eu", "br", "tw", "sg", "hk",
];

/// A name outside the cluster: a stable, made-up public address for a
/// name under a real top-level domain.
fn outside(name: &str) -> Option<String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let (_, tld) = name.rsplit_once('.')?;
    if !TOP_LEVEL_DOMAINS.contains(&tld) {
        return None;
    }
    let h = crate::rand::fnv32a(name.as_bytes());
    Some(format!("93.184.{}.{}", (h >> 8) % 250 + 1, h % 250 + 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::ObjectRef;
    use k8s_openapi::api::core::v1::{Service, ServiceSpec};
    use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointSlice};

    const RESOLV: &str =
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n";

    fn event(object: Object) -> WatchEvent {
        WatchEvent {
            event_type: WatchEventType::Added,
            object_ref: ObjectRef::of(&object),
            object: Arc::new(object),
            previous: None,
            revision: 0,
        }
    }

    fn service(name: &str, cluster_ip: &str) -> Object {
        Object::Service(Service {
            metadata: crate::apiserver::new_meta("default", Some(name), None),
            spec: Some(ServiceSpec {
                cluster_ip: Some(cluster_ip.into()),
                ..Default::default()
            }),
            ..Default::default()
        })
    }

    fn slice(service: &str, endpoints: &[(&str, Option<&str>, bool)]) -> Object {
        let mut meta = crate::apiserver::new_meta("default", Some(&format!("{service}-x")), None);
        meta.labels = Some(
            [(
                "kubernetes.io/service-name".to_string(),
                service.to_string(),
            )]
            .into(),
        );
        Object::EndpointSlice(EndpointSlice {
            metadata: meta,
            address_type: "IPv4".into(),
            endpoints: endpoints
                .iter()
                .map(|(ip, host, ready)| Endpoint {
                    addresses: vec![ip.to_string()],
                    hostname: host.map(str::to_string),
                    conditions: Some(EndpointConditions {
                        ready: Some(*ready),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect(),
            ports: None,
        })
    }

    fn dns() -> ClusterDns {
        let mut dns = ClusterDns::default();
        dns.observe(&event(service("web", "10.100.0.7")), SimTime(0));
        dns.observe(&event(service("nginx", "None")), SimTime(0));
        dns.observe(
            &event(slice(
                "nginx",
                &[
                    ("10.244.1.2", Some("web-0"), true),
                    ("10.244.2.2", Some("web-1"), false),
                    ("10.244.3.2", None, true),
                ],
            )),
            SimTime(5_000),
        );
        dns
    }

    #[test]
    fn services_and_their_endpoints_have_names() {
        let zone = dns().at(SimTime(10_000));
        let found = |name: &str| resolve(&zone, name, RESOLV).map(|r| (r.name, r.addresses));
        assert_eq!(
            found("web"),
            Some((
                "web.default.svc.cluster.local".into(),
                vec!["10.100.0.7".into()]
            ))
        );
        // Headless: every ready endpoint; web-1 is not ready.
        assert_eq!(
            found("nginx").unwrap().1,
            vec!["10.244.1.2".to_string(), "10.244.3.2".to_string()]
        );
        assert_eq!(
            found("web-0.nginx").unwrap().0,
            "web-0.nginx.default.svc.cluster.local"
        );
        assert_eq!(found("web-1.nginx"), None);
        assert_eq!(
            found("10-244-3-2.nginx").unwrap().1,
            vec!["10.244.3.2".to_string()]
        );
        assert_eq!(
            found("10-1-2-3.other.pod.cluster.local").unwrap().1,
            vec!["10.1.2.3".to_string()]
        );
        assert_eq!(found("myservice"), None);
        assert_eq!(
            zone.reverse("10.244.1.2").as_deref(),
            Some("web-0.nginx.default.svc.cluster.local")
        );
        assert_eq!(
            zone.reverse("10.100.0.7").as_deref(),
            Some("web.default.svc.cluster.local")
        );
        assert!(found("example.com").is_some());
    }

    #[test]
    fn a_container_behind_the_clock_sees_the_zone_of_its_time() {
        let dns = dns();
        let before = dns.at(SimTime(1_000));
        assert_eq!(resolve(&before, "web-0.nginx", RESOLV), None);
        assert!(resolve(&dns.at(SimTime(5_000)), "web-0.nginx", RESOLV).is_some());
    }
}
