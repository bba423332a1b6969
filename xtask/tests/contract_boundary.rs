//! The M13 boundary rules on fixture trees: `ownership-table` (the note's table, the module
//! lists and the runtime's `pub mod`s agree), `no-nested-crate` and `module-name-clash`. Each
//! drift is planted in a copy of a passing fixture, so every test starts from a tree that is
//! known to pass.

mod common;

use std::path::Path;

use common::{check, copy_tree, fixture, found};
use xtask::Status;
use xtask::contract::output;

/// A copy of the `ownership-table` fixture with `edit` applied to its file `file`.
fn drifted(file: &str, edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("ownership-table"), dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    dir
}

fn messages(root: &Path) -> Vec<(String, String, usize, usize)> {
    let report = check(root, None);
    assert_eq!(report.status(), Status::CheckFailed);
    report
        .violations
        .iter()
        .map(|v| (v.file.clone(), v.message.clone(), v.line, v.column))
        .collect()
}

#[test]
fn the_ownership_fixture_agrees_on_every_side() {
    // `wal` is public behind a `cfg` and counts; `pub(crate) mod private`, the private `hidden`
    // and the `pub mod inner` inside it do not. The fenced heading, the second table and the
    // table of the next section are not the ownership table.
    let report = check(&fixture("ownership-table"), None);
    assert_eq!(report.status(), Status::Ok, "{}", output::human(&report));
}

#[test]
fn a_listed_module_without_a_row_is_reported_at_the_heading() {
    let dir = drifted("docs/note.md", |t| {
        t.replace("| `runtime::storage` | `Storage` |\n", "")
    });
    assert_eq!(
        messages(dir.path()),
        [(
            "docs/note.md".to_owned(),
            "runtime module `storage` (`[modules] support`) has no row in the ownership table of \
             docs/note.md (under `What the runtime owns`)"
                .to_owned(),
            8,
            1
        )]
    );
}

#[test]
fn a_row_for_a_module_in_neither_list_is_reported_at_the_row() {
    let dir = drifted("docs/note.md", |t| {
        t.replace(
            "| `runtime::storage` | `Storage` |\n",
            "| `runtime::storage` | `Storage` |\n| `runtime::ghost` | gone |\n",
        )
    });
    assert_eq!(
        messages(dir.path()),
        [(
            "docs/note.md".to_owned(),
            "the ownership table of docs/note.md has a row for `runtime::ghost`, which is in \
             neither `[modules] extracted` nor `[modules] support`"
                .to_owned(),
            14,
            1
        )]
    );
}

#[test]
fn an_unlisted_pub_mod_is_reported_at_its_declaration() {
    let dir = drifted("runtime/src/lib.rs", |t| t + "pub mod extra;\n");
    std::fs::write(dir.path().join("runtime/src/extra.rs"), "").unwrap();
    let report = check(dir.path(), None);
    assert_eq!(found(&report), [("ownership", "runtime/src/lib.rs", 9, 9)]);
    assert_eq!(
        report.violations[0].message,
        "runtime/src/lib.rs declares `pub mod extra`, which is in neither `[modules] extracted` \
         nor `[modules] support`"
    );
    insta::assert_snapshot!("ownership_unlisted_pub_mod", output::human(&report));
}

#[test]
fn a_support_module_the_runtime_does_not_declare_is_reported_on_lib_rs() {
    let dir = drifted("contracts/runtime-contract.toml", |t| {
        t.replace(
            "support = [\"storage\"]",
            "support = [\"storage\", \"testkit\"]",
        )
    });
    let note = dir.path().join("docs/note.md");
    let text = std::fs::read_to_string(&note).unwrap();
    let row = "| `runtime::storage` | `Storage` |\n";
    std::fs::write(
        &note,
        text.replace(row, &format!("{row}| `runtime::testkit` | x |\n")),
    )
    .unwrap();
    assert_eq!(
        messages(dir.path()),
        [(
            "runtime/src/lib.rs".to_owned(),
            "runtime module `testkit` (`[modules] support`) is not a public module of the \
             runtime: runtime/src/lib.rs has no `pub mod testkit`"
                .to_owned(),
            1,
            1
        )]
    );
}

#[test]
fn a_row_of_another_shape_and_a_missing_heading_are_findings() {
    let dir = drifted("docs/note.md", |t| {
        t.replace("| `runtime::wal` |", "| wal |")
    });
    let found = messages(dir.path());
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[0].2, found[1].2), (8, 12));
    assert!(
        found[0]
            .1
            .contains("runtime module `wal` (`[modules] extracted`) has no row")
    );
    assert!(
        found[1]
            .1
            .contains("must start with a `runtime::<module>` cell")
    );
    let dir = drifted("docs/note.md", |t| {
        t.replace("## What the runtime owns\n\n", "## What it owns\n\n")
    });
    let found = messages(dir.path());
    assert_eq!(
        found[0].1,
        "the note has no heading `What the runtime owns` for the ownership table"
    );
}

#[test]
fn a_missing_note_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("ownership-table"), dir.path());
    std::fs::remove_file(dir.path().join("docs/note.md")).unwrap();
    let contract = xtask::contract::default_contract(dir.path());
    let error = xtask::contract::check(dir.path(), &contract).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("docs/note.md: cannot read the ownership note of rule `ownership`"),
        "{error:#}"
    );
}

#[test]
fn nested_manifests_are_reported_unless_hidden_or_excluded() {
    let report = check(&fixture("nested-crate"), None);
    // Not: each crate's own Cargo.toml, `alpha/.hidden/` (hidden, as source discovery skips
    // it) and `alpha/tests/fixtures/` (excluded by the contract).
    assert_eq!(
        found(&report),
        [
            ("nested", "alpha/inner/Cargo.toml", 1, 1),
            ("nested", "runtime/helper/deep/Cargo.toml", 1, 1),
        ]
    );
    insta::assert_snapshot!("no_nested_crate", output::human(&report));
}

#[test]
fn a_namesake_that_is_not_a_copy_is_a_name_clash_not_a_local_copy() {
    let report = check(&fixture("module-name-clash"), None);
    // alpha's `recovery.rs` only shares the support module's name; beta's inline `recovery`
    // too. alpha's `wal.rs` is a copy of the extracted `wal`: `no-local-copy`, not a clash.
    // gamma's `recovery.rs` is a copy of the runtime's: no clash. beta's `#[cfg(test)] mod wal`
    // is test code and `wal_ext` another name.
    assert_eq!(
        found(&report),
        [
            ("names", "alpha/src/recovery.rs", 1, 1),
            ("no-local-copy", "alpha/src/wal.rs", 1, 1),
            ("names", "beta/src/lib.rs", 1, 9),
        ]
    );
    assert_eq!(
        report.violations[0].message,
        "runtime module `recovery` shares its name with alpha's engine-local `src/recovery.rs`, \
         which is not a copy of it: rename the runtime module"
    );
    insta::assert_snapshot!("module_name_clash", output::human(&report));
}

#[test]
fn renaming_the_runtime_module_ends_the_clash() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("module-name-clash"), dir.path());
    let contract = dir.path().join("contracts/runtime-contract.toml");
    let text = std::fs::read_to_string(&contract).unwrap();
    std::fs::write(&contract, text.replace("\"recovery\"", "\"valid_prefix\"")).unwrap();
    let lib = dir.path().join("runtime/src/lib.rs");
    std::fs::write(&lib, "pub mod valid_prefix;\npub mod wal;\n").unwrap();
    let runtime = dir.path().join("runtime/src");
    std::fs::rename(runtime.join("recovery.rs"), runtime.join("valid_prefix.rs")).unwrap();
    let report = check(dir.path(), None);
    assert_eq!(
        found(&report),
        [("no-local-copy", "alpha/src/wal.rs", 1, 1)]
    );
}
