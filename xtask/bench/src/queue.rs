//! queue-core's standard workload: 1,000 `CreateQueue` (max attempts 2), then cycles of 7
//! commands round-robin over the queues: `Enqueue` (the job's id is its lsn), `Claim` (takes
//! it), `Nack` (back to ready), `Claim` (epoch 2), `Ack`, `Enqueue`, `Cancel` of that second
//! job. Every job ends within its cycle and retires after the history window, so the job table
//! stays small; every command is expected to return `Ok`. Four of seven commands are claims or
//! fenced completions, so the ready index (a pop and a reinsert per cycle, a removal from the
//! middle per cycle) and the deadline wheel are on the hot path.

use queue_core::command::{ClientRequest, Command};
use queue_core::config::Config;
use queue_core::ids::{ClientId, JobId, OperationId, QueueId, WorkerId};
use queue_core::snapshot::max_snapshot_file_len;

use crate::subject::{Generator, Subject, common_methods};

pub const QUEUES: u64 = 1_000;
const VISIBILITY_SLOTS: u64 = 1_000;
const WORKER: WorkerId = WorkerId(7);

pub struct Queue;

impl Subject for Queue {
    const NAME: &'static str = "queue-core";
    type Config = Config;
    type Request = ClientRequest;
    type Gen = QueueGen;

    fn config(scale: u32) -> Config {
        let mut config = Config {
            max_queues: 1_000 * scale,
            max_jobs: 4_096 * scale,
            max_operations: 4_096 * scale,
            max_delay_slots: 1_024,
            max_visibility_slots: 1_024,
            max_client_retry_window_slots: 1_024,
            job_history_window_slots: 1_024,
            max_expiration_bucket_len: 16 * scale,
            max_wal_payload_bytes: 1_024,
            max_snapshot_bytes: 0,
            max_batch_commands: 4_096,
        };
        config.max_snapshot_bytes = max_snapshot_file_len(&config);
        config
    }

    common_methods!(queue_core, QueueEngine);
}

pub struct QueueGen {
    request: ClientRequest,
}

impl Generator for QueueGen {
    type Request = ClientRequest;

    fn new() -> Self {
        Self {
            request: ClientRequest {
                operation_id: OperationId(0),
                client_id: ClientId(1),
                command: Command::Cancel { job_id: JobId(0) },
            },
        }
    }

    fn get(&mut self, index: u64) -> &ClientRequest {
        let lsn = index + 1;
        self.request.operation_id = OperationId(u128::from(lsn));
        if index < QUEUES {
            self.request.command = Command::CreateQueue {
                queue_id: QueueId(u128::from(lsn)),
                max_attempts: 2,
            };
            return &self.request;
        }
        let step = index - QUEUES;
        let (cycle, phase) = (step / 7, step % 7);
        let queue_id = QueueId(u128::from(cycle % QUEUES + 1));
        // The cycle's first job is the lsn of its first command; the second, six lsns later.
        let first = JobId(u128::from(lsn - phase));
        let second = JobId(u128::from(lsn - phase + 5));
        let claim = Command::Claim {
            queue_id,
            worker_id: WORKER,
            visibility_slots: VISIBILITY_SLOTS,
        };
        self.request.command = match phase {
            0 | 5 => Command::Enqueue {
                queue_id,
                delay_slots: 0,
            },
            1 | 3 => claim,
            2 => Command::Nack {
                job_id: first,
                worker_id: WORKER,
                claim_epoch: 1,
                delay_slots: 0,
            },
            4 => Command::Ack {
                job_id: first,
                worker_id: WORKER,
                claim_epoch: 2,
            },
            _ => Command::Cancel { job_id: second },
        };
        &self.request
    }
}

/// Queues of the Claim-heavy workload, and jobs enqueued in each.
pub const CLAIM_QUEUES: u64 = 100;
const JOBS_PER_QUEUE: u64 = 40;
const PREFILL: u64 = CLAIM_QUEUES + CLAIM_QUEUES * JOBS_PER_QUEUE;

/// The Claim-heavy workload: 100 `CreateQueue` (attempts unbounded in practice), 4,000
/// `Enqueue` (40 jobs per queue, round-robin), then pairs `Claim` / `Nack` round-robin over
/// the queues. Every claim pops the oldest of 40 ready jobs from its queue's heap and every nack
/// pushes it back at the end (a new `(available_slot, ready_lsn)`), so each pair is a heap pop,
/// a heap insert and a deadline-wheel insert and removal. Half the commands are claims.
pub struct QueueClaims;

impl Subject for QueueClaims {
    const NAME: &'static str = "queue-core-claims";
    type Config = Config;
    type Request = ClientRequest;
    type Gen = ClaimGen;

    fn config(scale: u32) -> Config {
        Queue::config(scale)
    }

    common_methods!(queue_core, QueueEngine);
}

pub struct ClaimGen {
    request: ClientRequest,
}

impl Generator for ClaimGen {
    type Request = ClientRequest;

    fn new() -> Self {
        Self {
            request: QueueGen::new().request,
        }
    }

    fn get(&mut self, index: u64) -> &ClientRequest {
        let lsn = index + 1;
        self.request.operation_id = OperationId(u128::from(lsn));
        self.request.command = if index < CLAIM_QUEUES {
            Command::CreateQueue {
                queue_id: QueueId(u128::from(lsn)),
                max_attempts: u32::MAX,
            }
        } else if index < PREFILL {
            let queue_id = QueueId(u128::from((index - CLAIM_QUEUES) % CLAIM_QUEUES + 1));
            Command::Enqueue {
                queue_id,
                delay_slots: 0,
            }
        } else {
            // Pair `p` works on queue `q` in round `r`; the queue is FIFO (a nack readies the
            // job behind the others), so round `r` takes the job at position `r mod 40`.
            let pair = (index - PREFILL) / 2;
            let (queue, round) = (pair % CLAIM_QUEUES, pair / CLAIM_QUEUES);
            let queue_id = QueueId(u128::from(queue + 1));
            if (index - PREFILL).is_multiple_of(2) {
                Command::Claim {
                    queue_id,
                    worker_id: WORKER,
                    visibility_slots: VISIBILITY_SLOTS,
                }
            } else {
                let position = round % JOBS_PER_QUEUE;
                let job_id = JobId(u128::from(
                    CLAIM_QUEUES + 1 + position * CLAIM_QUEUES + queue,
                ));
                let claim_epoch = round / JOBS_PER_QUEUE + 1;
                Command::Nack {
                    job_id,
                    worker_id: WORKER,
                    claim_epoch,
                    delay_slots: 0,
                }
            }
        };
        &self.request
    }
}
