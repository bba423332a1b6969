//! reservation-core: a deterministic embedded database of capacity holds on pools.
//!
//! A command goes into a write-ahead log, then into a pure state machine; recovery loads the
//! snapshot and replays the WAL through the same `apply`. Same snapshot + same WAL = same
//! state + same results. The durable handle is [`ReservationEngine`]; semantics, byte formats
//! and deviations from the spec are documented in `docs/reservation-core.md`.
//!
//! The substrate (`retire_queue`, `fixed_map`, `wal`, `wal_file`, `snapshot_file`, the storage
//! seam) comes from the `runtime` crate (see `runtime/README.md`); it knows bytes, checksums,
//! files and bounded queues only, never holds or result codes. This crate names its bytes:
//! `recovery::WAL_MAGIC`, the record-type constants and `recovery::SNAPSHOT_FOOTER_MAGIC`.
#![forbid(unsafe_code)]

pub mod command;
pub mod command_codec;
pub mod config;
#[cfg(test)]
mod crash_tests;
pub mod engine;
mod engine_error;
pub mod ids;
#[cfg(feature = "model")]
pub mod model;
pub mod recovery;
pub mod result;
#[cfg(feature = "sim")]
pub mod sim;
pub mod snapshot;
mod snapshot_decode;
pub mod state_machine;
mod state_machine_commands;
mod state_machine_index;
pub mod state_machine_invariants;
#[cfg(any(test, feature = "sim"))]
mod test_refusal;

pub use command::{ClientRequest, Command, CommandContext, InternalCommand};
pub use config::{Config, ConfigError};
pub use engine::{ReservationEngine, SubmitError};
pub use ids::{ClientId, HoldId, Lsn, OperationId, PoolId, Slot};
pub use recovery::{
    RecoveryError, RecoveryReport, SNAPSHOT_FILE_NAME, WAL_FILE_NAME, recover, recover_with_ops,
};
pub use result::{CommandOutcome, ResultCode};
pub use runtime::snapshot_file::SnapshotFileError;
pub use runtime::storage::{DiskStorage, Storage};
pub use runtime::wal::ScanStopReason;
pub use state_machine::{
    HoldLookupError, HoldRecord, HoldState, OperationRecord, PoolRecord, StateDump, StateMachine,
};
