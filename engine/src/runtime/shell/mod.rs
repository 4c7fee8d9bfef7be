//! A small shell that runs a container's script over virtual time.
//!
//! A `Machine` is one shell process: a stack of frames over the parsed
//! script (`parse.rs`), its variables, its open files and its clock. Every
//! command runs instantly at the machine's clock except `sleep`, which
//! blocks the machine until a later virtual time; `run(until)` executes
//! everything due up to `until` and stops, so a script advances exactly as
//! far as the simulation's time has. `touch /tmp/healthy; sleep 30; rm -f
//! /tmp/healthy` has the file for 30 virtual seconds.
//!
//! Bounds keep bad input harmless: a script that runs 50 000 commands
//! without letting time pass is *spinning* (a busy loop: it keeps running
//! but the simulation stops interpreting it), nesting and output are capped,
//! and nothing here panics on any input.
//!
//! Commands are builtins (`builtins.rs`); what an unknown program does
//! depends on the image (`Config::unknown`): base images say `not found`,
//! application images are taken to run a program the simulation cannot see
//! into, which runs until it is stopped.

mod builtins;
pub(crate) use builtins::grep_match;
pub mod parse;

use crate::sorting::CollectSorted;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use builtins::is_known_program;
use parse::{element_var, AndOrOp, Node, NodeId, ParamOp, RedirOp, Redirect, Seg, Word};
pub use parse::{parse, Program};

use crate::runtime::fs::{normalize, Filesystems, View};
use crate::runtime::servers::Server;
use crate::time::{SimDuration, SimTime};

/// Commands a machine may run without time passing before it counts as a busy loop.
const SPIN_LIMIT: u32 = 50_000;
/// Commands one `run` call interprets at most; a script with very short
/// sleeps skips the rest of the interval (the simulation stays bounded).
const RUN_BUDGET: u32 = 50_000;
const MAX_LINE: usize = 16 * 1024;
const MAX_CAPTURE: usize = 64 * 1024;
const MAX_JOBS: usize = 16;
const MAX_DEPTH: u32 = 16;
const MAX_PROGRAMS: usize = 64;
/// Expansion "errors" that are not errors: a command substitution that never ends.
const SPINNING: &str = "\u{1}spinning";
const FOREVER: &str = "\u{1}forever";
const OUT_OF_MEMORY: &str = "\u{1}out of memory";
/// The longest word an expansion may make: `x=$x$x` in a loop would
/// otherwise double until the tab runs out of memory.
const MAX_WORD_BYTES: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line a container wrote, when, and on which stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub time: SimTime,
    pub stream: Stream,
    pub text: String,
}

/// What a process that will not finish by itself is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forever {
    /// Waiting for nothing in particular (`sleep infinity`, `tail -f` of stdin).
    Idle,
    /// `tail -f FILE`: busybox polls the file once a second and prints what
    /// was appended since (`-F` also waits for a file that is not there yet).
    Following {
        path: String,
        offset: usize,
        next_poll: SimTime,
        /// Whether the file was there at the last look.
        present: bool,
    },
    /// Serving on ports.
    Serving(Server),
    /// A program the simulation cannot look into (an application binary):
    /// taken to be a server or worker that runs until stopped.
    Opaque(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Ready,
    Sleeping(SimTime),
    /// A nested shell (subshell, `sh -c`) runs in the foreground.
    InChild,
    /// `wait` for background jobs.
    WaitJobs,
    Forever(Forever),
    /// A busy loop: running, burning CPU, going nowhere.
    Spinning,
    Exited(i32),
}

/// What an unknown command does in this image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// `sh: foo: not found`, status 127 (busybox, alpine, debian ...).
    NotFound,
    /// An application binary of the image: runs until stopped.
    Opaque,
}

/// Facts about the container a machine runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub hostname: String,
    pub unknown: Unknown,
    /// `httpd` is Apache (the httpd image) rather than busybox's.
    pub image_is_apache: bool,
    /// The image has perl (the perl image): `perl` runs the model in `runtime/perl.rs`.
    pub has_perl: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Sink {
    Log(Stream),
    File(String),
    Null,
    Capture,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Fds {
    stdin: Option<String>,
    out: Sink,
    err: Sink,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Loc {
    p: usize,
    n: NodeId,
}

#[derive(Clone, Debug)]
enum Frame {
    Exec(Loc),
    Background(Loc),
    AndOr {
        at: Loc,
        next: usize,
    },
    Negate,
    LoopTest {
        at: Loc,
        last: i32,
    },
    LoopBody {
        at: Loc,
    },
    ForNext {
        at: Loc,
        items: Vec<String>,
        next: usize,
    },
    IfTest {
        at: Loc,
        branch: usize,
    },
    Restore(Fds),
    EndCond,
    Child(Box<Machine>),
}

/// What running one command did.
enum Outcome {
    Status(i32),
    Sleep(SimDuration),
    Forever(Forever),
    Exit(i32),
    Spawn(Box<Machine>),
    Break(u32),
    Continue(u32),
    Wait,
    Spin,
}

/// What running a command to its end gave (exec probes, `kubectl exec`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecResult {
    Exited {
        code: i32,
        output: String,
    },
    /// Still running when the timeout ran out.
    TimedOut {
        output: String,
    },
}

/// What a `kubectl exec` command printed and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub output: Vec<LogLine>,
    pub end: SessionEnd,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    Exited(i32),
    /// Still sleeping or waiting when its time was up.
    StillRunning,
    /// Running a program the simulation cannot look into.
    Opaque(String),
    /// A busy loop.
    Spinning,
}

/// Where a machine reads and writes files, and whom it asks for names.
pub struct Host<'a> {
    pub fs: &'a mut Filesystems,
    pub view: &'a View,
    pub dns: &'a crate::dns::ClusterDns,
    /// Set when a process looked a name up: its future depends on DNS.
    pub looked_up: bool,
}

#[derive(Clone, Debug)]
pub struct Machine {
    programs: Vec<Arc<Program>>,
    config: Arc<Config>,
    frames: Vec<Frame>,
    pub state: State,
    status: i32,
    vars: BTreeMap<String, String>,
    exported: BTreeSet<String>,
    positional: Vec<String>,
    cwd: String,
    clock: SimTime,
    fds: Fds,
    instant: bool,
    depth: u32,
    ops: u32,
    run_ops: u32,
    run_until: SimTime,
    cond_depth: u32,
    errexit: bool,
    traps: BTreeMap<String, String>,
    term_pending: bool,
    jobs: Vec<Machine>,
    last_job_exit: SimTime,
    log: Vec<LogLine>,
    partial: [String; 2],
    captured: String,
}

impl Machine {
    fn blank(config: Arc<Config>, env: &BTreeMap<String, String>, start: SimTime) -> Machine {
        Machine {
            programs: Vec::new(),
            config,
            frames: Vec::new(),
            state: State::Ready,
            status: 0,
            vars: env.clone(),
            exported: env.keys().cloned().collect_set(),
            positional: vec!["sh".to_string()],
            cwd: "/".to_string(),
            clock: start,
            fds: Fds {
                stdin: None,
                out: Sink::Log(Stream::Stdout),
                err: Sink::Log(Stream::Stderr),
            },
            instant: false,
            depth: 0,
            ops: 0,
            run_ops: 0,
            run_until: start,
            cond_depth: 0,
            errexit: false,
            traps: BTreeMap::new(),
            term_pending: false,
            jobs: Vec::new(),
            last_job_exit: start,
            log: Vec::new(),
            partial: [String::new(), String::new()],
            captured: String::new(),
        }
    }

    /// A shell running a script (`sh -c SCRIPT NAME ARGS...`). A script that
    /// does not parse prints busybox's error and exits with 2.
    pub fn script(
        src: &str,
        positional: Vec<String>,
        env: &BTreeMap<String, String>,
        config: Arc<Config>,
        start: SimTime,
    ) -> Machine {
        let mut m = Machine::blank(config, env, start);
        if !positional.is_empty() {
            m.positional = positional;
        }
        match parse(src) {
            Ok(program) => {
                m.programs.push(Arc::new(program));
                let root = m.programs[0].root;
                m.frames.push(Frame::Exec(Loc { p: 0, n: root }));
            }
            Err(e) => {
                m.write_err(&format!("sh: {e}\n"));
                m.status = 2;
            }
        }
        m
    }

    /// A process started from an argv (a container's exec-form command):
    /// no shell reads it, so nothing in it is expanded.
    pub fn argv(
        argv: &[String],
        env: &BTreeMap<String, String>,
        config: Arc<Config>,
        start: SimTime,
    ) -> Machine {
        let mut m = Machine::blank(config, env, start);
        let program = parse::literal_command(argv);
        let root = program.root;
        m.programs.push(Arc::new(program));
        m.frames.push(Frame::Exec(Loc { p: 0, n: root }));
        m
    }

    /// A process that is a server from the start (an image's default process).
    pub fn serving(server: Server, env: &BTreeMap<String, String>, config: Arc<Config>) -> Machine {
        let start = server.started;
        let mut m = Machine::blank(config, env, start);
        m.state = State::Forever(Forever::Serving(server));
        m
    }

    /// A process running a program the simulation cannot look into.
    pub fn opaque(
        program: &str,
        env: &BTreeMap<String, String>,
        config: Arc<Config>,
        start: SimTime,
    ) -> Machine {
        let mut m = Machine::blank(config, env, start);
        m.state = State::Forever(Forever::Opaque(program.to_string()));
        m
    }

    /// A process that has already exited (a failed start).
    pub fn exited(code: i32, config: Arc<Config>, start: SimTime) -> Machine {
        let mut m = Machine::blank(config, &BTreeMap::new(), start);
        m.state = State::Exited(code);
        m.status = code;
        m
    }

    /// Runs a command in a container as an exec probe does: its output
    /// (stdout and stderr together) captured, for at most `timeout`.
    pub fn exec(
        argv: &[String],
        env: &BTreeMap<String, String>,
        config: Arc<Config>,
        now: SimTime,
        timeout: SimDuration,
        host: &mut Host,
    ) -> ExecResult {
        let mut m = Machine::argv(argv, env, config, now);
        m.capture_all();
        let deadline = now.plus(timeout);
        m.run(deadline, host);
        let output = std::mem::take(&mut m.captured);
        match m.state {
            State::Exited(code) if m.clock < deadline => ExecResult::Exited { code, output },
            _ => ExecResult::TimedOut { output },
        }
    }

    /// Runs a command for `kubectl exec`: its output line by line on its
    /// own streams, until it ends or `limit` of its own time has passed.
    pub fn session(
        argv: &[String],
        env: &BTreeMap<String, String>,
        config: Arc<Config>,
        now: SimTime,
        limit: SimDuration,
        host: &mut Host,
    ) -> Session {
        let mut m = Machine::argv(argv, env, config, now);
        let deadline = now.plus(limit);
        m.run(deadline, host);
        m.flush_partials();
        let end = match m.innermost_state() {
            State::Exited(code) if m.clock < deadline => SessionEnd::Exited(*code),
            State::Forever(Forever::Opaque(program)) => SessionEnd::Opaque(program.clone()),
            State::Spinning => SessionEnd::Spinning,
            _ => SessionEnd::StillRunning,
        };
        Session {
            output: m.take_log(),
            end,
        }
    }

    /// The state of the process in the foreground (through `sh -c` children).
    fn innermost_state(&self) -> &State {
        match (&self.state, self.frames.last()) {
            (State::InChild, Some(Frame::Child(child))) => child.innermost_state(),
            (state, _) => state,
        }
    }

    /// The machine's clock: when it last did something (its exit time once exited).
    pub fn clock(&self) -> SimTime {
        self.clock
    }

    pub fn exit_code(&self) -> Option<i32> {
        match self.state {
            State::Exited(code) => Some(code),
            _ => None,
        }
    }

    /// Lines written since the last call.
    pub fn take_log(&mut self) -> Vec<LogLine> {
        std::mem::take(&mut self.log)
    }

    /// The output of a machine whose stdout was captured (exec probes).
    fn capture_all(&mut self) {
        self.fds.out = Sink::Capture;
        self.fds.err = Sink::Capture;
    }

    /// When this machine (or one of its jobs) next has something to do.
    pub fn next_wake(&self) -> Option<SimTime> {
        let main = self.main_wake();
        let jobs = self.jobs.iter().filter_map(Machine::next_wake).min();
        match (main, jobs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn main_wake(&self) -> Option<SimTime> {
        match &self.state {
            State::Ready => Some(self.clock),
            State::Sleeping(t) => Some(*t),
            State::InChild => match self.frames.last() {
                Some(Frame::Child(child)) => child.next_wake(),
                _ => Some(self.clock),
            },
            State::WaitJobs => self
                .jobs
                .iter()
                .all(|j| matches!(j.state, State::Exited(_)))
                .then(|| self.clock.max(self.last_job_exit)),
            State::Forever(Forever::Following { next_poll, .. }) => Some(*next_poll),
            _ => None,
        }
    }

    /// Servers listening in this process tree.
    pub fn servers(&self) -> Vec<Server> {
        let mut out = Vec::new();
        if let State::Forever(Forever::Serving(s)) = &self.state {
            out.push(s.clone());
        }
        if let (State::InChild, Some(Frame::Child(child))) = (&self.state, self.frames.last()) {
            out.extend(child.servers());
        }
        for job in &self.jobs {
            out.extend(job.servers());
        }
        out
    }

    /// Whether an application program the simulation cannot see into runs here.
    pub fn runs_opaque_program(&self) -> bool {
        matches!(self.state, State::Forever(Forever::Opaque(_)))
            || matches!((&self.state, self.frames.last()), (State::InChild, Some(Frame::Child(c))) if c.runs_opaque_program())
            || self.jobs.iter().any(Machine::runs_opaque_program)
    }

    /// Whether the process is in a busy loop.
    pub fn spinning(&self) -> bool {
        match (&self.state, self.frames.last()) {
            (State::Spinning, _) => true,
            (State::InChild, Some(Frame::Child(c))) => c.spinning(),
            _ => false,
        }
    }

    /// SIGTERM to this process as PID 1. `Some(code)`: it shuts down
    /// promptly with that code. `None`: it carries on (the kernel gives PID 1
    /// no default action); a `trap` on TERM runs at the next point the shell
    /// can take it (a `wait`, or after the current foreground command).
    pub fn sigterm(&mut self, now: SimTime) -> Option<i32> {
        if self.traps.contains_key("TERM") {
            self.term_pending = true;
            if self.state == State::WaitJobs {
                self.clock = self.clock.max(now);
                self.status = 128 + 15;
                self.state = State::Ready;
            }
            return None;
        }
        let exec_chain = matches!(self.frames.as_slice(), [] | [Frame::Child(_)]);
        if !exec_chain {
            return None;
        }
        match &mut self.state {
            State::Forever(Forever::Serving(s)) => s.kind.stop_code(),
            State::Forever(Forever::Opaque(_)) => Some(128 + 15),
            State::InChild => match self.frames.last_mut() {
                Some(Frame::Child(child)) => child.sigterm(now),
                _ => None,
            },
            _ => None,
        }
    }

    /// Runs everything due up to `until`: the main script and its background
    /// jobs, interleaved in time order.
    pub fn run(&mut self, until: SimTime, host: &mut Host) {
        self.run_ops = 0;
        self.run_until = until;
        loop {
            let main = self.main_wake();
            let job = self
                .jobs
                .iter()
                .enumerate()
                .filter_map(|(i, j)| j.next_wake().map(|t| (t, i)))
                .min();
            let next = match (main, job) {
                (None, None) => break,
                (Some(m), None) => m,
                (None, Some((j, _))) => j,
                (Some(m), Some((j, _))) => m.min(j),
            };
            if next > until {
                break;
            }
            match (main, job) {
                (m, Some((j, i))) if m.is_none_or(|m| j <= m) => {
                    let bound = m.map_or(until, |m| m.min(until));
                    let mut running = std::mem::replace(
                        &mut self.jobs[i],
                        Machine::exited(0, self.config.clone(), j),
                    );
                    running.run(bound, host);
                    self.absorb(&mut running);
                    if let State::Exited(_) = running.state {
                        self.last_job_exit = self.last_job_exit.max(running.clock);
                        self.jobs.remove(i);
                    } else {
                        self.jobs[i] = running;
                    }
                }
                _ => {
                    let bound = job.map_or(until, |(j, _)| j.min(until));
                    self.step_main(bound, host);
                }
            }
        }
    }

    /// Runs a machine that may not block (command substitutions, pipelines,
    /// exec probes run with `until`): sleeps take no time.
    fn run_instant(&mut self, host: &mut Host) {
        self.instant = true;
        self.run(SimTime(u64::MAX), host);
    }

    /// Moves this machine's output (and a child's) into this one.
    fn absorb(&mut self, other: &mut Machine) {
        self.log.append(&mut other.log);
        if !other.captured.is_empty() {
            let text = std::mem::take(&mut other.captured);
            self.push_capture(&text);
        }
    }

    fn step_main(&mut self, bound: SimTime, host: &mut Host) {
        loop {
            // A job started meanwhile may have to run first.
            let bound = self
                .jobs
                .iter()
                .filter_map(Machine::next_wake)
                .min()
                .map_or(bound, |j| j.min(bound));
            match &self.state {
                State::Sleeping(t) if self.run_ops >= RUN_BUDGET && *t <= self.run_until => {
                    // Too much work for one call: skip past its end.
                    self.state = State::Sleeping(self.run_until.plus(SimDuration(1)));
                    return;
                }
                State::Sleeping(t) if *t <= bound => {
                    self.clock = *t;
                    self.state = State::Ready;
                    self.ops = 0;
                }
                State::Sleeping(_) => return,
                State::Forever(Forever::Following { next_poll, .. }) if *next_poll <= bound => {
                    self.poll_followed(host);
                    continue;
                }
                State::WaitJobs => {
                    if self
                        .jobs
                        .iter()
                        .all(|j| matches!(j.state, State::Exited(_)))
                    {
                        self.clock = self.clock.max(self.last_job_exit);
                        self.state = State::Ready;
                        self.status = 0;
                    } else {
                        return;
                    }
                }
                State::InChild => {
                    if !matches!(self.frames.last(), Some(Frame::Child(_))) {
                        self.state = State::Ready;
                        continue;
                    }
                    let Some(Frame::Child(mut child)) = self.frames.pop() else {
                        continue;
                    };
                    child.run(bound, host);
                    self.absorb(&mut child);
                    match child.state {
                        State::Exited(code) => {
                            self.clock = self.clock.max(child.clock);
                            self.state = State::Ready;
                            self.finish_command(code);
                        }
                        _ => {
                            self.frames.push(Frame::Child(child));
                            return;
                        }
                    }
                }
                State::Ready => {}
                _ => return,
            }
            if self.term_pending {
                self.term_pending = false;
                if let Some(action) = self.traps.get("TERM").cloned() {
                    self.run_inline(&action);
                }
            }
            if self.ops >= SPIN_LIMIT {
                self.state = State::Spinning;
                return;
            }
            self.ops += 1;
            self.run_ops += 1;
            let Some(frame) = self.frames.pop() else {
                self.flush_partials();
                self.state = State::Exited(self.status);
                return;
            };
            self.exec_frame(frame, host);
        }
    }

    /// Runs a script text in this shell (trap actions).
    fn run_inline(&mut self, src: &str) {
        match parse(src) {
            Ok(program) if self.programs.len() < MAX_PROGRAMS => {
                let root = program.root;
                self.programs.push(Arc::new(program));
                self.frames.push(Frame::Exec(Loc {
                    p: self.programs.len() - 1,
                    n: root,
                }));
            }
            Ok(_) => {}
            Err(e) => self.write_err(&format!("sh: {e}\n")),
        }
    }

    fn node(&self, at: Loc) -> (Arc<Program>, NodeId) {
        (self.programs[at.p].clone(), at.n)
    }

    fn enter_cond(&mut self) {
        self.frames.push(Frame::EndCond);
        self.cond_depth += 1;
    }

    /// A command finished with `status`: `set -e` ends the shell on failure.
    fn finish_command(&mut self, status: i32) {
        self.status = status;
        if self.errexit && status != 0 && self.cond_depth == 0 {
            self.frames.clear();
        }
    }

    fn exec_frame(&mut self, frame: Frame, host: &mut Host) {
        match frame {
            Frame::Exec(at) => self.exec_node(at, host),
            Frame::Background(at) => {
                if self.instant || self.jobs.len() >= MAX_JOBS || self.depth >= MAX_DEPTH {
                    self.frames.push(Frame::Exec(at));
                } else {
                    let mut job = self.sub_machine(at, false);
                    job.fds.stdin = None;
                    self.jobs.push(job);
                    self.status = 0;
                }
            }
            Frame::AndOr { at, next } => {
                let (prog, n) = self.node(at);
                let Node::AndOr(_, rest) = &prog.nodes[n] else {
                    return;
                };
                for (i, (op, rhs)) in rest.iter().enumerate().skip(next) {
                    let run = match op {
                        AndOrOp::And => self.status == 0,
                        AndOrOp::Or => self.status != 0,
                    };
                    if run {
                        if i + 1 < rest.len() {
                            self.frames.push(Frame::AndOr { at, next: i + 1 });
                            self.enter_cond();
                        }
                        self.frames.push(Frame::Exec(Loc { p: at.p, n: *rhs }));
                        return;
                    }
                }
            }
            Frame::Negate => self.status = i32::from(self.status == 0),
            Frame::LoopTest { at, last } => {
                let (prog, n) = self.node(at);
                let Node::Loop { body, until, .. } = &prog.nodes[n] else {
                    return;
                };
                if (self.status == 0) != *until {
                    self.frames.push(Frame::LoopBody { at });
                    self.frames.push(Frame::Exec(Loc { p: at.p, n: *body }));
                } else {
                    self.status = last;
                }
            }
            Frame::LoopBody { at } => {
                let (prog, n) = self.node(at);
                let Node::Loop { cond, .. } = &prog.nodes[n] else {
                    return;
                };
                self.frames.push(Frame::LoopTest {
                    at,
                    last: self.status,
                });
                self.enter_cond();
                self.frames.push(Frame::Exec(Loc { p: at.p, n: *cond }));
            }
            Frame::ForNext { at, items, next } => {
                let (prog, n) = self.node(at);
                let Node::For { var, body, .. } = &prog.nodes[n] else {
                    return;
                };
                if next < items.len() {
                    self.vars.insert(var.clone(), items[next].clone());
                    self.frames.push(Frame::ForNext {
                        at,
                        items,
                        next: next + 1,
                    });
                    self.frames.push(Frame::Exec(Loc { p: at.p, n: *body }));
                } else if items.is_empty() {
                    self.status = 0;
                }
            }
            Frame::IfTest { at, branch } => {
                let (prog, n) = self.node(at);
                let Node::If {
                    branches,
                    otherwise,
                    ..
                } = &prog.nodes[n]
                else {
                    return;
                };
                if self.status == 0 {
                    self.frames.push(Frame::Exec(Loc {
                        p: at.p,
                        n: branches[branch].1,
                    }));
                } else if branch + 1 < branches.len() {
                    self.frames.push(Frame::IfTest {
                        at,
                        branch: branch + 1,
                    });
                    self.enter_cond();
                    self.frames.push(Frame::Exec(Loc {
                        p: at.p,
                        n: branches[branch + 1].0,
                    }));
                } else if let Some(other) = otherwise {
                    self.frames.push(Frame::Exec(Loc { p: at.p, n: *other }));
                } else {
                    self.status = 0;
                }
            }
            Frame::Restore(fds) => self.fds = fds,
            Frame::EndCond => self.cond_depth = self.cond_depth.saturating_sub(1),
            Frame::Child(child) => {
                self.frames.push(Frame::Child(child));
                self.state = State::InChild;
            }
        }
    }

    fn exec_node(&mut self, at: Loc, host: &mut Host) {
        let (prog, n) = self.node(at);
        let loc = |n: NodeId| Loc { p: at.p, n };
        match &prog.nodes[n] {
            Node::List(items) => {
                for (item, background) in items.iter().rev() {
                    self.frames.push(if *background {
                        Frame::Background(loc(*item))
                    } else {
                        Frame::Exec(loc(*item))
                    });
                }
            }
            Node::AndOr(first, rest) => {
                if !rest.is_empty() {
                    self.frames.push(Frame::AndOr { at, next: 0 });
                    self.enter_cond();
                }
                self.frames.push(Frame::Exec(loc(*first)));
            }
            Node::Pipeline { negate, commands } => {
                if commands.len() == 1 {
                    if *negate {
                        self.frames.push(Frame::Negate);
                        self.enter_cond();
                    }
                    self.frames.push(Frame::Exec(loc(commands[0])));
                    return;
                }
                self.pipeline(at.p, commands, *negate, host);
            }
            Node::Simple {
                assigns,
                words,
                redirects,
            } => self.simple(assigns, words, redirects, host),
            Node::Loop {
                cond, redirects, ..
            } => {
                if !self.open_redirects(redirects, host) {
                    return;
                }
                self.frames.push(Frame::LoopTest { at, last: 0 });
                self.enter_cond();
                self.frames.push(Frame::Exec(loc(*cond)));
            }
            Node::For {
                items, redirects, ..
            } => {
                if !self.open_redirects(redirects, host) {
                    return;
                }
                let values = match items {
                    Some(words) => match self.expand_words(words, host) {
                        Ok(v) => v,
                        Err(e) => return self.expansion_failed(e),
                    },
                    None => self.positional.iter().skip(1).cloned().collect(),
                };
                self.frames.push(Frame::ForNext {
                    at,
                    items: values,
                    next: 0,
                });
            }
            Node::If {
                branches,
                redirects,
                ..
            } => {
                if !self.open_redirects(redirects, host) {
                    return;
                }
                self.frames.push(Frame::IfTest { at, branch: 0 });
                self.enter_cond();
                self.frames.push(Frame::Exec(loc(branches[0].0)));
            }
            Node::Group {
                body,
                subshell,
                redirects,
            } => {
                if !self.open_redirects(redirects, host) {
                    return;
                }
                if *subshell && self.depth < MAX_DEPTH {
                    let child = self.sub_machine(loc(*body), self.instant);
                    self.frames.push(Frame::Child(Box::new(child)));
                    self.state = State::InChild;
                } else {
                    self.frames.push(Frame::Exec(loc(*body)));
                }
            }
        }
    }

    /// `a | b | c`: each command runs to its end in turn, its output the next one's input.
    fn pipeline(&mut self, p: usize, commands: &[NodeId], negate: bool, host: &mut Host) {
        let mut input = self.fds.stdin.clone();
        let last = commands.len() - 1;
        for (i, command) in commands.iter().enumerate() {
            let mut m = self.sub_machine(Loc { p, n: *command }, true);
            m.fds.stdin = input.take();
            if i < last {
                m.fds.out = Sink::Capture;
            }
            m.run_instant(host);
            let output = if i < last {
                std::mem::take(&mut m.captured)
            } else {
                String::new()
            };
            self.absorb(&mut m);
            match m.state {
                State::Exited(code) => {
                    if i == last {
                        let status = if negate { i32::from(code == 0) } else { code };
                        if negate {
                            self.status = status;
                        } else {
                            self.finish_command(status);
                        }
                    }
                }
                State::Spinning => {
                    self.state = State::Spinning;
                    return;
                }
                State::Forever(f) => {
                    self.state = State::Forever(f);
                    return;
                }
                _ => {
                    self.state = State::Forever(Forever::Idle);
                    return;
                }
            }
            input = Some(output);
        }
    }

    /// A copy of this shell running one node (subshells, jobs, substitutions).
    fn sub_machine(&self, at: Loc, instant: bool) -> Machine {
        Machine {
            programs: self.programs.clone(),
            config: self.config.clone(),
            frames: vec![Frame::Exec(at)],
            state: State::Ready,
            status: self.status,
            vars: self.vars.clone(),
            exported: self.exported.clone(),
            positional: self.positional.clone(),
            cwd: self.cwd.clone(),
            clock: self.clock,
            fds: self.fds.clone(),
            instant,
            depth: self.depth + 1,
            ops: 0,
            run_ops: 0,
            run_until: self.clock,
            cond_depth: 0,
            errexit: self.errexit,
            traps: BTreeMap::new(),
            term_pending: false,
            jobs: Vec::new(),
            last_job_exit: self.clock,
            log: Vec::new(),
            partial: [String::new(), String::new()],
            captured: String::new(),
        }
    }

    /// A new shell started by this one (`sh -c`, `sh FILE`): the exported
    /// environment, not the variables.
    fn child_shell(&self, src: &str, positional: Vec<String>) -> Option<Machine> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        let env: BTreeMap<String, String> = self
            .vars
            .iter()
            .filter(|(k, _)| self.exported.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect_map();
        let mut m = Machine::script(src, positional, &env, self.config.clone(), self.clock);
        m.depth = self.depth + 1;
        m.fds = self.fds.clone();
        m.cwd = self.cwd.clone();
        m.instant = self.instant;
        // An error printed while parsing went to the default log; send it where stderr goes now.
        let early = m.take_log();
        for line in early {
            m.write_err(&format!("{}\n", line.text));
        }
        Some(m)
    }

    /// An expansion failed: an error message, or a substitution that never ends.
    fn expansion_failed(&mut self, e: String) {
        if e == SPINNING {
            self.state = State::Spinning;
        } else if e == FOREVER {
            self.state = State::Forever(Forever::Idle);
        } else if e == OUT_OF_MEMORY {
            // busybox ash dies when xmalloc fails.
            self.write_err("sh: out of memory\n");
            self.flush_partials();
            self.frames.clear();
            self.state = State::Exited(1);
        } else {
            self.write_err(&format!("sh: {e}\n"));
            self.finish_command(2);
        }
    }

    fn simple(
        &mut self,
        assigns: &[(String, Word)],
        words: &[Word],
        redirects: &[Redirect],
        host: &mut Host,
    ) {
        let argv = match self.expand_words(words, host) {
            Ok(v) => v,
            Err(e) => return self.expansion_failed(e),
        };
        let mut values = Vec::new();
        for (name, word) in assigns {
            if word.is_empty() && name.ends_with("[]") {
                values.push((name.clone(), None));
                continue;
            }
            match self.expand_single(word, host) {
                Ok(v) => values.push((name.clone(), Some(v))),
                Err(e) => return self.expansion_failed(e),
            }
        }
        if argv.is_empty() {
            self.assign_all(values);
            let saved = self.fds.clone();
            let ok = self.apply_redirects(redirects, host);
            self.fds = saved;
            self.finish_command(if ok { self.status } else { 1 });
            return;
        }
        let saved = self.fds.clone();
        if !self.apply_redirects(redirects, host) {
            self.fds = saved;
            self.finish_command(1);
            return;
        }
        // `NAME=value command`: the variable for this command only.
        let previous: Vec<(String, Option<String>, bool)> = values
            .iter()
            .map(|(name, _)| {
                (
                    name.clone(),
                    self.vars.get(name).cloned(),
                    self.exported.contains(name),
                )
            })
            .collect();
        let values: Vec<(String, String)> = values
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
            .filter(|(name, _)| !name.ends_with("[]"))
            .collect();
        for (name, value) in values {
            self.vars.insert(name.clone(), value);
            self.exported.insert(name);
        }
        // `exec` without a command keeps its redirections for the rest of the script.
        let keep_fds = argv.len() == 1 && argv[0] == "exec";
        let outcome = self.command(argv, host);
        for (name, old, was_exported) in previous {
            match old {
                Some(v) => self.vars.insert(name.clone(), v),
                None => self.vars.remove(&name),
            };
            if !was_exported {
                self.exported.remove(&name);
            }
        }
        if !keep_fds {
            self.fds = saved;
        }
        self.apply_outcome(outcome);
    }

    fn apply_outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Status(status) => self.finish_command(status),
            Outcome::Sleep(d) => {
                self.status = 0;
                if !self.instant && d.0 > 0 {
                    self.state = State::Sleeping(self.clock.plus(d));
                }
            }
            Outcome::Forever(f) => self.state = State::Forever(f),
            Outcome::Exit(code) => {
                self.frames.clear();
                self.status = code;
            }
            Outcome::Spawn(child) => {
                self.frames.push(Frame::Child(child));
                self.state = State::InChild;
            }
            Outcome::Break(n) => self.unwind(n, false),
            Outcome::Continue(n) => self.unwind(n, true),
            Outcome::Wait => {
                self.status = 0;
                if !self.jobs.is_empty() {
                    self.state = State::WaitJobs;
                }
            }
            Outcome::Spin => self.state = State::Spinning,
        }
    }

    /// `break N` / `continue N`: leave (or restart) the Nth enclosing loop.
    fn unwind(&mut self, n: u32, again: bool) {
        let n = n.max(1);
        let mut seen = 0;
        let target = self.frames.iter().rposition(|f| {
            if matches!(f, Frame::LoopBody { .. } | Frame::ForNext { .. }) {
                seen += 1;
                seen == n
            } else {
                false
            }
        });
        // The innermost loop if there are fewer than N; outside loops it does nothing.
        let target = target.or_else(|| {
            self.frames
                .iter()
                .position(|f| matches!(f, Frame::LoopBody { .. } | Frame::ForNext { .. }))
        });
        let Some(target) = target else {
            self.status = 0;
            return;
        };
        while self.frames.len() > target + 1 {
            match self.frames.pop() {
                Some(Frame::Restore(fds)) => self.fds = fds,
                Some(Frame::EndCond) => self.cond_depth = self.cond_depth.saturating_sub(1),
                _ => {}
            }
        }
        self.status = 0;
        if !again {
            self.frames.pop();
        }
    }

    /// Redirections of a compound command, undone when it ends.
    fn open_redirects(&mut self, redirects: &[Redirect], host: &mut Host) -> bool {
        if redirects.is_empty() {
            return true;
        }
        let saved = self.fds.clone();
        if !self.apply_redirects(redirects, host) {
            self.fds = saved;
            self.finish_command(1);
            return false;
        }
        self.frames.push(Frame::Restore(saved));
        true
    }

    fn apply_redirects(&mut self, redirects: &[Redirect], host: &mut Host) -> bool {
        for r in redirects {
            let target = match self.expand_single(&r.target, host) {
                Ok(t) => t,
                Err(e) => {
                    self.write_err(&format!("sh: {e}\n"));
                    return false;
                }
            };
            match r.op {
                RedirOp::Dup => {
                    let sink = match target.as_str() {
                        "1" => self.fds.out.clone(),
                        "2" => self.fds.err.clone(),
                        "-" => Sink::Null,
                        _ => {
                            self.write_err(&format!("sh: {target}: bad file descriptor\n"));
                            return false;
                        }
                    };
                    match r.fd {
                        1 => self.fds.out = sink,
                        2 => self.fds.err = sink,
                        _ => {}
                    }
                }
                RedirOp::In => {
                    let path = normalize(&self.cwd, &target);
                    if path == "/dev/null" {
                        self.fds.stdin = Some(String::new());
                        continue;
                    }
                    match host.fs.read(host.view, &path) {
                        Ok(content) => self.fds.stdin = Some(content),
                        Err(e) => {
                            self.write_err(&format!("sh: can't open '{target}': {}\n", e.text()));
                            return false;
                        }
                    }
                }
                RedirOp::Out { append } => {
                    let path = normalize(&self.cwd, &target);
                    let sink = match path.as_str() {
                        "/dev/null" => Sink::Null,
                        "/dev/stdout" | "/proc/self/fd/1" => self.fds.out.clone(),
                        "/dev/stderr" | "/proc/self/fd/2" => self.fds.err.clone(),
                        // The container's own output, as logging sidecar tricks use.
                        "/proc/1/fd/1" => Sink::Log(Stream::Stdout),
                        "/proc/1/fd/2" => Sink::Log(Stream::Stderr),
                        _ => {
                            if let Err(e) = host.fs.write(host.view, &path, "", append) {
                                let why = match e {
                                    crate::runtime::fs::FsError::NotFound => {
                                        "nonexistent directory"
                                    }
                                    other => other.text(),
                                };
                                self.write_err(&format!("sh: can't create {target}: {why}\n"));
                                return false;
                            }
                            Sink::File(path)
                        }
                    };
                    match r.fd {
                        1 => self.fds.out = sink,
                        2 => self.fds.err = sink,
                        _ => {}
                    }
                }
            }
        }
        true
    }

    // ---- output ----

    fn push_capture(&mut self, text: &str) {
        let room = MAX_CAPTURE.saturating_sub(self.captured.len());
        let mut cut = text.len().min(room);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        self.captured.push_str(&text[..cut]);
    }

    fn write_to(&mut self, sink: Sink, text: &str, host: Option<&mut Host>) {
        match sink {
            Sink::Null => {}
            Sink::Capture => self.push_capture(text),
            Sink::File(path) => {
                if let Some(host) = host {
                    let _ = host.fs.write(host.view, &path, text, true);
                }
            }
            Sink::Log(stream) => {
                let i = stream as usize;
                for c in text.chars() {
                    if c == '\n' {
                        let line = std::mem::take(&mut self.partial[i]);
                        self.log.push(LogLine {
                            time: self.clock,
                            stream,
                            text: line,
                        });
                    } else if self.partial[i].len() < MAX_LINE {
                        self.partial[i].push(c);
                    }
                }
            }
        }
    }

    /// One poll of `tail -f`: prints what the file gained since the last one.
    fn poll_followed(&mut self, host: &mut Host) {
        let State::Forever(Forever::Following {
            path,
            offset,
            next_poll,
            present,
        }) = &self.state
        else {
            return;
        };
        let (path, mut offset, at, was_present) = (path.clone(), *offset, *next_poll, *present);
        self.clock = at;
        let content = host.fs.read(host.view, &path).ok();
        if let Some(content) = &content {
            if !was_present {
                // busybox tail's words when -F finds the file.
                self.write_err(&format!(
                    "tail: {path} has appeared; following end of new file\n"
                ));
                offset = 0;
            }
            match content.get(offset..) {
                Some(added) if !added.is_empty() => {
                    let added = added.to_string();
                    self.write_out(&added, host);
                    offset = content.len();
                }
                Some(_) => {}
                // Truncated or rewritten: follow from its new end.
                None => offset = content.len(),
            }
        }
        self.state = State::Forever(Forever::Following {
            path,
            offset,
            next_poll: at.plus(SimDuration::from_secs(1)),
            present: content.is_some(),
        });
    }

    fn write_out(&mut self, text: &str, host: &mut Host) {
        let sink = self.fds.out.clone();
        self.write_to(sink, text, Some(host));
    }

    fn write_err_host(&mut self, text: &str, host: &mut Host) {
        let sink = self.fds.err.clone();
        self.write_to(sink, text, Some(host));
    }

    /// Writes to stderr when no file system is at hand (a file target is skipped).
    fn write_err(&mut self, text: &str) {
        let sink = self.fds.err.clone();
        self.write_to(sink, text, None);
    }

    fn flush_partials(&mut self) {
        for (i, stream) in [Stream::Stdout, Stream::Stderr].into_iter().enumerate() {
            if !self.partial[i].is_empty() {
                let line = std::mem::take(&mut self.partial[i]);
                self.log.push(LogLine {
                    time: self.clock,
                    stream,
                    text: line,
                });
            }
        }
    }

    // ---- expansion ----

    fn param(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some("1".to_string()),
            "#" => Some(self.positional.len().saturating_sub(1).to_string()),
            "@" | "*" => Some(
                self.positional
                    .iter()
                    .skip(1)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "!" => (!self.jobs.is_empty()).then(|| (7 + self.jobs.len()).to_string()),
            "-" => Some(if self.errexit { "e" } else { "" }.to_string()),
            _ if name.chars().all(|c| c.is_ascii_digit()) => name
                .parse::<usize>()
                .ok()
                .and_then(|i| self.positional.get(i).cloned()),
            _ => self.vars.get(name).cloned(),
        }
    }

    /// How many elements the indexed array `name` has (a plain variable is one).
    fn array_len(&self, name: &str) -> usize {
        match self.vars.get(&element_var(name, "#")) {
            Some(n) => n.parse().unwrap_or(0),
            None => usize::from(self.vars.contains_key(name)),
        }
    }

    fn array_elements(&self, name: &str) -> Vec<String> {
        if !self.vars.contains_key(&element_var(name, "#")) {
            return self.vars.get(name).cloned().into_iter().collect();
        }
        (0..self.array_len(name))
            .filter_map(|i| self.vars.get(&element_var(name, &i.to_string())).cloned())
            .collect()
    }

    /// Sets variables in order: `name[]` with no value starts the indexed
    /// array `name` (bash's `name=(...)`), each later `name[]` appends to it.
    fn assign_all(&mut self, values: Vec<(String, Option<String>)>) {
        for (name, value) in values {
            match (name.strip_suffix("[]"), value) {
                (Some(array), None) => {
                    for i in 0..self.array_len(array) {
                        self.vars.remove(&element_var(array, &i.to_string()));
                    }
                    self.vars.insert(element_var(array, "#"), "0".into());
                    self.vars.remove(array);
                }
                (Some(array), Some(value)) => {
                    let i = self.array_len(array);
                    if i == 0 {
                        // `$name` is element 0.
                        self.vars.insert(array.to_string(), value.clone());
                    }
                    self.vars.insert(element_var(array, &i.to_string()), value);
                    self.vars
                        .insert(element_var(array, "#"), (i + 1).to_string());
                }
                (None, value) => {
                    self.vars.insert(name, value.unwrap_or_default());
                }
            }
        }
    }

    /// A command substitution's output, trailing newlines removed.
    fn command_substitution(&mut self, script: &str, host: &mut Host) -> Result<String, String> {
        let program = parse(script)?;
        if self.depth >= MAX_DEPTH || self.programs.len() >= MAX_PROGRAMS {
            return Err("too deeply nested".into());
        }
        let mut m = self.sub_machine(Loc { p: 0, n: 0 }, true);
        m.programs.push(Arc::new(program));
        let p = m.programs.len() - 1;
        let root = m.programs[p].root;
        m.frames = vec![Frame::Exec(Loc { p, n: root })];
        m.fds.out = Sink::Capture;
        m.run_instant(host);
        let output = std::mem::take(&mut m.captured);
        self.absorb(&mut m);
        match m.state {
            State::Exited(code) => self.status = code,
            // The command never ends: neither does the one waiting for its output.
            State::Spinning => return Err(SPINNING.into()),
            _ => return Err(FOREVER.into()),
        }
        Ok(output.trim_end_matches('\n').to_string())
    }

    /// Expands a word's parts into (text, splittable) pieces.
    fn expand_parts(
        &mut self,
        word: &Word,
        host: &mut Host,
    ) -> Result<Vec<(String, bool, bool)>, String> {
        // (text, quoted, from_expansion)
        let mut parts = Vec::new();
        for seg in word {
            match seg {
                Seg::Lit { text, quoted } => parts.push((text.clone(), *quoted, false)),
                Seg::Param { name, op, quoted } => {
                    let value = self.param(name);
                    let text = match op {
                        ParamOp::Plain => value.unwrap_or_default(),
                        ParamOp::Length => value.unwrap_or_default().chars().count().to_string(),
                        ParamOp::Default { word, colon } => {
                            let missing = value.as_ref().is_none_or(|v| *colon && v.is_empty());
                            if missing {
                                self.expand_single(word, host)?
                            } else {
                                value.unwrap_or_default()
                            }
                        }
                        ParamOp::Alternate { word, colon } => {
                            let present = value.as_ref().is_some_and(|v| !(*colon && v.is_empty()));
                            if present {
                                self.expand_single(word, host)?
                            } else {
                                String::new()
                            }
                        }
                        ParamOp::Element(index) => {
                            let expr = self.expand_single(index, host)?;
                            let i = self.arithmetic(&expr, host)?;
                            // A negative index counts from the end.
                            let i = if i < 0 {
                                self.array_len(name) as i64 + i
                            } else {
                                i
                            };
                            self.vars
                                .get(&element_var(name, &i.to_string()))
                                .cloned()
                                .unwrap_or_default()
                        }
                        ParamOp::Elements => self.array_elements(name).join(" "),
                        ParamOp::Count => self.array_len(name).to_string(),
                    };
                    if *quoted && name == "@" {
                        // "$@": one field per argument.
                        let args: Vec<String> = self.positional.iter().skip(1).cloned().collect();
                        for (i, a) in args.iter().enumerate() {
                            if i > 0 {
                                parts.push(("\u{0}".to_string(), false, true));
                            }
                            parts.push((a.clone(), true, true));
                        }
                        continue;
                    }
                    parts.push((text, *quoted, true));
                }
                Seg::CmdSub { script, quoted } => {
                    let out = self.command_substitution(script, host)?;
                    parts.push((out, *quoted, true));
                }
                Seg::Arith { expr, quoted } => {
                    let value = self.arithmetic(expr, host)?;
                    parts.push((value.to_string(), *quoted, true));
                }
            }
        }
        if parts.iter().map(|(text, _, _)| text.len()).sum::<usize>() > MAX_WORD_BYTES {
            return Err(OUT_OF_MEMORY.to_string());
        }
        Ok(parts)
    }

    /// A word as one string (assignments, redirection targets).
    fn expand_single(&mut self, word: &Word, host: &mut Host) -> Result<String, String> {
        Ok(self
            .expand_parts(word, host)?
            .into_iter()
            .map(|(t, _, _)| t.replace('\u{0}', " "))
            .collect())
    }

    /// Words into fields: unquoted expansions split on blanks, unquoted `*`
    /// and `?` matched against file names.
    fn expand_words(&mut self, words: &[Word], host: &mut Host) -> Result<Vec<String>, String> {
        let mut fields = Vec::new();
        for word in words {
            let parts = self.expand_parts(word, host)?;
            let mut current = String::new();
            let mut has = false;
            let mut glob = false;
            let push = |current: &mut String,
                        has: &mut bool,
                        glob: &mut bool,
                        fields: &mut Vec<(String, bool)>| {
                if *has {
                    fields.push((std::mem::take(current), *glob));
                }
                *has = false;
                *glob = false;
            };
            let mut word_fields: Vec<(String, bool)> = Vec::new();
            for (text, quoted, expansion) in parts {
                if text == "\u{0}" && expansion {
                    push(&mut current, &mut has, &mut glob, &mut word_fields);
                    continue;
                }
                if quoted {
                    current.push_str(&text);
                    has = true;
                } else if expansion {
                    let mut pieces = text.split([' ', '\t', '\n']).peekable();
                    let starts_blank = text.starts_with([' ', '\t', '\n']);
                    if starts_blank {
                        push(&mut current, &mut has, &mut glob, &mut word_fields);
                    }
                    while let Some(piece) = pieces.next() {
                        if !piece.is_empty() {
                            current.push_str(piece);
                            has = true;
                            glob |= piece.contains(['*', '?']);
                        }
                        if pieces.peek().is_some() && !piece.is_empty() {
                            push(&mut current, &mut has, &mut glob, &mut word_fields);
                        }
                    }
                } else {
                    current.push_str(&text);
                    has = true;
                    glob |= text.contains(['*', '?']);
                }
            }
            push(&mut current, &mut has, &mut glob, &mut word_fields);
            for (field, glob) in word_fields {
                if glob {
                    let matches = self.glob(&field, host);
                    if !matches.is_empty() {
                        fields.extend(matches);
                        continue;
                    }
                }
                fields.push(field);
            }
        }
        Ok(fields)
    }

    /// Matches a pattern with `*`/`?` in its last component.
    fn glob(&self, pattern: &str, host: &mut Host) -> Vec<String> {
        let (dir, name_pattern) = match pattern.rfind('/') {
            Some(i) => (&pattern[..i.max(1)], &pattern[i + 1..]),
            None => (".", pattern),
        };
        if dir.contains(['*', '?']) {
            return Vec::new();
        }
        let abs = normalize(&self.cwd, dir);
        let Ok(entries) = host.fs.list(host.view, &abs) else {
            return Vec::new();
        };
        entries
            .into_iter()
            .filter(|(name, _)| !name.starts_with('.') && wildcard(name_pattern, name))
            .map(|(name, _)| {
                if pattern.contains('/') {
                    format!("{}/{name}", if dir == "/" { "" } else { dir })
                } else {
                    name
                }
            })
            .collect()
    }

    fn arithmetic(&mut self, expr: &str, host: &mut Host) -> Result<i64, String> {
        // Expand $x and $(...) inside first, then evaluate with bare names as variables.
        let word = parse::parse_word_text(expr)?;
        let text = self.expand_single(&word, host)?;
        let vars = &self.vars;
        arith::eval(&text, &|name| {
            vars.get(name)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(0)
        })
        .map_err(|e| format!("arithmetic syntax error{e}"))
    }
}

/// Shell pattern matching with `*` and `?`.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

mod arith {
    //! `$((...))`: integers, + - * / %, comparisons, && ||, parentheses, names.

    pub fn eval(text: &str, var: &dyn Fn(&str) -> i64) -> Result<i64, String> {
        let tokens = tokenize(text)?;
        let mut p = P {
            t: tokens,
            i: 0,
            var,
            depth: 0,
        };
        let v = p.expr(0)?;
        if p.i != p.t.len() {
            return Err(String::new());
        }
        Ok(v)
    }

    #[derive(Clone, Debug, PartialEq)]
    enum T {
        Num(i64),
        Name(String),
        Op(&'static str),
    }

    fn tokenize(s: &str) -> Result<Vec<T>, String> {
        let c: Vec<char> = s.chars().collect();
        let mut i = 0;
        let mut out = Vec::new();
        while i < c.len() {
            let ch = c[i];
            if ch.is_whitespace() {
                i += 1;
            } else if ch.is_ascii_digit() {
                let start = i;
                while i < c.len() && c[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let text: String = c[start..i].iter().collect();
                let n = if let Some(hex) = text.strip_prefix("0x") {
                    i64::from_str_radix(hex, 16)
                } else {
                    text.parse::<i64>()
                };
                out.push(T::Num(n.map_err(|_| String::new())?));
            } else if ch.is_ascii_alphabetic() || ch == '_' {
                let start = i;
                while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                out.push(T::Name(c[start..i].iter().collect()));
            } else {
                let two: String = c[i..(i + 2).min(c.len())].iter().collect();
                let op = ["==", "!=", "<=", ">=", "&&", "||"]
                    .into_iter()
                    .find(|o| *o == two);
                if let Some(op) = op {
                    out.push(T::Op(op));
                    i += 2;
                    continue;
                }
                let op = match ch {
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    '%' => "%",
                    '<' => "<",
                    '>' => ">",
                    '(' => "(",
                    ')' => ")",
                    '!' => "!",
                    _ => return Err(String::new()),
                };
                out.push(T::Op(op));
                i += 1;
            }
        }
        Ok(out)
    }

    struct P<'a> {
        t: Vec<T>,
        i: usize,
        var: &'a dyn Fn(&str) -> i64,
        depth: u32,
    }

    fn prec(op: &str) -> Option<u8> {
        Some(match op {
            "||" => 1,
            "&&" => 2,
            "==" | "!=" => 3,
            "<" | ">" | "<=" | ">=" => 4,
            "+" | "-" => 5,
            "*" | "/" | "%" => 6,
            _ => return None,
        })
    }

    impl P<'_> {
        fn atom(&mut self) -> Result<i64, String> {
            self.depth += 1;
            if self.depth > 200 {
                return Err(String::new());
            }
            let t = self.t.get(self.i).cloned().ok_or_else(String::new)?;
            self.i += 1;
            let v = match t {
                T::Num(n) => n,
                T::Name(name) => (self.var)(&name),
                T::Op("-") => self.atom()?.wrapping_neg(),
                T::Op("+") => self.atom()?,
                T::Op("!") => i64::from(self.atom()? == 0),
                T::Op("(") => {
                    let v = self.expr(0)?;
                    if self.t.get(self.i) != Some(&T::Op(")")) {
                        return Err(String::new());
                    }
                    self.i += 1;
                    v
                }
                _ => return Err(String::new()),
            };
            self.depth -= 1;
            Ok(v)
        }

        fn expr(&mut self, min: u8) -> Result<i64, String> {
            let mut lhs = self.atom()?;
            while let Some(T::Op(op)) = self.t.get(self.i).cloned() {
                let Some(p) = prec(op) else { break };
                if p < min {
                    break;
                }
                self.i += 1;
                let rhs = self.expr(p + 1)?;
                lhs = match op {
                    "+" => lhs.wrapping_add(rhs),
                    "-" => lhs.wrapping_sub(rhs),
                    "*" => lhs.wrapping_mul(rhs),
                    "/" | "%" if rhs == 0 => return Err(": divide by zero".into()),
                    "/" => lhs.wrapping_div(rhs),
                    "%" => lhs.wrapping_rem(rhs),
                    "<" => i64::from(lhs < rhs),
                    ">" => i64::from(lhs > rhs),
                    "<=" => i64::from(lhs <= rhs),
                    ">=" => i64::from(lhs >= rhs),
                    "==" => i64::from(lhs == rhs),
                    "!=" => i64::from(lhs != rhs),
                    "&&" => i64::from(lhs != 0 && rhs != 0),
                    _ => i64::from(lhs != 0 || rhs != 0),
                };
            }
            Ok(lhs)
        }
    }
}

#[cfg(test)]
mod tests;
