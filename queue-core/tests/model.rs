//! The engine handle against a plain reference model (`queue_core::model`): identical outcomes
//! and identical states after every step, on random workloads whose runs together produce
//! every `ResultCode` (asserted); and replay equivalence: reopening after random checkpoints
//! gives the same state and the same answers to retried operation ids.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner,
};
use queue_core::command::{ClientRequest, Command, InternalCommand};
use queue_core::config::Config;
use queue_core::engine::QueueEngine;
use queue_core::ids::{ClientId, JobId, OperationId, QueueId, Slot, WorkerId};
use queue_core::model::{Model, project};
use queue_core::result::{CommandOutcome, ResultCode};

/// Small tables so that every refusal is reachable.
fn model_config() -> Config {
    Config {
        max_queues: 2,
        max_jobs: 4,
        max_operations: 6,
        max_delay_slots: 3,
        max_visibility_slots: 3,
        max_client_retry_window_slots: 4,
        job_history_window_slots: 2,
        max_expiration_bucket_len: 1,
        max_wal_payload_bytes: 128,
        max_snapshot_bytes: 1 << 16,
        max_batch_commands: 4,
    }
}

fn fast_tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap()
}

/// A job reference: one of the model's jobs (by position, so the fencing fields can be right)
/// or a raw id (never assigned, or retired).
#[derive(Clone, Copy, Debug)]
enum JobRef {
    Pick { index: usize, fence: u8 },
    Raw(u128),
}

/// A command before its job reference is resolved against the model.
#[derive(Clone, Copy, Debug)]
enum Spec {
    Create(u128, u32),
    Enqueue(u128, u64),
    Claim(u128, u128, u64),
    Ack(JobRef),
    Nack(JobRef, u64),
    Extend(JobRef, u64),
    Cancel(JobRef),
}

#[derive(Clone, Debug)]
enum Action {
    Client(u128, u128, Spec),
    Batch(Vec<(u128, u128, Spec)>),
    Internal(JobRef, u64),
    Tick,
    Checkpoint,
}

fn job_ref() -> impl Strategy<Value = JobRef> {
    prop_oneof![
        4 => (0..6_usize, 0..4_u8).prop_map(|(index, fence)| JobRef::Pick { index, fence }),
        1 => (0..40_u128).prop_map(JobRef::Raw),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        1 => (0..3_u128, 0..3_u32).prop_map(|(q, a)| Spec::Create(q, a)),
        3 => (0..3_u128, 0..5_u64).prop_map(|(q, d)| Spec::Enqueue(q, d)),
        3 => (0..3_u128, 0..2_u128, 0..5_u64).prop_map(|(q, w, v)| Spec::Claim(q, w, v)),
        2 => job_ref().prop_map(Spec::Ack),
        2 => (job_ref(), 0..5_u64).prop_map(|(j, d)| Spec::Nack(j, d)),
        1 => (job_ref(), 0..5_u64).prop_map(|(j, v)| Spec::Extend(j, v)),
        1 => job_ref().prop_map(Spec::Cancel),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let client = || (0..10_u128, 0..2_u128, spec());
    prop_oneof![
        12 => client().prop_map(|(op, c, s)| Action::Client(op, c, s)),
        2 => proptest::collection::vec(client(), 1..5).prop_map(Action::Batch),
        1 => (job_ref(), 0..8_u64).prop_map(|(j, d)| Action::Internal(j, d)),
        2 => Just(Action::Tick),
        1 => Just(Action::Checkpoint),
    ]
}

/// Steps `(slot delta, action)`, and an optional tail near the end of time.
type Steps = Vec<(u64, Action)>;

fn workload() -> impl Strategy<Value = (Steps, Option<Steps>)> {
    let steps = proptest::collection::vec((0..3_u64, action()), 10..60);
    let tail = proptest::option::of(proptest::collection::vec((0..3_u64, action()), 1..8));
    (steps, tail)
}

/// `(job id, worker, epoch)` of a reference: right fields, another worker, an older epoch.
fn resolve(model: &Model, job: JobRef) -> (JobId, WorkerId, u64) {
    match job {
        JobRef::Raw(id) => (JobId(id), WorkerId(0), 1),
        JobRef::Pick { index, fence } => {
            let Some(record) = model.jobs().get(index % model.jobs().len().max(1)) else {
                return (JobId(index as u128), WorkerId(0), 1);
            };
            let (worker, epoch) = (record.worker_id, record.claim_epoch);
            match fence {
                0 => (record.job_id, WorkerId(worker.get() + 1), epoch),
                1 => (record.job_id, worker, epoch.saturating_sub(1)),
                _ => (record.job_id, worker, epoch),
            }
        }
    }
}

fn command(model: &Model, spec: Spec) -> Command {
    match spec {
        Spec::Create(q, max_attempts) => Command::CreateQueue {
            queue_id: QueueId(q),
            max_attempts,
        },
        Spec::Enqueue(q, delay_slots) => Command::Enqueue {
            queue_id: QueueId(q),
            delay_slots,
        },
        Spec::Claim(q, w, visibility_slots) => Command::Claim {
            queue_id: QueueId(q),
            worker_id: WorkerId(w),
            visibility_slots,
        },
        Spec::Ack(job) => {
            let (job_id, worker_id, claim_epoch) = resolve(model, job);
            Command::Ack {
                job_id,
                worker_id,
                claim_epoch,
            }
        }
        Spec::Nack(job, delay_slots) => {
            let (job_id, worker_id, claim_epoch) = resolve(model, job);
            Command::Nack {
                job_id,
                worker_id,
                claim_epoch,
                delay_slots,
            }
        }
        Spec::Extend(job, visibility_slots) => {
            let (job_id, worker_id, claim_epoch) = resolve(model, job);
            Command::Extend {
                job_id,
                worker_id,
                claim_epoch,
                visibility_slots,
            }
        }
        Spec::Cancel(job) => Command::Cancel {
            job_id: resolve(model, job).0,
        },
    }
}

fn request(model: &Model, (op, client, spec): (u128, u128, Spec)) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(client),
        command: command(model, spec),
    }
}

/// Runs one action on both; returns the requests it answered and the engine's outcomes.
fn step(
    engine: &mut QueueEngine,
    model: &mut Model,
    slot: u64,
    action: &Action,
) -> Result<(Vec<ClientRequest>, Vec<CommandOutcome>), TestCaseError> {
    let mut requests = Vec::new();
    let outcomes = match action {
        Action::Client(op, client, spec) => {
            let request = request(model, (*op, *client, *spec));
            requests.push(request);
            let got = engine.submit(&request, Slot(slot)).unwrap();
            prop_assert_eq!(got, model.submit(&request, slot));
            vec![got]
        }
        Action::Batch(items) => {
            let mut ticked = model.tick(slot);
            let mut expected = Vec::new();
            for item in items {
                let request = request(model, *item);
                requests.push(request);
                expected.push(model.submit_untimed(&request, slot));
            }
            let got = engine.submit_batch(&requests, Slot(slot)).unwrap();
            prop_assert_eq!(&got, &expected);
            ticked.extend(got);
            ticked
        }
        Action::Internal(job, deadline) => {
            let job_id = resolve(model, *job).0;
            let command = InternalCommand::ClaimTimeout {
                job_id,
                deadline_slot: Slot(*deadline),
            };
            let got = engine.submit_internal(&command, Slot(slot)).unwrap();
            prop_assert_eq!(got, model.internal(job_id, *deadline, slot));
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
    Ok((requests, outcomes))
}

fn timeline(steps: Steps, tail: Option<Steps>) -> Steps {
    let mut slot = 0_u64;
    let mut out = Vec::new();
    for (delta, action) in steps {
        slot = slot.saturating_add(delta);
        out.push((slot, action));
    }
    for (delta, action) in tail.into_iter().flatten() {
        slot = slot
            .max(u64::MAX - model_config().max_client_retry_window_slots - 2)
            .saturating_add(delta);
        out.push((slot, action));
    }
    out
}

fn runner(cases: u32) -> TestRunner {
    let config = RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

#[test]
fn engine_matches_the_reference_model_and_covers_every_result_code() {
    let (seen, steps_run) = (Cell::new(0_u32), Cell::new(0_usize));
    runner(160)
        .run(&workload(), |(steps, tail)| {
            let dir = fast_tempdir();
            let mut engine = QueueEngine::open(dir.path(), model_config()).unwrap();
            let mut model = Model::new(model_config());
            for (slot, action) in timeline(steps, tail) {
                steps_run.set(steps_run.get() + 1);
                for outcome in step(&mut engine, &mut model, slot, &action)?.1 {
                    seen.set(seen.get() | 1 << outcome.result_code.to_u8());
                }
            }
            Ok(())
        })
        .unwrap();
    let missing: Vec<&str> = ResultCode::ALL
        .iter()
        .filter(|c| seen.get() & (1 << c.to_u8()) == 0)
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
    assert!(steps_run.get() > 4_000, "{} steps", steps_run.get());
}

#[test]
fn reopening_after_random_checkpoints_gives_the_same_state_and_answers() {
    runner(48)
        .run(&workload(), |(steps, _)| {
            let dir = fast_tempdir();
            let mut engine = QueueEngine::open(dir.path(), model_config()).unwrap();
            let mut model = Model::new(model_config());
            let mut answered = Vec::new();
            for (slot, action) in timeline(steps, None) {
                answered.extend(step(&mut engine, &mut model, slot, &action)?.0);
            }
            let (dump, slot) = (engine.dump(), engine.state().last_request_slot());
            drop(engine);
            let mut reopened = QueueEngine::open(dir.path(), model_config()).unwrap();
            prop_assert_eq!(reopened.dump(), dump);
            // Every retry after reopening answers as the model does (stored answers included).
            for request in &answered {
                let again = reopened.submit(request, slot).unwrap();
                prop_assert_eq!(again, model.submit(request, slot.get()));
            }
            prop_assert_eq!(project(&reopened.dump()), model.projection());
            Ok(())
        })
        .unwrap();
}
