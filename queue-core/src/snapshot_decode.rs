//! Snapshot decoding (the layout is documented in `snapshot.rs`). The ready heaps, the
//! deadline index and the retire queues are rebuilt from the tables. Every count is checked
//! against the config and the bytes left before anything is allocated; unsorted or duplicate
//! ids, bad enum and flag bytes and trailing bytes are typed errors; every invariant is
//! re-checked before the state is admitted. Never panics on any input.

use crate::command_codec::Reader;
use crate::config::Config;
use crate::ids::{JobId, Lsn, OperationId, QueueId, Slot, WorkerId};
use crate::result::{CommandOutcome, ResultCode};
use crate::snapshot::{
    MIN_JOB_LEN, MIN_OPERATION_LEN, QUEUE_LEN, SNAPSHOT_MAGIC, SNAPSHOT_VERSION, SnapshotError,
};
use crate::state_machine::{JobRecord, JobState, OperationRecord, QueueRecord, StateMachine};
use crate::state_machine_invariants::InvariantError;

fn bad(field: &'static str, value: u8) -> SnapshotError {
    SnapshotError::BadValue { field, value }
}

fn job_state(value: u8) -> Result<JobState, SnapshotError> {
    Ok(match value {
        0 => JobState::Ready,
        1 => JobState::Claimed,
        2 => JobState::Done,
        3 => JobState::Dead,
        4 => JobState::Cancelled,
        _ => return Err(bad("job state", value)),
    })
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

fn option_u128(
    reader: &mut Reader<'_>,
    field: &'static str,
) -> Result<Option<u128>, SnapshotError> {
    Ok(if flag(reader, field)? {
        Some(reader.u128(field)?)
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

/// Refuses an id not strictly above the previous one.
fn sorted<T: Ord + Copy>(
    previous: &mut Option<T>,
    id: T,
    table: &'static str,
) -> Result<(), SnapshotError> {
    if previous.is_some_and(|previous| previous >= id) {
        return Err(SnapshotError::UnsortedIds { table });
    }
    *previous = Some(id);
    Ok(())
}

fn decode_queues(reader: &mut Reader<'_>, state: &mut StateMachine) -> Result<(), SnapshotError> {
    let total = count(reader, "queue", state.config.max_queues, QUEUE_LEN)?;
    let mut previous = None;
    for _ in 0..total {
        let queue_id = QueueId(reader.u128("queue_id")?);
        sorted(&mut previous, queue_id, "queue")?;
        let record = QueueRecord {
            queue_id,
            max_attempts: reader.u32("max_attempts")?,
            ready_jobs: reader.u32("ready_jobs")?,
            claimed_jobs: reader.u32("claimed_jobs")?,
            dead_jobs: reader.u32("dead_jobs")?,
        };
        state
            .queues
            .insert(queue_id, record)
            .expect("count was checked, ids are unique");
    }
    Ok(())
}

fn decode_job(reader: &mut Reader<'_>) -> Result<JobRecord, SnapshotError> {
    Ok(JobRecord {
        job_id: JobId(reader.u128("job_id")?),
        queue_id: QueueId(reader.u128("job queue_id")?),
        state: job_state(reader.u8("job state")?)?,
        available_slot: Slot(reader.u64("available_slot")?),
        ready_lsn: Lsn(reader.u64("ready_lsn")?),
        attempts: reader.u32("attempts")?,
        claim_epoch: reader.u64("claim_epoch")?,
        worker_id: WorkerId(reader.u128("worker_id")?),
        deadline_slot: Slot(reader.u64("deadline_slot")?),
        retire_after_slot: option_u64(reader, "job retire_after_slot")?.map(Slot),
    })
}

fn decode_jobs(reader: &mut Reader<'_>, state: &mut StateMachine) -> Result<(), SnapshotError> {
    let total = count(reader, "job", state.config.max_jobs, MIN_JOB_LEN)?;
    let mut previous = None;
    let mut retiring = Vec::with_capacity(total as usize);
    for _ in 0..total {
        let job = decode_job(reader)?;
        let job_id = job.job_id;
        sorted(&mut previous, job_id, "job")?;
        match job.state {
            // An unknown queue is refused by the invariants; the heap root needs room first.
            JobState::Ready if state.queues.contains_key(job.queue_id) => {
                state.ready.insert(
                    job.queue_id,
                    job_id,
                    (job.available_slot.get(), job.ready_lsn.get()),
                );
            }
            JobState::Claimed => {
                if !state.deadlines.has_room(job.deadline_slot) {
                    return Err(SnapshotError::DeadlineBucketFull { job_id });
                }
                state.deadlines.insert(job.deadline_slot, job_id);
            }
            _ => {}
        }
        if let Some(slot) = job.retire_after_slot {
            retiring.push((slot, job_id));
        }
        state
            .jobs
            .insert(job_id, job)
            .expect("count was checked, ids are unique");
    }
    retiring.sort_unstable();
    for (slot, job_id) in retiring {
        state
            .job_retire
            .push(job_id, slot.get())
            .map_err(|_| SnapshotError::Invariant(InvariantError::JobQueue))?;
    }
    Ok(())
}

fn decode_operation(reader: &mut Reader<'_>) -> Result<OperationRecord, SnapshotError> {
    let operation_id = OperationId(reader.u128("operation_id")?);
    let fingerprint = reader.u128("fingerprint")?;
    let code = reader.u8("result code")?;
    let outcome = CommandOutcome {
        result_code: ResultCode::from_u8(code).ok_or(bad("result code", code))?,
        job_id: option_u128(reader, "outcome job_id")?.map(JobId),
        claim_epoch: option_u64(reader, "outcome claim_epoch")?,
        deadline_slot: option_u64(reader, "outcome deadline_slot")?.map(Slot),
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
        sorted(&mut previous, record.operation_id, "operation")?;
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
    // Live execution queued operations in applied order (one per frame); slots follow
    // because slots never go back. A forged order is refused by the queue itself.
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
    state.retired_job_watermark = JobId(reader.u128("retired_job_watermark")?);
    decode_queues(&mut reader, &mut state)?;
    decode_jobs(&mut reader, &mut state)?;
    decode_operations(&mut reader, &mut state)?;
    reader.finish()?;
    state
        .validate_invariants()
        .map_err(SnapshotError::Invariant)?;
    Ok(state)
}
