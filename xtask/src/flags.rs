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
