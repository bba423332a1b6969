//! From units to clone classes: bucket by fingerprint, search near-miss candidates with a
//! prefix filter, verify only candidates, join copies into N-way classes, then merge overlaps.
//!
//! 1. `exact` and `renamed` copies share a hash: one hash-map pass groups them (linear).
//! 2. `near` copies are searched among one representative per renamed group, with the
//!    all-pairs prefix filter: each unit's shape lines (as a multiset) are ordered rarest
//!    first, and two units can only reach similarity `t` if the first `n - ceil(t n/(2-t)) + 1`
//!    rare lines of each share a line. Only units that share such a rare line are candidates;
//!    a size filter and an overlap bound drop most of them before the diff (`similar`'s Myers)
//!    verifies the rest. A posting list stops growing at [`MAX_POSTINGS`] entries, so a line
//!    that thousands of units share cannot make the search quadratic.
//! 3. Copies joined by any of these links form one class (union-find), with one copy per file.
//! 4. Overlapping classes are merged: strong classes (`exact`, `renamed`) first, larger first,
//!    then `near` ones; a copy inside (or around) an already counted stretch is dropped, so
//!    every stretch of code is counted once, as its strongest kind.

// Line and identifier counts are far below 2^52, so converting them to `f64` is exact.
#![allow(clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::hash::{IdHasher, mix};
use super::units::Unit;

/// Options of the clone search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Units with fewer source lines are ignored.
    pub min_lines: u32,
    /// Near-miss threshold in `0.0..=1.0` on `2 * matching lines / (lines a + lines b)`.
    pub similarity: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_lines: 6,
            similarity: 0.8,
        }
    }
}

/// A posting list of the near-miss index stops growing here (see the module docs).
pub const MAX_POSTINGS: usize = 64;

/// A `renamed` or `near` copy must use at least this share of the distinct identifiers of
/// the smaller copy: a consistent renaming of *every* name (two enums of six variants, two
/// structs of four fields) is a coincidence of shape, not a copy.
pub const MIN_SHARED_VOCABULARY: f64 = 1.0 / 3.0;

/// Copies with one renamed fingerprint but too few shared identifiers form separate groups;
/// at most this many per fingerprint are kept as leaders to join (a bound on the work).
const MAX_LEADERS: usize = 16;

/// True when `a` and `b` share enough identifiers (see [`MIN_SHARED_VOCABULARY`]).
#[must_use]
pub fn shares_vocabulary(a: &Unit, b: &Unit) -> bool {
    let smaller = a.vocabulary.len().min(b.vocabulary.len());
    let shared = overlap(&a.vocabulary, &b.vocabulary);
    shared as f64 >= MIN_SHARED_VOCABULARY * smaller as f64
}

/// The clone kinds, strongest first.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Ord, PartialOrd, Hash)]
pub enum Kind {
    Exact,
    Renamed,
    Near,
}

impl Kind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Exact => "exact",
            Kind::Renamed => "renamed",
            Kind::Near => "near",
        }
    }
}

/// A unit in the input: `files[file][unit]`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Ord, PartialOrd, Hash)]
pub struct UnitRef {
    pub file: usize,
    pub unit: usize,
}

/// One clone: all its copies (one per file), sorted by (file, start line).
#[derive(Clone, Debug, PartialEq)]
pub struct CloneClass {
    pub kind: Kind,
    /// 1.0 for `exact` and `renamed`; for `near`, the weakest link that joined the class.
    pub similarity: f64,
    /// Source lines of the shortest copy.
    pub lines: u32,
    pub copies: Vec<UnitRef>,
}

/// How much work the search did (for the scaling test and `--verbose` figures).
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Stats {
    /// Units at least `min_lines` long.
    pub units: usize,
    /// Unit pairs that shared a rare line and passed the size filter.
    pub candidates: usize,
    /// Pairs whose similarity was computed with a diff.
    pub comparisons: usize,
}

/// Finds the clone classes among `files` (each a file's units, files in report order).
/// Units in the same file are never clones of each other.
#[must_use]
pub fn find_clones(files: &[&[Unit]], options: &Options) -> (Vec<CloneClass>, Stats) {
    let refs: Vec<UnitRef> = files
        .iter()
        .enumerate()
        .flat_map(|(file, units)| {
            units
                .iter()
                .enumerate()
                .filter(|(_, u)| u.lines >= options.min_lines)
                .map(move |(unit, _)| UnitRef { file, unit })
        })
        .collect();
    let unit = |r: UnitRef| &files[r.file][r.unit];
    let mut sets = UnionFind::new(refs.len());
    let mut groups: HashMap<u64, Vec<usize>, BuildHasherDefault<IdHasher>> = HashMap::default();
    let mut representatives = Vec::new();
    for (index, &r) in refs.iter().enumerate() {
        let key = mix(unit(r).renamed, u64::from(category(&unit(r).item)));
        let leaders = groups.entry(key).or_default();
        let joined = leaders
            .iter()
            .find(|&&leader| shares_vocabulary(unit(refs[leader]), unit(r)));
        if let Some(&leader) = joined {
            sets.union(leader, index, 1.0);
        } else {
            if leaders.len() < MAX_LEADERS {
                leaders.push(index);
            }
            representatives.push(index);
        }
    }
    let mut stats = Stats {
        units: refs.len(),
        ..Stats::default()
    };
    if options.similarity <= 1.0 {
        let near = NearSearch::new(&refs, &representatives, files, options.similarity);
        near.run(&mut sets, &mut stats);
    }
    let classes = components(&refs, &mut sets, files);
    (merge_overlaps(classes, files), stats)
}

/// Near-miss candidates are only looked for among units of the same category.
fn category(item: &str) -> u8 {
    match item.split(' ').next() {
        Some("fn") => 1,
        Some("impl") => 2,
        Some("struct" | "enum") => 3,
        Some("trait") => 4,
        Some("const" | "static") => 5,
        _ => 6,
    }
}

struct NearSearch<'a> {
    refs: &'a [UnitRef],
    files: &'a [&'a [Unit]],
    threshold: f64,
    /// Per representative (in processing order): its index in `refs` and its shape lines as
    /// ids ordered rarest first.
    order: Vec<(usize, Vec<u32>)>,
}

impl<'a> NearSearch<'a> {
    fn new(
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

    fn run(&self, sets: &mut UnionFind, stats: &mut Stats) {
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
fn overlap<T: Ord>(a: &[T], b: &[T]) -> usize {
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

/// `2 * matching lines / (lines a + lines b)`, the lines matched by a Myers diff (`similar`).
#[must_use]
pub fn similarity(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, a, b);
    let matched: usize = ops
        .iter()
        .map(|op| match op {
            similar::DiffOp::Equal { len, .. } => *len,
            _ => 0,
        })
        .sum();
    (2 * matched) as f64 / (a.len() + b.len()) as f64
}

/// Union-find that remembers, per set, the weakest link that joined it.
struct UnionFind {
    parent: Vec<usize>,
    weakest: Vec<f64>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
            weakest: vec![1.0; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize, link: f64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        // The smaller index stays the root, so the outcome never depends on hash order.
        let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[child] = root;
        self.weakest[root] = self.weakest[root].min(self.weakest[child]).min(link);
    }
}

/// Classes from the union-find sets: one copy per file (the outermost, then the first).
fn components(refs: &[UnitRef], sets: &mut UnionFind, files: &[&[Unit]]) -> Vec<CloneClass> {
    let mut members: HashMap<usize, Vec<UnitRef>, BuildHasherDefault<IdHasher>> =
        HashMap::default();
    for (index, &r) in refs.iter().enumerate() {
        let root = sets.find(index);
        members.entry(root).or_default().push(r);
    }
    let mut roots: Vec<usize> = members.keys().copied().collect();
    roots.sort_unstable();
    let mut classes = Vec::new();
    for root in roots {
        let mut copies = members.remove(&root).unwrap_or_default();
        copies.sort_by_key(|r| {
            let u = &files[r.file][r.unit];
            (r.file, u.depth, u.start_line)
        });
        copies.dedup_by_key(|r| r.file);
        if copies.len() < 2 {
            continue;
        }
        let similarity = sets.weakest[root];
        classes.push(make_class(copies, similarity, files));
    }
    classes
}

fn make_class(mut copies: Vec<UnitRef>, similarity: f64, files: &[&[Unit]]) -> CloneClass {
    let unit = |r: &UnitRef| &files[r.file][r.unit];
    copies.sort_by_key(|r| (r.file, unit(r).start_line));
    let first = unit(&copies[0]);
    let kind = if copies.iter().all(|r| unit(r).exact == first.exact) {
        Kind::Exact
    } else if copies.iter().all(|r| unit(r).renamed == first.renamed) {
        Kind::Renamed
    } else {
        Kind::Near
    };
    CloneClass {
        kind,
        similarity: if kind == Kind::Near { similarity } else { 1.0 },
        lines: copies.iter().map(|r| unit(r).lines).min().unwrap_or(0),
        copies,
    }
}

/// Counts every stretch once (see the module docs), then sorts by first copy.
fn merge_overlaps(mut classes: Vec<CloneClass>, files: &[&[Unit]]) -> Vec<CloneClass> {
    let unit = |r: &UnitRef| &files[r.file][r.unit];
    classes.sort_by(|a, b| {
        let is_near = |c: &CloneClass| c.kind == Kind::Near;
        (is_near(a), std::cmp::Reverse(a.lines), &a.copies).cmp(&(
            is_near(b),
            std::cmp::Reverse(b.lines),
            &b.copies,
        ))
    });
    let mut counted: HashMap<usize, Vec<(u32, u32)>, BuildHasherDefault<IdHasher>> =
        HashMap::default();
    let mut kept = Vec::new();
    for class in classes {
        let covered = |r: &UnitRef| {
            let u = unit(r);
            counted.get(&r.file).is_some_and(|ranges| {
                ranges
                    .iter()
                    .any(|&(start, end)| start <= u.end_line && u.start_line <= end)
            })
        };
        let (old, new): (Vec<UnitRef>, Vec<UnitRef>) =
            class.copies.iter().partition(|r| covered(r));
        if new.is_empty() || (old.is_empty() && new.len() < 2) {
            continue;
        }
        // One counted copy stays as the anchor the new copies duplicate.
        let copies: Vec<UnitRef> = old.into_iter().take(1).chain(new).collect();
        if copies.len() < 2 {
            continue;
        }
        for r in &copies {
            let u = unit(r);
            counted
                .entry(r.file)
                .or_default()
                .push((u.start_line, u.end_line));
        }
        kept.push(make_class(copies, class.similarity, files));
    }
    kept.sort_by_key(|c| {
        (
            c.copies[0].file,
            unit(&c.copies[0]).start_line,
            c.copies.clone(),
        )
    });
    kept
}
