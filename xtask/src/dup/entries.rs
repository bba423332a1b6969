//! From clone classes to the report's entries: locations with their roots and files, the
//! category, the bounded copy list ([`MAX_LISTED_COPIES`]) and the matched ranges of gapped
//! near clones.

use std::collections::BTreeSet;

use super::ScanInput;
use super::classes::{CloneClass, Kind, UnitRef};
use super::report::{self, CloneEntry, MAX_LISTED_COPIES};
use super::units::Unit;
use crate::source::FileInput;

impl CloneEntry {
    /// All copies, listed or not.
    #[must_use]
    pub fn copy_count(&self) -> usize {
        self.copies.unwrap_or(self.locations.len())
    }

    /// Keeps the first [`MAX_LISTED_COPIES`] locations (call it once the summary is made).
    pub fn cut_listed_copies(&mut self) {
        if self.locations.len() > MAX_LISTED_COPIES {
            self.copies = Some(self.locations.len());
            self.locations.truncate(MAX_LISTED_COPIES);
            self.locations.shrink_to_fit();
        }
    }
}

/// The report entries of `classes`, every copy listed (the summary is made from them before
/// [`CloneEntry::cut_listed_copies`]); `files` are the scanned files with their units, and the
/// same units as the matcher saw them.
pub(super) fn to_clones(
    classes: &[CloneClass],
    files: &[(FileInput, Vec<Unit>)],
    units: &[&[Unit]],
    input: &ScanInput<'_>,
    runtime: &BTreeSet<&str>,
) -> Vec<CloneEntry> {
    classes
        .iter()
        .enumerate()
        .map(|(index, class)| {
            let mut matched = matched_ranges(class, units, input.options.similarity).into_iter();
            let locations: Vec<report::Location> = class
                .copies
                .iter()
                .zip(&class.counted)
                .map(|(r, &counted)| {
                    let (file, units) = &files[r.file];
                    let unit = &units[r.unit];
                    report::Location {
                        root: input.roots[file.root].name.clone(),
                        file: file.display.clone(),
                        item: unit.item.clone(),
                        start_line: unit.start_line,
                        end_line: unit.end_line,
                        matched: matched.next().unwrap_or_default(),
                        path: file.path.clone(),
                        module: file.module.clone(),
                        counted,
                    }
                })
                .collect();
            let all_runtime = locations
                .iter()
                .all(|l| runtime.contains(l.module.as_str()));
            CloneEntry {
                id: format!("C{}", index + 1),
                kind: class.kind,
                similarity: report::round3(class.similarity),
                lines: class.lines,
                duplicated_lines: class.duplicated_lines,
                category: if all_runtime {
                    report::Category::Runtime
                } else {
                    report::Category::Domain
                },
                module: locations[0].module.clone(),
                copies: None,
                locations,
            }
        })
        .collect()
}

/// For a gapped near clone (a `near` class joined by a link below `threshold`: a copy with
/// added statements), the line ranges of each listed copy that the diff matches: every copy
/// against the copy with the fewest shape lines (the one the others contain), and that copy
/// against the next smallest. Empty for every other class.
fn matched_ranges(class: &CloneClass, files: &[&[Unit]], threshold: f64) -> Vec<Vec<[u32; 2]>> {
    if class.kind != Kind::Near || class.similarity >= threshold || class.copies.len() < 2 {
        return Vec::new();
    }
    let unit = |r: &UnitRef| &files[r.file][r.unit];
    let listed = &class.copies[..class.copies.len().min(MAX_LISTED_COPIES)];
    let by_size = |skip: Option<usize>| {
        (0..class.copies.len())
            .filter(|&i| Some(i) != skip)
            .min_by_key(|&i| (unit(&class.copies[i]).shape.len(), i))
    };
    let (Some(smallest), Some(partner)) = (by_size(None), by_size(by_size(None))) else {
        return Vec::new();
    };
    let reference = unit(&class.copies[smallest]);
    listed
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i == smallest {
                let other = unit(&class.copies[partner]);
                runs(reference, other, true)
            } else {
                runs(reference, unit(r), false)
            }
        })
        .collect()
}

/// The lines of `a` (`of_a`) or of `b` that a Myers diff of their shapes matches, as source
/// line ranges: one range per run of consecutive shape lines of that copy (lines the other
/// copy adds do not cut a run; lines this copy adds do).
fn runs(a: &Unit, b: &Unit, of_a: bool) -> Vec<[u32; 2]> {
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &a.shape, &b.shape);
    let lines = if of_a { &a.shape_lines } else { &b.shape_lines };
    // Runs of matched shape indices of the chosen side, joined where they touch.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for op in &ops {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = *op
        {
            let first = if of_a { old_index } else { new_index };
            match spans.last_mut() {
                Some(last) if last.1 == first => last.1 = first + len,
                _ => spans.push((first, first + len)),
            }
        }
    }
    spans
        .iter()
        .filter(|(first, end)| end > first)
        .filter_map(|&(first, end)| Some([*lines.get(first)?, *lines.get(end - 1)?]))
        .collect()
}
