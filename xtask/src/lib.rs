//! The repository's own tooling, run as `cargo xtask <subcommand>`.
//!
//! Each subcommand is a module with a `run` function; flags live in [`flags`]. The analysis
//! tasks (`dup-report`, `contract`) read Rust source with `syn` and never link the engines; the
//! golden runner and the benchmarks are separate crates that do.
//!
//! Exit codes: `0` all is well, `1` a check failed, `2` bad usage or unreadable input. A task
//! returns `Ok(Status)` for 0/1 and `Err` for 2.

pub mod bench;
pub mod ci;
pub mod contract;
pub mod contract_file;
pub mod dup;
pub mod flags;
pub mod golden;
pub mod golden_diff;
pub mod source;
pub mod workspace;

use std::process::ExitCode;

/// How a task that ran to completion ended.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Status {
    /// Everything checked is fine (exit 0).
    Ok,
    /// A check failed: contract violation, golden diff, budget exceeded (exit 1).
    CheckFailed,
}

impl Status {
    #[must_use]
    pub fn exit_code(self) -> ExitCode {
        match self {
            Status::Ok => ExitCode::SUCCESS,
            Status::CheckFailed => ExitCode::from(1),
        }
    }
}

/// Dispatches one subcommand.
///
/// # Errors
/// Bad usage, unreadable files, malformed contracts: everything that exits 2.
pub fn run(flags: flags::Xtask) -> anyhow::Result<Status> {
    match flags.command {
        flags::Command::Ci(args) => ci::run(&args),
        flags::Command::Contract(args) => contract::run(&args),
        flags::Command::DupReport(args) => dup::run(&args),
        flags::Command::Bench(args) => bench::run(&args),
        flags::Command::Golden(args) => golden::run(&args),
        flags::Command::Scenario(args) => golden::scenario(&args),
    }
}
