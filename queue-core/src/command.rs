//! Commands and the client envelope.
//!
//! A client write is a [`ClientRequest`] (operation id for idempotency, client id, command);
//! it is applied under a [`CommandContext`] (the lsn the handle assigned and the request's
//! slot). The internal command (a claim's timeout) travels the same WAL path with its own
//! record type.

use crate::ids::{ClientId, JobId, Lsn, OperationId, QueueId, Slot, WorkerId};

/// A client command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Adds an empty queue whose jobs die after `max_attempts` claims (>= 1).
    CreateQueue {
        queue_id: QueueId,
        max_attempts: u32,
    },
    /// Adds a job, available at `request_slot + delay_slots`; its id is this frame's lsn.
    Enqueue { queue_id: QueueId, delay_slots: u64 },
    /// Takes the queue's next available job for `visibility_slots`.
    Claim {
        queue_id: QueueId,
        worker_id: WorkerId,
        visibility_slots: u64,
    },
    /// Finishes a claimed job (`Done`).
    Ack {
        job_id: JobId,
        worker_id: WorkerId,
        claim_epoch: u64,
    },
    /// Gives a claimed job back (ready after `delay_slots`), or kills it when its attempts
    /// are spent.
    Nack {
        job_id: JobId,
        worker_id: WorkerId,
        claim_epoch: u64,
        delay_slots: u64,
    },
    /// Moves a claim's deadline to `request_slot + visibility_slots`.
    Extend {
        job_id: JobId,
        worker_id: WorkerId,
        claim_epoch: u64,
        visibility_slots: u64,
    },
    /// Cancels a `Ready` job.
    Cancel { job_id: JobId },
}

impl Command {
    /// The command's name, for traces.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateQueue { .. } => "CreateQueue",
            Self::Enqueue { .. } => "Enqueue",
            Self::Claim { .. } => "Claim",
            Self::Ack { .. } => "Ack",
            Self::Nack { .. } => "Nack",
            Self::Extend { .. } => "Extend",
            Self::Cancel { .. } => "Cancel",
        }
    }
}

/// A command the engine issues to itself (record type 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InternalCommand {
    /// Ends a claim whose deadline passed: the job is ready again, or dead when its attempts
    /// are spent; anything else is `Noop`.
    ClaimTimeout { job_id: JobId, deadline_slot: Slot },
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
        let (job_id, worker_id, queue_id) = (JobId(1), WorkerId(2), QueueId(3));
        for (command, name) in [
            (
                Command::CreateQueue {
                    queue_id,
                    max_attempts: 1,
                },
                "CreateQueue",
            ),
            (
                Command::Enqueue {
                    queue_id,
                    delay_slots: 0,
                },
                "Enqueue",
            ),
            (
                Command::Claim {
                    queue_id,
                    worker_id,
                    visibility_slots: 1,
                },
                "Claim",
            ),
            (
                Command::Ack {
                    job_id,
                    worker_id,
                    claim_epoch: 1,
                },
                "Ack",
            ),
            (
                Command::Nack {
                    job_id,
                    worker_id,
                    claim_epoch: 1,
                    delay_slots: 0,
                },
                "Nack",
            ),
            (
                Command::Extend {
                    job_id,
                    worker_id,
                    claim_epoch: 1,
                    visibility_slots: 1,
                },
                "Extend",
            ),
            (Command::Cancel { job_id }, "Cancel"),
        ] {
            assert_eq!(command.name(), name);
        }
    }
}
