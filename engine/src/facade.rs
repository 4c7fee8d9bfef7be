//! The engine's surface for the terminal, the browser and tests: apply
//! manifests, run commands, and take snapshots for drawing.

use k8s_openapi::api::core::v1::{Node, Pod};

use crate::apiserver::auth::UserInfo;
use crate::files::FileSource;
use crate::kubectl::{apply, printers};
use crate::manifest::ManifestError;
use crate::objects::{MetaExt, ObjectRef};
use crate::sim::Simulation;
use crate::time::human_duration;
use crate::view::{ClusterView, CommandOutput, NodeView, PodView};

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
        }
    }
}
