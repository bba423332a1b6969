//! The bounded-memory driver: a WAL of many chunks recovers, and reading it never holds more
//! than one chunk plus one frame ([`huge_wal`]).

use std::fs;
use std::path::Path;

use super::failure::{same_state, setup};
use super::{CrashSubject, FaultyStorage, KitFailure, RecoveryFigures, Report, ScratchDir};
use crate::wal::{HEADER_LEN, ScanStopReason};
use crate::wal_file::{DEFAULT_CHUNK_LEN, WalFile};

/// The fewest chunks of `chunk_len` bytes the WAL spans.
pub const MIN_CHUNKS: u64 = 64;

/// Steps in a row that may write nothing before the kit gives up on the workload.
const IDLE_STEPS: u64 = 1_000;

/// Runs steps `0, 1, ...` until the WAL holds at least [`MIN_CHUNKS`] chunks of `chunk_len`
/// bytes and more than one [`DEFAULT_CHUNK_LEN`] chunk, then checks, on that real file:
///
/// - the engine's open recovers every frame (the live state, every frame applied, a clean
///   end), and no single read of its open asks for or returns more than [`DEFAULT_CHUNK_LEN`]
///   bytes (counted by the kit's storage; reading the whole WAL at once would);
/// - the runtime's [`FrameReader`](crate::wal_file::FrameReader), reading the same file in
///   `chunk_len` chunks with the subject's payload bound, finds the same frames and its peak
///   buffer stays at or below `chunk_len + HEADER_LEN + max_wal_payload_bytes`. The engines'
///   recovery reads through that reader (with [`DEFAULT_CHUNK_LEN`] chunks) but does not
///   report its peak, so the kit measures the peak here, through the runtime's reader.
///
/// # Errors
/// The first check that fails, as a [`KitFailure`].
pub fn huge_wal<S: CrashSubject>(subject: &S, chunk_len: usize) -> Result<Report, KitFailure> {
    let _quiet = super::lock::no_spawn_now();
    let chunk = chunk_len.max(1) as u64;
    let target = (MIN_CHUNKS * chunk).max(DEFAULT_CHUNK_LEN as u64 + 1);
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let (len, expected) = grow(subject, dir.path(), target)?;
    let storage = FaultyStorage::skipping_syncs();
    let frames = {
        let reopened = subject
            .open(dir.path(), storage.clone())
            .map_err(|e| setup("opening the huge WAL", e))?;
        same_state(len, &expected, &subject.dump(&reopened))?;
        let found = subject.figures(&reopened);
        let expected = RecoveryFigures {
            truncated_bytes: 0,
            stop: ScanStopReason::CleanEof,
            ..found
        };
        if found != expected {
            return Err(KitFailure::WrongFigures {
                at: len,
                expected,
                found,
            });
        }
        found.frames_applied
    };
    let largest = storage.with_plan(|plan| plan.largest_read);
    let bound = DEFAULT_CHUNK_LEN as u64;
    if largest > bound {
        return Err(KitFailure::PeakTooLarge {
            peak: largest,
            bound,
        });
    }
    let path = dir.path().join(S::WAL_FILE_NAME);
    chunked_peak(subject, &path, chunk_len, frames, storage)?;
    Ok(Report {
        cases: len / chunk,
        frames,
        file_bytes: len,
    })
}

/// Runs steps `0, 1, ...` until the WAL in `dir` holds at least `target` bytes; returns its
/// length and the state (the handle is dropped).
fn grow<S: CrashSubject>(
    subject: &S,
    dir: &Path,
    target: u64,
) -> Result<(u64, S::Dump), KitFailure> {
    let path = dir.join(S::WAL_FILE_NAME);
    let mut handle = subject
        .open(dir, FaultyStorage::skipping_syncs())
        .map_err(|e| setup("opening an empty database", e))?;
    let (mut len, mut index, mut idle) = (0, 0, 0);
    while len < target {
        subject
            .step(&mut handle, index)
            .map_err(|e| setup(&format!("running step {index}"), e))?;
        index += 1;
        let grown = fs::metadata(&path).map_or(0, |m| m.len());
        idle = if grown == len { idle + 1 } else { 0 };
        if idle > IDLE_STEPS {
            return Err(setup("building the WAL", "the workload stopped writing"));
        }
        len = grown;
    }
    Ok((len, subject.dump(&handle)))
}

/// Reads the WAL at `path` through the runtime's reader in `chunk_len` chunks: it must find
/// the `frames` the engine applied and a clean end, holding at most one chunk plus one frame.
fn chunked_peak<S: CrashSubject>(
    subject: &S,
    path: &Path,
    chunk_len: usize,
    frames: u64,
    storage: FaultyStorage,
) -> Result<(), KitFailure> {
    let max_payload = subject.max_wal_payload_bytes();
    let mut wal = WalFile::open(path, Box::new(storage))
        .map_err(|e| setup("opening the WAL for the reader", e))?;
    let mut reader = wal.frame_reader_with_chunk(S::WAL_MAGIC, max_payload, chunk_len);
    let mut read = 0;
    while reader
        .next_frame()
        .map_err(|e| setup("reading the WAL in chunks", e))?
        .is_some()
    {
        read += 1;
    }
    let peak = reader.peak_buffer_len() as u64;
    let (stop, _) = reader
        .finish()
        .map_err(|e| setup("reading the WAL in chunks", e))?;
    if (read, stop) != (frames, ScanStopReason::CleanEof) {
        let detail = format!("{read} frames and {stop:?}, the engine applied {frames}");
        return Err(setup("reading the WAL in chunks", detail));
    }
    let bound = chunk_len.max(1) as u64 + HEADER_LEN as u64 + u64::from(max_payload);
    if peak > bound {
        return Err(KitFailure::PeakTooLarge { peak, bound });
    }
    Ok(())
}
