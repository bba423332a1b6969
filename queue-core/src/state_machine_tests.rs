//! Every result code of every command, in the documented check order, on the bare state
//! machine (debug builds also check every invariant after each apply).

use super::*;
use crate::command::Command;
use crate::ids::{ClientId, WorkerId};

pub(crate) use crate::result::ResultCode as R;

/// A state machine and the next lsn and operation id to use.
pub(crate) struct Harness {
    pub(crate) sm: StateMachine,
    lsn: u64,
    op: u128,
}

pub(crate) const Q: QueueId = QueueId(1);
pub(crate) const W: WorkerId = WorkerId(7);
pub(crate) const OTHER: WorkerId = WorkerId(8);

impl Harness {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            sm: StateMachine::new(config),
            lsn: 0,
            op: 0,
        }
    }

    pub(crate) fn ctx(&mut self, slot: u64) -> CommandContext {
        self.lsn += 1;
        CommandContext {
            lsn: Lsn(self.lsn),
            request_slot: Slot(slot),
        }
    }

    pub(crate) fn at(&mut self, slot: u64, command: Command) -> CommandOutcome {
        self.op += 1;
        let request = ClientRequest {
            operation_id: OperationId(self.op),
            client_id: ClientId(1),
            command,
        };
        let ctx = self.ctx(slot);
        let outcome = self.sm.apply_client(ctx, &request);
        self.sm.validate_invariants().unwrap();
        outcome
    }

    pub(crate) fn code(&mut self, slot: u64, command: Command) -> ResultCode {
        self.at(slot, command).result_code
    }

    pub(crate) fn timeout(&mut self, slot: u64, job_id: JobId, deadline: u64) -> CommandOutcome {
        let ctx = self.ctx(slot);
        let command = InternalCommand::ClaimTimeout {
            job_id,
            deadline_slot: Slot(deadline),
        };
        let outcome = self.sm.apply_internal(ctx, &command);
        self.sm.validate_invariants().unwrap();
        outcome
    }

    pub(crate) fn job(&self, job_id: JobId) -> JobRecord {
        self.sm.get_job(job_id).unwrap()
    }

    /// A queue with `max_attempts` and one job claimed by `W` at slot 1; returns the job id.
    pub(crate) fn claimed(max_attempts: u32) -> (Self, JobId) {
        let mut h = Self::new(Config::small());
        h.at(
            0,
            Command::CreateQueue {
                queue_id: Q,
                max_attempts,
            },
        );
        let job = h
            .at(
                0,
                Command::Enqueue {
                    queue_id: Q,
                    delay_slots: 0,
                },
            )
            .job_id
            .unwrap();
        let claim = h.at(
            1,
            Command::Claim {
                queue_id: Q,
                worker_id: W,
                visibility_slots: 5,
            },
        );
        assert_eq!(claim, CommandOutcome::claim(job, 1, Slot(6)));
        (h, job)
    }
}

pub(crate) fn enqueue(delay_slots: u64) -> Command {
    Command::Enqueue {
        queue_id: Q,
        delay_slots,
    }
}

pub(crate) fn claim(visibility_slots: u64) -> Command {
    Command::Claim {
        queue_id: Q,
        worker_id: W,
        visibility_slots,
    }
}

pub(crate) fn ack(job_id: JobId, worker_id: WorkerId, claim_epoch: u64) -> Command {
    Command::Ack {
        job_id,
        worker_id,
        claim_epoch,
    }
}

pub(crate) fn nack(
    job_id: JobId,
    worker_id: WorkerId,
    claim_epoch: u64,
    delay_slots: u64,
) -> Command {
    Command::Nack {
        job_id,
        worker_id,
        claim_epoch,
        delay_slots,
    }
}

pub(crate) fn extend(
    job_id: JobId,
    worker_id: WorkerId,
    claim_epoch: u64,
    visibility_slots: u64,
) -> Command {
    Command::Extend {
        job_id,
        worker_id,
        claim_epoch,
        visibility_slots,
    }
}

#[test]
fn create_queue_codes_in_order() {
    let mut config = Config::small();
    config.max_queues = 1;
    let mut h = Harness::new(config);
    assert_eq!(
        h.code(
            0,
            Command::CreateQueue {
                queue_id: Q,
                max_attempts: 0
            }
        ),
        R::InvalidRequest
    );
    assert_eq!(
        h.code(
            0,
            Command::CreateQueue {
                queue_id: Q,
                max_attempts: 2
            }
        ),
        R::Ok
    );
    assert_eq!(
        h.code(
            0,
            Command::CreateQueue {
                queue_id: Q,
                max_attempts: 0
            }
        ),
        R::InvalidRequest
    );
    assert_eq!(
        h.code(
            0,
            Command::CreateQueue {
                queue_id: Q,
                max_attempts: 3
            }
        ),
        R::AlreadyExists
    );
    let other = Command::CreateQueue {
        queue_id: QueueId(2),
        max_attempts: 1,
    };
    assert_eq!(h.code(0, other), R::QueueTableFull);
    let queue = h.sm.get_queue(Q).unwrap();
    assert_eq!(
        (
            queue.max_attempts,
            queue.ready_jobs,
            queue.claimed_jobs,
            queue.dead_jobs
        ),
        (2, 0, 0, 0)
    );
}

#[test]
pub(crate) fn enqueue_codes_in_order_and_ids_are_lsns() {
    let mut config = Config::small();
    config.max_jobs = 2;
    config.max_expiration_bucket_len = 2;
    let mut h = Harness::new(config);
    assert_eq!(h.code(0, enqueue(17)), R::DelayOutOfRange);
    assert_eq!(h.code(0, enqueue(16)), R::QueueNotFound);
    h.at(
        0,
        Command::CreateQueue {
            queue_id: Q,
            max_attempts: 1,
        },
    );
    assert_eq!(h.at(1, enqueue(0)), CommandOutcome::job(JobId(4)));
    assert_eq!(h.at(1, enqueue(3)), CommandOutcome::job(JobId(5)));
    assert_eq!(h.code(1, enqueue(0)), R::JobTableFull);
    let job = h.job(JobId(5));
    assert_eq!(
        (job.state, job.available_slot, job.ready_lsn, job.attempts),
        (JobState::Ready, Slot(4), Lsn(5), 0)
    );
    assert_eq!(h.sm.get_queue(Q).unwrap().ready_jobs, 2);
    // The slot is derived after the range check and before the queue lookup.
    let near_end = u64::MAX - Config::small().max_client_retry_window_slots;
    assert_eq!(
        h.code(
            near_end,
            Command::Enqueue {
                queue_id: QueueId(9),
                delay_slots: 9
            }
        ),
        R::SlotOverflow
    );
}

#[test]
fn claim_codes_in_order_and_takes_the_smallest_available_then_oldest() {
    let mut config = Config::small();
    config.max_expiration_bucket_len = 1;
    let mut h = Harness::new(config);
    assert_eq!(h.code(0, claim(0)), R::VisibilityOutOfRange);
    assert_eq!(h.code(0, claim(17)), R::VisibilityOutOfRange);
    assert_eq!(h.code(0, claim(1)), R::QueueNotFound);
    h.at(
        0,
        Command::CreateQueue {
            queue_id: Q,
            max_attempts: 3,
        },
    );
    assert_eq!(h.code(0, claim(1)), R::QueueEmpty);
    let late = h.at(0, enqueue(5)).job_id.unwrap();
    let first = h.at(0, enqueue(2)).job_id.unwrap();
    let second = h.at(0, enqueue(2)).job_id.unwrap();
    assert_eq!(
        h.code(1, claim(1)),
        R::QueueEmpty,
        "nothing is available before slot 2"
    );
    assert_eq!(h.sm.next_ready(Q, Slot(2)), Some(first));
    assert_eq!(h.at(2, claim(3)), CommandOutcome::claim(first, 1, Slot(5)));
    assert_eq!(
        h.code(2, claim(3)),
        R::ExpirationIndexFull,
        "one claim per deadline slot"
    );
    assert_eq!(h.at(2, claim(4)), CommandOutcome::claim(second, 1, Slot(6)));
    assert_eq!(h.code(4, claim(1)), R::QueueEmpty);
    assert_eq!(h.at(5, claim(2)).job_id, Some(late));
    let job = h.job(late);
    assert_eq!(
        (job.state, job.worker_id, job.deadline_slot, job.attempts),
        (JobState::Claimed, W, Slot(7), 1)
    );
    let queue = h.sm.get_queue(Q).unwrap();
    assert_eq!((queue.ready_jobs, queue.claimed_jobs), (0, 3));
    let near_end = u64::MAX - Config::small().max_client_retry_window_slots;
    assert_eq!(h.code(near_end, claim(16)), R::SlotOverflow);
}

#[test]
fn cancel_codes_and_a_cancel_in_the_middle_keeps_the_order() {
    let mut h = Harness::new(Config::small());
    h.at(
        0,
        Command::CreateQueue {
            queue_id: Q,
            max_attempts: 1,
        },
    );
    let jobs: Vec<JobId> = (0..5)
        .map(|_| h.at(0, enqueue(0)).job_id.unwrap())
        .collect();
    assert_eq!(
        h.code(0, Command::Cancel { job_id: JobId(999) }),
        R::JobNotFound
    );
    assert_eq!(
        h.at(0, Command::Cancel { job_id: jobs[2] }),
        CommandOutcome::job(jobs[2])
    );
    assert_eq!(
        h.code(0, Command::Cancel { job_id: jobs[2] }),
        R::InvalidState
    );
    assert_eq!(
        h.at(1, Command::Cancel { job_id: jobs[3] }),
        CommandOutcome::job(jobs[3])
    );
    let order: Vec<Option<JobId>> = (2..6).map(|slot| h.at(slot, claim(1)).job_id).collect();
    assert_eq!(
        order,
        vec![Some(jobs[0]), Some(jobs[1]), Some(jobs[4]), None]
    );
    // Cancelled at slot 0, history window 4: retired by slot 20.
    h.at(
        20,
        Command::CreateQueue {
            queue_id: QueueId(5),
            max_attempts: 1,
        },
    );
    assert_eq!(
        h.code(20, Command::Cancel { job_id: jobs[2] }),
        R::JobRetired
    );
}

#[test]
fn dedupe_conflict_table_full_and_window_overflow() {
    let mut config = Config::small();
    config.max_operations = 2;
    let mut h = Harness::new(config);
    let create = Command::CreateQueue {
        queue_id: Q,
        max_attempts: 1,
    };
    let request = ClientRequest {
        operation_id: OperationId(50),
        client_id: ClientId(1),
        command: create,
    };
    let ctx = h.ctx(0);
    assert_eq!(h.sm.apply_client(ctx, &request).result_code, R::Ok);
    assert_eq!(
        h.sm.lookup_operation(&request, Slot(0))
            .unwrap()
            .result_code,
        R::Ok
    );
    let other = ClientRequest {
        command: enqueue(0),
        ..request
    };
    assert_eq!(
        h.sm.lookup_operation(&other, Slot(0)).unwrap().result_code,
        R::OperationConflict
    );
    let ctx = h.ctx(0);
    assert_eq!(
        h.sm.apply_client(ctx, &other).result_code,
        R::OperationConflict
    );
    assert_eq!(h.code(0, enqueue(0)), R::Ok);
    assert_eq!(h.code(0, enqueue(0)), R::OperationTableFull);
    assert_eq!(
        h.code(u64::MAX, enqueue(0)),
        R::SlotOverflow,
        "the window itself overflows"
    );
    assert_eq!(h.sm.get_operation(OperationId(50)), None, "retired by then");
}

#[test]
fn allocations_never_change() {
    let (mut h, job) = Harness::claimed(2);
    let before = h.sm.allocations();
    for slot in 2..40 {
        h.at(slot, enqueue(0));
        h.at(slot, claim(3));
        h.at(slot, ack(job, W, 1));
    }
    assert_eq!(h.sm.allocations(), before);
    assert_eq!(before.ready_nodes, Config::small().max_jobs as usize);
}
