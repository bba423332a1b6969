//! Test-only machinery (cargo feature `testkit`, which the engines enable in their
//! `[dev-dependencies]` only): a fault-injecting [`Storage`](crate::storage::Storage) and the
//! crash-consistency drivers every engine runs.
//!
//! - [`FaultyStorage`] / [`FaultPlan`]: the real disk, with the Nth write, sync, open, read,
//!   truncate or rename failing on demand.
//! - The drivers: an engine describes itself once as a [`CrashSubject`] (open a directory, dump
//!   the state, run step `i` of its workload, checkpoint, classify its errors) and calls
//!   [`wal_cuts`], [`wal_flips`], [`fault_halts`], [`snapshot_flips`], [`two_writers`],
//!   [`two_processes`] (with [`keep_open_in_child`] as the other process), [`zero_fills`] and
//!   [`huge_wal`], one line each. Each
//!   driver returns a [`Report`] of what it checked, or the first [`KitFailure`] it found, so
//!   that the kit's own tests can plant a bug and assert the failure kind.
//!
//! The drivers know frames, files, cuts and bits, never what a step means: the workload, the
//! state and the error types are the engine's. `docs/architecture.md` ("The crash test kit")
//! says what each driver checks and how an engine plugs in.

mod failure;
mod fault_halts;
mod faulty_storage;
mod huge_wal;
mod lock;
mod scratch;
pub mod sim;
mod snapshot_flips;
mod subject;
mod temp_files;
mod wal_cuts;
mod zero_fill;

pub use failure::{KitFailure, Report};
pub use fault_halts::{Fault, fault_halts};
pub use faulty_storage::{FaultPlan, FaultyStorage};
pub use huge_wal::{MIN_CHUNKS, huge_wal};
pub use lock::{OWNER_DIR_VAR, keep_open_in_child, spawn_alone, two_processes, two_writers};
pub use scratch::ScratchDir;
pub use snapshot_flips::snapshot_flips;
pub use subject::{CrashSubject, RecoveryFigures, Refusal, StepFailure};
pub use temp_files::leftover_temps;
pub use wal_cuts::{wal_cuts, wal_flips};
pub use zero_fill::zero_fills;

#[cfg(test)]
#[path = "testkit_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "testkit_driver_tests.rs"]
mod driver_tests;
