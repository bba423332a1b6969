//! Snapshot encoding: the whole state at `last_applied_lsn`, little-endian, records sorted by
//! id. Layout (all integers LE; an option is a `u8` flag 0/1 followed by the value when 1):
//!
//! ```text
//! magic u32 = b"ALSN", version u16 = 2, last_applied_lsn u64, last_request_slot u64,
//! retired_lease_watermark option<u128>,
//! resource count u32, then per resource (by id):
//!   resource_id u128, state u8, current_lease_id option<u128>, version u64
//! lease count u32, then per lease (by id):
//!   lease_id u128, holder_id u128, state u8, lease_epoch u64, created_lsn u64,
//!   deadline_slot u64, released_lsn option<u64>, retire_after_slot option<u64>,
//!   member_count u32, member_count x resource_id u128 (bundle order)
//! operation count u32, then per operation (by id):
//!   operation_id u128, fingerprint u128, result code u8, lease_id option<u128>,
//!   lease_epoch option<u64>, deadline_slot option<u64>, applied_lsn u64, retire_after_slot u64
//! ```
//!
//! The retire queues and the expiry index are rebuilt from the tables. Decoding checks every
//! count against the config and the bytes left before allocating, rejects unsorted or
//! duplicate ids, and re-checks every invariant before admitting the state.
//!
//! Version 2 differs from version 1 only in the file around it: a version-2 snapshot is always
//! stored with the `snapshot_file` footer, a version-1 snapshot (written before the footer
//! existed) never is. The bytes after the header are the same in both.

use std::fmt;

use crate::command_codec::DecodeError;
use crate::config::Config;
use crate::ids::{LeaseId, ResourceId};
use crate::state_machine::{LeaseRecord, OperationRecord, StateMachine};
use crate::state_machine_invariants::InvariantError;
use runtime::snapshot_file::FOOTER_LEN;

pub const SNAPSHOT_MAGIC: u32 = u32::from_le_bytes(*b"ALSN");
/// The version this code writes: the snapshot is followed by the file footer.
pub const SNAPSHOT_VERSION: u16 = 2;
/// The version written before the footer existed: the file is the snapshot bytes alone. Read
/// for upgrades only (see `recovery`), never written.
pub const LEGACY_SNAPSHOT_VERSION: u16 = 1;
/// The offset of the `u16` version, after the `u32` magic.
pub const SNAPSHOT_VERSION_OFFSET: usize = 4;
/// Bytes before the watermark: magic, version, lsn, slot.
pub const SNAPSHOT_HEADER_LEN: usize = 4 + 2 + 8 + 8;
const _: () = assert!(SNAPSHOT_HEADER_LEN == 22);
const _: () = assert!(SNAPSHOT_VERSION_OFFSET + 2 <= SNAPSHOT_HEADER_LEN);
// One flipped bit cannot turn the current version into the legacy one (the legacy branch
// skips the footer, so it must never be reachable from a damaged current file).
const _: () = assert!((SNAPSHOT_VERSION ^ LEGACY_SNAPSHOT_VERSION).count_ones() > 1);
/// Smallest encodings, used to bound counts by the bytes left.
pub(crate) const MIN_RESOURCE_LEN: usize = 16 + 1 + 1 + 8;
pub(crate) const MIN_LEASE_LEN: usize = 16 + 16 + 1 + 8 + 8 + 8 + 1 + 1 + 4;
pub(crate) const MIN_OPERATION_LEN: usize = 16 + 16 + 1 + 1 + 1 + 1 + 8 + 8;
/// Largest encodings (every option present; a lease without its members, which are counted
/// against `max_lease_members`), used to bound the file of full tables.
const MAX_RESOURCE_LEN: usize = MIN_RESOURCE_LEN + 16;
const MAX_LEASE_LEN: usize = MIN_LEASE_LEN + 8 + 8;
const MAX_OPERATION_LEN: usize = MIN_OPERATION_LEN + 16 + 8 + 8;
const _: () = assert!(MAX_RESOURCE_LEN == 42 && MAX_LEASE_LEN == 79 && MAX_OPERATION_LEN == 84);

/// The largest snapshot file `config` allows (every table full, every option present, the
/// footer included): `Config::validate` requires `max_snapshot_bytes` to hold it, so a
/// checkpoint never writes a file that recovery would refuse.
#[must_use]
pub fn max_snapshot_file_len(config: &Config) -> u64 {
    let fixed = (SNAPSHOT_HEADER_LEN + 1 + 16 + 4 * 3 + FOOTER_LEN) as u64;
    fixed
        + u64::from(config.max_resources) * MAX_RESOURCE_LEN as u64
        + u64::from(config.max_leases) * MAX_LEASE_LEN as u64
        + u64::from(config.max_lease_members) * 16
        + u64::from(config.max_operations) * MAX_OPERATION_LEN as u64
}

/// Why snapshot bytes were rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotError {
    Decode(DecodeError),
    BadMagic {
        found: u32,
    },
    UnsupportedVersion {
        found: u16,
    },
    /// A count above the configured capacity of `table`.
    CountAboveCapacity {
        table: &'static str,
        count: u64,
        capacity: u64,
    },
    /// A count that cannot fit in the bytes left.
    CountAboveBytes {
        table: &'static str,
        count: u32,
        remaining: usize,
    },
    /// An enum or flag byte with no meaning.
    BadValue {
        field: &'static str,
        value: u8,
    },
    /// Ids not strictly increasing (a duplicate or a non-canonical order).
    UnsortedIds {
        table: &'static str,
    },
    /// A reserved lease whose expiry bucket is full.
    ExpiryBucketFull {
        lease_id: LeaseId,
    },
    Invariant(InvariantError),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(error) => write!(f, "snapshot: {error}"),
            Self::BadMagic { found } => write!(f, "snapshot: bad magic {found:#010x}"),
            Self::UnsupportedVersion { found } => {
                write!(f, "snapshot: unsupported version {found}")
            }
            Self::CountAboveCapacity {
                table,
                count,
                capacity,
            } => {
                write!(
                    f,
                    "snapshot: {count} {table} records above capacity {capacity}"
                )
            }
            Self::CountAboveBytes {
                table,
                count,
                remaining,
            } => {
                write!(
                    f,
                    "snapshot: {count} {table} records cannot fit in {remaining} bytes"
                )
            }
            Self::BadValue { field, value } => write!(f, "snapshot: bad {field} value {value}"),
            Self::UnsortedIds { table } => write!(f, "snapshot: {table} ids unsorted or repeated"),
            Self::ExpiryBucketFull { lease_id } => {
                write!(f, "snapshot: no expiry room for lease {lease_id}")
            }
            Self::Invariant(error) => write!(f, "snapshot: {error}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl From<DecodeError> for SnapshotError {
    fn from(error: DecodeError) -> Self {
        Self::Decode(error)
    }
}

fn put_option<const N: usize>(out: &mut Vec<u8>, value: Option<[u8; N]>) {
    match value {
        Some(bytes) => {
            out.push(1);
            out.extend_from_slice(&bytes);
        }
        None => out.push(0),
    }
}

fn put_count(out: &mut Vec<u8>, count: usize) {
    let count = u32::try_from(count).expect("table sizes fit in u32 (config fields are u32)");
    out.extend_from_slice(&count.to_le_bytes());
}

fn encode_lease(out: &mut Vec<u8>, record: &LeaseRecord, members: &[ResourceId]) {
    out.extend_from_slice(&record.lease_id.get().to_le_bytes());
    out.extend_from_slice(&record.holder_id.get().to_le_bytes());
    out.push(record.state as u8);
    out.extend_from_slice(&record.lease_epoch.to_le_bytes());
    out.extend_from_slice(&record.created_lsn.get().to_le_bytes());
    out.extend_from_slice(&record.deadline_slot.get().to_le_bytes());
    put_option(out, record.released_lsn.map(|lsn| lsn.get().to_le_bytes()));
    put_option(
        out,
        record
            .retire_after_slot
            .map(|slot| slot.get().to_le_bytes()),
    );
    out.extend_from_slice(&record.member_count.to_le_bytes());
    for member in members {
        out.extend_from_slice(&member.get().to_le_bytes());
    }
}

fn encode_operation(out: &mut Vec<u8>, record: &OperationRecord) {
    out.extend_from_slice(&record.operation_id.get().to_le_bytes());
    out.extend_from_slice(&record.fingerprint.to_le_bytes());
    out.push(record.outcome.result_code.to_u8());
    put_option(
        out,
        record.outcome.lease_id.map(|id| id.get().to_le_bytes()),
    );
    put_option(out, record.outcome.lease_epoch.map(u64::to_le_bytes));
    put_option(
        out,
        record
            .outcome
            .deadline_slot
            .map(|slot| slot.get().to_le_bytes()),
    );
    out.extend_from_slice(&record.applied_lsn.get().to_le_bytes());
    out.extend_from_slice(&record.retire_after_slot.get().to_le_bytes());
}

/// Encodes the whole state.
///
/// # Panics
/// If the file would exceed the bound `Config::validate` guarantees for `max_snapshot_bytes`
/// (a bug in [`max_snapshot_file_len`]).
#[must_use]
pub fn encode_snapshot(state: &StateMachine) -> Vec<u8> {
    let dump = state.dump();
    let mut out = Vec::new();
    out.extend_from_slice(&SNAPSHOT_MAGIC.to_le_bytes());
    out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
    out.extend_from_slice(&dump.last_applied_lsn.get().to_le_bytes());
    out.extend_from_slice(&dump.last_request_slot.get().to_le_bytes());
    put_option(
        &mut out,
        dump.retired_lease_watermark
            .map(|id| id.get().to_le_bytes()),
    );
    put_count(&mut out, dump.resources.len());
    for resource in &dump.resources {
        out.extend_from_slice(&resource.resource_id.get().to_le_bytes());
        out.push(resource.state as u8);
        put_option(
            &mut out,
            resource.current_lease_id.map(|id| id.get().to_le_bytes()),
        );
        out.extend_from_slice(&resource.version.to_le_bytes());
    }
    put_count(&mut out, dump.leases.len());
    for lease in &dump.leases {
        encode_lease(&mut out, &lease.record, &lease.members);
    }
    put_count(&mut out, dump.operations.len());
    for operation in &dump.operations {
        encode_operation(&mut out, operation);
    }
    assert!(
        (out.len() + FOOTER_LEN) as u64 <= max_snapshot_file_len(state.config()),
        "a snapshot must fit max_snapshot_bytes (Config::validate checks full tables)"
    );
    out
}

pub use crate::snapshot_decode::{decode_legacy_snapshot, decode_snapshot};

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "snapshot_forgery_tests.rs"]
mod forgery_tests;
