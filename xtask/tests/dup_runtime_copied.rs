//! `runtime_copied_lines`: code copied back out of the runtime crate counts whatever the copy's
//! file is called, so a rename cannot hide it (the module map only sees file names).

mod common;

use std::path::Path;

use common::{json, xtask};

const SCAN: &str = "pub fn scan(bytes: &[u8]) -> usize {\n    let mut offset = 0;\n    while offset < bytes.len() {\n        offset += 1;\n        if bytes[offset - 1] == 0 {\n            break;\n        }\n    }\n    offset\n}\n";
const OTHER: &str = "pub fn other(x: u32) -> u32 {\n    x + 1\n}\n";

/// A repository with a contract, `runtime/src/wal.rs`, and two engines: `engine-a` holds
/// `engine_a_copy` in `src/<file>`, `engine-b` holds unrelated code.
fn repository(engine_a_file: &str, engine_a_copy: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "contracts/runtime-contract.toml",
        "schema = 1\nengines = [\"engine-a\", \"engine-b\"]\nruntime = \"runtime\"\n[modules]\nruntime = [\"wal\"]\nextracted = [\"wal\"]\n[budget]\nmax_runtime_duplicated_lines = 0\n",
    );
    write("runtime/src/wal.rs", SCAN);
    write(&format!("engine-a/src/{engine_a_file}"), engine_a_copy);
    write("engine-b/src/lib.rs", OTHER);
    dir
}

fn report(root: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--root", root.to_str().unwrap(), "dup-report"];
    args.extend_from_slice(extra);
    xtask(root, &args)
}

#[test]
fn a_runtime_function_pasted_under_another_file_name_is_copied_lines() {
    let repo = repository("log.rs", SCAN);
    let found = json(&report(repo.path(), &["--format", "json"]));
    let summary = &found["summary"];
    assert_eq!(summary["runtime_copied_lines"], 10, "{summary}");
    assert_eq!(
        summary["runtime_duplicated_lines"], 0,
        "`log` is not a runtime module: the module map alone would miss the copy"
    );
    assert_eq!(found["clones"][0]["category"], "domain");

    let over = report(repo.path(), &["--max-runtime-copied", "0"]);
    assert_eq!(over.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&over.stderr);
    assert!(
        stderr.contains("runtime_copied_lines 10 exceeds the budget of 0"),
        "{stderr}"
    );
    assert_eq!(
        report(repo.path(), &["--max-runtime-copied", "10"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn an_engine_without_a_copy_of_the_runtime_counts_zero() {
    let repo = repository("log.rs", OTHER);
    let found = json(&report(repo.path(), &["--format", "json"]));
    assert_eq!(found["summary"]["runtime_copied_lines"], 0);
    assert_eq!(
        report(repo.path(), &["--max-runtime-copied", "0"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn the_human_report_states_the_copied_lines() {
    let repo = repository("frames.rs", SCAN);
    let out = report(repo.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("copied out of the runtime: 10"), "{stdout}");
}
