//! The code half of `no-local-copy`: engine code that the dup-report's matcher (`exact`,
//! `renamed` or `near`, with its default thresholds) finds to be a copy of code in one of the
//! runtime's extracted modules. The matching itself is `crate::dup`'s; this module only picks
//! the units to compare and turns clone classes into violations.

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
        .filter(|f| {
            f.crate_name == contract.runtime && !f.test_file && extracted.contains(&f.module)
        })
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
            let pos = Pos {
                line: usize::try_from(unit.start_line).unwrap_or(1),
                column: 1,
            };
            out.push(scope.at_source(file, pos, 1, message));
        }
    }
}
