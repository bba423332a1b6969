//! `cargo xtask dup-report --history`: the built binary on a small git repository made here
//! (two engines copying a runtime module, a commit that changes only docs, an extraction, a
//! malformed contract, a file that does not parse), each row checked against a plain
//! `dup-report` of that commit's checkout (the same measurement, read from the disk).

mod common;

use std::path::Path;

use common::{git, json, xtask};
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dup");

fn contract(extracted: &str) -> String {
    format!(
        "schema = 1\nengines = [\"alpha\", \"beta\"]\nruntime = \"rt\"\n\
         [modules]\nruntime = [\"wal\"]\nextracted = [{extracted}]\n\
         [budget]\nmax_runtime_duplicated_lines = 0\n"
    )
}

fn write(repo: &Path, path: &str, text: &str) {
    let path = repo.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(Path::new(FIXTURE).join(path)).unwrap()
}

fn commit(repo: &Path, message: &str) -> String {
    git(repo, &["add", "--all"]);
    git(repo, &["commit", "--quiet", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

/// Five commits; returns their ids, oldest first.
fn make_repo(repo: &Path) -> Vec<String> {
    git(repo, &["init", "--quiet"]);
    // A workspace manifest makes the folder a repository for xtask.
    write(repo, "Cargo.toml", "[workspace]\n");
    write(repo, "contracts/runtime-contract.toml", &contract(""));
    for (engine, source) in [("alpha", "engine-a"), ("beta", "engine-b")] {
        for file in ["wal.rs", "command.rs"] {
            let text = fixture(&format!("{source}/src/{file}"));
            write(repo, &format!("{engine}/src/{file}"), &text);
        }
    }
    let mut ids = vec![commit(repo, "two engines, one wal copied")];
    write(repo, "README.md", "docs only\n");
    ids.push(commit(repo, "docs only | a pipe"));
    std::fs::create_dir_all(repo.join("rt/src")).unwrap();
    std::fs::rename(repo.join("alpha/src/wal.rs"), repo.join("rt/src/wal.rs")).unwrap();
    std::fs::remove_file(repo.join("beta/src/wal.rs")).unwrap();
    write(
        repo,
        "contracts/runtime-contract.toml",
        &contract("\"wal\""),
    );
    ids.push(commit(repo, "extract wal"));
    write(repo, "contracts/runtime-contract.toml", "engines = [\n");
    ids.push(commit(repo, "break the contract"));
    write(
        repo,
        "contracts/runtime-contract.toml",
        &contract("\"wal\""),
    );
    write(
        repo,
        "beta/src/broken.rs",
        &fixture("engine-c/src/broken.rs"),
    );
    ids.push(commit(repo, "a file that does not parse"));
    ids
}

fn history(repo: &Path, format: &str) -> std::process::Output {
    xtask(
        repo,
        &["dup-report", "--history", "HEAD", "--format", format],
    )
}

/// The keys appear first in this order in the document.
fn in_order(text: &str, keys: &[&str]) {
    let at: Vec<usize> = keys
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).expect("every key is there"))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{keys:?} at {at:?}");
}

#[test]
fn every_commit_has_its_row_measured_as_a_checkout_would_be() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let ids = make_repo(repo);
    let output = history(repo, "json");
    let value = json(&output);
    let text = String::from_utf8(output.stdout).unwrap();
    in_order(&text, &["schema", "detector_version", "history"]);
    in_order(
        &text,
        &[
            "commit",
            "subject",
            "extracted",
            "runtime",
            "runtime_copied",
            "domain",
            "by_module",
        ],
    );
    assert_eq!(value.as_object().unwrap().len(), 3);
    assert_eq!(value["schema"], 1);
    let rows = value["history"].as_array().unwrap();
    let commits: Vec<&str> = rows.iter().map(|r| r["commit"].as_str().unwrap()).collect();
    assert_eq!(commits, ids);
    assert_eq!(rows[0].as_object().unwrap().len(), 7);
    assert_eq!(rows[1]["subject"], "docs only | a pipe");
    // The copied `scan_frames` (13 lines) is runtime duplication until the extraction.
    let figures = |row: &Value| (row["runtime"].as_u64(), row["runtime_copied"].as_u64());
    assert_eq!(figures(&rows[0]), (Some(13), Some(0)));
    assert_eq!(figures(&rows[2]), (Some(0), Some(0)));
    assert_eq!(rows[2]["extracted"], serde_json::json!(["wal"]));
    // The malformed contract: a row with the error and no figures, not an abort.
    assert!(rows[3]["runtime"].is_null() && rows[3]["domain"].is_null());
    let error = rows[3]["error"].as_str().unwrap();
    assert!(error.contains("runtime-contract.toml: not TOML"), "{error}");
    let error = rows[4]["error"].as_str().unwrap();
    assert_eq!(error, "does not parse (left out): beta/src/broken.rs:3:14");
    // Each measured row is what `dup-report` says on that commit's checkout.
    for (row, id) in rows.iter().zip(&ids) {
        if row["runtime"].is_null() {
            continue;
        }
        git(repo, &["checkout", "--quiet", id]);
        let plain = json(&xtask(repo, &["dup-report", "--format", "json"]));
        let summary = &plain["summary"];
        assert_eq!(row["runtime"], summary["runtime_duplicated_lines"], "{id}");
        assert_eq!(row["domain"], summary["domain_duplicated_lines"], "{id}");
        assert_eq!(
            row["runtime_copied"], summary["runtime_copied_lines"],
            "{id}"
        );
        let modules: Vec<(&Value, &Value)> = summary["by_module"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (&m["module"], &m["duplicated_lines"]))
            .collect();
        let listed: Vec<(&Value, &Value)> = row["by_module"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (&m["module"], &m["duplicated_lines"]))
            .collect();
        assert_eq!(listed, modules, "{id}");
    }
}

#[test]
fn unchanged_trees_reuse_figures_and_files_are_parsed_once() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    make_repo(repo);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(repo)
        .args(["dup-report", "--history", "HEAD"])
        .env("XTASK_DUP_TIMINGS", "1")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The docs-only commit reuses the first one's figures; the broken contract is not
    // measured; of the 4 + 3 + 4 files of the measured commits, the first 4, then the moved
    // wal.rs, then broken.rs are parsed.
    assert!(
        stderr.contains("commits: 5, measured: 3, reused: 1, files_listed: 11, files_parsed: 6"),
        "{stderr}"
    );
}

#[test]
fn tables_mark_extraction_commits_and_the_chart_labels_them() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let ids = make_repo(repo);
    let markdown = String::from_utf8(history(repo, "markdown").stdout).unwrap();
    let lines: Vec<&str> = markdown.lines().collect();
    assert_eq!(lines.len(), 2 + 5);
    assert!(lines[2].starts_with(&format!("| `{}` | 13 | 0 |", &ids[0][..7])));
    assert!(
        lines[3].ends_with("|  | docs only \\| a pipe |"),
        "{}",
        lines[3]
    );
    assert!(lines[4].starts_with(&format!("| **`{}`** | 0 | 0 |", &ids[2][..7])));
    assert!(lines[4].contains("| **+ wal** |"), "{}", lines[4]);
    assert!(lines[5].contains("| - | - | - | - |"), "{}", lines[5]);
    let human = String::from_utf8(history(repo, "human").stdout).unwrap();
    assert!(human.contains("+ wal"));
    let html = String::from_utf8(history(repo, "html").stdout).unwrap();
    assert!(html.contains("<svg") && html.contains(&format!(">wal {}</text>", &ids[2][..7])));
    assert!(!html.contains("<script") && !html.contains("http"));
    assert_eq!(
        html,
        String::from_utf8(history(repo, "html").stdout).unwrap()
    );
}

#[test]
fn a_bad_range_or_sarif_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    make_repo(repo);
    for args in [
        &["dup-report", "--history", "no-such-rev..HEAD"][..],
        &["dup-report", "--history=--all"],
        &["dup-report", "--history", "HEAD", "--format", "sarif"],
    ] {
        let output = xtask(repo, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}

#[test]
fn each_commit_s_test_features_make_gated_modules_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "--quiet"]);
    write(repo, "Cargo.toml", "[workspace]\n");
    for (engine, source) in [("alpha", "engine-a"), ("beta", "engine-b")] {
        let gated = "#[cfg(feature = \"model\")]\nmod model;\n";
        write(repo, &format!("{engine}/src/lib.rs"), gated);
        let text = fixture(&format!("{source}/src/wal.rs"));
        write(repo, &format!("{engine}/src/model.rs"), &text);
    }
    let with = contract("").replace(
        "extracted = []",
        "extracted = []\ntest_features = [\"model\"]",
    );
    write(repo, "contracts/runtime-contract.toml", &with);
    commit(repo, "the model is test code");
    write(repo, "contracts/runtime-contract.toml", &contract(""));
    commit(repo, "the model is production code");
    let value = json(&history(repo, "json"));
    let domain: Vec<Option<u64>> = value["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["domain"].as_u64())
        .collect();
    // `scan_frames` (13 lines) copied in both engines' `model.rs`: left out while `model` is a
    // test feature, a domain clone once it is not.
    assert_eq!(domain, [Some(0), Some(13)]);
}

/// `docs/extraction-log.md` embeds the markdown history of a fixed range, named in its begin
/// marker (`<!-- history:begin RANGE -->`): the block must be what `dup-report --history RANGE
/// --format markdown` prints now, so a detector or renderer change that moves a figure shows
/// here. New commits do not fail it (the range is fixed). Regenerate the block with
/// `XTASK_BLESS_HISTORY=1 cargo test -p xtask --test dup_history extraction_log`.
#[test]
fn the_extraction_log_embeds_the_current_history_of_its_range() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = repo.join("docs/extraction-log.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let begin = text.find("<!-- history:begin ").expect("a history block");
    let head_end = begin + text[begin..].find(" -->\n").expect("the begin marker ends");
    let range = &text[begin + "<!-- history:begin ".len()..head_end];
    let body_start = head_end + " -->\n".len();
    let end = text.find("<!-- history:end -->").expect("the block ends");
    let output = xtask(
        &repo,
        &["dup-report", "--history", range, "--format", "markdown"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8(output.stdout).unwrap();
    if std::env::var_os("XTASK_BLESS_HISTORY").is_some() {
        let updated = format!("{}{table}{}", &text[..body_start], &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        text[body_start..end] == table,
        "docs/extraction-log.md: the history block of {range} is not what dup-report prints \
         now; regenerate it with XTASK_BLESS_HISTORY=1 cargo test -p xtask --test dup_history \
         extraction_log (and say why the figures moved)"
    );
}
