//! A pod volume's files, read and replaced from outside the sandbox: the
//! hook through which `crate::storage` keeps a PersistentVolume's files
//! beyond the life of a pod.

use super::fs::{Tree, TreeId};
use super::PodRuntime;

impl PodRuntime {
    /// The files of one of the pod's volumes, as its containers left them.
    pub fn volume_files(&self, volume: &str) -> Option<&Tree> {
        self.sandbox.fs.tree(&TreeId::Volume(volume.to_string()))
    }

    /// Puts files into one of the pod's volumes (before its containers
    /// start, or a ConfigMap's new data while they run).
    pub fn set_volume_files(&mut self, volume: &str, files: Tree) {
        // What the processes will do may depend on the files: look ahead anew.
        self.generation += 1;
        self.sandbox
            .fs
            .set_tree(TreeId::Volume(volume.to_string()), files);
    }
}
