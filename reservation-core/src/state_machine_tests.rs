use super::*;
use crate::command::Command;
use crate::ids::ClientId;

/// A state machine driven like the handle drives it: lsns 1, 2, ...
pub(crate) struct Harness {
    pub(crate) sm: StateMachine,
    lsn: u64,
    next_op: u128,
}

impl Harness {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            sm: StateMachine::new(config),
            lsn: 0,
            next_op: 0,
        }
    }

    fn ctx(&mut self, slot: u64) -> CommandContext {
        self.lsn += 1;
        CommandContext {
            lsn: Lsn(self.lsn),
            request_slot: Slot(slot),
        }
    }

    pub(crate) fn run(&mut self, slot: u64, command: Command) -> CommandOutcome {
        self.next_op += 1;
        let request = ClientRequest {
            operation_id: OperationId(self.next_op),
            client_id: ClientId(1),
            command,
        };
        self.send(slot, &request)
    }

    fn send(&mut self, slot: u64, request: &ClientRequest) -> CommandOutcome {
        let ctx = self.ctx(slot);
        let outcome = self.sm.apply_client(ctx, request);
        self.sm.validate_invariants().unwrap();
        outcome
    }

    fn code(&mut self, slot: u64, command: Command) -> ResultCode {
        self.run(slot, command).result_code
    }

    fn expire(&mut self, slot: u64, hold: u128) -> CommandOutcome {
        let ctx = self.ctx(slot);
        let command = InternalCommand::ExpireHold {
            hold_id: HoldId(hold),
        };
        let outcome = self.sm.apply_internal(ctx, &command);
        self.sm.validate_invariants().unwrap();
        outcome
    }
}

pub(crate) fn pool(id: u128, total: u64) -> Command {
    Command::CreatePool {
        pool_id: PoolId(id),
        total_capacity: total,
    }
}

pub(crate) fn place(hold: u128, pool: u128, quantity: u64, ttl: u64) -> Command {
    Command::PlaceHold {
        hold_id: HoldId(hold),
        pool_id: PoolId(pool),
        quantity,
        ttl_slots: ttl,
    }
}

pub(crate) fn confirm(hold: u128) -> Command {
    Command::ConfirmHold {
        hold_id: HoldId(hold),
    }
}

pub(crate) fn release(hold: u128) -> Command {
    Command::ReleaseHold {
        hold_id: HoldId(hold),
    }
}

fn pool_of(h: &Harness, id: u128) -> (u64, u64, u64) {
    let pool = h.sm.get_pool(PoolId(id)).unwrap();
    (
        pool.total_capacity,
        pool.held_capacity,
        pool.consumed_capacity,
    )
}

#[test]
fn create_pool_result_codes() {
    let mut config = Config::small();
    config.max_pools = 2;
    let mut h = Harness::new(config);
    assert_eq!(h.code(0, pool(1, 0)), ResultCode::Ok, "capacity 0 is valid");
    assert_eq!(h.code(0, pool(1, 5)), ResultCode::AlreadyExists);
    assert_eq!(h.code(0, pool(2, u64::MAX)), ResultCode::Ok);
    assert_eq!(h.code(0, pool(3, 1)), ResultCode::PoolTableFull);
    assert_eq!(
        h.code(0, pool(2, 1)),
        ResultCode::AlreadyExists,
        "AlreadyExists is checked before PoolTableFull"
    );
    assert_eq!(pool_of(&h, 1), (0, 0, 0));
    assert_eq!(h.sm.get_pool(PoolId(3)), None);
}

#[test]
fn place_hold_succeeds_with_its_deadline() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    let outcome = h.run(3, place(7, 1, 4, 5));
    assert_eq!(
        outcome,
        CommandOutcome {
            result_code: ResultCode::Ok,
            hold_id: Some(HoldId(7)),
            deadline_slot: Some(Slot(8)),
        }
    );
    assert_eq!(pool_of(&h, 1), (10, 4, 0));
    assert_eq!(
        h.sm.get_hold(HoldId(7)),
        Ok(HoldRecord {
            hold_id: HoldId(7),
            pool_id: PoolId(1),
            quantity: 4,
            deadline_slot: Slot(8),
            state: HoldState::Held,
            retire_after_slot: None,
        })
    );
    assert_eq!(h.code(3, place(8, 1, 6, 1)), ResultCode::Ok, "exactly full");
    assert_eq!(h.sm.get_pool(PoolId(1)).unwrap().available_capacity(), 0);
}

#[test]
fn place_hold_refusals_in_order() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    h.run(0, place(5, 1, 3, 4));
    let max_ttl = Config::small().max_ttl_slots;
    // Each case also breaks every later check, so the first failing check must win.
    assert_eq!(h.code(0, place(5, 9, 0, 0)), ResultCode::InvalidAmount);
    assert_eq!(h.code(0, place(5, 9, 1, 0)), ResultCode::TtlOutOfRange);
    assert_eq!(
        h.code(0, place(5, 9, 1, max_ttl + 1)),
        ResultCode::TtlOutOfRange
    );
    assert_eq!(
        h.code(0, place(5, 9, 11, max_ttl)),
        ResultCode::PoolNotFound
    );
    assert_eq!(h.code(0, place(5, 1, 11, 1)), ResultCode::AlreadyExists);
    assert_eq!(
        h.code(0, place(6, 1, 8, 1)),
        ResultCode::InsufficientCapacity
    );
    assert_eq!(h.code(0, place(6, 1, 7, max_ttl)), ResultCode::Ok);
    assert_eq!(pool_of(&h, 1), (10, 10, 0));
}

#[test]
fn place_hold_slot_overflow_comes_after_ttl_and_before_pool() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    // The retry window (8) still fits at MAX - 8; the deadline does not.
    assert_eq!(
        h.code(u64::MAX - 8, place(1, 9, 1, 9)),
        ResultCode::SlotOverflow
    );
    assert_eq!(
        h.code(u64::MAX - 8, place(1, 9, 1, 0)),
        ResultCode::TtlOutOfRange
    );
    assert_eq!(
        h.code(u64::MAX - 8, place(1, 9, 1, 8)),
        ResultCode::PoolNotFound
    );
}

#[test]
fn hold_table_full_and_expiration_index_full() {
    let mut config = Config::small();
    config.max_holds = 3;
    config.max_expiration_bucket_len = 2;
    let mut h = Harness::new(config);
    h.run(0, pool(1, 100));
    assert_eq!(h.code(0, place(1, 1, 1, 5)), ResultCode::Ok);
    assert_eq!(h.code(0, place(2, 1, 1, 5)), ResultCode::Ok);
    assert_eq!(
        h.code(0, place(3, 1, 1, 5)),
        ResultCode::ExpirationIndexFull
    );
    assert_eq!(h.code(0, place(3, 1, 1, 6)), ResultCode::Ok);
    assert_eq!(
        h.code(0, place(4, 1, 101, 6)),
        ResultCode::InsufficientCapacity,
        "capacity is checked before room"
    );
    assert_eq!(h.code(0, place(4, 1, 1, 5)), ResultCode::HoldTableFull);
    assert_eq!(pool_of(&h, 1), (100, 3, 0));
}

#[test]
fn confirm_hold_consumes() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    h.run(0, place(1, 1, 4, 5));
    assert_eq!(h.run(4, confirm(1)), CommandOutcome::hold(HoldId(1)));
    assert_eq!(pool_of(&h, 1), (10, 0, 4));
    let hold = h.sm.get_hold(HoldId(1)).unwrap();
    assert_eq!(hold.state, HoldState::Confirmed);
    assert_eq!(hold.retire_after_slot, Some(Slot(8)));
    assert_eq!(h.sm.due_expirations(Slot(100), 10), vec![]);
    assert_eq!(h.code(4, confirm(1)), ResultCode::InvalidState);
    assert_eq!(h.code(4, release(1)), ResultCode::InvalidState);
    assert_eq!(pool_of(&h, 1), (10, 0, 4), "confirmed at most once");
}

#[test]
fn confirm_hold_refusals() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    assert_eq!(h.code(0, confirm(9)), ResultCode::HoldNotFound);
    h.run(0, place(1, 1, 4, 5));
    assert_eq!(
        h.code(5, confirm(1)),
        ResultCode::HoldExpired,
        "a held hold at its deadline"
    );
    assert_eq!(h.sm.get_hold(HoldId(1)).unwrap().state, HoldState::Held);
    assert_eq!(pool_of(&h, 1), (10, 4, 0), "no state change");
    assert_eq!(h.expire(5, 1), CommandOutcome::hold(HoldId(1)));
    assert_eq!(h.code(5, confirm(1)), ResultCode::HoldExpired);
    h.run(5, place(2, 1, 1, 5));
    h.run(5, release(2));
    assert_eq!(h.code(5, confirm(2)), ResultCode::InvalidState);
}

#[test]
fn release_hold_result_codes() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    assert_eq!(h.code(0, release(1)), ResultCode::HoldNotFound);
    h.run(0, place(1, 1, 4, 5));
    assert_eq!(
        h.run(9, release(1)),
        CommandOutcome::hold(HoldId(1)),
        "late release is fine"
    );
    assert_eq!(pool_of(&h, 1), (10, 0, 0));
    assert_eq!(h.sm.get_hold(HoldId(1)).unwrap().state, HoldState::Released);
    assert_eq!(h.code(9, release(1)), ResultCode::InvalidState);
    h.run(9, place(2, 1, 4, 1));
    h.expire(10, 2);
    assert_eq!(h.code(10, release(2)), ResultCode::InvalidState);
}

#[test]
fn expire_hold_and_noop() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    assert_eq!(h.expire(0, 1).result_code, ResultCode::Noop, "unknown hold");
    h.run(0, place(1, 1, 4, 5));
    assert_eq!(
        h.expire(4, 1).result_code,
        ResultCode::Noop,
        "before deadline"
    );
    assert_eq!(h.expire(7, 1), CommandOutcome::hold(HoldId(1)));
    let hold = h.sm.get_hold(HoldId(1)).unwrap();
    assert_eq!(hold.state, HoldState::Expired);
    assert_eq!(
        hold.retire_after_slot,
        Some(Slot(11)),
        "terminal at the expiry's slot"
    );
    assert_eq!(pool_of(&h, 1), (10, 0, 0), "expiry never consumes");
    assert_eq!(
        h.expire(7, 1).result_code,
        ResultCode::Noop,
        "already expired"
    );
}

#[test]
fn due_expirations_are_in_deadline_then_id_order() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 100));
    for (hold, ttl) in [(9, 3), (2, 5), (7, 3), (4, 5), (1, 8)] {
        h.run(0, place(hold, 1, 1, ttl));
    }
    let ids = |due: Vec<InternalCommand>| -> Vec<u128> {
        due.into_iter()
            .map(|InternalCommand::ExpireHold { hold_id }| hold_id.get())
            .collect()
    };
    assert_eq!(ids(h.sm.due_expirations(Slot(2), 10)), Vec::<u128>::new());
    assert_eq!(ids(h.sm.due_expirations(Slot(5), 10)), vec![7, 9, 2, 4]);
    assert_eq!(ids(h.sm.due_expirations(Slot(5), 3)), vec![7, 9, 2]);
    assert_eq!(ids(h.sm.due_expirations(Slot(5), 0)), Vec::<u128>::new());
    assert_eq!(
        ids(h.sm.due_expirations(Slot(u64::MAX), 10)),
        vec![7, 9, 2, 4, 1],
        "a far slot takes the sorted path"
    );
}

#[test]
fn history_retires_after_the_window_and_the_id_is_reusable() {
    let mut h = Harness::new(Config::small());
    h.run(0, pool(1, 10));
    h.run(0, place(1, 1, 4, 5));
    h.run(2, release(1));
    // Readable while slot <= 2 + 4.
    assert_eq!(h.code(6, release(1)), ResultCode::InvalidState);
    assert_eq!(h.code(6, place(1, 1, 1, 1)), ResultCode::AlreadyExists);
    assert_eq!(h.code(7, release(1)), ResultCode::HoldNotFound);
    assert_eq!(h.sm.get_hold(HoldId(1)), Err(HoldLookupError::HoldNotFound));
    assert_eq!(h.code(7, confirm(1)), ResultCode::HoldNotFound);
    assert_eq!(h.code(7, place(1, 1, 2, 3)), ResultCode::Ok);
    assert_eq!(h.code(8, confirm(1)), ResultCode::Ok);
    assert_eq!(pool_of(&h, 1), (10, 0, 2));
    assert_eq!(HoldLookupError::HoldNotFound.to_string(), "HoldNotFound");
}

#[test]
fn history_window_saturates_at_the_end_of_time() {
    let mut config = Config::small();
    config.hold_history_window_slots = u64::MAX;
    let mut h = Harness::new(config);
    h.run(0, pool(1, 10));
    h.run(1, place(1, 1, 1, 2));
    assert_eq!(h.code(2, release(1)), ResultCode::Ok);
    assert_eq!(
        h.sm.get_hold(HoldId(1)).unwrap().retire_after_slot,
        Some(Slot(u64::MAX))
    );
}

#[test]
fn duplicates_conflicts_and_operation_limits() {
    let mut config = Config::small();
    config.max_operations = 2;
    let mut h = Harness::new(config);
    let request = ClientRequest {
        operation_id: OperationId(50),
        client_id: ClientId(1),
        command: pool(1, 10),
    };
    assert_eq!(h.send(0, &request).result_code, ResultCode::Ok);
    assert_eq!(
        h.sm.lookup_operation(&request, Slot(8)),
        Some(CommandOutcome::code(ResultCode::Ok))
    );
    let other = ClientRequest {
        client_id: ClientId(2),
        ..request
    };
    assert_eq!(
        h.sm.lookup_operation(&other, Slot(8))
            .map(|o| o.result_code),
        Some(ResultCode::OperationConflict)
    );
    assert_eq!(
        h.sm.lookup_operation(&request, Slot(9)),
        None,
        "window passed"
    );
    assert_eq!(
        h.send(1, &request).result_code,
        ResultCode::Ok,
        "stored outcome"
    );
    assert_eq!(h.send(1, &other).result_code, ResultCode::OperationConflict);
    assert_eq!(h.code(1, pool(2, 1)), ResultCode::Ok);
    assert_eq!(h.code(1, pool(3, 1)), ResultCode::OperationTableFull);
    assert_eq!(h.sm.get_pool(PoolId(3)), None, "not applied");
    assert_eq!(h.sm.table_lens()[3], 2);
    assert_eq!(
        h.code(10, pool(3, 1)),
        ResultCode::Ok,
        "both retired at slot 10"
    );
    assert_eq!(h.sm.table_lens()[3], 1);
}

#[test]
fn retry_window_overflow_is_slot_overflow_and_not_stored() {
    let mut h = Harness::new(Config::small());
    assert_eq!(h.code(u64::MAX - 8, pool(1, 1)), ResultCode::Ok);
    assert_eq!(h.code(u64::MAX - 7, pool(2, 1)), ResultCode::SlotOverflow);
    assert_eq!(h.sm.get_pool(PoolId(2)), None);
    assert_eq!(h.sm.table_lens(), [1, 0, 0, 1]);
}

#[test]
fn dump_is_sorted_and_allocations_never_change() {
    let mut h = Harness::new(Config::small());
    let reserved = h.sm.allocations();
    for id in [5, 3, 7] {
        h.run(0, pool(id, 10));
    }
    for (hold, slot) in [(9_u128, 0_u64), (4, 1), (6, 2)] {
        h.run(slot, place(hold, 3, 1, 2));
    }
    let dump = h.sm.dump();
    let pools: Vec<u128> = dump.pools.iter().map(|p| p.pool_id.get()).collect();
    let holds: Vec<u128> = dump.holds.iter().map(|p| p.hold_id.get()).collect();
    assert_eq!(pools, vec![3, 5, 7]);
    assert_eq!(holds, vec![4, 6, 9]);
    assert_eq!(dump.last_applied_lsn, Lsn(6));
    assert!(
        dump.operations
            .windows(2)
            .all(|w| w[0].operation_id < w[1].operation_id)
    );
    for slot in 3..2_000_u64 {
        let hold = u128::from(slot % 40);
        if h.code(slot, place(hold, 5, 1, 1 + slot % 16)) != ResultCode::Ok {
            h.expire(slot, hold);
        }
        for InternalCommand::ExpireHold { hold_id } in h.sm.due_expirations(Slot(slot), 64) {
            h.expire(slot, hold_id.get());
        }
    }
    assert_eq!(h.sm.allocations(), reserved);
    assert_eq!(h.sm.config(), &Config::small());
    assert_eq!(h.sm.get_operation(OperationId(1)), None, "retired long ago");
}
