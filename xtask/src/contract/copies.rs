//! `no-local-copy` and `module-name-clash`: engine code that the dup-report's matcher
//! (`exact`, `renamed` or `near`, with its default thresholds) finds to be a copy of code in one
//! of the runtime's modules, and engine modules named like a runtime module. The matching
//! itself is `crate::dup`'s; this module only picks the units to compare and turns clone
//! classes into violations.
//!
//! An engine module named like a runtime module (a file `name.rs` or `name/mod.rs`, or an
//! inline `mod name { .. }`) is a *local copy* when the matcher joins one of its units to the
//! runtime module of that name (`no-local-copy`, for `extracted` names), and a *name clash*
//! otherwise (`module-name-clash`, for every runtime module). With no runtime code of that name
//! to compare, it is a local copy when the name is extracted and nothing else.

use crate::contract_file::ContractFile;
use crate::dup::{Options, Unit, find_clones};

use super::Violation;
use super::crates::SourceFile;
use super::facts::Pos;
use super::rules::Scope;

/// Adds a violation for every engine unit cloned from an extracted runtime module.
pub(super) fn code_copies(scope: &Scope, contract: &ContractFile, out: &mut Vec<Violation>) {
    let extracted = &contract.modules.extracted;
    let runtime: Vec<&SourceFile> = scope
        .files
        .iter()
        .filter(|f| extracted.iter().any(|m| in_runtime_module(f, contract, m)))
        .collect();
    if runtime.is_empty() {
        return;
    }
    let engine: Vec<&SourceFile> = scope
        .files()
        .filter(|f| f.crate_name != contract.runtime && !f.test_file)
        .collect();
    let files: Vec<&SourceFile> = runtime.iter().chain(&engine).copied().collect();
    let units: Vec<&[Unit]> = files.iter().map(|f| f.facts.units.as_slice()).collect();
    let (classes, _) = find_clones(&units, &Options::default());
    // Every copy the matcher lists, less those inside another listed copy of the same file (a
    // method of a copied impl block is the impl's finding).
    let mut found: Vec<(usize, u32, u32, String)> = Vec::new();
    for class in classes {
        let Some(original) = class.copies.iter().find(|c| c.file < runtime.len()) else {
            continue;
        };
        let source = files[original.file];
        let source_unit = &source.facts.units[original.unit];
        for copy in class.copies.iter().filter(|c| c.file >= runtime.len()) {
            let file = files[copy.file];
            let unit = &file.facts.units[copy.unit];
            let message = format!(
                "{}'s `{}` is a local copy ({}) of `{}` in the runtime's extracted `{}` ({}:{})",
                file.crate_name,
                unit.item,
                class.kind.as_str(),
                source_unit.item,
                source.module,
                source.display,
                source_unit.start_line
            );
            found.push((copy.file, unit.start_line, unit.end_line, message));
        }
    }
    for (index, (file, start, end, message)) in found.iter().enumerate() {
        let inside = found.iter().enumerate().any(|(other, (f, s, e, _))| {
            other != index && f == file && s <= start && end <= e && (s, e) != (start, end)
        });
        if inside {
            continue;
        }
        let pos = Pos {
            line: usize::try_from(*start).unwrap_or(1),
            column: 1,
        };
        out.push(scope.at_source(files[*file], pos, 1, message.clone()));
    }
}

/// Whether `file` is non-test code of the runtime's module `name` (`src/name.rs`, or a file
/// below `src/name/`).
fn in_runtime_module(file: &SourceFile, contract: &ContractFile, name: &str) -> bool {
    let src = format!("{}/src/", contract.runtime.trim_end_matches('/'));
    let Some(path) = file.display.strip_prefix(&src) else {
        return false;
    };
    file.crate_name == contract.runtime
        && !file.test_file
        && (path == format!("{name}.rs") || path.starts_with(&format!("{name}/")))
}

/// An engine module named like a runtime module.
struct Namesake<'a> {
    file: &'a SourceFile,
    name: &'a str,
    pos: Pos,
    /// The lines of an inline module; `None` for a whole file.
    inline: Option<(usize, usize)>,
}

impl Namesake<'_> {
    /// How messages name it: `src/wal.rs`, or `mod wal` in `src/lib.rs`.
    fn shown(&self) -> String {
        let prefix = format!("{}/", self.file.crate_name.trim_end_matches('/'));
        let path = self
            .file
            .display
            .strip_prefix(&prefix)
            .unwrap_or(&self.file.display);
        match self.inline {
            None => format!("`{path}`"),
            Some(_) => format!("`mod {}` in `{path}`", self.name),
        }
    }
}

/// The modules of the scope's files named like one of `names`.
fn namesakes<'a>(scope: &Scope<'a>, names: &[&'a str]) -> Vec<Namesake<'a>> {
    let mut out = Vec::new();
    for file in scope.files() {
        if let Some(name) = names.iter().find(|n| **n == file.module) {
            let pos = Pos { line: 1, column: 1 };
            out.push(Namesake {
                file,
                name,
                pos,
                inline: None,
            });
        }
        for module in &file.facts.mods {
            let in_scope = scope.rule.include_tests() || !module.test;
            let name = names.iter().find(|n| **n == module.name);
            if let (Some(end), true, Some(name)) = (module.inline_end_line, in_scope, name) {
                let inline = Some((module.pos.line, end));
                out.push(Namesake {
                    file,
                    name,
                    pos: module.pos,
                    inline,
                });
            }
        }
    }
    out
}

/// Whether the matcher joins a unit of `namesake` to the runtime's module of its name; `None`
/// when the runtime has no code of that name to compare with.
fn is_copy(namesake: &Namesake, contract: &ContractFile, files: &[SourceFile]) -> Option<bool> {
    let runtime: Vec<&[Unit]> = files
        .iter()
        .filter(|f| in_runtime_module(f, contract, namesake.name))
        .map(|f| f.facts.units.as_slice())
        .collect();
    if runtime.iter().all(|units| units.is_empty()) {
        return None;
    }
    let local: Vec<Unit> = namesake
        .file
        .facts
        .units
        .iter()
        .filter(|u| {
            namesake.inline.is_none_or(|(first, last)| {
                let (start, end) = (u.start_line as usize, u.end_line as usize);
                first <= start && end <= last
            })
        })
        .cloned()
        .collect();
    let mut all = runtime.clone();
    all.push(&local);
    let (classes, _) = find_clones(&all, &Options::default());
    let engine = runtime.len();
    Some(classes.iter().any(|class| {
        class.copies.iter().any(|c| c.file == engine)
            && class.copies.iter().any(|c| c.file < engine)
    }))
}

/// The name half of `no-local-copy`: an engine module named like an extracted module that is a
/// copy of it (or that has no runtime code to compare with).
pub(super) fn named_copies(scope: &Scope, contract: &ContractFile, out: &mut Vec<Violation>) {
    let names: Vec<&str> = contract
        .modules
        .extracted
        .iter()
        .map(String::as_str)
        .collect();
    for namesake in namesakes(scope, &names) {
        if is_copy(&namesake, contract, scope.files) == Some(false) {
            continue;
        }
        let (what, width) = match namesake.inline {
            None => ("a local copy of", 1),
            Some(_) => ("a local module", namesake.name.len()),
        };
        let message = format!(
            "{} holds {what} `{}`, which is extracted into the runtime",
            namesake.file.crate_name, namesake.name
        );
        out.push(scope.at_source(namesake.file, namesake.pos, width, message));
    }
}

/// `module-name-clash`: an engine module named like a runtime module (a public module of the
/// runtime's `lib.rs`, or one of `[modules] extracted` and `support`) that is not a copy of it.
pub(super) fn name_clashes(scope: &Scope, contract: &ContractFile, out: &mut Vec<Violation>) {
    let lib_rs = format!("{}/src/lib.rs", contract.runtime.trim_end_matches('/'));
    let mut names: Vec<&str> = scope
        .files
        .iter()
        .filter(|f| f.crate_name == contract.runtime && f.display == lib_rs)
        .flat_map(|f| &f.facts.mods)
        .filter(|m| m.public && !m.nested)
        .map(|m| m.name.as_str())
        .collect();
    names.extend(contract.modules.owned());
    names.sort_unstable();
    names.dedup();
    for namesake in namesakes(scope, &names) {
        if is_copy(&namesake, contract, scope.files) != Some(false) {
            continue;
        }
        let message = format!(
            "runtime module `{}` shares its name with {}'s engine-local {}, which is not a copy \
             of it: rename the runtime module",
            namesake.name,
            namesake.file.crate_name,
            namesake.shown()
        );
        let width = if namesake.inline.is_some() {
            namesake.name.len()
        } else {
            1
        };
        out.push(scope.at_source(namesake.file, namesake.pos, width, message));
    }
}
