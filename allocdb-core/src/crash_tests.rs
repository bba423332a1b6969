//! Crash consistency through the runtime's test kit (`runtime::testkit`): the WAL cut at every
//! byte, every bit of its frames flipped, failed writes and syncs halting the handle, every bit
//! of the snapshot file flipped, a second writer refused (in this process and in another),
//! every length of zero fill, a WAL of many chunks. The drivers live in the kit; this file says
//! what allocdb-core is to them (a [`CrashSubject`]) and which workloads they run.

use std::fs;
use std::path::Path;

use runtime::snapshot_file::SnapshotFileError;
use runtime::testkit::{self, CrashSubject, FaultyStorage, RecoveryFigures, Refusal, StepFailure};
use runtime::wal::{Magic, scan};

use crate::command_codec::{decode_internal, decode_request};
use crate::recovery::{CLIENT_COMMAND, SNAPSHOT_FILE_NAME, WAL_FILE_NAME, WAL_MAGIC};
use crate::state_machine::StateMachine;
use crate::{
    AllocEngine, ClientId, ClientRequest, Command, CommandContext, Config, HolderId, Lsn,
    OperationId, RecoveryError, ResourceId, Slot, StateDump, SubmitError,
};

/// allocdb-core under a workload: step `i` submits `workload(engine, i)`.
struct Crash {
    config: Config,
    workload: fn(&AllocEngine, u64) -> (ClientRequest, Slot),
}

impl CrashSubject for Crash {
    type Handle = AllocEngine;
    type Dump = StateDump;
    type OpenError = RecoveryError;
    type StepError = SubmitError;
    const WAL_FILE_NAME: &'static str = WAL_FILE_NAME;
    const SNAPSHOT_FILE_NAME: &'static str = SNAPSHOT_FILE_NAME;
    const WAL_MAGIC: Magic = WAL_MAGIC;

    fn max_wal_payload_bytes(&self) -> u32 {
        self.config.max_wal_payload_bytes
    }

    fn open(&self, dir: &Path, storage: FaultyStorage) -> Result<AllocEngine, RecoveryError> {
        AllocEngine::open_with_storage(dir, self.config, Box::new(storage))
    }

    fn dump(&self, engine: &AllocEngine) -> StateDump {
        engine.dump()
    }

    fn figures(&self, engine: &AllocEngine) -> RecoveryFigures {
        let report = engine.recovery_report();
        RecoveryFigures {
            frames_applied: report.frames_replayed,
            truncated_bytes: report.truncated_bytes,
            stop: report.stop_reason,
        }
    }

    fn step(&self, engine: &mut AllocEngine, index: u64) -> Result<(), SubmitError> {
        let (request, slot) = (self.workload)(engine, index);
        engine.submit(&request, slot).map(drop)
    }

    fn checkpoint(&self, engine: &mut AllocEngine) -> Result<(), SubmitError> {
        engine.checkpoint().map(drop)
    }

    fn is_halted(&self, engine: &AllocEngine) -> bool {
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

fn create(id: u64) -> Command {
    Command::CreateResource {
        resource_id: ResourceId(u128::from(id)),
    }
}

/// Twelve resources, then reservations (some bundles), activations, releases, revokes,
/// reclaims and expiries (the handle's ticks), with time advancing; the choices come from a
/// generator seeded by the step's index.
fn mixed(engine: &AllocEngine, index: u64) -> (ClientRequest, Slot) {
    if index < 12 {
        return (request(index, create(index)), Slot(0));
    }
    let mut x = index
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1);
    let mut next = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    let slot = Slot(engine.state().last_request_slot().get() + next() % 3);
    let dump = engine.dump();
    let pick = dump
        .leases
        .get(usize::try_from(next()).unwrap() % dump.leases.len().max(1))
        .map(|lease| (lease.record.lease_id, lease.record.lease_epoch));
    let command = match (next() % 7, pick) {
        (0, _) | (_, None) => create(next() % 12),
        (1 | 2, _) => Command::ReserveBundle {
            resource_ids: (0..=(next() % 2))
                .map(|_| ResourceId(u128::from(next() % 12)))
                .collect(),
            holder_id: HolderId(1),
            ttl_slots: 1 + next() % 6,
        },
        (3, Some((lease_id, epoch))) => Command::confirm(lease_id, HolderId(1), epoch),
        (4, Some((lease_id, lease_epoch))) => Command::Release {
            lease_id,
            holder_id: HolderId(1),
            lease_epoch,
        },
        (5, Some((lease_id, _))) => Command::Revoke { lease_id },
        (_, Some((lease_id, _))) => Command::Reclaim { lease_id },
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
    assert!(testkit::wal_cuts(&small(), 52).unwrap().frames >= 52);
}

#[test]
fn every_bit_flip_is_corruption_at_the_hit_frame_and_leaves_the_file() {
    assert_eq!(testkit::wal_flips(&small(), 21).unwrap().frames, 21);
}

#[test]
fn failed_write_short_write_or_sync_halts_until_reopen() {
    assert_eq!(testkit::fault_halts(&small(), 13).unwrap().cases, 3);
}

/// Three resources, an active bundle lease and a reserved lease.
fn two_leases(engine: &AllocEngine, index: u64) -> (ClientRequest, Slot) {
    let (command, slot) = match index {
        0..=2 => (create(index + 1), 0),
        3 => (
            Command::ReserveBundle {
                resource_ids: vec![ResourceId(1), ResourceId(2)],
                holder_id: HolderId(4),
                ttl_slots: 12,
            },
            0,
        ),
        4 => {
            let lease_id = engine.dump().leases[0].record.lease_id;
            (Command::confirm(lease_id, HolderId(4), 1), 1)
        }
        _ => (Command::reserve(ResourceId(3), HolderId(5), 8), 2),
    };
    let mut request = request(index + 1, command);
    request.client_id = ClientId(1);
    (request, Slot(slot))
}

/// Tables just large enough for the records of [`two_leases`], so that each reopen is cheap.
const SNAPSHOT_CONFIG: Config = Config {
    shard_id: 1,
    max_resources: 4,
    max_leases: 4,
    max_lease_members: 8,
    max_bundle_size: 2,
    max_operations: 8,
    max_ttl_slots: 16,
    max_client_retry_window_slots: 8,
    lease_history_window_slots: 4,
    max_expiration_bucket_len: 2,
    max_wal_payload_bytes: 256,
    max_snapshot_bytes: 1 << 16,
    max_batch_commands: 64,
};

/// Before the footer (snapshot version 1, 735 bytes, 5,880 flips) 3,518 flips were refused and
/// 2,362 opened a different state (issue 13). Now the footer refuses every flip, those in the
/// header's version field (bytes 4 and 5) with a checksum mismatch: none of them can make the
/// header say version 1, the footerless upgrade path.
#[test]
fn every_bit_flip_of_the_snapshot_file_is_refused() {
    let subject = Crash {
        config: SNAPSHOT_CONFIG,
        workload: two_leases,
    };
    let report = testkit::snapshot_flips(&subject, 6).unwrap();
    assert_eq!(report.file_bytes, 735 + 16);
    assert_eq!(report.cases, (735 + 16) * 8);
    let dir = testkit::ScratchDir::new().unwrap();
    let mut engine = subject
        .open(dir.path(), FaultyStorage::skipping_syncs())
        .unwrap();
    for index in 0..6 {
        subject.step(&mut engine, index).unwrap();
    }
    engine.checkpoint().unwrap();
    drop(engine);
    let path = dir.path().join(SNAPSHOT_FILE_NAME);
    let mut bytes = fs::read(&path).unwrap();
    for bit in 32..48 {
        bytes[bit / 8] ^= 1 << (bit % 8);
        fs::write(&path, &bytes).unwrap();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let error = subject.open(dir.path(), FaultyStorage::skipping_syncs());
        assert!(
            matches!(
                error,
                Err(RecoveryError::SnapshotFile(
                    SnapshotFileError::ChecksumMismatch { .. }
                ))
            ),
            "bit {bit}"
        );
    }
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
