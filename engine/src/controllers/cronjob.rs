//! The CronJob controller (pkg/controller/cronjob): makes a Job at each
//! scheduled time (virtual, UTC), honouring concurrencyPolicy
//! (Allow, Forbid, Replace), suspend and startingDeadlineSeconds, and keeps
//! only successfulJobsHistoryLimit / failedJobsHistoryLimit finished Jobs.

use k8s_openapi::api::batch::v1::{CronJob, CronJobStatus, Job};
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::replicaset::controller_ref;
use super::{Context, Controller, Reconciled};
use crate::apiserver::ApiServer;
use crate::cron::Schedule;
use crate::events::{EventType, Source};
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::store::WatchEvent;
use crate::time::{SimTime, EPOCH_UNIX_SECONDS};

pub const NAME: &str = "cronjob-controller";
const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

pub struct CronJobController;

fn finished(job: &Job) -> Option<&'static str> {
    let conditions = job.status.as_ref()?.conditions.as_ref()?;
    if conditions
        .iter()
        .any(|c| c.type_ == "Complete" && c.status == "True")
    {
        Some("Complete")
    } else if conditions
        .iter()
        .any(|c| c.type_ == "Failed" && c.status == "True")
    {
        Some("Failed")
    } else {
        None
    }
}

/// getJobFromTemplate2: the Job for one scheduled time, named by it in minutes.
fn job_for(cj: &CronJob, scheduled: SimTime) -> Job {
    let spec = cj.spec.clone().unwrap_or_default();
    let template = spec.job_template;
    let template_meta = template.metadata.unwrap_or_default();
    let unix_minutes = (EPOCH_UNIX_SECONDS as u64 + scheduled.0 / 1000) / 60;
    let mut annotations = template_meta.annotations.unwrap_or_default();
    annotations.insert(
        SCHEDULED_TIMESTAMP.into(),
        scheduled
            .to_k8s()
            .0
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    );
    Job {
        metadata: ObjectMeta {
            name: Some(format!("{}-{unix_minutes}", cj.metadata.name_str())),
            namespace: cj.metadata.namespace.clone(),
            labels: template_meta.labels,
            annotations: Some(annotations),
            owner_references: Some(vec![controller_ref(Kind::CronJob, &cj.metadata)]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    }
}

/// deleteJob: deletes a finished or replaced job (its pods follow in the
/// background) and records it on the CronJob.
fn delete_job(ctx: &mut Context, cronjob: &Object, job: &Job) -> bool {
    let name = job.metadata.name_str();
    let job_ref = ObjectRef::new(Kind::Job, job.metadata.namespace.as_deref(), name);
    if ctx.api.delete(ctx.now, &job_ref, None).is_err() {
        return false;
    }
    ctx.record(
        &Source::component(NAME),
        cronjob,
        EventType::Normal,
        "SuccessfulDelete",
        &format!("Deleted job {name}"),
    );
    true
}

impl Controller for CronJobController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectRef> {
        match &*event.object {
            Object::CronJob(_) => vec![event.object_ref.clone()],
            Object::Job(_) => super::owner_keys(event, Kind::CronJob),
            _ => Vec::new(),
        }
    }

    /// syncCronJob.
    fn reconcile(&mut self, key: &ObjectRef, ctx: &mut Context) -> Reconciled {
        let Some(Object::CronJob(cj)) = ctx.api.get(key).cloned() else {
            return Reconciled::nothing();
        };
        if cj.metadata.is_deleting() {
            return Reconciled::nothing();
        }
        let now = ctx.now;
        let spec = cj.spec.clone().unwrap_or_default();
        let namespace = cj.metadata.namespace_str().to_string();
        let uid = cj.metadata.uid.clone().unwrap_or_default();
        let source = Source::component(NAME);
        let cj_object = Object::CronJob(cj.clone());
        let Ok(schedule) = Schedule::parse(&spec.schedule) else {
            let message = format!("unparseable schedule: {:?}", spec.schedule);
            ctx.record(
                &source,
                &cj_object,
                EventType::Warning,
                "UnparseableSchedule",
                &message,
            );
            return Reconciled::nothing();
        };
        let mut jobs: Vec<Job> = ctx
            .api
            .list_typed::<Job>(Some(&namespace))
            .into_iter()
            .filter(|j| j.metadata.controller_owner().is_some_and(|o| o.uid == uid))
            .cloned()
            .collect();
        crate::sorting::sort_by_key(&mut jobs, |j| {
            j.metadata
                .creation_timestamp
                .as_ref()
                .map(SimTime::from_k8s)
        });
        let mut actions = Vec::new();
        let old_status = cj.status.clone().unwrap_or_default();
        let mut status = old_status.clone();

        // Finished jobs leave the active list.
        for job in &jobs {
            let name = job.metadata.name_str().to_string();
            let was_active = old_status
                .active
                .iter()
                .flatten()
                .any(|r| r.name.as_deref() == Some(name.as_str()));
            if let Some(condition) = finished(job) {
                if was_active {
                    let message = format!("Saw completed job: {name}, condition: {condition}");
                    ctx.record(
                        &source,
                        &cj_object,
                        EventType::Normal,
                        "SawCompletedJob",
                        &message,
                    );
                    actions.push(format!("saw job {name} finish ({condition})"));
                }
                if condition == "Complete" {
                    let done = job.status.as_ref().and_then(|s| s.completion_time.clone());
                    if done.as_ref().map(SimTime::from_k8s)
                        > status.last_successful_time.as_ref().map(SimTime::from_k8s)
                    {
                        status.last_successful_time = done;
                    }
                }
            }
        }
        let active: Vec<&Job> = jobs
            .iter()
            .filter(|j| finished(j).is_none() && !j.metadata.is_deleting())
            .collect();

        // The most recent scheduled time not yet acted on.
        let since = status
            .last_schedule_time
            .as_ref()
            .or(cj.metadata.creation_timestamp.as_ref())
            .map(SimTime::from_k8s)
            .unwrap_or(now);
        let mut due = None;
        let mut t = since;
        while let Some(next) = schedule.next_after(t) {
            if next > now {
                break;
            }
            due = Some(next);
            t = next;
        }
        let mut created: Option<Job> = None;
        if let (Some(scheduled), false) = (due, spec.suspend.unwrap_or(false)) {
            let too_late = spec
                .starting_deadline_seconds
                .is_some_and(|d| now.0.saturating_sub(scheduled.0) > d.max(0) as u64 * 1000);
            let policy = spec.concurrency_policy.as_deref().unwrap_or("Allow");
            if too_late {
                let message = format!(
                    "Missed scheduled time to start a job: {}",
                    scheduled.to_k8s().0.strftime("%Y-%m-%dT%H:%M:%SZ")
                );
                ctx.record(
                    &source,
                    &cj_object,
                    EventType::Warning,
                    "MissSchedule",
                    &message,
                );
                status.last_schedule_time = Some(scheduled.to_k8s());
            } else if policy == "Forbid" && !active.is_empty() {
                actions.push(
                    "skipped a run: concurrencyPolicy Forbid and a job is still active".into(),
                );
                let message = "Not starting job because prior execution is running and concurrency policy is Forbid";
                ctx.record(
                    &source,
                    &cj_object,
                    EventType::Normal,
                    "JobAlreadyActive",
                    message,
                );
            } else {
                if policy == "Replace" {
                    for job in &active {
                        delete_job(ctx, &cj_object, job);
                    }
                }
                match ctx
                    .api
                    .create(now, Object::Job(job_for(&cj, scheduled)))
                    .as_deref()
                {
                    Ok(Object::Job(job)) => {
                        let message = format!("Created job {}", job.metadata.name_str());
                        ctx.record(
                            &source,
                            &cj_object,
                            EventType::Normal,
                            "SuccessfulCreate",
                            &message,
                        );
                        actions.push(format!(
                            "created job {} for {}",
                            job.metadata.name_str(),
                            scheduled
                        ));
                        created = Some(job.clone());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let message = format!("Error creating job: {}", e.message);
                        ctx.record(
                            &source,
                            &cj_object,
                            EventType::Warning,
                            "FailedCreate",
                            &message,
                        );
                    }
                }
                status.last_schedule_time = Some(scheduled.to_k8s());
            }
        }
        let reference = |j: &Job| ObjectReference {
            api_version: Some("batch/v1".into()),
            kind: Some("Job".into()),
            name: j.metadata.name.clone(),
            namespace: j.metadata.namespace.clone(),
            uid: j.metadata.uid.clone(),
            resource_version: j.metadata.resource_version.clone(),
            ..ObjectReference::default()
        };
        let replaced = spec.concurrency_policy.as_deref() == Some("Replace") && created.is_some();
        let mut active_refs: Vec<ObjectReference> = if replaced {
            Vec::new()
        } else {
            active.iter().map(|j| reference(j)).collect()
        };
        active_refs.extend(created.iter().map(reference));
        status.active = (!active_refs.is_empty()).then_some(active_refs);

        // History limits: the oldest finished jobs go.
        for (condition, limit) in [
            ("Complete", spec.successful_jobs_history_limit.unwrap_or(3)),
            ("Failed", spec.failed_jobs_history_limit.unwrap_or(1)),
        ] {
            let done: Vec<&Job> = jobs
                .iter()
                .filter(|j| finished(j) == Some(condition) && !j.metadata.is_deleting())
                .collect();
            let excess = done.len().saturating_sub(limit.max(0) as usize);
            for job in done.into_iter().take(excess) {
                if delete_job(ctx, &cj_object, job) {
                    actions.push(format!("deleted old job {}", job.metadata.name_str()));
                }
            }
        }
        if status != old_status {
            let mut updated = cj.clone();
            updated.status = Some(status.clone());
            updated.metadata.resource_version = None;
            let _ = ctx.api.update(Object::CronJob(updated));
        }
        let _: &CronJobStatus = &status;
        let mut result = if actions.is_empty() {
            Reconciled::nothing()
        } else {
            Reconciled::did(actions.join("; "))
        };
        // Wake again at the next scheduled time.
        if !spec.suspend.unwrap_or(false) {
            if let Some(next) = schedule.next_after(now) {
                result = result.requeue(next.since(now));
            }
        }
        result
    }
}
