//! How this engine's crash tests (`crash_tests.rs`) and its simulator adapter (`sim.rs`)
//! classify its errors: one classification for both.

use runtime::snapshot_file::SnapshotFileError;
use runtime::testkit::{Refusal, StepFailure};

use crate::{RecoveryError, SubmitError};

/// An open's refusal: a WAL or snapshot refused as corrupt (damaged bytes only: a failed read
/// or a snapshot above the bound is no corruption), a held lock, or anything else.
pub(crate) fn refusal(error: &RecoveryError) -> Refusal {
    match error {
        RecoveryError::Corruption { offset, .. } => Refusal::WalCorruption { offset: *offset },
        RecoveryError::SnapshotFile(error) if error.is_corruption() => Refusal::SnapshotFile,
        RecoveryError::Locked { .. } => Refusal::Locked,
        _ => Refusal::Other,
    }
}

/// A failed call or checkpoint: a file operation (of the WAL or the snapshot file), a halted
/// handle, or anything else.
pub(crate) fn step_failure(error: &SubmitError) -> StepFailure {
    match error {
        SubmitError::Io(error) | SubmitError::Snapshot(SnapshotFileError::Io(error)) => {
            StepFailure::Io(error.op)
        }
        SubmitError::EngineHalted => StepFailure::Halted,
        _ => StepFailure::Other,
    }
}

#[cfg(test)]
#[path = "test_refusal_tests.rs"]
mod tests;
