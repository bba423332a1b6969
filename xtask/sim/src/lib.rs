//! `cargo xtask sim`: the deterministic simulator (`runtime::testkit::sim`) over every engine
//! that has a simulator adapter (its `sim` feature). One summary line per engine; with
//! `--seed S`, the seed's event-log hash; on a failure, the seed, the step and the shortest
//! failing step count, and exit code 1. `docs/simulation.md` describes the simulator.

pub mod engines;
pub mod flags;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use runtime::testkit::sim::planted::{Bug, plant};
use runtime::testkit::sim::{SimFailure, SimReport};

use crate::engines::{ENGINES, Engine};
use crate::flags::{PlantedBug, SimFlags};

/// What one engine's seeds gave.
#[derive(Debug)]
pub struct EngineRun {
    /// The engine's name.
    pub engine: &'static str,
    /// Seeds run (up to and including a failing one).
    pub seeds: u64,
    /// The figures of every passing seed, merged.
    pub total: SimReport,
    /// The first failure, with its shortest failing step count.
    pub failure: Option<SimFailure>,
}

/// Runs the seeds of `flags` on `engine`; stops at the first failing seed and searches its
/// shortest failing step count.
#[must_use]
pub fn run_engine(engine: &Engine, flags: &SimFlags) -> EngineRun {
    let _planted = flags.plant.map(|bug| plant(runtime_bug(bug)));
    let mut outcome = EngineRun {
        engine: engine.name,
        seeds: 0,
        total: SimReport::default(),
        failure: None,
    };
    for seed in flags.seeds_to_run() {
        outcome.seeds += 1;
        match (engine.run)(seed, flags.steps, flags.on_disk) {
            Ok(report) => outcome.total.merge(&report),
            Err(mut failure) => {
                failure.shortest = Some((engine.shortest)(&failure, flags.on_disk));
                outcome.failure = Some(failure);
                break;
            }
        }
    }
    outcome
}

fn runtime_bug(bug: PlantedBug) -> Bug {
    match bug {
        PlantedBug::SkipsWalSync => Bug::SkipsWalSync,
        PlantedBug::SkipsDirSyncAfterRename => Bug::SkipsDirSyncAfterRename,
        PlantedBug::CorruptTailReadAsTorn => Bug::CorruptTailReadAsTorn,
        PlantedBug::SkipsSyncAtOpen => Bug::SkipsSyncAtOpen,
        PlantedBug::SkipsCutAfterFailure => Bug::SkipsCutAfterFailure,
    }
}

/// The summary line of one engine's run.
#[must_use]
pub fn summary(run: &EngineRun, seconds: f64) -> String {
    let t = &run.total;
    let mut line = format!(
        "sim: {}: {} seeds, {} steps, {} calls ({} acknowledged), {} crashes ({} in calls), {} recoveries, faults: {} ({} flips refused), {seconds:.1} s",
        run.engine,
        run.seeds,
        t.steps,
        t.calls,
        t.acknowledged,
        t.crashes,
        t.crashes_in_calls,
        t.recoveries,
        t.faults,
        t.flips_refused,
    );
    if run.failure.is_some() {
        line.push_str(", FAILED");
    }
    line
}

/// The report of a failure: what failed, then the last lines of the event log.
#[must_use]
pub fn failure_report(engine: &str, failure: &SimFailure) -> String {
    let mut text = format!("sim: {engine}: {failure}\n");
    for line in &failure.tail {
        let _ = writeln!(text, "    {line}");
    }
    let _ = writeln!(
        text,
        "sim: rerun with: cargo xtask sim --engine {engine} --seed {} --steps {}",
        failure.seed,
        failure.shortest.unwrap_or(failure.steps)
    );
    text
}

/// The engines `--engine` selects (all without it); `None` for an unknown name.
fn selected(name: Option<&str>) -> Option<Vec<&'static Engine>> {
    let Some(name) = name else {
        return Some(ENGINES.iter().collect());
    };
    let engine = ENGINES.iter().find(|engine| engine.name == name)?;
    Some(vec![engine])
}

/// The command line: parses `args`, runs, prints, and returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let flags = match SimFlags::try_parse_from(args) {
        Ok(flags) => flags,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let Some(engines) = selected(flags.engine.as_deref()) else {
        let names: Vec<&str> = ENGINES.iter().map(|e| e.name).collect();
        let name = flags.engine.as_deref().unwrap_or_default();
        eprintln!(
            "sim: no simulator for engine `{name}` (known: {})",
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    let mut failed = false;
    for engine in engines {
        let started = Instant::now();
        let run = run_engine(engine, &flags);
        println!("{}", summary(&run, started.elapsed().as_secs_f64()));
        if let (Some(seed), None) = (flags.seed, &run.failure) {
            println!(
                "sim: {}: seed {seed}: log hash {:016x}",
                run.engine, run.total.log_hash
            );
        }
        if let Some(failure) = &run.failure {
            eprint!("{}", failure_report(run.engine, failure));
            failed = true;
        }
    }
    ExitCode::from(u8::from(failed))
}
