//! `ownership-table`: the note's ownership table, the contract's `[modules] extracted` and
//! `[modules] support` lists, and the runtime's public modules name the same modules.
//!
//! The table is recognised in the note (a markdown file) as follows, and nothing else counts:
//!
//! - the section is the first heading, outside fenced code blocks, whose text equals the rule's
//!   `heading` (any level, `#` to `######`); it ends at the next heading of the same or a higher
//!   level;
//! - the table is the first markdown table of that section: a line starting with `|`, followed
//!   by a delimiter line (`|---|---|`); its body is every following line starting with `|`;
//! - each body row's first cell must be `` `runtime::<module>` `` (a lowercase `snake_case`
//!   name); a row of another shape, or a second row for the same module, is a finding.
//!
//! The runtime's public modules are the top-level `pub mod` declarations (not `pub(crate)`) of
//! `<runtime>/src/lib.rs`, whatever their `#[cfg]`, as `syn` parsed them for the other rules:
//! the test kit, `#[cfg(any(test, feature = "testkit"))] pub mod testkit;`, counts.

use std::path::Path;

use anyhow::Context;

use crate::contract_file::ContractFile;

use super::Violation;
use super::crates::SourceFile;
use super::facts::Pos;
use super::rules::Scope;

/// One row of the ownership table: the module its first cell names, and its line in the note.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Row {
    pub module: String,
    pub line: usize,
}

/// A place where the note cannot be read as an ownership table, and why.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// The ownership table of a note.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Table {
    /// Whether the heading and a table under it were found; when not, the rows are not
    /// compared (the one problem says why).
    pub found: bool,
    /// The line of the heading the table sits under (findings about a missing row go there).
    pub heading_line: usize,
    pub rows: Vec<Row>,
    /// Rows of the wrong shape, repeated rows, or no heading or no table at all.
    pub problems: Vec<Problem>,
}

/// Where a drift is reported.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Place {
    /// In the note, at this line.
    Note(usize),
    /// In the runtime's `src/lib.rs`, at this position.
    LibRs(Pos),
}

/// One module that one side names and another does not.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Drift {
    pub module: String,
    pub place: Place,
    pub message: String,
}

/// How the three sides are named in messages.
pub struct Names<'a> {
    pub note: &'a str,
    pub heading: &'a str,
    pub lib_rs: &'a str,
}

/// A heading line: its level and its text, or `None`.
fn heading_of(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    let rest = &trimmed[level..];
    let spaced = rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t');
    ((1..=6).contains(&level) && spaced).then(|| (level, rest.trim().trim_end_matches('#').trim()))
}

/// The lines of `text` outside fenced code blocks, numbered from 1.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
        } else if !fenced {
            out.push((index + 1, line));
        }
    }
    out
}

fn is_delimiter(line: &str) -> bool {
    let inner = line.trim().trim_matches('|');
    inner.contains('-')
        && inner
            .chars()
            .all(|c| matches!(c, '-' | ':' | '|' | ' ' | '\t'))
}

/// The module named by a first cell `` `runtime::name` ``.
fn module_of(cell: &str) -> Option<&str> {
    let name = cell.strip_prefix("`runtime::")?.strip_suffix('`')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    let ok = (first.is_ascii_lowercase() || first == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    ok.then_some(name)
}

/// Reads the ownership table under `heading` in the markdown `text` (see the module docs).
#[must_use]
pub fn parse_table(text: &str, heading: &str) -> Table {
    let lines = prose_lines(text);
    let Some(start) = lines
        .iter()
        .position(|(_, l)| heading_of(l).is_some_and(|(_, t)| t == heading))
    else {
        let message = format!("the note has no heading `{heading}` for the ownership table");
        return Table {
            heading_line: 1,
            problems: vec![Problem { line: 1, message }],
            ..Table::default()
        };
    };
    let (level, _) = heading_of(lines[start].1).unwrap_or((1, ""));
    let heading_line = lines[start].0;
    let section: Vec<(usize, &str)> = lines[start + 1..]
        .iter()
        .take_while(|(_, l)| heading_of(l).is_none_or(|(lv, _)| lv > level))
        .copied()
        .collect();
    let is_row = |l: &str| l.trim_start().starts_with('|');
    let header = section.iter().position(|(_, l)| is_row(l));
    let delimited = header
        .and_then(|h| section.get(h + 1))
        .is_some_and(|(_, l)| is_delimiter(l));
    let mut table = Table {
        heading_line,
        ..Table::default()
    };
    let Some(header) = header.filter(|_| delimited) else {
        table.problems.push(Problem {
            line: heading_line,
            message: format!("no markdown table (header and `|---|` line) under `{heading}`"),
        });
        return table;
    };
    table.found = true;
    for (line, text) in section[header + 2..].iter().take_while(|(_, l)| is_row(l)) {
        let cell = text
            .trim()
            .trim_start_matches('|')
            .split('|')
            .next()
            .unwrap_or("")
            .trim();
        let Some(module) = module_of(cell) else {
            table.problems.push(Problem {
                line: *line,
                message: format!(
                    "an ownership-table row must start with a `runtime::<module>` cell \
                     (lowercase snake_case), found {cell:?}"
                ),
            });
            continue;
        };
        if table.rows.iter().any(|r| r.module == module) {
            table.problems.push(Problem {
                line: *line,
                message: format!("the ownership table has a second row for `runtime::{module}`"),
            });
            continue;
        }
        table.rows.push(Row {
            module: module.to_owned(),
            line: *line,
        });
    }
    table
}

/// Every module that one side names and another does not. `listed` holds each listed module
/// with the name of its list (`extracted` or `support`); `public` the runtime's `pub mod`s.
#[must_use]
pub fn compare(
    listed: &[(&str, &str)],
    table: &Table,
    public: &[(&str, Pos)],
    names: &Names,
) -> Vec<Drift> {
    let mut out = Vec::new();
    let neither = "which is in neither `[modules] extracted` nor `[modules] support`";
    for (module, list) in listed {
        if table.found && !table.rows.iter().any(|r| r.module == *module) {
            out.push(Drift {
                module: (*module).to_owned(),
                place: Place::Note(table.heading_line),
                message: format!(
                    "runtime module `{module}` (`[modules] {list}`) has no row in the ownership \
                     table of {} (under `{}`)",
                    names.note, names.heading
                ),
            });
        }
        if !public.iter().any(|(m, _)| m == module) {
            out.push(Drift {
                module: (*module).to_owned(),
                place: Place::LibRs(Pos { line: 1, column: 1 }),
                message: format!(
                    "runtime module `{module}` (`[modules] {list}`) is not a public module of the \
                     runtime: {} has no `pub mod {module}`",
                    names.lib_rs
                ),
            });
        }
    }
    let unlisted = |module: &str| !listed.iter().any(|(m, _)| *m == module);
    for (module, pos) in public.iter().filter(|(m, _)| unlisted(m)) {
        out.push(Drift {
            module: (*module).to_owned(),
            place: Place::LibRs(*pos),
            message: format!("{} declares `pub mod {module}`, {neither}", names.lib_rs),
        });
    }
    for row in table.rows.iter().filter(|r| unlisted(&r.module)) {
        out.push(Drift {
            module: row.module.clone(),
            place: Place::Note(row.line),
            message: format!(
                "the ownership table of {} has a row for `runtime::{}`, {neither}",
                names.note, row.module
            ),
        });
    }
    out
}

/// The rule: reads the note, finds the runtime's `lib.rs` among the analyzed files, and reports
/// every table problem and drift.
///
/// # Errors
/// The note cannot be read.
pub(super) fn check(
    scope: &Scope,
    contract: &ContractFile,
    root: &Path,
    out: &mut Vec<Violation>,
) -> anyhow::Result<()> {
    let (note, heading) = scope.rule.note_and_heading();
    let text = std::fs::read_to_string(root.join(note)).with_context(|| {
        format!(
            "{note}: cannot read the ownership note of rule `{}`",
            scope.rule.name()
        )
    })?;
    let table = parse_table(&text, heading);
    let runtime = &contract.runtime;
    let lib_rs_name = format!("{}/src/lib.rs", runtime.trim_end_matches('/'));
    let lib_rs: Option<&SourceFile> = scope
        .files
        .iter()
        .find(|f| f.crate_name == *runtime && f.display == lib_rs_name);
    let public: Vec<(&str, Pos)> = lib_rs
        .iter()
        .flat_map(|f| &f.facts.mods)
        .filter(|m| m.public && !m.nested)
        .map(|m| (m.name.as_str(), m.pos))
        .collect();
    let mut listed: Vec<(&str, &str)> = Vec::new();
    listed.extend(
        contract
            .modules
            .extracted
            .iter()
            .map(|m| (m.as_str(), "extracted")),
    );
    listed.extend(
        contract
            .modules
            .support()
            .iter()
            .map(|m| (m.as_str(), "support")),
    );
    let names = Names {
        note,
        heading,
        lib_rs: &lib_rs_name,
    };
    let note_lines: Vec<&str> = text.lines().collect();
    let at_note = |line: usize, message: String| {
        let mut v = scope.violation(runtime, note, Pos { line, column: 1 }, message);
        v.snippet = note_lines
            .get(line.wrapping_sub(1))
            .map(|l| (*l).to_owned());
        v
    };
    for problem in &table.problems {
        out.push(at_note(problem.line, problem.message.clone()));
    }
    for drift in compare(&listed, &table, &public, &names) {
        out.push(match (drift.place, lib_rs) {
            (Place::Note(line), _) => at_note(line, drift.message),
            (Place::LibRs(pos), Some(file)) => {
                // A listed module that lib.rs lacks is reported at its first line, width 1.
                let missing = listed.iter().any(|(m, _)| *m == drift.module);
                let width = if missing {
                    1
                } else {
                    drift.module.chars().count()
                };
                scope.at_source(file, pos, width, drift.message)
            }
            (Place::LibRs(pos), None) => scope.violation(runtime, &lib_rs_name, pos, drift.message),
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "ownership_tests.rs"]
mod tests;
