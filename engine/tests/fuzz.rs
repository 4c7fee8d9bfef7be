//! Bad input gets an error, never a panic: a panic in WebAssembly kills the
//! learner's page. Commands from the scenarios and lessons, and manifests
//! from the corpus, are mutated (tokens dropped, swapped or replaced with odd
//! values; YAML lines cut, re-indented or given odd scalars) and run against a
//! cluster with objects of every simulated kind, time advancing between them.
//! Every case must return normally, and so must `view()` after it.
//!
//! `FUZZ_CASES=200000 cargo test -p kubeplay-engine --release --test fuzz`
//! runs a longer campaign; `FUZZ_SEED` picks another sequence, and
//! `FUZZ_TRACE=FILE` keeps the case being run in FILE (to find one that hangs).

use std::cell::RefCell;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use kubeplay_engine::{MemoryFiles, SimConfig, Simulation};

/// A command that takes longer freezes the page as surely as a panic kills it
/// (with room for unoptimized test builds, which are some ten times slower).
const SLOW: std::time::Duration = if cfg!(debug_assertions) {
    std::time::Duration::from_secs(20)
} else {
    std::time::Duration::from_secs(2)
};

/// Enough to cover the corpus several times over in a few seconds.
const DEFAULT_CASES: usize = 20_000;

const ODD_TOKENS: &[&str] = &[
    "",
    "-",
    "--",
    "-o",
    "-o=yaml",
    "json",
    "jsonpath={.items[*].metadata.name}",
    "-n",
    "-A",
    "-l",
    "app!=",
    "=",
    "0",
    "-1",
    "-0",
    "2147483648",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "a=b",
    "a=",
    "=b",
    "@",
    "'",
    "\"",
    "\\",
    "${X}",
    "$(",
    "`",
    "|",
    "||",
    ";",
    "&&",
    ">",
    "<",
    "*",
    "-f",
    "--replicas=-5",
    "--replicas=",
    "--image=",
    "pod/",
    "/",
    "//",
    "..",
    "../../etc/passwd",
    "ＡＢ",
    "é",
    "🙂",
    "\t",
    "%",
    "%s",
    "{",
    "}",
    "[",
    "]",
    "0s",
    "-5s",
    "999999999h",
    "1.5m",
    "10Mi",
    "-1Gi",
    "100000000000000000000Ki",
    "node-1",
    "node-99",
    "control-plane",
    "web",
    "web-0",
    "default",
    "kube-system",
    "deployment/web",
    "svc/web",
    "NoSchedule",
    "key=value:NoExecute",
    "key-",
    "--",
];

const ODD_SCALARS: &[&str] = &[
    "",
    "~",
    "null",
    "yes",
    "-1",
    "0",
    "1e400",
    "-.inf",
    "[]",
    "{}",
    "[1, 2]",
    "{a: b}",
    "\"\"",
    "'x: y'",
    "2147483648",
    "99999999999999999999",
    "0.5",
    "-0.5",
    "10Mi",
    "1000000000000000000000Gi",
    "abc",
    "ＡＢ",
    "*x",
    "&x",
    "!!int x",
    "|",
    ">-",
    "2024-01-02",
    "Always",
    "0x7FFFFFFFFFFFFFFF",
];

/// Shell and perl programs for `kubectl exec`, cut and spliced character by character.
const SHELL_SEEDS: &[&str] = &[
    "for i in 1 2 3; do echo $i; done",
    "i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo \"n=$i\"; done",
    "if [ -f /etc/hostname ]; then cat /etc/hostname; else echo no; fi",
    "case $HOSTNAME in one*) echo yes;; *) echo no;; esac",
    "f() { echo \"$1-$2\"; return 3; }; f a b; echo $?",
    "(cd /tmp && echo hi > x && cat x) | wc -c",
    "echo ${X:-default} ${#HOSTNAME} ${HOSTNAME%%-*} ${PATH#*:}",
    "trap 'echo bye' TERM; sleep 1 & wait; echo done",
    "cat <<EOF\nline $HOSTNAME\nEOF",
    "ls -l / | grep -v tmp | head -n 3 | sort -r",
    "x=$(echo a b c | tr ' ' '\\n' | tail -n 1); echo \"[$x]\"",
    "echo `date +%s` >> /tmp/log; test -s /tmp/log && echo ok || echo empty",
    "nslookup kubernetes.default; wget -qO- http://example.com | head -1",
    "env | sort | head -5; printf '%s=%d\\n' a 1; exit 7",
    "x=a; while true; do x=$x$x; done",
    "items=(foo bar baz)\nI=1\necho ${items[$I]} ${#items[@]} \"${items[@]}\" ${items[-1]}",
    "while true; do sleep 0 & done",
    "tail -F /tmp/log & while true; do echo x >> /tmp/log; sleep 1; done",
];

const PERL_SEEDS: &[&str] = &[
    "print 1+2*3, \"\\n\"",
    "my @a = (1..5); print join(',', map { $_ * 2 } @a), \"\\n\"",
    "for my $i (1..3) { print \"$i\\n\" if $i % 2 }",
    "my %h = (a => 1, b => 2); print scalar(keys %h)",
    "use bignum; print 2**100",
    "print sprintf('%.3f', 3.14159)",
];

const ODD_CHARS: &[char] = &[
    '\'', '"', '$', '(', ')', '{', '}', '[', ']', ';', '|', '&', '<', '>', '`', '\\', ' ', '\n',
    '*', '?', '~', '#', '=', '!', '%', '-', '0', '9', 'é', '\t',
];

/// A small deterministic generator (splitmix64), so every failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files_under(dir: &Path, ext: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ext.contains(&e))
        {
            out.push(path);
        }
    }
}

/// Command lines from the scenarios' scripts and the lessons' solutions.
fn command_corpus() -> Vec<String> {
    let mut scripts = Vec::new();
    files_under(&root().join("tests/scenarios"), &["kp"], &mut scripts);
    let mut lines: Vec<String> = scripts
        .iter()
        .flat_map(|p| {
            fs::read_to_string(p)
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut lessons = Vec::new();
    files_under(&root().join("lessons"), &["yaml"], &mut lessons);
    for path in lessons.iter().filter(|p| p.ends_with("lesson.yaml")) {
        let text = fs::read_to_string(path).unwrap_or_default();
        lines.extend(
            text.lines()
                .map(str::trim)
                .filter_map(|l| l.strip_prefix("- "))
                .filter(|l| l.starts_with("kubectl ") || l.starts_with("sim "))
                .map(|l| l.trim_matches('"').to_string()),
        );
    }
    lines.sort();
    lines.dedup();
    lines
}

/// Manifests from the kubernetes.io corpus and the scenarios, by file name.
fn manifest_corpus() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    files_under(&root().join("tests/corpus"), &["yaml", "yml"], &mut paths);
    files_under(
        &root().join("tests/scenarios"),
        &["yaml", "yml"],
        &mut paths,
    );
    paths
        .iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().to_string();
            Some((name, fs::read_to_string(p).ok()?))
        })
        .collect()
}

fn mutate_command(rng: &mut Rng, line: &str) -> String {
    let mut tokens: Vec<String> = line.split_whitespace().map(String::from).collect();
    for _ in 0..=rng.below(3) {
        let at = rng.below(tokens.len() + 1);
        match rng.below(7) {
            0 if !tokens.is_empty() => {
                tokens.remove(at.min(tokens.len() - 1));
            }
            1 if !tokens.is_empty() => {
                let t = tokens[at.min(tokens.len() - 1)].clone();
                tokens.insert(at, t);
            }
            2 if tokens.len() > 1 => {
                let (one, other) = (at.min(tokens.len() - 1), rng.below(tokens.len()));
                tokens.swap(one, other);
            }
            3 => tokens.insert(at, rng.pick(ODD_TOKENS).to_string()),
            4 if !tokens.is_empty() => {
                let i = at.min(tokens.len() - 1);
                tokens[i] = rng.pick(ODD_TOKENS).to_string();
            }
            5 if !tokens.is_empty() => {
                // Cut a token at a character boundary, or glue an odd suffix to it.
                let i = at.min(tokens.len() - 1);
                let chars: Vec<char> = tokens[i].chars().collect();
                let cut = rng.below(chars.len() + 1);
                tokens[i] = chars[..cut].iter().collect::<String>() + *rng.pick(ODD_TOKENS);
            }
            _ => tokens.push(rng.pick(ODD_TOKENS).to_string()),
        }
    }
    tokens.join(" ")
}

fn mutate_program(rng: &mut Rng, seeds: &[&str]) -> String {
    let mut chars: Vec<char> = rng.pick(seeds).chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 if at < chars.len() => chars[at] = *rng.pick(ODD_CHARS),
            2 => {
                // Splice in a piece of another program.
                let other: Vec<char> = rng.pick(seeds).chars().collect();
                let from = rng.below(other.len());
                let to = (from + rng.below(12)).min(other.len());
                chars.splice(at..at, other[from..to].iter().copied());
            }
            _ => chars.insert(at, *rng.pick(ODD_CHARS)),
        }
    }
    chars.into_iter().collect()
}

fn mutate_manifest(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for _ in 0..=rng.below(3) {
        if lines.is_empty() {
            lines.push(rng.pick(ODD_SCALARS).to_string());
            continue;
        }
        let i = rng.below(lines.len());
        match rng.below(7) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => lines[i] = format!(" {}", lines[i]),
            3 => lines[i] = lines[i].trim_start().to_string(),
            4 => {
                // Same key, odd value.
                if let Some((key, _)) = lines[i].split_once(": ") {
                    lines[i] = format!("{key}: {}", rng.pick(ODD_SCALARS));
                }
            }
            5 => lines.truncate(i),
            _ => {
                let chars: Vec<char> = lines[i].chars().collect();
                let cut = rng.below(chars.len() + 1);
                lines[i] = chars[..cut].iter().collect();
            }
        }
    }
    lines.join("\n")
}

/// Objects of most simulated kinds, for commands to act on.
const SETUP: &[&str] = &[
    "kubectl create deployment web --image=nginx:1.27 --replicas=3",
    "kubectl expose deployment web --port=80",
    "kubectl create configmap cfg --from-literal=a=b",
    "kubectl create secret generic sec --from-literal=p=q",
    "kubectl run one --image=busybox -- sleep 3600",
    "kubectl create job pi --image=perl -- perl -e 'print 1'",
    "kubectl run pl --image=perl -- sleep 3600",
    "sim advance 20s",
];

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[test]
fn mutated_commands_and_manifests_never_panic() {
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let trace = std::env::var("FUZZ_TRACE").ok();
    // Replays cases from this one on (the cluster is new every 200 cases).
    let from: usize = std::env::var("FUZZ_FROM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let show = std::env::var("FUZZ_SHOW").is_ok();
    let commands = command_corpus();
    let manifests = manifest_corpus();
    assert!(commands.len() > 100, "{} commands", commands.len());
    assert!(manifests.len() > 50, "{} manifests", manifests.len());

    panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{at}: {message}")));
    }));

    let mut rng = Rng(seed);
    let mut failures: Vec<String> = Vec::new();
    let mut sim = fresh_cluster();
    for case in 0..cases {
        // A new cluster now and then, so mutations do not pile up for ever.
        if case % 200 == 0 {
            sim = fresh_cluster();
        }
        let kind = rng.below(6);
        let (line, files) = if kind == 0 {
            let script = mutate_program(&mut rng, SHELL_SEEDS);
            (
                format!("kubectl exec one -- sh -c {}", shell_quote(&script)),
                MemoryFiles::new(),
            )
        } else if kind == 1 {
            let program = mutate_program(&mut rng, PERL_SEEDS);
            (
                format!("kubectl exec pl -- perl -e {}", shell_quote(&program)),
                MemoryFiles::new(),
            )
        } else if kind < 4 {
            let (name, text) = rng.pick(&manifests);
            let verb = *rng.pick(&["apply", "create", "delete", "replace"]);
            (
                format!("kubectl {verb} -f {name}"),
                MemoryFiles::new().with(name, &mutate_manifest(&mut rng, text)),
            )
        } else {
            let base = rng.pick(&commands).clone();
            (mutate_command(&mut rng, &base), MemoryFiles::new())
        };
        let advance = rng.below(4) == 0;
        if case < from {
            continue;
        }
        if let Some(trace) = &trace {
            // The last case written is the one that hung, if one does.
            let _ = fs::write(trace, format!("case {case}: {line}\n{files:?}\n"));
        }
        let started = std::time::Instant::now();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            sim.run_command(&line, &files);
            if advance {
                sim.run_command("sim advance 3s", &MemoryFiles::new());
            }
            let _ = sim.view();
        }));
        let took = started.elapsed();
        if show {
            eprintln!("{case} {took:?} {line}");
            if took > std::time::Duration::from_millis(10) {
                for (_, text) in files.iter() {
                    eprintln!("{text}");
                }
            }
        }
        if took > SLOW {
            failures.push(format!("case {case}: {line:?} took {took:?}"));
        }
        if outcome.is_err() {
            let why = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_default();
            let manifest = files.iter().next().map(|(_, text)| text.clone());
            failures.push(format!(
                "case {case}: {line:?}\n  panicked at {why}{}",
                manifest
                    .map(|m| format!("\n  manifest:\n{m}"))
                    .unwrap_or_default()
            ));
            sim = fresh_cluster();
        }
    }
    let _ = panic::take_hook();
    assert!(
        failures.is_empty(),
        "{} of {cases} cases panicked (seed {seed}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Single quotes for the command line, as a POSIX shell quotes.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn fresh_cluster() -> Simulation {
    let mut sim = Simulation::new(SimConfig::default());
    for line in SETUP {
        sim.run_command(line, &MemoryFiles::new());
    }
    sim
}
