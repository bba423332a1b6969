use super::*;
use crate::command::{ClientRequest, Command, CommandContext, InternalCommand};
use crate::ids::{ClientId, JobId, Lsn, OperationId, QueueId, Slot, WorkerId};
use crate::state_machine::JobState;

const Q: QueueId = QueueId(3);
const W: WorkerId = WorkerId(9);

fn enqueue(delay_slots: u64) -> Command {
    Command::Enqueue {
        queue_id: Q,
        delay_slots,
    }
}

fn claim(visibility_slots: u64) -> Command {
    Command::Claim {
        queue_id: Q,
        worker_id: W,
        visibility_slots,
    }
}

fn ack(job: u128) -> Command {
    Command::Ack {
        job_id: JobId(job),
        worker_id: W,
        claim_epoch: 1,
    }
}

fn nack(job: u128) -> Command {
    Command::Nack {
        job_id: JobId(job),
        worker_id: W,
        claim_epoch: 1,
        delay_slots: 0,
    }
}

/// A state with every live and terminal job state, operations, retired jobs (the watermark).
fn busy() -> StateMachine {
    let mut sm = StateMachine::new(Config::small());
    let create = Command::CreateQueue {
        queue_id: Q,
        max_attempts: 1,
    };
    let steps = [
        (0, create),
        (0, enqueue(0)), // job 2: cancelled, retired by slot 6
        (0, Command::Cancel { job_id: JobId(2) }),
        (0, enqueue(0)), // job 4: done, retired by slot 6
        (1, claim(3)),
        (1, ack(4)),
        (6, enqueue(0)), // job 7: dead
        (6, claim(2)),
        (6, nack(7)),
        (6, enqueue(0)), // job 10: claimed
        (6, claim(4)),
        (6, enqueue(5)), // job 12: ready
        (
            6,
            Command::Enqueue {
                queue_id: QueueId(4),
                delay_slots: 5,
            },
        ),
    ];
    for (index, (slot, command)) in (1_u64..).zip(steps) {
        let operation_id = OperationId(u128::from(index));
        let request = ClientRequest {
            operation_id,
            client_id: ClientId(1),
            command,
        };
        let ctx = CommandContext {
            lsn: Lsn(index),
            request_slot: Slot(slot),
        };
        sm.apply_client(ctx, &request);
    }
    let ctx = CommandContext {
        lsn: Lsn(14),
        request_slot: Slot(6),
    };
    let stray = InternalCommand::ClaimTimeout {
        job_id: JobId(99),
        deadline_slot: Slot(1),
    };
    sm.apply_internal(ctx, &stray);
    sm
}

#[test]
fn a_snapshot_round_trips_every_record_and_index() {
    let sm = busy();
    let dump = sm.dump();
    assert_eq!(dump.retired_job_watermark, JobId(4));
    let states: Vec<_> = dump.jobs.iter().map(|job| job.state).collect();
    assert_eq!(states, [JobState::Dead, JobState::Claimed, JobState::Ready]);
    let bytes = encode_snapshot(&sm);
    let decoded = decode_snapshot(&bytes, &Config::small()).unwrap();
    assert_eq!(decoded.dump(), dump);
    assert_eq!(decoded.deadline_index(), sm.deadline_index());
    assert_eq!(decoded.next_ready(QueueId(3), Slot(11)), Some(JobId(12)));
    assert_eq!(encode_snapshot(&decoded), bytes, "encoding is canonical");
    assert!(bytes.len() as u64 + FOOTER_LEN as u64 <= max_snapshot_file_len(&Config::small()));
}

#[test]
fn every_truncation_and_trailing_byte_is_refused() {
    let bytes = encode_snapshot(&busy());
    for len in 0..bytes.len() {
        assert!(
            decode_snapshot(&bytes[..len], &Config::small()).is_err(),
            "{len}"
        );
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        decode_snapshot(&long, &Config::small()).unwrap_err(),
        SnapshotError::Decode(DecodeError::TrailingBytes { count: 1 })
    );
}

#[test]
fn header_count_and_value_errors_are_typed() {
    let config = Config::small();
    let bytes = encode_snapshot(&busy());
    let with = |offset: usize, value: &[u8]| {
        let mut forged = bytes.clone();
        forged[offset..offset + value.len()].copy_from_slice(value);
        decode_snapshot(&forged, &config).unwrap_err()
    };
    assert!(matches!(with(0, b"XXXX"), SnapshotError::BadMagic { .. }));
    assert_eq!(
        with(4, &[2, 0]),
        SnapshotError::UnsupportedVersion { found: 2 }
    );
    let queues = SNAPSHOT_HEADER_LEN;
    assert!(matches!(
        with(queues, &99_u32.to_le_bytes()),
        SnapshotError::CountAboveCapacity { .. }
    ));
    let first_job = queues + 4 + QUEUE_LEN + 4;
    let jobs = first_job - 4;
    let error = with(jobs, &32_u32.to_le_bytes());
    assert!(
        matches!(error, SnapshotError::CountAboveBytes { .. }),
        "{error}"
    );
    assert_eq!(
        with(first_job + 32, &[9]),
        SnapshotError::BadValue {
            field: "job state",
            value: 9
        }
    );
    assert!(
        matches!(with(first_job, &[0; 16]), SnapshotError::Invariant(_)),
        "job id 0"
    );
    let second_job = first_job + MIN_JOB_LEN + 8;
    assert_eq!(
        with(second_job, &1_u128.to_le_bytes()),
        SnapshotError::UnsortedIds { table: "job" }
    );
    for error in [
        SnapshotError::BadMagic { found: 1 },
        SnapshotError::DeadlineBucketFull { job_id: JobId(1) },
        SnapshotError::CountAboveBytes {
            table: "job",
            count: 1,
            remaining: 0,
        },
    ] {
        assert!(error.to_string().starts_with("snapshot"));
    }
}

#[test]
fn forged_windows_never_panic_and_admitted_states_hold_their_invariants() {
    let bytes = encode_snapshot(&busy());
    for offset in 0..bytes.len().saturating_sub(8) {
        for word in [0_u64, 1, u64::MAX, 6] {
            let mut forged = bytes.clone();
            forged[offset..offset + 8].copy_from_slice(&word.to_le_bytes());
            if let Ok(state) = decode_snapshot(&forged, &Config::small()) {
                state.validate_invariants().unwrap();
            }
        }
    }
}
