//! The durable engine handle: the only writer of a database directory.
//!
//! Order of handling a client command at slot `S` (spec section 1): slot check, `tick(S)`
//! (due claim timeouts written and applied first), dedupe (nothing written), then the next lsn,
//! encode, append, fdatasync, apply. A failed append or sync halts the handle: the outcome
//! of that write is unknown until the database is reopened, so every later call returns
//! [`SubmitError::EngineHalted`].

use std::path::{Path, PathBuf};

use crate::command::{ClientRequest, CommandContext, InternalCommand};
use crate::command_codec::MAX_CLIENT_PAYLOAD_LEN;
use crate::command_codec::{client_payload_len, encode_internal, encode_request};
use crate::config::Config;
pub use crate::engine_error::SubmitError;
use crate::ids::{JobId, Lsn, QueueId, Slot};
use crate::recovery::{
    CLIENT_COMMAND, INTERNAL_COMMAND, RecoveryError, RecoveryReport, SNAPSHOT_FILE_NAME,
    SNAPSHOT_FOOTER_MAGIC, SNAPSHOT_MARKER, WAL_FILE_NAME, WAL_MAGIC, recover_with_ops,
};
use crate::result::CommandOutcome;
use crate::snapshot::encode_snapshot;
use crate::state_machine::{JobLookupError, JobRecord, QueueRecord, StateDump, StateMachine};
use runtime::snapshot_file::{SnapshotFileError, write_snapshot_file};
use runtime::storage::{DiskStorage, Storage};
use runtime::wal::{HEADER_LEN, begin_frame, finish_frame};
use runtime::wal_file::{DirLock, WalFile};

/// Claim timeouts written per group commit inside `tick`.
const TICK_BATCH: usize = 64;
const TICK_BATCH_U32: u32 = 64;
const _: () = assert!(TICK_BATCH == TICK_BATCH_U32 as usize);

/// An open queue-core database; it holds the directory's lock (one writer) until dropped.
#[derive(Debug)]
pub struct QueueEngine {
    dir: PathBuf,
    state: StateMachine,
    wal: WalFile,
    report: RecoveryReport,
    halted: bool,
    frames: Vec<u8>,
    _lock: DirLock,
}

impl QueueEngine {
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
    pub fn open_with_storage(
        dir: &Path,
        config: Config,
        ops: Box<dyn Storage>,
    ) -> Result<Self, RecoveryError> {
        let recovered = recover_with_ops(dir, &config, ops)?;
        // The group-commit buffer, sized once: a full batch (or a tick group) of the largest
        // frames. Nothing on the write path grows it.
        let frames_len = config.max_batch_commands.max(TICK_BATCH_U32) as usize
            * (HEADER_LEN + MAX_CLIENT_PAYLOAD_LEN);
        Ok(Self {
            dir: dir.to_path_buf(),
            state: recovered.state,
            wal: recovered.wal,
            report: recovered.report,
            halted: false,
            frames: Vec::with_capacity(frames_len),
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

    #[must_use]
    pub fn get_queue(&self, queue_id: QueueId) -> Option<QueueRecord> {
        self.state.get_queue(queue_id)
    }

    /// # Errors
    /// `JobNotFound` (never assigned) or `JobRetired`.
    pub fn get_job(&self, job_id: JobId) -> Result<JobRecord, JobLookupError> {
        self.state.get_job(job_id)
    }

    /// The group-commit buffer's reserved bytes (fixed at open).
    #[must_use]
    pub fn frame_buffer_capacity(&self) -> usize {
        self.frames.capacity()
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

    fn check_size(&self, index: usize, request: &ClientRequest) -> Result<(), SubmitError> {
        let payload_bytes = client_payload_len(&request.command);
        let max = self.state.config().max_wal_payload_bytes;
        if payload_bytes > max as usize {
            return Err(SubmitError::CommandTooLarge {
                index,
                payload_bytes,
                max,
            });
        }
        Ok(())
    }

    /// Submits one client request at `request_slot`.
    ///
    /// # Errors
    /// `EngineHalted`, `SlotRegression`, `LsnExhausted`, `CommandTooLarge` (nothing written),
    /// or `Io` (the handle halts).
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
        self.check_size(0, request)?;
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
    /// As [`Self::submit`], and `BatchTooLarge` for more than `max_batch_commands` requests
    /// (checked before the tick: nothing is written). Size and lsn checks cover the whole
    /// batch before anything is applied. On `Io` the in-memory state may be ahead of the
    /// disk; the handle halts.
    pub fn submit_batch(
        &mut self,
        requests: &[ClientRequest],
        request_slot: Slot,
    ) -> Result<Vec<CommandOutcome>, SubmitError> {
        self.check_ready(request_slot)?;
        let max = self.state.config().max_batch_commands;
        if requests.len() > max as usize {
            return Err(SubmitError::BatchTooLarge {
                len: requests.len(),
                max,
            });
        }
        self.tick(request_slot)?;
        for (index, request) in requests.iter().enumerate() {
            self.check_size(index, request)?;
        }
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

    /// Writes and applies `commands` as internal frames at `request_slot`, one sync.
    fn write_internal(
        &mut self,
        commands: &[InternalCommand],
        request_slot: Slot,
    ) -> Result<Vec<CommandOutcome>, SubmitError> {
        let first = self.lsn_after(0)?;
        self.lsn_after(commands.len().saturating_sub(1))?;
        for (offset, command) in (0_u64..).zip(commands) {
            let start = begin_frame(&mut self.frames);
            encode_internal(command, &mut self.frames);
            let lsn = first.get() + offset;
            let slot = request_slot.get();
            finish_frame(
                &mut self.frames,
                start,
                WAL_MAGIC,
                lsn,
                slot,
                INTERNAL_COMMAND,
            );
        }
        self.write_frames()?;
        let outcomes = (0_u64..)
            .zip(commands)
            .map(|(offset, command)| {
                let ctx = CommandContext {
                    lsn: Lsn(first.get() + offset),
                    request_slot,
                };
                self.state.apply_internal(ctx, command)
            })
            .collect();
        Ok(outcomes)
    }

    /// Advances logical time to `slot`: writes and applies every due `ClaimTimeout` (deadline
    /// order, then job-id order), each its own frame at `slot`. Writes nothing when nothing is
    /// due. Returns the timeout outcomes.
    ///
    /// # Errors
    /// `EngineHalted`, `SlotRegression`, `LsnExhausted`, or `Io` (the handle halts).
    pub fn tick(&mut self, slot: Slot) -> Result<Vec<CommandOutcome>, SubmitError> {
        self.check_ready(slot)?;
        let mut outcomes = Vec::new();
        loop {
            let due = self.state.due_timeouts(slot, TICK_BATCH);
            if due.is_empty() {
                return Ok(outcomes);
            }
            outcomes.extend(self.write_internal(&due, slot)?);
        }
    }

    /// Test seam: writes an arbitrary internal command through the WAL (after the slot check
    /// and `tick`), so that outcomes such as `Noop` are reachable and replayable.
    ///
    /// # Errors
    /// As [`Self::tick`].
    pub fn submit_internal(
        &mut self,
        command: &InternalCommand,
        request_slot: Slot,
    ) -> Result<CommandOutcome, SubmitError> {
        self.check_ready(request_slot)?;
        self.tick(request_slot)?;
        self.submit_internal_untimed(command, request_slot)
    }

    /// Test seam without the tick: after the slot check, writes and applies exactly `command`
    /// as one internal frame at `request_slot`, even when other timeouts are due there (they
    /// stay due for the next `tick`). Lets a golden place a raw internal frame anywhere; a
    /// production caller wants [`Self::tick`].
    ///
    /// # Errors
    /// `EngineHalted`, `SlotRegression`, `LsnExhausted`, or `Io` (the handle halts).
    pub fn submit_internal_untimed(
        &mut self,
        command: &InternalCommand,
        request_slot: Slot,
    ) -> Result<CommandOutcome, SubmitError> {
        self.check_ready(request_slot)?;
        let outcomes = self.write_internal(std::slice::from_ref(command), request_slot)?;
        Ok(outcomes[0])
    }

    /// Writes a snapshot of the current state, then replaces the WAL with one snapshot marker
    /// (every applied frame is in the snapshot). Returns the snapshot lsn.
    ///
    /// # Errors
    /// `EngineHalted`; `Io` from the snapshot write (the handle stays usable: the old
    /// snapshot and WAL are intact) or from the WAL rewrite (the handle halts).
    pub fn checkpoint(&mut self) -> Result<Lsn, SubmitError> {
        if self.halted {
            return Err(SubmitError::EngineHalted);
        }
        let bytes = encode_snapshot(&self.state);
        let path = self.snapshot_path();
        let max = self.state.config().max_snapshot_bytes;
        let storage = self.wal.storage_mut();
        write_snapshot_file(&path, &bytes, SNAPSHOT_FOOTER_MAGIC, max, storage).map_err(
            |error| match error {
                SnapshotFileError::Io(error) => SubmitError::Io(error),
                other => SubmitError::Snapshot(other),
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
