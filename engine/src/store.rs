//! etcd: the one place the cluster's state lives. Keys as kube-apiserver lays
//! them out, a global revision bumped by every write, create and mod revisions
//! per key, and a log of changes that watches read from.
//!
//! A stored value is immutable and shared (`Arc<Object>`): the key's entry,
//! its history and the watch events of a write hold the same object, so a
//! write copies nothing, and a write replaces the object rather than
//! changing it in place.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::objects::{Object, ObjectRef};

/// How many changes etcd keeps for reads at old revisions and watches from a
/// revision; older ones are compacted away, as kube-apiserver has etcd
/// compact every few minutes, so memory stays bounded.
pub const HISTORY_LIMIT: usize = 20_000;

/// One change in etcd's history: the key's value after the write (None: deleted).
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub revision: u64,
    pub key: String,
    pub value: Option<Arc<Object>>,
}

/// Why a read at a revision cannot be answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevisionError {
    /// etcd's own wording.
    Compacted {
        compacted: u64,
    },
    Future {
        current: u64,
    },
}

impl std::fmt::Display for RevisionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RevisionError::Compacted { compacted } => {
                write!(f, "etcdserver: mvcc: required revision has been compacted (compacted at {compacted})")
            }
            RevisionError::Future { current } => {
                write!(f, "etcdserver: mvcc: required revision is a future revision (current is {current})")
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub object: Arc<Object>,
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
    pub object: Arc<Object>,
    /// The object before the change, for modifications and deletions.
    pub previous: Option<Arc<Object>>,
}

#[derive(Clone, Debug, Default)]
pub struct Store {
    revision: u64,
    entries: BTreeMap<String, Entry>,
    /// Changes not yet delivered to watchers.
    undelivered: Vec<WatchEvent>,
    history: VecDeque<HistoryEntry>,
    /// Revisions up to this one are no longer in the history.
    compacted: u64,
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
    pub fn put(&mut self, object: Arc<Object>) -> u64 {
        let object_ref = ObjectRef::of(&object);
        let key = object_ref.key();
        self.put_at(object_ref, key, object)
    }

    /// `put`, with the object's reference and key already worked out.
    pub fn put_at(&mut self, object_ref: ObjectRef, key: String, object: Arc<Object>) -> u64 {
        debug_assert_eq!(key, object_ref.key());
        self.revision += 1;
        let revision = self.revision;
        self.record(revision, key.clone(), Some(object.clone()));
        let (event_type, previous) = match self.entries.get_mut(&key) {
            Some(entry) => {
                let previous = std::mem::replace(&mut entry.object, object.clone());
                entry.mod_revision = revision;
                entry.version += 1;
                (WatchEventType::Modified, Some(previous))
            }
            None => {
                self.entries.insert(
                    key,
                    Entry {
                        object: object.clone(),
                        create_revision: revision,
                        mod_revision: revision,
                        version: 1,
                    },
                );
                (WatchEventType::Added, None)
            }
        };
        self.undelivered.push(WatchEvent {
            revision,
            event_type,
            object_ref,
            object,
            previous,
        });
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
        self.record(self.revision, key.to_string(), None);
        Some(self.revision)
    }

    fn record(&mut self, revision: u64, key: String, value: Option<Arc<Object>>) {
        self.history.push_back(HistoryEntry {
            revision,
            key,
            value,
        });
        while self.history.len() > HISTORY_LIMIT {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.revision;
            }
        }
    }

    /// The revision up to which history has been compacted.
    pub fn compacted_revision(&self) -> u64 {
        self.compacted
    }

    fn check_revision(&self, revision: u64) -> Result<(), RevisionError> {
        if revision > self.revision {
            return Err(RevisionError::Future {
                current: self.revision,
            });
        }
        if revision <= self.compacted && revision != self.revision {
            return Err(RevisionError::Compacted {
                compacted: self.compacted,
            });
        }
        Ok(())
    }

    /// The key's value as it was at `revision` (`etcdctl get KEY --rev N`).
    pub fn get_at(&self, key: &str, revision: u64) -> Result<Option<Arc<Object>>, RevisionError> {
        self.check_revision(revision)?;
        if revision == self.revision {
            return Ok(self.entries.get(key).map(|e| e.object.clone()));
        }
        let found = self
            .history
            .iter()
            .rev()
            .filter(|h| h.revision <= revision)
            .find(|h| h.key == key);
        Ok(match found {
            Some(h) => h.value.clone(),
            // No change to the key within the kept history: it holds what it held before it.
            None => match self.entries.get(key) {
                Some(e) if e.create_revision <= self.compacted => Some(e.object.clone()),
                _ => None,
            },
        })
    }

    /// Every change after `revision` under `prefix`, oldest first: what a
    /// watch started at that resourceVersion receives.
    pub fn changes_since<'a>(
        &'a self,
        revision: u64,
        prefix: &'a str,
    ) -> Result<impl Iterator<Item = &'a HistoryEntry> + 'a, RevisionError> {
        if revision < self.compacted {
            return Err(RevisionError::Compacted {
                compacted: self.compacted,
            });
        }
        Ok(self
            .history
            .iter()
            .filter(move |h| h.revision > revision && h.key.starts_with(prefix)))
    }

    /// The revisions at which `key` changed, within the kept history.
    pub fn key_history<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a HistoryEntry> + 'a {
        self.history.iter().filter(move |h| h.key == key)
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

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Namespace;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn namespace(name: &str, label: &str) -> Object {
        Object::Namespace(Namespace {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some([("v".to_string(), label.to_string())].into()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        })
    }

    #[test]
    fn revisions_and_reads_in_the_past() {
        let mut store = Store::default();
        assert_eq!(store.put(Arc::new(namespace("a", "1"))), 1);
        assert_eq!(store.put(Arc::new(namespace("b", "1"))), 2);
        assert_eq!(store.put(Arc::new(namespace("a", "2"))), 3);
        let entry = store.get("/registry/namespaces/a").unwrap();
        assert_eq!(
            (entry.create_revision, entry.mod_revision, entry.version),
            (1, 3, 2)
        );
        fn at(store: &Store, rev: u64) -> Option<String> {
            store
                .get_at("/registry/namespaces/a", rev)
                .unwrap()
                .map(|o| o.meta().labels.clone().unwrap()["v"].clone())
        }
        assert_eq!(at(&store, 1).as_deref(), Some("1"));
        assert_eq!(at(&store, 2).as_deref(), Some("1"));
        assert_eq!(at(&store, 3).as_deref(), Some("2"));
        assert_eq!(store.delete("/registry/namespaces/a"), Some(4));
        assert_eq!(at(&store, 4), None);
        assert_eq!(at(&store, 3).as_deref(), Some("2"));
        assert_eq!(
            store.get_at("/registry/namespaces/a", 9),
            Err(RevisionError::Future { current: 4 })
        );
        let since: Vec<u64> = store
            .changes_since(2, "/registry/namespaces/a")
            .unwrap()
            .map(|h| h.revision)
            .collect();
        assert_eq!(since, vec![3, 4]);
    }

    #[test]
    fn history_is_compacted() {
        let mut store = Store::default();
        for i in 0..(HISTORY_LIMIT + 10) {
            store.put(Arc::new(namespace("a", &i.to_string())));
        }
        assert_eq!(store.compacted_revision(), 10);
        assert!(matches!(
            store.get_at("/registry/namespaces/a", 5),
            Err(RevisionError::Compacted { .. })
        ));
        assert!(store
            .get_at("/registry/namespaces/a", 11)
            .unwrap()
            .is_some());
    }
}
