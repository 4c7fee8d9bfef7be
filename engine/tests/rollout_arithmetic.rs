//! An independent check of the Deployment controller's rollout arithmetic.
//!
//! `model` is upstream's arithmetic written again from the Go source
//! (kubernetes/kubernetes, pkg/controller/deployment), as small pure
//! functions over numbers; each names the file and function it follows. It
//! shares no code with the engine.
//!
//! The tests run rollouts in the simulation one step at a time. Whenever the
//! deployment controller acts, the model gets what the controller saw (each
//! ReplicaSet's spec.replicas, availableReplicas and replicas annotations)
//! and predicts what the controller leaves. For every ReplicaSet:
//! - DESIRED (spec.replicas) and the desired-/max-replicas annotations are
//!   the model's;
//! - CURRENT, READY and AVAILABLE are the ReplicaSet controller's, so the
//!   model predicts them unchanged.
//!
//! At every other step DESIRED must not move. Each test also asserts the
//! trace of DESIRED worked out by hand in its comments.
//!
//! Covered: ResolveFenceposts (percent rounding), NewRSNewReplicas,
//! reconcileNewReplicaSet, reconcileOldReplicaSets, cleanupUnhealthyReplicas,
//! scaleDownOldReplicaSetsForRollingUpdate, isScalingEvent and scale
//! (FindActiveOrLatest, IsSaturated, proportional scaling with GetProportion
//! and getReplicaSetFraction). Not covered: Recreate, paused Deployments,
//! revision numbers, history cleanup, status and conditions.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kubeplay_engine::{NoFiles, SimConfig, Simulation};

mod model {
    /// maxSurge or maxUnavailable: an absolute number or a percentage.
    #[derive(Clone, Copy, Debug)]
    pub enum Value {
        Int(i32),
        Percent(i32),
    }

    #[derive(Clone, Copy, Debug)]
    pub struct Deployment {
        pub replicas: i32,
        pub max_surge: Value,
        pub max_unavailable: Value,
        /// status.replicas: getReplicaSetFraction's fallback.
        pub status_replicas: i32,
    }

    #[derive(Clone, Debug, PartialEq)]
    pub struct Rs {
        pub name: String,
        /// (creationTimestamp, name): ReplicaSetsByCreationTimestamp's order.
        pub created: (String, String),
        pub replicas: i32,
        pub available: i32,
        pub desired_annotation: Option<i32>,
        pub max_annotation: Option<i32>,
    }

    /// intstr.GetScaledValueFromIntOrPercent (apimachinery util/intstr/intstr.go).
    fn scaled(value: Value, total: i32, round_up: bool) -> i32 {
        match value {
            Value::Int(i) => i,
            Value::Percent(p) => {
                let v = f64::from(p) * f64::from(total) / 100.0;
                (if round_up { v.ceil() } else { v.floor() }) as i32
            }
        }
    }

    /// ResolveFenceposts (util/deployment_util.go).
    pub fn resolve_fenceposts(d: &Deployment) -> (i32, i32) {
        let surge = scaled(d.max_surge, d.replicas, true);
        let unavailable = scaled(d.max_unavailable, d.replicas, false);
        if surge == 0 && unavailable == 0 {
            return (0, 1);
        }
        (surge, unavailable)
    }

    /// MaxSurge (util/deployment_util.go).
    pub fn max_surge(d: &Deployment) -> i32 {
        resolve_fenceposts(d).0
    }

    /// MaxUnavailable (util/deployment_util.go).
    pub fn max_unavailable(d: &Deployment) -> i32 {
        if d.replicas == 0 {
            return 0;
        }
        resolve_fenceposts(d).1.min(d.replicas)
    }

    /// The ReplicaSets one sync works on; `new` indexes the new one.
    struct Sync<'a> {
        d: &'a Deployment,
        rss: Vec<Rs>,
        new: Option<usize>,
    }

    /// One syncDeployment (deployment_controller.go) of a RollingUpdate
    /// Deployment that is not paused. A new ReplicaSet it creates is
    /// appended, named "<new>". Returns the ReplicaSets and the new one's index.
    pub fn sync(d: &Deployment, rss: Vec<Rs>, new: Option<usize>) -> (Vec<Rs>, Option<usize>) {
        let mut s = Sync { d, rss, new };
        if s.is_scaling_event() {
            s.scale();
        } else {
            s.rollout_rolling();
        }
        (s.rss, s.new)
    }

    impl Sync<'_> {
        /// FilterActiveReplicaSets (controller_utils.go) of the old ones.
        fn active_old(&self) -> Vec<usize> {
            (0..self.rss.len())
                .filter(|&i| Some(i) != self.new && self.rss[i].replicas > 0)
                .collect()
        }

        /// SetReplicasAnnotations (util/deployment_util.go).
        fn annotate(&mut self, i: usize) {
            let max = self.d.replicas + max_surge(self.d);
            self.rss[i].desired_annotation = Some(self.d.replicas);
            self.rss[i].max_annotation = Some(max);
        }

        /// scaleReplicaSet (sync.go): size and annotations. Returns whether the size changed.
        fn scale_replica_set(&mut self, i: usize, size: i32) -> bool {
            let changed = self.rss[i].replicas != size;
            self.rss[i].replicas = size;
            self.annotate(i);
            changed
        }

        /// scaleReplicaSetAndRecordEvent (sync.go): nothing when the size is right.
        fn scale_and_record(&mut self, i: usize, size: i32) -> bool {
            self.rss[i].replicas != size && self.scale_replica_set(i, size)
        }

        fn by_creation(&self, mut list: Vec<usize>) -> Vec<usize> {
            list.sort_by(|&a, &b| self.rss[a].created.cmp(&self.rss[b].created));
            list
        }

        /// isScalingEvent (sync.go).
        fn is_scaling_event(&self) -> bool {
            self.rss
                .iter()
                .filter(|rs| rs.replicas > 0)
                .any(|rs| rs.desired_annotation.is_some_and(|a| a != self.d.replicas))
        }

        /// NewRSNewReplicas (util/deployment_util.go).
        fn new_rs_new_replicas(&self, new: usize) -> i32 {
            let current: i32 = self.rss.iter().map(|rs| rs.replicas).sum();
            let max_total = self.d.replicas + max_surge(self.d);
            let new_replicas = self.rss[new].replicas;
            if current >= max_total {
                return new_replicas;
            }
            new_replicas + (max_total - current).min(self.d.replicas - new_replicas)
        }

        /// rolloutRolling (rolling.go), with getNewReplicaSet's creation (sync.go).
        fn rollout_rolling(&mut self) {
            let new = match self.new {
                Some(i) => i,
                None => {
                    self.rss.push(Rs {
                        name: "<new>".into(),
                        created: (String::new(), String::new()),
                        replicas: 0,
                        available: 0,
                        desired_annotation: None,
                        max_annotation: None,
                    });
                    let i = self.rss.len() - 1;
                    self.new = Some(i);
                    self.rss[i].replicas = self.new_rs_new_replicas(i);
                    self.annotate(i);
                    i
                }
            };
            if self.reconcile_new_replica_set(new) {
                return;
            }
            self.reconcile_old_replica_sets(new);
        }

        /// reconcileNewReplicaSet (rolling.go).
        fn reconcile_new_replica_set(&mut self, new: usize) -> bool {
            if self.rss[new].replicas == self.d.replicas {
                return false;
            }
            if self.rss[new].replicas > self.d.replicas {
                return self.scale_and_record(new, self.d.replicas);
            }
            let count = self.new_rs_new_replicas(new);
            self.scale_and_record(new, count)
        }

        /// reconcileOldReplicaSets (rolling.go).
        fn reconcile_old_replica_sets(&mut self, new: usize) -> bool {
            let old = self.active_old();
            let old_pods: i32 = old.iter().map(|&i| self.rss[i].replicas).sum();
            if old_pods == 0 {
                return false;
            }
            let all_pods: i32 = self.rss.iter().map(|rs| rs.replicas).sum();
            let min_available = self.d.replicas - max_unavailable(self.d);
            let new_unavailable = self.rss[new].replicas - self.rss[new].available;
            let max_scaled_down = all_pods - min_available - new_unavailable;
            if max_scaled_down <= 0 {
                return false;
            }
            let Some(cleaned) = self.cleanup_unhealthy_replicas(&old, max_scaled_down) else {
                return false;
            };
            let scaled = self.scale_down_old_for_rolling_update(&old, new);
            cleaned + scaled > 0
        }

        /// cleanupUnhealthyReplicas (rolling.go); None for its error.
        fn cleanup_unhealthy_replicas(&mut self, old: &[usize], max_cleanup: i32) -> Option<i32> {
            let mut total = 0;
            for i in self.by_creation(old.to_vec()) {
                if total >= max_cleanup {
                    break;
                }
                let (replicas, available) = (self.rss[i].replicas, self.rss[i].available);
                if replicas == 0 || replicas == available {
                    continue;
                }
                let count = (max_cleanup - total).min(replicas - available);
                if replicas - count > replicas {
                    return None;
                }
                self.scale_and_record(i, replicas - count);
                total += count;
            }
            Some(total)
        }

        /// scaleDownOldReplicaSetsForRollingUpdate (rolling.go).
        fn scale_down_old_for_rolling_update(&mut self, old: &[usize], new: usize) -> i32 {
            let min_available = self.d.replicas - max_unavailable(self.d);
            let available: i32 = old
                .iter()
                .chain([&new])
                .map(|&i| self.rss[i].available)
                .sum();
            if available <= min_available {
                return 0;
            }
            let to_scale_down = available - min_available;
            let mut total = 0;
            for i in self.by_creation(old.to_vec()) {
                if total >= to_scale_down {
                    break;
                }
                let replicas = self.rss[i].replicas;
                if replicas == 0 {
                    continue;
                }
                let count = replicas.min(to_scale_down - total);
                self.scale_and_record(i, replicas - count);
                total += count;
            }
            total
        }

        /// scale (sync.go): a scaling event.
        fn scale(&mut self) {
            let active: Vec<usize> = (0..self.rss.len())
                .filter(|&i| self.rss[i].replicas > 0)
                .collect();
            // FindActiveOrLatest (util/deployment_util.go).
            let only = match active.len() {
                0 => self
                    .new
                    .or_else(|| self.by_creation(self.active_old()).pop()),
                1 => Some(active[0]),
                _ => None,
            };
            if let Some(i) = only {
                self.scale_and_record(i, self.d.replicas);
                return;
            }
            // IsSaturated (util/deployment_util.go).
            if let Some(new) = self.new {
                let rs = &self.rss[new];
                if rs.replicas == self.d.replicas
                    && rs.desired_annotation == Some(self.d.replicas)
                    && rs.available == self.d.replicas
                {
                    for i in self.active_old() {
                        self.scale_and_record(i, 0);
                    }
                    return;
                }
            }
            let total: i32 = active.iter().map(|&i| self.rss[i].replicas).sum();
            let allowed = if self.d.replicas > 0 {
                self.d.replicas + max_surge(self.d)
            } else {
                0
            };
            let to_add = allowed - total;
            // ReplicaSetsBySizeNewer / ReplicaSetsBySizeOlder (controller_utils.go).
            let mut order = active;
            order.sort_by(|&a, &b| {
                let (a, b) = (&self.rss[a], &self.rss[b]);
                let by_age = if to_add > 0 {
                    b.created.cmp(&a.created)
                } else {
                    a.created.cmp(&b.created)
                };
                b.replicas.cmp(&a.replicas).then(by_age)
            });
            let mut added = 0;
            let mut sizes = Vec::new();
            for &i in &order {
                let proportion = if to_add != 0 {
                    self.get_proportion(i, to_add, added)
                } else {
                    0
                };
                sizes.push(self.rss[i].replicas + proportion);
                added += proportion;
            }
            if to_add != 0 {
                sizes[0] = (sizes[0] + to_add - added).max(0);
            }
            for (i, size) in order.into_iter().zip(sizes) {
                self.scale_replica_set(i, size);
            }
        }

        /// GetProportion (util/deployment_util.go).
        fn get_proportion(&self, i: usize, to_add: i32, added: i32) -> i32 {
            if self.rss[i].replicas == 0 || to_add == 0 || to_add == added {
                return 0;
            }
            let fraction = self.replica_set_fraction(i);
            let allowed = to_add - added;
            if to_add > 0 {
                fraction.min(allowed)
            } else {
                fraction.max(allowed)
            }
        }

        /// getReplicaSetFraction (util/deployment_util.go), with
        /// integer.RoundToInt32 (k8s.io/utils).
        fn replica_set_fraction(&self, i: usize) -> i32 {
            let rs = &self.rss[i];
            if self.d.replicas == 0 {
                return -rs.replicas;
            }
            let deployment_replicas = self.d.replicas + max_surge(self.d);
            let annotated = rs.max_annotation.unwrap_or(self.d.status_replicas);
            let size =
                f64::from(rs.replicas) * f64::from(deployment_replicas) / f64::from(annotated);
            let rounded = if size < 0.0 { size - 0.5 } else { size + 0.5 } as i32;
            rounded - rs.replicas
        }
    }
}

/// One ReplicaSet as `kubectl get rs` and the controller see it.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    rs: model::Rs,
    current: i32,
    ready: i32,
    template: PodTemplateSpec,
}

fn rows(sim: &Simulation) -> Vec<Row> {
    let annotation = |rs: &ReplicaSet, key: &str| -> Option<i32> {
        rs.metadata.annotations.as_ref()?.get(key)?.parse().ok()
    };
    let mut rows: Vec<Row> = sim
        .api()
        .list_typed::<ReplicaSet>(Some("default"))
        .into_iter()
        .map(|rs| {
            let status = rs.status.clone().unwrap_or_default();
            let name = rs.metadata.name.clone().unwrap_or_default();
            let created = serde_json::to_string(&rs.metadata.creation_timestamp).unwrap();
            Row {
                rs: model::Rs {
                    created: (created, name.clone()),
                    name,
                    replicas: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                    available: status.available_replicas.unwrap_or(0),
                    desired_annotation: annotation(rs, "deployment.kubernetes.io/desired-replicas"),
                    max_annotation: annotation(rs, "deployment.kubernetes.io/max-replicas"),
                },
                current: status.replicas,
                ready: status.ready_replicas.unwrap_or(0),
                template: rs
                    .spec
                    .as_ref()
                    .and_then(|s| s.template.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.rs.created.cmp(&b.rs.created));
    rows
}

fn deployment(sim: &Simulation) -> Deployment {
    sim.api()
        .get_typed::<Deployment>(Some("default"), "web")
        .cloned()
        .expect("deployment web exists")
}

fn model_deployment(d: &Deployment) -> model::Deployment {
    let value = |v: Option<IntOrString>| match v {
        Some(IntOrString::Int(i)) => model::Value::Int(i),
        Some(IntOrString::String(s)) => {
            model::Value::Percent(s.trim_end_matches('%').parse().expect("a percentage"))
        }
        None => model::Value::Percent(25),
    };
    let spec = d.spec.clone().unwrap_or_default();
    let rolling = spec
        .strategy
        .and_then(|s| s.rolling_update)
        .unwrap_or_default();
    model::Deployment {
        replicas: spec.replicas.unwrap_or(1),
        max_surge: value(rolling.max_surge),
        max_unavailable: value(rolling.max_unavailable),
        status_replicas: d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0),
    }
}

/// EqualIgnoreHash (util/deployment_util.go): the new ReplicaSet's template
/// is the Deployment's but for the pod-template-hash label.
fn new_index(d: &Deployment, rows: &[Row]) -> Option<usize> {
    let want = d.spec.clone().unwrap_or_default().template;
    rows.iter().position(|row| {
        let mut t = row.template.clone();
        if let Some(labels) = t.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            labels.remove("pod-template-hash");
        }
        t == want
    })
}

/// DESIRED of each ReplicaSet, oldest first.
fn desired(rows: &[Row]) -> Vec<i32> {
    rows.iter().map(|r| r.rs.replicas).collect()
}

struct Run {
    sim: Simulation,
    /// DESIRED, oldest ReplicaSet first, after each deployment-controller step that changed it.
    trace: Vec<Vec<i32>>,
}

impl Run {
    fn new(manifest: &str) -> Run {
        let mut sim = Simulation::new(SimConfig::default());
        sim.apply_yaml("web.yaml", manifest)
            .expect("manifest applies");
        let mut run = Run {
            sim,
            trace: Vec::new(),
        };
        run.steps(2000);
        run.assert_complete();
        run.trace.clear();
        run
    }

    fn kubectl(&mut self, line: &str) {
        let out = self.sim.run_command(line, &NoFiles);
        assert!(out.success, "{line}: {}", out.stderr);
    }

    /// Runs up to `limit` steps or until the cluster settles, checking
    /// every deployment-controller step against the model.
    fn steps(&mut self, limit: usize) {
        for _ in 0..limit {
            let before = rows(&self.sim);
            let d = deployment(&self.sim);
            let Some(step) = self.sim.step() else {
                return;
            };
            let after = rows(&self.sim);
            if step.component != "deployment-controller" {
                assert_eq!(
                    desired(&before),
                    desired(&after),
                    "only the deployment controller sizes ReplicaSets ({} did: {})",
                    step.component,
                    step.summary
                );
                continue;
            }
            let models: Vec<model::Rs> = before.iter().map(|r| r.rs.clone()).collect();
            let (predicted, new) =
                model::sync(&model_deployment(&d), models, new_index(&d, &before));
            assert_eq!(after.len(), predicted.len(), "ReplicaSets after {step:?}");
            for (i, row) in after.iter().enumerate() {
                let expected = match before.iter().position(|b| b.rs.name == row.rs.name) {
                    Some(j) => {
                        // The controller never writes a ReplicaSet's status.
                        let b = &before[j];
                        assert_eq!(
                            (row.current, row.ready, row.rs.available),
                            (b.current, b.ready, b.rs.available),
                            "CURRENT/READY/AVAILABLE of {}",
                            row.rs.name
                        );
                        predicted[j].clone()
                    }
                    None => {
                        assert_eq!(new, Some(predicted.len() - 1), "the model creates it too");
                        assert_eq!((row.current, row.ready, row.rs.available), (0, 0, 0));
                        model::Rs {
                            name: row.rs.name.clone(),
                            created: row.rs.created.clone(),
                            ..predicted[predicted.len() - 1].clone()
                        }
                    }
                };
                assert_eq!(
                    row.rs, expected,
                    "ReplicaSet #{i} after [{}] {}",
                    step.time_ms, step.summary
                );
            }
            if desired(&before) != desired(&after) {
                self.trace.push(desired(&after));
            }
        }
    }

    /// The rollout finished: every pod is new and available.
    fn assert_complete(&self) {
        let d = deployment(&self.sim);
        let status = d.status.clone().unwrap_or_default();
        let want = d.spec.and_then(|s| s.replicas);
        assert_eq!(status.updated_replicas, want);
        assert_eq!(status.available_replicas, want);
        assert_eq!(status.replicas, want);
    }
}

fn manifest(replicas: i32, surge: &str, unavailable: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  strategy:
    rollingUpdate:
      maxSurge: {surge}
      maxUnavailable: {unavailable}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: {image}
"
    )
}

#[test]
fn percentages_round_surge_up_and_unavailability_down() {
    // 10 replicas, 25%/25%: maxSurge 3 (2.5 up), maxUnavailable 2 (2.5 down),
    // so at most 13 pods and at least 8 available.
    let mut run = Run::new(&manifest(10, "25%", "25%", "nginx:1.27"));
    run.kubectl("kubectl set image deployment/web nginx=nginx:1.29");
    run.steps(2000);
    run.assert_complete();
    assert_eq!(
        run.trace,
        vec![
            // The new ReplicaSet gets 13 - 10 = 3; in the same sync the old one
            // may lose 13 - 8 - 3 (new, unavailable) = 2.
            vec![8, 3],
            // 11 pods wanted: the new one grows by 13 - 11 = 2.
            vec![8, 5],
            // The 5 new pods are available: 13 available - 8 = 5 old ones go.
            vec![3, 5],
            // 8 pods wanted: the new one grows by min(13 - 8, 10 - 5) = 5.
            vec![3, 10],
            // 13 available, 8 needed: the last 3 old ones go.
            vec![0, 10],
        ]
    );
}

#[test]
fn no_surge_replaces_one_pod_at_a_time() {
    // maxSurge 0, maxUnavailable 1: never more than 4 pods, at least 3 available.
    let mut run = Run::new(&manifest(4, "0", "1", "nginx:1.27"));
    run.kubectl("kubectl set image deployment/web nginx=nginx:1.29");
    run.steps(2000);
    run.assert_complete();
    assert_eq!(
        run.trace,
        vec![
            // Created with 0 (4 pods already), then the old one loses 4 - 3 - 0 = 1.
            vec![3, 0],
            vec![3, 1],
            vec![2, 1],
            vec![2, 2],
            vec![1, 2],
            vec![1, 3],
            vec![0, 3],
            vec![0, 4],
        ]
    );
}

#[test]
fn a_scale_during_a_stuck_rollout_is_proportional_and_undo_cleans_up() {
    // kubernetes.io's proportional scaling example: 10 replicas, maxSurge 3,
    // maxUnavailable 2, an image that cannot be pulled, then a scale to 15.
    let mut run = Run::new(&manifest(10, "3", "2", "nginx:1.27"));
    run.kubectl("kubectl set image deployment/web nginx=nginx:1.999");
    run.steps(400);
    assert_eq!(
        run.trace,
        vec![
            // New 3 (13 - 10); old loses 13 - 8 - 3 = 2.
            vec![8, 3],
            // New grows to 5 (13 - 11 = 2); then 13 - 8 - 5 = 0: stuck.
            vec![8, 5],
        ]
    );
    run.trace.clear();
    run.kubectl("kubectl scale deployment/web --replicas=15");
    run.steps(400);
    // 18 allowed - 13 = 5 to add: the old one's share is round(8*18/13) - 8 = 3,
    // the new one's round(5*18/13) - 5 = 2.
    assert_eq!(run.trace, vec![vec![11, 7]]);
    run.trace.clear();
    run.kubectl("kubectl rollout undo deployment/web");
    run.steps(2000);
    run.assert_complete();
    assert_eq!(
        run.trace,
        vec![
            // The first template is new again (11, all available): the broken
            // one may lose 18 - 13 - 0 = 5, unavailable pods first.
            vec![11, 2],
            // 13 wanted: the restored one grows by min(18 - 13, 15 - 11) = 4.
            vec![15, 2],
            // Once its 4 new pods are available: 17 - 13 - 0 = 4, the last 2 go.
            vec![15, 0],
        ]
    );
}
