//! The shared front end of the analysis tasks: walk the roots (walkdir), read and parse every
//! Rust file once (syn), and decide what counts as test code, in one place.
//!
//! `syn` trees are not `Send`, and with proc-macro2's `span-locations` a span's line and column
//! are only known on the thread that parsed the file. So files are parsed on worker threads and
//! each file is handed to the caller's `analyze` closure on the thread that parsed it; the
//! closure turns the tree into plain data (`T: Send`) that is collected in a deterministic order
//! (root order, then path order), whatever the thread schedule.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::workspace::display_path;

mod errors;
pub(crate) mod lexer;
mod nesting;
pub mod parts;
mod passes;
mod test_code;
mod test_files;
pub(crate) mod workers;

use passes::process;
pub(crate) use passes::{PerFile, process_bytes};
pub use test_code::{is_test_code, is_test_code_with};
use test_files::test_file_set;

/// One tree to analyze: a crate folder, reported under `name` (its folder name).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Root {
    pub name: String,
    /// Absolute, lexically cleaned path.
    pub path: PathBuf,
    /// Cargo features whose `#[cfg(feature = "..")]`-gated code counts as test code in this
    /// root (the contract's `[modules] test_features`; empty for a root given by path alone).
    pub test_features: Vec<String>,
}

impl Root {
    /// A root named after its folder.
    #[must_use]
    pub fn from_path(path: PathBuf) -> Root {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Root {
            name,
            path,
            test_features: Vec::new(),
        }
    }
}

/// A Rust file found under a root.
#[derive(Clone, Debug)]
pub struct FileInput {
    /// Index into the roots slice.
    pub root: usize,
    pub path: PathBuf,
    /// The path as reports print it (see [`display_path`]).
    pub display: String,
    /// The module the file defines: its stem, or its folder's name for `mod.rs`.
    pub module: String,
}

/// Where a file failed to parse (1-based line and column); dup-report prints it as is.
#[derive(Clone, Debug, Eq, PartialEq, Ord, PartialOrd, serde::Serialize)]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The outcome for one file, in deterministic order.
#[derive(Debug)]
pub struct Analyzed<T> {
    pub file: FileInput,
    /// Whole file is test code: under a `tests/` or `benches/` folder of its root, or declared
    /// by its parent as a `#[cfg(test)] mod name;`.
    pub test_file: bool,
    /// Physical lines of the file.
    pub lines: usize,
    pub result: Result<T, ParseError>,
}

/// Lists the `.rs` files under each root in a stable order, skipping `target/` and hidden
/// folders.
///
/// # Errors
/// A root that does not exist or a folder that cannot be read.
pub fn discover(
    roots: &[Root],
    repo_root: Option<&Path>,
    cwd: &Path,
) -> anyhow::Result<Vec<FileInput>> {
    let mut files = Vec::new();
    for (index, root) in roots.iter().enumerate() {
        anyhow::ensure!(
            root.path.is_dir(),
            "{}: not a directory",
            root.path.display()
        );
        let walker = walkdir::WalkDir::new(&root.path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0 || {
                    let name = entry.file_name().to_string_lossy();
                    !(name.starts_with('.') || (entry.file_type().is_dir() && name == "target"))
                }
            });
        for entry in walker {
            let entry = entry.with_context(|| format!("walking {}", root.path.display()))?;
            let path = entry.path();
            if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            files.push(FileInput {
                root: index,
                path: path.to_path_buf(),
                display: display_path(path, repo_root, cwd),
                module: module_name(path.strip_prefix(&root.path).unwrap_or(path)),
            });
        }
    }
    Ok(files)
}

/// The module a file belongs to (`path` relative to its root): its stem (`wal.rs` is `wal`), or, for a file in a module
/// folder under `src/` (`src/wal/mod.rs`, `src/wal/read.rs`), the folder's name, so that a module
/// split by aspect into a folder is still one module for the module map and the contract.
pub(crate) fn module_name(path: &Path) -> String {
    let components: Vec<&std::ffi::OsStr> = path.iter().collect();
    let folder = components
        .iter()
        .rposition(|c| *c == "src")
        .filter(|src| src + 2 < components.len())
        .map(|src| components[src + 1]);
    if let Some(folder) = folder {
        return folder.to_string_lossy().into_owned();
    }
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The outer attributes of an item (where `#[cfg(test)]` and `#[test]` sit).
#[must_use]
pub fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The stack of each parser thread. syn's parser, the drop of its tree and the analyses'
/// visitors recurse once or more per nesting level, so the stack bounds the nesting a file may
/// have; [`nesting::MAX_NESTING_DEPTH`] keeps every file well inside it (the measurements are in
/// `docs/dup-report.md`). 8 MiB, the size of a main thread on Linux, where the platform default
/// for other threads is 2 MiB.
pub const WORKER_STACK_BYTES: usize = 8 << 20;

/// One part of a file as [`analyze_parts`] hands it over: its text, its tree, the line of
/// the file its first line is and the column (in characters, 0-based) its first character has
/// on that line (spans and lines in `syntax` and `text` count from 1 in the part).
pub struct Part<'a> {
    pub text: &'a str,
    pub syntax: &'a syn::File,
    pub first_line: u32,
    pub first_column: usize,
}

/// The `gather` of an analysis without a context of the whole file: with `None::<&NoGather>`
/// as `gather`, every file is parsed once.
pub(crate) type NoGather = fn(&mut (), &Part<'_>);

/// Reads, parses and analyzes every file on `threads` worker threads. A file larger than
/// `max_part_bytes` is parsed in parts cut between top-level items ([`parts::part_starts`]), each analyzed and dropped before the next is
/// parsed, so that the parse of one file holds about `max_part_bytes` of source at a time; the
/// result holds one `T` per part, in file order.
///
/// # Errors
/// A file that cannot be read (a file that is not UTF-8, nests deeper than
/// [`nesting::MAX_NESTING_DEPTH`] or does not parse is a [`ParseError`] in its
/// [`Analyzed::result`] instead; a part that does not parse makes the file one, at its place
/// in the file). `usize::MAX` as `max_part_bytes` parses every file whole.
///
/// # Panics
/// Only if `analyze_part` panics on a worker thread (the panic is propagated).
pub fn analyze_parts<T, F>(
    files: Vec<FileInput>,
    roots: &[Root],
    threads: usize,
    max_part_bytes: usize,
    analyze_part: F,
) -> anyhow::Result<Vec<Analyzed<Vec<T>>>>
where
    T: Send,
    F: Fn(&FileInput, Part<'_>) -> T + Sync,
{
    analyze_parts_in_context(
        files,
        roots,
        threads,
        max_part_bytes,
        None::<&NoGather>,
        |file, part, ()| analyze_part(file, part),
    )
}

/// Like [`analyze_parts`], for analyses that need something of the whole file in every part
/// (the contract resolves a path with the file's `use` declarations and item names, wherever
/// they are). A file of several parts is parsed twice, one part at a time: first every part
/// goes to `gather`, which builds the file's context `C`, then every part goes to
/// `analyze_part` with it. A file of one part is parsed once, `gather` before `analyze_part`.
/// With `gather` `None`, every file is parsed once and the context is `C::default()`.
///
/// # Errors
/// As [`analyze_parts`].
///
/// # Panics
/// Only if `gather` or `analyze_part` panics on a worker thread (the panic is propagated).
pub fn analyze_parts_in_context<C, T, G, F>(
    files: Vec<FileInput>,
    roots: &[Root],
    threads: usize,
    max_part_bytes: usize,
    gather: Option<&G>,
    analyze_part: F,
) -> anyhow::Result<Vec<Analyzed<Vec<T>>>>
where
    C: Default,
    T: Send,
    G: Fn(&mut C, &Part<'_>) + Sync,
    F: Fn(&FileInput, Part<'_>, &C) -> T + Sync,
{
    let outputs = workers::run(&files, threads, |file| {
        let features = &roots[file.root].test_features;
        process(file, features, max_part_bytes, gather, &analyze_part)
    })?;
    Ok(with_test_files(files, roots, outputs))
}

/// Pairs each file with its output, in file order, and marks the files that are test code
/// ([`test_file_set`]: a file's test status depends on the files that declare it). Used for
/// files read from the disk ([`analyze_parts_in_context`]) and from git (`dup-report
/// --history`).
pub(crate) fn with_test_files<T>(
    files: Vec<FileInput>,
    roots: &[Root],
    outputs: Vec<PerFile<T>>,
) -> Vec<Analyzed<Vec<T>>> {
    assert_eq!(files.len(), outputs.len(), "one output per file");
    let declared: Vec<(usize, &[(PathBuf, bool)])> = outputs
        .iter()
        .enumerate()
        .map(|(index, out)| (index, out.modules.as_slice()))
        .collect();
    let test_files = test_file_set(&files, roots, &declared);
    files
        .into_iter()
        .zip(outputs)
        .enumerate()
        .map(|(index, (file, out))| Analyzed {
            test_file: test_files.contains(&index),
            file,
            lines: out.lines,
            result: out.result,
        })
        .collect()
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
