//! A scenario: the seed, the cluster size, and every command the learner
//! ran with the virtual time it ran at (and the manifests it read). Because
//! the engine is deterministic, replaying a scenario rebuilds the cluster
//! exactly — which gives rewind to any earlier moment, a state that survives
//! a reload, and a link that recreates what someone else saw.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::files::MemoryFiles;
use crate::lessons::Session;
use crate::sim::{SimConfig, Simulation};
use crate::time::{SimDuration, SimTime};
use crate::view::CommandOutput;

/// The format version written into saved scenarios; older or newer ones are refused with a message.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Virtual time, in milliseconds, when the command ran.
    pub at_ms: u64,
    pub command: String,
    /// Manifests the command could read, by name (only those that changed since the last entry).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    pub seed: u64,
    pub workers: usize,
    pub entries: Vec<Entry>,
    /// Virtual time the learner had reached (after the last command).
    pub now_ms: u64,
}

impl Scenario {
    pub fn new(config: &SimConfig) -> Self {
        Scenario {
            version: FORMAT_VERSION,
            seed: config.seed,
            workers: config.worker_nodes,
            entries: Vec::new(),
            now_ms: 0,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("scenarios always serialize")
    }

    /// Reads a saved scenario, refusing anything this version cannot replay.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let scenario: Scenario = serde_json::from_str(text)
            .map_err(|e| format!("the saved scenario cannot be read: {e}"))?;
        if scenario.version != FORMAT_VERSION {
            return Err(format!(
                "the saved scenario was written by another version of kubeplay (format {}, this one reads {FORMAT_VERSION})",
                scenario.version
            ));
        }
        if scenario.workers > 100 {
            return Err(format!(
                "the saved scenario asks for {} worker nodes; the browser playground allows 100",
                scenario.workers
            ));
        }
        Ok(scenario)
    }
}

/// A session that records what it does, so it can be replayed.
pub struct Recorder {
    pub session: Session,
    pub scenario: Scenario,
    files: MemoryFiles,
    /// The file contents as last recorded, to store only changes.
    recorded_files: BTreeMap<String, String>,
}

impl Recorder {
    pub fn new(config: SimConfig) -> Self {
        Recorder {
            scenario: Scenario::new(&config),
            session: Session::new(Simulation::new(config)),
            files: MemoryFiles::new(),
            recorded_files: BTreeMap::new(),
        }
    }

    pub fn sim(&self) -> &Simulation {
        &self.session.sim
    }

    /// Makes a manifest readable by `kubectl apply -f NAME`.
    pub fn set_file(&mut self, name: &str, text: &str) {
        self.files.insert(name, text);
    }

    /// Runs and records a command (`sim step` and `sim advance` included: they are commands too).
    pub fn run(&mut self, line: &str) -> CommandOutput {
        let at_ms = self.session.sim.now().0;
        let mut changed = BTreeMap::new();
        for (name, text) in self.files.iter() {
            if self.recorded_files.get(name) != Some(text) {
                changed.insert(name.clone(), text.clone());
            }
        }
        let uses_files = crate::files::reads_files(line);
        if uses_files {
            self.recorded_files.extend(changed.clone());
        }
        let output = self.session.run(line, &self.files);
        self.scenario.entries.push(Entry {
            at_ms,
            command: line.to_string(),
            files: if uses_files { changed } else { BTreeMap::new() },
        });
        self.scenario.now_ms = self.session.sim.now().0;
        output
    }

    /// Rebuilds a recorder by replaying a scenario: all of it, or the cluster
    /// as it was at `until` (commands typed at that very moment not yet run).
    pub fn replay(scenario: &Scenario, until: Option<SimTime>) -> Recorder {
        let config = SimConfig {
            seed: scenario.seed,
            worker_nodes: scenario.workers,
        };
        let mut recorder = Recorder::new(config);
        // Rewinding to a moment shows the cluster before the commands typed at that moment.
        let (until, include_boundary) = match until {
            Some(t) => (t, false),
            None => (SimTime(scenario.now_ms), true),
        };
        for entry in &scenario.entries {
            if entry.at_ms > until.0 || (entry.at_ms == until.0 && !include_boundary) {
                break;
            }
            // Time between commands passes as it did (a command may itself move time).
            let now = recorder.session.sim.now();
            if SimTime(entry.at_ms) > now {
                recorder
                    .session
                    .sim
                    .advance(SimDuration(entry.at_ms - now.0));
            }
            for (name, text) in &entry.files {
                recorder.set_file(name, text);
            }
            recorder.run(&entry.command);
            if recorder.session.sim.now() > until {
                // A time-moving command crossed the target: replay cannot stop mid-command.
                break;
            }
        }
        let now = recorder.session.sim.now();
        if until > now {
            recorder.session.sim.advance(SimDuration(until.0 - now.0));
        }
        recorder.scenario.now_ms = recorder.session.sim.now().0;
        recorder
    }

    /// Records that time passed without a command (the UI's Advance and Step buttons use `run`).
    pub fn sync_time(&mut self) {
        self.scenario.now_ms = self.session.sim.now().0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::SAMPLE_DEPLOYMENT;

    fn pods(recorder: &mut Recorder) -> String {
        recorder
            .session
            .sim
            .run_command("kubectl get pods -o wide", &MemoryFiles::new())
            .stdout
    }

    #[test]
    fn replay_rebuilds_the_same_cluster() {
        let mut rec = Recorder::new(SimConfig::default());
        rec.set_file("manifest.yaml", SAMPLE_DEPLOYMENT);
        assert!(rec.run("kubectl apply -f manifest.yaml").success);
        rec.run("sim advance 30s");
        rec.run("kubectl scale deployment web --replicas=5");
        rec.run("sim advance 30s");
        let json = rec.scenario.to_json();
        let mut again = Recorder::replay(&Scenario::from_json(&json).unwrap(), None);
        assert_eq!(pods(&mut again), pods(&mut rec));
        assert_eq!(again.sim().now(), rec.sim().now());
    }

    #[test]
    fn rewind_goes_back_to_an_earlier_moment() {
        let mut rec = Recorder::new(SimConfig::default());
        rec.set_file("manifest.yaml", SAMPLE_DEPLOYMENT);
        rec.run("kubectl apply -f manifest.yaml");
        rec.run("sim advance 30s");
        let at_30s = pods(&mut rec);
        rec.run("kubectl delete deployment web");
        rec.run("sim advance 30s");
        let mut back = Recorder::replay(&rec.scenario, Some(SimTime(30_000)));
        assert_eq!(pods(&mut back), at_30s);
    }

    #[test]
    fn broken_or_foreign_scenarios_are_refused() {
        assert!(Scenario::from_json("{not json").is_err());
        let mut s = Scenario::new(&SimConfig::default());
        s.version = 99;
        assert!(Scenario::from_json(&s.to_json())
            .unwrap_err()
            .contains("another version"));
    }
}
