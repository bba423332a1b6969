//! The handle's bounds: `max_batch_commands` (a longer batch is refused before anything is
//! written or ticked; the group-commit buffer is sized once, at open) and
//! `max_wal_payload_bytes` (a request exactly as long is written).

use super::*;
use crate::command::Command;
use crate::command_codec::MAX_CLIENT_PAYLOAD_LEN;
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

fn request(op: u128, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(1),
        command,
    }
}

fn pool(op: u128) -> ClientRequest {
    let command = Command::CreatePool {
        pool_id: PoolId(op),
        total_capacity: 10,
    };
    request(op, command)
}

#[test]
fn a_batch_over_max_batch_commands_is_refused_before_writing_or_ticking() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    let capacity = engine.frames.capacity();
    assert!(capacity as u64 >= config().batch_buffer_bytes());
    engine.submit(&pool(1), Slot(0)).unwrap();
    let hold = Command::PlaceHold {
        hold_id: HoldId(9),
        pool_id: PoolId(1),
        quantity: 2,
        ttl_slots: 2,
    };
    engine.submit(&request(2, hold), Slot(0)).unwrap();
    let (wal, dump) = (fs::read(engine.wal_path()).unwrap(), engine.dump());
    // At slot 5 the hold is due: a refused batch must not even write its expiry.
    let five: Vec<ClientRequest> = (3..8).map(pool).collect();
    assert_eq!(
        engine.submit_batch(&five, Slot(5)),
        Err(SubmitError::BatchTooLarge { len: 5, max: 4 })
    );
    assert_eq!(fs::read(engine.wal_path()).unwrap(), wal);
    assert_eq!(engine.dump(), dump);
    assert!(!engine.is_halted());
    // Exactly the bound is accepted after the expiry, and the buffer never grew.
    let outcomes = engine.submit_batch(&five[..4], Slot(5)).unwrap();
    assert!(outcomes.iter().all(|o| o.result_code == ResultCode::Ok));
    assert_eq!(engine.frames.capacity(), capacity);
    let dump = engine.dump();
    drop(engine);
    let reopened = ReservationEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.recovery_report().frames_replayed, 2 + 1 + 4);
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

/// `max_wal_payload_bytes` at its smallest valid value, the largest command's 82 bytes (a
/// `PlaceHold`): the request exactly as long as the bound is written. No valid config lets a
/// request be one byte longer (`Config::validate` requires the bound to hold the largest
/// command), so `check_size` can never refuse one: its refusal is kept for parity with
/// allocdb-core, whose bundles grow with their members.
#[test]
fn a_payload_of_exactly_max_wal_payload_bytes_is_written() {
    let max = u32::try_from(MAX_CLIENT_PAYLOAD_LEN).unwrap();
    let config = Config {
        max_wal_payload_bytes: max,
        ..config()
    };
    config.validate().unwrap();
    let below = Config {
        max_wal_payload_bytes: max - 1,
        ..config
    };
    assert!(below.validate().is_err());
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config).unwrap();
    engine.submit(&pool(1), Slot(0)).unwrap();
    let place = |hold| {
        let command = Command::PlaceHold {
            hold_id: HoldId(hold),
            pool_id: PoolId(1),
            quantity: 1,
            ttl_slots: 2,
        };
        request(hold + 10, command)
    };
    assert_eq!(
        client_payload_len(&place(1).command),
        MAX_CLIENT_PAYLOAD_LEN
    );
    let placed = engine.submit(&place(1), Slot(0)).unwrap();
    assert_eq!(placed.result_code, ResultCode::Ok);
    let batch = engine.submit_batch(&[place(2), place(3)], Slot(0)).unwrap();
    assert!(batch.iter().all(|o| o.result_code == ResultCode::Ok));
    let wal = fs::read(engine.wal_path()).unwrap();
    let payloads: Vec<usize> = scan(&wal, WAL_MAGIC, max)
        .frames
        .iter()
        .map(|frame| frame.payload.len())
        .collect();
    let pool_len = client_payload_len(&pool(1).command);
    assert_eq!(payloads, [pool_len, MAX_CLIENT_PAYLOAD_LEN, 82, 82]);
}
