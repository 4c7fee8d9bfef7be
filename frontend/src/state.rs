//! The playground's state: the simulation handle plus the snapshots the components draw.
//!
//! Every user action is an [`Action`]; [`Playground::reduce`] forwards it to the engine
//! and takes fresh snapshots. No simulation logic lives here: the engine decides,
//! this only remembers what to show.

use std::cell::RefCell;
use std::rc::Rc;

use kubeplay_engine::{
    samples, ClusterView, CommandOutput, MemoryFiles, SimConfig, SimDuration, Simulation,
    StepRecord,
};
use yew::Reducible;

/// The name the editor's text goes by, for `apply_yaml` and for the terminal's
/// `kubectl apply -f manifest.yaml`.
pub const MANIFEST_FILE: &str = "manifest.yaml";
/// How far the "Advance" button moves virtual time.
pub const ADVANCE_SECS: u64 = 10;
/// How many of the engine's most recent steps the log keeps.
const LOG_CAPACITY: usize = 100;
/// How many commands the terminal keeps.
const TERMINAL_CAPACITY: usize = 50;

/// The outcome of the last Apply: the documents that went in, and those that did not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplyOutcome {
    /// kubectl's lines, e.g. `deployment.apps/web created`.
    pub applied: Vec<String>,
    pub problems: Vec<ApplyProblem>,
}

/// One rejected document (or a manifest that is not YAML at all).
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyProblem {
    /// kubectl's message; it names the line where kubectl's would.
    pub message: String,
    /// 1-based position in the editor.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// One command typed in the terminal and what it printed.
#[derive(Clone, Debug, PartialEq)]
pub struct TerminalEntry {
    pub id: u64,
    pub command: String,
    pub output: CommandOutput,
}

/// A one-line message about the last action (e.g. nothing was scheduled).
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
}

pub enum Action {
    /// The editor's text changed.
    Edit(String),
    /// Apply the editor's text, as `kubectl apply -f manifest.yaml`.
    Apply,
    /// Process the next scheduled event.
    Step,
    /// Move virtual time forward, processing every event on the way.
    Advance(u64),
    /// Run one line of the command language in the terminal (`clear` clears it).
    Run(String),
}

#[derive(Clone)]
pub struct Playground {
    sim: Rc<RefCell<Simulation>>,
    /// Bumped by every action; two states are equal when their revisions are.
    revision: u64,
    pub manifest: Rc<str>,
    pub apply: Option<ApplyOutcome>,
    pub view: Rc<ClusterView>,
    /// The engine's most recent steps (the newest last), at most [`LOG_CAPACITY`].
    pub log: Rc<Vec<StepRecord>>,
    pub terminal: Rc<Vec<TerminalEntry>>,
    pub notice: Option<Notice>,
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.sim, &other.sim) && self.revision == other.revision
    }
}

impl Default for Playground {
    fn default() -> Self {
        Self::new(SimConfig::default())
    }
}

impl Playground {
    pub fn new(config: SimConfig) -> Self {
        let mut state = Self {
            sim: Rc::new(RefCell::new(Simulation::new(config))),
            revision: 0,
            manifest: Rc::from(samples::SAMPLE_DEPLOYMENT),
            apply: None,
            view: Rc::default(),
            log: Rc::default(),
            terminal: Rc::default(),
            notice: None,
        };
        state.refresh();
        state
    }

    /// The lines the last apply's problems point at, with their messages.
    pub fn error_lines(&self) -> Vec<(usize, String)> {
        self.apply
            .iter()
            .flat_map(|outcome| &outcome.problems)
            .filter_map(|p| p.line.map(|line| (line, p.message.clone())))
            .collect()
    }

    /// How many steps the simulation has processed since it started.
    pub fn steps_taken(&self) -> u64 {
        self.log.last().map_or(0, |step| step.id)
    }

    /// The component that acted in the newest step, for highlighting it on the map.
    pub fn last_actor(&self) -> Option<&str> {
        self.log.last().map(|step| step.component.as_str())
    }

    /// Takes fresh snapshots of the cluster and of the engine's step log.
    fn refresh(&mut self) {
        let sim = self.sim.borrow();
        self.view = Rc::new(sim.view());
        let newest = self.log.last().map(|step| step.id);
        let latest = sim.steps().last().map(|step| step.id);
        if newest != latest {
            let total = sim.steps().count();
            let recent: Vec<StepRecord> = sim
                .steps()
                .skip(total.saturating_sub(LOG_CAPACITY))
                .cloned()
                .collect();
            self.log = Rc::new(recent);
        }
    }
}

impl Reducible for Playground {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.revision += 1;
        match action {
            Action::Edit(text) => {
                next.manifest = Rc::from(text);
                // The cluster and the last apply's outcome stay as they are.
                return Rc::new(next);
            }
            Action::Apply => {
                let report = next
                    .sim
                    .borrow_mut()
                    .apply_yaml_report(MANIFEST_FILE, &next.manifest);
                next.apply = Some(ApplyOutcome {
                    applied: report.applied,
                    problems: report
                        .errors
                        .into_iter()
                        .map(|e| ApplyProblem {
                            message: e.to_string(),
                            line: e.line,
                            column: e.column,
                        })
                        .collect(),
                });
                next.notice = None;
            }
            Action::Step => {
                let step = next.sim.borrow_mut().step();
                next.notice = step.is_none().then(|| Notice {
                    text: "Nothing to do: every component is idle. Apply a manifest to give the cluster work."
                        .into(),
                });
            }
            Action::Advance(secs) => {
                let steps = next.sim.borrow_mut().advance(SimDuration::from_secs(secs));
                next.notice = steps.is_empty().then(|| Notice {
                    text: format!("{secs}s passed; no component had anything to do."),
                });
            }
            Action::Run(command) => {
                let command = command.trim().to_string();
                if command.is_empty() {
                    return self;
                }
                if command == "clear" {
                    next.terminal = Rc::default();
                    return Rc::new(next);
                }
                let files = MemoryFiles::new().with(MANIFEST_FILE, &next.manifest);
                let output = next.sim.borrow_mut().run_command(&command, &files);
                let terminal = Rc::make_mut(&mut next.terminal);
                terminal.push(TerminalEntry {
                    id: next.revision,
                    command,
                    output,
                });
                if terminal.len() > TERMINAL_CAPACITY {
                    let excess = terminal.len() - TERMINAL_CAPACITY;
                    terminal.drain(..excess);
                }
                next.notice = None;
            }
        }
        next.refresh();
        Rc::new(next)
    }
}
