//! The objects the simulated cluster stores: real Kubernetes types from
//! k8s-openapi, wrapped in one enum so the store and the API server can hold
//! any of them.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod,
    Secret, Service, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// Everything the API server knows about one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KindInfo {
    pub kind: &'static str,
    /// `v1`, `apps/v1`.
    pub api_version: &'static str,
    /// The group, "" for the core group.
    pub group: &'static str,
    /// The resource name used in URLs, RBAC and kubectl (`pods`).
    pub plural: &'static str,
    pub singular: &'static str,
    /// kubectl's short names (`po`, `deploy`).
    pub short_names: &'static [&'static str],
    /// The resource part of the etcd key: the API server stores nodes under `minions`.
    pub etcd_prefix: &'static str,
    pub namespaced: bool,
}

impl KindInfo {
    /// `deployment.apps`, `pod`: how kubectl names the kind in its output.
    pub fn qualified_singular(&self) -> String {
        if self.group.is_empty() {
            self.singular.to_string()
        } else {
            format!("{}.{}", self.singular, self.group)
        }
    }

    /// `deployments.apps`, `pods`: how API errors name the resource.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

macro_rules! kinds {
    ($( $variant:ident($ty:ty) {
        api_version: $api:literal, group: $group:literal, plural: $plural:literal,
        singular: $singular:literal, short: [$($short:literal),*], etcd: $etcd:literal, namespaced: $ns:literal
    } ),* $(,)?) => {
        /// A stored object of one of the kinds the simulation acts on.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Object {
            $( $variant($ty), )*
            /// A kind a real cluster serves that nothing in the simulation acts on.
            Other(Box<OtherObject>),
        }

        /// The kinds the API server knows: those the simulation acts on, and the others.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $( $variant, )*
            Other(&'static KindInfo),
        }

        impl Kind {
            /// The kinds the simulation acts on.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            pub fn info(self) -> &'static KindInfo {
                match self {
                    $( Kind::$variant => &KindInfo {
                        kind: stringify!($variant), api_version: $api, group: $group, plural: $plural,
                        singular: $singular, short_names: &[$($short),*], etcd_prefix: $etcd, namespaced: $ns,
                    }, )*
                    Kind::Other(info) => info,
                }
            }

            /// Whether a component of the simulation acts on objects of this kind.
            pub fn is_simulated(self) -> bool {
                !matches!(self, Kind::Other(_))
            }
        }

        impl Object {
            pub fn kind(&self) -> Kind {
                match self {
                    $( Object::$variant(_) => Kind::$variant, )*
                    Object::Other(o) => Kind::Other(o.info),
                }
            }

            pub fn meta(&self) -> &ObjectMeta {
                match self {
                    $( Object::$variant(o) => &o.metadata, )*
                    Object::Other(o) => &o.metadata,
                }
            }

            pub fn meta_mut(&mut self) -> &mut ObjectMeta {
                match self {
                    $( Object::$variant(o) => &mut o.metadata, )*
                    Object::Other(o) => &mut o.metadata,
                }
            }
        }

        $(
            impl From<$ty> for Object {
                fn from(o: $ty) -> Object {
                    Object::$variant(o)
                }
            }

            impl TypedObject for $ty {
                const KIND: Kind = Kind::$variant;

                fn from_object(o: &Object) -> Option<&Self> {
                    match o {
                        Object::$variant(inner) => Some(inner),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }

                fn into_object(self) -> Object {
                    Object::$variant(self)
                }
            }
        )*
    };
}

/// An object of a kind nothing in the simulation acts on: its metadata, and
/// the rest of its body as it was decoded (strictly, through its k8s-openapi type).
#[derive(Clone, Debug, PartialEq)]
pub struct OtherObject {
    pub info: &'static KindInfo,
    pub metadata: ObjectMeta,
    /// The whole object as JSON; `metadata` here is stale, the field above wins.
    pub body: serde_json::Value,
}

impl Serialize for OtherObject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut body = self.body.clone();
        if let Some(map) = body.as_object_mut() {
            map.insert(
                "metadata".into(),
                serde_json::to_value(&self.metadata).map_err(serde::ser::Error::custom)?,
            );
        }
        body.serialize(s)
    }
}

/// A k8s-openapi type that the store can hold.
pub trait TypedObject: Clone + Sized {
    const KIND: Kind;
    fn from_object(o: &Object) -> Option<&Self>;
    fn into_object(self) -> Object;
}

kinds! {
    Namespace(Namespace) {
        api_version: "v1", group: "", plural: "namespaces", singular: "namespace",
        short: ["ns"], etcd: "namespaces", namespaced: false
    },
    Node(Node) {
        api_version: "v1", group: "", plural: "nodes", singular: "node",
        short: ["no"], etcd: "minions", namespaced: false
    },
    Pod(Pod) {
        api_version: "v1", group: "", plural: "pods", singular: "pod",
        short: ["po"], etcd: "pods", namespaced: true
    },
    Event(Event) {
        api_version: "v1", group: "", plural: "events", singular: "event",
        short: ["ev"], etcd: "events", namespaced: true
    },
    ReplicaSet(ReplicaSet) {
        api_version: "apps/v1", group: "apps", plural: "replicasets", singular: "replicaset",
        short: ["rs"], etcd: "replicasets", namespaced: true
    },
    Deployment(Deployment) {
        api_version: "apps/v1", group: "apps", plural: "deployments", singular: "deployment",
        short: ["deploy"], etcd: "deployments", namespaced: true
    },
    DaemonSet(DaemonSet) {
        api_version: "apps/v1", group: "apps", plural: "daemonsets", singular: "daemonset",
        short: ["ds"], etcd: "daemonsets", namespaced: true
    },
    StatefulSet(StatefulSet) {
        api_version: "apps/v1", group: "apps", plural: "statefulsets", singular: "statefulset",
        short: ["sts"], etcd: "statefulsets", namespaced: true
    },
    PersistentVolumeClaim(PersistentVolumeClaim) {
        api_version: "v1", group: "", plural: "persistentvolumeclaims", singular: "persistentvolumeclaim",
        short: ["pvc"], etcd: "persistentvolumeclaims", namespaced: true
    },
    PersistentVolume(PersistentVolume) {
        api_version: "v1", group: "", plural: "persistentvolumes", singular: "persistentvolume",
        short: ["pv"], etcd: "persistentvolumes", namespaced: false
    },
    StorageClass(StorageClass) {
        api_version: "storage.k8s.io/v1", group: "storage.k8s.io", plural: "storageclasses", singular: "storageclass",
        short: ["sc"], etcd: "storageclasses", namespaced: false
    },
    Job(Job) {
        api_version: "batch/v1", group: "batch", plural: "jobs", singular: "job",
        short: [], etcd: "jobs", namespaced: true
    },
    CronJob(CronJob) {
        api_version: "batch/v1", group: "batch", plural: "cronjobs", singular: "cronjob",
        short: ["cj"], etcd: "cronjobs", namespaced: true
    },
    Lease(Lease) {
        api_version: "coordination.k8s.io/v1", group: "coordination.k8s.io", plural: "leases", singular: "lease",
        short: [], etcd: "leases", namespaced: true
    },
    ServiceAccount(ServiceAccount) {
        api_version: "v1", group: "", plural: "serviceaccounts", singular: "serviceaccount",
        short: ["sa"], etcd: "serviceaccounts", namespaced: true
    },
    Role(Role) {
        api_version: "rbac.authorization.k8s.io/v1", group: "rbac.authorization.k8s.io", plural: "roles", singular: "role",
        short: [], etcd: "roles", namespaced: true
    },
    ClusterRole(ClusterRole) {
        api_version: "rbac.authorization.k8s.io/v1", group: "rbac.authorization.k8s.io", plural: "clusterroles", singular: "clusterrole",
        short: [], etcd: "clusterroles", namespaced: false
    },
    RoleBinding(RoleBinding) {
        api_version: "rbac.authorization.k8s.io/v1", group: "rbac.authorization.k8s.io", plural: "rolebindings", singular: "rolebinding",
        short: [], etcd: "rolebindings", namespaced: true
    },
    ClusterRoleBinding(ClusterRoleBinding) {
        api_version: "rbac.authorization.k8s.io/v1", group: "rbac.authorization.k8s.io", plural: "clusterrolebindings", singular: "clusterrolebinding",
        short: [], etcd: "clusterrolebindings", namespaced: false
    },
    ConfigMap(ConfigMap) {
        api_version: "v1", group: "", plural: "configmaps", singular: "configmap",
        short: ["cm"], etcd: "configmaps", namespaced: true
    },
    Secret(Secret) {
        api_version: "v1", group: "", plural: "secrets", singular: "secret",
        short: [], etcd: "secrets", namespaced: true
    },
    Service(Service) {
        api_version: "v1", group: "", plural: "services", singular: "service",
        short: ["svc"], etcd: "services/specs", namespaced: true
    },
    Endpoints(Endpoints) {
        api_version: "v1", group: "", plural: "endpoints", singular: "endpoints",
        short: ["ep"], etcd: "services/endpoints", namespaced: true
    },
    EndpointSlice(EndpointSlice) {
        api_version: "discovery.k8s.io/v1", group: "discovery.k8s.io", plural: "endpointslices", singular: "endpointslice",
        short: [], etcd: "endpointslices", namespaced: true
    },
}

impl Kind {
    /// Every kind the API server serves: simulated ones first.
    pub fn every() -> impl Iterator<Item = Kind> {
        Kind::ALL.iter().copied().chain(
            crate::known_kinds::KNOWN
                .iter()
                .map(|k| Kind::Other(&k.info)),
        )
    }

    /// The kind a `kind:` field and `apiVersion:` field name, if the API server serves it.
    pub fn from_manifest(api_version: &str, kind: &str) -> Option<Kind> {
        Kind::every().find(|k| {
            let info = k.info();
            info.kind == kind && info.api_version == api_version
        })
    }

    /// The kind a kubectl resource argument names: `pods`, `pod`, `po`, `deployments.apps` ...
    pub fn from_resource_arg(arg: &str) -> Option<Kind> {
        let lower = arg.to_ascii_lowercase();
        let (name, group) = match lower.split_once('.') {
            Some((name, group)) => (name.to_string(), Some(group.to_string())),
            None => (lower, None),
        };
        Kind::every().find(|k| {
            let info = k.info();
            let name_matches = info.plural == name
                || info.singular == name
                || info.short_names.contains(&name.as_str());
            let group_matches = group
                .as_deref()
                .is_none_or(|g| g == info.group || (info.group.is_empty() && g == "core"));
            name_matches && group_matches
        })
    }
}

/// Namespace and name of an object; cluster-scoped objects have no namespace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    pub kind: Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: Kind, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef {
            kind,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn of(object: &Object) -> Self {
        let meta = object.meta();
        ObjectRef {
            kind: object.kind(),
            namespace: meta.namespace.clone(),
            name: meta.name.clone().unwrap_or_default(),
        }
    }

    /// The etcd key, laid out as kube-apiserver lays it out: `/registry/pods/default/web-abcde`.
    pub fn key(&self) -> String {
        let prefix = self.kind.info().etcd_prefix;
        match &self.namespace {
            Some(ns) => format!("/registry/{prefix}/{ns}/{}", self.name),
            None => format!("/registry/{prefix}/{}", self.name),
        }
    }

    /// `default/web` or `node-1`: how logs and events name the object.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.info().kind)
    }
}

/// Helpers that hide the Option plumbing of ObjectMeta.
pub trait MetaExt {
    fn name_str(&self) -> &str;
    fn namespace_str(&self) -> &str;
    /// The labels, borrowed (an empty map when there are none).
    fn labels_map(&self) -> &std::collections::BTreeMap<String, String>;
    /// One label's value.
    fn label(&self, key: &str) -> Option<&str>;
    fn is_deleting(&self) -> bool;
    fn controller_owner(
        &self,
    ) -> Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference>;
}

impl MetaExt for ObjectMeta {
    fn name_str(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    fn namespace_str(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }

    fn labels_map(&self) -> &std::collections::BTreeMap<String, String> {
        static NONE: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
        self.labels.as_ref().unwrap_or(&NONE)
    }

    fn label(&self, key: &str) -> Option<&str> {
        self.labels_map().get(key).map(String::as_str)
    }

    fn is_deleting(&self) -> bool {
        self.deletion_timestamp.is_some()
    }

    fn controller_owner(
        &self,
    ) -> Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference> {
        self.owner_references
            .as_ref()?
            .iter()
            .find(|r| r.controller == Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_api_server_layout() {
        assert_eq!(
            ObjectRef::new(Kind::Pod, Some("default"), "web").key(),
            "/registry/pods/default/web"
        );
        assert_eq!(
            ObjectRef::new(Kind::Node, None, "node-1").key(),
            "/registry/minions/node-1"
        );
    }

    #[test]
    fn resource_arguments_resolve_like_kubectl() {
        for arg in ["pods", "pod", "po", "Pods"] {
            assert_eq!(Kind::from_resource_arg(arg), Some(Kind::Pod), "{arg}");
        }
        assert_eq!(Kind::from_resource_arg("deploy"), Some(Kind::Deployment));
        assert_eq!(
            Kind::from_resource_arg("deployments.apps"),
            Some(Kind::Deployment)
        );
        assert_eq!(Kind::from_resource_arg("rs"), Some(Kind::ReplicaSet));
        assert_eq!(Kind::from_resource_arg("no"), Some(Kind::Node));
        assert_eq!(Kind::from_resource_arg("deployments.batch"), None);
        assert_eq!(Kind::from_resource_arg("frobs"), None);
    }
}
