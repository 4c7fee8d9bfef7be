//! The engine's surface for the terminal, the browser and tests: apply
//! manifests, run commands, and take snapshots for drawing.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Node, Pod};

use crate::apiserver::auth::UserInfo;
use crate::files::FileSource;
use crate::kubectl::{apply, printers};
use crate::manifest::ManifestError;
use crate::objects::{MetaExt, ObjectRef};
use crate::sim::Simulation;
use crate::time::human_duration;
use crate::view::{
    ClusterView, CommandOutput, DeploymentView, ExplainNodeView, ExplainView, NodeConditionView,
    NodeView, PluginVerdictView, PodView, ReplicaSetView, ScoreView,
};

/// What applying a manifest file did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// kubectl's lines for the documents that applied (`deployment.apps/web created`).
    pub applied: Vec<String>,
    /// The documents that failed, each with its position.
    pub errors: Vec<ManifestError>,
    /// Warnings for documents that applied (a kind nothing acts on).
    pub warnings: Vec<String>,
}

impl Simulation {
    /// Applies every document of a manifest, as `kubectl apply -f` does.
    pub fn apply_yaml_report(&mut self, source: &str, text: &str) -> ApplyReport {
        self.apply_yaml_as(&UserInfo::admin(), source, text)
    }

    /// Applies a manifest as `user`, whom RBAC authorizes.
    pub fn apply_yaml_as(&mut self, user: &UserInfo, source: &str, text: &str) -> ApplyReport {
        let now = self.now();
        let (applied, errors) = apply::apply(&mut self.api, user, now, source, text);
        let warnings: Vec<String> = applied.iter().filter_map(|a| a.warning.clone()).collect();
        let lines: Vec<String> = applied.into_iter().map(|a| a.line).collect();
        if !lines.is_empty() {
            self.after_user_change(format!("kubectl apply -f {source}: {}", lines.join(", ")));
        }
        ApplyReport {
            applied: lines,
            errors,
            warnings,
        }
    }

    /// Applies a manifest; the first problem is the error.
    pub fn apply_yaml(&mut self, source: &str, text: &str) -> Result<Vec<String>, ManifestError> {
        let report = self.apply_yaml_report(source, text);
        match report.errors.into_iter().next() {
            Some(error) => Err(error),
            None => Ok(report.applied),
        }
    }

    /// Deletes an object as `kubectl delete` does.
    pub fn delete(&mut self, target: &ObjectRef) -> Result<(), crate::apiserver::ApiError> {
        self.delete_with(target, crate::apiserver::DeleteOptions::default())
    }

    /// Deletes with a grace period and a propagation policy (`--cascade`).
    pub fn delete_with(
        &mut self,
        target: &ObjectRef,
        options: crate::apiserver::DeleteOptions,
    ) -> Result<(), crate::apiserver::ApiError> {
        let now = self.now();
        self.api.delete_with(now, target, options)?;
        self.after_user_change(format!(
            "kubectl delete {} {}",
            target.kind.info().singular,
            target.display_name()
        ));
        Ok(())
    }

    /// Writes an object the learner changed (through kubectl) and lets the cluster see it.
    pub fn user_update(
        &mut self,
        object: crate::objects::Object,
        summary: String,
    ) -> Result<(), crate::apiserver::ApiError> {
        self.api.update(object)?;
        self.after_user_change(summary);
        Ok(())
    }

    /// Creates an object for the learner (kubectl run/create) and lets the cluster see it.
    pub fn user_create(
        &mut self,
        object: crate::objects::Object,
        summary: String,
    ) -> Result<(), crate::apiserver::ApiError> {
        let now = self.now();
        self.api.create(now, object)?;
        self.after_user_change(summary);
        Ok(())
    }

    /// Runs one line of the command language.
    pub fn run_command(&mut self, line: &str, files: &dyn FileSource) -> CommandOutput {
        crate::command::execute(self, line, files)
    }

    /// Nodes with their pods, for drawing the cluster map.
    pub fn view(&self) -> ClusterView {
        let now = self.now();
        let pods: Vec<&Pod> = self.api.list_typed::<Pod>(None);
        let pod_view = |pod: &Pod| {
            let (ready, total) = printers::pod_ready(pod);
            PodView {
                namespace: pod.metadata.namespace_str().to_string(),
                name: pod.metadata.name_str().to_string(),
                status: printers::pod_status(pod),
                ready: format!("{ready}/{total}"),
                all_ready: total > 0 && ready == total,
                restarts: crate::podutil::restart_count(pod),
                node: crate::podutil::node_name(pod).map(str::to_string),
                pending_reason: pending_reason(pod),
                owner: pod
                    .metadata
                    .controller_owner()
                    .map(|o| format!("{}/{}", o.kind, o.name)),
            }
        };
        let nodes = self
            .api
            .list_typed::<Node>(None)
            .into_iter()
            .map(|node| {
                let name = node.metadata.name_str().to_string();
                let info = self.scheduler().node_info(&name);
                NodeView {
                    roles: printers::node_roles(node),
                    status: printers::node_status(node),
                    ready: printers::node_status(node).starts_with("Ready"),
                    cpu_allocatable_milli: info
                        .map_or(0, |i| i.allocatable.milli_cpu.max(0) as u64),
                    cpu_requested_milli: info.map_or(0, |i| i.requested.milli_cpu.max(0) as u64),
                    memory_allocatable_bytes: info
                        .map_or(0, |i| i.allocatable.memory.max(0) as u64),
                    memory_requested_bytes: info.map_or(0, |i| i.requested.memory.max(0) as u64),
                    taints: node_taints(node),
                    conditions: unusual_conditions(node),
                    pods: pods
                        .iter()
                        .filter(|p| crate::podutil::node_name(p) == Some(name.as_str()))
                        .map(|p| pod_view(p))
                        .collect(),
                    name,
                }
            })
            .collect();
        ClusterView {
            time: human_duration(now.since(crate::time::SimTime(0))),
            time_ms: now.0,
            nodes,
            unscheduled: pods
                .iter()
                .filter(|p| crate::podutil::node_name(p).is_none())
                .map(|p| pod_view(p))
                .collect(),
            deployments: self.deployment_views(),
            services: self.service_views(),
        }
    }

    fn service_views(&self) -> Vec<crate::view::ServiceView> {
        use k8s_openapi::api::core::v1::Service;
        use k8s_openapi::api::discovery::v1::EndpointSlice;
        let slices = self.api.list_typed::<EndpointSlice>(None);
        self.api
            .list_typed::<Service>(None)
            .into_iter()
            .map(|svc| {
                let spec = svc.spec.clone().unwrap_or_default();
                let namespace = svc.metadata.namespace_str().to_string();
                let name = svc.metadata.name_str().to_string();
                let own: Vec<&&EndpointSlice> = slices
                    .iter()
                    .filter(|s| crate::labels::slice_of_service(s, svc))
                    .collect();
                let ready_of = |e: &k8s_openapi::api::discovery::v1::Endpoint| {
                    e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true)
                };
                let endpoint_count: usize = own.iter().map(|s| s.endpoints.len()).sum();
                let ready_count = own
                    .iter()
                    .flat_map(|s| s.endpoints.iter())
                    .filter(|e| ready_of(e))
                    .count();
                // Only the endpoints drawn become views: the rest are counted.
                let endpoints = own
                    .iter()
                    .flat_map(|slice| slice.endpoints.iter().map(move |e| (slice, e)))
                    .take(crate::view::SERVICE_ENDPOINTS_SHOWN)
                    .map(|(slice, e)| crate::view::EndpointView {
                        address: e.addresses.first().cloned().unwrap_or_default(),
                        ports: slice
                            .ports
                            .iter()
                            .flatten()
                            .filter_map(|p| p.port)
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join(","),
                        ready: ready_of(e),
                        terminating: e
                            .conditions
                            .as_ref()
                            .and_then(|c| c.terminating)
                            .unwrap_or(false),
                        pod: e
                            .target_ref
                            .as_ref()
                            .filter(|r| r.kind.as_deref() == Some("Pod"))
                            .and_then(|r| r.name.clone()),
                        node: e.node_name.clone(),
                        hostname: e.hostname.clone(),
                    })
                    .collect();
                crate::view::ServiceView {
                    service_type: spec.type_.clone().unwrap_or_default(),
                    cluster_ip: spec
                        .cluster_ips
                        .as_ref()
                        .and_then(|ips| ips.first().cloned())
                        .unwrap_or_else(|| "<none>".into()),
                    ports: crate::kubectl::printers_network::port_string(
                        spec.ports.as_deref().unwrap_or(&[]),
                    ),
                    selector: spec
                        .selector
                        .as_ref()
                        .map(crate::labels::format_labels)
                        .unwrap_or_default(),
                    dns_name: format!("{name}.{namespace}.svc.{}", crate::dns::CLUSTER_DOMAIN),
                    endpoint_count,
                    ready_count,
                    endpoints,
                    namespace,
                    name,
                }
            })
            .collect()
    }

    fn deployment_views(&self) -> Vec<DeploymentView> {
        let revision_of = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
            meta.annotations
                .as_ref()
                .and_then(|a| a.get(crate::controllers::deployment::REVISION_ANNOTATION))
                .cloned()
                .unwrap_or_default()
        };
        let replica_sets = self.api.list_typed::<ReplicaSet>(None);
        self.api
            .list_typed::<Deployment>(None)
            .into_iter()
            .map(|d| {
                let status = d.status.clone().unwrap_or_default();
                let uid = d.metadata.uid.clone();
                let mut owned: Vec<ReplicaSetView> = replica_sets
                    .iter()
                    .filter(|rs| {
                        uid.is_some()
                            && rs.metadata.controller_owner().map(|o| Some(&o.uid))
                                == Some(uid.as_ref())
                    })
                    .map(|rs| ReplicaSetView {
                        name: rs.metadata.name_str().to_string(),
                        revision: revision_of(&rs.metadata),
                        replicas: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                        ready: rs
                            .status
                            .as_ref()
                            .and_then(|s| s.ready_replicas)
                            .unwrap_or(0),
                        image: rs
                            .spec
                            .as_ref()
                            .and_then(|s| s.template.as_ref())
                            .and_then(|t| t.spec.as_ref())
                            .and_then(|s| s.containers.first())
                            .and_then(|c| c.image.clone())
                            .unwrap_or_default(),
                        history: self.replica_set_history(
                            &ObjectRef::new(
                                crate::objects::Kind::ReplicaSet,
                                rs.metadata.namespace.as_deref(),
                                rs.metadata.name_str(),
                            )
                            .key(),
                        ),
                    })
                    .collect();
                crate::sorting::sort_by(&mut owned, |a, b| {
                    let rev = |r: &ReplicaSetView| r.revision.parse::<i64>().unwrap_or(0);
                    rev(b).cmp(&rev(a)).then_with(|| a.name.cmp(&b.name))
                });
                DeploymentView {
                    namespace: d.metadata.namespace_str().to_string(),
                    name: d.metadata.name_str().to_string(),
                    replicas: d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                    ready: status.ready_replicas.unwrap_or(0),
                    updated: status.updated_replicas.unwrap_or(0),
                    available: status.available_replicas.unwrap_or(0),
                    revision: revision_of(&d.metadata),
                    replica_sets: owned,
                }
            })
            .collect()
    }

    /// `sim explain POD -n NAMESPACE` as data for a table: the scheduling
    /// attempt recomputed on the current cluster, every node and plugin.
    pub fn explain_pod(&self, namespace: &str, name: &str) -> Result<ExplainView, String> {
        let pod_ref = ObjectRef::new(crate::objects::Kind::Pod, Some(namespace), name);
        let Some(crate::objects::Object::Pod(pod)) = self.api.get(&pod_ref) else {
            return Err(format!(
                "Error from server (NotFound): pods \"{name}\" not found"
            ));
        };
        if !crate::scheduler::responsible_for(pod) {
            return Err(format!(
                "pod {namespace}/{name} is not scheduled by {}",
                crate::scheduler::SCHEDULER_NAME
            ));
        }
        let explanation = self.scheduler().explain(pod);
        let mut view = ExplainView {
            namespace: namespace.to_string(),
            pod: name.to_string(),
            bound_to: crate::podutil::node_name(pod).map(str::to_string),
            pre_filter_rejection: explanation
                .pre_filter
                .iter()
                .find(|s| s.is_rejected())
                .map(|s| (s.plugin.to_string(), s.message())),
            ..ExplainView::default()
        };
        for verdict in &explanation.nodes {
            for s in &verdict.filters {
                if !view.filter_plugins.iter().any(|p| p == s.plugin) {
                    view.filter_plugins.push(s.plugin.to_string());
                }
            }
            for line in &verdict.scores {
                if !view.score_plugins.iter().any(|p| p == line.plugin) {
                    view.score_plugins.push(line.plugin.to_string());
                }
            }
            let first = verdict.first_failure().map(|s| s.plugin);
            view.nodes.push(ExplainNodeView {
                node: verdict.node.clone(),
                filters: verdict
                    .filters
                    .iter()
                    .map(|s| PluginVerdictView {
                        plugin: s.plugin.to_string(),
                        code: s.code.as_str().to_string(),
                        reason: s.message(),
                        first_failure: Some(s.plugin) == first,
                    })
                    .collect(),
                scores: verdict
                    .scores
                    .iter()
                    .map(|l| ScoreView {
                        plugin: l.plugin.to_string(),
                        raw: l.raw,
                        normalized: l.normalized,
                        weight: l.weight,
                    })
                    .collect(),
                total: verdict.total,
            });
        }
        match &explanation.decision {
            crate::scheduler::Decision::Node { node, .. } => view.chosen = Some(node.clone()),
            crate::scheduler::Decision::Unschedulable { message }
            | crate::scheduler::Decision::Error { message } => view.message = Some(message.clone()),
        }
        Ok(view)
    }
}

fn node_taints(node: &Node) -> Vec<String> {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .map(printers::taint)
        .collect()
}

/// The node's conditions that are not as on a healthy node: Ready anything but
/// True, any other condition (the pressures, NetworkUnavailable) True.
fn unusual_conditions(node: &Node) -> Vec<NodeConditionView> {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .filter(|c| (c.type_ == "Ready") != (c.status == "True"))
        .map(|c| NodeConditionView {
            summary: format!("{}={}", c.type_, c.status),
            message: c.message.clone().unwrap_or_default(),
        })
        .collect()
}

/// The PodScheduled condition's message while it is False (why the pod waits).
fn pending_reason(pod: &Pod) -> Option<String> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        .and_then(|c| c.message.clone())
}

#[cfg(test)]
mod tests {
    use crate::files::MemoryFiles;
    use crate::samples::SAMPLE_DEPLOYMENT;
    use crate::sim::{SimConfig, Simulation};
    use crate::time::SimDuration;

    const BIG: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    resources:\n      requests:\n        cpu: \"64\"\n";

    #[test]
    fn view_shows_why_a_pod_waits_and_who_owns_pods() {
        let mut sim = Simulation::new(SimConfig::default());
        sim.apply_yaml("big.yaml", BIG).unwrap();
        sim.apply_yaml("web.yaml", SAMPLE_DEPLOYMENT).unwrap();
        sim.advance(SimDuration::from_secs(30));
        let view = sim.view();
        let big = view.unscheduled.iter().find(|p| p.name == "big").unwrap();
        let reason = big.pending_reason.as_deref().unwrap_or_default();
        assert!(reason.starts_with("0/4 nodes are available"), "{reason}");
        assert!(reason.contains("Insufficient cpu"), "{reason}");
        assert_eq!(big.owner, None);
        let web: Vec<_> = view.nodes.iter().flat_map(|n| &n.pods).collect();
        assert_eq!(web.len(), 3);
        assert!(web.iter().all(|p| p
            .owner
            .as_deref()
            .is_some_and(|o| o.starts_with("ReplicaSet/web-"))));
        assert!(web.iter().all(|p| p.pending_reason.is_none()));
        assert_eq!(view.deployments.len(), 1);
        let d = &view.deployments[0];
        assert_eq!(
            (d.name.as_str(), d.replicas, d.ready, d.revision.as_str()),
            ("web", 3, 3, "1")
        );
        assert_eq!(d.replica_sets.len(), 1);
        assert_eq!(d.replica_sets[0].ready, 3);
        assert_eq!(d.replica_sets[0].revision, "1");
    }

    #[test]
    fn explain_pod_is_sim_explain_as_a_table() {
        let mut sim = Simulation::new(SimConfig::default());
        sim.apply_yaml("big.yaml", BIG).unwrap();
        sim.advance(SimDuration::from_secs(5));
        let view = sim.explain_pod("default", "big").unwrap();
        assert_eq!(view.nodes.len(), 4);
        assert!(view.chosen.is_none());
        assert!(view
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("Insufficient cpu"));
        assert!(view.filter_plugins.iter().any(|p| p == "NodeResourcesFit"));
        for node in &view.nodes {
            assert_eq!(
                node.filters.len(),
                view.filter_plugins.len(),
                "{}",
                node.node
            );
            assert!(
                node.filters.iter().filter(|f| f.first_failure).count() == 1,
                "{node:?}"
            );
        }
        // The text command tells the same story.
        let text = sim
            .run_command("sim explain big", &MemoryFiles::new())
            .stdout;
        assert!(text.contains("No node fits"), "{text}");

        let mut sim = Simulation::new(SimConfig::default());
        sim.apply_yaml("web.yaml", SAMPLE_DEPLOYMENT).unwrap();
        sim.advance(SimDuration::from_secs(5));
        let pod = sim
            .view()
            .nodes
            .iter()
            .flat_map(|n| n.pods.clone())
            .next()
            .unwrap();
        let view = sim.explain_pod("default", &pod.name).unwrap();
        assert_eq!(view.bound_to, pod.node);
        assert!(view.chosen.is_some());
        assert!(!view.score_plugins.is_empty());
        let fitting: Vec<_> = view.nodes.iter().filter(|n| n.total.is_some()).collect();
        assert!(fitting
            .iter()
            .all(|n| n.scores.len() == view.score_plugins.len()));
        assert!(sim
            .explain_pod("default", "nope")
            .unwrap_err()
            .contains("NotFound"));
    }
}
