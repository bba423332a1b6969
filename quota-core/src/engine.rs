//! The durable engine handle: the only writer of a database directory.
//!
//! Order of handling a client command at slot `S` (spec section 1): slot check, `tick(S)`
//! (quota-core has no internal commands, so nothing is ever due and `tick` writes nothing),
//! dedupe (nothing written), then the next lsn, encode, append, fdatasync, apply. A failed
//! append or sync halts the handle: the outcome of that write is unknown until the database
//! is reopened, so every later call returns [`SubmitError::EngineHalted`].

use std::fmt;
use std::path::{Path, PathBuf};

use crate::command::{ClientRequest, CommandContext};
use crate::command_codec::encode_request;
use crate::config::Config;
use crate::ids::{BucketId, Lsn, Slot};
use crate::recovery::{
    CLIENT_COMMAND, RecoveryError, RecoveryReport, SNAPSHOT_FILE_NAME, SNAPSHOT_FOOTER_MAGIC,
    SNAPSHOT_MARKER, WAL_FILE_NAME, WAL_MAGIC, recover_with_ops,
};
use crate::result::CommandOutcome;
use crate::snapshot::{encode_snapshot, max_snapshot_file_len};
use crate::state_machine::{BucketRecord, StateDump, StateMachine};
use runtime::snapshot_file::{FOOTER_LEN, SnapshotFileError, write_snapshot_file};
use runtime::storage::{DiskStorage, Storage};
use runtime::wal::{begin_frame, finish_frame};
use runtime::wal_file::{DirLock, FileError, WalFile};

/// Why a write was not performed (or, for `Io`, why its fate is unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmitError {
    /// The slot is below the slot of the last applied frame; nothing was written.
    SlotRegression { request_slot: Slot, last_slot: Slot },
    /// An earlier append or sync failed; reopen the database.
    EngineHalted,
    /// Every lsn has been used; nothing was written.
    LsnExhausted,
    /// The batch holds more than `Config::max_batch_commands` requests; nothing was written
    /// and nothing ticked.
    BatchTooLarge { len: usize, max: u32 },
    /// A file operation failed. For WAL appends and syncs the handle is now halted.
    Io(FileError),
    /// The snapshot file could not be written during a checkpoint (the handle stays usable).
    SnapshotFile(SnapshotFileError),
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
            Self::BatchTooLarge { len, max } => write!(
                f,
                "a batch of {len} requests is above max_batch_commands {max}"
            ),
            Self::Io(error) => write!(f, "{error}"),
            Self::SnapshotFile(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SubmitError {}

/// An open quota-core database; it holds the directory's lock (one writer) until dropped.
#[derive(Debug)]
pub struct QuotaEngine {
    dir: PathBuf,
    state: StateMachine,
    wal: WalFile,
    report: RecoveryReport,
    halted: bool,
    frames: Vec<u8>,
    _lock: DirLock,
}

impl QuotaEngine {
    /// Opens (recovers) the database in `dir`, which must exist.
    ///
    /// # Errors
    /// Any [`RecoveryError`].
    pub fn open(dir: &Path, config: Config) -> Result<Self, RecoveryError> {
        Self::open_with_storage(dir, config, Box::new(DiskStorage))
    }

    /// Opens the database doing every file write through `ops` (the fault-injection seam).
    ///
    /// # Errors
    /// Any [`RecoveryError`].
    ///
    /// # Panics
    /// Only on a target whose `usize` cannot hold the group-commit buffer of a valid config
    /// (at most `MAX_BATCH_BUFFER_BYTES`, 128 MiB).
    pub fn open_with_storage(
        dir: &Path,
        config: Config,
        ops: Box<dyn Storage>,
    ) -> Result<Self, RecoveryError> {
        let recovered = recover_with_ops(dir, &config, ops)?;
        // The group-commit buffer, sized once (a valid config bounds it): no batch or tick
        // ever grows it (`write_frames` asserts so).
        let buffer_bytes = usize::try_from(config.batch_buffer_bytes())
            .expect("a valid config's batch buffer must fit in memory");
        Ok(Self {
            dir: dir.to_path_buf(),
            state: recovered.state,
            wal: recovered.wal,
            report: recovered.report,
            halted: false,
            frames: Vec::with_capacity(buffer_bytes),
            _lock: recovered.lock,
        })
    }

    #[must_use]
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.report
    }

    /// The state machine, for reads and dumps. After a halt it may include the effects of a
    /// write whose durability is unknown.
    #[must_use]
    pub fn state(&self) -> &StateMachine {
        &self.state
    }

    #[must_use]
    pub fn dump(&self) -> StateDump {
        self.state.dump()
    }

    #[must_use]
    pub fn is_halted(&self) -> bool {
        self.halted
    }

    #[must_use]
    pub fn wal_path(&self) -> PathBuf {
        self.dir.join(WAL_FILE_NAME)
    }

    #[must_use]
    pub fn snapshot_path(&self) -> PathBuf {
        self.dir.join(SNAPSHOT_FILE_NAME)
    }

    /// The stored bucket record (a read does not refill).
    #[must_use]
    pub fn get_bucket(&self, bucket_id: BucketId) -> Option<BucketRecord> {
        self.state.get_bucket(bucket_id)
    }

    fn check_ready(&self, request_slot: Slot) -> Result<(), SubmitError> {
        if self.halted {
            return Err(SubmitError::EngineHalted);
        }
        let last_slot = self.state.last_request_slot();
        if request_slot < last_slot {
            return Err(SubmitError::SlotRegression {
                request_slot,
                last_slot,
            });
        }
        Ok(())
    }

    /// The lsn `offset` frames after the last applied one.
    fn lsn_after(&self, offset: usize) -> Result<Lsn, SubmitError> {
        (offset as u64)
            .checked_add(1)
            .and_then(|step| self.state.last_applied_lsn().get().checked_add(step))
            .map(Lsn)
            .ok_or(SubmitError::LsnExhausted)
    }

    /// Appends the buffered frames and syncs once; any failure halts the handle.
    fn write_frames(&mut self) -> Result<(), SubmitError> {
        assert!(
            self.frames.len() as u64 <= self.state.config().batch_buffer_bytes(),
            "a group commit must fit the buffer sized at open"
        );
        let written = self.wal.append(&self.frames).and_then(|()| self.wal.sync());
        self.frames.clear();
        written.map_err(|error| {
            self.halted = true;
            SubmitError::Io(error)
        })
    }

    fn buffer_client_frame(&mut self, request: &ClientRequest, ctx: CommandContext) {
        let start = begin_frame(&mut self.frames);
        encode_request(request, &mut self.frames);
        let (lsn, slot) = (ctx.lsn.get(), ctx.request_slot.get());
        finish_frame(
            &mut self.frames,
            start,
            WAL_MAGIC,
            lsn,
            slot,
            CLIENT_COMMAND,
        );
    }

    /// Submits one client request at `request_slot`.
    ///
    /// # Errors
    /// `EngineHalted`, `SlotRegression`, `LsnExhausted` (nothing written), or `Io` (the handle
    /// halts). Every command fits `max_wal_payload_bytes` (`Config::validate` checks the
    /// largest), so there is no size error.
    pub fn submit(
        &mut self,
        request: &ClientRequest,
        request_slot: Slot,
    ) -> Result<CommandOutcome, SubmitError> {
        self.check_ready(request_slot)?;
        self.tick(request_slot)?;
        if let Some(outcome) = self.state.lookup_operation(request, request_slot) {
            return Ok(outcome);
        }
        let ctx = CommandContext {
            lsn: self.lsn_after(0)?,
            request_slot,
        };
        self.buffer_client_frame(request, ctx);
        self.write_frames()?;
        Ok(self.state.apply_client(ctx, request))
    }

    /// Group commit: the requests are handled in order exactly as if submitted one by one at
    /// `request_slot` (duplicates inside the batch see earlier outcomes), but all frames are
    /// appended together and synced once, before any outcome is returned.
    ///
    /// # Errors
    /// `BatchTooLarge` (more than `max_batch_commands` requests) before anything else, nothing
    /// written or ticked; then as [`Self::submit`]; the lsn check covers the whole batch before
    /// anything is applied.
    /// On `Io` the in-memory state may be ahead of the disk; the handle halts.
    pub fn submit_batch(
        &mut self,
        requests: &[ClientRequest],
        request_slot: Slot,
    ) -> Result<Vec<CommandOutcome>, SubmitError> {
        let max = self.state.config().max_batch_commands;
        if requests.len() > max as usize {
            return Err(SubmitError::BatchTooLarge {
                len: requests.len(),
                max,
            });
        }
        self.check_ready(request_slot)?;
        self.tick(request_slot)?;
        self.lsn_after(requests.len().saturating_sub(1))?;
        let mut outcomes = Vec::with_capacity(requests.len());
        for request in requests {
            if let Some(outcome) = self.state.lookup_operation(request, request_slot) {
                outcomes.push(outcome);
                continue;
            }
            let ctx = CommandContext {
                lsn: self.lsn_after(0)?,
                request_slot,
            };
            self.buffer_client_frame(request, ctx);
            outcomes.push(self.state.apply_client(ctx, request));
        }
        if !self.frames.is_empty() {
            self.write_frames()?;
        }
        Ok(outcomes)
    }

    /// Advances logical time to `slot`. quota-core has no internal commands (refill is
    /// computed when a bucket is debited), so nothing is ever due and nothing is written; the
    /// slot is still checked, so a regression is reported exactly as `submit` reports it.
    ///
    /// # Errors
    /// `EngineHalted` or `SlotRegression`.
    pub fn tick(&mut self, slot: Slot) -> Result<(), SubmitError> {
        self.check_ready(slot)
    }

    /// Writes a snapshot of the current state, then replaces the WAL with one snapshot marker
    /// (every applied frame is in the snapshot). Returns the snapshot lsn.
    ///
    /// # Errors
    /// `EngineHalted`; `Io` from the snapshot write (the handle stays usable: the old
    /// snapshot and WAL are intact) or from the WAL rewrite (the handle halts).
    ///
    /// # Panics
    /// If the snapshot would exceed the bound `Config::validate` guarantees (a bug).
    pub fn checkpoint(&mut self) -> Result<Lsn, SubmitError> {
        if self.halted {
            return Err(SubmitError::EngineHalted);
        }
        let bytes = encode_snapshot(&self.state);
        assert!(
            (bytes.len() + FOOTER_LEN) as u64 <= max_snapshot_file_len(self.state.config()),
            "a snapshot must fit max_snapshot_bytes (Config::validate checks full tables)"
        );
        let (path, max) = (self.snapshot_path(), self.state.config().max_snapshot_bytes);
        let storage = self.wal.storage_mut();
        write_snapshot_file(&path, &bytes, SNAPSHOT_FOOTER_MAGIC, max, storage).map_err(
            |error| match error {
                SnapshotFileError::Io(error) => SubmitError::Io(error),
                other => SubmitError::SnapshotFile(other),
            },
        )?;
        let lsn = self.state.last_applied_lsn();
        let slot = self.state.last_request_slot();
        self.frames.clear();
        let start = begin_frame(&mut self.frames);
        finish_frame(
            &mut self.frames,
            start,
            WAL_MAGIC,
            lsn.get(),
            slot.get(),
            SNAPSHOT_MARKER,
        );
        let replaced = self.wal.replace_with(&self.frames);
        self.frames.clear();
        replaced.map_err(|error| {
            self.halted = true;
            SubmitError::Io(error)
        })?;
        Ok(lsn)
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "engine_bounds_tests.rs"]
mod bounds_tests;
