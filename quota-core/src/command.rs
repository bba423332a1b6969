//! Commands and the client envelope.
//!
//! A client write is a [`ClientRequest`] (operation id for idempotency, client id, command);
//! it is applied under a [`CommandContext`] (the lsn the handle assigned and the request's
//! slot). quota-core has no internal commands: refill is computed lazily from logical time
//! when a bucket is debited, so nothing is ever due without a client write.

use crate::ids::{BucketId, ClientId, Lsn, OperationId, Slot};

/// A client command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Adds a bucket holding `initial_balance` tokens (at most `limit`), refilled by
    /// `refill_rate_per_slot` tokens per slot from the request slot on.
    CreateBucket {
        bucket_id: BucketId,
        limit: u64,
        initial_balance: u64,
        refill_rate_per_slot: u64,
    },
    /// Refills the bucket up to the request slot, then takes `amount` tokens if it has them.
    Debit { bucket_id: BucketId, amount: u64 },
}

impl Command {
    /// The command's name, for traces.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateBucket { .. } => "CreateBucket",
            Self::Debit { .. } => "Debit",
        }
    }
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
    fn commands_name_themselves() {
        let create = Command::CreateBucket {
            bucket_id: BucketId(1),
            limit: 2,
            initial_balance: 1,
            refill_rate_per_slot: 0,
        };
        assert_eq!(create.name(), "CreateBucket");
        let debit = Command::Debit {
            bucket_id: BucketId(1),
            amount: 1,
        };
        assert_eq!(debit.name(), "Debit");
    }
}
