//! ImageLocality: prefers nodes that already hold the pod's images, by the
//! images' sizes, scaled down when few nodes hold them so that pods do not
//! all pile onto the one node that has pulled an image ("node heating").
//! It reads the images each kubelet reports in node.status.images.
//!
//! After pkg/scheduler/framework/plugins/imagelocality/image_locality.go.

use k8s_openapi::api::core::v1::Container;

use crate::scheduler::framework::{
    CycleState, NodeInfo, PodInfo, ScorePlugin, Snapshot, Status, MAX_NODE_SCORE,
};

pub const NAME: &str = "ImageLocality";

const MB: i64 = 1024 * 1024;
/// Below this the score is 0: a small image is quick to pull anyway.
pub const MIN_THRESHOLD: i64 = 23 * MB;
/// Per container, above this the score is 100.
pub const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// normalizedImageName: an image without a tag means `:latest`. Nothing else
/// is normalised, as upstream: `nginx:1.27` in a pod does not match
/// `docker.io/library/nginx:1.27` in the node status.
pub fn normalized_image_name(name: &str) -> String {
    if name.rfind(':').map_or(-1, |i| i as i64) <= name.rfind('/').map_or(-1, |i| i as i64) {
        format!("{name}:latest")
    } else {
        name.to_string()
    }
}

/// calculatePriority: the summed image scores, clamped to the thresholds,
/// scaled to 0..=100.
pub fn calculate_priority(sum: i64, containers: usize) -> i64 {
    let max_threshold = MAX_CONTAINER_THRESHOLD * containers as i64;
    let sum = if sum < MIN_THRESHOLD {
        MIN_THRESHOLD
    } else if sum > max_threshold {
        max_threshold
    } else {
        sum
    };
    let range = max_threshold - MIN_THRESHOLD;
    if range == 0 {
        return 0;
    }
    MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / range
}

/// scaledImageScore: the image's size times the share of nodes holding it.
fn scaled_image_score(size: i64, holders: usize, total_nodes: usize) -> i64 {
    if total_nodes == 0 {
        return 0;
    }
    let spread = holders as f64 / total_nodes as f64;
    (size as f64 * spread) as i64
}

/// What Score needs from the snapshot: for each of the pod's images, its
/// normalised name and how many nodes hold it; and the number of nodes.
struct PreScoreState {
    images: Vec<(String, usize)>,
    containers: usize,
    total_nodes: usize,
}

fn containers<'a>(pod: &PodInfo<'a>) -> impl Iterator<Item = &'a Container> {
    pod.pod.spec.iter().flat_map(|s| {
        s.init_containers
            .iter()
            .flatten()
            .chain(s.containers.iter())
    })
}

pub struct ImageLocality;

impl ScorePlugin for ImageLocality {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        1
    }

    /// Looks up, once per attempt, how widely each of the pod's images has spread.
    fn pre_score(
        &self,
        state: &mut CycleState,
        pod: &PodInfo,
        _feasible: &[&NodeInfo],
        nodes: &Snapshot,
    ) -> Status {
        let images = containers(pod)
            .map(|c| {
                let name = normalized_image_name(c.image.as_deref().unwrap_or(""));
                let holders = nodes.image_nodes.get(&name).copied().unwrap_or(0);
                (name, holders)
            })
            .collect::<Vec<_>>();
        let containers = images.len();
        state.write(PreScoreState {
            images,
            containers,
            total_nodes: nodes.len(),
        });
        Status::success(NAME)
    }

    #[inline]
    fn score(&self, state: &CycleState, _pod: &PodInfo, node: &NodeInfo) -> i64 {
        if node.images.is_empty() {
            // Nothing is held there: the sum is below the minimum threshold.
            return 0;
        }
        let Some(s) = state.read::<PreScoreState>() else {
            return 0;
        };
        let sum = s
            .images
            .iter()
            .filter_map(|(name, holders)| {
                node.image_size(name)
                    .map(|size| scaled_image_score(size, *holders, s.total_nodes))
            })
            .sum();
        calculate_priority(sum, s.containers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{info, node, pod, snapshot_of, with_images};

    #[test]
    fn normalized_names() {
        let cases = [
            ("nginx", "nginx:latest"),
            ("nginx:1.27", "nginx:1.27"),
            ("registry:5000/app", "registry:5000/app:latest"),
            ("registry:5000/app:v2", "registry:5000/app:v2"),
            ("docker.io/library/nginx", "docker.io/library/nginx:latest"),
        ];
        for (name, want) in cases {
            assert_eq!(normalized_image_name(name), want, "{name}");
        }
    }

    #[test]
    fn score_table() {
        let big = 500 * MB;
        let small = 10 * MB;
        // 4 nodes: "both" holds app:v1 (500 MB) and small:v1 (10 MB); "app" holds
        // app:v1; "far" holds app:v1 under its long name only; "none" holds nothing.
        let cluster = snapshot_of(vec![
            info(with_images(
                node("both", "2", "2Gi"),
                &[
                    (&["app:v1", "registry.example/app@sha256:1"], big),
                    (&["small:v1"], small),
                ],
            )),
            info(with_images(node("app", "2", "2Gi"), &[(&["app:v1"], big)])),
            info(with_images(
                node("far", "2", "2Gi"),
                &[(&["docker.io/library/app:v1"], big)],
            )),
            info(node("none", "2", "2Gi")),
        ]);
        let nodes = cluster.get();
        let with_image = |image: &str| {
            let mut p = pod(None, None);
            p.spec.as_mut().unwrap().containers[0].image = Some(image.to_string());
            p
        };
        let cases = [
            // app:v1 is on 2 of 4 nodes: 500 MB × 0.5 = 250 MB;
            // 100 × (250 - 23) / (1000 - 23) = 23.
            ("shared big image", with_image("app:v1"), vec![23, 23, 0, 0]),
            // 10 MB × 1/4 is below the 23 MB threshold.
            ("small image", with_image("small:v1"), vec![0, 0, 0, 0]),
            // No tag means :latest, which nobody has.
            ("untagged", with_image("app"), vec![0, 0, 0, 0]),
            ("unknown image", with_image("other:1"), vec![0, 0, 0, 0]),
        ];
        for (name, p, want) in cases {
            let pi = PodInfo::new(&p);
            let feasible: Vec<&NodeInfo> = nodes.iter().collect();
            let mut state = CycleState::default();
            assert!(ImageLocality
                .pre_score(&mut state, &pi, &feasible, &nodes)
                .is_success());
            let scores: Vec<i64> = feasible
                .iter()
                .map(|n| ImageLocality.score(&state, &pi, n))
                .collect();
            assert_eq!(scores, want, "{name}");
        }
    }

    #[test]
    fn priority_thresholds() {
        assert_eq!(calculate_priority(0, 1), 0);
        assert_eq!(calculate_priority(MIN_THRESHOLD, 1), 0);
        assert_eq!(calculate_priority(MAX_CONTAINER_THRESHOLD, 1), 100);
        assert_eq!(calculate_priority(5 * MAX_CONTAINER_THRESHOLD, 1), 100);
        // Two containers double the ceiling.
        assert_eq!(calculate_priority(MAX_CONTAINER_THRESHOLD, 2), 49);
        // A pod without containers has no image score: 0, no division by zero.
        assert_eq!(calculate_priority(0, 0), 0);
    }
}
