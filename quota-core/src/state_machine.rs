//! The pure token-bucket state machine: one `apply` for live execution and replay.
//!
//! It owns meaning and never touches a file, a clock or a random source. All tables are
//! allocated by [`StateMachine::new`] from the [`Config`]; running out of room is a result
//! code. Lists leave it sorted by id (never in table order). Commands live in
//! `state_machine_commands.rs`, invariants in `state_machine_invariants.rs`.

use crate::command::{ClientRequest, CommandContext};
use crate::command_codec::fingerprint;
use crate::config::Config;
use crate::ids::{BucketId, Lsn, OperationId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use runtime::fixed_map::FixedMap;
use runtime::retire_queue::{RetireEntry, RetireQueue};

/// A bucket as stored (and read: a read does not refill).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BucketRecord {
    pub bucket_id: BucketId,
    pub limit: u64,
    pub balance: u64,
    pub refill_rate_per_slot: u64,
    /// The slot up to which refill has been added to `balance`.
    pub last_refill_slot: Slot,
}

/// A stored operation result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OperationRecord {
    pub operation_id: OperationId,
    pub fingerprint: u128,
    pub outcome: CommandOutcome,
    pub applied_lsn: Lsn,
    pub retire_after_slot: Slot,
}

/// The whole state, every list sorted by id: for tests, goldens and replay comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDump {
    pub last_applied_lsn: Lsn,
    pub last_request_slot: Slot,
    pub buckets: Vec<BucketRecord>,
    pub operations: Vec<OperationRecord>,
}

/// Allocation sizes of every bounded structure (they must never change after `new`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocations {
    pub bucket_slots: usize,
    pub operation_slots: usize,
    pub operation_retire_entries: usize,
}

/// The token-bucket state machine.
#[derive(Clone, Debug)]
pub struct StateMachine {
    pub(crate) config: Config,
    pub(crate) last_applied_lsn: Lsn,
    pub(crate) last_request_slot: Slot,
    pub(crate) buckets: FixedMap<BucketId, BucketRecord>,
    pub(crate) operations: FixedMap<OperationId, OperationRecord>,
    pub(crate) operation_retire: RetireQueue<OperationId>,
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
            buckets: FixedMap::new(config.max_buckets as usize),
            operations: FixedMap::new(config.max_operations as usize),
            operation_retire: RetireQueue::new(config.max_operations as usize),
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

    /// The stored bucket record; a read does not refill.
    #[must_use]
    pub fn get_bucket(&self, bucket_id: BucketId) -> Option<BucketRecord> {
        self.buckets.get(bucket_id).copied()
    }

    #[must_use]
    pub fn get_operation(&self, operation_id: OperationId) -> Option<OperationRecord> {
        self.operations.get(operation_id).copied()
    }

    /// Read-only view of the operation retire queue, oldest first (FIFO, which is slot order):
    /// the operation ids that leave the dedupe table once the slot passes `retire_after_slot`.
    pub fn operation_retire_queue(&self) -> impl Iterator<Item = RetireEntry<OperationId>> + '_ {
        self.operation_retire.iter()
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

    /// The answer a live entry for `operation_id` gives at `request_slot`: its stored outcome
    /// when `fingerprint` matches, `OperationConflict` when it does not.
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

    fn debug_assert_invariants(&self) {
        if cfg!(debug_assertions) {
            self.assert_invariants();
        }
    }

    /// Sizes of every allocation (for boundedness checks).
    #[must_use]
    pub fn allocations(&self) -> Allocations {
        Allocations {
            bucket_slots: self.buckets.allocated_slots(),
            operation_slots: self.operations.allocated_slots(),
            operation_retire_entries: self.operation_retire.allocated_capacity(),
        }
    }

    /// Live entry counts: buckets, operations.
    #[must_use]
    pub fn table_lens(&self) -> [usize; 2] {
        [self.buckets.len(), self.operations.len()]
    }

    /// The whole state, sorted by id.
    #[must_use]
    pub fn dump(&self) -> StateDump {
        let mut buckets: Vec<BucketRecord> = self
            .buckets
            .iter_unordered()
            .map(|(_, record)| *record)
            .collect();
        buckets.sort_unstable_by_key(|record| record.bucket_id);
        let mut operations: Vec<OperationRecord> = self
            .operations
            .iter_unordered()
            .map(|(_, record)| *record)
            .collect();
        operations.sort_unstable_by_key(|record| record.operation_id);
        StateDump {
            last_applied_lsn: self.last_applied_lsn,
            last_request_slot: self.last_request_slot,
            buckets,
            operations,
        }
    }
}

#[cfg(test)]
#[path = "state_machine_tests.rs"]
mod tests;
