//! kube-apiserver: the one door to etcd. Every change, from the learner or a
//! component, goes through the same admission path:
//! decode → defaulting → validation → store. Components never touch the store
//! directly, so "all components communicate through the API server" holds by
//! construction.

pub mod auth;
pub mod decode;
pub mod defaults;
pub mod errors;
pub mod kubernetes_service;
pub mod schema;
pub mod service_alloc;
pub mod validation;
pub(crate) mod validation_config;
pub mod validation_service;
mod validation_storage;

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub use errors::{ApiError, FieldError, StatusReason};

use crate::objects::{Kind, MetaExt, Object, ObjectRef, TypedObject};
use crate::rand::SimRng;
use crate::store::{Store, WatchEvent};
use crate::time::SimTime;
use crate::view::WriteRecord;

pub struct ApiServer {
    store: Store,
    rng: SimRng,
    /// Cluster IPs and node ports of new Services (service_alloc.rs).
    service_rng: SimRng,
    /// Writes since the simulation last collected them, for the step log.
    writes: Vec<WriteRecord>,
    /// The most pods the cluster holds (kubeplay's limit, not Kubernetes').
    pod_limit: usize,
}

/// Enough for any lesson and five times the 200-pod performance budget; a
/// `--replicas=100000` would otherwise freeze the learner's tab for minutes.
pub const POD_LIMIT: usize = 1000;

impl ApiServer {
    pub fn new(seed: u64) -> Self {
        ApiServer {
            store: Store::default(),
            rng: SimRng::new(seed),
            service_rng: SimRng::new(seed ^ 0x5345_5256_4943_4553),
            writes: Vec::new(),
            pod_limit: POD_LIMIT,
        }
    }

    /// Benchmarks measure clusters far past what a learner's tab can hold.
    pub fn set_pod_limit(&mut self, limit: usize) {
        self.pod_limit = limit;
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    pub fn take_writes(&mut self) -> Vec<WriteRecord> {
        std::mem::take(&mut self.writes)
    }

    pub fn take_watch_events(&mut self) -> Vec<WatchEvent> {
        self.store.take_watch_events()
    }

    pub fn get(&self, object_ref: &ObjectRef) -> Option<&Object> {
        self.store.get(&object_ref.key()).map(|e| &*e.object)
    }

    pub fn get_typed<T: TypedObject>(&self, namespace: Option<&str>, name: &str) -> Option<&T> {
        self.get(&ObjectRef::new(T::KIND, namespace, name))
            .and_then(T::from_object)
    }

    /// All objects of a kind, in one namespace or all, in key (name) order.
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> impl Iterator<Item = &Object> + '_ {
        let prefix = match namespace {
            Some(ns) if kind.info().namespaced => {
                format!("/registry/{}/{ns}/", kind.info().etcd_prefix)
            }
            _ => format!("/registry/{}/", kind.info().etcd_prefix),
        };
        self.store.range_owned(prefix).map(|(_, e)| &*e.object)
    }

    /// The stored objects themselves, shared: a caller that writes to the
    /// API server meanwhile keeps them without copying them.
    pub fn list_shared(&self, kind: Kind, namespace: Option<&str>) -> Vec<Arc<Object>> {
        let prefix = match namespace {
            Some(ns) if kind.info().namespaced => {
                format!("/registry/{}/{ns}/", kind.info().etcd_prefix)
            }
            _ => format!("/registry/{}/", kind.info().etcd_prefix),
        };
        self.store
            .range_owned(prefix)
            .map(|(_, e)| e.object.clone())
            .collect()
    }

    pub fn list_typed<T: TypedObject>(&self, namespace: Option<&str>) -> Vec<&T> {
        self.list(T::KIND, namespace)
            .filter_map(T::from_object)
            .collect()
    }

    /// Creates an object through the whole admission path, returning it as stored.
    pub fn create(&mut self, now: SimTime, mut object: Object) -> Result<Arc<Object>, ApiError> {
        let kind = object.kind();
        let info = kind.info();
        {
            let meta = object.meta_mut();
            if info.namespaced {
                if meta.namespace.as_deref().is_none_or(str::is_empty) {
                    meta.namespace = Some("default".to_string());
                }
            } else {
                meta.namespace = None;
            }
            if meta.name.as_deref().is_none_or(str::is_empty) {
                if let Some(prefix) = meta.generate_name.clone() {
                    meta.name = Some(format!("{prefix}{}", self.rng.name_suffix()));
                }
            }
        }
        if let Object::Pod(pod) = &object {
            admit_priority(pod)?;
            if self.pod_limit < usize::MAX && self.list(Kind::Pod, None).count() >= self.pod_limit {
                return Err(ApiError::new(
                    StatusReason::Forbidden,
                    format!(
                        "pods \"{}\" is forbidden: kubeplay: the simulated cluster holds at most {} pods",
                        pod.metadata.name_str(),
                        self.pod_limit
                    ),
                ));
            }
        }
        if let Object::PersistentVolumeClaim(pvc) = &mut object {
            admit_default_storage_class(self, pvc);
        }
        admit_storage_protection(&mut object);
        if let Object::Namespace(ns) = &mut object {
            // The namespace strategy's PrepareForCreate: the namespace
            // controller's finalizer, and phase Active.
            let spec = ns.spec.get_or_insert_with(Default::default);
            if spec.finalizers.as_ref().is_none_or(|f| f.is_empty()) {
                spec.finalizers = Some(vec!["kubernetes".to_string()]);
            }
            ns.status = Some(k8s_openapi::api::core::v1::NamespaceStatus {
                phase: Some("Active".into()),
                conditions: None,
            });
        }
        defaults::apply_defaults(&mut object);
        let errors = validation::validate(&object);
        if !errors.is_empty() {
            return Err(errors::invalid(
                info.kind,
                object.meta().name_str(),
                &errors,
            ));
        }
        if let Object::Service(svc) = &mut object {
            let (ips, ports) = self.service_addresses();
            if let Err(e) = service_alloc::allocate(svc, &ips, &ports, &mut self.service_rng) {
                return Err(errors::invalid(info.kind, object.meta().name_str(), &[e]));
            }
        }
        if info.namespaced {
            let ns = object.meta().namespace_str().to_string();
            match self.get_typed::<k8s_openapi::api::core::v1::Namespace>(None, &ns) {
                None => return Err(ApiError::not_found("namespaces", &ns)),
                Some(n) if n.metadata.is_deleting() => {
                    return Err(ApiError::new(
                        StatusReason::Forbidden,
                        format!(
                            "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                            info.qualified_plural(),
                            object.meta().name_str()
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        let object_ref = ObjectRef::of(&object);
        if self.store.get(&object_ref.key()).is_some() {
            return Err(ApiError::already_exists(
                &info.qualified_plural(),
                &object_ref.name,
            ));
        }
        let revision = self.store.next_revision();
        {
            let uid = self.rng.uuid();
            let meta = object.meta_mut();
            meta.uid = Some(uid);
            meta.creation_timestamp = Some(now.to_k8s());
            meta.resource_version = Some(revision.to_string());
            meta.deletion_timestamp = None;
            // The strategies' PrepareForCreate: workloads count spec changes.
            if matches!(
                kind,
                Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet
            ) {
                meta.generation = Some(1);
            }
        }
        if let Object::Job(job) = &mut object {
            generate_job_selector(job);
        }
        if let Object::Pod(pod) = &mut object {
            // The pod strategy's PrepareForCreate computes the QoS class.
            let qos = crate::podutil::qos_class(pod);
            pod.status.get_or_insert_with(Default::default).qos_class = Some(qos.to_string());
        }
        let object = Arc::new(object);
        self.put(object.clone(), "create");
        Ok(object)
    }

    /// The cluster IPs and node ports Services hold.
    fn service_addresses(&self) -> (BTreeSet<String>, BTreeSet<i32>) {
        let mut ips = BTreeSet::new();
        let mut ports = BTreeSet::new();
        for svc in self.list_typed::<k8s_openapi::api::core::v1::Service>(None) {
            let Some(spec) = &svc.spec else { continue };
            ips.extend(spec.cluster_ips.iter().flatten().cloned());
            ports.extend(spec.ports.iter().flatten().filter_map(|p| p.node_port));
        }
        (ips, ports)
    }

    /// Replaces an object. A stale resourceVersion is a conflict, as in the
    /// real API server's optimistic concurrency.
    pub fn update(&mut self, mut object: Object) -> Result<Arc<Object>, ApiError> {
        let object_ref = ObjectRef::of(&object);
        let info = object.kind().info();
        let Some(current) = self.store.get(&object_ref.key()) else {
            return Err(ApiError::not_found(
                &info.qualified_plural(),
                &object_ref.name,
            ));
        };
        let current_rv = current.mod_revision.to_string();
        if let Some(rv) = object.meta().resource_version.as_deref() {
            if !rv.is_empty() && rv != current_rv {
                return Err(ApiError::new(
                    StatusReason::Conflict,
                    format!(
                        "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                        info.qualified_plural(),
                        object_ref.name
                    ),
                ));
            }
        }
        let old = current.object.clone();
        defaults::apply_defaults(&mut object);
        if let (Object::Service(old_svc), Object::Service(svc)) = (&*old, &mut object) {
            service_alloc::keep_allocated(old_svc, svc);
        }
        let mut errors = validation::validate(&object);
        errors.extend(validation::validate_update(&old, &object));
        if !errors.is_empty() {
            return Err(errors::invalid(info.kind, &object_ref.name, &errors));
        }
        // Only kinds that count generations need the (costly) spec comparison.
        let spec_changed = old.meta().generation.is_some() && spec_json(&old) != spec_json(&object);
        {
            let old_meta = old.meta();
            let meta = object.meta_mut();
            meta.uid = old_meta.uid.clone();
            meta.creation_timestamp = old_meta.creation_timestamp.clone();
            if meta.deletion_timestamp.is_none() {
                meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
                meta.deletion_grace_period_seconds = old_meta.deletion_grace_period_seconds;
            }
            meta.generation = match old_meta.generation {
                Some(g) if spec_changed => Some(g + 1),
                g => g,
            };
            meta.resource_version = old_meta.resource_version.clone();
        }
        if *old == object {
            // Nothing changed: no write, no new revision, no watch event.
            return Ok(old);
        }
        if ready_to_remove(&object) {
            // The last finalizer of a deleting object is gone.
            let revision = self.store.delete(&object_ref.key()).unwrap_or_default();
            self.writes.push(WriteRecord {
                verb: "delete".into(),
                key: object_ref.key(),
                revision,
            });
            return Ok(Arc::new(object));
        }
        object.meta_mut().resource_version = Some(self.store.next_revision().to_string());
        let object = Arc::new(object);
        self.put(object.clone(), "update");
        Ok(object)
    }

    /// Deletes an object in the background (dependents are collected afterwards).
    pub fn delete(
        &mut self,
        now: SimTime,
        object_ref: &ObjectRef,
        grace_seconds: Option<i64>,
    ) -> Result<Arc<Object>, ApiError> {
        self.delete_with(
            now,
            object_ref,
            DeleteOptions {
                grace_seconds,
                propagation: Propagation::Background,
            },
        )
    }

    /// Deletes an object. A pod on a node is deleted gracefully: it gets a
    /// deletionTimestamp and its kubelet removes it once its containers stop.
    /// An object with finalizers, or a namespace, stays (with its
    /// deletionTimestamp) until its finalizers are done.
    pub fn delete_with(
        &mut self,
        now: SimTime,
        object_ref: &ObjectRef,
        options: DeleteOptions,
    ) -> Result<Arc<Object>, ApiError> {
        let info = object_ref.kind.info();
        let Some(entry) = self.store.get(&object_ref.key()) else {
            return Err(ApiError::not_found(
                &info.qualified_plural(),
                &object_ref.name,
            ));
        };
        let mut object = Object::clone(&entry.object);
        if object_ref.kind == Kind::Namespace
            && IMMORTAL_NAMESPACES.contains(&object_ref.name.as_str())
        {
            return Err(ApiError::new(
                StatusReason::Forbidden,
                format!(
                    "namespaces \"{}\" is forbidden: this namespace may not be deleted",
                    object_ref.name
                ),
            ));
        }
        let finalizer = match options.propagation {
            Propagation::Foreground => Some(FOREGROUND_DELETION),
            Propagation::Orphan => Some(ORPHAN),
            Propagation::Background => None,
        };
        let was_deleting = object.meta().deletion_timestamp.is_some();
        {
            let meta = object.meta_mut();
            if let Some(f) = finalizer {
                let list = meta.finalizers.get_or_insert_with(Vec::new);
                if !list.iter().any(|x| x == f) {
                    list.push(f.to_string());
                }
            }
            if meta.deletion_timestamp.is_none() {
                meta.deletion_timestamp = Some(now.to_k8s());
                meta.deletion_grace_period_seconds = Some(0);
            }
        }
        match &mut object {
            Object::Pod(pod) => {
                let on_node = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.node_name.as_ref())
                    .is_some();
                let default_grace = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds)
                    .unwrap_or(30);
                let grace = if on_node {
                    options.grace_seconds.unwrap_or(default_grace).max(0)
                } else {
                    0
                };
                // A graceful deletion already under way only ever gets shorter.
                let current = if was_deleting {
                    pod.metadata.deletion_grace_period_seconds.unwrap_or(grace)
                } else {
                    grace
                };
                let grace = grace.min(current);
                pod.metadata.deletion_grace_period_seconds = Some(grace);
                if !was_deleting || grace == 0 {
                    pod.metadata.deletion_timestamp = Some(
                        now.plus(crate::time::SimDuration::from_secs(grace as u64))
                            .to_k8s(),
                    );
                }
            }
            Object::Namespace(ns) => {
                let status = ns.status.get_or_insert_with(Default::default);
                status.phase = Some("Terminating".into());
            }
            _ => {}
        }
        if ready_to_remove(&object) {
            let revision = self.store.delete(&object_ref.key()).unwrap_or_default();
            self.writes.push(WriteRecord {
                verb: "delete".into(),
                key: object_ref.key(),
                revision,
            });
            return Ok(Arc::new(object));
        }
        match self.store.get(&object_ref.key()) {
            Some(entry) if *entry.object == object => Ok(entry.object.clone()),
            _ => {
                object.meta_mut().resource_version = Some(self.store.next_revision().to_string());
                let object = Arc::new(object);
                self.put(object.clone(), "delete");
                Ok(object)
            }
        }
    }

    /// The pods/binding subresource: the scheduler's only write to a pod.
    /// Returns the bound pod as stored.
    pub fn bind(
        &mut self,
        now: SimTime,
        pod_ref: &ObjectRef,
        node: &str,
    ) -> Result<Arc<Object>, ApiError> {
        let Some(Object::Pod(current)) = self.get(pod_ref) else {
            return Err(ApiError::not_found("pods", &pod_ref.name));
        };
        let mut pod = current.clone();
        let spec = pod.spec.get_or_insert_with(Default::default);
        if let Some(existing) = &spec.node_name {
            return Err(ApiError::new(
                StatusReason::Conflict,
                format!("Operation cannot be fulfilled on pods/binding \"{}\": pod {} is already assigned to node \"{existing}\"", pod_ref.name, pod_ref.name),
            ));
        }
        spec.node_name = Some(node.to_string());
        let status = pod.status.get_or_insert_with(Default::default);
        set_pod_condition(status, "PodScheduled", "True", None, None, now);
        pod.metadata.resource_version = Some(self.store.next_revision().to_string());
        let object = Arc::new(Object::Pod(pod));
        self.put(object.clone(), "bind");
        Ok(object)
    }

    fn put(&mut self, object: Arc<Object>, verb: &str) {
        let object_ref = ObjectRef::of(&object);
        let key = object_ref.key();
        let revision = self.store.put_at(object_ref, key.clone(), object);
        self.writes.push(WriteRecord {
            verb: verb.to_string(),
            key,
            revision,
        });
    }
}

/// The Priority admission plugin, with no PriorityClass objects in the cluster.
fn admit_priority(pod: &Pod) -> Result<(), ApiError> {
    let name = pod.metadata.name_str();
    let Some(spec) = &pod.spec else { return Ok(()) };
    if let Some(class) = spec
        .priority_class_name
        .as_deref()
        .filter(|c| !c.is_empty())
    {
        // PriorityClasses (and so preemption) are not simulated yet.
        return Err(ApiError::new(
            StatusReason::Forbidden,
            format!("pods \"{name}\" is forbidden: no PriorityClass with name {class} was found"),
        ));
    }
    match spec.priority {
        Some(p) if p != 0 && spec.priority_class_name.is_none() => Err(ApiError::new(
            StatusReason::Forbidden,
            format!("pods \"{name}\" is forbidden: the integer value of priority ({p}) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name"),
        )),
        _ => Ok(()),
    }
}

/// The DefaultStorageClass admission plugin
/// (plugin/pkg/admission/storage/storageclass/setdefault): a claim that names
/// no class gets the default one, the newest if several are marked.
fn admit_default_storage_class(
    api: &ApiServer,
    pvc: &mut k8s_openapi::api::core::v1::PersistentVolumeClaim,
) {
    let spec = pvc.spec.get_or_insert_with(Default::default);
    if spec.storage_class_name.is_some() {
        return;
    }
    if let Some(class) = crate::controllers::persistent_volume::default_class(api) {
        spec.storage_class_name = Some(class);
    }
}

/// The StorageObjectInUseProtection admission plugin
/// (plugin/pkg/admission/storage/storageobjectinuseprotection): claims and
/// volumes get the finalizers their protection controllers remove.
fn admit_storage_protection(object: &mut Object) {
    let finalizer = match object {
        Object::PersistentVolumeClaim(_) => crate::controllers::pvc_protection::FINALIZER,
        Object::PersistentVolume(_) => crate::controllers::pv_protection::FINALIZER,
        _ => return,
    };
    let list = object.meta_mut().finalizers.get_or_insert_with(Vec::new);
    if !list.iter().any(|f| f == finalizer) {
        list.push(finalizer.to_string());
    }
}

fn spec_json(object: &Object) -> serde_json::Value {
    let mut value = serde_json::to_value(object).unwrap_or_default();
    value
        .get_mut("spec")
        .map(std::mem::take)
        .unwrap_or_default()
}

/// Namespaces the API server refuses to delete.
const IMMORTAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];
/// The garbage collector's finalizers for foreground and orphan deletion.
pub const FOREGROUND_DELETION: &str = "foregroundDeletion";
pub const ORPHAN: &str = "orphan";

/// How a deletion treats the object's dependents (metav1.DeletionPropagation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    /// Delete the owner now; the garbage collector deletes dependents afterwards.
    #[default]
    Background,
    /// Delete dependents first; the owner waits with the foregroundDeletion finalizer.
    Foreground,
    /// Keep the dependents, removing their ownerReferences.
    Orphan,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    pub grace_seconds: Option<i64>,
    pub propagation: Propagation,
}

/// A deleting object leaves the store when its finalizers are done, and, for
/// a pod, when its grace period is over (the kubelet deletes with grace 0).
fn ready_to_remove(object: &Object) -> bool {
    let meta = object.meta();
    if meta.deletion_timestamp.is_none() || meta.finalizers.as_ref().is_some_and(|f| !f.is_empty())
    {
        return false;
    }
    match object {
        Object::Pod(_) => meta.deletion_grace_period_seconds.unwrap_or(0) == 0,
        Object::Namespace(ns) => ns
            .spec
            .as_ref()
            .and_then(|s| s.finalizers.as_ref())
            .is_none_or(|f| f.is_empty()),
        _ => true,
    }
}

/// The Job strategy's PrepareForCreate: unless the selector is manual, the
/// Job selects its pods by its own uid, and its template carries the labels.
fn generate_job_selector(job: &mut k8s_openapi::api::batch::v1::Job) {
    let uid = job.metadata.uid.clone().unwrap_or_default();
    let name = job.metadata.name.clone().unwrap_or_default();
    let Some(spec) = job.spec.as_mut() else {
        return;
    };
    if spec.manual_selector == Some(true) {
        return;
    }
    let labels = spec
        .template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(Default::default);
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", uid.as_str()),
        ("batch.kubernetes.io/job-name", name.as_str()),
        ("controller-uid", uid.as_str()),
        ("job-name", name.as_str()),
    ] {
        labels.insert(k.to_string(), v.to_string());
    }
    spec.selector = Some(
        k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector {
            match_labels: Some([("batch.kubernetes.io/controller-uid".to_string(), uid)].into()),
            match_expressions: None,
        },
    );
}

/// Sets a pod condition, keeping its lastTransitionTime when the status does not change.
pub fn set_pod_condition(
    status: &mut k8s_openapi::api::core::v1::PodStatus,
    type_: &str,
    value: &str,
    reason: Option<&str>,
    message: Option<&str>,
    now: SimTime,
) {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            if c.status != value {
                c.status = value.to_string();
                c.last_transition_time = Some(now.to_k8s());
            }
            c.reason = reason.map(str::to_string);
            c.message = message.map(str::to_string);
        }
        None => conditions.push(PodCondition {
            type_: type_.to_string(),
            status: value.to_string(),
            last_transition_time: Some(now.to_k8s()),
            reason: reason.map(str::to_string),
            message: message.map(str::to_string),
            ..PodCondition::default()
        }),
    }
}

/// Metadata for an object a component creates.
pub fn new_meta(namespace: &str, name: Option<&str>, generate_name: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        namespace: Some(namespace.to_string()),
        name: name.map(str::to_string),
        generate_name: generate_name.map(str::to_string),
        ..ObjectMeta::default()
    }
}
