//! The handle's error surface: why a write was not performed, or why its fate is unknown.
//! Runtime errors are wrapped (`FileError`, `SnapshotFileError`), never re-exported as ours.

use std::fmt;

use crate::ids::Slot;
use runtime::snapshot_file::SnapshotFileError;
use runtime::wal_file::FileError;

/// Why a write was not performed (or, for `Io`, why its fate is unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmitError {
    /// The slot is below the slot of the last applied frame; nothing was written.
    SlotRegression { request_slot: Slot, last_slot: Slot },
    /// An earlier append or sync failed; reopen the database.
    EngineHalted,
    /// Every lsn has been used; nothing was written.
    LsnExhausted,
    /// A batch of more than `max_batch_commands` requests; nothing was written.
    BatchTooLarge { len: usize, max: u32 },
    /// The request's encoding exceeds `max_wal_payload_bytes`; nothing was written.
    CommandTooLarge {
        index: usize,
        payload_bytes: usize,
        max: u32,
    },
    /// A file operation failed. For WAL appends and syncs the handle is now halted.
    Io(FileError),
    /// The snapshot was refused before writing (it would exceed `max_snapshot_bytes`, which
    /// `Config::validate` rules out); nothing was written.
    Snapshot(SnapshotFileError),
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SlotRegression {
                request_slot,
                last_slot,
            } => {
                write!(
                    f,
                    "slot {request_slot} is below the last applied slot {last_slot}"
                )
            }
            Self::EngineHalted => write!(f, "engine halted after a failed write; reopen it"),
            Self::LsnExhausted => write!(f, "every lsn has been used"),
            Self::BatchTooLarge { len, max } => {
                write!(
                    f,
                    "a batch of {len} requests is above max_batch_commands {max}"
                )
            }
            Self::CommandTooLarge {
                index,
                payload_bytes,
                max,
            } => write!(
                f,
                "request {index} encodes to {payload_bytes} bytes, above max_wal_payload_bytes {max}"
            ),
            Self::Io(error) => write!(f, "{error}"),
            Self::Snapshot(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SubmitError {}
