//! What a simulated run reports: [`SimReport`] when every check held, [`SimFailure`] when one
//! did not.

use std::any::Any;
use std::fmt;

use super::{FaultCounts, SimStorage};

/// The figures of a run in which every check held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimReport {
    /// The seed.
    pub seed: u64,
    /// Steps run (calls, crashes and reopens between them).
    pub steps: u64,
    /// Calls made.
    pub calls: u64,
    /// Calls acknowledged (and checked against the model).
    pub acknowledged: u64,
    /// Power losses (crashes), including the final one.
    pub crashes: u64,
    /// Of those, power losses inside a call (at a seed-chosen storage operation).
    pub crashes_in_calls: u64,
    /// Recoveries (opens after a crash, a clean close or a refused flip), the first open
    /// excluded.
    pub recoveries: u64,
    /// Injected faults, by kind.
    pub faults: FaultCounts,
    /// Flipped bits that an open refused as typed corruption (then restored).
    pub flips_refused: u64,
    /// Storage operations performed.
    pub storage_ops: u64,
    /// The hash of the run's event log: the same seed must give the same hash.
    pub log_hash: u64,
    /// The event log's hash before each step, and after the last one (before the final
    /// crash): a run of `k` steps gives the first `k + 1` hashes of any longer run of its
    /// seed. Of one run only: [`Self::merge`] keeps its own.
    pub step_hashes: Vec<u64>,
}

impl SimReport {
    /// Adds the figures of `other` (a run of another seed) to these; the hash becomes the
    /// FNV-1a-style mix of both.
    pub fn merge(&mut self, other: &Self) {
        self.steps += other.steps;
        self.calls += other.calls;
        self.acknowledged += other.acknowledged;
        self.crashes += other.crashes;
        self.crashes_in_calls += other.crashes_in_calls;
        self.recoveries += other.recoveries;
        self.faults.merge(&other.faults);
        self.flips_refused += other.flips_refused;
        self.storage_ops += other.storage_ops;
        self.log_hash = (self.log_hash ^ other.log_hash).wrapping_mul(0x0000_0100_0000_01B3);
    }
}

/// Which check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimFailureKind {
    /// An acknowledged call replied otherwise than the model.
    ReplyMismatch,
    /// After an acknowledged call, the engine's picture differs from the model's.
    PictureMismatch,
    /// The engine's invariants failed.
    Invariant,
    /// A recovery showed a state that is neither the floor (the last acknowledged one, or the
    /// one the last recovery showed) nor a whole-frame prefix of the call in flight (an
    /// acknowledged call lost, a shown state rolled back, or a state never written).
    RecoveryMismatch,
    /// A recovery succeeded although it read a flipped bit (corruption accepted as data).
    FlipAccepted,
    /// An open refused corruption that no injected flip explains (the crash model or the
    /// engine wrote bytes its own recovery refuses).
    CorruptionWithoutFlip,
    /// An open failed otherwise (no fault is injected into opens).
    OpenFailed,
    /// A call failed without an injected fault, or with an unexpected error.
    CallFailed,
    /// The engine (or the model, or the subject) panicked; the detail is the panic's message.
    Panic,
}

/// A check that failed: where, and what the run did just before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimFailure {
    /// The seed.
    pub seed: u64,
    /// The steps the run was asked for.
    pub steps: u64,
    /// The step at which the check failed (0-based; `steps` for the final recovery).
    pub step: u64,
    /// Which check.
    pub kind: SimFailureKind,
    /// What was expected and what was found.
    pub detail: String,
    /// The last lines of the event log.
    pub tail: Vec<String>,
    /// The shortest step count with which the seed still fails, once searched
    /// ([`shortest_failing`](super::shortest_failing)).
    pub shortest: Option<u64>,
}

impl fmt::Display for SimFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {} failed at step {} of {}: {:?}: {}",
            self.seed, self.step, self.steps, self.kind, self.detail
        )?;
        if let Some(shortest) = self.shortest {
            write!(f, " (shortest failing step count: {shortest})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SimFailure {}

impl SimFailure {
    /// The failure of a run of `seed` that panicked at `step`: the panic's message, logged to
    /// `storage`'s event log, and the log's tail.
    pub(super) fn panicked(
        seed: u64,
        steps: u64,
        step: u64,
        payload: &(dyn Any + Send),
        storage: &SimStorage,
    ) -> Self {
        let detail = match (
            payload.downcast_ref::<&str>(),
            payload.downcast_ref::<String>(),
        ) {
            (Some(text), _) => (*text).to_owned(),
            (None, Some(text)) => text.clone(),
            (None, None) => "a panic without a message".to_owned(),
        };
        storage.with_log(|log| log.line(format!("FAIL Panic: {detail}")));
        Self {
            seed,
            steps,
            step,
            kind: SimFailureKind::Panic,
            detail,
            tail: storage.with_log(|log| log.tail()),
            shortest: None,
        }
    }
}
