//! Defaulting, as the real API server's SetDefaults_* functions and default
//! admission plugins fill in what a manifest leaves out
//! (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go,
//! plugin/pkg/admission/defaulttolerationseconds).

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetUpdateStrategy, Deployment, DeploymentStrategy, ReplicaSet,
    RollingUpdateDaemonSet, RollingUpdateDeployment, RollingUpdateStatefulSetStrategy, StatefulSet,
    StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    Container, ObjectFieldSelector, PersistentVolume, PersistentVolumeClaim, PodSecurityContext,
    PodSpec, Toleration, Volume,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::objects::Object;

pub fn apply_defaults(object: &mut Object) {
    match object {
        Object::Pod(pod) => {
            if let Some(spec) = pod.spec.as_mut() {
                default_pod_spec(spec);
                default_tolerations(spec);
                // The ServiceAccount admission plugin.
                spec.service_account_name
                    .get_or_insert_with(|| "default".to_string());
                spec.service_account
                    .get_or_insert_with(|| "default".to_string());
                // The Priority admission plugin: no PriorityClass, priority 0.
                spec.priority.get_or_insert(0);
                spec.preemption_policy
                    .get_or_insert_with(|| "PreemptLowerPriority".to_string());
            }
        }
        Object::ReplicaSet(rs) => default_replica_set(rs),
        Object::Deployment(deployment) => default_deployment(deployment),
        Object::DaemonSet(ds) => default_daemon_set(ds),
        Object::Job(job) => default_job(job),
        Object::CronJob(cj) => default_cron_job(cj),
        Object::StatefulSet(sts) => default_stateful_set(sts),
        Object::PersistentVolumeClaim(pvc) => default_claim(pvc),
        Object::PersistentVolume(pv) => default_volume(pv),
        Object::StorageClass(sc) => default_storage_class(sc),
        // SetDefaults_Secret.
        Object::Secret(secret) => {
            secret.type_.get_or_insert_with(|| "Opaque".to_string());
        }
        Object::Service(svc) => default_service(svc),
        // SetDefaults_EndpointPort (pkg/apis/discovery/v1/defaults.go).
        Object::EndpointSlice(slice) => {
            for port in slice.ports.iter_mut().flatten() {
                port.name.get_or_insert_with(String::new);
                port.protocol.get_or_insert_with(|| "TCP".to_string());
            }
        }
        _ => {}
    }
}

/// SetDefaults_Service (pkg/apis/core/v1/defaults.go): ClusterIP, no
/// session affinity, TCP, the target port the port itself, the Cluster
/// traffic policies; and an empty load-balancer status, as the strategy's
/// PrepareForCreate leaves it.
fn default_service(svc: &mut k8s_openapi::api::core::v1::Service) {
    let spec = svc.spec.get_or_insert_with(Default::default);
    spec.session_affinity
        .get_or_insert_with(|| "None".to_string());
    let service_type = spec
        .type_
        .get_or_insert_with(|| "ClusterIP".to_string())
        .clone();
    for port in spec.ports.iter_mut().flatten() {
        port.protocol.get_or_insert_with(|| "TCP".to_string());
        let unset = match &port.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if unset {
            port.target_port = Some(IntOrString::Int(port.port));
        }
    }
    if matches!(service_type.as_str(), "NodePort" | "LoadBalancer") {
        spec.external_traffic_policy
            .get_or_insert_with(|| "Cluster".to_string());
    }
    if matches!(
        service_type.as_str(),
        "ClusterIP" | "NodePort" | "LoadBalancer"
    ) {
        spec.internal_traffic_policy
            .get_or_insert_with(|| "Cluster".to_string());
    }
    if service_type == "LoadBalancer" {
        spec.allocate_load_balancer_node_ports.get_or_insert(true);
    }
    svc.status
        .get_or_insert_with(Default::default)
        .load_balancer
        .get_or_insert_with(Default::default);
}

/// SetDefaults_StatefulSet (pkg/apis/apps/v1/defaults.go): OrderedReady,
/// RollingUpdate with partition 0, claims retained, one replica, and the
/// claim templates defaulted as claims are.
fn default_stateful_set(sts: &mut StatefulSet) {
    let Some(spec) = sts.spec.as_mut() else {
        return;
    };
    spec.pod_management_policy
        .get_or_insert_with(|| "OrderedReady".to_string());
    let strategy = spec
        .update_strategy
        .get_or_insert_with(StatefulSetUpdateStrategy::default);
    if strategy.type_.is_none() {
        strategy.type_ = Some("RollingUpdate".to_string());
        strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateStatefulSetStrategy::default);
    }
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        if let Some(rolling) = strategy.rolling_update.as_mut() {
            rolling.partition.get_or_insert(0);
        }
    }
    let retention = spec
        .persistent_volume_claim_retention_policy
        .get_or_insert_with(StatefulSetPersistentVolumeClaimRetentionPolicy::default);
    retention
        .when_deleted
        .get_or_insert_with(|| "Retain".to_string());
    retention
        .when_scaled
        .get_or_insert_with(|| "Retain".to_string());
    spec.replicas.get_or_insert(1);
    spec.revision_history_limit.get_or_insert(10);
    if let Some(pod_spec) = spec.template.spec.as_mut() {
        default_pod_spec(pod_spec);
    }
    for claim in spec.volume_claim_templates.iter_mut().flatten() {
        default_claim(claim);
    }
}

/// SetDefaults_PersistentVolumeClaim and SetDefaults_PersistentVolumeClaimSpec.
fn default_claim(pvc: &mut PersistentVolumeClaim) {
    let spec = pvc.spec.get_or_insert_with(Default::default);
    spec.volume_mode
        .get_or_insert_with(|| "Filesystem".to_string());
    let status = pvc.status.get_or_insert_with(Default::default);
    status.phase.get_or_insert_with(|| "Pending".to_string());
}

/// SetDefaults_PersistentVolume: Pending until the PV controller looks,
/// Retain, Filesystem; SetDefaults_HostPathVolumeSource's empty type.
fn default_volume(pv: &mut PersistentVolume) {
    let spec = pv.spec.get_or_insert_with(Default::default);
    spec.persistent_volume_reclaim_policy
        .get_or_insert_with(|| "Retain".to_string());
    spec.volume_mode
        .get_or_insert_with(|| "Filesystem".to_string());
    if let Some(host_path) = spec.host_path.as_mut() {
        host_path.type_.get_or_insert_with(String::new);
    }
    let status = pv.status.get_or_insert_with(Default::default);
    status.phase.get_or_insert_with(|| "Pending".to_string());
}

/// SetDefaults_StorageClass (pkg/apis/storage/v1/defaults.go).
fn default_storage_class(sc: &mut StorageClass) {
    sc.reclaim_policy
        .get_or_insert_with(|| "Delete".to_string());
    sc.volume_binding_mode
        .get_or_insert_with(|| "Immediate".to_string());
}

fn default_replica_set(rs: &mut ReplicaSet) {
    let Some(spec) = rs.spec.as_mut() else { return };
    spec.replicas.get_or_insert(1);
    if let Some(pod_spec) = spec.template.as_mut().and_then(|t| t.spec.as_mut()) {
        default_pod_spec(pod_spec);
    }
}

fn default_deployment(deployment: &mut Deployment) {
    let Some(spec) = deployment.spec.as_mut() else {
        return;
    };
    spec.replicas.get_or_insert(1);
    let strategy = spec
        .strategy
        .get_or_insert_with(DeploymentStrategy::default);
    let strategy_type = strategy
        .type_
        .get_or_insert_with(|| "RollingUpdate".to_string());
    if strategy_type == "RollingUpdate" {
        let rolling = strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDeployment::default);
        rolling
            .max_unavailable
            .get_or_insert(IntOrString::String("25%".to_string()));
        rolling
            .max_surge
            .get_or_insert(IntOrString::String("25%".to_string()));
    }
    spec.revision_history_limit.get_or_insert(10);
    spec.progress_deadline_seconds.get_or_insert(600);
    if let Some(pod_spec) = spec.template.spec.as_mut() {
        default_pod_spec(pod_spec);
    }
}

/// SetDefaults_DaemonSet: RollingUpdate, one pod unavailable at a time, no surge.
fn default_daemon_set(ds: &mut DaemonSet) {
    let Some(spec) = ds.spec.as_mut() else { return };
    let strategy = spec
        .update_strategy
        .get_or_insert_with(DaemonSetUpdateStrategy::default);
    let strategy_type = strategy
        .type_
        .get_or_insert_with(|| "RollingUpdate".to_string());
    if strategy_type == "RollingUpdate" {
        let rolling = strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDaemonSet::default);
        rolling.max_unavailable.get_or_insert(IntOrString::Int(1));
        rolling.max_surge.get_or_insert(IntOrString::Int(0));
    }
    spec.revision_history_limit.get_or_insert(10);
    if let Some(pod_spec) = spec.template.spec.as_mut() {
        default_pod_spec(pod_spec);
    }
}

/// SetDefaults_Job: one pod to one completion unless told otherwise, six retries.
fn default_job(job: &mut k8s_openapi::api::batch::v1::Job) {
    let Some(spec) = job.spec.as_mut() else {
        return;
    };
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
        spec.parallelism = Some(1);
    }
    spec.parallelism.get_or_insert(1);
    spec.backoff_limit.get_or_insert(6);
    spec.completion_mode
        .get_or_insert_with(|| "NonIndexed".to_string());
    spec.suspend.get_or_insert(false);
    spec.manual_selector.get_or_insert(false);
    spec.pod_replacement_policy
        .get_or_insert_with(|| "TerminatingOrFailed".to_string());
    let template_labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone());
    if job.metadata.labels.as_ref().is_none_or(|l| l.is_empty()) {
        job.metadata.labels = template_labels;
    }
    if let Some(pod_spec) = spec.template.spec.as_mut() {
        default_pod_spec(pod_spec);
    }
}

/// SetDefaults_CronJob.
fn default_cron_job(cj: &mut k8s_openapi::api::batch::v1::CronJob) {
    let Some(spec) = cj.spec.as_mut() else { return };
    spec.concurrency_policy
        .get_or_insert_with(|| "Allow".to_string());
    spec.suspend.get_or_insert(false);
    spec.successful_jobs_history_limit.get_or_insert(3);
    spec.failed_jobs_history_limit.get_or_insert(1);
    if let Some(pod_spec) = spec
        .job_template
        .spec
        .as_mut()
        .and_then(|j| j.template.spec.as_mut())
    {
        default_pod_spec(pod_spec);
    }
}

/// SetDefaults_PodSpec and SetDefaults_Container.
fn default_pod_spec(spec: &mut PodSpec) {
    spec.restart_policy
        .get_or_insert_with(|| "Always".to_string());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.dns_policy
        .get_or_insert_with(|| "ClusterFirst".to_string());
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".to_string());
    spec.security_context
        .get_or_insert_with(PodSecurityContext::default);
    spec.enable_service_links.get_or_insert(true);
    for container in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        default_container(container);
    }
    for volume in spec.volumes.iter_mut().flatten() {
        default_volume_source(volume);
    }
}

/// The files of configMap, secret, downwardAPI and projected volumes are
/// 0644 unless said otherwise (SetDefaults_ConfigMapVolumeSource and its
/// siblings); a projected token lives an hour; field selectors default to v1.
fn default_volume_source(volume: &mut Volume) {
    const DEFAULT_MODE: i32 = 0o644;
    if let Some(c) = volume.config_map.as_mut() {
        c.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(s) = volume.secret.as_mut() {
        s.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(d) = volume.downward_api.as_mut() {
        d.default_mode.get_or_insert(DEFAULT_MODE);
        for item in d.items.iter_mut().flatten() {
            default_field_selector(item.field_ref.as_mut());
        }
    }
    if let Some(p) = volume.projected.as_mut() {
        p.default_mode.get_or_insert(DEFAULT_MODE);
        for source in p.sources.iter_mut().flatten() {
            if let Some(token) = source.service_account_token.as_mut() {
                token.expiration_seconds.get_or_insert(3600);
            }
            for item in source
                .downward_api
                .iter_mut()
                .flat_map(|d| d.items.iter_mut().flatten())
            {
                default_field_selector(item.field_ref.as_mut());
            }
        }
    }
}

/// SetDefaults_ObjectFieldSelector.
fn default_field_selector(selector: Option<&mut ObjectFieldSelector>) {
    if let Some(s) = selector {
        s.api_version.get_or_insert_with(|| "v1".to_string());
    }
}

fn default_container(container: &mut Container) {
    if container.image_pull_policy.is_none() {
        container.image_pull_policy =
            Some(default_pull_policy(container.image.as_deref().unwrap_or("")).to_string());
    }
    container
        .termination_message_path
        .get_or_insert_with(|| "/dev/termination-log".to_string());
    container
        .termination_message_policy
        .get_or_insert_with(|| "File".to_string());
    for port in container.ports.iter_mut().flatten() {
        port.protocol.get_or_insert_with(|| "TCP".to_string());
    }
    for var in container.env.iter_mut().flatten() {
        default_field_selector(
            var.value_from
                .as_mut()
                .and_then(|from| from.field_ref.as_mut()),
        );
    }
}

/// `Always` for `:latest` or no tag, `IfNotPresent` otherwise (a digest counts as a tag).
pub fn default_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    match last_segment.split_once(':') {
        Some((_, tag)) if tag != "latest" => "IfNotPresent",
        _ => "Always",
    }
}

/// The DefaultTolerationSeconds admission plugin: every pod tolerates a
/// not-ready or unreachable node for 300 s before it is evicted.
fn default_tolerations(spec: &mut PodSpec) {
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let already = tolerations.iter().any(|t| {
            (t.key.as_deref() == Some(key)
                || t.key.is_none() && t.operator.as_deref() == Some("Exists"))
                && t.effect.as_deref().is_none_or(|e| e == "NoExecute")
        });
        if !already {
            tolerations.push(Toleration {
                key: Some(key.to_string()),
                operator: Some("Exists".to_string()),
                effect: Some("NoExecute".to_string()),
                toleration_seconds: Some(300),
                ..Toleration::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.14.2"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/app"), "Always");
        assert_eq!(default_pull_policy("localhost:5000/app:v1"), "IfNotPresent");
        assert_eq!(default_pull_policy("nginx@sha256:abc"), "IfNotPresent");
    }
}
