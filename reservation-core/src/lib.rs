//! reservation-core: capacity holds on pools (see `docs/reservation-core.md`).
#![forbid(unsafe_code)]

pub mod command;
pub mod command_codec;
pub mod config;
pub mod fixed_map;
pub mod ids;
pub mod result;
pub mod retire_queue;
pub mod snapshot;
pub mod snapshot_file;
pub mod state_machine;
mod state_machine_commands;
mod state_machine_index;
pub mod state_machine_invariants;
pub mod wal;
pub mod wal_file;
