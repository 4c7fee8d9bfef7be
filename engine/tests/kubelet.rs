//! The kubelet's behaviour through the public API, with exact virtual
//! times: crash back-off, probes, init containers, image pull back-off,
//! restart policies and graceful termination. Times are relative to when the
//! container first started, so they hold whatever the control plane's
//! reaction delays are.

use k8s_openapi::api::core::v1::{ContainerStateTerminated, ContainerStatus, Event, Pod};
use kubeplay_engine::objects::{Kind, ObjectRef};
use kubeplay_engine::{SimConfig, SimDuration, SimTime, Simulation};

fn sim() -> Simulation {
    Simulation::new(SimConfig::default())
}

fn apply(sim: &mut Simulation, yaml: &str) {
    sim.apply_yaml("test.yaml", yaml).expect("manifest applies");
}

fn pod(sim: &Simulation, name: &str) -> Pod {
    sim.api()
        .get_typed::<Pod>(Some("default"), name)
        .cloned()
        .unwrap_or_else(|| panic!("pod {name} exists"))
}

/// The first container's status (a blank one before the kubelet wrote any).
fn status(sim: &Simulation, name: &str) -> ContainerStatus {
    pod(sim, name)
        .status
        .and_then(|s| s.container_statuses)
        .and_then(|c| c.into_iter().next())
        .unwrap_or_default()
}

/// How the first container's previous instance ended.
fn last_terminated(sim: &Simulation, name: &str) -> ContainerStateTerminated {
    status(sim, name)
        .last_state
        .and_then(|l| l.terminated)
        .expect("last state")
}

fn init_status(sim: &Simulation, name: &str, i: usize) -> ContainerStatus {
    pod(sim, name)
        .status
        .and_then(|s| s.init_container_statuses)
        .and_then(|c| c.into_iter().nth(i))
        .unwrap_or_default()
}

fn phase(sim: &Simulation, name: &str) -> String {
    pod(sim, name)
        .status
        .and_then(|s| s.phase)
        .unwrap_or_default()
}

fn condition(sim: &Simulation, name: &str, type_: &str) -> String {
    pod(sim, name)
        .status
        .and_then(|s| s.conditions)
        .and_then(|c| c.into_iter().find(|c| c.type_ == type_))
        .map(|c| c.status)
        .unwrap_or_default()
}

/// (reason, message, count) of the pod's events.
fn events(sim: &Simulation, name: &str) -> Vec<(String, String, i32)> {
    sim.api()
        .list_typed::<Event>(Some("default"))
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .map(|e| {
            (
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default(),
                e.count.unwrap_or(1),
            )
        })
        .collect()
}

fn event_count(sim: &Simulation, name: &str, reason: &str) -> i32 {
    events(sim, name)
        .iter()
        .filter(|e| e.0 == reason)
        .map(|e| e.2)
        .sum()
}

/// Runs until `pred` holds (checking every 100 ms), up to `limit`; returns when.
fn run_until(
    sim: &mut Simulation,
    limit: SimDuration,
    pred: impl Fn(&Simulation) -> bool,
) -> SimTime {
    let end = sim.now().plus(limit);
    while sim.now() < end {
        if pred(sim) {
            return sim.now();
        }
        sim.advance(SimDuration::from_millis(100));
    }
    panic!("condition not reached within {limit:?}");
}

fn started_at(sim: &Simulation, name: &str) -> SimTime {
    let s = status(sim, name);
    let t = s
        .state
        .and_then(|st| st.running)
        .and_then(|r| r.started_at)
        .expect("running");
    SimTime::from_k8s(&t)
}

fn secs_between(a: SimTime, b: SimTime) -> f64 {
    b.since(a).as_millis() as f64 / 1000.0
}

#[test]
fn crash_loop_back_off_doubles_from_ten_seconds() {
    let mut sim = sim();
    apply(
        &mut sim,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: crasher\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"exit 1\"]\n",
    );
    run_until(&mut sim, SimDuration::from_secs(10), |s| {
        status(s, "crasher")
            .state
            .is_some_and(|st| st.terminated.is_some())
    });
    // The restarts, observed as restartCount changes.
    let first_exit = sim.now();
    let mut restarts = Vec::new();
    let mut last = 0;
    while restarts.len() < 7 {
        sim.advance(SimDuration::from_millis(100));
        let count = status(&sim, "crasher").restart_count;
        if count != last {
            last = count;
            restarts.push(secs_between(first_exit, sim.now()).round() as i64);
        }
        assert!(sim.now().0 < 2_000_000, "restarts stalled at {restarts:?}");
    }
    // Exit at 0; restart 1 a PLEG relist later; then each exit waits the
    // back-off (10, 20, 40, 80, 160, 300 s) plus the relist.
    assert_eq!(restarts, vec![1, 12, 33, 74, 155, 316, 617]);
    let s = status(&sim, "crasher");
    let uid = pod(&sim, "crasher").metadata.uid.unwrap_or_default();
    sim.advance(SimDuration::from_secs(2));
    let waiting = status(&sim, "crasher")
        .state
        .and_then(|st| st.waiting)
        .expect("waiting");
    assert_eq!(waiting.reason.as_deref(), Some("CrashLoopBackOff"));
    assert_eq!(
        waiting.message.as_deref(),
        Some(
            format!("back-off 5m0s restarting failed container=app pod=crasher_default({uid})")
                .as_str()
        )
    );
    let last_state = s.last_state.and_then(|l| l.terminated).expect("last state");
    assert_eq!(
        (last_state.exit_code, last_state.reason.as_deref()),
        (1, Some("Error"))
    );
    assert!(events(&sim, "crasher").iter().any(|e| e.0 == "BackOff"
        && e.1
            == format!("Back-off restarting failed container app in pod crasher_default({uid})")));
    assert_eq!(phase(&sim, "crasher"), "Running");
}

#[test]
fn exec_liveness_example_restarts_after_its_grace_period() {
    let mut sim = sim();
    apply(
        &mut sim,
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/scenarios/exec-liveness/exec-liveness.yaml"
        ))
        .expect("manifest"),
    );
    run_until(&mut sim, SimDuration::from_secs(10), |s| {
        status(s, "liveness-exec")
            .state
            .is_some_and(|st| st.running.is_some())
    });
    let start = started_at(&sim, "liveness-exec");
    let killed = run_until(&mut sim, SimDuration::from_secs(60), |s| {
        event_count(s, "liveness-exec", "Killing") > 0
    });
    // /tmp/healthy goes at 30 s; three failed probes 5 s apart: killed at 40-45 s.
    let k = secs_between(start, killed);
    assert!((40.0..=46.0).contains(&k), "killed {k}s after start");
    assert_eq!(event_count(&sim, "liveness-exec", "Unhealthy"), 3);
    assert!(events(&sim, "liveness-exec").contains(&(
        "Unhealthy".into(),
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n".into(),
        3
    )));
    assert!(events(&sim, "liveness-exec").contains(&(
        "Killing".into(),
        "Container liveness failed liveness probe, will be restarted".into(),
        1
    )));
    // sh as PID 1 ignores SIGTERM: SIGKILL when the 30 s grace period ends.
    let restarted = run_until(&mut sim, SimDuration::from_secs(60), |s| {
        status(s, "liveness-exec").restart_count == 1
    });
    let r = secs_between(killed, restarted);
    assert!((29.9..=30.2).contains(&r), "restarted {r}s after the kill");
    let last = last_terminated(&sim, "liveness-exec");
    assert_eq!(last.exit_code, 137);
}

#[test]
fn readiness_gates_ready_and_startup_gates_liveness() {
    let mut sim = sim();
    apply(
        &mut sim,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: slow
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "sleep 12; touch /tmp/started; sleep 10; touch /tmp/ready; sleep 3600"]
    startupProbe:
      exec:
        command: ["cat", "/tmp/started"]
      periodSeconds: 2
      failureThreshold: 10
    livenessProbe:
      exec:
        command: ["cat", "/tmp/started"]
      periodSeconds: 3
    readinessProbe:
      exec:
        command: ["cat", "/tmp/ready"]
      periodSeconds: 5
"#,
    );
    run_until(&mut sim, SimDuration::from_secs(10), |s| {
        status(s, "slow")
            .state
            .is_some_and(|st| st.running.is_some())
    });
    let start = started_at(&sim, "slow");
    let started = run_until(&mut sim, SimDuration::from_secs(30), |s| {
        status(s, "slow").started == Some(true)
    });
    let t = secs_between(start, started);
    assert!((12.0..=14.1).contains(&t), "started after {t}s");
    assert_eq!(condition(&sim, "slow", "Ready"), "False");
    // The startup probe's failures before the file are events, not a kill.
    assert!(event_count(&sim, "slow", "Unhealthy") >= 5);
    assert_eq!(event_count(&sim, "slow", "Killing"), 0);
    let ready = run_until(&mut sim, SimDuration::from_secs(30), |s| {
        condition(s, "slow", "Ready") == "True"
    });
    let t = secs_between(start, ready);
    assert!((22.0..=27.1).contains(&t), "ready after {t}s");
    assert!(status(&sim, "slow").ready);
    // Liveness never failed: the startup probe held it back.
    assert!(!events(&sim, "slow")
        .iter()
        .any(|e| e.1.starts_with("Liveness")));
}

#[test]
fn failing_startup_probe_kills_the_container() {
    let mut sim = sim();
    apply(
        &mut sim,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: never-starts
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: web
    image: nginx:1.27
    startupProbe:
      httpGet:
        path: /
        port: 8080
      periodSeconds: 2
      failureThreshold: 3
"#,
    );
    run_until(&mut sim, SimDuration::from_secs(30), |s| {
        event_count(s, "never-starts", "Killing") > 0
    });
    assert!(events(&sim, "never-starts").iter().any(
        |e| e.0 == "Killing" && e.1 == "Container web failed startup probe, will be restarted"
    ));
    let ip = pod(&sim, "never-starts")
        .status
        .and_then(|s| s.pod_ip)
        .unwrap_or_default();
    assert!(events(&sim, "never-starts").iter().any(|e| e.1
        == format!("Startup probe failed: Get \"http://{ip}:8080/\": dial tcp {ip}:8080: connect: connection refused")));
    // nginx stops promptly on its stop signal, with code 0, and is restarted.
    run_until(&mut sim, SimDuration::from_secs(5), |s| {
        status(s, "never-starts").restart_count == 1
    });
    let last = last_terminated(&sim, "never-starts");
    assert_eq!(last.exit_code, 0);
}

#[test]
fn init_containers_run_in_order_before_the_app() {
    let mut sim = sim();
    apply(
        &mut sim,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: ordered
spec:
  volumes:
  - name: work
    emptyDir: {}
  initContainers:
  - name: first
    image: busybox:1.36
    command: ["sh", "-c", "sleep 5; echo one > /work/a"]
    volumeMounts:
    - {name: work, mountPath: /work}
  - name: second
    image: busybox:1.36
    command: ["sh", "-c", "test -f /work/a && sleep 5 && echo two >> /work/a"]
    volumeMounts:
    - {name: work, mountPath: /work}
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "grep -q two /data/a && sleep 3600"]
    volumeMounts:
    - {name: work, mountPath: /data}
"#,
    );
    run_until(&mut sim, SimDuration::from_secs(10), |s| {
        init_status(s, "ordered", 0)
            .state
            .is_some_and(|st| st.running.is_some())
    });
    assert_eq!(condition(&sim, "ordered", "Initialized"), "False");
    assert!(init_status(&sim, "ordered", 1)
        .state
        .and_then(|s| s.waiting)
        .is_some());
    assert!(
        status(&sim, "ordered")
            .state
            .and_then(|s| s.waiting)
            .and_then(|w| w.reason)
            == Some("PodInitializing".into())
    );
    run_until(&mut sim, SimDuration::from_secs(30), |s| {
        status(s, "ordered")
            .state
            .is_some_and(|st| st.running.is_some())
    });
    assert_eq!(condition(&sim, "ordered", "Initialized"), "True");
    for i in 0..2 {
        let t = init_status(&sim, "ordered", i)
            .state
            .and_then(|s| s.terminated)
            .expect("init container finished");
        assert_eq!(t.exit_code, 0);
    }
    // The app found both lines: it keeps running.
    sim.advance(SimDuration::from_secs(60));
    assert_eq!(status(&sim, "ordered").restart_count, 0);
    assert_eq!(phase(&sim, "ordered"), "Running");
}

#[test]
fn image_pulls_back_off_ten_twenty_forty() {
    let mut sim = sim();
    apply(
        &mut sim,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\nspec:\n  containers:\n  - name: web\n    image: ngnix\n",
    );
    let first = run_until(&mut sim, SimDuration::from_secs(5), |s| {
        event_count(s, "typo", "Pulling") == 1
    });
    let mut attempts = vec![0.0];
    while attempts.len() < 5 {
        sim.advance(SimDuration::from_millis(50));
        if event_count(&sim, "typo", "Pulling") as usize > attempts.len() {
            attempts.push(secs_between(first, sim.now()));
        }
    }
    let gaps: Vec<i64> = attempts
        .windows(2)
        .map(|w| (w[1] - w[0]).round() as i64)
        .collect();
    // Each pull fails after 0.4 s; the retry waits out the back-off, checked
    // every 10 s by the pod worker (the first check a PLEG relist after the failure).
    assert_eq!(gaps, vec![11, 20, 40, 80]);
    let waiting = status(&sim, "typo")
        .state
        .and_then(|s| s.waiting)
        .expect("waiting");
    assert!(matches!(
        waiting.reason.as_deref(),
        Some("ImagePullBackOff" | "ErrImagePull")
    ));
    assert!(events(&sim, "typo")
        .iter()
        .any(|e| e.0 == "BackOff" && e.1 == "Back-off pulling image \"ngnix\""));
}

#[test]
fn restart_policies_decide_the_phase() {
    let mut sim = sim();
    let pod_yaml = |name: &str, policy: &str, script: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  restartPolicy: {policy}\n  containers:\n  - name: c\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"{script}\"]\n---\n")
    };
    let yaml = [
        pod_yaml("ok-never", "Never", "sleep 2"),
        pod_yaml("bad-never", "Never", "sleep 2; exit 4"),
        pod_yaml("ok-onfailure", "OnFailure", "sleep 2"),
        pod_yaml("bad-onfailure", "OnFailure", "sleep 2; exit 4"),
    ]
    .concat();
    apply(&mut sim, &yaml);
    sim.advance(SimDuration::from_secs(30));
    assert_eq!(phase(&sim, "ok-never"), "Succeeded");
    assert_eq!(phase(&sim, "bad-never"), "Failed");
    assert_eq!(phase(&sim, "ok-onfailure"), "Succeeded");
    assert_eq!(phase(&sim, "bad-onfailure"), "Running");
    assert!(status(&sim, "bad-onfailure").restart_count >= 2);
    assert_eq!(status(&sim, "bad-never").restart_count, 0);
    let ready = pod(&sim, "ok-never")
        .status
        .and_then(|s| s.conditions)
        .and_then(|c| c.into_iter().find(|c| c.type_ == "Ready"))
        .expect("Ready condition");
    assert_eq!(ready.reason.as_deref(), Some("PodCompleted"));
}

#[test]
fn deletion_waits_for_sigterm_or_the_grace_period() {
    let mut sim = sim();
    apply(
        &mut sim,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sleeper\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    command: [\"sleep\", \"3600\"]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n",
    );
    sim.advance(SimDuration::from_secs(20));
    for name in ["sleeper", "web"] {
        sim.delete(&ObjectRef::new(Kind::Pod, Some("default"), name))
            .expect("delete");
    }
    let deleted = sim.now();
    let gone = |s: &Simulation, name: &str| {
        s.api()
            .get(&ObjectRef::new(Kind::Pod, Some("default"), name))
            .is_none()
    };
    let web_gone = run_until(&mut sim, SimDuration::from_secs(60), |s| gone(s, "web"));
    let sleeper_gone = run_until(&mut sim, SimDuration::from_secs(60), |s| gone(s, "sleeper"));
    assert!(secs_between(deleted, web_gone) < 2.0);
    let t = secs_between(deleted, sleeper_gone);
    assert!((30.0..=31.0).contains(&t), "sleeper took {t}s");
}

#[test]
fn pathological_commands_neither_panic_nor_hang() {
    let mut sim = sim();
    let scripts = [
        "while true; do :; done",
        "while true; do echo spam; done",
        "sleep 99999999999999999999",
        "i=0; while true; do i=$((i+1)); sleep 0.001; done",
        "echo $((1/0)); x=$(yes); echo ${#x}",
        "((((((((((((",
        "sh -c 'sh -c \"sh -c exit\"'",
        "trap 'exit 0' TERM; sleep infinity & wait",
    ];
    let yaml: String = scripts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", {}]\n---\n",
                serde_json::to_string(s).expect("json string")
            )
        })
        .collect();
    apply(&mut sim, &yaml);
    sim.advance(SimDuration::from_secs(2 * 3600));
    for (i, script) in scripts.iter().enumerate() {
        let p = phase(&sim, &format!("p{i}"));
        assert_eq!(p, "Running", "p{i}: {script}");
    }
    for i in 0..scripts.len() {
        sim.delete(&ObjectRef::new(
            Kind::Pod,
            Some("default"),
            &format!("p{i}"),
        ))
        .expect("delete");
    }
    sim.advance(SimDuration::from_secs(60));
    assert_eq!(sim.api().list(Kind::Pod, Some("default")).count(), 0);
}

#[test]
fn tcp_and_grpc_probes_need_a_listener() {
    let mut sim = sim();
    apply(
        &mut sim,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: httpd
spec:
  containers:
  - name: web
    image: busybox:1.36
    command: ["httpd", "-f", "-p", "8080"]
    readinessProbe:
      tcpSocket:
        port: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: sleeper
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sleep", "3600"]
    ports:
    - name: web
      containerPort: 80
    readinessProbe:
      tcpSocket:
        port: web
      periodSeconds: 5
    livenessProbe:
      grpc:
        port: 9000
      periodSeconds: 5
      failureThreshold: 100
"#,
    );
    // pods/probe/grpc-liveness.yaml from kubernetes.io.
    apply(
        &mut sim,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd-with-grpc\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:3.5.1-0\n    command: [\"/usr/local/bin/etcd\", \"--data-dir\", \"/var/lib/etcd\", \"--listen-client-urls\", \"http://0.0.0.0:2379\", \"--advertise-client-urls\", \"http://127.0.0.1:2379\", \"--log-level\", \"debug\"]\n    ports:\n    - containerPort: 2379\n    livenessProbe:\n      grpc:\n        port: 2379\n      initialDelaySeconds: 10\n",
    );
    sim.advance(SimDuration::from_secs(60));
    assert_eq!(condition(&sim, "httpd", "Ready"), "True");
    assert_eq!(condition(&sim, "sleeper", "Ready"), "False");
    let ip = pod(&sim, "sleeper")
        .status
        .and_then(|s| s.pod_ip)
        .unwrap_or_default();
    let messages: Vec<String> = events(&sim, "sleeper").into_iter().map(|e| e.1).collect();
    assert!(messages.contains(&format!(
        "Readiness probe failed: dial tcp {ip}:80: connect: connection refused"
    )));
    assert!(messages.contains(&format!(
        "Liveness probe failed: timeout: failed to connect service \"{ip}:9000\" within 1s: context deadline exceeded"
    )));
    // etcd is an application image: it listens on its declared port.
    assert_eq!(event_count(&sim, "etcd-with-grpc", "Unhealthy"), 0);
    assert_eq!(condition(&sim, "etcd-with-grpc", "Ready"), "True");
}

#[test]
fn sidecars_start_first_keep_running_and_stop_after_the_app() {
    let mut sim = sim();
    apply(
        &mut sim,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: job
spec:
  restartPolicy: Never
  initContainers:
  - name: logshipper
    image: busybox:1.36
    restartPolicy: Always
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3; touch /tmp/up; while true; do sleep 1; done & wait"]
    startupProbe:
      exec:
        command: ["cat", "/tmp/up"]
      periodSeconds: 1
      failureThreshold: 30
  - name: setup
    image: busybox:1.36
    command: ["sh", "-c", "sleep 2"]
  containers:
  - name: main
    image: busybox:1.36
    command: ["sh", "-c", "sleep 5"]
"#,
    );
    run_until(&mut sim, SimDuration::from_secs(10), |s| {
        init_status(s, "job", 0)
            .state
            .is_some_and(|st| st.running.is_some())
    });
    let sidecar_start = SimTime::from_k8s(
        &init_status(&sim, "job", 0)
            .state
            .and_then(|st| st.running)
            .and_then(|r| r.started_at)
            .expect("started"),
    );
    // The next init container waits for the sidecar's startup probe.
    let setup_start = run_until(&mut sim, SimDuration::from_secs(20), |s| {
        init_status(s, "job", 1)
            .state
            .is_some_and(|st| st.running.is_some())
    });
    let t = secs_between(sidecar_start, setup_start);
    assert!(
        (3.0..=4.2).contains(&t),
        "setup started {t}s after the sidecar"
    );
    assert_eq!(condition(&sim, "job", "Initialized"), "False");
    run_until(&mut sim, SimDuration::from_secs(20), |s| {
        status(s, "job")
            .state
            .is_some_and(|st| st.running.is_some())
    });
    assert_eq!(condition(&sim, "job", "Initialized"), "True");
    // The sidecar keeps running beside the app, then is stopped after it.
    assert!(init_status(&sim, "job", 0)
        .state
        .is_some_and(|st| st.running.is_some()));
    run_until(&mut sim, SimDuration::from_secs(30), |s| {
        phase(s, "job") == "Succeeded"
    });
    assert!(events(&sim, "job").contains(&(
        "Killing".into(),
        "Stopping container logshipper".into(),
        1
    )));
    let sidecar = init_status(&sim, "job", 0)
        .state
        .and_then(|st| st.terminated)
        .expect("sidecar stopped");
    assert_eq!(sidecar.exit_code, 0);
}

#[test]
fn a_sidecar_that_exits_is_restarted_with_back_off() {
    let mut sim = sim();
    apply(
        &mut sim,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
  - name: proxy
    image: busybox:1.36
    restartPolicy: Always
    command: ["sh", "-c", "sleep 10; exit 1"]
  containers:
  - name: app
    image: busybox:1.36
    command: ["sleep", "3600"]
"#,
    );
    sim.advance(SimDuration::from_secs(60));
    // Exits at 10 s: restarted at once; at 21 s: after a 10 s back-off; the
    // third exit waits 20 s. The app is not disturbed.
    let proxy = init_status(&sim, "web", 0);
    assert_eq!(proxy.restart_count, 2, "{proxy:?}");
    assert_eq!(status(&sim, "web").restart_count, 0);
    assert!(status(&sim, "web")
        .state
        .is_some_and(|st| st.running.is_some()));
    assert_eq!(phase(&sim, "web"), "Running");
}

/// `kubectl run --command -- perl -e ...` sets the container's command; without
/// `--command` the words are its args, which replace a language image's CMD.
/// Either way the perl image runs the program, which prints and exits.
#[test]
fn kubectl_run_command_and_args_run_in_a_language_image() {
    let mut sim = sim();
    let files = kubeplay_engine::NoFiles;
    for line in [
        "kubectl run cmd --image=perl --restart=Never --command -- perl -e 'print 1+2'",
        "kubectl run arg --image=perl --restart=Never -- perl -e 'print 2+3'",
    ] {
        let out = sim.run_command(line, &files);
        assert!(out.success, "{line}: {}", out.stderr);
    }
    let spec = pod(&sim, "cmd").spec.expect("spec");
    assert_eq!(
        spec.containers[0].command.as_deref(),
        Some(&["perl".to_string(), "-e".into(), "print 1+2".into()][..])
    );
    assert_eq!(spec.containers[0].args, None);
    assert!(pod(&sim, "arg").spec.expect("spec").containers[0]
        .command
        .is_none());
    sim.advance(SimDuration::from_secs(60));
    for (name, printed) in [("cmd", "3"), ("arg", "5")] {
        let logs = sim.run_command(&format!("kubectl logs {name}"), &files);
        assert_eq!(logs.stdout.trim_end(), printed, "{name}: {}", logs.stderr);
        assert_eq!(
            pod(&sim, name).status.and_then(|s| s.phase).as_deref(),
            Some("Succeeded")
        );
    }
}
