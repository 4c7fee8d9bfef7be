//! Each ReplicaSet's size over virtual time, for the picture of a rollout:
//! the desired and ready replicas after every write to it. Kept by the
//! simulation as steps happen (so a rewind, which replays, rebuilds it), and
//! bounded so a long run does not grow without end.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use crate::objects::Object;

/// Points kept per ReplicaSet; older ones are dropped first.
const POINTS_PER_REPLICA_SET: usize = 240;

/// A ReplicaSet's size at a moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReplicaSetPoint {
    pub time_ms: u64,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
}

#[derive(Clone, Debug, Default)]
pub struct RolloutHistory {
    by_key: BTreeMap<String, VecDeque<ReplicaSetPoint>>,
}

impl RolloutHistory {
    /// After a write to `key`: records the ReplicaSet's size if it changed,
    /// or forgets it when it is gone.
    pub fn observe(&mut self, time_ms: u64, key: &str, object: Option<&Object>) {
        let Some(Object::ReplicaSet(rs)) = object else {
            self.by_key.remove(key);
            return;
        };
        let point = ReplicaSetPoint {
            time_ms,
            replicas: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
            ready: rs
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0),
        };
        let points = self.by_key.entry(key.to_string()).or_default();
        let unchanged = points
            .back()
            .is_some_and(|p| (p.replicas, p.ready) == (point.replicas, point.ready));
        if unchanged {
            return;
        }
        // Several writes at one moment: the last one is what the moment shows.
        if points.back().is_some_and(|p| p.time_ms == time_ms) {
            points.pop_back();
        }
        if points.len() >= POINTS_PER_REPLICA_SET {
            points.pop_front();
        }
        points.push_back(point);
    }

    /// The ReplicaSet's sizes, oldest first.
    pub fn series(&self, key: &str) -> Vec<ReplicaSetPoint> {
        self.by_key
            .get(key)
            .map(|p| p.iter().copied().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetSpec, ReplicaSetStatus};

    fn rs(replicas: i32, ready: i32) -> Object {
        Object::ReplicaSet(ReplicaSet {
            spec: Some(ReplicaSetSpec {
                replicas: Some(replicas),
                ..Default::default()
            }),
            status: Some(ReplicaSetStatus {
                ready_replicas: Some(ready),
                ..Default::default()
            }),
            ..Default::default()
        })
    }

    #[test]
    fn keeps_changes_one_per_moment_and_forgets_deleted_sets() {
        let mut history = RolloutHistory::default();
        let key = "/registry/replicasets/default/web-1";
        history.observe(0, key, Some(&rs(3, 0)));
        history.observe(0, key, Some(&rs(3, 1)));
        history.observe(500, key, Some(&rs(3, 1)));
        history.observe(1000, key, Some(&rs(3, 3)));
        assert_eq!(
            history.series(key),
            vec![
                ReplicaSetPoint {
                    time_ms: 0,
                    replicas: 3,
                    ready: 1
                },
                ReplicaSetPoint {
                    time_ms: 1000,
                    replicas: 3,
                    ready: 3
                },
            ]
        );
        history.observe(2000, key, None);
        assert!(history.series(key).is_empty());
    }

    #[test]
    fn is_bounded() {
        let mut history = RolloutHistory::default();
        for i in 0..1000 {
            history.observe(i, "k", Some(&rs(i as i32, 0)));
        }
        let series = history.series("k");
        assert_eq!(series.len(), POINTS_PER_REPLICA_SET);
        assert_eq!(series.last().unwrap().time_ms, 999);
    }
}
