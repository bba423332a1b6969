//! Snapshot encoding: the whole state at `last_applied_lsn`, little-endian, records sorted by
//! id. Layout (all integers LE; an option is a `u8` flag 0/1 followed by the value when 1):
//!
//! ```text
//! magic u32 = b"QTSN", version u16 = 1, last_applied_lsn u64, last_request_slot u64,
//! bucket count u32, then per bucket (by id):
//!   bucket_id u128, limit u64, balance u64, refill_rate_per_slot u64, last_refill_slot u64
//! operation count u32, then per operation (by id):
//!   operation_id u128, fingerprint u128, result code u8, balance option<u64>,
//!   applied_lsn u64, retire_after_slot u64
//! ```
//!
//! The snapshot file adds its footer around these bytes (`snapshot_file`). The retire queue
//! is rebuilt from the operation table in applied-lsn order (the order live execution queued
//! it). Decoding checks every count against the config and the bytes left before allocating,
//! rejects unsorted or duplicate ids, and re-checks every invariant before admitting the
//! state.

use std::fmt;

use crate::command_codec::{DecodeError, Reader};
use crate::config::Config;
use crate::ids::{BucketId, Lsn, OperationId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine::{BucketRecord, OperationRecord, StateMachine};
use crate::state_machine_invariants::InvariantError;
use runtime::snapshot_file::FOOTER_LEN;

pub const SNAPSHOT_MAGIC: u32 = u32::from_le_bytes(*b"QTSN");
pub const SNAPSHOT_VERSION: u16 = 1;
/// Bytes before the first count: magic, version, lsn, slot.
pub const SNAPSHOT_HEADER_LEN: usize = 4 + 2 + 8 + 8;
const _: () = assert!(SNAPSHOT_HEADER_LEN == 22);
/// Bytes of one bucket record.
pub const BUCKET_LEN: usize = 16 + 8 + 8 + 8 + 8;
/// Smallest and largest encodings of one operation record.
const MIN_OPERATION_LEN: usize = 16 + 16 + 1 + 1 + 8 + 8;
const MAX_OPERATION_LEN: usize = MIN_OPERATION_LEN + 8;

/// The largest snapshot file (payload and footer) a config can produce: full tables.
#[must_use]
pub fn max_snapshot_file_len(config: &Config) -> u64 {
    let fixed = (SNAPSHOT_HEADER_LEN + 4 + 4 + FOOTER_LEN) as u64;
    fixed
        + u64::from(config.max_buckets) * BUCKET_LEN as u64
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

fn encode_bucket(out: &mut Vec<u8>, record: &BucketRecord) {
    out.extend_from_slice(&record.bucket_id.get().to_le_bytes());
    out.extend_from_slice(&record.limit.to_le_bytes());
    out.extend_from_slice(&record.balance.to_le_bytes());
    out.extend_from_slice(&record.refill_rate_per_slot.to_le_bytes());
    out.extend_from_slice(&record.last_refill_slot.get().to_le_bytes());
}

fn encode_operation(out: &mut Vec<u8>, record: &OperationRecord) {
    out.extend_from_slice(&record.operation_id.get().to_le_bytes());
    out.extend_from_slice(&record.fingerprint.to_le_bytes());
    out.push(record.outcome.result_code.to_u8());
    put_option(out, record.outcome.balance.map(u64::to_le_bytes));
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
    put_count(&mut out, dump.buckets.len());
    for bucket in &dump.buckets {
        encode_bucket(&mut out, bucket);
    }
    put_count(&mut out, dump.operations.len());
    for operation in &dump.operations {
        encode_operation(&mut out, operation);
    }
    out
}

fn bad(field: &'static str, value: u8) -> SnapshotError {
    SnapshotError::BadValue { field, value }
}

fn result_code(value: u8) -> Result<ResultCode, SnapshotError> {
    ResultCode::from_u8(value).ok_or(bad("result code", value))
}

fn flag(reader: &mut Reader<'_>, field: &'static str) -> Result<bool, SnapshotError> {
    match reader.u8(field)? {
        0 => Ok(false),
        1 => Ok(true),
        value => Err(bad(field, value)),
    }
}

fn option_u64(reader: &mut Reader<'_>, field: &'static str) -> Result<Option<u64>, SnapshotError> {
    Ok(if flag(reader, field)? {
        Some(reader.u64(field)?)
    } else {
        None
    })
}

/// Reads a record count and checks it against `capacity` and the bytes left.
fn count(
    reader: &mut Reader<'_>,
    table: &'static str,
    capacity: u32,
    min_record_len: usize,
) -> Result<u32, SnapshotError> {
    let count = reader.u32(table)?;
    if count > capacity {
        return Err(SnapshotError::CountAboveCapacity {
            table,
            count: u64::from(count),
            capacity: u64::from(capacity),
        });
    }
    let remaining = reader.remaining();
    if (count as usize).saturating_mul(min_record_len) > remaining {
        return Err(SnapshotError::CountAboveBytes {
            table,
            count,
            remaining,
        });
    }
    Ok(count)
}

fn decode_buckets(reader: &mut Reader<'_>, state: &mut StateMachine) -> Result<(), SnapshotError> {
    let total = count(reader, "bucket", state.config.max_buckets, BUCKET_LEN)?;
    let mut previous = None;
    for _ in 0..total {
        let bucket_id = BucketId(reader.u128("bucket_id")?);
        if previous.is_some_and(|previous| previous >= bucket_id) {
            return Err(SnapshotError::UnsortedIds { table: "bucket" });
        }
        previous = Some(bucket_id);
        let record = BucketRecord {
            bucket_id,
            limit: reader.u64("limit")?,
            balance: reader.u64("balance")?,
            refill_rate_per_slot: reader.u64("refill_rate_per_slot")?,
            last_refill_slot: Slot(reader.u64("last_refill_slot")?),
        };
        state
            .buckets
            .insert(bucket_id, record)
            .expect("count was checked, ids are unique");
    }
    Ok(())
}

fn decode_operation(reader: &mut Reader<'_>) -> Result<OperationRecord, SnapshotError> {
    let operation_id = OperationId(reader.u128("operation_id")?);
    let fingerprint = reader.u128("fingerprint")?;
    let outcome = CommandOutcome {
        result_code: result_code(reader.u8("result code")?)?,
        balance: option_u64(reader, "outcome balance")?,
    };
    Ok(OperationRecord {
        operation_id,
        fingerprint,
        outcome,
        applied_lsn: Lsn(reader.u64("applied_lsn")?),
        retire_after_slot: Slot(reader.u64("operation retire_after_slot")?),
    })
}

fn decode_operations(
    reader: &mut Reader<'_>,
    state: &mut StateMachine,
) -> Result<(), SnapshotError> {
    let total = count(
        reader,
        "operation",
        state.config.max_operations,
        MIN_OPERATION_LEN,
    )?;
    let mut previous = None;
    let mut retiring = Vec::with_capacity(total as usize);
    for _ in 0..total {
        let record = decode_operation(reader)?;
        if previous.is_some_and(|previous| previous >= record.operation_id) {
            return Err(SnapshotError::UnsortedIds { table: "operation" });
        }
        previous = Some(record.operation_id);
        retiring.push((
            record.applied_lsn,
            record.retire_after_slot,
            record.operation_id,
        ));
        state
            .operations
            .insert(record.operation_id, record)
            .expect("count was checked");
    }
    // Live execution queued operations in applied order; slots follow because slots never
    // go back. A forged order is refused by the queue itself.
    retiring.sort_unstable();
    for (_, slot, operation_id) in retiring {
        state
            .operation_retire
            .push(operation_id, slot.get())
            .map_err(|_| SnapshotError::Invariant(InvariantError::OperationQueue))?;
    }
    Ok(())
}

/// Decodes a snapshot for `config`, admitting it only if every invariant holds.
///
/// # Errors
/// Any [`SnapshotError`]; never panics on any input.
///
/// # Panics
/// If `config` itself is invalid (callers validate it first).
pub fn decode_snapshot(bytes: &[u8], config: &Config) -> Result<StateMachine, SnapshotError> {
    let mut reader = Reader::new(bytes);
    let magic = reader.u32("snapshot magic")?;
    if magic != SNAPSHOT_MAGIC {
        return Err(SnapshotError::BadMagic { found: magic });
    }
    let version = u16::from_le_bytes([
        reader.u8("snapshot version")?,
        reader.u8("snapshot version")?,
    ]);
    if version != SNAPSHOT_VERSION {
        return Err(SnapshotError::UnsupportedVersion { found: version });
    }
    let mut state = StateMachine::new(*config);
    state.last_applied_lsn = Lsn(reader.u64("last_applied_lsn")?);
    state.last_request_slot = Slot(reader.u64("last_request_slot")?);
    decode_buckets(&mut reader, &mut state)?;
    decode_operations(&mut reader, &mut state)?;
    reader.finish()?;
    state
        .validate_invariants()
        .map_err(SnapshotError::Invariant)?;
    Ok(state)
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
