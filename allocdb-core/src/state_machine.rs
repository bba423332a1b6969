//! The pure lease state machine: one `apply` for live execution and replay.
//!
//! It owns meaning and never touches a file, a clock or a random source. All tables are
//! allocated by [`StateMachine::new`] from the [`Config`]; running out of room is a result
//! code. Lists leave it sorted by id (never in table order). Commands live in
//! `state_machine_commands.rs`, invariants in `state_machine_invariants.rs`.

use crate::command::{ClientRequest, CommandContext, InternalCommand};
use crate::command_codec::fingerprint;
use crate::config::Config;
use crate::ids::{LeaseId, Lsn, OperationId, ResourceId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine_index::{ExpiryIndex, MemberPool};
use runtime::fixed_map::FixedMap;
use runtime::retire_queue::{RetireEntry, RetireQueue};

pub use crate::state_machine_records::{
    Allocations, LeaseDump, LeaseLookupError, LeaseRecord, LeaseState, OperationRecord,
    ResourceRecord, ResourceState, StateDump,
};

#[derive(Clone, Copy, Debug)]
pub(crate) struct LeaseEntry {
    pub(crate) record: LeaseRecord,
    pub(crate) member_head: u32,
}

/// The lease state machine.
#[derive(Clone, Debug)]
pub struct StateMachine {
    pub(crate) config: Config,
    pub(crate) last_applied_lsn: Lsn,
    pub(crate) last_request_slot: Slot,
    pub(crate) retired_lease_watermark: Option<LeaseId>,
    pub(crate) resources: FixedMap<ResourceId, ResourceRecord>,
    pub(crate) leases: FixedMap<LeaseId, LeaseEntry>,
    pub(crate) members: MemberPool,
    pub(crate) expiry: ExpiryIndex,
    pub(crate) operations: FixedMap<OperationId, OperationRecord>,
    pub(crate) operation_retire: RetireQueue<OperationId>,
    pub(crate) lease_retire: RetireQueue<LeaseId>,
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
            retired_lease_watermark: None,
            resources: FixedMap::new(config.max_resources as usize),
            leases: FixedMap::new(config.max_leases as usize),
            members: MemberPool::new(config.max_lease_members),
            expiry: ExpiryIndex::new(config.max_ttl_slots, config.max_expiration_bucket_len),
            operations: FixedMap::new(config.max_operations as usize),
            operation_retire: RetireQueue::new(config.max_operations as usize),
            lease_retire: RetireQueue::new(config.max_leases as usize),
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
    pub fn retired_lease_watermark(&self) -> Option<LeaseId> {
        self.retired_lease_watermark
    }

    #[must_use]
    pub fn get_resource(&self, resource_id: ResourceId) -> Option<ResourceRecord> {
        self.resources.get(resource_id).copied()
    }

    pub(crate) fn lookup_lease(&self, lease_id: LeaseId) -> Result<&LeaseEntry, LeaseLookupError> {
        match self.leases.get(lease_id) {
            Some(entry) => Ok(entry),
            None if self
                .retired_lease_watermark
                .is_some_and(|mark| lease_id <= mark) =>
            {
                Err(LeaseLookupError::LeaseRetired)
            }
            None => Err(LeaseLookupError::LeaseNotFound),
        }
    }

    /// Reads a lease.
    ///
    /// # Errors
    /// `LeaseRetired` for an id not in the table at or below the retired-id watermark,
    /// `LeaseNotFound` otherwise.
    pub fn get_lease(&self, lease_id: LeaseId) -> Result<LeaseRecord, LeaseLookupError> {
        self.lookup_lease(lease_id).map(|entry| entry.record)
    }

    /// A lease's members in bundle order.
    ///
    /// # Errors
    /// As [`Self::get_lease`].
    pub fn lease_members(&self, lease_id: LeaseId) -> Result<Vec<ResourceId>, LeaseLookupError> {
        self.lookup_lease(lease_id)
            .map(|entry| self.members.list(entry.member_head))
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
        let entry = self.operations.get(request.operation_id)?;
        if entry.retire_after_slot < request_slot {
            return None;
        }
        if entry.fingerprint == fingerprint(request.client_id, &request.command) {
            Some(entry.outcome)
        } else {
            Some(CommandOutcome::code(ResultCode::OperationConflict))
        }
    }

    /// Up to `limit` leases due at `slot` (`deadline_slot <= slot`), as the `Expire` commands
    /// to apply, in deadline order then id order.
    #[must_use]
    pub fn due_expirations(&self, slot: Slot, limit: usize) -> Vec<InternalCommand> {
        self.expiry.due(slot, limit)
    }

    /// Read-only view of the expiry index: every `(deadline_slot, lease_id)` entry, sorted by
    /// deadline then id (the order [`Self::due_expirations`] hands them out). For goldens and
    /// tests: it allocates and sorts, O(entries).
    #[must_use]
    pub fn expiry_index(&self) -> Vec<(Slot, LeaseId)> {
        let mut entries: Vec<(Slot, LeaseId)> = self.expiry.iter_unordered().collect();
        entries.sort_unstable();
        entries
    }

    /// Read-only view of the operation retire queue, oldest first (FIFO, which is slot order):
    /// the operation ids that leave the dedupe table once the slot passes `retire_after_slot`.
    pub fn operation_retire_queue(&self) -> impl Iterator<Item = RetireEntry<OperationId>> + '_ {
        self.operation_retire.iter()
    }

    /// Read-only view of the lease history retire queue, oldest first (FIFO, which is slot
    /// order): the terminal leases that retire once the slot passes `retire_after_slot`.
    pub fn lease_retire_queue(&self) -> impl Iterator<Item = RetireEntry<LeaseId>> + '_ {
        self.lease_retire.iter()
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
        while let Some(entry) = self.lease_retire.pop_due(slot) {
            let lease = self
                .leases
                .remove(entry.key)
                .expect("a queued lease must be in the table");
            assert!(
                lease.record.state.is_terminal(),
                "only terminal leases retire"
            );
            self.members.free_list(lease.member_head);
            self.retired_lease_watermark = Some(match self.retired_lease_watermark {
                Some(mark) => mark.max(entry.key),
                None => entry.key,
            });
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
        if let Some(entry) = self.operations.get(request.operation_id) {
            // Only reachable without the handle (it answers duplicates before writing).
            return if entry.fingerprint == fingerprint {
                entry.outcome
            } else {
                CommandOutcome::code(ResultCode::OperationConflict)
            };
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
        let InternalCommand::Expire {
            lease_id,
            deadline_slot,
        } = *command;
        let outcome = self.expire(ctx, lease_id, deadline_slot);
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
            resource_slots: self.resources.allocated_slots(),
            lease_slots: self.leases.allocated_slots(),
            operation_slots: self.operations.allocated_slots(),
            member_records: self.members.allocated_records(),
            expiry_entries: self.expiry.allocated_entries(),
            operation_retire_entries: self.operation_retire.allocated_capacity(),
            lease_retire_entries: self.lease_retire.allocated_capacity(),
        }
    }

    /// Live entry counts: resources, leases, members, expiry entries, operations.
    #[must_use]
    pub fn table_lens(&self) -> [usize; 5] {
        [
            self.resources.len(),
            self.leases.len(),
            self.members.used() as usize,
            self.expiry.len(),
            self.operations.len(),
        ]
    }

    /// The whole state, sorted by id.
    #[must_use]
    pub fn dump(&self) -> StateDump {
        let mut resources: Vec<ResourceRecord> = self
            .resources
            .iter_unordered()
            .map(|(_, record)| *record)
            .collect();
        resources.sort_unstable_by_key(|record| record.resource_id);
        let mut leases: Vec<LeaseDump> = self
            .leases
            .iter_unordered()
            .map(|(_, entry)| LeaseDump {
                record: entry.record,
                members: self.members.list(entry.member_head),
            })
            .collect();
        leases.sort_unstable_by_key(|lease| lease.record.lease_id);
        let mut operations: Vec<OperationRecord> = self
            .operations
            .iter_unordered()
            .map(|(_, record)| *record)
            .collect();
        operations.sort_unstable_by_key(|record| record.operation_id);
        StateDump {
            last_applied_lsn: self.last_applied_lsn,
            last_request_slot: self.last_request_slot,
            retired_lease_watermark: self.retired_lease_watermark,
            resources,
            leases,
            operations,
        }
    }
}

#[cfg(test)]
#[path = "state_machine_tests.rs"]
mod tests;
