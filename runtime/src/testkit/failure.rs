//! What a driver of the crash test kit returns: a [`Report`] or the first [`KitFailure`].

use std::fmt;

use super::{Fault, RecoveryFigures, Refusal, StepFailure};

/// What a driver checked, for the caller to pin (a file size, a frame count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Damaged files opened, or faults injected: one per case checked.
    pub cases: u64,
    /// Whole frames in the WAL the driver damaged (0 when it damaged no WAL).
    pub frames: u64,
    /// Bytes of the file the driver damaged (the WAL, or the snapshot file).
    pub file_bytes: u64,
}

/// The first thing a driver found wrong. Dumps and errors are kept as their `Debug` text, so
/// that the failure stays one comparable type whatever the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KitFailure {
    /// The subject failed where the kit needs it to work (building the files, a clean open,
    /// a workload whose steps write several frames without `prefix_states`).
    Setup {
        /// What the kit was doing.
        context: String,
        /// The subject's error, or what was wrong.
        detail: String,
    },
    /// A cut WAL opened to a state other than the reference prefix's.
    WrongState {
        /// The byte offset of the cut (or, after a fault, the faulted step).
        at: u64,
        /// The reference state.
        expected: String,
        /// The state the open produced.
        found: String,
    },
    /// A cut WAL opened with other figures than the frame prefix it holds.
    WrongFigures {
        /// The byte offset of the cut.
        at: u64,
        /// The figures of the frame prefix.
        expected: RecoveryFigures,
        /// What the open reported.
        found: RecoveryFigures,
    },
    /// After opening a cut WAL, the file is not exactly its whole-frame prefix.
    WrongLength {
        /// The byte offset of the cut.
        at: u64,
        /// The end of the last whole frame.
        expected: u64,
        /// The file's length after the open.
        found: u64,
    },
    /// A WAL cut inside a frame was refused instead of cut back to its whole frames.
    Refused {
        /// The byte offset of the cut.
        at: u64,
        /// The engine's error.
        found: String,
    },
    /// A damaged file opened instead of being refused.
    Opened {
        /// The flipped bit (byte offset times 8 plus bit).
        bit: u64,
        /// Whether the state it opened to is the undamaged one.
        same_state: bool,
    },
    /// A damaged file was refused, but not with the typed refusal expected.
    WrongRefusal {
        /// The flipped bit.
        bit: u64,
        /// The refusal expected.
        expected: Refusal,
        /// The engine's error.
        found: String,
    },
    /// A refused open changed the file it refused.
    FileChanged {
        /// The flipped bit.
        bit: u64,
    },
    /// A step succeeded although the fault made its write or sync fail.
    FaultIgnored {
        /// The fault injected.
        fault: Fault,
    },
    /// A step or a checkpoint failed other than the kit expected.
    WrongStepFailure {
        /// The fault injected.
        fault: Fault,
        /// What was called: "faulted step", "next step", "checkpoint".
        call: &'static str,
        /// The classification expected.
        expected: StepFailure,
        /// The engine's error (or `Ok`).
        found: String,
    },
    /// After a failed write or sync, the handle is not halted.
    NotHalted {
        /// The fault injected.
        fault: Fault,
    },
    /// After the reopen, running the faulted step again failed.
    RetryFailed {
        /// The fault injected.
        fault: Fault,
        /// The engine's error.
        found: String,
    },
    /// A second open of a directory another handle (or process) holds open succeeded.
    NotExclusive {
        /// Who held it: "a handle in this process" or "another process".
        owner: &'static str,
    },
    /// A second open of a held directory was refused, but not as a lock refusal.
    NotLocked {
        /// Who held it.
        owner: &'static str,
        /// The engine's error.
        found: String,
    },
    /// A refused second open changed the database's files.
    FilesChanged {
        /// Who held it.
        owner: &'static str,
    },
    /// A temp file of an interrupted replacement survived an open.
    TempLeft {
        /// The file.
        path: String,
    },
    /// Reading the engine's WAL held more bytes at once than one chunk plus one frame.
    PeakTooLarge {
        /// The most bytes held (the reader's peak buffer, or the largest single read).
        peak: u64,
        /// The bound it broke.
        bound: u64,
    },
}

impl fmt::Display for KitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Setup { context, detail } => write!(f, "kit setup failed: {context}: {detail}"),
            Self::WrongState {
                at,
                expected,
                found,
            } => write!(
                f,
                "at {at}: state differs from the reference\n expected: {expected}\n    found: {found}"
            ),
            Self::WrongFigures {
                at,
                expected,
                found,
            } => write!(
                f,
                "cut {at}: recovery reported {found:?}, the prefix is {expected:?}"
            ),
            Self::WrongLength {
                at,
                expected,
                found,
            } => write!(
                f,
                "cut {at}: the WAL is {found} bytes after the open, its whole frames end at {expected}"
            ),
            Self::Refused { at, found } => {
                write!(
                    f,
                    "cut {at}: a torn tail was refused ({found}) instead of cut"
                )
            }
            Self::Opened { bit, same_state } => write!(
                f,
                "bit {bit}: the damaged file opened (same state: {same_state}) instead of being refused"
            ),
            Self::WrongRefusal {
                bit,
                expected,
                found,
            } => write!(f, "bit {bit}: refused with {found}, expected {expected:?}"),
            Self::FileChanged { bit } => {
                write!(f, "bit {bit}: the refused open changed the file")
            }
            Self::FaultIgnored { fault } => {
                write!(f, "{fault:?}: the faulted step reported success")
            }
            Self::WrongStepFailure {
                fault,
                call,
                expected,
                found,
            } => write!(f, "{fault:?}: {call} gave {found}, expected {expected:?}"),
            Self::NotHalted { fault } => {
                write!(f, "{fault:?}: the handle is not halted after the failure")
            }
            Self::NotExclusive { .. }
            | Self::NotLocked { .. }
            | Self::FilesChanged { .. }
            | Self::TempLeft { .. }
            | Self::PeakTooLarge { .. } => self.fmt_open_rules(f),
            Self::RetryFailed { fault, found } => {
                write!(
                    f,
                    "{fault:?}: retrying the step after a reopen failed: {found}"
                )
            }
        }
    }
}

impl KitFailure {
    /// The text of the one-writer and bounded-memory failures (apart, so that `fmt` stays
    /// short); any other failure shows as its `Debug`.
    fn fmt_open_rules(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotExclusive { owner } => write!(
                f,
                "a second open succeeded while {owner} held the database open"
            ),
            Self::NotLocked { owner, found } => write!(
                f,
                "with {owner} holding the database, a second open gave {found}, not a lock refusal"
            ),
            Self::FilesChanged { owner } => write!(
                f,
                "a second open refused while {owner} held the database changed its files"
            ),
            Self::TempLeft { path } => write!(f, "the leftover temp file {path} survived an open"),
            Self::PeakTooLarge { peak, bound } => write!(
                f,
                "reading the WAL held {peak} bytes at once, above one chunk and one frame ({bound})"
            ),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for KitFailure {}

/// A [`KitFailure::Setup`] from a subject's error.
pub(super) fn setup(context: &str, detail: impl fmt::Debug) -> KitFailure {
    KitFailure::Setup {
        context: context.to_owned(),
        detail: format!("{detail:?}"),
    }
}

/// A [`KitFailure::WrongState`] unless `found == expected`.
pub(super) fn same_state<D: PartialEq + fmt::Debug>(
    at: u64,
    expected: &D,
    found: &D,
) -> Result<(), KitFailure> {
    if expected == found {
        return Ok(());
    }
    Err(KitFailure::WrongState {
        at,
        expected: format!("{expected:?}"),
        found: format!("{found:?}"),
    })
}
