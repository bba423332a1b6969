//! `cargo xtask contract`: enforces the runtime-vs-engine contract written in
//! `contracts/runtime-contract.toml` (see `docs/contract-lint.md`).
//!
//! Rules are data: the contract file names the crates and layers, and each rule's kind picks
//! one of the checks in [`rules`]. The pipeline is: parse the contract ([`crate::contract_file`])
//! -> resolve the crates it names ([`crates`]) -> facts from manifests ([`manifest`]) and from
//! every source file, parsed once on worker threads ([`facts`], [`imports`]) -> violations
//! ([`rules`]) -> suppressions -> human, JSON or SARIF output ([`output`], [`sarif`]).

// `facts`, `imports` and `output` are public for the integration tests; the rest is the lint's.
mod copies;
mod crates;
pub mod facts;
mod facts_parts;
pub mod imports;
mod imports_code;
mod manifest;
mod nested;
pub mod output;
pub mod ownership;
pub mod patterns;
mod rules;
mod sarif;
mod words;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::Status;
use crate::contract_file::{ContractFile, line_of};
use crate::flags::{ContractArgs, ContractFormat};
use crate::workspace::{CONTRACT_FILE, absolute, display_path};

/// One finding: a rule broken at a place.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Violation {
    /// The rule's name in the contract.
    pub rule: String,
    /// The rule's kind (`layers`, `forbidden-import`, ...).
    pub kind: &'static str,
    /// The crate folder the file belongs to.
    pub root: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line, for the snippet under the diagnostic.
    #[serde(skip)]
    pub snippet: Option<String>,
    /// How many characters the caret under the snippet covers.
    #[serde(skip)]
    pub width: usize,
}

/// A violation that a suppression accepts, with the suppression's reason.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub violation: Violation,
    pub suppression_reason: String,
}

/// A suppression that matched no violation (stale: the place was fixed or moved).
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Unmatched {
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub column: Option<usize>,
    pub reason: String,
    /// Where the suppression is written in the contract file.
    pub contract_line: usize,
}

/// A rule as the reports describe it.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct RuleInfo {
    pub name: String,
    pub kind: &'static str,
    pub reason: String,
    pub hint: Option<String>,
}

/// Everything one run found.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Report {
    /// The contract file as shown in messages.
    pub contract: String,
    pub rules: Vec<RuleInfo>,
    pub violations: Vec<Violation>,
    pub suppressed: Vec<Suppressed>,
    pub unmatched_suppressions: Vec<Unmatched>,
    /// Pending crates and other remarks that do not fail the run.
    pub notes: Vec<String>,
    pub files_checked: usize,
}

impl Report {
    /// `CheckFailed` when a violation or a stale suppression remains.
    #[must_use]
    pub fn status(&self) -> Status {
        if self.violations.is_empty() && self.unmatched_suppressions.is_empty() {
            Status::Ok
        } else {
            Status::CheckFailed
        }
    }

    /// The rule named `name`.
    #[must_use]
    pub fn rule(&self, name: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.name == name)
    }
}

/// Runs the subcommand: check, print in the chosen format, and say how it ended.
///
/// # Errors
/// Bad usage, an unreadable or malformed contract or manifest, a missing crate folder, a
/// Rust file that does not parse (exit 2).
pub fn run(root: &Path, args: &ContractArgs) -> anyhow::Result<Status> {
    let contract = match &args.contract {
        Some(path) => absolute(path)?,
        None => default_contract(root),
    };
    let report = check(root, &contract)?;
    let text = match args.format {
        ContractFormat::Human => output::human(&report),
        ContractFormat::Json => output::json(&report),
        ContractFormat::Sarif => sarif::sarif(&report),
    };
    print!("{text}");
    Ok(report.status())
}

/// Checks the repository at `root` against the contract file at `contract_path`; the same code
/// path as the command line, for tests.
///
/// # Errors
/// See [`run`].
pub fn check(root: &Path, contract_path: &Path) -> anyhow::Result<Report> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let shown = display_path(contract_path, Some(root), &cwd);
    let text = std::fs::read_to_string(contract_path)
        .with_context(|| format!("reading the contract {shown}"))?;
    let contract = ContractFile::parse(&text, &shown)?;
    let resolved = crates::resolve(root, &contract, &text, &shown)?;
    let files = crates::analyze_files(root, &contract, &resolved, &cwd)?;
    let mut violations = rules::evaluate(&contract, &resolved, &files, root)?;
    violations.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.rule, &b.message))
    });
    violations.dedup_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule) == (&b.file, b.line, b.column, &b.rule)
    });
    let (violations, suppressed, unmatched) = suppress(&contract, &text, violations);
    Ok(Report {
        contract: shown,
        rules: contract
            .rules
            .iter()
            .map(|rule| {
                let rule = rule.get_ref();
                RuleInfo {
                    name: rule.name().to_owned(),
                    kind: rule.kind().as_str(),
                    reason: rule.reason.get_ref().clone(),
                    hint: rule.hint.clone(),
                }
            })
            .collect(),
        violations,
        suppressed,
        unmatched_suppressions: unmatched,
        notes: resolved.notes,
        files_checked: files.len(),
    })
}

/// Splits violations into kept and suppressed, and lists the suppressions that matched none.
fn suppress(
    contract: &ContractFile,
    text: &str,
    violations: Vec<Violation>,
) -> (Vec<Violation>, Vec<Suppressed>, Vec<Unmatched>) {
    let mut used = vec![false; contract.suppressions.len()];
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for violation in violations {
        let found = contract.suppressions.iter().position(|s| {
            let s = s.get_ref();
            *s.rule.get_ref() == violation.rule
                && s.file == violation.file
                && s.line == violation.line
                && s.column.is_none_or(|c| c == violation.column)
        });
        match found {
            Some(index) => {
                used[index] = true;
                let reason = contract.suppressions[index].get_ref().reason.get_ref();
                suppressed.push(Suppressed {
                    violation,
                    suppression_reason: reason.clone(),
                });
            }
            None => kept.push(violation),
        }
    }
    let unmatched = contract
        .suppressions
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(s, _)| {
            let line = line_of(text, s.span().start);
            let s = s.get_ref();
            Unmatched {
                rule: s.rule.get_ref().clone(),
                file: s.file.clone(),
                line: s.line,
                column: s.column,
                reason: s.reason.get_ref().clone(),
                contract_line: line,
            }
        })
        .collect();
    (kept, suppressed, unmatched)
}

/// The default contract path under `root`.
#[must_use]
pub fn default_contract(root: &Path) -> PathBuf {
    root.join(CONTRACT_FILE)
}
