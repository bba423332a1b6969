//! The engine handle against the reference model (`support/mod.rs`): identical outcomes and
//! identical states after every step, on random workloads whose runs together produce every
//! `ResultCode` (asserted). A second property reopens the database after random checkpoints
//! and requires the same state and the same answers to retried operation ids.

mod support;

use std::cell::Cell;

use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};
use proptest::{prop_assert, prop_assert_eq};
use reservation_core::command::{Command, InternalCommand};
use reservation_core::engine::{ReservationEngine, SubmitError};
use reservation_core::ids::{HoldId, Slot};
use reservation_core::model::{Model, project};
use reservation_core::result::{CommandOutcome, ResultCode};
use support::{Action, Steps, fast_tempdir, model_config, request, workload};

/// The whole workload as `(slot, action)`, the tail moved near the end of time.
fn timeline(steps: Steps, tail: Option<(u64, Steps)>) -> Vec<(u64, Action)> {
    let mut slot = 0_u64;
    let mut out = Vec::new();
    for (delta, action) in steps {
        slot = slot.saturating_add(delta);
        out.push((slot, action));
    }
    if let Some((back, tail)) = tail {
        let window = model_config().max_client_retry_window_slots;
        slot = slot.max(u64::MAX - window - back);
        for (delta, action) in tail {
            slot = slot.saturating_add(delta);
            out.push((slot, action));
        }
    }
    out
}

/// Runs one action on both; returns the outcomes the engine produced.
fn step(
    engine: &mut ReservationEngine,
    model: &mut Model,
    slot: u64,
    action: &Action,
) -> Result<Vec<CommandOutcome>, proptest::test_runner::TestCaseError> {
    let outcomes = match action {
        Action::Client {
            op,
            client,
            command,
        } => {
            let request = request(*op, *client, *command);
            let got = engine.submit(&request, Slot(slot)).unwrap();
            prop_assert_eq!(Some(got), model.submit(&request, slot));
            vec![got]
        }
        Action::Batch(items) => {
            let requests: Vec<_> = items
                .iter()
                .map(|(op, client, command)| request(*op, *client, *command))
                .collect();
            let got = engine.submit_batch(&requests, Slot(slot)).unwrap();
            let expected: Vec<_> = requests
                .iter()
                .map(|r| model.submit(r, slot).unwrap())
                .collect();
            prop_assert_eq!(&got, &expected);
            got
        }
        Action::Internal { hold } => {
            let command = InternalCommand::ExpireHold {
                hold_id: HoldId(*hold),
            };
            let got = engine.submit_internal(&command, Slot(slot)).unwrap();
            prop_assert_eq!(got, model.internal(HoldId(*hold), slot));
            vec![got]
        }
        Action::Tick => {
            let got = engine.tick(Slot(slot)).unwrap();
            prop_assert_eq!(&got, &model.tick(slot));
            got
        }
        Action::Checkpoint => {
            engine.checkpoint().unwrap();
            Vec::new()
        }
    };
    prop_assert_eq!(project(&engine.dump()), model.projection());
    prop_assert!(engine.state().validate_invariants().is_ok());
    Ok(outcomes)
}

#[test]
fn engine_matches_the_reference_model_and_covers_every_result_code() {
    let seen = Cell::new(0_u32);
    let steps_run = Cell::new(0_usize);
    let config = RunnerConfig {
        cases: 96,
        failure_persistence: None,
        ..RunnerConfig::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner
        .run(&workload(), |(steps, tail)| {
            let dir = fast_tempdir();
            let mut engine = ReservationEngine::open(dir.path(), model_config()).unwrap();
            let mut model = Model::new(model_config());
            for (slot, action) in timeline(steps, tail) {
                steps_run.set(steps_run.get() + 1);
                for outcome in step(&mut engine, &mut model, slot, &action)? {
                    seen.set(seen.get() | 1 << outcome.result_code.to_u8());
                }
            }
            if model.slot() > 0 {
                let confirm = Command::ConfirmHold { hold_id: HoldId(0) };
                let regression = engine.submit(&request(0, 0, confirm), Slot(model.slot() - 1));
                let refused = matches!(regression, Err(SubmitError::SlotRegression { .. }));
                prop_assert!(refused);
            }
            Ok(())
        })
        .unwrap();
    let missing: Vec<&str> = ResultCode::ALL
        .iter()
        .filter(|code| seen.get() & (1 << code.to_u8()) == 0)
        .map(|code| code.as_str())
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
    println!("{} steps", steps_run.get());
    assert!(
        steps_run.get() > 2_000,
        "the runs must be long enough to mean something"
    );
}

#[test]
fn reopening_after_random_checkpoints_gives_the_same_state_and_answers() {
    let config = RunnerConfig {
        cases: 32,
        failure_persistence: None,
        ..RunnerConfig::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner
        .run(&workload(), |(steps, _)| {
            let dir = fast_tempdir();
            let mut engine = ReservationEngine::open(dir.path(), model_config()).unwrap();
            let mut model = Model::new(model_config());
            let mut answered = Vec::new();
            for (slot, action) in timeline(steps, None) {
                let outcomes = step(&mut engine, &mut model, slot, &action)?;
                match action {
                    Action::Client {
                        op,
                        client,
                        command,
                    } => answered.push((request(op, client, command), outcomes[0])),
                    Action::Batch(items) => {
                        for ((op, client, command), outcome) in items.into_iter().zip(outcomes) {
                            answered.push((request(op, client, command), outcome));
                        }
                    }
                    _ => {}
                }
            }
            let dump = engine.dump();
            let slot = engine.state().last_request_slot();
            drop(engine);
            let mut reopened = ReservationEngine::open(dir.path(), model_config()).unwrap();
            prop_assert_eq!(reopened.dump(), dump);
            // The last answer per operation id is what a retry gets while the entry lives.
            let mut checked = Vec::new();
            for (request, outcome) in answered.iter().rev() {
                if checked.contains(&request.operation_id) {
                    continue;
                }
                checked.push(request.operation_id);
                if let Some(stored) = reopened.state().lookup_operation(request, slot) {
                    prop_assert_eq!(stored, *outcome);
                }
            }
            // Every retry after reopening answers as the model does.
            for (request, _) in &answered {
                let again = reopened.submit(request, slot).unwrap();
                prop_assert_eq!(Some(again), model.submit(request, slot.get()));
            }
            prop_assert_eq!(project(&reopened.dump()), model.projection());
            Ok(())
        })
        .unwrap();
}
