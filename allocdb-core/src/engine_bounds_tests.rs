//! The handle's bounds: `max_batch_commands` (a longer batch is refused before anything is
//! written or ticked; the group-commit buffer is sized once, at open) and
//! `max_wal_payload_bytes` (a request whose encoding is longer is refused, one exactly as long
//! is written).

use super::*;
use crate::command::Command;
use crate::ids::{ClientId, HolderId, OperationId};
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

fn create(op: u128) -> ClientRequest {
    let command = Command::CreateResource {
        resource_id: ResourceId(op),
    };
    request(op, command)
}

#[test]
fn a_batch_over_max_batch_commands_is_refused_before_writing_or_ticking() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    let capacity = engine.frames.capacity();
    assert!(capacity as u64 >= config().batch_buffer_bytes());
    engine.submit(&create(1), Slot(0)).unwrap();
    let reserve = Command::reserve(ResourceId(1), HolderId(1), 2);
    engine.submit(&request(2, reserve), Slot(0)).unwrap();
    let (wal, dump) = (fs::read(engine.wal_path()).unwrap(), engine.dump());
    // At slot 5 the lease is due: a refused batch must not even write its expiry.
    let five: Vec<ClientRequest> = (3..8).map(create).collect();
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
    let reopened = AllocEngine::open(dir.path(), config()).unwrap();
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

/// A bundle of `members` resources (its encoding grows 16 bytes a member).
fn bundle(op: u128, members: u128) -> ClientRequest {
    let command = Command::ReserveBundle {
        resource_ids: (1..=members).map(ResourceId).collect(),
        holder_id: HolderId(1),
        ttl_slots: 1,
    };
    request(op, command)
}

/// [`config`] with a payload bound of `payload_bytes`.
fn bound(payload_bytes: usize) -> Config {
    Config {
        max_wal_payload_bytes: u32::try_from(payload_bytes).unwrap(),
        ..config()
    }
}

#[test]
fn a_payload_of_exactly_max_wal_payload_bytes_is_written() {
    let len = client_payload_len(&bundle(1, 6).command);
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), bound(len)).unwrap();
    // Six members are above max_bundle_size: a refusal stored through the WAL, like any other.
    let outcome = engine.submit(&bundle(1, 6), Slot(0)).unwrap();
    assert_eq!(outcome.result_code, ResultCode::BundleTooLarge);
    let outcomes = engine.submit_batch(&[create(2), bundle(3, 6)], Slot(0));
    assert_eq!(outcomes.unwrap()[1].result_code, ResultCode::BundleTooLarge);
    let wal = fs::read(engine.wal_path()).unwrap();
    let payloads: Vec<usize> = scan(&wal, WAL_MAGIC, u32::MAX)
        .frames
        .iter()
        .map(|frame| frame.payload.len())
        .collect();
    assert_eq!(payloads, [len, client_payload_len(&create(2).command), len]);
}

#[test]
fn a_payload_one_byte_over_max_wal_payload_bytes_is_refused_and_writes_nothing() {
    let len = client_payload_len(&bundle(1, 6).command);
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), bound(len - 1)).unwrap();
    let refused = |index| SubmitError::CommandTooLarge {
        index,
        payload_bytes: len,
        max: u32::try_from(len - 1).unwrap(),
    };
    assert_eq!(engine.submit(&bundle(1, 6), Slot(0)), Err(refused(0)));
    let batch = [create(2), bundle(3, 6)];
    assert_eq!(engine.submit_batch(&batch, Slot(0)), Err(refused(1)));
    assert!(fs::read(engine.wal_path()).unwrap().is_empty());
    assert!(!engine.is_halted());
    assert_eq!(engine.dump().resources.len(), 0);
    // One member fewer fits: the bound is exactly the payload's length.
    let outcome = engine.submit(&bundle(4, 5), Slot(0)).unwrap();
    assert_eq!(outcome.result_code, ResultCode::BundleTooLarge);
}
