//! The kubelet's volume manager, for the volumes whose files the kubelet
//! writes itself: configMap, secret, downwardAPI and projected
//! (pkg/volume/configmap, secret, downwardapi, projected). Their SetUp
//! reads the objects from the API server and writes one file per key
//! (or per `items` entry, at its path, with its mode). A SetUp that fails
//! (a missing ConfigMap or Secret that is not `optional`, a missing key)
//! keeps the pod from starting: the reconciler retries it on an
//! exponential back-off (nestedpendingoperations: 500 ms, doubling, at most
//! 2m2s), recording a `FailedMount` event each time. Once mounted, the
//! volumes are set up again at the pod's periodic resync (syncFrequency,
//! 1 min), so a changed ConfigMap shows in the files within a minute.

use crate::sorting::CollectSorted;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ConfigMap, DownwardAPIVolumeFile, KeyToPath, Pod, PodSpec, Secret, Volume,
};

use super::env::{self, PodFacts};
use crate::apiserver::ApiServer;
use crate::objects::Kind;
use crate::runtime::fs::Tree;
use crate::runtime::SERVICE_ACCOUNT_TOKEN;
use crate::time::{SimDuration, SimTime};

/// The reason of the events a failed SetUp records.
pub(super) const FAILED_MOUNT: &str = "FailedMount";
/// exponentialbackoff's initialDurationBeforeRetry and maxDurationBeforeRetry.
const BACKOFF_INITIAL: SimDuration = SimDuration::from_millis(500);
const BACKOFF_MAX: SimDuration = SimDuration::from_secs(122);
/// The kubelet's syncFrequency: every pod is synced again this often.
const SYNC_FREQUENCY: SimDuration = SimDuration::from_secs(60);

/// `MountVolume.SetUp failed for volume "v" : <error>` (operation_generator.go).
pub(super) fn failed_mount_message(volume: &str, error: &str) -> String {
    format!("MountVolume.SetUp failed for volume \"{volume}\" : {error}")
}

/// Whether the kubelet writes this volume's files.
fn written_by_kubelet(v: &Volume) -> bool {
    v.config_map.is_some()
        || v.secret.is_some()
        || v.downward_api.is_some()
        || v.projected.is_some()
}

/// A failed SetUp's back-off: how long, and since when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Backoff {
    duration: SimDuration,
    since: SimTime,
}

impl Backoff {
    /// ExponentialBackoff.Update.
    fn after_failure(previous: Option<Backoff>, now: SimTime) -> Backoff {
        let duration = match previous {
            None => BACKOFF_INITIAL,
            Some(b) => SimDuration((b.duration.0 * 2).min(BACKOFF_MAX.0)),
        };
        Backoff {
            duration,
            since: now,
        }
    }

    fn retry_at(&self) -> SimTime {
        self.since.plus(self.duration)
    }
}

/// What one pass of the volume manager did.
#[derive(Debug, Default)]
pub(super) struct Pass {
    /// (volume, error) of each SetUp that failed now.
    pub failed: Vec<(String, String)>,
    /// Volumes whose files changed (mounted, or refreshed).
    pub updated: Vec<String>,
    /// Whether some volume is still not mounted.
    pub pending: bool,
    /// When to come back.
    pub wake: Option<SimTime>,
}

impl Pass {
    fn wake_at(&mut self, t: SimTime) {
        self.wake = Some(self.wake.map_or(t, |w| w.min(t)));
    }
}

/// The state of one pod's kubelet-written volumes.
#[derive(Clone, Debug, Default)]
pub(super) struct Mounts {
    /// The files of each mounted volume, as last written.
    mounted: BTreeMap<String, Tree>,
    backoff: BTreeMap<String, Backoff>,
    /// Since when a mounted volume's files differ from what its SetUp
    /// would write now: the next resync after that sets them up again.
    stale_since: Option<SimTime>,
    /// The ConfigMaps and Secrets the volumes read, by kind and name.
    sources: Vec<(Kind, String)>,
}

impl Mounts {
    pub fn new(spec: Option<&PodSpec>) -> Mounts {
        let mut sources = Vec::new();
        for v in spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
            if let Some(c) = &v.config_map {
                sources.push((Kind::ConfigMap, c.name.clone()));
            }
            if let Some(s) = &v.secret {
                sources.push((Kind::Secret, s.secret_name.clone().unwrap_or_default()));
            }
            for p in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
                if let Some(c) = &p.config_map {
                    sources.push((Kind::ConfigMap, c.name.clone()));
                }
                if let Some(s) = &p.secret {
                    sources.push((Kind::Secret, s.name.clone()));
                }
            }
        }
        crate::sorting::sort(&mut sources);
        sources.dedup();
        Mounts {
            sources,
            ..Mounts::default()
        }
    }

    /// Whether a volume reads this ConfigMap or Secret.
    pub fn reads(&self, kind: Kind, name: &str) -> bool {
        self.sources.iter().any(|(k, n)| *k == kind && n == name)
    }

    /// The mounted volumes' files.
    pub fn files(&self) -> impl Iterator<Item = (&String, &Tree)> {
        self.mounted.iter()
    }

    /// WaitForAttachAndMount: sets up every volume not mounted yet whose
    /// back-off has passed.
    pub fn mount(&mut self, api: &ApiServer, facts: &PodFacts, now: SimTime) -> Pass {
        let mut pass = Pass::default();
        for v in volumes(facts.pod) {
            if self.mounted.contains_key(&v.name) {
                continue;
            }
            if let Some(b) = self.backoff.get(&v.name).filter(|b| b.retry_at() > now) {
                pass.pending = true;
                pass.wake_at(b.retry_at());
                continue;
            }
            match set_up(api, facts, v) {
                Ok(files) => {
                    self.backoff.remove(&v.name);
                    self.mounted.insert(v.name.clone(), files);
                    pass.updated.push(v.name.clone());
                }
                Err(error) => {
                    let b = Backoff::after_failure(self.backoff.get(&v.name).copied(), now);
                    self.backoff.insert(v.name.clone(), b);
                    pass.failed.push((v.name.clone(), error));
                    pass.pending = true;
                    pass.wake_at(b.retry_at());
                }
            }
        }
        pass
    }

    /// The pod's resync: the mounted volumes are set up again, so what
    /// changed in their ConfigMaps and Secrets reaches the files. Between
    /// resyncs, says when the next one is due if something changed.
    pub fn refresh(
        &mut self,
        api: &ApiServer,
        facts: &PodFacts,
        started: SimTime,
        now: SimTime,
    ) -> Pass {
        let mut pass = Pass::default();
        let mut stale = Vec::new();
        for v in volumes(facts.pod) {
            let Some(current) = self.mounted.get(&v.name) else {
                continue;
            };
            let fresh = set_up(api, facts, v);
            if fresh.as_ref() != Ok(current) {
                stale.push((v.name.clone(), fresh));
            }
        }
        if stale.is_empty() {
            self.stale_since = None;
            return pass;
        }
        let since = *self.stale_since.get_or_insert(now);
        if resync_at_or_before(started, now) <= since {
            pass.wake_at(resync_after(started, since.max(now)));
            return pass;
        }
        self.stale_since = None;
        for (name, fresh) in stale {
            match fresh {
                Ok(files) => {
                    self.backoff.remove(&name);
                    self.mounted.insert(name.clone(), files);
                    pass.updated.push(name);
                }
                Err(error) => {
                    if self.backoff.get(&name).is_none_or(|b| b.retry_at() <= now) {
                        let b = Backoff::after_failure(self.backoff.get(&name).copied(), now);
                        self.backoff.insert(name.clone(), b);
                        pass.failed.push((name, error));
                    }
                    // Still failing: tried again at the next resync.
                    self.stale_since = Some(now);
                    pass.wake_at(resync_after(started, now));
                }
            }
        }
        pass
    }
}

/// The latest resync at or before `now`: the pod worker syncs at its start
/// and every syncFrequency after.
fn resync_at_or_before(started: SimTime, now: SimTime) -> SimTime {
    let periods = now.0.saturating_sub(started.0) / SYNC_FREQUENCY.0;
    SimTime(started.0 + periods * SYNC_FREQUENCY.0)
}

fn resync_after(started: SimTime, now: SimTime) -> SimTime {
    resync_at_or_before(started, now).plus(SYNC_FREQUENCY)
}

fn volumes(pod: &Pod) -> impl Iterator<Item = &Volume> {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter(|v| written_by_kubelet(v))
}

/// A volume's SetUp: its files, or the error the mount failed with.
fn set_up(api: &ApiServer, facts: &PodFacts, v: &Volume) -> Result<Tree, String> {
    let namespace = facts.pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut tree = Tree::default();
    if let Some(c) = &v.config_map {
        let optional = c.optional == Some(true);
        let cm = read_optional(env::config_map(api, namespace, &c.name), optional)?;
        let mode = file_mode(c.default_mode);
        config_map_files(cm, c.items.as_deref(), mode, optional, &mut tree)?;
    } else if let Some(s) = &v.secret {
        let optional = s.optional == Some(true);
        let name = s.secret_name.clone().unwrap_or_default();
        let secret = read_optional(env::secret(api, namespace, &name), optional)?;
        let mode = file_mode(s.default_mode);
        secret_files(secret, s.items.as_deref(), mode, optional, &mut tree)?;
    } else if let Some(d) = &v.downward_api {
        let mode = file_mode(d.default_mode);
        downward_api_files(
            facts,
            d.items.as_deref().unwrap_or_default(),
            mode,
            &mut tree,
        )?;
    } else if let Some(p) = &v.projected {
        // projected.go collectData: every source is read; the errors are aggregated.
        let mode = file_mode(p.default_mode);
        let mut errors = Vec::new();
        for source in p.sources.iter().flatten() {
            let result = if let Some(c) = &source.config_map {
                let optional = c.optional == Some(true);
                read_optional(env::config_map(api, namespace, &c.name), optional).and_then(|cm| {
                    config_map_files(cm, c.items.as_deref(), mode, optional, &mut tree)
                })
            } else if let Some(s) = &source.secret {
                let optional = s.optional == Some(true);
                read_optional(env::secret(api, namespace, &s.name), optional).and_then(|secret| {
                    secret_files(secret, s.items.as_deref(), mode, optional, &mut tree)
                })
            } else if let Some(d) = &source.downward_api {
                downward_api_files(
                    facts,
                    d.items.as_deref().unwrap_or_default(),
                    mode,
                    &mut tree,
                )
            } else if let Some(t) = &source.service_account_token {
                tree.insert_file(&t.path, SERVICE_ACCOUNT_TOKEN, mode);
                Ok(())
            } else {
                Ok(())
            };
            if let Err(e) = result {
                errors.push(e);
            }
        }
        match errors.len() {
            0 => {}
            // utilerrors.NewAggregate: one error reads as itself.
            1 => return Err(errors.remove(0)),
            _ => return Err(format!("[{}]", errors.join(", "))),
        }
    }
    Ok(tree)
}

/// A missing object that is optional reads as an empty one.
fn read_optional<T: Default + Clone>(
    found: Result<&T, String>,
    optional: bool,
) -> Result<T, String> {
    match found {
        Ok(o) => Ok(o.clone()),
        Err(_) if optional => Ok(T::default()),
        Err(e) => Err(e),
    }
}

/// Permission bits of a mode field (the API's decimal 420 is 0644).
fn file_mode(mode: Option<i32>) -> u32 {
    mode.map_or(0o644, |m| (m as u32) & 0o777)
}

/// configmap.MakePayload: every key, or the listed ones at their paths.
fn config_map_files(
    cm: ConfigMap,
    items: Option<&[KeyToPath]>,
    mode: u32,
    optional: bool,
    tree: &mut Tree,
) -> Result<(), String> {
    let mut data: BTreeMap<String, String> = cm.data.unwrap_or_default();
    for (k, v) in cm.binary_data.unwrap_or_default() {
        data.insert(k, env::text_of(&v.0));
    }
    write_payload(&data, items, mode, optional, tree, |key| {
        format!("configmap references non-existent config key: {key}")
    })
}

/// secret.MakePayload: the same for a Secret's decoded values.
fn secret_files(
    secret: Secret,
    items: Option<&[KeyToPath]>,
    mode: u32,
    optional: bool,
    tree: &mut Tree,
) -> Result<(), String> {
    let data: BTreeMap<String, String> = secret
        .data
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, env::text_of(&v.0)))
        .collect_map();
    write_payload(&data, items, mode, optional, tree, |key| {
        format!("references non-existent secret key: {key}")
    })
}

fn write_payload(
    data: &BTreeMap<String, String>,
    items: Option<&[KeyToPath]>,
    mode: u32,
    optional: bool,
    tree: &mut Tree,
    missing: impl Fn(&str) -> String,
) -> Result<(), String> {
    match items.filter(|i| !i.is_empty()) {
        None => {
            for (key, value) in data {
                tree.insert_file(key, value, mode);
            }
        }
        Some(items) => {
            for item in items {
                let Some(value) = data.get(&item.key) else {
                    if optional {
                        continue;
                    }
                    return Err(missing(&item.key));
                };
                let item_mode = item.mode.map_or(mode, |m| file_mode(Some(m)));
                tree.insert_file(&item.path, value, item_mode);
            }
        }
    }
    Ok(())
}

/// downwardapi.CollectData: a file per item, from a pod field or a
/// container's resource.
fn downward_api_files(
    facts: &PodFacts,
    items: &[DownwardAPIVolumeFile],
    mode: u32,
    tree: &mut Tree,
) -> Result<(), String> {
    let mut errors = Vec::new();
    for item in items {
        let value = if let Some(f) = &item.field_ref {
            env::field_value(facts, &f.field_path)
        } else if let Some(r) = &item.resource_field_ref {
            let name = r.container_name.clone().unwrap_or_default();
            let spec = facts.pod.spec.as_ref();
            match spec.and_then(|s| s.containers.iter().find(|c| c.name == name)) {
                Some(c) => env::resource_value(c, r, facts.allocatable),
                None => Err(format!("cannot find container {name:?} in pod")),
            }
        } else {
            continue;
        };
        match value {
            Ok(v) => tree.insert_file(
                &item.path,
                &v,
                item.mode.map_or(mode, |m| file_mode(Some(m))),
            ),
            Err(e) => errors.push(e),
        }
    }
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(format!("[{}]", errors.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resyncs_come_every_minute_from_the_start() {
        let s = SimTime(5_000);
        assert_eq!(resync_at_or_before(s, SimTime(5_000)), SimTime(5_000));
        assert_eq!(resync_at_or_before(s, SimTime(64_999)), SimTime(5_000));
        assert_eq!(resync_at_or_before(s, SimTime(65_000)), SimTime(65_000));
        assert_eq!(resync_after(s, SimTime(65_000)), SimTime(125_000));
    }

    #[test]
    fn mount_back_off_doubles_to_two_minutes() {
        let mut b = Backoff::after_failure(None, SimTime(0));
        let mut seen = vec![b.duration.as_millis()];
        for _ in 0..10 {
            b = Backoff::after_failure(Some(b), SimTime(0));
            seen.push(b.duration.as_millis());
        }
        assert_eq!(
            seen,
            [500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 122000, 122000, 122000]
        );
    }

    #[test]
    fn items_pick_keys_paths_and_modes() {
        let data: BTreeMap<String, String> = [
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]
        .into();
        let items = vec![KeyToPath {
            key: "a".into(),
            path: "dir/a.txt".into(),
            mode: Some(0o400),
        }];
        let mut tree = Tree::default();
        write_payload(&data, Some(&items), 0o644, false, &mut tree, |k| {
            k.to_string()
        })
        .unwrap();
        let mut expected = Tree::default();
        expected.insert_file("dir/a.txt", "1", 0o400);
        assert_eq!(tree, expected);
        let missing = vec![KeyToPath {
            key: "z".into(),
            path: "z".into(),
            mode: None,
        }];
        let err = write_payload(&data, Some(&missing), 0o644, false, &mut tree, |k| {
            format!("no {k}")
        });
        assert_eq!(err, Err("no z".to_string()));
        assert!(write_payload(&data, Some(&missing), 0o644, true, &mut tree, |k| k.into()).is_ok());
    }
}
