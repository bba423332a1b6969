//! queue-core under the deterministic simulator (cargo feature `sim`; never in the production
//! build): what queue-core is to `runtime::testkit::sim` (a [`SimSubject`]) and its seeded
//! workload (`sim_workload.rs`). The model is [`crate::model::Model`], the one the model test
//! drives; the picture is the engine's dump as the model sees it ([`project`]).
//!
//! Every call of the handle is covered: `submit`, `submit_batch` (one in twenty above
//! `max_batch_commands`), `tick`, `submit_internal` and `submit_internal_untimed`, and
//! `checkpoint`, on a config whose queue, job, operation and deadline tables fill up. The
//! model's state is given after every frame a call writes ([`Expected::prefixes`]): a tick's
//! due timeouts (the ticks inside `submit`, `submit_batch` and `submit_internal` included),
//! then each request that takes a new lsn; a batch's frames and a tick's go out in one write.

use std::path::Path;

use runtime::testkit::sim::{Expected, SimRng, SimStorage, SimSubject};
use runtime::testkit::{Refusal, StepFailure};
use runtime::wal::Magic;

use crate::command::{ClientRequest, InternalCommand};
use crate::model::{Model, Projection, project};
use crate::recovery::{WAL_FILE_NAME, WAL_MAGIC};
use crate::{CommandOutcome, Config, Lsn, QueueEngine, RecoveryError, Slot, SubmitError};

#[path = "sim_workload.rs"]
mod workload;

/// One call of the workload; slots are raw `u64`s, as the model takes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `submit(request, slot)`.
    Submit(ClientRequest, u64),
    /// `submit_batch(requests, slot)`.
    Batch(Vec<ClientRequest>, u64),
    /// `tick(slot)`.
    Tick(u64),
    /// `submit_internal(command, slot)` when `timed` (the tick first), else
    /// `submit_internal_untimed(command, slot)`.
    Internal {
        command: InternalCommand,
        slot: u64,
        timed: bool,
    },
    /// `checkpoint()`.
    Checkpoint,
}

impl Call {
    /// The slot the call runs at (none for a checkpoint).
    fn slot(&self) -> Option<u64> {
        match self {
            Self::Submit(_, slot)
            | Self::Batch(_, slot)
            | Self::Tick(slot)
            | Self::Internal { slot, .. } => Some(*slot),
            Self::Checkpoint => None,
        }
    }
}

/// What an acknowledged call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The outcomes: one for a submit or an internal command, one per request of a batch,
    /// one per timeout of a tick (none when nothing was due).
    Outcomes(Vec<CommandOutcome>),
    /// The lsn a checkpoint's snapshot holds.
    Checkpoint(Lsn),
    /// The refusal of the whole call before it wrote a frame of its own (a slot regression,
    /// a batch too large).
    Refused(SubmitError),
}

/// queue-core as a [`SimSubject`], with the config it opens every database with.
#[derive(Clone, Debug)]
pub struct QueueSim {
    /// The config of every open.
    pub config: Config,
}

impl Default for QueueSim {
    /// A small config whose tables fill up within a run: 3 queues (4 ids drawn), 6 jobs,
    /// 8 operations, 1 claim per deadline, short windows, batches of up to 4 requests.
    fn default() -> Self {
        Self {
            config: Config {
                max_queues: 3,
                max_jobs: 6,
                max_operations: 8,
                max_delay_slots: 3,
                max_visibility_slots: 4,
                max_client_retry_window_slots: 6,
                job_history_window_slots: 3,
                max_expiration_bucket_len: 1,
                max_wal_payload_bytes: 128,
                max_snapshot_bytes: 1 << 16,
                max_batch_commands: 4,
            },
        }
    }
}

/// The model through one call, frame by frame: after each frame the call writes, a copy.
struct Frames {
    model: Model,
    prefixes: Vec<Model>,
}

impl Frames {
    fn new(model: &Model) -> Self {
        Self {
            model: model.clone(),
            prefixes: Vec::new(),
        }
    }

    /// One frame was just applied: it must have taken the next lsn.
    fn framed(&mut self, lsn_before: u64) {
        assert_eq!(
            self.model.lsn(),
            lsn_before + 1,
            "a frame of the model must take the next lsn"
        );
        self.prefixes.push(self.model.clone());
    }

    /// The due timeouts at `slot`, each its own frame (`Model::tick`, one frame at a time).
    fn tick(&mut self, slot: u64) -> Vec<CommandOutcome> {
        let due = self.model.due(slot);
        let mut outcomes = Vec::with_capacity(due.len());
        for (job, deadline) in due {
            let lsn = self.model.lsn();
            outcomes.push(self.model.internal_untimed(job, deadline, slot));
            self.framed(lsn);
        }
        assert!(
            self.model.due(slot).is_empty(),
            "a tick must leave no claim due"
        );
        outcomes
    }

    /// One internal command as one frame, without the tick.
    fn internal(&mut self, command: &InternalCommand, slot: u64) -> CommandOutcome {
        let InternalCommand::ClaimTimeout {
            job_id,
            deadline_slot,
        } = *command;
        let lsn = self.model.lsn();
        let outcome = self
            .model
            .internal_untimed(job_id, deadline_slot.get(), slot);
        self.framed(lsn);
        outcome
    }

    /// One request without the tick: a frame unless it is answered from the operation table.
    fn submit(&mut self, request: &ClientRequest, slot: u64) -> CommandOutcome {
        let lsn = self.model.lsn();
        let outcome = self.model.submit_untimed(request, slot);
        if self.model.lsn() != lsn {
            self.framed(lsn);
        }
        outcome
    }

    fn finish(self, reply: Reply) -> Expected<Model, Reply> {
        Expected {
            prefixes: self.prefixes,
            reply,
        }
    }
}

impl QueueSim {
    /// What the handle returns for `call` on `model`, and the model after each frame.
    fn expect_call(&self, model: &Model, call: &Call) -> Expected<Model, Reply> {
        let refused = |error| Expected {
            prefixes: Vec::new(),
            reply: Reply::Refused(error),
        };
        if let Some(slot) = call.slot().filter(|slot| *slot < model.slot()) {
            return refused(SubmitError::SlotRegression {
                request_slot: Slot(slot),
                last_slot: Slot(model.slot()),
            });
        }
        let mut frames = Frames::new(model);
        let reply = match call {
            Call::Submit(request, slot) => {
                frames.tick(*slot);
                Reply::Outcomes(vec![frames.submit(request, *slot)])
            }
            Call::Batch(requests, slot) => {
                let max = self.config.max_batch_commands;
                if requests.len() > max as usize {
                    let len = requests.len();
                    return refused(SubmitError::BatchTooLarge { len, max });
                }
                frames.tick(*slot);
                let outcomes = requests.iter().map(|r| frames.submit(r, *slot));
                Reply::Outcomes(outcomes.collect())
            }
            Call::Tick(slot) => Reply::Outcomes(frames.tick(*slot)),
            Call::Internal {
                command,
                slot,
                timed,
            } => {
                if *timed {
                    frames.tick(*slot);
                }
                Reply::Outcomes(vec![frames.internal(command, *slot)])
            }
            Call::Checkpoint => Reply::Checkpoint(Lsn(model.lsn())),
        };
        frames.finish(reply)
    }
}

impl SimSubject for QueueSim {
    type Handle = QueueEngine;
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

    fn open(&self, dir: &Path, storage: SimStorage) -> Result<QueueEngine, RecoveryError> {
        QueueEngine::open_with_storage(dir, self.config, Box::new(storage))
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
        self.expect_call(model, call)
    }

    fn call(&self, engine: &mut QueueEngine, call: &Call) -> Result<Reply, SubmitError> {
        let result = match call {
            Call::Submit(request, slot) => engine
                .submit(request, Slot(*slot))
                .map(|outcome| Reply::Outcomes(vec![outcome])),
            Call::Batch(requests, slot) => engine
                .submit_batch(requests, Slot(*slot))
                .map(Reply::Outcomes),
            Call::Tick(slot) => engine.tick(Slot(*slot)).map(Reply::Outcomes),
            Call::Internal {
                command,
                slot,
                timed,
            } => {
                let outcome = if *timed {
                    engine.submit_internal(command, Slot(*slot))
                } else {
                    engine.submit_internal_untimed(command, Slot(*slot))
                };
                outcome.map(|outcome| Reply::Outcomes(vec![outcome]))
            }
            Call::Checkpoint => engine.checkpoint().map(Reply::Checkpoint),
        };
        match result {
            Ok(reply) => Ok(reply),
            Err(
                refusal @ (SubmitError::SlotRegression { .. }
                | SubmitError::BatchTooLarge { .. }
                | SubmitError::LsnExhausted
                | SubmitError::CommandTooLarge { .. }),
            ) => Ok(Reply::Refused(refusal)),
            Err(error) => Err(error),
        }
    }

    fn call_failure(&self, error: &SubmitError) -> StepFailure {
        crate::test_refusal::step_failure(error)
    }

    fn picture(&self, engine: &QueueEngine) -> Projection {
        project(&engine.dump())
    }

    fn model_picture(&self, model: &Model) -> Projection {
        model.projection()
    }

    fn validate(&self, engine: &QueueEngine) -> Result<(), String> {
        engine
            .state()
            .validate_invariants()
            .map_err(|error| error.to_string())
    }
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;
