//! SARIF 2.1.0, the one writer shared by the subcommands that emit it (`contract --format
//! sarif`, `dup-report --format sarif`): the log with one run, and physical locations relative
//! to the repository root (`SRCROOT`). Each subcommand supplies its rules and results.

use serde_json::{Value, json};

/// The schema the log names (validated against in `tests/sarif_schema.rs`).
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log of one run of `tool`, pretty JSON ending with a newline.
#[must_use]
pub(crate) fn log(tool: &str, rules: &[Value], results: &[Value]) -> String {
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": tool,
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "the repository root"}}},
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

/// A location at a line and column (1-based) of a repository file.
#[must_use]
pub(crate) fn point(file: &str, line: usize, column: usize) -> Value {
    physical(file, &json!({"startLine": line, "startColumn": column}))
}

/// A location spanning whole lines `start..=end` (1-based) of a repository file.
#[must_use]
pub(crate) fn lines(file: &str, start: u32, end: u32) -> Value {
    assert!(
        start >= 1 && end >= start,
        "a line span must be 1-based and ordered"
    );
    physical(file, &json!({"startLine": start, "endLine": end}))
}

fn physical(file: &str, region: &Value) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": file, "uriBaseId": "SRCROOT"},
            "region": region,
        }
    })
}
