//! etcd: the one place the cluster's state lives. Keys as kube-apiserver lays
//! them out, a global revision bumped by every write, create and mod revisions
//! per key, and a log of changes that watches read from.

use std::collections::BTreeMap;

use crate::objects::{Object, ObjectRef};

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub object: Object,
    /// Revision of the write that created the key.
    pub create_revision: u64,
    /// Revision of the last write to the key; the object's resourceVersion.
    pub mod_revision: u64,
    /// Number of writes to the key since it was created.
    pub version: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum WatchEventType {
    Added,
    Modified,
    Deleted,
}

/// One change, as a watch delivers it.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchEvent {
    pub revision: u64,
    pub event_type: WatchEventType,
    pub object_ref: ObjectRef,
    /// The object after the change (before it, for a deletion).
    pub object: Object,
    /// The object before the change, for modifications and deletions.
    pub previous: Option<Object>,
}

#[derive(Clone, Debug, Default)]
pub struct Store {
    revision: u64,
    entries: BTreeMap<String, Entry>,
    /// Changes not yet delivered to watchers.
    undelivered: Vec<WatchEvent>,
}

impl Store {
    pub fn revision(&self) -> u64 {
        self.revision
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// Entries whose key starts with `prefix`, in key order.
    pub fn range<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Entry)> + 'a {
        self.entries
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    /// Like `range`, taking the prefix by value.
    pub fn range_owned(&self, prefix: String) -> impl Iterator<Item = (&String, &Entry)> + '_ {
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes `object` under its key, returning the new revision. The caller
    /// (the API server) has already set its resourceVersion to that revision.
    pub fn put(&mut self, object: Object) -> u64 {
        self.revision += 1;
        let revision = self.revision;
        let object_ref = ObjectRef::of(&object);
        let key = object_ref.key();
        let (event_type, previous, create_revision, version) = match self.entries.get(&key) {
            Some(old) => (
                WatchEventType::Modified,
                Some(old.object.clone()),
                old.create_revision,
                old.version + 1,
            ),
            None => (WatchEventType::Added, None, revision, 1),
        };
        self.undelivered.push(WatchEvent {
            revision,
            event_type,
            object_ref,
            object: object.clone(),
            previous,
        });
        self.entries.insert(
            key,
            Entry {
                object,
                create_revision,
                mod_revision: revision,
                version,
            },
        );
        revision
    }

    /// Removes the key, returning the revision of the deletion.
    pub fn delete(&mut self, key: &str) -> Option<u64> {
        let old = self.entries.remove(key)?;
        self.revision += 1;
        self.undelivered.push(WatchEvent {
            revision: self.revision,
            event_type: WatchEventType::Deleted,
            object_ref: ObjectRef::of(&old.object),
            object: old.object.clone(),
            previous: Some(old.object),
        });
        Some(self.revision)
    }

    /// The next revision a write will get.
    pub fn next_revision(&self) -> u64 {
        self.revision + 1
    }

    /// Hands over the changes made since the last call, oldest first.
    pub fn take_watch_events(&mut self) -> Vec<WatchEvent> {
        std::mem::take(&mut self.undelivered)
    }
}
