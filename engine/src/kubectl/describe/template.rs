//! DescribePodTemplate (kubectl/pkg/describe/describe.go) as
//! `kubectl rollout history --revision=N` prints it: through a PrefixWriter
//! straight to the terminal, so the tabs stay tabs.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodTemplateSpec, Toleration, Volume};

/// printLabelsMultiline: `title:\tk=v`, then `\tk=v` for the others.
fn multiline(out: &mut String, title: &str, entries: &[String]) {
    out.push_str(&format!("{title}:\t"));
    if entries.is_empty() {
        out.push_str("<none>\n");
        return;
    }
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        out.push_str(entry);
        out.push('\n');
    }
}

fn pairs(map: Option<&BTreeMap<String, String>>, separator: &str) -> Vec<String> {
    map.into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != crate::kubectl::apply::LAST_APPLIED)
        .map(|(k, v)| format!("{k}{separator}{v}"))
        .collect()
}

/// describeContainerPorts / describeContainerHostPorts: `80/TCP` each.
pub(super) fn ports(container: &Container, host: bool) -> Vec<String> {
    container
        .ports
        .iter()
        .flatten()
        .map(|p| {
            let port = if host {
                p.host_port.unwrap_or(0)
            } else {
                p.container_port
            };
            format!("{port}/{}", p.protocol.as_deref().unwrap_or("TCP"))
        })
        .collect()
}

/// describeContainerVolumes: `/data from www (rw)` each.
pub(super) fn mounts(container: &Container) -> Vec<String> {
    container
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| {
            let mode = if m.read_only == Some(true) {
                "ro"
            } else {
                "rw"
            };
            format!("{} from {} ({mode})", m.mount_path, m.name)
        })
        .collect()
}

/// describeContainers with no statuses, under `  {label}:`.
fn containers(out: &mut String, label: &str, list: &[Container]) {
    let none = if list.is_empty() { " <none>" } else { "" };
    out.push_str(&format!("  {label}:{none}\n"));
    for c in list {
        out.push_str(&format!("   {}:\n", c.name));
        out.push_str(&format!(
            "    Image:\t{}\n",
            c.image.as_deref().unwrap_or("")
        ));
        for (host, one, many) in [(false, "Port", "Ports"), (true, "Host Port", "Host Ports")] {
            let text = ports(c, host).join(",");
            if text.contains(',') {
                out.push_str(&format!("    {many}:\t{text}\n"));
            } else if text.is_empty() {
                out.push_str(&format!("    {one}:\t<none>\n"));
            } else {
                out.push_str(&format!("    {one}:\t{text}\n"));
            }
        }
        // describeContainerCommand.
        for (title, words) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(words) = words.as_ref().filter(|w| !w.is_empty()) {
                out.push_str(&format!("    {title}:\n"));
                for line in words.iter().flat_map(|w| w.split('\n')) {
                    out.push_str(&format!("      {line}\n"));
                }
            }
        }
        // describeContainerEnvVars.
        match c.env.as_ref().filter(|e| !e.is_empty()) {
            None => out.push_str("    Environment:\t<none>\n"),
            Some(env) => {
                out.push_str("    Environment:\n");
                for e in env {
                    let value = e.value.clone().unwrap_or_default();
                    out.push_str(&format!("      {}:\t{value}\n", e.name));
                }
            }
        }
        // describeContainerVolumes.
        let mounts = mounts(c);
        if mounts.is_empty() {
            out.push_str("    Mounts:\t<none>\n");
        } else {
            out.push_str("    Mounts:\n");
            for m in mounts {
                out.push_str(&format!("      {m}\n"));
            }
        }
    }
}

/// describeVolumes.
fn volumes(out: &mut String, list: &[Volume]) {
    if list.is_empty() {
        out.push_str("  Volumes:\t<none>\n");
        return;
    }
    out.push_str("  Volumes:\n");
    for v in list {
        out.push_str(&format!("   {}:\n", v.name));
        for (k, value) in super::storage::volume_source(v) {
            out.push_str(&format!("    {k}:\t{value}\n"));
        }
    }
}

/// printPodTolerationsMultiline.
pub(super) fn tolerations(list: &[Toleration]) -> Vec<String> {
    list.iter()
        .map(|t| {
            let mut s = t.key.clone().unwrap_or_default();
            if let Some(v) = t.value.as_ref().filter(|v| !v.is_empty()) {
                s.push_str(&format!("={v}"));
            }
            if let Some(e) = &t.effect {
                s.push_str(&format!(":{e}"));
            }
            if t.operator.as_deref() == Some("Exists") && t.value.is_none() {
                s.push_str(" op=Exists");
            }
            if let Some(secs) = t.toleration_seconds {
                s.push_str(&format!(" for {secs}s"));
            }
            s
        })
        .collect()
}

/// DescribePodTemplate, ending with a newline.
pub fn pod_template_plain(template: &PodTemplateSpec) -> String {
    let mut out = String::from("Pod Template:\n");
    let meta = template.metadata.clone().unwrap_or_default();
    let spec = template.spec.clone().unwrap_or_default();
    multiline(&mut out, "  Labels", &pairs(meta.labels.as_ref(), "="));
    let notes = pairs(meta.annotations.as_ref(), ": ");
    if !notes.is_empty() {
        multiline(&mut out, "  Annotations", &notes);
    }
    if let Some(sa) = spec.service_account_name.as_ref().filter(|s| !s.is_empty()) {
        out.push_str(&format!("  Service Account:\t{sa}\n"));
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|c| !c.is_empty()) {
        containers(&mut out, "Init Containers", init);
    }
    containers(&mut out, "Containers", &spec.containers);
    volumes(&mut out, spec.volumes.as_deref().unwrap_or_default());
    if let Some(p) = spec.priority_class_name.as_ref().filter(|p| !p.is_empty()) {
        out.push_str(&format!("  Priority Class Name:\t{p}\n"));
    }
    multiline(
        &mut out,
        "  Node-Selectors",
        &pairs(spec.node_selector.as_ref(), "="),
    );
    multiline(
        &mut out,
        "  Tolerations",
        &tolerations(spec.tolerations.as_deref().unwrap_or_default()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ContainerPort, PodSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    #[test]
    fn tabs_stay_tabs() {
        let template = PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(BTreeMap::from([
                    ("app".to_string(), "web".to_string()),
                    ("tier".to_string(), "front".to_string()),
                ])),
                ..ObjectMeta::default()
            }),
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "nginx".into(),
                    image: Some("nginx:1.27".into()),
                    ports: Some(vec![ContainerPort {
                        container_port: 80,
                        ..ContainerPort::default()
                    }]),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
        };
        assert_eq!(
            pod_template_plain(&template),
            "Pod Template:\n  Labels:\tapp=web\n\ttier=front\n  Containers:\n   nginx:\n    Image:\tnginx:1.27\n    Port:\t80/TCP\n    Host Port:\t0/TCP\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n"
        );
    }
}
