//! Snapshot encoding: the whole state at `last_applied_lsn`, little-endian, records sorted by
//! id. Layout (all integers LE; an option is a `u8` flag 0/1 followed by the value when 1):
//!
//! ```text
//! magic u32 = b"QUSN", version u16 = 1, last_applied_lsn u64, last_request_slot u64,
//! retired_job_watermark u128,
//! queue count u32, then per queue (by id):
//!   queue_id u128, max_attempts u32, ready_jobs u32, claimed_jobs u32, dead_jobs u32
//! job count u32, then per job (by id):
//!   job_id u128, queue_id u128, state u8, available_slot u64, ready_lsn u64, attempts u32,
//!   claim_epoch u64, worker_id u128, deadline_slot u64, retire_after_slot option<u64>
//! operation count u32, then per operation (by id):
//!   operation_id u128, fingerprint u128, result code u8, job_id option<u128>,
//!   claim_epoch option<u64>, deadline_slot option<u64>, applied_lsn u64, retire_after_slot u64
//! ```
//!
//! The snapshot file adds the runtime's footer around these bytes. Decoding lives in
//! `snapshot_decode.rs`.

use std::fmt;

use crate::command_codec::DecodeError;
use crate::config::Config;
use crate::ids::JobId;
use crate::state_machine::{JobRecord, OperationRecord, StateMachine};
use crate::state_machine_invariants::InvariantError;
use runtime::snapshot_file::FOOTER_LEN;

pub use crate::snapshot_decode::decode_snapshot;

pub const SNAPSHOT_MAGIC: u32 = u32::from_le_bytes(*b"QUSN");
pub const SNAPSHOT_VERSION: u16 = 1;
/// Bytes before the first count: magic, version, lsn, slot, watermark.
pub const SNAPSHOT_HEADER_LEN: usize = 4 + 2 + 8 + 8 + 16;
const _: () = assert!(SNAPSHOT_HEADER_LEN == 38);
pub(crate) const QUEUE_LEN: usize = 16 + 4 * 4;
/// Smallest and largest encodings, used to bound counts by the bytes left and to size the
/// snapshot limit.
pub(crate) const MIN_JOB_LEN: usize = 16 + 16 + 1 + 8 + 8 + 4 + 8 + 16 + 8 + 1;
const MAX_JOB_LEN: usize = MIN_JOB_LEN + 8;
pub(crate) const MIN_OPERATION_LEN: usize = 16 + 16 + 1 + 3 + 8 + 8;
const MAX_OPERATION_LEN: usize = MIN_OPERATION_LEN + 16 + 8 + 8;

/// The largest snapshot file (payload and footer) a state of `config` can produce.
#[must_use]
pub fn max_snapshot_file_len(config: &Config) -> u64 {
    let records = u64::from(config.max_queues) * QUEUE_LEN as u64
        + u64::from(config.max_jobs) * MAX_JOB_LEN as u64
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
    /// A claimed job whose deadline bucket is full.
    DeadlineBucketFull {
        job_id: JobId,
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
            Self::DeadlineBucketFull { job_id } => {
                write!(f, "snapshot: no deadline room for job {job_id}")
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

fn encode_job(out: &mut Vec<u8>, job: &JobRecord) {
    out.extend_from_slice(&job.job_id.get().to_le_bytes());
    out.extend_from_slice(&job.queue_id.get().to_le_bytes());
    out.push(job.state as u8);
    out.extend_from_slice(&job.available_slot.get().to_le_bytes());
    out.extend_from_slice(&job.ready_lsn.get().to_le_bytes());
    out.extend_from_slice(&job.attempts.to_le_bytes());
    out.extend_from_slice(&job.claim_epoch.to_le_bytes());
    out.extend_from_slice(&job.worker_id.get().to_le_bytes());
    out.extend_from_slice(&job.deadline_slot.get().to_le_bytes());
    put_option(
        out,
        job.retire_after_slot.map(|slot| slot.get().to_le_bytes()),
    );
}

fn encode_operation(out: &mut Vec<u8>, record: &OperationRecord) {
    let outcome = &record.outcome;
    out.extend_from_slice(&record.operation_id.get().to_le_bytes());
    out.extend_from_slice(&record.fingerprint.to_le_bytes());
    out.push(outcome.result_code.to_u8());
    put_option(out, outcome.job_id.map(|id| id.get().to_le_bytes()));
    put_option(out, outcome.claim_epoch.map(u64::to_le_bytes));
    put_option(
        out,
        outcome.deadline_slot.map(|slot| slot.get().to_le_bytes()),
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
    out.extend_from_slice(&dump.retired_job_watermark.get().to_le_bytes());
    put_count(&mut out, dump.queues.len());
    for queue in &dump.queues {
        out.extend_from_slice(&queue.queue_id.get().to_le_bytes());
        for count in [
            queue.max_attempts,
            queue.ready_jobs,
            queue.claimed_jobs,
            queue.dead_jobs,
        ] {
            out.extend_from_slice(&count.to_le_bytes());
        }
    }
    put_count(&mut out, dump.jobs.len());
    for job in &dump.jobs {
        encode_job(&mut out, job);
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
