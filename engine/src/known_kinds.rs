//! Kinds a real cluster serves that nothing in the simulation acts on yet.
//! They are checked strictly against their OpenAPI schema (apiserver/schema.rs)
//! and stored as JSON, so any real manifest applies; kubectl then warns that
//! nothing acts on them.
//! Kinds move from here to `objects.rs` as the simulation learns them.

use crate::objects::KindInfo;

/// A known kind.
pub struct KnownKind {
    pub info: KindInfo,
}

pub static KNOWN: &[KnownKind] = &[
    KnownKind {
        info: KindInfo {
            kind: "LimitRange",
            api_version: "v1",
            group: "",
            plural: "limitranges",
            singular: "limitrange",
            short_names: &["limits"],
            etcd_prefix: "limitranges",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "ResourceQuota",
            api_version: "v1",
            group: "",
            plural: "resourcequotas",
            singular: "resourcequota",
            short_names: &["quota"],
            etcd_prefix: "resourcequotas",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "ReplicationController",
            api_version: "v1",
            group: "",
            plural: "replicationcontrollers",
            singular: "replicationcontroller",
            short_names: &["rc"],
            etcd_prefix: "controllers",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "PodTemplate",
            api_version: "v1",
            group: "",
            plural: "podtemplates",
            singular: "podtemplate",
            short_names: &[],
            etcd_prefix: "podtemplates",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "ControllerRevision",
            api_version: "apps/v1",
            group: "apps",
            plural: "controllerrevisions",
            singular: "controllerrevision",
            short_names: &[],
            etcd_prefix: "controllerrevisions",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "Ingress",
            api_version: "networking.k8s.io/v1",
            group: "networking.k8s.io",
            plural: "ingresses",
            singular: "ingress",
            short_names: &["ing"],
            etcd_prefix: "ingress",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "IngressClass",
            api_version: "networking.k8s.io/v1",
            group: "networking.k8s.io",
            plural: "ingressclasses",
            singular: "ingressclass",
            short_names: &[],
            etcd_prefix: "ingressclasses",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "NetworkPolicy",
            api_version: "networking.k8s.io/v1",
            group: "networking.k8s.io",
            plural: "networkpolicies",
            singular: "networkpolicy",
            short_names: &["netpol"],
            etcd_prefix: "networkpolicies",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "HorizontalPodAutoscaler",
            api_version: "autoscaling/v2",
            group: "autoscaling",
            plural: "horizontalpodautoscalers",
            singular: "horizontalpodautoscaler",
            short_names: &["hpa"],
            etcd_prefix: "horizontalpodautoscalers",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "HorizontalPodAutoscaler",
            api_version: "autoscaling/v1",
            group: "autoscaling",
            plural: "horizontalpodautoscalers",
            singular: "horizontalpodautoscaler",
            short_names: &["hpa"],
            etcd_prefix: "horizontalpodautoscalers",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "PodDisruptionBudget",
            api_version: "policy/v1",
            group: "policy",
            plural: "poddisruptionbudgets",
            singular: "poddisruptionbudget",
            short_names: &["pdb"],
            etcd_prefix: "poddisruptionbudgets",
            namespaced: true,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "PriorityClass",
            api_version: "scheduling.k8s.io/v1",
            group: "scheduling.k8s.io",
            plural: "priorityclasses",
            singular: "priorityclass",
            short_names: &["pc"],
            etcd_prefix: "priorityclasses",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "CSIDriver",
            api_version: "storage.k8s.io/v1",
            group: "storage.k8s.io",
            plural: "csidrivers",
            singular: "csidriver",
            short_names: &[],
            etcd_prefix: "csidrivers",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "RuntimeClass",
            api_version: "node.k8s.io/v1",
            group: "node.k8s.io",
            plural: "runtimeclasses",
            singular: "runtimeclass",
            short_names: &[],
            etcd_prefix: "runtimeclasses",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "CertificateSigningRequest",
            api_version: "certificates.k8s.io/v1",
            group: "certificates.k8s.io",
            plural: "certificatesigningrequests",
            singular: "certificatesigningrequest",
            short_names: &["csr"],
            etcd_prefix: "certificatesigningrequests",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "ValidatingWebhookConfiguration",
            api_version: "admissionregistration.k8s.io/v1",
            group: "admissionregistration.k8s.io",
            plural: "validatingwebhookconfigurations",
            singular: "validatingwebhookconfiguration",
            short_names: &[],
            etcd_prefix: "validatingwebhookconfigurations",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "MutatingWebhookConfiguration",
            api_version: "admissionregistration.k8s.io/v1",
            group: "admissionregistration.k8s.io",
            plural: "mutatingwebhookconfigurations",
            singular: "mutatingwebhookconfiguration",
            short_names: &[],
            etcd_prefix: "mutatingwebhookconfigurations",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "ValidatingAdmissionPolicy",
            api_version: "admissionregistration.k8s.io/v1",
            group: "admissionregistration.k8s.io",
            plural: "validatingadmissionpolicies",
            singular: "validatingadmissionpolicy",
            short_names: &[],
            etcd_prefix: "validatingadmissionpolicies",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "ValidatingAdmissionPolicyBinding",
            api_version: "admissionregistration.k8s.io/v1",
            group: "admissionregistration.k8s.io",
            plural: "validatingadmissionpolicybindings",
            singular: "validatingadmissionpolicybinding",
            short_names: &[],
            etcd_prefix: "validatingadmissionpolicybindings",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "VolumeAttachment",
            api_version: "storage.k8s.io/v1",
            group: "storage.k8s.io",
            plural: "volumeattachments",
            singular: "volumeattachment",
            short_names: &[],
            etcd_prefix: "volumeattachments",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "CSINode",
            api_version: "storage.k8s.io/v1",
            group: "storage.k8s.io",
            plural: "csinodes",
            singular: "csinode",
            short_names: &[],
            etcd_prefix: "csinodes",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "FlowSchema",
            api_version: "flowcontrol.apiserver.k8s.io/v1",
            group: "flowcontrol.apiserver.k8s.io",
            plural: "flowschemas",
            singular: "flowschema",
            short_names: &[],
            etcd_prefix: "flowschemas",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "PriorityLevelConfiguration",
            api_version: "flowcontrol.apiserver.k8s.io/v1",
            group: "flowcontrol.apiserver.k8s.io",
            plural: "prioritylevelconfigurations",
            singular: "prioritylevelconfiguration",
            short_names: &[],
            etcd_prefix: "prioritylevelconfigurations",
            namespaced: false,
        },
    },
    KnownKind {
        info: KindInfo {
            kind: "Event",
            api_version: "events.k8s.io/v1",
            group: "events.k8s.io",
            plural: "events",
            singular: "event",
            short_names: &[],
            etcd_prefix: "events",
            namespaced: true,
        },
    },
];

pub fn find(info: &KindInfo) -> Option<&'static KnownKind> {
    KNOWN.iter().find(|k| k.info == *info)
}
