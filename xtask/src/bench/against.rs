//! `cargo xtask bench --against REV`: REV's bench (package `bench`, release) is built in a
//! temporary worktree with its own persistent target folder, the current bench in another,
//! and the two binaries run alternately, pair by pair, on the same workloads (`--quick` sizes
//! unless `--full`), one engine and one section per run. Each binary reports the commit it was
//! built from (`build_commit`, compiled in from the variable xtask sets for its build), which
//! is checked against the commit xtask built; an older bench that predates that field is
//! named by its `--root` tree's commit instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use bench_args::load_average;

use super::COMMIT_VARIABLE;
use super::render::{Comparison, Reported, RowResult};
use super::rows::{Part, Reading, read};
use super::stats::{Pair, rev_runs_first, spread, verdict};
use crate::Status;
use crate::flags::BenchArgs;
use crate::workspace::cargo;
use crate::worktree::{Profile, Side, Worktree, against_target, build_binary, commit_of};

/// The engines compared when `--engine` is not given (the names the bench binary knows).
const ENGINES: [&str; 3] = ["allocdb-core", "quota-core", "reservation-core"];

/// One of the two bench binaries and what it reported.
struct Bench {
    label: String,
    binary: PathBuf,
    tree: PathBuf,
    /// The commit xtask built it from (and set in `XTASK_BENCH_COMMIT`).
    built: String,
    reported: Option<Reported>,
}

/// What each pair's runs share: the section, the engine and the forwarded flags.
struct Workload<'a> {
    part: Part,
    engine: &'a str,
    quick: bool,
    scratch: Option<&'a Path>,
}

/// Runs `bench --against REV`; `flags` are the bench flags with absolute paths.
///
/// # Errors
/// A bad `--only` for a comparison, git or cargo cannot be started, REV does not exist or has
/// no `bench` package, a bench does not build or fails, or its JSON report has another schema
/// or lacks a figure (all exit 2); a failing CPU-bound row is `CheckFailed` (exit 1).
pub(super) fn run(
    root: &Path,
    rev: &str,
    args: &BenchArgs,
    flags: &bench_args::BenchFlags,
) -> anyhow::Result<Status> {
    let parts = parts(&flags.only)?;
    let engines: Vec<&str> = if flags.engine.is_empty() {
        ENGINES.to_vec()
    } else {
        flags.engine.iter().map(String::as_str).collect()
    };
    let worktree = Worktree::add(root, rev).with_context(|| {
        format!(
            "--against {rev}: git worktree add failed (is `{rev}` a revision of {}?)",
            root.display()
        )
    })?;
    require_bench_package(worktree.path(), rev)?;
    let mut benches = [
        build(worktree.path(), &against_target(root, Side::Old), rev)
            .with_context(|| format!("building the bench of {rev}"))?,
        build(root, &against_target(root, Side::Current), "current")
            .context("building the current bench")?,
    ];
    let load_average_start = load_average();
    let mut rows = Vec::new();
    for engine in &engines {
        for &part in &parts {
            let workload = Workload {
                part,
                engine,
                quick: !args.full,
                scratch: flags.scratch.as_deref(),
            };
            rows.extend(compare(&mut benches, &workload, usize::from(args.pairs))?);
        }
    }
    drop(worktree);
    let [old, current] = benches;
    let comparison = Comparison::new(
        rev,
        (current.reported, old.reported),
        (if args.full { "full" } else { "quick" }, args.pairs),
        (load_average_start, load_average()),
        rows,
    );
    comparison.write(flags.format, flags.out.as_deref())?;
    Ok(if comparison.failed == 0 {
        Status::Ok
    } else {
        Status::CheckFailed
    })
}

/// The parts `--only` asks for (all three by default); the tooling sections compare nothing.
fn parts(only: &[bench_args::Section]) -> anyhow::Result<Vec<Part>> {
    use bench_args::Section;
    if only.is_empty() || only.contains(&Section::Engines) {
        return Ok(Part::ALL.to_vec());
    }
    let mut parts = Vec::new();
    for section in only {
        let part = match section {
            Section::Apply => Part::Apply,
            Section::Durable => Part::Durable,
            Section::Recovery => Part::Recovery,
            Section::Engines => unreachable!("handled above"),
            Section::Tooling | Section::Corpus => {
                bail!(
                    "--against compares the engine sections only (engines, apply, durable, recovery), not {section:?}"
                )
            }
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    Ok(parts)
}

/// Names a revision without a `bench` package before cargo fails on it.
fn require_bench_package(tree: &Path, rev: &str) -> anyhow::Result<()> {
    let output = cargo(tree)
        .args(["metadata", "--quiet", "--no-deps", "--format-version", "1"])
        .output()
        .context("starting cargo metadata")?;
    let metadata: Option<serde_json::Value> = output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).ok())
        .flatten();
    let has_bench = metadata
        .as_ref()
        .and_then(|metadata| metadata.get("packages")?.as_array())
        .is_some_and(|packages| {
            packages
                .iter()
                .any(|package| package.get("name").and_then(|name| name.as_str()) == Some("bench"))
        });
    if has_bench {
        Ok(())
    } else {
        bail!(
            "--against {rev}: {rev} has no `bench` package (its workspace predates `xtask/bench`, \
             or is not a cargo workspace), so there is nothing to compare with"
        )
    }
}

fn build(tree: &Path, target: &Path, label: &str) -> anyhow::Result<Bench> {
    let built = commit_of(tree);
    eprintln!("bench --against: building the bench of {label} ({built}), release");
    let binary = build_binary(
        tree,
        target,
        ("bench", "bench"),
        Profile::Release,
        &[(COMMIT_VARIABLE, &built)],
    )?;
    Ok(Bench {
        label: label.to_string(),
        binary,
        tree: tree.to_path_buf(),
        built,
        reported: None,
    })
}

/// `pairs` pairs of runs of one workload, REV's bench and the current one alternating which
/// goes first; one result per row of the part.
fn compare(
    [old, current]: &mut [Bench; 2],
    workload: &Workload,
    pairs: usize,
) -> anyhow::Result<Vec<RowResult>> {
    let rows = workload.part.rows();
    eprintln!(
        "bench --against: {} {}, {pairs} pairs",
        workload.engine,
        workload.part.section()
    );
    let mut measured = vec![Vec::with_capacity(pairs); rows.len()];
    for index in 0..pairs {
        let (rev, now) = if rev_runs_first(index) {
            let rev = run_once(old, workload)?;
            (rev, run_once(current, workload)?)
        } else {
            let now = run_once(current, workload)?;
            (run_once(old, workload)?, now)
        };
        assert_eq!(rev.figures.len(), rows.len(), "one figure per row");
        assert_eq!(now.figures.len(), rows.len(), "one figure per row");
        for (slot, pairs) in measured.iter_mut().enumerate() {
            pairs.push(Pair {
                current: now.figures[slot],
                rev: rev.figures[slot],
            });
        }
    }
    Ok(rows
        .iter()
        .zip(measured)
        .map(|(row, pairs)| {
            let spread = spread(&pairs);
            RowResult::new(
                workload.engine,
                *row,
                verdict(row.bound(), &spread),
                spread,
                pairs,
            )
        })
        .collect())
}

/// One run of one bench binary, its report read and its commit checked.
fn run_once(bench: &mut Bench, workload: &Workload) -> anyhow::Result<Reading> {
    let section = workload.part.section();
    let mut command = Command::new(&bench.binary);
    command
        .args(["--only", section, "--engine", workload.engine])
        .args(["--runs", "1", "--format", "json"]);
    if workload.quick {
        command.arg("--quick");
    }
    if let Some(scratch) = workload.scratch {
        command.arg("--scratch").arg(scratch);
    }
    let output = command
        .arg("--root")
        .arg(&bench.tree)
        .output()
        .with_context(|| format!("starting {}", bench.binary.display()))?;
    let what = format!(
        "the bench of {} ({}) on `--only {section} --engine {}`",
        bench.label,
        bench.binary.display(),
        workload.engine
    );
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        bail!("{what} failed ({}): {last}", output.status);
    }
    let reading =
        read(&output.stdout, workload.part, workload.engine).with_context(|| what.clone())?;
    let reported = match (&reading.build_commit, &reading.tree_commit) {
        (Some(built), _) if *built != bench.built => {
            bail!(
                "{what}: the binary reports it was built from {built}, but xtask built it from {}",
                bench.built
            )
        }
        (Some(built), _) => Reported::by_binary(built),
        (None, tree) => Reported::by_tree(tree.as_deref().unwrap_or("unknown")),
    };
    bench.reported.get_or_insert(reported);
    Ok(reading)
}
