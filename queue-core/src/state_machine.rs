//! The pure queue state machine: one `apply` for live execution and replay.
//!
//! It owns meaning and never touches a file, a clock or a random source. All tables are
//! allocated by [`StateMachine::new`] from the [`Config`]; running out of room is a result
//! code, and applying a frame never allocates. Lists leave it sorted by id (never in table
//! order). Commands live in `state_machine_commands.rs`, invariants in
//! `state_machine_invariants.rs`, the ready index in `state_machine_ready.rs`, the claim
//! deadlines in `state_machine_index.rs`.

use crate::command::{ClientRequest, CommandContext, InternalCommand};
use crate::command_codec::fingerprint;
use crate::config::Config;
use crate::ids::{JobId, Lsn, OperationId, QueueId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine_index::DeadlineIndex;
use crate::state_machine_ready::ReadyIndex;
pub use crate::state_machine_records::{
    Allocations, JobLookupError, JobRecord, JobState, OperationRecord, QueueRecord, StateDump,
};
use runtime::fixed_map::FixedMap;
use runtime::retire_queue::{RetireEntry, RetireQueue};

/// The queue state machine.
#[derive(Clone, Debug)]
pub struct StateMachine {
    pub(crate) config: Config,
    pub(crate) last_applied_lsn: Lsn,
    pub(crate) last_request_slot: Slot,
    pub(crate) retired_job_watermark: JobId,
    pub(crate) queues: FixedMap<QueueId, QueueRecord>,
    pub(crate) jobs: FixedMap<JobId, JobRecord>,
    pub(crate) ready: ReadyIndex,
    pub(crate) deadlines: DeadlineIndex,
    pub(crate) operations: FixedMap<OperationId, OperationRecord>,
    pub(crate) operation_retire: RetireQueue<OperationId>,
    pub(crate) job_retire: RetireQueue<JobId>,
}

impl StateMachine {
    /// An empty state sized by `config`.
    ///
    /// # Panics
    /// If `config` is invalid (callers validate it first).
    #[must_use]
    pub fn new(config: Config) -> Self {
        config.assert_valid();
        Self {
            config,
            last_applied_lsn: Lsn(0),
            last_request_slot: Slot(0),
            retired_job_watermark: JobId(0),
            queues: FixedMap::new(config.max_queues as usize),
            jobs: FixedMap::new(config.max_jobs as usize),
            ready: ReadyIndex::new(config.max_jobs, config.max_queues),
            deadlines: DeadlineIndex::new(
                config.max_visibility_slots,
                config.max_expiration_bucket_len,
            ),
            operations: FixedMap::new(config.max_operations as usize),
            operation_retire: RetireQueue::new(config.max_operations as usize),
            job_retire: RetireQueue::new(config.max_jobs as usize),
        }
    }

    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The lsn of the last applied frame (0 before the first).
    #[must_use]
    pub fn last_applied_lsn(&self) -> Lsn {
        self.last_applied_lsn
    }

    /// The slot of the last applied frame (0 before the first).
    #[must_use]
    pub fn last_request_slot(&self) -> Slot {
        self.last_request_slot
    }

    /// The largest id of a job that has retired (0 when none has).
    #[must_use]
    pub fn retired_job_watermark(&self) -> JobId {
        self.retired_job_watermark
    }

    #[must_use]
    pub fn get_queue(&self, queue_id: QueueId) -> Option<QueueRecord> {
        self.queues.get(queue_id).copied()
    }

    /// Reads a job.
    ///
    /// # Errors
    /// `JobRetired` for an id not in the table at or below the watermark, else `JobNotFound`.
    pub fn get_job(&self, job_id: JobId) -> Result<JobRecord, JobLookupError> {
        match self.jobs.get(job_id) {
            Some(job) => Ok(*job),
            None if job_id <= self.retired_job_watermark => Err(JobLookupError::JobRetired),
            None => Err(JobLookupError::JobNotFound),
        }
    }

    #[must_use]
    pub fn get_operation(&self, operation_id: OperationId) -> Option<OperationRecord> {
        self.operations.get(operation_id).copied()
    }

    /// The dedupe step of the handle (before anything is written): a live entry for the
    /// request's operation id returns its stored outcome when the fingerprint matches and
    /// `OperationConflict` when it does not; `None` means the request must be applied.
    #[must_use]
    pub fn lookup_operation(
        &self,
        request: &ClientRequest,
        request_slot: Slot,
    ) -> Option<CommandOutcome> {
        let fingerprint = fingerprint(request.client_id, &request.command);
        self.stored_answer(request.operation_id, fingerprint, request_slot)
    }

    fn stored_answer(
        &self,
        operation_id: OperationId,
        fingerprint: u128,
        request_slot: Slot,
    ) -> Option<CommandOutcome> {
        let entry = self.operations.get(operation_id)?;
        if entry.retire_after_slot < request_slot {
            return None;
        }
        Some(if entry.fingerprint == fingerprint {
            entry.outcome
        } else {
            CommandOutcome::code(ResultCode::OperationConflict)
        })
    }

    /// Up to `limit` claims due at `slot` (`deadline_slot <= slot`), as the `ClaimTimeout`
    /// commands to apply, in deadline order then job-id order.
    #[must_use]
    pub fn due_timeouts(&self, slot: Slot, limit: usize) -> Vec<InternalCommand> {
        self.deadlines.due(slot, limit)
    }

    /// Read-only view of the deadline index: every `(deadline_slot, job_id)`, sorted. For
    /// goldens and tests: it allocates and sorts, O(entries).
    #[must_use]
    pub fn deadline_index(&self) -> Vec<(Slot, JobId)> {
        let mut entries: Vec<(Slot, JobId)> = self.deadlines.iter_unordered().collect();
        entries.sort_unstable();
        entries
    }

    /// The job a `Claim` on `queue_id` at `slot` would take, if any (a read: nothing moves).
    #[must_use]
    pub fn next_ready(&self, queue_id: QueueId, slot: Slot) -> Option<JobId> {
        let ((available, _), job) = self.ready.peek(queue_id)?;
        (available <= slot.get()).then_some(job)
    }

    /// Read-only view of the operation retire queue, oldest first (slot order).
    pub fn operation_retire_queue(&self) -> impl Iterator<Item = RetireEntry<OperationId>> + '_ {
        self.operation_retire.iter()
    }

    /// Read-only view of the job history retire queue, oldest first (slot order).
    pub fn job_retire_queue(&self) -> impl Iterator<Item = RetireEntry<JobId>> + '_ {
        self.job_retire.iter()
    }

    /// Starts applying a frame at `ctx`: records its position, then retires what is due.
    fn begin_frame(&mut self, ctx: CommandContext) {
        assert!(
            ctx.lsn > self.last_applied_lsn,
            "lsn must increase (checked by the caller)"
        );
        assert!(
            ctx.request_slot >= self.last_request_slot,
            "request slot must not go back (checked by the caller)"
        );
        self.last_applied_lsn = ctx.lsn;
        self.last_request_slot = ctx.request_slot;
        let slot = ctx.request_slot.get();
        while let Some(entry) = self.operation_retire.pop_due(slot) {
            let removed = self.operations.remove(entry.key);
            assert!(removed.is_some(), "a queued operation must be in the table");
        }
        while let Some(entry) = self.job_retire.pop_due(slot) {
            let job = self
                .jobs
                .remove(entry.key)
                .expect("a queued job must be in the table");
            assert!(job.state.is_terminal(), "only terminal jobs retire");
            if job.state == JobState::Dead {
                let queue = self
                    .queues
                    .get_mut(job.queue_id)
                    .expect("a job's queue must exist");
                queue.dead_jobs -= 1;
            }
            self.retired_job_watermark = self.retired_job_watermark.max(job.job_id);
        }
        self.deadlines.advance(ctx.request_slot);
    }

    /// Applies a client request at `ctx` (handling steps 4 onward of the spec).
    ///
    /// # Panics
    /// If `ctx` does not advance the lsn or moves the slot back (the caller checks both), or
    /// on a broken internal invariant.
    pub fn apply_client(&mut self, ctx: CommandContext, request: &ClientRequest) -> CommandOutcome {
        self.begin_frame(ctx);
        let fingerprint = fingerprint(request.client_id, &request.command);
        // Only answers here without the handle (it answers duplicates before writing).
        if let Some(outcome) =
            self.stored_answer(request.operation_id, fingerprint, ctx.request_slot)
        {
            return outcome;
        }
        if self.operations.is_full() {
            return CommandOutcome::code(ResultCode::OperationTableFull);
        }
        let Some(retire_after) = ctx
            .request_slot
            .get()
            .checked_add(self.config.max_client_retry_window_slots)
        else {
            return CommandOutcome::code(ResultCode::SlotOverflow);
        };
        let outcome = self.execute(ctx, &request.command);
        let record = OperationRecord {
            operation_id: request.operation_id,
            fingerprint,
            outcome,
            applied_lsn: ctx.lsn,
            retire_after_slot: Slot(retire_after),
        };
        self.operations
            .insert(request.operation_id, record)
            .expect("operation table has room");
        self.operation_retire
            .push(request.operation_id, retire_after)
            .expect("operation retire queue matches the table");
        self.debug_assert_invariants();
        outcome
    }

    /// Applies an internal command at `ctx`.
    ///
    /// # Panics
    /// As [`Self::apply_client`].
    pub fn apply_internal(
        &mut self,
        ctx: CommandContext,
        command: &InternalCommand,
    ) -> CommandOutcome {
        self.begin_frame(ctx);
        let InternalCommand::ClaimTimeout {
            job_id,
            deadline_slot,
        } = *command;
        let outcome = self.claim_timeout(ctx, job_id, deadline_slot);
        self.debug_assert_invariants();
        outcome
    }

    fn debug_assert_invariants(&self) {
        if cfg!(debug_assertions) {
            self.assert_invariants();
        }
    }

    /// Sizes of every allocation (for boundedness checks).
    #[must_use]
    pub fn allocations(&self) -> Allocations {
        Allocations {
            queue_slots: self.queues.allocated_slots(),
            job_slots: self.jobs.allocated_slots(),
            operation_slots: self.operations.allocated_slots(),
            ready_nodes: self.ready.allocated_nodes(),
            deadline_entries: self.deadlines.allocated_entries(),
            operation_retire_entries: self.operation_retire.allocated_capacity(),
            job_retire_entries: self.job_retire.allocated_capacity(),
        }
    }

    /// The whole state, sorted by id.
    #[must_use]
    pub fn dump(&self) -> StateDump {
        let mut queues: Vec<QueueRecord> = self.queues.iter_unordered().map(|(_, r)| *r).collect();
        queues.sort_unstable_by_key(|record| record.queue_id);
        let mut jobs: Vec<JobRecord> = self.jobs.iter_unordered().map(|(_, r)| *r).collect();
        jobs.sort_unstable_by_key(|record| record.job_id);
        let mut operations: Vec<OperationRecord> =
            self.operations.iter_unordered().map(|(_, r)| *r).collect();
        operations.sort_unstable_by_key(|record| record.operation_id);
        StateDump {
            last_applied_lsn: self.last_applied_lsn,
            last_request_slot: self.last_request_slot,
            retired_job_watermark: self.retired_job_watermark,
            queues,
            jobs,
            operations,
        }
    }
}

#[cfg(test)]
#[path = "state_machine_tests.rs"]
pub(crate) mod tests;

#[cfg(test)]
#[path = "state_machine_fencing_tests.rs"]
mod fencing_tests;
