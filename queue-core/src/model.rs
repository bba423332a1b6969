//! The reference model of queue-core (cargo feature `model`; never in the production build):
//! the spec of `docs/queue-core.md` written as plainly as possible (vectors and linear scans;
//! it imports the engine's types, never its logic). The model tests (`tests/model.rs`) and the
//! simulator drive it beside the engine: [`Model::submit`], [`Model::submit_untimed`],
//! [`Model::internal`] and [`Model::tick`] return the outcomes the engine must return, and
//! [`Model::projection`] must equal [`project`] of the engine's `StateDump` after every step.
//! The commands' rules are in `model_commands.rs`.

use crate::command::ClientRequest;
use crate::config::Config;
use crate::ids::{JobId, Lsn, OperationId, QueueId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine::{JobRecord, JobState, QueueRecord, StateDump};

#[path = "model_commands.rs"]
mod commands;

#[derive(Clone, Debug)]
struct ModelOp {
    operation_id: OperationId,
    request: ClientRequest,
    outcome: CommandOutcome,
    applied_lsn: u64,
    retire_after_slot: u64,
}

/// The comparable part of a state: the dump without fingerprints.
pub type Projection = (
    Lsn,
    Slot,
    JobId,
    Vec<QueueRecord>,
    Vec<JobRecord>,
    Vec<(OperationId, CommandOutcome, Lsn, Slot)>,
);

/// The engine's dump as the model sees it.
#[must_use]
pub fn project(dump: &StateDump) -> Projection {
    let ops = dump.operations.iter().map(|o| {
        (
            o.operation_id,
            o.outcome,
            o.applied_lsn,
            o.retire_after_slot,
        )
    });
    (
        dump.last_applied_lsn,
        dump.last_request_slot,
        dump.retired_job_watermark,
        dump.queues.clone(),
        dump.jobs.clone(),
        ops.collect(),
    )
}

fn code(code: ResultCode) -> CommandOutcome {
    CommandOutcome::code(code)
}

/// The reference model: plain vectors, one per table of the engine.
#[derive(Clone, Debug)]
pub struct Model {
    config: Config,
    lsn: u64,
    slot: u64,
    watermark: u128,
    queues: Vec<QueueRecord>,
    jobs: Vec<JobRecord>,
    ops: Vec<ModelOp>,
}

impl Model {
    /// An empty model: no queues, jobs or operations, slot 0, lsn 0.
    #[must_use]
    pub fn new(config: Config) -> Self {
        let (queues, jobs, ops) = (Vec::new(), Vec::new(), Vec::new());
        Self {
            config,
            lsn: 0,
            slot: 0,
            watermark: 0,
            queues,
            jobs,
            ops,
        }
    }

    /// The live jobs, in the order the model keeps them (creation order).
    #[must_use]
    pub fn jobs(&self) -> &[JobRecord] {
        &self.jobs
    }

    /// The slot of the last frame (the engine's `last_request_slot`).
    #[must_use]
    pub fn slot(&self) -> u64 {
        self.slot
    }

    /// The lsn of the last frame (the engine's `last_applied_lsn`).
    #[must_use]
    pub fn lsn(&self) -> u64 {
        self.lsn
    }

    /// The stored requests (those whose retry window may still be open), oldest first: what a
    /// simulator retries exactly, or reuses the id of with another command (a conflict).
    pub fn requests(&self) -> impl Iterator<Item = &ClientRequest> {
        self.ops.iter().map(|o| &o.request)
    }

    /// The model's whole state; compare it with [`project`] of the engine's dump.
    #[must_use]
    pub fn projection(&self) -> Projection {
        let mut queues = self.queues.clone();
        queues.sort_by_key(|q| q.queue_id);
        let mut jobs = self.jobs.clone();
        jobs.sort_by_key(|j| j.job_id);
        let mut ops: Vec<_> = self
            .ops
            .iter()
            .map(|o| {
                (
                    o.operation_id,
                    o.outcome,
                    Lsn(o.applied_lsn),
                    Slot(o.retire_after_slot),
                )
            })
            .collect();
        ops.sort_by_key(|o| o.0);
        (
            Lsn(self.lsn),
            Slot(self.slot),
            JobId(self.watermark),
            queues,
            jobs,
            ops,
        )
    }

    /// Starts a frame: position, then retire what is due.
    fn frame(&mut self, slot: u64) {
        self.lsn += 1;
        self.slot = slot;
        self.ops.retain(|o| o.retire_after_slot >= slot);
        let (gone, kept): (Vec<JobRecord>, Vec<JobRecord>) = self
            .jobs
            .drain(..)
            .partition(|j| j.retire_after_slot.is_some_and(|r| r.get() < slot));
        self.jobs = kept;
        for job in gone {
            self.watermark = self.watermark.max(job.job_id.get());
            if job.state == JobState::Dead {
                self.queue(job.queue_id).dead_jobs -= 1;
            }
        }
    }

    fn queue(&mut self, id: QueueId) -> &mut QueueRecord {
        self.queues.iter_mut().find(|q| q.queue_id == id).unwrap()
    }

    fn job(&mut self, id: JobId) -> &mut JobRecord {
        self.jobs.iter_mut().find(|j| j.job_id == id).unwrap()
    }

    /// The claims due at `slot` as `(job, deadline)`, in the order a tick times them out
    /// (deadline, then job id): each is one frame, so a simulator can take the model after
    /// each of them ([`Self::internal_untimed`]).
    #[must_use]
    pub fn due(&self, slot: u64) -> Vec<(JobId, u64)> {
        let mut due: Vec<(Slot, JobId)> = self
            .jobs
            .iter()
            .filter(|j| j.state == JobState::Claimed && j.deadline_slot.get() <= slot)
            .map(|j| (j.deadline_slot, j.job_id))
            .collect();
        due.sort();
        due.into_iter()
            .map(|(deadline, job)| (job, deadline.get()))
            .collect()
    }

    /// Every due claim's timeout, each its own frame at `slot`.
    pub fn tick(&mut self, slot: u64) -> Vec<CommandOutcome> {
        self.due(slot)
            .into_iter()
            .map(|(job, deadline)| self.internal_untimed(job, deadline, slot))
            .collect()
    }

    pub fn internal(&mut self, job: JobId, deadline: u64, slot: u64) -> CommandOutcome {
        self.tick(slot);
        self.internal_untimed(job, deadline, slot)
    }

    /// One `ClaimTimeout` frame at `slot` without the tick (the handle's
    /// `submit_internal_untimed`; a tick is a sequence of these).
    pub fn internal_untimed(&mut self, job_id: JobId, deadline: u64, slot: u64) -> CommandOutcome {
        self.frame(slot);
        let Some(job) = self.jobs.iter().find(|j| j.job_id == job_id).copied() else {
            return code(ResultCode::Noop);
        };
        if job.state != JobState::Claimed || job.deadline_slot.get() != deadline || deadline > slot
        {
            return code(ResultCode::Noop);
        }
        self.fail_claim(job, deadline);
        CommandOutcome::job(job_id)
    }

    /// A claim that ended without an ack: ready again at `available`, or dead.
    fn fail_claim(&mut self, job: JobRecord, available: u64) {
        let (lsn, slot, window) = (self.lsn, self.slot, self.config.job_history_window_slots);
        let max_attempts = self.queue(job.queue_id).max_attempts;
        self.queue(job.queue_id).claimed_jobs -= 1;
        let dead = job.attempts >= max_attempts;
        if dead {
            self.queue(job.queue_id).dead_jobs += 1;
        } else {
            self.queue(job.queue_id).ready_jobs += 1;
        }
        let record = self.job(job.job_id);
        if dead {
            record.state = JobState::Dead;
            record.retire_after_slot = Some(Slot(slot.saturating_add(window)));
        } else {
            record.state = JobState::Ready;
            record.available_slot = Slot(available);
            record.ready_lsn = Lsn(lsn);
        }
    }

    /// The handle's `submit` without its tick (the caller ticks): dedupe, then apply.
    pub fn submit_untimed(&mut self, request: &ClientRequest, slot: u64) -> CommandOutcome {
        let live =
            |o: &&ModelOp| o.operation_id == request.operation_id && o.retire_after_slot >= slot;
        if let Some(op) = self.ops.iter().find(live) {
            let same =
                op.request.client_id == request.client_id && op.request.command == request.command;
            return if same {
                op.outcome
            } else {
                code(ResultCode::OperationConflict)
            };
        }
        self.frame(slot);
        self.ops.retain(|o| o.operation_id != request.operation_id);
        if self.ops.len() >= self.config.max_operations as usize {
            return code(ResultCode::OperationTableFull);
        }
        let Some(retire) = slot.checked_add(self.config.max_client_retry_window_slots) else {
            return code(ResultCode::SlotOverflow);
        };
        let outcome = self.execute(request.command).unwrap_or_else(code);
        let (operation_id, applied_lsn) = (request.operation_id, self.lsn);
        self.ops.push(ModelOp {
            operation_id,
            request: *request,
            outcome,
            applied_lsn,
            retire_after_slot: retire,
        });
        outcome
    }

    pub fn submit(&mut self, request: &ClientRequest, slot: u64) -> CommandOutcome {
        self.tick(slot);
        self.submit_untimed(request, slot)
    }

    fn lookup(&self, job_id: JobId) -> Result<JobRecord, ResultCode> {
        match self.jobs.iter().find(|j| j.job_id == job_id) {
            Some(job) => Ok(*job),
            None if job_id.get() <= self.watermark => Err(ResultCode::JobRetired),
            None => Err(ResultCode::JobNotFound),
        }
    }

    fn fenced(
        &self,
        job_id: JobId,
        worker: crate::ids::WorkerId,
        epoch: u64,
    ) -> Result<JobRecord, ResultCode> {
        let job = self.lookup(job_id)?;
        if job.state != JobState::Claimed {
            return Err(ResultCode::InvalidState);
        }
        if job.worker_id != worker {
            return Err(ResultCode::WorkerMismatch);
        }
        if job.claim_epoch != epoch {
            return Err(ResultCode::StaleEpoch);
        }
        Ok(job)
    }

    fn later(
        &self,
        slots: u64,
        max: u64,
        zero_ok: bool,
        range: ResultCode,
    ) -> Result<u64, ResultCode> {
        if slots > max || (slots == 0 && !zero_ok) {
            return Err(range);
        }
        self.slot.checked_add(slots).ok_or(ResultCode::SlotOverflow)
    }

    fn bucket_full(&self, deadline: u64) -> bool {
        let live = self
            .jobs
            .iter()
            .filter(|j| j.state == JobState::Claimed && j.deadline_slot.get() == deadline);
        live.count() >= self.config.max_expiration_bucket_len as usize
    }

    fn finish(&mut self, job_id: JobId, state: JobState) {
        let retire = self
            .slot
            .saturating_add(self.config.job_history_window_slots);
        let job = self.job(job_id);
        job.state = state;
        job.retire_after_slot = Some(Slot(retire));
    }
}
