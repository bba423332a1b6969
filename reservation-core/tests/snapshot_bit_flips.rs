//! Every single-bit flip of a real snapshot file, reopened through the public handle.
//!
//! A small database (two pools, a confirmed hold, a held hold) is checkpointed, so the WAL holds only the
//! snapshot marker. Then each bit of the snapshot file is flipped on its own, the database is
//! reopened, and the outcome is counted: refused with a typed error, opened with the same
//! state, or opened with a different state. The footer (magic, length, CRC32C) must refuse
//! every flip; allocdb-core's test of the same name is the comparison (issue 13).

use std::fs;
use std::path::Path;

use reservation_core::{
    ClientId, ClientRequest, Command, Config, HoldId, OperationId, PoolId, RecoveryError,
    ReservationEngine, SNAPSHOT_FILE_NAME, Slot, StateDump,
};
use runtime::testkit::FaultyStorage;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct FlipCounts {
    refused: u64,
    same: u64,
    different: u64,
}

/// Tables just large enough for the records below, so that each reopen is cheap.
const CONFIG: Config = Config {
    max_pools: 4,
    max_holds: 4,
    max_operations: 8,
    max_ttl_slots: 16,
    max_client_retry_window_slots: 8,
    hold_history_window_slots: 4,
    max_expiration_bucket_len: 2,
    max_wal_payload_bytes: 128,
    max_snapshot_bytes: 1 << 12,
};

fn open(dir: &Path) -> Result<ReservationEngine, RecoveryError> {
    ReservationEngine::open_with_storage(dir, CONFIG, Box::new(FaultyStorage::skipping_syncs()))
}

/// A temp directory on tmpfs when there is one (durability is not what this test measures).
fn fast_tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap()
}

fn request(op: u128, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(1),
        command,
    }
}

/// Builds the database and checkpoints it; returns the state the snapshot holds.
fn build(dir: &Path) -> StateDump {
    let mut engine = open(dir).unwrap();
    for id in 1..=2 {
        let create = Command::CreatePool {
            pool_id: PoolId(id),
            total_capacity: 10,
        };
        engine.submit(&request(id, create), Slot(0)).unwrap();
    }
    for (op, hold) in (3..=4).zip(1..) {
        let place = Command::PlaceHold {
            hold_id: HoldId(hold),
            pool_id: PoolId(hold),
            quantity: 4,
            ttl_slots: 12,
        };
        engine.submit(&request(op, place), Slot(1)).unwrap();
    }
    let confirm = Command::ConfirmHold { hold_id: HoldId(1) };
    engine.submit(&request(5, confirm), Slot(2)).unwrap();
    engine.checkpoint().unwrap();
    engine.dump()
}

/// Flips every bit of the snapshot file in turn, reopening after each.
fn flip_every_bit(dir: &Path, expected: &StateDump) -> FlipCounts {
    let path = dir.join(SNAPSHOT_FILE_NAME);
    let original = fs::read(&path).unwrap();
    let mut counts = FlipCounts::default();
    let mut flipped = original.clone();
    for byte in 0..original.len() {
        for bit in 0..8 {
            flipped[byte] ^= 1 << bit;
            fs::write(&path, &flipped).unwrap();
            flipped[byte] ^= 1 << bit;
            match open(dir) {
                Err(error) => {
                    assert!(!error.to_string().is_empty());
                    counts.refused += 1;
                }
                Ok(engine) if engine.dump() == *expected => counts.same += 1,
                Ok(_) => counts.different += 1,
            }
        }
    }
    fs::write(&path, &original).unwrap();
    assert_eq!(open(dir).unwrap().dump(), *expected);
    counts
}

#[test]
fn every_bit_flip_of_the_snapshot_file_is_refused() {
    let dir = fast_tempdir();
    let expected = build(dir.path());
    let size = fs::metadata(dir.path().join(SNAPSHOT_FILE_NAME))
        .unwrap()
        .len();
    let counts = flip_every_bit(dir.path(), &expected);
    println!("snapshot {size} bytes: {counts:?}");
    assert_eq!(size, 557);
    assert_eq!(
        counts,
        FlipCounts {
            refused: size * 8,
            same: 0,
            different: 0
        }
    );
}
