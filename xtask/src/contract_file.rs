//! `contracts/runtime-contract.toml`: the one parser of the contract file, shared by
//! `dup-report` (roots, module map, budget) and `contract` (rules).
//!
//! A malformed file is an error naming the file and the line.

use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

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
    pub modules: Modules,
    pub budget: Budget,
}

#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Modules {
    /// Substrate candidates: copies of these count as runtime duplication.
    pub runtime: Vec<String>,
    /// Modules already extracted into `runtime/`, in extraction order.
    pub extracted: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Eq, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// The CI ratchet for `dup-report --max-runtime-dup`.
    pub max_runtime_duplicated_lines: u64,
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
    /// Invalid TOML, a schema mismatch or an unsupported `schema` version.
    pub fn parse(text: &str, name: &str) -> anyhow::Result<ContractFile> {
        let contract: ContractFile = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(1, |span| line_of(text, span.start));
            anyhow::anyhow!("{name}:{line}: malformed contract: {}", error.message())
        })?;
        if contract.schema != 1 {
            bail!(
                "{name}: unsupported contract schema {} (expected 1)",
                contract.schema
            );
        }
        Ok(contract)
    }
}

/// 1-based line of byte offset `offset` in `text`.
#[must_use]
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.get(..end).unwrap_or(text).matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_contract_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/runtime-contract.toml");
        let contract = ContractFile::load(&path).unwrap();
        assert_eq!(
            contract.engines,
            ["allocdb-core", "quota-core", "reservation-core"]
        );
        assert!(contract.modules.runtime.contains(&"wal".to_owned()));
    }

    #[test]
    fn malformed_contract_names_the_line() {
        let text = "schema = 1\nengines = [\"a\"]\nruntime = 3\n";
        let error = ContractFile::parse(text, "c.toml").unwrap_err().to_string();
        assert!(error.starts_with("c.toml:3: malformed contract"), "{error}");
    }

    #[test]
    fn unknown_schema_is_rejected() {
        let text = "schema = 2\nengines = []\nruntime = \"r\"\n[modules]\nruntime = []\nextracted = []\n[budget]\nmax_runtime_duplicated_lines = 0\n";
        let error = ContractFile::parse(text, "c.toml").unwrap_err().to_string();
        assert!(error.contains("unsupported contract schema 2"), "{error}");
    }
}
