//! Generated inputs for the tooling section: the two shapes of issue 16 that cost dup-report
//! far more per line than ordinary code did, written into the run's scratch folder (nothing
//! large is committed).
//!
//! - **one big file**: [`FUNCTIONS`] functions of one shape (renamed copies of each other,
//!   seven lines each) in a single `lib.rs`: what grows per file (the syntax tree of the whole
//!   file, its token tables).
//! - **huge class**: the same text cut into [`HUGE_CLASS_FILES`] files, one per root: one
//!   clone class of [`FUNCTIONS`] copies (what grows per class: its listed copies).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::tooling::{ToolReport, measure};

/// Functions in each shape: 512,000 lines, 11 MB of source (about 5 s per run on the bench
/// machine).
pub const FUNCTIONS: usize = 64_000;

/// Files (and roots) of the huge-class shape.
pub const HUGE_CLASS_FILES: usize = 10;

/// Writes `count` functions starting at `first` into `path` (under a fresh `src/` folder).
fn write_functions(root: &Path, first: usize, count: usize) -> Result<(), String> {
    let src = root.join("src");
    std::fs::create_dir_all(&src).map_err(|error| format!("{}: {error}", src.display()))?;
    let mut text = String::with_capacity(count * 180);
    for i in first..first + count {
        let _ = write!(
            text,
            "pub fn item_{i:07}(value: u64, limit: u64) -> Option<u64> {{\n    let next = value.checked_add({i})?;\n    if next > limit {{\n        return None;\n    }}\n    Some(next * 2)\n}}\n\n"
        );
    }
    let path = src.join("lib.rs");
    std::fs::write(&path, text).map_err(|error| format!("{}: {error}", path.display()))
}

/// The roots of each shape, generated under `scratch`.
fn generate(scratch: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let one = scratch.join("shape-one-file").join("one");
    write_functions(&one, 0, FUNCTIONS)?;
    let per_file = FUNCTIONS / HUGE_CLASS_FILES;
    let mut split = Vec::new();
    for file in 0..HUGE_CLASS_FILES {
        let root = scratch.join("shape-huge-class").join(format!("c{file}"));
        write_functions(&root, file * per_file, per_file)?;
        split.push(root);
    }
    Ok((vec![one], split))
}

/// `dup-report` on both shapes.
///
/// # Errors
/// A file could not be written or the tool could not be run.
pub fn run(
    xtask: &Path,
    root: &Path,
    scratch: &Path,
    runs: usize,
) -> Result<Vec<ToolReport>, String> {
    let (one, split) = generate(scratch)?;
    let mut reports = Vec::new();
    for (target, roots) in [("one big file", one), ("huge class", split)] {
        eprintln!("bench: tooling: dup-report on the generated shape '{target}'");
        let mut args = vec!["dup-report".to_owned(), "--format".into(), "json".into()];
        args.extend(roots.iter().map(|r| r.display().to_string()));
        let target = format!("generated {target}");
        let count = roots.len();
        reports.push(measure(
            "dup-report",
            target,
            count,
            xtask,
            &args,
            (root, scratch, runs),
        )?);
    }
    std::fs::remove_dir_all(scratch.join("shape-one-file")).ok();
    std::fs::remove_dir_all(scratch.join("shape-huge-class")).ok();
    Ok(reports)
}
