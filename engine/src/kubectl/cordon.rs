//! `kubectl cordon NODE` and `kubectl uncordon NODE`
//! (staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go RunCordonOrUncordon,
//! pkg/drain/cordon.go): set or clear `spec.unschedulable`, printing
//! `node/node-1 cordoned` or `node/node-1 already cordoned`.

use k8s_openapi::api::core::v1::Node;

use super::fail;
use super::nodes::{find_nodes, parse_args, update_node, usage_error};
use crate::apiserver::auth::UserInfo;
use crate::objects::MetaExt;
use crate::sim::Simulation;
use crate::view::CommandOutput;

/// already() and changed() of the drain command.
fn verb(desired: bool, already: bool) -> &'static str {
    match (desired, already) {
        (true, true) => "already cordoned",
        (false, true) => "already uncordoned",
        (true, false) => "cordoned",
        (false, false) => "uncordoned",
    }
}

/// RunCordonOrUncordon over the given nodes; appends to `out`.
pub(crate) fn cordon_nodes(
    sim: &mut Simulation,
    user: &UserInfo,
    nodes: &[Node],
    desired: bool,
    out: &mut CommandOutput,
) {
    let command = if desired { "cordon" } else { "uncordon" };
    for node in nodes {
        let name = node.metadata.name_str().to_string();
        let current = node
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false);
        if current == desired {
            out.stdout
                .push_str(&format!("node/{name} {}\n", verb(desired, true)));
            continue;
        }
        let mut updated = node.clone();
        // The patch sets unschedulable; false is omitted, as the API server stores it.
        updated
            .spec
            .get_or_insert_with(Default::default)
            .unschedulable = desired.then_some(true);
        match update_node(sim, user, updated) {
            Ok(_) => {
                out.stdout
                    .push_str(&format!("node/{name} {}\n", verb(desired, false)));
                sim.after_user_change(format!("kubectl {command} {name}"));
            }
            Err(e) => {
                let e = e.strip_prefix("error: ").unwrap_or(&e).to_string();
                out.stderr.push_str(&format!(
                    "error: unable to {command} node \"{name}\": {e}\n"
                ));
                out.success = false;
            }
        }
    }
}

/// `kubectl cordon|uncordon NODE... [-l SELECTOR]`.
pub fn run(sim: &mut Simulation, args: &[String], user: &UserInfo, desired: bool) -> CommandOutput {
    let command = if desired { "cordon" } else { "uncordon" };
    let parsed = match parse_args(args, &[], &[("--selector", Some("-l"))]) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let selector = parsed.value("--selector");
    if parsed.positional.is_empty() && selector.is_none() {
        return fail(usage_error(
            command,
            &format!("USAGE: {command} NODE [flags]"),
        ));
    }
    if !parsed.positional.is_empty() && selector.is_some() {
        return fail(
            usage_error(
                command,
                "error: cannot specify both a node name and a --selector option",
            )
            .replacen("error: error: ", "error: ", 1),
        );
    }
    let nodes = match find_nodes(sim, user, &parsed.positional, selector) {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    let mut out = CommandOutput {
        success: true,
        ..CommandOutput::default()
    };
    cordon_nodes(sim, user, &nodes, desired, &mut out);
    out
}
