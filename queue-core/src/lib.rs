//! queue-core: a deterministic embedded database of work queues with visibility timeouts and
//! fenced claims.
//!
//! A command goes into a write-ahead log, then into a pure state machine; recovery loads the
//! snapshot and replays the WAL through the same `apply`. Same snapshot + same WAL = same
//! state + same results. The durable handle is [`QueueEngine`]; semantics, byte formats and
//! every choice the issue left open are documented in `docs/queue-core.md`.
//!
//! Written on the `runtime` crate from its first line (`docs/authoring-an-engine.md`): the
//! WAL framing and file, the lock, the frame-order rules, the snapshot file, the bounded
//! tables and retire queues and the storage seam are the runtime's; this crate names its bytes
//! (`recovery::WAL_MAGIC` `b"QUDB"`, `recovery::SNAPSHOT_FOOTER_MAGIC` `b"QUSF"`) and owns
//! the domain.
#![forbid(unsafe_code)]

pub mod command;
pub mod command_codec;
mod command_codec_reader;
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
mod state_machine_ready;
mod state_machine_records;
#[cfg(any(test, feature = "sim"))]
mod test_refusal;

pub use command::{ClientRequest, Command, CommandContext, InternalCommand};
pub use config::{Config, ConfigError};
pub use engine::QueueEngine;
pub use engine_error::SubmitError;
pub use ids::{ClientId, JobId, Lsn, OperationId, QueueId, Slot, WorkerId};
pub use recovery::{
    RecoveryError, RecoveryReport, SNAPSHOT_FILE_NAME, WAL_FILE_NAME, recover, recover_with_ops,
};
pub use result::{CommandOutcome, ResultCode};
pub use runtime::snapshot_file::SnapshotFileError;
pub use runtime::storage::{DiskStorage, Storage};
pub use runtime::wal::ScanStopReason;
pub use state_machine::{
    JobLookupError, JobRecord, JobState, OperationRecord, QueueRecord, StateDump, StateMachine,
};
