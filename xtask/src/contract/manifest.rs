//! A crate's `Cargo.toml`, read with `toml`: its package and library names, and every
//! dependency with the line and column of its key.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use toml::Spanned;

use super::facts::Pos;

/// Which table a dependency is declared in.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum DepKind {
    Normal,
    Dev,
    Build,
}

impl DepKind {
    #[must_use]
    pub fn table(self) -> &'static str {
        match self {
            DepKind::Normal => "[dependencies]",
            DepKind::Dev => "[dev-dependencies]",
            DepKind::Build => "[build-dependencies]",
        }
    }
}

/// One dependency: the key as written, and the package it names (`package = ".."` renames).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Dependency {
    pub key: String,
    pub package: String,
    pub kind: DepKind,
    pub pos: Pos,
}

/// What the contract needs from a manifest.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Manifest {
    pub package: Option<String>,
    pub lib_name: Option<String>,
    pub dependencies: Vec<Dependency>,
    /// Source lines, for diagnostics snippets.
    pub lines: Vec<String>,
}

type DepTable = BTreeMap<Spanned<String>, toml::Value>;

#[derive(Deserialize)]
struct Raw {
    package: Option<RawName>,
    lib: Option<RawLib>,
    dependencies: Option<DepTable>,
    #[serde(rename = "dev-dependencies", alias = "dev_dependencies")]
    dev_dependencies: Option<DepTable>,
    #[serde(rename = "build-dependencies", alias = "build_dependencies")]
    build_dependencies: Option<DepTable>,
    target: Option<BTreeMap<String, RawTarget>>,
}

#[derive(Deserialize)]
struct RawName {
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawLib {
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawTarget {
    dependencies: Option<DepTable>,
    #[serde(rename = "dev-dependencies", alias = "dev_dependencies")]
    dev_dependencies: Option<DepTable>,
    #[serde(rename = "build-dependencies", alias = "build_dependencies")]
    build_dependencies: Option<DepTable>,
}

impl Manifest {
    /// Reads `path`; `shown` is how errors name the file.
    ///
    /// # Errors
    /// The file cannot be read or is not a valid manifest (the message names file and line).
    pub fn load(path: &Path, shown: &str) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
        Manifest::parse(&text, shown)
    }

    /// Parses manifest text.
    ///
    /// # Errors
    /// Invalid TOML or a table of the wrong shape.
    pub fn parse(text: &str, shown: &str) -> anyhow::Result<Manifest> {
        let raw: Raw = toml::from_str(text).map_err(|error| {
            let line = error
                .span()
                .map_or(1, |s| crate::contract_file::line_of(text, s.start));
            anyhow::anyhow!(
                "{shown}:{line}: malformed manifest: {}",
                crate::contract_file::one_line(error.message())
            )
        })?;
        let mut dependencies = Vec::new();
        let mut add = |table: Option<DepTable>, kind: DepKind| {
            for (key, value) in table.into_iter().flatten() {
                let package = value
                    .get("package")
                    .and_then(toml::Value::as_str)
                    .unwrap_or(key.get_ref())
                    .to_owned();
                dependencies.push(Dependency {
                    key: key.get_ref().clone(),
                    package,
                    kind,
                    pos: pos_of(text, key.span().start),
                });
            }
        };
        add(raw.dependencies, DepKind::Normal);
        add(raw.dev_dependencies, DepKind::Dev);
        add(raw.build_dependencies, DepKind::Build);
        for target in raw.target.into_iter().flat_map(BTreeMap::into_values) {
            add(target.dependencies, DepKind::Normal);
            add(target.dev_dependencies, DepKind::Dev);
            add(target.build_dependencies, DepKind::Build);
        }
        dependencies.sort_by_key(|d| d.pos);
        Ok(Manifest {
            package: raw.package.and_then(|p| p.name),
            lib_name: raw.lib.and_then(|l| l.name),
            dependencies,
            lines: text.lines().map(str::to_owned).collect(),
        })
    }
}

/// Line and column (1-based, in characters) of byte offset `offset`.
#[must_use]
pub fn pos_of(text: &str, offset: usize) -> Pos {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_of_every_table_with_positions_and_renames() {
        let text = "[package]\nname = \"quota-core\"\n\n[dependencies]\ncrc32c.workspace = true\nalloc = { package = \"allocdb-core\", path = \"../allocdb-core\" }\n\n[dev-dependencies]\ntempfile = \"3\"\n\n[target.'cfg(unix)'.build-dependencies]\ncc = \"1\"\n";
        let manifest = Manifest::parse(text, "Cargo.toml").unwrap();
        assert_eq!(manifest.package.as_deref(), Some("quota-core"));
        let deps: Vec<(&str, &str, DepKind, usize, usize)> = manifest
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.key.as_str(),
                    d.package.as_str(),
                    d.kind,
                    d.pos.line,
                    d.pos.column,
                )
            })
            .collect();
        assert_eq!(
            deps,
            [
                ("crc32c", "crc32c", DepKind::Normal, 5, 1),
                ("alloc", "allocdb-core", DepKind::Normal, 6, 1),
                ("tempfile", "tempfile", DepKind::Dev, 9, 1),
                ("cc", "cc", DepKind::Build, 12, 1),
            ]
        );
    }

    #[test]
    fn a_malformed_manifest_names_the_line() {
        let error = Manifest::parse("[package]\nname = 3\n[dependencies\n", "x/Cargo.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("x/Cargo.toml:3: malformed manifest"),
            "{error}"
        );
    }
}
