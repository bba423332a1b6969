//! Deep nesting is a parse error, never a crash: the built binary on a file generated at test
//! time for each shape that overflowed the parser's stack before the nesting limit (parentheses
//! about 700 deep, blocks 10,000 deep, macro delimiters 100,000 deep), in `dup-report` (listed
//! under `parse_errors`, exit 0) and in `contract` (the error naming file, line and column,
//! exit 2); and a file just under the limit still parses.

mod common;

use std::path::Path;
use std::process::Output;

use common::{copy_tree, fixture, json, xtask};

/// The limit the binary enforces (`MAX_NESTING_DEPTH` in `xtask/src/source/nesting.rs`), as
/// documented in `docs/dup-report.md`: written out, so that changing it changes this test too.
const LIMIT: usize = 256;

/// A shape: its name, how deep, and the source of a file nested that deep inside one function
/// body, with the 1-based column on line 2 of the first delimiter past [`LIMIT`].
struct Shape {
    name: &'static str,
    source: String,
    column: usize,
}

fn shapes() -> Vec<Shape> {
    let nest = |open: &str, inner: &str, close: &str, depth: usize| {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
    };
    let file = |body: String| format!("fn f() {{\n    {body}\n}}\n");
    // The body's `{` is level 1, so level `LIMIT + 1` is the `LIMIT`-th delimiter of line 2.
    vec![
        Shape {
            name: "parentheses",
            source: file(format!("let x = {};", nest("(", "1", ")", 700))),
            column: "    let x = ".len() + LIMIT,
        },
        Shape {
            name: "blocks",
            source: file(nest("{", "", "}", 10_000)),
            column: "    ".len() + LIMIT,
        },
        Shape {
            name: "macro delimiters",
            source: file(format!("m!({});", nest("[", "", "]", 100_000))),
            // `(` is level 2, the first `[` level 3.
            column: "    m!(".len() + LIMIT - 1,
        },
    ]
}

/// A function nested exactly [`LIMIT`] deep (the body, then `LIMIT - 1` parentheses), long
/// enough for dup-report to compare.
fn just_under_the_limit(name: &str) -> String {
    let parens = LIMIT - 1;
    format!(
        "pub fn {name}(a: u8) -> u8 {{\n    let b = a + 1;\n    let c = b * 2;\n    \
         let d = c - a;\n    let e = d + b;\n    {}e{}\n}}\n",
        "(".repeat(parens),
        ")".repeat(parens)
    )
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn dup_report_json(root: &Path) -> serde_json::Value {
    let root = root.display().to_string();
    json(&xtask(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["dup-report", &root, "--format", "json"],
    ))
}

#[test]
fn dup_report_lists_each_deep_shape_as_a_parse_error_and_goes_on() {
    for shape in shapes() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("engine/src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("deep.rs"), &shape.source).unwrap();
        std::fs::write(src.join("fine.rs"), "pub fn g() -> u8 {\n    1\n}\n").unwrap();
        let report = dup_report_json(&dir.path().join("engine"));
        let errors = report["parse_errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{}: {errors:?}", shape.name);
        let error = &errors[0];
        assert!(
            error["file"]
                .as_str()
                .unwrap()
                .ends_with("engine/src/deep.rs"),
            "{}: {error}",
            shape.name
        );
        assert_eq!(
            (error["line"].as_u64(), error["column"].as_u64()),
            (Some(2), Some(shape.column as u64)),
            "{}",
            shape.name
        );
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("nested more than {LIMIT} deep")),
            "{}: {message}",
            shape.name
        );
        assert_eq!(report["files_scanned"], 2, "{}", shape.name);
    }
}

#[test]
fn dup_report_parses_a_file_just_under_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    for engine in ["engine-a", "engine-b"] {
        let src = dir.path().join(engine).join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("deep.rs"), just_under_the_limit("deep")).unwrap();
    }
    let roots: Vec<String> = ["engine-a", "engine-b"]
        .iter()
        .map(|e| dir.path().join(e).display().to_string())
        .collect();
    let output = xtask(
        dir.path(),
        &["dup-report", &roots[0], &roots[1], "--format", "json"],
    );
    let report = json(&output);
    assert_eq!(report["parse_errors"], serde_json::json!([]));
    // Parsed, so the two copies are found as a clone.
    let clones = report["clones"].as_array().unwrap();
    assert_eq!(clones.len(), 1, "{clones:?}");
    assert_eq!(clones[0]["kind"], "exact");
}

/// A copy of the `clean` contract fixture with `alpha/src/deep.rs` holding `source`.
fn contract_with(source: &str) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("clean"), dir.path());
    std::fs::write(dir.path().join("alpha/src/deep.rs"), source).unwrap();
    let root = dir.path().display().to_string();
    let output = xtask(dir.path(), &["contract", "--root", &root]);
    (dir, output)
}

#[test]
fn contract_names_each_deep_shape_as_a_file_that_does_not_parse() {
    for shape in shapes() {
        let (_dir, output) = contract_with(&shape.source);
        let error = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{}: {error}", shape.name);
        let expected = format!(
            "error: alpha/src/deep.rs:2:{}: does not parse: delimiters nested more than {LIMIT} deep",
            shape.column
        );
        assert!(error.starts_with(&expected), "{}: {error}", shape.name);
        assert_eq!(error.lines().count(), 1, "{}: {error}", shape.name);
    }
}

#[test]
fn contract_checks_a_file_just_under_the_limit() {
    let (_dir, output) = contract_with(&just_under_the_limit("deep"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}
