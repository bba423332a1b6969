//! Crash consistency through the runtime's test kit (`runtime::testkit`): the WAL cut at
//! every byte, every bit of its frames flipped, failed writes and syncs halting the handle,
//! every bit of the snapshot file flipped. The drivers live in the kit; this file says what
//! queue-core is to them (a [`CrashSubject`]) and which workloads they run.

use std::path::Path;

use runtime::testkit::{self, CrashSubject, FaultyStorage, RecoveryFigures, Refusal, StepFailure};
use runtime::wal::{Magic, scan};

use crate::command_codec::{decode_internal, decode_request};
use crate::recovery::{CLIENT_COMMAND, SNAPSHOT_FILE_NAME, WAL_FILE_NAME, WAL_MAGIC};
use crate::state_machine::JobState;
use crate::{
    ClientId, ClientRequest, Command, CommandContext, Config, Lsn, OperationId, QueueEngine,
    QueueId, RecoveryError, Slot, StateDump, StateMachine, SubmitError, WorkerId,
};

/// queue-core under a workload: step `i` submits `workload(engine, i)`.
struct Crash {
    config: Config,
    workload: fn(&QueueEngine, u64) -> (ClientRequest, Slot),
}

impl CrashSubject for Crash {
    type Handle = QueueEngine;
    type Dump = StateDump;
    type OpenError = RecoveryError;
    type StepError = SubmitError;
    const WAL_FILE_NAME: &'static str = WAL_FILE_NAME;
    const SNAPSHOT_FILE_NAME: &'static str = SNAPSHOT_FILE_NAME;
    const WAL_MAGIC: Magic = WAL_MAGIC;

    fn max_wal_payload_bytes(&self) -> u32 {
        self.config.max_wal_payload_bytes
    }

    fn open(&self, dir: &Path, storage: FaultyStorage) -> Result<QueueEngine, RecoveryError> {
        QueueEngine::open_with_storage(dir, self.config, Box::new(storage))
    }

    fn dump(&self, engine: &QueueEngine) -> StateDump {
        engine.dump()
    }

    fn figures(&self, engine: &QueueEngine) -> RecoveryFigures {
        let report = engine.recovery_report();
        RecoveryFigures {
            frames_applied: report.frames_replayed,
            truncated_bytes: report.truncated_bytes,
            stop: report.stop_reason,
        }
    }

    fn step(&self, engine: &mut QueueEngine, index: u64) -> Result<(), SubmitError> {
        let (request, slot) = (self.workload)(engine, index);
        engine.submit(&request, slot).map(drop)
    }

    fn checkpoint(&self, engine: &mut QueueEngine) -> Result<(), SubmitError> {
        engine.checkpoint().map(drop)
    }

    fn is_halted(&self, engine: &QueueEngine) -> bool {
        engine.is_halted()
    }

    fn refusal(&self, error: &RecoveryError) -> Refusal {
        crate::test_refusal::refusal(error)
    }

    fn step_failure(&self, error: &SubmitError) -> StepFailure {
        crate::test_refusal::step_failure(error)
    }

    /// Applies each frame to a fresh state machine: a submit also writes the claim timeouts
    /// its tick finds due, so a step may write several frames.
    fn prefix_states(&self, wal: &[u8]) -> Option<Vec<StateDump>> {
        let mut state = StateMachine::new(self.config);
        let mut states = vec![state.dump()];
        for frame in scan(wal, WAL_MAGIC, u32::MAX).frames {
            let ctx = CommandContext {
                lsn: Lsn(frame.lsn),
                request_slot: Slot(frame.request_slot),
            };
            if frame.record_type == CLIENT_COMMAND {
                state.apply_client(ctx, &decode_request(frame.payload).unwrap());
            } else {
                state.apply_internal(ctx, &decode_internal(frame.payload).unwrap());
            }
            states.push(state.dump());
        }
        Some(states)
    }
}

fn request(op: u64, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(u128::from(op)),
        client_id: ClientId(7),
        command,
    }
}

/// Queues, enqueues, claims, acks, nacks, extensions, cancels and the timeouts of the
/// handle's ticks, with time advancing; the choices come from a generator seeded by the step.
fn mixed(engine: &QueueEngine, index: u64) -> (ClientRequest, Slot) {
    // splitmix64, seeded by the step: every bit of every draw is mixed.
    let mut x = index;
    let mut next = move || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let slot = Slot(engine.state().last_request_slot().get() + next() % 2);
    let jobs: Vec<_> = engine.dump().jobs;
    let claimed: Vec<_> = jobs
        .iter()
        .filter(|job| job.state == JobState::Claimed)
        .collect();
    let draw = usize::try_from(next() % 64).unwrap();
    let pick = jobs.get(draw % jobs.len().max(1)).copied();
    let held = claimed.get(draw % claimed.len().max(1)).map(|job| **job);
    let queue_id = QueueId(u128::from(if index < 2 { index } else { next() % 2 }));
    let worker_id = WorkerId(u128::from(next() % 2));
    let roll = if index < 2 { 0 } else { next() % 8 };
    let command = match (roll, pick) {
        (0, _) => Command::CreateQueue {
            queue_id,
            max_attempts: 2,
        },
        (1 | 2, _) | (_, None) => Command::Enqueue {
            queue_id,
            delay_slots: next() % 3,
        },
        (3 | 4, _) => Command::Claim {
            queue_id,
            worker_id,
            visibility_slots: 1 + next() % 4,
        },
        (5, _) if held.is_some() => {
            let job = held.unwrap();
            Command::Ack {
                job_id: job.job_id,
                worker_id: job.worker_id,
                claim_epoch: job.claim_epoch,
            }
        }
        (6, _) if held.is_some() => {
            let job = held.unwrap();
            Command::Nack {
                job_id: job.job_id,
                worker_id: job.worker_id,
                claim_epoch: job.claim_epoch,
                delay_slots: next() % 2,
            }
        }
        (5, Some(job)) => Command::Ack {
            job_id: job.job_id,
            worker_id: job.worker_id,
            claim_epoch: job.claim_epoch,
        },
        (6, Some(job)) => Command::Nack {
            job_id: job.job_id,
            worker_id: job.worker_id,
            claim_epoch: job.claim_epoch,
            delay_slots: next() % 2,
        },
        (_, Some(job)) => Command::Cancel { job_id: job.job_id },
    };
    (request(index, command), slot)
}

fn small() -> Crash {
    Crash {
        config: Config::small(),
        workload: mixed,
    }
}

#[test]
fn every_cut_recovers_exactly_the_whole_frame_prefix() {
    let subject = small();
    let report = testkit::wal_cuts(&subject, 52).unwrap();
    assert!(report.frames >= 52);
    // The prefix holds claim timeouts (the ticks' internal frames) and every job state.
    let dir = testkit::ScratchDir::new().unwrap();
    let mut engine = subject
        .open(dir.path(), FaultyStorage::skipping_syncs())
        .unwrap();
    let mut seen = Vec::new();
    for index in 0..60 {
        subject.step(&mut engine, index).unwrap();
        seen.extend(engine.dump().jobs.iter().map(|job| job.state));
    }
    for state in [
        JobState::Ready,
        JobState::Claimed,
        JobState::Done,
        JobState::Cancelled,
    ] {
        assert!(seen.contains(&state), "{state:?}");
    }
    assert!(
        engine.state().last_applied_lsn() > Lsn(60),
        "ticks wrote timeouts"
    );
}

#[test]
fn every_bit_flip_is_corruption_at_the_hit_frame_and_leaves_the_file() {
    assert_eq!(testkit::wal_flips(&small(), 21).unwrap().frames, 21);
}

#[test]
fn failed_write_short_write_or_sync_halts_until_reopen() {
    assert_eq!(testkit::fault_halts(&small(), 3).unwrap().cases, 3);
}

/// A queue, two jobs, one claimed, in tables just large enough (each reopen is cheap).
fn two_jobs(_: &QueueEngine, index: u64) -> (ClientRequest, Slot) {
    let queue_id = QueueId(1);
    let command = match index {
        0 => Command::CreateQueue {
            queue_id,
            max_attempts: 3,
        },
        1 | 2 => Command::Enqueue {
            queue_id,
            delay_slots: 1,
        },
        _ => Command::Claim {
            queue_id,
            worker_id: WorkerId(4),
            visibility_slots: 5,
        },
    };
    (request(index + 1, command), Slot(index.min(3)))
}

/// The footer (magic, length, CRC32C) refuses every flip.
#[test]
fn every_bit_flip_of_the_snapshot_file_is_refused() {
    let config = Config {
        max_queues: 2,
        max_jobs: 2,
        max_operations: 4,
        max_expiration_bucket_len: 2,
        max_wal_payload_bytes: 128,
        max_snapshot_bytes: 1 << 12,
        ..Config::small()
    };
    let subject = Crash {
        config,
        workload: two_jobs,
    };
    let report = testkit::snapshot_flips(&subject, 4).unwrap();
    assert_eq!(report.cases, report.file_bytes * 8);
    assert!(report.file_bytes > 300, "{}", report.file_bytes);
}

#[test]
fn a_second_open_is_refused_while_a_handle_holds_the_database() {
    assert_eq!(testkit::two_writers(&small(), 12).unwrap().cases, 1);
}

/// The other process of the next test (which runs it; on its own it does nothing).
#[test]
#[ignore = "run as a child process by two_processes"]
fn held_open_by_a_child_process() {
    testkit::keep_open_in_child(&small()).unwrap();
}

#[test]
fn a_second_process_is_refused_until_the_holder_dies() {
    let child = "crash_tests::held_open_by_a_child_process";
    let report = testkit::two_processes(&small(), 12, child).unwrap();
    assert_eq!(report.cases, 1);
}

#[test]
fn every_zero_fill_length_opens_with_exactly_the_frames_before_it() {
    assert_eq!(testkit::zero_fills(&small(), 8, 512).unwrap().cases, 512);
}

#[test]
fn a_wal_of_many_chunks_recovers_within_one_chunk_and_one_frame() {
    assert!(testkit::huge_wal(&small(), 4096).unwrap().cases >= testkit::MIN_CHUNKS);
}

#[test]
fn an_open_removes_the_temp_files_an_interrupted_replacement_left() {
    assert_eq!(testkit::leftover_temps(&small(), 8).unwrap().cases, 2);
}
