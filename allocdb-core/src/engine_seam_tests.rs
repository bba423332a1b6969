//! The read-only views of the expiry index and the retire queues, and the untimed
//! internal-command test seam, through the public handle.

use super::*;
use runtime::retire_queue::RetireEntry;

fn lease_at(lsn: u64) -> LeaseId {
    LeaseId((u128::from(config().shard_id) << 64) | u128::from(lsn))
}

fn activate(op: u128, lease: LeaseId) -> ClientRequest {
    request(op, Command::confirm(lease, HolderId(1), 1))
}

fn entry<K>(key: K, retire_after_slot: u64) -> RetireEntry<K> {
    RetireEntry {
        key,
        retire_after_slot,
    }
}

#[test]
fn expiry_index_lists_every_reserved_lease_by_deadline_then_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    for id in 1..=3 {
        engine.submit(&create(id, id), Slot(0)).unwrap();
    }
    assert!(engine.state().expiry_index().is_empty());
    engine.submit(&reserve(4, 1, 9), Slot(0)).unwrap();
    engine.submit(&reserve(5, 2, 5), Slot(0)).unwrap();
    engine.submit(&reserve(6, 3, 9), Slot(0)).unwrap();
    let (first, second, third) = (lease_at(4), lease_at(5), lease_at(6));
    assert_eq!(
        engine.state().expiry_index(),
        [(Slot(5), second), (Slot(9), first), (Slot(9), third)]
    );
    assert_eq!(
        engine
            .submit(&activate(7, first), Slot(1))
            .unwrap()
            .result_code,
        ResultCode::Ok
    );
    assert_eq!(
        engine.state().expiry_index(),
        [(Slot(5), second), (Slot(9), third)],
        "an activated lease leaves the index"
    );
    assert_eq!(engine.tick(Slot(5)).unwrap().len(), 1);
    assert_eq!(engine.state().expiry_index(), [(Slot(9), third)]);
    // Deadline 20 wraps around the wheel of `max_ttl_slots + 1` buckets into a bucket before
    // deadline 9's: the view is still in deadline order.
    engine.submit(&create(8, 4), Slot(6)).unwrap();
    engine.submit(&reserve(9, 4, 14), Slot(6)).unwrap();
    assert_eq!(
        engine.state().expiry_index(),
        [(Slot(9), third), (Slot(20), lease_at(10))]
    );
}

#[test]
fn retire_queues_list_entries_oldest_first_with_their_slots() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    let window = config().max_client_retry_window_slots;
    let history = config().lease_history_window_slots;
    // Pushed in arrival order, not id order: operation 9 before operation 2.
    engine.submit(&create(9, 1), Slot(0)).unwrap();
    engine.submit(&reserve(2, 1, 3), Slot(0)).unwrap();
    engine.submit(&create(3, 2), Slot(2)).unwrap();
    engine.tick(Slot(3)).unwrap();
    let operations: Vec<_> = engine.state().operation_retire_queue().collect();
    assert_eq!(
        operations,
        [
            entry(OperationId(9), window),
            entry(OperationId(2), window),
            entry(OperationId(3), 2 + window)
        ]
    );
    let leases: Vec<_> = engine.state().lease_retire_queue().collect();
    assert_eq!(leases, [entry(lease_at(2), 3 + history)]);
    // At slot `window + 1` the first two operations and the expired lease have retired.
    engine.submit(&create(4, 3), Slot(window + 1)).unwrap();
    let operations: Vec<_> = engine.state().operation_retire_queue().collect();
    assert_eq!(
        operations,
        [
            entry(OperationId(3), 2 + window),
            entry(OperationId(4), 2 * window + 1)
        ]
    );
    assert_eq!(engine.state().lease_retire_queue().count(), 0);
}

#[test]
fn untimed_internal_writes_exactly_one_frame_and_leaves_other_expiries_due() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    engine.submit(&create(1, 1), Slot(0)).unwrap();
    engine.submit(&create(2, 2), Slot(0)).unwrap();
    engine.submit(&reserve(3, 1, 5), Slot(0)).unwrap();
    engine.submit(&reserve(4, 2, 5), Slot(0)).unwrap();
    let (due, raw) = (lease_at(3), lease_at(4));
    let expire = InternalCommand::Expire {
        lease_id: raw,
        deadline_slot: Slot(5),
    };
    assert_eq!(
        engine.submit_internal_untimed(&expire, Slot(6)).unwrap(),
        CommandOutcome::lease(raw, 2)
    );
    let frames = wal_frames(&engine);
    assert_eq!(frames.len(), 5, "exactly one frame: no tick before it");
    assert_eq!(frames[4], (5, 6, INTERNAL_COMMAND));
    assert_eq!(engine.get_lease(due).unwrap().state, LeaseState::Reserved);
    assert_eq!(engine.state().expiry_index(), [(Slot(5), due)]);
    // A slot below the last frame's is refused before the WAL.
    assert!(matches!(
        engine.submit_internal_untimed(&expire, Slot(5)),
        Err(SubmitError::SlotRegression { .. })
    ));
    assert_eq!(wal_frames(&engine).len(), 5);
    // The timed seam ticks first: the due lease expires (lsn 6), then the raw frame is a Noop.
    assert_eq!(
        engine
            .submit_internal(&expire, Slot(6))
            .unwrap()
            .result_code,
        ResultCode::Noop
    );
    assert_eq!(wal_frames(&engine).len(), 7);
    assert_eq!(engine.get_lease(due).unwrap().state, LeaseState::Expired);
    let dump = engine.dump();
    drop(engine);
    assert_eq!(
        AllocEngine::open(dir.path(), config()).unwrap().dump(),
        dump,
        "replay reproduces the untimed frame"
    );
}
