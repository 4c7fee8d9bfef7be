//! `kubectl expose`: a Service for a pod, Deployment, ReplicaSet or Service,
//! with the object's selector and ports (staging/src/k8s.io/kubectl/pkg/cmd/
//! expose and the ServiceGeneratorV2 it uses).
//!
//! - The selector is the object's (a Deployment's or ReplicaSet's
//!   matchLabels, a pod's labels), and the Service takes the object's labels.
//! - Without `--port`, the ports come from the object's containers: one
//!   port as it is, several named `port-1`, `port-2` ...
//! - `--target-port` defaults to the port.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{fail, ok};
use crate::apiserver::auth::{Attributes, UserInfo};
use crate::objects::{Kind, Object, ObjectRef};
use crate::sim::Simulation;
use crate::view::CommandOutput;

/// `kubectl expose TYPE NAME [--port=N] [--target-port=N|NAME] [--name=NAME] [--type=T] [--protocol=P]`.
pub fn run(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: &str,
) -> CommandOutput {
    match expose(sim, user, args, namespace) {
        Ok(text) => ok(text),
        Err(e) => fail(e),
    }
}

fn expose(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: &str,
) -> Result<String, String> {
    let mut flags: BTreeMap<String, String> = BTreeMap::new();
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if let Some(flag) = arg.strip_prefix("--") {
            let (name, value) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => {
                    i += 1;
                    let value = args
                        .get(i)
                        .cloned()
                        .ok_or_else(|| format!("error: flag needs an argument: --{flag}"))?;
                    (flag.to_string(), value)
                }
            };
            if !["port", "target-port", "name", "type", "protocol"].contains(&name.as_str()) {
                return Err(format!("error: unknown flag: --{name}"));
            }
            flags.insert(name, value);
        } else {
            positional.push(arg.clone());
        }
        i += 1;
    }
    // `deployment web` or `deployment/web`.
    let (resource, name) = match positional.as_slice() {
        [one] if one.contains('/') => {
            let (r, n) = one.split_once('/').unwrap_or_default();
            (r.to_string(), n.to_string())
        }
        [resource, name] => (resource.clone(), name.clone()),
        _ => {
            return Err(
                "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'".into(),
            )
        }
    };
    let kind = Kind::from_resource_arg(&resource)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{resource}\""))?;
    let info = kind.info();
    let key = ObjectRef::new(kind, info.namespaced.then_some(namespace), &name);
    let get = Attributes::new("get", info.group, info.plural, Some(namespace), Some(&name));
    sim.api()
        .authorize(user, &get)
        .map_err(|e| e.kubectl_message())?;
    let Some(object) = sim.api().get(&key).cloned() else {
        return Err(format!(
            "Error from server (NotFound): {} \"{name}\" not found",
            info.qualified_plural()
        ));
    };
    let (selector, labels, container_ports) = match &object {
        Object::Deployment(d) => {
            let spec = d.spec.clone().unwrap_or_default();
            (
                match_labels(&spec.selector)?,
                d.metadata.labels.clone(),
                template_ports(spec.template.spec.as_ref()),
            )
        }
        Object::ReplicaSet(rs) => {
            let spec = rs.spec.clone().unwrap_or_default();
            (
                match_labels(&spec.selector)?,
                rs.metadata.labels.clone(),
                template_ports(spec.template.as_ref().and_then(|t| t.spec.as_ref())),
            )
        }
        Object::Pod(pod) => (
            pod.metadata.labels.clone().unwrap_or_default(),
            pod.metadata.labels.clone(),
            template_ports(pod.spec.as_ref()),
        ),
        Object::Service(svc) => {
            let spec = svc.spec.clone().unwrap_or_default();
            (
                spec.selector.clone().unwrap_or_default(),
                svc.metadata.labels.clone(),
                spec.ports
                    .iter()
                    .flatten()
                    .map(|p| (p.port, p.protocol.clone().unwrap_or_else(|| "TCP".into())))
                    .collect(),
            )
        }
        _ => {
            // GroupVersionKind's String(): `/v1, Kind=Node`, `apps/v1, Kind=DaemonSet`.
            let group_version = if info.group.is_empty() {
                format!("/{}", info.api_version)
            } else {
                info.api_version.to_string()
            };
            return Err(format!(
                "error: cannot expose a {group_version}, Kind={}",
                info.kind
            ));
        }
    };
    if selector.is_empty() {
        return Err(format!(
            "error: couldn't retrieve selectors via --selector flag or introspection: the {} has no selector",
            info.singular
        ));
    }
    let protocol = flags.get("protocol").cloned();
    let target = flags.get("target-port").map(|t| match t.parse::<i32>() {
        Ok(n) => IntOrString::Int(n),
        Err(_) => IntOrString::String(t.clone()),
    });
    let ports: Vec<ServicePort> = match flags.get("port") {
        Some(port) => {
            let port: i32 = port
                .parse()
                .map_err(|_| format!("error: invalid argument \"{port}\" for \"--port\" flag: strconv.ParseInt: parsing \"{port}\": invalid syntax"))?;
            vec![ServicePort {
                port,
                protocol: Some(protocol.unwrap_or_else(|| "TCP".into())),
                target_port: Some(target.unwrap_or(IntOrString::Int(port))),
                ..Default::default()
            }]
        }
        None if container_ports.is_empty() => {
            return Err("error: couldn't find port via --port flag or introspection".into())
        }
        None => {
            let several = container_ports.len() > 1;
            container_ports
                .iter()
                .enumerate()
                .map(|(i, (port, proto))| ServicePort {
                    name: several.then(|| format!("port-{}", i + 1)),
                    port: *port,
                    protocol: Some(protocol.clone().unwrap_or_else(|| proto.clone())),
                    target_port: Some(target.clone().unwrap_or(IntOrString::Int(*port))),
                    ..Default::default()
                })
                .collect()
        }
    };
    let service_name = flags.get("name").cloned().unwrap_or(name);
    let service = Service {
        metadata: ObjectMeta {
            name: Some(service_name.clone()),
            namespace: Some(namespace.to_string()),
            labels,
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            selector: Some(selector),
            ports: Some(ports),
            type_: flags.get("type").cloned(),
            ..Default::default()
        }),
        status: None,
    };
    let create = Attributes::new("create", "", "services", Some(namespace), None);
    sim.api()
        .authorize(user, &create)
        .map_err(|e| e.kubectl_message())?;
    sim.user_create(
        Object::Service(service),
        format!("kubectl expose {resource} {}", key.name),
    )
    .map_err(|e| e.kubectl_message())?;
    Ok(format!("service/{service_name} exposed\n"))
}

fn match_labels(
    selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
) -> Result<BTreeMap<String, String>, String> {
    if selector
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return Err("error: couldn't retrieve selectors via --selector flag or introspection: the selector has match expressions, which a Service's selector cannot hold".into());
    }
    Ok(selector.match_labels.clone().unwrap_or_default())
}

/// Every container's ports, in order, with their protocol.
fn template_ports(spec: Option<&k8s_openapi::api::core::v1::PodSpec>) -> Vec<(i32, String)> {
    spec.iter()
        .flat_map(|s| s.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .map(|p| {
            (
                p.container_port,
                p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            )
        })
        .collect()
}
