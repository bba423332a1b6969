//! The records the queue state machine stores and hands out: owned, `Copy` values, never
//! references into its tables.

use std::fmt;

use crate::ids::{JobId, Lsn, OperationId, QueueId, Slot, WorkerId};
use crate::result::{CommandOutcome, ResultCode};

/// A job's state; `Ready` and `Claimed` are live, the other three are terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobState {
    Ready = 0,
    Claimed = 1,
    Done = 2,
    Dead = 3,
    Cancelled = 4,
}

impl JobState {
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        !matches!(self, Self::Ready | Self::Claimed)
    }
}

/// A queue as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueueRecord {
    pub queue_id: QueueId,
    /// Claims a job gets before a failure makes it `Dead` (>= 1).
    pub max_attempts: u32,
    pub ready_jobs: u32,
    pub claimed_jobs: u32,
    /// Dead jobs still in the table (they leave the count when they retire).
    pub dead_jobs: u32,
}

/// A job as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobRecord {
    /// The lsn of the `Enqueue` that made the job.
    pub job_id: JobId,
    pub queue_id: QueueId,
    pub state: JobState,
    /// The first slot at which a `Ready` job may be claimed.
    pub available_slot: Slot,
    /// The lsn of the frame that last made the job `Ready` (the tie-break after the slot).
    pub ready_lsn: Lsn,
    pub attempts: u32,
    /// Raised by every claim; fences out workers of earlier claims.
    pub claim_epoch: u64,
    /// The worker of the last claim (0 before the first).
    pub worker_id: WorkerId,
    /// The deadline of the last claim (0 before the first).
    pub deadline_slot: Slot,
    /// Terminal slot + history window (saturating); the job retires after it.
    pub retire_after_slot: Option<Slot>,
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

/// Why a job id cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobLookupError {
    /// Not in the table and above the retired-id watermark: never assigned.
    JobNotFound,
    /// Not in the table and at or below the retired-id watermark: retired.
    JobRetired,
}

impl JobLookupError {
    #[must_use]
    pub const fn result_code(self) -> ResultCode {
        match self {
            Self::JobNotFound => ResultCode::JobNotFound,
            Self::JobRetired => ResultCode::JobRetired,
        }
    }
}

impl fmt::Display for JobLookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.result_code().as_str())
    }
}

impl std::error::Error for JobLookupError {}

/// The whole state, every list sorted by id: for tests, goldens and replay comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDump {
    pub last_applied_lsn: Lsn,
    pub last_request_slot: Slot,
    pub retired_job_watermark: JobId,
    pub queues: Vec<QueueRecord>,
    pub jobs: Vec<JobRecord>,
    pub operations: Vec<OperationRecord>,
}

/// Allocation sizes of every bounded structure (they must never change after `new`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocations {
    pub queue_slots: usize,
    pub job_slots: usize,
    pub operation_slots: usize,
    pub ready_nodes: usize,
    pub deadline_entries: usize,
    pub operation_retire_entries: usize,
    pub job_retire_entries: usize,
}
