//! allocdb-core under the deterministic simulator (cargo feature `sim`; never in the
//! production build): what allocdb-core is to `runtime::testkit::sim` (a [`SimSubject`]). The
//! model is [`crate::model::Model`], the one the model test drives; the picture is the
//! engine's dump as the model sees it ([`project`]).
//!
//! The calls are the handle's whole write surface: `submit`, `submit_batch` (one in twenty
//! above `max_batch_commands`), `tick`, `submit_internal`, `submit_internal_untimed` and
//! `checkpoint`. The workload (`sim_workload.rs`) draws valid, invalid, retried and
//! conflicting requests on a config whose tables fill up. A tick writes one frame per due
//! expiry and a submit ticks first, so the model is stepped frame by frame
//! ([`Model::tick_one`]) to give the simulator the state after each whole-frame prefix.

use std::path::Path;

use runtime::testkit::sim::{Expected, SimRng, SimStorage, SimSubject};
use runtime::testkit::{Refusal, StepFailure};
use runtime::wal::Magic;

use crate::command_codec::{client_payload_len, max_client_payload_len};
use crate::model::{Model, Projection, project};
use crate::recovery::{WAL_FILE_NAME, WAL_MAGIC};
use crate::{
    AllocEngine, ClientRequest, CommandOutcome, Config, InternalCommand, Lsn, RecoveryError, Slot,
    SubmitError,
};

#[path = "sim_workload.rs"]
mod workload;

/// One call of the workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `submit(request, slot)`.
    Submit(ClientRequest, u64),
    /// `submit_batch(requests, slot)`.
    Batch(Vec<ClientRequest>, u64),
    /// `tick(slot)`.
    Tick(u64),
    /// `submit_internal(command, slot)`: the tick, then the command's frame.
    Internal(InternalCommand, u64),
    /// `submit_internal_untimed(command, slot)`: the command's frame alone.
    InternalUntimed(InternalCommand, u64),
    /// `checkpoint()`.
    Checkpoint,
}

impl Call {
    /// The request slot of a call that has one.
    fn slot(&self) -> Option<u64> {
        match self {
            Self::Submit(_, slot)
            | Self::Batch(_, slot)
            | Self::Tick(slot)
            | Self::Internal(_, slot)
            | Self::InternalUntimed(_, slot) => Some(*slot),
            Self::Checkpoint => None,
        }
    }
}

/// What an acknowledged call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The outcomes: one for a submit or an internal command, one per request of a batch,
    /// one per expiry of a tick.
    Outcomes(Vec<CommandOutcome>),
    /// The lsn a checkpoint's snapshot holds.
    Checkpoint(Lsn),
    /// A refusal of the whole call the handle stays usable after (a slot regression, a batch
    /// or a command too large); a submit's tick may have been written before it.
    Refused(SubmitError),
}

/// allocdb-core as a [`SimSubject`], with the config it opens every database with.
#[derive(Clone, Debug)]
pub struct AllocSim {
    /// The config of every open.
    pub config: Config,
}

impl Default for AllocSim {
    /// A small config whose tables fill up within a run: 6 resources, 3 leases of 5 members
    /// in all, bundles of 3, 8 operations, one lease per deadline, batches of up to 6. The
    /// payload bound holds a bundle of 4 (refused as `BundleTooLarge`), not of 5 (refused as
    /// `CommandTooLarge` before anything is written).
    fn default() -> Self {
        let max_bundle_size = 3;
        let payload = max_client_payload_len(max_bundle_size as usize + 1);
        Self {
            config: Config {
                shard_id: 2,
                max_resources: 6,
                max_leases: 3,
                max_lease_members: 5,
                max_bundle_size,
                max_operations: 8,
                max_ttl_slots: 4,
                max_client_retry_window_slots: 3,
                lease_history_window_slots: 2,
                max_expiration_bucket_len: 1,
                max_wal_payload_bytes: u32::try_from(payload).expect("a small payload bound"),
                max_snapshot_bytes: 1 << 16,
                max_batch_commands: 6,
            },
        }
    }
}

/// A call's effect on the model, frame by frame: `prefixes[k]` is the model once the first
/// `k + 1` frames the call writes are applied.
struct Frames {
    state: Model,
    prefixes: Vec<Model>,
}

impl Frames {
    fn new(model: &Model) -> Self {
        Self {
            state: model.clone(),
            prefixes: Vec::new(),
        }
    }

    /// Records the state after a frame; the frame must have taken the next lsn.
    fn frame(&mut self, lsn_before: Lsn) {
        assert_eq!(
            self.state.lsn().get(),
            lsn_before.get() + 1,
            "a frame must take exactly the next lsn"
        );
        self.prefixes.push(self.state.clone());
    }

    /// The tick at `slot`: one frame per due expiry.
    fn tick(&mut self, slot: Slot) -> Vec<CommandOutcome> {
        let mut outcomes = Vec::new();
        loop {
            let lsn = self.state.lsn();
            let Some(outcome) = self.state.tick_one(slot) else {
                return outcomes;
            };
            self.frame(lsn);
            outcomes.push(outcome);
        }
    }

    /// One request after the tick: a retry or a conflict writes nothing; any other request
    /// writes one frame.
    fn request(&mut self, request: &ClientRequest, slot: Slot) -> CommandOutcome {
        if let Some(outcome) = self.state.lookup(request, slot) {
            return outcome;
        }
        let lsn = self.state.lsn();
        let outcome = self.state.submit(request, slot);
        self.frame(lsn);
        outcome
    }

    /// An internal command's frame, without the tick.
    fn internal(&mut self, command: InternalCommand, slot: Slot) -> CommandOutcome {
        let lsn = self.state.lsn();
        let outcome = self.state.submit_internal_untimed(command, slot);
        self.frame(lsn);
        outcome
    }

    fn expected(self, reply: Reply) -> Expected<Model, Reply> {
        Expected {
            prefixes: self.prefixes,
            reply,
        }
    }
}

impl AllocSim {
    /// `CommandTooLarge` for the first request of `requests` whose payload is above the bound.
    fn too_large(&self, requests: &[ClientRequest]) -> Option<SubmitError> {
        let max = self.config.max_wal_payload_bytes;
        requests.iter().enumerate().find_map(|(index, request)| {
            let payload_bytes = client_payload_len(&request.command);
            (payload_bytes > max as usize).then_some(SubmitError::CommandTooLarge {
                index,
                payload_bytes,
                max,
            })
        })
    }

    /// The frames and reply of a call with a slot at or after the model's.
    fn expect_timed(&self, model: &Model, call: &Call, slot: Slot) -> Expected<Model, Reply> {
        let mut frames = Frames::new(model);
        let reply = match call {
            // submit: tick, dedupe, then the size check.
            Call::Submit(request, _) => {
                frames.tick(slot);
                match frames.state.lookup(request, slot) {
                    Some(outcome) => Reply::Outcomes(vec![outcome]),
                    None => match self.too_large(std::slice::from_ref(request)) {
                        Some(refusal) => Reply::Refused(refusal),
                        None => Reply::Outcomes(vec![frames.request(request, slot)]),
                    },
                }
            }
            // submit_batch: tick, the size check of every request, then each in order.
            Call::Batch(requests, _) => {
                frames.tick(slot);
                match self.too_large(requests) {
                    Some(refusal) => Reply::Refused(refusal),
                    None => {
                        Reply::Outcomes(requests.iter().map(|r| frames.request(r, slot)).collect())
                    }
                }
            }
            Call::Tick(_) => Reply::Outcomes(frames.tick(slot)),
            Call::Internal(command, _) => {
                frames.tick(slot);
                Reply::Outcomes(vec![frames.internal(*command, slot)])
            }
            Call::InternalUntimed(command, _) => {
                Reply::Outcomes(vec![frames.internal(*command, slot)])
            }
            Call::Checkpoint => unreachable!("a checkpoint has no slot"),
        };
        frames.expected(reply)
    }
}

impl SimSubject for AllocSim {
    type Handle = AllocEngine;
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

    fn open(&self, dir: &Path, storage: SimStorage) -> Result<AllocEngine, RecoveryError> {
        AllocEngine::open_with_storage(dir, self.config, Box::new(storage))
    }

    fn refusal(&self, error: &RecoveryError) -> Refusal {
        crate::test_refusal::refusal(error)
    }

    fn initial_model(&self) -> Model {
        Model::new(self.config)
    }

    fn next_call(&self, model: &Model, rng: &mut SimRng) -> Call {
        workload::next_call(&self.config, model, rng)
    }

    fn expect(&self, model: &Model, call: &Call) -> Expected<Model, Reply> {
        let refused = |refusal| Expected {
            prefixes: Vec::new(),
            reply: Reply::Refused(refusal),
        };
        let max = self.config.max_batch_commands;
        if let Call::Batch(requests, _) = call
            && requests.len() > max as usize
        {
            let len = requests.len();
            return refused(SubmitError::BatchTooLarge { len, max });
        }
        let Some(slot) = call.slot() else {
            return Expected {
                prefixes: Vec::new(),
                reply: Reply::Checkpoint(model.lsn()),
            };
        };
        let (request_slot, last_slot) = (Slot(slot), model.slot());
        if request_slot < last_slot {
            return refused(SubmitError::SlotRegression {
                request_slot,
                last_slot,
            });
        }
        self.expect_timed(model, call, request_slot)
    }

    fn call(&self, engine: &mut AllocEngine, call: &Call) -> Result<Reply, SubmitError> {
        let result = match call {
            Call::Submit(request, slot) => engine.submit(request, Slot(*slot)).map(|o| vec![o]),
            Call::Batch(requests, slot) => engine.submit_batch(requests, Slot(*slot)),
            Call::Tick(slot) => engine.tick(Slot(*slot)),
            Call::Internal(command, slot) => engine
                .submit_internal(command, Slot(*slot))
                .map(|o| vec![o]),
            Call::InternalUntimed(command, slot) => engine
                .submit_internal_untimed(command, Slot(*slot))
                .map(|o| vec![o]),
            Call::Checkpoint => return engine.checkpoint().map(Reply::Checkpoint),
        };
        match result {
            Ok(outcomes) => Ok(Reply::Outcomes(outcomes)),
            Err(
                refusal @ (SubmitError::SlotRegression { .. }
                | SubmitError::BatchTooLarge { .. }
                | SubmitError::CommandTooLarge { .. }
                | SubmitError::LsnExhausted),
            ) => Ok(Reply::Refused(refusal)),
            Err(error) => Err(error),
        }
    }

    fn call_failure(&self, error: &SubmitError) -> StepFailure {
        crate::test_refusal::step_failure(error)
    }

    fn picture(&self, engine: &AllocEngine) -> Projection {
        project(&engine.dump())
    }

    fn model_picture(&self, model: &Model) -> Projection {
        model.projection()
    }

    fn validate(&self, engine: &AllocEngine) -> Result<(), String> {
        engine
            .state()
            .validate_invariants()
            .map_err(|error| error.to_string())
    }
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;
