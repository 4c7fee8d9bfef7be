//! PodTopologySpread: spreads matching pods evenly over topology domains
//! (nodes, zones, any node label). `DoNotSchedule` constraints filter: a
//! node fails when placing the pod there would make its domain exceed the
//! emptiest domain by more than maxSkew. `ScheduleAnyway` constraints only
//! score: nodes in domains with fewer matching pods score higher. A pod
//! without constraints that belongs to a Service, ReplicaSet, StatefulSet or
//! ReplicationController gets the system defaults: hostname maxSkew 3 and
//! zone maxSkew 5, both ScheduleAnyway.
//!
//! After pkg/scheduler/framework/plugins/podtopologyspread (plugin.go,
//! common.go, filtering.go, scoring.go).

use std::collections::HashMap;

use k8s_openapi::api::core::v1::TopologySpreadConstraint;

use crate::labels::{Requirement, Selector};
use crate::scheduler::framework::{
    CycleState, FilterPlugin, NodeInfo, PlacedPod, PodInfo, ScorePlugin, Snapshot, Status,
    MAX_NODE_SCORE,
};
use crate::scheduler::plugins::node_affinity::pod_matches_node;
use crate::scheduler::plugins::taint_toleration::tolerated_by;

pub const NAME: &str = "PodTopologySpread";
/// ErrReasonConstraintsNotMatch (plugin.go).
pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";
/// ErrReasonNodeLabelNotMatch: the node lacks a constraint's topology key.
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
pub const LABEL_TOPOLOGY_ZONE: &str = "topology.kubernetes.io/zone";
pub const DO_NOT_SCHEDULE: &str = "DoNotSchedule";
pub const SCHEDULE_ANYWAY: &str = "ScheduleAnyway";

/// systemDefaultConstraints (plugin.go): (topologyKey, maxSkew), both ScheduleAnyway.
const SYSTEM_DEFAULT_CONSTRAINTS: [(&str, i32); 2] =
    [(LABEL_HOSTNAME, 3), (LABEL_TOPOLOGY_ZONE, 5)];

/// A spread constraint with its selector parsed (common.go topologySpreadConstraint).
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub max_skew: i32,
    pub topology_key: String,
    pub selector: Selector,
    /// 1 when unset.
    pub min_domains: i32,
    /// nodeAffinityPolicy: Honor (the default) counts only nodes the pod's
    /// nodeSelector and required node affinity allow.
    pub honor_node_affinity: bool,
    /// nodeTaintsPolicy: Honor counts only nodes whose taints the pod tolerates
    /// (the default, Ignore, counts every node).
    pub honor_node_taints: bool,
}

impl Constraint {
    /// matchNodeInclusionPolicies: does this node's domain count for the pod?
    fn includes(&self, pod: &PodInfo, node: &NodeInfo) -> bool {
        if self.honor_node_affinity && !pod_matches_node(pod.pod, &node.node) {
            return false;
        }
        if self.honor_node_taints {
            let tolerations = pod
                .pod
                .spec
                .as_ref()
                .and_then(|s| s.tolerations.as_deref())
                .unwrap_or(&[]);
            let untolerated = node.taints.iter().any(|t| {
                (t.effect == "NoSchedule" || t.effect == "NoExecute")
                    && !tolerated_by(tolerations, t)
            });
            if untolerated {
                return false;
            }
        }
        true
    }
}

/// filterTopologySpreadConstraints: the pod's constraints with this
/// whenUnsatisfiable, selectors parsed and matchLabelKeys merged in.
fn pod_constraints(
    constraints: &[TopologySpreadConstraint],
    pod: &PodInfo,
    action: &str,
) -> Result<Vec<Constraint>, String> {
    let mut result = Vec::new();
    for c in constraints
        .iter()
        .filter(|c| c.when_unsatisfiable == action)
    {
        let mut selector = Selector::from_label_selector(c.label_selector.as_ref())?;
        let match_labels: Vec<Requirement> = c
            .match_label_keys
            .iter()
            .flatten()
            .filter_map(|key| {
                pod.labels
                    .get(key)
                    .map(|value| Requirement::Equals(key.clone(), value.clone()))
            })
            .collect();
        if !match_labels.is_empty() {
            // mergeLabelSetWithSelector: the pod's values first, then the selector's requirements.
            let mut merged = match_labels;
            merged.append(&mut selector.requirements);
            selector.requirements = merged;
        }
        result.push(Constraint {
            max_skew: c.max_skew,
            topology_key: c.topology_key.clone(),
            selector,
            min_domains: c.min_domains.unwrap_or(1),
            honor_node_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
            honor_node_taints: c.node_taints_policy.as_deref() == Some("Honor"),
        });
    }
    Ok(result)
}

/// helper.DefaultSelector: the selectors of the Services that select the pod,
/// merged, plus the selector of its controlling ReplicationController,
/// ReplicaSet or StatefulSet.
pub fn default_selector(pod: &PodInfo, nodes: &Snapshot) -> Selector {
    let workloads = nodes.workloads;
    let mut label_set = crate::labels::Labels::new();
    for ((namespace, _), selector) in &workloads.services {
        if namespace == pod.namespace && selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
        {
            label_set.extend(selector.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    let as_selector = |set: &crate::labels::Labels| Selector {
        requirements: set
            .iter()
            .map(|(k, v)| Requirement::Equals(k.clone(), v.clone()))
            .collect(),
        matches_nothing: false,
    };
    let mut selector = as_selector(&label_set);
    let owner = pod
        .pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true));
    let Some(owner) = owner else {
        return selector;
    };
    let key = (pod.namespace.to_string(), owner.name.clone());
    match (owner.api_version.as_str(), owner.kind.as_str()) {
        ("v1", "ReplicationController") => {
            if let Some(rc) = workloads.replication_controllers.get(&key) {
                label_set.extend(rc.iter().map(|(k, v)| (k.clone(), v.clone())));
                selector = as_selector(&label_set);
            }
        }
        ("apps/v1", "ReplicaSet") => {
            if let Some(rs) = workloads.replica_sets.get(&key) {
                selector
                    .requirements
                    .extend(rs.requirements.iter().cloned());
            }
        }
        ("apps/v1", "StatefulSet") => {
            if let Some(sts) = workloads.stateful_sets.get(&key) {
                selector
                    .requirements
                    .extend(sts.requirements.iter().cloned());
            }
        }
        _ => {}
    }
    selector
}

/// getConstraints / initPreScoreState: the pod's own constraints of this
/// kind, or the system defaults when it has none at all.
fn constraints_for(
    pod: &PodInfo,
    nodes: &Snapshot,
    action: &str,
) -> Result<Vec<Constraint>, String> {
    let own = pod
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.topology_spread_constraints.as_deref())
        .unwrap_or(&[]);
    if !own.is_empty() {
        return pod_constraints(own, pod, action);
    }
    // buildDefaultConstraints: the defaults are all ScheduleAnyway.
    if action != SCHEDULE_ANYWAY {
        return Ok(Vec::new());
    }
    let selector = default_selector(pod, nodes);
    if selector.requirements.is_empty() {
        return Ok(Vec::new());
    }
    Ok(SYSTEM_DEFAULT_CONSTRAINTS
        .iter()
        .map(|(key, skew)| Constraint {
            max_skew: *skew,
            topology_key: key.to_string(),
            selector: selector.clone(),
            min_domains: 1,
            honor_node_affinity: true,
            honor_node_taints: false,
        })
        .collect())
}

/// countPodsMatchSelector: pods in the namespace, not terminating, matching.
fn count_matching(pods: &[std::sync::Arc<PlacedPod>], selector: &Selector, namespace: &str) -> i64 {
    pods.iter()
        .filter(|p| !p.terminating && p.namespace == namespace && selector.matches(&p.labels))
        .count() as i64
}

fn has_all_keys(node: &NodeInfo, constraints: &[Constraint]) -> bool {
    constraints
        .iter()
        .all(|c| node.label(&c.topology_key).is_some())
}

/// preFilterState: per constraint, the matching pods in each domain.
#[derive(Debug)]
struct PreFilterState {
    constraints: Vec<Constraint>,
    /// Per constraint: topology value → matching pods.
    counts: Vec<HashMap<String, i64>>,
    /// Per constraint: the smallest count over the domains (criticalPaths[0]).
    min_counts: Vec<i64>,
}

/// preScoreState.
#[derive(Debug)]
struct PreScoreState {
    constraints: Vec<Constraint>,
    /// Nodes lacking a topology key (only for the pod's own constraints).
    ignored: Vec<bool>,
    /// Per constraint, for keys other than hostname: value → matching pods.
    counts: Vec<HashMap<String, i64>>,
    /// topologyNormalizingWeight per constraint.
    weights: Vec<f64>,
}

pub struct PodTopologySpread;

impl FilterPlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        NAME
    }

    /// calPreFilterState: counts the matching pods per domain over every
    /// node that carries all the topology keys and that the constraint's
    /// inclusion policies admit.
    fn pre_filter(&self, state: &mut CycleState, pod: &PodInfo, nodes: &Snapshot) -> Status {
        let constraints = match constraints_for(pod, nodes, DO_NOT_SCHEDULE) {
            Ok(c) => c,
            Err(e) => {
                return Status::error(
                    NAME,
                    format!(
                        "get constraints from pod: obtaining pod's hard topology spread constraints: {e}"
                    ),
                )
            }
        };
        if constraints.is_empty() {
            return Status::skip(NAME);
        }
        let mut counts: Vec<HashMap<String, i64>> = vec![HashMap::new(); constraints.len()];
        for node in nodes.iter() {
            if !has_all_keys(node, &constraints) {
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if !c.includes(pod, node) {
                    continue;
                }
                let value = node.label(&c.topology_key).unwrap_or("");
                let n = count_matching(&node.pods, &c.selector, pod.namespace);
                *counts[i].entry(value.to_string()).or_default() += n;
            }
        }
        let min_counts = counts
            .iter()
            .map(|domains| {
                domains
                    .values()
                    .copied()
                    .min()
                    .unwrap_or(i64::from(i32::MAX))
            })
            .collect();
        state.write(PreFilterState {
            constraints,
            counts,
            min_counts,
        });
        Status::success(NAME)
    }

    /// 'existing matching pods' + 'the pod itself if it matches' - 'global minimum' <= maxSkew.
    fn filter(&self, state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        let Some(s) = state.read::<PreFilterState>() else {
            return Status::success(NAME);
        };
        for (i, c) in s.constraints.iter().enumerate() {
            let Some(value) = node.label(&c.topology_key) else {
                return Status::unresolvable(NAME, ERR_REASON_NODE_LABEL_NOT_MATCH);
            };
            // minMatchNum: with fewer domains than minDomains the minimum is 0.
            let min = if (s.counts[i].len() as i64) < i64::from(c.min_domains) {
                0
            } else {
                s.min_counts[i]
            };
            let self_match = i64::from(c.selector.matches(pod.labels));
            let matching = s.counts[i].get(value).copied().unwrap_or(0);
            if matching + self_match - min > i64::from(c.max_skew) {
                return Status::unschedulable(
                    NAME,
                    vec![ERR_REASON_CONSTRAINTS_NOT_MATCH.to_string()],
                );
            }
        }
        Status::success(NAME)
    }
}

/// topologyNormalizingWeight: ln(domains + 2), so that pods in small
/// topologies are not watered down by big ones.
fn normalizing_weight(size: usize) -> f64 {
    ((size + 2) as f64).ln()
}

/// scoreForCount: maxSkew - 1 waters down small differences between domains.
fn score_for_count(count: i64, max_skew: i32, weight: f64) -> f64 {
    count as f64 * weight + f64::from(max_skew) - 1.0
}

impl ScorePlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        2
    }

    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo,
        feasible: &[&NodeInfo],
        nodes: &Snapshot,
    ) -> Status {
        if nodes.is_empty() {
            return Status::skip(NAME);
        }
        let constraints = match constraints_for(pod, nodes, SCHEDULE_ANYWAY) {
            Ok(c) => c,
            Err(e) => {
                return Status::error(
                    NAME,
                    format!("calculating preScoreState: obtaining pod's soft topology spread constraints: {e}"),
                )
            }
        };
        if constraints.is_empty() {
            return Status::skip(NAME);
        }
        // Only the pod's own constraints require every topology key on a node;
        // the system defaults let nodes without a zone still spread by hostname.
        let require_all = pod
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.topology_spread_constraints.as_ref())
            .is_some_and(|c| !c.is_empty());
        let mut ignored = vec![false; feasible.len()];
        let mut counts: Vec<HashMap<String, i64>> = vec![HashMap::new(); constraints.len()];
        // Whether any feasible node carries the key: only then is a count read.
        let mut key_seen = vec![false; constraints.len()];
        for (n, node) in feasible.iter().enumerate() {
            if require_all && !has_all_keys(node, &constraints) {
                ignored[n] = true;
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if c.topology_key == LABEL_HOSTNAME {
                    continue;
                }
                let value = node.label(&c.topology_key);
                key_seen[i] |= value.is_some();
                counts[i]
                    .entry(value.unwrap_or("").to_string())
                    .or_default();
            }
        }
        let scored = ignored.iter().filter(|i| !**i).count();
        let weights = constraints
            .iter()
            .zip(&counts)
            .map(|(c, domains)| {
                if c.topology_key == LABEL_HOSTNAME {
                    normalizing_weight(scored)
                } else {
                    normalizing_weight(domains.len())
                }
            })
            .collect();
        // Counts per domain over every node, for keys other than hostname
        // (hostname counts are the node's own pods, taken in Score).
        let wanted: Vec<usize> = (0..constraints.len())
            .filter(|i| constraints[*i].topology_key != LABEL_HOSTNAME && key_seen[*i])
            .collect();
        if !wanted.is_empty() {
            for node in nodes.iter() {
                if require_all && !has_all_keys(node, &constraints) {
                    continue;
                }
                for &i in &wanted {
                    let c = &constraints[i];
                    if !c.includes(pod, node) {
                        continue;
                    }
                    let value = node.label(&c.topology_key).unwrap_or("");
                    if let Some(count) = counts[i].get_mut(value) {
                        *count += count_matching(&node.pods, &c.selector, pod.namespace);
                    }
                }
            }
        }
        state.write(PreScoreState {
            constraints,
            ignored,
            counts,
            weights,
        });
        Status::success(NAME)
    }

    /// The weighted number of matching pods in the node's domains (lower is better).
    fn score(&self, state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let Some(s) = state.read::<PreScoreState>() else {
            return 0;
        };
        let mut score = 0.0;
        for (i, c) in s.constraints.iter().enumerate() {
            let Some(value) = node.label(&c.topology_key) else {
                continue;
            };
            let count = if c.topology_key == LABEL_HOSTNAME {
                count_matching(&node.pods, &c.selector, pod.namespace)
            } else {
                s.counts[i].get(value).copied().unwrap_or(0)
            };
            score += score_for_count(count, c.max_skew, s.weights[i]);
        }
        score.round() as i64
    }

    /// Fewest matching pods gets 100: MaxNodeScore × (max + min - score) / max;
    /// ignored nodes get 0.
    fn normalize(&self, state: &CycleState, _feasible: &[&NodeInfo], scores: &mut [i64]) {
        let Some(s) = state.read::<PreScoreState>() else {
            return;
        };
        let counted = || {
            scores
                .iter()
                .zip(&s.ignored)
                .filter(|(_, ignored)| !**ignored)
                .map(|(score, _)| *score)
        };
        let min = counted().min().unwrap_or(0);
        let max = counted().max().unwrap_or(0).max(0);
        for (score, ignored) in scores.iter_mut().zip(&s.ignored) {
            *score = if *ignored {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - *score) / max
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::testing::{
        info_with_pods, labelled_pod, node, snapshot_of, with_labels, TestCluster,
    };
    use k8s_openapi::api::core::v1::Pod;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, OwnerReference};

    fn constraint(key: &str, skew: i32, when: &str) -> TopologySpreadConstraint {
        TopologySpreadConstraint {
            max_skew: skew,
            topology_key: key.into(),
            when_unsatisfiable: when.into(),
            label_selector: Some(LabelSelector {
                match_labels: Some([("app".to_string(), "web".to_string())].into()),
                ..LabelSelector::default()
            }),
            ..TopologySpreadConstraint::default()
        }
    }

    fn web_pod(constraints: Vec<TopologySpreadConstraint>) -> Pod {
        let mut p = labelled_pod(&[("app", "web")]);
        p.spec.as_mut().unwrap().topology_spread_constraints = Some(constraints);
        p
    }

    fn zone_node(name: &str, zone: &str, pods: &[Pod]) -> NodeInfo {
        info_with_pods(
            with_labels(node(name, "4", "8Gi"), &[(LABEL_TOPOLOGY_ZONE, zone)]),
            pods,
        )
    }

    fn web() -> Pod {
        labelled_pod(&[("app", "web")])
    }

    /// Zone a: n1 (2 web), n2 (1 web); zone b: n3 (0 web, 1 other); n4 has no zone.
    fn cluster() -> TestCluster {
        snapshot_of(vec![
            zone_node("n1", "a", &[web(), web()]),
            zone_node("n2", "a", &[web()]),
            zone_node("n3", "b", &[labelled_pod(&[("app", "db")])]),
            info_with_pods(node("n4", "4", "8Gi"), &[]),
        ])
    }

    fn filter_all(p: &Pod, cluster: &TestCluster) -> Vec<(String, Code, Vec<String>)> {
        let pi = PodInfo::new(p);
        let nodes = cluster.get();
        let mut state = CycleState::default();
        let pre = PodTopologySpread.pre_filter(&mut state, &pi, &nodes);
        assert!(pre.is_success(), "{pre:?}");
        nodes
            .iter()
            .map(|n| {
                let s = PodTopologySpread.filter(&state, &pi, n);
                (n.name.clone(), s.code, s.reasons)
            })
            .collect()
    }

    #[test]
    fn filter_table() {
        let label = ERR_REASON_NODE_LABEL_NOT_MATCH.to_string();
        let skew = ERR_REASON_CONSTRAINTS_NOT_MATCH.to_string();
        let ok = |n: &str| (n.to_string(), Code::Success, vec![]);
        let cases = [
            (
                // zone a has 3, zone b 0: zone a would reach 4 - 0 > 1.
                "zone maxSkew 1",
                web_pod(vec![constraint(LABEL_TOPOLOGY_ZONE, 1, DO_NOT_SCHEDULE)]),
                vec![
                    ("n1".to_string(), Code::Unschedulable, vec![skew.clone()]),
                    ("n2".to_string(), Code::Unschedulable, vec![skew.clone()]),
                    ok("n3"),
                    (
                        "n4".to_string(),
                        Code::UnschedulableAndUnresolvable,
                        vec![label.clone()],
                    ),
                ],
            ),
            (
                "zone maxSkew 4 allows zone a",
                web_pod(vec![constraint(LABEL_TOPOLOGY_ZONE, 4, DO_NOT_SCHEDULE)]),
                vec![
                    ok("n1"),
                    ok("n2"),
                    ok("n3"),
                    (
                        "n4".to_string(),
                        Code::UnschedulableAndUnresolvable,
                        vec![label.clone()],
                    ),
                ],
            ),
            (
                // Per node: n1 2, n2 1, n3 0, n4 0: min 0, maxSkew 1 → only n3, n4.
                "hostname maxSkew 1",
                web_pod(vec![constraint(LABEL_HOSTNAME, 1, DO_NOT_SCHEDULE)]),
                vec![
                    ("n1".to_string(), Code::Unschedulable, vec![skew.clone()]),
                    ("n2".to_string(), Code::Unschedulable, vec![skew.clone()]),
                    ok("n3"),
                    ok("n4"),
                ],
            ),
            (
                // Two zones exist but minDomains 3: the global minimum counts as 0.
                "minDomains above the domains treats the minimum as 0",
                web_pod(vec![TopologySpreadConstraint {
                    min_domains: Some(3),
                    ..constraint(LABEL_TOPOLOGY_ZONE, 3, DO_NOT_SCHEDULE)
                }]),
                vec![
                    ("n1".to_string(), Code::Unschedulable, vec![skew.clone()]),
                    ("n2".to_string(), Code::Unschedulable, vec![skew.clone()]),
                    ok("n3"),
                    (
                        "n4".to_string(),
                        Code::UnschedulableAndUnresolvable,
                        vec![label.clone()],
                    ),
                ],
            ),
            (
                // The pod itself does not match its selector, so it adds nothing.
                "a pod outside its own selector",
                {
                    let mut p = web_pod(vec![constraint(LABEL_HOSTNAME, 1, DO_NOT_SCHEDULE)]);
                    p.metadata.labels = Some([("app".to_string(), "api".to_string())].into());
                    p
                },
                vec![
                    ("n1".to_string(), Code::Unschedulable, vec![skew.clone()]),
                    ok("n2"),
                    ok("n3"),
                    ok("n4"),
                ],
            ),
        ];
        for (name, p, want) in cases {
            assert_eq!(filter_all(&p, &cluster()), want, "{name}");
        }
    }

    #[test]
    fn schedule_anyway_and_no_constraints_skip_the_filter() {
        let nodes = cluster();
        for p in [
            web_pod(vec![constraint(LABEL_HOSTNAME, 1, SCHEDULE_ANYWAY)]),
            web(),
        ] {
            let status = PodTopologySpread.pre_filter(
                &mut CycleState::default(),
                &PodInfo::new(&p),
                &nodes.get(),
            );
            assert_eq!(status.code, Code::Skip);
        }
    }

    #[test]
    fn bad_selector_is_an_error_not_a_panic() {
        let mut c = constraint(LABEL_HOSTNAME, 1, DO_NOT_SCHEDULE);
        c.label_selector = Some(LabelSelector {
            match_expressions: Some(vec![
                k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement {
                    key: "app".into(),
                    operator: "Near".into(),
                    values: None,
                },
            ]),
            ..LabelSelector::default()
        });
        let p = web_pod(vec![c]);
        let status = PodTopologySpread.pre_filter(
            &mut CycleState::default(),
            &PodInfo::new(&p),
            &cluster().get(),
        );
        assert_eq!(status.code, Code::Error);
        assert!(status.reasons[0].contains("\"Near\" is not a valid label selector operator"));
    }

    fn scores(p: &Pod, cluster: &TestCluster) -> (Vec<i64>, Vec<i64>) {
        let pi = PodInfo::new(p);
        let nodes = cluster.get();
        let feasible: Vec<&NodeInfo> = nodes.iter().collect();
        let mut state = CycleState::default();
        let status = PodTopologySpread.pre_score(&mut state, &pi, &feasible, &nodes);
        assert!(status.is_success(), "{status:?}");
        let raw: Vec<i64> = feasible
            .iter()
            .map(|n| PodTopologySpread.score(&state, &pi, n))
            .collect();
        let mut normalized = raw.clone();
        PodTopologySpread.normalize(&state, &feasible, &mut normalized);
        (raw, normalized)
    }

    #[test]
    fn score_table() {
        let cases = [
            (
                // 4 nodes scored: weight ln(6) = 1.79; score = count × 1.79 + 0.
                // n1: 2 → 4, n2: 1 → 2, n3: 0, n4: 0.
                "hostname maxSkew 1",
                web_pod(vec![constraint(LABEL_HOSTNAME, 1, SCHEDULE_ANYWAY)]),
                vec![4, 2, 0, 0],
                // max 4, min 0: 100 × (4 + 0 - s) / 4
                vec![0, 50, 100, 100],
            ),
            (
                // n4 has no zone: ignored, 0. Domains a (3) and b (0): weight ln(4) = 1.39.
                // a: 3 × 1.39 = 4.16 → 4; b: 0.
                "zone maxSkew 1",
                web_pod(vec![constraint(LABEL_TOPOLOGY_ZONE, 1, SCHEDULE_ANYWAY)]),
                vec![4, 4, 0, 0],
                vec![0, 0, 100, 0],
            ),
        ];
        for (name, p, raw, normalized) in cases {
            assert_eq!(scores(&p, &cluster()), (raw, normalized), "{name}");
        }
    }

    #[test]
    fn replica_set_pods_get_the_system_defaults() {
        let mut cluster = cluster();
        cluster.workloads.replica_sets.insert(
            ("default".into(), "web-abc".into()),
            Selector::parse("app=web").unwrap(),
        );
        let mut p = web();
        p.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "apps/v1".into(),
            kind: "ReplicaSet".into(),
            name: "web-abc".into(),
            uid: "rs-uid".into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }]);
        // Hostname (maxSkew 3, weight ln 6 = 1.79) on every node: 2 → 3.58 + 2;
        // zone (maxSkew 5, 3 domains a, b and "" → weight ln 5 = 1.61) only where labelled:
        // a: 3 × 1.61 + 4 = 8.83; b: 4.
        // n1 = 5.58 + 8.83 = 14.4 → 14; n2 = 3.79 + 8.83 = 12.6 → 13; n3 = 2 + 4 = 6; n4 = 2.
        let (raw, normalized) = scores(&p, &cluster);
        assert_eq!(raw, vec![14, 13, 6, 2]);
        // max 14, min 2: 100 × (16 - s) / 14.
        assert_eq!(normalized, vec![14, 21, 71, 100]);
        // Without an owner the pod has no default constraints.
        let status = PodTopologySpread.pre_score(
            &mut CycleState::default(),
            &PodInfo::new(&web()),
            &[],
            &cluster.get(),
        );
        assert_eq!(status.code, Code::Skip);
    }
}
