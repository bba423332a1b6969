//! Every single-bit flip of a real snapshot file, reopened through the public handle.
//!
//! A small database (two buckets, a few debits) is checkpointed, so the WAL holds only the
//! snapshot marker. Then each bit of the snapshot file is flipped on its own, the database is
//! reopened, and the outcome is counted: refused with a typed error, opened with the same
//! state, or opened with a different state. The footer (magic, length, CRC32C) must refuse
//! every flip; allocdb-core's test of the same name is the comparison (issue 13).

use std::fs;
use std::path::Path;

use quota_core::{
    BucketId, ClientId, ClientRequest, Command, Config, OperationId, QuotaEngine, RecoveryError,
    SNAPSHOT_FILE_NAME, Slot, StateDump,
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
    max_buckets: 4,
    max_operations: 8,
    max_client_retry_window_slots: 8,
    max_wal_payload_bytes: 128,
    max_snapshot_bytes: 1 << 12,
};

fn open(dir: &Path) -> Result<QuotaEngine, RecoveryError> {
    QuotaEngine::open_with_storage(dir, CONFIG, Box::new(FaultyStorage::skipping_syncs()))
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
        let create = Command::CreateBucket {
            bucket_id: BucketId(id),
            limit: 100,
            initial_balance: 50,
            refill_rate_per_slot: 3,
        };
        engine.submit(&request(id, create), Slot(0)).unwrap();
    }
    for (op, slot) in (3..=5).zip(1..) {
        let debit = Command::Debit {
            bucket_id: BucketId(op % 2 + 1),
            amount: 20,
        };
        engine.submit(&request(op, debit), Slot(slot)).unwrap();
    }
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
    assert_eq!(size, 416);
    assert_eq!(
        counts,
        FlipCounts {
            refused: size * 8,
            same: 0,
            different: 0
        }
    );
}
