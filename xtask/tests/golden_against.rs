//! End to end: `cargo xtask golden --against REV` catches a behaviour change.
//!
//! A temporary git repository holds a copy of this workspace; a commit that changes one byte of
//! allocdb-core's WAL magic must make `golden --against HEAD~1` exit 1 with a diff showing the
//! changed frame headers, and `--against HEAD` must exit 0. The nested builds share a target
//! folder under this repository's `target/`, so repeated runs stay warm.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=golden",
            "-c",
            "user.email=golden@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// Copies the working tree (tracked and untracked files, as on disk, less ignored ones) into `to`.
fn copy_workspace(to: &Path) {
    let root = repo_root();
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(&root)
        .output()
        .expect("git ls-files runs");
    assert!(listed.status.success());
    for name in listed.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8(name.to_vec()).expect("tracked paths are UTF-8");
        let source = root.join(&name);
        if !source.is_file() {
            continue;
        }
        let target = to.join(&name);
        std::fs::create_dir_all(target.parent().expect("a file has a parent")).unwrap();
        std::fs::copy(&source, &target).unwrap();
    }
}

fn golden_against(repo: &Path, rev: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["golden", "--root"])
        .arg(repo)
        .args(["--against", rev])
        .env(
            "XTASK_AGAINST_TARGET_DIR",
            repo_root().join("target/golden-against-test"),
        )
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("xtask runs")
}

#[test]
fn a_changed_wal_magic_byte_fails_golden_against_with_a_diff_and_head_passes() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    copy_workspace(repo);
    git(repo, &["init", "--quiet"]);
    git(repo, &["add", "--all"]);
    git(repo, &["commit", "--quiet", "-m", "copy"]);

    let recovery = repo.join("allocdb-core/src/recovery.rs");
    let text = std::fs::read_to_string(&recovery).unwrap();
    let magic = "Magic::new(*b\"ALDB\")";
    assert_eq!(text.matches(magic).count(), 1, "the magic is defined once");
    std::fs::write(&recovery, text.replace(magic, "Magic::new(*b\"ALDC\")")).unwrap();
    git(repo, &["commit", "--quiet", "-am", "change one magic byte"]);

    let changed = golden_against(repo, "HEAD~1");
    let stdout = String::from_utf8_lossy(&changed.stdout);
    let stderr = String::from_utf8_lossy(&changed.stderr);
    assert_eq!(
        changed.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // "ALDB" is 41 4c 44 42 on disk; the new build writes 41 4c 44 43.
    assert!(
        stdout.contains("-    @0 lsn=1 slot=0 client header=414c4442"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+    @0 lsn=1 slot=0 client header=414c4443"),
        "{stdout}"
    );
    assert!(stdout.contains("--- a/allocdb-core/"), "{stdout}");

    let same = golden_against(repo, "HEAD");
    assert_eq!(
        same.status.code(),
        Some(0),
        "stderr:\n{}",
        String::from_utf8_lossy(&same.stderr)
    );
    let worktrees = Command::new("git")
        .args(["worktree", "list"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&worktrees.stdout).lines().count(),
        1,
        "the temporary worktree is removed"
    );
}
