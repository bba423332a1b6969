//! End to end: `cargo xtask bench --against REV` on a tiny fixture repository, never on this
//! one (CI must not build two release benches of the engines).
//!
//! The fixture's `bench` package is a fake: its binary prints the JSON report the real bench
//! would (schema 1), with fixed figures that differ between commits and the `build_commit`
//! xtask compiled into it. So the test proves that REV's binary and the current one both ran
//! (the ratios are the two commits' figures over each other) and that each side reports its
//! own commit; no time is measured or asserted. The error cases: a REV without a `bench`
//! package, and a REV whose bench prints another schema.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::git;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn write(repo: &Path, path: &str, text: &str) {
    let path = repo.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The fake bench: `apply` commands/s and batch 1's `ratio_to_raw` vary by commit.
fn fake_bench(schema: u32, apply: f64, batch_1_ratio_to_raw: f64) -> String {
    let template = r#"fn main() {
    let args: Vec<String> = std::env::args().collect();
    let engine = args.iter().position(|a| a == "--engine").map(|i| args[i + 1].clone());
    let engine = engine.unwrap_or_else(|| "allocdb-core".to_string());
    let commit = option_env!("XTASK_BENCH_COMMIT").map_or("null".to_string(), |c| format!("\"{c}\""));
    println!("{{\"schema\": SCHEMA, \"build_commit\": {commit}, \"machine\": {{\"commit\": \"tree\"}}, \
        \"engines\": [{{\"engine\": \"{engine}\", \"apply\": {{\"commands_per_second\": APPLY}}, \
        \"durable\": [{{\"batch\": 1, \"ratio_to_raw\": BATCH1}}, {{\"batch\": 256, \"ratio_to_raw\": 1.5}}], \
        \"recovery\": {{\"replay_commands_per_second\": 1000.0, \"scan_mb_per_second\": 100.0}}}}]}}");
}
"#;
    template
        .replace("SCHEMA", &schema.to_string())
        .replace("APPLY", &format!("{apply:.1}"))
        .replace("BATCH1", &format!("{batch_1_ratio_to_raw:.1}"))
}

const BENCH_MANIFEST: &str = "[package]\nname = \"bench\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bin]]\nname = \"bench\"\npath = \"src/main.rs\"\n";

/// Four commits: no bench package; a bench of schema 0; schema 1 at apply 100/s; schema 1 at
/// apply 200/s with a batch-1 ratio to raw of 2.0 (twice as slow, not gated). Returns the
/// abbreviated ids of the last two.
fn fixture(repo: &Path) -> (String, String) {
    git(repo, &["init", "--quiet"]);
    write(repo, ".gitignore", "target/\nCargo.lock\n");
    write(
        repo,
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"lib\"]\n",
    );
    write(
        repo,
        "lib/Cargo.toml",
        "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(repo, "lib/src/lib.rs", "");
    git(repo, &["add", "--all"]);
    git(repo, &["commit", "--quiet", "-m", "no bench"]);
    write(
        repo,
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"lib\", \"xtask/bench\"]\n",
    );
    write(repo, "xtask/bench/Cargo.toml", BENCH_MANIFEST);
    write(repo, "xtask/bench/src/main.rs", &fake_bench(0, 100.0, 1.0));
    git(repo, &["add", "--all"]);
    git(
        repo,
        &["commit", "--quiet", "-m", "a bench of another schema"],
    );
    write(repo, "xtask/bench/src/main.rs", &fake_bench(1, 100.0, 1.0));
    git(repo, &["commit", "--quiet", "-am", "schema 1"]);
    let rev = git(repo, &["rev-parse", "--short", "HEAD"]);
    write(repo, "xtask/bench/src/main.rs", &fake_bench(1, 200.0, 2.0));
    git(repo, &["commit", "--quiet", "-am", "twice as fast"]);
    (git(repo, &["rev-parse", "--short", "HEAD"]), rev)
}

fn bench_against(repo: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["bench", "--root"])
        .arg(repo)
        .args(["--engine", "quota-core", "--against"])
        .args(args)
        .env(
            "XTASK_AGAINST_TARGET_DIR",
            repo_root().join("target/bench-against-test"),
        )
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("xtask runs")
}

fn text(output: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    (stdout, stderr)
}

fn row<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let rows = report["rows"].as_array().unwrap();
    rows.iter().find(|row| row["row"] == name).unwrap()
}

#[test]
fn both_sides_run_and_report_their_commits_and_bad_revisions_are_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let (current, rev) = fixture(repo);

    let output = bench_against(repo, &["HEAD~1", "--format", "json"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // Each side's commit is compiled into its binary and checked by xtask.
    assert_eq!(report["current"]["commit"], current.as_str());
    assert_eq!(report["rev"]["commit"], rev.as_str());
    assert_eq!(report["current"]["source"], "build_commit");
    assert_eq!(report["rows"].as_array().unwrap().len(), 5);
    let apply = row(&report, "apply 1x");
    assert_eq!(apply["pairs"].as_array().unwrap().len(), 10);
    assert_eq!(apply["ratio"]["median"], 2.0, "200/s over 100/s");
    assert_eq!(apply["verdict"], "pass");
    let batch_1 = row(&report, "durable batch 1");
    assert_eq!(batch_1["ratio"]["upper_quartile"], 0.5);
    assert_eq!(
        batch_1["verdict"], "not_gated",
        "fsync-bound rows never gate"
    );
    assert_eq!(row(&report, "WAL scan")["ratio"]["median"], 1.0);

    let output = bench_against(repo, &["HEAD~1", "--pairs", "10"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with(&format!("current: {current} vs HEAD~1: {rev};")),
        "{stdout}"
    );
    assert!(
        stdout.contains("| quota-core | apply 1x | 2.000 | 2.000 to 2.000 | 200 commands/s | 100 commands/s | pass |"),
        "{stdout}"
    );
    assert!(stdout.contains("| durable batch 1 | 0.500 |"), "{stdout}");

    // A slower working tree fails the gate (exit 1) and is named as dirty.
    write(repo, "xtask/bench/src/main.rs", &fake_bench(1, 90.0, 1.0));
    let output = bench_against(repo, &["HEAD~1"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with(&format!("current: {current}+dirty vs")),
        "{stdout}"
    );
    assert!(stdout.contains("| apply 1x | 0.900 |"), "{stdout}");
    assert!(stdout.contains("**FAIL**"), "{stdout}");
    assert!(stdout.contains("gate: 1 of 4 CPU-bound row(s)"), "{stdout}");

    bad_revisions_are_named_errors(repo);

    let worktrees = git(repo, &["worktree", "list"]);
    assert_eq!(
        worktrees.lines().count(),
        1,
        "the temporary worktrees are removed"
    );
}

/// REV with a bench of another schema, REV without a bench package, a section with nothing
/// to compare: exit 2 with a named error, never a panic.
fn bad_revisions_are_named_errors(repo: &Path) {
    let output = bench_against(repo, &["HEAD~2"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("its JSON report has schema 0; this xtask reads schema 1"),
        "{stderr}"
    );
    assert!(stderr.contains("the bench of HEAD~2"), "{stderr}");

    let output = bench_against(repo, &["HEAD~3"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("HEAD~3 has no `bench` package"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let output = bench_against(repo, &["HEAD~1", "--only", "tooling"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output)
            .1
            .contains("compares the engine sections only")
    );
}
