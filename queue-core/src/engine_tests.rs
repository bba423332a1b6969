//! The handle: order of handling, group commit and its bound, tick, dedupe, halts, locks.

use super::*;
use crate::command::Command;
use crate::ids::{ClientId, OperationId, WorkerId};
use crate::result::ResultCode;
use crate::state_machine::JobState;
use runtime::testkit::FaultyStorage;
use runtime::wal::{RecordType, scan};
use std::fs;

const Q: QueueId = QueueId(1);
const W: WorkerId = WorkerId(5);

fn request(op: u128, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(1),
        command,
    }
}

fn create() -> Command {
    Command::CreateQueue {
        queue_id: Q,
        max_attempts: 2,
    }
}

fn enqueue() -> Command {
    Command::Enqueue {
        queue_id: Q,
        delay_slots: 0,
    }
}

fn claim(visibility_slots: u64) -> Command {
    Command::Claim {
        queue_id: Q,
        worker_id: W,
        visibility_slots,
    }
}

fn frames_of(engine: &QueueEngine) -> Vec<(u64, u64, RecordType)> {
    let bytes = fs::read(engine.wal_path()).unwrap();
    scan(&bytes, WAL_MAGIC, u32::MAX)
        .frames
        .iter()
        .map(|f| (f.lsn, f.request_slot, f.record_type))
        .collect()
}

fn open(dir: &tempfile::TempDir) -> QueueEngine {
    QueueEngine::open(dir.path(), Config::small()).unwrap()
}

#[test]
fn submit_applies_reads_and_reopens_to_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(&dir);
    assert_eq!(
        engine
            .submit(&request(1, create()), Slot(0))
            .unwrap()
            .result_code,
        ResultCode::Ok
    );
    let job = engine
        .submit(&request(2, enqueue()), Slot(0))
        .unwrap()
        .job_id
        .unwrap();
    assert_eq!(job, JobId(2));
    assert_eq!(engine.get_queue(Q).unwrap().ready_jobs, 1);
    assert_eq!(engine.get_job(JobId(3)), Err(JobLookupError::JobNotFound));
    assert!(engine.snapshot_path().ends_with(SNAPSHOT_FILE_NAME));
    let dump = engine.dump();
    drop(engine);
    let reopened = open(&dir);
    assert_eq!(reopened.dump(), dump);
    assert_eq!(reopened.recovery_report().frames_replayed, 2);
    assert_eq!(reopened.get_job(job).unwrap().state, JobState::Ready);
}

#[test]
fn a_retried_enqueue_gets_the_same_job_id_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(&dir);
    engine.submit(&request(1, create()), Slot(0)).unwrap();
    let first = engine.submit(&request(2, enqueue()), Slot(0)).unwrap();
    let len = fs::metadata(engine.wal_path()).unwrap().len();
    assert_eq!(
        engine.submit(&request(2, enqueue()), Slot(3)).unwrap(),
        first
    );
    let conflict = engine.submit(&request(2, claim(1)), Slot(3)).unwrap();
    assert_eq!(conflict.result_code, ResultCode::OperationConflict);
    assert_eq!(fs::metadata(engine.wal_path()).unwrap().len(), len);
}

#[test]
fn slot_regression_and_oversized_batches_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(&dir);
    engine.submit(&request(1, create()), Slot(5)).unwrap();
    let regression = SubmitError::SlotRegression {
        request_slot: Slot(4),
        last_slot: Slot(5),
    };
    assert_eq!(
        engine.submit(&request(2, enqueue()), Slot(4)),
        Err(regression.clone())
    );
    assert_eq!(engine.tick(Slot(4)), Err(regression.clone()));
    assert_eq!(
        engine.submit_batch(&[request(2, enqueue())], Slot(4)),
        Err(regression)
    );
    let max = Config::small().max_batch_commands;
    let batch: Vec<_> = (0..=u128::from(max))
        .map(|op| request(10 + op, enqueue()))
        .collect();
    let error = engine.submit_batch(&batch, Slot(6)).unwrap_err();
    assert_eq!(
        error,
        SubmitError::BatchTooLarge {
            len: batch.len(),
            max
        }
    );
    assert!(error.to_string().contains("max_batch_commands"));
    assert_eq!(frames_of(&engine).len(), 1);
    let outcomes = engine
        .submit_batch(&batch[..max as usize], Slot(6))
        .unwrap();
    assert_eq!(outcomes.len(), max as usize);
    assert_eq!(frames_of(&engine).len(), 1 + max as usize);
}

#[test]
fn the_group_commit_buffer_is_sized_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(&dir);
    let capacity = engine.frame_buffer_capacity();
    let frame = runtime::wal::HEADER_LEN + crate::command_codec::MAX_CLIENT_PAYLOAD_LEN;
    let groups = Config::small().max_batch_commands.max(64) as usize;
    assert!(
        (groups * frame..groups * frame + frame).contains(&capacity),
        "a batch (or a tick group) of the largest frames, no more: {capacity}"
    );
    engine.submit(&request(1, create()), Slot(0)).unwrap();
    for round in 0..4_u128 {
        let batch: Vec<_> = (0..2)
            .map(|op| request(100 + round * 100 + op, enqueue()))
            .collect();
        engine
            .submit_batch(&batch, Slot(10 * u64::try_from(round).unwrap()))
            .unwrap();
        engine
            .submit(
                &request(round + 2, claim(3)),
                Slot(10 * u64::try_from(round).unwrap()),
            )
            .unwrap();
        let due = engine
            .tick(Slot(10 * u64::try_from(round).unwrap() + 5))
            .unwrap();
        assert_eq!(due.len(), 1, "the claim timed out");
    }
    assert_eq!(engine.frame_buffer_capacity(), capacity);
}

#[test]
fn tick_writes_claim_timeouts_in_deadline_then_id_order_and_redelivers() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(&dir);
    engine.submit(&request(1, create()), Slot(0)).unwrap();
    let jobs: Vec<JobId> = (2..5)
        .map(|op| {
            engine
                .submit(&request(op, enqueue()), Slot(0))
                .unwrap()
                .job_id
                .unwrap()
        })
        .collect();
    engine.submit(&request(5, claim(4)), Slot(0)).unwrap(); // jobs[0], deadline 4
    engine.submit(&request(6, claim(3)), Slot(0)).unwrap(); // jobs[1], deadline 3
    engine.submit(&request(7, claim(3)), Slot(1)).unwrap(); // jobs[2], deadline 4
    assert_eq!(
        engine.tick(Slot(2)).unwrap(),
        Vec::new(),
        "nothing due writes nothing"
    );
    let outcomes = engine.tick(Slot(4)).unwrap();
    let ids: Vec<_> = outcomes.iter().map(|o| o.job_id.unwrap()).collect();
    assert_eq!(ids, [jobs[1], jobs[0], jobs[2]]);
    let internal = frames_of(&engine)
        .iter()
        .filter(|f| f.2 == INTERNAL_COMMAND)
        .count();
    assert_eq!(internal, 3);
    // Redelivery: ready at their deadlines, so jobs[1] (deadline 3) comes first.
    let again = engine.submit(&request(8, claim(2)), Slot(4)).unwrap();
    assert_eq!((again.job_id, again.claim_epoch), (Some(jobs[1]), Some(2)));
    let stale = Command::Ack {
        job_id: jobs[1],
        worker_id: W,
        claim_epoch: 1,
    };
    assert_eq!(
        engine
            .submit(&request(9, stale), Slot(4))
            .unwrap()
            .result_code,
        ResultCode::StaleEpoch
    );
    // A submit ticks first: the second claim of jobs[1] times out and, attempts spent, dies.
    engine.submit(&request(10, enqueue()), Slot(6)).unwrap();
    assert_eq!(engine.get_job(jobs[1]).unwrap().state, JobState::Dead);
    let noop = InternalCommand::ClaimTimeout {
        job_id: jobs[1],
        deadline_slot: Slot(6),
    };
    assert_eq!(
        engine.submit_internal(&noop, Slot(6)).unwrap().result_code,
        ResultCode::Noop
    );
    let dump = engine.dump();
    drop(engine);
    assert_eq!(open(&dir).dump(), dump, "replay reproduces the timeouts");
}

#[test]
fn a_failed_write_halts_until_reopen_and_a_second_open_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FaultyStorage::new();
    let faults = storage.clone();
    let mut engine =
        QueueEngine::open_with_storage(dir.path(), Config::small(), Box::new(storage)).unwrap();
    engine.submit(&request(1, create()), Slot(0)).unwrap();
    assert!(!engine.is_halted(), "a handle that wrote is not halted");
    faults.fail_nth_write(1);
    assert!(matches!(
        engine.submit(&request(2, enqueue()), Slot(0)),
        Err(SubmitError::Io(_))
    ));
    assert!(engine.is_halted());
    assert_eq!(
        engine.submit(&request(3, enqueue()), Slot(0)),
        Err(SubmitError::EngineHalted)
    );
    assert_eq!(engine.checkpoint(), Err(SubmitError::EngineHalted));
    let locked = QueueEngine::open(dir.path(), Config::small()).unwrap_err();
    assert!(matches!(locked, RecoveryError::Locked { .. }), "{locked}");
    drop(engine);
    let reopened = open(&dir);
    assert_eq!(reopened.state().last_applied_lsn(), Lsn(1));
}

#[test]
fn checkpoint_then_more_writes_recover_through_snapshot_and_wal() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(&dir);
    engine.submit(&request(1, create()), Slot(0)).unwrap();
    engine.submit(&request(2, enqueue()), Slot(0)).unwrap();
    assert_eq!(engine.checkpoint().unwrap(), Lsn(2));
    engine.submit(&request(3, claim(2)), Slot(1)).unwrap();
    let dump = engine.dump();
    drop(engine);
    let reopened = open(&dir);
    assert_eq!(reopened.dump(), dump);
    assert_eq!(reopened.recovery_report().snapshot_lsn, Some(Lsn(2)));
    assert_eq!(reopened.recovery_report().frames_replayed, 1);
}

#[test]
fn the_largest_command_is_written_whole_at_the_smallest_valid_bound() {
    let dir = tempfile::tempdir().unwrap();
    let max = u32::try_from(crate::command_codec::MAX_CLIENT_PAYLOAD_LEN).unwrap();
    let config = Config {
        max_wal_payload_bytes: max,
        ..Config::small()
    };
    config.validate().unwrap();
    let mut engine = QueueEngine::open(dir.path(), config).unwrap();
    let nack = Command::Nack {
        job_id: JobId(7),
        worker_id: W,
        claim_epoch: 1,
        delay_slots: 0,
    };
    assert_eq!(
        crate::command_codec::client_payload_len(&nack),
        max as usize
    );
    let outcome = engine.submit(&request(1, nack), Slot(0)).unwrap();
    assert_eq!(outcome.result_code, ResultCode::JobNotFound);
    let bytes = fs::read(engine.wal_path()).unwrap();
    let frames = scan(&bytes, WAL_MAGIC, max).frames;
    assert_eq!(frames.len(), 1, "written although its outcome is a refusal");
    assert_eq!(frames[0].payload.len(), max as usize);
}
