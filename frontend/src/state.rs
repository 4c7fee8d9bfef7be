//! The playground's state: the open workspace (a simulation and what the
//! learner did) plus the snapshots the components draw.
//!
//! Every user action is an [`Action`]; [`Playground::reduce`] forwards it to
//! the workspace (and so to the engine), takes fresh snapshots, and saves.
//! No simulation logic lives here: the engine decides, this only remembers
//! what to show.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use kubeplay_engine::lessons::{CheckResult, Lesson};
use kubeplay_engine::{ClusterView, CommandOutput, SimDuration, StepRecord};
use yew::Reducible;

use crate::catalog::Catalog;
use crate::i18n::Lang;
use crate::inspect::{Inspector, Tab, Target};
use crate::persist::{self, SavedState};
use crate::templates;
use crate::workspace::{Progress, Workspace, WorkspaceKind, SANDBOX_FILE};

/// Play speeds (virtual seconds per wall-clock second).
pub const SPEEDS: [f64; 6] = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0];
pub const DEFAULT_SPEED: usize = 1;
/// How often Play moves time, in wall-clock milliseconds.
pub const TICK_MS: u32 = 100;
/// The Advance buttons, in virtual milliseconds.
pub const ADVANCES: [u64; 3] = [1_000, 10_000, 60_000];
/// How many of the engine's most recent steps the log keeps.
/// The step log shows this many of the newest steps: every new step moves each
/// row down, and with more rows repainting them no longer fits a frame at 200 pods.
/// Older steps are a `sim log N` away in the terminal.
pub const LOG_CAPACITY: usize = 50;
/// How many commands the terminal keeps.
const TERMINAL_CAPACITY: usize = 80;
/// While playing, save every this many ticks (and on pause).
const SAVE_EVERY_TICKS: u32 = 20;

/// The outcome of the last Apply: the documents that went in, and those that did not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplyOutcome {
    pub file: String,
    /// kubectl's lines, e.g. `deployment.apps/web created`.
    pub applied: Vec<String>,
    pub warnings: Vec<String>,
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

/// One command typed in the terminal (or run by a button) and what it printed.
#[derive(Clone, Debug, PartialEq)]
pub struct TerminalEntry {
    pub id: u64,
    pub command: String,
    pub output: CommandOutput,
    /// Run by a button rather than typed.
    pub from_button: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Warning,
    Error,
}

/// A message about the last action (nothing to do, a step finished, a state that could not be restored).
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub tone: Tone,
    pub text: String,
}

/// Where the cluster is in the recorded run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    pub start_ms: u64,
    pub end_ms: u64,
    pub now_ms: u64,
    pub rewound: bool,
    /// When each command ran, after the lesson's setup.
    pub marks: Rc<Vec<(u64, String)>>,
}

pub enum Action {
    /// The editor's text changed (the open file).
    Edit(String),
    SelectFile(String),
    /// Apply the open file, as `kubectl apply -f FILE`.
    Apply,
    /// `kubectl delete -f FILE`.
    DeleteFile,
    /// Replace the open file with a template of one kind.
    InsertTemplate(usize),
    /// Process the next scheduled event.
    Step,
    /// Move virtual time forward by this many milliseconds.
    Advance(u64),
    Play,
    Pause,
    /// One tick of Play.
    Tick,
    SetSpeed(usize),
    /// Go back (or forward, within what was recorded) to a moment, in virtual ms.
    Rewind(u64),
    /// Back to the end of the recorded run.
    ToEnd,
    /// Start the open workspace again (a lesson from its first step).
    Reset,
    /// Run one line in the terminal (`clear` clears it, `help` lists commands).
    Run(String),
    /// A button ran a command (shown in the terminal as run by a button).
    RunButton(String),
    /// Put a command into the terminal's input line, for the learner to run.
    Type(String),
    OpenLesson(String),
    OpenSandbox,
    ShowLessonList(bool),
    NextStep,
    ToggleHint,
    ToggleSolution,
    /// Type and run the current step's solution.
    RunSolution,
    /// Show a step's flow on the map (None: the newest step).
    SelectStep(Option<u64>),
    /// Show the causality trail of a step (None: hide it).
    ShowTrail(Option<u64>),
    Inspect(Target),
    InspectTab(Tab),
    EtcdKey(String, Option<u64>),
    CloseInspector,
    TogglePanel(&'static str),
    SetLang(Lang),
    Share,
    CloseShare,
    /// The address's hash changed (a shared link pasted into an open page).
    OpenHash(String),
    DismissNotice,
}

#[derive(Clone)]
pub struct Playground {
    ws: Rc<RefCell<Workspace>>,
    /// Bumped by every action; two states are equal when their revisions are.
    pub revision: u64,
    pub lang: Lang,
    pub catalog: Rc<Catalog>,
    pub kind: WorkspaceKind,
    pub lesson: Option<Rc<Lesson>>,
    pub progress: Progress,
    /// The current step's checks, evaluated after the last action.
    pub checks: Rc<Vec<CheckResult>>,
    /// What is saved (kept in step with localStorage): progress of every lesson.
    pub saved: Rc<SavedState>,
    pub view: Rc<ClusterView>,
    /// The engine's most recent steps (the newest last), at most [`LOG_CAPACITY`].
    pub log: Rc<Vec<StepRecord>>,
    pub timeline: Timeline,
    pub files: Rc<BTreeMap<String, String>>,
    pub current_file: String,
    pub apply: Option<ApplyOutcome>,
    pub terminal: Rc<Vec<TerminalEntry>>,
    pub notice: Option<Notice>,
    pub playing: bool,
    pub speed: usize,
    pub selected_step: Option<u64>,
    pub trail: Option<Rc<(u64, Vec<StepRecord>)>>,
    pub inspector: Option<Rc<Inspector>>,
    pub show_hint: bool,
    pub show_solution: bool,
    pub lesson_list: bool,
    pub collapsed: Rc<BTreeSet<String>>,
    pub share_url: Option<String>,
    /// A command typed into the terminal's input by a button: (request number, text).
    pub typed: Option<(u64, String)>,
    ticks_since_save: u32,
    next_entry_id: u64,
    storage_warned: bool,
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ws, &other.ws) && self.revision == other.revision
    }
}

fn fresh(kind: &WorkspaceKind, lesson: Option<Rc<Lesson>>) -> Result<Workspace, String> {
    match (kind, lesson) {
        (WorkspaceKind::Sandbox, _) => Ok(Workspace::sandbox()),
        (WorkspaceKind::Lesson(_), Some(lesson)) => Workspace::lesson(lesson),
        (WorkspaceKind::Lesson(id), None) => Err(format!("there is no lesson {id:?}")),
    }
}

impl Playground {
    /// The page's first state: a shared link, else what was saved, else a fresh sandbox.
    pub fn boot() -> Playground {
        let lang = persist::load(persist::LANG_KEY)
            .and_then(|code| Lang::from_code(&code))
            .unwrap_or_else(|| Lang::from_browser(&persist::browser_languages()));
        let catalog = Rc::new(Catalog::load());
        let hash = persist::location_hash();
        let stored = persist::load(persist::STATE_KEY);
        let mut state = Playground::start(lang, catalog, stored.as_deref(), &hash);
        if !hash.is_empty() {
            persist::clear_hash();
        }
        state.save();
        state
    }

    /// Builds the first state from what was stored and the URL hash (pure, for tests).
    pub fn start(lang: Lang, catalog: Rc<Catalog>, stored: Option<&str>, hash: &str) -> Playground {
        let mut notices: Vec<Notice> = Vec::new();
        let mut saved = match stored.map(SavedState::from_json) {
            Some(Ok(saved)) => saved,
            Some(Err(e)) => {
                notices.push(Notice {
                    tone: Tone::Warning,
                    text: lang.pick(
                        format!("저장된 플레이그라운드를 복원할 수 없습니다: {e}. 깨끗한 상태로 시작합니다."),
                        format!("Your saved playground could not be restored: {e}. Starting fresh."),
                    ),
                });
                SavedState::default()
            }
            None => SavedState::default(),
        };
        if let Some(catalog_error) = catalog.errors.first() {
            notices.push(Notice {
                tone: Tone::Error,
                text: format!("lesson: {catalog_error}"),
            });
        }

        // A shared link opens its workspace.
        let shared = match open_shared(lang, &catalog, hash) {
            Ok(Some((ws, n))) => {
                notices.push(n);
                Some(ws)
            }
            Ok(None) => None,
            Err(n) => {
                notices.push(n);
                None
            }
        };

        let (ws, first_visit) = match shared {
            Some(ws) => (ws, false),
            None => {
                let kind = saved.active.clone();
                let lesson = kind.lesson_id().and_then(|id| catalog.get(id).cloned());
                match saved.workspaces.get(&kind.key()) {
                    Some(s) => match Workspace::restore(s, lesson.clone()) {
                        Ok(ws) => (ws, false),
                        Err(e) => {
                            notices.push(Notice {
                                tone: Tone::Warning,
                                text: lang.pick(
                                    format!("저장된 클러스터를 복원할 수 없습니다: {e}. 깨끗한 상태로 시작합니다."),
                                    format!("Your saved cluster could not be restored: {e}. Starting fresh."),
                                ),
                            });
                            saved.workspaces.remove(&kind.key());
                            (
                                fresh(&kind, lesson).unwrap_or_else(|_| Workspace::sandbox()),
                                false,
                            )
                        }
                    },
                    None => (
                        fresh(&kind, lesson).unwrap_or_else(|_| Workspace::sandbox()),
                        stored.is_none(),
                    ),
                }
            }
        };

        let speed = saved.ui.speed.min(SPEEDS.len() - 1);
        let speed = if stored.is_none() {
            DEFAULT_SPEED
        } else {
            speed
        };
        let collapsed = Rc::new(saved.ui.collapsed.clone());
        let mut state = Playground {
            kind: ws.kind.clone(),
            lesson: ws.lesson_def().cloned(),
            ws: Rc::new(RefCell::new(ws)),
            revision: 0,
            lang,
            catalog,
            progress: Progress::default(),
            checks: Rc::default(),
            saved: Rc::new(saved),
            view: Rc::default(),
            log: Rc::default(),
            timeline: Timeline::default(),
            files: Rc::default(),
            current_file: String::new(),
            apply: None,
            terminal: Rc::default(),
            notice: None,
            playing: false,
            speed,
            selected_step: None,
            trail: None,
            inspector: None,
            show_hint: false,
            show_solution: false,
            lesson_list: first_visit,
            collapsed,
            share_url: None,
            typed: None,
            ticks_since_save: 0,
            next_entry_id: 0,
            storage_warned: false,
        };
        state.current_file = state.default_file();
        state.refresh();
        // The most important message wins: errors, then warnings, then the rest.
        kubeplay_engine::sorting::sort_by_key(&mut notices, |n| match n.tone {
            Tone::Error => 0,
            Tone::Warning => 1,
            _ => 2,
        });
        state.notice = notices.into_iter().next();
        state
    }

    /// Only for reading; the reducer is the only writer.
    #[cfg(test)]
    pub fn workspace(&self) -> std::cell::Ref<'_, Workspace> {
        self.ws.borrow()
    }

    pub fn steps_taken(&self) -> u64 {
        self.log.last().map_or(0, |step| step.id)
    }

    /// The step whose flow the map shows: the selected one, else the newest.
    pub fn flow_step(&self) -> Option<&StepRecord> {
        match self.selected_step {
            Some(id) => self.log.iter().find(|s| s.id == id),
            None => self.log.last(),
        }
    }

    pub fn is_collapsed(&self, panel: &str) -> bool {
        self.collapsed.contains(panel)
    }

    /// The lines the last apply's problems point at, with their messages (for the open file).
    pub fn error_lines(&self) -> Vec<(usize, String)> {
        self.apply
            .iter()
            .filter(|outcome| outcome.file == self.current_file)
            .flat_map(|outcome| &outcome.problems)
            .filter_map(|p| p.line.map(|line| (line, p.message.clone())))
            .collect()
    }

    #[cfg(test)]
    pub fn current_text(&self) -> String {
        self.files
            .get(&self.current_file)
            .cloned()
            .unwrap_or_default()
    }

    /// The file the editor opens: the one the current step applies, else the first.
    fn default_file(&self) -> String {
        let files = self.ws.borrow().files().clone();
        let step_file = self
            .lesson
            .as_ref()
            .and_then(|l| l.steps.get(self.ws.borrow().progress.step))
            .and_then(|step| {
                step.solution.iter().find_map(|line| {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    let at = words.iter().position(|w| *w == "-f")?;
                    words.get(at + 1).map(|f| f.to_string())
                })
            })
            .filter(|f| files.contains_key(f));
        step_file
            .or_else(|| {
                files
                    .contains_key(SANDBOX_FILE)
                    .then(|| SANDBOX_FILE.to_string())
            })
            .or_else(|| files.keys().next().cloned())
            .unwrap_or_else(|| SANDBOX_FILE.to_string())
    }

    /// Takes fresh snapshots of the workspace after an action.
    fn refresh(&mut self) {
        let mut ws = self.ws.borrow_mut();
        let newly_done = ws.update_progress();
        self.progress = ws.progress.clone();
        self.checks = Rc::new(ws.checks());
        self.view = Rc::new(ws.sim().view());
        let newest = self.log.last().map(|s| s.id);
        let latest = ws.last_step_id();
        if newest != latest || self.log.len() > LOG_CAPACITY {
            let total = ws.sim().steps().count();
            self.log = Rc::new(
                ws.sim()
                    .steps()
                    .skip(total.saturating_sub(LOG_CAPACITY))
                    .cloned()
                    .collect(),
            );
        }
        if let Some(id) = self.selected_step {
            if !self.log.iter().any(|s| s.id == id) {
                self.selected_step = None;
            }
        }
        self.timeline = Timeline {
            start_ms: ws.start_ms(),
            end_ms: ws.end_ms(),
            now_ms: ws.now_ms(),
            rewound: ws.is_rewound(),
            marks: if self.timeline.marks.len() == ws.command_marks_len() {
                self.timeline.marks.clone()
            } else {
                Rc::new(ws.command_marks())
            },
        };
        if self.files.as_ref() != ws.files() {
            self.files = Rc::new(ws.files().clone());
        }
        if let Some(trail) = &self.trail {
            let id = trail.0;
            let steps: Vec<StepRecord> = ws.sim().trail(id).into_iter().cloned().collect();
            self.trail = if steps.is_empty() {
                None
            } else {
                Some(Rc::new((id, steps)))
            };
        }
        if let Some(inspector) = &mut self.inspector {
            Rc::make_mut(inspector).refresh(&mut ws.session.sim);
        }
        if newly_done {
            let finished = ws.lesson_finished()
                || ws
                    .lesson_def()
                    .is_some_and(|l| ws.progress.step + 1 >= l.steps.len());
            self.notice = Some(Notice {
                tone: Tone::Success,
                text: if finished {
                    self.lang
                        .t(
                            "마지막 단계의 확인 항목을 모두 통과했습니다! 레슨을 마치세요.",
                            "Every check of the last step passed! Finish the lesson.",
                        )
                        .into()
                } else {
                    self.lang
                        .t(
                            "모든 확인 항목을 통과했습니다. 다음 단계가 열렸습니다.",
                            "Every check passed: the next step is unlocked.",
                        )
                        .into()
                },
            });
        }
    }

    /// Writes the open workspace and the layout to localStorage.
    fn save(&mut self) {
        self.ticks_since_save = 0;
        let ws = self.ws.borrow();
        let saved = Rc::make_mut(&mut self.saved);
        saved.active = ws.kind.clone();
        saved.workspaces.insert(ws.kind.key(), ws.save());
        if ws.lesson_finished() {
            if let Some(id) = ws.kind.lesson_id() {
                saved.completed.insert(id.to_string());
            }
        }
        saved.ui.collapsed = (*self.collapsed).clone();
        saved.ui.speed = self.speed;
        let json = saved.to_json();
        drop(ws);
        if !persist::store(persist::STATE_KEY, &json)
            && !self.storage_warned
            && cfg!(target_arch = "wasm32")
        {
            self.storage_warned = true;
            self.notice = Some(Notice {
                tone: Tone::Warning,
                text: self
                    .lang
                    .t(
                        "브라우저가 저장을 거부했습니다(저장 공간이 꺼져 있거나 가득 참). 새로 고치면 진행 상황이 사라집니다.",
                        "The browser refused to save (storage is off or full): a reload will lose your progress.",
                    )
                    .into(),
            });
        }
    }

    fn push_terminal(&mut self, command: String, output: CommandOutput, from_button: bool) {
        self.next_entry_id += 1;
        let terminal = Rc::make_mut(&mut self.terminal);
        terminal.push(TerminalEntry {
            id: self.next_entry_id,
            command,
            output,
            from_button,
        });
        if terminal.len() > TERMINAL_CAPACITY {
            let excess = terminal.len() - TERMINAL_CAPACITY;
            terminal.drain(..excess);
        }
    }

    fn run_line(&mut self, line: &str, from_button: bool) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        match line {
            "clear" => {
                self.terminal = Rc::default();
                return;
            }
            "help" => {
                let output = CommandOutput {
                    stdout: help_text(self.lang),
                    stderr: String::new(),
                    success: true,
                };
                self.push_terminal(line.to_string(), output, from_button);
                return;
            }
            _ => {}
        }
        let output = self.ws.borrow_mut().run(line);
        self.push_terminal(line.to_string(), output, from_button);
    }

    /// Opens another workspace (saving the open one): its saved state, else a fresh one.
    fn switch_to(&mut self, kind: WorkspaceKind) {
        self.save();
        self.notice = None;
        let lesson = kind
            .lesson_id()
            .and_then(|id| self.catalog.get(id).cloned());
        let restored = match self.saved.workspaces.get(&kind.key()) {
            Some(saved) => Workspace::restore(saved, lesson.clone()).map_err(|e| {
                self.lang.pick(
                    format!("저장된 클러스터를 복원할 수 없어 처음부터 시작합니다: {e}"),
                    format!("The saved cluster could not be restored, so this starts over: {e}"),
                )
            }),
            None => Err(String::new()),
        };
        let ws = match restored {
            Ok(ws) => ws,
            Err(message) => {
                if !message.is_empty() {
                    self.notice = Some(Notice {
                        tone: Tone::Warning,
                        text: message,
                    });
                }
                match fresh(&kind, lesson) {
                    Ok(ws) => ws,
                    Err(e) => {
                        self.notice = Some(Notice {
                            tone: Tone::Error,
                            text: self.lang.pick(
                                format!("레슨을 시작할 수 없습니다: {e}"),
                                format!("The lesson cannot start: {e}"),
                            ),
                        });
                        return;
                    }
                }
            }
        };
        self.install(ws);
    }

    /// Makes `ws` the open workspace, with fresh views.
    fn install(&mut self, ws: Workspace) {
        self.kind = ws.kind.clone();
        self.lesson = ws.lesson_def().cloned();
        self.ws = Rc::new(RefCell::new(ws));
        self.log = Rc::default();
        self.files = Rc::default();
        self.timeline = Timeline::default();
        self.apply = None;
        self.terminal = Rc::default();
        self.playing = false;
        self.selected_step = None;
        self.trail = None;
        self.inspector = None;
        self.show_hint = false;
        self.show_solution = false;
        self.current_file = self.default_file();
    }
}

/// Opens the workspace a shared link's hash carries: `Ok(None)` when the hash is no share link.
fn open_shared(
    lang: Lang,
    catalog: &Catalog,
    hash: &str,
) -> Result<Option<(Workspace, Notice)>, Notice> {
    let cannot = |e: String| Notice {
        tone: Tone::Error,
        text: lang.pick(
            format!("공유 링크를 열 수 없습니다: {e}."),
            format!("This shared link cannot be opened: {e}."),
        ),
    };
    let Some(link) = persist::parse_share_hash(hash).map_err(cannot)? else {
        return Ok(None);
    };
    let lesson = link
        .kind
        .lesson_id()
        .and_then(|id| catalog.get(id).cloned());
    let ws = Workspace::restore(&link, lesson).map_err(cannot)?;
    Ok(Some((
        ws,
        Notice {
            tone: Tone::Success,
            text: lang
                .t(
                    "공유된 시나리오를 열었습니다: 같은 명령이 같은 순서로 다시 실행되어 같은 클러스터가 되었습니다.",
                    "Opened a shared scenario: the same commands ran again in the same order and rebuilt the same cluster.",
                )
                .into(),
        },
    )))
}

/// What `help` prints in the terminal.
fn help_text(lang: Lang) -> String {
    let intro = lang.t(
        "시뮬레이션된 클러스터에 쓰는 명령 (Tab으로 자동 완성, ↑↓로 이전 명령):\n",
        "Commands for the simulated cluster (Tab completes, ↑↓ browse history):\n",
    );
    format!(
        "{intro}\
  kubectl get pods|deployments|replicasets|nodes|events [-o wide|yaml|json] [-n NS|-A]\n\
  kubectl describe KIND NAME        kubectl apply|delete -f FILE\n\
  kubectl logs POD [-c C]           kubectl exec POD [-c C] -- COMMAND ARGS...\n\
  kubectl create configmap|secret generic NAME --from-literal=k=v|--from-file=FILE\n\
  kubectl scale deployment/NAME --replicas=N\n\
  kubectl set image deployment/NAME CONTAINER=IMAGE\n\
  kubectl rollout status|history|undo deployment/NAME\n\
  kubectl cordon|uncordon|drain NODE    kubectl taint|label ...\n\
  kubectl run NAME --image=IMAGE     kubectl auth can-i VERB RESOURCE [--as USER]\n\
  sim step | sim advance 30s | sim log 20 | sim trail [STEP]\n\
  sim explain POD [-n NS] | sim etcd ls|get|history|status\n\
  sim node add|fail|recover NAME\n\
  ... | grep [-v] [-i] [-c] TEXT | head|tail -n N | wc -l | sort [-r]\n\
  clear\n"
    )
}

impl Reducible for Playground {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.revision += 1;
        let mut save = true;
        let mut keep_notice = false;
        match action {
            Action::Edit(text) => {
                let file = next.current_file.clone();
                next.ws.borrow_mut().set_file(&file, &text);
                Rc::make_mut(&mut next.files).insert(file, text);
                next.save();
                // The cluster and the last apply's outcome stay as they are.
                return Rc::new(next);
            }
            Action::SelectFile(name) => {
                if next.files.contains_key(&name) {
                    next.current_file = name;
                }
                return Rc::new(next);
            }
            Action::Apply => {
                let file = next.current_file.clone();
                let applied = next.ws.borrow_mut().apply_file(&file);
                next.apply = Some(ApplyOutcome {
                    file: file.clone(),
                    applied: applied.report.applied.clone(),
                    warnings: applied.report.warnings.clone(),
                    problems: applied
                        .report
                        .errors
                        .iter()
                        .map(|e| ApplyProblem {
                            message: e.to_string(),
                            line: e.line,
                            column: e.column,
                        })
                        .collect(),
                });
                next.push_terminal(format!("kubectl apply -f {file}"), applied.output, true);
                next.notice = None;
            }
            Action::DeleteFile => {
                let line = format!("kubectl delete -f {}", next.current_file);
                next.run_line(&line, true);
                next.apply = None;
                next.notice = None;
            }
            Action::InsertTemplate(index) => {
                if let Some(template) = templates::TEMPLATES.get(index) {
                    let file = next.current_file.clone();
                    next.ws.borrow_mut().set_file(&file, template.text);
                    Rc::make_mut(&mut next.files).insert(file, template.text.to_string());
                    next.apply = None;
                }
            }
            Action::Step => {
                let step = next.ws.borrow_mut().step();
                next.selected_step = None;
                next.notice = step.is_none().then(|| Notice {
                    tone: Tone::Info,
                    text: next
                        .lang
                        .t(
                            "할 일이 없습니다: 모든 컴포넌트가 쉬고 있습니다. 매니페스트를 적용해 클러스터에 일을 주세요.",
                            "Nothing to do: every component is idle. Apply a manifest to give the cluster work.",
                        )
                        .into(),
                });
                keep_notice = true;
            }
            Action::Advance(ms) => {
                let steps = next.ws.borrow_mut().advance(SimDuration::from_millis(ms));
                next.selected_step = None;
                next.notice = (steps == 0).then(|| Notice {
                    tone: Tone::Info,
                    text: next.lang.pick(
                        format!(
                            "{}초가 흘렀지만 어느 컴포넌트도 할 일이 없었습니다.",
                            ms as f64 / 1000.0
                        ),
                        format!(
                            "{}s passed; no component had anything to do.",
                            ms as f64 / 1000.0
                        ),
                    ),
                });
                keep_notice = true;
            }
            Action::Play => {
                next.playing = true;
                next.selected_step = None;
                save = false;
            }
            Action::Pause => {
                next.playing = false;
            }
            Action::Tick => {
                if !next.playing {
                    return self;
                }
                let ms =
                    (f64::from(TICK_MS) * SPEEDS.get(next.speed).copied().unwrap_or(1.0)) as u64;
                next.ws
                    .borrow_mut()
                    .advance(SimDuration::from_millis(ms.max(1)));
                next.ticks_since_save += 1;
                save = next.ticks_since_save >= SAVE_EVERY_TICKS;
                keep_notice = true;
            }
            Action::SetSpeed(index) => {
                next.speed = index.min(SPEEDS.len() - 1);
                keep_notice = true;
            }
            Action::Rewind(ms) => {
                next.playing = false;
                next.ws.borrow_mut().rewind_to(ms);
                next.selected_step = None;
            }
            Action::ToEnd => {
                next.playing = false;
                next.ws.borrow_mut().to_end();
                next.selected_step = None;
            }
            Action::Reset => {
                let kind = next.kind.clone();
                let lesson = next.lesson.clone();
                let files = next.ws.borrow().files().clone();
                match fresh(&kind, lesson) {
                    Ok(mut ws) => {
                        if kind == WorkspaceKind::Sandbox {
                            // The learner's manifests stay; only the cluster starts over.
                            for (name, text) in &files {
                                ws.set_file(name, text);
                            }
                        }
                        next.install(ws);
                        next.notice = Some(Notice {
                            tone: Tone::Info,
                            text: next
                                .lang
                                .t(
                                    "새 클러스터로 다시 시작했습니다.",
                                    "Started again on a fresh cluster.",
                                )
                                .into(),
                        });
                        keep_notice = true;
                    }
                    Err(e) => {
                        next.notice = Some(Notice {
                            tone: Tone::Error,
                            text: e,
                        });
                        keep_notice = true;
                    }
                }
            }
            Action::Run(line) => {
                next.run_line(&line, false);
                next.selected_step = None;
            }
            Action::RunButton(line) => {
                next.run_line(&line, true);
                next.selected_step = None;
            }
            Action::Type(line) => {
                next.typed = Some((next.revision, line));
                return Rc::new(next);
            }
            Action::OpenLesson(id) => {
                next.lesson_list = false;
                if next.kind != WorkspaceKind::Lesson(id.clone()) {
                    next.switch_to(WorkspaceKind::Lesson(id));
                    keep_notice = next.notice.is_some();
                }
            }
            Action::OpenSandbox => {
                next.lesson_list = false;
                if next.kind != WorkspaceKind::Sandbox {
                    next.switch_to(WorkspaceKind::Sandbox);
                    keep_notice = next.notice.is_some();
                }
            }
            Action::ShowLessonList(show) => {
                next.lesson_list = show;
                return Rc::new(next);
            }
            Action::NextStep => {
                if next.ws.borrow_mut().next_step() {
                    next.show_hint = false;
                    next.show_solution = false;
                    next.current_file = next.default_file_for_step();
                }
            }
            Action::ToggleHint => {
                next.show_hint = !next.show_hint;
                return Rc::new(next);
            }
            Action::ToggleSolution => {
                next.show_solution = !next.show_solution;
                return Rc::new(next);
            }
            Action::RunSolution => {
                let solution = next
                    .lesson
                    .as_ref()
                    .and_then(|l| l.steps.get(next.progress.step))
                    .map(|s| s.solution.clone())
                    .unwrap_or_default();
                for line in solution {
                    next.run_line(&line, true);
                    next.ws.borrow_mut().update_progress();
                }
                next.show_solution = true;
            }
            Action::SelectStep(id) => {
                next.selected_step = id;
                return Rc::new(next);
            }
            Action::ShowTrail(id) => {
                next.trail = id.and_then(|id| {
                    let steps: Vec<StepRecord> = next
                        .ws
                        .borrow()
                        .sim()
                        .trail(id)
                        .into_iter()
                        .cloned()
                        .collect();
                    (!steps.is_empty()).then(|| Rc::new((id, steps)))
                });
                if let Some(id) = id {
                    next.selected_step = Some(id);
                }
                return Rc::new(next);
            }
            Action::Inspect(target) => {
                let inspector = Inspector::open(target, &mut next.ws.borrow_mut().session.sim);
                next.inspector = Some(Rc::new(inspector));
                return Rc::new(next);
            }
            Action::InspectTab(tab) => {
                if let Some(inspector) = &mut next.inspector {
                    Rc::make_mut(inspector).set_tab(tab, &mut next.ws.borrow_mut().session.sim);
                }
                return Rc::new(next);
            }
            Action::EtcdKey(key, rev) => {
                if let Some(inspector) = &mut next.inspector {
                    Rc::make_mut(inspector).select_key(
                        key,
                        rev,
                        &mut next.ws.borrow_mut().session.sim,
                    );
                }
                return Rc::new(next);
            }
            Action::CloseInspector => {
                next.inspector = None;
                return Rc::new(next);
            }
            Action::TogglePanel(panel) => {
                let collapsed = Rc::make_mut(&mut next.collapsed);
                if !collapsed.remove(panel) {
                    collapsed.insert(panel.to_string());
                }
                next.save();
                return Rc::new(next);
            }
            Action::SetLang(lang) => {
                next.lang = lang;
                persist::store(persist::LANG_KEY, lang.code());
                return Rc::new(next);
            }
            Action::Share => {
                let saved = next.ws.borrow().save();
                next.share_url = Some(format!(
                    "{}#{}",
                    persist::page_url(),
                    persist::share_hash(&saved)
                ));
                return Rc::new(next);
            }
            Action::OpenHash(hash) => {
                match open_shared(next.lang, &next.catalog, &hash) {
                    Ok(Some((ws, notice))) => {
                        next.save();
                        next.install(ws);
                        next.lesson_list = false;
                        next.notice = Some(notice);
                    }
                    Ok(None) => return self,
                    Err(notice) => next.notice = Some(notice),
                }
                persist::clear_hash();
                keep_notice = true;
            }
            Action::CloseShare => {
                next.share_url = None;
                return Rc::new(next);
            }
            Action::DismissNotice => {
                next.notice = None;
                return Rc::new(next);
            }
        }
        if !keep_notice
            && matches!(
                next.notice.as_ref().map(|n| n.tone),
                Some(Tone::Info | Tone::Success)
            )
        {
            next.notice = None;
        }
        next.refresh();
        if save {
            next.save();
        }
        Rc::new(next)
    }
}

impl Playground {
    fn default_file_for_step(&self) -> String {
        let file = self.default_file();
        if self.lesson.is_some() {
            file
        } else {
            self.current_file.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dispatch(state: Rc<Playground>, action: Action) -> Rc<Playground> {
        state.reduce(action)
    }

    fn boot(stored: Option<&str>, hash: &str) -> Rc<Playground> {
        Rc::new(Playground::start(
            Lang::En,
            Rc::new(Catalog::load()),
            stored,
            hash,
        ))
    }

    #[test]
    fn first_visit_is_a_sandbox_with_the_lesson_list() {
        let state = boot(None, "");
        assert_eq!(state.kind, WorkspaceKind::Sandbox);
        assert!(state.lesson_list);
        assert!(state.notice.is_none());
        assert_eq!(state.current_file, SANDBOX_FILE);
        assert!(state.current_text().contains("kind: Deployment"));
    }

    #[test]
    fn broken_state_and_links_start_clean_with_a_message() {
        let state = boot(Some("{broken"), "");
        assert_eq!(state.kind, WorkspaceKind::Sandbox);
        assert_eq!(state.notice.as_ref().map(|n| n.tone), Some(Tone::Warning));
        let state = boot(None, "#share=garbage!!");
        assert_eq!(state.notice.as_ref().map(|n| n.tone), Some(Tone::Error));
        assert_eq!(state.kind, WorkspaceKind::Sandbox);
    }

    #[test]
    fn a_lesson_opens_and_a_step_unlocks() {
        let state = boot(None, "");
        let first = state.catalog.lessons[0].id.clone();
        let state = dispatch(state, Action::OpenLesson(first.clone()));
        assert_eq!(state.kind, WorkspaceKind::Lesson(first));
        assert_eq!(state.progress.step, 0);
        assert!(!state.checks.is_empty());
        let state = dispatch(state, Action::RunSolution);
        assert!(state.progress.step_done, "{:?}", state.checks);
        let state = dispatch(state, Action::NextStep);
        assert_eq!(state.progress.step, 1);
        assert!(!state.progress.step_done);
    }

    #[test]
    fn shared_links_recreate_the_scenario() {
        let state = boot(None, "");
        let state = dispatch(state, Action::Apply);
        let state = dispatch(state, Action::Advance(10_000));
        let hash = persist::share_hash(&state.workspace().save());
        let other = boot(None, &format!("#{hash}"));
        assert_eq!(other.notice.as_ref().map(|n| n.tone), Some(Tone::Success));
        assert_eq!(other.view, state.view);
        assert_eq!(other.timeline.now_ms, 10_000);
    }
}
