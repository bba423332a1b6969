//! The apply and durable-submit benchmarks of one engine.
//!
//! Apply: the standard workload straight through the state machine (`lsn = request_slot =
//! i + 1`), at the standard capacities and at 16x, runs interleaved so that both see the same
//! machine. Durable: the same workload through the engine handle, one `submit` (one
//! fdatasync) per command for batch 1, `submit_batch` (one fdatasync per batch) otherwise,
//! alternating, ten slices per run, with a raw `write + fdatasync` of the same bytes per batch
//! to another file on the same disk.

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
    /// `write(batch frames) + fdatasync` on the same disk, as many times as the engine synced,
    /// alternating with the engine in ten slices per run.
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

/// Slices per run: the engine and the raw reference alternate slice by slice, so that both
/// see the same disk (fsync latency here changes several-fold within seconds).
const SLICES: usize = 10;

/// The raw reference: an append-only file written and `fdatasync`ed like the WAL.
struct RawFile {
    file: std::fs::File,
    buffer: Vec<u8>,
}

impl RawFile {
    fn write(&mut self, writes: usize) -> std::io::Result<()> {
        for _ in 0..writes {
            self.file.write_all(&self.buffer)?;
            self.file.sync_data()?;
        }
        Ok(())
    }
}

/// Submits the batches `batches` of `requests` (batch 1: `submit`, else `submit_batch`).
fn submit_slice<S: Subject>(
    handle: &mut S::Handle,
    requests: &[S::Request],
    (batch, batches): (usize, std::ops::Range<usize>),
    tally: &mut Tally,
) -> Result<(), String> {
    for number in batches {
        let first = number * batch;
        let chunk = &requests[first..requests.len().min(first + batch)];
        let first = first as u64;
        if batch == 1 {
            match S::submit(handle, &chunk[0], durable_slot(first))? {
                Ok(()) => tally.ok += 1,
                Err(code) => tally.refuse(first, code),
            }
        } else {
            let (refused, code) = S::submit_batch(handle, chunk, durable_slot(first))?;
            tally.ok += chunk.len() as u64 - refused;
            tally.refuse_many(first, refused, code);
        }
    }
    Ok(())
}

/// One run: a fresh database and a fresh raw file in `scratch`, written slice by slice in
/// turn. Returns the engine's and the raw file's seconds.
fn durable_once<S: Subject>(
    scratch: &Path,
    requests: &[S::Request],
    (batch, write_bytes): (usize, usize),
    tally: &mut Tally,
) -> Result<(f64, f64), String> {
    let dir = tempfile::tempdir_in(scratch).map_err(|error| error.to_string())?;
    std::fs::create_dir(dir.path().join("db")).map_err(|error| error.to_string())?;
    let mut handle = S::open(&dir.path().join("db"), S::config(DURABLE_CAPACITY_SCALE))?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join("raw.log"))
        .map_err(|error| error.to_string())?;
    let mut raw = RawFile {
        file,
        buffer: vec![0xA5_u8; write_bytes],
    };
    let batches = requests.len().div_ceil(batch);
    let per_slice = batches.div_ceil(SLICES);
    let (mut engine_seconds, mut raw_seconds) = (0.0, 0.0);
    for start in (0..batches).step_by(per_slice) {
        let slice = start..batches.min(start + per_slice);
        let (seconds, written) = time(|| raw.write(slice.len()));
        written.map_err(|error| error.to_string())?;
        raw_seconds += seconds;
        let (seconds, submitted) =
            time(|| submit_slice::<S>(&mut handle, requests, (batch, slice), tally));
        submitted?;
        engine_seconds += seconds;
    }
    Ok((engine_seconds, raw_seconds))
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
        tally = Tally::default();
        let (engine, raw) =
            durable_once::<S>(scratch, &requests, (batch, write_bytes), &mut tally)?;
        engine_runs.push(engine);
        raw_runs.push(raw);
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
