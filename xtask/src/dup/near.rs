//! The near-miss search: prefix filtering over shape lines ordered rarest first (see the
//! module docs of [`classes`](super::classes)).

// Line counts are far below 2^52, so converting them to `f64` is exact.
#![allow(clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::classes::{
    GAPPED_CONTAINMENT, GAPPED_MIN_MATCHED, GAPPED_VOCABULARY, MAX_POSTINGS, Stats, UnionFind,
    UnitRef, category, matched_lines, shares_vocabulary, shares_vocabulary_at, similarity,
};
use super::hash::{IdHasher, mix};
use super::tables::{is_table, tables_apart};
use super::units::Unit;

pub(super) struct NearSearch<'a> {
    refs: &'a [UnitRef],
    files: &'a [&'a [Unit]],
    threshold: f64,
    /// Per representative (in processing order): its index in `refs` and its shape lines as
    /// ids ordered rarest first.
    order: Vec<(usize, Vec<u32>)>,
    /// Ids below this one are rare lines: at most [`MAX_POSTINGS`] representatives hold them
    /// (ids are numbered rarest first).
    rare_ids: u32,
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
        let rare = distinct.partition_point(|&(f, _)| f as usize <= MAX_POSTINGS);
        let rare_ids = u32::try_from(rare).unwrap_or(u32::MAX);
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
            rare_ids,
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
                let (a, b) = (self.unit(*index), self.unit(*other_index));
                if similarity >= t && !table_like(a, b) && !tables_apart(a, b) {
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

impl NearSearch<'_> {
    /// Gapped near misses: the smaller copy mostly found in the larger (containment
    /// `matching / min(a, b)` at least [`GAPPED_CONTAINMENT`], over at least
    /// [`GAPPED_MIN_MATCHED`] lines), whatever the larger one adds. Units are taken smallest
    /// first; each indexes the prefix it needs as the smaller side (`n - k + 1` rarest lines
    /// for `k` needed matches) and probes with all its lines as the larger side, so a pair is
    /// a candidate only if the smaller's rare prefix meets the larger. Posting lists stop at
    /// [`MAX_POSTINGS`], as in [`Self::run`].
    pub(super) fn run_gapped(&self, sets: &mut UnionFind, stats: &mut Stats) {
        let mut postings: HashMap<u32, Vec<usize>, BuildHasherDefault<IdHasher>> =
            HashMap::default();
        let mut hits: Vec<usize> = Vec::new();
        for (position, (index, set)) in self.order.iter().enumerate() {
            let n = set.len();
            if n < GAPPED_MIN_MATCHED {
                continue;
            }
            hits.clear();
            for id in set {
                hits.extend(postings.get(id).into_iter().flatten().copied());
            }
            hits.sort_unstable();
            hits.dedup();
            stats.candidates += hits.len();
            for &other in &hits {
                let (other_index, other_set) = &self.order[other];
                let (a, b) = (self.unit(*index), self.unit(*other_index));
                // Functions only: an impl block's methods are units of their own.
                if self.refs[*index].file == self.refs[*other_index].file
                    || sets.find(*index) == sets.find(*other_index)
                    || category(&a.item) != 1
                    || category(&b.item) != 1
                {
                    continue;
                }
                let needed = needed_matches(other_set.len(), self.threshold);
                let rare = |ids: &[u32]| ids.partition_point(|&id| id < self.rare_ids);
                let shared_rare = overlap(&set[..rare(set)], &other_set[..rare(other_set)]);
                if overlap(set, other_set) < needed
                    || shared_rare < GAPPED_MIN_RARE
                    || !shares_vocabulary(a, b)
                    || !shares_vocabulary_at(a, b, GAPPED_VOCABULARY)
                    || tables_apart(a, b)
                {
                    continue;
                }
                stats.comparisons += 1;
                let matched = matched_lines(&a.shape, &b.shape);
                if matched >= needed {
                    let dice = (2 * matched) as f64 / (a.shape.len() + b.shape.len()) as f64;
                    sets.union(*index, *other_index, dice);
                }
            }
            let prefix = n + 1 - needed_matches(n, self.threshold).min(n);
            for id in &set[..prefix.min(n)] {
                let list = postings.entry(*id).or_default();
                if list.len() < MAX_POSTINGS {
                    list.push(position);
                }
            }
        }
    }
}

/// A table (a `match` whose arms have one shape: `Command::name`, an error's result code)
/// has few distinct shape lines, and two tables over different enums reach any similarity: a
/// near link between tables also needs [`TABLE_VOCABULARY`] of the smaller one's names.
/// (Gapped links already need 70% of them.)
fn table_like(a: &Unit, b: &Unit) -> bool {
    (is_table(a) || is_table(b)) && !shares_vocabulary_at(a, b, TABLE_VOCABULARY)
}
/// The share of names a near link between tables needs (measured on the labeled set:
/// `docs/dup-report.md`).
const TABLE_VOCABULARY: f64 = 0.5;

/// A gapped copy shares at least this many rare lines (held by at most [`MAX_POSTINGS`]
/// units) with the larger one: containment over common lines only (`let x = y;`, `Ok(())`)
/// is what any two functions built of a few common shapes reach, and such links would chain
/// unrelated functions into one class.
const GAPPED_MIN_RARE: usize = 2;

/// The matched lines a unit of `n` shape lines needs as the smaller side of a gapped copy: a
/// containment of at least [`GAPPED_CONTAINMENT`], or `--similarity` when that is higher.
fn needed_matches(n: usize, threshold: f64) -> usize {
    let containment = GAPPED_CONTAINMENT.max(threshold);
    // The smallest `k` with `k >= containment * n` (no float-to-int cast needed).
    let k = (0..=n)
        .find(|&k| k as f64 >= containment * n as f64)
        .unwrap_or(n);
    k.max(GAPPED_MIN_MATCHED)
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
