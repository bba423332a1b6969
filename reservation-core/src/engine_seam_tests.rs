//! The read-only views of the expiry index and the retire queues, and the untimed
//! internal-command test seam, through the public handle.

use super::*;
use runtime::retire_queue::RetireEntry;

fn entry<K>(key: K, retire_after_slot: u64) -> RetireEntry<K> {
    RetireEntry {
        key,
        retire_after_slot,
    }
}

fn opened(dir: &Path) -> ReservationEngine {
    let mut engine = ReservationEngine::open(dir, config()).unwrap();
    engine.submit(&request(1, pool(1, 100)), Slot(0)).unwrap();
    engine
}

#[test]
fn expiry_index_lists_every_held_hold_by_deadline_then_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = opened(dir.path());
    assert!(engine.state().expiry_index().is_empty());
    // Hold ids are chosen by clients: 9 is placed before 3, both due at slot 9.
    engine.submit(&request(2, place(9, 1, 9)), Slot(0)).unwrap();
    engine.submit(&request(3, place(5, 1, 5)), Slot(0)).unwrap();
    engine.submit(&request(4, place(3, 1, 9)), Slot(0)).unwrap();
    assert_eq!(
        engine.state().expiry_index(),
        [
            (Slot(5), HoldId(5)),
            (Slot(9), HoldId(3)),
            (Slot(9), HoldId(9))
        ]
    );
    let confirm = Command::ConfirmHold { hold_id: HoldId(9) };
    assert_eq!(
        engine
            .submit(&request(5, confirm), Slot(1))
            .unwrap()
            .result_code,
        ResultCode::Ok
    );
    assert_eq!(
        engine.state().expiry_index(),
        [(Slot(5), HoldId(5)), (Slot(9), HoldId(3))],
        "a confirmed hold leaves the index"
    );
    assert_eq!(engine.tick(Slot(5)).unwrap().len(), 1);
    assert_eq!(engine.state().expiry_index(), [(Slot(9), HoldId(3))]);
    // Deadline 20 wraps around the wheel of `max_ttl_slots + 1` buckets into a bucket before
    // deadline 9's: the view is still in deadline order.
    engine
        .submit(&request(6, place(1, 1, 14)), Slot(6))
        .unwrap();
    assert_eq!(
        engine.state().expiry_index(),
        [(Slot(9), HoldId(3)), (Slot(20), HoldId(1))]
    );
}

#[test]
fn retire_queues_list_entries_oldest_first_with_their_slots() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = opened(dir.path());
    let window = config().max_client_retry_window_slots;
    let history = config().hold_history_window_slots;
    // Pushed in arrival order, not id order: hold 8 ends before hold 2.
    engine.submit(&request(9, place(2, 1, 3)), Slot(0)).unwrap();
    engine.submit(&request(3, place(8, 1, 9)), Slot(1)).unwrap();
    let release = Command::ReleaseHold { hold_id: HoldId(8) };
    engine.submit(&request(4, release), Slot(2)).unwrap();
    engine.tick(Slot(3)).unwrap();
    let operations: Vec<_> = engine.state().operation_retire_queue().collect();
    assert_eq!(
        operations,
        [
            entry(OperationId(1), window),
            entry(OperationId(9), window),
            entry(OperationId(3), 1 + window),
            entry(OperationId(4), 2 + window),
        ]
    );
    let holds: Vec<_> = engine.state().hold_retire_queue().collect();
    assert_eq!(
        holds,
        [entry(HoldId(8), 2 + history), entry(HoldId(2), 3 + history)]
    );
    // At slot `2 + history + 1` hold 8 has retired, hold 2 has not.
    engine.tick(Slot(3 + history)).unwrap();
    engine
        .submit(&request(5, pool(2, 1)), Slot(3 + history))
        .unwrap();
    let holds: Vec<_> = engine.state().hold_retire_queue().collect();
    assert_eq!(holds, [entry(HoldId(2), 3 + history)]);
}

#[test]
fn untimed_internal_writes_exactly_one_frame_and_leaves_other_expiries_due() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = opened(dir.path());
    engine.submit(&request(2, place(3, 1, 5)), Slot(0)).unwrap();
    engine.submit(&request(3, place(4, 1, 5)), Slot(0)).unwrap();
    let expire = InternalCommand::ExpireHold { hold_id: HoldId(4) };
    assert_eq!(
        engine.submit_internal_untimed(&expire, Slot(6)).unwrap(),
        CommandOutcome::hold(HoldId(4))
    );
    let frames = frames_of(&engine);
    assert_eq!(frames.len(), 4, "exactly one frame: no tick before it");
    assert_eq!(frames[3], (4, 6, INTERNAL_COMMAND));
    assert_eq!(engine.get_hold(HoldId(3)).unwrap().state, HoldState::Held);
    assert_eq!(engine.state().expiry_index(), [(Slot(5), HoldId(3))]);
    // A slot below the last frame's is refused before the WAL.
    assert!(matches!(
        engine.submit_internal_untimed(&expire, Slot(5)),
        Err(SubmitError::SlotRegression { .. })
    ));
    assert_eq!(frames_of(&engine).len(), 4);
    // The timed seam ticks first: hold 3 expires (lsn 5), then the raw frame is a Noop.
    assert_eq!(
        engine
            .submit_internal(&expire, Slot(6))
            .unwrap()
            .result_code,
        ResultCode::Noop
    );
    assert_eq!(frames_of(&engine).len(), 6);
    assert_eq!(
        engine.get_hold(HoldId(3)).unwrap().state,
        HoldState::Expired
    );
    let dump = engine.dump();
    drop(engine);
    assert_eq!(
        ReservationEngine::open(dir.path(), config())
            .unwrap()
            .dump(),
        dump,
        "replay reproduces the untimed frame"
    );
}
