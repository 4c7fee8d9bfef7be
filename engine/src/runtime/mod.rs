//! The container runtime's model of what a started container does. Real
//! containers run real programs; here a container's command (or its image's
//! default) decides how long it runs and how it exits.
//!
//! The model: a small subset of shell (`sleep N`, `exit N`, `true`, `false`,
//! `echo`, `;`, `&&`, `while true; do ...; done`) run by `sh -c`, a bare
//! `sleep`, or a well-known image's default process (servers run until
//! stopped; base images like busybox exit at once). Anything else is taken to
//! be a long-running program.

use k8s_openapi::api::core::v1::Container;

use crate::registry;
use crate::time::SimDuration;

/// What a started container will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Runs until it is stopped.
    RunsForever,
    /// Exits by itself after the duration, with the exit code.
    Exits { after: SimDuration, code: i32 },
}

pub fn behaviour(container: &Container) -> Behaviour {
    let mut argv: Vec<String> = container.command.clone().unwrap_or_default();
    argv.extend(container.args.clone().unwrap_or_default());
    if container.command.as_ref().is_none_or(|c| c.is_empty()) {
        // No command: the image's entrypoint, with args if any.
        let (repo, _) = registry::split_reference(container.image.as_deref().unwrap_or(""));
        return match registry::repository(&repo) {
            Some(r) if !r.long_running && argv.is_empty() => Behaviour::Exits {
                after: SimDuration::ZERO,
                code: 0,
            },
            Some(r) if !r.long_running => run_argv(&argv),
            _ => Behaviour::RunsForever,
        };
    }
    run_argv(&argv)
}

fn run_argv(argv: &[String]) -> Behaviour {
    let Some(program) = argv.first() else {
        return Behaviour::RunsForever;
    };
    let base = program.rsplit('/').next().unwrap_or(program);
    match base {
        "sh" | "bash" | "ash" if argv.get(1).map(String::as_str) == Some("-c") => {
            run_script(argv.get(2).map(String::as_str).unwrap_or(""))
        }
        _ => run_script(
            &argv
                .iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    }
}

fn shell_quote(arg: &str) -> String {
    if arg.contains(' ') {
        format!("'{arg}'")
    } else {
        arg.to_string()
    }
}

/// Runs a script of simple commands; returns when and how it ends.
fn run_script(script: &str) -> Behaviour {
    let mut elapsed = SimDuration::ZERO;
    let mut last_code = 0;
    let normalized = script.replace('\n', ";");
    let trimmed = normalized.trim();
    if trimmed.starts_with("while true")
        || trimmed.starts_with("while :")
        || trimmed.starts_with("tail -f")
    {
        return Behaviour::RunsForever;
    }
    for statement in trimmed.split(';') {
        for (i, command) in statement.split("&&").enumerate() {
            if i > 0 && last_code != 0 {
                break;
            }
            let words: Vec<&str> = command.split_whitespace().collect();
            let Some(first) = words.first() else { continue };
            match *first {
                "sleep" => match words.get(1).copied() {
                    Some("infinity") => return Behaviour::RunsForever,
                    Some(arg) => {
                        elapsed = SimDuration(elapsed.0 + parse_sleep(arg));
                        last_code = 0;
                    }
                    None => last_code = 1,
                },
                "exit" => {
                    let code = words
                        .get(1)
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(last_code);
                    return Behaviour::Exits {
                        after: elapsed,
                        code,
                    };
                }
                "false" => last_code = 1,
                "true" | "echo" | "printf" | "touch" | "rm" | "cat" | "mkdir" | "date" | "env"
                | "ls" => last_code = 0,
                "while" | "for" | "tail" => return Behaviour::RunsForever,
                // Any other program: a server or worker that keeps running.
                _ => return Behaviour::RunsForever,
            }
        }
    }
    Behaviour::Exits {
        after: elapsed,
        code: last_code,
    }
}

/// `sleep 30`, `sleep 1.5`, `sleep 2m` in milliseconds.
fn parse_sleep(arg: &str) -> u64 {
    if let Ok(d) = SimDuration::parse(arg) {
        return d.0;
    }
    arg.parse::<f64>().map(|s| (s * 1000.0) as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(image: &str, command: &[&str], args: &[&str]) -> Container {
        Container {
            name: "c".into(),
            image: Some(image.into()),
            command: (!command.is_empty()).then(|| command.iter().map(|s| s.to_string()).collect()),
            args: (!args.is_empty()).then(|| args.iter().map(|s| s.to_string()).collect()),
            ..Container::default()
        }
    }

    #[test]
    fn commands_decide_the_lifetime() {
        let secs = |s| Behaviour::Exits {
            after: SimDuration::from_secs(s),
            code: 0,
        };
        let cases = [
            (container("nginx", &[], &[]), Behaviour::RunsForever),
            (container("busybox", &[], &[]), secs(0)),
            (container("busybox", &["sleep", "3600"], &[]), secs(3600)),
            (
                container("busybox", &["sh", "-c", "echo hi; sleep 5; exit 3"], &[]),
                Behaviour::Exits {
                    after: SimDuration::from_secs(5),
                    code: 3,
                },
            ),
            (
                container(
                    "busybox",
                    &["/bin/sh", "-c"],
                    &["touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
                ),
                secs(630),
            ),
            (
                container(
                    "busybox",
                    &["sh", "-c", "while true; do echo hi; sleep 1; done"],
                    &[],
                ),
                Behaviour::RunsForever,
            ),
            (
                container("busybox", &["false"], &[]),
                Behaviour::Exits {
                    after: SimDuration::ZERO,
                    code: 1,
                },
            ),
            (
                container("busybox", &["sh", "-c", "false && sleep 10"], &[]),
                Behaviour::Exits {
                    after: SimDuration::ZERO,
                    code: 1,
                },
            ),
            (container("myapp:v1", &[], &[]), Behaviour::RunsForever),
            (
                container("python:3.12", &["python", "app.py"], &[]),
                Behaviour::RunsForever,
            ),
            (
                container("busybox", &["sleep", "infinity"], &[]),
                Behaviour::RunsForever,
            ),
        ];
        for (c, want) in cases {
            assert_eq!(behaviour(&c), want, "{:?} {:?}", c.command, c.args);
        }
    }
}
