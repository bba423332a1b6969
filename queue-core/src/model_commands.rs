//! The commands of the reference model (a child of `model.rs`, so compiled only with the cargo
//! feature `model`): one arm per command, read top to bottom like `docs/queue-core.md`.

use super::{Model, code};
use crate::command::Command;
use crate::ids::{JobId, Lsn, Slot, WorkerId};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine::{JobRecord, JobState, QueueRecord};

impl Model {
    #[allow(clippy::too_many_lines)] // one arm per command, read top to bottom like the doc
    pub(super) fn execute(&mut self, command: Command) -> Result<CommandOutcome, ResultCode> {
        let (delay_max, vis_max) = (
            self.config.max_delay_slots,
            self.config.max_visibility_slots,
        );
        match command {
            Command::CreateQueue {
                queue_id,
                max_attempts,
            } => {
                if max_attempts == 0 {
                    return Err(ResultCode::InvalidRequest);
                }
                if self.queues.iter().any(|q| q.queue_id == queue_id) {
                    return Err(ResultCode::AlreadyExists);
                }
                if self.queues.len() >= self.config.max_queues as usize {
                    return Err(ResultCode::QueueTableFull);
                }
                let queue = QueueRecord {
                    queue_id,
                    max_attempts,
                    ready_jobs: 0,
                    claimed_jobs: 0,
                    dead_jobs: 0,
                };
                self.queues.push(queue);
                Ok(code(ResultCode::Ok))
            }
            Command::Enqueue {
                queue_id,
                delay_slots,
            } => {
                let available =
                    self.later(delay_slots, delay_max, true, ResultCode::DelayOutOfRange)?;
                if !self.queues.iter().any(|q| q.queue_id == queue_id) {
                    return Err(ResultCode::QueueNotFound);
                }
                if self.jobs.len() >= self.config.max_jobs as usize {
                    return Err(ResultCode::JobTableFull);
                }
                let job_id = JobId(u128::from(self.lsn));
                self.jobs.push(JobRecord {
                    job_id,
                    queue_id,
                    state: JobState::Ready,
                    available_slot: Slot(available),
                    ready_lsn: Lsn(self.lsn),
                    attempts: 0,
                    claim_epoch: 0,
                    worker_id: WorkerId(0),
                    deadline_slot: Slot(0),
                    retire_after_slot: None,
                });
                self.queue(queue_id).ready_jobs += 1;
                Ok(CommandOutcome::job(job_id))
            }
            Command::Claim {
                queue_id,
                worker_id,
                visibility_slots,
            } => {
                let deadline = self.later(
                    visibility_slots,
                    vis_max,
                    false,
                    ResultCode::VisibilityOutOfRange,
                )?;
                if !self.queues.iter().any(|q| q.queue_id == queue_id) {
                    return Err(ResultCode::QueueNotFound);
                }
                let slot = self.slot;
                let next = self
                    .jobs
                    .iter()
                    .filter(|j| j.queue_id == queue_id && j.state == JobState::Ready)
                    .filter(|j| j.available_slot.get() <= slot)
                    .min_by_key(|j| (j.available_slot, j.ready_lsn))
                    .map(|j| j.job_id)
                    .ok_or(ResultCode::QueueEmpty)?;
                if self.bucket_full(deadline) {
                    return Err(ResultCode::ExpirationIndexFull);
                }
                let job = self.job(next);
                job.state = JobState::Claimed;
                job.attempts += 1;
                job.claim_epoch += 1;
                job.worker_id = worker_id;
                job.deadline_slot = Slot(deadline);
                let epoch = job.claim_epoch;
                self.queue(queue_id).ready_jobs -= 1;
                self.queue(queue_id).claimed_jobs += 1;
                Ok(CommandOutcome::claim(next, epoch, Slot(deadline)))
            }
            Command::Ack {
                job_id,
                worker_id,
                claim_epoch,
            } => {
                let job = self.fenced(job_id, worker_id, claim_epoch)?;
                self.queue(job.queue_id).claimed_jobs -= 1;
                self.finish(job_id, JobState::Done);
                Ok(CommandOutcome::job(job_id))
            }
            Command::Nack {
                job_id,
                worker_id,
                claim_epoch,
                delay_slots,
            } => {
                let available =
                    self.later(delay_slots, delay_max, true, ResultCode::DelayOutOfRange)?;
                let job = self.fenced(job_id, worker_id, claim_epoch)?;
                self.fail_claim(job, available);
                Ok(CommandOutcome::job(job_id))
            }
            Command::Extend {
                job_id,
                worker_id,
                claim_epoch,
                visibility_slots,
            } => {
                let deadline = self.later(
                    visibility_slots,
                    vis_max,
                    false,
                    ResultCode::VisibilityOutOfRange,
                )?;
                let job = self.fenced(job_id, worker_id, claim_epoch)?;
                if deadline != job.deadline_slot.get() && self.bucket_full(deadline) {
                    return Err(ResultCode::ExpirationIndexFull);
                }
                self.job(job_id).deadline_slot = Slot(deadline);
                Ok(CommandOutcome::claim(
                    job_id,
                    job.claim_epoch,
                    Slot(deadline),
                ))
            }
            Command::Cancel { job_id } => {
                let job = self.lookup(job_id)?;
                if job.state != JobState::Ready {
                    return Err(ResultCode::InvalidState);
                }
                self.queue(job.queue_id).ready_jobs -= 1;
                self.finish(job_id, JobState::Cancelled);
                Ok(CommandOutcome::job(job_id))
            }
        }
    }
}
