//! The handle's bounds: `max_batch_commands` (a longer batch is refused before anything is
//! written or ticked; the group-commit buffer is sized once, at open).

use super::*;
use crate::command::Command;
use crate::ids::{ClientId, OperationId};
use crate::result::ResultCode;
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
