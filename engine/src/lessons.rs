//! Guided lessons as data: each lesson is a folder in `lessons/` with a
//! `lesson.yaml` (text in Korean and English, the cluster it starts from,
//! and its steps) and the manifests its steps use. Each step has an
//! explanation, a task, a hint, a solution (commands) and declarative checks
//! that the engine evaluates on the simulated cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use serde::Deserialize;

use crate::files::{FileSource, MemoryFiles};
use crate::kubectl::printers;
use crate::labels::Selector;
use crate::objects::{Kind, MetaExt, ObjectRef};
use crate::podutil;
use crate::sim::{SimConfig, Simulation};
use crate::view::CommandOutput;

/// Text in both languages; Korean is first-class.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ko: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Ko => &self.ko,
            Language::En => &self.en,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    Ko,
    En,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub id: String,
    pub title: Text,
    pub summary: Text,
    /// The cluster the lesson starts from.
    #[serde(default)]
    pub cluster: ClusterSetup,
    pub steps: Vec<Step>,
    /// Manifests the steps refer to, by file name (filled in when loading).
    #[serde(skip)]
    pub files: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClusterSetup {
    #[serde(default = "default_workers")]
    pub workers: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Commands run before the first step (`kubectl apply -f base.yaml`, `sim advance 30s`).
    #[serde(default)]
    pub setup: Vec<String>,
}

fn default_workers() -> usize {
    3
}

fn default_seed() -> u64 {
    1
}

impl Default for ClusterSetup {
    fn default() -> Self {
        ClusterSetup {
            workers: default_workers(),
            seed: default_seed(),
            setup: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: Text,
    /// A short explanation tied to what the learner is about to do.
    pub explain: Text,
    pub task: Text,
    pub hint: Text,
    /// Commands that complete the step, as a learner would type them.
    pub solution: Vec<String>,
    pub checks: Vec<CheckSpec>,
}

/// One check: what it looks at, and what it says in both languages.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    pub label: Text,
    #[serde(flatten)]
    pub check: Check,
}

/// What a check asks of the simulated cluster. Each passes only when the
/// cluster (or the learner's commands) really got there.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// Pods matching a selector: how many, in which state, where, with what.
    Pods(PodsCheck),
    /// A Deployment's revision, image and replica counts.
    Deployment(DeploymentCheck),
    /// ReplicaSets owned by a Deployment.
    ReplicaSets(ReplicaSetsCheck),
    /// An Event exists (reason, involved object, words of its message).
    Event(EventCheck),
    /// An object exists, or does not.
    Object(ObjectCheck),
    /// A node's readiness, cordon and taints.
    Node(NodeCheck),
    /// A Service's endpoints (ready and not), and whether cluster DNS answers for it.
    Service(ServiceCheck),
    /// The learner ran a command (the last one, or any), and how it ended.
    Command(CommandCheck),
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PodsCheck {
    #[serde(default)]
    pub namespace: Option<String>,
    /// kubectl's `-l` syntax.
    #[serde(default)]
    pub selector: Option<String>,
    /// Exactly this many matching pods pass all the conditions below.
    #[serde(default)]
    pub count: Option<usize>,
    /// At least this many.
    #[serde(default)]
    pub min: Option<usize>,
    /// kubectl's STATUS column (`Running`, `Pending`, `CrashLoopBackOff`, `Completed`).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub ready: Option<bool>,
    #[serde(default)]
    pub node: Option<String>,
    /// The pods are bound to a node (true) or still unscheduled (false).
    #[serde(default)]
    pub scheduled: Option<bool>,
    /// Every container runs this image.
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub min_restarts: Option<i32>,
    /// The matching pods sit on at least this many different nodes.
    #[serde(default)]
    pub distinct_nodes: Option<usize>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeploymentCheck {
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub revision: Option<i64>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub replicas: Option<i32>,
    #[serde(default)]
    pub ready_replicas: Option<i32>,
    #[serde(default)]
    pub updated_replicas: Option<i32>,
    #[serde(default)]
    pub paused: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReplicaSetsCheck {
    pub deployment: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub count: Option<usize>,
    #[serde(default)]
    pub min: Option<usize>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventCheck {
    pub reason: String,
    /// `pod/big`, `deployment/web`; a trailing `*` matches a name prefix (`pod/web-*`).
    #[serde(default)]
    pub object: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub message_contains: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ObjectCheck {
    /// A kubectl resource name (`pod`, `deploy`, `rolebinding`).
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default = "yes")]
    pub exists: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeCheck {
    pub name: String,
    #[serde(default)]
    pub ready: Option<bool>,
    #[serde(default)]
    pub unschedulable: Option<bool>,
    /// A taint key the node must carry.
    #[serde(default)]
    pub has_taint: Option<String>,
    #[serde(default)]
    pub exists: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceCheck {
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    /// Exactly this many endpoints of its EndpointSlices are ready.
    #[serde(default)]
    pub ready_endpoints: Option<usize>,
    /// Exactly this many are listed but not ready.
    #[serde(default)]
    pub not_ready_endpoints: Option<usize>,
    /// Cluster DNS answers for `<name>.<namespace>.svc.cluster.local`.
    #[serde(default)]
    pub resolves: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandCheck {
    /// The command starts with these words (`kubectl get pods`).
    #[serde(default)]
    pub starts_with: Option<String>,
    /// Only the last command counts (otherwise any command since the step began).
    #[serde(default)]
    pub last: bool,
    #[serde(default)]
    pub succeeded: Option<bool>,
    /// The HTTP status the API server answered (403 for a denied request).
    #[serde(default)]
    pub status: Option<u16>,
}

/// A command the learner ran, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandRecord {
    pub line: String,
    pub succeeded: bool,
    /// From kubectl's `Error from server (Reason)`: 403, 404, 409, 422 ...
    pub status: Option<u16>,
}

fn status_of(output: &CommandOutput) -> Option<u16> {
    let reason = output
        .stderr
        .split("Error from server (")
        .nth(1)?
        .split(')')
        .next()?;
    Some(match reason {
        "BadRequest" => 400,
        "Unauthorized" => 401,
        "Forbidden" => 403,
        "NotFound" => 404,
        "AlreadyExists" | "Conflict" => 409,
        "Invalid" => 422,
        _ => 500,
    })
}

/// A simulation with the learner's command history, as lessons see it.
pub struct Session {
    pub sim: Simulation,
    pub history: Vec<CommandRecord>,
}

impl Session {
    pub fn new(sim: Simulation) -> Self {
        Session {
            sim,
            history: Vec::new(),
        }
    }

    pub fn run(&mut self, line: &str, files: &dyn FileSource) -> CommandOutput {
        let output = self.sim.run_command(line, files);
        if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            let invalid = output.stderr.contains(" is invalid");
            let status = status_of(&output).or(invalid.then_some(422));
            self.history.push(CommandRecord {
                line: line.trim().to_string(),
                succeeded: output.success,
                status,
            });
        }
        output
    }
}

/// The verdict on one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub passed: bool,
    /// What the check saw, for the learner and for test failures.
    pub observed: String,
}

fn result(passed: bool, observed: impl Into<String>) -> CheckResult {
    CheckResult {
        passed,
        observed: observed.into(),
    }
}

impl Check {
    /// Evaluates the check. `since` is the index in the history where the step began.
    pub fn evaluate(&self, session: &Session, since: usize) -> CheckResult {
        let sim = &session.sim;
        match self {
            Check::Pods(c) => pods(sim, c),
            Check::Deployment(c) => deployment(sim, c),
            Check::ReplicaSets(c) => {
                let ns = c.namespace.as_deref().unwrap_or("default");
                let Some(d) = sim.api().get_typed::<Deployment>(Some(ns), &c.deployment) else {
                    return result(false, format!("deployment {} not found", c.deployment));
                };
                let uid = d.metadata.uid.clone();
                let n = sim
                    .api()
                    .list_typed::<ReplicaSet>(Some(ns))
                    .iter()
                    .filter(|rs| {
                        rs.metadata.controller_owner().map(|o| Some(&o.uid)) == Some(uid.as_ref())
                    })
                    .count();
                let ok = c.count.is_none_or(|want| n == want) && c.min.is_none_or(|min| n >= min);
                result(
                    ok,
                    format!("{n} ReplicaSet(s) owned by deployment {}", c.deployment),
                )
            }
            Check::Event(c) => {
                let events = sim.api().list_typed::<Event>(c.namespace.as_deref());
                let found = events.iter().any(|e| {
                    e.reason.as_deref() == Some(c.reason.as_str())
                        && c.object.as_deref().is_none_or(|o| object_matches(o, e))
                        && c.message_contains
                            .as_deref()
                            .is_none_or(|m| e.message.as_deref().unwrap_or("").contains(m))
                });
                result(
                    found,
                    if found {
                        format!("a {} event exists", c.reason)
                    } else {
                        format!("no matching {} event yet", c.reason)
                    },
                )
            }
            Check::Object(c) => {
                let Some(kind) = Kind::from_resource_arg(&c.kind) else {
                    return result(false, format!("unknown kind {}", c.kind));
                };
                let ns = kind
                    .info()
                    .namespaced
                    .then(|| c.namespace.as_deref().unwrap_or("default"));
                let exists = sim.api().get(&ObjectRef::new(kind, ns, &c.name)).is_some();
                result(
                    exists == c.exists,
                    format!(
                        "{} {} {}",
                        kind.info().singular,
                        c.name,
                        if exists { "exists" } else { "does not exist" }
                    ),
                )
            }
            Check::Node(c) => {
                let Some(node) = sim.api().get_typed::<Node>(None, &c.name) else {
                    return result(
                        c.exists == Some(false),
                        format!("node {} does not exist", c.name),
                    );
                };
                let status = printers::node_status(node);
                let ready = status.starts_with("Ready");
                let cordoned = node
                    .spec
                    .as_ref()
                    .and_then(|s| s.unschedulable)
                    .unwrap_or(false);
                let tainted = |key: &str| {
                    node.spec
                        .iter()
                        .flat_map(|s| s.taints.iter().flatten())
                        .any(|t| t.key == key)
                };
                let ok = c.exists != Some(false)
                    && c.ready.is_none_or(|r| r == ready)
                    && c.unschedulable.is_none_or(|u| u == cordoned)
                    && c.has_taint.as_deref().is_none_or(tainted);
                result(ok, format!("node {} is {status}", c.name))
            }
            Check::Service(c) => {
                let ns = c.namespace.as_deref().unwrap_or("default");
                let view = sim.view();
                let Some(svc) = view
                    .services
                    .iter()
                    .find(|s| s.namespace == ns && s.name == c.name)
                else {
                    return result(false, format!("service {} does not exist", c.name));
                };
                let ready = svc.ready_count;
                let not_ready = svc.endpoint_count - ready;
                let resolves = sim.dns_answers(&svc.dns_name);
                let ok = c.ready_endpoints.is_none_or(|n| n == ready)
                    && c.not_ready_endpoints.is_none_or(|n| n == not_ready)
                    && c.resolves.is_none_or(|r| r == resolves);
                result(
                    ok,
                    format!(
                        "service {}: {ready} ready and {not_ready} not ready endpoints; DNS {}",
                        c.name,
                        if resolves {
                            "answers"
                        } else {
                            "does not answer"
                        }
                    ),
                )
            }
            Check::Command(c) => {
                let recent = &session.history[since.min(session.history.len())..];
                let candidates: Vec<&CommandRecord> = if c.last {
                    recent.last().into_iter().collect()
                } else {
                    recent.iter().collect()
                };
                let matched = candidates.iter().any(|r| {
                    c.starts_with
                        .as_deref()
                        .is_none_or(|p| words(&r.line).starts_with(&words(p)))
                        && c.succeeded.is_none_or(|s| s == r.succeeded)
                        && c.status.is_none_or(|s| r.status == Some(s))
                });
                let last = recent
                    .last()
                    .map(|r| r.line.clone())
                    .unwrap_or_else(|| "(no command yet)".into());
                result(matched, format!("last command: {last}"))
            }
        }
    }
}

fn words(line: &str) -> Vec<String> {
    crate::command::split_words(line).unwrap_or_default()
}

fn object_matches(pattern: &str, e: &Event) -> bool {
    let Some((kind, name)) = pattern.split_once('/') else {
        return false;
    };
    let event_kind = e
        .involved_object
        .kind
        .clone()
        .unwrap_or_default()
        .to_lowercase();
    let event_name = e.involved_object.name.clone().unwrap_or_default();
    let kind_matches =
        Kind::from_resource_arg(kind).is_some_and(|k| k.info().kind.to_lowercase() == event_kind);
    let name_matches = match name.strip_suffix('*') {
        Some(prefix) => event_name.starts_with(prefix),
        None => event_name == name,
    };
    kind_matches && name_matches
}

fn pods(sim: &Simulation, c: &PodsCheck) -> CheckResult {
    let selector = match c.selector.as_deref().map(Selector::parse).transpose() {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => return result(false, format!("bad selector: {e}")),
    };
    let ns = c.namespace.as_deref().unwrap_or("default");
    let matching: Vec<&Pod> = sim
        .api()
        .list_typed::<Pod>(Some(ns))
        .into_iter()
        .filter(|p| selector.matches(&p.metadata.labels_map()))
        .filter(|p| !p.metadata.is_deleting())
        .collect();
    let passing: Vec<&&Pod> = matching
        .iter()
        .filter(|p| {
            c.status
                .as_deref()
                .is_none_or(|s| printers::pod_status(p) == s)
        })
        .filter(|p| c.ready.is_none_or(|r| podutil::is_ready(p) == r))
        .filter(|p| {
            c.node
                .as_deref()
                .is_none_or(|n| podutil::node_name(p) == Some(n))
        })
        .filter(|p| {
            c.scheduled
                .is_none_or(|s| podutil::node_name(p).is_some() == s)
        })
        .filter(|p| {
            c.image.as_deref().is_none_or(|i| {
                p.spec
                    .iter()
                    .flat_map(|s| &s.containers)
                    .all(|ct| ct.image.as_deref() == Some(i))
            })
        })
        .filter(|p| {
            c.min_restarts
                .is_none_or(|m| podutil::restart_count(p) >= m)
        })
        .collect();
    let n = passing.len();
    let mut nodes: Vec<&str> = passing
        .iter()
        .filter_map(|p| podutil::node_name(p))
        .collect();
    crate::sorting::sort(&mut nodes);
    nodes.dedup();
    let ok = c.count.is_none_or(|want| n == want)
        && c.min.is_none_or(|min| n >= min)
        && c.distinct_nodes.is_none_or(|d| nodes.len() >= d)
        && (c.count.is_some() || c.min.is_some() || n > 0);
    result(
        ok,
        format!(
            "{n} of {} matching pod(s) pass, on {} node(s)",
            matching.len(),
            nodes.len()
        ),
    )
}

fn deployment(sim: &Simulation, c: &DeploymentCheck) -> CheckResult {
    let ns = c.namespace.as_deref().unwrap_or("default");
    let Some(d) = sim.api().get_typed::<Deployment>(Some(ns), &c.name) else {
        return result(false, format!("deployment {} not found", c.name));
    };
    let spec = d.spec.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    let revision: i64 = d
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(crate::controllers::deployment::REVISION_ANNOTATION))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    let images: Vec<String> = spec
        .template
        .spec
        .iter()
        .flat_map(|s| &s.containers)
        .filter_map(|ct| ct.image.clone())
        .collect();
    let ok = c.revision.is_none_or(|r| r == revision)
        && c.image
            .as_deref()
            .is_none_or(|i| images.iter().all(|x| x == i))
        && c.replicas.is_none_or(|r| spec.replicas.unwrap_or(1) == r)
        && c.ready_replicas
            .is_none_or(|r| status.ready_replicas.unwrap_or(0) == r)
        && c.updated_replicas
            .is_none_or(|r| status.updated_replicas.unwrap_or(0) == r)
        && c.paused.is_none_or(|p| spec.paused.unwrap_or(false) == p);
    result(
        ok,
        format!(
            "deployment {}: revision {revision}, image {}, {}/{} ready",
            c.name,
            images.join(","),
            status.ready_replicas.unwrap_or(0),
            spec.replicas.unwrap_or(1)
        ),
    )
}

/// Reads a lesson from its `lesson.yaml` and its manifests.
pub fn parse_lesson(yaml: &str, files: BTreeMap<String, String>) -> Result<Lesson, String> {
    let mut lesson: Lesson =
        crate::yaml::from_str(yaml).map_err(|e| format!("lesson.yaml: {e}"))?;
    lesson.files = files;
    if lesson.steps.is_empty() {
        return Err(format!("lesson {} has no steps", lesson.id));
    }
    for step in &lesson.steps {
        if step.checks.is_empty() {
            return Err(format!(
                "lesson {} step {} has no checks",
                lesson.id, step.id
            ));
        }
    }
    Ok(lesson)
}

/// A lesson being followed: its session, and how far the learner got.
pub struct LessonRun {
    pub lesson: Lesson,
    pub session: Session,
    files: MemoryFiles,
    pub step: usize,
    /// Where in the command history the current step began.
    step_started: usize,
}

impl LessonRun {
    /// A fresh cluster as the lesson describes it, with its setup done.
    pub fn start(lesson: Lesson) -> Result<Self, String> {
        let sim = Simulation::new(SimConfig {
            seed: lesson.cluster.seed,
            worker_nodes: lesson.cluster.workers,
        });
        let mut files = MemoryFiles::new();
        for (name, text) in &lesson.files {
            files.insert(name, text);
        }
        let mut run = LessonRun {
            session: Session::new(sim),
            files,
            step: 0,
            step_started: 0,
            lesson,
        };
        for line in run.lesson.cluster.setup.clone() {
            let out = run.session.sim.run_command(&line, &run.files);
            if !out.success {
                return Err(format!(
                    "setup command {line:?} failed: {}",
                    out.stderr.trim()
                ));
            }
        }
        Ok(run)
    }

    pub fn files(&self) -> &MemoryFiles {
        &self.files
    }

    /// Runs a learner's command (terminal or a button).
    pub fn run(&mut self, line: &str) -> CommandOutput {
        let files = self.files.clone();
        self.session.run(line, &files)
    }

    pub fn current(&self) -> Option<&Step> {
        self.lesson.steps.get(self.step)
    }

    /// Every check of the current step, evaluated now.
    pub fn check(&self) -> Vec<CheckResult> {
        self.current()
            .map(|s| {
                s.checks
                    .iter()
                    .map(|c| c.check.evaluate(&self.session, self.step_started))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Moves to the next step when every check passes; returns whether it did.
    pub fn advance_if_done(&mut self) -> bool {
        let results = self.check();
        if results.is_empty() || !results.iter().all(|r| r.passed) {
            return false;
        }
        self.step += 1;
        self.step_started = self.session.history.len();
        true
    }

    pub fn finished(&self) -> bool {
        self.step >= self.lesson.steps.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LESSON: &str = r#"
id: demo
title: { ko: "데모", en: "Demo" }
summary: { ko: "요약", en: "Summary" }
steps:
  - id: run
    title: { ko: "실행", en: "Run" }
    explain: { ko: "설명", en: "Explain" }
    task: { ko: "할 일", en: "Task" }
    hint: { ko: "힌트", en: "Hint" }
    solution: ["kubectl apply -f web.yaml", "sim advance 30s"]
    checks:
      - label: { ko: "파드 2개 준비", en: "2 pods ready" }
        pods: { selector: "app=web", count: 2, ready: true }
      - label: { ko: "apply 실행", en: "ran apply" }
        command: { starts_with: "kubectl apply", succeeded: true }
"#;

    const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";

    #[test]
    fn checks_fail_untouched_and_pass_after_the_solution() {
        let lesson =
            parse_lesson(LESSON, [("web.yaml".to_string(), WEB.to_string())].into()).unwrap();
        let mut run = LessonRun::start(lesson).unwrap();
        assert!(run.check().iter().all(|r| !r.passed));
        for line in run.current().unwrap().solution.clone() {
            assert!(run.run(&line).success, "{line}");
        }
        let results = run.check();
        assert!(results.iter().all(|r| r.passed), "{results:?}");
        assert!(run.advance_if_done());
        assert!(run.finished());
    }

    #[test]
    fn denied_commands_record_403() {
        let mut session = Session::new(Simulation::new(SimConfig::default()));
        session.run("kubectl get pods --as dev", &MemoryFiles::new());
        let check = Check::Command(CommandCheck {
            last: true,
            status: Some(403),
            ..CommandCheck::default()
        });
        assert!(check.evaluate(&session, 0).passed);
    }

    #[test]
    fn lessons_with_unknown_fields_are_refused() {
        let bad = LESSON.replace("hint:", "hnit:");
        assert!(parse_lesson(&bad, BTreeMap::new()).is_err());
    }
}
