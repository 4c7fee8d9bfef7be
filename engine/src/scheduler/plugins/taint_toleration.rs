//! TaintToleration: a node's NoSchedule and NoExecute taints keep away every
//! pod that does not tolerate them; PreferNoSchedule taints only lower the score.

use k8s_openapi::api::core::v1::{Taint, Toleration};

use crate::scheduler::framework::{
    default_normalize, CycleState, FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Snapshot, Status,
};

pub const NAME: &str = "TaintToleration";

/// `node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }`
pub fn untolerated_reason(taint: &Taint) -> String {
    format!(
        "node(s) had untolerated taint {{{}: {}}}",
        taint.key,
        taint.value.as_deref().unwrap_or("")
    )
}

/// v1helper.TolerationsTolerateTaint: does the toleration match the taint?
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = toleration.effect.as_deref() {
        if !effect.is_empty() && effect != taint.effect {
            return false;
        }
    }
    match toleration.key.as_deref() {
        Some(key) if !key.is_empty() && key != taint.key => return false,
        None | Some("") if toleration.operator.as_deref() != Some("Exists") => return false,
        _ => {}
    }
    match toleration.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        "Equal" | "" => {
            toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
        }
        _ => false,
    }
}

pub fn tolerated_by(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| tolerates(t, taint))
}

fn node_taints(node: &NodeInfo) -> &[Taint] {
    &node.taints
}

fn pod_tolerations<'a>(pod: &'a PodInfo) -> &'a [Toleration] {
    pod.pod
        .spec
        .as_ref()
        .and_then(|s| s.tolerations.as_deref())
        .unwrap_or(&[])
}

/// The tolerations that can apply to PreferNoSchedule taints.
struct PreScoreState(Vec<Toleration>);

pub struct TaintToleration;

impl FilterPlugin for TaintToleration {
    fn name(&self) -> &'static str {
        NAME
    }

    #[inline]
    fn filter(&self, _state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        if node.taints.is_empty() {
            return Status::success(NAME);
        }
        let tolerations = pod_tolerations(pod);
        let untolerated = node_taints(node)
            .iter()
            .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
            .find(|t| !tolerated_by(tolerations, t));
        match untolerated {
            Some(taint) => Status::unresolvable(NAME, untolerated_reason(taint)),
            None => Status::success(NAME),
        }
    }
}

impl ScorePlugin for TaintToleration {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        3
    }

    /// Keeps the tolerations that can apply to PreferNoSchedule taints
    /// (getAllTolerationPreferNoSchedule: those with that effect or none).
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo,
        _feasible: &[&NodeInfo],
        _nodes: &Snapshot,
    ) -> Status {
        let tolerations: Vec<Toleration> = pod_tolerations(pod)
            .iter()
            .filter(|t| {
                t.effect
                    .as_deref()
                    .is_none_or(|e| e.is_empty() || e == "PreferNoSchedule")
            })
            .cloned()
            .collect();
        state.write(PreScoreState(tolerations));
        Status::success(NAME)
    }

    /// The number of PreferNoSchedule taints the pod does not tolerate.
    #[inline]
    fn score(&self, state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> i64 {
        if node.taints.is_empty() {
            return 0;
        }
        untolerated_soft_taints(state, pod, node)
    }

    /// Fewer untolerated taints is better.
    fn normalize(&self, _state: &CycleState, _feasible: &[&NodeInfo], scores: &mut [i64]) {
        default_normalize(scores, true);
    }
}

/// Score's count, for a node with taints.
#[inline(never)]
fn untolerated_soft_taints(state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> i64 {
    let taints = node_taints(node);
    let computed;
    let tolerations: &[Toleration] = match state.read::<PreScoreState>() {
        Some(t) => &t.0,
        None => {
            computed = pod_tolerations(pod).to_vec();
            &computed
        }
    };
    taints
        .iter()
        .filter(|t| t.effect == "PreferNoSchedule" && !tolerated_by(tolerations, t))
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::framework::Code;
    use crate::scheduler::plugins::testing::{info, node, pod, snapshot_of, with_taint};

    fn toleration(
        key: Option<&str>,
        operator: &str,
        value: Option<&str>,
        effect: Option<&str>,
    ) -> Toleration {
        Toleration {
            key: key.map(Into::into),
            operator: Some(operator.into()),
            value: value.map(Into::into),
            effect: effect.map(Into::into),
            toleration_seconds: None,
        }
    }

    #[test]
    fn filter_table() {
        let control_plane = with_taint(
            node("cp", "2", "2Gi"),
            "node-role.kubernetes.io/control-plane",
            "",
            "NoSchedule",
        );
        let gpu = with_taint(node("gpu", "2", "2Gi"), "gpu", "true", "NoSchedule");
        let soft = with_taint(node("soft", "2", "2Gi"), "spot", "", "PreferNoSchedule");
        let tolerate = |t: Toleration| {
            let mut p = pod(None, None);
            p.spec.as_mut().unwrap().tolerations = Some(vec![t]);
            p
        };
        let cases = [
            (
                "untainted",
                node("n", "1", "1Gi"),
                pod(None, None),
                Code::Success,
                "",
            ),
            (
                "control plane",
                control_plane.clone(),
                pod(None, None),
                Code::UnschedulableAndUnresolvable,
                "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
            ),
            (
                "tolerated by Exists",
                control_plane,
                tolerate(toleration(
                    Some("node-role.kubernetes.io/control-plane"),
                    "Exists",
                    None,
                    Some("NoSchedule"),
                )),
                Code::Success,
                "",
            ),
            (
                "value must match",
                gpu.clone(),
                tolerate(toleration(Some("gpu"), "Equal", Some("false"), None)),
                Code::UnschedulableAndUnresolvable,
                "node(s) had untolerated taint {gpu: true}",
            ),
            (
                "value matches",
                gpu.clone(),
                tolerate(toleration(Some("gpu"), "Equal", Some("true"), None)),
                Code::Success,
                "",
            ),
            (
                "empty key Exists tolerates all",
                gpu,
                tolerate(toleration(None, "Exists", None, None)),
                Code::Success,
                "",
            ),
            (
                "PreferNoSchedule does not filter",
                soft,
                pod(None, None),
                Code::Success,
                "",
            ),
        ];
        for (name, n, p, want, reason) in cases {
            let status =
                TaintToleration.filter(&CycleState::default(), &PodInfo::new(&p), &info(n));
            assert_eq!(status.code, want, "{name}");
            if !reason.is_empty() {
                assert_eq!(status.reasons, vec![reason.to_string()], "{name}");
            }
        }
    }

    #[test]
    fn score_prefers_fewer_soft_taints() {
        let soft = with_taint(node("soft", "2", "2Gi"), "spot", "", "PreferNoSchedule");
        let cluster = snapshot_of(vec![info(node("plain", "2", "2Gi")), info(soft)]);
        let nodes = cluster.get();
        let feasible: Vec<&NodeInfo> = nodes.iter().collect();
        let plain_pod = pod(None, None);
        let mut tolerating = pod(None, None);
        tolerating.spec.as_mut().unwrap().tolerations =
            Some(vec![toleration(Some("spot"), "Exists", None, None)]);
        let cases = [
            ("plain pod", plain_pod, vec![0, 1], vec![100, 0]),
            ("tolerates spot", tolerating, vec![0, 0], vec![100, 100]),
        ];
        for (name, p, raw, normalized) in cases {
            let pi = PodInfo::new(&p);
            let mut state = CycleState::default();
            TaintToleration.pre_score(&mut state, &pi, &feasible, &nodes);
            let mut scores: Vec<i64> = feasible
                .iter()
                .map(|n| TaintToleration.score(&state, &pi, n))
                .collect();
            assert_eq!(scores, raw, "{name}");
            TaintToleration.normalize(&state, &feasible, &mut scores);
            assert_eq!(scores, normalized, "{name}");
        }
    }
}
