//! The SARIF 2.1.0 logs of `dup-report --format sarif` and `contract --format sarif` validate
//! against the OASIS schema (vendored in `tests/fixtures/sarif/`, see its README), and the
//! dup-report log says what `docs/dup-report.md` promises: one result per clone class.

mod common;

use std::path::Path;

use common::xtask;
use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
const ROOTS: [&str; 3] = [
    "xtask/tests/fixtures/dup/engine-a",
    "xtask/tests/fixtures/dup/engine-b",
    "xtask/tests/fixtures/dup/engine-c",
];

fn validator() -> jsonschema::Validator {
    let path = Path::new(MANIFEST).join("tests/fixtures/sarif/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the vendored schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, log: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn run(args: &[&str]) -> (Option<i32>, Value) {
    let output = xtask(&Path::new(MANIFEST).join(".."), args);
    let log = serde_json::from_slice(&output.stdout).expect("the log is JSON");
    (output.status.code(), log)
}

/// One result says what its clone class says: rule, message, the first copy as the location,
/// the others as related locations.
fn check_result(result: &Value, clone: &Value, rules: &[Value]) {
    let rule = format!(
        "dup/{}/{}",
        clone["kind"].as_str().unwrap(),
        clone["category"].as_str().unwrap()
    );
    assert_eq!(result["ruleId"], rule.as_str());
    let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
    assert_eq!(rules[index]["id"], result["ruleId"]);
    let message = result["message"]["text"].as_str().unwrap();
    assert!(
        message.contains(&format!("{} lines x", clone["lines"])),
        "{message}"
    );
    assert!(message.contains("similarity"), "{message}");
    let locations = clone["locations"].as_array().unwrap();
    let region = |l: &Value| {
        let physical = &l["physicalLocation"];
        (
            physical["artifactLocation"]["uri"].clone(),
            physical["region"]["startLine"].clone(),
            physical["region"]["endLine"].clone(),
        )
    };
    let copy = |l: &Value| {
        (
            l["file"].clone(),
            l["start_line"].clone(),
            l["end_line"].clone(),
        )
    };
    assert_eq!(region(&result["locations"][0]), copy(&locations[0]));
    let related = result["relatedLocations"].as_array().unwrap();
    let related: Vec<_> = related.iter().map(region).collect();
    let others: Vec<_> = locations[1..].iter().map(copy).collect();
    assert_eq!(related, others);
}

#[test]
fn the_dup_report_log_validates_with_one_result_per_clone_class() {
    let validator = validator();
    let mut args = vec!["dup-report"];
    args.extend(ROOTS);
    let (code, report) = run(&[args.clone(), vec!["--format", "json"]].concat());
    assert_eq!(code, Some(0));
    let (code, log) = run(&[args, vec!["--format", "sarif"]].concat());
    assert_eq!(code, Some(0));
    assert_valid(&validator, &log);
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cargo xtask dup-report");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "dup/exact/runtime",
            "dup/exact/domain",
            "dup/renamed/runtime",
            "dup/renamed/domain",
            "dup/near/runtime",
            "dup/near/domain"
        ]
    );
    let results = run["results"].as_array().unwrap();
    let clones = report["clones"].as_array().unwrap();
    assert_eq!(results.len(), clones.len());
    for (result, clone) in results.iter().zip(clones) {
        check_result(result, clone, rules);
    }
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "dup/exact/runtime" && r["level"] == "warning")
    );
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "dup/exact/domain" && r["level"] == "note")
    );
}

#[test]
fn the_contract_log_validates() {
    let root = Path::new(MANIFEST).join("tests/fixtures/contract/forbidden-pattern");
    let contract = root.join("suppressed.toml").display().to_string();
    let root = root.display().to_string();
    let args = [
        "contract",
        "--root",
        &root,
        "--format",
        "sarif",
        "--contract",
        &contract,
    ];
    let (code, log) = run(&args);
    assert_eq!(code, Some(1));
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 4);
    assert_valid(&validator(), &log);
}

#[test]
fn the_validator_rejects_a_log_that_breaks_the_schema() {
    let validator = validator();
    let mut args = vec!["dup-report"];
    args.extend(ROOTS);
    args.extend(["--format", "sarif"]);
    let (_, mut log) = run(&args);
    log["version"] = Value::from("2.0");
    assert!(!validator.is_valid(&log));
    log["version"] = Value::from("2.1.0");
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!validator.is_valid(&log));
}
