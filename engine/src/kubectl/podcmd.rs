//! Which container of a pod kubectl picks when none is named
//! (staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go), shared by
//! `kubectl logs` and `kubectl exec`.

use k8s_openapi::api::core::v1::Pod;

/// The annotation that names a pod's default container.
pub const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// Every container name in the pod's spec (FindContainerByName's search).
pub fn has_container(pod: &Pod, name: &str) -> bool {
    pod.spec.iter().any(|s| {
        s.containers.iter().any(|c| c.name == name)
            || s.init_containers.iter().flatten().any(|c| c.name == name)
            || s.ephemeral_containers
                .iter()
                .flatten()
                .any(|c| c.name == name)
    })
}

/// FindOrDefaultContainerByName with no name given: the annotation's
/// container, or the first one, with kubectl's `Defaulted container` note
/// when the pod has others.
pub fn default_container(pod: &Pod) -> Result<(String, Option<String>), String> {
    let spec = pod.spec.clone().unwrap_or_default();
    let Some(first) = spec.containers.first() else {
        return Err(format!(
            "error: pod {}/{} does not have any containers",
            pod.metadata.namespace.as_deref().unwrap_or_default(),
            pod.metadata.name.as_deref().unwrap_or_default()
        ));
    };
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
        .filter(|name| !name.is_empty() && has_container(pod, name));
    if let Some(name) = annotated {
        return Ok((name.clone(), None));
    }
    let init = spec.init_containers.unwrap_or_default();
    let ephemeral = spec.ephemeral_containers.unwrap_or_default();
    let notice =
        (spec.containers.len() > 1 || !init.is_empty() || !ephemeral.is_empty()).then(|| {
            // allContainerNames: app containers, then ephemeral, then init.
            let names: Vec<String> = spec
                .containers
                .iter()
                .map(|c| c.name.clone())
                .chain(ephemeral.iter().map(|c| format!("{} (ephem)", c.name)))
                .chain(init.iter().map(|c| format!("{} (init)", c.name)))
                .collect();
            format!(
                "Defaulted container {:?} out of: {}\n",
                first.name,
                names.join(", ")
            )
        });
    Ok((first.name.clone(), notice))
}
