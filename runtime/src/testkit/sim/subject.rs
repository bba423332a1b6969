//! [`SimSubject`]: how an engine plugs into the simulator.

use std::fmt::{Debug, Display};
use std::path::Path;

use super::{SimRng, SimStorage};
use crate::testkit::{Refusal, StepFailure};
use crate::wal::Magic;

/// What the model says one call does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected<M, R> {
    /// The model after each whole-frame prefix of the call's writes: `prefixes[k]` is the
    /// model once the first `k + 1` frames the call writes are applied, so the last one is the
    /// model once the call is acknowledged. Empty when the call writes no frame (a refusal
    /// before any write, a cached duplicate, a checkpoint): the model does not move.
    ///
    /// A batch or a tick writes several frames in one write; a crash or a fault may keep any
    /// whole-frame prefix of them, and a recovery may then show any of these models (or the
    /// model before the call), never another.
    pub prefixes: Vec<M>,
    /// The reply the engine must give when the call is acknowledged.
    pub reply: R,
}

/// An engine as the simulator sees it: a database in a directory of a [`SimStorage`], a
/// seeded generator of calls (submits, batches, ticks, checkpoints: whatever the engine's
/// handle offers), the engine's reference model, and a comparable picture of both.
///
/// The driver ([`run`](super::run)) owns the storage and the directory; it opens the engine
/// through [`SimSubject::open`], asks for the next call with [`SimSubject::next_call`], runs
/// it with [`SimSubject::call`] and advances the model with [`SimSubject::expect`]. After
/// every acknowledged call, [`SimSubject::picture`] of the handle must equal
/// [`SimSubject::model_picture`] of the new model, the reply must equal the expected reply and
/// [`SimSubject::validate`] must pass. After every recovery the picture must equal the floor
/// (the model at the last acknowledged call, or the state the last recovery showed) or one of
/// the in-flight call's [`Expected::prefixes`].
///
/// Everything must be a function of its arguments (no clock, no OS randomness): the same seed
/// must give the same run, byte for byte.
pub trait SimSubject {
    /// The open database (the engine's durable handle).
    type Handle;
    /// The reference model: a plain, obviously right implementation of the engine's rules.
    type Model: Clone + Debug;
    /// A comparable picture of a whole state (e.g. the engine's state dump), made from the
    /// handle or from the model.
    type Picture: Debug + PartialEq;
    /// One call of the workload (a submit, a batch, a tick, a checkpoint).
    type Call: Clone + Debug;
    /// What an acknowledged call returns (e.g. its results), compared with the model's.
    type Reply: Debug + PartialEq;
    /// The error of [`SimSubject::open`].
    type OpenError: Debug + Display;
    /// The error of [`SimSubject::call`].
    type CallError: Debug + Display;

    /// The WAL's file name inside the database directory.
    const WAL_FILE_NAME: &'static str;
    /// The engine's WAL magic, with which a crash finds frame boundaries (the zero-fill rule).
    const WAL_MAGIC: Magic;

    /// The payload bound the subject's config opens with (`max_wal_payload_bytes`).
    fn max_wal_payload_bytes(&self) -> u32;

    /// Opens (recovers) the database in `dir`, doing all its I/O through `storage` (the
    /// engine's `open_with_storage` seam, with `Box::new(storage)`).
    ///
    /// # Errors
    /// Whatever the engine refuses to open; [`SimSubject::refusal`] classifies it.
    fn open(&self, dir: &Path, storage: SimStorage) -> Result<Self::Handle, Self::OpenError>;

    /// Classifies an error of [`SimSubject::open`]: a typed corruption refusal
    /// ([`Refusal::WalCorruption`], [`Refusal::SnapshotFile`]) is what an injected bit flip
    /// must produce when read.
    fn refusal(&self, error: &Self::OpenError) -> Refusal;

    /// The model of an empty database.
    fn initial_model(&self) -> Self::Model;

    /// The next call of the workload, drawn from `rng` (and the model, e.g. to repeat an
    /// earlier request as a duplicate or to pick an existing key). Mix valid, invalid and
    /// duplicate requests, batches, ticks that make deadlines due, and checkpoints.
    fn next_call(&self, model: &Self::Model, rng: &mut SimRng) -> Self::Call;

    /// What `call` does to `model`: the model after each whole-frame prefix, and the reply.
    fn expect(&self, model: &Self::Model, call: &Self::Call) -> Expected<Self::Model, Self::Reply>;

    /// Runs `call` on the handle.
    ///
    /// # Errors
    /// The handle's error (an injected I/O failure, a halted handle);
    /// [`SimSubject::call_failure`] classifies it. A refusal the engine returns for a bad
    /// request is a reply, not an error.
    fn call(
        &self,
        handle: &mut Self::Handle,
        call: &Self::Call,
    ) -> Result<Self::Reply, Self::CallError>;

    /// Classifies an error of [`SimSubject::call`]: only [`StepFailure::Io`] and
    /// [`StepFailure::Halted`] are expected, and only after an injected fault.
    fn call_failure(&self, error: &Self::CallError) -> StepFailure;

    /// The picture of the open database.
    fn picture(&self, handle: &Self::Handle) -> Self::Picture;

    /// The picture of the model (equal to the handle's when they hold the same state).
    fn model_picture(&self, model: &Self::Model) -> Self::Picture;

    /// The engine's invariants (its `validate`).
    ///
    /// # Errors
    /// The broken invariant, described.
    fn validate(&self, handle: &Self::Handle) -> Result<(), String>;
}
