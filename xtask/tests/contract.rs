//! `cargo xtask contract` on fixture trees: one tree per rule kind, each with planted
//! violations and near-misses that must not fire, asserting the exact rule, file, line and
//! column; the human output of each is an insta snapshot.

mod common;

use std::fmt::Write as _;

use common::{check, fixture, found};
use xtask::Status;
use xtask::contract::output;

#[test]
fn layers_forbid_importing_upward_only() {
    let report = check(&fixture("layers"), None);
    // app -> alpha and alpha -> runtime point down; strings and comments never count.
    assert_eq!(
        found(&report),
        [("layers", "runtime/src/lib.rs", 9, 18)],
        "{report:#?}"
    );
    assert_eq!(report.status(), Status::CheckFailed);
    insta::assert_snapshot!("layers", output::human(&report));
}

#[test]
fn independence_sees_manifests_and_renamed_crates_but_not_local_modules() {
    let report = check(&fixture("independence"), None);
    assert_eq!(
        found(&report),
        [
            ("independence", "beta/Cargo.toml", 7, 1),
            ("independence", "beta/src/state.rs", 11, 15),
        ]
    );
    insta::assert_snapshot!("independence", output::human(&report));
}

#[test]
fn forbidden_imports_resolve_use_trees_paths_macros_and_extern_crates() {
    let report = check(&fixture("forbidden-import"), None);
    assert_eq!(
        found(&report),
        [
            // A path inside a macro invocation, and an attribute macro's path.
            ("collections", "alpha/src/macros.rs", 2, 39),
            ("crates", "alpha/src/macros.rs", 7, 3),
            // A fully qualified type with a leading `::`, and a name from a glob import.
            ("collections", "alpha/src/paths.rs", 2, 36),
            ("collections", "alpha/src/paths.rs", 8, 15),
            // A group with a rename, a module import, `extern crate`, a module alias.
            ("collections", "alpha/src/use_trees.rs", 1, 24),
            ("collections", "alpha/src/use_trees.rs", 1, 45),
            ("crates", "alpha/src/use_trees.rs", 3, 14),
            ("collections", "alpha/src/use_trees.rs", 5, 22),
            ("collections", "alpha/src/use_trees.rs", 6, 8),
        ]
    );
    // lib.rs names HashMap in a doc comment, a comment, a string and its test module;
    // tests/model.rs is test code, which the `collections` rule leaves out.
    insta::assert_snapshot!("forbidden_import", output::human(&report));
}

#[test]
fn dependency_allowlist_keeps_dev_only_crates_in_dev_dependencies() {
    let report = check(&fixture("dependency-allowlist"), None);
    assert_eq!(
        found(&report),
        [
            ("deps", "alpha/Cargo.toml", 8, 1),
            ("deps", "alpha/Cargo.toml", 9, 1),
        ]
    );
    assert!(report.violations[0].message.contains("`serde`"));
    assert!(
        report.violations[1]
            .message
            .contains("`proptest` in [dependencies]")
    );
    insta::assert_snapshot!("dependency_allowlist", output::human(&report));
}

#[test]
fn vocabulary_checks_whole_words_of_public_names_only() {
    let report = check(&fixture("forbidden-vocabulary"), None);
    // Not: the private `lease_helper`, `threshold` (no word `hold`), `pub(crate) hold_internal`,
    // the test module's `lease_fixture`, the private field `held`, comments and strings.
    assert_eq!(
        found(&report),
        [
            ("vocabulary", "runtime/src/lib.rs", 5, 8),
            ("vocabulary", "runtime/src/queue.rs", 3, 9),
            ("vocabulary", "runtime/src/queue.rs", 9, 5),
        ]
    );
    insta::assert_snapshot!("forbidden_vocabulary", output::human(&report));
}

#[test]
fn no_local_copy_finds_copies_by_name_and_by_code_and_leaves_namesakes_to_the_clash_rule() {
    let report = check(&fixture("no-local-copy"), None);
    // Not: `retire_queue_ext.rs`, `wal.rs` (not extracted), beta's `#[cfg(test)]` module,
    // beta's `other.rs` (as long as the copy, but not a copy) and the runtime's own
    // `retire_queue.rs`. alpha's `retire_queue.rs` is the runtime's file: a copy by name and by
    // code. beta's `fifo.rs` is the runtime's code under other names: the dup-report's matcher
    // finds it. beta's inline `engine::retire_queue` only shares the name: a name clash.
    assert_eq!(
        found(&report),
        [
            ("no-local-copy", "alpha/src/retire_queue.rs", 1, 1),
            ("no-local-copy", "alpha/src/retire_queue.rs", 7, 1),
            ("no-local-copy", "beta/src/fifo.rs", 9, 1),
            ("module-name-clash", "beta/src/lib.rs", 5, 13),
        ]
    );
    // No snapshot here: the clone kind in the message is the dup-report's call.
    assert!(
        report.violations[2]
            .message
            .contains("runtime/src/retire_queue.rs:7")
    );
    assert_eq!(
        report.violations[3].message,
        "runtime module `retire_queue` shares its name with beta's engine-local \
         `mod retire_queue` in `src/lib.rs`, which is not a copy of it: rename the runtime module"
    );
}

#[test]
fn forbidden_patterns_match_tokens_not_comments_strings_or_longer_identifiers() {
    let report = check(&fixture("forbidden-pattern"), None);
    assert_eq!(
        found(&report),
        [
            ("patterns", "alpha/src/lib.rs", 9, 5),
            ("patterns", "alpha/src/lib.rs", 12, 5),
            ("patterns", "alpha/src/lib.rs", 14, 20),
        ]
    );
    insta::assert_snapshot!("forbidden_pattern", output::human(&report));
}

#[test]
fn max_file_lines_has_a_separate_bound_for_test_files() {
    let report = check(&fixture("max-file-lines"), None);
    // long_tests.rs (a `#[cfg(test)] mod`) has 8 lines: within the test bound.
    assert_eq!(
        found(&report),
        [
            ("file-size", "alpha/src/long.rs", 6, 1),
            ("file-size", "alpha/tests/it.rs", 9, 1),
        ]
    );
    insta::assert_snapshot!("max_file_lines", output::human(&report));
}

#[test]
fn suppressions_accept_exact_places_and_stale_ones_fail() {
    let root = fixture("forbidden-pattern");
    let report = check(&root, Some(&root.join("suppressed.toml")));
    assert_eq!(
        found(&report),
        [
            ("patterns", "alpha/src/lib.rs", 12, 5),
            ("patterns", "alpha/src/lib.rs", 14, 20),
        ]
    );
    assert_eq!(report.suppressed.len(), 1);
    assert_eq!(report.suppressed[0].violation.line, 9);
    assert_eq!(
        report.suppressed[0].suppression_reason,
        "the fixture's one audited unsafe block"
    );
    let stale = &report.unmatched_suppressions;
    assert_eq!(stale.len(), 1);
    assert_eq!(
        (stale[0].file.as_str(), stale[0].line, stale[0].column),
        ("alpha/src/gone.rs", 3, Some(5))
    );
    assert_eq!(stale[0].contract_line, 50);
    assert_eq!(report.status(), Status::CheckFailed);
    insta::assert_snapshot!("suppressions", output::human(&report));
}

#[test]
fn a_suppression_alone_can_make_the_run_pass_and_only_at_its_place() {
    let root = fixture("layers");
    let dir = tempfile::tempdir().unwrap();
    let contract = dir.path().join("c.toml");
    let base = std::fs::read_to_string(root.join("contracts/runtime-contract.toml")).unwrap();
    let at = |line: usize| {
        format!(
            "{base}\n[[suppressions]]\nrule = \"layers\"\nfile = \"runtime/src/lib.rs\"\nline = {line}\nreason = \"r\"\n"
        )
    };
    std::fs::write(&contract, at(9)).unwrap();
    let report = check(&root, Some(&contract));
    assert_eq!(report.status(), Status::Ok, "{report:#?}");
    std::fs::write(&contract, at(10)).unwrap();
    let report = check(&root, Some(&contract));
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.unmatched_suppressions.len(), 1);
}

#[test]
fn a_clean_tree_and_an_empty_runtime_pass() {
    let report = check(&fixture("clean"), None);
    assert!(report.violations.is_empty(), "{report:#?}");
    assert_eq!(report.status(), Status::Ok);
}

#[test]
fn the_repository_keeps_its_own_contract() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let report = check(&root, None);
    assert!(
        report.violations.is_empty() && report.unmatched_suppressions.is_empty(),
        "{}",
        output::human(&report)
    );
    let rules: Vec<&str> = report.rules.iter().map(|r| r.kind).collect();
    for kind in [
        "layers",
        "independence",
        "forbidden-import",
        "dependency-allowlist",
        "forbidden-vocabulary",
        "no-local-copy",
        "forbidden-pattern",
        "max-file-lines",
        "ownership-table",
        "no-nested-crate",
        "module-name-clash",
    ] {
        assert!(rules.contains(&kind), "the contract has no `{kind}` rule");
    }
}

#[test]
fn the_repository_contract_passes_on_tiny_engines_and_a_runtime_of_empty_modules() {
    // The real contract, on a tree of tiny engines and a runtime whose modules are empty files:
    // the runtime rules (vocabulary, dependencies, no-local-copy, the ownership table against
    // the real note) must pass, not error.
    let dir = tempfile::tempdir().unwrap();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let contract = std::fs::read_to_string(repo.join("contracts/runtime-contract.toml")).unwrap();
    let contract = contract
        .split("[[suppressions]]")
        .next()
        .unwrap()
        .to_owned();
    let parsed: toml::Value = toml::from_str(&contract).unwrap();
    let modules: Vec<&str> = ["extracted", "support"]
        .iter()
        .flat_map(|list| parsed["modules"][list].as_array().unwrap())
        .map(|m| m.as_str().unwrap())
        .collect();
    std::fs::create_dir_all(dir.path().join("contracts")).unwrap();
    std::fs::write(dir.path().join("contracts/runtime-contract.toml"), contract).unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    let note = "docs/runtime-vs-engine-contract.md";
    std::fs::copy(repo.join(note), dir.path().join(note)).unwrap();
    // Every engine the contract lists (read, not repeated here: a new engine needs no edit).
    let engines = parsed["engines"].as_array().unwrap().iter();
    let crates: Vec<&str> = engines
        .map(|e| e.as_str().unwrap())
        .chain(["xtask"])
        .collect();
    for engine in crates {
        let src = dir.path().join(engine).join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("lib.rs"), "pub fn engine() {}\n").unwrap();
        let manifest = format!(
            "[package]\nname = \"{engine}\"\n[dependencies]\ncrc32c = \"0.6\"\n[dev-dependencies]\ntempfile = \"3\"\n"
        );
        std::fs::write(dir.path().join(engine).join("Cargo.toml"), manifest).unwrap();
    }
    let src = dir.path().join("runtime/src");
    std::fs::create_dir_all(&src).unwrap();
    let mut lib = String::new();
    for module in modules {
        lib += &["pub mod ", module, ";\n"].concat();
        std::fs::write(src.join(format!("{module}.rs")), "").unwrap();
    }
    std::fs::write(src.join("lib.rs"), lib).unwrap();
    let report = check(dir.path(), None);
    assert_eq!(report.status(), Status::Ok, "{}", output::human(&report));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    // One module fewer in lib.rs, and the ownership table says so.
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    std::fs::write(src.join("lib.rs"), lib.replace("pub mod testkit;\n", "")).unwrap();
    let report = check(dir.path(), None);
    assert_eq!(
        found(&report),
        [("ownership-table", "runtime/src/lib.rs", 1, 1)]
    );
}

#[test]
fn a_pending_crate_is_a_note_while_missing_and_checked_once_it_exists() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("clean"), dir.path());
    let report = check(dir.path(), None);
    assert!(report.notes.iter().any(|n| n.contains("`beta` is pending")));
    std::fs::create_dir_all(dir.path().join("beta/src")).unwrap();
    std::fs::write(dir.path().join("beta/src/lib.rs"), "use app::Tool;\n").unwrap();
    let report = check(dir.path(), None);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("`beta` exists and is checked"))
    );
    // `app` is still pending, so `app` is no known crate yet: nothing to report.
    assert_eq!(report.status(), Status::Ok);
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    let report = check(dir.path(), None);
    assert_eq!(found(&report), [("layers", "beta/src/lib.rs", 1, 5)]);
}

#[test]
fn modules_gated_by_a_test_feature_are_test_code_and_others_are_not() {
    let root = fixture("test-features");
    let report = check(&root, None);
    // The same HashMap module under eight gates: `model` (listed in `[modules] test_features`),
    // `all(model, unix)`, an inline `model` module and a file declared by model.rs pass; no
    // gate, the unlisted `other`, `any(model, unix)`, `not(model)`, `any(test, serde)` (on in
    // a production build with `serde`) and `test-utils` (a name, not `test`) are production.
    // The self dev-dependency that turns `model` on for the tests passes `deps` and
    // `independence`.
    assert_eq!(
        found(&report),
        [
            ("collections", "alpha/src/either.rs", 3, 23),
            ("collections", "alpha/src/lib.rs", 19, 27),
            ("collections", "alpha/src/other.rs", 3, 23),
            ("collections", "alpha/src/plain.rs", 3, 23),
            ("collections", "alpha/src/serde_or_test.rs", 3, 23),
            ("collections", "alpha/src/test_utils.rs", 3, 23),
        ],
        "{report:#?}"
    );
    // The list is data: the same tree under a contract without it fails in every module.
    let without = root.join("contracts/no-test-features.toml");
    let report = check(&root, Some(&without));
    let files: Vec<&str> = found(&report).iter().map(|f| f.1).collect();
    assert_eq!(
        files,
        [
            "alpha/src/both.rs",
            "alpha/src/either.rs",
            "alpha/src/lib.rs",
            "alpha/src/lib.rs",
            "alpha/src/model.rs",
            "alpha/src/model_parts.rs",
            "alpha/src/other.rs",
            "alpha/src/plain.rs",
            "alpha/src/serde_or_test.rs",
            "alpha/src/test_utils.rs",
        ],
        "{report:#?}"
    );
    assert!(found(&report).iter().all(|f| f.0 == "collections"));
}

#[test]
fn a_file_parsed_in_parts_is_checked_as_a_whole_at_its_own_lines() {
    // About 250 KiB (parts of 64 KiB): a glob import on line 1, and a name it brings in used
    // in the last part, inside a line that holds two items.
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("forbidden-import"), dir.path());
    let mut text = String::from("use std::collections::*;\n");
    for i in 0..4_000 {
        let _ = writeln!(
            text,
            "pub fn f{i}() -> u64 {{ {i} }} pub fn g{i}() -> u64 {{ f{i}() + 1 }}"
        );
    }
    text.push_str(
        "pub fn h() -> u64 { 2 } pub fn late() -> usize { HashSet::<u8>::new().len() }\n",
    );
    assert!(text.len() > 3 * (64 << 10));
    std::fs::write(dir.path().join("alpha/src/big.rs"), &text).unwrap();
    let report = check(dir.path(), None);
    let big: Vec<_> = found(&report)
        .into_iter()
        .filter(|v| v.1 == "alpha/src/big.rs")
        .collect();
    assert_eq!(big, [("collections", "alpha/src/big.rs", 4_002, 50)]);
}
