//! The handle's bounds: `max_batch_commands` (a longer batch is refused before anything is
//! written; the group-commit buffer is sized once, at open) and `max_wal_payload_bytes` (the
//! largest request, exactly as long as the smallest valid bound, is written).

use super::*;
use crate::command::Command;
use crate::command_codec::{MAX_CLIENT_PAYLOAD_LEN, client_payload_len};
use crate::ids::{ClientId, OperationId};
use crate::result::ResultCode;
use runtime::wal::scan;
use std::fs;

/// Batches of at most four requests.
fn config() -> Config {
    Config {
        max_batch_commands: 4,
        ..Config::small()
    }
}

fn create(op: u128) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(1),
        command: Command::CreateBucket {
            bucket_id: BucketId(op),
            limit: 10,
            initial_balance: 5,
            refill_rate_per_slot: 1,
        },
    }
}

#[test]
fn a_batch_over_max_batch_commands_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = QuotaEngine::open(dir.path(), config()).unwrap();
    let capacity = engine.frames.capacity();
    assert!(capacity as u64 >= config().batch_buffer_bytes());
    engine.submit(&create(1), Slot(1)).unwrap();
    let (wal, dump) = (fs::read(engine.wal_path()).unwrap(), engine.dump());
    let five: Vec<ClientRequest> = (2..7).map(create).collect();
    assert_eq!(
        engine.submit_batch(&five, Slot(3)),
        Err(SubmitError::BatchTooLarge { len: 5, max: 4 })
    );
    assert_eq!(fs::read(engine.wal_path()).unwrap(), wal);
    assert_eq!(engine.dump(), dump);
    assert!(!engine.is_halted());
    // Exactly the bound is accepted, written with one append, and the buffer never grew.
    let outcomes = engine.submit_batch(&five[..4], Slot(3)).unwrap();
    assert!(outcomes.iter().all(|o| o.result_code == ResultCode::Ok));
    assert_eq!(engine.frames.capacity(), capacity);
    assert!(fs::read(engine.wal_path()).unwrap().len() > wal.len());
    let dump = engine.dump();
    drop(engine);
    let reopened = QuotaEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.recovery_report().frames_replayed, 5);
    assert_eq!(reopened.dump(), dump);
}

#[test]
fn batch_errors_display_their_numbers() {
    let text = SubmitError::BatchTooLarge { len: 5, max: 4 }.to_string();
    assert!(
        text.contains('5') && text.contains("max_batch_commands 4"),
        "{text}"
    );
}

/// quota-core's handle has no size check: `Config::validate` requires `max_wal_payload_bytes`
/// to hold the largest command (a `CreateBucket`, 74 bytes), and every command has a fixed
/// length. At that smallest bound, the largest request is written whole; no request can be
/// one byte longer.
#[test]
fn a_payload_of_exactly_max_wal_payload_bytes_is_written() {
    let max = u32::try_from(MAX_CLIENT_PAYLOAD_LEN).unwrap();
    let config = Config {
        max_wal_payload_bytes: max,
        ..config()
    };
    let below = Config {
        max_wal_payload_bytes: max - 1,
        ..config
    };
    assert!(below.validate().is_err());
    let dir = tempfile::tempdir().unwrap();
    let mut engine = QuotaEngine::open(dir.path(), config).unwrap();
    assert_eq!(
        client_payload_len(&create(1).command),
        MAX_CLIENT_PAYLOAD_LEN
    );
    engine.submit(&create(1), Slot(0)).unwrap();
    engine
        .submit_batch(&[create(2), create(3)], Slot(0))
        .unwrap();
    let wal = fs::read(engine.wal_path()).unwrap();
    let scanned = scan(&wal, WAL_MAGIC, max);
    let payloads: Vec<usize> = scanned.frames.iter().map(|f| f.payload.len()).collect();
    assert_eq!(payloads, [MAX_CLIENT_PAYLOAD_LEN; 3]);
    drop(engine);
    let reopened = QuotaEngine::open(dir.path(), config).unwrap();
    assert_eq!(reopened.recovery_report().frames_replayed, 3);
}
