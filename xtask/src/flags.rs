//! Every subcommand and flag of `cargo xtask`, in one place (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "The repository's tooling", version)]
pub struct Xtask {
    /// The repository to work on (default: the workspace containing the current directory).
    /// Accepted before or after the subcommand.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Everything CI checks, failing fast with the name of the failed step.
    Ci,
    /// Enforce the runtime-vs-engine contract in `contracts/runtime-contract.toml`.
    Contract(ContractArgs),
    /// Report duplicated code across the engine crates (clone classes, runtime vs domain).
    DupReport(DupArgs),
    /// Benchmark the engines and the tooling (builds and runs `xtask/bench` in release mode).
    ///
    /// Its flags are the bench binary's own (declared once, in the `bench-args` crate), so a
    /// bad value fails here, before any release build; `--against`, `--pairs` and `--full` are
    /// xtask's.
    Bench(BenchArgs),
    /// Check every scenario's trace against its golden snapshot (or bless, or diff a revision).
    Golden(GoldenArgs),
    /// Run the deterministic simulator over every engine (builds and runs `xtask/sim`):
    /// `[--engine E] [--seeds N | --seed S] [--steps K] [--on-disk] [--release]`;
    /// `docs/simulation.md`.
    Sim(SimArgs),
    /// Run one scenario file and print its trace.
    Scenario(ScenarioArgs),
    /// Show a database directory (engine, snapshot, every WAL frame, stop reason, temp files,
    /// lock), read-only: `docs/inspect.md`.
    Inspect(InspectArgs),
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The database directory.
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Human)]
    pub format: InspectFormat,
    /// The payload bound to scan the WAL with: the engine's `max_wal_payload_bytes` (inspect
    /// does not know the engine's config; default `u32::MAX`).
    #[arg(long, value_name = "N")]
    pub max_wal_payload_bytes: Option<u32>,
}

/// Output formats of `cargo xtask inspect`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, clap::ValueEnum)]
pub enum InspectFormat {
    Human,
    Json,
}

#[derive(Clone, Debug, clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub flags: bench_args::BenchFlags,
    /// Build the bench of `GIT_REV` in a temporary worktree, run it and the current bench
    /// alternately, pair by pair, and print each row's ratio current / REV (exit 1 when a
    /// CPU-bound row's upper-quartile ratio is below 0.95).
    #[arg(long, value_name = "GIT_REV", conflicts_with_all = ["runs", "corpus", "jscpd"])]
    pub against: Option<String>,
    /// With `--against`: pairs of runs per row (at least 10).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10,
        requires = "against",
        value_parser = clap::value_parser!(u16).range(10..)
    )]
    pub pairs: u16,
    /// With `--against`: the standard workload sizes in every run (default: the `--quick` ones).
    #[arg(long, requires = "against")]
    pub full: bool,
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Build the simulator with optimizations (for soak runs: slower to build, faster to run).
    #[arg(long)]
    pub release: bool,
    /// The simulator's own flags, passed on (declared once, in `xtask/sim/src/flags.rs`:
    /// `--engine E`, `--seeds N` or `--seed S`, `--steps K`, `--on-disk`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "FLAGS"
    )]
    pub flags: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct GoldenArgs {
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
}

#[derive(Debug, clap::Args)]
pub struct ContractArgs {
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
    /// SARIF 2.1.0: one result per clone class (not with `--history`).
    Sarif,
}

#[derive(Clone, Debug, clap::Args)]
pub struct DupArgs {
    /// Crate folders to compare (default: the engines and `runtime/` named in `contracts/`).
    pub roots: Vec<PathBuf>,
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
    /// The figures at every commit of `REV_RANGE`'s first-parent history (`A..B`, or one
    /// revision for all of its history), read from git objects with each commit's contract.
    #[arg(
        long,
        value_name = "REV_RANGE",
        conflicts_with_all = ["roots", "baseline", "rev", "max_runtime_dup", "max_runtime_copied"]
    )]
    pub history: Option<String>,
    /// Exit 1 when the runtime duplicated lines exceed LINES.
    #[arg(long, value_name = "LINES")]
    pub max_runtime_dup: Option<u64>,
    /// Exit 1 when the lines copied out of the runtime crate (a class with a copy under the
    /// runtime and one outside it, whatever the file names) exceed LINES.
    #[arg(long, value_name = "LINES")]
    pub max_runtime_copied: Option<u64>,
}

impl DupArgs {
    /// The arguments of a plain `dup-report` run: clap's defaults, as the command line has
    /// them (used by `ci`, which adds its budget).
    ///
    /// # Panics
    /// Never: `dup-report` has no required argument (a test parses it).
    #[must_use]
    pub fn defaults() -> DupArgs {
        use clap::{Args, FromArgMatches};
        let command = DupArgs::augment_args(clap::Command::new("dup-report"));
        let matches = command
            .try_get_matches_from(["dup-report"])
            .expect("dup-report needs no argument");
        DupArgs::from_arg_matches(&matches).expect("the defaults are valid arguments")
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn sim_passes_its_flags_on_to_the_simulator() {
        let parsed = Xtask::try_parse_from([
            "xtask",
            "sim",
            "--release",
            "--seeds",
            "3",
            "--engine",
            "quota-core",
        ])
        .unwrap();
        let Command::Sim(args) = parsed.command else {
            panic!("not sim");
        };
        assert!(args.release);
        assert_eq!(args.flags, ["--seeds", "3", "--engine", "quota-core"]);
        let Command::Sim(plain) = Xtask::try_parse_from(["xtask", "sim"]).unwrap().command else {
            panic!("not sim");
        };
        assert!(!plain.release && plain.flags.is_empty());
    }

    #[test]
    fn dup_defaults_are_the_command_lines() {
        let Command::DupReport(parsed) = Xtask::parse_from(["xtask", "dup-report"]).command else {
            panic!("dup-report parses as dup-report");
        };
        assert_eq!(format!("{:?}", DupArgs::defaults()), format!("{parsed:?}"));
    }

    #[test]
    fn history_takes_a_range_and_excludes_roots_baselines_and_budgets() {
        let parsed = Xtask::try_parse_from(["xtask", "dup-report", "--history", "a..b"]);
        let Command::DupReport(args) = parsed.unwrap().command else {
            panic!("dup-report parses as dup-report");
        };
        assert_eq!(args.history.as_deref(), Some("a..b"));
        for bad in [
            &["xtask", "dup-report", "--history", "a..b", "x"][..],
            &["xtask", "dup-report", "--history", "a..b", "--rev", "c"],
            &[
                "xtask",
                "dup-report",
                "--history",
                "a..b",
                "--baseline",
                "f",
            ],
            &[
                "xtask",
                "dup-report",
                "--history",
                "a..b",
                "--max-runtime-dup",
                "1",
            ],
            &[
                "xtask",
                "dup-report",
                "--history",
                "a..b",
                "--max-runtime-copied",
                "1",
            ],
        ] {
            let error = Xtask::try_parse_from(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn root_is_accepted_before_and_after_the_subcommand() {
        for args in [
            &["xtask", "--root", "/r", "contract"][..],
            &["xtask", "contract", "--root", "/r"],
            &["xtask", "dup-report", "a", "--root", "/r"],
            &["xtask", "scenario", "quota-core", "f.scn", "--root", "/r"],
            &["xtask", "inspect", "db", "--root", "/r", "--format", "json"],
            &["xtask", "bench", "--root", "/r", "--quick"],
            &["xtask", "golden", "--root", "/r"],
            &["xtask", "ci", "--root", "/r"],
        ] {
            let flags = Xtask::try_parse_from(args).unwrap();
            assert_eq!(
                flags.root.as_deref(),
                Some(std::path::Path::new("/r")),
                "{args:?}"
            );
        }
    }

    #[test]
    fn bench_against_flags_parse_and_are_checked() {
        let parsed =
            Xtask::try_parse_from(["xtask", "bench", "--against", "main", "--pairs", "12"]);
        let Command::Bench(args) = parsed.unwrap().command else {
            panic!("bench parses as bench");
        };
        assert_eq!((args.against.as_deref(), args.pairs), (Some("main"), 12));
        for bad in [
            &["xtask", "bench", "--pairs", "12"][..],
            &["xtask", "bench", "--full"],
            &["xtask", "bench", "--against", "main", "--pairs", "9"],
            &["xtask", "bench", "--against", "main", "--runs", "3"],
            &["xtask", "bench", "--against", "main", "--jscpd", "j"],
        ] {
            let error = Xtask::try_parse_from(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad:?}");
        }
    }
}
