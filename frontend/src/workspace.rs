//! One workspace: the free sandbox or one lesson. It holds the learner's
//! session (a simulation and the commands they ran), the manifests they edit,
//! and the recorded timeline of everything they did, so that the engine's
//! `Recorder::replay` can rebuild the cluster at any earlier moment (rewind),
//! after a reload, or from a shared link.
//!
//! No simulation logic lives here: commands go to the engine, checks are the
//! engine's lesson checks; this only records what was done and where the
//! learner is in a lesson.

use kubeplay_engine::sorting::CollectSorted;
use std::collections::BTreeMap;
use std::rc::Rc;

use kubeplay_engine::lessons::{CheckResult, CommandRecord, Lesson, Session};
use kubeplay_engine::scenario::{Entry, Recorder, Scenario};
use kubeplay_engine::{
    samples, ApplyReport, CommandOutput, MemoryFiles, SimConfig, SimDuration, Simulation,
    StepRecord,
};
use serde::{Deserialize, Serialize};

/// The sandbox's one manifest, which the editor opens with.
pub const SANDBOX_FILE: &str = "manifest.yaml";

/// Saved runs longer than this (virtual time) are refused: replaying them would take too long.
pub const MAX_REPLAY_MS: u64 = 3 * 24 * 3600 * 1000;
/// Saved runs with more commands than this are refused.
pub const MAX_ENTRIES: usize = 20_000;

/// Which workspace: the sandbox, or a lesson by id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceKind {
    Sandbox,
    Lesson(String),
}

impl WorkspaceKind {
    /// The key the workspace is saved under.
    pub fn key(&self) -> String {
        match self {
            WorkspaceKind::Sandbox => "sandbox".into(),
            WorkspaceKind::Lesson(id) => format!("lesson:{id}"),
        }
    }

    pub fn lesson_id(&self) -> Option<&str> {
        match self {
            WorkspaceKind::Sandbox => None,
            WorkspaceKind::Lesson(id) => Some(id),
        }
    }
}

/// How far the learner got in a lesson.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Index of the current step (the number of steps when the lesson is finished).
    pub step: usize,
    /// Where in the command history the current step began.
    pub step_started: usize,
    /// Every check of the current step passed (at least once): the next step is unlocked.
    pub step_done: bool,
}

/// A workspace as saved in localStorage or a shared link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedWorkspace {
    pub kind: WorkspaceKind,
    /// The recorded timeline, as `Scenario::to_json` writes it.
    pub scenario: String,
    /// Where the cluster was on the timeline, when it had been rewound.
    #[serde(default)]
    pub cursor_ms: Option<u64>,
    /// The editor's files.
    pub files: BTreeMap<String, String>,
    /// How many of the first commands are the lesson's setup.
    #[serde(default)]
    pub setup_entries: usize,
    #[serde(default)]
    pub setup_end_ms: u64,
    #[serde(default)]
    pub progress: Progress,
}

/// What the Apply button did.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// What `kubectl apply -f FILE` prints.
    pub output: CommandOutput,
    pub report: ApplyReport,
}

pub struct Workspace {
    pub kind: WorkspaceKind,
    pub session: Session,
    /// Everything recorded; after a rewind it reaches past the cluster's moment.
    timeline: Scenario,
    /// How many of the timeline's entries the cluster has run (all unless rewound).
    replayed: usize,
    /// True when the cluster was rewound to before the timeline's end.
    rewound: bool,
    files: BTreeMap<String, String>,
    /// The file texts as the timeline last recorded them (to store only changes).
    recorded: BTreeMap<String, String>,
    setup_entries: usize,
    /// Virtual time when the lesson's setup was done.
    setup_end_ms: u64,
    lesson: Option<Rc<Lesson>>,
    pub progress: Progress,
}

/// The HTTP status a command's error names, as the lesson checks read it:
/// kubectl's `Error from server (Reason)`, or 422 for an invalid object.
/// (The same reading `Session::run` does; a test keeps the two equal.)
fn status_of(stderr: &str) -> Option<u16> {
    let reason = stderr
        .split("Error from server (")
        .nth(1)
        .and_then(|rest| rest.split(')').next());
    match reason {
        Some(reason) => Some(match reason {
            "BadRequest" => 400,
            "Unauthorized" => 401,
            "Forbidden" => 403,
            "NotFound" => 404,
            "AlreadyExists" | "Conflict" => 409,
            "Invalid" => 422,
            _ => 500,
        }),
        None => stderr.contains(" is invalid").then_some(422),
    }
}

impl Workspace {
    /// A fresh sandbox: the default cluster and the sample Deployment in the editor.
    pub fn sandbox() -> Workspace {
        let config = SimConfig::default();
        Workspace {
            kind: WorkspaceKind::Sandbox,
            session: Session::new(Simulation::new(config.clone())),
            timeline: Scenario::new(&config),
            replayed: 0,
            rewound: false,
            files: [(
                SANDBOX_FILE.to_string(),
                samples::SAMPLE_DEPLOYMENT.to_string(),
            )]
            .into_iter()
            .collect_map(),
            recorded: BTreeMap::new(),
            setup_entries: 0,
            setup_end_ms: 0,
            lesson: None,
            progress: Progress::default(),
        }
    }

    /// A lesson from its start: its cluster, its setup commands run, step 1.
    pub fn lesson(lesson: Rc<Lesson>) -> Result<Workspace, String> {
        let config = SimConfig {
            seed: lesson.cluster.seed,
            worker_nodes: lesson.cluster.workers,
        };
        let mut ws = Workspace {
            kind: WorkspaceKind::Lesson(lesson.id.clone()),
            session: Session::new(Simulation::new(config.clone())),
            timeline: Scenario::new(&config),
            replayed: 0,
            rewound: false,
            files: lesson.files.clone(),
            recorded: BTreeMap::new(),
            setup_entries: 0,
            setup_end_ms: 0,
            lesson: Some(lesson.clone()),
            progress: Progress::default(),
        };
        for line in &lesson.cluster.setup {
            let out = ws.run(line);
            if !out.success {
                return Err(format!(
                    "setup command {line:?} failed: {}",
                    out.stderr.trim()
                ));
            }
        }
        ws.setup_entries = ws.timeline.entries.len();
        ws.setup_end_ms = ws.now_ms();
        ws.progress.step_started = ws.session.history.len();
        Ok(ws)
    }

    pub fn sim(&self) -> &Simulation {
        &self.session.sim
    }

    pub fn lesson_def(&self) -> Option<&Rc<Lesson>> {
        self.lesson.as_ref()
    }

    // ------------------------------------------------------------ files

    pub fn files(&self) -> &BTreeMap<String, String> {
        &self.files
    }

    #[cfg(test)]
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(String::as_str)
    }

    /// The editor changed a file (the cluster does not see it until it is applied).
    pub fn set_file(&mut self, name: &str, text: &str) {
        self.files.insert(name.to_string(), text.to_string());
    }

    fn memory_files(&self) -> MemoryFiles {
        let mut files = MemoryFiles::new();
        for (name, text) in &self.files {
            files.insert(name, text);
        }
        files
    }

    /// The files that changed since the timeline last recorded them.
    fn changed_files(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .filter(|(name, text)| self.recorded.get(*name) != Some(*text))
            .map(|(n, t)| (n.clone(), t.clone()))
            .collect_map()
    }

    // ------------------------------------------------------------ actions

    /// Before anything new happens on a rewound cluster, the timeline's future is dropped.
    fn cut(&mut self) {
        if self.rewound {
            self.timeline.entries.truncate(self.replayed);
            self.rewound = false;
        }
        self.timeline.now_ms = self.session.sim.now().0;
    }

    fn record(&mut self, at_ms: u64, command: &str, files: BTreeMap<String, String>) {
        self.recorded.extend(files.clone());
        self.timeline.entries.push(Entry {
            at_ms,
            command: command.to_string(),
            files,
        });
        self.replayed = self.timeline.entries.len();
        self.timeline.now_ms = self.session.sim.now().0;
    }

    /// Runs one line of the command language, as the terminal does.
    pub fn run(&mut self, line: &str) -> CommandOutput {
        self.cut();
        let at_ms = self.session.sim.now().0;
        let files = if kubeplay_engine::reads_files(line) {
            self.changed_files()
        } else {
            BTreeMap::new()
        };
        let output = self.session.run(line, &self.memory_files());
        self.record(at_ms, line, files);
        output
    }

    /// Applies one of the editor's files: exactly `kubectl apply -f NAME`,
    /// with each rejected document's line and column kept for the editor.
    pub fn apply_file(&mut self, name: &str) -> Applied {
        self.cut();
        let line = format!("kubectl apply -f {name}");
        let at_ms = self.session.sim.now().0;
        let files = self.changed_files();
        let Some(text) = self.files.get(name).cloned() else {
            // As kubectl says it, and recorded like any command.
            return Applied {
                output: self.run(&line),
                report: ApplyReport::default(),
            };
        };
        let report = self.session.sim.apply_yaml_report(name, &text);
        let mut output = CommandOutput {
            success: report.errors.is_empty(),
            ..CommandOutput::default()
        };
        for applied in &report.applied {
            output.stdout.push_str(applied);
            output.stdout.push('\n');
        }
        for error in &report.errors {
            output.stderr.push_str(&error.with_position());
            output.stderr.push('\n');
        }
        self.session.history.push(CommandRecord {
            line: line.clone(),
            succeeded: output.success,
            status: status_of(&output.stderr),
        });
        self.record(at_ms, &line, files);
        Applied { output, report }
    }

    /// The next reaction of any component (`sim step`); None when the cluster has settled.
    pub fn step(&mut self) -> Option<StepRecord> {
        let before = self.last_step_id();
        self.run("sim step");
        let after = self.last_step_id();
        if after != before {
            self.session.sim.steps().last().cloned()
        } else {
            None
        }
    }

    /// Lets virtual time pass (the Advance buttons and Play), recorded as time, not as a command.
    pub fn advance(&mut self, duration: SimDuration) -> usize {
        self.cut();
        let steps = self.session.sim.advance(duration).len();
        self.timeline.now_ms = self.session.sim.now().0;
        steps
    }

    pub fn last_step_id(&self) -> Option<u64> {
        self.session.sim.steps().last().map(|s| s.id)
    }

    // ------------------------------------------------------------ the timeline

    /// The earliest moment the timeline can go back to (after a lesson's setup).
    pub fn start_ms(&self) -> u64 {
        self.setup_end_ms
    }

    /// The end of the recorded timeline.
    pub fn end_ms(&self) -> u64 {
        self.timeline.now_ms.max(self.session.sim.now().0)
    }

    pub fn now_ms(&self) -> u64 {
        self.session.sim.now().0
    }

    pub fn is_rewound(&self) -> bool {
        self.rewound
    }

    /// When each recorded command ran (for marks on the timeline), after the setup.
    pub fn command_marks(&self) -> Vec<(u64, String)> {
        self.timeline
            .entries
            .iter()
            .skip(self.setup_entries)
            .map(|e| (e.at_ms, e.command.clone()))
            .collect()
    }

    pub fn command_marks_len(&self) -> usize {
        self.timeline
            .entries
            .len()
            .saturating_sub(self.setup_entries)
    }

    /// Rebuilds the cluster as it was at `at_ms` by replaying the timeline up to it
    /// (commands typed at that very moment not yet run). The timeline's future is
    /// kept until something new happens, so the learner can come forward again.
    pub fn rewind_to(&mut self, at_ms: u64) {
        let end = self.timeline.now_ms.max(self.session.sim.now().0);
        self.timeline.now_ms = end;
        let target = at_ms.clamp(self.start_ms().min(end), end);
        // At the end, everything recorded runs (commands typed at the last moment too).
        let keep = if target >= end {
            self.timeline.entries.len()
        } else {
            self.prefix_before(target)
        };
        let partial = Scenario {
            entries: self.timeline.entries[..keep].to_vec(),
            now_ms: target,
            ..self.timeline.clone()
        };
        let replayed = Recorder::replay(&partial, None);
        self.session = replayed.session;
        self.replayed = keep;
        self.rewound = self.session.sim.now().0 < end || keep < self.timeline.entries.len();
        self.recorded = Self::files_as_recorded(&self.timeline.entries[..keep]);
        self.progress.step_started = self.progress.step_started.min(self.session.history.len());
    }

    /// Back to the end of the timeline.
    pub fn to_end(&mut self) {
        if self.rewound {
            self.rewind_to(self.end_ms());
        }
    }

    /// How many entries run before `at_ms`: the setup always, then those typed earlier.
    fn prefix_before(&self, at_ms: u64) -> usize {
        let mut keep = self.setup_entries.min(self.timeline.entries.len());
        while keep < self.timeline.entries.len() && self.timeline.entries[keep].at_ms < at_ms {
            keep += 1;
        }
        keep
    }

    fn files_as_recorded(entries: &[Entry]) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        for e in entries {
            files.extend(e.files.clone());
        }
        files
    }

    // ------------------------------------------------------------ lessons

    /// Every check of the current step, evaluated on the cluster now.
    pub fn checks(&self) -> Vec<CheckResult> {
        let Some(step) = self
            .lesson
            .as_ref()
            .and_then(|l| l.steps.get(self.progress.step))
        else {
            return Vec::new();
        };
        step.checks
            .iter()
            .map(|c| c.check.evaluate(&self.session, self.progress.step_started))
            .collect()
    }

    /// After every action: when all checks of the current step pass, the next step unlocks.
    /// Returns true when it just did.
    pub fn update_progress(&mut self) -> bool {
        if self.progress.step_done || self.lesson_finished() {
            return false;
        }
        let results = self.checks();
        if !results.is_empty() && results.iter().all(|r| r.passed) {
            self.progress.step_done = true;
            return true;
        }
        false
    }

    /// Moves to the next step once the current one is done.
    pub fn next_step(&mut self) -> bool {
        if !self.progress.step_done || self.lesson_finished() {
            return false;
        }
        self.progress.step += 1;
        self.progress.step_started = self.session.history.len();
        self.progress.step_done = false;
        self.update_progress();
        true
    }

    pub fn lesson_finished(&self) -> bool {
        self.lesson
            .as_ref()
            .is_some_and(|l| self.progress.step >= l.steps.len())
    }

    // ------------------------------------------------------------ saving

    pub fn save(&self) -> SavedWorkspace {
        let mut timeline = self.timeline.clone();
        timeline.now_ms = self.end_ms();
        SavedWorkspace {
            kind: self.kind.clone(),
            scenario: timeline.to_json(),
            cursor_ms: self.rewound.then(|| self.now_ms()),
            files: self.files.clone(),
            setup_entries: self.setup_entries,
            setup_end_ms: self.setup_end_ms,
            progress: self.progress.clone(),
        }
    }

    /// Rebuilds a saved workspace by replaying it. `lesson` is the lesson it belongs to.
    pub fn restore(
        saved: &SavedWorkspace,
        lesson: Option<Rc<Lesson>>,
    ) -> Result<Workspace, String> {
        let timeline = Scenario::from_json(&saved.scenario)?;
        if timeline.now_ms > MAX_REPLAY_MS {
            return Err(format!(
                "it runs for {} hours of virtual time; kubeplay replays at most {}",
                timeline.now_ms / 3_600_000,
                MAX_REPLAY_MS / 3_600_000
            ));
        }
        if timeline.entries.len() > MAX_ENTRIES {
            return Err(format!(
                "it has {} commands; kubeplay replays at most {MAX_ENTRIES}",
                timeline.entries.len()
            ));
        }
        if timeline.entries.windows(2).any(|w| w[0].at_ms > w[1].at_ms)
            || timeline
                .entries
                .last()
                .is_some_and(|e| e.at_ms > timeline.now_ms)
        {
            return Err("its commands are not in time order".into());
        }
        if saved.setup_entries > timeline.entries.len() {
            return Err("its lesson setup is longer than its commands".into());
        }
        match (&saved.kind, &lesson) {
            (WorkspaceKind::Sandbox, None) => {}
            (WorkspaceKind::Lesson(id), Some(l)) if *id == l.id => {
                let setup: Vec<&str> = timeline.entries[..saved.setup_entries]
                    .iter()
                    .map(|e| e.command.as_str())
                    .collect();
                let expected: Vec<&str> = l.cluster.setup.iter().map(String::as_str).collect();
                if setup != expected
                    || timeline.seed != l.cluster.seed
                    || timeline.workers != l.cluster.workers
                {
                    return Err(format!("lesson {id} has changed since this was saved"));
                }
                if saved.progress.step > l.steps.len() {
                    return Err(format!(
                        "lesson {id} has no step {}",
                        saved.progress.step + 1
                    ));
                }
            }
            (WorkspaceKind::Lesson(id), _) => {
                return Err(format!(
                    "there is no lesson {id:?} in this version of kubeplay"
                ))
            }
            (WorkspaceKind::Sandbox, Some(_)) => {
                return Err("a sandbox was given a lesson".into());
            }
        }
        let mut ws = Workspace {
            kind: saved.kind.clone(),
            session: Session::new(Simulation::new(SimConfig {
                seed: timeline.seed,
                worker_nodes: timeline.workers,
            })),
            replayed: 0,
            rewound: false,
            files: saved.files.clone(),
            recorded: BTreeMap::new(),
            setup_entries: saved.setup_entries,
            setup_end_ms: saved.setup_end_ms.min(timeline.now_ms),
            lesson,
            progress: saved.progress.clone(),
            timeline,
        };
        let end = ws.timeline.now_ms;
        ws.rewind_to(saved.cursor_ms.unwrap_or(end).min(end));
        Ok(ws)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::lessons::parse_lesson;

    const LESSON: &str = r#"
id: demo
title: { ko: "데모", en: "Demo" }
summary: { ko: "요약", en: "Summary" }
cluster:
  setup: ["kubectl apply -f base.yaml", "sim advance 10s"]
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
  - id: look
    title: { ko: "보기", en: "Look" }
    explain: { ko: "설명", en: "Explain" }
    task: { ko: "할 일", en: "Task" }
    hint: { ko: "힌트", en: "Hint" }
    solution: ["kubectl get pods"]
    checks:
      - label: { ko: "get pods", en: "get pods" }
        command: { starts_with: "kubectl get pods", succeeded: true }
"#;

    const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";
    const BASE: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: base\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n";

    fn lesson() -> Rc<Lesson> {
        Rc::new(
            parse_lesson(
                LESSON,
                [
                    ("web.yaml".to_string(), WEB.to_string()),
                    ("base.yaml".to_string(), BASE.to_string()),
                ]
                .into(),
            )
            .unwrap(),
        )
    }

    fn pods(ws: &mut Workspace) -> String {
        ws.session
            .sim
            .run_command("kubectl get pods -o wide", &MemoryFiles::new())
            .stdout
    }

    #[test]
    fn a_lesson_is_followed_step_by_step() {
        let mut ws = Workspace::lesson(lesson()).unwrap();
        assert_eq!(ws.start_ms(), 10_000);
        assert!(ws.checks().iter().all(|c| !c.passed));
        assert!(!ws.update_progress());
        assert!(!ws.next_step(), "a step is not left before it is done");
        let applied = ws.apply_file("web.yaml");
        assert!(applied.output.success, "{:?}", applied.output);
        assert_eq!(applied.output.stdout, "deployment.apps/web created\n");
        assert!(!ws.update_progress());
        ws.advance(SimDuration::from_secs(30));
        assert!(ws.update_progress());
        assert!(ws.next_step());
        assert_eq!(ws.progress.step, 1);
        assert!(!ws.progress.step_done);
        ws.run("kubectl get pods");
        assert!(ws.update_progress());
        assert!(ws.next_step());
        assert!(ws.lesson_finished());
    }

    #[test]
    fn apply_button_is_kubectl_apply() {
        // The Apply button and the typed command leave the same cluster and history.
        let mut a = Workspace::sandbox();
        let mut b = Workspace::sandbox();
        a.apply_file(SANDBOX_FILE);
        b.run("kubectl apply -f manifest.yaml");
        a.advance(SimDuration::from_secs(20));
        b.advance(SimDuration::from_secs(20));
        assert_eq!(pods(&mut a), pods(&mut b));
        assert_eq!(a.session.history, b.session.history);
        // Rejected manifests too, with their status.
        let bad = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
        a.set_file(SANDBOX_FILE, bad);
        b.set_file(SANDBOX_FILE, bad);
        let applied = a.apply_file(SANDBOX_FILE);
        let typed = b.run("kubectl apply -f manifest.yaml");
        assert_eq!(applied.output, typed);
        assert!(!applied.report.errors.is_empty());
        assert_eq!(a.session.history, b.session.history);
        assert_eq!(a.session.history.last().and_then(|r| r.status), Some(422));
    }

    #[test]
    fn status_reading_matches_the_session() {
        let mut ws = Workspace::sandbox();
        for line in [
            "kubectl get pods --as dev",
            "kubectl get pod nope",
            "kubectl delete deployment nope",
            "kubectl get pods",
        ] {
            let out = ws.run(line);
            assert_eq!(
                ws.session.history.last().and_then(|r| r.status),
                status_of(&out.stderr),
                "{line}"
            );
        }
    }

    #[test]
    fn rewind_and_come_back() {
        let mut ws = Workspace::sandbox();
        ws.apply_file(SANDBOX_FILE);
        ws.advance(SimDuration::from_secs(30));
        let at_30s = pods(&mut ws);
        ws.run("kubectl scale deployment web --replicas=5");
        ws.advance(SimDuration::from_secs(30));
        let at_60s = pods(&mut ws);
        ws.rewind_to(30_000);
        assert!(ws.is_rewound());
        assert_eq!(ws.now_ms(), 30_000);
        assert_eq!(pods(&mut ws), at_30s);
        assert_eq!(ws.end_ms(), 60_000);
        ws.rewind_to(60_000);
        assert_eq!(pods(&mut ws), at_60s);
        // Acting on a rewound cluster drops its future.
        ws.rewind_to(30_000);
        ws.run("kubectl scale deployment web --replicas=1");
        assert!(!ws.is_rewound());
        assert_eq!(ws.end_ms(), 30_000);
        assert_eq!(ws.command_marks().len(), 2);
    }

    #[test]
    fn saved_workspaces_come_back() {
        let mut ws = Workspace::lesson(lesson()).unwrap();
        ws.set_file("web.yaml", &WEB.replace("replicas: 2", "replicas: 3"));
        ws.apply_file("web.yaml");
        ws.advance(SimDuration::from_secs(30));
        ws.update_progress();
        let saved = ws.save();
        let json = serde_json::to_string(&saved).unwrap();
        let back: SavedWorkspace = serde_json::from_str(&json).unwrap();
        let mut again = Workspace::restore(&back, Some(lesson())).unwrap();
        assert_eq!(pods(&mut again), pods(&mut ws));
        assert_eq!(again.progress, ws.progress);
        assert_eq!(again.now_ms(), ws.now_ms());
        assert_eq!(again.file("web.yaml"), ws.file("web.yaml"));
        // A rewound workspace comes back rewound.
        ws.rewind_to(20_000);
        let mut again = Workspace::restore(&ws.save(), Some(lesson())).unwrap();
        assert!(again.is_rewound());
        assert_eq!(pods(&mut again), pods(&mut ws));
    }

    #[test]
    fn broken_saves_are_refused() {
        let ws = Workspace::sandbox();
        let mut saved = ws.save();
        saved.scenario = "{not json".into();
        assert!(Workspace::restore(&saved, None).is_err());
        let mut saved = ws.save();
        saved.kind = WorkspaceKind::Lesson("nope".into());
        assert!(Workspace::restore(&saved, None).is_err());
        let mut saved = ws.save();
        saved.setup_entries = 5;
        assert!(Workspace::restore(&saved, None).is_err());
        let mut scenario = Scenario::new(&SimConfig::default());
        scenario.now_ms = MAX_REPLAY_MS + 1;
        let mut saved = ws.save();
        saved.scenario = scenario.to_json();
        assert!(Workspace::restore(&saved, None).is_err());
    }

    #[test]
    fn play_in_small_ticks_replays_the_same() {
        let mut ws = Workspace::sandbox();
        ws.apply_file(SANDBOX_FILE);
        for _ in 0..7 {
            ws.step();
        }
        for _ in 0..150 {
            ws.advance(SimDuration::from_millis(100));
        }
        ws.run("kubectl delete pod --all");
        for _ in 0..3 {
            ws.step();
        }
        for _ in 0..90 {
            ws.advance(SimDuration::from_millis(250));
        }
        let mut again = Workspace::restore(&ws.save(), None).unwrap();
        assert_eq!(again.now_ms(), ws.now_ms());
        assert_eq!(pods(&mut again), pods(&mut ws));
        let ids = |w: &Workspace| {
            w.sim()
                .steps()
                .map(|s| (s.id, s.time_ms, s.summary.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&again), ids(&ws));
    }

    #[test]
    fn every_lesson_completes_through_the_workspace_and_survives_a_reload() {
        let catalog = crate::catalog::Catalog::load();
        for lesson in &catalog.lessons {
            let mut ws = Workspace::lesson(lesson.clone())
                .unwrap_or_else(|e| panic!("lesson {}: {e}", lesson.id));
            for (index, step) in lesson.steps.iter().enumerate() {
                assert_eq!(ws.progress.step, index, "lesson {}", lesson.id);
                for line in &step.solution {
                    ws.run(line);
                    ws.update_progress();
                }
                assert!(
                    ws.progress.step_done,
                    "lesson {} step {}: {:?}",
                    lesson.id,
                    step.id,
                    ws.checks()
                );
                // Half way, a reload gives back the same cluster and progress.
                if index == lesson.steps.len() / 2 {
                    let mut again = Workspace::restore(&ws.save(), Some(lesson.clone()))
                        .unwrap_or_else(|e| panic!("lesson {}: {e}", lesson.id));
                    assert_eq!(pods(&mut again), pods(&mut ws), "lesson {}", lesson.id);
                    assert_eq!(again.progress, ws.progress);
                    assert_eq!(again.session.history, ws.session.history);
                }
                assert!(ws.next_step());
            }
            assert!(ws.lesson_finished(), "lesson {}", lesson.id);
        }
    }
}
