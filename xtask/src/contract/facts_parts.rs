//! The facts of a large file, collected part by part: `source::analyze_parts_in_context`
//! parses a file above `source::parts::MAX_PART_BYTES` in parts cut between top-level items,
//! so that the contract, like the dup-report, holds one part's syntax tree at a time. A path
//! resolves with the `use` declarations (aliases, globs) and item names of the whole file, so
//! a file of several parts is read twice: [`gather_scope`] collects that [`FileScope`] from
//! every part, then [`collect_part`] collects each part's facts, moved to the file's lines and
//! columns, and [`join`] puts them together.

use super::facts::{FileFacts, Pos, collect_text, scope_of};
use super::imports::{PathRef, UseEntry};
use crate::source::Part;

/// What resolving a path needs of the whole file: its `use` entries and local item names.
#[derive(Default)]
pub struct FileScope {
    uses: Vec<UseEntry>,
    local_names: Vec<String>,
}

/// Adds what `part` declares to its file's scope.
pub fn gather_scope(scope: &mut FileScope, part: &Part<'_>) {
    let (uses, local_names) = scope_of(part.syntax);
    scope.uses.extend(uses);
    scope.local_names.extend(local_names);
}

/// The facts of one part, positions in the file.
pub struct PartFacts {
    pub facts: FileFacts,
    use_paths: Vec<PathRef>,
    code_paths: Vec<PathRef>,
}

/// Collects the facts of `part` with its file's `scope`, at the file's lines and columns; code
/// gated by one of its root's `test_features` is test code.
#[must_use]
pub fn collect_part(part: &Part<'_>, scope: &FileScope, test_features: &[String]) -> PartFacts {
    let (uses, local_names) = (&scope.uses, &scope.local_names);
    let (mut facts, mut use_paths, mut code_paths) =
        collect_text(part.text, part.syntax, uses, local_names, test_features);
    let first_line = usize::try_from(part.first_line).unwrap_or(usize::MAX);
    assert!(first_line >= 1, "lines count from 1");
    // The part's first line starts `first_column` characters into the file's line.
    let at = |pos: Pos| {
        if pos.line <= 1 {
            Pos {
                line: first_line,
                column: pos.column + part.first_column,
            }
        } else {
            Pos {
                line: pos.line + first_line - 1,
                column: pos.column,
            }
        }
    };
    for token in &mut facts.tokens {
        token.pos = at(token.pos);
    }
    for name in &mut facts.pub_names {
        name.pos = at(name.pos);
    }
    for module in &mut facts.mods {
        module.pos = at(module.pos);
        module.inline_end_line = module.inline_end_line.map(|line| line + first_line - 1);
    }
    for path in use_paths.iter_mut().chain(&mut code_paths) {
        for pos in &mut path.positions {
            *pos = at(*pos);
        }
    }
    PartFacts {
        facts,
        use_paths,
        code_paths,
    }
}

/// The facts of a file from those of its parts, in file order, as [`super::facts::collect`]
/// gives them for the file parsed whole: the paths of every `use` entry first, then those of
/// the code; the line a cut falls in joined back from its two halves.
#[must_use]
pub fn join(parts: Vec<PartFacts>) -> FileFacts {
    let mut file = FileFacts::default();
    let mut code_paths = Vec::new();
    for (index, part) in parts.into_iter().enumerate() {
        let facts = part.facts;
        let mut lines = facts.lines.into_iter();
        // A part starts where the previous one ended, inside a line (after its `}` or `;`).
        if index > 0
            && let (Some(last), Some(first)) = (file.lines.last_mut(), lines.next())
        {
            last.push_str(&first);
        }
        file.lines.extend(lines);
        file.pub_names.extend(facts.pub_names);
        file.mods.extend(facts.mods);
        file.tokens.extend(facts.tokens);
        file.units.extend(facts.units);
        file.pattern_hits.extend(facts.pattern_hits);
        file.paths.extend(part.use_paths);
        code_paths.extend(part.code_paths);
    }
    file.paths.extend(code_paths);
    file
}

#[cfg(test)]
#[path = "facts_parts_tests.rs"]
mod tests;
