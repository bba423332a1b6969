//! The commands of the lease state machine, each with its checks in the spec's order (first
//! failure wins). Every value here came from a client or the WAL, so every check returns a
//! result code; only the machine's own bookkeeping is asserted.

use crate::command::{Command, CommandContext};
use crate::ids::{HolderId, LeaseId, ResourceId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine::{
    LeaseEntry, LeaseLookupError, LeaseRecord, LeaseState, ResourceRecord, ResourceState,
    StateMachine,
};
use crate::state_machine_index::NO_NODE;

fn refuse(code: ResultCode) -> CommandOutcome {
    CommandOutcome::code(code)
}

/// Lists up to this long are checked for repeats pairwise (no allocation).
const PAIRWISE_REPEAT_CHECK_MAX: usize = 32;

/// Whether `ids` repeats an id. Short lists are compared pairwise; longer ones through a
/// sorted copy, because the check runs before `BundleTooLarge` and a list is bounded only by
/// the WAL payload limit (65,532 members in 1 MiB): a quadratic scan would stall the writer,
/// and every replay, for seconds.
fn has_repeat(ids: &[ResourceId]) -> bool {
    if ids.len() <= PAIRWISE_REPEAT_CHECK_MAX {
        return ids
            .iter()
            .enumerate()
            .any(|(index, id)| ids[index + 1..].contains(id));
    }
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).any(|pair| pair[0] == pair[1])
}

impl StateMachine {
    pub(crate) fn execute(&mut self, ctx: CommandContext, command: &Command) -> CommandOutcome {
        match command {
            Command::CreateResource { resource_id } => self.create_resource(*resource_id),
            Command::ReserveBundle {
                resource_ids,
                holder_id,
                ttl_slots,
            } => self.reserve_bundle(ctx, resource_ids, *holder_id, *ttl_slots),
            Command::Activate {
                lease_id,
                holder_id,
                lease_epoch,
            } => self.activate(*lease_id, *holder_id, *lease_epoch),
            Command::Release {
                lease_id,
                holder_id,
                lease_epoch,
            } => self.release(ctx, *lease_id, *holder_id, *lease_epoch),
            Command::Revoke { lease_id } => self.revoke(*lease_id),
            Command::Reclaim { lease_id } => self.reclaim(ctx, *lease_id),
        }
    }

    fn create_resource(&mut self, resource_id: ResourceId) -> CommandOutcome {
        if self.resources.contains_key(resource_id) {
            return refuse(ResultCode::AlreadyExists);
        }
        if self.resources.is_full() {
            return refuse(ResultCode::ResourceTableFull);
        }
        let record = ResourceRecord {
            resource_id,
            state: ResourceState::Available,
            current_lease_id: None,
            version: 0,
        };
        self.resources
            .insert(resource_id, record)
            .expect("resource table has room");
        CommandOutcome::code(ResultCode::Ok)
    }

    fn reserve_checks(
        &self,
        ctx: CommandContext,
        resource_ids: &[ResourceId],
        ttl_slots: u64,
    ) -> Result<Slot, ResultCode> {
        if resource_ids.is_empty() || has_repeat(resource_ids) {
            return Err(ResultCode::InvalidRequest);
        }
        if resource_ids.len() > self.config.max_bundle_size as usize {
            return Err(ResultCode::BundleTooLarge);
        }
        if ttl_slots == 0 || ttl_slots > self.config.max_ttl_slots {
            return Err(ResultCode::TtlOutOfRange);
        }
        let deadline = ctx
            .request_slot
            .get()
            .checked_add(ttl_slots)
            .ok_or(ResultCode::SlotOverflow)?;
        for resource_id in resource_ids {
            match self.resources.get(*resource_id) {
                None => return Err(ResultCode::ResourceNotFound),
                Some(record) if record.state != ResourceState::Available => {
                    return Err(ResultCode::ResourceBusy);
                }
                Some(_) => {}
            }
        }
        if self.leases.is_full() {
            return Err(ResultCode::LeaseTableFull);
        }
        if (self.members.free() as usize) < resource_ids.len() {
            return Err(ResultCode::LeaseMemberTableFull);
        }
        if !self.expiry.has_room(Slot(deadline)) {
            return Err(ResultCode::ExpirationIndexFull);
        }
        Ok(Slot(deadline))
    }

    fn reserve_bundle(
        &mut self,
        ctx: CommandContext,
        resource_ids: &[ResourceId],
        holder_id: HolderId,
        ttl_slots: u64,
    ) -> CommandOutcome {
        let deadline_slot = match self.reserve_checks(ctx, resource_ids, ttl_slots) {
            Ok(deadline_slot) => deadline_slot,
            Err(code) => return refuse(code),
        };
        let lease_id = LeaseId::for_lsn(self.config.shard_id, ctx.lsn);
        let member_head = self.members.push_list(resource_ids);
        let record = LeaseRecord {
            lease_id,
            holder_id,
            state: LeaseState::Reserved,
            lease_epoch: 1,
            created_lsn: ctx.lsn,
            deadline_slot,
            released_lsn: None,
            retire_after_slot: None,
            member_count: u32::try_from(resource_ids.len()).expect("bundle fits in u32"),
        };
        self.leases
            .insert(
                lease_id,
                LeaseEntry {
                    record,
                    member_head,
                },
            )
            .expect("lease room");
        self.expiry.insert(deadline_slot, lease_id);
        self.set_member_resources(member_head, ResourceState::Reserved, Some(lease_id));
        CommandOutcome {
            result_code: ResultCode::Ok,
            lease_id: Some(lease_id),
            lease_epoch: Some(1),
            deadline_slot: Some(deadline_slot),
        }
    }

    /// Sets every member resource of the list at `head` to `state` and `lease`.
    fn set_member_resources(&mut self, head: u32, state: ResourceState, lease: Option<LeaseId>) {
        let mut node = head;
        while node != NO_NODE {
            let (resource_id, next) = self.members.node(node);
            let resource = self
                .resources
                .get_mut(resource_id)
                .expect("a lease member must be a resource");
            resource.state = state;
            resource.current_lease_id = lease;
            resource.version = resource.version.wrapping_add(1);
            node = next;
        }
    }

    /// The lease checks shared by holder-authorized commands: lookup, holder, epoch.
    fn authorize(
        &self,
        lease_id: LeaseId,
        holder_id: HolderId,
        lease_epoch: u64,
    ) -> Result<LeaseEntry, ResultCode> {
        let entry = self.lease_entry(lease_id)?;
        if entry.record.holder_id != holder_id {
            return Err(ResultCode::HolderMismatch);
        }
        if entry.record.lease_epoch != lease_epoch {
            return Err(ResultCode::StaleEpoch);
        }
        Ok(entry)
    }

    fn lease_mut(&mut self, lease_id: LeaseId) -> &mut LeaseRecord {
        &mut self
            .leases
            .get_mut(lease_id)
            .expect("lease was looked up")
            .record
    }

    fn activate(&mut self, lease_id: LeaseId, holder_id: HolderId, epoch: u64) -> CommandOutcome {
        let entry = match self.authorize(lease_id, holder_id, epoch) {
            Ok(entry) => entry,
            Err(code) => return refuse(code),
        };
        if entry.record.state != LeaseState::Reserved {
            return refuse(ResultCode::InvalidState);
        }
        let removed = self.expiry.remove(entry.record.deadline_slot, lease_id);
        assert!(removed, "a reserved lease must be in the expiry index");
        self.lease_mut(lease_id).state = LeaseState::Active;
        self.set_member_resources(entry.member_head, ResourceState::Active, Some(lease_id));
        CommandOutcome::lease(lease_id, entry.record.lease_epoch)
    }

    fn release(
        &mut self,
        ctx: CommandContext,
        lease_id: LeaseId,
        holder_id: HolderId,
        epoch: u64,
    ) -> CommandOutcome {
        let entry = match self.authorize(lease_id, holder_id, epoch) {
            Ok(entry) => entry,
            Err(code) => return refuse(code),
        };
        if !matches!(
            entry.record.state,
            LeaseState::Reserved | LeaseState::Active
        ) {
            return refuse(ResultCode::InvalidState);
        }
        self.finish_lease(ctx, entry, LeaseState::Released, true)
    }

    /// The lease lookup every command on a lease id starts with.
    fn lease_entry(&self, lease_id: LeaseId) -> Result<LeaseEntry, ResultCode> {
        self.lookup_lease(lease_id)
            .copied()
            .map_err(LeaseLookupError::result_code)
    }

    fn revoke(&mut self, lease_id: LeaseId) -> CommandOutcome {
        let entry = match self.lease_entry(lease_id) {
            Ok(entry) => entry,
            Err(code) => return refuse(code),
        };
        if entry.record.state != LeaseState::Active {
            return refuse(ResultCode::InvalidState);
        }
        let record = self.lease_mut(lease_id);
        record.state = LeaseState::Revoking;
        record.lease_epoch = record.lease_epoch.wrapping_add(1);
        let epoch = record.lease_epoch;
        self.set_member_resources(entry.member_head, ResourceState::Revoking, Some(lease_id));
        CommandOutcome::lease(lease_id, epoch)
    }

    fn reclaim(&mut self, ctx: CommandContext, lease_id: LeaseId) -> CommandOutcome {
        let entry = match self.lease_entry(lease_id) {
            Ok(entry) => entry,
            Err(code) => return refuse(code),
        };
        if entry.record.state != LeaseState::Revoking {
            return refuse(ResultCode::InvalidState);
        }
        self.finish_lease(ctx, entry, LeaseState::Revoked, false)
    }

    /// `Expire` (internal): a `Reserved` lease with this deadline expires; anything else is
    /// `Noop`.
    pub(crate) fn expire(
        &mut self,
        ctx: CommandContext,
        lease_id: LeaseId,
        deadline_slot: Slot,
    ) -> CommandOutcome {
        let Some(entry) = self.leases.get(lease_id).copied() else {
            return refuse(ResultCode::Noop);
        };
        if entry.record.state != LeaseState::Reserved || entry.record.deadline_slot != deadline_slot
        {
            return refuse(ResultCode::Noop);
        }
        self.finish_lease(ctx, entry, LeaseState::Expired, true)
    }

    /// Makes a live lease terminal at `ctx`: frees its resources, leaves the expiry index if
    /// it was `Reserved`, bumps the epoch when asked, and queues its history for retirement.
    fn finish_lease(
        &mut self,
        ctx: CommandContext,
        entry: LeaseEntry,
        state: LeaseState,
        bump_epoch: bool,
    ) -> CommandOutcome {
        assert!(state.is_terminal(), "finish_lease must end the lease");
        let lease_id = entry.record.lease_id;
        if entry.record.state == LeaseState::Reserved {
            let removed = self.expiry.remove(entry.record.deadline_slot, lease_id);
            assert!(removed, "a reserved lease must be in the expiry index");
        }
        let retire_after = ctx
            .request_slot
            .get()
            .saturating_add(self.config.lease_history_window_slots);
        let record = self.lease_mut(lease_id);
        record.state = state;
        if bump_epoch {
            record.lease_epoch = record.lease_epoch.wrapping_add(1);
        }
        record.released_lsn = Some(ctx.lsn);
        record.retire_after_slot = Some(Slot(retire_after));
        let epoch = record.lease_epoch;
        self.set_member_resources(entry.member_head, ResourceState::Available, None);
        self.lease_retire
            .push(lease_id, retire_after)
            .expect("lease retire queue is as large as the lease table");
        CommandOutcome::lease(lease_id, epoch)
    }
}
