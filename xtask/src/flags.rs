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
}

#[derive(Debug, clap::Args)]
pub struct CiArgs {
    /// The repository to check (default: the one containing the current directory).
    #[arg(long)]
    pub root: Option<PathBuf>,
}
