//! Deterministic simulation (issue 19): one seed drives a workload, crashes and storage
//! faults against an engine and its reference model; any failure reruns exactly from its seed.
//!
//! - [`SimRng`]: the seeded generator (`SplitMix64`) everything draws from.
//! - [`SimStorage`]: an in-memory [`Storage`](crate::storage::Storage) where written bytes are
//!   volatile until synced, directory changes until their directory is synced, and
//!   [`SimStorage::crash`] keeps what a power loss keeps; faults strike as a [`SimFaults`]
//!   plan says ([`FaultKind`]).
//! - [`SimSubject`] and [`run`]: how an engine plugs in, and the driver that interleaves its
//!   calls with crashes, reopens and faults, checking the engine against the model after every
//!   acknowledged call and every recovery. [`run`] returns a [`SimReport`] (figures and the
//!   hash of the [`EventLog`]) or a [`SimFailure`] (seed, step, shortest failing step count).
//! - [`planted`]: test-only bugs the runtime can be switched into, so that tests show the
//!   simulator finds them.
//!
//! The simulator knows files, frames and faults; the calls, the model and the pictures it
//! compares are the engine's. `docs/simulation.md` states the fault model and its limits.

mod crash;
mod disk;
mod driver;
mod faults;
mod files;
mod log;
pub mod planted;
mod report;
mod rng;
mod storage;
mod subject;

pub use disk::{note_sync, witnessed_syncs};
pub use driver::{SIM_DIR, check, run, run_on_disk, shortest_failing, shortest_failing_by};
pub use faults::{FaultCounts, FaultKind, FaultWindow, SimFaults};
pub use log::{EventLog, TAIL_LINES};
pub use report::{SimFailure, SimFailureKind, SimReport};
pub use rng::SimRng;
pub use storage::{Flip, SimStorage, WalShape};
pub use subject::{Expected, SimSubject};

#[cfg(test)]
#[path = "sim_toy_tests.rs"]
mod toy;

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "sim_checks_tests.rs"]
mod checks_tests;
