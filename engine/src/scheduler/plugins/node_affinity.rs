//! NodeAffinity: nodeSelector and required node affinity filter; preferred
//! terms add their weights to the score.

use k8s_openapi::api::core::v1::{
    Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm,
};

use crate::scheduler::framework::{
    default_normalize, CycleState, FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Snapshot, Status,
};

pub const NAME: &str = "NodeAffinity";
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// Does one requirement hold for the node's labels (or, for matchFields, its name)?
fn requirement_matches(req: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    let values = req.values.as_deref().unwrap_or(&[]);
    match req.operator.as_str() {
        "In" => value.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => value.is_none_or(|v| !values.iter().any(|x| x == v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), Some(bound)) = (
                value.and_then(|v| v.parse::<i64>().ok()),
                values.first().and_then(|b| b.parse::<i64>().ok()),
            ) else {
                return false;
            };
            if req.operator == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

/// A term holds when all its expressions and fields hold; an empty term matches nothing.
pub fn term_matches(term: &NodeSelectorTerm, node: &Node) -> bool {
    let expressions = term.match_expressions.as_deref().unwrap_or(&[]);
    let fields = term.match_fields.as_deref().unwrap_or(&[]);
    if expressions.is_empty() && fields.is_empty() {
        return false;
    }
    let labels = node.metadata.labels.as_ref();
    expressions
        .iter()
        .all(|r| requirement_matches(r, labels.and_then(|l| l.get(&r.key)).map(String::as_str)))
        && fields.iter().all(|r| {
            let value = (r.key == "metadata.name")
                .then_some(node.metadata.name.as_deref())
                .flatten();
            requirement_matches(r, value)
        })
}

fn required_node_affinity(pod: &Pod) -> Option<&NodeSelector> {
    pod.spec
        .as_ref()?
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()
}

fn preferred_terms(pod: &Pod) -> &[PreferredSchedulingTerm] {
    pod.spec
        .as_ref()
        .and_then(|s| s.affinity.as_ref())
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.preferred_during_scheduling_ignored_during_execution
                .as_deref()
        })
        .unwrap_or(&[])
}

/// nodeSelector and requiredDuringSchedulingIgnoredDuringExecution both hold
/// (nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)).
pub fn pod_matches_node(pod: &Pod, node: &Node) -> bool {
    let Some(spec) = &pod.spec else {
        return true;
    };
    if let Some(selector) = &spec.node_selector {
        let labels = node.metadata.labels.as_ref();
        if !selector
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
        {
            return false;
        }
    }
    match required_node_affinity(pod) {
        Some(selector) => selector
            .node_selector_terms
            .iter()
            .any(|t| term_matches(t, node)),
        None => true,
    }
}

pub struct NodeAffinity;

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Nothing to check without a nodeSelector or required node affinity
    /// (nodeaffinity.PreFilter's Skip).
    fn pre_filter(&self, _state: &mut CycleState, pod: &PodInfo, _nodes: &Snapshot) -> Status {
        let has_selector = pod
            .pod
            .spec
            .as_ref()
            .is_some_and(|s| s.node_selector.is_some());
        if !has_selector && required_node_affinity(pod.pod).is_none() {
            Status::skip(NAME)
        } else {
            Status::success(NAME)
        }
    }

    fn filter(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        if pod_matches_node(pod.pod, &node.node) {
            Status::success(NAME)
        } else {
            Status::unresolvable(NAME, ERR_REASON_POD)
        }
    }
}

impl ScorePlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        2
    }

    /// Nothing to score without preferred terms (nodeaffinity.PreScore's Skip).
    fn pre_score(
        &self,
        _state: &mut CycleState,
        pod: &PodInfo,
        _feasible: &[&NodeInfo],
        _nodes: &Snapshot,
    ) -> Status {
        if preferred_terms(pod.pod).is_empty() {
            Status::skip(NAME)
        } else {
            Status::success(NAME)
        }
    }

    /// The sum of the weights of the preferred terms the node matches.
    fn score(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> i64 {
        preferred_terms(pod.pod)
            .iter()
            .filter(|t| t.weight != 0 && term_matches(&t.preference, &node.node))
            .map(|t| i64::from(t.weight))
            .sum()
    }

    fn normalize(&self, _state: &CycleState, _feasible: &[&NodeInfo], scores: &mut [i64]) {
        default_normalize(scores, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::testing::snapshot_of;
    use crate::scheduler::plugins::testing::{info, node, pod, with_labels};
    use k8s_openapi::api::core::v1::Affinity;

    fn req(key: &str, op: &str, values: &[&str]) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
        }
    }

    fn with_required(reqs: Vec<NodeSelectorRequirement>) -> k8s_openapi::api::core::v1::Pod {
        let mut p = pod(None, None);
        p.spec.as_mut().unwrap().affinity = Some(Affinity {
            node_affinity: Some(k8s_openapi::api::core::v1::NodeAffinity {
                required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                    node_selector_terms: vec![NodeSelectorTerm {
                        match_expressions: Some(reqs),
                        match_fields: None,
                    }],
                }),
                ..Default::default()
            }),
            ..Affinity::default()
        });
        p
    }

    #[test]
    fn filter_table() {
        let ssd = with_labels(
            node("ssd", "1", "1Gi"),
            &[("disktype", "ssd"), ("cores", "8")],
        );
        let mut selecting = pod(None, None);
        selecting.spec.as_mut().unwrap().node_selector =
            Some([("disktype".to_string(), "ssd".to_string())].into());
        let cases = [
            (
                "no constraints",
                pod(None, None),
                node("plain", "1", "1Gi"),
                Code::Success,
            ),
            (
                "nodeSelector matches",
                selecting.clone(),
                ssd.clone(),
                Code::Success,
            ),
            (
                "nodeSelector misses",
                selecting,
                node("plain", "1", "1Gi"),
                Code::UnschedulableAndUnresolvable,
            ),
            (
                "In",
                with_required(vec![req("disktype", "In", &["ssd", "nvme"])]),
                ssd.clone(),
                Code::Success,
            ),
            (
                "NotIn",
                with_required(vec![req("disktype", "NotIn", &["ssd"])]),
                ssd.clone(),
                Code::UnschedulableAndUnresolvable,
            ),
            (
                "Exists",
                with_required(vec![req("disktype", "Exists", &[])]),
                ssd.clone(),
                Code::Success,
            ),
            (
                "DoesNotExist",
                with_required(vec![req("gpu", "DoesNotExist", &[])]),
                ssd.clone(),
                Code::Success,
            ),
            (
                "Gt",
                with_required(vec![req("cores", "Gt", &["4"])]),
                ssd.clone(),
                Code::Success,
            ),
            (
                "Lt",
                with_required(vec![req("cores", "Lt", &["4"])]),
                ssd,
                Code::UnschedulableAndUnresolvable,
            ),
        ];
        for (name, p, n, want) in cases {
            let status = NodeAffinity.filter(&CycleState::default(), &PodInfo::new(&p), &info(n));
            assert_eq!(status.code, want, "{name}");
            if want != Code::Success {
                assert_eq!(status.reasons, vec![ERR_REASON_POD.to_string()]);
            }
        }
    }

    #[test]
    fn preferred_terms_score_their_weight() {
        let mut p = pod(None, None);
        p.spec.as_mut().unwrap().affinity = Some(Affinity {
            node_affinity: Some(k8s_openapi::api::core::v1::NodeAffinity {
                preferred_during_scheduling_ignored_during_execution: Some(vec![
                    PreferredSchedulingTerm {
                        weight: 50,
                        preference: NodeSelectorTerm {
                            match_expressions: Some(vec![req("zone", "In", &["a"])]),
                            match_fields: None,
                        },
                    },
                ]),
                ..Default::default()
            }),
            ..Affinity::default()
        });
        let pi = PodInfo::new(&p);
        let cluster = snapshot_of(vec![
            info(with_labels(node("a", "1", "1Gi"), &[("zone", "a")])),
            info(node("b", "1", "1Gi")),
        ]);
        let nodes = cluster.get();
        let feasible: Vec<&NodeInfo> = nodes.iter().collect();
        let mut state = CycleState::default();
        assert!(NodeAffinity
            .pre_score(&mut state, &pi, &feasible, &nodes)
            .is_success());
        let mut scores: Vec<i64> = feasible
            .iter()
            .map(|n| NodeAffinity.score(&state, &pi, n))
            .collect();
        assert_eq!(scores, vec![50, 0]);
        NodeAffinity.normalize(&state, &feasible, &mut scores);
        assert_eq!(scores, vec![100, 0]);
    }

    #[test]
    fn pods_without_node_constraints_skip() {
        let cluster = snapshot_of(vec![info(node("a", "1", "1Gi"))]);
        let p = pod(None, None);
        let pi = PodInfo::new(&p);
        let mut state = CycleState::default();
        assert!(NodeAffinity
            .pre_filter(&mut state, &pi, &cluster.get())
            .is_skip());
        assert!(NodeAffinity
            .pre_score(&mut state, &pi, &[], &cluster.get())
            .is_skip());
        let required = with_required(vec![req("disktype", "In", &["ssd"])]);
        assert!(NodeAffinity
            .pre_filter(&mut state, &PodInfo::new(&required), &cluster.get())
            .is_success());
    }
}
