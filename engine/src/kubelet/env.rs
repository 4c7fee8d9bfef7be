//! A container's environment, made as the kubelet makes it when it
//! generates the container's config (kubelet_pods.go
//! makeEnvironmentVariables): the service variables, then `envFrom`
//! (ConfigMaps and Secrets, with their prefix), then `env` in order, each
//! value expanded against the variables before it, or read from a ConfigMap
//! or Secret key, a pod field or a container resource. A missing ConfigMap
//! or Secret, or a missing key, is an error the kubelet reports as
//! `CreateContainerConfigError`; an `optional` reference is skipped.
//! The downward API's field and resource values live here too: volumes use
//! them as well (`volumes.rs`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ConfigMap, Container, Pod, ResourceFieldSelector, Secret, Service,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::apiserver::ApiServer;
use crate::objects::MetaExt;
use crate::quantity;
use crate::runtime::expand_references;

/// The pod facts a container's environment can name.
pub(super) struct PodFacts<'a> {
    pub pod: &'a Pod,
    pub pod_ip: &'a str,
    pub host_ip: &'a str,
    /// The node's allocatable resources: a limit left unset reads as these
    /// (defaultPodLimitsForDownwardAPI).
    pub allocatable: &'a BTreeMap<String, Quantity>,
}

impl PodFacts<'_> {
    fn namespace(&self) -> &str {
        self.pod.metadata.namespace_str()
    }
}

/// The API server's NotFound text, as the kubelet's ConfigMap and Secret
/// managers return it (`configmap "x" not found`).
pub(super) fn not_found(resource: &str, name: &str) -> String {
    format!("{resource} \"{name}\" not found")
}

/// A ConfigMap of the pod's namespace, or the kubelet's error for it.
pub(super) fn config_map<'a>(
    api: &'a ApiServer,
    namespace: &str,
    name: &str,
) -> Result<&'a ConfigMap, String> {
    api.get_typed::<ConfigMap>(Some(namespace), name)
        .ok_or_else(|| not_found("configmap", name))
}

/// A Secret of the pod's namespace, or the kubelet's error for it.
pub(super) fn secret<'a>(
    api: &'a ApiServer,
    namespace: &str,
    name: &str,
) -> Result<&'a Secret, String> {
    api.get_typed::<Secret>(Some(namespace), name)
        .ok_or_else(|| not_found("secret", name))
}

/// getServiceEnvVarMap: the `kubernetes` Service of the default namespace,
/// which every pod sees, and with enableServiceLinks (the default) every
/// Service of the pod's namespace that has a cluster IP; each as
/// envvars.FromServices writes it (`<NAME>_SERVICE_HOST`, `_SERVICE_PORT`,
/// one per named port, and Docker's link variables).
fn service_env(api: &ApiServer, pod: &Pod) -> BTreeMap<String, String> {
    let namespace = pod.metadata.namespace_str();
    let links = pod
        .spec
        .as_ref()
        .and_then(|s| s.enable_service_links)
        .unwrap_or(true);
    let mut chosen: BTreeMap<String, &Service> = BTreeMap::new();
    for svc in api.list_typed::<Service>(None) {
        let name = svc.metadata.name_str();
        let ns = svc.metadata.namespace_str();
        if ns == "default" && name == "kubernetes" {
            chosen.entry(name.to_string()).or_insert(svc);
        } else if ns == namespace && links {
            chosen.insert(name.to_string(), svc);
        }
    }
    let mut env = BTreeMap::new();
    for svc in chosen.values() {
        let spec = svc.spec.clone().unwrap_or_default();
        // IsServiceIPSet.
        let Some(ip) = spec.cluster_ip.filter(|ip| !ip.is_empty() && ip != "None") else {
            continue;
        };
        let ports = spec.ports.unwrap_or_default();
        let Some(first) = ports.first() else {
            continue;
        };
        let prefix = svc.metadata.name_str().replace('-', "_").to_uppercase();
        env.insert(format!("{prefix}_SERVICE_HOST"), ip.clone());
        env.insert(format!("{prefix}_SERVICE_PORT"), first.port.to_string());
        for port in &ports {
            if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
                let key = format!(
                    "{prefix}_SERVICE_PORT_{}",
                    name.replace('-', "_").to_uppercase()
                );
                env.insert(key, port.port.to_string());
            }
        }
        for (i, port) in ports.iter().enumerate() {
            let protocol = port.protocol.clone().unwrap_or_else(|| "TCP".into());
            let lower = protocol.to_lowercase();
            let url = format!("{lower}://{ip}:{}", port.port);
            if i == 0 {
                env.insert(format!("{prefix}_PORT"), url.clone());
            }
            let port_prefix = format!("{prefix}_PORT_{}_{}", port.port, protocol.to_uppercase());
            env.insert(format!("{port_prefix}_PROTO"), lower);
            env.insert(format!("{port_prefix}_PORT"), port.port.to_string());
            env.insert(format!("{port_prefix}_ADDR"), ip.clone());
            env.insert(port_prefix, url);
        }
    }
    env
}

/// makeEnvironmentVariables: the variables the kubelet gives the container,
/// or the error that keeps it from being created.
pub(super) fn make_environment(
    api: &ApiServer,
    facts: &PodFacts,
    container: &Container,
) -> Result<BTreeMap<String, String>, String> {
    let namespace = facts.namespace();
    let service = service_env(api, facts.pod);
    // Env overrides envFrom: envFrom first.
    let mut declared: BTreeMap<String, String> = BTreeMap::new();
    for from in container.env_from.iter().flatten() {
        let prefix = from.prefix.clone().unwrap_or_default();
        if let Some(r) = &from.config_map_ref {
            let cm = match config_map(api, namespace, &r.name) {
                Ok(cm) => cm,
                Err(_) if r.optional == Some(true) => continue,
                Err(e) => return Err(e),
            };
            for (k, v) in cm.data.iter().flatten() {
                declared.insert(format!("{prefix}{k}"), v.clone());
            }
        } else if let Some(r) = &from.secret_ref {
            let s = match secret(api, namespace, &r.name) {
                Ok(s) => s,
                Err(_) if r.optional == Some(true) => continue,
                Err(e) => return Err(e),
            };
            for (k, v) in s.data.iter().flatten() {
                declared.insert(format!("{prefix}{k}"), text_of(&v.0));
            }
        }
    }
    for var in container.env.iter().flatten() {
        let literal = var.value.clone().unwrap_or_default();
        let value = if !literal.is_empty() {
            // Expanded against what is declared so far, then the service variables.
            let mut known = service.clone();
            known.extend(declared.clone());
            expand_references(&literal, &known)
        } else if let Some(from) = &var.value_from {
            if let Some(f) = &from.field_ref {
                field_value(facts, &f.field_path)?
            } else if let Some(r) = &from.resource_field_ref {
                resource_value(container, r, facts.allocatable)?
            } else if let Some(r) = &from.config_map_key_ref {
                let optional = r.optional == Some(true);
                let cm = match config_map(api, namespace, &r.name) {
                    Ok(cm) => cm,
                    Err(_) if optional => continue,
                    Err(e) => return Err(e),
                };
                match cm.data.as_ref().and_then(|d| d.get(&r.key)) {
                    Some(v) => v.clone(),
                    None if optional => continue,
                    None => {
                        return Err(format!(
                            "couldn't find key {} in ConfigMap {namespace}/{}",
                            r.key, r.name
                        ))
                    }
                }
            } else if let Some(r) = &from.secret_key_ref {
                let optional = r.optional == Some(true);
                let s = match secret(api, namespace, &r.name) {
                    Ok(s) => s,
                    Err(_) if optional => continue,
                    Err(e) => return Err(e),
                };
                match s.data.as_ref().and_then(|d| d.get(&r.key)) {
                    Some(v) => text_of(&v.0),
                    None if optional => continue,
                    None => {
                        return Err(format!(
                            "couldn't find key {} in Secret {namespace}/{}",
                            r.key, r.name
                        ))
                    }
                }
            } else {
                String::new()
            }
        } else {
            String::new()
        };
        declared.insert(var.name.clone(), value);
    }
    let mut env = service;
    env.extend(declared);
    Ok(env)
}

/// Bytes as the process sees them in its environment.
pub(super) fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// podFieldSelectorRuntimeValue and fieldpath.ExtractFieldPathAsString.
pub(super) fn field_value(facts: &PodFacts, path: &str) -> Result<String, String> {
    let pod = facts.pod;
    let spec = pod.spec.as_ref();
    if let Some((map, key)) = subscripted(path) {
        let source = match map {
            "metadata.labels" => pod.metadata.labels.as_ref(),
            "metadata.annotations" => pod.metadata.annotations.as_ref(),
            _ => return Err(format!("fieldPath {path:?} does not support subscript")),
        };
        return Ok(source.and_then(|m| m.get(key)).cloned().unwrap_or_default());
    }
    Ok(match path {
        "metadata.name" => pod.metadata.name_str().to_string(),
        "metadata.namespace" => facts.namespace().to_string(),
        "metadata.uid" => pod.metadata.uid.clone().unwrap_or_default(),
        "metadata.labels" => format_map(pod.metadata.labels.as_ref()),
        "metadata.annotations" => format_map(pod.metadata.annotations.as_ref()),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        "spec.serviceAccountName" => spec
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_default(),
        "status.podIP" | "status.podIPs" => facts.pod_ip.to_string(),
        "status.hostIP" | "status.hostIPs" => facts.host_ip.to_string(),
        _ => return Err(format!("unsupported fieldPath: {path}")),
    })
}

/// `metadata.labels['app']` → (`metadata.labels`, `app`).
fn subscripted(path: &str) -> Option<(&str, &str)> {
    let (map, rest) = path.split_once("['")?;
    Some((map, rest.strip_suffix("']")?))
}

/// fieldpath.FormatMap: `key="value"` lines, sorted by key.
fn format_map(map: Option<&BTreeMap<String, String>>) -> String {
    map.iter()
        .flat_map(|m| m.iter())
        .map(|(k, v)| format!("{k}={}", super::prober::go_quote(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// ExtractContainerResourceValue: a request or limit in units of the
/// divisor, rounded up; an unset limit is the node's allocatable.
pub(super) fn resource_value(
    container: &Container,
    selector: &ResourceFieldSelector,
    allocatable: &BTreeMap<String, Quantity>,
) -> Result<String, String> {
    let (kind, name) = selector
        .resource
        .split_once('.')
        .ok_or_else(|| format!("unsupported container resource : {}", selector.resource))?;
    if !["cpu", "memory", "ephemeral-storage"].contains(&name) {
        return Err(format!(
            "unsupported container resource : {}",
            selector.resource
        ));
    }
    let resources = container.resources.clone().unwrap_or_default();
    let quantity = match kind {
        "limits" => resources
            .limits
            .as_ref()
            .and_then(|l| l.get(name))
            .or_else(|| allocatable.get(name)),
        "requests" => resources.requests.as_ref().and_then(|r| r.get(name)),
        _ => {
            return Err(format!(
                "unsupported container resource : {}",
                selector.resource
            ))
        }
    };
    let milli = match quantity {
        Some(q) => quantity::parse_milli(&q.0)?,
        None => 0,
    };
    let divisor = match selector.divisor.as_ref().filter(|d| !d.0.is_empty()) {
        Some(d) => quantity::parse_milli(&d.0)?,
        None => 1000,
    };
    if divisor <= 0 {
        return Err(format!("invalid divisor {:?}", selector.divisor));
    }
    // convertResourceCPUToString divides milli-values, the others whole
    // values; both round up.
    let (amount, per) = if name == "cpu" {
        (milli, divisor)
    } else {
        (
            (milli + 999).div_euclid(1000),
            (divisor + 999).div_euclid(1000),
        )
    };
    Ok((amount + per - 1).div_euclid(per.max(1)).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        ConfigMapKeySelector, EnvFromSource, EnvVar, EnvVarSource, ObjectFieldSelector,
        ResourceRequirements, SecretKeySelector,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use crate::objects::Object;
    use crate::time::SimTime;

    fn api_with(objects: Vec<Object>) -> ApiServer {
        let mut api = ApiServer::new(1);
        let default = k8s_openapi::api::core::v1::Namespace {
            metadata: ObjectMeta {
                name: Some("default".into()),
                ..ObjectMeta::default()
            },
            ..Default::default()
        };
        api.create(SimTime(0), Object::Namespace(default))
            .expect("namespace");
        let kubernetes = crate::apiserver::kubernetes_service::service();
        api.create(SimTime(0), Object::Service(kubernetes))
            .expect("the kubernetes Service");
        for o in objects {
            api.create(SimTime(0), o).expect("created");
        }
        api
    }

    fn meta(name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        }
    }

    fn pod() -> Pod {
        Pod {
            metadata: ObjectMeta {
                labels: Some([("app".to_string(), "web".to_string())].into()),
                ..meta("demo")
            },
            ..Pod::default()
        }
    }

    fn from_config(name: &str, key: &str, optional: Option<bool>) -> Option<EnvVarSource> {
        Some(EnvVarSource {
            config_map_key_ref: Some(ConfigMapKeySelector {
                name: name.into(),
                key: key.into(),
                optional,
            }),
            ..EnvVarSource::default()
        })
    }

    fn var(name: &str, value: &str, from: Option<EnvVarSource>) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: (!value.is_empty()).then(|| value.to_string()),
            value_from: from,
        }
    }

    fn env_of(api: &ApiServer, container: &Container) -> Result<BTreeMap<String, String>, String> {
        let pod = pod();
        let allocatable = BTreeMap::new();
        let facts = PodFacts {
            pod: &pod,
            pod_ip: "10.244.1.2",
            host_ip: "192.168.49.3",
            allocatable: &allocatable,
        };
        make_environment(api, &facts, container)
    }

    fn special_config() -> Object {
        Object::ConfigMap(ConfigMap {
            metadata: meta("special-config"),
            data: Some(
                [
                    ("special.how".to_string(), "very".to_string()),
                    ("type".to_string(), "charm".to_string()),
                ]
                .into(),
            ),
            ..ConfigMap::default()
        })
    }

    #[test]
    fn env_from_then_env_with_references() {
        let api = api_with(vec![
            special_config(),
            Object::Secret(Secret {
                metadata: meta("creds"),
                data: Some(
                    [(
                        "password".to_string(),
                        k8s_openapi::ByteString(b"s3cret".to_vec()),
                    )]
                    .into(),
                ),
                ..Secret::default()
            }),
        ]);
        let container = Container {
            env_from: Some(vec![
                EnvFromSource {
                    config_map_ref: Some(k8s_openapi::api::core::v1::ConfigMapEnvSource {
                        name: "special-config".into(),
                        optional: None,
                    }),
                    prefix: Some("CFG_".into()),
                    ..EnvFromSource::default()
                },
                EnvFromSource {
                    secret_ref: Some(k8s_openapi::api::core::v1::SecretEnvSource {
                        name: "absent".into(),
                        optional: Some(true),
                    }),
                    ..EnvFromSource::default()
                },
            ]),
            env: Some(vec![
                var(
                    "HOW",
                    "",
                    from_config("special-config", "special.how", None),
                ),
                var("SENTENCE", "$(HOW) $(CFG_type) $(LATER) $$(HOW)", None),
                var("LATER", "x", None),
                var("MISSING", "", from_config("nope", "k", Some(true))),
                var(
                    "PASSWORD",
                    "",
                    Some(EnvVarSource {
                        secret_key_ref: Some(SecretKeySelector {
                            name: "creds".into(),
                            key: "password".into(),
                            optional: None,
                        }),
                        ..EnvVarSource::default()
                    }),
                ),
                var(
                    "APP",
                    "",
                    Some(EnvVarSource {
                        field_ref: Some(ObjectFieldSelector {
                            field_path: "metadata.labels['app']".into(),
                            api_version: Some("v1".into()),
                        }),
                        ..EnvVarSource::default()
                    }),
                ),
            ]),
            ..Container::default()
        };
        let env = env_of(&api, &container).expect("resolves");
        assert_eq!(env["CFG_special.how"], "very");
        assert_eq!(env["HOW"], "very");
        assert_eq!(env["SENTENCE"], "very charm $(LATER) $(HOW)");
        assert_eq!(env["PASSWORD"], "s3cret");
        assert_eq!(env["APP"], "web");
        assert_eq!(env["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
        assert_eq!(env["KUBERNETES_PORT_443_TCP"], "tcp://10.96.0.1:443");
        assert_eq!(env["KUBERNETES_SERVICE_PORT_HTTPS"], "443");
        assert!(!env.contains_key("MISSING"));
    }

    #[test]
    fn missing_objects_and_keys_are_the_kubelets_errors() {
        let api = api_with(vec![special_config()]);
        let with = |from| Container {
            env: Some(vec![var("V", "", from)]),
            ..Container::default()
        };
        assert_eq!(
            env_of(&api, &with(from_config("nope", "k", None))),
            Err("configmap \"nope\" not found".to_string())
        );
        assert_eq!(
            env_of(&api, &with(from_config("special-config", "k", None))),
            Err("couldn't find key k in ConfigMap default/special-config".to_string())
        );
        assert!(env_of(&api, &with(from_config("special-config", "k", Some(true)))).is_ok());
    }

    #[test]
    fn resources_in_divisor_units_rounded_up() {
        let container = Container {
            resources: Some(ResourceRequirements {
                requests: Some(
                    [
                        ("cpu".to_string(), Quantity("125m".into())),
                        ("memory".to_string(), Quantity("32Mi".into())),
                    ]
                    .into(),
                ),
                ..ResourceRequirements::default()
            }),
            ..Container::default()
        };
        let allocatable = [("memory".to_string(), Quantity("2Gi".into()))].into();
        let sel = |resource: &str, divisor: Option<&str>| ResourceFieldSelector {
            resource: resource.into(),
            divisor: divisor.map(|d| Quantity(d.into())),
            container_name: None,
        };
        let value = |s| resource_value(&container, &s, &allocatable).unwrap();
        assert_eq!(value(sel("requests.cpu", None)), "1");
        assert_eq!(value(sel("requests.cpu", Some("1m"))), "125");
        assert_eq!(value(sel("requests.memory", None)), "33554432");
        assert_eq!(value(sel("requests.memory", Some("1Mi"))), "32");
        assert_eq!(value(sel("limits.memory", Some("1Gi"))), "2");
    }
}
