//! Scheduler throughput benchmark, the shape of kube-scheduler's
//! scheduler_perf "SchedulingBasic" 5000Nodes_10000Pods test: pods with
//! small requests created straight through the API server (no controllers),
//! then scheduled until every one is bound.
//!
//! ```sh
//! cargo build --release -p kubeplay-engine --bin scheduler_bench
//! /usr/bin/time -v target/release/scheduler_bench [--nodes 5000] [--pods 10000] [--engine]
//! ```
//!
//! Without `--engine` it runs what scheduler_perf runs: the API server (with
//! its store, admission, events) and the scheduler, fed the same watch
//! events the simulation gives it; nodes are registered as kubelets register
//! them, and no kubelet runs. With `--engine` it runs the whole
//! `Simulation` (`kubeplay --nodes N`): pods come in through `kubectl
//! apply`, and steps run until every pod is bound, kubelets included.
//!
//! Wall-clock time is measured here, in the benchmark, never in the engine.

use std::process::ExitCode;
use std::time::Instant;

use k8s_openapi::api::core::v1::{Container, ContainerPort, Pod, PodSpec, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubeplay_engine::apiserver::ApiServer;
use kubeplay_engine::events::EventRecorder;
use kubeplay_engine::kubelet::{self, Kubelet};
use kubeplay_engine::objects::Object;
use kubeplay_engine::scheduler::{Outcome, Scheduler};
use kubeplay_engine::{MemoryFiles, SimConfig, SimTime, Simulation};

const USAGE: &str = "usage: scheduler_bench [--nodes N] [--pods N] [--engine]";

struct Options {
    nodes: usize,
    pods: usize,
    engine: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        nodes: 5000,
        pods: 10_000,
        engine: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            let value = args
                .next()
                .ok_or_else(|| format!("{name} needs a number"))?;
            value
                .parse()
                .map_err(|_| format!("{name} needs a number, not {value:?}"))
        };
        match arg.as_str() {
            "--nodes" => options.nodes = number("--nodes")?,
            "--pods" => options.pods = number("--pods")?,
            "--engine" => options.engine = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.nodes > 5000 {
        return Err("--nodes is limited to 5000, as for kubeplay".into());
    }
    Ok(options)
}

/// scheduler_perf's templates/pod-default.yaml: a pause container with
/// 100m cpu and 500Mi memory.
fn pod(index: usize) -> Pod {
    let resources: std::collections::BTreeMap<String, Quantity> = [
        ("cpu".to_string(), Quantity("100m".into())),
        ("memory".to_string(), Quantity("500Mi".into())),
    ]
    .into();
    Pod {
        metadata: ObjectMeta {
            name: Some(format!("pod-{index}")),
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "pause".into(),
                image: Some("registry.k8s.io/pause:3.10".into()),
                ports: Some(vec![ContainerPort {
                    container_port: 80,
                    ..ContainerPort::default()
                }]),
                resources: Some(ResourceRequirements {
                    requests: Some(resources.clone()),
                    limits: Some(resources),
                    ..ResourceRequirements::default()
                }),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        status: None,
    }
}

/// CPU time this thread has run, in seconds (/proc/thread-self/schedstat),
/// so that other processes on a busy machine do not count against it.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

/// Minor page faults so far (/proc/self/stat, field 10).
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split_whitespace().nth(7)?.parse().ok()
}

/// The peak resident set size so far, from /proc/self/status (VmHWM).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// API server + scheduler, as scheduler_perf runs them.
fn run_scheduler(options: &Options) -> Result<(), String> {
    let now = SimTime(0);
    let mut api = ApiServer::new(1);
    api.set_pod_limit(usize::MAX);
    let mut recorder = EventRecorder::default();
    let mut scheduler = Scheduler::default();
    let deliver = |api: &mut ApiServer, scheduler: &mut Scheduler| {
        for event in api.take_watch_events() {
            scheduler.on_watch(&event, now);
        }
        api.take_writes();
    };
    let setup = Instant::now();
    let namespace = k8s_openapi::api::core::v1::Namespace {
        metadata: ObjectMeta {
            name: Some("default".into()),
            ..ObjectMeta::default()
        },
        ..Default::default()
    };
    api.create(now, Object::Namespace(namespace))
        .map_err(|e| e.to_string())?;
    for spec in kubelet::default_node_specs(options.nodes) {
        kubelet::register(&mut api, &Kubelet::new(spec), now).map_err(|e| e.to_string())?;
    }
    deliver(&mut api, &mut scheduler);
    let nodes_ready = setup.elapsed();
    let create = Instant::now();
    for i in 0..options.pods {
        api.create(now, Object::Pod(pod(i)))
            .map_err(|e| e.to_string())?;
    }
    deliver(&mut api, &mut scheduler);
    let created = create.elapsed();
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let faults_start = minor_faults();
    let mut bound = 0usize;
    let mut unschedulable = 0usize;
    while let Some(outcome) = scheduler.schedule_one(&mut api, &mut recorder, now) {
        match outcome {
            Outcome::Bound { .. } => bound += 1,
            Outcome::Unschedulable { .. } => unschedulable += 1,
            Outcome::Skipped { .. } => {}
        }
        deliver(&mut api, &mut scheduler);
    }
    let elapsed = start.elapsed();
    let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    let faults = minor_faults()
        .zip(faults_start)
        .map(|(end, start)| end - start);
    eprintln!("page faults while scheduling: {faults:?}");
    println!(
        "mode: scheduler (API server + scheduler, like scheduler_perf)\n\
         nodes: {} ({} workers + control plane), pods: {}\n\
         setup: nodes registered in {:.3}s, pods created in {:.3}s\n\
         scheduling: {bound} bound, {unschedulable} unschedulable in {:.3}s = {:.0} pods/s \
         (on-CPU {:.3}s = {:.0} pods per CPU second)\n\
         peak memory (VmHWM): {:.1} MiB",
        scheduler.node_count(),
        options.nodes,
        options.pods,
        nodes_ready.as_secs_f64(),
        created.as_secs_f64(),
        elapsed.as_secs_f64(),
        bound as f64 / elapsed.as_secs_f64(),
        cpu.unwrap_or(f64::NAN),
        bound as f64 / cpu.unwrap_or(f64::NAN),
        peak_rss_mib().unwrap_or(f64::NAN),
    );
    // Tearing down millions of objects is not part of the measurement.
    std::mem::forget(api);
    std::mem::forget(scheduler);
    if bound != options.pods {
        return Err(format!("only {bound} of {} pods were bound", options.pods));
    }
    Ok(())
}

/// The whole simulation, as `kubeplay --nodes N` runs it.
fn run_engine(options: &Options) -> Result<(), String> {
    let setup = Instant::now();
    let mut sim = Simulation::new(SimConfig {
        seed: 1,
        worker_nodes: options.nodes,
    });
    sim.set_pod_limit(usize::MAX);
    let booted = setup.elapsed();
    let mut manifest = String::new();
    for i in 0..options.pods {
        let value = serde_json::to_value(pod(i)).map_err(|e| e.to_string())?;
        let yaml = kubeplay_engine::kubectl::yaml::to_yaml(&value);
        manifest.push_str("apiVersion: v1\nkind: Pod\n");
        manifest.push_str(&yaml);
        manifest.push_str("---\n");
    }
    let files = MemoryFiles::new().with("pods.yaml", &manifest);
    let create = Instant::now();
    let output = sim.run_command("kubectl apply -f pods.yaml", &files);
    if !output.success {
        return Err(output.stderr);
    }
    let created = create.elapsed();
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let mut steps = 0usize;
    while sim.scheduler().placed_pod_count() < options.pods {
        if sim.step().is_none() {
            break;
        }
        steps += 1;
    }
    let elapsed = start.elapsed();
    let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    let bound = sim.scheduler().placed_pod_count();
    println!(
        "mode: engine (the whole Simulation, kubelets and controllers included)\n\
         nodes: {} ({} workers + control plane), pods: {}\n\
         setup: cluster booted in {:.3}s, pods applied in {:.3}s\n\
         scheduling: {bound} bound in {steps} steps, {:.3}s = {:.0} pods/s (on-CPU {:.3}s; \
         virtual time {})\n\
         peak memory (VmHWM): {:.1} MiB",
        sim.scheduler().node_count(),
        options.nodes,
        options.pods,
        booted.as_secs_f64(),
        created.as_secs_f64(),
        elapsed.as_secs_f64(),
        bound as f64 / elapsed.as_secs_f64(),
        cpu.unwrap_or(f64::NAN),
        sim.now(),
        peak_rss_mib().unwrap_or(f64::NAN),
    );
    std::mem::forget(sim);
    if bound != options.pods {
        return Err(format!("only {bound} of {} pods were bound", options.pods));
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("scheduler_bench: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = if options.engine {
        run_engine(&options)
    } else {
        run_scheduler(&options)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scheduler_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
