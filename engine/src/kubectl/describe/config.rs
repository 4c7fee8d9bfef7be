//! `kubectl describe` for ConfigMaps and Secrets, and how a container's
//! environment and a pod's projected volumes are shown (describe.go:
//! describeConfigMap, describeSecret, describeContainerEnvVars,
//! describeContainerEnvFrom, printProjectedVolumeSource,
//! printDownwardAPIVolumeSource).

use k8s_openapi::api::core::v1::{ConfigMap, EnvFromSource, EnvVar, Pod, Secret, Volume};

use super::{events, header, Block};
use crate::objects::{MetaExt, Object};
use crate::sim::Simulation;

/// Values in full, binary values by size, then the events.
pub(super) fn describe_config_map(sim: &Simulation, cm: &ConfigMap) -> String {
    let mut out = header(&cm.metadata).render(0);
    out.push_str("\nData\n====\n");
    for (key, value) in cm.data.iter().flatten() {
        out.push_str(&format!("{key}:\n----\n{value}\n"));
    }
    out.push_str("\nBinaryData\n====\n");
    for (key, value) in cm.binary_data.iter().flatten() {
        out.push_str(&format!("{key}: {} bytes\n", value.0.len()));
    }
    out.push('\n');
    out.push_str(&events(sim, &Object::ConfigMap(cm.clone())));
    out
}

/// A Secret's values are never shown: only their sizes.
pub(super) fn describe_secret(secret: &Secret) -> String {
    let mut out = header(&secret.metadata).render(0);
    out.push_str(&format!(
        "\nType:  {}\n\nData\n====\n",
        secret.type_.clone().unwrap_or_default()
    ));
    let mut data = Block::default();
    for (key, value) in secret.data.iter().flatten() {
        let shown = if key == "token"
            && secret.type_.as_deref() == Some("kubernetes.io/service-account-token")
        {
            String::from_utf8_lossy(&value.0).into_owned()
        } else {
            format!("{} bytes", value.0.len())
        };
        data.add(key, shown);
    }
    out.push_str(&data.render(0));
    out
}

/// One line of the Environment section.
pub(super) fn env_line(e: &EnvVar, pod: Option<&Pod>) -> String {
    let Some(from) = &e.value_from else {
        return format!("{}:  {}", e.name, e.value.clone().unwrap_or_default());
    };
    let value = if let Some(f) = &from.field_ref {
        format!(
            "{} ({}:{})",
            pod.map(|p| field_value(p, &f.field_path))
                .unwrap_or_default(),
            f.api_version.clone().unwrap_or_default(),
            f.field_path
        )
    } else if let Some(r) = &from.resource_field_ref {
        format!(" ({})", r.resource)
    } else if let Some(s) = &from.secret_key_ref {
        format!(
            "<set to the key '{}' in secret '{}'>  Optional: {}",
            s.key,
            s.name,
            s.optional.unwrap_or(false)
        )
    } else if let Some(c) = &from.config_map_key_ref {
        format!(
            "<set to the key '{}' of config map '{}'>  Optional: {}",
            c.key,
            c.name,
            c.optional.unwrap_or(false)
        )
    } else {
        String::new()
    };
    format!("{}:  {value}", e.name)
}

/// The field a downward API reference names, as EnvValueRetriever reads it.
fn field_value(pod: &Pod, path: &str) -> String {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    match path {
        "metadata.name" => pod.metadata.name_str().to_string(),
        "metadata.namespace" => pod.metadata.namespace_str().to_string(),
        "metadata.uid" => pod.metadata.uid.clone().unwrap_or_default(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        "spec.serviceAccountName" => spec
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_default(),
        "status.podIP" => status.and_then(|s| s.pod_ip.clone()).unwrap_or_default(),
        "status.hostIP" => status.and_then(|s| s.host_ip.clone()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// The Environment Variables from section.
pub(super) fn env_from_lines(sources: &[EnvFromSource]) -> Vec<String> {
    sources
        .iter()
        .map(|e| {
            let (name, from, optional) = if let Some(c) = &e.config_map_ref {
                (c.name.as_str(), "ConfigMap", c.optional.unwrap_or(false))
            } else if let Some(s) = &e.secret_ref {
                (s.name.as_str(), "Secret", s.optional.unwrap_or(false))
            } else {
                ("", "", false)
            };
            match e.prefix.as_deref().filter(|p| !p.is_empty()) {
                None => format!("{name}  {from}  Optional: {optional}"),
                Some(prefix) => {
                    format!("{name}  {from} with prefix '{prefix}'  Optional: {optional}")
                }
            }
        })
        .collect()
}

/// The Volumes entries for downwardAPI and projected volumes.
pub(super) fn volume_rows(v: &Volume, b: &mut Block) -> bool {
    if let Some(d) = &v.downward_api {
        b.add(
            "Type",
            "DownwardAPI (a volume populated by information about the pod)",
        );
        let items: Vec<String> = d
            .items
            .iter()
            .flatten()
            .filter_map(|item| {
                let from = item
                    .field_ref
                    .as_ref()
                    .map(|f| f.field_path.clone())
                    .or_else(|| item.resource_field_ref.as_ref().map(|r| r.resource.clone()))?;
                Some(format!("{from} -> {}", item.path))
            })
            .collect();
        b.add_lines("Items", items);
        return true;
    }
    let Some(p) = &v.projected else {
        return false;
    };
    b.add(
        "Type",
        "Projected (a volume that contains injected data from multiple sources)",
    );
    for source in p.sources.iter().flatten() {
        if let Some(s) = &source.secret {
            b.add("SecretName", s.name.clone());
            b.add("Optional", s.optional.unwrap_or(false).to_string());
        } else if source.downward_api.is_some() {
            b.add("DownwardAPI", "true");
        } else if let Some(c) = &source.config_map {
            b.add("ConfigMapName", c.name.clone());
            b.add("Optional", c.optional.unwrap_or(false).to_string());
        } else if let Some(t) = &source.service_account_token {
            b.add(
                "TokenExpirationSeconds",
                t.expiration_seconds.unwrap_or(3600).to_string(),
            );
        }
    }
    true
}
