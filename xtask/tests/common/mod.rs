//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xtask::contract::Report;

/// The fixture tree `name` under `tests/fixtures/contract/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/contract")
        .join(name)
}

/// Runs the check on `root` with its own contract, or `contract` when given.
pub fn check(root: &Path, contract: Option<&Path>) -> Report {
    let root = xtask::workspace::absolute(root).unwrap();
    let contract = contract.map_or_else(
        || xtask::contract::default_contract(&root),
        Path::to_path_buf,
    );
    xtask::contract::check(&root, &contract).unwrap()
}

/// `(rule, file, line, column)` of every violation, in report order.
pub fn found(report: &Report) -> Vec<(&str, &str, usize, usize)> {
    report
        .violations
        .iter()
        .map(|v| (v.rule.as_str(), v.file.as_str(), v.line, v.column))
        .collect()
}

/// Copies the tree at `from` into `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs the built `xtask` binary with `args` in `cwd`.
pub fn xtask(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("the xtask binary runs")
}

/// The JSON document a successful run printed.
pub fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the report is JSON")
}

/// Runs git in `dir` as a test identity (no signing); panics when it fails. Returns stdout,
/// trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?} failed");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}
