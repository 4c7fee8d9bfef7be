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
/// How many steps the log keeps.
const LOG_CAPACITY: usize = 200;
/// How many commands the terminal keeps.
const TERMINAL_CAPACITY: usize = 50;

/// The outcome of the last Apply.
#[derive(Clone, Debug, PartialEq)]
pub enum ApplyOutcome {
    /// kubectl's lines, e.g. `deployment.apps/nginx created`.
    Applied(Vec<String>),
    Failed {
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
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
    /// Run one line of the command language in the terminal.
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
    /// The steps processed so far (the newest last), at most [`LOG_CAPACITY`].
    pub log: Rc<Vec<StepRecord>>,
    /// How many steps the buttons have processed since the start.
    pub steps_taken: u64,
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
        let sim = Simulation::new(config);
        let view = Rc::new(sim.view());
        Self {
            sim: Rc::new(RefCell::new(sim)),
            revision: 0,
            manifest: Rc::from(samples::SAMPLE_DEPLOYMENT),
            apply: None,
            view,
            log: Rc::default(),
            steps_taken: 0,
            terminal: Rc::default(),
            notice: None,
        }
    }

    /// The line the last failed apply points at, if any.
    pub fn error_line(&self) -> Option<usize> {
        match &self.apply {
            Some(ApplyOutcome::Failed { line, .. }) => *line,
            _ => None,
        }
    }

    /// The component that acted in the newest step, for highlighting it on the map.
    pub fn last_actor(&self) -> Option<&str> {
        self.log.last().map(|step| step.component.as_str())
    }

    fn record_steps(&mut self, steps: impl IntoIterator<Item = StepRecord>) {
        let log = Rc::make_mut(&mut self.log);
        let before = log.len();
        log.extend(steps);
        self.steps_taken += (log.len() - before) as u64;
        if log.len() > LOG_CAPACITY {
            let excess = log.len() - LOG_CAPACITY;
            log.drain(..excess);
        }
    }

    fn refresh_view(&mut self) {
        self.view = Rc::new(self.sim.borrow().view());
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
                // Keep the cluster and the last apply's outcome as they are.
                return Rc::new(next);
            }
            Action::Apply => {
                let result = next.sim.borrow_mut().apply_yaml(MANIFEST_FILE, &next.manifest);
                next.apply = Some(match result {
                    Ok(lines) => ApplyOutcome::Applied(lines),
                    Err(err) => ApplyOutcome::Failed {
                        message: err.to_string(),
                        line: err.line,
                        column: err.column,
                    },
                });
                next.notice = None;
            }
            Action::Step => {
                let step = next.sim.borrow_mut().step();
                next.notice = match step {
                    Some(step) => {
                        next.record_steps([step]);
                        None
                    }
                    None => Some(Notice {
                        text: "Nothing to do: no event is scheduled. Apply a manifest to give the cluster work.".into(),
                    }),
                };
            }
            Action::Advance(secs) => {
                let steps = next.sim.borrow_mut().advance(SimDuration::from_secs(secs));
                next.notice = if steps.is_empty() {
                    Some(Notice {
                        text: format!("{secs}s passed; no component had anything to do."),
                    })
                } else {
                    None
                };
                next.record_steps(steps);
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
                let files = MemoryFiles::new().with(MANIFEST_FILE, &*next.manifest);
                let output = next.sim.borrow_mut().run_command(&command, &files);
                let terminal = Rc::make_mut(&mut next.terminal);
                terminal.push(TerminalEntry { id: next.revision, command, output });
                if terminal.len() > TERMINAL_CAPACITY {
                    let excess = terminal.len() - TERMINAL_CAPACITY;
                    terminal.drain(..excess);
                }
                next.notice = None;
            }
        }
        next.refresh_view();
        Rc::new(next)
    }
}
