//! kubeplay's engine: a deterministic simulation of a Kubernetes cluster.
//!
//! No clock, no OS randomness, no web dependency: virtual time and a seed
//! make every run replayable, natively and in WebAssembly. See
//! ARCHITECTURE.md for the map.

pub mod apiserver;
pub mod command;
pub mod controllers;
pub mod cron;
pub mod dns;
pub mod etcdctl;
pub mod events;
pub mod files;
pub mod filters;
pub mod known_kinds;
pub mod kube_proxy;
pub mod kubectl;
pub mod kubelet;
pub mod labels;
pub mod lessons;
pub mod manifest;
pub mod objects;
pub mod podutil;
pub mod quantity;
pub mod rand;
pub mod registry;
pub mod rollout_history;
pub mod runtime;
pub mod samples;
pub mod scenario;
pub mod scheduler;
pub mod sha256;
pub mod sim;
pub mod sorting;
pub mod storage;
pub mod store;
pub mod time;
pub mod view;
pub mod yaml;

mod facade;

pub use facade::ApplyReport;
pub use files::{reads_files, FileSource, MemoryFiles, NoFiles};
pub use manifest::ManifestError;
pub use sim::{SimConfig, Simulation};
pub use time::{SimDuration, SimTime};
pub use view::{
    ClusterView, CommandOutput, NodeConditionView, NodeView, PodView, StepRecord, WriteRecord,
};
