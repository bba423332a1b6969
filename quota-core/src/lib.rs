//! quota-core: token buckets refilled in logical time (see `docs/quota-core.md`).
#![forbid(unsafe_code)]

pub mod command;
pub mod command_codec;
pub mod config;
#[cfg(test)]
mod crash_tests;
pub mod engine;
pub mod ids;
#[cfg(feature = "model")]
pub mod model;
pub mod recovery;
pub mod result;
#[cfg(feature = "sim")]
pub mod sim;
pub mod snapshot;
pub mod state_machine;
mod state_machine_commands;
pub mod state_machine_invariants;
#[cfg(any(test, feature = "sim"))]
mod test_refusal;

pub use command::{ClientRequest, Command, CommandContext};
pub use config::{Config, ConfigError};
pub use engine::{QuotaEngine, SubmitError};
pub use ids::{BucketId, ClientId, Lsn, OperationId, Slot};
pub use recovery::{RecoveryError, RecoveryReport, SNAPSHOT_FILE_NAME, WAL_FILE_NAME};
pub use result::{CommandOutcome, ResultCode};
pub use state_machine::{BucketRecord, StateDump, StateMachine};
// The storage seam `open_with_storage` takes, as the other engines re-export it.
pub use runtime::snapshot_file::SnapshotFileError;
pub use runtime::storage::{DiskStorage, Storage};
