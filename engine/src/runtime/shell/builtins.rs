//! The commands the shell knows, worded as busybox words them: the
//! coreutils a container script uses (`echo`, `cat`, `touch`, `rm`, `test`,
//! `sleep` ...), a few network tools answered from the simulated cluster
//! (`nslookup`, `wget`, `curl`), and the servers it can start (`nginx`,
//! busybox `httpd`, `nc -l` ...).

use super::{Forever, Host, Machine, Outcome, Unknown};
use crate::runtime::fs::{base_name, normalize, FsError, Kind};
use crate::runtime::perl;
use crate::runtime::servers::{self, Server};
use crate::time::SimDuration;

/// Programs the shell runs itself (so a container command naming one of
/// them starts, whatever the image).
const BUILTINS: &[&str] = &[
    ":", "true", "false", "echo", "printf", "exit", "sleep", "touch", "rm", "cat", "mkdir",
    "rmdir", "ls", "cp", "mv", "test", "[", "[[", "date", "hostname", "printenv", "env", "export",
    "unset", "readonly", "cd", "pwd", "seq", "expr", "wget", "curl", "nslookup", "head", "tail",
    "grep", "wc", "tee", "yes", "trap", "wait", "break", "continue", "exec", "sh", "bash", "ash",
    "dash", "set", "read", "uname", "whoami", "id", "basename", "dirname", "sync", "kill", "nohup",
    "sort", "ping", "rev",
];

/// Server programs the shell can start.
const SERVERS: &[&str] = &[
    "nginx",
    "httpd",
    "httpd-foreground",
    "redis-server",
    "mysqld",
    "postgres",
    "mongod",
    "nc",
    "netcat",
    "python",
    "python3",
];

/// Directories whose programs are looked up by name.
const BIN_DIRS: &[&str] = &[
    "/bin",
    "/usr/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

/// Whether `program` names something that can start in an image whose unknown
/// commands are `not found` (busybox, alpine, ...).
pub fn is_known_program(program: &str) -> bool {
    let name = command_name(program);
    BUILTINS.contains(&name) || SERVERS.contains(&name)
}

fn command_name(program: &str) -> &str {
    if program.contains('/') {
        let dir = &program[..program.rfind('/').unwrap_or(0)];
        if dir.is_empty() || BIN_DIRS.contains(&dir) {
            return base_name(program);
        }
        return program;
    }
    program
}

/// Said instead of pretending: nothing carries packets between pods yet.
const TRAFFIC_NOT_SIMULATED: &str = "kubeplay: connections to pods and Services are not simulated yet (their DNS names are, and so are kube-proxy's rules: sim iptables NODE)\n";

/// A pod address (10.244.0.0/16) or a Service's (10.96.0.0/12).
fn in_cluster(ip: &str) -> bool {
    let Ok(addr) = ip.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let [a, b, ..] = addr.octets();
    a == 10 && (b == 244 || (96..112).contains(&b))
}

/// Splits `http://host:port/path` into (host, port, path).
fn split_url(url: &str) -> (String, u16, String) {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let default_port = if url.starts_with("https://") { 443 } else { 80 };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().unwrap_or(default_port)),
        None => (authority, default_port),
    };
    (host.to_string(), port, path.to_string())
}

fn page_for(host: &str) -> String {
    if host == "info.cern.ch" {
        return "<html><head></head><body><header>\n<title>http://info.cern.ch</title>\n</header>\n\n<h1>http://info.cern.ch - home of the first website</h1>\n</body></html>\n".to_string();
    }
    format!("<!doctype html>\n<html><head><title>{host}</title></head><body><h1>{host}</h1></body></html>\n")
}

/// `-rw-r--r--`: what `ls -l` shows of a file's type and permission bits.
fn permissions(kind: Kind, mode: u32) -> String {
    if kind == Kind::Dir {
        return "drwxr-xr-x".to_string();
    }
    let mut text = String::from("-");
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        text.push(if bits & 4 != 0 { 'r' } else { '-' });
        text.push(if bits & 2 != 0 { 'w' } else { '-' });
        text.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    text
}

/// `sleep` arguments: `30`, `1.5`, `2m`, `1h`, `infinity`.
fn parse_sleep(arg: &str) -> Option<Option<SimDuration>> {
    if arg == "infinity" || arg == "inf" {
        return Some(None);
    }
    let (number, factor) = match arg.chars().last()? {
        's' => (&arg[..arg.len() - 1], 1000.0),
        'm' => (&arg[..arg.len() - 1], 60_000.0),
        'h' => (&arg[..arg.len() - 1], 3_600_000.0),
        'd' => (&arg[..arg.len() - 1], 86_400_000.0),
        _ => (arg, 1000.0),
    };
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let ms = value * factor;
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    Some(Some(SimDuration(ms.min(1e15) as u64)))
}

impl Machine {
    pub(super) fn command(&mut self, argv: Vec<String>, host: &mut Host) -> Outcome {
        let Some(first) = argv.first().cloned() else {
            return Outcome::Status(0);
        };
        let name = command_name(&first).to_string();
        let args: Vec<String> = argv[1..].to_vec();
        match name.as_str() {
            ":" | "true" | "sync" => Outcome::Status(0),
            "false" => Outcome::Status(1),
            "echo" => self.echo(&args, host),
            "printf" => self.printf(&args, host),
            "exit" => match args.first() {
                None => Outcome::Exit(self.status),
                Some(a) => match a.parse::<i64>() {
                    Ok(n) => Outcome::Exit((n & 0xff) as i32),
                    Err(_) => {
                        self.write_err_host(&format!("sh: exit: Illegal number: {a}\n"), host);
                        Outcome::Exit(2)
                    }
                },
            },
            "sleep" => {
                if args.is_empty() {
                    self.write_err_host("sleep: missing operand\n", host);
                    return Outcome::Status(1);
                }
                let mut total = SimDuration::ZERO;
                for a in &args {
                    match parse_sleep(a) {
                        Some(None) => return Outcome::Forever(Forever::Idle),
                        Some(Some(d)) => total = SimDuration(total.0.saturating_add(d.0)),
                        None => {
                            self.write_err_host(&format!("sleep: invalid number '{a}'\n"), host);
                            return Outcome::Status(1);
                        }
                    }
                }
                Outcome::Sleep(total)
            }
            "touch" => self.each_path(&args, host, |m, host, path, shown| {
                host.fs.touch(host.view, path).map_err(|e| {
                    m.write_err_host(&format!("touch: {shown}: {}\n", e.text()), host);
                })
            }),
            "rm" => {
                let (flags, paths) = split_flags(&args);
                let force = flags.contains('f');
                let recursive = flags.contains('r') || flags.contains('R');
                if paths.is_empty() && !force {
                    self.write_err_host("rm: missing operand\n", host);
                    return Outcome::Status(1);
                }
                self.each_path(&paths, host, |m, host, path, shown| {
                    match host.fs.remove(host.view, path, recursive, false) {
                        Ok(()) => Ok(()),
                        Err(FsError::NotFound) if force => Ok(()),
                        Err(e) => {
                            m.write_err_host(
                                &format!("rm: can't remove '{shown}': {}\n", e.text()),
                                host,
                            );
                            Err(())
                        }
                    }
                })
            }
            "rmdir" => self.each_path(&args, host, |m, host, path, shown| {
                host.fs.remove(host.view, path, false, true).map_err(|e| {
                    m.write_err_host(&format!("rmdir: '{shown}': {}\n", e.text()), host);
                })
            }),
            "mkdir" => {
                let (flags, paths) = split_flags(&args);
                let parents = flags.contains('p');
                self.each_path(&paths, host, |m, host, path, shown| {
                    host.fs.mkdir(host.view, path, parents).map_err(|e| {
                        m.write_err_host(
                            &format!("mkdir: can't create directory '{shown}': {}\n", e.text()),
                            host,
                        );
                    })
                })
            }
            "cat" => {
                let (_, paths) = split_flags(&args);
                if paths.is_empty() {
                    let input = self.fds.stdin.clone().unwrap_or_default();
                    self.write_out(&input, host);
                    return Outcome::Status(0);
                }
                self.each_path(&paths, host, |m, host, path, shown| {
                    match host.fs.read(host.view, path) {
                        Ok(content) => {
                            m.write_out(&content, host);
                            Ok(())
                        }
                        Err(FsError::IsDir) => {
                            m.write_err_host("cat: read error: Is a directory\n", host);
                            Err(())
                        }
                        Err(e) => {
                            m.write_err_host(
                                &format!("cat: can't open '{shown}': {}\n", e.text()),
                                host,
                            );
                            Err(())
                        }
                    }
                })
            }
            "rev" => {
                // busybox rev: each line's characters in reverse order.
                let reverse = |text: &str| -> String {
                    text.split_inclusive('\n')
                        .map(|line| {
                            let body = line.strip_suffix('\n');
                            let reversed: String = body.unwrap_or(line).chars().rev().collect();
                            if body.is_some() {
                                reversed + "\n"
                            } else {
                                reversed
                            }
                        })
                        .collect()
                };
                let (_, paths) = split_flags(&args);
                if paths.is_empty() {
                    let input = self.fds.stdin.clone().unwrap_or_default();
                    self.write_out(&reverse(&input), host);
                    return Outcome::Status(0);
                }
                self.each_path(&paths, host, |m, host, path, shown| {
                    match host.fs.read(host.view, path) {
                        Ok(content) => {
                            m.write_out(&reverse(&content), host);
                            Ok(())
                        }
                        Err(e) => {
                            m.write_err_host(&format!("rev: {shown}: {}\n", e.text()), host);
                            Err(())
                        }
                    }
                })
            }
            "ls" => {
                let (flags, paths) = split_flags(&args);
                let long = flags.contains('l');
                let paths = if paths.is_empty() {
                    vec![".".to_string()]
                } else {
                    paths
                };
                let many = paths.len() > 1;
                let mut status = 0;
                for p in &paths {
                    let abs = normalize(&self.cwd, p);
                    match host.fs.kind(host.view, &abs) {
                        None => {
                            self.write_err_host(
                                &format!("ls: {p}: No such file or directory\n"),
                                host,
                            );
                            status = 1;
                        }
                        Some(Kind::File) => {
                            let line = if long {
                                let mode = permissions(Kind::File, host.fs.mode(host.view, &abs));
                                format!("{mode}    1 root     root {p}\n")
                            } else {
                                format!("{p}\n")
                            };
                            self.write_out(&line, host);
                        }
                        Some(Kind::Dir) => {
                            if many {
                                self.write_out(&format!("{p}:\n"), host);
                            }
                            let entries = host.fs.list(host.view, &abs).unwrap_or_default();
                            let mut text = String::new();
                            for (name, kind) in entries {
                                if long {
                                    let path = normalize(&abs, &name);
                                    let mode = permissions(kind, host.fs.mode(host.view, &path));
                                    text.push_str(&format!("{mode}    1 root     root {name}\n"));
                                } else {
                                    text.push_str(&name);
                                    text.push('\n');
                                }
                            }
                            self.write_out(&text, host);
                        }
                    }
                }
                Outcome::Status(status)
            }
            "cp" | "mv" => {
                let (_, paths) = split_flags(&args);
                if paths.len() < 2 {
                    self.write_err_host(&format!("{name}: missing file operand\n"), host);
                    return Outcome::Status(1);
                }
                let to = normalize(&self.cwd, &paths[paths.len() - 1]);
                let mut status = 0;
                for from in &paths[..paths.len() - 1] {
                    let abs = normalize(&self.cwd, from);
                    let result = host.fs.copy(host.view, &abs, &to).and_then(|()| {
                        if name == "mv" {
                            host.fs.remove(host.view, &abs, false, false)
                        } else {
                            Ok(())
                        }
                    });
                    if let Err(e) = result {
                        self.write_err_host(
                            &format!("{name}: can't stat '{from}': {}\n", e.text()),
                            host,
                        );
                        status = 1;
                    }
                }
                Outcome::Status(status)
            }
            "test" => Outcome::Status(self.test(&args, host)),
            "[" | "[[" => {
                // busybox ash takes bash's `[[ ... ]]` too; here it is `test`.
                let close = if name == "[" { "]" } else { "]]" };
                if args.last().map(String::as_str) != Some(close) {
                    self.write_err_host(&format!("sh: missing {close}\n"), host);
                    return Outcome::Status(2);
                }
                Outcome::Status(self.test(&args[..args.len() - 1], host))
            }
            "date" => {
                let ts = self.clock.to_k8s().0;
                let format = args
                    .iter()
                    .find_map(|a| a.strip_prefix('+'))
                    .unwrap_or("%a %b %e %H:%M:%S UTC %Y");
                let text = ts
                    .to_zoned(k8s_openapi::jiff::tz::TimeZone::UTC)
                    .strftime(format)
                    .to_string();
                self.write_out(&format!("{text}\n"), host);
                Outcome::Status(0)
            }
            "hostname" => {
                let h = self.config.hostname.clone();
                self.write_out(&format!("{h}\n"), host);
                Outcome::Status(0)
            }
            "printenv" | "env" => {
                let assignments: Vec<&String> =
                    args.iter().take_while(|a| a.contains('=')).collect();
                if name == "env" && args.len() > assignments.len() {
                    // `env [VAR=x] command`: run the command.
                    let rest = args[assignments.len()..].to_vec();
                    return self.command(rest, host);
                }
                let mut env: Vec<(String, String)> = self
                    .vars
                    .iter()
                    .filter(|(k, _)| self.exported.contains(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for a in assignments {
                    if let Some((k, v)) = a.split_once('=') {
                        env.retain(|(x, _)| x != k);
                        env.push((k.to_string(), v.to_string()));
                    }
                }
                if name == "printenv" && !args.is_empty() {
                    let mut status = 0;
                    for a in &args {
                        match env.iter().find(|(k, _)| k == a) {
                            Some((_, v)) => {
                                let v = v.clone();
                                self.write_out(&format!("{v}\n"), host);
                            }
                            None => status = 1,
                        }
                    }
                    return Outcome::Status(status);
                }
                let text: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
                self.write_out(&text, host);
                Outcome::Status(0)
            }
            "export" | "readonly" => {
                for a in &args {
                    if let Some((k, v)) = a.split_once('=') {
                        self.vars.insert(k.to_string(), v.to_string());
                        self.exported.insert(k.to_string());
                    } else if !a.starts_with('-') {
                        self.exported.insert(a.clone());
                    }
                }
                Outcome::Status(0)
            }
            "unset" => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    self.vars.remove(a);
                    self.exported.remove(a);
                }
                Outcome::Status(0)
            }
            "cd" => {
                let target = args.first().cloned().unwrap_or_else(|| {
                    self.vars
                        .get("HOME")
                        .cloned()
                        .unwrap_or_else(|| "/".to_string())
                });
                let abs = normalize(&self.cwd, &target);
                match host.fs.kind(host.view, &abs) {
                    Some(Kind::Dir) => {
                        self.cwd = abs;
                        Outcome::Status(0)
                    }
                    Some(Kind::File) => {
                        self.write_err_host(
                            &format!("sh: cd: can't cd to {target}: Not a directory\n"),
                            host,
                        );
                        Outcome::Status(2)
                    }
                    None => {
                        self.write_err_host(
                            &format!("sh: cd: can't cd to {target}: No such file or directory\n"),
                            host,
                        );
                        Outcome::Status(2)
                    }
                }
            }
            "pwd" => {
                let cwd = self.cwd.clone();
                self.write_out(&format!("{cwd}\n"), host);
                Outcome::Status(0)
            }
            "seq" => {
                let nums: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
                if nums.len() != args.len() || nums.is_empty() || nums.len() > 3 {
                    self.write_err_host("seq: invalid argument\n", host);
                    return Outcome::Status(1);
                }
                let (first, step, last) = match nums.as_slice() {
                    [last] => (1, 1, *last),
                    [first, last] => (*first, 1, *last),
                    [first, step, last] => (*first, *step, *last),
                    _ => (1, 1, 0),
                };
                if step == 0 {
                    return Outcome::Status(1);
                }
                let mut text = String::new();
                let mut i = first;
                let mut count = 0;
                while (step > 0 && i <= last) || (step < 0 && i >= last) {
                    text.push_str(&format!("{i}\n"));
                    i = i.saturating_add(step);
                    count += 1;
                    if count >= 100_000 {
                        break;
                    }
                }
                self.write_out(&text, host);
                Outcome::Status(0)
            }
            "expr" => {
                let result = match args.as_slice() {
                    [a, op, b] => {
                        let (x, y) = (a.parse::<i64>(), b.parse::<i64>());
                        match (op.as_str(), x, y) {
                            ("+", Ok(x), Ok(y)) => Some(x.wrapping_add(y).to_string()),
                            ("-", Ok(x), Ok(y)) => Some(x.wrapping_sub(y).to_string()),
                            ("*", Ok(x), Ok(y)) => Some(x.wrapping_mul(y).to_string()),
                            ("/", Ok(x), Ok(y)) if y != 0 => Some((x / y).to_string()),
                            ("%", Ok(x), Ok(y)) if y != 0 => Some((x % y).to_string()),
                            ("=", _, _) => Some(i32::from(a == b).to_string()),
                            ("!=", _, _) => Some(i32::from(a != b).to_string()),
                            ("<", Ok(x), Ok(y)) => Some(i32::from(x < y).to_string()),
                            (">", Ok(x), Ok(y)) => Some(i32::from(x > y).to_string()),
                            _ => None,
                        }
                    }
                    [a] => Some(a.clone()),
                    _ => None,
                };
                match result {
                    Some(r) => {
                        let status = i32::from(r == "0" || r.is_empty());
                        self.write_out(&format!("{r}\n"), host);
                        Outcome::Status(status)
                    }
                    None => {
                        self.write_err_host("expr: syntax error\n", host);
                        Outcome::Status(2)
                    }
                }
            }
            "wget" => self.wget(&args, host),
            "curl" => self.curl(&args, host),
            "nslookup" => {
                let Some(target) = args.iter().find(|a| !a.starts_with('-')).cloned() else {
                    self.write_err_host("nslookup: missing host name\n", host);
                    return Outcome::Status(1);
                };
                // busybox 1.28's output, as the init-container and StatefulSet examples print it.
                let mut text = format!(
                    "Server:    {dns}\nAddress 1: {dns} kube-dns.kube-system.svc.cluster.local\n\n",
                    dns = crate::apiserver::service_alloc::CLUSTER_DNS_IP
                );
                match self.lookup(&target, host) {
                    Some(found) => {
                        text.push_str(&format!("Name:      {target}\n"));
                        let zone = host.dns.at(self.clock);
                        for (i, ip) in found.addresses.iter().enumerate() {
                            let name = zone
                                .reverse(ip)
                                .map(|n| format!(" {n}"))
                                .unwrap_or_default();
                            text.push_str(&format!("Address {}: {ip}{name}\n", i + 1));
                        }
                        self.write_out(&text, host);
                        Outcome::Status(0)
                    }
                    None => {
                        self.write_out(&text, host);
                        self.write_err_host(&format!("nslookup: can't resolve '{target}'\n"), host);
                        Outcome::Status(1)
                    }
                }
            }
            "ping" => {
                let Some(target) = args.iter().rev().find(|a| !a.starts_with('-')).cloned() else {
                    return Outcome::Status(1);
                };
                match self.lookup(&target, host).map(|r| r.addresses[0].clone()) {
                    Some(ip) => {
                        self.write_out(&format!("PING {target} ({ip}): 56 data bytes\n"), host);
                        Outcome::Forever(Forever::Idle)
                    }
                    None => {
                        self.write_err_host(&format!("ping: bad address '{target}'\n"), host);
                        Outcome::Status(1)
                    }
                }
            }
            "head" | "tail" => {
                let (flags, mut rest) = split_flags_with_values(&args, &["-n", "-c"]);
                let follow = flags.iter().any(|(f, _)| f.contains(['f', 'F']));
                // -F: follow by name, waiting for a file that is not there yet.
                let retry = flags.iter().any(|(f, _)| f.contains('F'));
                let n: usize = flags
                    .iter()
                    .find(|(f, _)| f == "-n")
                    .and_then(|(_, v)| v.trim_start_matches(['+', '-']).parse().ok())
                    .unwrap_or(10);
                let mut status = 0;
                let mut followed = None;
                let content = if rest.is_empty() {
                    self.fds.stdin.clone().unwrap_or_default()
                } else {
                    let path = normalize(&self.cwd, &rest.remove(0));
                    followed = Some(path.clone());
                    match host.fs.read(host.view, &path) {
                        Ok(c) => c,
                        Err(e) => {
                            self.write_err_host(
                                &format!("{name}: can't open '{path}': {}\n", e.text()),
                                host,
                            );
                            status = 1;
                            String::new()
                        }
                    }
                };
                let lines: Vec<&str> = content.lines().collect();
                let chosen: Vec<&str> = if name == "head" {
                    lines.iter().take(n).copied().collect()
                } else {
                    lines[lines.len().saturating_sub(n)..].to_vec()
                };
                let mut text = chosen.join("\n");
                if !chosen.is_empty() {
                    text.push('\n');
                }
                self.write_out(&text, host);
                if follow && name == "tail" && (status == 0 || retry) {
                    return Outcome::Forever(match followed {
                        // Pipelines and probes run without time passing: nothing to poll for.
                        Some(path) if !self.instant => Forever::Following {
                            offset: content.len(),
                            path,
                            next_poll: self.clock.plus(SimDuration::from_secs(1)),
                            present: status == 0,
                        },
                        _ => Forever::Idle,
                    });
                }
                Outcome::Status(status)
            }
            "grep" => {
                let (flags, rest) = split_flags(&args);
                let Some(pattern) = rest.first().cloned() else {
                    self.write_err_host("grep: missing pattern\n", host);
                    return Outcome::Status(2);
                };
                let quiet = flags.contains('q');
                let invert = flags.contains('v');
                let ignore_case = flags.contains('i');
                let count = flags.contains('c');
                let mut input = String::new();
                let mut status = 0;
                if rest.len() < 2 {
                    input = self.fds.stdin.clone().unwrap_or_default();
                } else {
                    for p in &rest[1..] {
                        match host.fs.read(host.view, &normalize(&self.cwd, p)) {
                            Ok(c) => input.push_str(&c),
                            Err(e) => {
                                self.write_err_host(&format!("grep: {p}: {}\n", e.text()), host);
                                status = 2;
                            }
                        }
                    }
                }
                let needle = if ignore_case {
                    pattern.to_lowercase()
                } else {
                    pattern.clone()
                };
                let matched: Vec<&str> = input
                    .lines()
                    .filter(|l| {
                        let hay = if ignore_case {
                            l.to_lowercase()
                        } else {
                            l.to_string()
                        };
                        let hit = grep_match(&needle, &hay);
                        hit != invert
                    })
                    .collect();
                if !quiet {
                    let text = if count {
                        format!("{}\n", matched.len())
                    } else {
                        matched.iter().map(|l| format!("{l}\n")).collect()
                    };
                    self.write_out(&text, host);
                }
                if status == 2 && matched.is_empty() {
                    return Outcome::Status(2);
                }
                Outcome::Status(i32::from(matched.is_empty()))
            }
            "wc" => {
                let (flags, rest) = split_flags(&args);
                let content = match rest.first() {
                    None => self.fds.stdin.clone().unwrap_or_default(),
                    Some(p) => match host.fs.read(host.view, &normalize(&self.cwd, p)) {
                        Ok(c) => c,
                        Err(e) => {
                            self.write_err_host(&format!("wc: {p}: {}\n", e.text()), host);
                            return Outcome::Status(1);
                        }
                    },
                };
                let l = content.matches('\n').count();
                let w = content.split_whitespace().count();
                let c = content.len();
                let text = match (
                    flags.contains('l'),
                    flags.contains('w'),
                    flags.contains('c'),
                ) {
                    (true, false, false) => format!("{l}\n"),
                    (false, true, false) => format!("{w}\n"),
                    (false, false, true) => format!("{c}\n"),
                    _ => format!("{l:>9} {w:>9} {c:>9}\n"),
                };
                self.write_out(&text, host);
                Outcome::Status(0)
            }
            "tee" => {
                let (flags, rest) = split_flags(&args);
                let append = flags.contains('a');
                let input = self.fds.stdin.clone().unwrap_or_default();
                let mut status = 0;
                for p in &rest {
                    if let Err(e) =
                        host.fs
                            .write(host.view, &normalize(&self.cwd, p), &input, append)
                    {
                        self.write_err_host(&format!("tee: {p}: {}\n", e.text()), host);
                        status = 1;
                    }
                }
                self.write_out(&input, host);
                Outcome::Status(status)
            }
            "sort" => {
                let mut lines: Vec<String> = self
                    .fds
                    .stdin
                    .clone()
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_string)
                    .collect();
                crate::sorting::sort(&mut lines);
                let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
                self.write_out(&text, host);
                Outcome::Status(0)
            }
            "yes" => Outcome::Spin,
            "trap" => {
                match args.as_slice() {
                    [] => {}
                    [action, signals @ ..] => {
                        for s in signals {
                            let sig = match s.trim_start_matches("SIG") {
                                "15" | "TERM" => "TERM",
                                "2" | "INT" => "INT",
                                "0" | "EXIT" => "EXIT",
                                "1" | "HUP" => "HUP",
                                "3" | "QUIT" => "QUIT",
                                other => other,
                            }
                            .to_string();
                            if action == "-" {
                                self.traps.remove(&sig);
                            } else {
                                self.traps.insert(sig, action.clone());
                            }
                        }
                    }
                }
                Outcome::Status(0)
            }
            "wait" => Outcome::Wait,
            "break" | "continue" => {
                let n = args.first().and_then(|a| a.parse().ok()).unwrap_or(1);
                if name == "break" {
                    Outcome::Break(n)
                } else {
                    Outcome::Continue(n)
                }
            }
            "exec" => {
                if args.is_empty() {
                    return Outcome::Status(0);
                }
                // The command replaces the shell: nothing after it runs.
                self.frames.clear();
                self.command(args, host)
            }
            "nohup" => self.command(args, host),
            "kill" => Outcome::Status(0),
            "sh" | "bash" | "ash" | "dash" => self.shell(&name, &args, host),
            "set" => {
                let mut rest = args.iter();
                while let Some(a) = rest.next() {
                    match a.as_str() {
                        "--" => {
                            let mut positional = vec![self.positional[0].clone()];
                            positional.extend(rest.cloned());
                            self.positional = positional;
                            break;
                        }
                        flags if flags.starts_with('-') && flags.contains('e') => {
                            self.errexit = true;
                        }
                        flags if flags.starts_with('+') && flags.contains('e') => {
                            self.errexit = false;
                        }
                        _ => {}
                    }
                }
                Outcome::Status(0)
            }
            "read" => {
                let input = self.fds.stdin.clone().unwrap_or_default();
                let Some(line) = input.lines().next().map(str::to_string) else {
                    return Outcome::Status(1);
                };
                let rest: String = input
                    .split_once('\n')
                    .map(|(_, r)| r.to_string())
                    .unwrap_or_default();
                self.fds.stdin = Some(rest);
                let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                let mut words = line.split_whitespace();
                for (i, n) in names.iter().enumerate() {
                    let value = if i + 1 == names.len() {
                        words.clone().collect::<Vec<_>>().join(" ")
                    } else {
                        words.next().unwrap_or("").to_string()
                    };
                    self.vars.insert((*n).clone(), value);
                }
                Outcome::Status(0)
            }
            "uname" => {
                let text = if args.iter().any(|a| a.contains('a')) {
                    format!(
                        "Linux {} 6.8.0-88-generic #88-Ubuntu SMP x86_64 GNU/Linux\n",
                        self.config.hostname
                    )
                } else if args.iter().any(|a| a.contains('r')) {
                    "6.8.0-88-generic\n".to_string()
                } else {
                    "Linux\n".to_string()
                };
                self.write_out(&text, host);
                Outcome::Status(0)
            }
            "whoami" => {
                self.write_out("root\n", host);
                Outcome::Status(0)
            }
            "id" => {
                self.write_out("uid=0(root) gid=0(root) groups=0(root),10(wheel)\n", host);
                Outcome::Status(0)
            }
            "basename" | "dirname" => {
                let Some(p) = args.first() else {
                    return Outcome::Status(1);
                };
                let trimmed = p.trim_end_matches('/');
                let text = if name == "basename" {
                    base_name(trimmed).to_string()
                } else {
                    match trimmed.rfind('/') {
                        Some(0) => "/".to_string(),
                        Some(i) => trimmed[..i].to_string(),
                        None => ".".to_string(),
                    }
                };
                self.write_out(&format!("{text}\n"), host);
                Outcome::Status(0)
            }
            _ => self.program(&first, &name, &args, host),
        }
    }

    /// A program that is not a builtin: a server, perl, a script file, or unknown.
    fn program(&mut self, typed: &str, name: &str, args: &[String], host: &mut Host) -> Outcome {
        if let Some(outcome) = self.server(name, args) {
            return outcome;
        }
        if name == "perl" && self.config.has_perl {
            return self.perl(args, host);
        }
        if typed.contains('/') {
            let path = normalize(&self.cwd, typed);
            if let Ok(script) = host.fs.read(host.view, &path) {
                let mut positional = vec![typed.to_string()];
                positional.extend(args.iter().cloned());
                return match self.child_shell(&script, positional) {
                    Some(m) => Outcome::Spawn(Box::new(m)),
                    None => Outcome::Status(2),
                };
            }
        }
        match self.config.unknown {
            Unknown::NotFound => {
                self.write_err_host(&format!("sh: {typed}: not found\n"), host);
                Outcome::Status(127)
            }
            Unknown::Opaque => Outcome::Forever(Forever::Opaque(name.to_string())),
        }
    }

    /// The perl model: its output in order, its status.
    fn perl(&mut self, args: &[String], host: &mut Host) -> Outcome {
        let cwd = self.cwd.clone();
        let run = {
            let fs = &*host.fs;
            let view = host.view;
            perl::run(args, &|path| fs.read(view, &normalize(&cwd, path)).ok())
        };
        for (stream, text) in run.output {
            match stream {
                perl::Stream::Stdout => self.write_out(&text, host),
                perl::Stream::Stderr => self.write_err_host(&text, host),
            }
        }
        Outcome::Status(run.code)
    }

    /// Server programs: in the foreground they serve until stopped; those
    /// that daemonize by default leave a background server and return.
    fn server(&mut self, name: &str, args: &[String]) -> Option<Outcome> {
        if name == "nginx" && args.iter().any(|a| a == "-t" || a == "-v" || a == "-V") {
            return Some(Outcome::Status(0));
        }
        let (kind, ports, docroot) =
            servers::for_program(name, args, &self.cwd, self.config.image_is_apache)?;
        let server = Server::new(kind, ports, &docroot, self.clock);
        let foreground = match name {
            "nginx" => args.iter().any(|a| a.contains("daemon off")),
            "httpd" if !self.config.image_is_apache => args.iter().any(|a| a == "-f"),
            "httpd" => args.iter().any(|a| a == "-DFOREGROUND"),
            _ => true,
        };
        if foreground || self.instant {
            return Some(Outcome::Forever(Forever::Serving(server)));
        }
        // The daemon forks and the command returns at once.
        if self.jobs.len() < super::MAX_JOBS {
            let mut job = Machine::blank(self.config.clone(), &Default::default(), self.clock);
            job.state = super::State::Forever(Forever::Serving(server));
            self.jobs.push(job);
        }
        Some(Outcome::Status(0))
    }

    /// `sh -c SCRIPT [NAME ARGS...]`, `sh FILE [ARGS...]`, or `sh` reading stdin.
    fn shell(&mut self, name: &str, args: &[String], host: &mut Host) -> Outcome {
        let mut i = 0;
        let mut command = false;
        let mut errexit = false;
        while let Some(a) = args.get(i) {
            if a.starts_with('-') && a.len() > 1 && a != "--" {
                command |= a.contains('c');
                errexit |= a.contains('e');
                i += 1;
            } else {
                if a == "--" {
                    i += 1;
                }
                break;
            }
        }
        let (script, positional) = if command {
            let Some(script) = args.get(i) else {
                self.write_err_host(&format!("{name}: -c requires an argument\n"), host);
                return Outcome::Status(2);
            };
            let mut positional: Vec<String> = args[i + 1..].to_vec();
            if positional.is_empty() {
                positional.push(name.to_string());
            }
            (script.clone(), positional)
        } else if let Some(file) = args.get(i) {
            let path = normalize(&self.cwd, file);
            match host.fs.read(host.view, &path) {
                Ok(script) => (script, args[i..].to_vec()),
                Err(e) => {
                    self.write_err_host(
                        &format!("{name}: can't open '{file}': {}\n", e.text()),
                        host,
                    );
                    return Outcome::Status(2);
                }
            }
        } else {
            // No script: read commands from stdin, which is empty in a container.
            (
                self.fds.stdin.clone().unwrap_or_default(),
                vec![name.to_string()],
            )
        };
        match self.child_shell(&script, positional) {
            Some(mut m) => {
                m.errexit = errexit;
                Outcome::Spawn(Box::new(m))
            }
            None => {
                self.write_err_host(&format!("{name}: too many nested shells\n"), host);
                Outcome::Status(2)
            }
        }
    }

    fn echo(&mut self, args: &[String], host: &mut Host) -> Outcome {
        let mut newline = true;
        let mut escapes = false;
        let mut i = 0;
        while let Some(a) = args.get(i) {
            if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| "neE".contains(c)) {
                newline &= !a.contains('n');
                escapes |= a.contains('e');
                i += 1;
            } else {
                break;
            }
        }
        let mut text = args[i..].join(" ");
        if escapes {
            text = unescape(&text);
        }
        if newline {
            text.push('\n');
        }
        self.write_out(&text, host);
        Outcome::Status(0)
    }

    fn printf(&mut self, args: &[String], host: &mut Host) -> Outcome {
        let Some(format) = args.first() else {
            self.write_err_host("printf: missing format\n", host);
            return Outcome::Status(1);
        };
        let format = unescape(format);
        let mut values = args[1..].iter();
        let mut out = String::new();
        let mut rounds = 0;
        loop {
            let mut used = false;
            let mut chars = format.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
                    continue;
                }
                // Skip width and flags.
                let mut spec = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_digit() || "-+ .#".contains(n) {
                        spec.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                match chars.next() {
                    Some('%') => out.push('%'),
                    Some('s') | Some('b') => {
                        used = true;
                        out.push_str(values.next().map(String::as_str).unwrap_or(""));
                    }
                    Some('d') | Some('i') | Some('u') => {
                        used = true;
                        let v = values
                            .next()
                            .and_then(|v| v.parse::<i64>().ok())
                            .unwrap_or(0);
                        out.push_str(&v.to_string());
                    }
                    Some('c') => {
                        used = true;
                        if let Some(ch) = values.next().and_then(|v| v.chars().next()) {
                            out.push(ch);
                        }
                    }
                    Some(other) => {
                        out.push('%');
                        out.push(other);
                    }
                    None => out.push('%'),
                }
            }
            rounds += 1;
            if !used || values.len() == 0 || rounds > 1000 {
                break;
            }
        }
        self.write_out(&out, host);
        Outcome::Status(0)
    }

    /// Runs `f` on each path argument; status 1 if any failed.
    fn each_path(
        &mut self,
        paths: &[String],
        host: &mut Host,
        mut f: impl FnMut(&mut Machine, &mut Host, &str, &str) -> Result<(), ()>,
    ) -> Outcome {
        let mut status = 0;
        for p in paths {
            let abs = normalize(&self.cwd, p);
            if f(self, host, &abs, p).is_err() {
                status = 1;
            }
        }
        Outcome::Status(status)
    }

    /// `test` / `[`: 0 for true, 1 for false, 2 for a malformed expression.
    fn test(&mut self, args: &[String], host: &mut Host) -> i32 {
        let result = self.test_expr(args, host);
        match result {
            Some(true) => 0,
            Some(false) => 1,
            None => {
                self.write_err_host("sh: test: syntax error\n", host);
                2
            }
        }
    }

    fn test_expr(&mut self, args: &[String], host: &mut Host) -> Option<bool> {
        // -o binds looser than -a.
        if let Some(i) = args.iter().position(|a| a == "-o") {
            if i > 0 && i + 1 < args.len() {
                let l = self.test_expr(&args[..i], host)?;
                let r = self.test_expr(&args[i + 1..], host)?;
                return Some(l || r);
            }
        }
        if let Some(i) = args.iter().position(|a| a == "-a") {
            if i > 0 && i + 1 < args.len() {
                let l = self.test_expr(&args[..i], host)?;
                let r = self.test_expr(&args[i + 1..], host)?;
                return Some(l && r);
            }
        }
        let kind =
            |m: &Machine, host: &Host, p: &str| host.fs.kind(host.view, &normalize(&m.cwd, p));
        match args {
            [] => Some(false),
            [a] => Some(!a.is_empty()),
            [bang, rest @ ..] if bang == "!" => self.test_expr(rest, host).map(|b| !b),
            [op, x] => match op.as_str() {
                "-n" => Some(!x.is_empty()),
                "-z" => Some(x.is_empty()),
                "-e" | "-r" | "-w" => Some(kind(self, host, x).is_some()),
                "-f" => Some(kind(self, host, x) == Some(Kind::File)),
                "-d" => Some(kind(self, host, x) == Some(Kind::Dir)),
                "-x" => Some(
                    kind(self, host, x).is_some()
                        && (x.contains("/bin/") || kind(self, host, x) == Some(Kind::Dir)),
                ),
                "-s" => Some(
                    host.fs
                        .read(host.view, &normalize(&self.cwd, x))
                        .is_ok_and(|c| !c.is_empty()),
                ),
                "-L" | "-h" => Some(false),
                _ => None,
            },
            [a, op, b] => {
                let num = |s: &str| s.trim().parse::<i64>().ok();
                match op.as_str() {
                    "=" | "==" => Some(a == b),
                    "!=" => Some(a != b),
                    "<" => Some(a < b),
                    ">" => Some(a > b),
                    "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
                        let (x, y) = (num(a)?, num(b)?);
                        Some(match op.as_str() {
                            "-eq" => x == y,
                            "-ne" => x != y,
                            "-lt" => x < y,
                            "-le" => x <= y,
                            "-gt" => x > y,
                            _ => x >= y,
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A name as the container's resolver finds it: its resolv.conf, and
    /// cluster DNS as it stood at this process's time.
    fn lookup(&mut self, name: &str, host: &mut Host) -> Option<crate::dns::Resolved> {
        host.looked_up = true;
        let resolv_conf = host
            .fs
            .read(host.view, "/etc/resolv.conf")
            .unwrap_or_default();
        crate::dns::resolve(&host.dns.at(self.clock), name, &resolv_conf)
    }

    fn wget(&mut self, args: &[String], host: &mut Host) -> Outcome {
        let (flags, rest) =
            split_flags_with_values(args, &["-O", "-T", "-t", "-U", "--header", "-P"]);
        let quiet = flags
            .iter()
            .any(|(f, _)| f.starts_with('-') && !f.starts_with("--") && f.contains('q'));
        let Some(url) = rest.first().cloned() else {
            self.write_err_host("wget: missing URL\n", host);
            return Outcome::Status(1);
        };
        let (h, port, path) = split_url(&url);
        let Some(ip) = self.lookup(&h, host).map(|r| r.addresses[0].clone()) else {
            self.write_err_host(&format!("wget: bad address '{h}'\n"), host);
            return Outcome::Status(1);
        };
        if ip.starts_with("127.") {
            self.write_err_host(
                &format!("wget: can't connect to remote host ({ip}): Connection refused\n"),
                host,
            );
            return Outcome::Status(1);
        }
        if in_cluster(&ip) {
            if !quiet {
                self.write_err_host(&format!("Connecting to {h} ({ip}:{port})\n"), host);
            }
            self.write_err_host(TRAFFIC_NOT_SIMULATED, host);
            return Outcome::Status(1);
        }
        let output = flags
            .iter()
            .find(|(f, _)| f == "-O")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                let name = base_name(&path);
                if name.is_empty() {
                    "index.html".to_string()
                } else {
                    name.to_string()
                }
            });
        if !quiet {
            self.write_err_host(&format!("Connecting to {h} ({ip}:{port})\n"), host);
        }
        let page = page_for(&h);
        if output == "-" {
            self.write_out(&page, host);
            return Outcome::Status(0);
        }
        let abs = normalize(&self.cwd, &output);
        if let Err(e) = host.fs.write(host.view, &abs, &page, false) {
            self.write_err_host(
                &format!("wget: can't open '{output}': {}\n", e.text()),
                host,
            );
            return Outcome::Status(1);
        }
        if !quiet {
            self.write_err_host(&format!("saving to '{output}'\n'{output}' saved\n"), host);
        }
        Outcome::Status(0)
    }

    fn curl(&mut self, args: &[String], host: &mut Host) -> Outcome {
        let (flags, rest) =
            split_flags_with_values(args, &["-o", "-H", "-X", "-d", "-m", "--max-time", "-w"]);
        let Some(url) = rest.first().cloned() else {
            self.write_err_host("curl: no URL specified!\n", host);
            return Outcome::Status(2);
        };
        let (h, _, _) = split_url(&url);
        let Some(ip) = self.lookup(&h, host).map(|r| r.addresses[0].clone()) else {
            self.write_err_host(&format!("curl: (6) Could not resolve host: {h}\n"), host);
            return Outcome::Status(6);
        };
        if ip.starts_with("127.") {
            self.write_err_host(&format!("curl: (7) Failed to connect to {h} port 80 after 0 ms: Couldn't connect to server\n"), host);
            return Outcome::Status(7);
        }
        if in_cluster(&ip) {
            self.write_err_host(TRAFFIC_NOT_SIMULATED, host);
            return Outcome::Status(7);
        }
        let page = page_for(&h);
        match flags.iter().find(|(f, _)| f == "-o") {
            Some((_, file)) => {
                let abs = normalize(&self.cwd, file);
                if let Err(e) = host.fs.write(host.view, &abs, &page, false) {
                    self.write_err_host(
                        &format!(
                            "curl: (23) Failure writing output to destination: {}\n",
                            e.text()
                        ),
                        host,
                    );
                    return Outcome::Status(23);
                }
            }
            None => self.write_out(&page, host),
        }
        Outcome::Status(0)
    }
}

/// Single-letter flags (`-rf` → "rf") and the other arguments.
fn split_flags(args: &[String]) -> (String, Vec<String>) {
    let mut flags = String::new();
    let mut rest = Vec::new();
    let mut done = false;
    for a in args {
        if !done && a == "--" {
            done = true;
        } else if !done && a.len() > 1 && a.starts_with('-') && !a.starts_with("--") {
            flags.push_str(&a[1..]);
        } else if !done && a.starts_with("--") {
            // Long options are accepted and ignored.
        } else {
            rest.push(a.clone());
        }
    }
    (flags, rest)
}

/// Flags, some of which take a value (`-O file`, `-n 5`), and the other arguments.
fn split_flags_with_values(
    args: &[String],
    with_value: &[&str],
) -> (Vec<(String, String)>, Vec<String>) {
    let mut flags = Vec::new();
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if with_value.contains(&a.as_str()) {
            flags.push((a.clone(), args.get(i + 1).cloned().unwrap_or_default()));
            i += 2;
            continue;
        }
        if let Some(f) = with_value
            .iter()
            .find(|f| f.len() == 2 && a.starts_with(**f) && a.len() > 2)
        {
            flags.push((f.to_string(), a[2..].to_string()));
        } else if a.starts_with('-') && a.len() > 1 {
            flags.push((a.clone(), String::new()));
        } else {
            rest.push(a.clone());
        }
        i += 1;
    }
    (flags, rest)
}

/// `\n`, `\t`, `\\` in `echo -e` and `printf` formats.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('r') => out.push('\r'),
            Some('0') => {}
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// grep's pattern: `^` and `$` anchors, `.` for any character; otherwise a substring.
pub(crate) fn grep_match(pattern: &str, line: &str) -> bool {
    let anchored_start = pattern.starts_with('^');
    let anchored_end = pattern.ends_with('$') && !pattern.ends_with("\\$");
    let core = pattern
        .trim_start_matches('^')
        .strip_suffix('$')
        .filter(|_| anchored_end)
        .unwrap_or(pattern.trim_start_matches('^'));
    let chars: Vec<char> = line.chars().collect();
    let pat: Vec<char> = core.chars().collect();
    let at = |start: usize| -> bool {
        if start + pat.len() > chars.len() {
            return false;
        }
        pat.iter()
            .zip(&chars[start..])
            .all(|(p, c)| *p == '.' || p == c)
    };
    if anchored_start {
        return at(0) && (!anchored_end || pat.len() == chars.len());
    }
    if anchored_end {
        return chars.len() >= pat.len() && at(chars.len() - pat.len());
    }
    (0..=chars.len().saturating_sub(pat.len())).any(at) || pat.is_empty()
}
