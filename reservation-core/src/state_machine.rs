//! The pure reservation state machine: one `apply` for live execution and replay.
//!
//! It owns meaning and never touches a file, a clock or a random source. All tables are
//! allocated by [`StateMachine::new`] from the [`Config`]; running out of room is a result
//! code, and applying a frame never allocates. Lists leave it sorted by id (never in table
//! order). Commands live in `state_machine_commands.rs`, invariants in
//! `state_machine_invariants.rs`, the expiry index in `state_machine_index.rs`.

use std::fmt;

use crate::command::{ClientRequest, CommandContext, InternalCommand};
use crate::command_codec::fingerprint;
use crate::config::Config;
use crate::ids::{HoldId, Lsn, OperationId, PoolId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine_index::ExpiryIndex;
use runtime::fixed_map::FixedMap;
use runtime::retire_queue::{RetireEntry, RetireQueue};

/// A hold's state; only `Held` is live, the other three are terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HoldState {
    Held = 0,
    Confirmed = 1,
    Released = 2,
    Expired = 3,
}

impl HoldState {
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        !matches!(self, Self::Held)
    }
}

/// A pool as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolRecord {
    pub pool_id: PoolId,
    pub total_capacity: u64,
    /// The sum of the quantities of the pool's `Held` holds.
    pub held_capacity: u64,
    /// The sum of the quantities of every hold ever confirmed on the pool.
    pub consumed_capacity: u64,
}

impl PoolRecord {
    /// Units neither held nor consumed (`held + consumed <= total` is an invariant).
    #[must_use]
    pub const fn available_capacity(&self) -> u64 {
        self.total_capacity
            .saturating_sub(self.held_capacity)
            .saturating_sub(self.consumed_capacity)
    }
}

/// A hold as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HoldRecord {
    pub hold_id: HoldId,
    pub pool_id: PoolId,
    pub quantity: u64,
    pub deadline_slot: Slot,
    pub state: HoldState,
    /// Terminal slot + history window (saturating); the hold retires after it.
    pub retire_after_slot: Option<Slot>,
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

/// Why a hold id cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldLookupError {
    /// Not in the table: never placed, or retired after its history window.
    HoldNotFound,
}

impl HoldLookupError {
    #[must_use]
    pub const fn result_code(self) -> ResultCode {
        match self {
            Self::HoldNotFound => ResultCode::HoldNotFound,
        }
    }
}

impl fmt::Display for HoldLookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.result_code().as_str())
    }
}

impl std::error::Error for HoldLookupError {}

/// The whole state, every list sorted by id: for tests, goldens and replay comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDump {
    pub last_applied_lsn: Lsn,
    pub last_request_slot: Slot,
    pub pools: Vec<PoolRecord>,
    pub holds: Vec<HoldRecord>,
    pub operations: Vec<OperationRecord>,
}

/// Allocation sizes of every bounded structure (they must never change after `new`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocations {
    pub pool_slots: usize,
    pub hold_slots: usize,
    pub operation_slots: usize,
    pub expiry_entries: usize,
    pub operation_retire_entries: usize,
    pub hold_retire_entries: usize,
}

/// The reservation state machine.
#[derive(Clone, Debug)]
pub struct StateMachine {
    pub(crate) config: Config,
    pub(crate) last_applied_lsn: Lsn,
    pub(crate) last_request_slot: Slot,
    pub(crate) pools: FixedMap<PoolId, PoolRecord>,
    pub(crate) holds: FixedMap<HoldId, HoldRecord>,
    pub(crate) expiry: ExpiryIndex,
    pub(crate) operations: FixedMap<OperationId, OperationRecord>,
    pub(crate) operation_retire: RetireQueue<OperationId>,
    pub(crate) hold_retire: RetireQueue<HoldId>,
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
            pools: FixedMap::new(config.max_pools as usize),
            holds: FixedMap::new(config.max_holds as usize),
            expiry: ExpiryIndex::new(config.max_ttl_slots, config.max_expiration_bucket_len),
            operations: FixedMap::new(config.max_operations as usize),
            operation_retire: RetireQueue::new(config.max_operations as usize),
            hold_retire: RetireQueue::new(config.max_holds as usize),
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

    #[must_use]
    pub fn get_pool(&self, pool_id: PoolId) -> Option<PoolRecord> {
        self.pools.get(pool_id).copied()
    }

    /// Reads a hold.
    ///
    /// # Errors
    /// `HoldNotFound` for an id not in the table (never placed, or retired).
    pub fn get_hold(&self, hold_id: HoldId) -> Result<HoldRecord, HoldLookupError> {
        self.holds
            .get(hold_id)
            .copied()
            .ok_or(HoldLookupError::HoldNotFound)
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

    /// Up to `limit` holds due at `slot` (`deadline_slot <= slot`), as the `ExpireHold`
    /// commands to apply, in deadline order then id order.
    #[must_use]
    pub fn due_expirations(&self, slot: Slot, limit: usize) -> Vec<InternalCommand> {
        self.expiry.due(slot, limit)
    }

    /// Read-only view of the expiry index: every `(deadline_slot, hold_id)` entry, sorted by
    /// deadline then id (the order [`Self::due_expirations`] hands them out). For goldens and
    /// tests: it allocates and sorts, O(entries).
    #[must_use]
    pub fn expiry_index(&self) -> Vec<(Slot, HoldId)> {
        let mut entries: Vec<(Slot, HoldId)> = self.expiry.iter_unordered().collect();
        entries.sort_unstable();
        entries
    }

    /// Read-only view of the operation retire queue, oldest first (FIFO, which is slot order):
    /// the operation ids that leave the dedupe table once the slot passes `retire_after_slot`.
    pub fn operation_retire_queue(&self) -> impl Iterator<Item = RetireEntry<OperationId>> + '_ {
        self.operation_retire.iter()
    }

    /// Read-only view of the hold history retire queue, oldest first (FIFO, which is slot
    /// order): the terminal holds that retire once the slot passes `retire_after_slot`.
    pub fn hold_retire_queue(&self) -> impl Iterator<Item = RetireEntry<HoldId>> + '_ {
        self.hold_retire.iter()
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
        while let Some(entry) = self.hold_retire.pop_due(slot) {
            let hold = self
                .holds
                .remove(entry.key)
                .expect("a queued hold must be in the table");
            assert!(hold.state.is_terminal(), "only terminal holds retire");
        }
        self.expiry.advance(ctx.request_slot);
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
        let InternalCommand::ExpireHold { hold_id } = *command;
        let outcome = self.expire_hold(ctx, hold_id);
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
            pool_slots: self.pools.allocated_slots(),
            hold_slots: self.holds.allocated_slots(),
            operation_slots: self.operations.allocated_slots(),
            expiry_entries: self.expiry.allocated_entries(),
            operation_retire_entries: self.operation_retire.allocated_capacity(),
            hold_retire_entries: self.hold_retire.allocated_capacity(),
        }
    }

    /// Live entry counts: pools, holds, expiry entries, operations.
    #[must_use]
    pub fn table_lens(&self) -> [usize; 4] {
        [
            self.pools.len(),
            self.holds.len(),
            self.expiry.len(),
            self.operations.len(),
        ]
    }

    /// The whole state, sorted by id.
    #[must_use]
    pub fn dump(&self) -> StateDump {
        let mut pools: Vec<PoolRecord> = self
            .pools
            .iter_unordered()
            .map(|(_, record)| *record)
            .collect();
        pools.sort_unstable_by_key(|record| record.pool_id);
        let mut holds: Vec<HoldRecord> = self
            .holds
            .iter_unordered()
            .map(|(_, record)| *record)
            .collect();
        holds.sort_unstable_by_key(|record| record.hold_id);
        let mut operations: Vec<OperationRecord> = self
            .operations
            .iter_unordered()
            .map(|(_, record)| *record)
            .collect();
        operations.sort_unstable_by_key(|record| record.operation_id);
        StateDump {
            last_applied_lsn: self.last_applied_lsn,
            last_request_slot: self.last_request_slot,
            pools,
            holds,
            operations,
        }
    }
}

#[cfg(test)]
#[path = "state_machine_tests.rs"]
pub(crate) mod tests;
