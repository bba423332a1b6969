//! Finding the repository, and printing paths the way the reports promise.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};

/// The path of the contract file, relative to the repository root.
pub const CONTRACT_FILE: &str = "contracts/runtime-contract.toml";

/// Returns the repository root: `--root DIR` when given (it must exist), else the nearest
/// ancestor of the current directory that holds a `Cargo.toml` with a `[workspace]` table.
///
/// # Errors
/// The given root does not exist, or no workspace encloses the current directory.
pub fn find_root(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(root) = explicit {
        let root = absolute(root)?;
        if !root.is_dir() {
            bail!("--root {}: not a directory", root.display());
        }
        return Ok(root);
    }
    let cwd = std::env::current_dir().context("reading the current directory")?;
    match find_enclosing_root(&cwd) {
        Some(root) => Ok(root),
        None => bail!(
            "{}: not inside a cargo workspace (pass --root DIR)",
            cwd.display()
        ),
    }
}

/// The nearest ancestor of `start` (itself included) holding a workspace `Cargo.toml`.
#[must_use]
pub fn find_enclosing_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).ok()?;
        let value: toml::Table = text.parse().ok()?;
        value.contains_key("workspace").then(|| dir.to_path_buf())
    })
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
