//! `kubectl rollout status|history|undo|pause|resume|restart`, `kubectl
//! scale` and `kubectl set image`, worded as kubectl words them
//! (staging/src/k8s.io/kubectl/pkg/cmd/rollout, polymorphichelpers).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{fail, ok};
use crate::apiserver::auth::{Attributes, UserInfo};
use crate::controllers::deployment::{revision, POD_TEMPLATE_HASH, REVISION_ANNOTATION};
use crate::controllers::history;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::sim::Simulation;
use crate::time::SimDuration;
use crate::view::CommandOutput;

const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// How long `rollout status` waits (in virtual time) before giving up.
const STATUS_TIMEOUT: SimDuration = SimDuration::from_secs(600);

/// `deployment/web`, `deploy web`, `deployments.apps web` → (kind, name).
fn target(args: &[String]) -> Result<(Kind, String), String> {
    let Some(first) = args.first() else {
        return Err("error: required resource not specified".into());
    };
    let (resource, name) = match first.split_once('/') {
        Some((r, n)) => (r.to_string(), n.to_string()),
        None => match args.get(1) {
            Some(n) => (first.clone(), n.clone()),
            None => return Err(format!("error: you must provide one or more resources by argument or filename.\nerror: \"{first}\" needs a name")),
        },
    };
    let kind = Kind::from_resource_arg(&resource)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{resource}\""))?;
    Ok((kind, name))
}

fn authorize(
    sim: &Simulation,
    user: &UserInfo,
    verb: &str,
    kind: Kind,
    namespace: &str,
    name: &str,
) -> Result<(), String> {
    let info = kind.info();
    let ns = info.namespaced.then_some(namespace);
    sim.api()
        .authorize(
            user,
            &Attributes::new(verb, info.group, info.plural, ns, Some(name)),
        )
        .map_err(|e| e.kubectl_message())
}

fn get_deployment(sim: &Simulation, namespace: &str, name: &str) -> Result<Deployment, String> {
    sim.api()
        .get_typed::<Deployment>(Some(namespace), name)
        .cloned()
        .ok_or_else(|| format!("Error from server (NotFound): deployments.apps {name:?} not found"))
}

fn deployment_only(kind: Kind, verb: &str) -> Result<(), String> {
    if kind == Kind::Deployment {
        Ok(())
    } else {
        Err(format!(
            "error: {verb} is not supported by kubeplay for {}s yet; it works on deployments",
            kind.info().singular
        ))
    }
}

fn replica_sets_of(sim: &Simulation, d: &Deployment) -> Vec<ReplicaSet> {
    let uid = d.metadata.uid.clone().unwrap_or_default();
    sim.api()
        .list_typed::<ReplicaSet>(Some(d.metadata.namespace_str()))
        .into_iter()
        .filter(|rs| rs.metadata.controller_owner().is_some_and(|r| r.uid == uid))
        .cloned()
        .collect()
}

/// Writes a changed Deployment as the learner, and lets the cluster see it.
fn write(sim: &mut Simulation, d: Deployment, summary: String) -> Result<(), String> {
    let mut d = d;
    d.metadata.resource_version = None;
    sim.user_update(Object::Deployment(d), summary)
        .map_err(|e| e.kubectl_message())
}

pub fn rollout(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: &str,
    revision_flag: Option<i64>,
) -> CommandOutput {
    let Some(action) = args.first().map(String::as_str) else {
        return fail("error: you must specify a rollout subcommand: status, history, undo, pause, resume or restart");
    };
    let (kind, name) = match target(&args[1..]) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if matches!(kind, Kind::StatefulSet | Kind::DaemonSet) {
        let verb = if matches!(action, "status" | "history") {
            "get"
        } else {
            "patch"
        };
        if let Err(e) = authorize(sim, user, verb, kind, namespace, &name) {
            return fail(e);
        }
        return revision_rollout(sim, kind, action, namespace, &name, revision_flag);
    }
    if let Err(e) = deployment_only(kind, &format!("rollout {action}")) {
        return fail(e);
    }
    let verb = if matches!(action, "status" | "history") {
        "get"
    } else {
        "patch"
    };
    if let Err(e) = authorize(sim, user, verb, kind, namespace, &name) {
        return fail(e);
    }
    let mut d = match get_deployment(sim, namespace, &name) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let display = format!("deployment.apps/{name}");
    match action {
        "status" => status(sim, namespace, &name),
        "history" => history(sim, &d, revision_flag),
        "undo" => undo(sim, d, revision_flag.unwrap_or(0)),
        "pause" | "resume" => {
            let pause = action == "pause";
            // Pauser / Resumer (polymorphichelpers/objectpauser.go, objectresumer.go).
            if d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false) == pause {
                let why = if pause { "is already paused" } else { "is not paused" };
                return fail(format!("error: deployments.apps {name:?} {why}"));
            }
            d.spec.get_or_insert_with(Default::default).paused = pause.then_some(true);
            match write(sim, d, format!("kubectl rollout {action} deployment/{name}")) {
                Ok(()) => ok(format!("{display} {}\n", if pause { "paused" } else { "resumed" })),
                Err(e) => fail(e),
            }
        }
        "restart" => {
            if d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false) {
                return fail(format!("error: deployments.apps {name:?} can't restart paused deployment (run rollout resume first)"));
            }
            let now = sim.now().to_k8s().0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            let spec = d.spec.get_or_insert_with(Default::default);
            spec.template
                .metadata
                .get_or_insert_with(Default::default)
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(RESTARTED_AT.into(), now);
            match write(sim, d, format!("kubectl rollout restart deployment/{name}")) {
                Ok(()) => ok(format!("{display} restarted\n")),
                Err(e) => fail(e),
            }
        }
        other => fail(format!("error: unknown rollout subcommand {other:?}: use status, history, undo, pause, resume or restart")),
    }
}

/// The template of a StatefulSet or DaemonSet, and where its revisions are.
struct Workload {
    object: Object,
    uid: String,
    template: PodTemplateSpec,
}

fn get_workload(
    sim: &Simulation,
    kind: Kind,
    namespace: &str,
    name: &str,
) -> Result<Workload, String> {
    let info = kind.info();
    let object = sim
        .api()
        .get(&ObjectRef::new(kind, Some(namespace), name))
        .cloned()
        .ok_or_else(|| {
            format!(
                "Error from server (NotFound): {} {name:?} not found",
                info.qualified_plural()
            )
        })?;
    let template = match &object {
        Object::StatefulSet(s) => s.spec.clone().unwrap_or_default().template,
        Object::DaemonSet(d) => d.spec.clone().unwrap_or_default().template,
        _ => PodTemplateSpec::default(),
    };
    Ok(Workload {
        uid: object.meta().uid.clone().unwrap_or_default(),
        object,
        template,
    })
}

fn set_template(object: &mut Object, template: PodTemplateSpec) {
    match object {
        Object::StatefulSet(s) => s.spec.get_or_insert_with(Default::default).template = template,
        Object::DaemonSet(d) => d.spec.get_or_insert_with(Default::default).template = template,
        _ => {}
    }
}

/// `rollout status|history|undo|restart` of a StatefulSet or a DaemonSet,
/// whose revisions are ControllerRevisions.
fn revision_rollout(
    sim: &mut Simulation,
    kind: Kind,
    action: &str,
    namespace: &str,
    name: &str,
    revision_flag: Option<i64>,
) -> CommandOutput {
    let display = format!("{}/{name}", kind.info().qualified_singular());
    let workload = match get_workload(sim, kind, namespace, name) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let plural = kind.info().qualified_plural();
    match action {
        "status" => watch(sim, |sim| {
            let w = get_workload(sim, kind, namespace, name)?;
            match &w.object {
                Object::StatefulSet(sts) => stateful_set_status_line(sts),
                Object::DaemonSet(ds) => daemon_set_status_line(ds),
                _ => Err(format!("error: no status viewer has been implemented for {plural}")),
            }
        }),
        "history" => {
            let revisions = history::owned_by(sim.api(), Some(namespace), &workload.uid);
            revision_history(&display, &revisions, revision_flag)
        }
        "undo" => {
            let revisions = history::owned_by(sim.api(), Some(namespace), &workload.uid);
            let to_revision = revision_flag.unwrap_or(0);
            let target = match find_history(to_revision, &revisions) {
                Ok(r) => r,
                Err(e) => return fail(format!("error: {e}")),
            };
            // statefulsetMatch / daemonSetMatch: the patch is the current template's.
            if history::template_patch(&workload.template) == target.data {
                return ok(format!(
                    "{display} {ROLLBACK_SKIPPED} (current template already matches revision {to_revision})\n"
                ));
            }
            let Some(template) = target.template() else {
                return fail(format!("error: unable to parse history {}", target.name));
            };
            let mut object = workload.object;
            set_template(&mut object, template);
            object.meta_mut().resource_version = None;
            match sim.user_update(object, format!("kubectl rollout undo {display}")) {
                Ok(()) => ok(format!("{display} {ROLLBACK_SUCCESS}\n")),
                Err(e) => fail(format!(
                    "error: failed restoring revision {to_revision}: {}",
                    e.message
                )),
            }
        }
        "restart" => {
            let now = sim.now().to_k8s().0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            let mut template = workload.template;
            template
                .metadata
                .get_or_insert_with(Default::default)
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(RESTARTED_AT.into(), now);
            let mut object = workload.object;
            set_template(&mut object, template);
            object.meta_mut().resource_version = None;
            match sim.user_update(object, format!("kubectl rollout restart {display}")) {
                Ok(()) => ok(format!("{display} restarted\n")),
                Err(e) => fail(e.kubectl_message()),
            }
        }
        // defaultObjectPauser / defaultObjectResumer: only Deployments pause.
        "pause" => fail(format!("error: {plural} {name:?} pausing is not supported")),
        "resume" => fail(format!("error: {plural} {name:?} resuming is not supported")),
        other => fail(format!("error: unknown rollout subcommand {other:?}: use status, history, undo, pause, resume or restart")),
    }
}

/// rollbackSuccess, rollbackSkipped (polymorphichelpers/rollback.go).
const ROLLBACK_SUCCESS: &str = "rolled back";
const ROLLBACK_SKIPPED: &str = "skipped rollback";

/// findHistory (rollback.go): the revision numbered `to_revision`, or for 0
/// the one before the newest.
fn find_history(
    to_revision: i64,
    revisions: &[history::Revision],
) -> Result<&history::Revision, String> {
    let not_found = || format!("unable to find specified revision {to_revision} in history");
    if to_revision < 0 {
        return Err(not_found());
    }
    if to_revision == 0 {
        if revisions.len() <= 1 {
            return Err("no last revision to roll back to".into());
        }
        // `revisions` is sorted by number (historiesByRevision).
        return Ok(&revisions[revisions.len() - 2]);
    }
    revisions
        .iter()
        .find(|r| r.number == to_revision)
        .ok_or_else(not_found)
}

/// printHistory (polymorphichelpers/history.go), under the object's name as
/// `kubectl rollout history` prints it.
fn revision_history(
    display: &str,
    revisions: &[history::Revision],
    wanted: Option<i64>,
) -> CommandOutput {
    if revisions.is_empty() {
        return ok(format!("{display} \n{NO_HISTORY}\n"));
    }
    if let Some(wanted) = wanted.filter(|w| *w > 0) {
        let Some(revision) = revisions.iter().find(|r| r.number == wanted) else {
            return fail("error: unable to find the specified revision");
        };
        let Some(template) = revision.template() else {
            return fail(format!("error: unable to parse history {}", revision.name));
        };
        return ok(format!(
            "{display} with revision #{wanted}\n{}\n",
            crate::kubectl::describe::pod_template_plain(&template)
        ));
    }
    let rows: Vec<(String, String)> = revisions
        .iter()
        .map(|r| {
            let cause = change_cause(&r.metadata).unwrap_or("<none>");
            (r.number.to_string(), cause.to_string())
        })
        .collect();
    ok(format!("{display} \n{}\n", history_table(&rows)))
}

/// A revision's kubernetes.io/change-cause, when it has one.
fn change_cause(meta: &ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()?
        .get(CHANGE_CAUSE)
        .map(String::as_str)
        .filter(|c| !c.is_empty())
}

/// The REVISION / CHANGE-CAUSE table (kubectl's tabwriter, padding 2).
fn history_table(rows: &[(String, String)]) -> String {
    let width = rows
        .iter()
        .map(|r| r.0.len())
        .max()
        .unwrap_or(0)
        .max("REVISION".len())
        + 2;
    let mut text = format!("{:<width$}CHANGE-CAUSE\n", "REVISION");
    for (revision, cause) in rows {
        text.push_str(&format!("{revision:<width$}{cause}\n"));
    }
    text
}

const NO_HISTORY: &str = "No rollout history found.";

/// Runs the simulation, printing each new status line, until `line` says
/// done (or fails, or times out), as `rollout status` watches.
fn watch(
    sim: &mut Simulation,
    line: impl Fn(&Simulation) -> Result<(String, bool), String>,
) -> CommandOutput {
    let deadline = sim.now().plus(STATUS_TIMEOUT);
    let mut out = String::new();
    let mut last = String::new();
    loop {
        let (text, done) = match line(sim) {
            Ok(l) => l,
            Err(e) => {
                return CommandOutput {
                    stdout: out,
                    stderr: format!("{e}\n"),
                    success: false,
                }
            }
        };
        if text != last {
            out.push_str(&text);
            out.push('\n');
            last = text;
        }
        if done {
            return ok(out);
        }
        match sim.next_event_time() {
            Some(t) if t <= deadline => {
                sim.step();
            }
            _ => {
                return CommandOutput {
                    stdout: out,
                    stderr: "error: timed out waiting for the condition\n".into(),
                    success: false,
                };
            }
        }
    }
}

/// DaemonSetStatusViewer.Status (polymorphichelpers/rollout_status.go).
fn daemon_set_status_line(ds: &DaemonSet) -> Result<(String, bool), String> {
    let name = ds.metadata.name_str();
    let strategy = ds
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|s| s.type_.clone())
        .unwrap_or_else(|| "RollingUpdate".into());
    if strategy != "RollingUpdate" {
        return Err(
            "error: rollout status is only available for RollingUpdate strategy type".into(),
        );
    }
    let status = ds.status.clone().unwrap_or_default();
    if ds.metadata.generation.unwrap_or(0) > status.observed_generation.unwrap_or(0) {
        return Ok((
            "Waiting for daemon set spec update to be observed...".into(),
            false,
        ));
    }
    let desired = status.desired_number_scheduled;
    let updated = status.updated_number_scheduled.unwrap_or(0);
    let available = status.number_available.unwrap_or(0);
    if updated < desired {
        return Ok((format!("Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."), false));
    }
    if available < desired {
        return Ok((format!("Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."), false));
    }
    Ok((format!("daemon set {name:?} successfully rolled out"), true))
}

/// StatefulSetStatusViewer.Status (polymorphichelpers/rollout_status.go).
fn stateful_set_status_line(sts: &StatefulSet) -> Result<(String, bool), String> {
    let spec = sts.spec.clone().unwrap_or_default();
    let status = sts.status.clone().unwrap_or_default();
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    if strategy.type_.as_deref().unwrap_or("RollingUpdate") != "RollingUpdate" {
        return Err(
            "error: rollout status is only available for RollingUpdate strategy type".into(),
        );
    }
    let generation = sts.metadata.generation.unwrap_or(0);
    let observed = status.observed_generation.unwrap_or(0);
    if observed == 0 || generation > observed {
        return Ok((
            "Waiting for statefulset spec update to be observed...".into(),
            false,
        ));
    }
    let replicas = spec.replicas.unwrap_or(1);
    let ready = status.ready_replicas.unwrap_or(0);
    if ready < replicas {
        return Ok((
            format!("Waiting for {} pods to be ready...", replicas - ready),
            false,
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    if let Some(partition) = strategy.rolling_update.as_ref().and_then(|r| r.partition) {
        if updated < replicas - partition {
            return Ok((
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                    replicas - partition
                ),
                false,
            ));
        }
        return Ok((
            format!("partitioned roll out complete: {updated} new pods have been updated..."),
            true,
        ));
    }
    let update_revision = status.update_revision.clone().unwrap_or_default();
    if status.update_revision != status.current_revision {
        return Ok((
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {}...",
            status.current_replicas.unwrap_or(0),
            status.current_revision.unwrap_or_default()
        ),
        true,
    ))
}

/// DeploymentStatusViewer.Status.
fn status_line(d: &Deployment) -> (String, bool, Option<String>) {
    let name = d.metadata.name_str();
    let status = d.status.clone().unwrap_or_default();
    if d.metadata.generation.unwrap_or(0) > status.observed_generation.unwrap_or(0) {
        return (
            "Waiting for deployment spec update to be observed...".into(),
            false,
            None,
        );
    }
    let timed_out = status.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if timed_out {
        return (
            String::new(),
            false,
            Some(format!(
                "error: deployment {name:?} exceeded its progress deadline"
            )),
        );
    }
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if updated < desired {
        return (format!("Waiting for deployment {name:?} rollout to finish: {updated} out of {desired} new replicas have been updated..."), false, None);
    }
    if replicas > updated {
        return (format!("Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...", replicas - updated), false, None);
    }
    if available < updated {
        return (format!("Waiting for deployment {name:?} rollout to finish: {available} of {updated} updated replicas are available..."), false, None);
    }
    (
        format!("deployment {name:?} successfully rolled out"),
        true,
        None,
    )
}

/// Watches the rollout: the simulation runs until it finishes (or times out).
fn status(sim: &mut Simulation, namespace: &str, name: &str) -> CommandOutput {
    watch(sim, |sim| {
        let d = get_deployment(sim, namespace, name).map_err(|_| {
            format!("Error from server (NotFound): deployments.apps {name:?} not found")
        })?;
        match status_line(&d) {
            (_, _, Some(error)) => Err(error),
            (line, done, None) => Ok((line, done)),
        }
    })
}

/// DeploymentHistoryViewer.ViewHistory (polymorphichelpers/history.go).
fn history(sim: &Simulation, d: &Deployment, wanted_revision: Option<i64>) -> CommandOutput {
    let mut sets = replica_sets_of(sim, d);
    crate::sorting::sort_by_key(&mut sets, revision);
    let display = format!("deployment.apps/{}", d.metadata.name_str());
    if sets.is_empty() {
        return ok(format!("{display} \n{NO_HISTORY}\n"));
    }
    if let Some(wanted) = wanted_revision.filter(|w| *w > 0) {
        let Some(rs) = sets.iter().find(|rs| revision(rs) == wanted) else {
            return fail("error: unable to find the specified revision");
        };
        let mut template = rs
            .spec
            .as_ref()
            .and_then(|s| s.template.clone())
            .unwrap_or_default();
        // The ReplicaSet's change-cause shows among the template's annotations.
        if let Some(cause) = change_cause(&rs.metadata) {
            template
                .metadata
                .get_or_insert_with(Default::default)
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(CHANGE_CAUSE.into(), cause.to_string());
        }
        return ok(format!(
            "{display} with revision #{wanted}\n{}\n",
            crate::kubectl::describe::pod_template_plain(&template)
        ));
    }
    let rows: Vec<(String, String)> = sets
        .iter()
        .map(|rs| {
            let cause = change_cause(&rs.metadata).unwrap_or("<none>");
            (revision(rs).to_string(), cause.to_string())
        })
        .collect();
    ok(format!("{display} \n{}\n", history_table(&rows)))
}

/// Rolls the template back to a revision's (0: the one before the current).
fn undo(sim: &mut Simulation, mut d: Deployment, to_revision: i64) -> CommandOutput {
    let name = d.metadata.name_str().to_string();
    let mut sets = replica_sets_of(sim, &d);
    crate::sorting::sort_by_key(&mut sets, revision);
    let current = d
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REVISION_ANNOTATION))
        .and_then(|r| r.parse::<i64>().ok())
        .unwrap_or(0);
    let target = if to_revision == 0 {
        sets.iter()
            .rev()
            .find(|rs| revision(rs) != current && revision(rs) > 0)
    } else {
        sets.iter().find(|rs| revision(rs) == to_revision)
    };
    let Some(rs) = target else {
        return if to_revision == 0 {
            fail(format!(
                "error: no rollout history found for deployment {name:?}"
            ))
        } else {
            fail(format!(
                "error: unable to find specified revision {to_revision} in history"
            ))
        };
    };
    let mut template = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.clone())
        .unwrap_or_default();
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    let spec = d.spec.get_or_insert_with(Default::default);
    if spec.template == template {
        return ok(format!("deployment.apps/{name} skipped rollback (current template already matches revision {})\n", revision(rs)));
    }
    spec.template = template;
    match write(sim, d, format!("kubectl rollout undo deployment/{name}")) {
        Ok(()) => ok(format!("deployment.apps/{name} rolled back\n")),
        Err(e) => fail(e),
    }
}

/// `kubectl scale deployment/web --replicas=5` (also replicasets).
pub fn scale(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: &str,
    replicas: Option<i32>,
) -> CommandOutput {
    let Some(replicas) = replicas else {
        return fail("error: required flag(s) \"replicas\" not set");
    };
    let (kind, name) = match target(args) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if let Err(e) = authorize(sim, user, "patch", kind, namespace, &name) {
        return fail(e);
    }
    let info = kind.info();
    let object_ref = ObjectRef::new(kind, Some(namespace), &name);
    let Some(mut object) = sim.api().get(&object_ref).cloned() else {
        return fail(format!(
            "Error from server (NotFound): {} {name:?} not found",
            info.qualified_plural()
        ));
    };
    match &mut object {
        Object::Deployment(d) => {
            d.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }
        Object::ReplicaSet(rs) => {
            rs.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }
        Object::StatefulSet(sts) => {
            sts.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }
        _ => {
            return fail(format!(
                "error: {} cannot be scaled by kubeplay yet",
                info.qualified_plural()
            ))
        }
    }
    object.meta_mut().resource_version = None;
    match sim.user_update(
        object,
        format!(
            "kubectl scale {}/{name} --replicas={replicas}",
            info.singular
        ),
    ) {
        Ok(()) => ok(format!("{}/{name} scaled\n", info.qualified_singular())),
        Err(e) => fail(e.kubectl_message()),
    }
}

/// `kubectl set image deployment/web nginx=nginx:1.29`.
pub fn set_image(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: &str,
) -> CommandOutput {
    if args.first().map(String::as_str) != Some("image") {
        return fail("error: kubeplay's kubectl set knows: image");
    }
    let rest = &args[1..];
    let (kind, name) = match target(rest) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if let Err(e) = authorize(sim, user, "patch", kind, namespace, &name) {
        return fail(e);
    }
    let skip = if rest[0].contains('/') { 1 } else { 2 };
    let pairs: Vec<(String, String)> = rest
        .iter()
        .skip(skip)
        .filter_map(|p| p.split_once('='))
        .map(|(c, i)| (c.to_string(), i.to_string()))
        .collect();
    if pairs.is_empty() {
        return fail("error: at least one image update is required");
    }
    let info = kind.info();
    let Some(mut object) = sim
        .api()
        .get(&ObjectRef::new(kind, Some(namespace), &name))
        .cloned()
    else {
        return fail(format!(
            "Error from server (NotFound): {} {name:?} not found",
            info.qualified_plural()
        ));
    };
    let pod_spec = match &mut object {
        Object::Deployment(d) => d
            .spec
            .get_or_insert_with(Default::default)
            .template
            .spec
            .get_or_insert_with(Default::default),
        Object::DaemonSet(ds) => ds
            .spec
            .get_or_insert_with(Default::default)
            .template
            .spec
            .get_or_insert_with(Default::default),
        Object::StatefulSet(sts) => sts
            .spec
            .get_or_insert_with(Default::default)
            .template
            .spec
            .get_or_insert_with(Default::default),
        Object::ReplicaSet(rs) => rs
            .spec
            .get_or_insert_with(Default::default)
            .template
            .get_or_insert_with(Default::default)
            .spec
            .get_or_insert_with(Default::default),
        Object::Pod(p) => p.spec.get_or_insert_with(Default::default),
        _ => {
            return fail(format!(
                "error: kubeplay cannot set images on {} yet",
                info.plural
            ))
        }
    };
    for (container, image) in &pairs {
        let mut found = false;
        for c in pod_spec
            .containers
            .iter_mut()
            .chain(pod_spec.init_containers.iter_mut().flatten())
        {
            if container == "*" || &c.name == container {
                c.image = Some(image.clone());
                found = true;
            }
        }
        if !found {
            return fail(format!(
                "error: unable to find container named {container:?}"
            ));
        }
    }
    object.meta_mut().resource_version = None;
    match sim.user_update(
        object,
        format!("kubectl set image {}/{name}", info.singular),
    ) {
        Ok(()) => ok(format!(
            "{}/{name} image updated\n",
            info.qualified_singular()
        )),
        Err(e) => fail(e.kubectl_message()),
    }
}
