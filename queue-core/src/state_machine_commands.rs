//! The commands of the queue state machine, each with its checks in the documented order
//! (first failure wins; `docs/queue-core.md`). Every value here came from a client or the
//! WAL, so every check returns a result code; only the machine's own bookkeeping is asserted.

use crate::command::{Command, CommandContext};
use crate::ids::{JobId, QueueId, Slot, WorkerId};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine::{JobLookupError, JobRecord, JobState, QueueRecord, StateMachine};

fn refuse(code: ResultCode) -> CommandOutcome {
    CommandOutcome::code(code)
}

/// Runs a check chain: its refusal, or the outcome of the effect.
fn answer(checked: Result<CommandOutcome, ResultCode>) -> CommandOutcome {
    checked.unwrap_or_else(refuse)
}

impl StateMachine {
    pub(crate) fn execute(&mut self, ctx: CommandContext, command: &Command) -> CommandOutcome {
        match *command {
            Command::CreateQueue {
                queue_id,
                max_attempts,
            } => self.create_queue(queue_id, max_attempts),
            Command::Enqueue {
                queue_id,
                delay_slots,
            } => answer(self.enqueue(ctx, queue_id, delay_slots)),
            Command::Claim {
                queue_id,
                worker_id,
                visibility_slots,
            } => answer(self.claim(ctx, queue_id, worker_id, visibility_slots)),
            Command::Ack {
                job_id,
                worker_id,
                claim_epoch,
            } => answer(self.ack(ctx, job_id, worker_id, claim_epoch)),
            Command::Nack {
                job_id,
                worker_id,
                claim_epoch,
                delay_slots,
            } => answer(self.nack(ctx, job_id, (worker_id, claim_epoch), delay_slots)),
            Command::Extend {
                job_id,
                worker_id,
                claim_epoch,
                visibility_slots,
            } => answer(self.extend(ctx, job_id, (worker_id, claim_epoch), visibility_slots)),
            Command::Cancel { job_id } => answer(self.cancel(ctx, job_id)),
        }
    }

    fn create_queue(&mut self, queue_id: QueueId, max_attempts: u32) -> CommandOutcome {
        if max_attempts == 0 {
            return refuse(ResultCode::InvalidRequest);
        }
        if self.queues.contains_key(queue_id) {
            return refuse(ResultCode::AlreadyExists);
        }
        if self.queues.is_full() {
            return refuse(ResultCode::QueueTableFull);
        }
        let record = QueueRecord {
            queue_id,
            max_attempts,
            ready_jobs: 0,
            claimed_jobs: 0,
            dead_jobs: 0,
        };
        self.queues
            .insert(queue_id, record)
            .expect("queue table has room");
        CommandOutcome::code(ResultCode::Ok)
    }

    /// `S + slots`, or `SlotOverflow`.
    fn later(ctx: CommandContext, slots: u64) -> Result<Slot, ResultCode> {
        ctx.request_slot
            .get()
            .checked_add(slots)
            .map(Slot)
            .ok_or(ResultCode::SlotOverflow)
    }

    fn check_delay(&self, ctx: CommandContext, delay_slots: u64) -> Result<Slot, ResultCode> {
        if delay_slots > self.config.max_delay_slots {
            return Err(ResultCode::DelayOutOfRange);
        }
        Self::later(ctx, delay_slots)
    }

    fn check_visibility(
        &self,
        ctx: CommandContext,
        visibility_slots: u64,
    ) -> Result<Slot, ResultCode> {
        if visibility_slots == 0 || visibility_slots > self.config.max_visibility_slots {
            return Err(ResultCode::VisibilityOutOfRange);
        }
        Self::later(ctx, visibility_slots)
    }

    /// The job lookup of every command on a job id.
    fn lookup(&self, job_id: JobId) -> Result<JobRecord, ResultCode> {
        self.get_job(job_id).map_err(JobLookupError::result_code)
    }

    /// The fencing checks: a `Claimed` job, this worker, this epoch.
    fn fenced(
        &self,
        job_id: JobId,
        (worker_id, claim_epoch): (WorkerId, u64),
    ) -> Result<JobRecord, ResultCode> {
        let job = self.lookup(job_id)?;
        if job.state != JobState::Claimed {
            return Err(ResultCode::InvalidState);
        }
        if job.worker_id != worker_id {
            return Err(ResultCode::WorkerMismatch);
        }
        if job.claim_epoch != claim_epoch {
            return Err(ResultCode::StaleEpoch);
        }
        Ok(job)
    }

    fn queue_mut(&mut self, queue_id: QueueId) -> &mut QueueRecord {
        self.queues
            .get_mut(queue_id)
            .expect("a job's queue must exist")
    }

    fn job_mut(&mut self, job_id: JobId) -> &mut JobRecord {
        self.jobs.get_mut(job_id).expect("the job was looked up")
    }

    fn enqueue(
        &mut self,
        ctx: CommandContext,
        queue_id: QueueId,
        delay_slots: u64,
    ) -> Result<CommandOutcome, ResultCode> {
        let available_slot = self.check_delay(ctx, delay_slots)?;
        if !self.queues.contains_key(queue_id) {
            return Err(ResultCode::QueueNotFound);
        }
        if self.jobs.is_full() {
            return Err(ResultCode::JobTableFull);
        }
        let job_id = JobId::from_lsn(ctx.lsn);
        let record = JobRecord {
            job_id,
            queue_id,
            state: JobState::Ready,
            available_slot,
            ready_lsn: ctx.lsn,
            attempts: 0,
            claim_epoch: 0,
            worker_id: WorkerId(0),
            deadline_slot: Slot(0),
            retire_after_slot: None,
        };
        self.jobs
            .insert(job_id, record)
            .expect("job table has room, ids are lsns");
        self.ready
            .insert(queue_id, job_id, (available_slot.get(), ctx.lsn.get()));
        self.queue_mut(queue_id).ready_jobs += 1;
        Ok(CommandOutcome::job(job_id))
    }

    fn claim(
        &mut self,
        ctx: CommandContext,
        queue_id: QueueId,
        worker_id: WorkerId,
        visibility_slots: u64,
    ) -> Result<CommandOutcome, ResultCode> {
        let deadline_slot = self.check_visibility(ctx, visibility_slots)?;
        if !self.queues.contains_key(queue_id) {
            return Err(ResultCode::QueueNotFound);
        }
        let job_id = self
            .next_ready(queue_id, ctx.request_slot)
            .ok_or(ResultCode::QueueEmpty)?;
        if !self.deadlines.has_room(deadline_slot) {
            return Err(ResultCode::ExpirationIndexFull);
        }
        let removed = self.ready.remove(job_id);
        assert!(removed, "the claimed job was at the top of its heap");
        self.deadlines.insert(deadline_slot, job_id);
        let job = self.job_mut(job_id);
        assert!(
            job.state == JobState::Ready,
            "only a ready job is in the ready index"
        );
        job.state = JobState::Claimed;
        job.attempts += 1; // below max_attempts while Ready (an invariant)
        job.claim_epoch += 1;
        job.worker_id = worker_id;
        job.deadline_slot = deadline_slot;
        let claim_epoch = job.claim_epoch;
        let queue = self.queue_mut(queue_id);
        queue.ready_jobs -= 1;
        queue.claimed_jobs += 1;
        Ok(CommandOutcome::claim(job_id, claim_epoch, deadline_slot))
    }

    fn ack(
        &mut self,
        ctx: CommandContext,
        job_id: JobId,
        worker_id: WorkerId,
        claim_epoch: u64,
    ) -> Result<CommandOutcome, ResultCode> {
        let job = self.fenced(job_id, (worker_id, claim_epoch))?;
        self.end_claim(&job);
        self.finish(ctx, job_id, JobState::Done);
        Ok(CommandOutcome::job(job_id))
    }

    fn nack(
        &mut self,
        ctx: CommandContext,
        job_id: JobId,
        fence: (WorkerId, u64),
        delay_slots: u64,
    ) -> Result<CommandOutcome, ResultCode> {
        let available_slot = self.check_delay(ctx, delay_slots)?;
        let job = self.fenced(job_id, fence)?;
        self.end_claim(&job);
        self.retry_or_kill(ctx, &job, available_slot);
        Ok(CommandOutcome::job(job_id))
    }

    fn extend(
        &mut self,
        ctx: CommandContext,
        job_id: JobId,
        fence: (WorkerId, u64),
        visibility_slots: u64,
    ) -> Result<CommandOutcome, ResultCode> {
        let deadline_slot = self.check_visibility(ctx, visibility_slots)?;
        let job = self.fenced(job_id, fence)?;
        if deadline_slot != job.deadline_slot && !self.deadlines.has_room(deadline_slot) {
            return Err(ResultCode::ExpirationIndexFull);
        }
        let removed = self.deadlines.remove(job.deadline_slot, job_id);
        assert!(removed, "a claimed job must be in the deadline index");
        self.deadlines.insert(deadline_slot, job_id);
        self.job_mut(job_id).deadline_slot = deadline_slot;
        Ok(CommandOutcome::claim(
            job_id,
            job.claim_epoch,
            deadline_slot,
        ))
    }

    fn cancel(&mut self, ctx: CommandContext, job_id: JobId) -> Result<CommandOutcome, ResultCode> {
        let job = self.lookup(job_id)?;
        if job.state != JobState::Ready {
            return Err(ResultCode::InvalidState);
        }
        let removed = self.ready.remove(job_id);
        assert!(removed, "a ready job must be in the ready index");
        self.queue_mut(job.queue_id).ready_jobs -= 1;
        self.finish(ctx, job_id, JobState::Cancelled);
        Ok(CommandOutcome::job(job_id))
    }

    /// `ClaimTimeout` (internal): a `Claimed` job with this deadline, due at the frame's slot,
    /// is ready again at its deadline (or dead when its attempts are spent); anything else is
    /// `Noop`.
    pub(crate) fn claim_timeout(
        &mut self,
        ctx: CommandContext,
        job_id: JobId,
        deadline_slot: Slot,
    ) -> CommandOutcome {
        let Some(job) = self.jobs.get(job_id).copied() else {
            return refuse(ResultCode::Noop);
        };
        if job.state != JobState::Claimed
            || job.deadline_slot != deadline_slot
            || deadline_slot > ctx.request_slot
        {
            return refuse(ResultCode::Noop);
        }
        self.end_claim(&job);
        self.retry_or_kill(ctx, &job, deadline_slot);
        CommandOutcome::job(job_id)
    }

    /// Takes a `Claimed` job out of the deadline index and its queue's claimed count.
    fn end_claim(&mut self, job: &JobRecord) {
        assert!(
            job.state == JobState::Claimed,
            "only a claimed job ends a claim"
        );
        let removed = self.deadlines.remove(job.deadline_slot, job.job_id);
        assert!(removed, "a claimed job must be in the deadline index");
        self.queue_mut(job.queue_id).claimed_jobs -= 1;
    }

    /// After a failed claim: `Dead` when the attempts are spent, else `Ready` at
    /// `available_slot` with this frame's lsn as the tie-break.
    fn retry_or_kill(&mut self, ctx: CommandContext, job: &JobRecord, available_slot: Slot) {
        let max_attempts = self
            .queues
            .get(job.queue_id)
            .expect("a job's queue must exist")
            .max_attempts;
        if job.attempts >= max_attempts {
            self.queue_mut(job.queue_id).dead_jobs += 1;
            self.finish(ctx, job.job_id, JobState::Dead);
            return;
        }
        self.ready.insert(
            job.queue_id,
            job.job_id,
            (available_slot.get(), ctx.lsn.get()),
        );
        self.queue_mut(job.queue_id).ready_jobs += 1;
        let record = self.job_mut(job.job_id);
        record.state = JobState::Ready;
        record.available_slot = available_slot;
        record.ready_lsn = ctx.lsn;
    }

    /// Makes a job terminal at `ctx` and queues its history for retirement.
    fn finish(&mut self, ctx: CommandContext, job_id: JobId, state: JobState) {
        assert!(state.is_terminal(), "finish must end the job");
        let retire_after = ctx
            .request_slot
            .get()
            .saturating_add(self.config.job_history_window_slots);
        let record = self.job_mut(job_id);
        assert!(!record.state.is_terminal(), "a job ends once");
        record.state = state;
        record.retire_after_slot = Some(Slot(retire_after));
        self.job_retire
            .push(job_id, retire_after)
            .expect("job retire queue is as large as the job table");
    }
}
