//! `sim explain POD [-n NAMESPACE]`: why the scheduler places a pod where it
//! does, or why nowhere. The scheduler keeps no record of its attempts (that
//! would grow with nodes × pods), so the attempt is recomputed on the
//! current cluster and the output says so.

use k8s_openapi::api::core::v1::Pod;

use super::{responsible_for, Decision, Explanation, NodeVerdict, SCHEDULER_NAME};
use crate::kubectl::table;
use crate::objects::{Object, ObjectRef};
use crate::sim::Simulation;

const USAGE: &str = "sim explain POD [-n NAMESPACE]";

/// Parses the arguments after `sim explain` into (namespace, pod name).
fn parse_args(args: &[String]) -> Result<(String, String), String> {
    let mut namespace: Option<String> = None;
    let mut name: Option<String> = None;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let value = if word == "-n" || word == "--namespace" {
            Some(
                words
                    .next()
                    .ok_or_else(|| format!("error: flag needs an argument: {word}"))?
                    .clone(),
            )
        } else if let Some(v) = word.strip_prefix("--namespace=") {
            Some(v.to_string())
        } else {
            word.strip_prefix("-n")
                .filter(|v| !v.is_empty())
                .map(|v| v.trim_start_matches('=').to_string())
        };
        if let Some(v) = value {
            if v.is_empty() {
                return Err("error: a namespace must not be empty".into());
            }
            namespace = Some(v);
            continue;
        }
        if word.starts_with('-') {
            return Err(format!("error: unknown flag: {word} (usage: {USAGE})"));
        }
        if name.is_some() {
            return Err(format!("error: sim explain takes one pod (usage: {USAGE})"));
        }
        name = Some(word.strip_prefix("pod/").unwrap_or(word).to_string());
    }
    let name =
        name.ok_or_else(|| format!("error: sim explain needs a pod name (usage: {USAGE})"))?;
    Ok((namespace.unwrap_or_else(|| "default".into()), name))
}

/// Runs `sim explain` on the simulation.
pub fn command(sim: &Simulation, args: &[String]) -> Result<String, String> {
    let (namespace, name) = parse_args(args)?;
    let pod_ref = ObjectRef::new(crate::objects::Kind::Pod, Some(&namespace), &name);
    let Some(Object::Pod(pod)) = sim.api().get(&pod_ref) else {
        return Err(format!(
            "Error from server (NotFound): pods \"{name}\" not found"
        ));
    };
    if !responsible_for(pod) {
        let other = pod
            .spec
            .as_ref()
            .and_then(|s| s.scheduler_name.as_deref())
            .unwrap_or_default();
        return Err(format!(
            "error: pod {namespace}/{name} is scheduled by \"{other}\", not {SCHEDULER_NAME}"
        ));
    }
    let explanation = sim.scheduler().explain(pod);
    Ok(render(pod, &namespace, &name, sim.now(), &explanation))
}

fn pod_state(pod: &Pod) -> String {
    if let Some(node) = crate::podutil::node_name(pod) {
        return format!(
            "The pod is bound to {node}: this is the attempt as it would run now for the pod \
             before its binding, with the pod taken off {node}."
        );
    }
    let condition = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled"));
    match condition {
        Some(c) if c.status == "False" => format!(
            "The pod is pending. Its last attempt said ({}): {}",
            c.reason.as_deref().unwrap_or(""),
            c.message.as_deref().unwrap_or("")
        ),
        _ => "The pod is pending and has not been tried yet.".to_string(),
    }
}

fn render(
    pod: &Pod,
    namespace: &str,
    name: &str,
    now: crate::time::SimTime,
    explanation: &Explanation,
) -> String {
    let mut out = format!(
        "Scheduling of pod {namespace}/{name}, recomputed now ({now}) on the current cluster: \
         the scheduler keeps no record of past attempts.\n{}\n",
        pod_state(pod)
    );
    let all = explanation.nodes.len();
    if all > explanation.nodes_to_find {
        out.push_str(&format!(
            "A real attempt stops once {} nodes fit (numFeasibleNodesToFind), starting where the \
             previous attempt stopped; this recomputation checks all {all}.\n",
            explanation.nodes_to_find
        ));
    }
    let names = |statuses: &[super::Status], code: super::Code| {
        statuses
            .iter()
            .filter(|s| s.code == code)
            .map(|s| s.plugin)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let skipped = names(&explanation.pre_filter, super::Code::Skip);
    if !skipped.is_empty() {
        out.push_str(&format!(
            "PreFilter: nothing to check for this pod (Skip): {skipped}.\n"
        ));
    }
    if let Some(rejected) = explanation.pre_filter.iter().find(|s| s.is_rejected()) {
        out.push_str(&format!(
            "PreFilter: {} rejected the pod ({}): {}\nNo filter ran on any node.\n",
            rejected.plugin,
            rejected.code.as_str(),
            rejected.message()
        ));
    }
    let skipped = names(&explanation.pre_score, super::Code::Skip);
    if !skipped.is_empty() {
        out.push_str(&format!(
            "PreScore: nothing to score for this pod (Skip): {skipped}.\n"
        ));
    }
    for verdict in &explanation.nodes {
        if !verdict.filters.is_empty() {
            out.push('\n');
            out.push_str(&render_node(verdict));
        }
    }
    out.push('\n');
    match &explanation.decision {
        Decision::Node { node, total } => out.push_str(&format!(
            "Chosen: {node}, with the highest total ({total}); ties go to the first node by name.\n"
        )),
        Decision::Unschedulable { message } => out.push_str(&format!("No node fits: {message}\n")),
        Decision::Error { message } => {
            out.push_str(&format!("The attempt fails with an error: {message}\n"))
        }
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn render_node(verdict: &NodeVerdict) -> String {
    let mut out = match (verdict.first_failure(), verdict.total) {
        (Some(failure), _) => format!(
            "Node {}: does not fit ({} reports: {})\n",
            verdict.node,
            failure.plugin,
            failure.message()
        ),
        (None, Some(total)) => format!("Node {}: fits, total score {total}\n", verdict.node),
        (None, None) => format!("Node {}: fits\n", verdict.node),
    };
    let first = verdict.first_failure().map(|s| s.plugin);
    let rows: Vec<Vec<String>> = verdict
        .filters
        .iter()
        .map(|s| {
            let mut reason = s.message();
            if Some(s.plugin) == first {
                reason.push_str("  <- first failure, the one reported");
            }
            vec![s.plugin.to_string(), s.code.as_str().to_string(), reason]
        })
        .collect();
    out.push_str(&indent(&table::render(
        &["FILTER", "RESULT", "REASON"],
        &rows,
    )));
    if let Some(total) = verdict.total {
        let mut rows: Vec<Vec<String>> = verdict
            .scores
            .iter()
            .map(|line| match line.raw {
                Some(raw) => vec![
                    line.plugin.to_string(),
                    raw.to_string(),
                    line.normalized.to_string(),
                    line.weight.to_string(),
                    (line.normalized * line.weight).to_string(),
                ],
                None => vec![
                    line.plugin.to_string(),
                    "skip".to_string(),
                    "-".to_string(),
                    line.weight.to_string(),
                    "0".to_string(),
                ],
            })
            .collect();
        rows.push(vec![
            "total".to_string(),
            String::new(),
            String::new(),
            String::new(),
            total.to_string(),
        ]);
        out.push_str(&indent(&table::render(
            &["SCORE", "RAW", "NORMALIZED", "WEIGHT", "WEIGHTED"],
            &rows,
        )));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn argument_table() {
        type Case<'a> = (&'a [&'a str], Result<(&'a str, &'a str), &'a str>);
        let cases: [Case; 8] = [
            (&["web"], Ok(("default", "web"))),
            (&["web", "-n", "prod"], Ok(("prod", "web"))),
            (&["-n", "prod", "pod/web"], Ok(("prod", "web"))),
            (&["--namespace=prod", "web"], Ok(("prod", "web"))),
            (&["-nprod", "web"], Ok(("prod", "web"))),
            (&[], Err("error: sim explain needs a pod name")),
            (&["web", "-n"], Err("error: flag needs an argument: -n")),
            (&["a", "b"], Err("error: sim explain takes one pod")),
        ];
        for (words, want) in cases {
            let got = parse_args(&args(words));
            match want {
                Ok((ns, name)) => {
                    assert_eq!(got, Ok((ns.to_string(), name.to_string())), "{words:?}")
                }
                Err(prefix) => assert!(
                    got.as_ref().is_err_and(|e| e.starts_with(prefix)),
                    "{words:?}: {got:?}"
                ),
            }
        }
    }
}
