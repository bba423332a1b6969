//! Which files are test code: under a `tests/` or `benches/` folder of their root, declared
//! as `#[cfg(test)] mod name;` or under a test feature of the root (`#[cfg(feature = "model")]
//! mod name;`, with or without `#[path]`), below such a file, or declared by a test file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{FileInput, Root, is_test_code_with};

/// Files declared by `path` through out-of-line `mod name;` items, each with whether the
/// declaration is test code (`#[cfg(test)] mod name;`, or gated by one of `test_features`).
pub(super) fn declared_modules(
    path: &Path,
    syntax: &syn::File,
    test_features: &[String],
) -> Vec<(PathBuf, bool)> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `lib.rs`, `main.rs` and `mod.rs` own their folder; `foo.rs` owns `foo/`.
    let module_dir = if matches!(stem.as_str(), "lib" | "main" | "mod") {
        dir.to_path_buf()
    } else {
        dir.join(&stem)
    };
    let mut found = Vec::new();
    for item in &syntax.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.content.is_some() {
            continue;
        }
        let test = is_test_code_with(&module.attrs, test_features);
        // `#[path = "x_tests.rs"] mod tests;` is relative to the declaring file's folder.
        if let Some(path) = path_attribute(&module.attrs) {
            found.push((dir.join(path), test));
            continue;
        }
        let name = module.ident.to_string();
        found.push((module_dir.join(format!("{name}.rs")), test));
        found.push((module_dir.join(&name).join("mod.rs"), test));
    }
    found
}

/// The value of a `#[path = "..."]` attribute.
fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| {
        let syn::Meta::NameValue(pair) = &attr.meta else {
            return None;
        };
        if !pair.path.is_ident("path") {
            return None;
        }
        match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        }
    })
}

/// The indexes of the files that are test code; `declared` gives, per file index, the files
/// it declares ([`declared_modules`]).
pub(crate) fn test_file_set(
    files: &[FileInput],
    roots: &[Root],
    declared: &[(usize, &[(PathBuf, bool)])],
) -> BTreeSet<usize> {
    let mut test = BTreeSet::new();
    for (index, file) in files.iter().enumerate() {
        let relative = file
            .path
            .strip_prefix(&roots[file.root].path)
            .unwrap_or(&file.path);
        let in_test_dir = relative
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")));
        if in_test_dir {
            test.insert(index);
        }
    }
    // A file declared as a test module is test code, and so is everything below it and every
    // module a test file declares (`#[path = "x.rs"] mod x;` inside a `_tests.rs` file needs no
    // `#[cfg(test)]` of its own): repeat until nothing new is found.
    let index_of: BTreeMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(index, file)| (file.path.as_path(), index))
        .collect();
    loop {
        let before = test.len();
        for &(declarer, modules) in declared {
            let declarer_is_test = test.contains(&declarer);
            for (path, is_test) in modules {
                let Some(&index) = index_of.get(path.as_path()) else {
                    continue;
                };
                if !(*is_test || declarer_is_test) {
                    continue;
                }
                test.insert(index);
                let below = files[index].path.with_extension("");
                for (other, candidate) in files.iter().enumerate() {
                    if candidate.path.starts_with(&below) {
                        test.insert(other);
                    }
                }
            }
        }
        if test.len() == before {
            return test;
        }
    }
}
