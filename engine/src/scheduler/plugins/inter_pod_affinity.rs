//! InterPodAffinity: places pods relative to other pods. Required podAffinity
//! needs a matching pod in the node's topology domain; required
//! podAntiAffinity needs none there; and an existing pod's required
//! anti-affinity keeps matching pods out of its domain. Preferred terms (the
//! pod's and the existing pods') add or subtract their weights in the score.
//!
//! After pkg/scheduler/framework/plugins/interpodaffinity (filtering.go, scoring.go).

use std::collections::HashMap;

use crate::scheduler::framework::{
    AffinityTerm, CycleState, FilterPlugin, NodeInfo, PlacedPod, PodInfo, ScorePlugin, Snapshot,
    Status, WeightedAffinityTerm, MAX_NODE_SCORE,
};

pub const NAME: &str = "InterPodAffinity";
/// ErrReasonExistingAntiAffinityRulesNotMatch (filtering.go).
pub const ERR_REASON_EXISTING_ANTI_AFFINITY: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";
/// ErrReasonAffinityRulesNotMatch.
pub const ERR_REASON_AFFINITY: &str = "node(s) didn't match pod affinity rules";
/// ErrReasonAntiAffinityRulesNotMatch.
pub const ERR_REASON_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
/// HardPodAffinityWeight, the default of InterPodAffinityArgs: what an existing
/// pod's required affinity term adds to the score of a pod it matches.
const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

/// topologyToMatchedTermCount: (topology key, value) → count.
#[derive(Debug, Default)]
struct TopologyCounts {
    by_key: HashMap<String, HashMap<String, i64>>,
    pairs: usize,
}

impl TopologyCounts {
    /// Adds `n` to the pair (key, the node's value for key), if the node has the key.
    fn add(&mut self, node: &NodeInfo, key: &str, n: i64) {
        let Some(value) = node.label(key) else {
            return;
        };
        let count = self
            .by_key
            .entry(key.to_string())
            .or_default()
            .entry(value.to_string())
            .or_insert(0);
        if *count == 0 {
            self.pairs += 1;
        }
        *count += n;
    }

    fn get(&self, key: &str, value: &str) -> i64 {
        self.by_key
            .get(key)
            .and_then(|values| values.get(value))
            .copied()
            .unwrap_or(0)
    }

    fn is_empty(&self) -> bool {
        self.pairs == 0
    }
}

#[derive(Debug, Default)]
struct PreFilterState {
    /// Existing pods whose required anti-affinity terms match the incoming pod.
    existing_anti_affinity: TopologyCounts,
    /// Existing pods matching all the incoming pod's required affinity terms.
    affinity: TopologyCounts,
    /// Existing pods matching the incoming pod's required anti-affinity terms.
    anti_affinity: TopologyCounts,
    /// The incoming pod matches all its own required affinity terms.
    matches_itself: bool,
}

/// podMatchesAllAffinityTerms, for an existing pod.
fn matches_all(terms: &[AffinityTerm], pod: &PlacedPod, nodes: &Snapshot) -> bool {
    !terms.is_empty()
        && terms.iter().all(|t| {
            t.matches(
                &pod.namespace,
                &pod.labels,
                nodes.namespace_labels(&pod.namespace),
            )
        })
}

pub struct InterPodAffinity;

impl FilterPlugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        NAME
    }

    fn pre_filter(&self, state: &mut CycleState, pod: &PodInfo, nodes: &Snapshot) -> Status {
        if let Some(error) = &pod.affinity_error {
            return Status::unresolvable(NAME, format!("parsing pod: {error}"));
        }
        let mut s = PreFilterState::default();
        let own_namespace_labels = nodes.namespace_labels(pod.namespace);
        // getExistingAntiAffinityCounts, over the nodes holding pods with required anti-affinity.
        if nodes.pods_with_required_anti_affinity > 0 {
            for node in nodes
                .iter()
                .filter(|n| n.pods_with_required_anti_affinity > 0)
            {
                for existing in &node.pods {
                    for term in existing.required_anti_affinity() {
                        if term.matches(pod.namespace, pod.labels, own_namespace_labels) {
                            s.existing_anti_affinity.add(node, &term.topology_key, 1);
                        }
                    }
                }
            }
        }
        let required = &pod.affinity.required_affinity;
        let required_anti = &pod.affinity.required_anti_affinity;
        if s.existing_anti_affinity.is_empty() && required.is_empty() && required_anti.is_empty() {
            return Status::skip(NAME);
        }
        // getIncomingAffinityAntiAffinityCounts, over every pod on every node.
        if !required.is_empty() || !required_anti.is_empty() {
            for node in nodes.iter() {
                for existing in &node.pods {
                    if matches_all(required, existing, nodes) {
                        for term in required {
                            s.affinity.add(node, &term.topology_key, 1);
                        }
                    }
                    let existing_namespace_labels = nodes.namespace_labels(&existing.namespace);
                    for term in required_anti {
                        if term.matches(
                            &existing.namespace,
                            &existing.labels,
                            existing_namespace_labels,
                        ) {
                            s.anti_affinity.add(node, &term.topology_key, 1);
                        }
                    }
                }
            }
        }
        s.matches_itself = !required.is_empty()
            && required
                .iter()
                .all(|t| t.matches(pod.namespace, pod.labels, own_namespace_labels));
        state.write(s);
        Status::success(NAME)
    }

    fn filter(&self, state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        let Some(s) = state.read::<PreFilterState>() else {
            return Status::success(NAME);
        };
        if !satisfies_pod_affinity(s, pod, node) {
            return Status::unresolvable(NAME, ERR_REASON_AFFINITY);
        }
        // satisfyPodAntiAffinity: no matching pod in the node's domain of any term.
        if !s.anti_affinity.is_empty() {
            let violated = pod.affinity.required_anti_affinity.iter().any(|term| {
                node.label(&term.topology_key)
                    .is_some_and(|value| s.anti_affinity.get(&term.topology_key, value) > 0)
            });
            if violated {
                return Status::unschedulable(NAME, vec![ERR_REASON_ANTI_AFFINITY.to_string()]);
            }
        }
        // satisfyExistingPodsAntiAffinity: no existing pod rejects the pod in any of the node's domains.
        if !s.existing_anti_affinity.is_empty() {
            let violated = node
                .labels()
                .iter()
                .any(|(key, value)| s.existing_anti_affinity.get(key, value) > 0);
            if violated {
                return Status::unschedulable(
                    NAME,
                    vec![ERR_REASON_EXISTING_ANTI_AFFINITY.to_string()],
                );
            }
        }
        Status::success(NAME)
    }
}

/// satisfyPodAffinity: every term's domain on this node holds a matching pod,
/// or, for the first pod of a group that selects itself, no pod matches
/// anywhere yet and the node has every topology key.
fn satisfies_pod_affinity(s: &PreFilterState, pod: &PodInfo, node: &NodeInfo) -> bool {
    let terms = &pod.affinity.required_affinity;
    let mut pods_exist = true;
    for term in terms {
        let Some(value) = node.label(&term.topology_key) else {
            return false;
        };
        if s.affinity.get(&term.topology_key, value) <= 0 {
            pods_exist = false;
        }
    }
    pods_exist || (s.affinity.is_empty() && s.matches_itself)
}

/// preScoreState: (topology key → value → summed weights).
#[derive(Debug, Default)]
struct PreScoreState {
    topology_score: HashMap<String, HashMap<String, i64>>,
}

impl PreScoreState {
    /// processTerm: if the pod matches the term, add weight × multiplier to the
    /// node's domain for the term's key.
    fn process_term(
        &mut self,
        term: &AffinityTerm,
        weight: i64,
        target: (&str, &crate::labels::Labels, &crate::labels::Labels),
        node: &NodeInfo,
        multiplier: i64,
        touched: &mut bool,
    ) {
        if !term.matches(target.0, target.1, target.2) {
            return;
        }
        let Some(value) = node.label(&term.topology_key) else {
            return;
        };
        *self
            .topology_score
            .entry(term.topology_key.clone())
            .or_default()
            .entry(value.to_string())
            .or_insert(0) += weight * multiplier;
        *touched = true;
    }

    fn process_terms(
        &mut self,
        terms: &[WeightedAffinityTerm],
        target: (&str, &crate::labels::Labels, &crate::labels::Labels),
        node: &NodeInfo,
        multiplier: i64,
        touched: &mut bool,
    ) {
        for t in terms {
            self.process_term(&t.term, t.weight, target, node, multiplier, touched);
        }
    }
}

impl ScorePlugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        2
    }

    /// Sums, per topology domain, the weights of the preferred terms (the
    /// pod's own, matched against existing pods, and the existing pods',
    /// matched against the pod) and of existing pods' required affinity.
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo,
        _feasible: &[&NodeInfo],
        nodes: &Snapshot,
    ) -> Status {
        let preferred = &pod.affinity.preferred_affinity;
        let preferred_anti = &pod.affinity.preferred_anti_affinity;
        let has_constraints = !preferred.is_empty() || !preferred_anti.is_empty();
        // Unless the pod has preferred terms, only pods with affinity matter.
        if !has_constraints && nodes.pods_with_affinity == 0 {
            return Status::skip(NAME);
        }
        let own_namespace_labels = nodes.namespace_labels(pod.namespace);
        let incoming = (pod.namespace, pod.labels, own_namespace_labels);
        let mut s = PreScoreState::default();
        let mut touched = false;
        for node in nodes.iter() {
            if !has_constraints && node.pods_with_affinity == 0 {
                continue;
            }
            if node.labels().is_empty() {
                continue;
            }
            for existing in &node.pods {
                if !has_constraints && existing.affinity.is_none() {
                    continue;
                }
                // processExistingPod.
                let existing_target = (
                    existing.namespace.as_str(),
                    &existing.labels,
                    nodes.namespace_labels(&existing.namespace),
                );
                s.process_terms(preferred, existing_target, node, 1, &mut touched);
                s.process_terms(preferred_anti, existing_target, node, -1, &mut touched);
                if let Some(terms) = existing.affinity.as_deref() {
                    for term in &terms.required_affinity {
                        s.process_term(
                            term,
                            HARD_POD_AFFINITY_WEIGHT,
                            incoming,
                            node,
                            1,
                            &mut touched,
                        );
                    }
                    s.process_terms(&terms.preferred_affinity, incoming, node, 1, &mut touched);
                    s.process_terms(
                        &terms.preferred_anti_affinity,
                        incoming,
                        node,
                        -1,
                        &mut touched,
                    );
                }
            }
        }
        if !touched {
            return Status::skip(NAME);
        }
        state.write(s);
        Status::success(NAME)
    }

    /// The summed weights of the node's domains: positive for affinity,
    /// negative for anti-affinity.
    fn score(&self, state: &CycleState, _pod: &PodInfo, node: &NodeInfo) -> i64 {
        let Some(s) = state.read::<PreScoreState>() else {
            return 0;
        };
        s.topology_score
            .iter()
            .filter_map(|(key, values)| node.label(key).and_then(|v| values.get(v)))
            .sum()
    }

    /// Scales min..max to 0..100; equal scores all become 0.
    fn normalize(&self, state: &CycleState, _feasible: &[&NodeInfo], scores: &mut [i64]) {
        let Some(s) = state.read::<PreScoreState>() else {
            return;
        };
        if s.topology_score.is_empty() {
            return;
        }
        let min = scores.iter().copied().min().unwrap_or(0);
        let max = scores.iter().copied().max().unwrap_or(0);
        let diff = max - min;
        for score in scores.iter_mut() {
            *score = if diff > 0 {
                (MAX_NODE_SCORE as f64 * ((*score - min) as f64 / diff as f64)) as i64
            } else {
                0
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
    use k8s_openapi::api::core::v1::{
        Affinity, Pod, PodAffinity, PodAffinityTerm, PodAntiAffinity, WeightedPodAffinityTerm,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

    const ZONE: &str = "topology.kubernetes.io/zone";
    const HOST: &str = "kubernetes.io/hostname";

    fn term(key: &str, app: &str) -> PodAffinityTerm {
        PodAffinityTerm {
            topology_key: key.into(),
            label_selector: Some(LabelSelector {
                match_labels: Some([("app".to_string(), app.to_string())].into()),
                ..LabelSelector::default()
            }),
            ..PodAffinityTerm::default()
        }
    }

    fn weighted(weight: i32, key: &str, app: &str) -> WeightedPodAffinityTerm {
        WeightedPodAffinityTerm {
            weight,
            pod_affinity_term: term(key, app),
        }
    }

    #[derive(Default)]
    struct Rules {
        affinity: Vec<PodAffinityTerm>,
        anti: Vec<PodAffinityTerm>,
        preferred: Vec<WeightedPodAffinityTerm>,
        preferred_anti: Vec<WeightedPodAffinityTerm>,
    }

    fn pod_with(labels: &[(&str, &str)], rules: Rules) -> Pod {
        let mut p = labelled_pod(labels);
        fn some<T>(v: Vec<T>) -> Option<Vec<T>> {
            (!v.is_empty()).then_some(v)
        }
        let pod_affinity =
            (!rules.affinity.is_empty() || !rules.preferred.is_empty()).then(|| PodAffinity {
                required_during_scheduling_ignored_during_execution: some(rules.affinity),
                preferred_during_scheduling_ignored_during_execution: some(rules.preferred),
            });
        let pod_anti_affinity =
            (!rules.anti.is_empty() || !rules.preferred_anti.is_empty()).then(|| PodAntiAffinity {
                required_during_scheduling_ignored_during_execution: some(rules.anti),
                preferred_during_scheduling_ignored_during_execution: some(rules.preferred_anti),
            });
        p.spec.as_mut().unwrap().affinity = Some(Affinity {
            pod_affinity,
            pod_anti_affinity,
            ..Affinity::default()
        });
        p
    }

    fn zone_node(name: &str, zone: &str, pods: &[Pod]) -> NodeInfo {
        info_with_pods(with_labels(node(name, "4", "8Gi"), &[(ZONE, zone)]), pods)
    }

    /// Zone a: n1 runs a cache pod, n2 runs a db pod that repels "web" pods
    /// from its host; zone b: n3 is empty.
    fn cluster() -> TestCluster {
        let db = pod_with(
            &[("app", "db")],
            Rules {
                anti: vec![term(HOST, "web")],
                ..Rules::default()
            },
        );
        snapshot_of(vec![
            zone_node("n1", "a", &[labelled_pod(&[("app", "cache")])]),
            zone_node("n2", "a", &[db]),
            zone_node("n3", "b", &[]),
        ])
    }

    fn filter_all(p: &Pod, cluster: &TestCluster) -> (Code, Vec<(Code, Vec<String>)>) {
        let pi = PodInfo::new(p);
        let nodes = cluster.get();
        let mut state = CycleState::default();
        let pre = InterPodAffinity.pre_filter(&mut state, &pi, &nodes);
        let per_node = nodes
            .iter()
            .map(|n| {
                let s = InterPodAffinity.filter(&state, &pi, n);
                (s.code, s.reasons)
            })
            .collect();
        (pre.code, per_node)
    }

    #[test]
    fn filter_table() {
        let ok = (Code::Success, vec![]);
        let affinity = (
            Code::UnschedulableAndUnresolvable,
            vec![ERR_REASON_AFFINITY.to_string()],
        );
        let anti = (
            Code::Unschedulable,
            vec![ERR_REASON_ANTI_AFFINITY.to_string()],
        );
        let existing = (
            Code::Unschedulable,
            vec![ERR_REASON_EXISTING_ANTI_AFFINITY.to_string()],
        );
        let cases = [
            (
                "required affinity to cache in the same zone",
                pod_with(
                    &[("app", "api")],
                    Rules {
                        affinity: vec![term(ZONE, "cache")],
                        ..Rules::default()
                    },
                ),
                Code::Success,
                vec![ok.clone(), ok.clone(), affinity.clone()],
            ),
            (
                "required affinity on the same host",
                pod_with(
                    &[("app", "api")],
                    Rules {
                        affinity: vec![term(HOST, "cache")],
                        ..Rules::default()
                    },
                ),
                Code::Success,
                vec![ok.clone(), affinity.clone(), affinity.clone()],
            ),
            (
                "required affinity to nothing that exists",
                pod_with(
                    &[("app", "api")],
                    Rules {
                        affinity: vec![term(ZONE, "nowhere")],
                        ..Rules::default()
                    },
                ),
                Code::Success,
                vec![affinity.clone(), affinity.clone(), affinity.clone()],
            ),
            (
                // The first pod of a group with affinity to itself may go anywhere.
                "the first of a self-affine group",
                pod_with(
                    &[("app", "group")],
                    Rules {
                        affinity: vec![term(ZONE, "group")],
                        ..Rules::default()
                    },
                ),
                Code::Success,
                vec![ok.clone(), ok.clone(), ok.clone()],
            ),
            (
                "anti-affinity to cache by zone",
                pod_with(
                    &[("app", "api")],
                    Rules {
                        anti: vec![term(ZONE, "cache")],
                        ..Rules::default()
                    },
                ),
                Code::Success,
                vec![anti.clone(), anti.clone(), ok.clone()],
            ),
            (
                // The db pod on n2 keeps web pods off its host.
                "existing pod's anti-affinity",
                labelled_pod(&[("app", "web")]),
                Code::Success,
                vec![ok.clone(), existing.clone(), ok.clone()],
            ),
            (
                "a pod nothing cares about skips",
                labelled_pod(&[("app", "api")]),
                Code::Skip,
                vec![ok.clone(), ok.clone(), ok.clone()],
            ),
        ];
        for (name, p, pre, want) in cases {
            assert_eq!(filter_all(&p, &cluster()), (pre, want), "{name}");
        }
    }

    #[test]
    fn other_namespaces_do_not_match_by_default() {
        let mut p = pod_with(
            &[("app", "api")],
            Rules {
                anti: vec![term(ZONE, "cache")],
                ..Rules::default()
            },
        );
        p.metadata.namespace = Some("other".into());
        let (_, per_node) = filter_all(&p, &cluster());
        assert!(per_node.iter().all(|(c, _)| *c == Code::Success));
        // A namespaceSelector that picks "default" brings the cache pod back in.
        let anti = &mut p.spec.as_mut().unwrap().affinity.as_mut().unwrap();
        anti.pod_anti_affinity
            .as_mut()
            .unwrap()
            .required_during_scheduling_ignored_during_execution
            .as_mut()
            .unwrap()[0]
            .namespace_selector = Some(LabelSelector {
            match_labels: Some(
                [(
                    "kubernetes.io/metadata.name".to_string(),
                    "default".to_string(),
                )]
                .into(),
            ),
            ..LabelSelector::default()
        });
        let (_, per_node) = filter_all(&p, &cluster());
        assert_eq!(per_node[2].0, Code::Success);
        assert_eq!(per_node[0].0, Code::Unschedulable);
    }

    #[test]
    fn a_selector_that_does_not_parse_rejects_the_pod() {
        let mut bad = term(HOST, "x");
        bad.label_selector = Some(LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "app".into(),
                operator: "Near".into(),
                values: None,
            }]),
            ..LabelSelector::default()
        });
        let p = pod_with(
            &[("app", "api")],
            Rules {
                anti: vec![bad],
                ..Rules::default()
            },
        );
        let status = InterPodAffinity.pre_filter(
            &mut CycleState::default(),
            &PodInfo::new(&p),
            &cluster().get(),
        );
        assert_eq!(status.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(
            status.reasons,
            vec![
                "parsing pod: requiredAntiAffinityTerms: \"Near\" is not a valid label selector operator"
                    .to_string()
            ]
        );
    }

    fn scores(p: &Pod, cluster: &TestCluster) -> Option<(Vec<i64>, Vec<i64>)> {
        let pi = PodInfo::new(p);
        let nodes = cluster.get();
        let feasible: Vec<&NodeInfo> = nodes.iter().collect();
        let mut state = CycleState::default();
        if InterPodAffinity
            .pre_score(&mut state, &pi, &feasible, &nodes)
            .is_skip()
        {
            return None;
        }
        let raw: Vec<i64> = feasible
            .iter()
            .map(|n| InterPodAffinity.score(&state, &pi, n))
            .collect();
        let mut normalized = raw.clone();
        InterPodAffinity.normalize(&state, &feasible, &mut normalized);
        Some((raw, normalized))
    }

    #[test]
    fn score_table() {
        let cases = [
            (
                // +80 for zone a (cache there), nothing for zone b.
                "preferred affinity by zone",
                pod_with(
                    &[("app", "api")],
                    Rules {
                        preferred: vec![weighted(80, ZONE, "cache")],
                        ..Rules::default()
                    },
                ),
                Some((vec![80, 80, 0], vec![100, 100, 0])),
            ),
            (
                // -50 on n1's host only.
                "preferred anti-affinity by host",
                pod_with(
                    &[("app", "api")],
                    Rules {
                        preferred_anti: vec![weighted(50, HOST, "cache")],
                        ..Rules::default()
                    },
                ),
                Some((vec![-50, 0, 0], vec![0, 100, 100])),
            ),
            (
                // Both: zone a +80, n1 -50: 30, 80, 0.
                "both",
                pod_with(
                    &[("app", "api")],
                    Rules {
                        preferred: vec![weighted(80, ZONE, "cache")],
                        preferred_anti: vec![weighted(50, HOST, "cache")],
                        ..Rules::default()
                    },
                ),
                Some((vec![30, 80, 0], vec![37, 100, 0])),
            ),
            (
                // Only the db pod has affinity, and it does not match: no score at all.
                "nothing to score",
                labelled_pod(&[("app", "api")]),
                None,
            ),
        ];
        for (name, p, want) in cases {
            assert_eq!(scores(&p, &cluster()), want, "{name}");
        }
    }

    #[test]
    fn existing_pods_preferences_count_for_the_incoming_pod() {
        // A pod on n3 prefers "web" pods in its zone (+30) and requires "api"
        // pods on its host (hard weight 1).
        let friendly = pod_with(
            &[("app", "friend")],
            Rules {
                affinity: vec![term(HOST, "api")],
                preferred: vec![weighted(30, ZONE, "web")],
                ..Rules::default()
            },
        );
        let cluster = snapshot_of(vec![
            zone_node("n1", "a", &[]),
            zone_node("n3", "b", &[friendly]),
        ]);
        let web = labelled_pod(&[("app", "web")]);
        assert_eq!(scores(&web, &cluster), Some((vec![0, 30], vec![0, 100])));
        let api = labelled_pod(&[("app", "api")]);
        assert_eq!(scores(&api, &cluster), Some((vec![0, 1], vec![0, 100])));
    }
}
