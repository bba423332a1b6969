//! Human (rustc-style) and JSON (schema 1) output.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Report, Suppressed, Unmatched, Violation};

/// rustc-style diagnostics, then notes and a one-line summary.
#[must_use]
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for violation in &report.violations {
        diagnostic(&mut out, report, violation);
    }
    for unmatched in &report.unmatched_suppressions {
        let column = unmatched
            .column
            .map(|c| format!(":{c}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "error[contract::unmatched-suppression]: the suppression of `{}` at {}:{}{column} matches no violation",
            unmatched.rule, unmatched.file, unmatched.line
        );
        let _ = writeln!(out, "  --> {}:{}", report.contract, unmatched.contract_line);
        let _ = writeln!(out, "   = reason: {}", unmatched.reason);
        let _ = writeln!(
            out,
            "   = help: the place was fixed or moved: remove or update the suppression\n"
        );
    }
    for suppressed in &report.suppressed {
        let v = &suppressed.violation;
        let _ = writeln!(
            out,
            "note[contract::{}]: suppressed at {}:{}:{}: {} ({})",
            v.rule, v.file, v.line, v.column, v.message, suppressed.suppression_reason
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out, "{}", summary(report));
    out
}

fn diagnostic(out: &mut String, report: &Report, v: &Violation) {
    let _ = writeln!(out, "error[contract::{}]: {}", v.rule, v.message);
    let gutter = " ".repeat(v.line.to_string().len());
    let _ = writeln!(out, "{gutter}--> {}:{}:{}", v.file, v.line, v.column);
    if let Some(snippet) = &v.snippet {
        let snippet = snippet.replace('\t', " ");
        let pad = " ".repeat(v.column.saturating_sub(1));
        let _ = writeln!(out, "{gutter} |");
        let _ = writeln!(out, "{} | {}", v.line, snippet.trim_end());
        let _ = writeln!(out, "{gutter} | {pad}{}", "^".repeat(v.width.max(1)));
    }
    if let Some(rule) = report.rule(&v.rule) {
        let _ = writeln!(out, "{gutter} = reason: {}", rule.reason);
        if let Some(hint) = &rule.hint {
            let _ = writeln!(out, "{gutter} = help: {hint}");
        }
    }
    out.push('\n');
}

fn summary(report: &Report) -> String {
    let counts = format!(
        "files: {}, rules: {}, suppressed: {}",
        report.files_checked,
        report.rules.len(),
        report.suppressed.len()
    );
    if report.violations.is_empty() && report.unmatched_suppressions.is_empty() {
        format!("contract: ok ({counts})")
    } else {
        format!(
            "contract: failed: violations: {}, unmatched suppressions: {} ({counts})",
            report.violations.len(),
            report.unmatched_suppressions.len()
        )
    }
}

#[derive(Serialize)]
struct Json<'a> {
    schema: u32,
    violations: &'a [Violation],
    suppressed: &'a [Suppressed],
    unmatched_suppressions: &'a [Unmatched],
    notes: &'a [String],
}

/// The JSON document (schema 1), pretty-printed, keys in a fixed order.
#[must_use]
pub fn json(report: &Report) -> String {
    let document = Json {
        schema: 1,
        violations: &report.violations,
        suppressed: &report.suppressed,
        unmatched_suppressions: &report.unmatched_suppressions,
        notes: &report.notes,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
