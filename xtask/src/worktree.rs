//! Another revision of the repository, checked out beside it: the one temporary
//! `git worktree` helper (used by `golden --against`, `dup-report --rev` and
//! `bench --against`), and the build of a package's binary in a tree with its own persistent
//! target folder.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::workspace::cargo;

/// A detached `git worktree` of one revision in a fresh temporary folder, removed on drop (also
/// after an error or a panic).
#[derive(Debug)]
pub(crate) struct Worktree {
    repo: PathBuf,
    path: PathBuf,
}

impl Worktree {
    /// Checks out `rev` of the git repository holding `repo`.
    ///
    /// # Errors
    /// git cannot be started, or `git worktree add` fails (not a repository, an unknown
    /// revision); the message is git's first line.
    pub(crate) fn add(repo: &Path, rev: &str) -> anyhow::Result<Worktree> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("xtask-worktree-{}-{nanos}", std::process::id()));
        let output = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["worktree", "add", "--detach", "--quiet"])
            .arg(&path)
            .arg(rev)
            .output()
            .context("starting git")?;
        // Built before the check, so that a half-made folder is removed too.
        let worktree = Worktree {
            repo: repo.to_path_buf(),
            path,
        };
        if !output.status.success() {
            let message = String::from_utf8_lossy(&output.stderr);
            let first = message.lines().next().unwrap_or("git worktree add failed");
            bail!("{first}");
        }
        assert!(
            worktree.path.is_dir(),
            "git worktree add must create the folder"
        );
        Ok(worktree)
    }

    /// The checked-out tree.
    pub(crate) fn path(&self) -> &Path {
        &self.path
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

/// The commit checked out in `tree` ([`bench_args::commit_of`]: abbreviated, `+dirty` when
/// tracked files changed), or `unknown` outside a repository.
pub(crate) fn commit_of(tree: &Path) -> String {
    bench_args::commit_of(tree).unwrap_or_else(|| "unknown".to_string())
}

/// The persistent target folders of the two sides of an `--against` run: `old` for the
/// revision, `current` for the working tree. They must differ: cargo hashes workspace members
/// by their path relative to the workspace, so a build of the other tree in the same folder
/// would be taken as fresh. Under `ROOT/target/against/` (kept warm between runs), or
/// `XTASK_AGAINST_TARGET_DIR` (tests share theirs).
pub(crate) fn against_target(root: &Path, side: Side) -> PathBuf {
    let base = std::env::var_os("XTASK_AGAINST_TARGET_DIR")
        .map_or_else(|| root.join("target/against"), PathBuf::from);
    base.join(match side {
        Side::Old => "old",
        Side::Current => "current",
    })
}

/// Which tree of an `--against` run.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Side {
    Old,
    Current,
}

/// The cargo profile a binary is built with.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Profile {
    Dev,
    Release,
}

/// Builds binary `bin` of `package` in `tree` with the target folder `target`, the variables
/// `env` set for the build (a crate reads them with `option_env!`, and cargo rebuilds it when
/// they change), and returns the binary's path.
///
/// # Errors
/// cargo cannot be started, or the build fails.
pub(crate) fn build_binary(
    tree: &Path,
    target: &Path,
    (package, bin): (&str, &str),
    profile: Profile,
    env: &[(&str, &str)],
) -> anyhow::Result<PathBuf> {
    let mut command = cargo(tree);
    command
        .args(["build", "--quiet", "--package", package, "--bin", bin])
        .env("CARGO_TARGET_DIR", target)
        .envs(env.iter().copied());
    if profile == Profile::Release {
        command.arg("--release");
    }
    let status = command.status().context("starting cargo build")?;
    if !status.success() {
        bail!(
            "cargo build --package {package} failed in {}",
            tree.display()
        );
    }
    let folder = match profile {
        Profile::Dev => "debug",
        Profile::Release => "release",
    };
    Ok(target.join(folder).join(bin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(output.status.success(), "git {args:?} failed");
        String::from_utf8(output.stdout).unwrap()
    }

    fn repository() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "--quiet"]);
        std::fs::write(dir.path().join("a.txt"), "first\n").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "--quiet", "-m", "first"]);
        std::fs::write(dir.path().join("a.txt"), "second\n").unwrap();
        git(dir.path(), &["commit", "--quiet", "-am", "second"]);
        dir
    }

    #[test]
    fn worktree_holds_the_revision_and_is_removed_on_drop() {
        let repo = repository();
        let worktree = Worktree::add(repo.path(), "HEAD~1").unwrap();
        let path = worktree.path().to_path_buf();
        assert_eq!(
            std::fs::read_to_string(path.join("a.txt")).unwrap(),
            "first\n"
        );
        assert_eq!(git(repo.path(), &["worktree", "list"]).lines().count(), 2);
        drop(worktree);
        assert!(!path.exists());
        assert_eq!(git(repo.path(), &["worktree", "list"]).lines().count(), 1);
    }

    #[test]
    fn commit_of_names_head_and_marks_a_dirty_tree() {
        let repo = repository();
        let head = git(repo.path(), &["rev-parse", "--short", "HEAD"]);
        assert_eq!(commit_of(repo.path()), head.trim());
        std::fs::write(repo.path().join("a.txt"), "changed\n").unwrap();
        assert_eq!(commit_of(repo.path()), format!("{}+dirty", head.trim()));
        let outside = tempfile::tempdir().unwrap();
        assert_eq!(commit_of(outside.path()), "unknown");
    }

    #[test]
    fn unknown_revision_is_an_error_with_gits_message_and_leaves_nothing() {
        let repo = repository();
        let error = Worktree::add(repo.path(), "no-such-rev").unwrap_err();
        assert!(error.to_string().contains("no-such-rev"), "{error}");
        assert_eq!(git(repo.path(), &["worktree", "list"]).lines().count(), 1);
    }

    #[test]
    fn against_targets_differ_per_side() {
        let root = Path::new("/repo");
        assert_ne!(
            against_target(root, Side::Old),
            against_target(root, Side::Current)
        );
    }
}
