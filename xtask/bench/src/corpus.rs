//! The pinned corpus of Rust sources for the tooling benchmark: `xtask/bench-corpus/` (a
//! manifest and a `Cargo.lock` of crates.io crates, outside the workspace), materialized with
//! `cargo vendor` into a scratch folder outside the repository and reused while the lockfile
//! is unchanged.

use std::path::{Path, PathBuf};

/// The manifest of the corpus, relative to the repository root.
pub const MANIFEST: &str = "xtask/bench-corpus/Cargo.toml";
const LOCKFILE: &str = "xtask/bench-corpus/Cargo.lock";
/// A copy of the lockfile the vendored folder was made from (a file, so never a crate).
const STAMP: &str = ".bench-corpus.lock";

#[derive(Clone, Debug)]
pub struct CrateDir {
    pub name: String,
    pub path: PathBuf,
    /// Lines of its `.rs` files (every line; used only to cut the corpus into parts).
    pub lines: u64,
}

#[derive(Clone, Debug)]
pub struct Corpus {
    pub path: PathBuf,
    /// Every crate folder, in name order.
    pub crates: Vec<CrateDir>,
}

impl Corpus {
    /// Lists the crate folders of a vendored corpus.
    ///
    /// # Errors
    /// The folder cannot be read.
    pub fn load(path: &Path) -> Result<Self, String> {
        let entries =
            std::fs::read_dir(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let mut crates = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| error.to_string())?;
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                let path = entry.path();
                crates.push(CrateDir {
                    name: entry.file_name().to_string_lossy().into_owned(),
                    lines: rust_lines(&path),
                    path,
                });
            }
        }
        crates.sort_by(|a, b| a.name.cmp(&b.name));
        if crates.is_empty() {
            return Err(format!("{} holds no crate folders", path.display()));
        }
        Ok(Self {
            path: path.to_path_buf(),
            crates,
        })
    }

    /// The quarter, half and whole corpus: the first crates in name order whose lines add up
    /// to at least that share of the total, as `(name, crate count)`.
    #[must_use]
    pub fn parts(&self) -> Vec<(&'static str, usize)> {
        let total: u64 = self.crates.iter().map(|krate| krate.lines).sum();
        [("1/4", 4), ("1/2", 2), ("full", 1)]
            .into_iter()
            .map(|(name, divisor)| {
                let goal = total.div_ceil(divisor);
                let mut sum = 0;
                let count = self
                    .crates
                    .iter()
                    .take_while(|krate| {
                        let before = sum;
                        sum += krate.lines;
                        before < goal
                    })
                    .count();
                (name, count.max(1))
            })
            .collect()
    }
}

/// Lines of every `.rs` file under `dir`.
fn rust_lines(dir: &Path) -> u64 {
    let mut lines = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(kind) if kind.is_file() && path.extension().is_some_and(|ext| ext == "rs") => {
                    if let Ok(bytes) = std::fs::read(&path) {
                        lines += bytes.split(|&byte| byte == b'\n').count() as u64 - 1;
                    }
                }
                _ => {}
            }
        }
    }
    lines
}

/// The vendored corpus folder: `explicit` when given, else `scratch/xtask-bench-corpus`,
/// (re)made with `cargo vendor` unless it was made from the current lockfile.
///
/// # Errors
/// The manifest is missing or `cargo vendor` failed.
pub fn materialize(root: &Path, explicit: Option<&Path>, scratch: &Path) -> Result<Corpus, String> {
    if let Some(path) = explicit {
        return Corpus::load(path);
    }
    let lockfile = std::fs::read(root.join(LOCKFILE))
        .map_err(|error| format!("{}: {error}", root.join(LOCKFILE).display()))?;
    let target = scratch.join("xtask-bench-corpus");
    if std::fs::read(target.join(STAMP)).is_ok_and(|stamp| stamp == lockfile) {
        return Corpus::load(&target);
    }
    eprintln!("bench: vendoring the corpus into {}", target.display());
    let _ = std::fs::remove_dir_all(&target);
    let output = bench_args::cargo()
        .args(["vendor", "--locked", "--manifest-path"])
        .arg(root.join(MANIFEST))
        .arg(&target)
        .output()
        .map_err(|error| format!("starting cargo vendor: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo vendor failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    std::fs::write(target.join(STAMP), &lockfile).map_err(|error| error.to_string())?;
    Corpus::load(&target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(lines: &[u64]) -> Corpus {
        Corpus {
            path: PathBuf::from("/corpus"),
            crates: lines
                .iter()
                .enumerate()
                .map(|(index, &lines)| CrateDir {
                    name: format!("c{index}"),
                    path: PathBuf::from(format!("/corpus/c{index}")),
                    lines,
                })
                .collect(),
        }
    }

    #[test]
    fn parts_take_the_first_crates_reaching_each_share() {
        let parts = corpus(&[10, 10, 10, 10, 60]).parts();
        assert_eq!(parts, vec![("1/4", 3), ("1/2", 5), ("full", 5)]);
        let parts = corpus(&[25, 25, 25, 25]).parts();
        assert_eq!(parts, vec![("1/4", 1), ("1/2", 2), ("full", 4)]);
    }

    #[test]
    fn rust_lines_count_only_rust_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("src")).expect("mkdir");
        std::fs::write(dir.path().join("src/lib.rs"), "a\nb\n").expect("write");
        std::fs::write(dir.path().join("README.md"), "x\ny\nz\n").expect("write");
        assert_eq!(rust_lines(dir.path()), 2);
    }
}
