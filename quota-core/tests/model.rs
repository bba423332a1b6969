//! Model test: random action sequences through the engine handle and through a deliberately
//! simple reference model (plain vectors, linear scans; it imports the engine's types, never
//! its logic) must give identical outcomes, errors and states. The generators are tuned so
//! that the runs together produce every `ResultCode`, and the test asserts that they did.

mod common;

use std::cell::RefCell;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};
use quota_core::state_machine::OperationRecord;
use quota_core::{
    BucketId, BucketRecord, ClientRequest, Command, CommandOutcome, Config, Lsn, ResultCode, Slot,
    StateDump, SubmitError,
};

use common::{open_fast, tight_config, without_fingerprints};

struct ModelOperation {
    request: ClientRequest,
    outcome: CommandOutcome,
    applied_lsn: u64,
    retire_after_slot: u64,
}

/// The reference model: the spec's rules written as plainly as possible.
struct Model {
    config: Config,
    lsn: u64,
    slot: u64,
    buckets: Vec<BucketRecord>,
    operations: Vec<ModelOperation>,
}

fn code(result_code: ResultCode) -> CommandOutcome {
    CommandOutcome {
        result_code,
        balance: None,
    }
}

impl Model {
    fn new(config: Config) -> Self {
        Self {
            config,
            lsn: 0,
            slot: 0,
            buckets: Vec::new(),
            operations: Vec::new(),
        }
    }

    fn check_slot(&self, slot: u64) -> Result<(), SubmitError> {
        if slot < self.slot {
            return Err(SubmitError::SlotRegression {
                request_slot: Slot(slot),
                last_slot: Slot(self.slot),
            });
        }
        Ok(())
    }

    fn submit(
        &mut self,
        request: &ClientRequest,
        slot: u64,
    ) -> Result<CommandOutcome, SubmitError> {
        self.check_slot(slot)?;
        let live = self.operations.iter().find(|op| {
            op.request.operation_id == request.operation_id && op.retire_after_slot >= slot
        });
        if let Some(op) = live {
            let same =
                op.request.client_id == request.client_id && op.request.command == request.command;
            return Ok(if same {
                op.outcome
            } else {
                code(ResultCode::OperationConflict)
            });
        }
        self.lsn += 1;
        self.slot = slot;
        self.operations.retain(|op| op.retire_after_slot >= slot);
        if self.operations.len() >= self.config.max_operations as usize {
            return Ok(code(ResultCode::OperationTableFull));
        }
        let Some(retire_after_slot) = slot.checked_add(self.config.max_client_retry_window_slots)
        else {
            return Ok(code(ResultCode::SlotOverflow));
        };
        let outcome = self.execute(request.command, slot);
        self.operations.push(ModelOperation {
            request: *request,
            outcome,
            applied_lsn: self.lsn,
            retire_after_slot,
        });
        Ok(outcome)
    }

    fn execute(&mut self, command: Command, slot: u64) -> CommandOutcome {
        match command {
            Command::CreateBucket {
                bucket_id,
                limit,
                initial_balance,
                refill_rate_per_slot,
            } => {
                if initial_balance > limit {
                    return code(ResultCode::InvalidAmount);
                }
                if self.buckets.iter().any(|b| b.bucket_id == bucket_id) {
                    return code(ResultCode::AlreadyExists);
                }
                if self.buckets.len() >= self.config.max_buckets as usize {
                    return code(ResultCode::BucketTableFull);
                }
                self.buckets.push(BucketRecord {
                    bucket_id,
                    limit,
                    balance: initial_balance,
                    refill_rate_per_slot,
                    last_refill_slot: Slot(slot),
                });
                code(ResultCode::Ok)
            }
            Command::Debit { bucket_id, amount } => {
                if amount == 0 {
                    return code(ResultCode::InvalidAmount);
                }
                let Some(bucket) = self.buckets.iter_mut().find(|b| b.bucket_id == bucket_id)
                else {
                    return code(ResultCode::BucketNotFound);
                };
                let elapsed = slot - bucket.last_refill_slot.get();
                let refill = bucket.refill_rate_per_slot.saturating_mul(elapsed);
                bucket.balance = bucket.balance.saturating_add(refill).min(bucket.limit);
                bucket.last_refill_slot = Slot(slot);
                let result_code = if bucket.balance < amount {
                    ResultCode::InsufficientFunds
                } else {
                    bucket.balance -= amount;
                    ResultCode::Ok
                };
                CommandOutcome {
                    result_code,
                    balance: Some(bucket.balance),
                }
            }
        }
    }

    fn dump(&self) -> StateDump {
        let mut buckets = self.buckets.clone();
        buckets.sort_by_key(|b| b.bucket_id);
        let mut operations: Vec<OperationRecord> = self
            .operations
            .iter()
            .map(|op| OperationRecord {
                operation_id: op.request.operation_id,
                fingerprint: 0,
                outcome: op.outcome,
                applied_lsn: Lsn(op.applied_lsn),
                retire_after_slot: Slot(op.retire_after_slot),
            })
            .collect();
        operations.sort_by_key(|op| op.operation_id);
        StateDump {
            last_applied_lsn: Lsn(self.lsn),
            last_request_slot: Slot(self.slot),
            buckets,
            operations,
        }
    }
}

#[derive(Clone, Debug)]
enum Action {
    /// Submit at the current slot plus a step.
    Submit(ClientRequest, u64),
    /// Group-commit several requests at the current slot plus a step.
    Batch(Vec<ClientRequest>, u64),
    /// Submit below the current slot.
    Regress(ClientRequest, u64),
    Tick(u64),
    /// Move time to the last few slots before `u64::MAX`.
    JumpToEnd(u64),
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0_u64..12, 1 => Just(u64::MAX)]
}

fn command() -> impl Strategy<Value = Command> {
    // Creates are mostly valid (initial <= limit), so that runs fill the bucket table and reach
    // `BucketTableFull`; the rest also reach `InvalidAmount`.
    prop_oneof![
        2 => (0_u128..6, amount(), amount(), prop_oneof![0_u64..3, Just(u64::MAX)]).prop_map(
            |(id, limit, initial, rate)| common::create(id, limit, initial.min(limit), rate)
        ),
        1 => (0_u128..6, amount(), amount(), prop_oneof![0_u64..3, Just(u64::MAX)]).prop_map(
            |(id, limit, initial, rate)| common::create(id, limit, initial, rate)
        ),
        5 => (0_u128..6, 0_u64..9).prop_map(|(id, amount)| common::debit(id, amount)),
    ]
}

fn client_request() -> impl Strategy<Value = ClientRequest> {
    (0_u128..14, 0_u128..2, command())
        .prop_map(|(op, client, command)| common::request(op, client, command))
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        24 => (client_request(), prop_oneof![4 => Just(0_u64), 3 => 1_u64..3, 1 => 3_u64..12])
            .prop_map(|(request, step)| Action::Submit(request, step)),
        3 => (proptest::collection::vec(client_request(), 0..5), 0_u64..3)
            .prop_map(|(requests, step)| Action::Batch(requests, step)),
        1 => (client_request(), 1_u64..4).prop_map(|(request, back)| Action::Regress(request, back)),
        1 => (0_u64..6).prop_map(Action::Tick),
        1 => (0_u64..12).prop_map(Action::JumpToEnd),
    ]
}

/// Runs one action against both; returns the result codes the engine produced.
fn step(
    engine: &mut quota_core::QuotaEngine,
    model: &mut Model,
    action: &Action,
) -> Vec<ResultCode> {
    let now = model.slot;
    match action {
        Action::Submit(request, step) => {
            let slot = now.saturating_add(*step);
            let got = engine.submit(request, Slot(slot));
            assert_eq!(got, model.submit(request, slot), "{action:?}");
            got.map(|o| vec![o.result_code]).unwrap_or_default()
        }
        Action::Batch(requests, step) => {
            let slot = now.saturating_add(*step);
            let got = engine.submit_batch(requests, Slot(slot)).unwrap();
            let expected: Vec<CommandOutcome> = requests
                .iter()
                .map(|request| model.submit(request, slot).unwrap())
                .collect();
            assert_eq!(got, expected, "{action:?}");
            got.iter().map(|o| o.result_code).collect()
        }
        Action::Regress(request, back) => {
            let slot = now.saturating_sub(*back);
            let got = engine.submit(request, Slot(slot));
            assert_eq!(got, model.submit(request, slot), "{action:?}");
            got.map(|o| vec![o.result_code]).unwrap_or_default()
        }
        Action::Tick(step) => {
            let slot = now.saturating_add(*step);
            assert_eq!(engine.tick(Slot(slot)), model.check_slot(slot));
            Vec::new()
        }
        Action::JumpToEnd(before_end) => {
            let slot = (u64::MAX - before_end).max(now);
            let request = common::request(u128::MAX, 9, common::debit(0, 1));
            let got = engine.submit(&request, Slot(slot));
            assert_eq!(got, model.submit(&request, slot), "{action:?}");
            got.map(|o| vec![o.result_code]).unwrap_or_default()
        }
    }
}

#[test]
fn engine_matches_the_reference_model_and_every_code_occurs() {
    let seen = RefCell::new(BTreeSet::new());
    // A fixed seed: the coverage assertion below must hold on every run, not on most.
    let config = RunnerConfig {
        cases: 64,
        failure_persistence: None,
        ..RunnerConfig::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = proptest::collection::vec(action(), 1..70);
    runner
        .run(&strategy, |actions| {
            let dir = tempfile::tempdir().unwrap();
            let mut engine = open_fast(dir.path(), tight_config());
            let mut model = Model::new(tight_config());
            for action in &actions {
                let codes = step(&mut engine, &mut model, action);
                seen.borrow_mut().extend(codes);
                engine.state().validate_invariants().unwrap();
                prop_assert_eq!(without_fingerprints(engine.dump()), model.dump());
            }
            Ok(())
        })
        .unwrap();
    let seen = seen.into_inner();
    let missing: Vec<&ResultCode> = ResultCode::ALL
        .iter()
        .filter(|code| !seen.contains(code))
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
}

#[test]
fn a_read_never_refills() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open_fast(dir.path(), tight_config());
    let request = common::request(1, 1, common::create(1, 10, 0, 1));
    engine.submit(&request, Slot(0)).unwrap();
    engine.tick(Slot(50)).unwrap();
    assert_eq!(engine.get_bucket(BucketId(1)).unwrap().balance, 0);
}
