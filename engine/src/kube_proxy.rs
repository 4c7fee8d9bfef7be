//! kube-proxy, one per node, in iptables mode (pkg/proxy/iptables): it
//! watches Services and EndpointSlices and writes the node's nat rules that
//! send a Service's cluster IP (and node port) to one of its ready
//! endpoints, chosen at random with `-m statistic`. It writes nothing to the
//! API server; its work is the node's rules, which `sim iptables NODE`
//! prints as `iptables-save -t nat` would.
//!
//! A sync happens at most once per --iptables-min-sync-period (1 s), so a
//! burst of endpoint changes costs one sync.

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;

use crate::apiserver::ApiServer;
use crate::objects::MetaExt;
use crate::time::{SimDuration, SimTime};

/// --iptables-min-sync-period's default.
pub const MIN_SYNC_PERIOD: SimDuration = SimDuration::from_secs(1);
/// kube-proxy's --cluster-cidr: the pod network (traffic from outside it is masqueraded).
pub const CLUSTER_CIDR: &str = "10.244.0.0/16";

/// The rules of one Service port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePortRules {
    /// ServicePortName.String(): `default/web`, or `default/web:http` for a named port.
    pub name: String,
    /// Lower case, as the chain hash and the rules write it.
    pub protocol: String,
    pub cluster_ip: String,
    pub port: i32,
    pub node_port: Option<i32>,
    /// The ready endpoints, `ip:port`.
    pub endpoints: Vec<String>,
}

impl ServicePortRules {
    /// servicePortPolicyClusterChain: `KUBE-SVC-` and a hash of name and protocol.
    pub fn service_chain(&self) -> String {
        format!(
            "KUBE-SVC-{}",
            hash16(&format!("{}{}", self.name, self.protocol))
        )
    }

    /// servicePortPolicyLocalChainName's sibling for external traffic: `KUBE-EXT-`.
    pub fn external_chain(&self) -> String {
        format!(
            "KUBE-EXT-{}",
            hash16(&format!("{}{}", self.name, self.protocol))
        )
    }

    /// servicePortEndpointChainName: `KUBE-SEP-` and a hash with the endpoint.
    pub fn endpoint_chain(&self, endpoint: &str) -> String {
        format!(
            "KUBE-SEP-{}",
            hash16(&format!("{}{}{endpoint}", self.name, self.protocol))
        )
    }
}

/// The first 16 characters of the base32 of a SHA-256 (portProtoHash).
fn hash16(text: &str) -> String {
    let encoded = crate::sha256::base32(&crate::sha256::sha256(text.as_bytes()));
    encoded[..16].to_string()
}

/// One node's kube-proxy.
#[derive(Clone, Debug, Default)]
pub struct KubeProxy {
    pub node: String,
    rules: Vec<ServicePortRules>,
    last_sync: Option<SimTime>,
}

impl KubeProxy {
    pub fn new(node: &str) -> KubeProxy {
        KubeProxy {
            node: node.to_string(),
            ..Default::default()
        }
    }

    /// The rules it last wrote.
    pub fn rules(&self) -> &[ServicePortRules] {
        &self.rules
    }

    /// When the next sync may run, a change having come in at `now`.
    pub fn next_sync(&self, now: SimTime) -> SimTime {
        match self.last_sync {
            Some(last) => now.max(last.plus(MIN_SYNC_PERIOD)),
            None => now,
        }
    }

    /// syncProxyRules: the rules the API's Services and EndpointSlices call
    /// for. Says what changed, or None when the rules stay as they were.
    pub fn sync(&mut self, api: &ApiServer, now: SimTime) -> Option<String> {
        self.last_sync = Some(now);
        let rules = desired_rules(api);
        if rules == self.rules {
            return None;
        }
        let endpoints: usize = rules.iter().map(|r| r.endpoints.len()).sum();
        self.rules = rules;
        Some(format!(
            "synced iptables rules: {} service ports, {endpoints} ready endpoints",
            self.rules.len()
        ))
    }
}

/// Every Service port with a cluster IP, and its ready endpoints.
fn desired_rules(api: &ApiServer) -> Vec<ServicePortRules> {
    let slices = api.list_typed::<EndpointSlice>(None);
    let mut rules = Vec::new();
    for svc in api.list_typed::<Service>(None) {
        let spec = svc.spec.clone().unwrap_or_default();
        let Some(cluster_ip) = spec
            .cluster_ip
            .clone()
            .filter(|ip| !ip.is_empty() && ip != "None")
        else {
            continue;
        };
        let namespace = svc.metadata.namespace_str();
        let name = svc.metadata.name_str();
        let own: Vec<&&EndpointSlice> = slices
            .iter()
            .filter(|s| crate::labels::slice_of_service(s, svc))
            .collect();
        for port in spec.ports.iter().flatten() {
            let port_name = port.name.clone().unwrap_or_default();
            let protocol = port.protocol.clone().unwrap_or_else(|| "TCP".into());
            let mut endpoints: Vec<String> = own
                .iter()
                .flat_map(|slice| {
                    let number = slice
                        .ports
                        .iter()
                        .flatten()
                        .find(|p| {
                            p.name.as_deref().unwrap_or("") == port_name
                                && p.protocol.as_deref().unwrap_or("TCP") == protocol
                        })
                        .and_then(|p| p.port);
                    slice
                        .endpoints
                        .iter()
                        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
                        .filter_map(move |e| Some(format!("{}:{}", e.addresses.first()?, number?)))
                })
                .collect();
            crate::sorting::sort(&mut endpoints);
            endpoints.dedup();
            rules.push(ServicePortRules {
                name: if port_name.is_empty() {
                    format!("{namespace}/{name}")
                } else {
                    format!("{namespace}/{name}:{port_name}")
                },
                protocol: protocol.to_lowercase(),
                cluster_ip: cluster_ip.clone(),
                port: port.port,
                node_port: port.node_port,
                endpoints,
            });
        }
    }
    rules
}

/// The masquerade mark (--iptables-masquerade-bit 14), as iptables-save prints it.
const MASQ_MARK: &str = "0x4000";

/// A statistic match's probability as iptables-save prints it: kube-proxy
/// writes `%0.10f` of 1/n, the kernel keeps it as a fraction of 2^31, and
/// libxt_statistic prints that with 11 decimals.
fn probability(n: usize) -> String {
    let written: f64 = format!("{:.10}", 1.0 / n as f64).parse().unwrap_or(0.0);
    let stored = (written * 2_147_483_648.0).round();
    format!("{:.11}", stored / 2_147_483_648.0)
}

impl KubeProxy {
    /// The node's nat table as `iptables-save -t nat` prints it, or only
    /// the rules of one Service (`namespace/name`).
    pub fn iptables_save(&self, service: Option<&str>) -> String {
        let chosen: Vec<&ServicePortRules> = self
            .rules
            .iter()
            .filter(|r| service.is_none_or(|s| r.name == s || r.name.starts_with(&format!("{s}:"))))
            .collect();
        // User chains print sorted by name, each with its rules in order.
        let mut chains: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for fixed in [
            "KUBE-MARK-MASQ",
            "KUBE-NODEPORTS",
            "KUBE-POSTROUTING",
            "KUBE-PROXY-CANARY",
            "KUBE-SERVICES",
        ] {
            chains.entry(fixed.to_string()).or_default();
        }
        let mut add = |chain: &str, rule: String| {
            chains
                .entry(chain.to_string())
                .or_default()
                .push(format!("-A {chain} {rule}"));
        };
        add(
            "KUBE-MARK-MASQ",
            format!("-j MARK --set-xmark {MASQ_MARK}/{MASQ_MARK}"),
        );
        add(
            "KUBE-POSTROUTING",
            format!("-m mark ! --mark {MASQ_MARK}/{MASQ_MARK} -j RETURN"),
        );
        add(
            "KUBE-POSTROUTING",
            format!("-j MARK --set-xmark {MASQ_MARK}/0x0"),
        );
        add(
            "KUBE-POSTROUTING",
            "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully".into(),
        );
        let mut sorted = self.rules.iter().collect::<Vec<_>>();
        crate::sorting::sort_by(&mut sorted, |a, b| a.name.cmp(&b.name));
        for r in sorted.iter().filter(|r| !r.endpoints.is_empty()) {
            let (name, proto) = (&r.name, &r.protocol);
            let svc = r.service_chain();
            let cluster = format!(
                "-d {}/32 -p {proto} -m comment --comment \"{name} cluster IP\" -m {proto} --dport {}",
                r.cluster_ip, r.port
            );
            add("KUBE-SERVICES", format!("{cluster} -j {svc}"));
            if let Some(node_port) = r.node_port {
                let ext = r.external_chain();
                add(
                    "KUBE-NODEPORTS",
                    format!("-p {proto} -m comment --comment \"{name}\" -m {proto} --dport {node_port} -j {ext}"),
                );
                add(
                    &ext,
                    format!("-m comment --comment \"masquerade traffic for {name} external destinations\" -j KUBE-MARK-MASQ"),
                );
                add(&ext, format!("-j {svc}"));
            }
            add(
                &svc,
                format!("! -s {CLUSTER_CIDR} {cluster} -j KUBE-MARK-MASQ"),
            );
            let n = r.endpoints.len();
            for (i, endpoint) in r.endpoints.iter().enumerate() {
                let sep = r.endpoint_chain(endpoint);
                let statistic = if i + 1 < n {
                    format!(
                        " -m statistic --mode random --probability {}",
                        probability(n - i)
                    )
                } else {
                    String::new()
                };
                add(
                    &svc,
                    format!("-m comment --comment \"{name} -> {endpoint}\"{statistic} -j {sep}"),
                );
                let ip = endpoint
                    .rsplit_once(':')
                    .map_or(endpoint.as_str(), |(ip, _)| ip);
                add(
                    &sep,
                    format!("-s {ip}/32 -m comment --comment \"{name}\" -j KUBE-MARK-MASQ"),
                );
                add(
                    &sep,
                    format!("-p {proto} -m comment --comment \"{name}\" -m {proto} -j DNAT --to-destination {endpoint}"),
                );
            }
        }
        add(
            "KUBE-SERVICES",
            "-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS".into(),
        );
        if let Some(service) = service {
            // One Service: its own rules only, in the same order.
            let mine: Vec<String> = chosen
                .iter()
                .flat_map(|r| {
                    let mut names = vec![r.service_chain(), r.external_chain()];
                    names.extend(r.endpoints.iter().map(|e| r.endpoint_chain(e)));
                    names
                })
                .collect();
            let wanted = |line: &&String| {
                mine.iter().any(|c| {
                    line.starts_with(&format!("-A {c} ")) || line.ends_with(&format!("-j {c}"))
                })
            };
            let lines: Vec<String> = chains.values().flatten().filter(wanted).cloned().collect();
            if lines.is_empty() {
                return if chosen.is_empty() {
                    format!("# no Service {service} with a cluster IP\n")
                } else {
                    format!("# {service} has no ready endpoints: no nat rules (its packets are rejected in the filter table)\n")
                };
            }
            return lines.join("\n") + "\n";
        }
        let mut out = String::from(
            "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n",
        );
        for chain in chains.keys() {
            out.push_str(&format!(":{chain} - [0:0]\n"));
        }
        out.push_str(
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n",
        );
        out.push_str(
            "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n",
        );
        out.push_str("-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n");
        for rule in chains.values().flatten() {
            out.push_str(rule);
            out.push('\n');
        }
        out.push_str("COMMIT\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_print_as_the_kernel_keeps_them() {
        assert_eq!(probability(2), "0.50000000000");
        assert_eq!(probability(3), "0.33333333349");
        assert_eq!(probability(5), "0.20000000019");
        assert_eq!(probability(6), "0.16666666651");
    }

    #[test]
    fn chains_are_named_as_kube_proxy_names_them() {
        let r = ServicePortRules {
            name: "default/kubernetes:https".into(),
            protocol: "tcp".into(),
            cluster_ip: "10.96.0.1".into(),
            port: 443,
            node_port: None,
            endpoints: vec!["192.168.49.2:8443".into()],
        };
        assert_eq!(r.service_chain(), "KUBE-SVC-NPX46M4PTMTKRN6Y");
        assert_eq!(
            r.endpoint_chain("192.168.49.2:8443"),
            "KUBE-SEP-VPILYQBSPPXYB66K"
        );
        let nginx = ServicePortRules {
            name: "default/nginx".into(),
            ..r
        };
        assert_eq!(nginx.service_chain(), "KUBE-SVC-2CMXP7HKUVJN7L6M");
    }
}
