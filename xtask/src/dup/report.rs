//! The report: JSON schema 1 as Rust types (field order is key order), built from the clone
//! classes, plus the summary (totals, per engine pair, per module) and the baseline delta.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Context;
use serde::Serialize;

pub use super::classes::Kind;

/// The whole report (`--format json` prints exactly this).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    pub schema: u32,
    /// The detector that measured it ([`super::DETECTOR_VERSION`]).
    pub detector_version: u32,
    pub roots: Vec<RootEntry>,
    pub files_scanned: usize,
    pub lines_scanned: usize,
    pub clones: Vec<CloneEntry>,
    pub summary: Summary,
    pub parse_errors: Vec<ParseErrorEntry>,
    pub baseline: Option<Baseline>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RootEntry {
    pub name: String,
    pub path: String,
}

/// One clone class as the report lists it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CloneEntry {
    pub id: String,
    pub kind: Kind,
    pub similarity: f64,
    pub lines: u32,
    /// `lines` times the copies that add lines: `(copies - 1) * lines` unless some copies
    /// are already counted in a stronger or larger clone.
    pub duplicated_lines: u64,
    pub category: Category,
    pub module: String,
    /// The number of copies, present only when `locations` lists the first
    /// [`MAX_LISTED_COPIES`] of them (a class of thousands of generated copies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copies: Option<usize>,
    pub locations: Vec<Location>,
}

/// A class lists at most this many copies (its first, in report order); `copies` then gives the
/// count. The one exception to "every copy is listed": a class of a hundred thousand copies
/// would otherwise cost more memory and output than every other line of the report together.
/// The totals still count every copy.
pub const MAX_LISTED_COPIES: usize = 1000;

/// Whether a clone is runtime substrate (every copy in a module the map calls runtime) or
/// domain code. Serialized as in the JSON report (`"runtime"`, `"domain"`).
#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Runtime,
    Domain,
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Category::Runtime => "runtime",
            Category::Domain => "domain",
        })
    }
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Location {
    pub root: String,
    pub file: String,
    pub item: String,
    pub start_line: u32,
    pub end_line: u32,
    /// For a gapped near clone only: the line ranges of this copy that the diff matches
    /// (see `docs/dup-report.md`, "Matched ranges").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<[u32; 2]>,
    /// The file on disk (for the side-by-side views); not part of the JSON.
    #[serde(skip)]
    pub path: PathBuf,
    /// The module (file stem) of the file; not part of the JSON.
    #[serde(skip)]
    pub module: String,
    /// Whether this copy adds lines to the totals (a copy already counted in a stronger or
    /// larger clone is still listed); not part of the JSON.
    #[serde(skip)]
    pub counted: bool,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub duplicated_lines: u64,
    pub runtime_duplicated_lines: u64,
    pub domain_duplicated_lines: u64,
    /// Lines of classes with a copy under the runtime crate and a copy outside it, whatever
    /// the files are called: code copied back out of the runtime (0 when no runtime is scanned).
    pub runtime_copied_lines: u64,
    pub by_pair: Vec<PairEntry>,
    pub by_module: Vec<ModuleEntry>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PairEntry {
    pub a: String,
    pub b: String,
    pub duplicated_lines: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ModuleEntry {
    pub module: String,
    pub roots: Vec<String>,
    pub duplicated_lines: u64,
}

/// A file that does not parse, as the front end reports it (one type, not a copy).
pub type ParseErrorEntry = crate::source::ParseError;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Baseline {
    #[serde(rename = "ref")]
    pub reference: String,
    /// The detector that measured the baseline side.
    pub detector_version: u32,
    pub duplicated_lines: u64,
    pub runtime_duplicated_lines: u64,
    pub delta: Delta,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Delta {
    pub duplicated_lines: i64,
    pub runtime_duplicated_lines: i64,
    pub by_module: Vec<Change>,
    pub by_pair: Vec<PairChange>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Change {
    pub module: String,
    pub before: u64,
    pub after: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PairChange {
    pub a: String,
    pub b: String,
    pub before: u64,
    pub after: u64,
}

/// Computes the summary; `root_order` ranks root names (pairs list the earlier root as `a`).
#[must_use]
pub fn summarize(
    clones: &[CloneEntry],
    root_order: &[String],
    runtime_root: Option<&str>,
) -> Summary {
    let rank = |name: &str| {
        root_order
            .iter()
            .position(|r| r == name)
            .unwrap_or(usize::MAX)
    };
    let mut summary = Summary::default();
    let mut pairs: BTreeMap<(usize, usize, String, String), u64> = BTreeMap::new();
    let mut modules: BTreeMap<String, (BTreeSet<(usize, String)>, u64)> = BTreeMap::new();
    for clone in clones {
        summary.duplicated_lines += clone.duplicated_lines;
        if clone.category == Category::Runtime {
            summary.runtime_duplicated_lines += clone.duplicated_lines;
        } else {
            summary.domain_duplicated_lines += clone.duplicated_lines;
        }
        if let Some(runtime) = runtime_root
            && clone.locations.iter().any(|l| l.root == runtime)
            && clone.locations.iter().any(|l| l.root != runtime)
        {
            summary.runtime_copied_lines += clone.duplicated_lines;
        }
        if clone.duplicated_lines == 0 {
            continue;
        }
        add_pairs(&mut pairs, clone, &rank);
        let entry = modules.entry(clone.module.clone()).or_default();
        entry.1 += clone.duplicated_lines;
        for location in &clone.locations {
            entry
                .0
                .insert((rank(&location.root), location.root.clone()));
        }
    }
    summary.by_pair = pairs
        .into_iter()
        .map(|((_, _, a, b), duplicated_lines)| PairEntry {
            a,
            b,
            duplicated_lines,
        })
        .collect();
    summary.by_module = modules
        .into_iter()
        .map(|(module, (roots, duplicated_lines))| ModuleEntry {
            module,
            roots: roots.into_iter().map(|(_, name)| name).collect(),
            duplicated_lines,
        })
        .collect();
    summary
}

/// Adds a clone's lines to `pairs` for every pair of its copies (keyed by root rank and name,
/// the earlier root first), except a pair of copies both counted elsewhere. Counted from copies
/// per root, not pair by pair: a class may list many copies (a helper repeated in one file).
fn add_pairs(
    pairs: &mut BTreeMap<(usize, usize, String, String), u64>,
    clone: &CloneEntry,
    rank: &dyn Fn(&str) -> usize,
) {
    let mut per_root: BTreeMap<(usize, &String), (u64, u64)> = BTreeMap::new();
    for location in &clone.locations {
        let entry = per_root
            .entry((rank(&location.root), &location.root))
            .or_default();
        if location.counted {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    let per_root: Vec<_> = per_root.into_iter().collect();
    let lines = u64::from(clone.lines);
    for (i, &((rank_a, a), (counted_a, other_a))) in per_root.iter().enumerate() {
        let within = counted_a * counted_a.saturating_sub(1) / 2 + counted_a * other_a;
        if within > 0 {
            *pairs
                .entry((rank_a, rank_a, a.clone(), a.clone()))
                .or_default() += within * lines;
        }
        for &((rank_b, b), (counted_b, other_b)) in &per_root[i + 1..] {
            let across = counted_a * (counted_b + other_b) + other_a * counted_b;
            if across > 0 {
                *pairs
                    .entry((rank_a, rank_b, a.clone(), b.clone()))
                    .or_default() += across * lines;
            }
        }
    }
}

/// The baseline figures read from an earlier report (a JSON document of schema 1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaselineFigures {
    /// The detector that measured them (1 for reports older than the field).
    pub detector_version: u32,
    pub duplicated_lines: u64,
    pub runtime_duplicated_lines: u64,
    pub by_module: BTreeMap<String, u64>,
    pub by_pair: BTreeMap<(String, String), u64>,
}

impl BaselineFigures {
    /// The figures of a report computed in this run.
    #[must_use]
    pub fn of(summary: &Summary) -> BaselineFigures {
        BaselineFigures {
            detector_version: super::DETECTOR_VERSION,
            duplicated_lines: summary.duplicated_lines,
            runtime_duplicated_lines: summary.runtime_duplicated_lines,
            by_module: summary
                .by_module
                .iter()
                .map(|m| (m.module.clone(), m.duplicated_lines))
                .collect(),
            by_pair: summary
                .by_pair
                .iter()
                .map(|p| ((p.a.clone(), p.b.clone()), p.duplicated_lines))
                .collect(),
        }
    }

    /// Parses an earlier JSON report; `name` is how errors refer to it.
    ///
    /// # Errors
    /// Not JSON, not schema 1, a `detector_version` that is not a number, or a summary field
    /// missing.
    pub fn parse(text: &str, name: &str) -> anyhow::Result<BaselineFigures> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|error| {
            anyhow::anyhow!("{name}:{}: not a JSON report: {error}", error.line())
        })?;
        anyhow::ensure!(
            value.get("schema").and_then(serde_json::Value::as_u64) == Some(1),
            "{name}: not a dup-report JSON document of schema 1"
        );
        let summary = value
            .get("summary")
            .with_context(|| format!("{name}: no `summary` in the baseline report"))?;
        let number = |v: &serde_json::Value, key: &str| {
            v.get(key)
                .and_then(serde_json::Value::as_u64)
                .with_context(|| format!("{name}: `{key}` missing or not a number"))
        };
        let text_of = |v: &serde_json::Value, key: &str| {
            v.get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .with_context(|| format!("{name}: `{key}` missing or not a string"))
        };
        let list = |key: &str| {
            summary
                .get(key)
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let detector_version = match value.get("detector_version") {
            None => 1,
            Some(v) => v
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .with_context(|| format!("{name}: `detector_version` is not a number"))?,
        };
        let mut figures = BaselineFigures {
            detector_version,
            duplicated_lines: number(summary, "duplicated_lines")?,
            runtime_duplicated_lines: number(summary, "runtime_duplicated_lines")?,
            ..BaselineFigures::default()
        };
        for entry in list("by_module") {
            let lines = number(&entry, "duplicated_lines")?;
            figures.by_module.insert(text_of(&entry, "module")?, lines);
        }
        for entry in list("by_pair") {
            let key = (text_of(&entry, "a")?, text_of(&entry, "b")?);
            figures
                .by_pair
                .insert(key, number(&entry, "duplicated_lines")?);
        }
        Ok(figures)
    }

    /// The `baseline` object of a report whose summary is `after`.
    #[must_use]
    pub fn compare(&self, reference: String, after: &Summary) -> Baseline {
        let now = BaselineFigures::of(after);
        let signed = |after: u64, before: u64| {
            i64::try_from(after).unwrap_or(i64::MAX) - i64::try_from(before).unwrap_or(i64::MAX)
        };
        let modules: BTreeSet<&String> =
            self.by_module.keys().chain(now.by_module.keys()).collect();
        let pairs: BTreeSet<&(String, String)> =
            self.by_pair.keys().chain(now.by_pair.keys()).collect();
        Baseline {
            reference,
            detector_version: self.detector_version,
            duplicated_lines: self.duplicated_lines,
            runtime_duplicated_lines: self.runtime_duplicated_lines,
            delta: Delta {
                duplicated_lines: signed(now.duplicated_lines, self.duplicated_lines),
                runtime_duplicated_lines: signed(
                    now.runtime_duplicated_lines,
                    self.runtime_duplicated_lines,
                ),
                by_module: modules
                    .into_iter()
                    .map(|m| Change {
                        module: m.clone(),
                        before: self.by_module.get(m).copied().unwrap_or(0),
                        after: now.by_module.get(m).copied().unwrap_or(0),
                    })
                    .collect(),
                by_pair: pairs
                    .into_iter()
                    .map(|p| PairChange {
                        a: p.0.clone(),
                        b: p.1.clone(),
                        before: self.by_pair.get(p).copied().unwrap_or(0),
                        after: now.by_pair.get(p).copied().unwrap_or(0),
                    })
                    .collect(),
            },
        }
    }
}

/// Rounds a similarity for printing (three decimals, so reports are stable).
#[must_use]
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).floor() / 1000.0
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
