//! The apply and durable-submit benchmarks of one engine.
//!
//! Apply: the standard workload straight through the state machine (`lsn = request_slot =
//! i + 1`), at the standard capacities and at 16x, runs interleaved so that both see the same
//! machine. Durable: the same workload through the engine handle, one `submit` (one
//! fdatasync) per command for batch 1, `submit_batch` (one fdatasync per batch) otherwise,
//! each run next to a raw `write + fdatasync` of the same bytes per batch on the same disk.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::measure::{Tally, Timing, time};
use crate::subject::{Generator, Subject};

/// Apply throughput at one capacity scale.
#[derive(Clone, Debug, Serialize)]
pub struct ApplyReport {
    pub capacity_scale: u32,
    pub commands: u64,
    pub commands_per_second: f64,
    pub timing: Timing,
    /// Outcomes by result code (the workload expects only `Ok`).
    pub outcomes: std::collections::BTreeMap<String, u64>,
}

/// Runs the workload once through a fresh state machine; returns the seconds, the tally and
/// the final state.
pub fn apply_once<S: Subject>(scale: u32, commands: u64) -> (f64, Tally, S::State) {
    let mut state = S::new_state(S::config(scale));
    let mut generator = S::Gen::new();
    let mut tally = Tally::default();
    let (seconds, ()) = time(|| {
        for index in 0..commands {
            let request = generator.get(index);
            match S::apply(&mut state, index + 1, request) {
                Ok(()) => tally.ok += 1,
                Err(code) => tally.refuse(index, code),
            }
        }
    });
    (seconds, tally, state)
}

/// The apply benchmark at 1x and 16x capacities: both reports and the last 1x state.
pub fn apply<S: Subject>(
    commands: u64,
    runs: usize,
    failures: &mut Vec<String>,
) -> (ApplyReport, ApplyReport, S::State) {
    let mut seconds = [Vec::new(), Vec::new()];
    let mut tallies = [Tally::default(), Tally::default()];
    let mut last_state = None;
    for _ in 0..runs {
        for (slot, scale) in [1, 16].into_iter().enumerate() {
            let (run_seconds, tally, state) = apply_once::<S>(scale, commands);
            seconds[slot].push(run_seconds);
            tallies[slot] = tally;
            if scale == 1 {
                last_state = Some(state);
            }
        }
    }
    let [base_seconds, scaled_seconds] = seconds;
    let reports = [(1, base_seconds), (16, scaled_seconds)].map(|(scale, runs_seconds)| {
        let timing = Timing::from_runs(runs_seconds);
        let index = usize::from(scale != 1);
        if let Some(failure) = tallies[index].failure(&format!("{} apply {scale}x", S::NAME)) {
            failures.push(failure);
        }
        ApplyReport {
            capacity_scale: scale,
            commands,
            commands_per_second: timing.rate(commands as f64),
            timing,
            outcomes: tallies[index].counts(),
        }
    });
    let [base, scaled] = reports;
    (base, scaled, last_state.expect("runs is at least 1"))
}

/// Durable submit at one batch size, with the raw disk reference of the same run.
#[derive(Clone, Debug, Serialize)]
pub struct DurableReport {
    pub batch: usize,
    pub commands: u64,
    /// Average encoded frame length of these commands.
    pub frame_bytes: f64,
    pub commands_per_second: f64,
    pub timing: Timing,
    /// `write(batch frames) + fdatasync` on the same disk, as many times as the engine synced.
    pub raw_commands_per_second: f64,
    pub raw_timing: Timing,
    /// Engine seconds over raw seconds (1.0 = as fast as the disk alone).
    pub ratio_to_raw: f64,
    pub outcomes: std::collections::BTreeMap<String, u64>,
}

fn requests<S: Subject>(commands: u64) -> Vec<S::Request> {
    let mut generator = S::Gen::new();
    (0..commands)
        .map(|index| generator.get(index).clone())
        .collect()
}

/// The durable runs use the 16x configs and advance the slot by one every
/// `COMMANDS_PER_SLOT` commands. With the 1x tables a batch of 4,096 cannot work: the
/// previous batch's operations (retry window 1,024 slots) must retire before a batch fills
/// the 4,096-entry table, so the slot would have to jump more than 1,024 per batch, while a
/// Reserve at the end of one batch must not expire (ttl 1,000) before its Activate in the next.
pub const DURABLE_CAPACITY_SCALE: u32 = 16;
pub const COMMANDS_PER_SLOT: u64 = 8;

/// The request slot of command `index` (or of the batch it starts) in the durable runs.
#[must_use]
pub fn durable_slot(index: u64) -> u64 {
    index / COMMANDS_PER_SLOT + 1
}

fn durable_once<S: Subject>(
    scratch: &Path,
    requests: &[S::Request],
    batch: usize,
    tally: &mut Tally,
) -> Result<f64, String> {
    let dir = tempfile::tempdir_in(scratch).map_err(|error| error.to_string())?;
    let mut handle = S::open(dir.path(), S::config(DURABLE_CAPACITY_SCALE))?;
    let (seconds, result) = time(|| -> Result<(), String> {
        if batch == 1 {
            for (index, request) in (0_u64..).zip(requests) {
                match S::submit(&mut handle, request, durable_slot(index))? {
                    Ok(()) => tally.ok += 1,
                    Err(code) => tally.refuse(index, code),
                }
            }
            return Ok(());
        }
        for (chunk, first) in requests.chunks(batch).zip((0_u64..).step_by(batch)) {
            let (refused, code) = S::submit_batch(&mut handle, chunk, durable_slot(first))?;
            tally.ok += chunk.len() as u64 - refused;
            tally.refuse_many(first, refused, code);
        }
        Ok(())
    });
    result?;
    Ok(seconds)
}

/// Appends `writes` buffers of `bytes` bytes to a new file in `scratch`, each followed by
/// `fdatasync`: what the disk alone costs for the engine's writes.
pub fn raw_once(scratch: &Path, bytes: usize, writes: usize) -> Result<f64, String> {
    let dir = tempfile::tempdir_in(scratch).map_err(|error| error.to_string())?;
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join("raw.log"))
        .map_err(|error| error.to_string())?;
    let buffer = vec![0xA5_u8; bytes];
    let (seconds, result) = time(|| -> std::io::Result<()> {
        for _ in 0..writes {
            file.write_all(&buffer)?;
            file.sync_data()?;
        }
        Ok(())
    });
    result.map_err(|error| error.to_string())?;
    Ok(seconds)
}

/// Durable submit of `commands` commands in batches of `batch`, `runs` times.
///
/// # Errors
/// An I/O or submit error.
pub fn durable<S: Subject>(
    scratch: &Path,
    batch: usize,
    commands: u64,
    runs: usize,
    failures: &mut Vec<String>,
) -> Result<DurableReport, String> {
    let requests = requests::<S>(commands);
    let mut encoded = Vec::new();
    for (index, request) in (0_u64..).zip(&requests) {
        S::encode_frame(&mut encoded, index + 1, request);
    }
    let frame_bytes = encoded.len() as f64 / commands as f64;
    let writes = requests.len().div_ceil(batch);
    let write_bytes = encoded.len().div_ceil(writes);
    let (mut engine_runs, mut raw_runs) = (Vec::new(), Vec::new());
    let mut tally = Tally::default();
    for _ in 0..runs {
        raw_runs.push(raw_once(scratch, write_bytes, writes)?);
        tally = Tally::default();
        engine_runs.push(durable_once::<S>(scratch, &requests, batch, &mut tally)?);
    }
    if let Some(failure) = tally.failure(&format!("{} durable batch {batch}", S::NAME)) {
        failures.push(failure);
    }
    let timing = Timing::from_runs(engine_runs);
    let raw_timing = Timing::from_runs(raw_runs);
    Ok(DurableReport {
        batch,
        commands,
        frame_bytes,
        commands_per_second: timing.rate(commands as f64),
        raw_commands_per_second: raw_timing.rate(commands as f64),
        ratio_to_raw: timing.median_seconds / raw_timing.median_seconds,
        timing,
        raw_timing,
        outcomes: tally.counts(),
    })
}
