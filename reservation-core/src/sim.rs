//! reservation-core under the deterministic simulator (cargo feature `sim`; never in the
//! production build): what reservation-core is to `runtime::testkit::sim` (a [`SimSubject`])
//! and its seeded workload (`sim_workload.rs`). The model is [`crate::model::Model`], the one
//! the model test drives; the picture is the engine's dump as the model sees it ([`project`]).
//!
//! The calls are the handle's whole write surface: `submit`, `submit_batch` (one in twenty
//! above `max_batch_commands`), `submit_internal`, `submit_internal_untimed`, `tick` and
//! `checkpoint`. Every call at a slot first ticks (except the untimed internal command and a
//! refused batch), and each due expiry is its own frame; then the client frames follow. The
//! model's state after each of those frames, in order, is the call's
//! [`Expected::prefixes`]: a crash may keep any whole-frame prefix of a call's writes.

use std::path::Path;

use runtime::testkit::sim::{Expected, SimRng, SimStorage, SimSubject};
use runtime::testkit::{Refusal, StepFailure};
use runtime::wal::Magic;

use crate::model::{Model, Projection, project};
use crate::recovery::{WAL_FILE_NAME, WAL_MAGIC};
use crate::{
    ClientRequest, CommandOutcome, Config, HoldId, InternalCommand, Lsn, RecoveryError,
    ReservationEngine, Slot, SubmitError,
};

#[path = "sim_workload.rs"]
mod workload;

/// One call of the workload; the `u64` is the request slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `submit(request, slot)`.
    Submit(ClientRequest, u64),
    /// `submit_batch(requests, slot)`.
    Batch(Vec<ClientRequest>, u64),
    /// `submit_internal(ExpireHold { hold_id }, slot)`: a tick, then the frame.
    Internal(HoldId, u64),
    /// `submit_internal_untimed(ExpireHold { hold_id }, slot)`: the frame alone.
    Untimed(HoldId, u64),
    /// `tick(slot)`.
    Tick(u64),
    /// `checkpoint()`.
    Checkpoint,
}

/// What an acknowledged call answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The outcomes of a submit (one), a batch (one per request), an internal command (one)
    /// or a tick (one per expiry).
    Outcomes(Vec<CommandOutcome>),
    /// The lsn a checkpoint's snapshot holds.
    Checkpoint(Lsn),
}

/// An acknowledged call's answer, or its refusal as a whole (a slot regression, a batch too
/// large): the handle returns those as errors, but they are replies the model predicts.
pub type Reply = Result<Answer, SubmitError>;

/// reservation-core as a [`SimSubject`], with the config it opens every database with.
#[derive(Clone, Debug)]
pub struct ReservationSim {
    /// The config of every open.
    pub config: Config,
}

impl Default for ReservationSim {
    /// A small config whose tables fill up within a run: 3 pools, 4 holds, 8 operations,
    /// ttls up to 6 slots, a retry window of 4 slots, a hold history of 3 slots, 2 holds per
    /// deadline, batches of up to 6 requests.
    fn default() -> Self {
        Self {
            config: Config {
                max_pools: 3,
                max_holds: 4,
                max_operations: 8,
                max_ttl_slots: 6,
                max_client_retry_window_slots: 4,
                hold_history_window_slots: 3,
                max_expiration_bucket_len: 2,
                max_wal_payload_bytes: 128,
                max_snapshot_bytes: 1 << 16,
                max_batch_commands: 6,
            },
        }
    }
}

/// A call that writes nothing and leaves the model as it is.
fn unchanged(reply: Reply) -> Expected<Model, Reply> {
    Expected {
        prefixes: Vec::new(),
        reply,
    }
}

/// The lsn the model has applied up to.
fn lsn_of(model: &Model) -> Lsn {
    model.projection().0
}

/// `tick(slot)` on `state`, one frame per due expiry: the model's own tick says which holds
/// expire and in which order; replaying them one `ExpireHold` frame at a time gives the state
/// after each frame, pushed onto `prefixes`.
fn tick_frames(state: &mut Model, slot: u64, prefixes: &mut Vec<Model>) -> Vec<CommandOutcome> {
    let outcomes = state.clone().tick(slot);
    for outcome in &outcomes {
        let hold_id = outcome
            .hold_id
            .expect("the model's expiry outcome must name its hold");
        let replayed = state.expire(hold_id, slot);
        assert_eq!(
            replayed, *outcome,
            "an expiry replayed frame by frame must answer as the model's tick"
        );
        prefixes.push(state.clone());
    }
    outcomes
}

/// One client request on `state` after the tick; a request that takes an lsn wrote a frame.
fn client_frame(
    state: &mut Model,
    request: &ClientRequest,
    slot: u64,
    prefixes: &mut Vec<Model>,
) -> CommandOutcome {
    let before = lsn_of(state);
    let outcome = state
        .submit(request, slot)
        .expect("the slot was checked against the model before the request");
    if lsn_of(state) != before {
        prefixes.push(state.clone());
    }
    outcome
}

/// One `ExpireHold` frame on `state`.
fn internal_frame(
    state: &mut Model,
    hold_id: HoldId,
    slot: u64,
    prefixes: &mut Vec<Model>,
) -> CommandOutcome {
    let outcome = state.expire(hold_id, slot);
    prefixes.push(state.clone());
    outcome
}

/// A call at `slot` that passed the slot check: its frames and outcomes.
fn expect_at(model: &Model, call: &Call, slot: u64) -> Expected<Model, Reply> {
    let mut state = model.clone();
    let mut prefixes = Vec::new();
    if let Call::Untimed(hold_id, _) = call {
        let outcome = internal_frame(&mut state, *hold_id, slot, &mut prefixes);
        return Expected {
            prefixes,
            reply: Ok(Answer::Outcomes(vec![outcome])),
        };
    }
    let expired = tick_frames(&mut state, slot, &mut prefixes);
    let outcomes = match call {
        Call::Submit(request, _) => {
            vec![client_frame(&mut state, request, slot, &mut prefixes)]
        }
        Call::Batch(requests, _) => requests
            .iter()
            .map(|request| client_frame(&mut state, request, slot, &mut prefixes))
            .collect(),
        Call::Internal(hold_id, _) => {
            vec![internal_frame(&mut state, *hold_id, slot, &mut prefixes)]
        }
        Call::Tick(_) => expired,
        Call::Untimed(..) | Call::Checkpoint => {
            unreachable!("handled before the tick")
        }
    };
    Expected {
        prefixes,
        reply: Ok(Answer::Outcomes(outcomes)),
    }
}

impl SimSubject for ReservationSim {
    type Handle = ReservationEngine;
    type Model = Model;
    type Picture = Projection;
    type Call = Call;
    type Reply = Reply;
    type OpenError = RecoveryError;
    type CallError = SubmitError;
    const WAL_FILE_NAME: &'static str = WAL_FILE_NAME;
    const WAL_MAGIC: Magic = WAL_MAGIC;

    fn max_wal_payload_bytes(&self) -> u32 {
        self.config.max_wal_payload_bytes
    }

    fn open(&self, dir: &Path, storage: SimStorage) -> Result<ReservationEngine, RecoveryError> {
        ReservationEngine::open_with_storage(dir, self.config, Box::new(storage))
    }

    fn refusal(&self, error: &RecoveryError) -> Refusal {
        crate::test_refusal::refusal(error)
    }

    fn initial_model(&self) -> Model {
        Model::new(self.config)
    }

    fn next_call(&self, model: &Model, rng: &mut SimRng) -> Call {
        self.draw_call(model, rng)
    }

    fn expect(&self, model: &Model, call: &Call) -> Expected<Model, Reply> {
        let slot = match call {
            Call::Checkpoint => return unchanged(Ok(Answer::Checkpoint(lsn_of(model)))),
            Call::Batch(requests, _)
                if requests.len() > self.config.max_batch_commands as usize =>
            {
                return unchanged(Err(SubmitError::BatchTooLarge {
                    len: requests.len(),
                    max: self.config.max_batch_commands,
                }));
            }
            Call::Submit(_, slot)
            | Call::Batch(_, slot)
            | Call::Internal(_, slot)
            | Call::Untimed(_, slot)
            | Call::Tick(slot) => *slot,
        };
        if slot < model.slot() {
            return unchanged(Err(SubmitError::SlotRegression {
                request_slot: Slot(slot),
                last_slot: Slot(model.slot()),
            }));
        }
        expect_at(model, call, slot)
    }

    fn call(&self, engine: &mut ReservationEngine, call: &Call) -> Result<Reply, SubmitError> {
        let expire = |hold_id: &HoldId| InternalCommand::ExpireHold { hold_id: *hold_id };
        let result = match call {
            Call::Submit(request, slot) => engine.submit(request, Slot(*slot)).map(|o| vec![o]),
            Call::Batch(requests, slot) => engine.submit_batch(requests, Slot(*slot)),
            Call::Internal(hold_id, slot) => engine
                .submit_internal(&expire(hold_id), Slot(*slot))
                .map(|o| vec![o]),
            Call::Untimed(hold_id, slot) => engine
                .submit_internal_untimed(&expire(hold_id), Slot(*slot))
                .map(|o| vec![o]),
            Call::Tick(slot) => engine.tick(Slot(*slot)),
            Call::Checkpoint => {
                return match engine.checkpoint() {
                    Ok(lsn) => Ok(Ok(Answer::Checkpoint(lsn))),
                    Err(error) => Err(error),
                };
            }
        };
        match result {
            Ok(outcomes) => Ok(Ok(Answer::Outcomes(outcomes))),
            Err(
                refusal @ (SubmitError::SlotRegression { .. }
                | SubmitError::BatchTooLarge { .. }
                | SubmitError::LsnExhausted
                | SubmitError::CommandTooLarge { .. }),
            ) => Ok(Err(refusal)),
            Err(error) => Err(error),
        }
    }

    fn call_failure(&self, error: &SubmitError) -> StepFailure {
        crate::test_refusal::step_failure(error)
    }

    fn picture(&self, engine: &ReservationEngine) -> Projection {
        project(&engine.dump())
    }

    fn model_picture(&self, model: &Model) -> Projection {
        model.projection()
    }

    fn validate(&self, engine: &ReservationEngine) -> Result<(), String> {
        engine
            .state()
            .validate_invariants()
            .map_err(|error| error.to_string())
    }
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;
