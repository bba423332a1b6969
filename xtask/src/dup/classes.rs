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
//! 3. Copies joined by any of these links form one class (union-find): every copy, several in
//!    one file if need be, but never one inside another (an impl block and its method).
//! 4. Overlapping classes are merged ([`super::merge`]): every line is counted once, as its
//!    strongest kind, and every copy stays listed.

// Line and identifier counts are far below 2^52, so converting them to `f64` is exact.
#![allow(clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::hash::{IdHasher, mix};
use super::near::overlap;
use super::tables::tables_apart;
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

/// A gapped near miss: at least this share of the smaller copy's shape lines is matched in
/// the larger one (whose similarity may be below `--similarity`: it adds statements) ...
pub const GAPPED_CONTAINMENT: f64 = 0.8;
/// ... over at least this many matched lines ...
pub const GAPPED_MIN_MATCHED: usize = 6;
/// ... and the smaller copy uses mostly names of the larger one (containment alone matches
/// every `Display` impl of an error enum with every other).
pub const GAPPED_VOCABULARY: f64 = 0.7;

/// True when `a` and `b` share enough identifiers (see [`MIN_SHARED_VOCABULARY`]).
#[must_use]
pub fn shares_vocabulary(a: &Unit, b: &Unit) -> bool {
    shares_vocabulary_at(a, b, MIN_SHARED_VOCABULARY)
}

/// True when `a` and `b`, equal after consistent renaming (a bijection of their identifiers),
/// are renamed copies: functions always (a bijection that maps a whole function body onto
/// another, statement for statement, is strong evidence even when every name changed, as in
/// `insert_hold` / `insert_operation`), other items only when they also share vocabulary (two
/// enums of six variants, two structs of four fields are a coincidence of shape).
#[must_use]
pub fn renamed_link(a: &Unit, b: &Unit) -> bool {
    !tables_apart(a, b)
        && ((category(&a.item) == 1 && category(&b.item) == 1) || shares_vocabulary(a, b))
}

/// True when `a` and `b` share at least `share` of the smaller one's distinct identifiers.
#[must_use]
pub fn shares_vocabulary_at(a: &Unit, b: &Unit, share: f64) -> bool {
    let smaller = a.vocabulary.len().min(b.vocabulary.len());
    let shared = overlap(&a.vocabulary, &b.vocabulary);
    shared as f64 >= share * smaller as f64
}

/// The clone kinds, strongest first. Serialized as in the JSON report (`"exact"`, ...).
#[derive(Clone, Copy, Debug, Eq, PartialEq, Ord, PartialOrd, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
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

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// The lines each counted copy adds: those of the shortest copy, less what a stronger or
    /// larger class already counts (0 when every line is counted elsewhere).
    pub lines: u32,
    /// Every copy, sorted by (file, start line); several may lie in one file, never one inside
    /// another.
    pub copies: Vec<UnitRef>,
    /// Per copy: whether it adds lines to the totals (see [`super::merge`]).
    pub counted: Vec<bool>,
    /// The lines this class adds to the totals: `lines` times the copies that add them.
    pub duplicated_lines: u64,
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
/// A class spans at least two files; the near-miss search compares units of different files
/// only, exact and renamed copies may also share a file.
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
            .find(|&&leader| renamed_link(unit(refs[leader]), unit(r)));
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
        let near = super::near::NearSearch::new(&refs, &representatives, files, options.similarity);
        near.run(&mut sets, &mut stats);
        near.run_gapped(&mut sets, &mut stats);
    }
    let classes = components(&refs, &mut sets, files);
    (
        super::merge::merge_overlaps(classes, files, options.min_lines),
        stats,
    )
}

/// Near-miss candidates are only looked for among units of the same category.
pub(super) fn category(item: &str) -> u8 {
    match item.split(' ').next() {
        Some("fn") => 1,
        Some("impl") => 2,
        Some("struct" | "enum") => 3,
        Some("trait") => 4,
        Some("const" | "static") => 5,
        _ => 6,
    }
}

/// `2 * matching lines / (lines a + lines b)`, the lines matched by a Myers diff (`similar`).
#[must_use]
pub fn similarity(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    (2 * matched_lines(a, b)) as f64 / (a.len() + b.len()) as f64
}

/// The lines a Myers diff (`similar`) matches between `a` and `b`.
#[must_use]
pub fn matched_lines(a: &[u64], b: &[u64]) -> usize {
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, a, b);
    ops.iter()
        .map(|op| match op {
            similar::DiffOp::Equal { len, .. } => *len,
            _ => 0,
        })
        .sum()
}

/// Union-find that remembers, per set, the weakest link that joined it.
pub(super) struct UnionFind {
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

    pub(super) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    pub(super) fn union(&mut self, a: usize, b: usize, link: f64) {
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

/// Classes from the union-find sets: every copy but those inside another copy, in at least two
/// files.
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
        // Distinct copies in one file are distinct copies; one inside another (an impl block
        // and its method) is one copy, the outer one. Units nest, so after sorting by start
        // (outer first) a copy lies inside an earlier one exactly when it ends before the
        // furthest end seen in its file.
        copies.sort_by_key(|r| {
            let u = &files[r.file][r.unit];
            (r.file, u.start_line, std::cmp::Reverse(u.end_line), u.depth)
        });
        let mut reach: Option<(usize, u32)> = None;
        copies.retain(|r| {
            let u = &files[r.file][r.unit];
            let inside = reach.is_some_and(|(file, end)| file == r.file && u.end_line <= end);
            if !inside {
                reach = Some((r.file, u.end_line));
            }
            !inside
        });
        if copies.iter().all(|r| r.file == copies[0].file) {
            continue;
        }
        let similarity = sets.weakest[root];
        classes.push(make_class(copies, similarity, files));
    }
    classes
}

pub(super) fn make_class(
    mut copies: Vec<UnitRef>,
    similarity: f64,
    files: &[&[Unit]],
) -> CloneClass {
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
    let lines = copies.iter().map(|r| unit(r).lines).min().unwrap_or(0);
    let others = u64::try_from(copies.len().saturating_sub(1)).unwrap_or(u64::MAX);
    CloneClass {
        kind,
        similarity: if kind == Kind::Near { similarity } else { 1.0 },
        lines,
        counted: vec![true; copies.len()],
        duplicated_lines: others * u64::from(lines),
        copies,
    }
}

#[cfg(test)]
#[path = "classes_tests.rs"]
mod tests;
