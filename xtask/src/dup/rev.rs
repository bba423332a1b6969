//! `--rev GIT_REV`: the baseline computed from another revision, in a temporary
//! `git worktree` that is removed afterwards, also after an error.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::report::BaselineFigures;
use super::{ScanInput, scan};
use crate::source::Root;

/// Scans the same roots as `input` at revision `rev` and returns its figures.
///
/// # Errors
/// Not inside a git repository, a root outside it, an unknown revision, a failing scan.
pub fn baseline_at(rev: &str, input: &ScanInput<'_>) -> anyhow::Result<BaselineFigures> {
    let Some(repo_root) = input.repo_root else {
        bail!("--rev {rev}: not inside a repository");
    };
    let mut relative = Vec::new();
    for root in input.roots {
        let Ok(inside) = root.path.strip_prefix(repo_root) else {
            bail!(
                "--rev {rev}: root {} is outside the repository {}",
                root.path.display(),
                repo_root.display()
            );
        };
        relative.push((root.name.clone(), inside.to_path_buf()));
    }
    let worktree = Worktree::add(repo_root, rev)?;
    // Roots that did not exist at `rev` contribute nothing to the baseline.
    let roots: Vec<Root> = relative
        .into_iter()
        .map(|(name, inside)| Root {
            name,
            path: worktree.path.join(inside),
        })
        .filter(|root| root.path.is_dir())
        .collect();
    let at_rev = ScanInput {
        roots: &roots,
        repo_root: Some(&worktree.path),
        cwd: &worktree.path,
        ..input.clone()
    };
    let (report, _) = scan(&at_rev).with_context(|| format!("scanning revision {rev}"))?;
    drop(worktree);
    Ok(BaselineFigures::of(&report.summary))
}

/// A detached worktree in a fresh temporary folder, removed on drop.
struct Worktree {
    repo: PathBuf,
    path: PathBuf,
}

impl Worktree {
    fn add(repo: &Path, rev: &str) -> anyhow::Result<Worktree> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("xtask-dup-rev-{}-{nanos}", std::process::id()));
        let worktree = Worktree {
            repo: repo.to_path_buf(),
            path,
        };
        let output = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["worktree", "add", "--detach", "--quiet"])
            .arg(&worktree.path)
            .arg(rev)
            .output()
            .context("starting git")?;
        if !output.status.success() {
            let message = String::from_utf8_lossy(&output.stderr);
            let first = message.lines().next().unwrap_or("git worktree add failed");
            bail!("--rev {rev}: {first}");
        }
        Ok(worktree)
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let removed = Command::new("git")
            .arg("-C")
            .arg(&self.repo)
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .output()
            .is_ok_and(|output| output.status.success());
        if !removed {
            // The folder goes anyway; `prune` then forgets the worktree git still lists.
            let _ = std::fs::remove_dir_all(&self.path);
            let _ = Command::new("git")
                .arg("-C")
                .arg(&self.repo)
                .args(["worktree", "prune"])
                .output();
        }
    }
}
