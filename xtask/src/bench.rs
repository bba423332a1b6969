//! `cargo xtask bench`: builds the benchmark crate (`xtask/bench`, package `bench`) in release
//! mode and runs it, passing this xtask binary as the tool to measure in the tooling section.
//! The benchmarks live in their own crate so that the analysis subcommands never compile the
//! engines. Exit codes are the bench binary's: 1 when a workload's outcomes are not the
//! intended ones, 2 on an error. A missed performance target never fails the run.
//!
//! `--against REV` compares two builds instead (`against.rs`): REV's bench, built in a
//! temporary worktree, and the current one run alternately, pair by pair; `rows.rs` reads the
//! figures out of their JSON reports, `stats.rs` turns the pairs into ratios and the gate,
//! `render.rs` prints the table.

mod against;
mod render;
mod rows;
mod stats;

use std::path::Path;

use anyhow::Context;

use crate::Status;
use crate::flags::BenchArgs;
use crate::workspace::{absolute, cargo};
use crate::worktree::commit_of;

/// The variable through which xtask tells a bench build its commit (`option_env!` in the
/// bench's `main.rs`; the report's `build_commit`).
const COMMIT_VARIABLE: &str = "XTASK_BENCH_COMMIT";

/// Runs `cargo xtask bench` on the repository at `root`.
///
/// # Errors
/// cargo cannot be started, the bench crate does not build, or the bench binary fails (2);
/// with `--against`, see [`against::run`].
pub fn run(root: &Path, args: &BenchArgs) -> anyhow::Result<Status> {
    let mut flags = args.flags.clone();
    flags.map_paths(absolute)?;
    if let Some(rev) = &args.against {
        return against::run(root, rev, args, &flags);
    }
    let xtask = std::env::current_exe().context("locating the xtask binary")?;
    let status = cargo(root)
        .args(["run", "--quiet", "--release", "--package", "bench", "--"])
        .arg("--root")
        .arg(root)
        .arg("--xtask")
        .arg(&xtask)
        .args(flags.to_args())
        .env(COMMIT_VARIABLE, commit_of(root))
        .status()
        .context("starting cargo run --package bench")?;
    Status::of_child(status).context("the bench failed (see above)")
}
