//! The records the lease state machine stores and returns: resource and lease states, the
//! `Copy` records reads return, the lookup error, and the sorted state dump.

use std::fmt;

use crate::ids::{HolderId, LeaseId, Lsn, OperationId, ResourceId, Slot};
use crate::result::{CommandOutcome, ResultCode};

/// A resource's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceState {
    Available = 0,
    Reserved = 1,
    Active = 2,
    Revoking = 3,
}

/// A lease's state; the last three are terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeaseState {
    Reserved = 0,
    Active = 1,
    Revoking = 2,
    Released = 3,
    Expired = 4,
    Revoked = 5,
}

impl LeaseState {
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Released | Self::Expired | Self::Revoked)
    }

    /// The state a live lease's resources are in; `None` for terminal leases.
    #[must_use]
    pub const fn resource_state(self) -> Option<ResourceState> {
        match self {
            Self::Reserved => Some(ResourceState::Reserved),
            Self::Active => Some(ResourceState::Active),
            Self::Revoking => Some(ResourceState::Revoking),
            Self::Released | Self::Expired | Self::Revoked => None,
        }
    }
}

/// A resource as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResourceRecord {
    pub resource_id: ResourceId,
    pub state: ResourceState,
    pub current_lease_id: Option<LeaseId>,
    /// Incremented on every state change after creation (observable, never a write guard).
    pub version: u64,
}

/// A lease as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LeaseRecord {
    pub lease_id: LeaseId,
    pub holder_id: HolderId,
    pub state: LeaseState,
    pub lease_epoch: u64,
    pub created_lsn: Lsn,
    pub deadline_slot: Slot,
    /// The lsn of the command that made the lease terminal.
    pub released_lsn: Option<Lsn>,
    /// Terminal slot + history window (saturating); the lease retires after it.
    pub retire_after_slot: Option<Slot>,
    pub member_count: u32,
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

/// Why a lease id cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseLookupError {
    /// Never existed (above the retired-id watermark).
    LeaseNotFound,
    /// Not in the table and at or below the retired-id watermark.
    LeaseRetired,
}

impl LeaseLookupError {
    #[must_use]
    pub const fn result_code(self) -> ResultCode {
        match self {
            Self::LeaseNotFound => ResultCode::LeaseNotFound,
            Self::LeaseRetired => ResultCode::LeaseRetired,
        }
    }
}

impl fmt::Display for LeaseLookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.result_code().as_str())
    }
}

impl std::error::Error for LeaseLookupError {}

/// A lease with its members, as dumped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseDump {
    pub record: LeaseRecord,
    pub members: Vec<ResourceId>,
}

/// The whole state, every list sorted by id: for tests, goldens and replay comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDump {
    pub last_applied_lsn: Lsn,
    pub last_request_slot: Slot,
    pub retired_lease_watermark: Option<LeaseId>,
    pub resources: Vec<ResourceRecord>,
    pub leases: Vec<LeaseDump>,
    pub operations: Vec<OperationRecord>,
}

/// Allocation sizes of every bounded structure (they must never change after `new`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocations {
    pub resource_slots: usize,
    pub lease_slots: usize,
    pub operation_slots: usize,
    pub member_records: usize,
    pub expiry_entries: usize,
    pub operation_retire_entries: usize,
    pub lease_retire_entries: usize,
}
