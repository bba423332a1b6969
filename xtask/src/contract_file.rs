//! `contracts/runtime-contract.toml`: the one parser of the contract file, shared by
//! `dup-report` (roots, module map, budget) and `contract` (layers, rules, suppressions).
//!
//! A malformed file is an error naming the file and the line: syntax and schema errors come
//! from `toml` with a span, and the checks `toml` cannot express (a rule kind given a key it
//! does not take, a reference to an unknown layer, an empty `reason`) are made in
//! [`validate`] from the spans kept on the new tables.

mod validate;

use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;
use toml::Spanned;

/// The runtime module names assumed outside any repository (no `contracts/`).
pub const DEFAULT_RUNTIME_MODULES: &[&str] = &[
    "wal",
    "wal_file",
    "retire_queue",
    "bounded_queue",
    "snapshot_file",
    "fixed_map",
];

#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContractFile {
    pub schema: u32,
    /// Engine crate folders, relative to the repository root.
    pub engines: Vec<String>,
    /// The runtime crate folder, relative to the repository root.
    pub runtime: String,
    /// Path prefixes (relative to the repository root, `/`-separated) that `contract` never
    /// reads, such as the tooling's own fixture trees with planted violations.
    #[serde(default)]
    pub exclude: Vec<String>,
    pub modules: Modules,
    pub budget: Budget,
    /// Layers from top to bottom; code may import only from layers below its own.
    #[serde(default)]
    pub layers: Vec<Layer>,
    /// Crates the contract names before they exist (an engine still being written).
    #[serde(default)]
    pub pending: Vec<Pending>,
    #[serde(default)]
    pub rules: Vec<Spanned<Rule>>,
    #[serde(default)]
    pub suppressions: Vec<Spanned<Suppression>>,
}

#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Modules {
    /// Substrate candidates: copies of these count as runtime duplication.
    pub runtime: Vec<String>,
    /// Modules already extracted into `runtime/`, in extraction order.
    pub extracted: Vec<String>,
    /// Runtime modules that were never extracted from an engine (the storage seam, the test
    /// kit): public modules of `runtime/` like the extracted ones, but with no engine copy to
    /// forbid. A name may not be in both lists (checked by [`validate`]).
    #[serde(default)]
    pub support: Option<Spanned<Vec<String>>>,
    /// Cargo features that gate test-only code (`#[cfg(feature = "model")] pub mod model;`):
    /// code compiled only under one of them counts as test code for every rule and for the
    /// dup-report, like `#[cfg(test)]` code. Absent: none.
    #[serde(default)]
    pub test_features: Vec<String>,
}

impl Modules {
    /// The `support` list (empty when absent).
    #[must_use]
    pub fn support(&self) -> &[String] {
        list(self.support.as_ref())
    }

    /// Every public module the runtime must have: `extracted`, then `support`.
    #[must_use]
    pub fn owned(&self) -> Vec<&str> {
        self.extracted
            .iter()
            .chain(self.support())
            .map(String::as_str)
            .collect()
    }
}

#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// The CI ratchet for `dup-report --max-runtime-dup`.
    pub max_runtime_duplicated_lines: u64,
    /// The CI bound for `dup-report --max-runtime-copied` (code copied out of the runtime under
    /// any file name); 0 when absent.
    #[serde(default)]
    pub max_runtime_copied_lines: u64,
}

/// One layer: a name and the crate folders in it.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub name: Spanned<String>,
    pub crates: Vec<Spanned<String>>,
}

/// A crate folder named by the contract that may not exist yet.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    #[serde(rename = "crate")]
    pub crate_name: Spanned<String>,
    pub reason: Spanned<String>,
}

/// The rule kinds `cargo xtask contract` knows.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Ord, PartialOrd)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Layers,
    Independence,
    ForbiddenImport,
    DependencyAllowlist,
    ForbiddenVocabulary,
    NoLocalCopy,
    ForbiddenPattern,
    MaxFileLines,
    OwnershipTable,
    NoNestedCrate,
    ModuleNameClash,
}

impl RuleKind {
    /// The name used in the contract file and in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Layers => "layers",
            RuleKind::Independence => "independence",
            RuleKind::ForbiddenImport => "forbidden-import",
            RuleKind::DependencyAllowlist => "dependency-allowlist",
            RuleKind::ForbiddenVocabulary => "forbidden-vocabulary",
            RuleKind::NoLocalCopy => "no-local-copy",
            RuleKind::ForbiddenPattern => "forbidden-pattern",
            RuleKind::MaxFileLines => "max-file-lines",
            RuleKind::OwnershipTable => "ownership-table",
            RuleKind::NoNestedCrate => "no-nested-crate",
            RuleKind::ModuleNameClash => "module-name-clash",
        }
    }
}

/// One rule. The keys a rule takes depend on its kind (checked by [`validate`]):
///
/// | kind | keys |
/// |---|---|
/// | `layers` | (the `[[layers]]` order) |
/// | `independence` | `crates`/`layers` |
/// | `forbidden-import` | `crates`/`layers`, `paths`, `include_tests` |
/// | `dependency-allowlist` | `crates`/`layers`, `allow`, `dev_allow` |
/// | `forbidden-vocabulary` | `crates`/`layers`, `words` |
/// | `no-local-copy` | `crates`/`layers` (modules: `[modules] extracted`) |
/// | `forbidden-pattern` | `crates`/`layers`, `patterns`, `include_tests` |
/// | `max-file-lines` | `crates`/`layers`, `max_lines`, `max_test_lines` |
/// | `ownership-table` | `note`, `heading` (always the `runtime` crate) |
/// | `no-nested-crate` | `crates`/`layers` |
/// | `module-name-clash` | `crates`/`layers`, `include_tests` |
#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique; reports print it as `contract::<name>`, suppressions refer to it.
    pub name: Spanned<String>,
    pub kind: Spanned<RuleKind>,
    /// Why the rule exists; every diagnostic prints it.
    pub reason: Spanned<String>,
    /// What to do instead; printed as `help:`.
    pub hint: Option<String>,
    /// Crate folders the rule constrains.
    pub crates: Option<Spanned<Vec<String>>>,
    /// Layers whose crates the rule constrains (added to `crates`).
    pub layers: Option<Spanned<Vec<String>>>,
    /// Whether test code is checked too (default `true`).
    pub include_tests: Option<Spanned<bool>>,
    /// `forbidden-import`: path prefixes such as `std::collections::HashMap` or `serde`.
    pub paths: Option<Spanned<Vec<String>>>,
    /// `dependency-allowlist`: packages allowed in `[dependencies]` and `[build-dependencies]`.
    pub allow: Option<Spanned<Vec<String>>>,
    /// `dependency-allowlist`: packages allowed in `[dev-dependencies]` on top of `allow`.
    pub dev_allow: Option<Spanned<Vec<String>>>,
    /// `forbidden-vocabulary`: domain words (`result_code` is the two-word sequence).
    pub words: Option<Spanned<Vec<String>>>,
    /// `forbidden-pattern`: token sequences such as `unsafe` or `Rc<RefCell`.
    pub patterns: Option<Spanned<Vec<String>>>,
    /// `max-file-lines`: the bound for source files.
    pub max_lines: Option<Spanned<usize>>,
    /// `max-file-lines`: the bound for test files (default `max_lines`).
    pub max_test_lines: Option<Spanned<usize>>,
    /// `ownership-table`: the note holding the ownership table, relative to the repository
    /// root (`docs/runtime-vs-engine-contract.md`).
    pub note: Option<Spanned<String>>,
    /// `ownership-table`: the text of the heading the table sits under.
    pub heading: Option<Spanned<String>>,
}

fn list(value: Option<&Spanned<Vec<String>>>) -> &[String] {
    value.map_or(&[], |v| v.get_ref().as_slice())
}

impl Rule {
    #[must_use]
    pub fn name(&self) -> &str {
        self.name.get_ref()
    }
    #[must_use]
    pub fn kind(&self) -> RuleKind {
        *self.kind.get_ref()
    }
    #[must_use]
    pub fn include_tests(&self) -> bool {
        self.include_tests.as_ref().is_none_or(|v| *v.get_ref())
    }
    #[must_use]
    pub fn paths(&self) -> &[String] {
        list(self.paths.as_ref())
    }
    #[must_use]
    pub fn allow(&self) -> &[String] {
        list(self.allow.as_ref())
    }
    #[must_use]
    pub fn dev_allow(&self) -> &[String] {
        list(self.dev_allow.as_ref())
    }
    #[must_use]
    pub fn words(&self) -> &[String] {
        list(self.words.as_ref())
    }
    #[must_use]
    pub fn patterns(&self) -> &[String] {
        list(self.patterns.as_ref())
    }
    /// `(note, heading)` for `ownership-table` (empty when absent).
    #[must_use]
    pub fn note_and_heading(&self) -> (&str, &str) {
        fn text(v: Option<&Spanned<String>>) -> &str {
            v.map_or("", |v| v.get_ref().as_str())
        }
        (text(self.note.as_ref()), text(self.heading.as_ref()))
    }
    /// `(source bound, test bound)` for `max-file-lines`.
    #[must_use]
    pub fn line_bounds(&self) -> (usize, usize) {
        let max = self.max_lines.as_ref().map_or(usize::MAX, |v| *v.get_ref());
        let test = self.max_test_lines.as_ref().map_or(max, |v| *v.get_ref());
        (max, test)
    }
}

/// An accepted violation: the rule and the exact place, with the reason it is accepted.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub rule: Spanned<String>,
    /// The file as reports print it (relative to the repository root, `/`-separated).
    pub file: String,
    pub line: usize,
    /// When given, only the violation at this column is suppressed.
    pub column: Option<usize>,
    pub reason: Spanned<String>,
}

/// A TOML error message on one line: `toml` spreads some messages over several lines (what
/// it found, then what it expected), and every error of xtask is one line.
#[must_use]
pub fn one_line(message: &str) -> String {
    let parts: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    parts.join("; ")
}

impl ContractFile {
    /// Reads and parses the contract file at `path`.
    ///
    /// # Errors
    /// The file cannot be read, is not valid TOML, or does not match the schema; the message
    /// names the file and, where TOML gives one, the line.
    pub fn load(path: &Path) -> anyhow::Result<ContractFile> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        ContractFile::parse(&text, &path.display().to_string())
    }

    /// Parses contract text; `name` is how errors refer to the file.
    ///
    /// # Errors
    /// Invalid TOML, a schema mismatch, an unsupported `schema` version, or a rule, layer or
    /// suppression that does not make sense (see [`validate`]).
    pub fn parse(text: &str, name: &str) -> anyhow::Result<ContractFile> {
        let contract: ContractFile = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(1, |span| line_of(text, span.start));
            anyhow::anyhow!(
                "{name}:{line}: malformed contract: {}",
                one_line(error.message())
            )
        })?;
        if contract.schema != 1 {
            bail!(
                "{name}: unsupported contract schema {} (expected 1)",
                contract.schema
            );
        }
        validate::validate(&contract).map_err(|error| {
            anyhow::anyhow!(
                "{name}:{}: malformed contract: {}",
                line_of(text, error.offset),
                error.message
            )
        })?;
        Ok(contract)
    }

    /// Every crate folder of every layer, top layer first.
    #[must_use]
    pub fn layer_crates(&self) -> Vec<&str> {
        self.layers
            .iter()
            .flat_map(|layer| layer.crates.iter().map(|c| c.get_ref().as_str()))
            .collect()
    }

    /// The index of the layer holding `crate_name` (0 is the top layer).
    #[must_use]
    pub fn layer_of(&self, crate_name: &str) -> Option<usize> {
        self.layers
            .iter()
            .position(|layer| layer.crates.iter().any(|c| c.get_ref() == crate_name))
    }

    /// The crate folders `rule` constrains: its `crates`, then the crates of its `layers`,
    /// without repeats. A `layers` rule constrains every layer but the top one (nothing sits
    /// above it); an `ownership-table` rule constrains the `runtime` crate.
    #[must_use]
    pub fn rule_crates(&self, rule: &Rule) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |name: &str| {
            if !out.iter().any(|c| c == name) {
                out.push(name.to_owned());
            }
        };
        if rule.kind() == RuleKind::OwnershipTable {
            return vec![self.runtime.clone()];
        }
        if rule.kind() == RuleKind::Layers {
            self.layer_crates()
                .iter()
                .filter(|c| self.layer_of(c).is_some_and(|i| i > 0))
                .for_each(|c| push(c));
            return out;
        }
        for crate_name in list(rule.crates.as_ref()) {
            push(crate_name);
        }
        for layer_name in list(rule.layers.as_ref()) {
            let layer = self.layers.iter().find(|l| l.name.get_ref() == layer_name);
            for crate_name in layer.into_iter().flat_map(|l| &l.crates) {
                push(crate_name.get_ref());
            }
        }
        out
    }

    /// The `[[pending]]` entry for `crate_name`, if any.
    #[must_use]
    pub fn pending(&self, crate_name: &str) -> Option<&Pending> {
        self.pending
            .iter()
            .find(|p| p.crate_name.get_ref() == crate_name)
    }
}

/// 1-based line of byte offset `offset` in `text`.
#[must_use]
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.get(..end).unwrap_or(text).matches('\n').count() + 1
}

#[cfg(test)]
#[path = "contract_file_tests.rs"]
mod tests;
