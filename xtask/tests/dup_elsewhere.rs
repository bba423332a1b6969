//! `dup-report` away from this repository: `--rev` on a temporary git repository made by the
//! test, and runs outside any repository (paths relative to the current directory, default
//! runtime module map).

mod common;

use common::{json, xtask};

use std::path::Path;
use std::process::Command;

fn git(cwd: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(cwd)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

const WAL: &str = "pub fn scan(bytes: &[u8]) -> usize {
    let mut offset = 0;
    while offset + 4 <= bytes.len() {
        let len = bytes[offset] as usize;
        if offset + 4 + len > bytes.len() {
            break;
        }
        offset += 4 + len;
    }
    offset
}
";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A workspace with engines `a` and `b`; `wal.rs` is copied into both at the first commit.
fn temporary_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("Cargo.toml"), "[workspace]\nmembers = []\n");
    write(&root.join("a/src/wal.rs"), WAL);
    write(&root.join("b/src/wal.rs"), WAL);
    git(root, &["init", "--quiet"]);
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "two copies"]);
    dir
}

fn worktrees(root: &Path) -> usize {
    git(root, &["worktree", "list"]).lines().count()
}

#[test]
fn rev_computes_the_baseline_in_a_temporary_worktree_and_removes_it() {
    let dir = temporary_repository();
    let root = dir.path();
    // After "extraction": b's copy is gone, c has one.
    std::fs::remove_file(root.join("b/src/wal.rs")).unwrap();
    write(&root.join("b/src/lib.rs"), "pub fn b() {}\n");
    write(&root.join("c/src/wal.rs"), WAL);
    let report = json(&xtask(
        root,
        &[
            "dup-report",
            "a",
            "b",
            "c",
            "--rev",
            "HEAD",
            "--format",
            "json",
        ],
    ));
    assert_eq!(report["summary"]["duplicated_lines"], 11);
    assert_eq!(report["clones"][0]["locations"][0]["file"], "a/src/wal.rs");
    let baseline = &report["baseline"];
    assert_eq!(baseline["ref"], "HEAD");
    assert_eq!(baseline["duplicated_lines"], 11);
    // Outside a repository's contract, `wal` is runtime by the default module map.
    assert_eq!(baseline["runtime_duplicated_lines"], 11);
    assert_eq!(baseline["delta"]["duplicated_lines"], 0);
    assert_eq!(
        baseline["delta"]["by_pair"],
        serde_json::json!([
            {"a": "a", "b": "b", "before": 11, "after": 0},
            {"a": "a", "b": "c", "before": 0, "after": 11}
        ])
    );
    assert_eq!(worktrees(root), 1, "the temporary worktree is removed");
    let human = xtask(root, &["dup-report", "a", "b", "c", "--rev", "HEAD"]);
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("baseline HEAD: duplicated 11 -> 11 (+0)"),
        "{text}"
    );
    assert!(text.contains("pair a ~ b: 11 -> 0"), "{text}");
}

#[test]
fn rev_errors_exit_2_and_leave_no_worktree() {
    let dir = temporary_repository();
    let root = dir.path();
    let unknown = xtask(root, &["dup-report", "a", "b", "--rev", "no-such-rev"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--rev no-such-rev"));
    assert_eq!(worktrees(root), 1);
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("x/src/wal.rs"), WAL);
    let x = outside.path().join("x");
    let out = xtask(
        root,
        &["dup-report", "a", x.to_str().unwrap(), "--rev", "HEAD"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the repository"));
    assert_eq!(worktrees(root), 1);
}

#[test]
fn outside_any_repository_paths_are_relative_to_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    write(&cwd.join("crate-a/src/wal.rs"), WAL);
    write(&cwd.join("crate-b/src/bounded_queue.rs"), WAL);
    write(&cwd.join("crate-b/src/command.rs"), WAL);
    let elsewhere = tempfile::tempdir().unwrap();
    write(&elsewhere.path().join("crate-c/src/wal.rs"), WAL);
    let c = elsewhere.path().join("crate-c");
    let report = json(&xtask(
        cwd,
        &[
            "dup-report",
            "crate-a",
            "crate-b",
            c.to_str().unwrap(),
            "--format",
            "json",
        ],
    ));
    let clone = &report["clones"][0];
    let files: Vec<&str> = clone["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["file"].as_str().unwrap())
        .collect();
    let absolute = format!("{}/src/wal.rs", c.display());
    let mut expected = vec![
        "crate-a/src/wal.rs",
        "crate-b/src/bounded_queue.rs",
        "crate-b/src/command.rs",
        absolute.as_str(),
    ];
    expected.sort_unstable();
    assert_eq!(files, expected);
    // `command` is not in the default runtime map, so the class is domain code.
    assert_eq!(clone["category"], "domain");
    assert_eq!(
        report["roots"][0],
        serde_json::json!({"name": "crate-a", "path": "crate-a"})
    );
    // Without ROOTs and without `contracts/`, there is nothing to name the engines: exit 2.
    assert_eq!(xtask(cwd, &["dup-report"]).status.code(), Some(2));
}

#[test]
fn roots_with_one_folder_name_are_named_by_their_paths() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    write(&cwd.join("one/core/src/wal.rs"), WAL);
    write(&cwd.join("two/core/src/wal.rs"), WAL);
    let report = json(&xtask(
        cwd,
        &["dup-report", "one/core", "two/core", "--format", "json"],
    ));
    assert_eq!(
        report["summary"]["by_pair"],
        serde_json::json!([{"a": "one/core", "b": "two/core", "duplicated_lines": 11}])
    );
}

#[test]
fn a_root_given_twice_or_inside_another_is_scanned_once() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    write(&cwd.join("a/src/wal.rs"), WAL);
    write(&cwd.join("b/src/wal.rs"), WAL);
    let report = json(&xtask(
        cwd,
        &["dup-report", "a", "./a", "b", "a/src", "--format", "json"],
    ));
    // A file is never compared with itself: each file is read once, under the first root
    // that holds it.
    assert_eq!(report["files_scanned"], 2);
    assert_eq!(report["summary"]["duplicated_lines"], 11);
    let files: Vec<&str> = report["clones"][0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["a/src/wal.rs", "b/src/wal.rs"]);
    assert_eq!(
        report["summary"]["by_pair"],
        serde_json::json!([{"a": "a", "b": "b", "duplicated_lines": 11}])
    );
}

#[test]
fn a_file_that_is_not_utf8_is_listed_at_its_first_invalid_byte() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    write(&cwd.join("a/src/wal.rs"), WAL);
    std::fs::write(
        cwd.join("a/src/latin1.rs"),
        b"fn f() {}\nconst X: &str = \"caf\xe9\";\n",
    )
    .unwrap();
    let report = json(&xtask(cwd, &["dup-report", "a", "--format", "json"]));
    assert_eq!(
        report["parse_errors"],
        serde_json::json!([{"file": "a/src/latin1.rs", "line": 2, "column": 21,
                            "message": "file is not valid UTF-8"}])
    );
    assert_eq!(report["lines_scanned"], 13);
}

#[test]
fn rev_warns_when_the_revision_carries_another_detector_version() {
    let dir = temporary_repository();
    let root = dir.path();
    let old = "//! dup-report\npub const DETECTOR_VERSION: u32 = 0;\n";
    write(&root.join("xtask/src/dup.rs"), old);
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "an older detector"]);
    let output = xtask(root, &["dup-report", "a", "b", "--rev", "HEAD"]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let version = xtask::dup::DETECTOR_VERSION;
    assert!(
        stderr.contains(&format!(
            "warning: dup-report: HEAD carries detector version 0; both sides are measured here by version {version}"
        )),
        "{stderr}"
    );
    // Without the tool in the revision (or with the same version), nothing to warn about.
    let plain = temporary_repository();
    let output = xtask(plain.path(), &["dup-report", "a", "b", "--rev", "HEAD"]);
    assert!(output.status.success());
    assert!(output.stderr.is_empty(), "{:?}", output.stderr);
}
