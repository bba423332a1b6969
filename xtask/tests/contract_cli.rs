//! The `cargo xtask contract` binary: exit codes 0/1/2 (2 wins), one-line errors naming the
//! file and line, `--root` from another directory, and the JSON and SARIF documents.

mod common;

use std::path::Path;
use std::process::Output;

use common::{copy_tree, fixture, xtask};
use serde_json::Value;

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A copy of the `clean` fixture, to break in one way.
fn clean_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("clean"), dir.path());
    dir
}

fn root_arg(dir: &Path) -> String {
    dir.display().to_string()
}

#[test]
fn exit_0_when_clean_1_on_violations_from_any_directory() {
    let elsewhere = tempfile::tempdir().unwrap();
    let clean = fixture("clean");
    let output = xtask(elsewhere.path(), &["contract", "--root", &root_arg(&clean)]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = xtask(
        elsewhere.path(),
        &["contract", "--root", &root_arg(&fixture("layers"))],
    );
    assert_eq!(code(&output), 1);
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Paths are relative to the checked repository, not to the current directory.
    assert!(stdout.contains(" --> runtime/src/lib.rs:9:18"), "{stdout}");
}

#[test]
fn exit_2_on_a_malformed_contract_naming_the_line() {
    let dir = clean_copy();
    let contract = dir.path().join("contracts/runtime-contract.toml");
    let text = std::fs::read_to_string(&contract).unwrap();
    std::fs::write(
        &contract,
        text.replace("kind = \"layers\"", "kind = \"layerz\""),
    )
    .unwrap();
    let output = xtask(dir.path(), &["contract", "--root", &root_arg(dir.path())]);
    assert_eq!(code(&output), 2);
    let error = stderr(&output);
    assert!(
        error.starts_with("error: contracts/runtime-contract.toml:34: malformed contract: unknown variant `layerz`"),
        "{error}"
    );
    assert_eq!(error.lines().count(), 1, "{error}");
}

#[test]
fn exit_2_wins_over_violations_when_a_file_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("layers"), dir.path());
    std::fs::write(
        dir.path().join("alpha/src/broken.rs"),
        "fn f() {\n    let = 1;\n}\n",
    )
    .unwrap();
    let output = xtask(dir.path(), &["contract", "--root", &root_arg(dir.path())]);
    assert_eq!(code(&output), 2);
    let error = stderr(&output);
    assert!(
        error.starts_with("error: alpha/src/broken.rs:2:9: does not parse"),
        "{error}"
    );
}

#[test]
fn exit_2_on_a_malformed_manifest_with_one_line_naming_file_and_line() {
    let dir = clean_copy();
    std::fs::write(
        dir.path().join("alpha/Cargo.toml"),
        "[package]\nname = \"alpha\"\n\n[dependencies\nruntime = { path = \"../runtime\" }\n",
    )
    .unwrap();
    let output = xtask(dir.path(), &["contract", "--root", &root_arg(dir.path())]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: alpha/Cargo.toml:4: malformed manifest: invalid table header; expected `.`, `]`\n"
    );
}

#[test]
fn exit_2_when_a_listed_crate_folder_is_missing_and_not_pending() {
    let dir = clean_copy();
    let contract = dir.path().join("contracts/runtime-contract.toml");
    let text = std::fs::read_to_string(&contract).unwrap();
    let not_pending = text.replace("crate = \"beta\"", "crate = \"app\"");
    let not_pending = not_pending.replacen("crate = \"app\"", "crate = \"runtime\"", 1);
    std::fs::write(&contract, not_pending).unwrap();
    let output = xtask(dir.path(), &["contract", "--root", &root_arg(dir.path())]);
    assert_eq!(code(&output), 2);
    let error = stderr(&output);
    assert!(
        error.contains("contracts/runtime-contract.toml:18: crate folder `beta` (layer `engines`) does not exist"),
        "{error}"
    );
}

#[test]
fn exit_2_on_bad_usage_and_a_missing_root_or_contract() {
    let dir = tempfile::tempdir().unwrap();
    let output = xtask(dir.path(), &["contract", "--format", "yaml"]);
    assert_eq!(code(&output), 2);
    let missing = dir.path().join("nope");
    let output = xtask(dir.path(), &["contract", "--root", &root_arg(&missing)]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("not a directory"));
    let output = xtask(
        dir.path(),
        &[
            "contract",
            "--root",
            &root_arg(dir.path()),
            "--contract",
            "none.toml",
        ],
    );
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("reading the contract"),
        "{}",
        stderr(&output)
    );
}

fn json_of(root: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["contract", "--root"];
    let root = root_arg(root);
    args.push(&root);
    args.extend(extra);
    let output = xtask(Path::new(env!("CARGO_MANIFEST_DIR")), &args);
    let value = serde_json::from_slice(&output.stdout).unwrap();
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    (code(&output), value, text)
}

#[test]
fn json_schema_1_lists_violations_suppressed_and_unmatched_in_a_stable_order() {
    let root = fixture("forbidden-pattern");
    let contract = root.join("suppressed.toml").display().to_string();
    let (exit, value, text) = json_of(&root, &["--format", "json", "--contract", &contract]);
    assert_eq!(exit, 1);
    let keys = [
        "\"schema\"",
        "\"violations\"",
        "\"suppressed\"",
        "\"unmatched_suppressions\"",
        "\"notes\"",
    ];
    let at: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(at.is_sorted(), "top-level keys out of order: {text}");
    assert!(text.starts_with("{\n  \"schema\": 1,"), "{text}");
    assert_eq!(value["schema"], 1);
    let first = &value["violations"][0];
    let mut fields: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["column", "file", "kind", "line", "message", "root", "rule"]
    );
    assert_eq!(first["rule"], "patterns");
    assert_eq!(first["kind"], "forbidden-pattern");
    assert_eq!(first["root"], "alpha");
    assert_eq!(first["file"], "alpha/src/lib.rs");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(12), Some(5))
    );
    assert_eq!(value["suppressed"][0]["line"], 9);
    assert_eq!(
        value["suppressed"][0]["suppression_reason"],
        "the fixture's one audited unsafe block"
    );
    assert_eq!(
        value["unmatched_suppressions"][0]["file"],
        "alpha/src/gone.rs"
    );
    assert_eq!(value["unmatched_suppressions"][0]["contract_line"], 50);
    // Same input, same bytes.
    let again = json_of(&root, &["--format", "json", "--contract", &contract]).2;
    assert_eq!(text, again);
}

#[test]
fn sarif_2_1_0_has_rules_results_locations_and_suppressions() {
    let root = fixture("forbidden-pattern");
    let contract = root.join("suppressed.toml").display().to_string();
    let (exit, log, _) = json_of(&root, &["--format", "sarif", "--contract", &contract]);
    assert_eq!(exit, 1);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(run["tool"]["driver"]["name"], "cargo xtask contract");
    let results = run["results"].as_array().unwrap();
    // Two violations, one suppressed violation, one stale suppression.
    assert_eq!(results.len(), 4);
    for result in results {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["level"], "error");
        assert!(result["message"]["text"].is_string());
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"].is_string());
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(12), Some(5))
    );
    assert_eq!(results[2]["suppressions"][0]["kind"], "external");
    assert_eq!(results[3]["ruleId"], "unmatched-suppression");
}
