//! The reference model: the spec's semantics written as plainly as possible, with vectors and
//! linear scans. It shares types with the engine, never logic (requests are compared whole
//! instead of by fingerprint).
#![allow(dead_code)]

use allocdb_core::{
    ClientRequest, Command, CommandOutcome, Config, HolderId, InternalCommand, LeaseDump, LeaseId,
    LeaseRecord, LeaseState, Lsn, OperationId, ResourceId, ResourceRecord, ResourceState,
    ResultCode, Slot, StateDump,
};

type Code = ResultCode;

struct StoredOp {
    request: ClientRequest,
    outcome: CommandOutcome,
    applied_lsn: u64,
    retire_after: u64,
}

/// What both sides are compared on (the fingerprint is the engine's business).
#[derive(Debug, PartialEq, Eq)]
pub struct Comparable {
    lsn: Lsn,
    slot: Slot,
    watermark: Option<LeaseId>,
    resources: Vec<ResourceRecord>,
    leases: Vec<LeaseDump>,
    ops: Vec<(OperationId, CommandOutcome, Lsn, Slot)>,
}

pub fn comparable(dump: &StateDump) -> Comparable {
    Comparable {
        lsn: dump.last_applied_lsn,
        slot: dump.last_request_slot,
        watermark: dump.retired_lease_watermark,
        resources: dump.resources.clone(),
        leases: dump.leases.clone(),
        ops: dump
            .operations
            .iter()
            .map(|op| {
                (
                    op.operation_id,
                    op.outcome,
                    op.applied_lsn,
                    op.retire_after_slot,
                )
            })
            .collect(),
    }
}

pub struct Model {
    config: Config,
    lsn: u64,
    slot: u64,
    watermark: Option<LeaseId>,
    resources: Vec<ResourceRecord>,
    leases: Vec<LeaseDump>,
    ops: Vec<StoredOp>,
}

fn code(code: Code) -> CommandOutcome {
    CommandOutcome {
        result_code: code,
        lease_id: None,
        lease_epoch: None,
        deadline_slot: None,
    }
}

fn ok_lease(lease: &LeaseRecord) -> CommandOutcome {
    CommandOutcome {
        result_code: Code::Ok,
        lease_id: Some(lease.lease_id),
        lease_epoch: Some(lease.lease_epoch),
        deadline_slot: None,
    }
}

impl Model {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            lsn: 0,
            slot: 0,
            watermark: None,
            resources: Vec::new(),
            leases: Vec::new(),
            ops: Vec::new(),
        }
    }

    pub fn epoch_of(&self, lease_id: LeaseId) -> Option<u64> {
        self.leases
            .iter()
            .find(|l| l.record.lease_id == lease_id)
            .map(|l| l.record.lease_epoch)
    }

    pub fn deadline_of(&self, lease_id: LeaseId) -> Option<u64> {
        let lease = self.leases.iter().find(|l| l.record.lease_id == lease_id)?;
        Some(lease.record.deadline_slot.get())
    }

    pub fn dump(&self) -> Comparable {
        let mut resources = self.resources.clone();
        resources.sort_by_key(|r| r.resource_id);
        let mut leases = self.leases.clone();
        leases.sort_by_key(|l| l.record.lease_id);
        let mut ops: Vec<_> = self
            .ops
            .iter()
            .map(|op| {
                (
                    op.request.operation_id,
                    op.outcome,
                    Lsn(op.applied_lsn),
                    Slot(op.retire_after),
                )
            })
            .collect();
        ops.sort_by_key(|op| op.0);
        Comparable {
            lsn: Lsn(self.lsn),
            slot: Slot(self.slot),
            watermark: self.watermark,
            resources,
            leases,
            ops,
        }
    }

    /// Starts a frame at `slot`: next lsn, then retire everything whose window passed.
    fn begin(&mut self, slot: u64) {
        self.lsn += 1;
        self.slot = slot;
        self.ops.retain(|op| op.retire_after >= slot);
        let retired: Vec<LeaseId> = self
            .leases
            .iter()
            .filter(|l| {
                l.record
                    .retire_after_slot
                    .is_some_and(|after| after.get() < slot)
            })
            .map(|l| l.record.lease_id)
            .collect();
        self.leases
            .retain(|l| !retired.contains(&l.record.lease_id));
        for id in retired {
            self.watermark = Some(self.watermark.map_or(id, |mark| mark.max(id)));
        }
    }

    pub fn tick(&mut self, slot: Slot) -> Vec<CommandOutcome> {
        let mut due: Vec<(Slot, LeaseId)> = self
            .leases
            .iter()
            .filter(|l| l.record.state == LeaseState::Reserved && l.record.deadline_slot <= slot)
            .map(|l| (l.record.deadline_slot, l.record.lease_id))
            .collect();
        due.sort();
        let mut outcomes = Vec::new();
        for (deadline, lease_id) in due {
            self.begin(slot.get());
            outcomes.push(self.expire(lease_id, deadline));
        }
        outcomes
    }

    pub fn submit_internal(
        &mut self,
        command: InternalCommand,
        slot: Slot,
    ) -> (Vec<CommandOutcome>, CommandOutcome) {
        let ticked = self.tick(slot);
        self.begin(slot.get());
        let InternalCommand::Expire {
            lease_id,
            deadline_slot,
        } = command;
        (ticked, self.expire(lease_id, deadline_slot))
    }

    pub fn submit(&mut self, request: &ClientRequest, slot: Slot) -> CommandOutcome {
        self.tick(slot);
        let slot = slot.get();
        if let Some(op) = self
            .ops
            .iter()
            .find(|op| op.request.operation_id == request.operation_id && op.retire_after >= slot)
        {
            let same =
                op.request.client_id == request.client_id && op.request.command == request.command;
            return if same {
                op.outcome
            } else {
                code(Code::OperationConflict)
            };
        }
        self.begin(slot);
        if self.ops.len() >= self.config.max_operations as usize {
            return code(Code::OperationTableFull);
        }
        let Some(retire_after) = slot.checked_add(self.config.max_client_retry_window_slots) else {
            return code(Code::SlotOverflow);
        };
        let outcome = self.execute(&request.command);
        self.ops.push(StoredOp {
            request: request.clone(),
            outcome,
            applied_lsn: self.lsn,
            retire_after,
        });
        outcome
    }

    fn execute(&mut self, command: &Command) -> CommandOutcome {
        match command {
            Command::CreateResource { resource_id } => self.create(*resource_id),
            Command::ReserveBundle {
                resource_ids,
                holder_id,
                ttl_slots,
            } => self.reserve(resource_ids, *holder_id, *ttl_slots),
            Command::Activate {
                lease_id,
                holder_id,
                lease_epoch,
            } => self.holder_command(*lease_id, *holder_id, *lease_epoch, true),
            Command::Release {
                lease_id,
                holder_id,
                lease_epoch,
            } => self.holder_command(*lease_id, *holder_id, *lease_epoch, false),
            Command::Revoke { lease_id } => self.revoke(*lease_id),
            Command::Reclaim { lease_id } => self.reclaim(*lease_id),
        }
    }

    fn create(&mut self, resource_id: ResourceId) -> CommandOutcome {
        if self.resources.iter().any(|r| r.resource_id == resource_id) {
            return code(Code::AlreadyExists);
        }
        if self.resources.len() >= self.config.max_resources as usize {
            return code(Code::ResourceTableFull);
        }
        self.resources.push(ResourceRecord {
            resource_id,
            state: ResourceState::Available,
            current_lease_id: None,
            version: 0,
        });
        code(Code::Ok)
    }

    fn resource(&mut self, id: ResourceId) -> &mut ResourceRecord {
        self.resources
            .iter_mut()
            .find(|r| r.resource_id == id)
            .unwrap()
    }

    fn set_resources(
        &mut self,
        members: &[ResourceId],
        state: ResourceState,
        lease: Option<LeaseId>,
    ) {
        for id in members {
            let resource = self.resource(*id);
            resource.state = state;
            resource.current_lease_id = lease;
            resource.version += 1;
        }
    }

    fn reserve(&mut self, ids: &[ResourceId], holder_id: HolderId, ttl: u64) -> CommandOutcome {
        let repeated = (0..ids.len()).any(|i| (0..i).any(|j| ids[i] == ids[j]));
        if ids.is_empty() || repeated {
            return code(Code::InvalidRequest);
        }
        if ids.len() > self.config.max_bundle_size as usize {
            return code(Code::BundleTooLarge);
        }
        if ttl == 0 || ttl > self.config.max_ttl_slots {
            return code(Code::TtlOutOfRange);
        }
        let Some(deadline) = self.slot.checked_add(ttl) else {
            return code(Code::SlotOverflow);
        };
        for id in ids {
            match self.resources.iter().find(|r| r.resource_id == *id) {
                None => return code(Code::ResourceNotFound),
                Some(r) if r.state != ResourceState::Available => return code(Code::ResourceBusy),
                Some(_) => {}
            }
        }
        if self.leases.len() >= self.config.max_leases as usize {
            return code(Code::LeaseTableFull);
        }
        let members: usize = self.leases.iter().map(|l| l.members.len()).sum();
        if members + ids.len() > self.config.max_lease_members as usize {
            return code(Code::LeaseMemberTableFull);
        }
        let same_deadline = self
            .leases
            .iter()
            .filter(|l| {
                l.record.state == LeaseState::Reserved && l.record.deadline_slot.get() == deadline
            })
            .count();
        if same_deadline >= self.config.max_expiration_bucket_len as usize {
            return code(Code::ExpirationIndexFull);
        }
        let lease_id = LeaseId((u128::from(self.config.shard_id) << 64) | u128::from(self.lsn));
        self.leases.push(LeaseDump {
            record: LeaseRecord {
                lease_id,
                holder_id,
                state: LeaseState::Reserved,
                lease_epoch: 1,
                created_lsn: Lsn(self.lsn),
                deadline_slot: Slot(deadline),
                released_lsn: None,
                retire_after_slot: None,
                member_count: u32::try_from(ids.len()).unwrap(),
            },
            members: ids.to_vec(),
        });
        self.set_resources(ids, ResourceState::Reserved, Some(lease_id));
        CommandOutcome {
            result_code: Code::Ok,
            lease_id: Some(lease_id),
            lease_epoch: Some(1),
            deadline_slot: Some(Slot(deadline)),
        }
    }

    fn find(&self, lease_id: LeaseId) -> Result<usize, Code> {
        match self
            .leases
            .iter()
            .position(|l| l.record.lease_id == lease_id)
        {
            Some(index) => Ok(index),
            None if self.watermark.is_some_and(|mark| lease_id <= mark) => Err(Code::LeaseRetired),
            None => Err(Code::LeaseNotFound),
        }
    }

    /// Makes lease `index` terminal with `state`, bumping the epoch when asked.
    fn finish(&mut self, index: usize, state: LeaseState, bump: bool) -> CommandOutcome {
        let retire_after = self
            .slot
            .saturating_add(self.config.lease_history_window_slots);
        let lsn = self.lsn;
        let lease = &mut self.leases[index];
        lease.record.state = state;
        if bump {
            lease.record.lease_epoch += 1;
        }
        lease.record.released_lsn = Some(Lsn(lsn));
        lease.record.retire_after_slot = Some(Slot(retire_after));
        let record = lease.record;
        let members = lease.members.clone();
        self.set_resources(&members, ResourceState::Available, None);
        ok_lease(&record)
    }

    fn holder_command(
        &mut self,
        lease_id: LeaseId,
        holder: HolderId,
        epoch: u64,
        activate: bool,
    ) -> CommandOutcome {
        let index = match self.find(lease_id) {
            Ok(index) => index,
            Err(refusal) => return code(refusal),
        };
        let record = self.leases[index].record;
        if record.holder_id != holder {
            return code(Code::HolderMismatch);
        }
        if record.lease_epoch != epoch {
            return code(Code::StaleEpoch);
        }
        if activate {
            if record.state != LeaseState::Reserved {
                return code(Code::InvalidState);
            }
            self.leases[index].record.state = LeaseState::Active;
            let members = self.leases[index].members.clone();
            self.set_resources(&members, ResourceState::Active, Some(lease_id));
            return ok_lease(&self.leases[index].record);
        }
        if !matches!(record.state, LeaseState::Reserved | LeaseState::Active) {
            return code(Code::InvalidState);
        }
        self.finish(index, LeaseState::Released, true)
    }

    fn revoke(&mut self, lease_id: LeaseId) -> CommandOutcome {
        let index = match self.find(lease_id) {
            Ok(index) => index,
            Err(refusal) => return code(refusal),
        };
        if self.leases[index].record.state != LeaseState::Active {
            return code(Code::InvalidState);
        }
        self.leases[index].record.state = LeaseState::Revoking;
        self.leases[index].record.lease_epoch += 1;
        let members = self.leases[index].members.clone();
        self.set_resources(&members, ResourceState::Revoking, Some(lease_id));
        ok_lease(&self.leases[index].record)
    }

    fn reclaim(&mut self, lease_id: LeaseId) -> CommandOutcome {
        let index = match self.find(lease_id) {
            Ok(index) => index,
            Err(refusal) => return code(refusal),
        };
        if self.leases[index].record.state != LeaseState::Revoking {
            return code(Code::InvalidState);
        }
        self.finish(index, LeaseState::Revoked, false)
    }

    fn expire(&mut self, lease_id: LeaseId, deadline: Slot) -> CommandOutcome {
        match self
            .leases
            .iter()
            .position(|l| l.record.lease_id == lease_id)
        {
            Some(index)
                if self.leases[index].record.state == LeaseState::Reserved
                    && self.leases[index].record.deadline_slot == deadline =>
            {
                self.finish(index, LeaseState::Expired, true)
            }
            _ => code(Code::Noop),
        }
    }
}
