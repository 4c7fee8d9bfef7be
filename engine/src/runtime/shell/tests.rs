use super::*;
use crate::runtime::fs::{Tree, TreeId};

/// A cluster with only the API server's Service.
fn cluster_dns() -> crate::dns::ClusterDns {
    let mut dns = crate::dns::ClusterDns::default();
    let svc = crate::objects::Object::Service(crate::apiserver::kubernetes_service::service());
    dns.observe(
        &crate::store::WatchEvent {
            revision: 1,
            event_type: crate::store::WatchEventType::Added,
            object_ref: crate::objects::ObjectRef::of(&svc),
            object: Arc::new(svc),
            previous: None,
        },
        SimTime(0),
    );
    dns
}

struct Box_ {
    fs: Filesystems,
    view: View,
}

fn container(unknown: Unknown) -> (Box_, Arc<Config>, BTreeMap<String, String>) {
    let mut fs = Filesystems::default();
    fs.set_tree(
        TreeId::Container("c".into()),
        Tree::with(
            &["/tmp", "/etc", "/bin", "/var/log", "/root"],
            &[
                ("/etc/hostname", "pod-a\n"),
                (
                    "/etc/resolv.conf",
                    "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
                ),
                (
                    "/var/run/secrets/kubernetes.io/serviceaccount/namespace",
                    "default",
                ),
            ],
        ),
    );
    let view = View::new(
        TreeId::Container("c".into()),
        vec![("/shared".into(), TreeId::Volume("v".into()), false)],
    );
    fs.prepare_mounts(&view);
    let config = Arc::new(Config {
        hostname: "pod-a".into(),
        unknown,
        image_is_apache: false,
        has_perl: false,
    });
    let env: BTreeMap<String, String> = [
        (
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
        ("HOSTNAME", "pod-a"),
        ("HOME", "/root"),
        ("GREETING", "hello world"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    (Box_ { fs, view }, config, env)
}

fn secs(s: u64) -> SimTime {
    SimTime(s * 1000)
}

fn start(script: &str) -> (Machine, Box_) {
    let (b, config, env) = container(Unknown::NotFound);
    (Machine::script(script, vec![], &env, config, SimTime(0)), b)
}

fn run(m: &mut Machine, b: &mut Box_, until: SimTime) {
    let dns = cluster_dns();
    let mut host = Host {
        fs: &mut b.fs,
        view: &b.view,
        dns: &dns,
        looked_up: false,
    };
    m.run(until, &mut host);
}

fn lines(m: &mut Machine) -> Vec<String> {
    m.take_log().into_iter().map(|l| l.text).collect()
}

fn exists(b: &Box_, path: &str) -> bool {
    b.fs.kind(&b.view, path).is_some()
}

#[test]
fn the_liveness_example_has_its_file_for_thirty_seconds() {
    let (mut m, mut b) = start("touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600");
    run(&mut m, &mut b, secs(0));
    assert!(exists(&b, "/tmp/healthy"));
    assert_eq!(m.next_wake(), Some(secs(30)));
    run(&mut m, &mut b, SimTime(29_999));
    assert!(exists(&b, "/tmp/healthy"));
    run(&mut m, &mut b, secs(30));
    assert!(!exists(&b, "/tmp/healthy"));
    assert_eq!(m.next_wake(), Some(secs(630)));
    run(&mut m, &mut b, secs(10_000));
    assert_eq!(m.exit_code(), Some(0));
    assert_eq!(m.clock(), secs(630));
}

#[test]
fn echo_output_is_logged_with_its_time() {
    let (mut m, mut b) =
        start("echo start; sleep 2; echo \"$GREETING\" >&2; echo -n a; echo b; exit 3");
    run(&mut m, &mut b, secs(5));
    let log = m.take_log();
    let got: Vec<(u64, Stream, &str)> = log
        .iter()
        .map(|l| (l.time.0, l.stream, l.text.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, Stream::Stdout, "start"),
            (2000, Stream::Stderr, "hello world"),
            (2000, Stream::Stdout, "ab"),
        ]
    );
    assert_eq!(m.exit_code(), Some(3));
}

#[test]
fn and_or_lists_and_status() {
    let (mut m, mut b) = start(
        "false && echo no; true && echo yes; false || echo rescued; true || echo skipped; ! false && echo negated; echo $?",
    );
    run(&mut m, &mut b, secs(1));
    assert_eq!(lines(&mut m), vec!["yes", "rescued", "negated", "0"]);
    assert_eq!(m.exit_code(), Some(0));
}

#[test]
fn loops_run_over_virtual_time() {
    let (mut m, mut b) = start("i=0; while true; do i=$((i+1)); echo tick $i; sleep 10; done");
    run(&mut m, &mut b, secs(35));
    assert_eq!(lines(&mut m), vec!["tick 1", "tick 2", "tick 3", "tick 4"]);
    assert_eq!(m.next_wake(), Some(secs(40)));
    assert_eq!(m.exit_code(), None);
    run(&mut m, &mut b, secs(3600));
    assert_eq!(lines(&mut m).len(), 357);
}

#[test]
fn for_loops_if_and_tests() {
    let (mut m, mut b) = start(
        "for f in a b c; do touch /tmp/$f; done\n\
         for f in a x; do if [ -f /tmp/$f ]; then echo have $f; else echo missing $f; fi; done\n\
         if test -d /tmp -a ! -e /nope; then echo dirs; fi\n\
         [ 3 -gt 2 ] && [ \"a\" = a ] && echo numbers\n\
         if [[ -e /tmp/a ]]; then echo bash-style; fi\n\
         for n in $(seq 1 3); do printf '%s-' $n; done; echo",
    );
    run(&mut m, &mut b, secs(1));
    assert_eq!(
        lines(&mut m),
        vec![
            "have a",
            "missing x",
            "dirs",
            "numbers",
            "bash-style",
            "1-2-3-"
        ]
    );
}

#[test]
fn until_loops_wait_for_a_file() {
    let (b0, config, env) = container(Unknown::NotFound);
    let mut b = b0;
    let mut waiter = Machine::script(
        "until [ -f /shared/ready ]; do echo waiting; sleep 2; done; echo go",
        vec![],
        &env,
        config.clone(),
        SimTime(0),
    );
    run(&mut waiter, &mut b, secs(5));
    assert_eq!(lines(&mut waiter), vec!["waiting", "waiting", "waiting"]);
    b.fs.write(&b.view, "/shared/ready", "", false).unwrap();
    run(&mut waiter, &mut b, secs(6));
    assert_eq!(lines(&mut waiter), vec!["go"]);
    assert_eq!(waiter.exit_code(), Some(0));
}

#[test]
fn files_redirects_and_cat() {
    let (mut m, mut b) = start(
        "echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f; cat /tmp/missing; echo status $?; \
         { echo grouped; echo err >&2; } > /tmp/g 2>&1; wc -l < /tmp/g; echo x > /nodir/file; echo $?",
    );
    run(&mut m, &mut b, secs(1));
    assert_eq!(
        lines(&mut m),
        vec![
            "one",
            "two",
            "cat: can't open '/tmp/missing': No such file or directory",
            "status 1",
            "2",
            "sh: can't create /nodir/file: nonexistent directory",
            "1"
        ]
    );
    assert_eq!(b.fs.read(&b.view, "/tmp/g").unwrap(), "grouped\nerr\n");
}

#[test]
fn rm_mkdir_and_errors_read_like_busybox() {
    let (mut m, mut b) = start(
        "rm /tmp/none; rm -f /tmp/none; mkdir /tmp/d; mkdir /tmp/d; mkdir -p /a/b/c; ls /a/b; rm /tmp/d; rm -r /tmp/d; ls /tmp",
    );
    run(&mut m, &mut b, secs(1));
    assert_eq!(
        lines(&mut m),
        vec![
            "rm: can't remove '/tmp/none': No such file or directory",
            "mkdir: can't create directory '/tmp/d': File exists",
            "c",
            "rm: can't remove '/tmp/d': Is a directory",
        ]
    );
}

#[test]
fn nested_shells_and_positional_parameters() {
    let (mut m, mut b) = start("sh -c 'echo in child $0 $1; sleep 5; exit 4' me arg; echo back $?");
    run(&mut m, &mut b, secs(4));
    assert_eq!(lines(&mut m), vec!["in child me arg"]);
    run(&mut m, &mut b, secs(5));
    assert_eq!(lines(&mut m), vec!["back 4"]);
}

#[test]
fn exec_form_takes_words_literally() {
    let (b0, config, env) = container(Unknown::NotFound);
    let mut b = b0;
    let argv: Vec<String> = ["/bin/sh", "-c", "echo $HOSTNAME; exit 7"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut m = Machine::argv(&argv, &env, config.clone(), SimTime(0));
    run(&mut m, &mut b, secs(1));
    assert_eq!(lines(&mut m), vec!["pod-a"]);
    assert_eq!(m.exit_code(), Some(7));

    let argv: Vec<String> = ["echo", "$HOSTNAME", "a  b"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut m = Machine::argv(&argv, &env, config.clone(), SimTime(0));
    run(&mut m, &mut b, secs(1));
    assert_eq!(lines(&mut m), vec!["$HOSTNAME a  b"]);

    let argv: Vec<String> = ["printenv", "HOSTNAME", "HOME"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut m = Machine::argv(&argv, &env, config, SimTime(0));
    run(&mut m, &mut b, secs(1));
    assert_eq!(lines(&mut m), vec!["pod-a", "/root"]);
}

#[test]
fn unknown_programs_depend_on_the_image() {
    let (mut m, mut b) = start("frobnicate --now; echo $?");
    run(&mut m, &mut b, secs(1));
    assert_eq!(lines(&mut m), vec!["sh: frobnicate: not found", "127"]);

    let (b0, config, env) = container(Unknown::Opaque);
    let mut b = b0;
    let mut m = Machine::script(
        "echo starting; ./server --port 8080; echo never",
        vec![],
        &env,
        config,
        SimTime(0),
    );
    run(&mut m, &mut b, secs(100));
    assert_eq!(lines(&mut m), vec!["starting"]);
    assert!(m.runs_opaque_program());
    assert_eq!(m.next_wake(), None);
}

#[test]
fn servers_listen_until_stopped() {
    let (mut m, mut b) = start("echo serving; httpd -f -p 8080 -h /tmp");
    run(&mut m, &mut b, secs(100));
    let servers = m.servers();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].ports, vec![8080]);
    assert_eq!(servers[0].docroot, "/tmp");
    // busybox httpd as PID 1 ignores SIGTERM ... but here sh is PID 1 anyway.
    assert_eq!(m.sigterm(secs(100)), None);

    // A daemonizing server leaves a background job and the script goes on.
    let (mut m, mut b) = start("nginx; echo started; sleep 3600");
    run(&mut m, &mut b, secs(1));
    assert_eq!(lines(&mut m), vec!["started"]);
    assert_eq!(m.servers()[0].ports, vec![80]);
}

#[test]
fn sigterm_as_pid_1() {
    // exec'd server: shuts down promptly.
    let (b0, config, env) = container(Unknown::NotFound);
    let mut b = b0;
    let argv: Vec<String> = ["sh", "-c", "exec nginx -g 'daemon off;'"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut m = Machine::argv(&argv, &env, config.clone(), SimTime(0));
    run(&mut m, &mut b, secs(1));
    assert_eq!(m.servers().len(), 1);
    assert_eq!(m.sigterm(secs(1)), Some(0));

    // A shell sleeping in the foreground ignores it.
    let mut m = Machine::script("sleep 600", vec![], &env, config.clone(), SimTime(0));
    run(&mut m, &mut b, secs(1));
    assert_eq!(m.sigterm(secs(1)), None);

    // A trap with `wait` exits at once.
    let mut m = Machine::script(
        "trap 'echo bye; exit 0' TERM; sleep infinity & wait",
        vec![],
        &env,
        config,
        SimTime(0),
    );
    run(&mut m, &mut b, secs(10));
    assert_eq!(m.next_wake(), None);
    assert_eq!(m.sigterm(secs(10)), None);
    run(&mut m, &mut b, secs(10));
    assert_eq!(lines(&mut m), vec!["bye"]);
    assert_eq!(m.exit_code(), Some(0));
    assert_eq!(m.clock(), secs(10));
}

#[test]
fn background_jobs_interleave_in_time() {
    let (mut m, mut b) =
        start("(sleep 3; echo job) & echo main; sleep 5; echo after; wait; echo done");
    run(&mut m, &mut b, secs(10));
    let log = m.take_log();
    let got: Vec<(u64, &str)> = log
        .iter()
        .map(|l| (l.time.0 / 1000, l.text.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![(0, "main"), (3, "job"), (5, "after"), (5, "done")]
    );
}

#[test]
fn busy_loops_spin_without_hanging() {
    for script in [
        "while true; do :; done",
        "while true; do echo spam; done",
        "yes",
        "x=$(while true; do :; done); echo never",
        "while true; do true | cat; done",
    ] {
        let (mut m, mut b) = start(script);
        run(&mut m, &mut b, secs(3600));
        assert!(m.spinning(), "{script}: {:?}", m.state);
        assert_eq!(m.next_wake(), None, "{script}");
        assert!(m.take_log().len() <= SPIN_LIMIT as usize);
    }
}

#[test]
fn bad_input_never_panics() {
    let long_sleep = format!("sleep {}", "9".repeat(40));
    for script in [
        "sleep abc; echo $?",
        "sleep -5",
        "sleep 1e400",
        long_sleep.as_str(),
        "echo $((1/0))",
        "echo $((",
        "exit foo",
        "[ -f",
        "test 1 -lt x",
        "for",
        "if true; then",
        "cd /nope; cat; read x; echo ${x:-empty} ${#HOME} ${NOPE:+set}",
        "break; continue 3; wait; exec",
        "sh -c",
        "sh /missing.sh",
        "echo a | | b",
        "$(echo) `echo`",
        "echo \"unterminated",
        "ls / /tmp /nope",
        "printf '%d %s %q\\n' x; seq 5 1 -1 ; seq 1 0 3",
    ] {
        let (mut m, mut b) = start(script);
        run(&mut m, &mut b, secs(1_000_000));
        let _ = m.take_log();
    }
    let recursive = "echo 'sh /tmp/r.sh' > /tmp/r.sh; sh /tmp/r.sh; echo survived $?";
    let (mut m, mut b) = start(recursive);
    run(&mut m, &mut b, secs(1));
    assert!(lines(&mut m).iter().any(|l| l.starts_with("survived")));
}

#[test]
fn huge_sleeps_saturate() {
    let (mut m, mut b) = start("sleep 99999999999d; echo never");
    run(&mut m, &mut b, secs(1));
    let wake = m.next_wake().unwrap();
    assert!(wake > secs(1_000_000_000));
}

#[test]
fn exec_probes_capture_output_and_time_out() {
    let (b0, config, env) = container(Unknown::NotFound);
    let mut b = b0;
    let dns = cluster_dns();
    let mut host = Host {
        fs: &mut b.fs,
        view: &b.view,
        dns: &dns,
        looked_up: false,
    };
    let cat: Vec<String> = vec!["cat".into(), "/tmp/healthy".into()];
    assert_eq!(
        Machine::exec(
            &cat,
            &env,
            config.clone(),
            secs(1),
            SimDuration::from_secs(1),
            &mut host
        ),
        ExecResult::Exited {
            code: 1,
            output: "cat: can't open '/tmp/healthy': No such file or directory\n".into()
        }
    );
    host.fs
        .write(host.view, "/tmp/healthy", "ok\n", false)
        .unwrap();
    assert_eq!(
        Machine::exec(
            &cat,
            &env,
            config.clone(),
            secs(1),
            SimDuration::from_secs(1),
            &mut host
        ),
        ExecResult::Exited {
            code: 0,
            output: "ok\n".into()
        }
    );
    let slow: Vec<String> = vec!["sleep".into(), "5".into()];
    assert!(matches!(
        Machine::exec(
            &slow,
            &env,
            config,
            secs(1),
            SimDuration::from_secs(1),
            &mut host
        ),
        ExecResult::TimedOut { .. }
    ));
}

#[test]
fn set_e_stops_at_the_first_failure() {
    let (mut m, mut b) =
        start("set -e; echo a; false || echo handled; if false; then :; fi; false; echo never");
    run(&mut m, &mut b, secs(1));
    assert_eq!(lines(&mut m), vec!["a", "handled"]);
    assert_eq!(m.exit_code(), Some(1));
}

#[test]
fn init_container_tools() {
    let (mut m, mut b) = start(
        "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done",
    );
    run(&mut m, &mut b, secs(3));
    let got = lines(&mut m);
    assert!(
        got.contains(&"nslookup: can't resolve 'myservice.default.svc.cluster.local'".to_string()),
        "{got:?}"
    );
    assert_eq!(
        got.iter().filter(|l| *l == "waiting for myservice").count(),
        2
    );

    let (mut m, mut b) =
        start("wget -O /shared/index.html http://info.cern.ch && nslookup kubernetes.default");
    run(&mut m, &mut b, secs(1));
    assert_eq!(m.exit_code(), Some(0));
    assert!(b
        .fs
        .read(&b.view, "/shared/index.html")
        .unwrap()
        .contains("first website"));
}

#[test]
fn dates_and_globs() {
    let (mut m, mut b) = start(
        "sleep 65; date; touch /tmp/a.log /tmp/b.log /tmp/c.txt; echo /tmp/*.log; echo /tmp/*.none",
    );
    run(&mut m, &mut b, secs(70));
    assert_eq!(
        lines(&mut m),
        vec![
            "Thu Jan  1 00:01:05 UTC 2026",
            "/tmp/a.log /tmp/b.log",
            "/tmp/*.none"
        ]
    );
}

#[test]
fn pipelines_pass_output_along() {
    let (mut m, mut b) = start("echo 'b\na\nc' | sort | head -n 2; printenv | grep -c GREETING; echo hi | tee /tmp/t > /dev/null; cat /tmp/t");
    run(&mut m, &mut b, secs(1));
    assert_eq!(lines(&mut m), vec!["a", "b", "1", "hi"]);
}

#[test]
fn very_short_sleeps_stay_bounded() {
    let (mut m, mut b) = start("i=0; while true; do i=$((i+1)); sleep 0.001; done");
    // A day of a 1 ms loop: interpreted in bounded chunks, never hanging.
    run(&mut m, &mut b, secs(86_400));
    assert!(m.next_wake().unwrap() > secs(86_400));
    run(&mut m, &mut b, secs(86_401));
    assert!(m.next_wake().unwrap() > secs(86_401));
}

#[test]
fn traffic_to_pods_and_services_says_it_is_not_simulated() {
    let (mut m, mut b) = start("wget -qO- http://kubernetes.default:443/ ; echo status $?");
    run(&mut m, &mut b, secs(1));
    let got = lines(&mut m);
    assert!(
        got.iter().any(|l| l.contains("not simulated yet")),
        "{got:?}"
    );
    assert!(got.contains(&"status 1".to_string()), "{got:?}");
}

#[test]
fn a_doubling_variable_runs_out_of_memory_instead_of_the_tab() {
    let (mut m, mut b) = start("echo start; x=a; while true; do x=$x$x; done; echo never");
    run(&mut m, &mut b, secs(5));
    assert_eq!(lines(&mut m), vec!["start", "sh: out of memory"]);
    assert_eq!(m.exit_code(), Some(1));
}

#[test]
fn tail_follows_a_file_once_a_second() {
    let (mut m, mut b) =
        start("(for i in 1 2 3; do echo line$i >> /tmp/log; sleep 1; done) & tail -F /tmp/log");
    run(&mut m, &mut b, secs(5));
    assert_eq!(
        lines(&mut m),
        vec![
            "tail: can't open '/tmp/log': No such file or directory",
            "tail: /tmp/log has appeared; following end of new file",
            "line1",
            "line2",
            "line3",
        ]
    );
    assert_eq!(m.exit_code(), None);
    // In a pipeline no time passes, so there is nothing to poll for.
    let (mut m, mut b) = start("echo a > /tmp/f; tail -f /tmp/f | cat");
    run(&mut m, &mut b, secs(5));
    assert_eq!(m.next_wake(), None);
}

#[test]
fn rev_reverses_each_line() {
    let (mut m, mut b) =
        start("printf 'abc\\nxyz\\n' > /tmp/f; rev /tmp/f; echo héllo | rev; rev /tmp/none");
    run(&mut m, &mut b, secs(1));
    assert_eq!(
        lines(&mut m),
        vec![
            "cba",
            "zyx",
            "olléh",
            "rev: /tmp/none: No such file or directory"
        ]
    );
    assert_eq!(m.exit_code(), Some(1));
}

#[test]
fn bash_indexed_arrays() {
    // The kubernetes.io Indexed Job example's init container.
    let (mut m, mut b) = start(
        "items=(foo bar baz qux xyz)\nI=2\necho ${items[$I]} ${items[I+1]} ${items[-1]} $items\necho ${#items[@]} \"${items[@]}\"\nitems=(one\n  two)\necho ${#items[*]} ${items[*]} [${items[2]}]",
    );
    run(&mut m, &mut b, secs(1));
    assert_eq!(
        lines(&mut m),
        vec!["baz qux xyz foo", "5 foo bar baz qux xyz", "2 one two []"]
    );
    assert_eq!(m.exit_code(), Some(0));
}
