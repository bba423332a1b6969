//! [`CrashSubject`]: how an engine plugs into the crash test kit.

use std::fmt::{Debug, Display};
use std::path::Path;

use super::FaultyStorage;
use crate::wal::{Magic, ScanStopReason};
use crate::wal_file::FileOp;

/// What an open reported about the WAL it read: the figures the kit checks after a cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecoveryFigures {
    /// Frames applied on top of the snapshot (the marker and skipped frames not counted).
    pub frames_applied: u64,
    /// Bytes of a torn tail cut off the WAL.
    pub truncated_bytes: u64,
    /// Why the scan of the WAL stopped.
    pub stop: ScanStopReason,
}

/// How the engine classifies an error of its open, for the kit's checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A typed corruption refusal of the WAL, naming the offset of the frame it stopped at.
    WalCorruption {
        /// Offset of the first byte of the damaged frame.
        offset: u64,
    },
    /// A typed refusal of the snapshot file (its footer, its size or its decoding).
    SnapshotFile,
    /// A typed refusal because another handle (in this process or another) holds the
    /// directory's lock: nothing was read or written.
    Locked,
    /// Anything else (I/O, configuration, ordering): never what the kit expects.
    Other,
}

/// How the engine classifies an error of a step or a checkpoint, for the kit's checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepFailure {
    /// A file operation failed (the engine's I/O error carrying the runtime's [`FileOp`]).
    Io(FileOp),
    /// The handle is halted after an earlier failure and refuses every write until reopened.
    Halted,
    /// Anything else.
    Other,
}

/// An engine as the crash test kit sees it: a directory that opens into a handle, a state
/// that can be dumped and compared, and a deterministic workload of numbered steps.
///
/// The kit opens every database through [`CrashSubject::open`] with a [`FaultyStorage`] it
/// owns, so the engine's handle must take its storage as a parameter (the `open_with_storage`
/// seam every engine has).
pub trait CrashSubject {
    /// The open database (the engine's durable handle).
    type Handle;
    /// A comparable picture of the whole state (the engine's state dump).
    type Dump: Clone + Debug + PartialEq;
    /// The error of [`CrashSubject::open`].
    type OpenError: Debug + Display;
    /// The error of [`CrashSubject::step`] and [`CrashSubject::checkpoint`].
    type StepError: Debug + Display;

    /// The WAL's file name inside a database directory.
    const WAL_FILE_NAME: &'static str;
    /// The snapshot's file name inside a database directory.
    const SNAPSHOT_FILE_NAME: &'static str;
    /// The engine's WAL magic, with which the kit finds the frame boundaries.
    const WAL_MAGIC: Magic;

    /// The payload bound the subject's config opens with (`max_wal_payload_bytes`): with it
    /// the kit reads the engine's WAL and bounds the reader's buffer
    /// ([`huge_wal`](super::huge_wal)).
    fn max_wal_payload_bytes(&self) -> u32;

    /// Opens (recovers) the database in `dir`, doing all its I/O through `storage`.
    ///
    /// # Errors
    /// Whatever the engine refuses to open; [`CrashSubject::refusal`] classifies it.
    fn open(&self, dir: &Path, storage: FaultyStorage) -> Result<Self::Handle, Self::OpenError>;

    /// The whole state of the open database.
    fn dump(&self, handle: &Self::Handle) -> Self::Dump;

    /// What the open that made `handle` reported about the WAL.
    fn figures(&self, handle: &Self::Handle) -> RecoveryFigures;

    /// Runs step `index` of the engine's workload (a write through the handle). It must be a
    /// function of `index` and the current state only, so that the kit can run it twice and
    /// get the same frames; a refusal the engine stores is a success here.
    ///
    /// # Errors
    /// The handle's error (an injected I/O failure, a halted handle).
    fn step(&self, handle: &mut Self::Handle, index: u64) -> Result<(), Self::StepError>;

    /// Writes a snapshot and rewrites the WAL behind it.
    ///
    /// # Errors
    /// The handle's error.
    fn checkpoint(&self, handle: &mut Self::Handle) -> Result<(), Self::StepError>;

    /// Whether the handle is halted (refuses every write until the database is reopened).
    fn is_halted(&self, handle: &Self::Handle) -> bool;

    /// Classifies an error of [`CrashSubject::open`].
    fn refusal(&self, error: &Self::OpenError) -> Refusal;

    /// Classifies an error of [`CrashSubject::step`] or [`CrashSubject::checkpoint`].
    fn step_failure(&self, error: &Self::StepError) -> StepFailure;

    /// The reference states of a WAL, computed without the engine's recovery: index `k` is the
    /// state after the first `k` frames of `wal` (so `k = 0` is the empty database), e.g. by
    /// applying each decoded frame to a fresh state machine.
    ///
    /// `None` (the default) tells the kit to use the live states it records after each step
    /// instead; [`wal_cuts`](super::wal_cuts) then requires every step to write at most one
    /// frame, since no live state exists between two frames of one step.
    fn prefix_states(&self, wal: &[u8]) -> Option<Vec<Self::Dump>> {
        let _ = wal;
        None
    }
}
