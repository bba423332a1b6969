//! Snapshot decoding (the layout is documented in `snapshot.rs`). The retire queues and the
//! expiry index are rebuilt from the tables. Every count is checked against the config and
//! the bytes left before anything is allocated; unsorted or duplicate ids, bad enum and flag
//! bytes and trailing bytes are typed errors; every invariant is re-checked before the state
//! is admitted. Never panics on any input.

use crate::command_codec::Reader;
use crate::config::Config;
use crate::ids::{HoldId, Lsn, OperationId, PoolId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::snapshot::{
    MIN_HOLD_LEN, MIN_OPERATION_LEN, POOL_LEN, SNAPSHOT_MAGIC, SNAPSHOT_VERSION, SnapshotError,
};
use crate::state_machine::{HoldRecord, HoldState, OperationRecord, PoolRecord, StateMachine};
use crate::state_machine_invariants::InvariantError;

/// Helpers shared by the decoder.
fn bad(field: &'static str, value: u8) -> SnapshotError {
    SnapshotError::BadValue { field, value }
}

fn hold_state(value: u8) -> Result<HoldState, SnapshotError> {
    Ok(match value {
        0 => HoldState::Held,
        1 => HoldState::Confirmed,
        2 => HoldState::Released,
        3 => HoldState::Expired,
        _ => return Err(bad("hold state", value)),
    })
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

fn decode_pools(reader: &mut Reader<'_>, state: &mut StateMachine) -> Result<(), SnapshotError> {
    let total = count(reader, "pool", state.config.max_pools, POOL_LEN)?;
    let mut previous = None;
    for _ in 0..total {
        let pool_id = PoolId(reader.u128("pool_id")?);
        if previous.is_some_and(|previous| previous >= pool_id) {
            return Err(SnapshotError::UnsortedIds { table: "pool" });
        }
        previous = Some(pool_id);
        let record = PoolRecord {
            pool_id,
            total_capacity: reader.u64("total_capacity")?,
            held_capacity: reader.u64("held_capacity")?,
            consumed_capacity: reader.u64("consumed_capacity")?,
        };
        state
            .pools
            .insert(pool_id, record)
            .expect("count was checked, ids are unique");
    }
    Ok(())
}

fn decode_hold_record(reader: &mut Reader<'_>) -> Result<HoldRecord, SnapshotError> {
    Ok(HoldRecord {
        hold_id: HoldId(reader.u128("hold_id")?),
        pool_id: PoolId(reader.u128("hold pool_id")?),
        quantity: reader.u64("quantity")?,
        deadline_slot: Slot(reader.u64("deadline_slot")?),
        state: hold_state(reader.u8("hold state")?)?,
        retire_after_slot: option_u64(reader, "hold retire_after_slot")?.map(Slot),
    })
}

fn decode_holds(reader: &mut Reader<'_>, state: &mut StateMachine) -> Result<(), SnapshotError> {
    let total = count(reader, "hold", state.config.max_holds, MIN_HOLD_LEN)?;
    let mut previous = None;
    let mut retiring = Vec::with_capacity(total as usize);
    for _ in 0..total {
        let record = decode_hold_record(reader)?;
        let hold_id = record.hold_id;
        if previous.is_some_and(|previous| previous >= hold_id) {
            return Err(SnapshotError::UnsortedIds { table: "hold" });
        }
        previous = Some(hold_id);
        if record.state == HoldState::Held {
            if !state.expiry.has_room(record.deadline_slot) {
                return Err(SnapshotError::ExpiryBucketFull { hold_id });
            }
            state.expiry.insert(record.deadline_slot, hold_id);
        }
        if let Some(slot) = record.retire_after_slot {
            retiring.push((slot, hold_id));
        }
        state
            .holds
            .insert(hold_id, record)
            .expect("count was checked, ids are unique");
    }
    retiring.sort_unstable();
    for (slot, hold_id) in retiring {
        state
            .hold_retire
            .push(hold_id, slot.get())
            .map_err(|_| SnapshotError::Invariant(InvariantError::HoldQueue))?;
    }
    Ok(())
}

fn decode_operation(reader: &mut Reader<'_>) -> Result<OperationRecord, SnapshotError> {
    let operation_id = OperationId(reader.u128("operation_id")?);
    let fingerprint = reader.u128("fingerprint")?;
    let outcome = CommandOutcome {
        result_code: result_code(reader.u8("result code")?)?,
        hold_id: option_u128(reader, "outcome hold_id")?.map(HoldId),
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
    decode_pools(&mut reader, &mut state)?;
    decode_holds(&mut reader, &mut state)?;
    decode_operations(&mut reader, &mut state)?;
    reader.finish()?;
    state
        .validate_invariants()
        .map_err(SnapshotError::Invariant)?;
    Ok(state)
}
