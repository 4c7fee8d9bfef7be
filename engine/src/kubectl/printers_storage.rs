//! `kubectl get` rows for StatefulSets and the storage kinds, as
//! pkg/printers/internalversion/printers.go prints them (printStatefulSet,
//! printPersistentVolume, printPersistentVolumeClaim, printStorageClass).

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;

use super::printers::{age, containers_images};
use crate::objects::MetaExt;
use crate::time::SimTime;

/// The annotation that marks the default StorageClass (and its beta form).
pub const IS_DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
const BETA_IS_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";

/// storageutil.IsDefaultAnnotation.
pub fn is_default_class(sc: &StorageClass) -> bool {
    let annotations = sc.metadata.annotations.clone().unwrap_or_default();
    annotations.get(IS_DEFAULT_CLASS).map(String::as_str) == Some("true")
        || annotations.get(BETA_IS_DEFAULT_CLASS).map(String::as_str) == Some("true")
}

/// helper.GetAccessModesAsString: `RWO,ROX,RWX,RWOP`, always in that order.
pub fn access_modes(modes: Option<&Vec<String>>) -> String {
    let modes = modes.map(Vec::as_slice).unwrap_or(&[]);
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.iter().any(|m| m == mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// printStatefulSet: `ready/desired`.
pub fn stateful_set_row(sts: &StatefulSet, wide: bool, now: SimTime) -> Vec<String> {
    let spec = sts.spec.clone().unwrap_or_default();
    let ready = sts
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let mut row = vec![
        sts.metadata.name_str().to_string(),
        format!("{ready}/{}", spec.replicas.unwrap_or(1)),
        age(&sts.metadata, now),
    ];
    if wide {
        let (containers, images) = containers_images(spec.template.spec.as_ref());
        row.extend([containers, images]);
    }
    row
}

/// printPersistentVolume.
pub fn volume_row(pv: &PersistentVolume, wide: bool, now: SimTime) -> Vec<String> {
    let spec = pv.spec.clone().unwrap_or_default();
    let status = pv.status.clone().unwrap_or_default();
    let claim = spec
        .claim_ref
        .as_ref()
        .map(|c| {
            format!(
                "{}/{}",
                c.namespace.clone().unwrap_or_default(),
                c.name.clone().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let phase = if pv.metadata.is_deleting() {
        "Terminating".to_string()
    } else {
        status.phase.clone().unwrap_or_default()
    };
    let mut row = vec![
        pv.metadata.name_str().to_string(),
        spec.capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone())
            .unwrap_or_else(|| "0".into()),
        access_modes(spec.access_modes.as_ref()),
        spec.persistent_volume_reclaim_policy
            .clone()
            .unwrap_or_default(),
        phase,
        claim,
        spec.storage_class_name.clone().unwrap_or_default(),
        spec.volume_attributes_class_name
            .clone()
            .unwrap_or_else(|| "<unset>".into()),
        status.reason.clone().unwrap_or_default(),
        age(&pv.metadata, now),
    ];
    if wide {
        row.push(spec.volume_mode.unwrap_or_else(|| "<unset>".into()));
    }
    row
}

/// printPersistentVolumeClaim: capacity and access modes once bound.
pub fn claim_row(pvc: &PersistentVolumeClaim, wide: bool, now: SimTime) -> Vec<String> {
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    let phase = if pvc.metadata.is_deleting() {
        "Terminating".to_string()
    } else {
        status.phase.clone().unwrap_or_default()
    };
    let volume = spec.volume_name.clone().unwrap_or_default();
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            status
                .capacity
                .as_ref()
                .and_then(|c| c.get("storage"))
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "0".into()),
            access_modes(status.access_modes.as_ref()),
        )
    };
    let mut row = vec![
        pvc.metadata.name_str().to_string(),
        phase,
        volume,
        capacity,
        modes,
        spec.storage_class_name.clone().unwrap_or_default(),
        spec.volume_attributes_class_name
            .clone()
            .unwrap_or_else(|| "<unset>".into()),
        age(&pvc.metadata, now),
    ];
    if wide {
        row.push(spec.volume_mode.unwrap_or_else(|| "<unset>".into()));
    }
    row
}

/// printStorageClass: the default class is marked `(default)`.
pub fn storage_class_row(sc: &StorageClass, now: SimTime) -> Vec<String> {
    let mut name = sc.metadata.name_str().to_string();
    if is_default_class(sc) {
        name.push_str(" (default)");
    }
    vec![
        name,
        sc.provisioner.clone(),
        sc.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
        sc.volume_binding_mode
            .clone()
            .unwrap_or_else(|| "Immediate".into()),
        sc.allow_volume_expansion.unwrap_or(false).to_string(),
        age(&sc.metadata, now),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_modes_print_in_kubectl_order() {
        let modes = vec!["ReadWriteMany".to_string(), "ReadWriteOnce".to_string()];
        assert_eq!(access_modes(Some(&modes)), "RWO,RWX");
        assert_eq!(access_modes(None), "");
    }
}
