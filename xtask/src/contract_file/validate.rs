//! The checks on a parsed contract that `toml` and serde cannot express. Each failure carries
//! the byte offset of the offending value, so the caller can name the line.

use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;

use super::{ContractFile, Rule, RuleKind};

/// Why a contract is malformed, and where (byte offset into the file).
#[derive(Debug)]
pub struct Invalid {
    pub offset: usize,
    pub message: String,
}

type Check = Result<(), Invalid>;

fn fail<T>(span: Range<usize>, message: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid {
        offset: span.start,
        message: message.into(),
    })
}

fn non_empty(value: &Spanned<String>, what: &str) -> Check {
    if value.get_ref().trim().is_empty() {
        return fail(value.span(), format!("{what} must not be empty"));
    }
    Ok(())
}

pub fn validate(contract: &ContractFile) -> Check {
    validate_modules(contract)?;
    validate_layers(contract)?;
    let mut names = BTreeSet::new();
    for rule in &contract.rules {
        validate_rule(contract, rule.get_ref())?;
        if !names.insert(rule.get_ref().name()) {
            let name = &rule.get_ref().name;
            return fail(
                name.span(),
                format!("duplicate rule name `{}`", name.get_ref()),
            );
        }
    }
    for suppression in &contract.suppressions {
        let s = suppression.get_ref();
        if !names.contains(s.rule.get_ref().as_str()) {
            return fail(
                s.rule.span(),
                format!("suppression names unknown rule `{}`", s.rule.get_ref()),
            );
        }
        non_empty(&s.reason, "a suppression's `reason`")?;
        if s.file.trim().is_empty() || s.line == 0 || s.column == Some(0) {
            return fail(
                suppression.span(),
                "a suppression needs a `file` and a 1-based `line` (and `column`, if given)",
            );
        }
    }
    Ok(())
}

/// `[modules] support` names runtime modules that were never extracted: none of them may be in
/// `extracted` too, and none may be listed twice.
fn validate_modules(contract: &ContractFile) -> Check {
    let Some(support) = &contract.modules.support else {
        return Ok(());
    };
    let mut seen = BTreeSet::new();
    for name in support.get_ref() {
        if name.trim().is_empty() {
            return fail(
                support.span(),
                "a `[modules] support` name must not be empty",
            );
        }
        if !seen.insert(name.as_str()) {
            return fail(
                support.span(),
                format!("module `{name}` is listed twice in `[modules] support`"),
            );
        }
        if contract.modules.extracted.contains(name) {
            return fail(
                support.span(),
                format!(
                    "module `{name}` is in both `[modules] extracted` and `[modules] support`: \
                     a support module is one never extracted from an engine"
                ),
            );
        }
    }
    Ok(())
}

fn validate_layers(contract: &ContractFile) -> Check {
    let mut layer_names = BTreeSet::new();
    let mut crates = BTreeSet::new();
    for layer in &contract.layers {
        non_empty(&layer.name, "a layer's `name`")?;
        if !layer_names.insert(layer.name.get_ref().as_str()) {
            return fail(layer.name.span(), "duplicate layer name");
        }
        if layer.crates.is_empty() {
            return fail(layer.name.span(), "a layer needs at least one crate");
        }
        for crate_name in &layer.crates {
            non_empty(crate_name, "a crate folder")?;
            if !crates.insert(crate_name.get_ref().as_str()) {
                return fail(
                    crate_name.span(),
                    format!("crate `{}` is in more than one layer", crate_name.get_ref()),
                );
            }
        }
    }
    if let Some(first) = contract.layers.first() {
        let named = contract.engines.iter().chain([&contract.runtime]);
        for crate_name in named {
            if !crates.contains(crate_name.as_str()) {
                return fail(
                    first.name.span(),
                    format!("`{crate_name}` (from `engines`/`runtime`) is in no [[layers]] entry"),
                );
            }
        }
    }
    for pending in &contract.pending {
        non_empty(&pending.reason, "a pending crate's `reason`")?;
        if !crates.contains(pending.crate_name.get_ref().as_str()) {
            return fail(
                pending.crate_name.span(),
                format!(
                    "pending crate `{}` is in no layer",
                    pending.crate_name.get_ref()
                ),
            );
        }
    }
    Ok(())
}

/// The optional keys of a rule, with the span of each one present.
fn present_keys(rule: &Rule) -> Vec<(&'static str, Range<usize>)> {
    fn span<T>(key: &'static str, v: Option<&Spanned<T>>) -> Option<(&'static str, Range<usize>)> {
        v.map(|v| (key, v.span()))
    }
    [
        span("crates", rule.crates.as_ref()),
        span("layers", rule.layers.as_ref()),
        span("include_tests", rule.include_tests.as_ref()),
        span("paths", rule.paths.as_ref()),
        span("allow", rule.allow.as_ref()),
        span("dev_allow", rule.dev_allow.as_ref()),
        span("words", rule.words.as_ref()),
        span("patterns", rule.patterns.as_ref()),
        span("max_lines", rule.max_lines.as_ref()),
        span("max_test_lines", rule.max_test_lines.as_ref()),
        span("note", rule.note.as_ref()),
        span("heading", rule.heading.as_ref()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `(keys the kind takes, keys it requires)`; `crates`/`layers` are handled apart.
fn keys_of(kind: RuleKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        RuleKind::Layers
        | RuleKind::Independence
        | RuleKind::NoLocalCopy
        | RuleKind::ModuleNameClash => (&["include_tests"], &[]),
        RuleKind::NoNestedCrate => (&[], &[]),
        RuleKind::OwnershipTable => (&["note", "heading"], &["note", "heading"]),
        RuleKind::ForbiddenImport => (&["include_tests", "paths"], &["paths"]),
        RuleKind::DependencyAllowlist => (&["allow", "dev_allow"], &["allow"]),
        RuleKind::ForbiddenVocabulary => (&["words"], &["words"]),
        RuleKind::ForbiddenPattern => (&["include_tests", "patterns"], &["patterns"]),
        RuleKind::MaxFileLines => (&["max_lines", "max_test_lines"], &["max_lines"]),
    }
}

fn validate_rule(contract: &ContractFile, rule: &Rule) -> Check {
    let name = rule.name.get_ref();
    non_empty(&rule.name, "a rule's `name`")?;
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return fail(
            rule.name.span(),
            "a rule name uses only a-z, 0-9, `-` and `_`",
        );
    }
    non_empty(&rule.reason, "a rule's `reason`")?;
    let kind = rule.kind();
    let (takes, requires) = keys_of(kind);
    let present = present_keys(rule);
    // `layers` and `ownership-table` rules know their crates: no `crates`/`layers` keys.
    let fixed_scope = matches!(kind, RuleKind::Layers | RuleKind::OwnershipTable);
    for (key, span) in &present {
        let scope_key = matches!(*key, "crates" | "layers");
        if (scope_key && fixed_scope) || (!scope_key && !takes.contains(key)) {
            return fail(
                span.clone(),
                format!("rule `{name}` of kind `{}` takes no `{key}`", kind.as_str()),
            );
        }
    }
    for key in requires {
        if !present.iter().any(|(k, _)| k == key) {
            return fail(rule.kind.span(), format!("rule `{name}` needs `{key}`"));
        }
    }
    if !fixed_scope && rule.crates.is_none() && rule.layers.is_none() {
        return fail(
            rule.kind.span(),
            format!("rule `{name}` needs `crates` or `layers`"),
        );
    }
    if kind == RuleKind::Layers && contract.layers.len() < 2 {
        return fail(
            rule.kind.span(),
            "a `layers` rule needs at least two [[layers]]",
        );
    }
    validate_references(contract, rule)?;
    validate_values(rule)
}

fn validate_references(contract: &ContractFile, rule: &Rule) -> Check {
    if let Some(crates) = &rule.crates {
        for crate_name in crates.get_ref() {
            if contract.layer_of(crate_name).is_none() {
                return fail(
                    crates.span(),
                    format!("crate `{crate_name}` is in no layer"),
                );
            }
        }
    }
    if let Some(layers) = &rule.layers {
        for layer in layers.get_ref() {
            if !contract.layers.iter().any(|l| l.name.get_ref() == layer) {
                return fail(layers.span(), format!("unknown layer `{layer}`"));
            }
        }
    }
    Ok(())
}

fn validate_values(rule: &Rule) -> Check {
    if let Some(paths) = &rule.paths {
        for path in paths.get_ref() {
            let ok = !path.is_empty()
                && path.trim_start_matches("::").split("::").all(|segment| {
                    !segment.is_empty() && segment.chars().all(|c| c.is_alphanumeric() || c == '_')
                });
            if !ok {
                return fail(
                    paths.span(),
                    format!("`{path}` is not a path such as `a::b`"),
                );
            }
        }
    }
    if let Some(patterns) = &rule.patterns {
        for pattern in patterns.get_ref() {
            let tokens = pattern.parse::<proc_macro2::TokenStream>();
            if tokens.map_or(true, |t| t.is_empty()) {
                return fail(
                    patterns.span(),
                    format!("pattern `{pattern}` is not Rust tokens"),
                );
            }
        }
    }
    if let Some(words) = &rule.words {
        for word in words.get_ref() {
            if word.is_empty() || !word.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return fail(
                    words.span(),
                    format!("word `{word}` must be lowercase snake_case"),
                );
            }
        }
    }
    for text in [&rule.note, &rule.heading].into_iter().flatten() {
        non_empty(text, "an `ownership-table` rule's `note` and `heading`")?;
    }
    for bound in [&rule.max_lines, &rule.max_test_lines]
        .into_iter()
        .flatten()
    {
        if *bound.get_ref() == 0 {
            return fail(bound.span(), "a line bound must be at least 1");
        }
    }
    Ok(())
}
