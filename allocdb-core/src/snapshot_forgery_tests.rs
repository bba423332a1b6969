//! Forged snapshots: the file footer's checksum catches damage, not forgery (a forger writes
//! a matching footer), and version-1 files have no footer at all, so decode is the gate of
//! what a state may hold: whatever it admits must keep `apply` panic-free. A panic in apply
//! would recur on every replay of the frame that triggered it.

use super::tests::busy_state;
use super::*;
use crate::command::{ClientRequest, Command, CommandContext, InternalCommand};
use crate::config::Config;
use crate::ids::{ClientId, HolderId, Lsn, OperationId, Slot};
use crate::state_machine::LeaseState;

fn at(lsn: u64, slot: u64) -> CommandContext {
    CommandContext {
        lsn: Lsn(lsn),
        request_slot: Slot(slot),
    }
}

/// At the state's last slot and at two later slots (one past every window), expires what is
/// due (as the handle's tick does), then reserves every resource, drives every lease through
/// every command (and an internal `Expire`), and retries every stored operation id. Panics
/// only if apply (or its debug invariant check) does.
fn exercise_every_record(mut state: StateMachine) {
    let dump = state.dump();
    let config = *state.config();
    let last = state.last_request_slot().get();
    let far = config.max_client_retry_window_slots + config.lease_history_window_slots + 1;
    let mut lsn = state.last_applied_lsn().get();
    let mut next_lsn = move || {
        lsn = lsn.checked_add(1)?;
        Some(lsn)
    };
    let mut fresh = 1_u128 << 100;
    for slot in [last, last.saturating_add(1), last.saturating_add(far)] {
        for command in state.due_expirations(Slot(slot), usize::MAX) {
            let Some(lsn) = next_lsn() else { return };
            state.apply_internal(at(lsn, slot), &command);
        }
        let mut commands = Vec::new();
        for resource in &dump.resources {
            let resource_id = resource.resource_id;
            commands.push(Command::CreateResource { resource_id });
            commands.push(Command::reserve(resource_id, HolderId(9), 1));
        }
        for lease in &dump.leases {
            let (lease_id, holder_id) = (lease.record.lease_id, lease.record.holder_id);
            let epoch = lease.record.lease_epoch;
            commands.extend([
                Command::confirm(lease_id, holder_id, epoch),
                Command::Revoke { lease_id },
                Command::Reclaim { lease_id },
                Command::Release {
                    lease_id,
                    holder_id,
                    lease_epoch: epoch.wrapping_add(1),
                },
            ]);
            let expire = InternalCommand::Expire {
                lease_id,
                deadline_slot: lease.record.deadline_slot,
            };
            let Some(lsn) = next_lsn() else { return };
            state.apply_internal(at(lsn, slot), &expire);
        }
        let fresh_requests = commands.into_iter().map(|command| {
            fresh += 1;
            (fresh, command)
        });
        let retries = dump.operations.iter().map(|record| {
            let command = Command::Revoke {
                lease_id: LeaseId(1),
            };
            (record.operation_id.get(), command)
        });
        for (operation_id, command) in fresh_requests
            .collect::<Vec<_>>()
            .into_iter()
            .chain(retries)
        {
            let Some(lsn) = next_lsn() else { return };
            let request = ClientRequest {
                operation_id: OperationId(operation_id),
                client_id: ClientId(3),
                command,
            };
            state.apply_client(at(lsn, slot), &request);
        }
    }
}

#[test]
fn every_admitted_field_value_keeps_apply_panic_free() {
    // A forged payload gets a valid footer: decode is its only gate. Whatever decode admits,
    // later frames must apply without a panic (a panic would recur on every replay of the
    // frame that triggered it). Words are forged with small and huge values, and 16-byte
    // windows with ids the snapshot already uses (a repeated member, a borrowed lease id).
    let state = busy_state();
    let bytes = encode_snapshot(&state);
    let dump = state.dump();
    let ids: Vec<u128> = (dump.resources.iter().map(|r| r.resource_id.get()))
        .chain(dump.leases.iter().map(|l| l.record.lease_id.get()))
        .collect();
    let mut forgeries: Vec<Vec<u8>> = [0, 1, u64::MAX, u64::MAX / 2]
        .iter()
        .map(|value: &u64| value.to_le_bytes().to_vec())
        .collect();
    forgeries.extend(ids.iter().map(|id| id.to_le_bytes().to_vec()));
    for position in 0..bytes.len() {
        for value in &forgeries {
            let mut forged = bytes.clone();
            let end = (position + value.len()).min(forged.len());
            forged[position..end].copy_from_slice(&value[..end - position]);
            if let Ok(state) = decode_snapshot(&forged, &Config::small()) {
                exercise_every_record(state);
            }
        }
    }
}

/// Re-encodes the busy state after `forge` edits its records, and decodes the bytes.
fn decode_forged(forge: impl FnOnce(&mut StateMachine)) -> Result<StateMachine, SnapshotError> {
    let mut state = busy_state();
    forge(&mut state);
    decode_snapshot(&encode_snapshot(&state), &Config::small())
}

fn lease_in(state: &StateMachine, wanted: LeaseState) -> LeaseId {
    let dump = state.dump();
    let lease = dump
        .leases
        .iter()
        .find(|lease| lease.record.state == wanted);
    lease
        .expect("the busy state has a lease in every needed state")
        .record
        .lease_id
}

#[test]
fn retire_slots_beyond_their_windows_are_not_admitted() {
    // Either would put the next push to its retire queue out of order.
    let config = Config::small();
    let last = busy_state().last_request_slot().get();
    let op_window = config.max_client_retry_window_slots;
    let operation_id = OperationId(1);
    for (retire, admitted) in [
        (last, true),
        (last + op_window, true),
        (last - 1, false),
        (last + op_window + 1, false),
        (u64::MAX, false),
    ] {
        let decoded = decode_forged(|state| {
            let record = state.operations.get_mut(operation_id).unwrap();
            record.retire_after_slot = Slot(retire);
        });
        match decoded {
            Ok(_) => assert!(admitted, "operation retire slot {retire}"),
            Err(error) => {
                assert!(!admitted, "operation retire slot {retire}");
                let expected = InvariantError::OperationRecord { operation_id };
                assert_eq!(error, SnapshotError::Invariant(expected));
            }
        }
    }
    let lease_id = lease_in(&busy_state(), LeaseState::Released);
    let history = config.lease_history_window_slots;
    for (retire, admitted) in [
        (last + history, true),
        (last - 1, false),
        (last + history + 1, false),
        (u64::MAX, false),
    ] {
        let decoded = decode_forged(|state| {
            let record = &mut state.leases.get_mut(lease_id).unwrap().record;
            record.retire_after_slot = Some(Slot(retire));
        });
        match decoded {
            Ok(_) => assert!(admitted, "lease retire slot {retire}"),
            Err(error) => {
                assert!(!admitted, "lease retire slot {retire}");
                let expected = InvariantError::TerminalFields { lease_id };
                assert_eq!(error, SnapshotError::Invariant(expected));
            }
        }
    }
}

#[test]
fn a_lease_listing_a_resource_twice_is_not_admitted() {
    // Lease [2, 3] forged to [2, 2]: the counts still balance (resource 3 names the lease), and
    // releasing it would leave resource 3 pointing at a terminal lease.
    let state = busy_state();
    let lease_id = lease_in(&state, LeaseState::Active);
    assert_eq!(
        state.lease_members(lease_id).unwrap(),
        [ResourceId(2), ResourceId(3)]
    );
    let mut bytes = encode_snapshot(&state);
    let members = [2_u128.to_le_bytes(), 3_u128.to_le_bytes()].concat();
    let at = bytes
        .windows(32)
        .position(|window| window == members)
        .unwrap();
    bytes[at + 16..at + 32].copy_from_slice(&2_u128.to_le_bytes());
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap_err(),
        SnapshotError::Invariant(InvariantError::RepeatedMember {
            lease_id,
            resource_id: ResourceId(2)
        })
    );
}

#[test]
fn impossible_deadlines_and_watermarks_are_not_admitted() {
    let config = Config::small();
    let state = busy_state();
    let (last_slot, last_lsn) = (state.last_request_slot().get(), state.last_applied_lsn());
    let lease_id = lease_in(&state, LeaseState::Reserved);
    for (deadline, admitted) in [(last_slot + config.max_ttl_slots, true), (u64::MAX, false)] {
        let decoded = decode_forged(|state| {
            state.leases.get_mut(lease_id).unwrap().record.deadline_slot = Slot(deadline);
        });
        assert_eq!(decoded.is_ok(), admitted, "deadline {deadline}");
        if !admitted {
            let expected = InvariantError::DeadlineBeyondTtl { lease_id };
            assert_eq!(decoded.unwrap_err(), SnapshotError::Invariant(expected));
        }
    }
    let shard = config.shard_id;
    for (watermark, admitted) in [
        (LeaseId::for_lsn(shard, last_lsn), true),
        (LeaseId::for_lsn(shard, Lsn(last_lsn.get() + 1)), false),
        (LeaseId::for_lsn(shard, Lsn(0)), false),
        (LeaseId(u128::MAX), false),
    ] {
        let decoded = decode_forged(|state| state.retired_lease_watermark = Some(watermark));
        assert_eq!(decoded.is_ok(), admitted, "watermark {watermark}");
        if !admitted {
            let expected = InvariantError::Watermark { watermark };
            assert_eq!(decoded.unwrap_err(), SnapshotError::Invariant(expected));
        }
    }
}
