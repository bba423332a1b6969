//! `no-nested-crate`: no `Cargo.toml` below a checked crate's folder other than the crate's own.
//! A nested manifest makes a second crate whose dependencies no rule reads (the dependency
//! allowlist reads `<crate>/Cargo.toml` only), so it would escape the contract.
//!
//! The walk skips what source discovery skips (hidden entries, `target/` folders) and the
//! contract's `exclude` prefixes.

use anyhow::Context;

use crate::contract_file::ContractFile;

use super::Violation;
use super::crates::is_excluded;
use super::facts::Pos;
use super::rules::Scope;

/// Reports every nested manifest of the crates `scope` constrains.
///
/// # Errors
/// A crate folder cannot be walked.
pub(super) fn check(
    scope: &Scope,
    contract: &ContractFile,
    out: &mut Vec<Violation>,
) -> anyhow::Result<()> {
    for krate in scope.crates {
        let walker = walkdir::WalkDir::new(&krate.path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0 || {
                    let name = entry.file_name().to_string_lossy();
                    !(name.starts_with('.') || (entry.file_type().is_dir() && name == "target"))
                }
            });
        for entry in walker {
            let entry = entry.with_context(|| format!("walking {}", krate.path.display()))?;
            if entry.depth() < 2
                || !entry.file_type().is_file()
                || entry.file_name() != "Cargo.toml"
            {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(&krate.path)
                .unwrap_or(entry.path());
            let relative: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let display = format!(
                "{}/{}",
                krate.name.trim_end_matches('/'),
                relative.join("/")
            );
            if is_excluded(contract, &display) {
                continue;
            }
            let message = format!(
                "{display} makes a nested crate inside `{}`: its dependencies escape the rules \
                 that read {}",
                krate.name, krate.manifest_file
            );
            let pos = Pos { line: 1, column: 1 };
            out.push(scope.violation(&krate.name, &display, pos, message));
        }
    }
    Ok(())
}
