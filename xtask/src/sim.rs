//! `cargo xtask sim`: builds the simulator crate (`xtask/sim`, package `sim`) and runs it with
//! the given flags. The simulator links the engines (their `sim` features), so it lives in its
//! own crate and the analysis subcommands never compile the engines. Exit codes are the
//! simulator's: 1 when a seed fails (its seed, step and shortest failing step count are
//! printed), 2 on bad usage.

use std::path::Path;

use anyhow::Context;

use crate::Status;
use crate::flags::SimArgs;
use crate::workspace::cargo;

/// The seed set of the `sim` step of `cargo xtask ci`: every engine, seeds 0..16 of 300 steps,
/// in a debug build (its time: docs/simulation.md, "The command").
pub const CI_FLAGS: &[&str] = &["--seeds", "16", "--steps", "300"];

/// Runs the simulator on the repository at `root` with `args`.
///
/// # Errors
/// cargo cannot be started, or the simulator does not build or exits 2.
pub fn run(root: &Path, args: &SimArgs) -> anyhow::Result<Status> {
    let flags: Vec<&str> = args.flags.iter().map(String::as_str).collect();
    run_flags(root, args.release, &flags)
}

/// Runs the simulator with `flags` (a debug build unless `release`).
///
/// # Errors
/// As [`run`].
pub fn run_flags(root: &Path, release: bool, flags: &[&str]) -> anyhow::Result<Status> {
    let mut command = cargo(root);
    command.args(["run", "--quiet", "--package", "sim"]);
    if release {
        command.arg("--release");
    }
    let status = command
        .arg("--")
        .args(flags)
        .status()
        .context("starting cargo run --package sim")?;
    Status::of_child(status).context("the simulator failed (see above)")
}
