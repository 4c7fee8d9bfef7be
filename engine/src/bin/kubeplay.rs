//! `kubeplay [--seed N] [--nodes N] [SCRIPT]`: runs a script of the command
//! language (or standard input) on a fresh simulated cluster and prints each
//! command's output as a terminal would.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kubeplay_engine::{FileSource, SimConfig, Simulation};

const USAGE: &str = "usage: kubeplay [--seed N] [--nodes N] [SCRIPT]

Runs SCRIPT (or standard input) on a fresh simulated cluster of N worker
nodes (default 3) beside a control-plane node. One command per line:
  kubectl apply -f PATH        (PATH relative to the script's folder)
  kubectl get pods|deployments|replicasets|nodes|events [-o wide|json|yaml]
  kubectl delete KIND NAME
  sim step | sim advance 30s | sim log [N]
Lines starting with # are comments. The exit status is 1 if any command failed.";

/// Reads files relative to the script's folder.
struct DiskFiles {
    base: PathBuf,
}

impl FileSource for DiskFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        let full = self.base.join(path);
        std::fs::read_to_string(&full).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("error: the path \"{path}\" does not exist"),
            _ => format!("error: cannot read \"{path}\": {e}"),
        })
    }
}

fn parse_args() -> Result<(SimConfig, Option<PathBuf>), String> {
    let mut config = SimConfig::default();
    let mut script = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let value = args
                .next()
                .ok_or_else(|| format!("{name} needs a number"))?;
            value
                .parse()
                .map_err(|_| format!("{name} needs a number, not {value:?}"))
        };
        match arg.as_str() {
            "--seed" => config.seed = number("--seed")?,
            "--nodes" => {
                let n = number("--nodes")?;
                if n > 5000 {
                    return Err("--nodes is limited to 5000".into());
                }
                config.worker_nodes = n as usize;
            }
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with('-') && other != "-" => {
                return Err(format!("unknown option {other}"))
            }
            path => {
                if script.is_some() {
                    return Err("only one SCRIPT may be given".into());
                }
                if path != "-" {
                    script = Some(PathBuf::from(path));
                }
            }
        }
    }
    Ok((config, script))
}

fn main() -> ExitCode {
    let (config, script) = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("kubeplay: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (text, base) = match &script {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => (
                text,
                path.parent().map(Path::to_path_buf).unwrap_or_default(),
            ),
            Err(e) => {
                eprintln!("kubeplay: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("kubeplay: cannot read standard input: {e}");
                return ExitCode::from(2);
            }
            (text, PathBuf::from("."))
        }
    };
    let files = DiskFiles { base };
    let mut sim = Simulation::new(config);
    let mut failed = false;
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let output = sim.run_command(trimmed, &files);
        let mut out = stdout.lock();
        let _ = writeln!(out, "$ {trimmed}");
        let _ = out.write_all(output.stdout.as_bytes());
        let _ = out.flush();
        let _ = stderr.lock().write_all(output.stderr.as_bytes());
        failed |= !output.success;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
