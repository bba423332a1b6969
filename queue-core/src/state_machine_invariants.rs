//! Whole-state invariant checks: `validate_invariants()` returns the first violation,
//! `assert_invariants()` panics on it (debug builds run it at the end of every apply).

use std::fmt;

use crate::ids::{JobId, OperationId, QueueId, Slot};
use crate::state_machine::{JobRecord, JobState, StateMachine};

/// A broken invariant (a bug, or a snapshot that must not be admitted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvariantError {
    /// A fixed table's or index's own structure is broken.
    Table { table: &'static str, detail: String },
    /// A record is stored under another id than its own.
    KeyMismatch { table: &'static str, id: u128 },
    /// A queue with `max_attempts == 0`, or counts that differ from its jobs.
    QueueCounts { queue_id: QueueId },
    /// A job names a queue that does not exist.
    UnknownQueue { job_id: JobId },
    /// A job's id, ready lsn, attempts or epoch are impossible (see `docs/queue-core.md`).
    JobFields { job_id: JobId },
    /// `retire_after_slot` disagrees with the job state or lies outside its window.
    TerminalFields { job_id: JobId },
    /// The retired-id watermark is above the last applied lsn.
    Watermark,
    /// A `Ready` job is not in its queue's heap under its key, or the heaps hold others.
    ReadyIndex { job_id: JobId },
    /// A `Claimed` job is not in the deadline index exactly once.
    ClaimNotIndexed { job_id: JobId },
    /// A deadline entry names something other than a `Claimed` job with that deadline.
    StrayDeadline { job_id: JobId },
    /// An operation record is inconsistent with the position or its window.
    OperationRecord { operation_id: OperationId },
    /// The operation table and its retire queue disagree.
    OperationQueue,
    /// The terminal jobs and the job retire queue disagree.
    JobQueue,
}

impl fmt::Display for InvariantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Table { table, detail } => write!(f, "{table} table: {detail}"),
            Self::KeyMismatch { table, id } => write!(f, "{table} {id} stored under another id"),
            Self::QueueCounts { queue_id } => {
                write!(f, "queue {queue_id} counts disagree with its jobs")
            }
            Self::UnknownQueue { job_id } => write!(f, "job {job_id} names an unknown queue"),
            Self::JobFields { job_id } => write!(f, "job {job_id} has impossible fields"),
            Self::TerminalFields { job_id } => {
                write!(f, "job {job_id} terminal fields disagree with its state")
            }
            Self::Watermark => write!(f, "the retired-job watermark is above the last lsn"),
            Self::ReadyIndex { job_id } => {
                write!(f, "ready job {job_id} is not indexed as it should be")
            }
            Self::ClaimNotIndexed { job_id } => {
                write!(f, "claimed job {job_id} is not indexed exactly once")
            }
            Self::StrayDeadline { job_id } => write!(f, "deadline entry for job {job_id} is stray"),
            Self::OperationRecord { operation_id } => {
                write!(f, "operation {operation_id} record is inconsistent")
            }
            Self::OperationQueue => write!(f, "operation table and retire queue disagree"),
            Self::JobQueue => write!(f, "terminal jobs and job retire queue disagree"),
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
        self.queues
            .validate()
            .map_err(|detail| table("queue", detail))?;
        self.jobs
            .validate()
            .map_err(|detail| table("job", detail))?;
        self.operations
            .validate()
            .map_err(|detail| table("operation", detail))?;
        self.ready
            .validate()
            .map_err(|detail| table("ready", detail))?;
        if u128::from(self.last_applied_lsn.get()) < self.retired_job_watermark.get() {
            return Err(InvariantError::Watermark);
        }
        self.validate_queues()?;
        for (job_id, job) in self.jobs.iter_unordered() {
            self.validate_job(job_id, job)?;
        }
        self.validate_indexes()?;
        self.validate_operations()?;
        self.validate_retire_queues()
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

    fn validate_queues(&self) -> Result<(), InvariantError> {
        // (queue, ready, claimed, dead) counted from the jobs, sorted by queue id.
        let mut counts: Vec<(QueueId, u64, u64, u64)> = self
            .queues
            .iter_unordered()
            .map(|(id, _)| (id, 0, 0, 0))
            .collect();
        counts.sort_unstable();
        for (job_id, job) in self.jobs.iter_unordered() {
            let Ok(index) = counts.binary_search_by_key(&job.queue_id, |entry| entry.0) else {
                return Err(InvariantError::UnknownQueue { job_id });
            };
            match job.state {
                JobState::Ready => counts[index].1 += 1,
                JobState::Claimed => counts[index].2 += 1,
                JobState::Dead => counts[index].3 += 1,
                JobState::Done | JobState::Cancelled => {}
            }
        }
        for (queue_id, ready, claimed, dead) in counts {
            let queue = self.queues.get(queue_id).expect("listed from the table");
            if queue.queue_id != queue_id {
                return Err(InvariantError::KeyMismatch {
                    table: "queue",
                    id: queue_id.get(),
                });
            }
            let stored = (
                u64::from(queue.ready_jobs),
                u64::from(queue.claimed_jobs),
                u64::from(queue.dead_jobs),
            );
            if queue.max_attempts == 0 || stored != (ready, claimed, dead) {
                return Err(InvariantError::QueueCounts { queue_id });
            }
        }
        Ok(())
    }

    fn validate_job(&self, job_id: JobId, job: &JobRecord) -> Result<(), InvariantError> {
        if job.job_id != job_id {
            return Err(InvariantError::KeyMismatch {
                table: "job",
                id: job_id.get(),
            });
        }
        let max_attempts = self
            .queues
            .get(job.queue_id)
            .map_or(0, |queue| queue.max_attempts);
        let ready_lsn = u128::from(job.ready_lsn.get());
        let fields_ok = job_id.get() > 0
            && job_id != self.retired_job_watermark
            && job_id.get() <= ready_lsn
            && job.ready_lsn <= self.last_applied_lsn
            && job.claim_epoch == u64::from(job.attempts)
            && job.attempts <= max_attempts
            && (job.state != JobState::Ready || job.attempts < max_attempts)
            && (job.state != JobState::Claimed || job.attempts >= 1);
        if !fields_ok {
            return Err(InvariantError::JobFields { job_id });
        }
        // A job terminal at slot `t <= last slot` retires after `t + window` (saturating);
        // a later retire slot would put the next push to the retire queue out of order.
        let latest_retire = self
            .last_request_slot
            .get()
            .saturating_add(self.config.job_history_window_slots);
        let terminal_ok = job.retire_after_slot.is_some() == job.state.is_terminal()
            && job
                .retire_after_slot
                .is_none_or(|slot| slot >= self.last_request_slot && slot.get() <= latest_retire);
        if !terminal_ok {
            return Err(InvariantError::TerminalFields { job_id });
        }
        Ok(())
    }

    fn validate_indexes(&self) -> Result<(), InvariantError> {
        let (mut ready, mut claimed) = (0, 0);
        for (job_id, job) in self.jobs.iter_unordered() {
            match job.state {
                JobState::Ready => {
                    ready += 1;
                    let key = (
                        job.queue_id,
                        (job.available_slot.get(), job.ready_lsn.get()),
                    );
                    if self.ready.key_of(job_id) != Some(key) {
                        return Err(InvariantError::ReadyIndex { job_id });
                    }
                }
                JobState::Claimed => {
                    claimed += 1;
                    if self.deadlines.occurrences(job.deadline_slot, job_id) != 1 {
                        return Err(InvariantError::ClaimNotIndexed { job_id });
                    }
                }
                JobState::Done | JobState::Dead | JobState::Cancelled => {}
            }
        }
        if ready != self.ready.len() {
            return Err(table(
                "ready",
                format!("{} indexed, {ready} ready", self.ready.len()),
            ));
        }
        for (deadline, job_id) in self.deadlines.iter_unordered() {
            let matches = self
                .jobs
                .get(job_id)
                .is_some_and(|job| job.state == JobState::Claimed && job.deadline_slot == deadline);
            if !matches || deadline.get() < self.deadlines.scan_from() {
                return Err(InvariantError::StrayDeadline { job_id });
            }
        }
        if claimed != self.deadlines.len() {
            return Err(table(
                "deadline",
                format!("{} entries, {claimed} claimed", self.deadlines.len()),
            ));
        }
        Ok(())
    }

    /// Every stored operation is live at the last applied slot and retires no later than
    /// `last slot + max_client_retry_window_slots`.
    fn validate_operations(&self) -> Result<(), InvariantError> {
        let latest_retire = u128::from(self.last_request_slot.get())
            + u128::from(self.config.max_client_retry_window_slots);
        for (operation_id, record) in self.operations.iter_unordered() {
            if record.operation_id != operation_id {
                return Err(InvariantError::KeyMismatch {
                    table: "operation",
                    id: operation_id.get(),
                });
            }
            if record.applied_lsn > self.last_applied_lsn
                || record.retire_after_slot < self.last_request_slot
                || u128::from(record.retire_after_slot.get()) > latest_retire
            {
                return Err(InvariantError::OperationRecord { operation_id });
            }
        }
        Ok(())
    }

    fn validate_retire_queues(&self) -> Result<(), InvariantError> {
        self.operation_retire
            .validate()
            .map_err(|_| InvariantError::OperationQueue)?;
        self.job_retire
            .validate()
            .map_err(|_| InvariantError::JobQueue)?;
        if self.operation_retire.len() != self.operations.len() {
            return Err(InvariantError::OperationQueue);
        }
        // Operations are queued in applied order, one per frame, so applied lsns strictly
        // increase along the queue: no operation is queued twice (and none is missing).
        let mut previous_lsn = None;
        for entry in self.operation_retire.iter() {
            let Some(record) = self.operations.get(entry.key) else {
                return Err(InvariantError::OperationQueue);
            };
            if record.retire_after_slot.get() != entry.retire_after_slot
                || previous_lsn.is_some_and(|previous| previous >= record.applied_lsn)
            {
                return Err(InvariantError::OperationQueue);
            }
            previous_lsn = Some(record.applied_lsn);
        }
        let terminal = self
            .jobs
            .iter_unordered()
            .filter(|(_, job)| job.state.is_terminal())
            .count();
        if terminal != self.job_retire.len() {
            return Err(InvariantError::JobQueue);
        }
        for entry in self.job_retire.iter() {
            let matches = self.jobs.get(entry.key).is_some_and(|job| {
                job.retire_after_slot.map(Slot::get) == Some(entry.retire_after_slot)
            });
            if !matches {
                return Err(InvariantError::JobQueue);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "state_machine_invariants_tests.rs"]
mod tests;
