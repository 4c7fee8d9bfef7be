//! Stable sorts that share one copy of the standard library's sort.
//!
//! `slice::sort_by` is generic over the element and the closure, so every
//! call site compiles its own merge sort, several KB of WebAssembly each.
//! These helpers sort the positions `0..n` through a `dyn` comparator (one
//! copy of the sort for the whole program), then move the elements into that
//! order. A stable sort's result depends only on the comparator, so the order
//! is exactly `sort_by`'s.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// `v.sort_by(cmp)`: stable, the same order.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = sorted_positions(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    permute(v, order);
}

/// `v.sort_by_key(key)`: stable, the same order (the key is computed per
/// comparison, as `sort_by_key` does).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)))
}

/// `v.sort()`: stable, the same order.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp)
}

/// `collect()` into a BTreeMap or BTreeSet without a sort per call site:
/// their `FromIterator` first sorts the items, with a copy of the sort for
/// every iterator type. Inserting one by one makes the same collection (of
/// equal keys, the last value stays, as with `collect`).
pub trait CollectSorted: Iterator + Sized {
    fn collect_map<K: Ord, V>(self) -> BTreeMap<K, V>
    where
        Self: Iterator<Item = (K, V)>,
    {
        let mut map = BTreeMap::new();
        map.extend(self);
        map
    }

    fn collect_set(self) -> BTreeSet<Self::Item>
    where
        Self::Item: Ord,
    {
        let mut set = BTreeSet::new();
        set.extend(self);
        set
    }
}

impl<I: Iterator> CollectSorted for I {}

/// The positions `0..n` stably sorted by `cmp`: the only instantiation of the sort.
fn sorted_positions(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Rearranges `v` so that position `i` holds what was at `order[i]`,
/// following each cycle of the permutation with swaps.
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        let mut current = start;
        // A position whose order is itself is in place or on a cycle already done.
        while order[current] != current {
            let next = order[current];
            order[current] = current;
            if next == start {
                break;
            }
            v.swap(current, next);
            current = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_order_as_the_standard_stable_sort() {
        let mut seed = 7u64;
        for len in 0..60 {
            let v: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (((seed >> 33) % 5) as u8, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by(|a, b| b.0.cmp(&a.0));
            let mut got = v.clone();
            sort_by(&mut got, |a, b| b.0.cmp(&a.0));
            assert_eq!(got, expected);
            let mut expected = v.clone();
            expected.sort_by_key(|e| e.0);
            let mut got = v;
            sort_by_key(&mut got, |e| e.0);
            assert_eq!(got, expected);
        }
    }
}
