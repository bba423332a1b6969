//! The lease commands of the reference model (a child of `model.rs`, so compiled only with the
//! cargo feature `model`): reserve, activate, release, revoke, reclaim, expire.

use super::{Code, Model, code, ok_lease};
use crate::{
    CommandOutcome, HolderId, LeaseDump, LeaseId, LeaseRecord, LeaseState, Lsn, ResourceId,
    ResourceState, Slot,
};

impl Model {
    pub(super) fn reserve(
        &mut self,
        ids: &[ResourceId],
        holder_id: HolderId,
        ttl: u64,
    ) -> CommandOutcome {
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

    pub(super) fn holder_command(
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

    pub(super) fn revoke(&mut self, lease_id: LeaseId) -> CommandOutcome {
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

    pub(super) fn reclaim(&mut self, lease_id: LeaseId) -> CommandOutcome {
        let index = match self.find(lease_id) {
            Ok(index) => index,
            Err(refusal) => return code(refusal),
        };
        if self.leases[index].record.state != LeaseState::Revoking {
            return code(Code::InvalidState);
        }
        self.finish(index, LeaseState::Revoked, false)
    }

    pub(super) fn expire(&mut self, lease_id: LeaseId, deadline: Slot) -> CommandOutcome {
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
