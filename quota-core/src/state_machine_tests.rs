use super::*;
use crate::command::Command;
use crate::ids::ClientId;
use crate::state_machine_commands::refilled_balance;
use crate::state_machine_invariants::InvariantError;
use ResultCode as R;

/// Drives the state machine the way the handle does: dedupe first, then the command at the
/// next lsn; invariants checked after every step.
struct Harness {
    sm: StateMachine,
    lsn: u64,
    slot: u64,
    next_op: u128,
}

impl Harness {
    fn new(config: Config) -> Self {
        Self {
            sm: StateMachine::new(config),
            lsn: 0,
            slot: 0,
            next_op: 1,
        }
    }

    fn ctx(&mut self) -> CommandContext {
        self.lsn += 1;
        CommandContext {
            lsn: Lsn(self.lsn),
            request_slot: Slot(self.slot),
        }
    }

    fn request(&mut self, command: Command) -> ClientRequest {
        self.next_op += 1;
        ClientRequest {
            operation_id: OperationId(self.next_op),
            client_id: ClientId(1),
            command,
        }
    }

    fn send(&mut self, request: &ClientRequest) -> CommandOutcome {
        if let Some(outcome) = self.sm.lookup_operation(request, Slot(self.slot)) {
            return outcome;
        }
        let ctx = self.ctx();
        let outcome = self.sm.apply_client(ctx, request);
        self.sm.validate_invariants().unwrap();
        outcome
    }

    fn run(&mut self, command: Command) -> CommandOutcome {
        let request = self.request(command);
        self.send(&request)
    }

    fn create(&mut self, id: u128, limit: u64, initial: u64, rate: u64) -> CommandOutcome {
        self.run(create(id, limit, initial, rate))
    }

    fn debit(&mut self, id: u128, amount: u64) -> CommandOutcome {
        self.run(debit(id, amount))
    }
}

fn create(id: u128, limit: u64, initial_balance: u64, refill_rate_per_slot: u64) -> Command {
    Command::CreateBucket {
        bucket_id: BucketId(id),
        limit,
        initial_balance,
        refill_rate_per_slot,
    }
}

fn debit(id: u128, amount: u64) -> Command {
    Command::Debit {
        bucket_id: BucketId(id),
        amount,
    }
}

fn code(outcome: CommandOutcome) -> ResultCode {
    outcome.result_code
}

#[test]
fn create_bucket_starts_at_the_request_slot() {
    let mut h = Harness::new(Config::small());
    h.slot = 5;
    assert_eq!(h.create(1, 10, 4, 2), CommandOutcome::code(R::Ok));
    assert_eq!(
        h.sm.get_bucket(BucketId(1)),
        Some(BucketRecord {
            bucket_id: BucketId(1),
            limit: 10,
            balance: 4,
            refill_rate_per_slot: 2,
            last_refill_slot: Slot(5),
        })
    );
    assert_eq!(h.sm.get_bucket(BucketId(2)), None);
}

#[test]
fn create_bucket_checks_in_order() {
    let config = Config {
        max_buckets: 2,
        ..Config::small()
    };
    let mut h = Harness::new(config);
    assert_eq!(code(h.create(1, 5, 5, 0)), R::Ok);
    // InvalidAmount comes before AlreadyExists.
    assert_eq!(code(h.create(1, 5, 6, 0)), R::InvalidAmount);
    assert_eq!(code(h.create(1, 5, 0, 0)), R::AlreadyExists);
    assert_eq!(code(h.create(2, 0, 0, 0)), R::Ok, "a limit of 0 is valid");
    // AlreadyExists comes before BucketTableFull; InvalidAmount before both.
    assert_eq!(code(h.create(2, 1, 1, 1)), R::AlreadyExists);
    assert_eq!(code(h.create(3, 1, 1, 1)), R::BucketTableFull);
    assert_eq!(code(h.create(3, 1, 2, 1)), R::InvalidAmount);
    assert_eq!(h.sm.table_lens(), [2, 7]);
}

#[test]
fn debit_checks_in_order() {
    let mut h = Harness::new(Config::small());
    assert_eq!(
        code(h.debit(1, 0)),
        R::InvalidAmount,
        "before BucketNotFound"
    );
    assert_eq!(h.debit(1, 1), CommandOutcome::code(R::BucketNotFound));
    h.create(1, 10, 3, 0);
    assert_eq!(code(h.debit(1, 0)), R::InvalidAmount);
    assert_eq!(h.debit(1, 2), CommandOutcome::debit(R::Ok, 1));
    assert_eq!(
        h.debit(1, 2),
        CommandOutcome::debit(R::InsufficientFunds, 1)
    );
    assert_eq!(h.debit(1, 1), CommandOutcome::debit(R::Ok, 0));
    assert_eq!(h.sm.get_bucket(BucketId(1)).unwrap().balance, 0);
}

#[test]
fn refill_is_capped_at_the_limit_and_persists_on_refusal() {
    let mut h = Harness::new(Config::small());
    h.create(1, 10, 0, 3);
    h.slot = 2;
    assert_eq!(
        h.debit(1, 7),
        CommandOutcome::debit(R::InsufficientFunds, 6)
    );
    let bucket = h.sm.get_bucket(BucketId(1)).unwrap();
    assert_eq!((bucket.balance, bucket.last_refill_slot), (6, Slot(2)));
    h.slot = 3;
    assert_eq!(h.debit(1, 7), CommandOutcome::debit(R::Ok, 2));
    h.slot = 100;
    assert_eq!(
        h.debit(1, 1),
        CommandOutcome::debit(R::Ok, 9),
        "capped at 10"
    );
}

#[test]
fn refill_saturates_instead_of_overflowing() {
    let mut h = Harness::new(Config::small());
    h.create(1, u64::MAX, u64::MAX - 1, u64::MAX);
    h.slot = u64::MAX - 100;
    assert_eq!(h.debit(1, 1), CommandOutcome::debit(R::Ok, u64::MAX - 1));
    let bucket = BucketRecord {
        bucket_id: BucketId(9),
        limit: 7,
        balance: 7,
        refill_rate_per_slot: u64::MAX,
        last_refill_slot: Slot(0),
    };
    assert_eq!(refilled_balance(&bucket, Slot(u64::MAX)), 7);
}

#[test]
fn zero_rate_never_refills() {
    let mut h = Harness::new(Config::small());
    h.create(1, 5, 1, 0);
    h.slot = 1_000;
    assert_eq!(
        h.debit(1, 2),
        CommandOutcome::debit(R::InsufficientFunds, 1)
    );
}

#[test]
fn a_read_does_not_refill() {
    let mut h = Harness::new(Config::small());
    h.create(1, 10, 0, 1);
    h.slot = 5;
    h.create(2, 1, 0, 0);
    assert_eq!(h.sm.get_bucket(BucketId(1)).unwrap().balance, 0);
}

#[test]
fn duplicates_return_the_stored_outcome_and_conflicts_are_refused() {
    let mut h = Harness::new(Config::small());
    h.create(1, 10, 10, 0);
    let request = h.request(debit(1, 4));
    assert_eq!(h.send(&request), CommandOutcome::debit(R::Ok, 6));
    assert_eq!(h.send(&request), CommandOutcome::debit(R::Ok, 6));
    assert_eq!(h.sm.get_bucket(BucketId(1)).unwrap().balance, 6, "once");
    let mut other_client = request;
    other_client.client_id = ClientId(2);
    assert_eq!(code(h.send(&other_client)), R::OperationConflict);
    let mut other_command = request;
    other_command.command = debit(1, 5);
    assert_eq!(code(h.send(&other_command)), R::OperationConflict);
    // Without the handle's dedupe, apply itself answers the same way and stores nothing.
    let lsn = h.sm.last_applied_lsn();
    let ctx = h.ctx();
    assert_eq!(
        h.sm.apply_client(ctx, &request),
        CommandOutcome::debit(R::Ok, 6)
    );
    let ctx = h.ctx();
    assert_eq!(
        code(h.sm.apply_client(ctx, &other_command)),
        R::OperationConflict
    );
    assert_eq!(h.sm.last_applied_lsn(), Lsn(lsn.get() + 2));
    assert_eq!(h.sm.get_bucket(BucketId(1)).unwrap().balance, 6);
}

#[test]
fn operations_count_while_inside_the_window_then_retire() {
    let mut h = Harness::new(Config::small());
    h.create(1, 100, 100, 0);
    let request = h.request(debit(1, 1));
    h.send(&request);
    let retire_after =
        h.sm.get_operation(request.operation_id)
            .unwrap()
            .retire_after_slot;
    assert_eq!(retire_after, Slot(8));
    h.slot = 8;
    assert_eq!(h.send(&request), CommandOutcome::debit(R::Ok, 99));
    h.slot = 9;
    assert_eq!(h.sm.lookup_operation(&request, Slot(9)), None);
    assert_eq!(
        h.send(&request),
        CommandOutcome::debit(R::Ok, 98),
        "a new write"
    );
    assert_eq!(
        h.sm.get_operation(request.operation_id)
            .unwrap()
            .retire_after_slot,
        Slot(17)
    );
}

#[test]
fn full_operation_table_refuses_without_storing() {
    let config = Config {
        max_operations: 2,
        ..Config::small()
    };
    let mut h = Harness::new(config);
    h.create(1, 10, 10, 0);
    h.debit(1, 1);
    assert_eq!(h.debit(1, 1), CommandOutcome::code(R::OperationTableFull));
    assert_eq!(h.sm.table_lens(), [1, 2]);
    assert_eq!(h.sm.get_bucket(BucketId(1)).unwrap().balance, 9);
    // Applying a frame past the window retires the old entries first, making room.
    h.slot = 9;
    assert_eq!(h.debit(1, 1), CommandOutcome::debit(R::Ok, 8));
    assert_eq!(h.sm.table_lens(), [1, 1]);
}

#[test]
fn slot_overflow_is_refused_without_storing() {
    let mut h = Harness::new(Config::small());
    h.slot = u64::MAX - 8;
    assert_eq!(code(h.create(1, 1, 1, 1)), R::Ok);
    h.slot = u64::MAX - 7;
    let request = h.request(create(2, 1, 1, 1));
    assert_eq!(code(h.send(&request)), R::SlotOverflow);
    assert_eq!(h.sm.get_operation(request.operation_id), None);
    assert_eq!(h.sm.get_bucket(BucketId(2)), None);
    assert_eq!(code(h.debit(1, 1)), R::SlotOverflow);
    assert_eq!(h.sm.get_bucket(BucketId(1)).unwrap().balance, 1);
}

#[test]
fn dump_lists_records_sorted_by_id() {
    let mut h = Harness::new(Config::small());
    for id in [9, 3, 7, 1] {
        h.create(id, 1, 1, 1);
    }
    let dump = h.sm.dump();
    let ids: Vec<u128> = dump.buckets.iter().map(|b| b.bucket_id.get()).collect();
    assert_eq!(ids, vec![1, 3, 7, 9]);
    let ops: Vec<u128> = dump
        .operations
        .iter()
        .map(|o| o.operation_id.get())
        .collect();
    assert!(ops.windows(2).all(|pair| pair[0] < pair[1]));
    assert_eq!(dump.last_applied_lsn, Lsn(4));
}

#[test]
fn allocations_never_change_over_a_long_run() {
    let config = Config {
        max_buckets: 4,
        max_operations: 8,
        max_client_retry_window_slots: 2,
        ..Config::small()
    };
    let mut h = Harness::new(config);
    let reserved = h.sm.allocations();
    for id in 0..4 {
        h.create(id, 50, 50, 1);
    }
    for step in 0..3_000_u64 {
        h.slot = step / 2;
        h.debit(u128::from(step % 5), step % 4 + 1);
    }
    assert_eq!(h.sm.allocations(), reserved);
    assert!(h.sm.table_lens()[1] <= 8);
}

fn broken(change: impl FnOnce(&mut StateMachine)) -> InvariantError {
    let mut h = Harness::new(Config::small());
    h.create(1, 10, 5, 1);
    h.slot = 3;
    h.debit(1, 1);
    change(&mut h.sm);
    h.sm.validate_invariants().unwrap_err()
}

#[test]
fn each_invariant_violation_is_detected() {
    let id = BucketId(1);
    let error = broken(|sm| sm.buckets.get_mut(id).unwrap().balance = 11);
    assert_eq!(error, InvariantError::BalanceAboveLimit { bucket_id: id });
    let error = broken(|sm| sm.buckets.get_mut(id).unwrap().last_refill_slot = Slot(4));
    assert_eq!(error, InvariantError::RefillInFuture { bucket_id: id });
    let error = broken(|sm| sm.buckets.get_mut(id).unwrap().bucket_id = BucketId(2));
    assert_eq!(error, InvariantError::BucketIdentity { bucket_id: id });
    let error = broken(|sm| sm.last_applied_lsn = Lsn(1));
    assert!(matches!(error, InvariantError::OperationRecord { .. }));
    let error = broken(|sm| sm.operation_retire = runtime::retire_queue::RetireQueue::new(128));
    assert_eq!(error, InvariantError::OperationQueue);
    let error = broken(|sm| {
        let first = sm.operation_retire.front().unwrap();
        sm.operation_retire = runtime::retire_queue::RetireQueue::new(128);
        sm.operation_retire
            .push(first.key, first.retire_after_slot)
            .unwrap();
        sm.operation_retire
            .push(first.key, first.retire_after_slot)
            .unwrap();
    });
    assert_eq!(error, InvariantError::OperationQueue, "queued twice");
    for error in [
        InvariantError::Table {
            table: "bucket",
            detail: "x".into(),
        },
        InvariantError::BalanceAboveLimit { bucket_id: id },
        InvariantError::RefillInFuture { bucket_id: id },
        InvariantError::BucketIdentity { bucket_id: id },
        InvariantError::OperationRecord {
            operation_id: OperationId(1),
        },
        InvariantError::OperationQueue,
    ] {
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn shared_codes_answer_every_command() {
    let commands = [create(5, 1, 1, 1), debit(5, 1)];
    for command in commands {
        // OperationConflict: the same operation id with another command.
        let mut h = Harness::new(Config::small());
        let first = h.request(command);
        h.send(&first);
        let mut other = first;
        other.client_id = ClientId(9);
        assert_eq!(code(h.send(&other)), R::OperationConflict, "{command:?}");
        // OperationTableFull.
        let config = Config {
            max_operations: 1,
            ..Config::small()
        };
        let mut h = Harness::new(config);
        h.create(7, 1, 1, 1);
        assert_eq!(code(h.run(command)), R::OperationTableFull, "{command:?}");
        // SlotOverflow.
        let mut h = Harness::new(Config::small());
        h.slot = u64::MAX;
        assert_eq!(code(h.run(command)), R::SlotOverflow, "{command:?}");
    }
}
