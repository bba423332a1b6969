//! Snapshot decoding (the layout is documented in `snapshot.rs`): every count is checked
//! against the config and the bytes left before anything is allocated, ids must be strictly
//! increasing (no duplicates), and the rebuilt state must pass every invariant.

use crate::command_codec::{Reader, resource_ids};
use crate::config::Config;
use crate::ids::{HolderId, LeaseId, Lsn, OperationId, ResourceId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::snapshot::{
    LEGACY_SNAPSHOT_VERSION, MIN_LEASE_LEN, MIN_OPERATION_LEN, MIN_RESOURCE_LEN, SNAPSHOT_MAGIC,
    SNAPSHOT_VERSION, SnapshotError,
};
use crate::state_machine::{
    LeaseEntry, LeaseRecord, LeaseState, OperationRecord, ResourceRecord, ResourceState,
    StateMachine,
};
use crate::state_machine_invariants::InvariantError;

fn bad(field: &'static str, value: u8) -> SnapshotError {
    SnapshotError::BadValue { field, value }
}

fn resource_state(value: u8) -> Result<ResourceState, SnapshotError> {
    Ok(match value {
        0 => ResourceState::Available,
        1 => ResourceState::Reserved,
        2 => ResourceState::Active,
        3 => ResourceState::Revoking,
        _ => return Err(bad("resource state", value)),
    })
}

fn lease_state(value: u8) -> Result<LeaseState, SnapshotError> {
    Ok(match value {
        0 => LeaseState::Reserved,
        1 => LeaseState::Active,
        2 => LeaseState::Revoking,
        3 => LeaseState::Released,
        4 => LeaseState::Expired,
        5 => LeaseState::Revoked,
        _ => return Err(bad("lease state", value)),
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

fn decode_resources(
    reader: &mut Reader<'_>,
    state: &mut StateMachine,
) -> Result<(), SnapshotError> {
    let total = count(
        reader,
        "resource",
        state.config.max_resources,
        MIN_RESOURCE_LEN,
    )?;
    let mut previous = None;
    for _ in 0..total {
        let resource_id = ResourceId(reader.u128("resource_id")?);
        if previous.is_some_and(|previous| previous >= resource_id) {
            return Err(SnapshotError::UnsortedIds { table: "resource" });
        }
        previous = Some(resource_id);
        let record = ResourceRecord {
            resource_id,
            state: resource_state(reader.u8("resource state")?)?,
            current_lease_id: option_u128(reader, "current_lease_id")?.map(LeaseId),
            version: reader.u64("resource version")?,
        };
        state
            .resources
            .insert(resource_id, record)
            .expect("count was checked, ids are unique");
    }
    Ok(())
}

fn decode_lease_record(reader: &mut Reader<'_>) -> Result<LeaseRecord, SnapshotError> {
    Ok(LeaseRecord {
        lease_id: LeaseId(reader.u128("lease_id")?),
        holder_id: HolderId(reader.u128("holder_id")?),
        state: lease_state(reader.u8("lease state")?)?,
        lease_epoch: reader.u64("lease_epoch")?,
        created_lsn: Lsn(reader.u64("created_lsn")?),
        deadline_slot: Slot(reader.u64("deadline_slot")?),
        released_lsn: option_u64(reader, "released_lsn")?.map(Lsn),
        retire_after_slot: option_u64(reader, "retire_after_slot")?.map(Slot),
        member_count: reader.u32("member_count")?,
    })
}

fn decode_leases(reader: &mut Reader<'_>, state: &mut StateMachine) -> Result<(), SnapshotError> {
    let total = count(reader, "lease", state.config.max_leases, MIN_LEASE_LEN)?;
    let mut previous = None;
    let mut retiring = Vec::new();
    let mut members = Vec::with_capacity(state.config.max_bundle_size as usize);
    for _ in 0..total {
        let record = decode_lease_record(reader)?;
        let lease_id = record.lease_id;
        if previous.is_some_and(|previous| previous >= lease_id) {
            return Err(SnapshotError::UnsortedIds { table: "lease" });
        }
        previous = Some(lease_id);
        let capacity = state.config.max_bundle_size.min(state.members.free());
        if record.member_count > capacity {
            return Err(SnapshotError::CountAboveCapacity {
                table: "lease member",
                count: u64::from(record.member_count),
                capacity: u64::from(capacity),
            });
        }
        let bytes = reader.take("members", record.member_count as usize * 16)?;
        members.clear();
        members.extend(resource_ids(bytes));
        if record.state == LeaseState::Reserved {
            if !state.expiry.has_room(record.deadline_slot) {
                return Err(SnapshotError::ExpiryBucketFull { lease_id });
            }
            state.expiry.insert(record.deadline_slot, lease_id);
        }
        if let Some(slot) = record.retire_after_slot {
            retiring.push((slot, lease_id));
        }
        let member_head = state.members.push_list(&members);
        let entry = LeaseEntry {
            record,
            member_head,
        };
        state
            .leases
            .insert(lease_id, entry)
            .expect("count was checked, ids are unique");
    }
    retiring.sort_unstable();
    for (slot, lease_id) in retiring {
        state
            .lease_retire
            .push(lease_id, slot.get())
            .map_err(|_| SnapshotError::Invariant(InvariantError::LeaseQueue))?;
    }
    Ok(())
}

fn decode_operation(reader: &mut Reader<'_>) -> Result<OperationRecord, SnapshotError> {
    let operation_id = OperationId(reader.u128("operation_id")?);
    let fingerprint = reader.u128("fingerprint")?;
    let outcome = CommandOutcome {
        result_code: result_code(reader.u8("result code")?)?,
        lease_id: option_u128(reader, "outcome lease_id")?.map(LeaseId),
        lease_epoch: option_u64(reader, "outcome lease_epoch")?,
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
        retiring.push((record.retire_after_slot, record.operation_id));
        state
            .operations
            .insert(record.operation_id, record)
            .expect("count was checked");
    }
    retiring.sort_unstable();
    for (slot, operation_id) in retiring {
        state
            .operation_retire
            .push(operation_id, slot.get())
            .map_err(|_| SnapshotError::Invariant(InvariantError::OperationQueue))?;
    }
    Ok(())
}

/// Decodes a current (version 2) snapshot for `config`, admitting it only if every byte is
/// consumed and every invariant holds. `bytes` is the payload the file footer vouched for.
///
/// # Errors
/// Any [`SnapshotError`]; never panics on any input.
///
/// # Panics
/// If `config` itself is invalid (callers validate it first).
pub fn decode_snapshot(bytes: &[u8], config: &Config) -> Result<StateMachine, SnapshotError> {
    decode_version(bytes, config, SNAPSHOT_VERSION)
}

/// Decodes a version-1 snapshot (a file written before the footer existed: the snapshot bytes
/// alone) under the same rules; with no checksum, consuming every byte and passing every
/// invariant is all that admits it.
///
/// # Errors
/// Any [`SnapshotError`]; `UnsupportedVersion` for anything but version 1.
///
/// # Panics
/// If `config` itself is invalid (callers validate it first).
pub fn decode_legacy_snapshot(
    bytes: &[u8],
    config: &Config,
) -> Result<StateMachine, SnapshotError> {
    decode_version(bytes, config, LEGACY_SNAPSHOT_VERSION)
}

fn decode_version(
    bytes: &[u8],
    config: &Config,
    expected_version: u16,
) -> Result<StateMachine, SnapshotError> {
    let mut reader = Reader::new(bytes);
    let magic = reader.u32("snapshot magic")?;
    if magic != SNAPSHOT_MAGIC {
        return Err(SnapshotError::BadMagic { found: magic });
    }
    let version = u16::from_le_bytes([
        reader.u8("snapshot version")?,
        reader.u8("snapshot version")?,
    ]);
    if version != expected_version {
        return Err(SnapshotError::UnsupportedVersion { found: version });
    }
    let mut state = StateMachine::new(*config);
    state.last_applied_lsn = Lsn(reader.u64("last_applied_lsn")?);
    state.last_request_slot = Slot(reader.u64("last_request_slot")?);
    state.retired_lease_watermark =
        option_u128(&mut reader, "retired_lease_watermark")?.map(LeaseId);
    decode_resources(&mut reader, &mut state)?;
    decode_leases(&mut reader, &mut state)?;
    decode_operations(&mut reader, &mut state)?;
    reader.finish()?;
    state
        .validate_invariants()
        .map_err(SnapshotError::Invariant)?;
    Ok(state)
}
