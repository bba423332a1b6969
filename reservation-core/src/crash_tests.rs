//! Crash consistency through the runtime's test kit (`runtime::testkit`): the WAL cut at every
//! byte, every bit of its frames flipped, failed writes and syncs halting the handle, every bit
//! of the snapshot file flipped, a second writer refused (in this process and in another),
//! every length of zero fill, a WAL of many chunks. The drivers live in the kit; this file says
//! what reservation-core is to them (a [`CrashSubject`]) and which workloads they run.

use std::path::Path;

use runtime::testkit::{self, CrashSubject, FaultyStorage, RecoveryFigures, Refusal, StepFailure};
use runtime::wal::{Magic, scan};

use crate::command_codec::{decode_internal, decode_request};
use crate::recovery::{CLIENT_COMMAND, SNAPSHOT_FILE_NAME, WAL_FILE_NAME, WAL_MAGIC};
use crate::state_machine::HoldState;
use crate::{
    ClientId, ClientRequest, Command, CommandContext, Config, HoldId, Lsn, OperationId, PoolId,
    RecoveryError, ReservationEngine, Slot, StateDump, StateMachine, SubmitError,
};

/// reservation-core under a workload: step `i` submits `workload(engine, i)`.
struct Crash {
    config: Config,
    workload: fn(&ReservationEngine, u64) -> (ClientRequest, Slot),
}

impl CrashSubject for Crash {
    type Handle = ReservationEngine;
    type Dump = StateDump;
    type OpenError = RecoveryError;
    type StepError = SubmitError;
    const WAL_FILE_NAME: &'static str = WAL_FILE_NAME;
    const SNAPSHOT_FILE_NAME: &'static str = SNAPSHOT_FILE_NAME;
    const WAL_MAGIC: Magic = WAL_MAGIC;

    fn max_wal_payload_bytes(&self) -> u32 {
        self.config.max_wal_payload_bytes
    }

    fn open(&self, dir: &Path, storage: FaultyStorage) -> Result<ReservationEngine, RecoveryError> {
        ReservationEngine::open_with_storage(dir, self.config, Box::new(storage))
    }

    fn dump(&self, engine: &ReservationEngine) -> StateDump {
        engine.dump()
    }

    fn figures(&self, engine: &ReservationEngine) -> RecoveryFigures {
        let report = engine.recovery_report();
        RecoveryFigures {
            frames_applied: report.frames_replayed,
            truncated_bytes: report.truncated_bytes,
            stop: report.stop_reason,
        }
    }

    fn step(&self, engine: &mut ReservationEngine, index: u64) -> Result<(), SubmitError> {
        let (request, slot) = (self.workload)(engine, index);
        engine.submit(&request, slot).map(drop)
    }

    fn checkpoint(&self, engine: &mut ReservationEngine) -> Result<(), SubmitError> {
        engine.checkpoint().map(drop)
    }

    fn is_halted(&self, engine: &ReservationEngine) -> bool {
        engine.is_halted()
    }

    fn refusal(&self, error: &RecoveryError) -> Refusal {
        crate::test_refusal::refusal(error)
    }

    fn step_failure(&self, error: &SubmitError) -> StepFailure {
        crate::test_refusal::step_failure(error)
    }

    /// Applies each frame to a fresh state machine: a submit also writes the expiries its tick
    /// finds due, so a step may write several frames.
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

/// Pools, holds, confirmations, releases and expiries (the handle's ticks), with time
/// advancing; the choices come from a generator seeded by the step's index.
fn mixed(engine: &ReservationEngine, index: u64) -> (ClientRequest, Slot) {
    let mut x = index
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1);
    let mut next = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    let slot = Slot(engine.state().last_request_slot().get() + next() % 2);
    let holds: Vec<HoldId> = engine.dump().holds.iter().map(|h| h.hold_id).collect();
    let pick = holds
        .get(usize::try_from(next()).unwrap() % holds.len().max(1))
        .copied();
    let command = match (next() % 8, pick) {
        (1..=4, _) => Command::PlaceHold {
            hold_id: HoldId(u128::from(next() % 20)),
            pool_id: PoolId(u128::from(next() % 4)),
            quantity: 1 + next() % 6,
            ttl_slots: 1 + next() % 6,
        },
        (0, _) | (_, None) => Command::CreatePool {
            pool_id: PoolId(u128::from(next() % 4)),
            total_capacity: 5 + next() % 16,
        },
        (6, Some(hold_id)) => Command::ReleaseHold { hold_id },
        (_, Some(hold_id)) => Command::ConfirmHold { hold_id },
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
    // The prefix holds expiries (the ticks' internal frames).
    let dir = testkit::ScratchDir::new().unwrap();
    let mut engine = subject
        .open(dir.path(), FaultyStorage::skipping_syncs())
        .unwrap();
    let mut expired = false;
    for index in 0..60 {
        subject.step(&mut engine, index).unwrap();
        expired |= engine
            .dump()
            .holds
            .iter()
            .any(|h| h.state == HoldState::Expired);
    }
    assert!(expired, "the workload must expire holds");
}

#[test]
fn every_bit_flip_is_corruption_at_the_hit_frame_and_leaves_the_file() {
    assert_eq!(testkit::wal_flips(&small(), 21).unwrap().frames, 21);
}

#[test]
fn failed_write_short_write_or_sync_halts_until_reopen() {
    assert_eq!(testkit::fault_halts(&small(), 3).unwrap().cases, 3);
}

/// Two pools, two holds, one of them confirmed, in tables just large enough for them (each
/// reopen is cheap).
fn two_holds(_: &ReservationEngine, index: u64) -> (ClientRequest, Slot) {
    let (command, slot) = match index {
        0 | 1 => (
            Command::CreatePool {
                pool_id: PoolId(u128::from(index + 1)),
                total_capacity: 10,
            },
            0,
        ),
        2 | 3 => (
            Command::PlaceHold {
                hold_id: HoldId(u128::from(index - 1)),
                pool_id: PoolId(u128::from(index - 1)),
                quantity: 4,
                ttl_slots: 12,
            },
            1,
        ),
        _ => (Command::ConfirmHold { hold_id: HoldId(1) }, 2),
    };
    let mut request = request(index + 1, command);
    request.client_id = ClientId(1);
    (request, Slot(slot))
}

/// The footer (magic, length, CRC32C) refuses every flip (issue 13).
#[test]
fn every_bit_flip_of_the_snapshot_file_is_refused() {
    let config = Config {
        max_pools: 4,
        max_holds: 4,
        max_operations: 8,
        max_ttl_slots: 16,
        max_client_retry_window_slots: 8,
        hold_history_window_slots: 4,
        max_expiration_bucket_len: 2,
        max_wal_payload_bytes: 128,
        max_snapshot_bytes: 1 << 12,
        max_batch_commands: 64,
    };
    let subject = Crash {
        config,
        workload: two_holds,
    };
    let report = testkit::snapshot_flips(&subject, 5).unwrap();
    assert_eq!(report.file_bytes, 557);
    assert_eq!(report.cases, 557 * 8);
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
    assert_eq!(
        testkit::two_processes(&small(), 12, child).unwrap().cases,
        1
    );
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
