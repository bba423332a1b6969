//! Crash consistency through the runtime's test kit (`runtime::testkit`): the WAL cut at every
//! byte, every bit of its frames flipped, failed writes and syncs halting the handle, every bit
//! of the snapshot file flipped, a second writer refused (in this process and in another),
//! every length of zero fill, a WAL of many chunks. The drivers live in the kit; this file says
//! what quota-core is to them (a [`CrashSubject`]) and which workloads they run.

use std::path::Path;

use runtime::testkit::{self, CrashSubject, FaultyStorage, RecoveryFigures, Refusal, StepFailure};
use runtime::wal::Magic;

use crate::recovery::{SNAPSHOT_FILE_NAME, WAL_FILE_NAME, WAL_MAGIC};
use crate::{
    BucketId, ClientId, ClientRequest, Command, Config, OperationId, QuotaEngine, RecoveryError,
    Slot, StateDump, SubmitError,
};

/// quota-core under a workload: step `i` submits `workload(engine, i)`.
struct Crash {
    config: Config,
    workload: fn(&QuotaEngine, u64) -> (ClientRequest, Slot),
}

impl CrashSubject for Crash {
    type Handle = QuotaEngine;
    type Dump = StateDump;
    type OpenError = RecoveryError;
    type StepError = SubmitError;
    const WAL_FILE_NAME: &'static str = WAL_FILE_NAME;
    const SNAPSHOT_FILE_NAME: &'static str = SNAPSHOT_FILE_NAME;
    const WAL_MAGIC: Magic = WAL_MAGIC;

    fn max_wal_payload_bytes(&self) -> u32 {
        self.config.max_wal_payload_bytes
    }

    fn open(&self, dir: &Path, storage: FaultyStorage) -> Result<QuotaEngine, RecoveryError> {
        QuotaEngine::open_with_storage(dir, self.config, Box::new(storage))
    }

    fn dump(&self, engine: &QuotaEngine) -> StateDump {
        engine.dump()
    }

    fn figures(&self, engine: &QuotaEngine) -> RecoveryFigures {
        let report = engine.recovery_report();
        RecoveryFigures {
            frames_applied: report.frames_replayed,
            truncated_bytes: report.truncated_bytes,
            stop: report.stop_reason,
        }
    }

    fn step(&self, engine: &mut QuotaEngine, index: u64) -> Result<(), SubmitError> {
        let (request, slot) = (self.workload)(engine, index);
        engine.submit(&request, slot).map(drop)
    }

    fn checkpoint(&self, engine: &mut QuotaEngine) -> Result<(), SubmitError> {
        engine.checkpoint().map(drop)
    }

    fn is_halted(&self, engine: &QuotaEngine) -> bool {
        engine.is_halted()
    }

    fn refusal(&self, error: &RecoveryError) -> Refusal {
        crate::test_refusal::refusal(error)
    }

    fn step_failure(&self, error: &SubmitError) -> StepFailure {
        crate::test_refusal::step_failure(error)
    }
}

fn request(operation_id: u64, client_id: u64, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(u128::from(operation_id)),
        client_id: ClientId(u128::from(client_id)),
        command,
    }
}

fn create(bucket_id: u64, limit: u64, initial_balance: u64, rate: u64) -> Command {
    Command::CreateBucket {
        bucket_id: BucketId(u128::from(bucket_id)),
        limit,
        initial_balance,
        refill_rate_per_slot: rate,
    }
}

/// Creates and debits over five buckets and nine operation ids: refusals (no bucket, an empty
/// one, a full table) and cached duplicates (which write nothing) included.
fn mixed(_: &QuotaEngine, index: u64) -> (ClientRequest, Slot) {
    let step = index + 1;
    let bucket = step % 5;
    let command = match step % 4 {
        0 => create(bucket, 9, step % 11, step % 3),
        _ => Command::Debit {
            bucket_id: BucketId(u128::from(bucket)),
            amount: step % 7,
        },
    };
    (request(step % 9, step % 2, command), Slot(step / 3))
}

/// A small config that makes every table fill up quickly.
fn tight() -> Crash {
    let config = Config {
        max_buckets: 4,
        max_operations: 6,
        max_client_retry_window_slots: 4,
        max_wal_payload_bytes: 128,
        max_snapshot_bytes: 1 << 16,
        max_batch_commands: 64,
    };
    Crash {
        config,
        workload: mixed,
    }
}

#[test]
fn wal_cut_at_every_byte_recovers_exactly_the_whole_frame_prefix() {
    let report = testkit::wal_cuts(&tight(), 52).unwrap();
    assert!(report.frames >= 52);
}

#[test]
fn every_bit_flip_in_a_complete_frame_is_corruption_at_that_frame() {
    assert_eq!(testkit::wal_flips(&tight(), 21).unwrap().frames, 21);
}

#[test]
fn failed_write_short_write_or_sync_halts_until_reopen() {
    assert_eq!(testkit::fault_halts(&tight(), 5).unwrap().cases, 3);
}

/// Two buckets and three debits, in tables just large enough for them (each reopen is cheap).
fn two_buckets(_: &QuotaEngine, index: u64) -> (ClientRequest, Slot) {
    let command = match index {
        0 | 1 => create(index + 1, 100, 50, 3),
        _ => Command::Debit {
            bucket_id: BucketId(u128::from(index % 2 + 1)),
            amount: 20,
        },
    };
    (
        request(index + 1, 1, command),
        Slot(index.saturating_sub(1)),
    )
}

/// The footer (magic, length, CRC32C) refuses every flip (issue 13).
#[test]
fn every_bit_flip_of_the_snapshot_file_is_refused() {
    let config = Config {
        max_buckets: 4,
        max_operations: 8,
        max_client_retry_window_slots: 8,
        max_wal_payload_bytes: 128,
        max_snapshot_bytes: 1 << 12,
        max_batch_commands: 64,
    };
    let subject = Crash {
        config,
        workload: two_buckets,
    };
    let report = testkit::snapshot_flips(&subject, 5).unwrap();
    assert_eq!(report.file_bytes, 416);
    assert_eq!(report.cases, 416 * 8);
}

#[test]
fn a_second_open_is_refused_while_a_handle_holds_the_database() {
    assert_eq!(testkit::two_writers(&tight(), 12).unwrap().cases, 1);
}

/// The other process of the next test (which runs it; on its own it does nothing).
#[test]
#[ignore = "run as a child process by two_processes"]
fn held_open_by_a_child_process() {
    testkit::keep_open_in_child(&tight()).unwrap();
}

#[test]
fn a_second_process_is_refused_until_the_holder_dies() {
    let child = "crash_tests::held_open_by_a_child_process";
    assert_eq!(
        testkit::two_processes(&tight(), 12, child).unwrap().cases,
        1
    );
}

#[test]
fn every_zero_fill_length_opens_with_exactly_the_frames_before_it() {
    assert_eq!(testkit::zero_fills(&tight(), 8, 512).unwrap().cases, 512);
}

#[test]
fn a_wal_of_many_chunks_recovers_within_one_chunk_and_one_frame() {
    assert!(testkit::huge_wal(&tight(), 4096).unwrap().cases >= testkit::MIN_CHUNKS);
}

#[test]
fn an_open_removes_the_temp_files_an_interrupted_replacement_left() {
    assert_eq!(testkit::leftover_temps(&tight(), 8).unwrap().cases, 2);
}
