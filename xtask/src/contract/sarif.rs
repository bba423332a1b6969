//! SARIF 2.1.0, for code-scanning UIs: one run, one reporting descriptor per contract rule
//! (plus `unmatched-suppression`), one result per violation; suppressed violations are results
//! with an external suppression and its justification.

use serde_json::{Value, json};

use super::{Report, Violation};
use crate::sarif::{log, point};

const UNMATCHED: &str = "unmatched-suppression";

/// The SARIF log as pretty JSON.
#[must_use]
pub fn sarif(report: &Report) -> String {
    log(
        "cargo xtask contract",
        &descriptors(report),
        &results(report),
    )
}

fn descriptors(report: &Report) -> Vec<Value> {
    let mut rules: Vec<Value> = report
        .rules
        .iter()
        .map(|rule| {
            let mut descriptor = json!({
                "id": rule.name,
                "name": rule.kind,
                "shortDescription": {"text": rule.reason},
                "fullDescription": {"text": rule.reason},
                "defaultConfiguration": {"level": "error"},
                "properties": {"kind": rule.kind},
            });
            if let Some(hint) = &rule.hint {
                descriptor["help"] = json!({"text": hint});
            }
            descriptor
        })
        .collect();
    rules.push(json!({
        "id": UNMATCHED,
        "name": UNMATCHED,
        "shortDescription": {"text": "a suppression in the contract matches no violation"},
        "defaultConfiguration": {"level": "error"},
    }));
    rules
}

fn results(report: &Report) -> Vec<Value> {
    let index = |name: &str| {
        report
            .rules
            .iter()
            .position(|r| r.name == name)
            .unwrap_or(report.rules.len())
    };
    let mut results: Vec<Value> = report
        .violations
        .iter()
        .map(|v| result(v, index(&v.rule)))
        .collect();
    for suppressed in &report.suppressed {
        let v = &suppressed.violation;
        let mut value = result(v, index(&v.rule));
        value["suppressions"] = json!([
            {"kind": "external", "justification": suppressed.suppression_reason}
        ]);
        results.push(value);
    }
    for unmatched in &report.unmatched_suppressions {
        results.push(json!({
            "ruleId": UNMATCHED,
            "ruleIndex": report.rules.len(),
            "level": "error",
            "message": {"text": format!(
                "the suppression of `{}` at {}:{} matches no violation",
                unmatched.rule, unmatched.file, unmatched.line
            )},
            "locations": [point(&report.contract, unmatched.contract_line, 1)],
        }));
    }
    results
}

fn result(v: &Violation, rule_index: usize) -> Value {
    json!({
        "ruleId": v.rule,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": v.message},
        "locations": [point(&v.file, v.line, v.column)],
        "properties": {"kind": v.kind, "root": v.root},
    })
}
