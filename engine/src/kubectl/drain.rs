//! `kubectl drain NODE`: cordon the node, then evict every pod on it that
//! may go, and wait until they are gone
//! (staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go RunDrain,
//! pkg/drain/drain.go, pkg/drain/filters.go).
//!
//! The pod filters run in upstream's order — skip-deleted, DaemonSet, mirror
//! pod, local storage, unreplicated — and the first that refuses a pod
//! decides. Refusals are errors unless a flag turns them into warnings:
//! `--ignore-daemonsets`, `--delete-emptydir-data`, `--force`.
//!
//! Waiting moves virtual time on, one second per poll as kubectl polls.
//! kubectl waits forever by default; kubeplay stops after 10 minutes of
//! virtual time (a pod on a node whose kubelet is gone never finishes
//! terminating) and says so.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod};

use super::fail;
use super::nodes::{find_nodes, parse_args, usage_error};
use crate::apiserver::auth::{Attributes, UserInfo};
use crate::apiserver::set_pod_condition;
use crate::kubelet::go_duration;
use crate::labels::Selector;
use crate::objects::{Kind, MetaExt, Object, ObjectRef};
use crate::sim::Simulation;
use crate::time::SimDuration;
use crate::view::CommandOutput;

const DAEMONSET_FATAL: &str = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";
const LOCAL_STORAGE_FATAL: &str =
    "Pods with local storage (use --delete-emptydir-data to override)";
const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
const UNMANAGED_FATAL: &str =
    "cannot delete Pods that declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";
const MIRROR_POD_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// How long kubeplay lets `drain` wait when no --timeout is given.
const WAIT_LIMIT: SimDuration = SimDuration::from_secs(10 * 60);
/// waitForDelete's poll interval.
const POLL_INTERVAL: SimDuration = SimDuration::from_secs(1);

#[derive(Debug, Default)]
struct Options {
    force: bool,
    ignore_daemonsets: bool,
    delete_emptydir_data: bool,
    disable_eviction: bool,
    grace_period: i64,
    timeout: Option<SimDuration>,
    pod_selector: Option<Selector>,
    skip_wait_seconds: i64,
}

/// A filter's verdict on one pod (PodDeleteStatus).
#[derive(Debug, PartialEq)]
enum Verdict {
    Okay,
    Skip,
    Warning { delete: bool, message: String },
    Error(String),
}

impl Verdict {
    fn deletes(&self) -> bool {
        matches!(self, Verdict::Okay | Verdict::Warning { delete: true, .. })
    }
}

fn finished(pod: &Pod) -> bool {
    crate::podutil::is_terminal(pod)
}

/// makeFilters, applied in order until one says not to delete.
fn filter(sim: &Simulation, pod: &Pod, opts: &Options) -> Verdict {
    let checks: [&dyn Fn() -> Verdict; 5] = [
        &|| {
            // skipDeletedFilter
            let old = pod
                .metadata
                .deletion_timestamp
                .as_ref()
                .map(crate::time::SimTime::from_k8s)
                .is_some_and(|t| {
                    opts.skip_wait_seconds > 0
                        && sim.now().since(t).as_millis() / 1000 > opts.skip_wait_seconds as u64
                });
            if old {
                Verdict::Skip
            } else {
                Verdict::Okay
            }
        },
        &|| {
            // daemonSetFilter
            let Some(owner) = pod.metadata.controller_owner() else {
                return Verdict::Okay;
            };
            if owner.kind != "DaemonSet" || finished(pod) {
                return Verdict::Okay;
            }
            let exists = Kind::from_manifest("apps/v1", "DaemonSet").is_some_and(|kind| {
                sim.api()
                    .get(&ObjectRef::new(
                        kind,
                        pod.metadata.namespace.as_deref(),
                        &owner.name,
                    ))
                    .is_some()
            });
            if !exists {
                let message = format!("daemonsets.apps \"{}\" not found", owner.name);
                return if opts.force {
                    Verdict::Warning {
                        delete: true,
                        message,
                    }
                } else {
                    Verdict::Error(message)
                };
            }
            if !opts.ignore_daemonsets {
                return Verdict::Error(DAEMONSET_FATAL.into());
            }
            Verdict::Warning {
                delete: false,
                message: DAEMONSET_WARNING.into(),
            }
        },
        &|| {
            // mirrorPodFilter
            let mirror = pod
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key(MIRROR_POD_ANNOTATION));
            if mirror {
                Verdict::Skip
            } else {
                Verdict::Okay
            }
        },
        &|| {
            // localStorageFilter
            let empty_dir = pod
                .spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .any(|v| v.empty_dir.is_some());
            if !empty_dir || finished(pod) {
                return Verdict::Okay;
            }
            if !opts.delete_emptydir_data {
                return Verdict::Error(LOCAL_STORAGE_FATAL.into());
            }
            Verdict::Warning {
                delete: true,
                message: LOCAL_STORAGE_WARNING.into(),
            }
        },
        &|| {
            // unreplicatedFilter
            if finished(pod) || pod.metadata.controller_owner().is_some() {
                return Verdict::Okay;
            }
            if opts.force {
                Verdict::Warning {
                    delete: true,
                    message: UNMANAGED_WARNING.into(),
                }
            } else {
                Verdict::Error(UNMANAGED_FATAL.into())
            }
        },
    ];
    let mut verdict = Verdict::Okay;
    for check in checks {
        verdict = check();
        if !verdict.deletes() {
            break;
        }
    }
    verdict
}

fn pod_name(pod: &Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace_str(),
        pod.metadata.name_str()
    )
}

/// The result of GetPodsForDeletion: the pods to delete, the warnings
/// (`Warnings()`), and the errors (`errors()`), grouped by message.
struct PodList {
    pods: Vec<Pod>,
    warnings: String,
    errors: Vec<String>,
}

fn pods_for_deletion(sim: &Simulation, node: &str, opts: &Options) -> PodList {
    let mut pods = Vec::new();
    let mut warnings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let on_node: Vec<Pod> = sim
        .api()
        .list_typed::<Pod>(None)
        .into_iter()
        .filter(|p| crate::podutil::node_name(p) == Some(node))
        .filter(|p| {
            opts.pod_selector
                .as_ref()
                .is_none_or(|s| s.matches(&p.metadata.labels_map()))
        })
        .cloned()
        .collect();
    for pod in on_node {
        let verdict = filter(sim, &pod, opts);
        match &verdict {
            Verdict::Warning { message, .. } => warnings
                .entry(message.clone())
                .or_default()
                .push(pod_name(&pod)),
            Verdict::Error(message) => errors
                .entry(message.clone())
                .or_default()
                .push(pod_name(&pod)),
            Verdict::Okay | Verdict::Skip => {}
        }
        if verdict.deletes() {
            pods.push(pod);
        }
    }
    let warnings = warnings
        .iter()
        .map(|(message, pods)| format!("{message}: {}", pods.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    let errors = errors
        .iter()
        .map(|(message, pods)| {
            if message.to_lowercase().starts_with("cannot delete") {
                format!("{message}: {}", pods.join(", "))
            } else {
                format!("cannot delete {message}: {}", pods.join(", "))
            }
        })
        .collect();
    PodList {
        pods,
        warnings,
        errors,
    }
}

/// utilerrors.NewAggregate(...).Error().
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// Go's time.ParseDuration, for the durations learners pass (`90s`, `2m`, `0`).
fn parse_go_duration(text: &str) -> Result<SimDuration, String> {
    if text == "0" {
        return Ok(SimDuration::ZERO);
    }
    SimDuration::parse(text).map_err(|_| {
        format!("error: invalid argument \"{text}\" for \"--timeout\" flag: time: invalid duration \"{text}\"")
    })
}

fn parse_int(text: &str, flag: &str) -> Result<i64, String> {
    text.parse().map_err(|_| {
        format!("error: invalid argument \"{text}\" for \"{flag}\" flag: strconv.ParseInt: parsing \"{text}\": invalid syntax")
    })
}

/// Evicts (or deletes) one pod as the API server's eviction subresource
/// does: a DisruptionTarget condition, then a graceful delete.
fn evict(sim: &mut Simulation, user: &UserInfo, pod: &Pod, opts: &Options) -> Result<(), String> {
    let key = ObjectRef::of(&Object::Pod(pod.clone()));
    let mut attrs = Attributes::new(
        if opts.disable_eviction {
            "delete"
        } else {
            "create"
        },
        "",
        "pods",
        key.namespace.as_deref(),
        Some(&key.name),
    );
    if !opts.disable_eviction {
        attrs.subresource = "eviction".into();
    }
    sim.api()
        .authorize(user, &attrs)
        .map_err(|e| e.kubectl_message())?;
    let now = sim.now();
    if !opts.disable_eviction {
        if let Some(Object::Pod(current)) = sim.api().get(&key).cloned() {
            let mut updated = current.clone();
            let status = updated.status.get_or_insert_with(Default::default);
            set_pod_condition(
                status,
                "DisruptionTarget",
                "True",
                Some("EvictionByEvictionAPI"),
                Some("Eviction API: evicting"),
                now,
            );
            if updated.status != current.status {
                updated.metadata.resource_version = None;
                let _ = sim.api.update(Object::Pod(updated));
            }
        }
    }
    let grace = (opts.grace_period >= 0).then_some(opts.grace_period);
    match sim.api.delete(now, &key, grace) {
        Ok(_) => Ok(()),
        Err(e) if e.reason == crate::apiserver::StatusReason::NotFound => Ok(()),
        Err(e) => Err(format!(
            "error when evicting pod \"{}\": {}",
            key.name, e.message
        )),
    }
}

/// deleteOrEvictPodsSimple for one node.
fn drain_node(
    sim: &mut Simulation,
    user: &UserInfo,
    node: &Node,
    opts: &Options,
    out: &mut CommandOutput,
) -> Result<(), String> {
    let name = node.metadata.name_str().to_string();
    sim.api()
        .authorize(user, &Attributes::new("list", "", "pods", None, None))
        .map_err(|e| e.kubectl_message())?;
    let list = pods_for_deletion(sim, &name, opts);
    if !list.errors.is_empty() {
        return Err(aggregate(&list.errors));
    }
    if !list.warnings.is_empty() {
        out.stderr
            .push_str(&format!("Warning: {}\n", list.warnings));
    }
    let verb = if opts.disable_eviction {
        "deleted"
    } else {
        "evicted"
    };
    let mut pending: Vec<Pod> = Vec::new();
    let mut errors = Vec::new();
    for pod in &list.pods {
        if !opts.disable_eviction {
            out.stdout
                .push_str(&format!("evicting pod {}\n", pod_name(pod)));
        }
        match evict(sim, user, pod, opts) {
            Ok(()) => pending.push(pod.clone()),
            Err(e) => errors.push(e),
        }
    }
    if !pending.is_empty() {
        sim.after_user_change(format!(
            "kubectl drain {name}: {} {} pod(s)",
            if opts.disable_eviction {
                "deleted"
            } else {
                "evicted"
            },
            pending.len()
        ));
    }
    if !errors.is_empty() {
        return Err(aggregate(&errors));
    }
    // waitForDelete: poll every second until each pod is gone (or replaced).
    let limit = opts.timeout.filter(|t| *t > SimDuration::ZERO);
    let mut waited = SimDuration::ZERO;
    loop {
        let mut still = Vec::new();
        for pod in pending {
            let key = ObjectRef::of(&Object::Pod(pod.clone()));
            let current = sim.api().get(&key);
            let gone = match current {
                Some(o) => o.meta().uid != pod.metadata.uid,
                None => true,
            };
            if gone {
                out.stdout
                    .push_str(&format!("pod/{} {verb}\n", pod.metadata.name_str()));
                continue;
            }
            let skip = opts.skip_wait_seconds > 0
                && current
                    .and_then(|o| o.meta().deletion_timestamp.as_ref())
                    .map(crate::time::SimTime::from_k8s)
                    .is_some_and(|t| {
                        sim.now().since(t).as_millis() / 1000 > opts.skip_wait_seconds as u64
                    });
            if skip {
                out.stdout.push_str(&format!(
                    "pod \"{}\" has DeletionTimestamp older than {} seconds, skipping\n",
                    pod.metadata.name_str(),
                    opts.skip_wait_seconds
                ));
                continue;
            }
            still.push(pod);
        }
        pending = still;
        if pending.is_empty() {
            return Ok(());
        }
        let give_up = match limit {
            Some(t) => waited >= t,
            None => waited >= WAIT_LIMIT,
        };
        if give_up {
            let err = match limit {
                Some(t) if opts.disable_eviction => {
                    format!("global timeout reached: {}", go_duration(t))
                }
                Some(t) => aggregate(
                    &pending
                        .iter()
                        .map(|p| {
                            format!(
                                "error when waiting for pod \"{}\" terminating: global timeout reached: {}",
                                p.metadata.name_str(),
                                go_duration(t)
                            )
                        })
                        .collect::<Vec<_>>(),
                ),
                None => format!(
                    "kubeplay stopped waiting after {}: {} still terminating (a real kubectl drain waits until they are gone; pass --timeout to bound it)",
                    go_duration(WAIT_LIMIT),
                    pending.iter().map(pod_name).collect::<Vec<_>>().join(", ")
                ),
            };
            let left = pods_for_deletion(sim, &name, opts);
            if !left.pods.is_empty() {
                out.stderr.push_str(&format!(
                    "There are pending pods in node \"{name}\" when an error occurred: {err}\n"
                ));
                for pod in &left.pods {
                    out.stderr
                        .push_str(&format!("pod/{}\n", pod.metadata.name_str()));
                }
            }
            return Err(err);
        }
        sim.advance(POLL_INTERVAL);
        waited = SimDuration(waited.0 + POLL_INTERVAL.0);
    }
}

/// `kubectl drain NODE... [--force] [--ignore-daemonsets] [--delete-emptydir-data]
/// [--grace-period N] [--timeout D] [--pod-selector S] [--disable-eviction]`.
pub fn run(sim: &mut Simulation, args: &[String], user: &UserInfo) -> CommandOutput {
    let parsed = match parse_args(
        args,
        &[
            "--force",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--delete-local-data",
            "--disable-eviction",
            "--ignore-errors",
        ],
        &[
            ("--grace-period", None),
            ("--timeout", None),
            ("--pod-selector", None),
            ("--selector", Some("-l")),
            ("--skip-wait-for-delete-timeout", None),
        ],
    ) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut out = CommandOutput {
        success: true,
        ..CommandOutput::default()
    };
    if parsed.has("--delete-local-data") {
        out.stderr.push_str("Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.\n");
    }
    let selector = parsed.value("--selector");
    if parsed.positional.is_empty() && selector.is_none() {
        return fail(usage_error("drain", "USAGE: drain NODE [flags]"));
    }
    if !parsed.positional.is_empty() && selector.is_some() {
        return fail(usage_error(
            "drain",
            "cannot specify both a node name and a --selector option",
        ));
    }
    let mut opts = Options {
        force: parsed.has("--force"),
        ignore_daemonsets: parsed.has("--ignore-daemonsets"),
        delete_emptydir_data: parsed.has("--delete-emptydir-data")
            || parsed.has("--delete-local-data"),
        disable_eviction: parsed.has("--disable-eviction"),
        grace_period: -1,
        ..Options::default()
    };
    if let Some(text) = parsed.value("--grace-period") {
        match parse_int(text, "--grace-period") {
            Ok(n) => opts.grace_period = n,
            Err(e) => return fail(e),
        }
    }
    if let Some(text) = parsed.value("--skip-wait-for-delete-timeout") {
        match parse_int(text, "--skip-wait-for-delete-timeout") {
            Ok(n) => opts.skip_wait_seconds = n,
            Err(e) => return fail(e),
        }
    }
    if let Some(text) = parsed.value("--timeout") {
        match parse_go_duration(text) {
            Ok(d) => opts.timeout = Some(d),
            Err(e) => return fail(e),
        }
    }
    if let Some(text) = parsed.value("--pod-selector") {
        match Selector::parse(text) {
            Ok(s) => opts.pod_selector = Some(s),
            Err(_) => {
                return fail("error: --pod-selector=<pod_selector> must be a valid label selector")
            }
        }
    }
    let nodes = match find_nodes(sim, user, &parsed.positional, selector) {
        Ok(n) => n,
        Err(e) => {
            let mut failed = fail(e);
            failed.stderr.insert_str(0, &out.stderr);
            return failed;
        }
    };
    super::cordon::cordon_nodes(sim, user, &nodes, true, &mut out);
    let mut fatal = Vec::new();
    let mut remaining = Vec::new();
    for node in &nodes {
        let name = node.metadata.name_str().to_string();
        match drain_node(sim, user, node, &opts, &mut out) {
            Ok(()) => out.stdout.push_str(&format!("node/{name} drained\n")),
            Err(e) => {
                out.stderr.push_str(&format!(
                    "error: unable to drain node \"{name}\" due to error: {e}, continuing command...\n"
                ));
                fatal.push(e);
                remaining.push(name);
            }
        }
    }
    if !remaining.is_empty() {
        out.stderr
            .push_str("There are pending nodes to be drained:\n");
        for name in &remaining {
            out.stderr.push_str(&format!(" {name}\n"));
        }
        for (i, e) in fatal.iter().enumerate() {
            let prefix = if i == 0 && !e.starts_with("error: ") {
                "error: "
            } else {
                ""
            };
            out.stderr.push_str(&format!("{prefix}{e}\n"));
        }
        out.success = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_print_like_utilerrors() {
        assert_eq!(aggregate(&["a".into()]), "a");
        assert_eq!(aggregate(&["a".into(), "b".into()]), "[a, b]");
    }

    #[test]
    fn timeouts_parse_like_go() {
        assert_eq!(parse_go_duration("0"), Ok(SimDuration::ZERO));
        assert_eq!(parse_go_duration("90s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(
            parse_go_duration("soon").unwrap_err(),
            "error: invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\""
        );
    }
}
