//! allocdb-core: leases on scarce resources (see `docs/allocdb-core.md`).
#![forbid(unsafe_code)]

pub mod command;
pub mod command_codec;
pub mod config;
pub mod fixed_map;
pub mod ids;
pub mod result;
pub mod retire_queue;
pub mod snapshot_file;
pub mod wal;
pub mod wal_file;
