//! `kubectl describe` for StatefulSets and the storage kinds, and the
//! Volumes section of a pod (describe.go: describeStatefulSet,
//! describeVolumeClaimTemplates, describePersistentVolumeClaim,
//! describePersistentVolume, StorageClassDescriber, describeVolumes).

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod, Volume};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    annotations, events, map_lines, pods_status, printers, rfc1123, template_section, Block,
};
use crate::controllers::persistent_volume::{claim_class, volume_class};
use crate::kubectl::printers_storage::{access_modes, is_default_class};
use crate::labels::format_labels;
use crate::objects::{MetaExt, Object};
use crate::sim::Simulation;
use crate::time::human_duration;

/// `[kubernetes.io/pvc-protection]`, as Go prints a string slice.
fn go_slice(items: Option<&Vec<String>>) -> String {
    format!("[{}]", items.map(|i| i.join(" ")).unwrap_or_default())
}

/// A claim's or a volume's Status: its phase, or how long it has been terminating.
fn phase_or_terminating(sim: &Simulation, meta: &ObjectMeta, phase: Option<&str>) -> String {
    match &meta.deletion_timestamp {
        Some(t) => format!(
            "Terminating (lasts {})",
            human_duration(sim.now().since(crate::time::SimTime::from_k8s(t)))
        ),
        None => phase.unwrap_or_default().to_string(),
    }
}

pub(super) fn describe_stateful_set(sim: &Simulation, sts: &StatefulSet) -> String {
    let spec = sts.spec.clone().unwrap_or_default();
    let status = sts.status.clone().unwrap_or_default();
    let uid = sts.metadata.uid.clone().unwrap_or_default();
    let pods: Vec<&Pod> = sim
        .api()
        .list_typed::<Pod>(Some(sts.metadata.namespace_str()))
        .into_iter()
        .filter(|p| p.metadata.controller_owner().is_some_and(|o| o.uid == uid))
        .collect();
    let mut b = Block::default();
    b.add("Name", sts.metadata.name_str());
    b.add("Namespace", sts.metadata.namespace_str());
    b.add(
        "CreationTimestamp",
        rfc1123(sts.metadata.creation_timestamp.as_ref()),
    );
    b.add("Selector", printers::format_selector(&spec.selector));
    b.add_lines("Labels", map_lines(sts.metadata.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(&sts.metadata));
    b.add(
        "Replicas",
        format!(
            "{} desired | {} total",
            spec.replicas.unwrap_or(1),
            status.replicas
        ),
    );
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    b.add(
        "Update Strategy",
        strategy.type_.clone().unwrap_or_default(),
    );
    if let Some(partition) = strategy.rolling_update.as_ref().and_then(|r| r.partition) {
        b.add("  Partition", partition.to_string());
    }
    b.add("Pods Status", pods_status(&pods));
    let mut out = b.render(0);
    out.push_str(&template_section(&spec.template));
    let templates = spec.volume_claim_templates.clone().unwrap_or_default();
    if templates.is_empty() {
        out.push_str("Volume Claims:  <none>\n");
    } else {
        out.push_str("Volume Claims:\n");
        for pvc in &templates {
            let mut c = Block::default();
            c.add("Name", pvc.metadata.name_str());
            c.add("StorageClass", claim_class(pvc));
            c.add_lines("Labels", map_lines(pvc.metadata.labels.as_ref(), "="));
            c.add_lines("Annotations", annotations(&pvc.metadata));
            c.add(
                "Capacity",
                pvc.spec
                    .as_ref()
                    .and_then(|s| s.resources.as_ref())
                    .and_then(|r| r.requests.as_ref())
                    .and_then(|r| r.get("storage"))
                    .map(|q| q.0.clone())
                    .unwrap_or_else(|| "<default>".into()),
            );
            c.add(
                "Access Modes",
                go_slice(pvc.spec.as_ref().and_then(|s| s.access_modes.as_ref())),
            );
            out.push_str(&c.render(2));
        }
    }
    out.push_str(&events(sim, &Object::StatefulSet(sts.clone())));
    out
}

pub(super) fn describe_claim(sim: &Simulation, pvc: &PersistentVolumeClaim) -> String {
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    let mut b = Block::default();
    b.add("Name", pvc.metadata.name_str());
    b.add("Namespace", pvc.metadata.namespace_str());
    b.add("StorageClass", claim_class(pvc));
    b.add(
        "Status",
        phase_or_terminating(sim, &pvc.metadata, status.phase.as_deref()),
    );
    b.add("Volume", spec.volume_name.clone().unwrap_or_default());
    b.add_lines("Labels", map_lines(pvc.metadata.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(&pvc.metadata));
    b.add("Finalizers", go_slice(pvc.metadata.finalizers.as_ref()));
    let bound = spec.volume_name.as_deref().is_some_and(|v| !v.is_empty());
    b.add(
        "Capacity",
        if bound {
            status
                .capacity
                .as_ref()
                .and_then(|c| c.get("storage"))
                .map(|q| q.0.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
    );
    b.add(
        "Access Modes",
        if bound {
            access_modes(status.access_modes.as_ref())
        } else {
            String::new()
        },
    );
    if let Some(mode) = &spec.volume_mode {
        b.add("VolumeMode", mode.clone());
    }
    // printPodsMultiline: the pods that name the claim.
    let name = pvc.metadata.name_str();
    let users: Vec<String> = sim
        .api()
        .list_typed::<Pod>(Some(pvc.metadata.namespace_str()))
        .into_iter()
        .filter(|p| {
            p.spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .any(|v| {
                    v.persistent_volume_claim
                        .as_ref()
                        .is_some_and(|c| c.claim_name == name)
                })
        })
        .map(|p| p.metadata.name_str().to_string())
        .collect();
    b.add_lines("Used By", users);
    let mut out = b.render(0);
    out.push_str(&events(sim, &Object::PersistentVolumeClaim(pvc.clone())));
    out
}

pub(super) fn describe_volume(sim: &Simulation, pv: &PersistentVolume) -> String {
    let spec = pv.spec.clone().unwrap_or_default();
    let status = pv.status.clone().unwrap_or_default();
    let mut b = Block::default();
    b.add("Name", pv.metadata.name_str());
    b.add_lines("Labels", map_lines(pv.metadata.labels.as_ref(), "="));
    b.add_lines("Annotations", annotations(&pv.metadata));
    b.add("Finalizers", go_slice(pv.metadata.finalizers.as_ref()));
    b.add("StorageClass", volume_class(pv));
    b.add(
        "Status",
        phase_or_terminating(sim, &pv.metadata, status.phase.as_deref()),
    );
    b.add(
        "Claim",
        spec.claim_ref
            .as_ref()
            .map(|c| {
                format!(
                    "{}/{}",
                    c.namespace.clone().unwrap_or_default(),
                    c.name.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default(),
    );
    b.add(
        "Reclaim Policy",
        spec.persistent_volume_reclaim_policy
            .clone()
            .unwrap_or_default(),
    );
    b.add("Access Modes", access_modes(spec.access_modes.as_ref()));
    if let Some(mode) = &spec.volume_mode {
        b.add("VolumeMode", mode.clone());
    }
    b.add(
        "Capacity",
        spec.capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone())
            .unwrap_or_else(|| "0".into()),
    );
    let affinity: Vec<String> = spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
        .map(|r| {
            let mut lines = vec!["Required Terms:".to_string()];
            for (i, term) in r.node_selector_terms.iter().enumerate() {
                let exprs: Vec<String> = term
                    .match_expressions
                    .iter()
                    .flatten()
                    .map(|e| {
                        format!(
                            "{} {} [{}]",
                            e.key,
                            e.operator.to_lowercase(),
                            e.values.clone().unwrap_or_default().join(", ")
                        )
                    })
                    .collect();
                lines.push(format!("  Term {i}:  {}", exprs.join(", ")));
            }
            lines
        })
        .unwrap_or_default();
    b.add_lines("Node Affinity", affinity);
    b.add("Message", status.message.clone().unwrap_or_default());
    b.add("Source", "");
    let s = &mut b;
    match &spec.host_path {
        Some(h) => {
            s.add("    Type", "HostPath (bare host directory volume)");
            s.add("    Path", h.path.clone());
            s.add("    HostPathType", h.type_.clone().unwrap_or_default());
        }
        None => {
            let value = serde_json::to_value(&spec).unwrap_or_default();
            let kind = value
                .as_object()
                .and_then(|m| {
                    m.keys()
                        .find(|k| {
                            !matches!(
                                k.as_str(),
                                "accessModes"
                                    | "capacity"
                                    | "claimRef"
                                    | "mountOptions"
                                    | "nodeAffinity"
                                    | "persistentVolumeReclaimPolicy"
                                    | "storageClassName"
                                    | "volumeMode"
                                    | "volumeAttributesClassName"
                            )
                        })
                        .cloned()
                })
                .unwrap_or_default();
            s.add("    Type", kind);
        }
    }
    let mut out = b.render(0);
    out.push_str(&events(sim, &Object::PersistentVolume(pv.clone())));
    out
}

pub(super) fn describe_storage_class(sim: &Simulation, sc: &StorageClass) -> String {
    let mut b = Block::default();
    b.add("Name", sc.metadata.name_str());
    b.add(
        "IsDefaultClass",
        if is_default_class(sc) { "Yes" } else { "No" },
    );
    let listed = |m: Option<&std::collections::BTreeMap<String, String>>| {
        m.filter(|m| !m.is_empty())
            .map(format_labels)
            .unwrap_or_else(|| "<none>".into())
    };
    let mut shown = sc.metadata.annotations.clone().unwrap_or_default();
    shown.remove(crate::kubectl::apply::LAST_APPLIED);
    b.add("Annotations", listed(Some(&shown)));
    b.add("Provisioner", sc.provisioner.clone());
    b.add("Parameters", listed(sc.parameters.as_ref()));
    b.add(
        "AllowVolumeExpansion",
        sc.allow_volume_expansion
            .map(|v| if v { "True" } else { "False" }.to_string())
            .unwrap_or_else(|| "<unset>".into()),
    );
    match sc.mount_options.as_ref().filter(|m| !m.is_empty()) {
        None => b.add("MountOptions", "<none>"),
        Some(options) => b.add_lines("MountOptions", options.clone()),
    }
    if let Some(policy) = &sc.reclaim_policy {
        b.add("ReclaimPolicy", policy.clone());
    }
    if let Some(mode) = &sc.volume_binding_mode {
        b.add("VolumeBindingMode", mode.clone());
    }
    let mut out = b.render(0);
    out.push_str(&events(sim, &Object::StorageClass(sc.clone())));
    out
}

/// describeVolumes: each pod volume, by its source.
pub(super) fn volumes_section(volumes: &[Volume]) -> String {
    if volumes.is_empty() {
        return "Volumes:  <none>\n".into();
    }
    let mut out = String::from("Volumes:\n");
    for v in volumes {
        out.push_str(&format!("  {}:\n", v.name));
        let mut b = Block::default();
        // downwardAPI and projected volumes take several lines.
        if !super::config::volume_rows(v, &mut b) {
            for (key, value) in volume_source(v) {
                b.add(key, value);
            }
        }
        out.push_str(&b.render(4));
    }
    out
}

/// What describe says of a volume's source (describeVolumes' printers for
/// the kinds learners meet, else the source's field name).
pub(super) fn volume_source(v: &Volume) -> Vec<(&'static str, String)> {
    let (type_, mut fields) = if let Some(c) = &v.persistent_volume_claim {
        (
            "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
            vec![
                ("ClaimName", c.claim_name.clone()),
                ("ReadOnly", c.read_only.unwrap_or(false).to_string()),
            ],
        )
    } else if let Some(e) = &v.empty_dir {
        (
            "EmptyDir (a temporary directory that shares a pod's lifetime)",
            vec![
                ("Medium", e.medium.clone().unwrap_or_default()),
                (
                    "SizeLimit",
                    e.size_limit
                        .as_ref()
                        .map_or_else(|| "<unset>".into(), |q| q.0.clone()),
                ),
            ],
        )
    } else if let Some(h) = &v.host_path {
        (
            "HostPath (bare host directory volume)",
            vec![
                ("Path", h.path.clone()),
                ("HostPathType", h.type_.clone().unwrap_or_default()),
            ],
        )
    } else if let Some(c) = &v.config_map {
        (
            "ConfigMap (a volume populated by a ConfigMap)",
            vec![
                ("Name", c.name.clone()),
                ("Optional", c.optional.unwrap_or(false).to_string()),
            ],
        )
    } else if let Some(s) = &v.secret {
        (
            "Secret (a volume populated by a Secret)",
            vec![
                ("SecretName", s.secret_name.clone().unwrap_or_default()),
                ("Optional", s.optional.unwrap_or(false).to_string()),
            ],
        )
    } else {
        let value = serde_json::to_value(v).unwrap_or_default();
        let kind = value
            .as_object()
            .and_then(|m| m.keys().find(|k| k.as_str() != "name").cloned())
            .unwrap_or_else(|| "<unknown>".into());
        return vec![("Type", kind)];
    };
    fields.insert(0, ("Type", type_.to_string()));
    fields
}
