//! The engine section: every benchmark of one engine, in order, into one report.

use std::path::Path;

use serde::Serialize;

use crate::apply::{ApplyReport, DurableReport, apply, apply_once, durable};
use crate::recovery::{RecoveryReport, SnapshotReport, recovery, snapshot};
use crate::subject::Subject;

/// How much work each benchmark does.
#[derive(Clone, Debug)]
pub struct Plan {
    pub apply_commands: u64,
    /// `(batch size, commands)` of each durable-submit run.
    pub durable: Vec<(usize, u64)>,
    pub runs: usize,
}

impl Plan {
    /// The standard sizes of the issue.
    #[must_use]
    pub fn full(runs: usize) -> Self {
        Self {
            apply_commands: 1_000_000,
            durable: vec![(1, 10_000), (16, 10_000), (256, 100_000), (4_096, 100_000)],
            runs,
        }
    }

    /// A smoke run for CI: a tenth of the work or less, one run.
    #[must_use]
    pub fn quick(runs: usize) -> Self {
        Self {
            apply_commands: 100_000,
            durable: vec![(1, 500), (16, 2_000), (256, 20_000), (4_096, 20_000)],
            runs,
        }
    }
}

/// Which engine benchmarks run.
#[derive(Clone, Copy, Debug)]
pub struct Parts {
    pub apply: bool,
    pub durable: bool,
    /// Recovery, WAL scan and snapshot.
    pub recovery: bool,
}

/// One engine's figures; a part that did not run is `null`.
#[derive(Clone, Debug, Serialize)]
pub struct EngineReport {
    pub engine: &'static str,
    pub apply: Option<ApplyReport>,
    pub apply_16x: Option<ApplyReport>,
    /// Commands/s at 16x capacities over commands/s at the standard ones (target >= 0.8).
    pub capacity_ratio: Option<f64>,
    pub durable: Vec<DurableReport>,
    pub recovery: Option<RecoveryReport>,
    pub snapshot: Option<SnapshotReport>,
}

/// Runs the chosen benchmarks of engine `S`, with scratch directories under `scratch`.
///
/// # Errors
/// An I/O, submit or recovery error (a workload whose outcomes are wrong is a failure, not an
/// error: it lands in `failures`).
pub fn run<S: Subject>(
    plan: &Plan,
    parts: Parts,
    scratch: &Path,
    failures: &mut Vec<String>,
) -> Result<EngineReport, String> {
    let mut report = EngineReport {
        engine: S::NAME,
        apply: None,
        apply_16x: None,
        capacity_ratio: None,
        durable: Vec::new(),
        recovery: None,
        snapshot: None,
    };
    let mut state = None;
    if parts.apply {
        progress(S::NAME, "apply at 1x and 16x capacities");
        let (base, scaled, last) = apply::<S>(plan.apply_commands, plan.runs, failures);
        report.capacity_ratio = Some(scaled.commands_per_second / base.commands_per_second);
        report.apply = Some(base);
        report.apply_16x = Some(scaled);
        state = Some(last);
    }
    if parts.durable {
        for &(batch, commands) in &plan.durable {
            progress(S::NAME, &format!("durable submit, batch {batch}"));
            let durable = durable::<S>(scratch, batch, commands, plan.runs, failures)?;
            report.durable.push(durable);
        }
    }
    if parts.recovery {
        progress(S::NAME, "recovery and WAL scan");
        let state = match state {
            Some(state) => state,
            None => apply_once::<S>(1, plan.apply_commands).2,
        };
        let dir = tempfile::tempdir_in(scratch).map_err(|error| error.to_string())?;
        let (recovery_report, handle) =
            recovery::<S>(dir.path(), plan.apply_commands, &state, plan.runs, failures)?;
        drop(state);
        progress(S::NAME, "snapshot");
        report.snapshot = Some(snapshot::<S>(dir.path(), handle, plan.runs, failures)?);
        report.recovery = Some(recovery_report);
    }
    Ok(report)
}

fn progress(engine: &str, step: &str) {
    eprintln!("bench: {engine}: {step}");
}
