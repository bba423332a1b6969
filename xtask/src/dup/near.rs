//! The near-miss search: prefix filtering over shape lines ordered rarest first (see the
//! module docs of [`classes`](super::classes)).

// Line counts are far below 2^52, so converting them to `f64` is exact.
#![allow(clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::classes::{
    MAX_POSTINGS, Stats, UnionFind, UnitRef, category, shares_vocabulary, similarity,
};
use super::hash::{IdHasher, mix};
use super::units::Unit;

pub(super) struct NearSearch<'a> {
    refs: &'a [UnitRef],
    files: &'a [&'a [Unit]],
    threshold: f64,
    /// Per representative (in processing order): its index in `refs` and its shape lines as
    /// ids ordered rarest first.
    order: Vec<(usize, Vec<u32>)>,
}

impl<'a> NearSearch<'a> {
    pub(super) fn new(
        refs: &'a [UnitRef],
        representatives: &[usize],
        files: &'a [&'a [Unit]],
        threshold: f64,
    ) -> NearSearch<'a> {
        let shape = |index: usize| &files[refs[index].file][refs[index].unit].shape;
        // A shape line's n-th occurrence in a unit is its own element, so that multisets
        // become sets and the overlap of two sets bounds the lines a diff can match.
        let elements = |index: usize| {
            let mut seen: HashMap<u64, u64, BuildHasherDefault<IdHasher>> = HashMap::default();
            shape(index)
                .iter()
                .map(|&line| {
                    let count = seen.entry(line).or_insert(0);
                    *count += 1;
                    mix(line, *count)
                })
                .collect::<Vec<u64>>()
        };
        let mut frequency: HashMap<u64, u32, BuildHasherDefault<IdHasher>> = HashMap::default();
        let all: Vec<Vec<u64>> = representatives.iter().map(|&i| elements(i)).collect();
        for element in all.iter().flatten() {
            *frequency.entry(*element).or_insert(0) += 1;
        }
        let mut distinct: Vec<(u32, u64)> = frequency.iter().map(|(&e, &f)| (f, e)).collect();
        distinct.sort_unstable();
        let ids: HashMap<u64, u32, BuildHasherDefault<IdHasher>> = distinct
            .iter()
            .enumerate()
            .map(|(id, &(_, e))| (e, u32::try_from(id).unwrap_or(u32::MAX)))
            .collect();
        let mut order: Vec<(usize, Vec<u32>)> = representatives
            .iter()
            .zip(all)
            .map(|(&index, elements)| {
                let mut set: Vec<u32> = elements.iter().map(|e| ids[e]).collect();
                set.sort_unstable();
                (index, set)
            })
            .collect();
        order.sort_by_key(|(index, set)| (set.len(), *index));
        NearSearch {
            refs,
            files,
            threshold,
            order,
        }
    }

    fn unit(&self, index: usize) -> &Unit {
        let r = self.refs[index];
        &self.files[r.file][r.unit]
    }

    pub(super) fn run(&self, sets: &mut UnionFind, stats: &mut Stats) {
        let t = self.threshold;
        let mut postings: HashMap<u32, Vec<usize>, BuildHasherDefault<IdHasher>> =
            HashMap::default();
        let mut counts: HashMap<usize, u32, BuildHasherDefault<IdHasher>> = HashMap::default();
        for (position, (index, set)) in self.order.iter().enumerate() {
            let n = set.len();
            let min_size = min_overlap(t, n);
            let prefix = &set[..(n + 1).saturating_sub(min_size).min(n)];
            counts.clear();
            for id in prefix {
                for &other in postings.get(id).into_iter().flatten() {
                    if self.order[other].1.len() >= min_size {
                        *counts.entry(other).or_insert(0) += 1;
                    }
                }
            }
            let mut candidates: Vec<usize> = counts.keys().copied().collect();
            candidates.sort_unstable();
            stats.candidates += candidates.len();
            for other in candidates {
                let (other_index, other_set) = &self.order[other];
                if self.refs[*index].file == self.refs[*other_index].file
                    || sets.find(*index) == sets.find(*other_index)
                    || category(&self.unit(*index).item) != category(&self.unit(*other_index).item)
                {
                    continue;
                }
                let needed = t * (n + other_set.len()) as f64 / 2.0;
                if (overlap(set, other_set) as f64) < needed
                    || !shares_vocabulary(self.unit(*index), self.unit(*other_index))
                {
                    continue;
                }
                stats.comparisons += 1;
                let similarity =
                    similarity(&self.unit(*index).shape, &self.unit(*other_index).shape);
                if similarity >= t {
                    sets.union(*index, *other_index, similarity);
                }
            }
            for id in prefix {
                let list = postings.entry(*id).or_default();
                if list.len() < MAX_POSTINGS {
                    list.push(position);
                }
            }
        }
    }
}

/// The fewest shared elements a set of size `n` needs with any partner to reach `t`.
fn min_overlap(t: f64, n: usize) -> usize {
    let bound = t * n as f64 / (2.0 - t);
    // The smallest count `k <= n` with `k >= bound` (no float-to-int cast needed).
    (0..=n).find(|&k| k as f64 >= bound).unwrap_or(n)
}

/// Size of the intersection of two sorted lists.
pub(super) fn overlap<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}
