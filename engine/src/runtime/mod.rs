//! The container runtime of one node, as far as a pod's containers go: what
//! a started container does, over virtual time.
//!
//! Each pod gets a `PodRuntime` (its sandbox): one set of files (`fs.rs`:
//! every container's own writable layer, fresh at each start, and the pod's
//! `emptyDir` volumes, shared) and one process per running container. A
//! process is a shell `Machine` (`shell/`) started from the container's
//! command, or from its image's default process (`registry.rs`): a server
//! (`servers.rs`) for nginx, httpd, redis ...; a shell that exits at once for
//! base images like busybox; an application the simulation cannot look into
//! for unknown images, which runs until it is stopped.
//!
//! The kubelet asks the runtime to start, advance and stop containers, to
//! run exec probes, and whether a port answers TCP or HTTP; everything a
//! container printed is kept as its log (`kubectl logs`).

pub mod fs;
pub mod perl;
mod pi;
pub mod servers;
pub mod shell;
mod volumes;

use crate::sorting::CollectSorted;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Container, Pod};

use crate::dns::ClusterDns;
use crate::registry::{self, DefaultProcess};
use fs::{Filesystems, Kind, Tree, TreeId, View};
use servers::{HttpAnswer, Server, ServerKind};
use shell::{Config, ExecResult, Host, LogLine, Machine, State, Unknown};

use crate::time::{SimDuration, SimTime};

/// A process that handles SIGTERM takes this long to exit.
pub const STOP_DELAY: SimDuration = SimDuration::from_millis(500);
/// The made-up token a pod's service account files hold (a JWT's shape).
pub const SERVICE_ACCOUNT_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNpbXVsYXRlZCJ9.e30.c2ln";
/// Lines of log kept per container instance (the oldest are dropped).
const MAX_LOG_LINES: usize = 2000;
/// How far ahead the runtime looks for a container's exit at a time.
const LOOK_AHEAD: SimDuration = SimDuration::from_secs(600);

/// The pod facts a container's files are made from (its environment comes
/// from the kubelet).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodInfo {
    pub name: String,
    pub namespace: String,
    pub ip: String,
    pub hostname: String,
    /// `<subdomain>.<namespace>.svc.cluster.local` for a pod with a
    /// subdomain (a StatefulSet's pods), as GeneratePodHostNameAndDomain makes it.
    pub domain: Option<String>,
}

impl PodInfo {
    pub fn of(pod: &Pod, ip: &str) -> PodInfo {
        let spec = pod.spec.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let namespace = pod
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        PodInfo {
            hostname: spec.hostname.clone().unwrap_or_else(|| name.clone()),
            domain: spec
                .subdomain
                .as_ref()
                .filter(|s| !s.is_empty())
                .map(|s| format!("{s}.{namespace}.svc.cluster.local")),
            name,
            namespace,
            ip: ip.to_string(),
        }
    }
}

/// Log lines of one container instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerLog {
    pub lines: VecDeque<LogLine>,
    /// Lines dropped from the front to keep the log bounded.
    pub dropped: u64,
}

impl ContainerLog {
    fn push(&mut self, line: LogLine) {
        if self.lines.len() >= MAX_LOG_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
    }
}

/// Why a container could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartError {
    /// containerd's message, shown as the terminated state's message and in the `Failed` event.
    pub message: String,
}

/// Why `kubectl exec` could not run its command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The container is not running (the kubelet's "container not found").
    NotRunning,
    /// runc could not start the program: its message.
    StartFailed(String),
}

/// A container process exited (by itself, or killed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exit {
    pub container: String,
    pub code: i32,
    pub at: SimTime,
}

#[derive(Clone, Debug)]
struct Process {
    machine: Machine,
    view: View,
    env: BTreeMap<String, String>,
    config: Arc<Config>,
    started: SimTime,
    /// Ports an application program is taken to listen on: its declared
    /// containerPorts and the ports its probes name.
    assumed_ports: Vec<u16>,
    /// A stop in progress: the process is gone by then, with this code.
    deadline: Option<(SimTime, i32)>,
    exit: Option<(i32, SimTime)>,
}

impl Process {
    fn wake(&self) -> Option<SimTime> {
        if self.exit.is_some() {
            return None;
        }
        let natural = self.machine.next_wake();
        match (natural, self.deadline) {
            (Some(a), Some((b, _))) => Some(a.min(b)),
            (a, b) => a.or(b.map(|d| d.0)),
        }
    }
}

/// The part of a pod runtime that moves with time (cloned to look ahead).
#[derive(Clone, Debug, Default)]
struct Sandbox {
    fs: Filesystems,
    processes: BTreeMap<String, Process>,
}

impl Sandbox {
    /// Runs every process up to `until`, in time order; returns the exits
    /// and hands each line printed to `log`.
    /// Also says whether a process looked a name up on the way.
    fn advance(
        &mut self,
        until: SimTime,
        dns: &ClusterDns,
        log: &mut dyn FnMut(&str, LogLine),
    ) -> (Vec<Exit>, bool) {
        let mut exits = Vec::new();
        let mut looked_up = false;
        // A safety valve: each pass runs at least one process a step further.
        for _ in 0..1_000_000 {
            let mut wakes: Vec<(SimTime, String)> = self
                .processes
                .iter()
                .filter_map(|(name, p)| p.wake().map(|t| (t, name.clone())))
                .collect();
            crate::sorting::sort(&mut wakes);
            let Some((first, name)) = wakes.first().cloned() else {
                break;
            };
            if first > until {
                break;
            }
            let bound = wakes.get(1).map_or(until, |(t, _)| (*t).min(until));
            let Sandbox { fs, processes } = self;
            let Some(p) = processes.get_mut(&name) else {
                break;
            };
            let bound = match p.deadline {
                Some((d, _)) => bound.min(d),
                None => bound,
            };
            {
                let mut host = Host {
                    fs,
                    view: &p.view,
                    dns,
                    looked_up: false,
                };
                p.machine.run(bound, &mut host);
                looked_up |= host.looked_up;
            }
            for line in p.machine.take_log() {
                log(&name, line);
            }
            if let Some(code) = p.machine.exit_code() {
                let at = p.machine.clock();
                p.exit = Some((code, at));
                exits.push(Exit {
                    container: name.clone(),
                    code,
                    at,
                });
            } else if let Some((d, code)) = p.deadline {
                if d <= bound {
                    p.exit = Some((code, d));
                    exits.push(Exit {
                        container: name.clone(),
                        code,
                        at: d,
                    });
                }
            }
        }
        (exits, looked_up)
    }
}

/// One pod's sandbox on a node: its files and its containers' processes.
#[derive(Clone, Debug)]
pub struct PodRuntime {
    pod: PodInfo,
    sandbox: Sandbox,
    /// Exits seen while catching up for another reason, not yet reported.
    pending_exits: Vec<Exit>,
    /// Bumped by whatever changes the sandbox from outside its processes.
    generation: u64,
    /// The last look-ahead: (generation, DNS epoch, its answer).
    prediction: Option<(u64, u64, Option<SimTime>)>,
    /// Cluster DNS as the node's kubelet last saw it.
    dns: Arc<ClusterDns>,
    /// Whether a process has looked a name up: a DNS change may change its future.
    uses_dns: bool,
    logs: BTreeMap<String, ContainerLog>,
    previous_logs: BTreeMap<String, ContainerLog>,
    /// Volumes the kubelet writes (configMap, secret, downwardAPI,
    /// projected): mounted read-only whatever the volumeMount says.
    read_only_volumes: BTreeSet<String>,
}

/// The files every container image has.
fn base_tree(image_dirs: &[&str], files: &[(&str, &str)]) -> Tree {
    let mut dirs = vec![
        "/bin",
        "/dev",
        "/etc",
        "/home",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/sys",
        "/tmp",
        "/usr/bin",
        "/usr/local/bin",
        "/usr/sbin",
        "/var/log",
        "/var/run",
        "/var/tmp",
    ];
    dirs.extend_from_slice(image_dirs);
    Tree::with(&dirs, files)
}

fn image_files(
    process: Option<DefaultProcess>,
) -> (Vec<&'static str>, Vec<(&'static str, &'static str)>) {
    match process {
        Some(DefaultProcess::Server {
            kind: ServerKind::Nginx,
            ..
        }) => (
            vec!["/etc/nginx/conf.d", "/var/cache/nginx", "/var/log/nginx"],
            vec![
                (
                    "/usr/share/nginx/html/index.html",
                    "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n",
                ),
                (
                    "/usr/share/nginx/html/50x.html",
                    "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n",
                ),
                ("/etc/nginx/nginx.conf", "user  nginx;\nworker_processes  auto;\n"),
                ("/etc/nginx/conf.d/default.conf", "server {\n    listen       80;\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n}\n"),
            ],
        ),
        Some(DefaultProcess::Server {
            kind: ServerKind::Apache,
            ..
        }) => (
            vec!["/usr/local/apache2/conf", "/var/www/html"],
            vec![(
                "/usr/local/apache2/htdocs/index.html",
                "<html><body><h1>It works!</h1></body></html>\n",
            )],
        ),
        Some(DefaultProcess::Server {
            kind: ServerKind::Redis,
            ..
        }) => (vec!["/data"], vec![]),
        _ => (vec![], vec![]),
    }
}

/// `$(VAR)` references in command and args, expanded from the container's
/// environment as the kubelet does (third_party/forked/golang/expansion):
/// `$$` escapes, unknown names stay as written.
pub fn expand_references(s: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' && i + 1 < chars.len() {
            match chars[i + 1] {
                '$' => {
                    out.push('$');
                    i += 2;
                    continue;
                }
                '(' => {
                    if let Some(close) = chars[i + 2..].iter().position(|c| *c == ')') {
                        let name: String = chars[i + 2..i + 2 + close].iter().collect();
                        match env.get(&name) {
                            Some(v) => out.push_str(v),
                            None => out.push_str(&format!("$({name})")),
                        }
                        i += close + 3;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The environment a container's process starts with: its image's PATH and
/// HOME, HOSTNAME (set by the runtime), then what the kubelet gives it
/// (`crate::kubelet`'s makeEnvironmentVariables), which wins.
fn environment(pod: &PodInfo, given: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = [
        (
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
        ("HOME", "/root"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect_map();
    env.insert("HOSTNAME".into(), pod.hostname.clone());
    env.extend(given.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

/// Ports a probe of this container names (numbers, or names of its ports).
pub fn probe_ports(container: &Container) -> Vec<u16> {
    [
        &container.liveness_probe,
        &container.readiness_probe,
        &container.startup_probe,
    ]
    .into_iter()
    .flatten()
    .filter_map(|p| {
        let port = p
            .http_get
            .as_ref()
            .map(|h| &h.port)
            .or(p.tcp_socket.as_ref().map(|t| &t.port))
            .cloned()
            .or_else(|| {
                p.grpc
                    .as_ref()
                    .map(|g| k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(g.port))
            })?;
        resolve_port(&port, container)
    })
    .collect()
}

/// A probe's port: a number, or the name of one of the container's ports.
pub fn resolve_port(
    port: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString,
    container: &Container,
) -> Option<u16> {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    match port {
        IntOrString::Int(n) => u16::try_from(*n).ok().filter(|p| *p > 0),
        IntOrString::String(name) => container
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .and_then(|p| u16::try_from(p.container_port).ok())
            .or_else(|| name.parse().ok()),
    }
}

impl PodRuntime {
    /// A fresh sandbox with the pod's volumes.
    pub fn new(pod: &Pod, info: PodInfo) -> PodRuntime {
        let mut sandbox = Sandbox::default();
        let mut read_only_volumes = BTreeSet::new();
        for volume in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
            sandbox
                .fs
                .set_tree(TreeId::Volume(volume.name.clone()), Tree::default());
            if volume.config_map.is_some()
                || volume.secret.is_some()
                || volume.downward_api.is_some()
                || volume.projected.is_some()
            {
                read_only_volumes.insert(volume.name.clone());
            }
        }
        PodRuntime {
            pod: info,
            sandbox,
            pending_exits: Vec::new(),
            generation: 0,
            prediction: None,
            dns: Arc::default(),
            uses_dns: false,
            logs: BTreeMap::new(),
            previous_logs: BTreeMap::new(),
            read_only_volumes,
        }
    }

    pub fn set_pod_ip(&mut self, ip: &str) {
        self.pod.ip = ip.to_string();
    }

    /// Creates and starts a container from its spec at `now`: a fresh
    /// writable layer, the pod's volumes mounted, its process started with
    /// the environment the kubelet made (`env`), against which `$(VAR)` in
    /// its command and args is expanded (ExpandContainerCommandAndArgs).
    pub fn start(
        &mut self,
        spec: &Container,
        env: &BTreeMap<String, String>,
        now: SimTime,
    ) -> Result<(), StartError> {
        self.generation += 1;
        let name = spec.name.clone();
        let image = spec.image.clone().unwrap_or_default();
        let (repo, _) = registry::split_reference(&image);
        let catalogue = registry::repository(&repo);
        let process = catalogue.map(|r| r.process);
        // A new instance: the old log becomes `--previous`.
        if let Some(old) = self.logs.remove(&name) {
            self.previous_logs.insert(name.clone(), old);
        }
        self.logs.insert(name.clone(), ContainerLog::default());

        let (dirs, files) = image_files(process);
        let mut files: Vec<(&str, String)> =
            files.iter().map(|(p, c)| (*p, c.to_string())).collect();
        let sa = "/var/run/secrets/kubernetes.io/serviceaccount";
        // managedHostsFileContent: the pod's FQDN first when it has a domain.
        let hosts = match &self.pod.domain {
            Some(domain) => format!(
                "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n{}\t{}.{domain}\t{}\n",
                self.pod.ip, self.pod.hostname, self.pod.hostname
            ),
            None => format!(
                "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n{}\t{}\n",
                self.pod.ip, self.pod.hostname
            ),
        };
        let hostname = format!("{}\n", self.pod.hostname);
        let sa_namespace = format!("{sa}/namespace");
        let sa_token = format!("{sa}/token");
        let sa_ca = format!("{sa}/ca.crt");
        files.push(("/etc/hosts", hosts));
        files.push(("/etc/hostname", hostname));
        files.push(("/etc/resolv.conf", format!("search {}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", self.pod.namespace)));
        files.push((sa_namespace.as_str(), self.pod.namespace.clone()));
        files.push((sa_token.as_str(), SERVICE_ACCOUNT_TOKEN.to_string()));
        files.push((
            sa_ca.as_str(),
            "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".to_string(),
        ));
        let file_refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
        let tree = base_tree(&dirs, &file_refs);
        let root = TreeId::Container(name.clone());
        self.sandbox.fs.set_tree(root.clone(), tree);
        let mounts: Vec<(String, TreeId, bool)> = spec
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| {
                (
                    m.mount_path.clone(),
                    TreeId::Volume(m.name.clone()),
                    m.read_only.unwrap_or(false) || self.read_only_volumes.contains(&m.name),
                )
            })
            .collect();
        let view = View::new(root, mounts);
        self.sandbox.fs.prepare_mounts(&view);

        let given = env;
        let env = environment(&self.pod, given);
        let config = Arc::new(Config {
            hostname: self.pod.hostname.clone(),
            unknown: match process {
                Some(DefaultProcess::Shell) => Unknown::NotFound,
                _ => Unknown::Opaque,
            },
            image_is_apache: matches!(
                process,
                Some(DefaultProcess::Server {
                    kind: ServerKind::Apache,
                    ..
                })
            ),
            has_perl: catalogue.is_some_and(|r| r.name == "perl"),
        });
        let expand = |v: &Option<Vec<String>>| -> Option<Vec<String>> {
            v.as_ref()
                .map(|v| v.iter().map(|a| expand_references(a, given)).collect())
        };
        let command = expand(&spec.command).filter(|c| !c.is_empty());
        let args = expand(&spec.args).filter(|a| !a.is_empty());
        let mut assumed_ports: Vec<u16> = spec
            .ports
            .iter()
            .flatten()
            .filter_map(|p| u16::try_from(p.container_port).ok())
            .collect();
        assumed_ports.extend(probe_ports(spec));

        let machine = match (command, args, process) {
            (None, args, Some(DefaultProcess::Server { kind, docroot })) => {
                let ports = catalogue.map(|r| r.listens_on.to_vec()).unwrap_or_default();
                match args {
                    // Args that are flags go to the default program (docker-entrypoint.sh).
                    Some(a) if !a[0].starts_with('-') => {
                        Machine::argv(&a, &env, config.clone(), now)
                    }
                    _ => Machine::serving(
                        Server::new(kind, ports, docroot, now),
                        &env,
                        config.clone(),
                    ),
                }
            }
            (None, None, Some(DefaultProcess::Shell | DefaultProcess::Interpreter)) => {
                // `sh` or a REPL with no terminal: reads end-of-file and exits.
                Machine::exited(0, config.clone(), now)
            }
            (None, Some(a), Some(DefaultProcess::Shell)) => {
                self.checked_argv(&a, &env, &config, &view, now)?
            }
            (None, args, Some(DefaultProcess::Agnhost)) => {
                let args = args.unwrap_or_default();
                let port = |flag: &str, default: u16| -> u16 {
                    args.iter()
                        .find_map(|a| {
                            a.strip_prefix(&format!("--{flag}="))
                                .and_then(|p| p.parse().ok())
                        })
                        .unwrap_or(default)
                };
                match args.first().map(String::as_str) {
                    Some("liveness") => Machine::serving(
                        Server::new(ServerKind::AgnhostLiveness, vec![8080], "/", now),
                        &env,
                        config.clone(),
                    ),
                    Some("netexec") => Machine::serving(
                        Server::new(
                            ServerKind::AnyHttp,
                            vec![port("http-port", 8080), port("udp-port", 8081)],
                            "/",
                            now,
                        ),
                        &env,
                        config.clone(),
                    ),
                    Some("serve-hostname") => Machine::serving(
                        Server::new(ServerKind::AnyHttp, vec![port("port", 9376)], "/", now),
                        &env,
                        config.clone(),
                    ),
                    Some("pause") => Machine::opaque("agnhost", &env, config.clone(), now),
                    _ => Machine::exited(0, config.clone(), now),
                }
            }
            // Args replace a language image's CMD (perl, python and node
            // have no ENTRYPOINT but a pass-through script): they are the program.
            (None, Some(a), Some(DefaultProcess::Interpreter)) => {
                Machine::argv(&a, &env, config.clone(), now)
            }
            (None, _, Some(DefaultProcess::Application)) | (None, _, None) => {
                let program = image.rsplit('/').next().unwrap_or(&image);
                let program = program.split([':', '@']).next().unwrap_or(program);
                Machine::opaque(program, &env, config.clone(), now)
            }
            (Some(mut command), args, _) => {
                command.extend(args.unwrap_or_default());
                if config.unknown == Unknown::NotFound {
                    self.checked_argv(&command, &env, &config, &view, now)?
                } else {
                    Machine::argv(&command, &env, config.clone(), now)
                }
            }
        };
        let mut process = Process {
            machine,
            view,
            env,
            config,
            started: now,
            assumed_ports,
            deadline: None,
            exit: None,
        };
        if let Some(code) = process.machine.exit_code() {
            process.exit = Some((code, now));
        }
        self.sandbox.processes.insert(name.clone(), process);
        // What the process does at once (touch, echo ...) happens at its start.
        self.catch_up(now);
        Ok(())
    }

    /// An exec-form command in a base image: the program must exist, or
    /// runc refuses to start the container.
    fn checked_argv(
        &self,
        argv: &[String],
        env: &BTreeMap<String, String>,
        config: &Arc<Config>,
        view: &View,
        now: SimTime,
    ) -> Result<Machine, StartError> {
        let program = &argv[0];
        let exists = shell::is_known_program(program)
            || (program.contains('/')
                && self.sandbox.fs.kind(view, &fs::normalize("/", program)) == Some(Kind::File));
        if !exists {
            // runc's error through containerd (pkg/kubelet/kuberuntime startContainer).
            let why = if program.contains('/') {
                format!("exec: \"{program}\": stat {program}: no such file or directory")
            } else {
                format!("exec: \"{program}\": executable file not found in $PATH")
            };
            return Err(StartError {
                message: format!("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: {why}: unknown"),
            });
        }
        Ok(Machine::argv(argv, env, config.clone(), now))
    }

    /// Runs every running container up to `now`; returns those that exited
    /// (since the last call).
    pub fn advance(&mut self, now: SimTime) -> Vec<Exit> {
        self.catch_up(now);
        std::mem::take(&mut self.pending_exits)
    }

    fn catch_up(&mut self, now: SimTime) {
        let logs = &mut self.logs;
        let (exits, looked_up) = self.sandbox.advance(now, &self.dns, &mut |name, line| {
            logs.entry(name.to_string()).or_default().push(line);
        });
        self.uses_dns |= looked_up;
        self.pending_exits.extend(exits);
    }

    /// The cluster DNS the pod's processes ask from now on.
    pub fn set_dns(&mut self, dns: &Arc<ClusterDns>) {
        if !Arc::ptr_eq(&self.dns, dns) {
            self.dns = dns.clone();
        }
    }

    /// Whether a DNS change may change what the pod's processes do.
    pub fn uses_dns(&self) -> bool {
        self.uses_dns
    }

    /// When the next container will exit by itself (or be killed), looking
    /// ahead on a copy; or a later time to look again, if none exits soon.
    pub fn next_exit(&mut self, now: SimTime) -> Option<SimTime> {
        // The processes are deterministic: a look-ahead stays true until
        // something from outside changes the sandbox, or its time is reached.
        let epoch = self.dns.epoch();
        if let Some((generation, seen, answer)) = self.prediction {
            if generation == self.generation && seen == epoch && answer.is_none_or(|t| t > now) {
                return answer;
            }
        }
        let (answer, looked_up) = self.look_ahead(now);
        self.uses_dns |= looked_up;
        self.prediction = Some((self.generation, epoch, answer));
        answer
    }

    /// The next exit, and whether the processes looked names up before it.
    fn look_ahead(&self, now: SimTime) -> (Option<SimTime>, bool) {
        let mut copy = self.sandbox.clone();
        let mut sink = |_: &str, _: LogLine| {};
        let horizon = now.plus(LOOK_AHEAD);
        let (exits, looked_up) = copy.advance(horizon, &self.dns, &mut sink);
        if let Some(first) = exits.iter().map(|e| e.at).min() {
            return (Some(first), looked_up);
        }
        // Nothing exits this side of the horizon: look again at the next thing to happen.
        (
            copy.processes.values().filter_map(Process::wake).min(),
            looked_up,
        )
    }

    /// Sends SIGTERM to a container, to be killed `grace` later if it has
    /// not exited by then. Returns when it will be gone and with what code.
    pub fn stop(&mut self, name: &str, now: SimTime, grace: SimDuration) -> Option<(SimTime, i32)> {
        self.catch_up(now);
        self.generation += 1;
        let p = self.sandbox.processes.get_mut(name)?;
        if let Some((code, at)) = p.exit {
            return Some((at, code));
        }
        let deadline = match p.machine.sigterm(now) {
            Some(code) => (now.plus(STOP_DELAY.min(grace)), code),
            // SIGKILL when the grace period ends: 128 + 9.
            None => (now.plus(grace), 137),
        };
        p.deadline = Some(match p.deadline {
            Some(d) if d.0 <= deadline.0 => d,
            _ => deadline,
        });
        // A trap may make it exit sooner: look ahead.
        let mut copy = self.sandbox.clone();
        let mut sink = |_: &str, _: LogLine| {};
        let (exits, _) = copy.advance(deadline.0, &self.dns, &mut sink);
        exits
            .into_iter()
            .find(|e| e.container == name)
            .map(|e| (e.at, e.code))
            .or(Some(deadline))
    }

    /// Forgets a container's process (after it exited and was recorded).
    pub fn remove(&mut self, name: &str) {
        self.generation += 1;
        self.sandbox.processes.remove(name);
    }

    pub fn is_running(&self, name: &str) -> bool {
        self.sandbox
            .processes
            .get(name)
            .is_some_and(|p| p.exit.is_none())
    }

    /// Whether the container is in a busy loop (for explanations).
    pub fn spinning(&self, name: &str) -> bool {
        self.sandbox
            .processes
            .get(name)
            .is_some_and(|p| p.machine.spinning())
    }

    /// The log of a container's current instance as it will be at `now`:
    /// the processes are deterministic, so running a copy up to `now` shows
    /// what they print meanwhile without changing this sandbox.
    pub fn log_at(&self, name: &str, now: SimTime) -> Option<ContainerLog> {
        self.logs.get(name)?;
        let mut copy = self.clone();
        copy.catch_up(now);
        copy.logs.remove(name)
    }

    /// The log of a container's current (or previous) instance.
    pub fn log(&self, name: &str, previous: bool) -> Option<&ContainerLog> {
        if previous {
            self.previous_logs.get(name)
        } else {
            self.logs.get(name)
        }
    }

    /// Runs a command in a container (exec probe): output and exit code, or a timeout.
    pub fn exec(
        &mut self,
        name: &str,
        argv: &[String],
        now: SimTime,
        timeout: SimDuration,
    ) -> Option<ExecResult> {
        self.catch_up(now);
        let p = self.sandbox.processes.get(name)?;
        if p.exit.is_some() {
            return None;
        }
        let (env, config, view) = (p.env.clone(), p.config.clone(), p.view.clone());
        let mut host = Host {
            fs: &mut self.sandbox.fs,
            view: &view,
            dns: &self.dns,
            looked_up: false,
        };
        // A command that is not there fails as runc's exec does.
        if config.unknown == Unknown::NotFound
            && !shell::is_known_program(&argv[0])
            && host.fs.kind(&view, &fs::normalize("/", &argv[0])) != Some(Kind::File)
        {
            return Some(ExecResult::Exited {
                code: 126,
                output: format!("OCI runtime exec failed: exec failed: unable to start container process: exec: \"{}\": executable file not found in $PATH: unknown", argv[0]),
            });
        }
        let before = host.fs.changes();
        let result = Machine::exec(argv, &env, config, now, timeout, &mut host);
        if self.sandbox.fs.changes() != before {
            self.generation += 1;
        }
        Some(result)
    }

    /// Runs a `kubectl exec` command in a running container, in its files
    /// and with its environment, for at most `limit` of the command's own
    /// time; the containers themselves do not move on meanwhile. Returns
    /// whether the container's files changed (its future may have).
    pub fn exec_session(
        &mut self,
        name: &str,
        argv: &[String],
        now: SimTime,
        limit: SimDuration,
    ) -> Result<(shell::Session, bool), ExecError> {
        self.catch_up(now);
        let p = self
            .sandbox
            .processes
            .get(name)
            .filter(|p| p.exit.is_none())
            .ok_or(ExecError::NotRunning)?;
        let (env, config, view) = (p.env.clone(), p.config.clone(), p.view.clone());
        let Some(program) = argv.first() else {
            return Err(ExecError::NotRunning);
        };
        // runc's exec looks the program up before anything runs.
        let exists = shell::is_known_program(program)
            || (program.contains('/')
                && self.sandbox.fs.kind(&view, &fs::normalize("/", program)) == Some(Kind::File));
        if program.is_empty() || (config.unknown == Unknown::NotFound && !exists) {
            let why = if program.contains('/') {
                format!("exec: \"{program}\": stat {program}: no such file or directory")
            } else {
                format!("exec: \"{program}\": executable file not found in $PATH")
            };
            return Err(ExecError::StartFailed(format!(
                "OCI runtime exec failed: exec failed: unable to start container process: {why}: unknown"
            )));
        }
        let mut host = Host {
            fs: &mut self.sandbox.fs,
            view: &view,
            dns: &self.dns,
            looked_up: false,
        };
        let before = host.fs.changes();
        let session = Machine::session(argv, &env, config, now, limit, &mut host);
        let changed = self.sandbox.fs.changes() != before;
        if changed {
            self.generation += 1;
        }
        Ok((session, changed))
    }

    /// Which running container listens on a port at `now`.
    fn listener(&self, port: u16, now: SimTime) -> Option<(&Process, Option<Server>)> {
        for p in self.sandbox.processes.values().filter(|p| p.exit.is_none()) {
            if let Some(s) = p
                .machine
                .servers()
                .into_iter()
                .find(|s| s.listens(port, now))
            {
                return Some((p, Some(s)));
            }
        }
        self.sandbox
            .processes
            .values()
            .filter(|p| p.exit.is_none())
            .find(|p| p.machine.runs_opaque_program() && p.assumed_ports.contains(&port))
            .map(|p| (p, None))
    }

    /// A TCP connect to the pod's IP: Go's error text when refused.
    pub fn tcp_connect(&mut self, port: u16, now: SimTime) -> Result<(), String> {
        self.catch_up(now);
        match self.listener(port, now) {
            Some(_) => Ok(()),
            None => Err(format!(
                "dial tcp {}: connect: connection refused",
                join_host_port(&self.pod.ip, port)
            )),
        }
    }

    /// An HTTP GET to the pod's IP: the status, or Go's client error text.
    pub fn http_get(
        &mut self,
        scheme: &str,
        port: u16,
        path: &str,
        now: SimTime,
    ) -> Result<u16, String> {
        self.catch_up(now);
        let path = if path.is_empty() { "/" } else { path };
        let url = format!(
            "{}://{}{}",
            scheme.to_lowercase(),
            join_host_port(&self.pod.ip, port),
            if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            }
        );
        let Some((process, server)) = self.listener(port, now) else {
            return Err(format!(
                "Get \"{url}\": dial tcp {}: connect: connection refused",
                join_host_port(&self.pod.ip, port)
            ));
        };
        let Some(server) = server else {
            // An application we cannot look into: taken to answer.
            return Ok(200);
        };
        if scheme.eq_ignore_ascii_case("https") {
            return Err(format!(
                "Get \"{url}\": http: server gave HTTP response to HTTPS client"
            ));
        }
        let fs = &self.sandbox.fs;
        let view = &process.view;
        match server.get(path, now, &|p: &str| fs.kind(view, p)) {
            HttpAnswer::Status(code) => Ok(code),
            HttpAnswer::NotHttp(e) => Err(format!("Get \"{url}\": {e}")),
        }
    }

    /// When a container's current instance started.
    pub fn started(&self, name: &str) -> Option<SimTime> {
        self.sandbox.processes.get(name).map(|p| p.started)
    }

    /// Whether the process has reached a point where it is blocked in a
    /// foreground program the kubelet should think of as the main process.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.sandbox.processes.get(name).map(|p| &p.machine.state)
    }
}

/// Go's net.JoinHostPort.
fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests;
