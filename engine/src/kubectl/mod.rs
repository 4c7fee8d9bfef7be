//! kubectl, as far as the playground's terminal needs it: the same
//! subcommands, flags, output and error wording.

pub mod apply;
pub mod auth;
pub mod cordon;
pub mod create;
pub mod create_config;
pub mod describe;
pub mod drain;
pub mod exec;
pub mod expose;
pub mod label;
pub mod logs;
pub mod nodes;
pub mod podcmd;
pub mod printers;
pub mod printers_network;
pub mod printers_storage;
pub mod rollout;
pub mod table;
pub mod taint;
pub mod yaml;

use crate::apiserver::auth::{Attributes, UserInfo};
use crate::apiserver::{ApiError, DeleteOptions, Propagation};
use crate::files::FileSource;
use crate::labels::Selector;
use crate::objects::{Kind, Object, ObjectRef};
use crate::sim::Simulation;
use crate::view::CommandOutput;

/// Flags shared by the subcommands.
#[derive(Clone, Debug, Default)]
struct Flags {
    namespace: Option<String>,
    all_namespaces: bool,
    output: Option<String>,
    selector: Option<String>,
    files: Vec<String>,
    show_labels: bool,
    /// `--no-headers`: the table without its header line.
    no_headers: bool,
    /// `-L KEY[,KEY]`: a column per label key.
    label_columns: Vec<String>,
    cascade: Option<Propagation>,
    replicas: Option<i32>,
    /// `--to-revision` for rollout undo, `--revision` for rollout history.
    revision: Option<i64>,
    grace_period: Option<i64>,
    positional: Vec<String>,
    /// Several resource types were asked for: names print as `kind/name`.
    with_kind: bool,
}

fn parse_flags(args: &[String]) -> Result<Flags, String> {
    let mut flags = Flags::default();
    let mut i = 0;
    let value = |i: &mut usize, name: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("error: flag needs an argument: {name}"))
    };
    while i < args.len() {
        let arg = &args[i];
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with('-') => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let take = |i: &mut usize| inline.clone().map(Ok).unwrap_or_else(|| value(i, &name));
        match name.as_str() {
            "-n" | "--namespace" => flags.namespace = Some(take(&mut i)?),
            "-A" | "--all-namespaces" => flags.all_namespaces = true,
            "-o" | "--output" => flags.output = Some(take(&mut i)?),
            "-l" | "--selector" => flags.selector = Some(take(&mut i)?),
            "-f" | "--filename" => flags.files.push(take(&mut i)?),
            "--show-labels" => flags.show_labels = true,
            "--no-headers" => flags.no_headers = true,
            "-L" | "--label-columns" => flags.label_columns.extend(
                take(&mut i)?
                    .split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_string),
            ),
            "--cascade" => {
                flags.cascade = Some(match take(&mut i)?.as_str() {
                    "background" | "true" => Propagation::Background,
                    "foreground" => Propagation::Foreground,
                    "orphan" | "false" => Propagation::Orphan,
                    other => return Err(format!("error: invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\"")),
                })
            }
            "--grace-period" => {
                let value = take(&mut i)?;
                flags.grace_period = Some(value.parse().map_err(|_| format!("error: invalid argument \"{value}\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"{value}\": invalid syntax"))?);
            }
            "--now" => flags.grace_period = Some(1),
            "--replicas" => {
                let value = take(&mut i)?;
                flags.replicas = Some(value.parse().map_err(|_| format!("error: invalid argument \"{value}\" for \"--replicas\" flag: strconv.ParseInt: parsing \"{value}\": invalid syntax"))?);
            }
            "--to-revision" | "--revision" => {
                let value = take(&mut i)?;
                flags.revision = Some(value.parse().map_err(|_| format!("error: invalid argument \"{value}\" for \"{name}\" flag: strconv.ParseInt: parsing \"{value}\": invalid syntax"))?);
            }
            other if other.starts_with('-') && other.len() > 1 => {
                return Err(format!("error: unknown flag: {other}"));
            }
            _ => flags.positional.push(arg.clone()),
        }
        i += 1;
    }
    Ok(flags)
}

/// A command's success, printing `stdout`.
pub fn ok(stdout: String) -> CommandOutput {
    CommandOutput {
        stdout,
        stderr: String::new(),
        success: true,
    }
}

/// A command's failure, printing `message` and one newline on stderr.
pub fn fail(message: impl Into<String>) -> CommandOutput {
    let mut stderr = message.into();
    if !stderr.ends_with('\n') {
        stderr.push('\n');
    }
    CommandOutput {
        stdout: String::new(),
        stderr,
        success: false,
    }
}

/// Takes `-n NS` / `--namespace=NS` out of arguments a subcommand parses itself.
fn take_namespace(args: &[String]) -> (Vec<String>, String) {
    let (rest, namespace) = take_namespace_flag(args);
    (rest, namespace.unwrap_or_else(|| "default".to_string()))
}

/// `take_namespace`, telling whether `-n` was given (kubectl's EnforceNamespace).
fn take_namespace_flag(args: &[String]) -> (Vec<String>, Option<String>) {
    let mut rest = Vec::new();
    let mut namespace = None;
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == "--" {
            rest.push(a.clone());
            rest.extend(iter.by_ref().cloned());
            break;
        }
        if a == "-n" || a == "--namespace" {
            if let Some(v) = iter.next() {
                namespace = Some(v.clone());
            }
        } else if let Some(v) = a.strip_prefix("--namespace=") {
            namespace = Some(v.to_string());
        } else {
            rest.push(a.clone());
        }
    }
    (rest, namespace)
}

/// Runs `kubectl ARGS...` (without the word kubectl).
pub fn run(sim: &mut Simulation, args: &[String], files: &dyn FileSource) -> CommandOutput {
    // Global flags may come before the subcommand.
    let mut args: Vec<String> = args.to_vec();
    let user = match auth::take_identity(&mut args) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let Some(subcommand) = args.first().cloned() else {
        return fail("error: you must specify a subcommand, such as get, apply or delete");
    };
    // The node commands and label parse their own flags.
    match subcommand.as_str() {
        "logs" => {
            let (rest, namespace) = take_namespace(&args[1..]);
            return logs::run(sim, &user, &rest, &namespace);
        }
        "exec" => {
            let (rest, namespace) = take_namespace(&args[1..]);
            return exec::run(sim, &user, &rest, &namespace);
        }
        "run" => {
            let (rest, namespace) = take_namespace(&args[1..]);
            return create::run(sim, &user, &rest, &namespace);
        }
        "expose" => {
            let (rest, namespace) = take_namespace(&args[1..]);
            return expose::run(sim, &user, &rest, &namespace);
        }
        "create" => {
            let (rest, namespace) = take_namespace_flag(&args[1..]);
            return create::create_command(sim, &user, &rest, namespace.as_deref(), files);
        }
        "cordon" => return cordon::run(sim, &args[1..], &user, true),
        "uncordon" => return cordon::run(sim, &args[1..], &user, false),
        "drain" => return drain::run(sim, &args[1..], &user),
        "taint" => return taint::run(sim, &args[1..], &user),
        "label" => return label::run(sim, &args[1..], &user),
        _ => {}
    }
    let flags = match parse_flags(&args[1..]) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    match subcommand.as_str() {
        "apply" => apply(sim, &flags, files, &user),
        "get" => with_deprecation(&flags, get(sim, &flags, &user)),
        "delete" => delete(sim, &flags, files, &user),
        "describe" => with_deprecation(&flags, describe::run(sim, &user, &flags.positional, flags.namespace.as_deref().unwrap_or("default"), flags.selector.as_deref())),
        "rollout" => rollout::rollout(sim, &user, &flags.positional, flags.namespace.as_deref().unwrap_or("default"), flags.revision),
        "scale" => rollout::scale(sim, &user, &flags.positional, flags.namespace.as_deref().unwrap_or("default"), flags.replicas),
        "set" => rollout::set_image(sim, &user, &flags.positional, flags.namespace.as_deref().unwrap_or("default")),
        "auth" => auth::can_i(sim, &user, &flags.positional, flags.namespace.as_deref(), flags.all_namespaces),
        other => fail(format!(
            "error: unknown command \"{other}\" for \"kubectl\"\nkubeplay's kubectl knows: apply, create, run, expose, get, describe, logs, exec, delete, scale, set image, rollout, auth, cordon, uncordon, drain, taint, label"
        )),
    }
}

fn apply(
    sim: &mut Simulation,
    flags: &Flags,
    files: &dyn FileSource,
    user: &UserInfo,
) -> CommandOutput {
    if flags.files.is_empty() {
        return fail("error: must specify one of -f and -k");
    }
    let mut out = CommandOutput {
        success: true,
        ..CommandOutput::default()
    };
    for path in &flags.files {
        let text = match files.read(path) {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let report = sim.apply_yaml_as(user, path, &text);
        report
            .applied
            .iter()
            .for_each(|l| out.stdout.push_str(&format!("{l}\n")));
        for error in &report.errors {
            out.stderr.push_str(&format!("{}\n", error.with_position()));
            out.success = false;
        }
    }
    out
}

/// The API server's warning on every read of v1 Endpoints, printed first as kubectl prints warnings.
fn with_deprecation(flags: &Flags, mut out: CommandOutput) -> CommandOutput {
    let reads_endpoints = flags.positional.first().is_some_and(|types| {
        types
            .split(',')
            .map(|t| t.split('/').next().unwrap_or(t))
            .any(|t| Kind::from_resource_arg(t) == Some(Kind::Endpoints))
    });
    if reads_endpoints {
        out.stderr = format!("{}\n{}", printers_network::ENDPOINTS_DEPRECATED, out.stderr);
    }
    out
}

fn resolve_kind(arg: &str) -> Result<Kind, String> {
    Kind::from_resource_arg(arg)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{arg}\""))
}

/// `kubectl get pods,deployments`: one table per type, separated by a blank line.
fn get_many(sim: &Simulation, flags: &Flags, user: &UserInfo) -> CommandOutput {
    let types: Vec<String> = flags.positional[0]
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let mut out = CommandOutput {
        success: true,
        ..CommandOutput::default()
    };
    let mut tables = Vec::new();
    for t in types {
        let mut one = Flags {
            positional: vec![t],
            with_kind: true,
            ..flags.clone()
        };
        one.positional
            .extend(flags.positional.iter().skip(1).cloned());
        let result = get(sim, &one, user);
        out.success &= result.success;
        if !result.stdout.is_empty() {
            tables.push(result.stdout);
        }
        if !result.stderr.starts_with("No resources found") {
            out.stderr.push_str(&result.stderr);
        }
    }
    out.stdout = tables.join("\n");
    if out.stdout.is_empty() && out.stderr.is_empty() {
        let ns = flags.namespace.clone().unwrap_or_else(|| "default".into());
        out.stderr = if flags.all_namespaces {
            "No resources found\n".into()
        } else {
            format!("No resources found in {ns} namespace.\n")
        };
    }
    out
}

/// The `all` category, in discovery's order of groups and resources.
const CATEGORY_ALL: &str =
    "pods,services,daemonsets.apps,deployments.apps,replicasets.apps,statefulsets.apps,cronjobs.batch,jobs.batch";

fn get(sim: &Simulation, flags: &Flags, user: &UserInfo) -> CommandOutput {
    if flags
        .positional
        .first()
        .is_some_and(|r| r.split(',').any(|t| t == "all"))
    {
        let mut expanded = flags.clone();
        expanded.positional[0] = flags.positional[0]
            .split(',')
            .map(|t| if t == "all" { CATEGORY_ALL } else { t })
            .collect::<Vec<_>>()
            .join(",");
        return get_many(sim, &expanded, user);
    }
    if flags.positional.first().is_some_and(|r| r.contains(',')) {
        return get_many(sim, flags, user);
    }
    let Some(resource) = flags.positional.first() else {
        return fail("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.");
    };
    let (resource, inline_name) = match resource.split_once('/') {
        Some((r, n)) => (r.to_string(), Some(n.to_string())),
        None => (resource.clone(), None),
    };
    let kind = match resolve_kind(&resource) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let info = kind.info();
    let namespace = flags
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let names: Vec<String> = inline_name
        .into_iter()
        .chain(flags.positional.iter().skip(1).cloned())
        .collect();
    let selector = match flags.selector.as_deref().map(Selector::parse).transpose() {
        Ok(s) => s,
        Err(e) => return fail(format!("error: {e}")),
    };
    let list_namespace = if info.namespaced && !flags.all_namespaces {
        Some(namespace.as_str())
    } else {
        None
    };
    let mut objects: Vec<&Object> = Vec::new();
    let mut errors = Vec::new();
    if names.is_empty() {
        let attrs = Attributes::new("list", info.group, info.plural, list_namespace, None);
        if let Err(denied) = sim.api().authorize(user, &attrs) {
            return fail(denied.kubectl_message());
        }
        objects = sim
            .api()
            .list(kind, list_namespace)
            .filter(|o| {
                selector
                    .as_ref()
                    .is_none_or(|s| s.matches(&o.meta().labels.clone().unwrap_or_default()))
            })
            .collect();
    } else {
        for name in &names {
            let ns = info.namespaced.then_some(namespace.as_str());
            let attrs = Attributes::new("get", info.group, info.plural, ns, Some(name));
            if let Err(denied) = sim.api().authorize(user, &attrs) {
                errors.push(denied.kubectl_message());
                continue;
            }
            match sim.object(&ObjectRef::new(kind, ns, name)) {
                Some(o) => objects.push(o),
                None => errors
                    .push(ApiError::not_found(&info.qualified_plural(), name).kubectl_message()),
            }
        }
    }
    let mut out = CommandOutput {
        success: errors.is_empty(),
        ..CommandOutput::default()
    };
    for e in &errors {
        out.stderr.push_str(&format!("{e}\n"));
    }
    let output = flags.output.clone().unwrap_or_default();
    match output.as_str() {
        "json" | "yaml" => {
            let values: Vec<serde_json::Value> = objects.iter().map(|o| serde_json::to_value(o).unwrap_or_default()).collect();
            let value = if names.len() == 1 && values.len() == 1 {
                values.into_iter().next().unwrap_or_default()
            } else {
                serde_json::json!({"apiVersion": "v1", "items": values, "kind": "List", "metadata": {"resourceVersion": ""}})
            };
            if objects.is_empty() && !names.is_empty() {
                return out;
            }
            out.stdout = if output == "json" { to_json(&value) } else { yaml::to_yaml(&value) };
        }
        "name" => {
            for o in &objects {
                out.stdout.push_str(&format!("{}/{}\n", info.qualified_singular(), o.meta().name.clone().unwrap_or_default()));
            }
        }
        "" | "wide" => {
            if objects.is_empty() {
                if errors.is_empty() {
                    out.stderr = match list_namespace {
                        Some(ns) => format!("No resources found in {ns} namespace.\n"),
                        None => "No resources found\n".to_string(),
                    };
                }
                return out;
            }
            let (mut header, mut rows) = printers::table(kind, &objects, output == "wide", sim.now());
            if flags.with_kind && kind != Kind::Event {
                for row in rows.iter_mut() {
                    if let Some(name) = row.first_mut() {
                        *name = format!("{}/{name}", info.qualified_singular());
                    }
                }
            }
            if flags.all_namespaces && info.namespaced {
                header.insert(0, "NAMESPACE");
                for (row, o) in rows.iter_mut().zip(&objects) {
                    row.insert(0, o.meta().namespace.clone().unwrap_or_default());
                }
            }
            // formatLabelHeaders: the key's last path segment, upper-cased.
            let label_headers: Vec<String> = flags
                .label_columns
                .iter()
                .map(|k| k.rsplit('/').next().unwrap_or(k).to_uppercase())
                .collect();
            for (key, title) in flags.label_columns.iter().zip(&label_headers) {
                header.push(title);
                for (row, o) in rows.iter_mut().zip(&objects) {
                    row.push(o.meta().labels.as_ref().and_then(|l| l.get(key)).cloned().unwrap_or_default());
                }
            }
            if flags.show_labels {
                header.push("LABELS");
                for (row, o) in rows.iter_mut().zip(&objects) {
                    row.push(printers::labels_column(o.meta()));
                }
            }
            out.stdout = table::render(&header, &rows);
            if flags.no_headers {
                out.stdout = out.stdout.split_once('\n').map_or(String::new(), |(_, body)| body.to_string());
            }
        }
        other => {
            return fail(format!(
                "error: unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,name,wide,yaml"
            ))
        }
    }
    out
}

/// JSON as kubectl prints it: four-space indentation, keys sorted.
pub fn to_json(value: &serde_json::Value) -> String {
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    serde::Serialize::serialize(value, &mut serializer).expect("JSON values always serialize");
    let mut text = String::from_utf8(buffer).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

fn delete(
    sim: &mut Simulation,
    flags: &Flags,
    files: &dyn FileSource,
    user: &UserInfo,
) -> CommandOutput {
    let namespace = flags
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let mut targets: Vec<ObjectRef> = Vec::new();
    for path in &flags.files {
        let text = match files.read(path) {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let documents = match crate::manifest::parse_documents(path, &text) {
            Ok(d) => d,
            Err(e) => return fail(e.with_position()),
        };
        for doc in documents {
            match crate::apiserver::decode::decode(&doc.value) {
                Ok(object) => {
                    let mut r = ObjectRef::of(&object);
                    if r.kind.info().namespaced && r.namespace.is_none() {
                        r.namespace = Some(namespace.clone());
                    }
                    targets.push(r);
                }
                Err(_) => return fail(format!("error: unable to decode \"{path}\"")),
            }
        }
    }
    if flags.files.is_empty() {
        let Some(resource) = flags.positional.first() else {
            return fail("error: You must provide one or more resources by argument or filename.");
        };
        let (resource, inline_name) = match resource.split_once('/') {
            Some((r, n)) => (r.to_string(), Some(n.to_string())),
            None => (resource.clone(), None),
        };
        let kind = match resolve_kind(&resource) {
            Ok(k) => k,
            Err(e) => return fail(e),
        };
        let names: Vec<String> = inline_name
            .into_iter()
            .chain(flags.positional.iter().skip(1).cloned())
            .collect();
        if names.is_empty() && flags.selector.is_none() {
            return fail("error: resource(s) were provided, but no name was specified");
        }
        let ns = kind.info().namespaced.then_some(namespace.as_str());
        targets.extend(names.iter().map(|n| ObjectRef::new(kind, ns, n)));
        if let Some(sel) = &flags.selector {
            let selector = match Selector::parse(sel) {
                Ok(s) => s,
                Err(e) => return fail(format!("error: {e}")),
            };
            targets.extend(
                sim.api()
                    .list(kind, ns)
                    .filter(|o| selector.matches(&o.meta().labels.clone().unwrap_or_default()))
                    .map(ObjectRef::of),
            );
        }
    }
    let mut out = CommandOutput {
        success: true,
        ..CommandOutput::default()
    };
    for target in targets {
        let info = target.kind.info();
        let attrs = Attributes::new(
            "delete",
            info.group,
            info.plural,
            target.namespace.as_deref(),
            Some(&target.name),
        );
        if let Err(denied) = sim.api().authorize(user, &attrs) {
            out.stderr
                .push_str(&format!("{}\n", denied.kubectl_message()));
            out.success = false;
            continue;
        }
        let options = DeleteOptions {
            grace_seconds: flags.grace_period.filter(|g| *g >= 0),
            propagation: flags.cascade.unwrap_or_default(),
        };
        match sim.delete_with(&target, options) {
            Ok(()) => out.stdout.push_str(&format!(
                "{} \"{}\" deleted\n",
                target.kind.info().qualified_singular(),
                target.name
            )),
            Err(e) => {
                out.stderr.push_str(&format!("{}\n", e.kubectl_message()));
                out.success = false;
            }
        }
    }
    out
}
