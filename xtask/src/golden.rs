//! `cargo xtask golden` and `cargo xtask scenario`: the golden-output regression checks; and
//! `cargo xtask inspect`, which runs the same crate's `golden inspect` (it decodes WAL frames
//! with the drivers' code, so it must link the engines too).
//!
//! The runner lives in its own crate (`xtask/golden`, package `golden`) so that the analysis
//! subcommands never compile the engines. `golden` runs that crate's test (the committed insta
//! snapshots); `--bless` accepts new output; `--against REV` builds REV's runner in a temporary
//! git worktree (target directory `target/against`, kept warm between runs), runs it and the
//! current runner on the current scenario files, and diffs the traces.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::Status;
use crate::flags::{GoldenArgs, InspectArgs, InspectFormat, ScenarioArgs};
use crate::workspace::cargo;
use crate::worktree::{Profile, Side, Worktree, against_target, build_binary};

/// Runs `cargo xtask golden`.
///
/// # Errors
/// cargo or git cannot be started, the revision does not exist, its runner does not build.
pub fn run(root: &Path, args: &GoldenArgs) -> anyhow::Result<Status> {
    match &args.against {
        Some(rev) => against(root, rev),
        None => check(root, args.bless),
    }
}

/// Runs `cargo xtask scenario ENGINE FILE`: prints one scenario's trace.
///
/// # Errors
/// cargo cannot be started.
pub fn scenario(root: &Path, args: &ScenarioArgs) -> anyhow::Result<Status> {
    let file = crate::workspace::absolute(&args.file)?;
    let status = cargo(root)
        .args([
            "run",
            "--quiet",
            "--package",
            "golden",
            "--bin",
            "golden",
            "--",
            "scenario",
            &args.engine,
        ])
        .arg(&file)
        .status()
        .context("starting cargo")?;
    Status::of_child(status)
        .with_context(|| format!("the golden runner failed for {}", file.display()))
}

/// Runs `cargo xtask inspect DIR`: `golden inspect` on the absolute path (exit 0 with any
/// report, a corrupt directory included; 2 on an unreadable directory).
///
/// # Errors
/// cargo cannot be started, or the runner refused the directory (it names the reason).
pub fn inspect(root: &Path, args: &InspectArgs) -> anyhow::Result<Status> {
    let dir = crate::workspace::absolute(&args.dir)?;
    let format = match args.format {
        InspectFormat::Human => "human",
        InspectFormat::Json => "json",
    };
    let mut command = cargo(root);
    command
        .args([
            "run",
            "--quiet",
            "--package",
            "golden",
            "--bin",
            "golden",
            "--",
            "inspect",
        ])
        .arg(&dir)
        .args(["--format", format]);
    if let Some(max) = args.max_wal_payload_bytes {
        command.args(["--max-wal-payload-bytes", &max.to_string()]);
    }
    let status = command.status().context("starting cargo")?;
    match status.code() {
        Some(0) => Ok(Status::Ok),
        _ => bail!("inspect {} failed (see above)", dir.display()),
    }
}

fn check(root: &Path, bless: bool) -> anyhow::Result<Status> {
    let mut command = cargo(root);
    command.args([
        "test",
        "--package",
        "golden",
        "--test",
        "golden",
        "--",
        "--test-threads=1",
    ]);
    if bless {
        command
            .env("INSTA_UPDATE", "always")
            .env("INSTA_FORCE_PASS", "1")
            .env("GOLDEN_BLESS", "1");
    } else {
        command
            .env("INSTA_UPDATE", "no")
            .env_remove("INSTA_FORCE_PASS");
    }
    let status = command.status().context("starting cargo test")?;
    if status.success() {
        eprintln!(
            "golden: all traces match{}",
            if bless { " (blessed)" } else { "" }
        );
        Ok(Status::Ok)
    } else {
        eprintln!(
            "golden: traces differ or a scenario failed (see above); `cargo xtask golden --bless` accepts new output"
        );
        Ok(Status::CheckFailed)
    }
}

fn against(root: &Path, rev: &str) -> anyhow::Result<Status> {
    let scratch = root.join("target/golden-against");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
    let worktree = Worktree::add(root, rev).with_context(|| {
        format!(
            "--against {rev}: git worktree add failed (is `{rev}` a revision of {}?)",
            root.display()
        )
    })?;
    let runner = ("golden", "golden");
    let old_runner = build_binary(
        worktree.path(),
        &against_target(root, Side::Old),
        runner,
        Profile::Dev,
        &[],
    )
    .with_context(|| format!("building the golden runner of {rev}"))?;
    let new_runner = build_binary(
        root,
        &against_target(root, Side::Current),
        runner,
        Profile::Dev,
        &[],
    )
    .context("building the current golden runner")?;
    let old = scratch.join("old");
    let new = scratch.join("new");
    run_traces(&old_runner, root, &old)?;
    run_traces(&new_runner, root, &new)?;
    let differences = crate::golden_diff::diff_trees(&old, &new)?;
    drop(worktree);
    if differences.is_empty() {
        eprintln!("golden: {rev}..working tree changed no trace");
        Ok(Status::Ok)
    } else {
        for difference in &differences {
            println!("{difference}");
        }
        eprintln!(
            "golden: {} trace(s) differ between {rev} and the working tree",
            differences.len()
        );
        Ok(Status::CheckFailed)
    }
}

fn run_traces(runner: &Path, root: &Path, out: &Path) -> anyhow::Result<()> {
    let status = Command::new(runner)
        .arg("traces")
        .arg(root)
        .arg(out)
        .status()
        .with_context(|| format!("starting {}", runner.display()))?;
    // Exit 1 means a scenario failed; its error is in the trace file and shows in the diff.
    match status.code() {
        Some(0 | 1) => Ok(()),
        _ => bail!("{} traces failed", runner.display()),
    }
}
