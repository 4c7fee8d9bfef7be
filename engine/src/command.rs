//! The command language shared by the `kubeplay` binary and the browser's
//! terminal: one command per line, `#` starts a comment.
//!
//! - `kubectl ...` — see the kubectl module;
//! - `sim step` — process the next event;
//! - `sim advance DURATION` — run for a while (`30s`, `2m`, `1h`);
//! - `sim log [N]` — the last N steps (default 20);
//! - `sim explain POD [-n NS]` — the scheduler's filters and scores for the pod, recomputed now.

use crate::files::FileSource;
use crate::sim::Simulation;
use crate::time::{human_duration, SimDuration, SimTime};
use crate::view::{CommandOutput, StepRecord};

/// Splits a command line into words, honouring single and double quotes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("error: unterminated quote".to_string());
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

/// How a step reads in a terminal: `[12.350s] kubelet/node-1: started container nginx`.
pub fn format_step(step: &StepRecord) -> String {
    format!(
        "[{}] {}: {}",
        SimTime(step.time_ms),
        step.component,
        step.summary
    )
}

fn fail(message: String) -> CommandOutput {
    CommandOutput {
        stdout: String::new(),
        stderr: format!("{message}\n"),
        success: false,
    }
}

/// Runs one line of the command language.
pub fn execute(sim: &mut Simulation, line: &str, files: &dyn FileSource) -> CommandOutput {
    let words = match split_words(line) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let Some(program) = words.first() else {
        return CommandOutput {
            success: true,
            ..CommandOutput::default()
        };
    };
    match program.as_str() {
        "kubectl" | "k" => crate::kubectl::run(sim, &words[1..], files),
        "sim" => sim_command(sim, &words[1..]),
        other => fail(format!(
            "{other}: command not found (try kubectl get pods, sim step, or sim advance 10s)"
        )),
    }
}

fn sim_command(sim: &mut Simulation, args: &[String]) -> CommandOutput {
    let ok = |stdout: String| CommandOutput {
        stdout,
        stderr: String::new(),
        success: true,
    };
    match args.first().map(String::as_str) {
        Some("step") => match sim.step() {
            Some(step) => ok(format!("{}\n", format_step(&step))),
            None => ok(format!(
                "[{}] nothing to do: the cluster has settled\n",
                sim.now()
            )),
        },
        Some("advance") => {
            let Some(text) = args.get(1) else {
                return fail("error: sim advance needs a duration, like 30s, 2m or 1h".into());
            };
            match SimDuration::parse(text) {
                Ok(d) => {
                    let steps = sim.advance(d);
                    ok(format!(
                        "advanced {} to {} ({} steps)\n",
                        human_duration(d),
                        sim.now(),
                        steps.len()
                    ))
                }
                Err(e) => fail(format!("error: {e}")),
            }
        }
        Some("etcd") => crate::etcdctl::run(sim, &args[1..]),
        Some("log") => {
            let count: usize = match args.get(1).map(|n| n.parse()) {
                None => 20,
                Some(Ok(n)) => n,
                Some(Err(_)) => return fail("error: sim log takes a number of steps".into()),
            };
            let steps: Vec<&StepRecord> = sim.steps().collect();
            let start = steps.len().saturating_sub(count);
            ok(steps[start..]
                .iter()
                .map(|s| format!("{}\n", format_step(s)))
                .collect())
        }
        Some("explain") => match crate::scheduler::explain::command(sim, &args[1..]) {
            Ok(text) => ok(text),
            Err(e) => fail(e),
        },
        Some(other) => fail(format!(
            "error: unknown sim command \"{other}\" (known: step, advance, log, etcd, explain)"
        )),
        None => fail("error: sim needs a command: step, advance DURATION or log [N]".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            split_words("kubectl get pods -o wide").unwrap(),
            vec!["kubectl", "get", "pods", "-o", "wide"]
        );
        assert_eq!(
            split_words("  sim  advance 10s # wait").unwrap(),
            vec!["sim", "advance", "10s"]
        );
        assert_eq!(
            split_words("kubectl get pods -l 'app in (a, b)'").unwrap(),
            vec!["kubectl", "get", "pods", "-l", "app in (a, b)"]
        );
        assert_eq!(
            split_words("# only a comment").unwrap(),
            Vec::<String>::new()
        );
        assert!(split_words("echo 'open").is_err());
    }
}
