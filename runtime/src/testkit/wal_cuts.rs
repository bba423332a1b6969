//! The WAL drivers: cut the log at every byte ([`wal_cuts`]) and flip every bit of its whole
//! frames ([`wal_flips`]), reopening the database after each.

use std::fs;
use std::path::Path;

use super::failure::{same_state, setup};
use super::{
    CrashSubject, FaultyStorage, KitFailure, RecoveryFigures, Refusal, Report, ScratchDir,
};
use crate::wal::{ScanStopReason, TailKind, scan};

/// Steps the kit runs at most per frame it asked for before it gives up on a workload that
/// writes nothing.
const STEPS_PER_FRAME: u64 = 100;

/// A WAL built by the subject's workload, with its reference states.
pub(super) struct Built<D> {
    pub(super) bytes: Vec<u8>,
    /// `ends[k]`: where the first `k` frames end (`ends[0] = 0`).
    pub(super) ends: Vec<u64>,
    /// `states[k]`: the state after the first `k` frames.
    pub(super) states: Vec<D>,
    /// Steps run to build it (the next step's index).
    steps: u64,
}

/// The number of whole frames of a WAL's bytes, and why the scan stopped.
fn frame_ends(bytes: &[u8], subject_magic: crate::wal::Magic) -> (Vec<u64>, ScanStopReason) {
    let scanned = scan(bytes, subject_magic, u32::MAX);
    let mut ends = vec![0];
    ends.extend(
        scanned
            .frames
            .iter()
            .map(|frame| frame.offset + frame.encoded_len() as u64),
    );
    (ends, scanned.stop)
}

/// Runs the subject's steps until the WAL holds at least `min_frames` frames, recording the
/// live state after each step that wrote; then pairs each frame end with its reference state.
pub(super) fn build<S: CrashSubject>(
    subject: &S,
    min_frames: usize,
) -> Result<Built<S::Dump>, KitFailure> {
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let mut handle = subject
        .open(dir.path(), FaultyStorage::skipping_syncs())
        .map_err(|e| setup("opening an empty database", e))?;
    let wal = dir.path().join(S::WAL_FILE_NAME);
    let mut live = vec![(0, subject.dump(&handle))];
    let mut steps = 0;
    while frame_ends(&fs::read(&wal).unwrap_or_default(), S::WAL_MAGIC)
        .0
        .len()
        <= min_frames
    {
        if steps > STEPS_PER_FRAME * (min_frames as u64 + 1) {
            return Err(setup(
                "building the WAL",
                "the workload writes too few frames",
            ));
        }
        subject
            .step(&mut handle, steps)
            .map_err(|e| setup(&format!("running step {steps}"), e))?;
        steps += 1;
        let len = fs::metadata(&wal).map_err(|e| setup("reading the WAL's length", e))?;
        if len.len() != live.last().map_or(0, |(end, _)| *end) {
            live.push((len.len(), subject.dump(&handle)));
        }
    }
    drop(handle);
    let bytes = fs::read(&wal).map_err(|e| setup("reading the WAL", e))?;
    let (ends, stop) = frame_ends(&bytes, S::WAL_MAGIC);
    if stop != ScanStopReason::CleanEof {
        return Err(setup("scanning the built WAL", stop));
    }
    let states = reference_states(subject, &bytes, &ends, &live)?;
    Ok(Built {
        bytes,
        ends,
        states,
        steps,
    })
}

/// The subject's prefix states, checked against the live ones; or the live states, when each
/// frame end is a step end.
fn reference_states<S: CrashSubject>(
    subject: &S,
    bytes: &[u8],
    ends: &[u64],
    live: &[(u64, S::Dump)],
) -> Result<Vec<S::Dump>, KitFailure> {
    let Some(states) = subject.prefix_states(bytes) else {
        return ends
            .iter()
            .map(|end| {
                let found = live.iter().find(|(len, _)| len == end);
                found.map(|(_, dump)| dump.clone()).ok_or_else(|| {
                    let detail = format!("a step wrote several frames (one ends at {end})");
                    setup(
                        "pairing frames with live states: supply prefix_states",
                        detail,
                    )
                })
            })
            .collect();
    };
    if states.len() != ends.len() {
        let detail = format!("{} states for {} frames", states.len(), ends.len() - 1);
        return Err(setup("prefix_states", detail));
    }
    for (len, dump) in live {
        let Some(k) = ends.iter().position(|end| end == len) else {
            return Err(setup(
                "pairing live states",
                format!("no frame ends at {len}"),
            ));
        };
        same_state(*len, &states[k], dump)?;
    }
    Ok(states)
}

/// Replaces a file by unlinking it first (an in-place rewrite makes ext4 flush on close).
pub(super) fn rewrite(path: &Path, bytes: &[u8]) -> Result<(), KitFailure> {
    let _ = fs::remove_file(path);
    fs::write(path, bytes).map_err(|e| setup("writing the damaged file", e))
}

/// Cuts the WAL at every byte offset and reopens after each cut.
///
/// The WAL is built by the subject's steps `0, 1, ...` until it holds at least `min_frames`
/// frames (no checkpoint). For each cut `c` the open must succeed with: the reference state of
/// the frames wholly below `c`; figures saying that many frames applied, `c - boundary` bytes
/// truncated and a stop at `CleanEof` (a cut on a boundary) or `TornTail { offset: boundary }`;
/// and the file cut back to exactly `boundary` bytes. At every seventh cut, the next step
/// appends after the cut and survives another reopen with nothing truncated.
///
/// # Errors
/// The first check that fails, as a [`KitFailure`].
///
/// # Panics
/// On a file longer than the address space (an offset that does not fit `usize`).
pub fn wal_cuts<S: CrashSubject>(subject: &S, min_frames: usize) -> Result<Report, KitFailure> {
    let _quiet = super::lock::no_spawn_now();
    let built = build(subject, min_frames)?;
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let wal = dir.path().join(S::WAL_FILE_NAME);
    for cut in 0..=built.bytes.len() as u64 {
        rewrite(
            &wal,
            &built.bytes[..usize::try_from(cut).expect("a cut must index the WAL")],
        )?;
        let handle = subject
            .open(dir.path(), FaultyStorage::skipping_syncs())
            .map_err(|error| KitFailure::Refused {
                at: cut,
                found: error.to_string(),
            })?;
        let whole = built.ends.iter().rposition(|end| *end <= cut).unwrap_or(0);
        let boundary = built.ends[whole];
        same_state(cut, &built.states[whole], &subject.dump(&handle))?;
        let expected = RecoveryFigures {
            frames_applied: whole as u64,
            truncated_bytes: cut - boundary,
            stop: if boundary == cut {
                ScanStopReason::CleanEof
            } else {
                ScanStopReason::TornTail {
                    offset: boundary,
                    kind: TailKind::Partial,
                }
            },
        };
        let found = subject.figures(&handle);
        if found != expected {
            return Err(KitFailure::WrongFigures {
                at: cut,
                expected,
                found,
            });
        }
        let len = fs::metadata(&wal).map_or(u64::MAX, |m| m.len());
        if len != boundary {
            return Err(KitFailure::WrongLength {
                at: cut,
                expected: boundary,
                found: len,
            });
        }
        if cut % 7 == 0 {
            appends_continue(subject, handle, dir.path(), built.steps, cut)?;
        }
    }
    Ok(Report {
        cases: built.bytes.len() as u64 + 1,
        frames: built.ends.len() as u64 - 1,
        file_bytes: built.bytes.len() as u64,
    })
}

/// After a cut, the next step appends cleanly and its state survives a reopen untruncated.
fn appends_continue<S: CrashSubject>(
    subject: &S,
    mut handle: S::Handle,
    dir: &Path,
    index: u64,
    cut: u64,
) -> Result<(), KitFailure> {
    subject
        .step(&mut handle, index)
        .map_err(|e| setup(&format!("appending after cut {cut}"), e))?;
    let dump = subject.dump(&handle);
    drop(handle);
    let reopened = subject
        .open(dir, FaultyStorage::skipping_syncs())
        .map_err(|error| KitFailure::Refused {
            at: cut,
            found: error.to_string(),
        })?;
    same_state(cut, &dump, &subject.dump(&reopened))?;
    let figures = subject.figures(&reopened);
    if figures.truncated_bytes != 0 || figures.stop != ScanStopReason::CleanEof {
        let expected = RecoveryFigures {
            truncated_bytes: 0,
            stop: ScanStopReason::CleanEof,
            ..figures
        };
        return Err(KitFailure::WrongFigures {
            at: cut,
            expected,
            found: figures,
        });
    }
    Ok(())
}

/// Flips every bit of the first `frames` whole frames of a built WAL, one at a time, and
/// reopens after each flip.
///
/// Every open must be refused with [`Refusal::WalCorruption`] at the offset of the frame the
/// bit is in (a flip inside a complete frame is corruption, never a torn tail), and must leave
/// the file's bytes exactly as they were (corruption is for an operator, never truncated).
///
/// # Errors
/// The first check that fails, as a [`KitFailure`].
///
/// # Panics
/// On a file longer than the address space (an offset that does not fit `usize`).
/// `frames` must not exceed the frames the workload wrote (it writes at least as many).
pub fn wal_flips<S: CrashSubject>(subject: &S, frames: usize) -> Result<Report, KitFailure> {
    let _quiet = super::lock::no_spawn_now();
    let built = build(subject, frames)?;
    let end = usize::try_from(built.ends[frames]).expect("a frame end must index the WAL");
    let bytes = &built.bytes[..end];
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let wal = dir.path().join(S::WAL_FILE_NAME);
    let mut flipped = bytes.to_vec();
    for bit in 0..bytes.len() as u64 * 8 {
        let byte = usize::try_from(bit / 8).expect("a bit must index the WAL");
        flipped[byte] ^= 1 << (bit % 8);
        rewrite(&wal, &flipped)?;
        match subject.open(dir.path(), FaultyStorage::skipping_syncs()) {
            Ok(handle) => {
                let same = subject.dump(&handle) == built.states[frames];
                return Err(KitFailure::Opened {
                    bit,
                    same_state: same,
                });
            }
            Err(error) => {
                let hit = built.ends.iter().rposition(|e| *e <= bit / 8).unwrap_or(0);
                let expected = Refusal::WalCorruption {
                    offset: built.ends[hit],
                };
                if subject.refusal(&error) != expected {
                    let found = error.to_string();
                    return Err(KitFailure::WrongRefusal {
                        bit,
                        expected,
                        found,
                    });
                }
            }
        }
        if fs::read(&wal).ok().as_deref() != Some(&flipped[..]) {
            return Err(KitFailure::FileChanged { bit });
        }
        flipped[byte] ^= 1 << (bit % 8);
    }
    Ok(Report {
        cases: bytes.len() as u64 * 8,
        frames: frames as u64,
        file_bytes: bytes.len() as u64,
    })
}
