use super::*;
use k8s_openapi::api::core::v1::{ContainerPort, PodSpec, Volume, VolumeMount};

fn container(name: &str, image: &str, command: &[&str], args: &[&str]) -> Container {
    let strings = |v: &[&str]| (!v.is_empty()).then(|| v.iter().map(|s| s.to_string()).collect());
    Container {
        name: name.into(),
        image: Some(image.into()),
        command: strings(command),
        args: strings(args),
        ..Container::default()
    }
}

fn runtime_for(containers: Vec<Container>) -> PodRuntime {
    let pod = Pod {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some("demo".into()),
            namespace: Some("default".into()),
            ..Default::default()
        },
        spec: Some(PodSpec {
            containers,
            volumes: Some(vec![Volume {
                name: "workdir".into(),
                empty_dir: Some(Default::default()),
                ..Volume::default()
            }]),
            ..PodSpec::default()
        }),
        ..Pod::default()
    };
    let info = PodInfo::of(&pod, "10.244.1.7");
    PodRuntime::new(&pod, info)
}

/// A container started with no variables from the kubelet.
fn no_env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn secs(s: u64) -> SimTime {
    SimTime(s * 1000)
}

fn log_text(rt: &PodRuntime, name: &str) -> Vec<String> {
    rt.log(name, false)
        .map(|l| l.lines.iter().map(|l| l.text.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn images_have_their_default_process() {
    let nginx = container("web", "nginx:1.14.2", &[], &[]);
    let busybox = container("box", "busybox", &[], &[]);
    let app = container("app", "example.com/shop:v3", &[], &[]);
    let mut rt = runtime_for(vec![]);
    rt.start(&nginx, &no_env(), secs(1)).unwrap();
    rt.start(&busybox, &no_env(), secs(1)).unwrap();
    rt.start(&app, &no_env(), secs(1)).unwrap();
    let exits = rt.advance(secs(100));
    assert!(exits.is_empty());
    assert!(rt.is_running("web"));
    assert!(!rt.is_running("box"), "busybox's sh exits at once");
    assert!(rt.is_running("app"));
    assert_eq!(rt.http_get("HTTP", 80, "/", secs(2)), Ok(200));
    assert_eq!(rt.http_get("HTTP", 80, "/missing", secs(2)), Ok(404));
    assert_eq!(
        rt.tcp_connect(8080, secs(2)),
        Err("dial tcp 10.244.1.7:8080: connect: connection refused".into())
    );
}

#[test]
fn commands_run_over_time_and_exit() {
    let mut rt = runtime_for(vec![]);
    let c = container(
        "c",
        "busybox:1.36",
        &["sh", "-c"],
        &["echo hi; sleep 5; exit 3"],
    );
    rt.start(&c, &no_env(), secs(10)).unwrap();
    assert_eq!(log_text(&rt, "c"), vec!["hi"]);
    assert_eq!(rt.next_exit(secs(10)), Some(secs(15)));
    assert!(rt.advance(secs(14)).is_empty());
    assert_eq!(
        rt.advance(secs(20)),
        vec![Exit {
            container: "c".into(),
            code: 3,
            at: secs(15)
        }]
    );
}

#[test]
fn missing_programs_fail_to_start_in_base_images() {
    let mut rt = runtime_for(vec![]);
    let err = rt
        .start(
            &container("c", "busybox", &["slep", "10"], &[]),
            &no_env(),
            secs(0),
        )
        .unwrap_err();
    assert!(
        err.message
            .contains("exec: \"slep\": executable file not found in $PATH"),
        "{}",
        err.message
    );
    // In an application image the program is taken to exist.
    rt.start(
        &container("d", "myorg/app:1", &["slep", "10"], &[]),
        &no_env(),
        secs(0),
    )
    .unwrap();
    assert!(rt.is_running("d"));
}

#[test]
fn exec_probes_see_the_container_files() {
    let mut rt = runtime_for(vec![]);
    let c = container(
        "liveness",
        "registry.k8s.io/busybox:1.27.2",
        &[],
        &[
            "/bin/sh",
            "-c",
            "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600",
        ],
    );
    rt.start(&c, &no_env(), secs(0)).unwrap();
    let cat: Vec<String> = vec!["cat".into(), "/tmp/healthy".into()];
    let one = SimDuration::from_secs(1);
    assert!(matches!(
        rt.exec("liveness", &cat, secs(29), one),
        Some(ExecResult::Exited { code: 0, .. })
    ));
    assert_eq!(
        rt.exec("liveness", &cat, secs(31), one),
        Some(ExecResult::Exited {
            code: 1,
            output: "cat: can't open '/tmp/healthy': No such file or directory\n".into()
        })
    );
    // A restart gets a fresh writable layer: the file is back.
    rt.remove("liveness");
    rt.start(&c, &no_env(), secs(40)).unwrap();
    assert!(matches!(
        rt.exec("liveness", &cat, secs(41), one),
        Some(ExecResult::Exited { code: 0, .. })
    ));
}

#[test]
fn volumes_carry_files_from_init_to_app_containers() {
    let mut init = container(
        "install",
        "busybox:1.28",
        &["wget", "-O", "/work-dir/index.html", "http://info.cern.ch"],
        &[],
    );
    init.volume_mounts = Some(vec![VolumeMount {
        name: "workdir".into(),
        mount_path: "/work-dir".into(),
        ..VolumeMount::default()
    }]);
    let mut web = container("nginx", "nginx", &[], &[]);
    web.volume_mounts = Some(vec![VolumeMount {
        name: "workdir".into(),
        mount_path: "/usr/share/nginx/html".into(),
        ..VolumeMount::default()
    }]);
    web.ports = Some(vec![ContainerPort {
        container_port: 80,
        ..ContainerPort::default()
    }]);
    let mut rt = runtime_for(vec![]);
    // Before the init container, the mounted docroot is empty: nginx says 403.
    rt.start(&web, &no_env(), secs(0)).unwrap();
    assert_eq!(rt.http_get("HTTP", 80, "/", secs(1)), Ok(403));
    rt.start(&init, &no_env(), secs(2)).unwrap();
    assert_eq!(rt.advance(secs(3)).len(), 1);
    assert_eq!(rt.http_get("HTTP", 80, "/", secs(3)), Ok(200));
    assert_eq!(
        log_text(&rt, "install"),
        vec![
            "Connecting to info.cern.ch (93.184.0.0:80)".replace(
                "93.184.0.0",
                log_text(&rt, "install")[0]
                    .split(['(', ':'])
                    .nth(1)
                    .unwrap_or("")
            ),
            "saving to '/work-dir/index.html'".to_string(),
            "'/work-dir/index.html' saved".to_string(),
        ]
    );
}

#[test]
fn stopping_honours_sigterm_handling() {
    let mut rt = runtime_for(vec![]);
    rt.start(&container("web", "nginx", &[], &[]), &no_env(), secs(0))
        .unwrap();
    rt.start(
        &container("sleeper", "busybox", &["sleep", "3600"], &[]),
        &no_env(),
        secs(0),
    )
    .unwrap();
    rt.start(
        &container(
            "trapper",
            "busybox",
            &["sh", "-c", "trap 'exit 0' TERM; sleep infinity & wait"],
            &[],
        ),
        &no_env(),
        secs(0),
    )
    .unwrap();
    let grace = SimDuration::from_secs(30);
    assert_eq!(rt.stop("web", secs(10), grace), Some((SimTime(10_500), 0)));
    assert_eq!(rt.stop("sleeper", secs(10), grace), Some((secs(40), 137)));
    assert_eq!(rt.stop("trapper", secs(10), grace), Some((secs(10), 0)));
    let mut exits = rt.advance(secs(60));
    exits.sort_by_key(|e| e.at);
    let got: Vec<(&str, i32, SimTime)> = exits
        .iter()
        .map(|e| (e.container.as_str(), e.code, e.at))
        .collect();
    assert_eq!(
        got,
        vec![
            ("trapper", 0, secs(10)),
            ("web", 0, SimTime(10_500)),
            ("sleeper", 137, secs(40))
        ]
    );
}

#[test]
fn logs_rotate_on_restart_and_stay_bounded() {
    let mut rt = runtime_for(vec![]);
    let c = container(
        "c",
        "busybox",
        &["sh", "-c", "while true; do echo line; sleep 1; done"],
        &[],
    );
    rt.start(&c, &no_env(), secs(0)).unwrap();
    rt.advance(secs(5000));
    let log = rt.log("c", false).unwrap();
    assert_eq!(log.lines.len(), MAX_LOG_LINES);
    assert_eq!(log.dropped, 5001 - MAX_LOG_LINES as u64);
    rt.remove("c");
    rt.start(&c, &no_env(), secs(6000)).unwrap();
    assert_eq!(rt.log("c", true).unwrap().lines.len(), MAX_LOG_LINES);
    assert_eq!(rt.log("c", false).unwrap().lines.len(), 1);
}

#[test]
fn environment_and_references() {
    // The kubelet's variables over the image's; `$(VAR)` in the command
    // expands against the kubelet's variables only.
    let given: BTreeMap<String, String> = [
        ("MESSAGE", "hello"),
        ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let c = container(
        "c",
        "debian",
        &["printenv"],
        &["HOSTNAME", "KUBERNETES_PORT", "MESSAGE", "PATH"],
    );
    let mut rt = runtime_for(vec![]);
    rt.start(&c, &given, secs(0)).unwrap();
    assert_eq!(
        log_text(&rt, "c"),
        vec![
            "demo",
            "tcp://10.96.0.1:443",
            "hello",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ]
    );
    let echo = container(
        "e",
        "busybox",
        &["/bin/echo"],
        &["$(MESSAGE)", "$$(MESSAGE)", "$(NOPE)", "$(HOSTNAME)"],
    );
    rt.start(&echo, &given, secs(0)).unwrap();
    assert_eq!(
        log_text(&rt, "e"),
        vec!["hello $(MESSAGE) $(NOPE) $(HOSTNAME)"]
    );
}
