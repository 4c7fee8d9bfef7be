//! `kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]`
//! (staging/src/k8s.io/kubectl/pkg/cmd/exec/exec.go): the command runs in
//! the container's own files and environment, through its node's kubelet,
//! at the instant it is asked; the cluster's clock does not move.

use k8s_openapi::api::core::v1::Pod;

use crate::apiserver::auth::{Attributes, UserInfo};
use crate::objects::MetaExt;
use crate::runtime::shell::{SessionEnd, Stream};
use crate::runtime::ExecError;
use crate::sim::Simulation;
use crate::time::SimDuration;
use crate::view::CommandOutput;

/// ExecOptions.Validate.
pub const NO_TARGET: &str = "error: pod, type/name or --filename must be specified";
pub const NO_COMMAND: &str = "error: you must specify at least one command for the container";
/// ExecOptions.Complete, for `kubectl exec POD COMMAND` without `--`.
pub const DEPRECATED_FORM: &str = "kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.";
/// StreamOptions.SetupTTY, when `-t` is asked and stdin is not a terminal:
/// the playground's terminal is not one.
pub const NO_TTY: &str = "Unable to use a TTY - input is not a terminal or the right kind of file";

/// ExecOptions.Run: a finished pod has no containers to run in.
fn completed_pod(phase: &str) -> String {
    format!("error: cannot exec into a container in a completed pod; current phase is {phase}")
}

/// The kubelet's GetExec for a container that is not running, as the
/// failed SPDY upgrade reaches kubectl.
fn container_not_found(container: &str) -> String {
    format!("error: unable to upgrade connection: container not found ({container:?})")
}

/// kubectl's checkErr for a remote command's exit code (a utilexec.ExitError).
fn exit_code(code: i32) -> String {
    format!("command terminated with exit code {code}")
}

/// The exec subresource's location (pkg/registry/core/pod/strategy.go
/// streamLocation): the container must be in the spec, the pod on a node.
fn not_valid(container: &str, pod: &str) -> String {
    format!("Error from server (BadRequest): container {container} is not valid for pod {pod}")
}

fn no_host(pod: &str) -> String {
    format!("Error from server (BadRequest): pod {pod} does not have a host assigned")
}

/// The API server cannot reach a kubelet that is cut off (`sim node fail`).
fn unreachable(node_ip: &str) -> String {
    format!("Error from server: error dialing backend: dial tcp {node_ip}:10250: i/o timeout")
}

/// containerd cannot start the program (runc's message), through the
/// streaming server's Status.
fn start_failed(exec_id: &str, message: &str) -> String {
    format!("error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec {exec_id:?}: {message}")
}

/// How long a command may run on its own clock. The terminal is not
/// interactive and exec does not move the cluster's clock, so a command
/// that sleeps runs its sleeps on its own clock, up to this limit.
pub const EXEC_TIME_LIMIT: SimDuration = SimDuration::from_secs(60);
/// Lines of output shown at most.
const MAX_OUTPUT_LINES: usize = 2000;

/// Programs that, with no arguments, are an interactive shell.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "ash",
    "dash",
    "/bin/sh",
    "/bin/bash",
    "/bin/ash",
    "/bin/dash",
    "/usr/bin/bash",
];

fn fail(stderr: String) -> CommandOutput {
    let mut stderr = stderr;
    if !stderr.ends_with('\n') {
        stderr.push('\n');
    }
    CommandOutput {
        stdout: String::new(),
        stderr,
        success: false,
    }
}

/// The parsed command line.
#[derive(Debug, Default, PartialEq)]
struct Request {
    target: Option<String>,
    container: Option<String>,
    stdin: bool,
    tty: bool,
    quiet: bool,
    command: Vec<String>,
    /// `kubectl exec POD COMMAND`, without `--`.
    deprecated_form: bool,
}

fn parse(args: &[String]) -> Result<Request, String> {
    let (flags, command) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], Some(args[i + 1..].to_vec())),
        None => (args, None),
    };
    let mut request = Request::default();
    let mut positional = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        let arg = &flags[i];
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with('-') => (n, Some(v)),
            _ => (arg.as_str(), None),
        };
        let boolean = |v: Option<&str>| -> Result<bool, String> {
            match v {
                None | Some("true") => Ok(true),
                Some("false") => Ok(false),
                Some(other) => Err(format!(
                    "error: invalid argument \"{other}\" for \"{name}\" flag: strconv.ParseBool: parsing \"{other}\": invalid syntax"
                )),
            }
        };
        match name {
            "-c" | "--container" => {
                let value = match inline {
                    Some(v) => v.to_string(),
                    None => {
                        i += 1;
                        flags.get(i).cloned().ok_or_else(|| {
                            if name == "-c" {
                                "error: flag needs an argument: 'c' in -c".to_string()
                            } else {
                                format!("error: flag needs an argument: {name}")
                            }
                        })?
                    }
                };
                request.container = Some(value);
            }
            "-i" | "--stdin" => request.stdin = boolean(inline)?,
            "-t" | "--tty" => request.tty = boolean(inline)?,
            "-q" | "--quiet" => request.quiet = boolean(inline)?,
            "--pod-running-timeout" => {
                if inline.is_none() {
                    i += 1;
                }
            }
            // Short flags together: -it, -ti, -itq.
            short
                if short.len() > 2
                    && short.starts_with('-')
                    && !short.starts_with("--")
                    && inline.is_none()
                    && short[1..].chars().all(|c| matches!(c, 'i' | 't' | 'q')) =>
            {
                for c in short[1..].chars() {
                    match c {
                        'i' => request.stdin = true,
                        't' => request.tty = true,
                        _ => request.quiet = true,
                    }
                }
            }
            other if other.starts_with('-') && other.len() > 1 => {
                return Err(format!("error: unknown flag: {other}"))
            }
            _ => positional.push(arg.clone()),
        }
        i += 1;
    }
    // ExecOptions.Complete: the first word is the pod; the rest, without
    // `--`, is the command in the deprecated form.
    let mut positional = positional.into_iter();
    request.target = positional.next();
    let rest: Vec<String> = positional.collect();
    match command {
        // Words between the pod and `--` are ignored, as kubectl does.
        Some(c) => request.command = c,
        None if !rest.is_empty() => {
            request.command = rest;
            request.deprecated_form = true;
        }
        None => {}
    }
    Ok(request)
}

/// A made-up but stable exec id (containerd names each exec process with 64 hex digits).
fn exec_id(pod: &Pod, container: &str, argv: &[String], at_ms: u64) -> String {
    let seed = format!(
        "{}/{container}/{}/{at_ms}",
        pod.metadata.uid.as_deref().unwrap_or_default(),
        argv.join(" ")
    );
    // Each 8 digits hash the seed after the digits so far, so they all differ.
    let mut id = String::new();
    for _ in 0..8 {
        let part = crate::rand::fnv32a(format!("{id}{seed}").as_bytes());
        id.push_str(&format!("{part:08x}"));
    }
    id
}

pub fn run(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: &str,
) -> CommandOutput {
    let request = match parse(args) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut notes = String::new();
    if request.deprecated_form && !request.quiet {
        notes.push_str(DEPRECATED_FORM);
        notes.push('\n');
    }
    let Some(target) = request.target.clone() else {
        return fail(format!("{notes}{NO_TARGET}"));
    };
    if request.command.is_empty() {
        return fail(format!("{notes}{NO_COMMAND}"));
    }

    // The pod: by name (a GET), or the first pod of a workload.
    let name = match target.split_once('/') {
        None => target.clone(),
        Some((resource, object)) => {
            if let Some(kind) = crate::objects::Kind::from_resource_arg(resource) {
                let info = kind.info();
                let attrs = Attributes::new(
                    "get",
                    info.group,
                    info.plural,
                    Some(namespace),
                    Some(object),
                );
                if let Err(e) = sim.api().authorize(user, &attrs) {
                    return fail(format!("{notes}{}", e.kubectl_message()));
                }
            }
            match super::logs::pod_of(sim, resource, object, namespace) {
                Ok((pod, _)) => pod,
                Err(e) => return fail(format!("{notes}{e}")),
            }
        }
    };
    let attrs = Attributes::new("get", "", "pods", Some(namespace), Some(&name));
    if let Err(e) = sim.api().authorize(user, &attrs) {
        return fail(format!("{notes}{}", e.kubectl_message()));
    }
    let Some(pod) = sim.api().get_typed::<Pod>(Some(namespace), &name).cloned() else {
        return fail(format!(
            "{notes}Error from server (NotFound): pods {name:?} not found"
        ));
    };
    let phase = crate::podutil::phase(&pod);
    if phase == "Succeeded" || phase == "Failed" {
        return fail(format!("{notes}{}", completed_pod(phase)));
    }
    let container = match request.container.clone() {
        Some(c) => c,
        None => match super::podcmd::default_container(&pod) {
            Ok((c, note)) => {
                if !request.quiet {
                    notes.push_str(&note.unwrap_or_default());
                }
                c
            }
            Err(e) => return fail(format!("{notes}{e}")),
        },
    };
    if request.stdin && request.tty && !request.quiet {
        notes.push_str(NO_TTY);
        notes.push('\n');
    }

    // The API server: RBAC on the exec subresource, then where to stream from.
    let attrs = Attributes {
        subresource: "exec".into(),
        ..Attributes::new("create", "", "pods", Some(namespace), Some(&name))
    };
    if let Err(e) = sim.api().authorize(user, &attrs) {
        return fail(format!("{notes}{}", e.kubectl_message()));
    }
    if !super::podcmd::has_container(&pod, &container) {
        return fail(format!("{notes}{}", not_valid(&container, &name)));
    }
    let Some(node) = crate::podutil::node_name(&pod).map(str::to_string) else {
        return fail(format!("{notes}{}", no_host(&name)));
    };
    if !sim.kubelet_running(&node) {
        let ip = sim
            .kubelet_internal_ip(&node)
            .unwrap_or_else(|| node.clone());
        return fail(format!("{notes}{}", unreachable(&ip)));
    }

    // The kubelet runs it.
    let pod_ref = crate::objects::ObjectRef::new(
        crate::objects::Kind::Pod,
        Some(namespace),
        pod.metadata.name_str(),
    );
    let at_ms = sim.now().0;
    let session = match sim.exec_in_container(
        &node,
        &pod_ref,
        &container,
        &request.command,
        EXEC_TIME_LIMIT,
    ) {
        Ok(s) => s,
        Err(ExecError::NotRunning) => {
            return fail(format!("{notes}{}", container_not_found(&container)))
        }
        Err(ExecError::StartFailed(message)) => {
            let id = exec_id(&pod, &container, &request.command, at_ms);
            return fail(format!("{notes}{}", start_failed(&id, &message)));
        }
    };
    let mut out = CommandOutput {
        stdout: String::new(),
        stderr: notes,
        success: true,
    };
    let shown = session.output.len().min(MAX_OUTPUT_LINES);
    for line in &session.output[..shown] {
        let stream = match line.stream {
            Stream::Stdout => &mut out.stdout,
            Stream::Stderr => &mut out.stderr,
        };
        stream.push_str(&line.text);
        stream.push('\n');
    }
    if shown < session.output.len() {
        out.stderr.push_str(&format!(
            "kubeplay: showing the first {shown} lines of {}\n",
            session.output.len()
        ));
    }
    let program = request.command[0].as_str();
    if request.command.len() == 1 && SHELLS.contains(&program) {
        // `kubectl exec -it POD -- sh`: what a learner types for a prompt.
        out.stderr.push_str(&format!(
            "kubeplay: this terminal is not interactive: {program} read no input and exited; give it the command to run, like: kubectl exec {target} -- {program} -c 'ls /; env'\n"
        ));
    }
    match session.end {
        SessionEnd::Exited(0) => {}
        SessionEnd::Exited(code) => {
            out.stderr.push_str(&exit_code(code));
            out.stderr.push('\n');
            out.success = false;
        }
        SessionEnd::Opaque(program) => {
            out.stderr.push_str(&format!(
                "kubeplay: {program:?} is a program of the image the simulation cannot look into; it would run until stopped, so kubectl exec gave up on it\n"
            ));
            out.success = false;
        }
        SessionEnd::Spinning => {
            out.stderr.push_str("kubeplay: the command is a busy loop (it runs without ever sleeping); kubectl exec gave up on it\n");
            out.success = false;
        }
        SessionEnd::StillRunning => {
            out.stderr.push_str(&format!(
                "kubeplay: the command was still running after {} of its own time; kubectl exec gave up on it (the terminal is not interactive and exec does not move the cluster's clock)\n",
                crate::time::human_duration(EXEC_TIME_LIMIT)
            ));
            out.success = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_command_follows_the_double_dash() {
        let r = parse(&words("web -c nginx -it -- ls -l /")).unwrap();
        assert_eq!(r.target.as_deref(), Some("web"));
        assert_eq!(r.container.as_deref(), Some("nginx"));
        assert!(r.stdin && r.tty);
        assert_eq!(r.command, words("ls -l /"));
        assert!(!r.deprecated_form);
    }

    #[test]
    fn without_the_double_dash_the_rest_is_the_command_deprecated() {
        let r = parse(&words("web date")).unwrap();
        assert_eq!(r.command, words("date"));
        assert!(r.deprecated_form);
        let r = parse(&words("web")).unwrap();
        assert!(r.command.is_empty());
        let r = parse(&words("-- ls")).unwrap();
        assert_eq!(r.target, None);
    }

    #[test]
    fn bad_flags_are_errors() {
        assert!(parse(&words("web -x -- ls")).is_err());
        assert!(parse(&words("web -c")).is_err());
        assert!(parse(&words("web --tty=maybe -- ls")).is_err());
    }

    #[test]
    fn exec_ids_are_64_hex_digits_and_stable() {
        let pod = Pod::default();
        let a = exec_id(&pod, "c", &words("foo"), 5);
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, exec_id(&pod, "c", &words("foo"), 5));
        assert_ne!(a, exec_id(&pod, "c", &words("foo"), 6));
    }
}
