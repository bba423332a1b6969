//! Tests of the shared front end.

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
    let analyzed = analyze(files, &roots, 2, |_, _, syntax| syntax.items.len()).unwrap();
    let broken = analyzed[0].result.as_ref().unwrap_err();
    assert_eq!((broken.line, broken.column), (2, 7));
    let tests: Vec<bool> = analyzed.iter().map(|a| a.test_file).collect();
    assert_eq!(tests, [false, false, true, false, false, true, true]);
    assert_eq!(*analyzed[1].result.as_ref().unwrap(), 3);
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
    let analyzed = analyze(files, &roots, 2, |_, _, _| ()).unwrap();
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
