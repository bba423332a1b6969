//! Commands and the client envelope.
//!
//! A client write is a [`ClientRequest`] (operation id for idempotency, client id, command);
//! it is applied under a [`CommandContext`] (the lsn the handle assigned and the request's
//! slot). Internal commands (expiry) travel the same WAL path with their own record type.

use crate::ids::{ClientId, HolderId, LeaseId, Lsn, OperationId, ResourceId, Slot};

/// A client command.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Adds an `Available` resource.
    CreateResource { resource_id: ResourceId },
    /// Reserves every listed resource for `holder_id`, all or nothing, for `ttl_slots`.
    /// `Reserve` is this command with one member (see [`Command::reserve`]).
    ReserveBundle {
        resource_ids: Vec<ResourceId>,
        holder_id: HolderId,
        ttl_slots: u64,
    },
    /// Turns a `Reserved` lease `Active` (alias `Confirm`, see [`Command::confirm`]).
    Activate {
        lease_id: LeaseId,
        holder_id: HolderId,
        lease_epoch: u64,
    },
    /// Ends a `Reserved` or `Active` lease and frees its resources.
    Release {
        lease_id: LeaseId,
        holder_id: HolderId,
        lease_epoch: u64,
    },
    /// Starts taking an `Active` lease back; its resources stay unusable until `Reclaim`.
    Revoke { lease_id: LeaseId },
    /// Finishes a revocation and frees the resources.
    Reclaim { lease_id: LeaseId },
}

impl Command {
    /// `Reserve`: the one-member `ReserveBundle` (same encoding, same fingerprint).
    #[must_use]
    pub fn reserve(resource_id: ResourceId, holder_id: HolderId, ttl_slots: u64) -> Self {
        Self::ReserveBundle {
            resource_ids: vec![resource_id],
            holder_id,
            ttl_slots,
        }
    }

    /// `Confirm`: the same command as `Activate`.
    #[must_use]
    pub fn confirm(lease_id: LeaseId, holder_id: HolderId, lease_epoch: u64) -> Self {
        Self::Activate {
            lease_id,
            holder_id,
            lease_epoch,
        }
    }

    /// The command's name, for traces.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateResource { .. } => "CreateResource",
            Self::ReserveBundle { .. } => "ReserveBundle",
            Self::Activate { .. } => "Activate",
            Self::Release { .. } => "Release",
            Self::Revoke { .. } => "Revoke",
            Self::Reclaim { .. } => "Reclaim",
        }
    }
}

/// A command the engine issues to itself (record type 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InternalCommand {
    /// Expires a `Reserved` lease whose deadline is `deadline_slot`; anything else is `Noop`.
    Expire {
        lease_id: LeaseId,
        deadline_slot: Slot,
    },
}

/// A client write: the envelope around a command.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientRequest {
    pub operation_id: OperationId,
    pub client_id: ClientId,
    pub command: Command,
}

/// Where a frame is applied: its lsn and its request slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandContext {
    pub lsn: Lsn,
    pub request_slot: Slot,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_build_the_canonical_commands() {
        assert_eq!(
            Command::reserve(ResourceId(1), HolderId(2), 3),
            Command::ReserveBundle {
                resource_ids: vec![ResourceId(1)],
                holder_id: HolderId(2),
                ttl_slots: 3
            }
        );
        let confirm = Command::confirm(LeaseId(1), HolderId(2), 1);
        assert_eq!(confirm.name(), "Activate");
        for (command, name) in [
            (
                Command::CreateResource {
                    resource_id: ResourceId(1),
                },
                "CreateResource",
            ),
            (
                Command::Revoke {
                    lease_id: LeaseId(1),
                },
                "Revoke",
            ),
            (
                Command::Reclaim {
                    lease_id: LeaseId(1),
                },
                "Reclaim",
            ),
            (
                Command::Release {
                    lease_id: LeaseId(1),
                    holder_id: HolderId(1),
                    lease_epoch: 1,
                },
                "Release",
            ),
            (
                Command::reserve(ResourceId(1), HolderId(1), 1),
                "ReserveBundle",
            ),
        ] {
            assert_eq!(command.name(), name);
        }
    }
}
