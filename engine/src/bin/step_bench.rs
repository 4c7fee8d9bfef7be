//! What one Step costs the engine in the browser's busiest case: 10 worker
//! nodes and a 200-replica Deployment coming up (the cluster of
//! tests/perf/perf.py), each step followed by the snapshot the cluster map
//! draws (`Simulation::view`); then, with the pods running, a second of
//! virtual time and its snapshot (what one tick of Play at 1× asks).
//!
//! ```sh
//! cargo build --release -p kubeplay-engine --bin step_bench
//! target/release/step_bench [--steps 300]
//! ```
//!
//! Wall-clock time is measured here, in the benchmark, never in the engine.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use kubeplay_engine::{MemoryFiles, SimConfig, SimDuration, Simulation};

/// The 200-replica Deployment tests/perf/perf.py applies in the browser.
const DEPLOYMENT: &str = include_str!("../../../tests/perf/many-pods.yaml");

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn main() -> ExitCode {
    let mut steps = 300usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--steps", Some(n)) => steps = n,
            _ => {
                eprintln!("usage: step_bench [--steps N]");
                return ExitCode::from(2);
            }
        }
    }
    let mut sim = Simulation::new(SimConfig {
        seed: 1,
        worker_nodes: 10,
    });
    let mut files = MemoryFiles::new();
    files.insert("many.yaml", DEPLOYMENT);
    let out = sim.run_command("kubectl apply -f many.yaml", &files);
    if !out.success {
        eprintln!("{}", out.stderr);
        return ExitCode::FAILURE;
    }
    sim.advance(SimDuration::from_secs(3));

    let (mut step_times, mut view_times) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        let t0 = Instant::now();
        if sim.step().is_none() {
            break;
        }
        let t1 = Instant::now();
        let view = sim.view();
        let t2 = Instant::now();
        std::hint::black_box(view);
        step_times.push(t1 - t0);
        view_times.push(t2 - t1);
    }
    // Then Play's work: a second of virtual time with 200 pods running, and its snapshot.
    sim.advance(SimDuration::from_secs(60));
    let mut advance_times = Vec::new();
    for _ in 0..30 {
        let t0 = Instant::now();
        sim.advance(SimDuration::from_secs(1));
        std::hint::black_box(sim.view());
        advance_times.push(t0.elapsed());
    }
    let pods: usize = sim.view().nodes.iter().map(|n| n.pods.len()).sum();
    println!(
        "{} steps at 10 nodes, {pods} pods bound, {} steps in the log",
        step_times.len(),
        sim.steps().count()
    );
    for (what, times) in [
        ("step", &mut step_times),
        ("view", &mut view_times),
        ("advance 1s + view", &mut advance_times),
    ] {
        times.sort();
        if times.is_empty() {
            continue;
        }
        println!(
            "  {what}: median {:?}, p90 {:?}, max {:?}",
            percentile(times, 0.5),
            percentile(times, 0.9),
            times[times.len() - 1]
        );
    }
    ExitCode::SUCCESS
}
