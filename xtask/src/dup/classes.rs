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
//!    then `near` ones; a copy counts only its lines not counted yet (none when it lies inside
//!    a counted stretch, its lines less those of counted stretches inside it), so every line of
//!    code is counted once, as its strongest kind.

// Line and identifier counts are far below 2^52, so converting them to `f64` is exact.
#![allow(clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::hash::{IdHasher, mix};
use super::near::overlap;
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
        let near = super::near::NearSearch::new(&refs, &representatives, files, options.similarity);
        near.run(&mut sets, &mut stats);
    }
    let classes = components(&refs, &mut sets, files);
    (merge_overlaps(classes, files, options.min_lines), stats)
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

/// The stretches of one file already counted: `(start line, end line, source lines)` of each
/// counted copy.
type Counted = Vec<(u32, u32, u32)>;

/// The source lines of `unit` not yet counted: 0 when it lies inside (or crosses) a counted
/// stretch, else its lines less those of the outermost counted stretches inside it (units
/// nest, so their line counts can be subtracted).
fn uncounted_lines(unit: &Unit, counted: Option<&Counted>) -> u32 {
    let Some(counted) = counted else {
        return unit.lines;
    };
    let (start, end) = (unit.start_line, unit.end_line);
    let overlapping = counted.iter().filter(|&&(s, e, _)| s <= end && start <= e);
    let mut inside: Vec<(u32, u32, u32)> = Vec::new();
    for &(s, e, lines) in overlapping {
        if !(start <= s && e <= end) || (s, e) == (start, end) {
            return 0;
        }
        inside.push((s, e, lines));
    }
    let outermost = inside.iter().filter(|&&(s, e, _)| {
        !inside
            .iter()
            .any(|&(os, oe, _)| (os, oe) != (s, e) && os <= s && e <= oe)
    });
    let mut seen = Vec::new();
    let mut lines = unit.lines;
    for &(s, e, counted_lines) in outermost {
        if !seen.contains(&(s, e)) {
            seen.push((s, e));
            lines = lines.saturating_sub(counted_lines);
        }
    }
    lines
}

/// Counts every stretch once (see the module docs), then sorts by first copy.
///
/// Classes are taken strongest first (`exact` and `renamed`, then `near`), larger first. Each
/// copy's lines not yet counted decide: a copy with fewer than `min_lines` of them is already
/// counted (at most one such copy stays, as the anchor the new copies duplicate); the class
/// counts the fewest uncounted lines of its new copies (at most the anchor's lines), so a line
/// counted in a stronger or larger class is never counted again.
fn merge_overlaps(
    mut classes: Vec<CloneClass>,
    files: &[&[Unit]],
    min_lines: u32,
) -> Vec<CloneClass> {
    let unit = |r: &UnitRef| &files[r.file][r.unit];
    classes.sort_by(|a, b| {
        let is_near = |c: &CloneClass| c.kind == Kind::Near;
        (is_near(a), std::cmp::Reverse(a.lines), &a.copies).cmp(&(
            is_near(b),
            std::cmp::Reverse(b.lines),
            &b.copies,
        ))
    });
    let mut counted: HashMap<usize, Counted, BuildHasherDefault<IdHasher>> = HashMap::default();
    let mut kept = Vec::new();
    for class in classes {
        let mut old = Vec::new();
        let mut new = Vec::new();
        let mut lines = u32::MAX;
        for r in &class.copies {
            let uncounted = uncounted_lines(unit(r), counted.get(&r.file));
            if uncounted >= min_lines.max(1) {
                new.push(*r);
                lines = lines.min(uncounted);
            } else {
                old.push(*r);
            }
        }
        // One counted copy stays as the anchor the new copies duplicate; as in every class,
        // no more lines are counted than the shortest copy has.
        if let Some(anchor) = old.first() {
            lines = lines.min(unit(anchor).lines);
        }
        let copies: Vec<UnitRef> = old.into_iter().take(1).chain(new).collect();
        if copies.len() < 2 || lines == u32::MAX {
            continue;
        }
        for r in &copies {
            let u = unit(r);
            counted
                .entry(r.file)
                .or_default()
                .push((u.start_line, u.end_line, u.lines));
        }
        let mut merged = make_class(copies, class.similarity, files);
        merged.lines = lines;
        kept.push(merged);
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

#[cfg(test)]
#[path = "classes_tests.rs"]
mod tests;
