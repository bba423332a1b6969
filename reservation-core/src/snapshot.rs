//! Snapshot encoding: the whole state at `last_applied_lsn`, little-endian, records sorted by
//! id. Layout (all integers LE; an option is a `u8` flag 0/1 followed by the value when 1):
//!
//! ```text
//! magic u32 = b"RSSN", version u16 = 1, last_applied_lsn u64, last_request_slot u64,
//! pool count u32, then per pool (by id):
//!   pool_id u128, total_capacity u64, held_capacity u64, consumed_capacity u64
//! hold count u32, then per hold (by id):
//!   hold_id u128, pool_id u128, quantity u64, deadline_slot u64, state u8,
//!   retire_after_slot option<u64>
//! operation count u32, then per operation (by id):
//!   operation_id u128, fingerprint u128, result code u8, hold_id option<u128>,
//!   deadline_slot option<u64>, applied_lsn u64, retire_after_slot u64
//! ```
//!
//! The snapshot file adds a footer around these bytes (`snapshot_file`). Decoding lives in
//! `snapshot_decode.rs`.

use std::fmt;

use crate::command_codec::DecodeError;
use crate::config::Config;
use crate::ids::HoldId;
use crate::state_machine::{HoldRecord, OperationRecord, StateMachine};
use crate::state_machine_invariants::InvariantError;
use runtime::snapshot_file::FOOTER_LEN;

pub use crate::snapshot_decode::decode_snapshot;

pub const SNAPSHOT_MAGIC: u32 = u32::from_le_bytes(*b"RSSN");
pub const SNAPSHOT_VERSION: u16 = 1;
/// Bytes before the first count: magic, version, lsn, slot.
pub const SNAPSHOT_HEADER_LEN: usize = 4 + 2 + 8 + 8;
const _: () = assert!(SNAPSHOT_HEADER_LEN == 22);
pub(crate) const POOL_LEN: usize = 16 + 8 + 8 + 8;
/// Smallest and largest encodings, used to bound counts by the bytes left and to size the
/// snapshot limit.
pub(crate) const MIN_HOLD_LEN: usize = 16 + 16 + 8 + 8 + 1 + 1;
const MAX_HOLD_LEN: usize = MIN_HOLD_LEN + 8;
pub(crate) const MIN_OPERATION_LEN: usize = 16 + 16 + 1 + 1 + 1 + 8 + 8;
const MAX_OPERATION_LEN: usize = MIN_OPERATION_LEN + 16 + 8;

/// The largest snapshot file (payload and footer) a state of `config` can produce.
#[must_use]
pub fn max_snapshot_file_len(config: &Config) -> u64 {
    let records = u64::from(config.max_pools) * POOL_LEN as u64
        + u64::from(config.max_holds) * MAX_HOLD_LEN as u64
        + u64::from(config.max_operations) * MAX_OPERATION_LEN as u64;
    (SNAPSHOT_HEADER_LEN + 3 * 4 + FOOTER_LEN) as u64 + records
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
    /// A held hold whose expiry bucket is full.
    ExpiryBucketFull {
        hold_id: HoldId,
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
            Self::ExpiryBucketFull { hold_id } => {
                write!(f, "snapshot: no expiry room for hold {hold_id}")
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

fn encode_hold(out: &mut Vec<u8>, record: &HoldRecord) {
    out.extend_from_slice(&record.hold_id.get().to_le_bytes());
    out.extend_from_slice(&record.pool_id.get().to_le_bytes());
    out.extend_from_slice(&record.quantity.to_le_bytes());
    out.extend_from_slice(&record.deadline_slot.get().to_le_bytes());
    out.push(record.state as u8);
    put_option(
        out,
        record
            .retire_after_slot
            .map(|slot| slot.get().to_le_bytes()),
    );
}

fn encode_operation(out: &mut Vec<u8>, record: &OperationRecord) {
    out.extend_from_slice(&record.operation_id.get().to_le_bytes());
    out.extend_from_slice(&record.fingerprint.to_le_bytes());
    out.push(record.outcome.result_code.to_u8());
    put_option(out, record.outcome.hold_id.map(|id| id.get().to_le_bytes()));
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
#[must_use]
pub fn encode_snapshot(state: &StateMachine) -> Vec<u8> {
    let dump = state.dump();
    let mut out = Vec::new();
    out.extend_from_slice(&SNAPSHOT_MAGIC.to_le_bytes());
    out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
    out.extend_from_slice(&dump.last_applied_lsn.get().to_le_bytes());
    out.extend_from_slice(&dump.last_request_slot.get().to_le_bytes());
    put_count(&mut out, dump.pools.len());
    for pool in &dump.pools {
        out.extend_from_slice(&pool.pool_id.get().to_le_bytes());
        out.extend_from_slice(&pool.total_capacity.to_le_bytes());
        out.extend_from_slice(&pool.held_capacity.to_le_bytes());
        out.extend_from_slice(&pool.consumed_capacity.to_le_bytes());
    }
    put_count(&mut out, dump.holds.len());
    for hold in &dump.holds {
        encode_hold(&mut out, hold);
    }
    put_count(&mut out, dump.operations.len());
    for operation in &dump.operations {
        encode_operation(&mut out, operation);
    }
    out
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
