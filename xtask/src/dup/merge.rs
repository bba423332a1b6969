//! Overlap merging: which lines each class counts, apart from which copies it shows.
//!
//! Every line of code is counted once, as its strongest kind: classes are taken strongest first
//! (`exact` and `renamed`, then `near`), larger first, and a copy counts only its lines not
//! counted yet (none when it lies inside a counted copy, its lines less those of the counted
//! copies inside it). That decides `lines` and `duplicated_lines`, never the copies: a class
//! keeps every copy it was found with, with a flag saying whether the copy adds lines. The one
//! class dropped is one that says nothing new: every copy inside a copy of one `exact` or
//! `renamed` class already kept, at the same offset (the methods of an impl block copied
//! whole).
//!
//! Units nest as a tree (an impl block and its methods), so "inside" is "a descendant of", and
//! each question walks a unit's few ancestors or its own descendants, never the whole file.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::classes::{CloneClass, Kind, UnitRef, make_class};
use super::hash::IdHasher;
use super::units::Unit;

type Map<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Each unit's parent (the unit it lies in), per file.
fn parents(files: &[&[Unit]]) -> Vec<Vec<Option<usize>>> {
    files
        .iter()
        .map(|units| {
            let mut stack: Vec<usize> = Vec::new();
            units
                .iter()
                .enumerate()
                .map(|(index, unit)| {
                    while stack
                        .last()
                        .is_some_and(|&top| units[top].depth >= unit.depth)
                    {
                        stack.pop();
                    }
                    let parent = stack.last().copied();
                    stack.push(index);
                    parent
                })
                .collect()
        })
        .collect()
}

struct Merger<'a> {
    files: &'a [&'a [Unit]],
    parents: Vec<Vec<Option<usize>>>,
    /// Counted units, with the index (in `kept`) of the class that counted them.
    counted: Map<UnitRef, usize>,
}

impl Merger<'_> {
    fn unit(&self, r: UnitRef) -> &Unit {
        &self.files[r.file][r.unit]
    }

    fn ancestors(&self, r: UnitRef) -> impl Iterator<Item = UnitRef> + '_ {
        std::iter::successors(self.parents[r.file][r.unit], move |&p| {
            self.parents[r.file][p]
        })
        .map(move |unit| UnitRef { file: r.file, unit })
    }

    /// The lines of `r` not counted yet (see the module docs).
    fn uncounted(&self, r: UnitRef) -> u32 {
        if self.counted.contains_key(&r) || self.ancestors(r).any(|a| self.counted.contains_key(&a))
        {
            return 0;
        }
        let units = self.files[r.file];
        let depth = units[r.unit].depth;
        let mut lines = units[r.unit].lines;
        let mut next = r.unit + 1;
        while next < units.len() && units[next].depth > depth {
            let inner = UnitRef {
                file: r.file,
                unit: next,
            };
            next += 1;
            if self.counted.contains_key(&inner) {
                lines = lines.saturating_sub(units[inner.unit].lines);
                // Skip what lies inside the counted unit: it is counted with it.
                let inner_depth = units[inner.unit].depth;
                while next < units.len() && units[next].depth > inner_depth {
                    next += 1;
                }
            }
        }
        lines
    }

    /// True when every copy lies inside a copy of one kept `exact` or `renamed` class, at the
    /// same line offset from it.
    fn implied(&self, class: &CloneClass, kept: &[CloneClass]) -> bool {
        let containers = |r: UnitRef| {
            self.ancestors(r)
                .filter_map(|a| Some((*self.counted.get(&a)?, a)))
                .filter(|&(k, _)| kept[k].kind != Kind::Near)
                .collect::<Vec<(usize, UnitRef)>>()
        };
        let first = containers(class.copies[0]);
        first.iter().any(|&(k, outer)| {
            let offset = self.unit(class.copies[0]).start_line - self.unit(outer).start_line;
            class.copies[1..].iter().all(|&r| {
                containers(r).iter().any(|&(other, o)| {
                    other == k && self.unit(r).start_line - self.unit(o).start_line == offset
                })
            })
        })
    }
}

/// Counts every line once and drops only the classes that say nothing new (see the module
/// docs), then sorts by first copy.
pub(super) fn merge_overlaps(
    mut classes: Vec<CloneClass>,
    files: &[&[Unit]],
    min_lines: u32,
) -> Vec<CloneClass> {
    classes.sort_by(|a, b| {
        let is_near = |c: &CloneClass| c.kind == Kind::Near;
        (is_near(a), std::cmp::Reverse(a.lines), &a.copies).cmp(&(
            is_near(b),
            std::cmp::Reverse(b.lines),
            &b.copies,
        ))
    });
    let mut state = Merger {
        files,
        parents: parents(files),
        counted: Map::default(),
    };
    let mut kept: Vec<CloneClass> = Vec::new();
    for class in classes {
        let uncounted: Vec<u32> = class.copies.iter().map(|&r| state.uncounted(r)).collect();
        let is_new: Vec<bool> = uncounted.iter().map(|&u| u >= min_lines.max(1)).collect();
        let new = is_new.iter().filter(|&&n| n).count();
        let old_lines = class
            .copies
            .iter()
            .zip(&is_new)
            .filter(|(_, n)| !**n)
            .map(|(&r, _)| state.unit(r).lines)
            .min();
        // A counted copy is the anchor the new copies duplicate; without one, one new copy is
        // the original. No more lines are counted than the shortest copy has.
        let adding = if old_lines.is_some() {
            new
        } else {
            new.saturating_sub(1)
        };
        let lines = if adding == 0 {
            0
        } else {
            let fewest = uncounted.iter().zip(&is_new).filter(|(_, n)| **n);
            let fewest = fewest.map(|(&u, _)| u).min().unwrap_or(0);
            fewest.min(old_lines.unwrap_or(u32::MAX))
        };
        if adding == 0 && state.implied(&class, &kept) {
            continue;
        }
        let index = kept.len();
        for &r in &class.copies {
            state.counted.entry(r).or_insert(index);
        }
        let mut new_copies: Vec<UnitRef> = (class.copies.iter().zip(&is_new))
            .filter(|(_, n)| **n && adding > 0)
            .map(|(&r, _)| r)
            .collect();
        new_copies.sort_unstable();
        let mut merged = make_class(class.copies, class.similarity, files);
        merged.lines = lines;
        merged.duplicated_lines = u64::try_from(adding).unwrap_or(u64::MAX) * u64::from(lines);
        merged.counted = (merged.copies.iter())
            .map(|r| new_copies.binary_search(r).is_ok())
            .collect();
        kept.push(merged);
    }
    let unit = |r: &UnitRef| &files[r.file][r.unit];
    kept.sort_by_key(|c| {
        (
            c.copies[0].file,
            unit(&c.copies[0]).start_line,
            c.copies.clone(),
        )
    });
    kept
}
