//! Whole-state invariant checks: `validate_invariants()` returns the first violation,
//! `assert_invariants()` panics on it (debug builds run it at the end of every apply).

use std::fmt;

use crate::ids::{LeaseId, Lsn, OperationId, ResourceId, Slot};
use crate::state_machine::{LeaseEntry, LeaseRecord, LeaseState, ResourceState, StateMachine};
use crate::state_machine_index::NO_NODE;

/// A broken invariant (a bug, or a snapshot that must not be admitted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvariantError {
    /// A fixed table's own structure is broken (count, reachability, capacity).
    Table { table: &'static str, detail: String },
    /// A resource's state, lease pointer and that lease's state disagree.
    ResourceLeaseMismatch { resource_id: ResourceId },
    /// A member of a live lease does not point back at the lease.
    LiveMemberNotOwned {
        lease_id: LeaseId,
        resource_id: ResourceId,
    },
    /// A member of a lease is not a known resource.
    UnknownMember {
        lease_id: LeaseId,
        resource_id: ResourceId,
    },
    /// Resources that point at a lease differ in number from the members of live leases.
    OwnedResources { owned: u64, live_members: u64 },
    /// `member_count` differs from the member list, or the list is empty or too long.
    MemberCount { lease_id: LeaseId },
    /// A lease lists the same resource twice (no command can store that; a forged snapshot
    /// could, and releasing such a lease would leave a resource pointing at a terminal lease).
    RepeatedMember {
        lease_id: LeaseId,
        resource_id: ResourceId,
    },
    /// The member pool's usage differs from the sum of the leases' members.
    MemberPoolUsage { used: u32, listed: u64 },
    /// Terminal fields (`released_lsn`, `retire_after_slot`) disagree with the lease state, or
    /// lie outside what applying frames can produce: `created_lsn < released_lsn <= last lsn`,
    /// `last slot <= retire_after_slot <= last slot + lease_history_window_slots`
    /// (saturating). A retire slot above that bound would put the next push to the lease
    /// retire queue out of order: a panic in apply that every replay would repeat.
    TerminalFields { lease_id: LeaseId },
    /// A lease was created after the last applied lsn, or its id does not match its lsn.
    LeaseIdentity { lease_id: LeaseId },
    /// A `Reserved` lease's deadline lies more than `max_ttl_slots` past the last slot.
    DeadlineBeyondTtl { lease_id: LeaseId },
    /// The retired-id watermark is not the id of a lease this shard could have created by the
    /// last applied lsn.
    Watermark { watermark: LeaseId },
    /// An operation is stored under another id, was applied after the last applied lsn, should
    /// already have retired, or retires later than its retry window allows (which would put the
    /// next push to the operation retire queue out of order: a panic in apply).
    OperationRecord { operation_id: OperationId },
    /// A `Reserved` lease is not in the expiry index exactly once.
    ReservedNotIndexed { lease_id: LeaseId },
    /// An expiry index entry names something other than a `Reserved` lease with that deadline,
    /// or lies below the index's scan floor.
    StrayIndexEntry { lease_id: LeaseId },
    /// The operation table and its retire queue disagree.
    OperationQueue,
    /// The terminal leases and the lease retire queue disagree.
    LeaseQueue,
}

impl fmt::Display for InvariantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Table { table, detail } => write!(f, "{table} table: {detail}"),
            Self::ResourceLeaseMismatch { resource_id } => {
                write!(f, "resource {resource_id} disagrees with its lease")
            }
            Self::LiveMemberNotOwned {
                lease_id,
                resource_id,
            } => {
                write!(f, "live lease {lease_id} does not own member {resource_id}")
            }
            Self::UnknownMember {
                lease_id,
                resource_id,
            } => {
                write!(f, "lease {lease_id} lists unknown resource {resource_id}")
            }
            Self::MemberCount { lease_id } => write!(f, "lease {lease_id} member count is wrong"),
            Self::RepeatedMember {
                lease_id,
                resource_id,
            } => write!(f, "lease {lease_id} lists resource {resource_id} twice"),
            Self::OwnedResources {
                owned,
                live_members,
            } => {
                write!(
                    f,
                    "{owned} resources have a lease, live leases list {live_members}"
                )
            }
            Self::MemberPoolUsage { used, listed } => {
                write!(f, "member pool uses {used} records, leases list {listed}")
            }
            Self::TerminalFields { lease_id } => {
                write!(
                    f,
                    "lease {lease_id} terminal fields disagree with its state"
                )
            }
            Self::LeaseIdentity { lease_id } => write!(f, "lease {lease_id} id or lsn is wrong"),
            Self::DeadlineBeyondTtl { lease_id } => {
                write!(f, "lease {lease_id} deadline is beyond max_ttl_slots")
            }
            Self::Watermark { watermark } => {
                write!(
                    f,
                    "retired-id watermark {watermark} was never a lease id here"
                )
            }
            Self::OperationRecord { operation_id } => {
                write!(
                    f,
                    "operation {operation_id} is out of its window or lsn range"
                )
            }
            Self::ReservedNotIndexed { lease_id } => {
                write!(f, "reserved lease {lease_id} is not indexed exactly once")
            }
            Self::StrayIndexEntry { lease_id } => {
                write!(f, "expiry index entry for lease {lease_id} is stray")
            }
            Self::OperationQueue => write!(f, "operation table and retire queue disagree"),
            Self::LeaseQueue => write!(f, "terminal leases and lease retire queue disagree"),
        }
    }
}

impl std::error::Error for InvariantError {}

fn table(table: &'static str, detail: String) -> InvariantError {
    InvariantError::Table { table, detail }
}

impl StateMachine {
    /// Checks every invariant over the whole state.
    ///
    /// # Errors
    /// The first violation found.
    pub fn validate_invariants(&self) -> Result<(), InvariantError> {
        self.resources
            .validate()
            .map_err(|detail| table("resource", detail))?;
        self.leases
            .validate()
            .map_err(|detail| table("lease", detail))?;
        self.operations
            .validate()
            .map_err(|detail| table("operation", detail))?;
        self.validate_resources()?;
        self.validate_leases()?;
        self.validate_watermark()?;
        self.validate_expiry_index()?;
        self.validate_operations()?;
        self.validate_queues()
    }

    /// Asserts [`Self::validate_invariants`].
    ///
    /// # Panics
    /// On any violation: the state is broken and must not be used.
    pub fn assert_invariants(&self) {
        if let Err(error) = self.validate_invariants() {
            panic!("state machine invariants must hold: {error}");
        }
    }

    fn validate_resources(&self) -> Result<(), InvariantError> {
        for (resource_id, resource) in self.resources.iter_unordered() {
            let agrees = match resource.current_lease_id {
                None => resource.state == ResourceState::Available,
                Some(lease_id) => self.leases.get(lease_id).is_some_and(|entry| {
                    entry.record.state.resource_state() == Some(resource.state)
                }),
            };
            if !agrees || resource.resource_id != resource_id {
                return Err(InvariantError::ResourceLeaseMismatch { resource_id });
            }
        }
        Ok(())
    }

    /// A lease's own fields against its id, its state and the last applied frame.
    fn validate_lease_record(&self, record: &LeaseRecord) -> Result<(), InvariantError> {
        let lease_id = record.lease_id;
        let lsn = record.created_lsn;
        if lsn > self.last_applied_lsn || lease_id != LeaseId::for_lsn(self.config.shard_id, lsn) {
            return Err(InvariantError::LeaseIdentity { lease_id });
        }
        let last_slot = self.last_request_slot.get();
        let terminal_fields_hold = match (record.released_lsn, record.retire_after_slot) {
            (Some(released), Some(retire)) => {
                let latest = last_slot.saturating_add(self.config.lease_history_window_slots);
                record.state.is_terminal()
                    && lsn < released
                    && released <= self.last_applied_lsn
                    && (last_slot..=latest).contains(&retire.get())
            }
            (None, None) => !record.state.is_terminal(),
            _ => false,
        };
        if !terminal_fields_hold {
            return Err(InvariantError::TerminalFields { lease_id });
        }
        let latest_deadline = u128::from(last_slot) + u128::from(self.config.max_ttl_slots);
        if record.state == LeaseState::Reserved
            && u128::from(record.deadline_slot.get()) > latest_deadline
        {
            return Err(InvariantError::DeadlineBeyondTtl { lease_id });
        }
        Ok(())
    }

    /// Walks a lease's member list (bounded by `max_bundle_size`, so a cycle cannot hang it)
    /// and returns its length.
    fn validate_members(
        &self,
        lease_id: LeaseId,
        entry: &LeaseEntry,
    ) -> Result<u32, InvariantError> {
        let terminal = entry.record.state.is_terminal();
        let mut count: u32 = 0;
        let mut node = entry.member_head;
        while node != NO_NODE && count <= self.config.max_bundle_size {
            let (resource_id, next) = self.members.node(node);
            let Some(resource) = self.resources.get(resource_id) else {
                return Err(InvariantError::UnknownMember {
                    lease_id,
                    resource_id,
                });
            };
            if !terminal && resource.current_lease_id != Some(lease_id) {
                return Err(InvariantError::LiveMemberNotOwned {
                    lease_id,
                    resource_id,
                });
            }
            if self.listed_before(entry.member_head, node, resource_id) {
                return Err(InvariantError::RepeatedMember {
                    lease_id,
                    resource_id,
                });
            }
            count += 1;
            node = next;
        }
        if count != entry.record.member_count || count == 0 || count > self.config.max_bundle_size {
            return Err(InvariantError::MemberCount { lease_id });
        }
        Ok(count)
    }

    /// Whether `resource_id` is in the list at `head` before `node` (which the list reaches).
    fn listed_before(&self, head: u32, node: u32, resource_id: ResourceId) -> bool {
        let mut cursor = head;
        while cursor != node && cursor != NO_NODE {
            let (listed, next) = self.members.node(cursor);
            if listed == resource_id {
                return true;
            }
            cursor = next;
        }
        false
    }

    fn validate_leases(&self) -> Result<(), InvariantError> {
        let mut listed: u64 = 0;
        let mut live_listed: u64 = 0;
        for (lease_id, entry) in self.leases.iter_unordered() {
            if entry.record.lease_id != lease_id {
                return Err(InvariantError::LeaseIdentity { lease_id });
            }
            self.validate_lease_record(&entry.record)?;
            let count = self.validate_members(lease_id, entry)?;
            listed += u64::from(count);
            if !entry.record.state.is_terminal() {
                live_listed += u64::from(count);
            }
        }
        // With no repeated member, and every member of a live lease pointing back at it, equal
        // counts mean every resource that names a lease is one of that lease's members.
        let owned = self
            .resources
            .iter_unordered()
            .filter(|(_, resource)| resource.current_lease_id.is_some())
            .count() as u64;
        if owned != live_listed {
            return Err(InvariantError::OwnedResources {
                owned,
                live_members: live_listed,
            });
        }
        if listed != u64::from(self.members.used()) {
            return Err(InvariantError::MemberPoolUsage {
                used: self.members.used(),
                listed,
            });
        }
        Ok(())
    }

    fn validate_watermark(&self) -> Result<(), InvariantError> {
        let Some(watermark) = self.retired_lease_watermark else {
            return Ok(());
        };
        let shard = self.config.shard_id;
        let possible =
            LeaseId::for_lsn(shard, Lsn(1))..=LeaseId::for_lsn(shard, self.last_applied_lsn);
        if possible.contains(&watermark) {
            Ok(())
        } else {
            Err(InvariantError::Watermark { watermark })
        }
    }

    /// Every stored operation is live at the last applied slot (applying a frame at slot `S`
    /// retires every entry with `retire_after_slot < S` first) and was stored by a frame at
    /// a slot `<= S`, so it retires at most a retry window after `S`.
    fn validate_operations(&self) -> Result<(), InvariantError> {
        let last_slot = self.last_request_slot.get();
        let latest = u128::from(last_slot) + u128::from(self.config.max_client_retry_window_slots);
        for (operation_id, record) in self.operations.iter_unordered() {
            let retire = record.retire_after_slot.get();
            if record.operation_id != operation_id
                || record.applied_lsn > self.last_applied_lsn
                || retire < last_slot
                || u128::from(retire) > latest
            {
                return Err(InvariantError::OperationRecord { operation_id });
            }
        }
        Ok(())
    }

    fn validate_expiry_index(&self) -> Result<(), InvariantError> {
        let mut reserved = 0;
        for (lease_id, entry) in self.leases.iter_unordered() {
            if entry.record.state == LeaseState::Reserved {
                reserved += 1;
                if self
                    .expiry
                    .occurrences(entry.record.deadline_slot, lease_id)
                    != 1
                {
                    return Err(InvariantError::ReservedNotIndexed { lease_id });
                }
            }
        }
        for (deadline, lease_id) in self.expiry.iter_unordered() {
            let matches = self.leases.get(lease_id).is_some_and(|entry| {
                entry.record.state == LeaseState::Reserved && entry.record.deadline_slot == deadline
            });
            if !matches || deadline.get() < self.expiry.scan_from() {
                return Err(InvariantError::StrayIndexEntry { lease_id });
            }
        }
        if reserved != self.expiry.len() {
            return Err(table(
                "expiry",
                format!("{} entries, {reserved} reserved", self.expiry.len()),
            ));
        }
        Ok(())
    }

    fn validate_queues(&self) -> Result<(), InvariantError> {
        self.operation_retire
            .validate()
            .map_err(|_| InvariantError::OperationQueue)?;
        self.lease_retire
            .validate()
            .map_err(|_| InvariantError::LeaseQueue)?;
        if self.operation_retire.len() != self.operations.len() {
            return Err(InvariantError::OperationQueue);
        }
        for entry in self.operation_retire.iter() {
            let matches = self
                .operations
                .get(entry.key)
                .is_some_and(|op| op.retire_after_slot.get() == entry.retire_after_slot);
            if !matches {
                return Err(InvariantError::OperationQueue);
            }
        }
        let terminal = self
            .leases
            .iter_unordered()
            .filter(|(_, entry)| entry.record.state.is_terminal())
            .count();
        if terminal != self.lease_retire.len() {
            return Err(InvariantError::LeaseQueue);
        }
        for entry in self.lease_retire.iter() {
            let matches = self.leases.get(entry.key).is_some_and(|lease| {
                lease.record.retire_after_slot.map(Slot::get) == Some(entry.retire_after_slot)
            });
            if !matches {
                return Err(InvariantError::LeaseQueue);
            }
        }
        Ok(())
    }
}
