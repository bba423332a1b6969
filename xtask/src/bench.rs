//! `cargo xtask bench`: builds the benchmark crate (`xtask/bench`, package `bench`) in release
//! mode and runs it, passing this xtask binary as the tool to measure in the tooling section.
//! The benchmarks live in their own crate so that the analysis subcommands never compile the
//! engines. Exit codes are the bench binary's: 1 when a workload's outcomes are not the
//! intended ones, 2 on an error. A missed performance target never fails the run.

use std::path::Path;

use anyhow::Context;

use crate::Status;
use crate::workspace::{absolute, cargo};

/// Runs `cargo xtask bench` on the repository at `root`.
///
/// # Errors
/// cargo cannot be started, the bench crate does not build, or the bench binary fails (2).
pub fn run(root: &Path, flags: &bench_args::BenchFlags) -> anyhow::Result<Status> {
    let xtask = std::env::current_exe().context("locating the xtask binary")?;
    let mut flags = flags.clone();
    flags.map_paths(absolute)?;
    let status = cargo(root)
        .args(["run", "--quiet", "--release", "--package", "bench", "--"])
        .arg("--root")
        .arg(root)
        .arg("--xtask")
        .arg(&xtask)
        .args(flags.to_args())
        .status()
        .context("starting cargo run --package bench")?;
    Status::of_child(status).context("the bench failed (see above)")
}
