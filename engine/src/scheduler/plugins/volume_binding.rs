//! VolumeBinding (pkg/scheduler/framework/plugins/volumebinding): a pod
//! whose PersistentVolumeClaims are missing, or not yet bound while their
//! class binds at once, waits; a pod whose claims are bound goes only where
//! their volumes can be reached (the volumes' node affinity); a claim whose
//! class waits for the first consumer is fine on a node where a volume
//! could be found or provisioned.
//!
//! The scheduler keeps the claims, volumes and classes it has seen
//! ([`Volumes`], its informers' listers) and hands them to the plugin in
//! the Snapshot.

use crate::sorting::CollectSorted;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;

use crate::controllers::persistent_volume::{find_best_match, volume_fits_node};
use crate::objects::MetaExt;
use crate::scheduler::framework::{CycleState, FilterPlugin, NodeInfo, PodInfo, Snapshot, Status};

pub const NAME: &str = "VolumeBinding";
/// volume_binding.go's reasons.
pub const ERR_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";
pub const ERR_REASON_BIND_CONFLICT: &str =
    "node(s) didn't find available persistent volumes to bind";
pub const ERR_REASON_NODE_CONFLICT: &str = "node(s) had volume node affinity conflict";
pub const ERR_REASON_PV_NOT_EXIST: &str =
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
/// The in-tree "provisioner" of classes for pre-made local volumes.
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// The claims, volumes and classes the scheduler knows.
#[derive(Clone, Debug, Default)]
pub struct Volumes {
    /// (namespace, name) → claim.
    pub claims: BTreeMap<(String, String), PersistentVolumeClaim>,
    pub volumes: BTreeMap<String, PersistentVolume>,
    pub classes: BTreeMap<String, StorageClass>,
}

pub static NO_VOLUMES: Volumes = Volumes {
    claims: BTreeMap::new(),
    volumes: BTreeMap::new(),
    classes: BTreeMap::new(),
};

pub struct VolumeBinding;

/// What PreFilter found for the Filter: the volumes of the bound claims,
/// and, when claims wait for their first consumer and only pre-made
/// volumes can serve them, the nodes where those volumes are.
struct State {
    bound: Vec<Option<PersistentVolume>>,
    delayed_nodes: Option<BTreeSet<String>>,
}

/// The claim a pod volume uses: a persistentVolumeClaim, or the one a
/// generic ephemeral volume makes (`<pod>-<volume>`).
fn claims_of(pod: &Pod) -> Vec<(String, bool)> {
    let pod_name = pod.metadata.name_str();
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| {
            if let Some(c) = &v.persistent_volume_claim {
                Some((c.claim_name.clone(), false))
            } else {
                v.ephemeral
                    .as_ref()
                    .map(|_| (format!("{pod_name}-{}", v.name), true))
            }
        })
        .collect()
}

impl Volumes {
    /// The informers' handlers: keeps the listers in step with the API server.
    pub fn apply(&mut self, object: &crate::objects::Object, deleted: bool) {
        use crate::objects::Object;
        match object {
            Object::PersistentVolumeClaim(pvc) => self.apply_claim(pvc, deleted),
            Object::PersistentVolume(pv) => self.apply_volume(pv, deleted),
            Object::StorageClass(sc) => self.apply_class(sc, deleted),
            _ => {}
        }
    }

    fn delayed(&self, pvc: &PersistentVolumeClaim) -> bool {
        let class = crate::controllers::persistent_volume::claim_class(pvc);
        self.classes
            .get(&class)
            .is_some_and(|c| c.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"))
    }

    pub fn apply_claim(&mut self, pvc: &PersistentVolumeClaim, deleted: bool) {
        let key = (
            pvc.metadata.namespace_str().to_string(),
            pvc.metadata.name_str().to_string(),
        );
        if deleted {
            self.claims.remove(&key);
        } else {
            self.claims.insert(key, pvc.clone());
        }
    }

    pub fn apply_volume(&mut self, pv: &PersistentVolume, deleted: bool) {
        let key = pv.metadata.name_str().to_string();
        if deleted {
            self.volumes.remove(&key);
        } else {
            self.volumes.insert(key, pv.clone());
        }
    }

    pub fn apply_class(&mut self, sc: &StorageClass, deleted: bool) {
        let key = sc.metadata.name_str().to_string();
        if deleted {
            self.classes.remove(&key);
        } else {
            self.classes.insert(key, sc.clone());
        }
    }
}

impl FilterPlugin for VolumeBinding {
    fn name(&self) -> &'static str {
        NAME
    }

    /// podHasPVCs, then GetPodVolumeClaims: a missing or lost claim, or an
    /// unbound one whose class binds at once, rejects the pod on every node.
    fn pre_filter(&self, state: &mut CycleState, pod: &PodInfo, nodes: &Snapshot) -> Status {
        let volumes = nodes.volumes;
        let claims = claims_of(pod.pod);
        if claims.is_empty() {
            return Status::skip(NAME);
        }
        let mut found = Vec::new();
        for (name, ephemeral) in &claims {
            let key = (pod.namespace.to_string(), name.clone());
            let Some(pvc) = volumes.claims.get(&key) else {
                let message = if *ephemeral {
                    format!("waiting for ephemeral volume controller to create the persistentvolumeclaim {name:?}")
                } else {
                    format!("persistentvolumeclaim {name:?} not found")
                };
                return Status::unresolvable(NAME, message);
            };
            let phase = pvc.status.as_ref().and_then(|s| s.phase.as_deref());
            if phase == Some("Lost") {
                let volume = pvc
                    .spec
                    .as_ref()
                    .and_then(|s| s.volume_name.clone())
                    .unwrap_or_default();
                return Status::unresolvable(
                    NAME,
                    format!("persistentvolumeclaim {name:?} bound to non-existent persistentvolume {volume:?}"),
                );
            }
            if pvc.metadata.is_deleting() {
                return Status::unresolvable(
                    NAME,
                    format!("persistentvolumeclaim {name:?} is being deleted"),
                );
            }
            found.push(pvc);
        }
        let mut bound = Vec::new();
        let mut delayed = Vec::new();
        let mut unbound_immediate = false;
        for pvc in found {
            let volume_name = pvc
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.clone())
                .unwrap_or_default();
            let bind_completed = pvc.metadata.annotations.as_ref().is_some_and(|a| {
                a.contains_key(crate::controllers::persistent_volume::ANN_BIND_COMPLETED)
            });
            if !volume_name.is_empty() && bind_completed {
                bound.push(volumes.volumes.get(&volume_name).cloned());
            } else if volumes.delayed(pvc) {
                delayed.push(pvc.clone());
            } else {
                unbound_immediate = true;
            }
        }
        if unbound_immediate {
            // The PV controller binds them; the pod comes back when it has.
            return Status::unresolvable(NAME, ERR_UNBOUND_IMMEDIATE);
        }
        // A delayed claim whose class provisions can be served anywhere; one
        // that needs a pre-made volume only where such a volume fits.
        let mut delayed_nodes: Option<BTreeSet<String>> = None;
        let all_volumes: Vec<&PersistentVolume> = volumes.volumes.values().collect();
        for pvc in &delayed {
            let class = crate::controllers::persistent_volume::claim_class(pvc);
            let provisions = volumes
                .classes
                .get(&class)
                .is_some_and(|c| c.provisioner != NO_PROVISIONER);
            if provisions {
                continue;
            }
            let here: BTreeSet<String> = nodes
                .iter()
                .filter(|n| {
                    let node: &k8s_openapi::api::core::v1::Node = &n.node;
                    find_best_match(&all_volumes, pvc, Some(node), true).is_some()
                })
                .map(|n| n.name.clone())
                .collect_set();
            delayed_nodes = Some(match delayed_nodes {
                None => here,
                Some(before) => before.intersection(&here).cloned().collect_set(),
            });
        }
        state.write(State {
            bound,
            delayed_nodes,
        });
        Status::success(NAME)
    }

    /// FindPodVolumes: bound volumes must reach the node; a delayed claim
    /// needs a volume on the node, or a class that can provision one.
    fn filter(&self, state: &CycleState, _pod: &PodInfo, node: &NodeInfo) -> Status {
        let Some(state) = state.read::<State>() else {
            return Status::success(NAME);
        };
        let mut reasons = Vec::new();
        for volume in &state.bound {
            match volume {
                None => {
                    reasons.push(ERR_REASON_PV_NOT_EXIST.to_string());
                    break;
                }
                Some(pv)
                    if !volume_fits_node(pv, {
                        let n: &k8s_openapi::api::core::v1::Node = &node.node;
                        n
                    }) =>
                {
                    reasons.push(ERR_REASON_NODE_CONFLICT.to_string());
                    break;
                }
                Some(_) => {}
            }
        }
        if state
            .delayed_nodes
            .as_ref()
            .is_some_and(|nodes| !nodes.contains(&node.name))
        {
            reasons.push(ERR_REASON_BIND_CONFLICT.to_string());
        }
        if reasons.is_empty() {
            Status::success(NAME)
        } else {
            Status {
                code: crate::scheduler::framework::Code::UnschedulableAndUnresolvable,
                reasons,
                plugin: NAME,
            }
        }
    }
}
