//! The interface between the engine-neutral runner and one engine's driver: the calls a
//! scenario makes and the shapes their answers come back in. Errors are messages; the runner
//! adds the file and the line.

use std::path::{Path, PathBuf};

use crate::scenario::Args;

/// What kind of answer an [`Outcome`] is.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum OutcomeKind {
    /// A command's `ResultCode` (counted by the coverage check): from its own frame, or a
    /// cached duplicate or a conflict that wrote nothing.
    Command,
    /// A read's answer (`Found`, `LeaseRetired`, ...); it only serves `expect`.
    Read,
    /// A submit error (`SlotRegression`, ...): refused before the WAL.
    Refused,
}

/// The outcome of one command or read, as the trace shows it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Outcome {
    /// The `ResultCode` name (`Ok`, `LeaseNotFound`, ...), checked by `expect`.
    pub code: String,
    /// The whole outcome, one line (`Ok lease=5 epoch=1 deadline=12`).
    pub text: String,
    pub kind: OutcomeKind,
}

impl Outcome {
    /// A read's answer; its code is the first word (`Found lease ...` -> `Found`).
    #[must_use]
    pub fn read(text: String) -> Outcome {
        let code = text.split(' ').next().unwrap_or_default().to_owned();
        Outcome {
            code,
            text,
            kind: OutcomeKind::Read,
        }
    }
}

/// Which internal-command seam a call uses, and at which slot.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Seam {
    pub slot: u64,
    /// True for the seam that ticks first (`internal`, `submit_internal`); false for the
    /// untimed one that writes exactly the one frame (`internal_untimed`,
    /// `submit_internal_untimed`).
    pub timed: bool,
}

/// What a `tick` did.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Ticked {
    /// The outcome of each internal command written, in lsn order (`Ok lease=3 epoch=2`).
    Wrote(Vec<String>),
    /// The submit error that refused the tick (nothing written).
    Refused(Outcome),
}

/// One whole frame of the WAL file.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Frame {
    pub lsn: u64,
    /// `None` for a client command or a snapshot marker; for an internal command, the
    /// command in scenario syntax (`expire lease=3 deadline=50`).
    pub internal: Option<String>,
}

/// The WAL file as the trace shows it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct WalListing {
    /// One line per whole frame, then the stop reason.
    pub lines: Vec<String>,
    /// The lsn of the last whole frame, if any.
    pub last_lsn: Option<u64>,
    /// Every whole frame, in file order.
    pub frames: Vec<Frame>,
}

/// One engine, as the runner drives it. Errors are messages; the runner adds file and line.
pub trait Driver: Sized {
    /// The engine's folder name (`allocdb-core`).
    const ENGINE: &'static str;
    /// Names of every `ResultCode` variant (the enum's `ALL` list).
    fn result_codes() -> Vec<&'static str>;
    /// Opens a fresh database in `dir` with the scenario defaults overridden by `config`;
    /// returns the driver and the effective config, one line.
    ///
    /// # Errors
    /// Unknown config keys, an invalid config, an open failure.
    fn open(dir: &Path, config: &Args) -> Result<(Self, String), String>;
    /// `tick(slot)`: the outcome of each internal command it wrote, or the error that
    /// refused it.
    ///
    /// # Errors
    /// The database is closed.
    fn tick(&mut self, slot: u64) -> Result<Ticked, String>;
    /// Runs a client command or a read at `slot`.
    ///
    /// # Errors
    /// Unknown command or arguments, or a submit error.
    fn command(&mut self, name: &str, args: &Args, slot: u64) -> Result<Outcome, String>;
    /// Writes an internal command through one of the handle's test seams.
    ///
    /// # Errors
    /// Unknown command or arguments, or a submit error.
    fn internal(&mut self, name: &str, args: &Args, seam: Seam) -> Result<Outcome, String>;
    /// The sorted state, one record per line (with the expiry index and the retire queues).
    fn dump(&self) -> Vec<String>;
    /// The lsn of the last applied frame (0 for none).
    fn last_lsn(&self) -> u64;
    /// # Errors
    /// The checkpoint failed.
    fn checkpoint(&mut self) -> Result<(), String>;
    /// Drops the handle without any further write.
    fn crash(&mut self);
    /// Reopens the database; returns the recovery report, one line.
    ///
    /// # Errors
    /// Recovery failed.
    fn recover(&mut self) -> Result<String, String>;
    /// The WAL file path.
    fn wal_path(&self) -> PathBuf;
    /// The snapshot file path.
    fn snapshot_path(&self) -> PathBuf;
    /// Decodes WAL bytes into frame lines and frames.
    fn wal_listing(&self, bytes: &[u8]) -> WalListing;
    /// The lsn a snapshot file's bytes hold, or `None` when they do not decode.
    fn snapshot_lsn(&self, bytes: &[u8]) -> Option<u64>;
}
