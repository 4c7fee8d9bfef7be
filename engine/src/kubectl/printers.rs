//! What `kubectl get` prints for each kind: the same columns, computed the
//! same way (pkg/printers/internalversion/printers.go).

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};

use crate::labels::format_labels;
use crate::objects::{Kind, MetaExt, Object};
use crate::time::{human_duration, SimTime};

pub(super) fn age(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    now: SimTime,
) -> String {
    match &meta.creation_timestamp {
        Some(t) => human_duration(now.since(SimTime::from_k8s(t))),
        None => "<unknown>".to_string(),
    }
}

fn since(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>, now: SimTime) -> String {
    match t {
        Some(t) => human_duration(now.since(SimTime::from_k8s(t))),
        None => "<unknown>".to_string(),
    }
}

/// Header and rows for a list of objects of one kind.
pub fn table(
    kind: Kind,
    objects: &[&Object],
    wide: bool,
    now: SimTime,
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let mut header: Vec<&'static str> = match kind {
        Kind::Pod => vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        Kind::Deployment => vec!["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        Kind::ReplicaSet => vec!["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        Kind::Job => vec!["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
        Kind::CronJob => vec![
            "NAME",
            "SCHEDULE",
            "TIMEZONE",
            "SUSPEND",
            "ACTIVE",
            "LAST SCHEDULE",
            "AGE",
        ],
        Kind::DaemonSet => vec![
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE SELECTOR",
            "AGE",
        ],
        Kind::StatefulSet => vec!["NAME", "READY", "AGE"],
        Kind::PersistentVolume => vec![
            "NAME",
            "CAPACITY",
            "ACCESS MODES",
            "RECLAIM POLICY",
            "STATUS",
            "CLAIM",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "REASON",
            "AGE",
        ],
        Kind::PersistentVolumeClaim => vec![
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE",
        ],
        Kind::StorageClass => vec![
            "NAME",
            "PROVISIONER",
            "RECLAIMPOLICY",
            "VOLUMEBINDINGMODE",
            "ALLOWVOLUMEEXPANSION",
            "AGE",
        ],
        Kind::Node => vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        Kind::Namespace => vec!["NAME", "STATUS", "AGE"],
        Kind::Event => vec!["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        Kind::Lease => vec!["NAME", "HOLDER", "AGE"],
        // printControllerRevision (pkg/printers/internalversion/printers.go).
        Kind::Other(info) if info.kind == "ControllerRevision" => {
            vec!["NAME", "CONTROLLER", "REVISION", "AGE"]
        }
        Kind::Other(_) => vec!["NAME", "AGE"],
        Kind::ConfigMap => vec!["NAME", "DATA", "AGE"],
        Kind::Secret => vec!["NAME", "TYPE", "DATA", "AGE"],
        Kind::ServiceAccount => vec!["NAME", "SECRETS", "AGE"],
        Kind::Service => vec![
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
        ],
        Kind::EndpointSlice => vec!["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
        Kind::Endpoints => vec!["NAME", "ENDPOINTS", "AGE"],
        Kind::Role | Kind::ClusterRole => vec!["NAME", "CREATED AT"],
        Kind::RoleBinding | Kind::ClusterRoleBinding => vec!["NAME", "ROLE", "AGE"],
    };
    if wide {
        header.extend(match kind {
            Kind::Pod => vec!["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
            Kind::Deployment | Kind::ReplicaSet | Kind::DaemonSet | Kind::Job => {
                vec!["CONTAINERS", "IMAGES", "SELECTOR"]
            }
            Kind::StatefulSet => vec!["CONTAINERS", "IMAGES"],
            Kind::Service => vec!["SELECTOR"],
            Kind::PersistentVolume | Kind::PersistentVolumeClaim => vec!["VOLUMEMODE"],
            Kind::RoleBinding | Kind::ClusterRoleBinding => {
                vec!["USERS", "GROUPS", "SERVICEACCOUNTS"]
            }
            Kind::Node => vec![
                "INTERNAL-IP",
                "EXTERNAL-IP",
                "OS-IMAGE",
                "KERNEL-VERSION",
                "CONTAINER-RUNTIME",
            ],
            _ => vec![],
        });
    }
    let rows = objects
        .iter()
        .map(|o| match o {
            Object::Pod(p) => pod_row(p, wide, now),
            Object::Deployment(d) => deployment_row(d, wide, now),
            Object::ReplicaSet(rs) => replica_set_row(rs, wide, now),
            Object::DaemonSet(ds) => daemon_set_row(ds, wide, now),
            Object::Job(job) => job_row(job, wide, now),
            Object::CronJob(cj) => {
                let spec = cj.spec.clone().unwrap_or_default();
                let status = cj.status.clone().unwrap_or_default();
                vec![
                    cj.metadata.name_str().to_string(),
                    spec.schedule.clone(),
                    spec.time_zone.clone().unwrap_or_else(|| "<none>".into()),
                    spec.suspend
                        .unwrap_or(false)
                        .to_string()
                        .replace("false", "False")
                        .replace("true", "True"),
                    status.active.as_ref().map_or(0, Vec::len).to_string(),
                    since(status.last_schedule_time.as_ref(), now).replace("<unknown>", "<none>"),
                    age(&cj.metadata, now),
                ]
            }
            Object::StatefulSet(sts) => super::printers_storage::stateful_set_row(sts, wide, now),
            Object::PersistentVolume(pv) => super::printers_storage::volume_row(pv, wide, now),
            Object::PersistentVolumeClaim(pvc) => {
                super::printers_storage::claim_row(pvc, wide, now)
            }
            Object::StorageClass(sc) => super::printers_storage::storage_class_row(sc, now),
            Object::Node(n) => node_row(n, wide, now),
            Object::Service(svc) => super::printers_network::service_row(svc, wide, now),
            Object::EndpointSlice(slice) => super::printers_network::endpoint_slice_row(slice, now),
            Object::Endpoints(ep) => super::printers_network::endpoints_row(ep, now),
            Object::Namespace(ns) => namespace_row(ns, now),
            Object::Event(e) => event_row(e, now),
            Object::ServiceAccount(sa) => vec![
                sa.metadata.name_str().to_string(),
                sa.secrets.as_ref().map_or(0, Vec::len).to_string(),
                age(&sa.metadata, now),
            ],
            Object::Role(r) => vec![r.metadata.name_str().to_string(), created_at(&r.metadata)],
            Object::ClusterRole(r) => {
                vec![r.metadata.name_str().to_string(), created_at(&r.metadata)]
            }
            Object::RoleBinding(b) => {
                binding_row(&b.metadata, &b.role_ref, b.subjects.as_deref(), wide, now)
            }
            Object::ClusterRoleBinding(b) => {
                binding_row(&b.metadata, &b.role_ref, b.subjects.as_deref(), wide, now)
            }
            Object::Other(o) if o.info.kind == "ControllerRevision" => {
                // formatResourceName with kind: `statefulset.apps/web`.
                let controller = o.metadata.controller_owner().map_or("<none>".into(), |r| {
                    let group = r.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                    let kind = r.kind.to_lowercase();
                    if group.is_empty() {
                        format!("{kind}/{}", r.name)
                    } else {
                        format!("{kind}.{group}/{}", r.name)
                    }
                });
                let revision = o.body.get("revision").and_then(|r| r.as_i64()).unwrap_or(0);
                vec![
                    o.metadata.name_str().to_string(),
                    controller,
                    revision.to_string(),
                    age(&o.metadata, now),
                ]
            }
            Object::Other(o) => vec![o.metadata.name_str().to_string(), age(&o.metadata, now)],
            // printConfigMap and printSecret: DATA counts the keys.
            Object::ConfigMap(cm) => vec![
                cm.metadata.name_str().to_string(),
                (cm.data.as_ref().map_or(0, |d| d.len())
                    + cm.binary_data.as_ref().map_or(0, |d| d.len()))
                .to_string(),
                age(&cm.metadata, now),
            ],
            Object::Secret(s) => vec![
                s.metadata.name_str().to_string(),
                s.type_.clone().unwrap_or_default(),
                s.data.as_ref().map_or(0, |d| d.len()).to_string(),
                age(&s.metadata, now),
            ],
            Object::Lease(l) => vec![
                l.metadata.name_str().to_string(),
                l.spec
                    .as_ref()
                    .and_then(|s| s.holder_identity.clone())
                    .unwrap_or_default(),
                age(&l.metadata, now),
            ],
        })
        .collect();
    (header, rows)
}

/// `2026-01-01T00:00:00Z`, as the CREATED AT column prints it.
fn created_at(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.creation_timestamp
        .as_ref()
        .map(|t| t.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "<unknown>".into())
}

/// printRoleBinding / printClusterRoleBinding.
fn binding_row(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    role_ref: &k8s_openapi::api::rbac::v1::RoleRef,
    subjects: Option<&[k8s_openapi::api::rbac::v1::Subject]>,
    wide: bool,
    now: SimTime,
) -> Vec<String> {
    let mut row = vec![
        meta.name_str().to_string(),
        format!("{}/{}", role_ref.kind, role_ref.name),
        age(meta, now),
    ];
    if wide {
        let subjects = subjects.unwrap_or(&[]);
        let of = |kind: &str| {
            subjects
                .iter()
                .filter(|s| s.kind == kind)
                .map(|s| match (&s.namespace, kind) {
                    (Some(ns), "ServiceAccount") => format!("{ns}/{}", s.name),
                    _ => s.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        row.extend([of("User"), of("Group"), of("ServiceAccount")]);
    }
    row
}

/// The STATUS column of `kubectl get pods` (printPod).
pub fn pod_status(pod: &Pod) -> String {
    let status = pod.status.clone().unwrap_or_default();
    let mut reason = status
        .reason
        .clone()
        .unwrap_or_else(|| status.phase.clone().unwrap_or_else(|| "Pending".into()));
    for c in status.conditions.iter().flatten() {
        if c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated") {
            reason = "SchedulingGated".into();
        }
    }
    let init_count = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map_or(0, Vec::len);
    let mut initializing = false;
    let restartable = restartable_init_names(pod);
    for (i, c) in status.init_container_statuses.iter().flatten().enumerate() {
        let state = c.state.clone().unwrap_or_default();
        // A sidecar (an init container that restarts Always) that has started lets initialization go on.
        if restartable.contains(&c.name) && c.started == Some(true) {
            continue;
        }
        match (&state.terminated, &state.waiting) {
            (Some(t), _) if t.exit_code == 0 => continue,
            (Some(t), _) => {
                reason = match &t.reason {
                    Some(r) if !r.is_empty() => format!("Init:{r}"),
                    _ if t.signal.unwrap_or(0) != 0 => {
                        format!("Init:Signal:{}", t.signal.unwrap_or(0))
                    }
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                };
            }
            (None, Some(w))
                if w.reason
                    .as_deref()
                    .is_some_and(|r| !r.is_empty() && r != "PodInitializing") =>
            {
                reason = format!("Init:{}", w.reason.clone().unwrap_or_default());
            }
            _ => reason = format!("Init:{i}/{init_count}"),
        }
        initializing = true;
        break;
    }
    let initialized = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        let mut has_running = false;
        for c in status.container_statuses.iter().flatten().rev() {
            let state = c.state.clone().unwrap_or_default();
            if let Some(w) = state
                .waiting
                .as_ref()
                .filter(|w| w.reason.as_deref().is_some_and(|r| !r.is_empty()))
            {
                reason = w.reason.clone().unwrap_or_default();
            } else if let Some(t) = &state.terminated {
                reason = match &t.reason {
                    Some(r) if !r.is_empty() => r.clone(),
                    _ if t.signal.unwrap_or(0) != 0 => format!("Signal:{}", t.signal.unwrap_or(0)),
                    _ => format!("ExitCode:{}", t.exit_code),
                };
            } else if c.ready && state.running.is_some() {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            let has_ready_condition = status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if has_ready_condition {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    let terminal = matches!(status.phase.as_deref(), Some("Succeeded") | Some("Failed"));
    if pod.metadata.deletion_timestamp.is_some() && status.reason.as_deref() == Some("NodeLost") {
        reason = "Unknown".into();
    } else if pod.metadata.deletion_timestamp.is_some() && !terminal {
        reason = "Terminating".into();
    }
    reason
}

/// `1/1`: ready containers over all containers.
pub fn pod_ready(pod: &Pod) -> (usize, usize) {
    let restartable = restartable_init_names(pod);
    let total = pod.spec.as_ref().map_or(0, |s| s.containers.len()) + restartable.len();
    let status = pod.status.clone().unwrap_or_default();
    let containers = status
        .container_statuses
        .iter()
        .flatten()
        .filter(|c| c.ready && c.state.as_ref().is_some_and(|s| s.running.is_some()))
        .count();
    let sidecars = status
        .init_container_statuses
        .iter()
        .flatten()
        .filter(|c| restartable.contains(&c.name) && c.started == Some(true) && c.ready)
        .count();
    (containers + sidecars, total)
}

/// Init containers with `restartPolicy: Always` (sidecars), by name.
fn restartable_init_names(pod: &Pod) -> Vec<String> {
    pod.spec
        .iter()
        .flat_map(|s| s.init_containers.iter().flatten())
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.clone())
        .collect()
}

/// `3 (12s ago)`.
pub fn pod_restarts(pod: &Pod, now: SimTime) -> String {
    let status = pod.status.clone().unwrap_or_default();
    let restartable = restartable_init_names(pod);
    let initialized = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    // While initializing every init container's restarts count; after, only the sidecars' do.
    let statuses: Vec<_> = status
        .init_container_statuses
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|c| !initialized || restartable.contains(&c.name))
        .chain(status.container_statuses.clone().unwrap_or_default())
        .collect();
    let restarts: i32 = statuses.iter().map(|c| c.restart_count).sum();
    let last = statuses
        .iter()
        .filter_map(|c| {
            c.last_state
                .as_ref()?
                .terminated
                .as_ref()?
                .finished_at
                .as_ref()
        })
        .map(SimTime::from_k8s)
        .max();
    match last {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now.since(t))),
        _ => restarts.to_string(),
    }
}

fn pod_row(pod: &Pod, wide: bool, now: SimTime) -> Vec<String> {
    let (ready, total) = pod_ready(pod);
    let mut row = vec![
        pod.metadata.name_str().to_string(),
        format!("{ready}/{total}"),
        pod_status(pod),
        pod_restarts(pod, now),
        age(&pod.metadata, now),
    ];
    if wide {
        let status = pod.status.clone().unwrap_or_default();
        row.push(
            status
                .pod_ip
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| "<none>".into()),
        );
        row.push(
            pod.spec
                .as_ref()
                .and_then(|s| s.node_name.clone())
                .unwrap_or_else(|| "<none>".into()),
        );
        row.push(
            status
                .nominated_node_name
                .unwrap_or_else(|| "<none>".into()),
        );
        row.push("<none>".into());
    }
    row
}

pub(super) fn containers_images(
    template: Option<&k8s_openapi::api::core::v1::PodSpec>,
) -> (String, String) {
    let containers = template.map(|s| s.containers.as_slice()).unwrap_or(&[]);
    (
        containers
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
            .join(","),
        containers
            .iter()
            .map(|c| c.image.clone().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// metav1.FormatLabelSelector.
pub fn format_selector(
    selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
) -> String {
    let mut parts: Vec<String> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            op => format!("{} {op} ({values})", e.key),
        });
    }
    if parts.is_empty() {
        "<none>".into()
    } else {
        parts.join(",")
    }
}

fn deployment_row(d: &Deployment, wide: bool, now: SimTime) -> Vec<String> {
    let spec = d.spec.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    let mut row = vec![
        d.metadata.name_str().to_string(),
        format!(
            "{}/{}",
            status.ready_replicas.unwrap_or(0),
            spec.replicas.unwrap_or(1)
        ),
        status.updated_replicas.unwrap_or(0).to_string(),
        status.available_replicas.unwrap_or(0).to_string(),
        age(&d.metadata, now),
    ];
    if wide {
        let (containers, images) = containers_images(spec.template.spec.as_ref());
        row.extend([containers, images, format_selector(&spec.selector)]);
    }
    row
}

fn replica_set_row(rs: &ReplicaSet, wide: bool, now: SimTime) -> Vec<String> {
    let spec = rs.spec.clone().unwrap_or_default();
    let status = rs.status.clone().unwrap_or_default();
    let mut row = vec![
        rs.metadata.name_str().to_string(),
        spec.replicas.unwrap_or(1).to_string(),
        status.replicas.to_string(),
        status.ready_replicas.unwrap_or(0).to_string(),
        age(&rs.metadata, now),
    ];
    if wide {
        let (containers, images) =
            containers_images(spec.template.as_ref().and_then(|t| t.spec.as_ref()));
        row.extend([containers, images, format_selector(&spec.selector)]);
    }
    row
}

/// printJob.
fn job_row(job: &k8s_openapi::api::batch::v1::Job, wide: bool, now: SimTime) -> Vec<String> {
    let spec = job.spec.clone().unwrap_or_default();
    let status = job.status.clone().unwrap_or_default();
    let succeeded = status.succeeded.unwrap_or(0);
    let completions = match spec.completions {
        Some(c) => format!("{succeeded}/{c}"),
        None if spec.parallelism.unwrap_or(0) > 1 => {
            format!("{succeeded}/1 of {}", spec.parallelism.unwrap_or(0))
        }
        None => format!("{succeeded}/1"),
    };
    let duration = match (&status.start_time, &status.completion_time) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.since(SimTime::from_k8s(start))),
        (Some(start), Some(end)) => {
            human_duration(SimTime::from_k8s(end).since(SimTime::from_k8s(start)))
        }
    };
    let condition = |t: &str| {
        status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == t && c.status == "True")
    };
    let state = if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if condition("Complete") {
        "Complete"
    } else if condition("Failed") {
        "Failed"
    } else if condition("Suspended") {
        "Suspended"
    } else if condition("FailureTarget") {
        "FailureTarget"
    } else if condition("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    };
    let mut row = vec![
        job.metadata.name_str().to_string(),
        state.to_string(),
        completions,
        duration,
        age(&job.metadata, now),
    ];
    if wide {
        let (containers, images) = containers_images(spec.template.spec.as_ref());
        let selector = spec
            .selector
            .as_ref()
            .map(format_selector)
            .unwrap_or_else(|| "<none>".into());
        row.extend([containers, images, selector]);
    }
    row
}

/// printDaemonSet.
fn daemon_set_row(
    ds: &k8s_openapi::api::apps::v1::DaemonSet,
    wide: bool,
    now: SimTime,
) -> Vec<String> {
    let spec = ds.spec.clone().unwrap_or_default();
    let status = ds.status.clone().unwrap_or_default();
    let selector = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.node_selector.clone())
        .unwrap_or_default();
    let mut row = vec![
        ds.metadata.name_str().to_string(),
        status.desired_number_scheduled.to_string(),
        status.current_number_scheduled.to_string(),
        status.number_ready.to_string(),
        status.updated_number_scheduled.unwrap_or(0).to_string(),
        status.number_available.unwrap_or(0).to_string(),
        if selector.is_empty() {
            "<none>".to_string()
        } else {
            format_labels(&selector)
        },
        age(&ds.metadata, now),
    ];
    if wide {
        let (containers, images) = containers_images(spec.template.spec.as_ref());
        row.extend([containers, images, format_selector(&spec.selector)]);
    }
    row
}

/// The STATUS column of `kubectl get nodes`.
pub fn node_status(node: &Node) -> String {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"));
    let mut status = match ready {
        Some(c) if c.status == "True" => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if node
        .spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false)
    {
        status.push_str(",SchedulingDisabled");
    }
    status
}

/// The ROLES column: `node-role.kubernetes.io/<role>` labels.
pub fn node_roles(node: &Node) -> String {
    let labels = node.metadata.labels_map();
    let mut roles: Vec<String> = labels
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("node-role.kubernetes.io/")
                .map(str::to_string)
                .or_else(|| (k == "kubernetes.io/role").then(|| v.clone()))
        })
        .filter(|r| !r.is_empty())
        .collect();
    crate::sorting::sort(&mut roles);
    roles.dedup();
    if roles.is_empty() {
        "<none>".into()
    } else {
        roles.join(",")
    }
}

fn node_row(node: &Node, wide: bool, now: SimTime) -> Vec<String> {
    let info = node
        .status
        .as_ref()
        .and_then(|s| s.node_info.clone())
        .unwrap_or_default();
    let mut row = vec![
        node.metadata.name_str().to_string(),
        node_status(node),
        node_roles(node),
        age(&node.metadata, now),
        info.kubelet_version.clone(),
    ];
    if wide {
        let address = |t: &str| {
            node.status
                .as_ref()
                .and_then(|s| s.addresses.as_ref())
                .and_then(|a| a.iter().find(|a| a.type_ == t))
                .map(|a| a.address.clone())
                .unwrap_or_else(|| "<none>".into())
        };
        let or_unknown = |s: String| {
            if s.is_empty() {
                "<unknown>".to_string()
            } else {
                s
            }
        };
        row.extend([
            address("InternalIP"),
            address("ExternalIP"),
            or_unknown(info.os_image),
            or_unknown(info.kernel_version),
            or_unknown(info.container_runtime_version),
        ]);
    }
    row
}

fn namespace_row(ns: &Namespace, now: SimTime) -> Vec<String> {
    vec![
        ns.metadata.name_str().to_string(),
        ns.status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Active".into()),
        age(&ns.metadata, now),
    ]
}

fn event_row(e: &Event, now: SimTime) -> Vec<String> {
    let last = e.last_timestamp.as_ref().or(e.first_timestamp.as_ref());
    let object = format!(
        "{}/{}",
        e.involved_object
            .kind
            .clone()
            .unwrap_or_default()
            .to_lowercase(),
        e.involved_object.name.clone().unwrap_or_default()
    );
    vec![
        since(last, now),
        e.type_.clone().unwrap_or_default(),
        e.reason.clone().unwrap_or_default(),
        object,
        e.message.clone().unwrap_or_default().trim().to_string(),
    ]
}

/// `app=web` for the SELECTOR-like columns and `--show-labels`.
pub fn labels_column(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    let labels = meta.labels_map();
    if labels.is_empty() {
        "<none>".into()
    } else {
        format_labels(&labels)
    }
}

/// A taint as kubectl prints it: `key=value:Effect`, or `key:Effect` without a value.
pub fn taint(t: &k8s_openapi::api::core::v1::Taint) -> String {
    match &t.value {
        Some(v) if !v.is_empty() => format!("{}={v}:{}", t.key, t.effect),
        _ => format!("{}:{}", t.key, t.effect),
    }
}
