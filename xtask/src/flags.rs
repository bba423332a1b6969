//! Every subcommand and flag of `cargo xtask`, in one place (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "The repository's tooling", version)]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Everything CI checks, failing fast with the name of the failed step.
    Ci(CiArgs),
    /// Enforce the runtime-vs-engine contract in `contracts/runtime-contract.toml`.
    Contract(ContractArgs),
    /// Report duplicated code across the engine crates (clone classes, runtime vs domain).
    DupReport(DupArgs),
    /// Benchmark the engines and the tooling (builds and runs `xtask/bench` in release mode).
    Bench(BenchArgs),
    /// Check every scenario's trace against its golden snapshot (or bless, or diff a revision).
    Golden(GoldenArgs),
    /// Run one scenario file and print its trace.
    Scenario(ScenarioArgs),
}

/// Flags of `cargo xtask bench`: the bench binary's own flags (declared once, in the
/// `bench-args` crate, so a bad value fails here before any release build) plus `--root`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The repository (default: the one containing the current directory).
    #[arg(long)]
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub flags: bench_args::BenchFlags,
}

#[derive(Debug, clap::Args)]
pub struct GoldenArgs {
    /// The repository (default: the one containing the current directory).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Accept the new traces as the goldens (and remove stale snapshots).
    #[arg(long, conflicts_with = "against")]
    pub bless: bool,
    /// Build the runner of `GIT_REV` in a temporary worktree, run it and the current runner on the
    /// current scenarios, and diff the traces (exit 1 on any difference).
    #[arg(long, value_name = "GIT_REV")]
    pub against: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ScenarioArgs {
    /// The engine folder name (`allocdb-core`, `quota-core`, `reservation-core`).
    pub engine: String,
    /// The scenario file.
    pub file: PathBuf,
    /// The repository (default: the one containing the current directory).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CiArgs {
    /// The repository to check (default: the one containing the current directory).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ContractArgs {
    /// The repository to check (default: the one containing the current directory).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// The contract file (default: `ROOT/contracts/runtime-contract.toml`).
    #[arg(long)]
    pub contract: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ContractFormat::Human)]
    pub format: ContractFormat,
}

/// Output formats of `cargo xtask contract`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, clap::ValueEnum)]
pub enum ContractFormat {
    /// rustc-style diagnostics.
    Human,
    /// A JSON document, `"schema": 1`.
    Json,
    /// SARIF 2.1.0 for code-scanning UIs.
    Sarif,
}

/// Output formats of `dup-report`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, clap::ValueEnum)]
pub enum DupFormat {
    Human,
    Json,
    Markdown,
    Html,
}

#[derive(Clone, Debug, clap::Args)]
pub struct DupArgs {
    /// Crate folders to compare (default: the engines and `runtime/` named in `contracts/`).
    pub roots: Vec<PathBuf>,
    /// The repository (default: the workspace containing the current directory, if any).
    #[arg(long)]
    pub root: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DupFormat::Human)]
    pub format: DupFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Ignore units with fewer source lines (blank and comment lines excluded).
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub min_lines: u32,
    /// Near-miss threshold: similarity of the normalized lines, 0 to 1.
    #[arg(long, value_name = "F", default_value_t = 0.8)]
    pub similarity: f64,
    /// Also compare test code (`#[cfg(test)]`, `#[test]`, `tests/`).
    #[arg(long)]
    pub include_tests: bool,
    /// Compare with an earlier JSON report.
    #[arg(long, value_name = "FILE", conflicts_with = "rev")]
    pub baseline: Option<PathBuf>,
    /// Compare with the same roots at a git revision (scanned in a temporary worktree).
    #[arg(long, value_name = "GIT_REV")]
    pub rev: Option<String>,
    /// Exit 1 when the runtime duplicated lines exceed LINES.
    #[arg(long, value_name = "LINES")]
    pub max_runtime_dup: Option<u64>,
}

impl DupArgs {
    /// The arguments of a plain `dup-report` run on `root` (used by `ci`).
    #[must_use]
    pub fn for_repository(root: PathBuf) -> DupArgs {
        DupArgs {
            roots: Vec::new(),
            root: Some(root),
            format: DupFormat::Human,
            out: None,
            min_lines: 6,
            similarity: 0.8,
            include_tests: false,
            baseline: None,
            rev: None,
            max_runtime_dup: None,
        }
    }
}
