//! Finding the repository (one resolver for every command), calling cargo, and printing paths
//! the way the reports promise.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The path of the contract file, relative to the repository root.
pub const CONTRACT_FILE: &str = "contracts/runtime-contract.toml";

/// The repository root, resolved once for every command (in [`crate::run`]): `--root DIR`
/// when given (it must be a directory), else the nearest ancestor of the current directory
/// that holds a `Cargo.toml` with a `[workspace]` table, else `None` (only `dup-report` works
/// outside a repository; [`require_root`] makes the others say so).
///
/// # Errors
/// The given root is not a directory, or the current directory cannot be read.
pub fn resolve_root(explicit: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    if let Some(root) = explicit {
        let root = absolute(root)?;
        if !root.is_dir() {
            bail!("--root {}: not a directory", root.display());
        }
        return Ok(Some(root));
    }
    let cwd = std::env::current_dir().context("reading the current directory")?;
    Ok(cwd.ancestors().find_map(|dir| {
        let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        let value: toml::Table = text.parse().ok()?;
        value.contains_key("workspace").then(|| dir.to_path_buf())
    }))
}

/// The root [`resolve_root`] found, or the error that says none was.
///
/// # Errors
/// No `--root` was given and no workspace encloses the current directory.
pub fn require_root(root: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(root) = root {
        return Ok(root);
    }
    let cwd = std::env::current_dir().context("reading the current directory")?;
    bail!(
        "{}: not inside a cargo workspace (pass --root DIR)",
        cwd.display()
    )
}

/// A `cargo` command run in `dir` (the cargo is looked up once, by [`bench_args::cargo`]).
pub(crate) fn cargo(dir: &Path) -> Command {
    let mut command = bench_args::cargo();
    command.current_dir(dir);
    command
}

/// Makes `path` absolute against the current directory and removes `.` and `..` components
/// lexically (without touching the file system, so missing paths still print sensibly).
///
/// # Errors
/// The current directory cannot be read.
pub fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .context("reading the current directory")?
            .join(path)
    };
    let mut clean = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other.as_os_str()),
        }
    }
    Ok(clean)
}

/// Prints `path` as the reports do: relative to `repo_root` when inside it; else relative to
/// `cwd` when below it; else absolute. Separators are always `/`.
#[must_use]
pub fn display_path(path: &Path, repo_root: Option<&Path>, cwd: &Path) -> String {
    let relative = repo_root
        .and_then(|root| path.strip_prefix(root).ok())
        .or_else(|| path.strip_prefix(cwd).ok());
    let shown = relative.unwrap_or(path);
    let parts: Vec<String> = shown
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let joined = parts.join("/");
    if path.is_absolute() && relative.is_none() {
        // `components` of an absolute path starts with the root `/`, which `join` would double.
        format!("/{}", joined.trim_start_matches('/'))
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_path_prefers_repository_then_cwd_then_absolute() {
        let root = Path::new("/repo");
        let cwd = Path::new("/elsewhere");
        assert_eq!(
            display_path(Path::new("/repo/quota-core/src/wal.rs"), Some(root), cwd),
            "quota-core/src/wal.rs"
        );
        assert_eq!(
            display_path(Path::new("/elsewhere/a/src/x.rs"), Some(root), cwd),
            "a/src/x.rs"
        );
        assert_eq!(
            display_path(Path::new("/other/a/src/x.rs"), Some(root), cwd),
            "/other/a/src/x.rs"
        );
        assert_eq!(
            display_path(Path::new("/other/a/src/x.rs"), None, Path::new("/other")),
            "a/src/x.rs"
        );
    }

    #[test]
    fn absolute_removes_dot_components() {
        let path = absolute(Path::new("/a/./b/../c")).unwrap();
        assert_eq!(path, PathBuf::from("/a/c"));
    }
}
