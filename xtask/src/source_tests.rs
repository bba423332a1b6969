//! Tests of the shared front end.

use std::fmt::Write as _;

use super::*;

fn attrs(source: &str) -> Vec<syn::Attribute> {
    let item: syn::ItemFn = syn::parse_str(&format!("{source} fn f() {{}}")).unwrap();
    item.attrs
}

#[test]
fn test_attributes_are_recognized() {
    assert!(is_test_code(&attrs("#[test]")));
    assert!(is_test_code(&attrs("#[cfg(test)]")));
    assert!(is_test_code(&attrs("#[cfg(all(test, feature = \"x\"))]")));
    assert!(!is_test_code(&attrs("#[cfg(not(test))]")));
    assert!(!is_test_code(&attrs("#[cfg(feature = \"testing\")]")));
    assert!(!is_test_code(&attrs("#[inline]")));
    // Holds in a production build with `serde`, or names `test` only inside a feature.
    assert!(!is_test_code(&attrs(
        "#[cfg(any(test, feature = \"serde\"))]"
    )));
    assert!(!is_test_code(&attrs("#[cfg(feature = \"test-utils\")]")));
    assert!(!is_test_code(&attrs("#[cfg(all(unix, not(test)))]")));
    assert!(is_test_code(&attrs("#[cfg(any(test, all(test, unix)))]")));
}

#[test]
fn code_gated_only_by_a_test_feature_is_test_code() {
    let features = ["model".to_owned(), "testkit".to_owned()];
    let test = |source: &str| is_test_code_with(&attrs(source), &features);
    assert!(test("#[cfg(feature = \"model\")]"));
    assert!(test("#[cfg(any(test, feature = \"testkit\"))]"));
    assert!(test(
        "#[cfg(any(feature = \"model\", feature = \"testkit\"))]"
    ));
    assert!(test("#[cfg(all(feature = \"model\", unix))]"));
    assert!(!test("#[cfg(feature = \"other\")]"));
    assert!(!test("#[cfg(any(feature = \"model\", unix))]"));
    assert!(!test("#[cfg(not(feature = \"model\"))]"));
    assert!(!test("#[cfg(any())]"));
    assert!(!test("#[cfg(unix)]"));
    // Without the list, a feature gate is production code.
    assert!(!is_test_code(&attrs("#[cfg(feature = \"model\")]")));
}

#[test]
fn files_are_found_sorted_parsed_and_test_files_marked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("crate-a");
    std::fs::create_dir_all(root.join("src/wal")).unwrap();
    std::fs::create_dir_all(root.join("tests")).unwrap();
    std::fs::create_dir_all(root.join("target")).unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "mod wal;\n#[cfg(test)]\nmod lib_tests;\n#[cfg(test)]\n#[path = \"wal_tests.rs\"]\nmod tests;\n",
    )
    .unwrap();
    std::fs::write(root.join("src/lib_tests.rs"), "fn t() {}\n").unwrap();
    std::fs::write(root.join("src/wal_tests.rs"), "fn w() {}\n").unwrap();
    std::fs::write(root.join("src/wal/mod.rs"), "fn a() {}\n").unwrap();
    std::fs::write(root.join("src/wal/read.rs"), "fn r() {}\n").unwrap();
    std::fs::write(root.join("src/broken.rs"), "fn a() {\n  let = ;\n}\n").unwrap();
    std::fs::write(root.join("tests/it.rs"), "fn b() {}\n").unwrap();
    std::fs::write(root.join("target/junk.rs"), "fn c() {}\n").unwrap();
    let roots = vec![Root::from_path(root.clone())];
    let files = discover(&roots, None, dir.path()).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.display.as_str()).collect();
    assert_eq!(
        names,
        [
            "crate-a/src/broken.rs",
            "crate-a/src/lib.rs",
            "crate-a/src/lib_tests.rs",
            "crate-a/src/wal/mod.rs",
            "crate-a/src/wal/read.rs",
            "crate-a/src/wal_tests.rs",
            "crate-a/tests/it.rs"
        ]
    );
    let modules: Vec<&str> = files.iter().map(|f| f.module.as_str()).collect();
    assert_eq!(
        modules,
        [
            "broken",
            "lib",
            "lib_tests",
            "wal",
            "wal",
            "wal_tests",
            "it"
        ],
        "a file in a module folder under src/ belongs to that module"
    );
    let analyzed = analyze_parts(files, &roots, 2, usize::MAX, |_, part| {
        part.syntax.items.len()
    })
    .unwrap();
    let broken = analyzed[0].result.as_ref().unwrap_err();
    assert_eq!((broken.line, broken.column), (2, 7));
    let tests: Vec<bool> = analyzed.iter().map(|a| a.test_file).collect();
    assert_eq!(tests, [false, false, true, false, false, true, true]);
    assert_eq!(*analyzed[1].result.as_ref().unwrap(), [3]);
}

#[test]
fn a_module_declared_by_a_test_file_is_test_code_too() {
    // engine.rs -> #[cfg(test)] engine_tests.rs -> (no attribute) engine_seam_tests.rs; the
    // seam file is test code although its own declaration carries no `#[cfg(test)]`.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("crate-a");
    std::fs::create_dir_all(root.join("src")).unwrap();
    let write = |name: &str, text: &str| std::fs::write(root.join("src").join(name), text).unwrap();
    write("lib.rs", "mod engine;\nmod plain;\n");
    write(
        "engine.rs",
        "fn e() {}\n#[cfg(test)]\n#[path = \"engine_tests.rs\"]\nmod tests;\n",
    );
    write(
        "engine_tests.rs",
        "#[path = \"engine_seam_tests.rs\"]\nmod seam;\nmod nested;\n",
    );
    write("engine_seam_tests.rs", "fn s() {}\n");
    std::fs::create_dir_all(root.join("src/engine_tests")).unwrap();
    write("engine_tests/nested.rs", "fn n() {}\n");
    write("plain.rs", "fn p() {}\n");
    let roots = vec![Root::from_path(root.clone())];
    let files = discover(&roots, None, dir.path()).unwrap();
    let analyzed = analyze_parts(files, &roots, 2, usize::MAX, |_, _| ()).unwrap();
    let tests: Vec<(&str, bool)> = analyzed
        .iter()
        .map(|a| (a.file.display.as_str(), a.test_file))
        .collect();
    assert_eq!(
        tests,
        [
            ("crate-a/src/engine.rs", false),
            ("crate-a/src/engine_seam_tests.rs", true),
            ("crate-a/src/engine_tests/nested.rs", true),
            ("crate-a/src/engine_tests.rs", true),
            ("crate-a/src/lib.rs", false),
            ("crate-a/src/plain.rs", false),
        ]
    );
}

#[test]
fn a_file_in_parts_gives_the_units_lines_and_errors_of_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("crate-a");
    std::fs::create_dir_all(root.join("src")).unwrap();
    let mut text = String::from("//! doc\n#![allow(dead_code)]\n");
    for i in 0..300 {
        let _ = write!(
            text,
            "/// f{i}\npub fn f{i}(x: u64) -> u64 {{\n    x + {i}\n}}\nimpl S{i} {{\n    fn g(&self) {{}}\n}}\n"
        );
    }
    std::fs::write(root.join("src/lib.rs"), &text).unwrap();
    // A parse error on the first line of a later part (with parts of one item each, the last
    // starts after `fn z() {}`, in the middle of line 2,103).
    let broken = format!("{text}fn z() {{}} fn y() {{ let = ; }}\n");
    std::fs::write(root.join("src/mod_b.rs"), &broken).unwrap();
    let roots = vec![Root::from_path(root.clone())];
    let files = discover(&roots, None, dir.path()).unwrap();
    let units = |max: usize| {
        let analyzed = analyze_parts(files.clone(), &roots, 2, max, |_, part| {
            crate::dup::part_units(part.text, part.syntax, false, part.first_line)
        })
        .unwrap();
        analyzed
            .into_iter()
            .map(|a| a.result.map(|parts| (parts.len(), parts.concat())))
            .collect::<Vec<_>>()
    };
    let (whole, cut) = (units(usize::MAX), units(1));
    let (Ok((1, whole_units)), Ok((parts, cut_units))) = (&whole[0], &cut[0]) else {
        panic!("lib.rs parses: {whole:?}");
    };
    assert!(*parts > 100, "{parts} parts");
    assert_eq!(cut_units, whole_units, "same units, same file lines");
    assert_eq!(whole_units.iter().map(|u| u.end_line).max(), Some(2102));
    let whole_error = whole[1].as_ref().unwrap_err();
    let cut_error = cut[1].as_ref().unwrap_err();
    assert_eq!((whole_error.line, whole_error.column), (2103, 24));
    assert_eq!(cut_error, whole_error);
}
