//! The zero-fill driver: a WAL extended by zeros (a file grown without its data, as some file
//! systems leave one after a power loss) opens with exactly the frames before the zeros
//! ([`zero_fills`]).

use std::fs;

use super::failure::{same_state, setup};
use super::wal_cuts::{build, rewrite};
use super::{CrashSubject, FaultyStorage, KitFailure, RecoveryFigures, Report, ScratchDir};
use crate::wal::{ScanStopReason, TailKind};

/// Builds a WAL of at least `min_frames` frames (steps `0, 1, ...`), then for every length `z`
/// from 1 to `max_zeros` appends `z` zero bytes and reopens.
///
/// Each open must succeed with the state of every frame; figures saying that many frames
/// applied, `z` bytes truncated and a stop at `TornTail { offset: end, kind: ZeroFilled }`;
/// and the file cut back to its frames.
///
/// # Errors
/// The first check that fails, as a [`KitFailure`] (`at` is the number of zeros).
///
/// # Panics
/// On a WAL longer than the address space (a length that does not fit `usize`).
pub fn zero_fills<S: CrashSubject>(
    subject: &S,
    min_frames: usize,
    max_zeros: u64,
) -> Result<Report, KitFailure> {
    let _quiet = super::lock::no_spawn_now();
    let built = build(subject, min_frames)?;
    let frames = built.ends.len() - 1;
    let end = built.bytes.len() as u64;
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let wal = dir.path().join(S::WAL_FILE_NAME);
    let mut filled = built.bytes.clone();
    for zeros in 1..=max_zeros {
        filled.push(0);
        rewrite(&wal, &filled)?;
        let handle = subject
            .open(dir.path(), FaultyStorage::skipping_syncs())
            .map_err(|error| KitFailure::Refused {
                at: zeros,
                found: error.to_string(),
            })?;
        same_state(zeros, &built.states[frames], &subject.dump(&handle))?;
        let expected = RecoveryFigures {
            frames_applied: frames as u64,
            truncated_bytes: zeros,
            stop: ScanStopReason::TornTail {
                offset: end,
                kind: TailKind::ZeroFilled,
            },
        };
        let found = subject.figures(&handle);
        if found != expected {
            return Err(KitFailure::WrongFigures {
                at: zeros,
                expected,
                found,
            });
        }
        let len = fs::metadata(&wal).map_or(u64::MAX, |m| m.len());
        if len != end {
            return Err(KitFailure::WrongLength {
                at: zeros,
                expected: end,
                found: len,
            });
        }
    }
    Ok(Report {
        cases: max_zeros,
        frames: frames as u64,
        file_bytes: end,
    })
}
