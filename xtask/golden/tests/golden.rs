//! The golden traces: every scenario of every engine against its committed insta snapshot.
//!
//! One test, so that one process owns insta's global state (a failing snapshot in another test
//! thread must never be charged to this one, nor the other way round). Every scenario runs, all
//! failures are collected, and the test fails once at the end naming each of them:
//! changed traces (insta prints the diff), scenario errors, result codes that no golden shows,
//! and snapshots that no scenario produces.
//!
//! `GOLDEN_BLESS=1` (set by `cargo xtask golden --bless`, with `INSTA_UPDATE=always`) also
//! deletes stale snapshots.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

#[test]
fn golden_traces() {
    let root = repo_root();
    let bless = std::env::var_os("GOLDEN_BLESS").is_some();
    let mut failures = Vec::new();
    for engine in golden::ENGINES {
        let files =
            golden::scenario_files(&root, engine).expect("the scenarios folder is readable");
        if files.is_empty() {
            failures.push(format!("{engine}: no scenarios in {engine}/scenarios"));
        }
        let snapshots = root.join(engine).join("scenarios/snapshots");
        let mut seen = BTreeSet::new();
        let mut stems = BTreeSet::new();
        for path in &files {
            let stem = path
                .file_stem()
                .expect("a .scn file has a stem")
                .to_string_lossy()
                .into_owned();
            stems.insert(stem.clone());
            let shown = format!("{engine}/scenarios/{stem}.scn");
            match golden::run_file(engine, path, &shown) {
                Ok(output) => {
                    seen.extend(output.codes_seen);
                    if !snapshot_matches(&snapshots, path, &stem, &output.trace) {
                        failures.push(format!(
                            "{shown}: trace differs from {engine}/scenarios/snapshots/{stem}.snap"
                        ));
                    }
                }
                Err(error) => failures.push(format!(
                    "scenario error: {error}\n    trace up to it:\n      {}",
                    error.trace.trim_end().replace('\n', "\n      ")
                )),
            }
        }
        let all = golden::drivers::result_codes(engine);
        failures.extend(golden::checks::missing_codes(engine, &all, &seen));
        failures.extend(
            golden::checks::stale_snapshots(&snapshots, &stems, bless)
                .expect("a stale snapshot can be removed"),
        );
    }
    assert!(
        failures.is_empty(),
        "golden check failed:\n  {}",
        failures.join("\n  ")
    );
}

fn snapshot_matches(snapshots: &Path, input: &Path, stem: &str, trace: &str) -> bool {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshots);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(input);
    catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(stem.to_owned(), trace));
    }))
    .is_ok()
}
