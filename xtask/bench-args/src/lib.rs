//! The flags of the bench binary (`xtask/bench`), declared once and used by both sides:
//! `cargo xtask bench` parses them (so a bad value fails there, with clap's message and exit 2,
//! before any release build) and forwards them with [`BenchFlags::to_args`]; the bench binary
//! parses the same types from its own command line.
//!
//! The bench binary's command line is a stable interface: `bench --against REV` runs the bench
//! binaries of older revisions with the flags of the current one. Add flags; never rename or
//! remove one, and never change how a value is spelled.
//!
//! The few helpers both sides need live here too, written once: [`cargo`] (the cargo to
//! call), [`thousands`] (how figures print), [`commit_of`] (the commit a tree is at) and
//! [`load_average`] (how busy the machine was).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::ValueEnum;

/// Output format of the report.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
}

/// A part of the benchmarks, chosen with `--only` (repeatable).
#[derive(Clone, Copy, Debug, Eq, PartialEq, ValueEnum)]
pub enum Section {
    /// apply, durable and recovery (all engine benchmarks).
    Engines,
    /// apply at the standard and at 16x capacities.
    Apply,
    /// durable submit and group commit, next to raw write + fdatasync.
    Durable,
    /// recovery replay, WAL scan against plain CRC32C, snapshot write and load.
    Recovery,
    /// dup-report and contract on this repository.
    Tooling,
    /// dup-report on the pinned corpus at 1/4, 1/2 and all of it.
    Corpus,
}

/// The flags that `cargo xtask bench` and the bench binary share. The bench binary adds
/// `--root` and `--xtask`, which xtask always passes itself.
#[derive(Clone, Debug, Default, Eq, PartialEq, clap::Args)]
pub struct BenchFlags {
    /// Smoke run: a tenth of the work, one run, no corpus unless `--corpus` is given.
    #[arg(long)]
    pub quick: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Runs per figure (the median is reported); default 5, 1 with `--quick`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub runs: Option<u16>,
    /// Only these sections (repeatable).
    #[arg(long, value_enum, value_name = "SECTION")]
    pub only: Vec<Section>,
    /// Only these engines (repeatable): allocdb-core, quota-core, reservation-core.
    #[arg(long, value_name = "NAME")]
    pub engine: Vec<String>,
    /// An already vendored corpus (default: vendor `xtask/bench-corpus` into the scratch folder).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// The jscpd binary to compare with on the corpus (default: `jscpd` on `PATH`, if any).
    #[arg(long, value_name = "PATH")]
    pub jscpd: Option<PathBuf>,
    /// Where databases, WAL files and the corpus go (default: the system temporary folder).
    #[arg(long, value_name = "DIR")]
    pub scratch: Option<PathBuf>,
}

impl BenchFlags {
    /// The command line that parses back into `self` (flags in declaration order; values are
    /// spelled by clap, as parsed).
    #[must_use]
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        if self.quick {
            args.push("--quick".into());
        }
        args.extend(["--format".into(), value_name(&self.format)]);
        push_path(&mut args, "--out", self.out.as_ref());
        if let Some(runs) = self.runs {
            args.extend(["--runs".into(), runs.to_string().into()]);
        }
        for section in &self.only {
            args.extend(["--only".into(), value_name(section)]);
        }
        for engine in &self.engine {
            args.extend(["--engine".into(), engine.into()]);
        }
        push_path(&mut args, "--corpus", self.corpus.as_ref());
        push_path(&mut args, "--jscpd", self.jscpd.as_ref());
        push_path(&mut args, "--scratch", self.scratch.as_ref());
        args
    }

    /// Applies `map` to every path flag (xtask makes them absolute: the bench runs elsewhere).
    ///
    /// # Errors
    /// The first error `map` returns.
    pub fn map_paths<E>(
        &mut self,
        mut map: impl FnMut(&Path) -> Result<PathBuf, E>,
    ) -> Result<(), E> {
        for path in [
            &mut self.out,
            &mut self.corpus,
            &mut self.jscpd,
            &mut self.scratch,
        ]
        .into_iter()
        .flatten()
        {
            *path = map(path.as_path())?;
        }
        Ok(())
    }
}

/// A `cargo` command: the cargo that runs this tool (`CARGO`, which cargo sets for the
/// processes it starts), else `cargo` on `PATH`. The one place xtask and the bench look it up.
#[must_use]
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The commit checked out in `tree`, abbreviated, with `+dirty` when tracked files differ
/// from it; `None` outside a git repository.
#[must_use]
pub fn commit_of(tree: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(tree)
            .args(args)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let mut commit = git(&["rev-parse", "--short", "HEAD"])?;
    if git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty()) {
        commit.push_str("+dirty");
    }
    Some(commit)
}

/// `/proc/loadavg`'s 1, 5 and 15 minute figures (empty where there is none): above the core
/// count, other work shared the cores and timings are noisy.
#[must_use]
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// `1234567.8` as `1,234,568` (negative figures print as 0).
#[must_use]
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn value_name(value: &impl ValueEnum) -> OsString {
    value
        .to_possible_value()
        .expect("no value of the bench's enums is skipped")
        .get_name()
        .into()
}

fn push_path(args: &mut Vec<OsString>, flag: &str, path: Option<&PathBuf>) {
    if let Some(path) = path {
        args.extend([flag.into(), path.into()]);
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        flags: BenchFlags,
    }

    fn parse(args: &[&str]) -> Result<BenchFlags, clap::Error> {
        Cli::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))
            .map(|cli| cli.flags)
    }

    #[test]
    fn to_args_parses_back_into_the_same_flags() {
        let cases: &[&[&str]] = &[
            &[],
            &["--quick"],
            &["--format", "json", "--runs", "3", "--out", "/tmp/r.json"],
            &[
                "--only",
                "apply",
                "--only",
                "corpus",
                "--engine",
                "quota-core",
            ],
            &["--corpus", "c", "--jscpd", "/bin/jscpd", "--scratch", "/s"],
        ];
        for case in cases {
            let flags = parse(case).unwrap();
            let args = flags.to_args();
            let again = Cli::try_parse_from(std::iter::once("bench".into()).chain(args)).unwrap();
            assert_eq!(again.flags, flags, "{case:?}");
        }
    }

    #[test]
    fn every_section_and_format_round_trips() {
        for section in Section::value_variants() {
            let flags = BenchFlags {
                only: vec![*section],
                ..BenchFlags::default()
            };
            let again = Cli::try_parse_from(std::iter::once("bench".into()).chain(flags.to_args()));
            assert_eq!(again.unwrap().flags, flags);
        }
        for format in Format::value_variants() {
            let flags = BenchFlags {
                format: *format,
                ..BenchFlags::default()
            };
            let again = Cli::try_parse_from(std::iter::once("bench".into()).chain(flags.to_args()));
            assert_eq!(again.unwrap().flags, flags);
        }
    }

    #[test]
    fn bad_values_are_refused_by_clap() {
        for bad in [
            &["--only", "bogus"][..],
            &["--format", "xml"],
            &["--runs", "0"],
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad:?}");
            assert!(error.to_string().contains("invalid value"), "{error}");
        }
    }
}
