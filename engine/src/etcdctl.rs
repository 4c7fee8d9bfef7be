//! `sim etcd ...`: a look inside the simulated etcd, as `etcdctl` gives one
//! on a real control-plane node. Values are shown as JSON; real etcd holds
//! them in kube-apiserver's protobuf encoding.

use crate::kubectl::{fail, ok};
use crate::sim::Simulation;
use crate::view::CommandOutput;

const USAGE: &str = "usage: sim etcd get KEY [--rev N] | sim etcd ls [PREFIX] | sim etcd history KEY | sim etcd status";

pub fn run(sim: &Simulation, args: &[String]) -> CommandOutput {
    let store = sim.api().store();
    match args.first().map(String::as_str) {
        Some("get") => {
            let Some(key) = args.get(1) else {
                return fail(USAGE);
            };
            let revision = match args.iter().position(|a| a == "--rev") {
                Some(i) => match args.get(i + 1).and_then(|r| r.parse::<u64>().ok()) {
                    Some(r) => Some(r),
                    None => return fail("error: --rev needs a revision number"),
                },
                None => None,
            };
            match revision {
                None => match store.get(key) {
                    Some(entry) => ok(format!(
                        "{key}\ncreate_revision: {}  mod_revision: {}  version: {}\n{}",
                        entry.create_revision,
                        entry.mod_revision,
                        entry.version,
                        crate::kubectl::to_json(
                            &serde_json::to_value(&*entry.object).unwrap_or_default()
                        )
                    )),
                    // etcdctl prints nothing for a missing key.
                    None => ok(String::new()),
                },
                Some(rev) => match store.get_at(key, rev) {
                    Ok(Some(object)) => ok(format!(
                        "{key} (at revision {rev})\n{}",
                        crate::kubectl::to_json(
                            &serde_json::to_value(&*object).unwrap_or_default()
                        )
                    )),
                    Ok(None) => ok(String::new()),
                    Err(e) => fail(format!("Error: {e}")),
                },
            }
        }
        Some("ls") => {
            let prefix = args.get(1).map(String::as_str).unwrap_or("/registry/");
            let lines: String = store
                .range(prefix)
                .filter(|(k, _)| {
                    !k.starts_with("/registry/events/") || prefix.starts_with("/registry/events")
                })
                .map(|(k, e)| format!("{k}  (mod_revision {})\n", e.mod_revision))
                .collect();
            ok(lines)
        }
        Some("history") => {
            let Some(key) = args.get(1) else {
                return fail(USAGE);
            };
            let lines: String = store
                .key_history(key)
                .map(|h| {
                    format!(
                        "revision {}: {}\n",
                        h.revision,
                        if h.value.is_some() { "put" } else { "delete" }
                    )
                })
                .collect();
            if lines.is_empty() {
                return ok(format!(
                    "no changes to {key} since revision {}\n",
                    store.compacted_revision()
                ));
            }
            ok(lines)
        }
        Some("status") => ok(format!(
            "revision: {}  keys: {}  compacted up to revision: {}\n",
            store.revision(),
            store.len(),
            store.compacted_revision()
        )),
        _ => fail(USAGE),
    }
}
