//! Recovery: load the snapshot (if any; its footer is verified before it is decoded), scan
//! the WAL, replay every frame above the snapshot through the same `apply` as live execution,
//! truncate a torn tail, fail closed on anything else.
//!
//! A WAL that starts with a snapshot marker must be paired with a snapshot of exactly that lsn
//! and slot, or with a later snapshot (a checkpoint cut between its snapshot write and its WAL
//! rewrite). Frames must have strictly increasing lsns and
//! non-decreasing slots; frames at or below the snapshot lsn are skipped, and the first
//! replayed frame must directly follow the recovered state (no gap). The runtime checks these
//! order rules (`runtime::frame_order`); this module decodes and applies, and names the errors.
//! On corruption or any other failure the WAL file is not touched.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::command::CommandContext;
use crate::command_codec::{DecodeError, decode_internal, decode_request};
use crate::config::{Config, ConfigError};
use crate::ids::{Lsn, Slot};
use crate::snapshot::{SnapshotError, decode_snapshot};
use crate::state_machine::StateMachine;
use runtime::frame_order::{FrameOrder, FrameOrderError, FrameStep, OrderRule, Position};
use runtime::snapshot_file::{SnapshotFileError, read_snapshot_file};
use runtime::storage::{DiskStorage, Storage};
use runtime::wal::{CorruptionReason, Frame, Magic, RecordType, ScanStopReason};
use runtime::wal_file::{DirLock, FileError, LockError, WalFile, lock_dir, remove_leftover_temp};

/// The magic that opens every frame of this engine's WAL: `b"QUDB"` (the runtime frames the
/// bytes; the engine names them).
pub const WAL_MAGIC: Magic = Magic::new(*b"QUDB");
/// The footer magic of this engine's snapshot file: `b"QUSF"` (the runtime checks the
/// footer; the engine names it).
pub const SNAPSHOT_FOOTER_MAGIC: Magic = Magic::new(*b"QUSF");
/// The record type of a client command's frame (its payload is an encoded client request).
pub const CLIENT_COMMAND: RecordType = RecordType::External;
/// The record type of an internal command's frame (its payload is an encoded internal command).
pub const INTERNAL_COMMAND: RecordType = RecordType::Internal;
/// The record type of the snapshot marker a checkpoint writes (empty payload; its lsn and slot
/// are the snapshot's).
pub const SNAPSHOT_MARKER: RecordType = RecordType::Marker;

/// The WAL's file name inside a database directory.
pub const WAL_FILE_NAME: &str = "queue.wal";
/// The snapshot's file name inside a database directory.
pub const SNAPSHOT_FILE_NAME: &str = "queue.snapshot";

/// What recovery found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The lsn of the loaded snapshot, if there was one.
    pub snapshot_lsn: Option<Lsn>,
    /// Frames applied on top of the snapshot (skipped frames and the marker not counted).
    pub frames_replayed: u64,
    pub stop_reason: ScanStopReason,
    /// Bytes cut off a torn tail.
    pub truncated_bytes: u64,
}

/// Why a database could not be recovered. The WAL is left as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecoveryError {
    Config(ConfigError),
    /// Another handle, in this process or another, has the database open: nothing was read
    /// or written.
    Locked {
        path: PathBuf,
    },
    SnapshotFile(SnapshotFileError),
    Snapshot(SnapshotError),
    Wal(FileError),
    /// A complete frame failed its checks.
    Corruption {
        offset: u64,
        reason: CorruptionReason,
    },
    /// The WAL starts with a marker but there is no snapshot: history before it is gone.
    MarkerWithoutSnapshot {
        offset: u64,
        marker_lsn: Lsn,
    },
    /// The marker names a different snapshot position than the snapshot file holds.
    MarkerMismatch {
        offset: u64,
        marker_lsn: Lsn,
        snapshot_lsn: Lsn,
    },
    /// A snapshot marker after the first frame.
    UnexpectedMarker {
        offset: u64,
        lsn: Lsn,
    },
    NonMonotonicLsn {
        offset: u64,
        lsn: Lsn,
        previous: Lsn,
    },
    /// The first frame to replay does not follow the recovered state.
    LsnGap {
        offset: u64,
        lsn: Lsn,
        expected: Lsn,
    },
    SlotRegression {
        offset: u64,
        request_slot: Slot,
        previous: Slot,
    },
    Decode {
        offset: u64,
        error: DecodeError,
    },
}

impl fmt::Display for RecoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(error) => write!(f, "invalid config: {error}"),
            Self::Locked { path } => {
                write!(f, "{} is held by another open handle", path.display())
            }
            Self::SnapshotFile(error) => write!(f, "{error}"),
            Self::Snapshot(error) => write!(f, "{error}"),
            Self::Wal(error) => write!(f, "wal: {error}"),
            Self::Corruption { offset, reason } => {
                write!(f, "wal corruption at offset {offset}: {reason}")
            }
            Self::MarkerWithoutSnapshot { offset, marker_lsn } => {
                write!(
                    f,
                    "wal marker for lsn {marker_lsn} at offset {offset} has no snapshot"
                )
            }
            Self::MarkerMismatch {
                offset,
                marker_lsn,
                snapshot_lsn,
            } => write!(
                f,
                "wal marker at offset {offset} names lsn {marker_lsn}, snapshot is at {snapshot_lsn}"
            ),
            Self::UnexpectedMarker { offset, lsn } => {
                write!(
                    f,
                    "snapshot marker (lsn {lsn}) in the middle of the wal at offset {offset}"
                )
            }
            Self::NonMonotonicLsn {
                offset,
                lsn,
                previous,
            } => {
                write!(f, "lsn {lsn} at offset {offset} does not follow {previous}")
            }
            Self::LsnGap {
                offset,
                lsn,
                expected,
            } => {
                write!(f, "lsn {lsn} at offset {offset}, expected {expected}")
            }
            Self::SlotRegression {
                offset,
                request_slot,
                previous,
            } => {
                write!(
                    f,
                    "slot {request_slot} at offset {offset} is below {previous}"
                )
            }
            Self::Decode { offset, error } => {
                write!(f, "undecodable frame at offset {offset}: {error}")
            }
        }
    }
}

impl std::error::Error for RecoveryError {}

/// A recovered database: the state, the open WAL (torn tail already cut), the report, and
/// the directory's lock (the database stays locked while it is held).
#[derive(Debug)]
pub struct Recovered {
    pub state: StateMachine,
    pub wal: WalFile,
    pub report: RecoveryReport,
    pub lock: DirLock,
}

/// Recovers the database in `dir` with real file operations.
///
/// # Errors
/// See [`RecoveryError`].
pub fn recover(dir: &Path, config: &Config) -> Result<Recovered, RecoveryError> {
    recover_with_ops(dir, config, Box::new(DiskStorage))
}

/// Recovers the database in `dir`, doing every later file write through `ops`.
///
/// # Errors
/// See [`RecoveryError`].
pub fn recover_with_ops(
    dir: &Path,
    config: &Config,
    mut ops: Box<dyn Storage>,
) -> Result<Recovered, RecoveryError> {
    config.validate().map_err(RecoveryError::Config)?;
    let lock = lock_dir(dir, ops.as_mut()).map_err(|error| match error {
        LockError::Locked { path } => RecoveryError::Locked { path },
        LockError::File(error) => RecoveryError::Wal(error),
    })?;
    // Under the lock nobody else writes here: a temp file is what an interrupted checkpoint
    // (snapshot) or WAL rewrite left behind.
    for name in [SNAPSHOT_FILE_NAME, WAL_FILE_NAME] {
        remove_leftover_temp(&dir.join(name), ops.as_mut()).map_err(RecoveryError::Wal)?;
    }
    let snapshot_path = dir.join(SNAPSHOT_FILE_NAME);
    let max = config.max_snapshot_bytes;
    let snapshot = read_snapshot_file(&snapshot_path, SNAPSHOT_FOOTER_MAGIC, max, ops.as_ref())
        .map_err(RecoveryError::SnapshotFile)?;
    let (mut state, snapshot_lsn) = match snapshot {
        Some(bytes) => {
            let state = decode_snapshot(&bytes, config).map_err(RecoveryError::Snapshot)?;
            let lsn = state.last_applied_lsn();
            (state, Some(lsn))
        }
        None => (StateMachine::new(*config), None),
    };
    let mut wal = WalFile::open(&dir.join(WAL_FILE_NAME), ops).map_err(RecoveryError::Wal)?;
    // Corruption fails closed whatever the frames before it hold: say so before replaying. Both
    // passes read the WAL a chunk at a time (one chunk plus one frame in memory); nothing is
    // collected.
    let max_payload = config.max_wal_payload_bytes;
    let (stop, valid_len) = wal
        .frame_reader(WAL_MAGIC, max_payload)
        .finish()
        .map_err(RecoveryError::Wal)?;
    if let ScanStopReason::Corruption { offset, reason } = stop {
        return Err(RecoveryError::Corruption { offset, reason });
    }
    // The order rules start from the snapshot's position: its lsn and slot.
    let snapshot = snapshot_lsn.map(|lsn| Position {
        lsn: lsn.get(),
        slot: state.last_request_slot().get(),
    });
    let mut replay = Replay {
        state: &mut state,
        order: FrameOrder::new(snapshot),
        replayed: 0,
    };
    let mut frames = wal.frame_reader(WAL_MAGIC, max_payload);
    while let Some(frame) = frames.next_frame().map_err(RecoveryError::Wal)? {
        replay.frame(&frame)?;
    }
    let frames_replayed = replay.replayed;
    let truncated_bytes = match stop {
        ScanStopReason::CleanEof | ScanStopReason::Corruption { .. } => 0,
        ScanStopReason::TornTail { .. } => {
            let file_len = wal.len();
            wal.truncate_to(valid_len).map_err(RecoveryError::Wal)?;
            file_len - valid_len
        }
    };
    let report = RecoveryReport {
        snapshot_lsn,
        frames_replayed,
        stop_reason: stop,
        truncated_bytes,
    };
    Ok(Recovered {
        state,
        wal,
        report,
        lock,
    })
}

struct Replay<'a> {
    state: &'a mut StateMachine,
    order: FrameOrder,
    replayed: u64,
}

impl Replay<'_> {
    /// Checks the frame's order (the runtime's rules), then decodes and applies it if it is
    /// the next one.
    fn frame(&mut self, frame: &Frame<'_>) -> Result<(), RecoveryError> {
        let applied = Position {
            lsn: self.state.last_applied_lsn().get(),
            slot: self.state.last_request_slot().get(),
        };
        let step = self.order.check(frame, applied).map_err(order_error)?;
        if step != FrameStep::Apply {
            return Ok(());
        }
        let (offset, lsn, slot) = (frame.offset, Lsn(frame.lsn), Slot(frame.request_slot));
        let ctx = CommandContext {
            lsn,
            request_slot: slot,
        };
        let decode_error = |error| RecoveryError::Decode { offset, error };
        if frame.record_type == CLIENT_COMMAND {
            let request = decode_request(frame.payload).map_err(decode_error)?;
            self.state.apply_client(ctx, &request);
        } else {
            let command = decode_internal(frame.payload).map_err(decode_error)?;
            self.state.apply_internal(ctx, &command);
        }
        self.replayed += 1;
        Ok(())
    }
}

/// This engine's name for each order rule a frame broke: the runtime checks the rules, the
/// error surface is the engine's (same variants and text as before the rules moved).
#[rustfmt::skip] // One arm per rule, one line per side: the mapping reads as a table.
fn order_error(error: FrameOrderError) -> RecoveryError {
    use OrderRule as Rule;
    use RecoveryError as Recovery;
    let FrameOrderError { offset, lsn, slot, rule } = error;
    let (lsn, slot) = (Lsn(lsn), Slot(slot));
    match rule {
        Rule::NonMonotonicLsn { previous_lsn } =>
            Recovery::NonMonotonicLsn { offset, lsn, previous: Lsn(previous_lsn) },
        Rule::SlotRegression { previous_slot } =>
            Recovery::SlotRegression { offset, request_slot: slot, previous: Slot(previous_slot) },
        Rule::UnexpectedMarker => Recovery::UnexpectedMarker { offset, lsn },
        Rule::MarkerWithoutSnapshot => Recovery::MarkerWithoutSnapshot { offset, marker_lsn: lsn },
        Rule::MarkerMismatch { snapshot_lsn } =>
            Recovery::MarkerMismatch { offset, marker_lsn: lsn, snapshot_lsn: Lsn(snapshot_lsn) },
        Rule::MarkerPayload { payload_bytes: count } =>
            Recovery::Decode { offset, error: DecodeError::TrailingBytes { count } },
        Rule::LsnGap { expected_lsn } =>
            Recovery::LsnGap { offset, lsn, expected: Lsn(expected_lsn) },
    }
}

#[cfg(test)]
#[path = "recovery_tests.rs"]
pub(crate) mod tests;
