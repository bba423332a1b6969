//! Shared helpers for the integration tests (included with `mod common;`).
// Test helpers: each test crate uses a subset, and a failed unwrap is the test failing.
#![allow(dead_code, clippy::must_use_candidate, clippy::missing_panics_doc)]

use std::path::Path;

use quota_core::{BucketId, ClientId, ClientRequest, Command, Config, OperationId, QuotaEngine};
use runtime::testkit::FaultyStorage;

/// Opens (recovers) `dir` without fsync.
pub fn open_fast(dir: &Path, config: Config) -> QuotaEngine {
    QuotaEngine::open_with_storage(dir, config, Box::new(FaultyStorage::skipping_syncs())).unwrap()
}

/// A small config that makes every table fill up quickly.
pub fn tight_config() -> Config {
    Config {
        max_buckets: 4,
        max_operations: 6,
        max_client_retry_window_slots: 4,
        max_wal_payload_bytes: 128,
        max_snapshot_bytes: 1 << 16,
        max_batch_commands: 64,
    }
}

pub fn request(operation_id: u128, client_id: u128, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(operation_id),
        client_id: ClientId(client_id),
        command,
    }
}

pub fn create(bucket_id: u128, limit: u64, initial_balance: u64, rate: u64) -> Command {
    Command::CreateBucket {
        bucket_id: BucketId(bucket_id),
        limit,
        initial_balance,
        refill_rate_per_slot: rate,
    }
}

pub fn debit(bucket_id: u128, amount: u64) -> Command {
    Command::Debit {
        bucket_id: BucketId(bucket_id),
        amount,
    }
}
