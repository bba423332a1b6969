//! The crates the contract names: their folders, manifests and Rust-visible names, and the
//! facts of every source file of the crates a rule constrains.
//!
//! A crate folder named in `[[layers]]` that does not exist is an error (exit 2) naming the
//! contract line, unless the crate is `[[pending]]` (being written): then it is a note and its
//! rules pass vacuously. A folder without a `Cargo.toml` (the empty `runtime/` before the
//! first extraction) is a crate with no dependencies and, usually, no files.

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::contract_file::{ContractFile, RuleKind, line_of};
use crate::source::{self, Root};
use crate::workspace::display_path;

use super::facts::FileFacts;
use super::manifest::Manifest;
use super::{facts_parts, patterns};

/// A crate folder that exists.
#[derive(Clone, Debug)]
pub struct CrateInfo {
    /// The folder as the contract names it.
    pub name: String,
    pub path: PathBuf,
    /// The package name (`[package] name`, else the folder's last component).
    pub package: String,
    /// The name Rust code uses for it (`[lib] name`, else the package name with `_`).
    pub ident: String,
    pub manifest: Option<Manifest>,
    /// The manifest path as reports print it.
    pub manifest_file: String,
}

/// The existing crates of the contract, and notes about pending ones.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub crates: Vec<CrateInfo>,
    pub notes: Vec<String>,
}

impl Resolved {
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&CrateInfo> {
        self.crates.iter().find(|c| c.name == name)
    }

    /// The contract crate a dependency on `package` points to.
    #[must_use]
    pub fn by_package(&self, package: &str) -> Option<&CrateInfo> {
        self.crates.iter().find(|c| c.package == package)
    }
}

/// One analyzed source file of a constrained crate.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub crate_name: String,
    pub display: String,
    /// The module the file defines (its stem, or its folder for `mod.rs`).
    pub module: String,
    pub test_file: bool,
    pub lines: usize,
    pub facts: FileFacts,
}

/// Every pattern of the contract's `forbidden-pattern` rules, once.
fn forbidden_patterns(contract: &ContractFile) -> Vec<&String> {
    let mut patterns: Vec<&String> = (contract.rules.iter().map(toml::Spanned::get_ref))
        .filter(|r| r.kind() == RuleKind::ForbiddenPattern)
        .flat_map(crate::contract_file::Rule::patterns)
        .collect();
    patterns.sort();
    patterns.dedup();
    patterns
}

/// The facts of one part, on the thread that parsed it, with its root's `test_features`: the
/// hits of `patterns` are kept instead of the tokens, and units are made when `copies_checked`.
fn part_facts(
    part: &source::Part<'_>,
    scope: &facts_parts::FileScope,
    test_features: &[String],
    patterns: &[&String],
    copies_checked: bool,
) -> facts_parts::PartFacts {
    let mut part_facts = facts_parts::collect_part(part, scope, test_features);
    let facts = &mut part_facts.facts;
    for pattern in patterns {
        let hits = patterns::pattern_hits(&facts.tokens, pattern);
        facts.pattern_hits.extend(hits);
    }
    facts.tokens = Vec::new();
    if copies_checked {
        let (text, syntax) = (part.text, part.syntax);
        facts.units = crate::dup::part_units(text, syntax, false, part.first_line);
    }
    part_facts
}

/// Finds every crate folder of the contract's layers and reads its manifest.
///
/// # Errors
/// A listed folder is missing (and not pending), or a manifest is malformed.
pub fn resolve(
    root: &Path,
    contract: &ContractFile,
    contract_text: &str,
    contract_shown: &str,
) -> anyhow::Result<Resolved> {
    let cwd = std::env::current_dir()?;
    let mut resolved = Resolved::default();
    for layer in &contract.layers {
        for entry in &layer.crates {
            let name = entry.get_ref();
            let path = root.join(name);
            let pending = contract.pending(name);
            if !path.is_dir() {
                if let Some(pending) = pending {
                    resolved.notes.push(format!(
                        "crate `{name}` is pending ({}): its rules pass vacuously until {}/ exists",
                        pending.reason.get_ref(),
                        display_path(&path, Some(root), &cwd)
                    ));
                    continue;
                }
                let line = line_of(contract_text, entry.span().start);
                bail!(
                    "{contract_shown}:{line}: crate folder `{name}` (layer `{}`) does not exist \
                     under {}; list it in [[pending]] while it is being written",
                    layer.name.get_ref(),
                    root.display()
                );
            }
            if pending.is_some() {
                resolved.notes.push(format!(
                    "crate `{name}` exists and is checked: remove its [[pending]] entry"
                ));
            }
            resolved.crates.push(load_crate(root, name, path, &cwd)?);
        }
    }
    Ok(resolved)
}

fn load_crate(root: &Path, name: &str, path: PathBuf, cwd: &Path) -> anyhow::Result<CrateInfo> {
    let manifest_path = path.join("Cargo.toml");
    let manifest_file = display_path(&manifest_path, Some(root), cwd);
    let manifest = if manifest_path.is_file() {
        Some(Manifest::load(&manifest_path, &manifest_file)?)
    } else {
        None
    };
    let folder = path
        .file_name()
        .map_or_else(|| name.to_owned(), |n| n.to_string_lossy().into_owned());
    let package = manifest
        .as_ref()
        .and_then(|m| m.package.clone())
        .unwrap_or(folder);
    let ident = manifest
        .as_ref()
        .and_then(|m| m.lib_name.clone())
        .unwrap_or_else(|| package.replace('-', "_"));
    Ok(CrateInfo {
        name: name.to_owned(),
        path,
        package,
        ident,
        manifest,
        manifest_file,
    })
}

/// Whether `display` (a path as reports print it) is under one of the contract's `exclude`
/// prefixes.
#[must_use]
pub fn is_excluded(contract: &ContractFile, display: &str) -> bool {
    contract.exclude.iter().any(|prefix| {
        let prefix = prefix.trim_end_matches('/');
        display == prefix || display.starts_with(&format!("{prefix}/"))
    })
}

/// Parses every Rust file of every existing crate that some rule constrains, skipping the
/// contract's `exclude` prefixes.
///
/// # Errors
/// A file cannot be read or does not parse (the message names file, line and column).
pub fn analyze_files(
    root: &Path,
    contract: &ContractFile,
    resolved: &Resolved,
    cwd: &Path,
) -> anyhow::Result<Vec<SourceFile>> {
    let mut roots: Vec<Root> = Vec::new();
    for rule in &contract.rules {
        for name in contract.rule_crates(rule.get_ref()) {
            if let Some(info) = resolved.get(&name)
                && !roots.iter().any(|r| r.name == name)
            {
                roots.push(Root {
                    name,
                    path: info.path.clone(),
                    test_features: contract.modules.test_features.clone(),
                });
            }
        }
    }
    // `no-local-copy` compares engine code with the runtime's extracted modules, and
    // `module-name-clash` an engine module with the runtime module of its name.
    let has = |kind: RuleKind| contract.rules.iter().any(|r| r.get_ref().kind() == kind);
    let copies_checked = (has(RuleKind::NoLocalCopy) && !contract.modules.extracted.is_empty())
        || has(RuleKind::ModuleNameClash);
    if copies_checked
        && let Some(info) = resolved.get(&contract.runtime)
        && !roots.iter().any(|r| r.name == contract.runtime)
    {
        roots.push(Root {
            name: contract.runtime.clone(),
            path: info.path.clone(),
            test_features: contract.modules.test_features.clone(),
        });
    }
    let files: Vec<_> = source::discover(&roots, Some(root), cwd)?
        .into_iter()
        .filter(|f| !is_excluded(contract, &f.display))
        .collect();
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let patterns = forbidden_patterns(contract);
    // A file above `MAX_PART_BYTES` is parsed in parts, as the dup-report does: one part's
    // syntax tree at a time, and only the pattern hits of its tokens kept
    // (`docs/contract-lint.md`).
    let max_part = source::parts::MAX_PART_BYTES;
    let gather = facts_parts::gather_scope;
    let analyzed = source::analyze_parts_in_context(
        files,
        &roots,
        threads,
        max_part,
        Some(&gather),
        |file, part, scope| {
            let features = &roots[file.root].test_features;
            part_facts(&part, scope, features, &patterns, copies_checked)
        },
    )?;
    let mut out = Vec::with_capacity(analyzed.len());
    for file in analyzed {
        let facts = match file.result {
            Ok(parts) => facts_parts::join(parts),
            Err(error) => bail!(
                "{}:{}:{}: does not parse: {}",
                error.file,
                error.line,
                error.column,
                error.message
            ),
        };
        out.push(SourceFile {
            crate_name: roots[file.file.root].name.clone(),
            display: file.file.display,
            module: file.file.module,
            test_file: file.test_file,
            lines: file.lines,
            facts,
        });
    }
    Ok(out)
}
