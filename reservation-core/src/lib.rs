//! reservation-core: capacity holds on pools (see `docs/reservation-core.md`).
#![forbid(unsafe_code)]

pub mod fixed_map;
pub mod retire_queue;
pub mod snapshot_file;
pub mod wal;
pub mod wal_file;
