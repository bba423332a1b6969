//! quota-core under the deterministic simulator (cargo feature `sim`; never in the production
//! build): what quota-core is to `runtime::testkit::sim` (a [`SimSubject`]) and its seeded
//! workload. The model is [`crate::model::Model`], the one the model test drives; the picture
//! is the engine's dump as the model sees it ([`project`]).
//!
//! The workload mixes valid, invalid (zero debits, a balance above the limit, a slot below
//! the last one, a batch above `max_batch_commands`) and duplicate requests (operation ids come
//! from a small range and a request is mostly derived from its id, so an id drawn again is an
//! exact retry; sometimes it carries another command: a conflict), single submits, batches,
//! ticks and checkpoints, on a config whose tables fill up.

use std::path::Path;

use runtime::testkit::sim::{Expected, SimRng, SimStorage, SimSubject};
use runtime::testkit::{Refusal, StepFailure};
use runtime::wal::Magic;

use crate::model::{Model, Projection, project};
use crate::recovery::{WAL_FILE_NAME, WAL_MAGIC};
use crate::{
    BucketId, ClientId, ClientRequest, Command, CommandOutcome, Config, OperationId, QuotaEngine,
    RecoveryError, Slot, SubmitError,
};

/// One call of the workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `submit(request, slot)`.
    Submit(ClientRequest, u64),
    /// `submit_batch(requests, slot)`.
    Batch(Vec<ClientRequest>, u64),
    /// `tick(slot)`.
    Tick(u64),
    /// `checkpoint()`.
    Checkpoint,
}

/// What an acknowledged call returned: the outcomes (none for a tick or a checkpoint), or the
/// refusal of the whole call (a slot regression, a batch too large).
pub type Reply = Result<Vec<CommandOutcome>, SubmitError>;

/// quota-core as a [`SimSubject`], with the config it opens every database with.
#[derive(Clone, Debug)]
pub struct QuotaSim {
    /// The config of every open.
    pub config: Config,
}

impl Default for QuotaSim {
    /// A small config whose tables fill up within a run: 4 buckets, 8 operations, a retry
    /// window of 6 slots, batches of up to 6 requests.
    fn default() -> Self {
        Self {
            config: Config {
                max_buckets: 4,
                max_operations: 8,
                max_client_retry_window_slots: 6,
                max_wal_payload_bytes: 128,
                max_snapshot_bytes: 1 << 16,
                max_batch_commands: 6,
            },
        }
    }
}

/// The request an operation id stands for: mostly the same command for the same id (so a
/// repeated id is a retry), sometimes another one (a conflict, or a new request once the id
/// has retired).
fn request(rng: &mut SimRng) -> ClientRequest {
    let id = rng.between(1, 12);
    let mut derived = SimRng::new(id);
    let source = if rng.chance(200) { rng } else { &mut derived };
    let bucket_id = BucketId(u128::from(source.between(1, 6)));
    let command = if source.chance(350) {
        let limit = source.between(1, 20);
        Command::CreateBucket {
            bucket_id,
            limit,
            // Above the limit one time in ten: InvalidAmount.
            initial_balance: source.below(limit + limit / 10 + 1),
            refill_rate_per_slot: source.below(4),
        }
    } else {
        // Zero one time in nine: InvalidAmount.
        Command::Debit {
            bucket_id,
            amount: source.below(9),
        }
    };
    ClientRequest {
        operation_id: OperationId(u128::from(id)),
        client_id: ClientId(u128::from(source.between(1, 2))),
        command,
    }
}

/// The slot of the next call: mostly at or a little after the model's, sometimes one below
/// (a regression the engine must refuse).
fn slot(model: &Model, rng: &mut SimRng) -> u64 {
    if model.slot() > 0 && rng.chance(40) {
        return model.slot() - 1;
    }
    model.slot() + rng.below(3)
}

impl QuotaSim {
    /// The model after each frame-writing request of `requests` at `slot` (a request that
    /// takes a new lsn writes one frame), and the outcomes.
    fn expect_requests(
        &self,
        model: &Model,
        requests: &[ClientRequest],
        slot: u64,
    ) -> Expected<Model, Reply> {
        if requests.len() > self.config.max_batch_commands as usize {
            let reply = Err(SubmitError::BatchTooLarge {
                len: requests.len(),
                max: self.config.max_batch_commands,
            });
            return Expected {
                prefixes: Vec::new(),
                reply,
            };
        }
        let mut state = model.clone();
        let mut prefixes = Vec::new();
        let mut outcomes = Vec::new();
        for request in requests {
            let lsn = state.projection().last_applied_lsn;
            match state.submit(request, slot) {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => {
                    return Expected {
                        prefixes: Vec::new(),
                        reply: Err(error),
                    };
                }
            }
            if state.projection().last_applied_lsn != lsn {
                prefixes.push(state.clone());
            }
        }
        Expected {
            prefixes,
            reply: Ok(outcomes),
        }
    }
}

impl SimSubject for QuotaSim {
    type Handle = QuotaEngine;
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

    fn open(&self, dir: &Path, storage: SimStorage) -> Result<QuotaEngine, RecoveryError> {
        QuotaEngine::open_with_storage(dir, self.config, Box::new(storage))
    }

    fn refusal(&self, error: &RecoveryError) -> Refusal {
        crate::test_refusal::refusal(error)
    }

    fn initial_model(&self) -> Model {
        Model::new(self.config)
    }

    fn next_call(&self, model: &Model, rng: &mut SimRng) -> Call {
        match rng.below(100) {
            0..=59 => Call::Submit(request(rng), slot(model, rng)),
            60..=79 => {
                let max = u64::from(self.config.max_batch_commands);
                // One batch in twenty is one request too many: BatchTooLarge.
                let len = if rng.chance(50) {
                    max + 1
                } else {
                    rng.between(1, max)
                };
                let requests = (0..len).map(|_| request(rng)).collect();
                Call::Batch(requests, slot(model, rng))
            }
            80..=91 => Call::Tick(slot(model, rng)),
            _ => Call::Checkpoint,
        }
    }

    fn expect(&self, model: &Model, call: &Call) -> Expected<Model, Reply> {
        let unchanged = |reply| Expected {
            prefixes: Vec::new(),
            reply,
        };
        match call {
            Call::Submit(request, slot) => {
                let mut expected = self.expect_requests(model, &[*request], *slot);
                // submit returns one outcome; the adapter wraps it in a vector.
                if let Ok(outcomes) = &mut expected.reply {
                    outcomes.truncate(1);
                }
                expected
            }
            Call::Batch(requests, slot) => self.expect_requests(model, requests, *slot),
            Call::Tick(slot) => unchanged(model.tick(*slot).map(|()| Vec::new())),
            Call::Checkpoint => unchanged(Ok(Vec::new())),
        }
    }

    fn call(&self, engine: &mut QuotaEngine, call: &Call) -> Result<Reply, SubmitError> {
        let result = match call {
            Call::Submit(request, slot) => engine.submit(request, Slot(*slot)).map(|o| vec![o]),
            Call::Batch(requests, slot) => engine.submit_batch(requests, Slot(*slot)),
            Call::Tick(slot) => engine.tick(Slot(*slot)).map(|()| Vec::new()),
            Call::Checkpoint => engine.checkpoint().map(|_| Vec::new()),
        };
        match result {
            Ok(outcomes) => Ok(Ok(outcomes)),
            Err(
                refusal @ (SubmitError::SlotRegression { .. }
                | SubmitError::BatchTooLarge { .. }
                | SubmitError::LsnExhausted),
            ) => Ok(Err(refusal)),
            Err(error) => Err(error),
        }
    }

    fn call_failure(&self, error: &SubmitError) -> StepFailure {
        crate::test_refusal::step_failure(error)
    }

    fn picture(&self, engine: &QuotaEngine) -> Projection {
        project(&engine.dump())
    }

    fn model_picture(&self, model: &Model) -> Projection {
        model.projection()
    }

    fn validate(&self, engine: &QuotaEngine) -> Result<(), String> {
        engine
            .state()
            .validate_invariants()
            .map_err(|error| error.to_string())
    }
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;
