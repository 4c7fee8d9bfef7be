//! The storage behind PersistentVolumes: the files of each volume, kept
//! outside any pod, so that what a container writes under a claim's mount
//! path is there again for the next pod that mounts the claim (a StatefulSet
//! pod recreated for its ordinal, or any pod of the same claim).
//!
//! A volume's files are keyed by where they live: a hostPath volume by its
//! path (as on a node's disk: a volume deleted and made again over the same
//! path finds the old files), any other by the volume's name. The kubelet
//! copies a volume's files into the pod's sandbox when it creates it
//! ([`attach`]) and back after each sync ([`save`]); the provisioner and the
//! PV controller remove them when they delete a volume by its reclaim
//! policy ([`Storage::remove_volume`]).
//!
//! Simplifications: the files are reachable from every node (network
//! storage, where minikube's hostpath would be node-local); two pods that
//! mount one volume at the same time each see their own copy until they
//! save it, and the last save wins.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod};

use crate::apiserver::ApiServer;
use crate::objects::MetaExt;
use crate::runtime::fs::Tree;
use crate::runtime::PodRuntime;

/// Every volume's files.
#[derive(Clone, Debug, Default)]
pub struct Storage {
    volumes: BTreeMap<String, Tree>,
}

/// Where a volume's files live.
pub fn key_of(pv: &PersistentVolume) -> String {
    match pv.spec.as_ref().and_then(|s| s.host_path.as_ref()) {
        Some(h) => format!("hostPath:{}", crate::runtime::fs::normalize("/", &h.path)),
        None => format!("pv:{}", pv.metadata.name_str()),
    }
}

impl Storage {
    pub fn files(&self, key: &str) -> Option<&Tree> {
        self.volumes.get(key)
    }

    /// The reclaim policy deleted the volume: its files go with it.
    pub fn remove_volume(&mut self, pv: &PersistentVolume) {
        self.volumes.remove(&key_of(pv));
    }

    /// How many volumes hold files.
    pub fn len(&self) -> usize {
        self.volumes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.volumes.is_empty()
    }
}

/// The pod's volumes backed by a bound claim: (pod volume name, storage key).
fn claim_volumes(api: &ApiServer, pod: &Pod) -> Vec<(String, String)> {
    let namespace = pod.metadata.namespace.as_deref();
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| {
            let claim = v.persistent_volume_claim.as_ref()?;
            let pvc = api.get_typed::<PersistentVolumeClaim>(namespace, &claim.claim_name)?;
            let volume = pvc.spec.as_ref()?.volume_name.as_deref()?;
            let pv = api.get_typed::<PersistentVolume>(None, volume)?;
            Some((v.name.clone(), key_of(pv)))
        })
        .collect()
}

/// Mounts: the claims' files go into the new sandbox's volumes.
pub fn attach(storage: &Storage, api: &ApiServer, pod: &Pod, runtime: &mut PodRuntime) {
    for (volume, key) in claim_volumes(api, pod) {
        if let Some(files) = storage.files(&key) {
            runtime.set_volume_files(&volume, files.clone());
        }
    }
}

/// What the containers wrote into the claims' volumes is kept.
pub fn save(storage: &mut Storage, api: &ApiServer, pod: &Pod, runtime: &PodRuntime) {
    for (volume, key) in claim_volumes(api, pod) {
        let Some(files) = runtime.volume_files(&volume) else {
            continue;
        };
        if storage.volumes.get(&key) != Some(files) {
            storage.volumes.insert(key, files.clone());
        }
    }
}
