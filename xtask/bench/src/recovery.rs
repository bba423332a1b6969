//! The recovery, WAL-scan and snapshot benchmarks of one engine.
//!
//! The WAL of the apply workload (`lsn = request_slot = i + 1`) is written with the engine's
//! own frame and command encoders (the bytes the handle writes), then opened cold: a new
//! handle on a directory with no snapshot replays every frame through `apply`. The page cache
//! is warm (the file was just written), so this measures the engine's CPU cost, not the disk.
//! The scan alone (frame decode + both CRC32C checks, borrowed payloads) is compared with a
//! plain CRC32C pass over the same bytes in the same run. Snapshots are measured on the state
//! recovery produced.

use std::path::Path;

use serde::Serialize;

use crate::measure::{Timing, time};
use crate::subject::{Generator, Subject};

const MB: f64 = 1_000_000.0;

#[derive(Clone, Debug, Serialize)]
pub struct RecoveryReport {
    pub commands: u64,
    pub wal_bytes: u64,
    /// `open` of the directory: read the WAL, scan it, decode and apply every frame.
    pub replay: Timing,
    pub replay_mb_per_second: f64,
    pub replay_commands_per_second: f64,
    /// `wal::scan` over the WAL bytes in memory.
    pub scan: Timing,
    pub scan_mb_per_second: f64,
    /// `wal::read_frame` over the bytes without collecting frames (decode and checksums only).
    pub frame_loop: Timing,
    pub frame_loop_mb_per_second: f64,
    /// `crc32c::crc32c` over the same bytes.
    pub crc32c: Timing,
    pub crc32c_mb_per_second: f64,
    /// Scan seconds over CRC32C seconds (target: at most 2).
    pub scan_to_crc32c_ratio: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotReport {
    /// Encoded snapshot payload (without the file footer).
    pub snapshot_bytes: u64,
    /// `encode_snapshot` in memory.
    pub encode: Timing,
    /// `decode_snapshot` in memory (with its checks).
    pub decode: Timing,
    /// The handle's `checkpoint`: encode, write, fdatasync, rename, directory sync, and the
    /// WAL replaced by a marker.
    pub checkpoint: Timing,
    /// `open` of the checkpointed directory: read and verify the file, decode, scan the marker.
    pub open: Timing,
}

/// Writes the WAL of the first `commands` commands of the workload into `dir` and syncs it,
/// as the handle leaves every acknowledged frame (the open's fsync gate then finds nothing
/// dirty, and the timed open does not flush the bench's own writes); returns its length.
///
/// # Errors
/// The write or the sync failed.
pub fn write_wal<S: Subject>(dir: &Path, commands: u64) -> Result<u64, String> {
    use std::io::Write;
    let mut generator = S::Gen::new();
    let mut bytes = Vec::new();
    for index in 0..commands {
        S::encode_frame(&mut bytes, index + 1, generator.get(index));
    }
    let mut file =
        std::fs::File::create(dir.join(S::wal_file_name())).map_err(|error| error.to_string())?;
    file.write_all(&bytes).map_err(|error| error.to_string())?;
    file.sync_data().map_err(|error| error.to_string())?;
    Ok(bytes.len() as u64)
}

/// Recovery and scan, `runs` times each; returns the report and the last recovered handle.
///
/// # Errors
/// An I/O or recovery error.
pub fn recovery<S: Subject>(
    dir: &Path,
    commands: u64,
    applied: &S::State,
    runs: usize,
    failures: &mut Vec<String>,
) -> Result<(RecoveryReport, S::Handle), String> {
    let wal_bytes = write_wal::<S>(dir, commands)?;
    let config = S::config(1);
    let mut replay_runs = Vec::new();
    let mut handle = None;
    for _ in 0..runs {
        drop(handle.take());
        let (seconds, opened) = time(|| S::open(dir, config));
        replay_runs.push(seconds);
        handle = Some(opened?);
    }
    let handle = handle.expect("runs is at least 1");
    if S::frames_replayed(&handle) != commands {
        failures.push(format!(
            "{} recovery replayed {} frames, expected {commands}",
            S::NAME,
            S::frames_replayed(&handle)
        ));
    }
    if !S::same_state(S::handle_state(&handle), applied) {
        failures.push(format!(
            "{} recovery: the recovered state differs from the applied state",
            S::NAME
        ));
    }
    let bytes = std::fs::read(dir.join(S::wal_file_name())).map_err(|error| error.to_string())?;
    let [scan, frame_loop, crc] = scan_and_crc::<S>(&bytes, commands, config, runs, failures);
    let replay = Timing::from_runs(replay_runs);
    let report = RecoveryReport {
        commands,
        wal_bytes,
        replay_mb_per_second: replay.rate(wal_bytes as f64 / MB),
        replay_commands_per_second: replay.rate(commands as f64),
        replay,
        scan_mb_per_second: scan.rate(wal_bytes as f64 / MB),
        crc32c_mb_per_second: crc.rate(wal_bytes as f64 / MB),
        scan_to_crc32c_ratio: scan.median_seconds / crc.median_seconds,
        scan,
        frame_loop_mb_per_second: frame_loop.rate(wal_bytes as f64 / MB),
        frame_loop,
        crc32c: crc,
    };
    Ok((report, handle))
}

/// The scan, the frame loop and the plain CRC32C pass, interleaved in each run.
fn scan_and_crc<S: Subject>(
    bytes: &[u8],
    commands: u64,
    config: S::Config,
    runs: usize,
    failures: &mut Vec<String>,
) -> [Timing; 3] {
    let max = S::max_wal_payload_bytes(config);
    let mut seconds = [Vec::new(), Vec::new(), Vec::new()];
    let expected = usize::try_from(commands).unwrap_or(usize::MAX);
    let mut found = Vec::new();
    for _ in 0..runs {
        let (run, (frames, clean)) = time(|| S::scan(std::hint::black_box(bytes), max));
        seconds[0].push(run);
        found.push((frames, clean));
        let (run, frames) = time(|| S::read_frames(std::hint::black_box(bytes), max));
        seconds[1].push(run);
        found.push((frames, true));
        let (run, crc) = time(|| crc32c::crc32c(std::hint::black_box(bytes)));
        std::hint::black_box(crc);
        seconds[2].push(run);
    }
    if let Some((frames, clean)) = found.iter().find(|&&found| found != (expected, true)) {
        failures.push(format!(
            "{} scan found {frames} frames (clean end: {clean}), expected {commands}",
            S::NAME
        ));
    }
    seconds.map(Timing::from_runs)
}

/// Snapshot encode/decode in memory, then `checkpoint` and `open` on disk, `runs` times each.
///
/// # Errors
/// An I/O, checkpoint or recovery error.
pub fn snapshot<S: Subject>(
    dir: &Path,
    mut handle: S::Handle,
    runs: usize,
    failures: &mut Vec<String>,
) -> Result<SnapshotReport, String> {
    let config = S::config(1);
    let mut encode_runs = Vec::new();
    let mut encoded = Vec::new();
    for _ in 0..runs {
        let (seconds, bytes) = time(|| S::encode_snapshot(S::handle_state(&handle)));
        encode_runs.push(seconds);
        encoded = bytes;
    }
    let mut decode_runs = Vec::new();
    for _ in 0..runs {
        let (seconds, decoded) = time(|| S::decode_snapshot(&encoded, config));
        decode_runs.push(seconds);
        if !S::same_state(&decoded?, S::handle_state(&handle)) {
            failures.push(format!(
                "{} snapshot: decode(encode(state)) != state",
                S::NAME
            ));
        }
    }
    // The first checkpoint also deletes the large WAL; it is not counted.
    S::checkpoint(&mut handle)?;
    let mut checkpoint_runs = Vec::new();
    for _ in 0..runs {
        let (seconds, result) = time(|| S::checkpoint(&mut handle));
        result?;
        checkpoint_runs.push(seconds);
    }
    // The writer is closed before each reopen: a directory has one open handle at a time
    // (its lock), so the reopened state is compared with a decoded copy of the checkpoint.
    let checkpointed = S::decode_snapshot(&S::encode_snapshot(S::handle_state(&handle)), config)?;
    drop(handle);
    let mut open_runs = Vec::new();
    for _ in 0..runs {
        let (seconds, opened) = time(|| S::open(dir, config));
        open_runs.push(seconds);
        let opened = opened?;
        if S::frames_replayed(&opened) != 0
            || !S::same_state(S::handle_state(&opened), &checkpointed)
        {
            failures.push(format!(
                "{} snapshot: reopening the checkpoint did not give the same state",
                S::NAME
            ));
        }
    }
    Ok(SnapshotReport {
        snapshot_bytes: encoded.len() as u64,
        encode: Timing::from_runs(encode_runs),
        decode: Timing::from_runs(decode_runs),
        checkpoint: Timing::from_runs(checkpoint_runs),
        open: Timing::from_runs(open_runs),
    })
}
