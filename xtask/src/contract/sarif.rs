//! SARIF 2.1.0, for code-scanning UIs: one run, one reporting descriptor per contract rule
//! (plus `unmatched-suppression`), one result per violation; suppressed violations are results
//! with an external suppression and its justification.

use serde_json::{Value, json};

use super::{Report, Violation};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const UNMATCHED: &str = "unmatched-suppression";

/// The SARIF log as pretty JSON.
#[must_use]
pub fn sarif(report: &Report) -> String {
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cargo xtask contract",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors(report),
            }},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "the repository root"}}},
            "results": results(report),
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
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
            "locations": [location(&report.contract, unmatched.contract_line, 1)],
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
        "locations": [location(&v.file, v.line, v.column)],
        "properties": {"kind": v.kind, "root": v.root},
    })
}

fn location(file: &str, line: usize, column: usize) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": file, "uriBaseId": "SRCROOT"},
            "region": {"startLine": line, "startColumn": column},
        }
    })
}
