//! Node heartbeats, node failure and recovery, taint-based eviction and pod
//! GC, driven through the command language as a learner drives them.

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Node, Pod};
use kubeplay_engine::objects::MetaExt;
use kubeplay_engine::{MemoryFiles, SimConfig, SimTime, Simulation};

const WEB: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
";

fn cluster() -> (Simulation, MemoryFiles) {
    (
        Simulation::new(SimConfig::default()),
        MemoryFiles::new().with("web.yaml", WEB),
    )
}

fn run(sim: &mut Simulation, files: &MemoryFiles, line: &str) -> String {
    let out = sim.run_command(line, files);
    assert!(out.success, "{line} failed: {}", out.stderr);
    out.stdout
}

fn node<'a>(sim: &'a Simulation, name: &str) -> &'a Node {
    sim.api()
        .get_typed::<Node>(None, name)
        .unwrap_or_else(|| panic!("node {name} exists"))
}

fn condition(node: &Node, type_: &str) -> (String, Option<String>, SimTime) {
    let c = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == type_))
        .expect("condition exists");
    (
        c.status.clone(),
        c.reason.clone(),
        SimTime::from_k8s(c.last_heartbeat_time.as_ref().expect("heartbeat")),
    )
}

fn taints(node: &Node) -> Vec<String> {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .map(|ts| {
            ts.iter()
                .map(|t| format!("{}:{}", t.key, t.effect))
                .collect()
        })
        .unwrap_or_default()
}

fn pods(sim: &Simulation) -> Vec<&Pod> {
    sim.api().list_typed::<Pod>(Some("default"))
}

#[test]
fn leases_renew_every_ten_seconds_and_unchanged_status_is_posted_every_five_minutes() {
    let (mut sim, files) = cluster();
    let lease = |sim: &Simulation| {
        let l = sim
            .api()
            .get_typed::<Lease>(Some("kube-node-lease"), "node-1")
            .expect("node-1 has a lease")
            .clone();
        let spec = l.spec.clone().expect("lease spec");
        assert_eq!(spec.holder_identity.as_deref(), Some("node-1"));
        assert_eq!(spec.lease_duration_seconds, Some(40));
        assert_eq!(
            l.metadata
                .owner_references
                .as_ref()
                .map(|o| o[0].kind.clone()),
            Some("Node".to_string())
        );
        let renew = spec.renew_time.expect("renewed").0;
        SimTime::from_k8s(&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(renew))
    };
    assert_eq!(lease(&sim), SimTime(0));
    run(&mut sim, &files, "sim advance 35s");
    assert_eq!(lease(&sim), SimTime(30_000));
    // Nothing changed on the node: its status keeps its registration heartbeat...
    assert_eq!(condition(node(&sim, "node-1"), "Ready").2, SimTime(0));
    // ...and the heartbeats are not steps.
    assert_eq!(sim.steps().count(), 0);
    run(&mut sim, &files, "sim advance 5m");
    assert_eq!(condition(node(&sim, "node-1"), "Ready").2, SimTime(300_000));
    assert_eq!(
        sim.steps().count(),
        0,
        "routine heartbeats stay out of the log"
    );
    let out = run(&mut sim, &files, "sim step");
    assert!(out.contains("nothing to do"), "{out}");
}

#[test]
fn a_pulled_image_is_reported_in_node_status() {
    let (mut sim, files) = cluster();
    run(&mut sim, &files, "kubectl apply -f web.yaml");
    run(&mut sim, &files, "sim advance 15s");
    let images = node(&sim, "node-1")
        .status
        .as_ref()
        .and_then(|s| s.images.clone())
        .expect("images reported");
    assert_eq!(
        images[0].names.as_deref(),
        Some(&["docker.io/library/nginx:1.27".to_string()][..])
    );
    assert_eq!(images[0].size_bytes, Some(68_000_000));
    assert!(sim
        .steps()
        .any(|s| s.component == "kubelet/node-1" && s.summary.starts_with("posted node status")));
}

#[test]
fn a_failed_node_goes_unknown_then_its_pods_are_evicted_and_replaced() {
    let (mut sim, files) = cluster();
    run(&mut sim, &files, "kubectl apply -f web.yaml");
    run(&mut sim, &files, "sim advance 30s");
    run(&mut sim, &files, "sim node fail node-2");
    // 40s later the node is still Ready: the grace period is 50s.
    run(&mut sim, &files, "sim advance 40s");
    assert_eq!(condition(node(&sim, "node-2"), "Ready").0, "True");
    // `sim step` finds the next visible thing: the node going Unknown.
    let out = run(&mut sim, &files, "sim step");
    assert!(out.contains("set its conditions to Unknown"), "{out}");
    assert!(sim.now() > SimTime(80_000) && sim.now() <= SimTime(90_000));
    let (status, reason, _) = condition(node(&sim, "node-2"), "Ready");
    assert_eq!(
        (status.as_str(), reason.as_deref()),
        ("Unknown", Some("NodeStatusUnknown"))
    );
    let doomed: Vec<String> = pods(&sim)
        .iter()
        .filter(|p| kubeplay_engine::podutil::node_name(p) == Some("node-2"))
        .map(|p| p.metadata.name_str().to_string())
        .collect();
    assert_eq!(doomed.len(), 1);
    run(&mut sim, &files, "sim advance 10s");
    assert_eq!(
        taints(node(&sim, "node-2")),
        vec![
            "node.kubernetes.io/unreachable:NoSchedule",
            "node.kubernetes.io/unreachable:NoExecute"
        ]
    );
    // Evicted 300s after the NoExecute taint; Terminating for good, replaced elsewhere.
    run(&mut sim, &files, "sim advance 4m");
    assert!(pods(&sim).iter().all(|p| !p.metadata.is_deleting()));
    run(&mut sim, &files, "sim advance 70s");
    let all = pods(&sim);
    let old = all
        .iter()
        .find(|p| p.metadata.name_str() == doomed[0])
        .expect("the evicted pod stays: its kubelet is gone");
    assert!(old.metadata.is_deleting());
    let running_elsewhere = all
        .iter()
        .filter(|p| !p.metadata.is_deleting())
        .filter(|p| kubeplay_engine::podutil::is_ready(p))
        .filter(|p| kubeplay_engine::podutil::node_name(p) != Some("node-2"))
        .count();
    assert_eq!(running_elsewhere, 3);
    let events = run(&mut sim, &files, "kubectl get events");
    assert!(
        events.contains("Node node-2 status is now: NodeNotReady"),
        "{events}"
    );
    assert!(events.contains("Node is not ready"), "{events}");
    assert!(
        events.contains(&format!("Marking for deletion Pod default/{}", doomed[0])),
        "{events}"
    );
    // Recovery: Ready again, taints gone, the old pod finally removed.
    run(&mut sim, &files, "sim node recover node-2");
    run(&mut sim, &files, "sim advance 10s");
    assert_eq!(condition(node(&sim, "node-2"), "Ready").0, "True");
    assert!(taints(node(&sim, "node-2")).is_empty());
    assert!(pods(&sim)
        .iter()
        .all(|p| p.metadata.name_str() != doomed[0]));
    let out = run(&mut sim, &files, "sim step");
    assert!(out.contains("nothing to do"), "{out}");
}

#[test]
fn deleting_a_dead_node_lets_the_pod_gc_remove_its_pods() {
    let (mut sim, files) = cluster();
    run(&mut sim, &files, "kubectl apply -f web.yaml");
    run(&mut sim, &files, "sim advance 30s");
    run(&mut sim, &files, "sim node fail node-3");
    run(&mut sim, &files, "sim advance 7m");
    assert!(pods(&sim)
        .iter()
        .any(|p| kubeplay_engine::podutil::node_name(p) == Some("node-3")));
    run(&mut sim, &files, "kubectl delete node node-3");
    run(&mut sim, &files, "sim advance 90s");
    assert!(pods(&sim)
        .iter()
        .all(|p| kubeplay_engine::podutil::node_name(p) != Some("node-3")));
    assert!(sim
        .steps()
        .any(|s| s.summary.contains("its node node-3 no longer exists")));
    // The node's lease went with it (garbage collection by owner).
    assert!(sim
        .api()
        .get_typed::<Lease>(Some("kube-node-lease"), "node-3")
        .is_none());
}

#[test]
fn every_node_down_stops_evictions() {
    let (mut sim, files) = cluster();
    run(&mut sim, &files, "kubectl apply -f web.yaml");
    run(&mut sim, &files, "sim advance 30s");
    for name in ["control-plane", "node-1", "node-2", "node-3"] {
        run(&mut sim, &files, &format!("sim node fail {name}"));
    }
    run(&mut sim, &files, "sim advance 10m");
    for name in ["node-1", "node-2", "node-3"] {
        assert_eq!(condition(node(&sim, name), "Ready").0, "Unknown");
        assert!(
            !taints(node(&sim, name))
                .iter()
                .any(|t| t.ends_with("NoExecute")),
            "{name}: full disruption means no NoExecute taints"
        );
    }
    assert!(pods(&sim).iter().all(|p| !p.metadata.is_deleting()));
}

#[test]
fn bad_node_commands_are_errors_not_panics() {
    let (mut sim, files) = cluster();
    for line in [
        "sim node",
        "sim node add",
        "sim node add node-1",
        "sim node add -x",
        "sim node add n --cpu -1",
        "sim node add n --memory lots",
        "sim node add n --labels =x",
        "sim node add n --taints :NoSchedule",
        "sim node fail nope",
        "sim node fail node-1 node-2",
        "sim node recover node-1",
        "kubectl cordon",
        "kubectl drain node-1 --grace-period",
        "kubectl taint nodes node-1",
        "kubectl taint nodes node-1 =x:NoSchedule",
        "kubectl taint nodes node-1 a=b:NoSchedule a:NoSchedule-",
        "kubectl label nodes",
        "kubectl label nodes node-1",
        "kubectl label nodes/node-1 a=b c-d=e=f",
        "kubectl label frobs x a=b",
    ] {
        let out = sim.run_command(line, &files);
        assert!(!out.success, "{line} should fail");
        assert!(
            out.stderr.contains("error") || out.stderr.contains("Error"),
            "{line}: {}",
            out.stderr
        );
    }
}
