//! The scheduling queue (pkg/scheduler/backend/queue): pods wait in the active
//! queue by priority then arrival; a pod that did not fit waits among the
//! unschedulable until the cluster changes in a way that may help (an event
//! one of the plugins that rejected it registered for), then serves a
//! back-off (1 s, doubling, at most 10 s) before it is tried again. A pod
//! whose attempt failed with an error goes straight to back-off.

use std::collections::{BTreeMap, BTreeSet};

use crate::objects::ObjectRef;
use crate::time::{SimDuration, SimTime};

pub const INITIAL_BACKOFF: SimDuration = SimDuration::from_secs(1);
pub const MAX_BACKOFF: SimDuration = SimDuration::from_secs(10);
/// podMaxInUnschedulablePodsDuration: unschedulable pods are retried at least this often.
pub const MAX_UNSCHEDULABLE_DURATION: SimDuration = SimDuration::from_secs(300);

#[derive(Clone, Debug)]
struct QueuedPod {
    attempts: u32,
    /// When the pod last failed, for its back-off and the periodic flush.
    last_failure: SimTime,
    /// The plugins that rejected it last time (Diagnosis.UnschedulablePlugins).
    plugins: Vec<&'static str>,
}

#[derive(Default)]
pub struct SchedulingQueue {
    next_seq: u64,
    /// (-priority, arrival sequence) → pod.
    active: BTreeMap<(i64, u64), ObjectRef>,
    in_active: BTreeSet<ObjectRef>,
    /// Pods serving a back-off, by the time it ends.
    backoff: BTreeMap<(SimTime, u64), ObjectRef>,
    unschedulable: BTreeMap<ObjectRef, SimTime>,
    info: BTreeMap<ObjectRef, QueuedPod>,
}

impl SchedulingQueue {
    fn is_queued(&self, pod: &ObjectRef) -> bool {
        self.in_active.contains(pod)
            || self.unschedulable.contains_key(pod)
            || self.backoff.values().any(|p| p == pod)
    }

    /// A new pending pod, or one whose spec changed.
    pub fn add(&mut self, pod: ObjectRef, priority: i64) {
        if self.is_queued(&pod) {
            return;
        }
        self.push_active(pod, priority);
    }

    fn push_active(&mut self, pod: ObjectRef, priority: i64) {
        self.next_seq += 1;
        self.in_active.insert(pod.clone());
        self.active.insert((-priority, self.next_seq), pod);
    }

    pub fn pop(&mut self) -> Option<ObjectRef> {
        let (_, pod) = self.active.pop_first()?;
        self.in_active.remove(&pod);
        Some(pod)
    }

    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    fn record_failure(
        &mut self,
        pod: &ObjectRef,
        now: SimTime,
        plugins: Vec<&'static str>,
    ) -> &QueuedPod {
        let entry = self.info.entry(pod.clone()).or_insert(QueuedPod {
            attempts: 0,
            last_failure: now,
            plugins: Vec::new(),
        });
        entry.attempts += 1;
        entry.last_failure = now;
        entry.plugins = plugins;
        entry
    }

    /// The pod did not fit: it waits for a cluster change that may help one
    /// of the plugins that rejected it.
    pub fn mark_unschedulable(&mut self, pod: ObjectRef, now: SimTime, plugins: Vec<&'static str>) {
        self.record_failure(&pod, now, plugins);
        self.unschedulable.insert(pod, now);
    }

    /// The attempt failed with an error: the pod is retried after its back-off.
    pub fn mark_error(&mut self, pod: ObjectRef, now: SimTime) {
        let attempts = self.record_failure(&pod, now, Vec::new()).attempts;
        self.next_seq += 1;
        self.backoff
            .insert((now.plus(Self::backoff_for(attempts)), self.next_seq), pod);
    }

    pub fn has_unschedulable(&self) -> bool {
        !self.unschedulable.is_empty()
    }

    pub fn forget(&mut self, pod: &ObjectRef) {
        self.info.remove(pod);
        self.unschedulable.remove(pod);
        if self.in_active.remove(pod) {
            self.active.retain(|_, p| p != pod);
        }
        self.backoff.retain(|_, p| p != pod);
    }

    fn backoff_for(attempts: u32) -> SimDuration {
        let mut d = INITIAL_BACKOFF;
        for _ in 1..attempts {
            d = SimDuration(d.0 * 2);
            if d >= MAX_BACKOFF {
                return MAX_BACKOFF;
            }
        }
        d
    }

    /// The cluster changed in a way that may help: every unschedulable pod
    /// goes to back-off (or straight to active if its back-off is over).
    /// Returns the earliest back-off end still ahead, for a wake-up.
    pub fn move_all_to_active_or_backoff(
        &mut self,
        now: SimTime,
        priority_of: impl Fn(&ObjectRef) -> i64,
    ) -> Option<SimTime> {
        self.move_to_active_or_backoff(now, priority_of, |_| true)
    }

    /// MoveAllToActiveOrBackoffQueue with a pre-check: only the unschedulable
    /// pods for which `may_help` says yes to the plugins that rejected them
    /// move; a pod rejected by no plugin in particular always moves.
    pub fn move_to_active_or_backoff(
        &mut self,
        now: SimTime,
        priority_of: impl Fn(&ObjectRef) -> i64,
        may_help: impl Fn(&[&'static str]) -> bool,
    ) -> Option<SimTime> {
        let pods: Vec<ObjectRef> = self
            .unschedulable
            .keys()
            .filter(|pod| {
                self.info
                    .get(*pod)
                    .is_none_or(|q| q.plugins.is_empty() || may_help(&q.plugins))
            })
            .cloned()
            .collect();
        for pod in pods {
            self.unschedulable.remove(&pod);
            let (attempts, last) = self
                .info
                .get(&pod)
                .map(|q| (q.attempts, q.last_failure))
                .unwrap_or((1, now));
            let ready_at = last.plus(Self::backoff_for(attempts));
            if ready_at <= now {
                let priority = priority_of(&pod);
                self.push_active(pod, priority);
            } else {
                self.next_seq += 1;
                self.backoff.insert((ready_at, self.next_seq), pod);
            }
        }
        self.backoff.keys().next().map(|(t, _)| *t)
    }

    /// Moves pods whose back-off ended, and unschedulable pods waiting longer
    /// than the flush interval. Returns the next time something is due.
    pub fn flush(
        &mut self,
        now: SimTime,
        priority_of: impl Fn(&ObjectRef) -> i64,
    ) -> Option<SimTime> {
        while let Some(entry) = self.backoff.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let pod = entry.remove();
            let priority = priority_of(&pod);
            self.push_active(pod, priority);
        }
        let stale: Vec<ObjectRef> = self
            .unschedulable
            .iter()
            .filter(|(_, since)| since.plus(MAX_UNSCHEDULABLE_DURATION) <= now)
            .map(|(p, _)| p.clone())
            .collect();
        for pod in stale {
            self.unschedulable.remove(&pod);
            let priority = priority_of(&pod);
            self.push_active(pod, priority);
        }
        self.next_due()
    }

    /// The next time a back-off ends or an unschedulable pod is due for its periodic retry.
    pub fn next_due(&self) -> Option<SimTime> {
        let backoff = self.backoff.keys().next().map(|(t, _)| *t);
        let flush = self
            .unschedulable
            .values()
            .min()
            .map(|t| t.plus(MAX_UNSCHEDULABLE_DURATION));
        match (backoff, flush) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn pending_count(&self) -> usize {
        self.in_active.len() + self.unschedulable.len() + self.backoff.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::Kind;

    fn pod(name: &str) -> ObjectRef {
        ObjectRef::new(Kind::Pod, Some("default"), name)
    }

    #[test]
    fn priority_then_arrival() {
        let mut q = SchedulingQueue::default();
        q.add(pod("a"), 0);
        q.add(pod("b"), 10);
        q.add(pod("c"), 0);
        q.add(pod("a"), 0);
        assert_eq!(q.pop(), Some(pod("b")));
        assert_eq!(q.pop(), Some(pod("a")));
        assert_eq!(q.pop(), Some(pod("c")));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn unschedulable_pods_back_off_after_a_change() {
        let mut q = SchedulingQueue::default();
        q.add(pod("a"), 0);
        let p = q.pop().unwrap();
        q.mark_unschedulable(p.clone(), SimTime(0), vec!["NodeResourcesFit"]);
        assert!(!q.has_active());
        assert_eq!(
            q.move_all_to_active_or_backoff(SimTime(500), |_| 0),
            Some(SimTime(1000))
        );
        assert!(!q.has_active());
        q.flush(SimTime(1000), |_| 0);
        assert_eq!(q.pop(), Some(p.clone()));
        q.mark_unschedulable(p.clone(), SimTime(2000), vec!["NodeResourcesFit"]);
        // second failure: 2 s back-off
        assert_eq!(
            q.move_all_to_active_or_backoff(SimTime(2000), |_| 0),
            Some(SimTime(4000))
        );
    }

    #[test]
    fn only_events_that_may_help_move_a_pod() {
        let mut q = SchedulingQueue::default();
        q.add(pod("fit"), 0);
        q.add(pod("spread"), 0);
        let fit = q.pop().unwrap();
        let spread = q.pop().unwrap();
        q.mark_unschedulable(fit.clone(), SimTime(0), vec!["NodeResourcesFit"]);
        q.mark_unschedulable(spread.clone(), SimTime(0), vec!["PodTopologySpread"]);
        // A pod was bound somewhere: only spreading can change.
        q.move_to_active_or_backoff(
            SimTime(5000),
            |_| 0,
            |plugins| plugins.contains(&"PodTopologySpread"),
        );
        assert_eq!(q.pop(), Some(spread));
        assert_eq!(q.pop(), None);
        assert!(q.has_unschedulable());
    }

    #[test]
    fn errors_back_off_without_waiting_for_a_change() {
        let mut q = SchedulingQueue::default();
        q.add(pod("a"), 0);
        let p = q.pop().unwrap();
        q.mark_error(p.clone(), SimTime(0));
        assert_eq!(q.next_due(), Some(SimTime(1000)));
        q.flush(SimTime(1000), |_| 0);
        assert_eq!(q.pop(), Some(p));
    }

    #[test]
    fn backoff_is_capped() {
        assert_eq!(SchedulingQueue::backoff_for(1), SimDuration::from_secs(1));
        assert_eq!(SchedulingQueue::backoff_for(3), SimDuration::from_secs(4));
        assert_eq!(SchedulingQueue::backoff_for(10), MAX_BACKOFF);
    }
}
