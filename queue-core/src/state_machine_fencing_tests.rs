//! The fenced commands (`Ack`, `Nack`, `Extend`) and `ClaimTimeout`: every result code, in
//! the documented check order.

use super::tests::{Harness, OTHER, Q, R, W, ack, claim, enqueue, extend, nack};
use super::*;
use crate::command::Command;

#[test]
fn ack_codes_in_order() {
    let (mut h, job) = Harness::claimed(2);
    assert_eq!(h.code(2, ack(JobId(99), W, 1)), R::JobNotFound);
    assert_eq!(h.code(2, ack(job, OTHER, 1)), R::WorkerMismatch);
    assert_eq!(h.code(2, ack(job, W, 0)), R::StaleEpoch);
    assert_eq!(
        h.code(2, ack(job, W, 2)),
        R::StaleEpoch,
        "an epoch never handed out"
    );
    assert_eq!(h.at(2, ack(job, W, 1)), CommandOutcome::job(job));
    assert_eq!(h.job(job).state, JobState::Done);
    assert_eq!(h.code(2, ack(job, W, 1)), R::InvalidState);
    assert_eq!(h.sm.get_queue(Q).unwrap().claimed_jobs, 0);
    // Done at slot 2, history window 4: readable through slot 6, retired at 7.
    assert_eq!(h.code(6, ack(job, W, 1)), R::InvalidState);
    assert_eq!(h.code(7, ack(job, W, 1)), R::JobRetired);
    assert_eq!(h.sm.retired_job_watermark(), job);
    assert_eq!(h.sm.get_job(job), Err(JobLookupError::JobRetired));
    assert_eq!(h.sm.get_job(JobId(1000)), Err(JobLookupError::JobNotFound));
}

#[test]
fn nack_codes_in_order_and_the_last_attempt_dies() {
    let (mut h, job) = Harness::claimed(2);
    assert_eq!(h.code(2, nack(job, W, 1, 17)), R::DelayOutOfRange);
    assert_eq!(h.code(2, nack(JobId(99), W, 1, 0)), R::JobNotFound);
    assert_eq!(h.code(2, nack(job, OTHER, 1, 0)), R::WorkerMismatch);
    assert_eq!(h.code(2, nack(job, W, 0, 0)), R::StaleEpoch);
    assert_eq!(h.at(2, nack(job, W, 1, 3)), CommandOutcome::job(job));
    let record = h.job(job);
    assert_eq!(
        (record.state, record.available_slot, record.ready_lsn),
        (JobState::Ready, Slot(5), h.sm.last_applied_lsn())
    );
    assert_eq!(h.code(3, nack(job, W, 1, 0)), R::InvalidState);
    assert_eq!(h.code(4, claim(2)), R::QueueEmpty);
    assert_eq!(
        h.at(
            5,
            Command::Claim {
                queue_id: Q,
                worker_id: OTHER,
                visibility_slots: 2
            }
        )
        .claim_epoch,
        Some(2)
    );
    assert_eq!(
        h.code(5, nack(job, W, 1, 0)),
        R::WorkerMismatch,
        "the first worker is fenced out"
    );
    assert_eq!(h.at(5, nack(job, OTHER, 2, 0)), CommandOutcome::job(job));
    assert_eq!(h.job(job).state, JobState::Dead);
    let queue = h.sm.get_queue(Q).unwrap();
    assert_eq!(
        (queue.ready_jobs, queue.claimed_jobs, queue.dead_jobs),
        (0, 0, 1)
    );
    h.at(10, enqueue(0));
    assert_eq!(
        h.sm.get_queue(Q).unwrap().dead_jobs,
        0,
        "a dead job leaves the count when it retires"
    );
    let near_end = u64::MAX - Config::small().max_client_retry_window_slots;
    assert_eq!(h.code(near_end, nack(job, W, 1, 16)), R::SlotOverflow);
}

#[test]
fn extend_codes_in_order() {
    let (mut h, job) = Harness::claimed(3);
    assert_eq!(h.code(2, extend(job, W, 1, 0)), R::VisibilityOutOfRange);
    assert_eq!(h.code(2, extend(JobId(99), W, 1, 4)), R::JobNotFound);
    assert_eq!(h.code(2, extend(job, OTHER, 1, 4)), R::WorkerMismatch);
    assert_eq!(h.code(2, extend(job, W, 7, 4)), R::StaleEpoch);
    assert_eq!(
        h.at(2, extend(job, W, 1, 9)),
        CommandOutcome::claim(job, 1, Slot(11))
    );
    assert_eq!(h.sm.deadline_index(), vec![(Slot(11), job)]);
    assert_eq!(
        h.at(2, extend(job, W, 1, 9)).deadline_slot,
        Some(Slot(11)),
        "the same deadline has room"
    );
    // Another claim fills the bucket of slot 12 (bucket length 8 in the small config: fill it).
    let mut config = Config::small();
    config.max_expiration_bucket_len = 1;
    let mut h = Harness::new(config);
    h.at(
        0,
        Command::CreateQueue {
            queue_id: Q,
            max_attempts: 3,
        },
    );
    let a = h.at(0, enqueue(0)).job_id.unwrap();
    h.at(0, enqueue(0));
    h.at(1, claim(5));
    h.at(1, claim(6));
    assert_eq!(h.code(1, extend(a, W, 1, 6)), R::ExpirationIndexFull);
    assert_eq!(
        h.code(1, Command::Cancel { job_id: a }),
        R::InvalidState,
        "a claimed job cannot be cancelled"
    );
    let near_end = u64::MAX - Config::small().max_client_retry_window_slots;
    assert_eq!(h.code(near_end, extend(a, W, 1, 16)), R::SlotOverflow);
}

#[test]
fn claim_timeout_readies_at_the_deadline_or_kills_and_is_noop_otherwise() {
    let (mut h, job) = Harness::claimed(2);
    assert_eq!(h.timeout(5, job, 6).result_code, R::Noop, "not due yet");
    assert_eq!(h.timeout(6, JobId(99), 6).result_code, R::Noop);
    assert_eq!(
        h.timeout(6, job, 5).result_code,
        R::Noop,
        "another deadline"
    );
    assert_eq!(
        h.sm.due_timeouts(Slot(6), 8),
        vec![InternalCommand::ClaimTimeout {
            job_id: job,
            deadline_slot: Slot(6)
        }]
    );
    assert_eq!(h.timeout(8, job, 6), CommandOutcome::job(job));
    let record = h.job(job);
    assert_eq!(
        (record.state, record.available_slot, record.ready_lsn),
        (JobState::Ready, Slot(6), h.sm.last_applied_lsn())
    );
    assert_eq!(
        h.timeout(8, job, 6).result_code,
        R::Noop,
        "no longer claimed"
    );
    assert_eq!(
        h.code(8, ack(job, W, 1)),
        R::InvalidState,
        "the timed-out worker cannot finish it"
    );
    assert_eq!(h.at(8, claim(1)).claim_epoch, Some(2));
    assert_eq!(
        h.code(8, ack(job, W, 1)),
        R::StaleEpoch,
        "even the same worker, with the old epoch"
    );
    assert_eq!(h.timeout(9, job, 9), CommandOutcome::job(job));
    assert_eq!(h.job(job).state, JobState::Dead);
}
