//! The repository's own tooling, run as `cargo xtask <subcommand>`.
//!
//! Each subcommand is a module with a `run` function; flags live in [`flags`]. The analysis
//! tasks (`dup-report`, `contract`) read Rust source with `syn` and never link the engines; the
//! golden runner and the benchmarks are separate crates that do.
//!
//! Exit codes: `0` all is well, `1` a check failed, `2` bad usage or unreadable input. A task
//! returns `Ok(Status)` for 0/1 and `Err` for 2.

// The public surface is what the integration tests and the two analysis libraries need:
// `dup` (the clone matcher, reused by `contract`'s `no-local-copy` rule), `contract` (`check`
// and its report), `workspace::absolute`, and `Status`. Everything else is the binary's.
mod bench;
mod ci;
pub mod contract;
mod contract_file;
pub mod dup;
mod flags;
mod git_objects;
mod golden;
mod golden_diff;
mod sarif;
mod sim;
mod source;
pub mod workspace;
mod worktree;

use std::process::{ExitCode, ExitStatus};

use clap::Parser;

/// How a task that ran to completion ended.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Status {
    /// Everything checked is fine (exit 0).
    Ok,
    /// A check failed: contract violation, golden diff, budget exceeded (exit 1).
    CheckFailed,
}

impl Status {
    /// A child tool's exit status read with the same convention (the golden runner and the
    /// bench binary follow it): 0 is `Ok`, 1 `CheckFailed`, anything else `None` (an error the
    /// caller names).
    #[must_use]
    pub fn of_child(status: ExitStatus) -> Option<Status> {
        match status.code() {
            Some(0) => Some(Status::Ok),
            Some(1) => Some(Status::CheckFailed),
            _ => None,
        }
    }
}

/// The one exit mapping: `Ok(Status::Ok)` is 0, `Ok(Status::CheckFailed)` 1, an error 2 (bad
/// usage, an unreadable file, a malformed contract: "2 wins over 1"), printed as one line.
/// clap exits 2 on bad usage itself, before any task runs.
#[must_use]
pub fn exit_code(result: &anyhow::Result<Status>) -> ExitCode {
    match result {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::CheckFailed) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The binary's `main`: parses the command line, runs the task, maps the outcome to the exit
/// code.
#[must_use]
pub fn main() -> ExitCode {
    exit_code(&run(flags::Xtask::parse()))
}

/// Resolves the repository root once, then dispatches one subcommand.
///
/// # Errors
/// Bad usage, unreadable files, malformed contracts: everything that exits 2.
fn run(flags: flags::Xtask) -> anyhow::Result<Status> {
    let root = workspace::resolve_root(flags.root.as_deref())?;
    if let flags::Command::DupReport(args) = &flags.command {
        // The one command that also works outside any repository (on crate folders).
        return dup::run(root.as_deref(), args);
    }
    let root = workspace::require_root(root)?;
    match flags.command {
        flags::Command::Ci => ci::run(&root),
        flags::Command::Contract(args) => contract::run(&root, &args),
        flags::Command::DupReport(args) => dup::run(Some(&root), &args),
        flags::Command::Bench(args) => bench::run(&root, &args),
        flags::Command::Golden(args) => golden::run(&root, &args),
        flags::Command::Sim(args) => sim::run(&root, &args),
        flags::Command::Scenario(args) => golden::scenario(&root, &args),
        flags::Command::Inspect(args) => golden::inspect(&root, &args),
    }
}
