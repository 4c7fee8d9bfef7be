//! Probe workers, one per container and probe type, as the kubelet's prober
//! manager runs them (pkg/kubelet/prober/worker.go): a ticker every
//! `periodSeconds` from the moment the pod is first synced; nothing during
//! `initialDelaySeconds` after the container started; liveness and
//! readiness wait for the startup probe; a result only changes after
//! `successThreshold`/`failureThreshold` equal outcomes in a row; after a
//! liveness or startup failure the worker holds until a new container
//! instance appears.

use k8s_openapi::api::core::v1::Probe;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::time::{SimDuration, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeType {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeType {
    /// probeType.String() as the Unhealthy events print it.
    pub fn title(self) -> &'static str {
        match self {
            ProbeType::Liveness => "Liveness",
            ProbeType::Readiness => "Readiness",
            ProbeType::Startup => "Startup",
        }
    }

    pub fn lower(self) -> &'static str {
        match self {
            ProbeType::Liveness => "liveness",
            ProbeType::Readiness => "readiness",
            ProbeType::Startup => "startup",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

/// What a probe does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Exec(Vec<String>),
    Http {
        scheme: String,
        port: IntOrString,
        path: String,
        host: Option<String>,
    },
    Tcp {
        port: IntOrString,
        host: Option<String>,
    },
    Grpc {
        port: i32,
    },
    /// A probe with no handler (refused by validation on a real cluster).
    Nothing,
}

/// A probe's fields with the API server's defaults (SetDefaults_Probe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSpec {
    pub action: Action,
    pub initial_delay_seconds: i32,
    pub period: SimDuration,
    pub timeout: SimDuration,
    pub success_threshold: i32,
    pub failure_threshold: i32,
    /// probe-level terminationGracePeriodSeconds (liveness and startup).
    pub termination_grace_period_seconds: Option<i64>,
}

impl ProbeSpec {
    pub fn of(probe: &Probe) -> ProbeSpec {
        let action = if let Some(exec) = &probe.exec {
            Action::Exec(exec.command.clone().unwrap_or_default())
        } else if let Some(http) = &probe.http_get {
            Action::Http {
                scheme: http.scheme.clone().unwrap_or_else(|| "HTTP".into()),
                port: http.port.clone(),
                path: http.path.clone().unwrap_or_default(),
                host: http.host.clone().filter(|h| !h.is_empty()),
            }
        } else if let Some(tcp) = &probe.tcp_socket {
            Action::Tcp {
                port: tcp.port.clone(),
                host: tcp.host.clone().filter(|h| !h.is_empty()),
            }
        } else if let Some(grpc) = &probe.grpc {
            Action::Grpc { port: grpc.port }
        } else {
            Action::Nothing
        };
        ProbeSpec {
            action,
            initial_delay_seconds: probe.initial_delay_seconds.unwrap_or(0).max(0),
            period: SimDuration::from_secs(probe.period_seconds.unwrap_or(10).max(1) as u64),
            timeout: SimDuration::from_secs(probe.timeout_seconds.unwrap_or(1).max(1) as u64),
            success_threshold: probe.success_threshold.unwrap_or(1).max(1),
            failure_threshold: probe.failure_threshold.unwrap_or(3).max(1),
            termination_grace_period_seconds: probe.termination_grace_period_seconds,
        }
    }
}

/// One probe worker.
#[derive(Clone, Debug)]
pub struct Worker {
    pub kind: ProbeType,
    pub spec: ProbeSpec,
    /// When the ticker fires next.
    pub next_tick: SimTime,
    /// The container instance the current result is about.
    instance: Option<u32>,
    /// The result manager's value for that instance (None: Unknown).
    pub result: Option<Outcome>,
    last_result: Option<Outcome>,
    result_run: i32,
    on_hold: bool,
}

impl Worker {
    /// A worker started when the pod was first synced: it probes at once,
    /// then every period.
    pub fn new(kind: ProbeType, spec: ProbeSpec, start: SimTime) -> Worker {
        Worker {
            kind,
            spec,
            next_tick: start,
            instance: None,
            result: None,
            last_result: None,
            result_run: 0,
            on_hold: false,
        }
    }

    fn initial_value(&self) -> Option<Outcome> {
        match self.kind {
            ProbeType::Readiness => Some(Outcome::Failure),
            ProbeType::Liveness => Some(Outcome::Success),
            ProbeType::Startup => None,
        }
    }

    /// The result manager's value for a container instance: a result about
    /// an older instance does not count (results are keyed by container ID).
    pub fn result_for(&self, instance: u32) -> Option<Outcome> {
        if self.instance == Some(instance) {
            self.result
        } else {
            self.initial_value()
        }
    }

    /// The tick after `now`'s, keeping the ticker's phase.
    pub fn advance_tick(&mut self, now: SimTime) {
        let period = self.spec.period.0.max(1);
        if self.next_tick <= now {
            let behind = now.0 - self.next_tick.0;
            self.next_tick = SimTime(self.next_tick.0 + (behind / period + 1) * period);
        }
    }

    /// Moves a tick left behind (while the container was not running) to
    /// the first one at or after `now`.
    pub fn catch_up(&mut self, now: SimTime) {
        let period = self.spec.period.0.max(1);
        if self.next_tick < now {
            let behind = now.0 - self.next_tick.0;
            self.next_tick = SimTime(self.next_tick.0 + behind.div_ceil(period) * period);
        }
    }

    /// The checks of doProbe before probing. `instance` is the current
    /// container instance (None before the first is created),
    /// `running_since` its start when running, `started` its Started flag.
    /// Returns whether to probe now.
    pub fn ready_to_probe(
        &mut self,
        instance: Option<u32>,
        running_since: Option<SimTime>,
        started: bool,
        now: SimTime,
    ) -> bool {
        let Some(id) = instance else {
            return false;
        };
        if self.instance != Some(id) {
            self.instance = Some(id);
            self.result = self.initial_value();
            self.on_hold = false;
        }
        if self.on_hold {
            return false;
        }
        let Some(since) = running_since else {
            self.result = Some(Outcome::Failure);
            return false;
        };
        // int32(time.Since(StartedAt).Seconds()) < InitialDelaySeconds
        if ((now.since(since).0 / 1000) as i64) < self.spec.initial_delay_seconds as i64 {
            return false;
        }
        if started {
            self.kind != ProbeType::Startup
        } else {
            self.kind == ProbeType::Startup
        }
    }

    /// Records one probe's outcome. Returns the new result when the
    /// threshold is reached (the result manager is set).
    pub fn record(&mut self, outcome: Outcome) -> Option<Outcome> {
        if self.last_result == Some(outcome) {
            self.result_run += 1;
        } else {
            self.last_result = Some(outcome);
            self.result_run = 1;
        }
        let below = match outcome {
            Outcome::Failure => self.result_run < self.spec.failure_threshold,
            Outcome::Success => self.result_run < self.spec.success_threshold,
        };
        if below {
            return None;
        }
        self.result = Some(outcome);
        if outcome == Outcome::Failure && self.kind != ProbeType::Readiness {
            // Hold until a new container instance: it will be restarted.
            self.on_hold = true;
            self.result_run = 0;
        }
        Some(outcome)
    }

    /// How many failures in a row so far (for the step log).
    pub fn failures_in_a_row(&self) -> i32 {
        if self.last_result == Some(Outcome::Failure) {
            self.result_run
        } else {
            0
        }
    }
}

/// Go's %q for a string: double-quoted with escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(delay: i32, period: u64, success: i32, failure: i32) -> ProbeSpec {
        ProbeSpec {
            action: Action::Nothing,
            initial_delay_seconds: delay,
            period: SimDuration::from_secs(period),
            timeout: SimDuration::from_secs(1),
            success_threshold: success,
            failure_threshold: failure,
            termination_grace_period_seconds: None,
        }
    }

    #[test]
    fn defaults_are_the_api_servers() {
        let p = ProbeSpec::of(&Probe::default());
        assert_eq!(p.initial_delay_seconds, 0);
        assert_eq!(p.period, SimDuration::from_secs(10));
        assert_eq!(p.timeout, SimDuration::from_secs(1));
        assert_eq!((p.success_threshold, p.failure_threshold), (1, 3));
    }

    #[test]
    fn thresholds_and_hold() {
        let mut w = Worker::new(ProbeType::Liveness, spec(5, 5, 1, 3), SimTime(0));
        let start = SimTime(1_000);
        assert!(
            !w.ready_to_probe(Some(1), Some(start), true, SimTime(5_999)),
            "initial delay"
        );
        assert_eq!(w.result, Some(Outcome::Success));
        assert!(w.ready_to_probe(Some(1), Some(start), true, SimTime(6_000)));
        assert_eq!(w.record(Outcome::Failure), None);
        assert_eq!(w.record(Outcome::Success), Some(Outcome::Success));
        assert_eq!(w.record(Outcome::Failure), None);
        assert_eq!(w.record(Outcome::Failure), None);
        assert_eq!(w.record(Outcome::Failure), Some(Outcome::Failure));
        assert!(
            !w.ready_to_probe(Some(1), Some(start), true, SimTime(20_000)),
            "on hold"
        );
        // A new instance resumes probing with the initial value.
        assert!(!w.ready_to_probe(Some(2), Some(SimTime(30_000)), true, SimTime(30_000)));
        assert_eq!(w.result, Some(Outcome::Success));
        assert!(w.ready_to_probe(Some(2), Some(SimTime(30_000)), true, SimTime(35_000)));
    }

    #[test]
    fn startup_gates_the_others() {
        let mut live = Worker::new(ProbeType::Liveness, spec(0, 10, 1, 3), SimTime(0));
        let mut startup = Worker::new(ProbeType::Startup, spec(0, 10, 1, 3), SimTime(0));
        assert!(!live.ready_to_probe(Some(1), Some(SimTime(0)), false, SimTime(10_000)));
        assert!(startup.ready_to_probe(Some(1), Some(SimTime(0)), false, SimTime(10_000)));
        assert!(live.ready_to_probe(Some(1), Some(SimTime(0)), true, SimTime(20_000)));
        assert!(!startup.ready_to_probe(Some(1), Some(SimTime(0)), true, SimTime(20_000)));
    }

    #[test]
    fn ticks_keep_their_phase() {
        let mut w = Worker::new(ProbeType::Readiness, spec(0, 10, 1, 3), SimTime(1_500));
        w.advance_tick(SimTime(1_500));
        assert_eq!(w.next_tick, SimTime(11_500));
        w.advance_tick(SimTime(45_000));
        assert_eq!(w.next_tick, SimTime(51_500));
    }

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("sh -c \"sleep 5\""), "\"sh -c \\\"sleep 5\\\"\"");
    }
}
