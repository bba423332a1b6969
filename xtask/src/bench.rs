//! `cargo xtask bench`: builds the benchmark crate (`xtask/bench`, package `bench`) in release
//! mode and runs it, passing this xtask binary as the tool to measure in the tooling section.
//! The benchmarks live in their own crate so that the analysis subcommands never compile the
//! engines. Exit codes are the bench binary's: 1 when a workload's outcomes are not the
//! intended ones, 2 on an error. A missed performance target never fails the run.

use std::process::Command;

use anyhow::{Context, bail};

use crate::Status;
use crate::flags::BenchArgs;
use crate::workspace::{absolute, find_root};

/// Runs `cargo xtask bench`.
///
/// # Errors
/// cargo cannot be started, the bench crate does not build, or the bench binary fails (2).
pub fn run(args: &BenchArgs) -> anyhow::Result<Status> {
    let root = find_root(args.root.as_deref())?;
    let xtask = std::env::current_exe().context("locating the xtask binary")?;
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(&root)
        .args(["run", "--quiet", "--release", "--package", "bench", "--"])
        .arg("--root")
        .arg(&root)
        .arg("--xtask")
        .arg(&xtask);
    let mut flags = args.flags.clone();
    flags.map_paths(absolute)?;
    command.args(flags.to_args());
    let status = command
        .status()
        .context("starting cargo run --package bench")?;
    match status.code() {
        Some(0) => Ok(Status::Ok),
        Some(1) => Ok(Status::CheckFailed),
        _ => bail!("the bench failed (see above)"),
    }
}
