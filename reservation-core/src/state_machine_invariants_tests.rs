//! Each invariant violation is reported by `validate_invariants` (states broken by hand).

use crate::config::Config;
use crate::ids::{HoldId, Lsn, OperationId, PoolId, Slot};
use crate::state_machine::StateMachine;
use crate::state_machine::tests::{Harness, confirm, place, pool};
use crate::state_machine_invariants::InvariantError;
use runtime::retire_queue::RetireQueue;

#[test]
fn broken_states_are_reported() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    h.run(0, place(1, 1, 4, 5));
    h.run(0, place(2, 1, 1, 5));
    h.run(0, confirm(2));
    let good = h.sm.clone();
    let check = |change: &dyn Fn(&mut StateMachine)| {
        let mut sm = good.clone();
        change(&mut sm);
        sm.validate_invariants().unwrap_err()
    };
    let held_mismatch = check(&|sm| sm.pools.get_mut(PoolId(1)).unwrap().held_capacity = 3);
    assert!(matches!(
        held_mismatch,
        InvariantError::HeldMismatch {
            held: 3,
            live: 4,
            ..
        }
    ));
    let over = check(&|sm| sm.pools.get_mut(PoolId(1)).unwrap().total_capacity = 4);
    assert_eq!(
        over,
        InvariantError::PoolOverCommitted { pool_id: PoolId(1) }
    );
    let consumed = check(&|sm| sm.pools.get_mut(PoolId(1)).unwrap().consumed_capacity = 0);
    assert_eq!(
        consumed,
        InvariantError::ConsumedBelowConfirmed { pool_id: PoolId(1) }
    );
    let unindexed = check(&|sm| {
        sm.expiry.remove(Slot(5), HoldId(1));
    });
    assert_eq!(
        unindexed,
        InvariantError::HeldNotIndexed { hold_id: HoldId(1) }
    );
    let fields =
        check(&|sm| sm.holds.get_mut(HoldId(1)).unwrap().retire_after_slot = Some(Slot(1)));
    assert_eq!(
        fields,
        InvariantError::TerminalFields { hold_id: HoldId(1) }
    );
    let zero = check(&|sm| {
        let hold = sm.holds.get_mut(HoldId(2)).unwrap();
        hold.quantity = 0;
    });
    assert!(matches!(
        zero,
        InvariantError::ConsumedBelowConfirmed { .. } | InvariantError::ZeroQuantity { .. }
    ));
    for error in [held_mismatch, over, consumed, unindexed, fields] {
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn broken_queues_and_links_are_reported() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    h.run(0, place(1, 1, 4, 5));
    h.run(0, place(2, 1, 1, 5));
    h.run(0, confirm(2));
    let good = h.sm.clone();
    let check = |change: &dyn Fn(&mut StateMachine)| {
        let mut sm = good.clone();
        change(&mut sm);
        sm.validate_invariants().unwrap_err()
    };
    let queue = check(&|sm| {
        sm.hold_retire.pop_due(u64::MAX);
    });
    assert_eq!(queue, InvariantError::HoldQueue);
    let ops = check(&|sm| {
        sm.operation_retire.pop_due(u64::MAX);
    });
    assert_eq!(ops, InvariantError::OperationQueue);
    let unknown = check(&|sm| sm.holds.get_mut(HoldId(1)).unwrap().pool_id = PoolId(9));
    assert_eq!(unknown, InvariantError::UnknownPool { hold_id: HoldId(1) });
    let first = h.sm.dump().operations[0].operation_id;
    let record = check(&|sm| sm.operations.get_mut(first).unwrap().applied_lsn = Lsn(99));
    assert_eq!(
        record,
        InvariantError::OperationRecord {
            operation_id: first
        }
    );
    let key = check(&|sm| sm.operations.get_mut(first).unwrap().operation_id = OperationId(99));
    assert!(matches!(
        key,
        InvariantError::KeyMismatch {
            table: "operation",
            ..
        }
    ));
    // The queue lists one operation twice and misses another: the missing one would never
    // retire, and the twice-listed one would be removed while a retry still counts on it.
    let twice = check(&|sm| {
        let entries: Vec<_> = sm.operation_retire.iter().collect();
        let mut queue = RetireQueue::new(entries.len());
        for entry in entries.iter().take(entries.len() - 1) {
            queue.push(entry.key, entry.retire_after_slot).unwrap();
        }
        let first = entries[0];
        queue.push(first.key, first.retire_after_slot).unwrap();
        sm.operation_retire = queue;
    });
    assert_eq!(twice, InvariantError::OperationQueue);
    for error in [queue, ops, unknown, record, key] {
        assert!(!error.to_string().is_empty());
    }
}
