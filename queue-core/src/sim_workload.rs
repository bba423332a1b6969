//! The seeded workload of queue-core's simulator (a child of `sim.rs`, so compiled only with
//! the cargo feature `sim`): every call drawn from the simulator's generator and the model at
//! the last acknowledged call, never from anything else, so a seed replays exactly.
//!
//! Requests are valid, invalid (a queue with `max_attempts` 0, a delay or visibility out of
//! range, an unknown queue or job, a retired job, the wrong worker, an older epoch, a claim in
//! the wrong state) or duplicates: an exact retry of a stored request (the model keeps them),
//! or its operation id with another command (a conflict); a batch may repeat one of its own
//! requests. Slots mostly move a little, sometimes jump past claim deadlines and retention
//! windows, sometimes go one back (a regression) and rarely to the end of time (slot
//! overflows). Internal `ClaimTimeout`s name a claim's own deadline mostly, with or without
//! the tick before them.

use runtime::testkit::sim::SimRng;

use super::{Call, QueueSim};
use crate::command::{ClientRequest, Command, InternalCommand};
use crate::ids::{ClientId, JobId, OperationId, QueueId, Slot, WorkerId};
use crate::model::Model;
use crate::state_machine::{JobRecord, JobState};

/// Operation ids a fresh request draws from: few enough that an id drawn again while its
/// request is stored is a conflict, and one drawn after it retired is a new request.
const OPERATION_IDS: u64 = 40;

impl QueueSim {
    /// The next call: submits, batches, ticks, internal commands and checkpoints.
    pub(super) fn draw_call(&self, model: &Model, rng: &mut SimRng) -> Call {
        match rng.below(100) {
            0..=49 => Call::Submit(self.request(model, rng), self.slot(model, rng)),
            50..=64 => self.batch(model, rng),
            65..=79 => Call::Tick(self.slot(model, rng)),
            80..=91 => self.internal(model, rng),
            _ => Call::Checkpoint,
        }
    }

    /// The slot of a call: mostly at or a little after the model's, sometimes past the
    /// deadlines of claims and the retention windows, sometimes one below (a regression the
    /// engine refuses), rarely near the end of time (`SlotOverflow` from then on).
    fn slot(&self, model: &Model, rng: &mut SimRng) -> u64 {
        let now = model.slot();
        match rng.below(1000) {
            0 => u64::MAX - self.config.max_client_retry_window_slots - rng.below(3),
            1..=40 if now > 0 => now - 1,
            41..=140 => now.saturating_add(rng.between(3, self.config.max_visibility_slots + 3)),
            _ => now.saturating_add(rng.below(3)),
        }
    }

    /// One batch of up to `max_batch_commands` requests, one in twenty a request too many
    /// (`BatchTooLarge`); one request in eight repeats an earlier one of the same batch.
    fn batch(&self, model: &Model, rng: &mut SimRng) -> Call {
        let max = u64::from(self.config.max_batch_commands);
        let len = if rng.chance(50) {
            max + 1
        } else {
            rng.between(1, max)
        };
        let mut requests: Vec<ClientRequest> = Vec::new();
        for _ in 0..len {
            let request = if !requests.is_empty() && rng.chance(125) {
                requests[rng.index(requests.len())]
            } else {
                self.request(model, rng)
            };
            requests.push(request);
        }
        Call::Batch(requests, self.slot(model, rng))
    }

    /// A client request: an exact retry of a stored one, its id with another command, or a
    /// fresh request.
    fn request(&self, model: &Model, rng: &mut SimRng) -> ClientRequest {
        let stored: Vec<&ClientRequest> = model.requests().collect();
        let roll = rng.below(100);
        if stored.is_empty() || roll >= 30 {
            return self.fresh_request(model, rng);
        }
        let earlier = *stored[rng.index(stored.len())];
        if roll < 24 {
            return earlier;
        }
        ClientRequest {
            operation_id: earlier.operation_id,
            ..self.fresh_request(model, rng)
        }
    }

    fn fresh_request(&self, model: &Model, rng: &mut SimRng) -> ClientRequest {
        ClientRequest {
            operation_id: OperationId(u128::from(rng.between(1, OPERATION_IDS))),
            client_id: ClientId(u128::from(rng.between(1, 2))),
            command: self.command(model, rng),
        }
    }

    /// A command of any kind, valid or not; queue ids go one past the queue table (it fills).
    fn command(&self, model: &Model, rng: &mut SimRng) -> Command {
        let queue_id = QueueId(u128::from(
            rng.between(1, u64::from(self.config.max_queues) + 1),
        ));
        let worker_id = WorkerId(u128::from(rng.between(1, 2)));
        match rng.below(14) {
            0..=1 => Command::CreateQueue {
                queue_id,
                // Zero one time in ten: InvalidRequest.
                max_attempts: if rng.chance(100) {
                    0
                } else {
                    [1, 2, 3][rng.index(3)]
                },
            },
            2..=4 => Command::Enqueue {
                queue_id,
                delay_slots: self.delay(rng),
            },
            5..=7 => Command::Claim {
                queue_id,
                worker_id,
                visibility_slots: self.visibility(rng),
            },
            8..=9 => {
                let (job_id, worker_id, claim_epoch) = fenced(model, rng);
                Command::Ack {
                    job_id,
                    worker_id,
                    claim_epoch,
                }
            }
            10..=11 => {
                let (job_id, worker_id, claim_epoch) = fenced(model, rng);
                Command::Nack {
                    job_id,
                    worker_id,
                    claim_epoch,
                    delay_slots: self.delay(rng),
                }
            }
            12 => {
                let (job_id, worker_id, claim_epoch) = fenced(model, rng);
                Command::Extend {
                    job_id,
                    worker_id,
                    claim_epoch,
                    visibility_slots: self.visibility(rng),
                }
            }
            _ => Command::Cancel {
                job_id: fenced(model, rng).0,
            },
        }
    }

    /// A delay: one above the bound one time in ten (`DelayOutOfRange`).
    fn delay(&self, rng: &mut SimRng) -> u64 {
        let max = self.config.max_delay_slots;
        if rng.chance(100) {
            max + 1
        } else {
            rng.below(max + 1)
        }
    }

    /// A visibility: zero or one above the bound one time in eight (`VisibilityOutOfRange`).
    fn visibility(&self, rng: &mut SimRng) -> u64 {
        let max = self.config.max_visibility_slots;
        if rng.chance(125) {
            if rng.chance(500) { 0 } else { max + 1 }
        } else {
            rng.between(1, max)
        }
    }

    /// An internal `ClaimTimeout`: for a claimed job mostly its own deadline, at a slot where
    /// it is due half the time; for another job a raw deadline (`Noop`). With the tick (the
    /// handle's `submit_internal`) or without it (`submit_internal_untimed`).
    fn internal(&self, model: &Model, rng: &mut SimRng) -> Call {
        let (job_id, _, _) = fenced(model, rng);
        let mut slot = self.slot(model, rng);
        let claimed = model
            .jobs()
            .iter()
            .find(|job| job.job_id == job_id && job.state == JobState::Claimed);
        let deadline = match claimed {
            Some(job) if !rng.chance(200) => {
                if rng.chance(500) {
                    slot = slot.max(job.deadline_slot.get());
                }
                job.deadline_slot.get()
            }
            _ => rng.below(slot.saturating_add(3)),
        };
        Call::Internal {
            command: InternalCommand::ClaimTimeout {
                job_id,
                deadline_slot: Slot(deadline),
            },
            slot,
            timed: rng.chance(500),
        }
    }
}

/// `(job, worker, epoch)` for a fenced command: mostly a live job (a claimed one seven times
/// in ten) with its own worker and epoch, sometimes another worker or an older epoch, and one
/// time in seven a raw id (never assigned, retired, or live with made-up fields).
fn fenced(model: &Model, rng: &mut SimRng) -> (JobId, WorkerId, u64) {
    let jobs = model.jobs();
    if jobs.is_empty() || rng.chance(140) {
        let id = rng.below(model.lsn() + 3);
        let worker = rng.between(1, 2);
        return (
            JobId(u128::from(id)),
            WorkerId(u128::from(worker)),
            rng.below(3),
        );
    }
    let claimed: Vec<&JobRecord> = jobs
        .iter()
        .filter(|job| job.state == JobState::Claimed)
        .collect();
    let job = if !claimed.is_empty() && rng.chance(700) {
        *claimed[rng.index(claimed.len())]
    } else {
        jobs[rng.index(jobs.len())]
    };
    match rng.below(10) {
        0 => (
            job.job_id,
            WorkerId(job.worker_id.get() + 1),
            job.claim_epoch,
        ),
        1 => (job.job_id, job.worker_id, job.claim_epoch.saturating_sub(1)),
        _ => (job.job_id, job.worker_id, job.claim_epoch),
    }
}
