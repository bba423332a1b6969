//! One check per rule kind, over the facts of the crates the rule constrains.

use std::path::Path;

use crate::contract_file::{ContractFile, Rule, RuleKind};

use super::Violation;
use super::crates::{CrateInfo, Resolved, SourceFile};
use super::facts::Pos;
use super::imports::PathRef;
use super::manifest::{DepKind, Dependency};
use super::{copies, nested, ownership, words};

/// Every violation of every rule, unsorted.
///
/// # Errors
/// A file a rule reads besides the sources (the `ownership-table` note, a nested manifest)
/// cannot be read.
pub fn evaluate(
    contract: &ContractFile,
    resolved: &Resolved,
    files: &[SourceFile],
    root: &Path,
) -> anyhow::Result<Vec<Violation>> {
    let mut out = Vec::new();
    for rule in &contract.rules {
        let rule = rule.get_ref();
        let crates: Vec<&CrateInfo> = contract
            .rule_crates(rule)
            .iter()
            .filter_map(|name| resolved.get(name))
            .collect();
        let scope = Scope {
            rule,
            crates: &crates,
            files,
        };
        match rule.kind() {
            RuleKind::Layers => crate_edges(&scope, resolved, &mut out, |from, to| {
                let (from_layer, to_layer) = (contract.layer_of(from)?, contract.layer_of(to)?);
                (to_layer < from_layer).then(|| {
                    format!(
                        "{from} (layer `{}`) imports {to} (layer `{}`, above it)",
                        contract.layers[from_layer].name.get_ref(),
                        contract.layers[to_layer].name.get_ref()
                    )
                })
            }),
            RuleKind::Independence => crate_edges(&scope, resolved, &mut out, |from, to| {
                let listed = |name: &str| crates.iter().any(|c| c.name == name);
                (listed(from) && listed(to)).then(|| format!("{from} imports {to}"))
            }),
            RuleKind::ForbiddenImport => forbidden_import(&scope, &mut out),
            RuleKind::DependencyAllowlist => dependency_allowlist(&scope, &mut out),
            RuleKind::ForbiddenVocabulary => vocabulary(&scope, &mut out),
            RuleKind::NoLocalCopy => {
                copies::named_copies(&scope, contract, &mut out);
                copies::code_copies(&scope, contract, &mut out);
            }
            RuleKind::ForbiddenPattern => forbidden_pattern(&scope, &mut out),
            RuleKind::MaxFileLines => max_file_lines(&scope, &mut out),
            RuleKind::OwnershipTable => ownership::check(&scope, contract, root, &mut out)?,
            RuleKind::NoNestedCrate => nested::check(&scope, contract, &mut out)?,
            RuleKind::ModuleNameClash => copies::name_clashes(&scope, contract, &mut out),
        }
    }
    Ok(out)
}

/// A rule and what it looks at.
pub(super) struct Scope<'a> {
    pub(super) rule: &'a Rule,
    pub(super) crates: &'a [&'a CrateInfo],
    pub(super) files: &'a [SourceFile],
}

impl<'a> Scope<'a> {
    /// The files of the constrained crates (test files only if the rule includes tests).
    pub(super) fn files(&self) -> impl Iterator<Item = &'a SourceFile> + '_ {
        self.files.iter().filter(|f| {
            self.crates.iter().any(|c| c.name == f.crate_name)
                && (self.rule.include_tests() || !f.test_file)
        })
    }

    /// The paths of a file that the rule looks at.
    fn paths<'f>(&self, file: &'f SourceFile) -> impl Iterator<Item = &'f PathRef> + use<'f> {
        let tests = self.rule.include_tests();
        file.facts.paths.iter().filter(move |p| tests || !p.test)
    }

    pub(super) fn violation(&self, root: &str, file: &str, pos: Pos, message: String) -> Violation {
        Violation {
            rule: self.rule.name().to_owned(),
            kind: self.rule.kind().as_str(),
            root: root.to_owned(),
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            message,
            snippet: None,
            width: 1,
        }
    }

    pub(super) fn at_source(
        &self,
        file: &SourceFile,
        pos: Pos,
        width: usize,
        message: String,
    ) -> Violation {
        let mut violation = self.violation(&file.crate_name, &file.display, pos, message);
        violation.snippet = file.facts.lines.get(pos.line.wrapping_sub(1)).cloned();
        violation.width = width.max(1);
        violation
    }
}

/// Crate-to-crate imports (code paths and manifest dependencies) that `judge` turns into a
/// message; `judge(from, to)` gets crate folder names.
fn crate_edges(
    scope: &Scope,
    resolved: &Resolved,
    out: &mut Vec<Violation>,
    judge: impl Fn(&str, &str) -> Option<String>,
) {
    for from in scope.crates {
        // The names code in `from` may use for other contract crates: their library names,
        // and the keys under which its manifest renames them.
        let mut names: Vec<(String, &CrateInfo)> = resolved
            .crates
            .iter()
            .map(|c| (c.ident.clone(), c))
            .collect();
        for dep in from.manifest.iter().flat_map(|m| &m.dependencies) {
            if is_self_dev_dependency(from, dep) {
                continue;
            }
            if let Some(target) = resolved.by_package(&dep.package) {
                names.push((dep.key.replace('-', "_"), target));
                if let Some(message) = judge(&from.name, &target.name) {
                    let message = format!("{message} ({} in Cargo.toml)", dep.kind.table());
                    let mut v = scope.violation(&from.name, &from.manifest_file, dep.pos, message);
                    let manifest = from.manifest.as_ref();
                    v.snippet = manifest.and_then(|m| m.lines.get(dep.pos.line - 1).cloned());
                    v.width = dep.key.chars().count();
                    out.push(v);
                }
            }
        }
        for file in scope.files().filter(|f| f.crate_name == from.name) {
            for path in scope.paths(file) {
                for (ident, target) in &names {
                    if target.name == from.name {
                        continue;
                    }
                    let Some(pos) = path.matches(&[ident.as_str()]) else {
                        continue;
                    };
                    if let Some(message) = judge(&from.name, &target.name) {
                        let message = format!("{message} (`{}`)", path.segments.join("::"));
                        out.push(scope.at_source(file, pos, ident.chars().count(), message));
                    }
                }
            }
        }
    }
}

/// A crate's dev-dependency on itself (`quota-core = { path = ".", features = ["model"] }`)
/// only turns on its own test features for its own tests: it brings no other crate into the
/// build, so neither an import of another crate nor a dependency the allowlist must hold.
fn is_self_dev_dependency(krate: &CrateInfo, dep: &Dependency) -> bool {
    dep.kind == DepKind::Dev && dep.package == krate.package
}

fn forbidden_import(scope: &Scope, out: &mut Vec<Violation>) {
    let patterns: Vec<Vec<&str>> = scope
        .rule
        .paths()
        .iter()
        .map(|p| p.trim_start_matches("::").split("::").collect())
        .collect();
    for file in scope.files() {
        for path in scope.paths(file) {
            for pattern in &patterns {
                if let Some(pos) = path.matches(pattern) {
                    let shown = pattern.join("::");
                    let width = pattern.last().map_or(1, |s| s.chars().count());
                    let message = format!("{} uses `{shown}`", file.crate_name);
                    out.push(scope.at_source(file, pos, width, message));
                }
            }
        }
    }
}

fn dependency_allowlist(scope: &Scope, out: &mut Vec<Violation>) {
    let allow = scope.rule.allow();
    let dev_allow = scope.rule.dev_allow();
    for krate in scope.crates {
        for dep in krate.manifest.iter().flat_map(|m| &m.dependencies) {
            let allowed = allow.contains(&dep.package)
                || (dep.kind == DepKind::Dev && dev_allow.contains(&dep.package))
                || is_self_dev_dependency(krate, dep);
            if allowed {
                continue;
            }
            let message = format!(
                "{} depends on `{}` in {}, which the allowlist does not hold",
                krate.name,
                dep.package,
                dep.kind.table()
            );
            let mut v = scope.violation(&krate.name, &krate.manifest_file, dep.pos, message);
            let manifest = krate.manifest.as_ref();
            v.snippet = manifest.and_then(|m| m.lines.get(dep.pos.line - 1).cloned());
            v.width = dep.key.chars().count();
            out.push(v);
        }
    }
}

fn vocabulary(scope: &Scope, out: &mut Vec<Violation>) {
    // Public items of test code are not part of the crate's interface: never checked.
    for file in scope.files().filter(|f| !f.test_file) {
        for item in &file.facts.pub_names {
            let split = words::split(&item.name);
            for word in scope.rule.words() {
                if words::contains(&split, word) {
                    let message = format!(
                        "{}'s public {} `{}` contains the domain word `{word}`",
                        file.crate_name, item.what, item.name
                    );
                    out.push(scope.at_source(file, item.pos, item.name.chars().count(), message));
                }
            }
        }
    }
}

fn forbidden_pattern(scope: &Scope, out: &mut Vec<Violation>) {
    let tests = scope.rule.include_tests();
    for pattern in scope.rule.patterns() {
        for file in scope.files() {
            // Found on the parsing thread (`crates::analyze_files`), in token order.
            let hits = file.facts.pattern_hits.iter();
            for hit in hits.filter(|h| h.pattern == *pattern && (tests || !h.test)) {
                let message = format!("`{pattern}` in {}", file.crate_name);
                out.push(scope.at_source(file, hit.pos, hit.width, message));
            }
        }
    }
}

fn max_file_lines(scope: &Scope, out: &mut Vec<Violation>) {
    let (max, max_test) = scope.rule.line_bounds();
    for file in scope.files() {
        let (bound, what) = if file.test_file {
            (max_test, "test files")
        } else {
            (max, "source files")
        };
        if file.lines > bound {
            let message = format!(
                "{} has {} lines, more than the {bound} allowed for {what}",
                file.display, file.lines
            );
            let pos = Pos {
                line: bound.saturating_add(1),
                column: 1,
            };
            out.push(scope.at_source(file, pos, 1, message));
        }
    }
}
