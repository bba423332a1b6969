//! The four miss classes of issue 16, each planted in `tests/fixtures/dup/misses/` (see the
//! fixtures' README): the built binary must find them, with every copy listed and every line
//! counted once.

mod common;

use common::{json, xtask};

use std::path::Path;

use serde_json::Value;

const MISSES: &str = "xtask/tests/fixtures/dup/misses";

fn report() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let roots = [format!("{MISSES}/engine-a"), format!("{MISSES}/engine-b")];
    let mut args = vec!["dup-report", "--format", "json"];
    args.extend(roots.iter().map(String::as_str));
    json(&xtask(&root, &args))
}

/// `(kind, lines, duplicated_lines, ["engine/file:item"])` of the clone holding `item`.
fn clone_of(report: &Value, item: &str) -> (String, u64, u64, Vec<String>) {
    let clone = report["clones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            let locations = c["locations"].as_array().unwrap();
            locations.iter().any(|l| l["item"] == item)
        })
        .unwrap_or_else(|| panic!("no clone holds {item}"));
    let locations = clone["locations"].as_array().unwrap().iter().map(|l| {
        let file = l["file"]
            .as_str()
            .unwrap()
            .replace(&format!("{MISSES}/"), "");
        format!("{file}:{}", l["item"].as_str().unwrap())
    });
    (
        clone["kind"].as_str().unwrap().to_owned(),
        clone["lines"].as_u64().unwrap(),
        clone["duplicated_lines"].as_u64().unwrap(),
        locations.collect(),
    )
}

#[test]
fn several_copies_in_one_file_are_distinct_copies() {
    let (kind, lines, duplicated, locations) = clone_of(&report(), "fn encode_option_u64");
    assert_eq!((kind.as_str(), lines, duplicated), ("renamed", 9, 3 * 9));
    assert_eq!(
        locations,
        [
            "engine-a/src/codec.rs:fn encode_option_u64",
            "engine-a/src/codec.rs:fn encode_option_u128",
            "engine-b/src/codec.rs:fn encode_option_u64",
            "engine-b/src/codec.rs:fn encode_option_u128",
        ]
    );
}

#[test]
fn a_copy_counted_in_a_larger_clone_is_still_listed() {
    let report = report();
    // The impl block copied whole counts its 17 lines once ...
    let (kind, lines, duplicated, _) = clone_of(&report, "impl WalFile");
    assert_eq!((kind.as_str(), lines, duplicated), ("exact", 17, 17));
    // ... so its `temp_path` copies add no line, but the helper's class lists all four
    // copies: only the two in `snapshot_file.rs` are counted.
    let (kind, lines, duplicated, locations) = clone_of(&report, "fn WalFile::temp_path");
    assert_eq!((kind.as_str(), lines, duplicated), ("exact", 8, 2 * 8));
    assert_eq!(
        locations,
        [
            "engine-a/src/snapshot_file.rs:fn SnapshotFile::temp_path",
            "engine-a/src/wal_file.rs:fn WalFile::temp_path",
            "engine-b/src/snapshot_file.rs:fn SnapshotFile::temp_path",
            "engine-b/src/wal_file.rs:fn WalFile::temp_path",
        ]
    );
    // Every line once: the totals are the classes' own figures, whatever they list.
    let sum: u64 = report["clones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["duplicated_lines"].as_u64().unwrap())
        .sum();
    assert_eq!(report["summary"]["duplicated_lines"], sum);
    assert_eq!(sum, 27 + 17 + 16 + 6 + 18 + 8);
}

#[test]
fn a_copy_with_added_statements_is_a_gapped_near_clone() {
    let report = report();
    let (kind, lines, duplicated, locations) = clone_of(&report, "fn replay");
    // 18 source lines in engine-a; engine-b adds an observer, a size check and a count, so
    // the similarity is below 0.80 while all of engine-a's shape lines are matched.
    assert_eq!((kind.as_str(), lines, duplicated), ("near", 18, 18));
    assert_eq!(
        locations,
        [
            "engine-a/src/recovery.rs:fn replay",
            "engine-b/src/recovery.rs:fn replay",
        ]
    );
    let clone = report["clones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["locations"][0]["item"] == "fn replay")
        .unwrap();
    let similarity = clone["similarity"].as_f64().unwrap();
    assert!(similarity < 0.8, "{similarity}");
}

#[test]
fn a_helper_with_every_name_changed_is_a_renamed_clone() {
    let (kind, lines, duplicated, locations) = clone_of(&report(), "fn insert_hold");
    assert_eq!((kind.as_str(), lines, duplicated), ("renamed", 8, 8));
    assert_eq!(
        locations,
        [
            "engine-a/src/state_machine.rs:fn insert_hold",
            "engine-b/src/state_machine.rs:fn insert_operation",
        ]
    );
}

#[test]
fn a_gapped_clone_lists_the_lines_each_copy_matches() {
    let report = report();
    let clones = report["clones"].as_array().unwrap();
    let gapped = clones
        .iter()
        .find(|c| c["locations"][0]["item"] == "fn replay")
        .unwrap();
    // engine-a's copy matches but its one-line signature (split over four lines in
    // engine-b); engine-b's matched lines skip what it added (the observer, the size check,
    // the count).
    insta::assert_snapshot!(
        "gapped_clone_json",
        serde_json::to_string_pretty(gapped).unwrap()
    );
    // Only gapped copies carry ranges.
    let with_ranges = clones
        .iter()
        .flat_map(|c| c["locations"].as_array().unwrap())
        .filter(|l| l.get("matched").is_some())
        .count();
    assert_eq!(with_ranges, 2);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let roots = [format!("{MISSES}/engine-a"), format!("{MISSES}/engine-b")];
    let mut args = vec!["dup-report"];
    args.extend(roots.iter().map(String::as_str));
    let output = xtask(&root, &args);
    let human = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = human.lines().filter(|l| l.contains("fn replay")).collect();
    insta::assert_snapshot!("gapped_clone_human", lines.join("\n"));
}
