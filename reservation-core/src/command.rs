//! Commands and the client envelope.
//!
//! A client write is a [`ClientRequest`] (operation id for idempotency, client id, command);
//! it is applied under a [`CommandContext`] (the lsn the handle assigned and the request's
//! slot). Internal commands (expiry) travel the same WAL path with their own record type.

use crate::ids::{ClientId, HoldId, Lsn, OperationId, PoolId, Slot};

/// A client command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Adds a pool with `total_capacity` units (0 is valid) and nothing held or consumed.
    CreatePool {
        pool_id: PoolId,
        total_capacity: u64,
    },
    /// Holds `quantity` units of a pool for `ttl_slots`.
    PlaceHold {
        hold_id: HoldId,
        pool_id: PoolId,
        quantity: u64,
        ttl_slots: u64,
    },
    /// Turns a `Held` hold into consumed capacity before its deadline.
    ConfirmHold { hold_id: HoldId },
    /// Gives a `Held` hold's units back to its pool.
    ReleaseHold { hold_id: HoldId },
}

impl Command {
    /// The command's name, for traces.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreatePool { .. } => "CreatePool",
            Self::PlaceHold { .. } => "PlaceHold",
            Self::ConfirmHold { .. } => "ConfirmHold",
            Self::ReleaseHold { .. } => "ReleaseHold",
        }
    }
}

/// A command the engine issues to itself (record type 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InternalCommand {
    /// Expires a `Held` hold whose deadline has passed; anything else is `Noop`.
    ExpireHold { hold_id: HoldId },
}

/// A client write: the envelope around a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    fn every_command_has_its_name() {
        for (command, name) in [
            (
                Command::CreatePool {
                    pool_id: PoolId(1),
                    total_capacity: 0,
                },
                "CreatePool",
            ),
            (
                Command::PlaceHold {
                    hold_id: HoldId(1),
                    pool_id: PoolId(1),
                    quantity: 1,
                    ttl_slots: 1,
                },
                "PlaceHold",
            ),
            (Command::ConfirmHold { hold_id: HoldId(1) }, "ConfirmHold"),
            (Command::ReleaseHold { hold_id: HoldId(1) }, "ReleaseHold"),
        ] {
            assert_eq!(command.name(), name);
        }
    }
}
