//! kube-controller-manager: level-based reconcile loops, one per file. Each is
//! woken by watch events (through `keys_for`) or a requeue, reads the world
//! through the API server and moves it one step toward the desired state.

pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod endpoints;
pub mod endpointslice;
pub mod garbage_collector;
pub mod history;
pub mod hostpath_provisioner;
pub mod job;
pub mod namespace;
pub mod node_lifecycle;
pub mod persistent_volume;
pub mod pod_gc;
pub mod pv_protection;
pub mod pvc_protection;
pub mod replicaset;
pub mod statefulset;
pub mod taint_eviction;

use k8s_openapi::api::core::v1::PodTemplateSpec;

use crate::apiserver::ApiServer;
use crate::events::{EventRecorder, EventType, Source};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::rand::{fnv32a, safe_encode};
use crate::store::WatchEvent;
use crate::time::{SimDuration, SimTime};

/// What a reconcile needs: the API server, an event recorder, the time, and
/// the storage behind volumes.
pub struct Context<'a> {
    pub api: &'a mut ApiServer,
    pub recorder: &'a mut EventRecorder,
    pub now: SimTime,
    /// The files of PersistentVolumes (the kubelets mount them, reclaiming
    /// a volume deletes them).
    pub storage: &'a mut crate::storage::Storage,
    /// Cluster DNS, which the kubelets hand to their pods' processes.
    pub dns: &'a std::sync::Arc<crate::dns::ClusterDns>,
}

impl Context<'_> {
    /// Records an event about `involved`, now.
    pub fn record(
        &mut self,
        source: &Source,
        involved: &Object,
        event_type: EventType,
        reason: &str,
        message: &str,
    ) {
        self.recorder.record(
            self.api, self.now, source, involved, event_type, reason, message,
        );
    }
}

/// The keys of the controllers of kind `owner` that control the object of
/// a watch event, before and after the change: a pod whose controller
/// changed wakes the old one too, as upstream's updatePod handlers do.
pub fn owner_keys(event: &WatchEvent, owner: Kind) -> Vec<ObjectRef> {
    let kind = owner.info().kind;
    let namespace = event.object_ref.namespace.as_deref();
    let mut keys: Vec<ObjectRef> = std::iter::once(&*event.object)
        .chain(event.previous.as_deref())
        .filter_map(|o| o.meta().controller_owner())
        .filter(|r| r.kind == kind)
        .map(|r| ObjectRef::new(owner, namespace, &r.name))
        .collect();
    keys.dedup();
    keys
}

/// ComputeHash (controller_utils.go): FNV-32a of the template, rendered
/// with SafeEncodeString; the pod-template-hash and the revision hashes of
/// DaemonSets and StatefulSets. (Upstream hashes Go's printed form of the
/// struct, so the value differs from a real cluster's; what matters is that
/// equal templates hash equally.)
pub fn compute_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    // Through serde_json::Value, as objects are serialized everywhere else, so
    // the k8s-openapi serializers are compiled once, not again for the writer.
    // The bytes are the same: k8s-openapi writes a nested struct's fields in
    // sorted order, the order of Value's map.
    let value = serde_json::to_value(template).unwrap_or_default();
    let mut bytes = serde_json::to_vec(&value).unwrap_or_default();
    if let Some(c) = collision_count {
        bytes.extend_from_slice(&c.to_le_bytes());
    }
    safe_encode(&fnv32a(&bytes).to_string())
}

/// The result of one reconcile.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reconciled {
    /// What the controller did, in a sentence, or None if nothing needed doing.
    pub summary: Option<String>,
    /// Reconcile again after this long even without a change (kube-rs' Action::requeue).
    pub requeue_after: Option<SimDuration>,
}

impl Reconciled {
    pub fn did(summary: impl Into<String>) -> Self {
        Reconciled {
            summary: Some(summary.into()),
            requeue_after: None,
        }
    }

    pub fn nothing() -> Self {
        Reconciled::default()
    }

    pub fn requeue(mut self, after: SimDuration) -> Self {
        self.requeue_after = Some(match self.requeue_after {
            Some(existing) => existing.min(after),
            None => after,
        });
        self
    }
}

pub trait Controller {
    /// The name the controller manager runs it under (`replicaset-controller`).
    fn name(&self) -> &'static str;
    /// The objects a change should make this controller reconcile.
    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectRef>;
    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled;
    /// For a controller with timed work besides its watches — a periodic loop
    /// such as the node lifecycle controller's node-monitor-period, or
    /// timers such as scheduled evictions — when `tick` should next run.
    /// Asked again after every reconcile and every tick.
    fn next_tick(&self, _now: SimTime) -> Option<SimDuration> {
        None
    }
    /// One round of the timed work.
    fn tick(&mut self, _ctx: &mut Context) -> Reconciled {
        Reconciled::nothing()
    }
    /// Whether a coming tick will change something a learner can see even
    /// if nothing else happens (so `sim step` waits for it).
    fn tick_pending(&self, _api: &ApiServer) -> bool {
        false
    }
}

/// The controllers the simulated controller manager runs, in a fixed order.
pub fn all() -> Vec<Box<dyn Controller>> {
    vec![
        Box::new(deployment::DeploymentController),
        Box::new(daemonset::DaemonSetController),
        Box::new(replicaset::ReplicaSetController),
        Box::new(statefulset::StatefulSetController),
        Box::new(persistent_volume::PersistentVolumeController),
        Box::new(hostpath_provisioner::HostPathProvisioner),
        Box::new(pvc_protection::PvcProtectionController),
        Box::new(pv_protection::PvProtectionController),
        Box::new(job::JobController),
        Box::new(cronjob::CronJobController),
        Box::new(endpointslice::EndpointSliceController),
        Box::new(endpoints::EndpointsController),
        Box::new(garbage_collector::GarbageCollector),
        Box::new(namespace::NamespaceController),
        Box::new(node_lifecycle::NodeLifecycleController::default()),
        Box::new(taint_eviction::TaintEvictionController::default()),
        Box::new(pod_gc::PodGcController::default()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// compute_hash relies on it: a template's JSON through Value is the writer's, byte for byte.
    #[test]
    fn a_template_through_value_writes_the_same_bytes() {
        let template: PodTemplateSpec = serde_json::from_value(serde_json::json!({
            "metadata": {"labels": {"app": "web", "tier": "b"}, "annotations": {"a": "1"}},
            "spec": {
                "hostNetwork": true, "hostname": "h", "nodeSelector": {"disktype": "ssd"},
                "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c", "true"]}],
                "containers": [{
                    "name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
                    "env": [{"name": "A", "value": "1"}], "envFrom": [{"configMapRef": {"name": "c"}}],
                    "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                    "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
                    "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": true}]
                }],
                "volumes": [
                    {"name": "data", "persistentVolumeClaim": {"claimName": "c"}},
                    {"name": "cfg", "configMap": {"name": "c", "items": [{"key": "k", "path": "p"}]}}
                ],
                "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 30}],
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}},
                "terminationGracePeriodSeconds": 10, "restartPolicy": "Always"
            }
        }))
        .unwrap();
        let direct = serde_json::to_vec(&template).unwrap();
        let via_value = serde_json::to_vec(&serde_json::to_value(&template).unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(via_value).unwrap(),
            String::from_utf8(direct).unwrap()
        );
    }
}
