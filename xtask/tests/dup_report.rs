//! `cargo xtask dup-report` end to end: the built binary on the fixture trees of
//! `tests/fixtures/dup/` (see its README for what is planted where).

mod common;

use common::{json, xtask};

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const FIXTURE: &str = "xtask/tests/fixtures/dup";
const ENGINES: [&str; 3] = ["engine-a", "engine-b", "engine-c"];

fn fixture_roots() -> Vec<String> {
    ENGINES.iter().map(|e| format!("{FIXTURE}/{e}")).collect()
}

fn dup_report(cwd: &Path, roots: &[String], extra: &[&str]) -> Output {
    let mut args = vec!["dup-report"];
    args.extend(roots.iter().map(String::as_str));
    args.extend_from_slice(extra);
    xtask(cwd, &args)
}

/// `(kind, similarity, lines, category, [(file, item, start, end)])` of every clone.
type Found = (String, f64, u64, String, Vec<(String, String, u64, u64)>);

fn clones(report: &Value) -> Vec<Found> {
    let text = |v: &Value, k: &str| v[k].as_str().unwrap().to_owned();
    report["clones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let locations = c["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let file = text(l, "file").replace(&format!("{FIXTURE}/"), "");
                    let lines = (
                        l["start_line"].as_u64().unwrap(),
                        l["end_line"].as_u64().unwrap(),
                    );
                    (file, text(l, "item"), lines.0, lines.1)
                })
                .collect();
            let similarity = c["similarity"].as_f64().unwrap();
            (
                text(c, "kind"),
                similarity,
                c["lines"].as_u64().unwrap(),
                text(c, "category"),
                locations,
            )
        })
        .collect()
}

fn location(file: &str, item: &str, start: u64, end: u64) -> (String, String, u64, u64) {
    (file.to_owned(), item.to_owned(), start, end)
}

#[test]
fn planted_clones_are_found_with_kind_lines_and_locations_and_decoys_are_not() {
    let report = json(&dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "json"],
    ));
    let expected: Vec<Found> = vec![
        (
            "exact".into(),
            1.0,
            8,
            "domain".into(),
            vec![
                location("engine-a/src/command.rs", "fn encode_header", 3, 10),
                location("engine-b/src/command.rs", "fn encode_header", 3, 10),
            ],
        ),
        (
            "renamed".into(),
            1.0,
            21,
            "runtime".into(),
            vec![
                location("engine-a/src/fixed_map.rs", "impl LeaseTable", 8, 29),
                location("engine-b/src/fixed_map.rs", "impl BucketTable", 8, 29),
            ],
        ),
        (
            "near".into(),
            0.838,
            18,
            "runtime".into(),
            vec![
                location("engine-a/src/retire_queue.rs", "fn drain_due", 3, 20),
                location("engine-c/src/retire_queue.rs", "fn drain_due", 3, 21),
            ],
        ),
        // The inconsistent renaming: identical shape, no bijection: at most `near`.
        (
            "near".into(),
            1.0,
            9,
            "runtime".into(),
            vec![
                location("engine-a/src/snapshot_file.rs", "fn checksum", 3, 11),
                location("engine-b/src/snapshot_file.rs", "fn checksum", 3, 11),
            ],
        ),
        // One class of three copies, comments and blank lines ignored.
        (
            "exact".into(),
            1.0,
            13,
            "runtime".into(),
            vec![
                location("engine-a/src/wal.rs", "fn scan_frames", 4, 16),
                location("engine-b/src/wal.rs", "fn scan_frames", 8, 23),
                location("engine-c/src/wal.rs", "fn scan_frames", 4, 16),
            ],
        ),
    ];
    assert_eq!(clones(&report), expected);
    let ids: Vec<&str> = report["clones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["C1", "C2", "C3", "C4", "C5"]);
}

#[test]
fn every_class_counts_once_and_pairs_overlap() {
    let report = json(&dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "json"],
    ));
    let summary = &report["summary"];
    // (k - 1) * L: 8 + 21 + 18 + 9 + 2 * 13.
    assert_eq!(summary["duplicated_lines"], 82);
    assert_eq!(summary["runtime_duplicated_lines"], 74);
    assert_eq!(summary["domain_duplicated_lines"], 8);
    // Every pair of copies counts L, so pairs add up to more than the total (13 counted 3x).
    let pairs: Vec<(String, String, u64)> = summary["by_pair"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["a"].as_str().unwrap().into(),
                p["b"].as_str().unwrap().into(),
                p["duplicated_lines"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("engine-a".into(), "engine-b".into(), 8 + 21 + 9 + 13),
            ("engine-a".into(), "engine-c".into(), 18 + 13),
            ("engine-b".into(), "engine-c".into(), 13),
        ]
    );
    assert_eq!(
        summary["by_module"][4],
        serde_json::json!({
            "module": "wal", "roots": ["engine-a", "engine-b", "engine-c"], "duplicated_lines": 26
        })
    );
}

#[test]
fn a_file_that_does_not_parse_is_listed_with_line_and_column_and_the_run_goes_on() {
    let report = json(&dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "json"],
    ));
    let errors = report["parse_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0]["file"],
        format!("{FIXTURE}/engine-c/src/broken.rs")
    );
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["column"].as_u64()),
        (Some(3), Some(14))
    );
    assert_eq!(report["clones"].as_array().unwrap().len(), 5);
    assert_eq!(report["files_scanned"], 15);
}

#[test]
fn json_schema_is_stable() {
    let output = dup_report(&repo_root(), &fixture_roots(), &["--format", "json"]);
    insta::assert_snapshot!(
        "fixture_report_json",
        String::from_utf8(output.stdout).unwrap()
    );
}

#[test]
fn human_and_markdown_renderings_are_stable() {
    for format in ["human", "markdown"] {
        let output = dup_report(&repo_root(), &fixture_roots(), &["--format", format]);
        let text = String::from_utf8(output.stdout).unwrap();
        insta::assert_snapshot!(format!("fixture_report_{format}"), text);
    }
}

#[test]
fn same_tree_same_bytes_in_every_format() {
    for format in ["human", "json", "markdown", "html"] {
        let first = dup_report(&repo_root(), &fixture_roots(), &["--format", format]);
        let second = dup_report(&repo_root(), &fixture_roots(), &["--format", format]);
        assert!(first.status.success());
        assert_eq!(
            first.stdout, second.stdout,
            "{format} output differs between runs"
        );
    }
}

#[test]
fn test_code_is_compared_only_with_include_tests() {
    let report = json(&dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "json", "--include-tests"],
    ));
    let found = clones(&report);
    assert_eq!(found.len(), 6);
    assert!(found.contains(&(
        "exact".into(),
        1.0,
        8,
        "runtime".into(),
        vec![
            location(
                "engine-a/src/wal.rs",
                "fn empty_input_has_no_frames",
                26,
                33
            ),
            location(
                "engine-b/src/wal.rs",
                "fn empty_input_has_no_frames",
                29,
                36
            ),
        ]
    )));
}

#[test]
fn nothing_shorter_than_min_lines_is_reported() {
    let report = json(&dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "json", "--min-lines", "14"],
    ));
    let lines: Vec<u64> = clones(&report).iter().map(|c| c.2).collect();
    assert_eq!(lines, [21, 18]);
    let report = json(&dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "json", "--min-lines", "3"],
    ));
    // `frame_len` (3 lines, exact in engines a and b) now counts too.
    assert!(
        clones(&report)
            .iter()
            .any(|c| c.4[0].1 == "fn frame_len" && c.4.len() == 2)
    );
}

#[test]
fn similarity_threshold_decides_near_clones() {
    let report = json(&dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "json", "--similarity", "0.9"],
    ));
    let kinds: Vec<(String, f64)> = clones(&report).iter().map(|c| (c.0.clone(), c.1)).collect();
    assert_eq!(
        kinds,
        [
            ("exact".into(), 1.0),
            ("renamed".into(), 1.0),
            ("near".into(), 1.0),
            ("exact".into(), 1.0)
        ]
    );
}

#[test]
fn max_runtime_dup_fails_only_above_the_budget() {
    let roots = fixture_roots();
    assert_eq!(
        dup_report(&repo_root(), &roots, &["--max-runtime-dup", "74"])
            .status
            .code(),
        Some(0)
    );
    let over = dup_report(&repo_root(), &roots, &["--max-runtime-dup", "73"]);
    assert_eq!(over.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&over.stderr)
            .contains("runtime_duplicated_lines 74 exceeds the budget of 73")
    );
}

#[test]
fn errors_exit_2_with_one_line_naming_the_file() {
    let missing = dup_report(&repo_root(), &["no/such/crate".to_owned()], &[]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("no/such/crate: not a directory"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    let bad = dup_report(&repo_root(), &fixture_roots(), &["--similarity", "1.5"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad_baseline = dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--baseline", "Cargo.toml"],
    );
    assert_eq!(bad_baseline.status.code(), Some(2));
    // 2 wins over 1: a budget of 0 is exceeded, but the missing root is the error.
    let both = dup_report(
        &repo_root(),
        &["no/such/crate".to_owned()],
        &["--max-runtime-dup", "0"],
    );
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn baseline_file_gives_the_delta_per_module_and_pair() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before.json");
    let two = fixture_roots()[..2].to_vec();
    let out = dup_report(
        &repo_root(),
        &two,
        &["--format", "json", "--out", before.to_str().unwrap()],
    );
    assert!(out.status.success());
    let report = json(&dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "json", "--baseline", before.to_str().unwrap()],
    ));
    let baseline = &report["baseline"];
    assert_eq!(baseline["ref"], before.to_str().unwrap());
    assert_eq!(report["detector_version"], xtask::dup::DETECTOR_VERSION);
    assert_eq!(baseline["detector_version"], xtask::dup::DETECTOR_VERSION);
    // Without engine c: wal has 2 copies (13) and retire_queue none.
    assert_eq!(baseline["duplicated_lines"], 8 + 21 + 9 + 13);
    assert_eq!(baseline["delta"]["duplicated_lines"], 82 - 51);
    assert_eq!(baseline["delta"]["runtime_duplicated_lines"], 74 - 43);
    let modules = baseline["delta"]["by_module"].as_array().unwrap();
    assert!(
        modules.contains(&serde_json::json!({"module": "retire_queue", "before": 0, "after": 18}))
    );
    assert!(modules.contains(&serde_json::json!({"module": "wal", "before": 13, "after": 26})));
    let pairs = baseline["delta"]["by_pair"].as_array().unwrap();
    assert!(pairs.contains(
        &serde_json::json!({"a": "engine-a", "b": "engine-c", "before": 0, "after": 31})
    ));
    // The html report shows the delta too (it is the file people open).
    let html = dup_report(
        &repo_root(),
        &fixture_roots(),
        &["--format", "html", "--baseline", before.to_str().unwrap()],
    );
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(html.contains("<h2>Against the baseline</h2>"), "{html}");
    assert!(html.contains(": duplicated 51 -&gt; 82 (+31)"), "{html}");
}

#[test]
fn html_is_one_self_contained_file_with_matrix_and_highlighted_differences() {
    let output = dup_report(&repo_root(), &fixture_roots(), &["--format", "html"]);
    let html = String::from_utf8(output.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("http"));
    assert!(html.contains("Engine &times; engine"));
    // The renamed copy: the renamed type is highlighted on both sides.
    assert!(html.contains("<em>LeaseTable</em>") && html.contains("<em>BucketTable</em>"));
    assert!(html.contains("<em>4096,</em>") && html.contains("<em>1024, &quot;bucket</em>"));
    let markdown = String::from_utf8(
        dup_report(&repo_root(), &fixture_roots(), &["--format", "markdown"]).stdout,
    )
    .unwrap();
    assert!(
        markdown.contains("| **engine-a** | 0 | 51 | 31 |"),
        "{markdown}"
    );
}

#[test]
fn a_baseline_of_another_detector_version_is_compared_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    let args = ["--format", "json", "--baseline", path.to_str().unwrap()];
    // A report older than the field was measured by version 1.
    let old = r#"{"schema": 1, "summary": {"duplicated_lines": 5, "runtime_duplicated_lines": 0}}"#;
    for (text, version) in [
        (old.to_owned(), 1),
        (old.replace("1,", "1, \"detector_version\": 0,"), 0),
    ] {
        std::fs::write(&path, text).unwrap();
        let output = dup_report(&repo_root(), &fixture_roots(), &args);
        assert_eq!(json(&output)["baseline"]["detector_version"], version);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let warned = stderr.contains(&format!(
            "was measured by detector version {version}, this report by version {}",
            xtask::dup::DETECTOR_VERSION
        ));
        assert_eq!(warned, version != xtask::dup::DETECTOR_VERSION, "{stderr}");
    }
    std::fs::write(&path, old.replace("1,", "1, \"detector_version\": \"x\",")).unwrap();
    let bad = dup_report(&repo_root(), &fixture_roots(), &args);
    assert_eq!(bad.status.code(), Some(2));
}
