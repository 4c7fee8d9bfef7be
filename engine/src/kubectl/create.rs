//! Imperative object creation: `kubectl run`, `kubectl create deployment`,
//! `kubectl create namespace`, with kubectl's generated objects and output
//! (staging/src/k8s.io/kubectl/pkg/cmd/run, cmd/create).

use crate::sorting::CollectSorted;
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{Container, Namespace, Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::fail;
use crate::apiserver::auth::{Attributes, UserInfo};
use crate::files::FileSource;
use crate::objects::{Kind, Object};
use crate::sim::Simulation;
use crate::view::CommandOutput;

/// What `kubectl create` can make here.
const KNOWS: &str =
    "error: kubeplay's kubectl create knows: deployment, namespace, configmap, secret";

/// Pulls `--name=value` / `--name value` out of the arguments.
fn take_flag(args: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    let long = format!("--{name}");
    let Some(i) = args
        .iter()
        .position(|a| *a == long || a.starts_with(&format!("{long}=")))
    else {
        return Ok(None);
    };
    let arg = args.remove(i);
    match arg.split_once('=') {
        Some((_, v)) => Ok(Some(v.to_string())),
        None if i < args.len() => Ok(Some(args.remove(i))),
        None => Err(format!("error: flag needs an argument: {long}")),
    }
}

fn create(
    sim: &mut Simulation,
    user: &UserInfo,
    object: Object,
    namespace: Option<&str>,
) -> CommandOutput {
    let info = object.kind().info();
    let name = object.meta().name.clone().unwrap_or_default();
    let attrs = Attributes::new("create", info.group, info.plural, namespace, None);
    if let Err(e) = sim.api().authorize(user, &attrs) {
        return fail(e.kubectl_message());
    }
    match sim.user_create(object, format!("kubectl create {} {name}", info.singular)) {
        Ok(()) => CommandOutput {
            stdout: format!("{}/{name} created\n", info.qualified_singular()),
            stderr: String::new(),
            success: true,
        },
        Err(e) => fail(e.kubectl_message()),
    }
}

/// The container name kubectl derives from an image (`registry/nginx:1.27` → `nginx`).
fn container_name(image: &str) -> String {
    let (repo, _) = crate::registry::split_reference(image);
    repo.rsplit('/').next().unwrap_or(&repo).to_string()
}

/// `kubectl run NAME --image=IMAGE [--labels=k=v,...] [--port=N] [--restart=Always|OnFailure|Never] [--command] [-- COMMAND ARGS...]`
pub fn run(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: &str,
) -> CommandOutput {
    let (mut args, command): (Vec<String>, Vec<String>) = match args.iter().position(|a| a == "--")
    {
        Some(i) => (args[..i].to_vec(), args[i + 1..].to_vec()),
        None => (args.to_vec(), Vec::new()),
    };
    // --command: the words after `--` are the container's command, not its args.
    let mut as_command = false;
    args.retain(|a| match a.as_str() {
        "--command" | "--command=true" => {
            as_command = true;
            false
        }
        "--command=false" => false,
        _ => true,
    });
    let flags = (|| -> Result<_, String> {
        Ok((
            take_flag(&mut args, "image")?,
            take_flag(&mut args, "labels")?,
            take_flag(&mut args, "port")?,
            take_flag(&mut args, "restart")?,
        ))
    })();
    let (image, labels, port, restart) = match flags {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let Some(name) = args.first().cloned() else {
        return fail("error: NAME is required for run");
    };
    let Some(image) = image else {
        return fail("error: required flag(s) \"image\" not set");
    };
    let labels: BTreeMap<String, String> = match labels {
        Some(l) => l
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect_map(),
        None => [("run".to_string(), name.clone())]
            .into_iter()
            .collect_map(),
    };
    let port = match port.map(|p| p.parse::<i32>()) {
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return fail("error: --port must be a number"),
        None => None,
    };
    let restart = restart.unwrap_or_else(|| "Always".into());
    if !["Always", "OnFailure", "Never"].contains(&restart.as_str()) {
        return fail(format!("error: invalid restart policy: {restart}"));
    }
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace.into()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: name.clone(),
                image: Some(image),
                command: (as_command && !command.is_empty()).then(|| command.clone()),
                args: (!as_command && !command.is_empty()).then_some(command),
                ports: port.map(|p| {
                    vec![k8s_openapi::api::core::v1::ContainerPort {
                        container_port: p,
                        ..Default::default()
                    }]
                }),
                ..Container::default()
            }],
            restart_policy: Some(restart),
            ..PodSpec::default()
        }),
        status: None,
    };
    create(sim, user, Object::Pod(pod), Some(namespace))
}

/// `kubectl create deployment NAME --image=IMAGE [--replicas=N] [--port=N]` and `kubectl create namespace NAME`.
pub fn create_command(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    explicit_namespace: Option<&str>,
    files: &dyn FileSource,
) -> CommandOutput {
    let namespace = explicit_namespace.unwrap_or("default");
    let mut args = args.to_vec();
    let Some(what) = (!args.is_empty()).then(|| args.remove(0)) else {
        return fail(KNOWS);
    };
    match what.as_str() {
        "configmap" | "cm" => {
            return super::create_config::configmap(sim, user, &args, explicit_namespace, files)
        }
        "secret" => {
            return super::create_config::secret(sim, user, &args, explicit_namespace, files)
        }
        _ => {}
    }
    match Kind::from_resource_arg(&what) {
        Some(Kind::Namespace) => {
            let Some(name) = args.first().cloned() else {
                return fail("error: exactly one NAME is required, got 0");
            };
            let ns = Namespace {
                metadata: ObjectMeta {
                    name: Some(name),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            };
            create(sim, user, Object::Namespace(ns), None)
        }
        Some(Kind::Deployment) => {
            let flags = (|| -> Result<_, String> {
                Ok((
                    take_flag(&mut args, "image")?,
                    take_flag(&mut args, "replicas")?,
                    take_flag(&mut args, "port")?,
                ))
            })();
            let (image, replicas, port) = match flags {
                Ok(f) => f,
                Err(e) => return fail(e),
            };
            let Some(name) = args.first().cloned() else {
                return fail("error: exactly one NAME is required, got 0");
            };
            let Some(image) = image else {
                return fail("error: required flag(s) \"image\" not set");
            };
            let replicas = match replicas.map(|r| r.parse::<i32>()) {
                Some(Ok(r)) => r,
                Some(Err(_)) => return fail("error: --replicas must be a number"),
                None => 1,
            };
            let port = match port.map(|p| p.parse::<i32>()) {
                Some(Ok(p)) => Some(p),
                Some(Err(_)) => return fail("error: --port must be a number"),
                None => None,
            };
            let labels: BTreeMap<String, String> = [("app".to_string(), name.clone())].into();
            let deployment = Deployment {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    namespace: Some(namespace.into()),
                    labels: Some(labels.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(DeploymentSpec {
                    replicas: Some(replicas),
                    selector: LabelSelector {
                        match_labels: Some(labels.clone()),
                        match_expressions: None,
                    },
                    template: PodTemplateSpec {
                        metadata: Some(ObjectMeta {
                            labels: Some(labels),
                            ..ObjectMeta::default()
                        }),
                        spec: Some(PodSpec {
                            containers: vec![Container {
                                name: container_name(&image),
                                image: Some(image),
                                ports: port.map(|p| {
                                    vec![k8s_openapi::api::core::v1::ContainerPort {
                                        container_port: p,
                                        ..Default::default()
                                    }]
                                }),
                                ..Container::default()
                            }],
                            ..PodSpec::default()
                        }),
                    },
                    ..DeploymentSpec::default()
                }),
                status: None,
            };
            create(sim, user, Object::Deployment(deployment), Some(namespace))
        }
        _ => fail(format!("{KNOWS} (use kubectl apply -f for {what})")),
    }
}
