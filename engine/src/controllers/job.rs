//! The Job controller (pkg/controller/job): runs pods until enough of them
//! succeed (completions, parallelism), replaces failed ones with an
//! exponential back-off until backoffLimit, and stops at
//! activeDeadlineSeconds. Indexed jobs give each pod its completion index.

use crate::sorting::CollectSorted;
use std::collections::BTreeSet;

use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus};
use k8s_openapi::api::core::v1::{EnvVar, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::replicaset::controller_ref;
use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::events::{EventType, Source};
use crate::labels::Selector;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::podutil;
use crate::store::WatchEvent;
use crate::time::{SimDuration, SimTime};

pub const NAME: &str = "job-controller";
const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
/// DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff.
const BACKOFF_BASE: SimDuration = SimDuration::from_secs(10);
const BACKOFF_MAX: SimDuration = SimDuration::from_secs(360);

pub struct JobController;

fn condition_true(status: &JobStatus, type_: &str) -> bool {
    status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == type_ && c.status == "True")
}

/// The interim condition a finished job carries until its pods are gone:
/// FailureTarget before Failed, SuccessCriteriaMet before Complete.
fn interim_condition(status: &JobStatus) -> Option<(String, String, String)> {
    status.conditions.iter().flatten().find_map(|c| {
        let terminal = match c.type_.as_str() {
            "FailureTarget" => "Failed",
            "SuccessCriteriaMet" => "Complete",
            _ => return None,
        };
        (c.status == "True").then(|| {
            (
                terminal.to_string(),
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default(),
            )
        })
    })
}

fn set_condition(status: &mut JobStatus, type_: &str, reason: &str, message: &str, now: SimTime) {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    if conditions.iter().any(|c| c.type_ == type_) {
        return;
    }
    conditions.push(JobCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_probe_time: Some(now.to_k8s()),
        last_transition_time: Some(now.to_k8s()),
    });
}

/// The index an Indexed job's pod works on.
fn completion_index(pod: &Pod) -> Option<i32> {
    pod.metadata
        .annotations
        .as_ref()?
        .get(COMPLETION_INDEX)?
        .parse()
        .ok()
}

fn new_pod(job: &Job, index: Option<i32>) -> Pod {
    let spec = job.spec.clone().unwrap_or_default();
    let template_meta = spec.template.metadata.clone().unwrap_or_default();
    let mut pod_spec = spec.template.spec.clone().unwrap_or_default();
    let mut annotations = template_meta.annotations.clone().unwrap_or_default();
    let mut labels = template_meta.labels.clone().unwrap_or_default();
    let name = job.metadata.name_str();
    let mut generate_name = format!("{name}-");
    if let Some(i) = index {
        annotations.insert(COMPLETION_INDEX.into(), i.to_string());
        labels.insert(COMPLETION_INDEX.into(), i.to_string());
        generate_name = format!("{name}-{i}-");
        pod_spec.hostname = Some(format!("{name}-{i}"));
        for container in pod_spec
            .containers
            .iter_mut()
            .chain(pod_spec.init_containers.iter_mut().flatten())
        {
            container.env.get_or_insert_with(Vec::new).push(EnvVar {
                name: "JOB_COMPLETION_INDEX".into(),
                value: Some(i.to_string()),
                value_from: None,
            });
        }
    }
    Pod {
        metadata: ObjectMeta {
            namespace: job.metadata.namespace.clone(),
            generate_name: Some(generate_name),
            labels: Some(labels),
            annotations: (!annotations.is_empty()).then_some(annotations),
            owner_references: Some(vec![controller_ref(Kind::Job, &job.metadata)]),
            ..ObjectMeta::default()
        },
        spec: Some(pod_spec),
        status: None,
    }
}

impl Controller for JobController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::Job(_) => vec![event.object_ref.clone()],
            Object::Pod(_) => super::owner_keys(event, Kind::Job),
            _ => Vec::new(),
        }
    }

    /// syncJob.
    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::Job(job)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        if job.metadata.is_deleting() {
            return Reconciled::nothing();
        }
        let now = ctx.now;
        let spec = job.spec.clone().unwrap_or_default();
        let old_status = job.status.clone().unwrap_or_default();
        if condition_true(&old_status, "Complete") || condition_true(&old_status, "Failed") {
            return Reconciled::nothing();
        }
        let namespace = job.metadata.namespace_str().to_string();
        let uid = job.metadata.uid.clone().unwrap_or_default();
        let selector = spec
            .selector
            .as_ref()
            .and_then(|s| Selector::from_label_selector(Some(s)).ok());
        let pods: Vec<Pod> = ctx
            .api
            .list_typed::<Pod>(Some(&namespace))
            .into_iter()
            .filter(|p| p.metadata.controller_owner().is_some_and(|o| o.uid == uid))
            .filter(|p| {
                selector
                    .as_ref()
                    .is_none_or(|s| s.matches(&p.metadata.labels_map()))
            })
            .cloned()
            .collect();
        let source = Source::component(NAME);
        let job_object = Object::Job(job.clone());
        let active: Vec<&Pod> = pods.iter().filter(|p| podutil::is_active(p)).collect();
        let succeeded: Vec<&Pod> = pods
            .iter()
            .filter(|p| podutil::phase(p) == "Succeeded")
            .collect();
        // isPodFailed: a pod deleted before it succeeded counts as failed.
        // Upstream counts each pod once as it goes (uncountedTerminatedPods);
        // here the count never goes below what the status already says, so
        // failed pods that are gone still count.
        let failed = (pods
            .iter()
            .filter(|p| {
                podutil::phase(p) == "Failed"
                    || (p.metadata.is_deleting() && podutil::phase(p) != "Succeeded")
            })
            .count() as i32)
            .max(old_status.failed.unwrap_or(0));
        let indexed = spec.completion_mode.as_deref() == Some("Indexed");
        let completions = spec.completions;
        let parallelism = spec.parallelism.unwrap_or(1).max(0);
        let mut status = old_status.clone();
        let started = SimTime::from_k8s(status.start_time.get_or_insert_with(|| now.to_k8s()));
        let succeeded_count = if indexed {
            succeeded
                .iter()
                .filter_map(|p| completion_index(p))
                .collect_set()
                .len() as i32
        } else {
            succeeded.len() as i32
        };
        let mut actions = Vec::new();
        let mut requeue: Option<SimDuration> = None;
        let mut finished_reason: Option<(String, String, String)> = None;

        let backoff_limit = spec.backoff_limit.unwrap_or(6);
        let deadline = spec
            .active_deadline_seconds
            .map(|s| started.plus(SimDuration::from_secs(s.max(0) as u64)));
        let complete = match completions {
            Some(c) => succeeded_count >= c,
            // A work queue: done when one pod succeeded and none is active.
            None => succeeded_count > 0 && active.is_empty(),
        };
        let owned = |(t, r, m): (&str, &str, &str)| Some((t.into(), r.into(), m.into()));
        // An earlier sync that found the job finished left its interim
        // condition; the outcome stays what it was.
        if let Some(c) = interim_condition(&old_status) {
            finished_reason = Some(c);
        } else if complete {
            finished_reason = owned((
                "Complete",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
            ));
        } else if failed > backoff_limit {
            finished_reason = owned((
                "Failed",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
            ));
        } else if deadline.is_some_and(|d| now >= d) {
            finished_reason = owned((
                "Failed",
                "DeadlineExceeded",
                "Job was active longer than specified deadline",
            ));
        }
        // Pods on their way out: counted in status.terminating.
        let mut terminating = pods
            .iter()
            .filter(|p| p.metadata.is_deleting() && !podutil::is_terminal(p))
            .count() as i32;
        let mut still_active = active.len() as i32;

        if let Some((type_, reason, message)) = finished_reason {
            // A finished job stops its remaining pods (deleteActivePods).
            for pod in &active {
                let pod_ref = ObjectRef::new(Kind::Pod, Some(&namespace), pod.metadata.name_str());
                if ctx.api.delete(now, &pod_ref, None).is_ok() {
                    actions.push(format!("deleted pod {}", pod.metadata.name_str()));
                    terminating += 1;
                    still_active -= 1;
                }
            }
            // The interim condition at once; the terminal one only when no
            // pod is left terminating (syncJob with delayTerminalCondition,
            // pkg/controller/job/job_controller.go, since v1.31).
            let interim = if type_ == "Complete" {
                "SuccessCriteriaMet"
            } else {
                "FailureTarget"
            };
            set_condition(&mut status, interim, &reason, &message, now);
            if terminating > 0 {
                actions.push(format!(
                    "waiting for {terminating} pod(s) to terminate before the job is {type_}"
                ));
            } else if type_ == "Complete" {
                set_condition(&mut status, "Complete", &reason, &message, now);
                status.completion_time = Some(now.to_k8s());
                ctx.record(
                    &source,
                    &job_object,
                    EventType::Normal,
                    "Completed",
                    "Job completed",
                );
                actions.push("job completed".into());
            } else {
                set_condition(&mut status, "Failed", &reason, &message, now);
                ctx.record(&source, &job_object, EventType::Warning, &reason, &message);
                actions.push(format!("job failed: {message}"));
            }
        } else if spec.suspend != Some(true) {
            // Pods to add: up to parallelism, never more than the completions still needed.
            let remaining = completions
                .map(|c| (c - succeeded_count).max(0))
                .unwrap_or(parallelism);
            let wanted = parallelism.min(remaining) - active.len() as i32;
            // After failures, new pods wait: 10 s, doubling, at most 6 min.
            let last_failure = pods
                .iter()
                .filter(|p| podutil::phase(p) == "Failed")
                .filter_map(|p| {
                    p.status
                        .as_ref()?
                        .container_statuses
                        .as_ref()?
                        .iter()
                        .filter_map(|c| c.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref())
                        .map(SimTime::from_k8s)
                        .max()
                })
                .max();
            let backoff_until = last_failure.map(|t| {
                let exp = (failed - 1).clamp(0, 16) as u32;
                t.plus(SimDuration((BACKOFF_BASE.0 << exp).min(BACKOFF_MAX.0)))
            });
            if wanted > 0 {
                if let Some(until) = backoff_until.filter(|u| *u > now) {
                    requeue = Some(until.since(now));
                } else {
                    let busy: BTreeSet<i32> = active
                        .iter()
                        .chain(succeeded.iter())
                        .filter_map(|p| completion_index(p))
                        .collect_set();
                    let mut next_index =
                        (0..completions.unwrap_or(0)).filter(|i| !busy.contains(i));
                    for _ in 0..wanted {
                        let index = if indexed { next_index.next() } else { None };
                        if indexed && index.is_none() {
                            break;
                        }
                        match ctx.api.create(now, Object::Pod(new_pod(&job, index))) {
                            Ok(p) => {
                                let message = format!("Created pod: {}", p.meta().name_str());
                                ctx.record(
                                    &source,
                                    &job_object,
                                    EventType::Normal,
                                    "SuccessfulCreate",
                                    &message,
                                );
                                actions.push(format!("created pod {}", p.meta().name_str()));
                            }
                            Err(e) => {
                                let message = format!("Error creating: {}", e.message);
                                ctx.record(
                                    &source,
                                    &job_object,
                                    EventType::Warning,
                                    "FailedCreate",
                                    &message,
                                );
                                break;
                            }
                        }
                    }
                }
            }
            if let Some(d) = deadline {
                requeue = Some(requeue.map_or(d.since(now), |r| r.min(d.since(now))));
            }
        }
        status.active = Some(still_active).filter(|a| *a > 0);
        status.ready = Some(active.iter().filter(|p| podutil::is_ready(p)).count() as i32);
        status.terminating = Some(terminating);
        status.succeeded = Some(succeeded_count).filter(|s| *s > 0);
        status.failed = Some(failed).filter(|f| *f > 0);
        if indexed {
            let done: BTreeSet<i32> = succeeded
                .iter()
                .filter_map(|p| completion_index(p))
                .collect_set();
            status.completed_indexes = Some(
                done.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .filter(|s| !s.is_empty());
        }
        if status != old_status {
            let mut updated = job.clone();
            updated.status = Some(status);
            updated.metadata.resource_version = None;
            let _ = ctx.api.update(Object::Job(updated));
            if actions.is_empty() {
                actions.push(format!(
                    "updated status: {succeeded_count} succeeded, {} active, {failed} failed",
                    active.len()
                ));
            }
        }
        let mut result = if actions.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(actions.join("; "))
        };
        if let Some(after) = requeue {
            result = result.requeue(after.max(SimDuration::from_millis(1)));
        }
        result
    }
}
