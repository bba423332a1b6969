//! `cargo xtask bench`: measured performance of the three engines and of the tooling.
//!
//! Built in release mode and run by `cargo xtask bench` (which passes `--root` and its own
//! binary as `--xtask`). Every figure is the median of `--runs` runs (5; 1 with `--quick`).
//! Benchmarks print numbers and never assert a time: the exit code is 1 only when a workload
//! did not do what it claims (an outcome other than the expected one, a recovered state that
//! differs), and 2 on an error. See `docs/benchmarks.md` for the workloads and the figures.

// Benchmark figures are floating-point rates of integer counts; the precision lost above
// 2^52 commands does not matter.
#![allow(clippy::cast_precision_loss)]

mod allocdb;
mod apply;
mod bounds;
mod child;
mod corpus;
mod engines;
mod machine;
mod measure;
mod queue;
mod quota;
mod recovery;
mod render;
mod reservation;
mod shapes;
mod subject;
mod targets;
mod tooling;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bench_args::{BenchFlags, Format, Section};
use clap::Parser;
use serde::Serialize;

use crate::engines::{EngineReport, Parts, Plan};
use crate::subject::Subject;
use crate::targets::Target;
use crate::tooling::{CorpusReport, ToolReport};

/// The bench's command line: the flags shared with `cargo xtask bench` (declared once, in the
/// `bench-args` crate), plus the two that xtask always passes itself.
#[derive(Debug, Parser)]
#[command(name = "bench", about = "Benchmarks of the engines and of the tooling")]
struct Args {
    #[command(flatten)]
    flags: BenchFlags,
    /// The repository (default: the current directory).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The xtask binary to measure (default: build `target/debug/xtask`).
    #[arg(long, value_name = "PATH")]
    xtask: Option<PathBuf>,
}

/// The whole report (JSON schema 1; a stable interface, see `docs/benchmarks.md`: fields are
/// added, never renamed or removed).
#[derive(Debug, Serialize)]
pub struct Report {
    schema: u32,
    /// The commit this binary was built from, compiled in: `XTASK_BENCH_COMMIT` as xtask set it
    /// for the build (`null` for a build without xtask). `bench --against` checks it, so it
    /// proves which binary ran; `machine.commit` is the `--root` tree's, which may differ.
    build_commit: Option<&'static str>,
    mode: &'static str,
    runs: usize,
    machine: machine::Machine,
    xtask: String,
    engines: Vec<EngineReport>,
    tooling: Vec<ToolReport>,
    corpus: Option<CorpusReport>,
    targets: Vec<Target>,
    /// Issue 16's memory bound on the generated tooling rows (`bounds.rs`): one out of bounds
    /// fails the run.
    memory_bounds: Vec<bounds::MemoryBound>,
    failures: Vec<String>,
}

impl Report {
    /// True when no generated tooling row is above the memory bound.
    fn within_bounds(&self) -> bool {
        self.memory_bounds.iter().all(|bound| bound.within)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(report) => {
            let text = match args.flags.format {
                Format::Human => render::human(&report),
                Format::Json => {
                    serde_json::to_string_pretty(&report).expect("a report serializes") + "\n"
                }
            };
            let written = if let Some(path) = &args.flags.out {
                std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
            } else {
                print!("{text}");
                Ok(())
            };
            match written {
                Err(error) => fail(&error),
                Ok(()) if report.failures.is_empty() && report.within_bounds() => ExitCode::SUCCESS,
                Ok(()) => ExitCode::from(1),
            }
        }
        Err(error) => fail(&error),
    }
}

fn fail(error: &str) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(2)
}

fn sections(args: &Args) -> Vec<Section> {
    if !args.flags.only.is_empty() {
        return args.flags.only.clone();
    }
    if args.flags.quick && args.flags.corpus.is_none() {
        vec![Section::Engines, Section::Tooling]
    } else {
        vec![Section::Engines, Section::Tooling, Section::Corpus]
    }
}

fn run_engine<S: Subject>(
    args: &Args,
    (plan, parts, scratch): (&Plan, Parts, &Path),
    report: &mut Report,
) -> Result<(), String> {
    if args.flags.engine.is_empty() || args.flags.engine.iter().any(|name| name == S::NAME) {
        let engine = engines::run::<S>(plan, parts, scratch, &mut report.failures)?;
        report.engines.push(engine);
    }
    Ok(())
}

fn check_engine_names(names: &[String]) -> Result<(), String> {
    let known = [
        allocdb::AllocDb::NAME,
        quota::Quota::NAME,
        reservation::Reservation::NAME,
        queue::Queue::NAME,
        queue::QueueClaims::NAME,
    ];
    match names.iter().find(|name| !known.contains(&name.as_str())) {
        Some(name) => Err(format!(
            "unknown engine `{name}` (expected one of: {})",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

fn run(args: &Args) -> Result<Report, String> {
    let root = match &args.root {
        Some(root) => root.clone(),
        None => std::env::current_dir().map_err(|error| error.to_string())?,
    };
    check_engine_names(&args.flags.engine)?;
    let runs = usize::from(
        args.flags
            .runs
            .unwrap_or(if args.flags.quick { 1 } else { 5 }),
    );
    let base = args
        .flags
        .scratch
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    let scratch = tempfile::Builder::new()
        .prefix("xtask-bench-")
        .tempdir_in(&base)
        .map_err(|error| format!("{}: {error}", base.display()))?;
    let mut report = Report {
        schema: 1,
        build_commit: option_env!("XTASK_BENCH_COMMIT"),
        mode: if args.flags.quick { "quick" } else { "full" },
        runs,
        machine: machine::describe(&root),
        xtask: String::new(),
        engines: Vec::new(),
        tooling: Vec::new(),
        corpus: None,
        targets: Vec::new(),
        memory_bounds: Vec::new(),
        failures: Vec::new(),
    };
    run_sections(args, (&root, &base, scratch.path()), &mut report)?;
    report.targets = targets::evaluate(&report.engines, report.corpus.as_ref());
    report.memory_bounds = bounds::evaluate(&report.tooling, report.corpus.as_ref());
    report.machine.load_average_end = machine::load_average();
    Ok(report)
}

/// Runs the chosen sections; `dirs` are the repository, the scratch base (where the corpus
/// stays between runs) and this run's scratch folder.
fn run_sections(
    args: &Args,
    (root, base, scratch): (&Path, &Path, &Path),
    report: &mut Report,
) -> Result<(), String> {
    let sections = sections(args);
    let all = sections.contains(&Section::Engines);
    let parts = Parts {
        apply: all || sections.contains(&Section::Apply),
        durable: all || sections.contains(&Section::Durable),
        recovery: all || sections.contains(&Section::Recovery),
    };
    if parts.apply || parts.durable || parts.recovery {
        let plan = if args.flags.quick {
            Plan::quick(report.runs)
        } else {
            Plan::full(report.runs)
        };
        let context = (&plan, parts, scratch);
        run_engine::<allocdb::AllocDb>(args, context, report)?;
        run_engine::<quota::Quota>(args, context, report)?;
        run_engine::<reservation::Reservation>(args, context, report)?;
        run_engine::<queue::Queue>(args, context, report)?;
        run_engine::<queue::QueueClaims>(args, context, report)?;
    }
    let tooling = sections.contains(&Section::Tooling);
    let corpus = sections.contains(&Section::Corpus);
    if tooling || corpus {
        let xtask = tooling::xtask_binary(args.xtask.as_deref(), root)?;
        report.xtask = xtask.display().to_string();
        if tooling {
            report.tooling = tooling::repository(&xtask, root, scratch, report.runs)?;
            let generated = shapes::run(&xtask, root, scratch, report.runs)?;
            report.tooling.extend(generated);
        }
        if corpus {
            let vendored = corpus::materialize(root, args.flags.corpus.as_deref(), base)?;
            let jscpd = tooling::jscpd_binary(args.flags.jscpd.as_deref());
            let tools = (xtask.as_path(), jscpd.as_deref());
            let measured = tooling::corpus(tools, root, &vendored, scratch, report.runs)?;
            report.corpus = Some(measured);
        }
    }
    Ok(())
}
