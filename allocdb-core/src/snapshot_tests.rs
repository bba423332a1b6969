use super::*;
use crate::command::{ClientRequest, Command, CommandContext, InternalCommand};
use crate::config::Config;
use crate::ids::ClientId;
use crate::ids::{HolderId, Lsn, OperationId, Slot};
use proptest::prelude::*;

/// A state with every kind of record: resources in every state, leases in several states
/// (one retired, one terminal and still readable), operations, and a watermark.
pub(super) fn busy_state() -> StateMachine {
    let mut sm = StateMachine::new(Config::small());
    let mut lsn = 0;
    let mut apply = |sm: &mut StateMachine, slot: u64, command: Command| {
        lsn += 1;
        let request = ClientRequest {
            operation_id: OperationId(lsn.into()),
            client_id: ClientId(3),
            command,
        };
        sm.apply_client(
            CommandContext {
                lsn: Lsn(lsn),
                request_slot: Slot(slot),
            },
            &request,
        )
    };
    for id in 1..=6 {
        apply(
            &mut sm,
            0,
            Command::CreateResource {
                resource_id: ResourceId(id),
            },
        );
    }
    let reserve = |ids: &[u128]| Command::ReserveBundle {
        resource_ids: ids.iter().copied().map(ResourceId).collect(),
        holder_id: HolderId(9),
        ttl_slots: 5,
    };
    let release = |lease_id| Command::Release {
        lease_id,
        holder_id: HolderId(9),
        lease_epoch: 1,
    };
    let first = apply(&mut sm, 1, reserve(&[1])).lease_id.unwrap();
    apply(&mut sm, 1, release(first));
    let active = apply(&mut sm, 7, reserve(&[2, 3])).lease_id.unwrap();
    apply(&mut sm, 7, Command::confirm(active, HolderId(9), 1));
    let revoking = apply(&mut sm, 7, reserve(&[4])).lease_id.unwrap();
    apply(
        &mut sm,
        7,
        Command::Activate {
            lease_id: revoking,
            holder_id: HolderId(9),
            lease_epoch: 1,
        },
    );
    apply(&mut sm, 7, Command::Revoke { lease_id: revoking });
    apply(&mut sm, 8, reserve(&[6, 5]));
    apply(&mut sm, 8, reserve(&[]));
    let released = apply(&mut sm, 8, reserve(&[1])).lease_id.unwrap();
    apply(&mut sm, 8, release(released));
    lsn += 1;
    let noop = InternalCommand::Expire {
        lease_id: LeaseId(1),
        deadline_slot: Slot(1),
    };
    sm.apply_internal(
        CommandContext {
            lsn: Lsn(lsn),
            request_slot: Slot(8),
        },
        &noop,
    );
    assert!(sm.retired_lease_watermark().is_some());
    sm
}

#[test]
fn snapshot_round_trips_exactly() {
    let state = busy_state();
    let bytes = encode_snapshot(&state);
    let decoded = decode_snapshot(&bytes, &Config::small()).unwrap();
    assert_eq!(decoded.dump(), state.dump());
    assert_eq!(encode_snapshot(&decoded), bytes);
    assert_eq!(
        decoded.due_expirations(Slot(u64::MAX), 10),
        state.due_expirations(Slot(u64::MAX), 10)
    );
    assert_eq!(&bytes[..4], b"ALSN");
}

#[test]
fn empty_state_round_trips() {
    let state = StateMachine::new(Config::small());
    let bytes = encode_snapshot(&state);
    assert_eq!(bytes.len(), SNAPSHOT_HEADER_LEN + 1 + 4 * 3);
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap().dump(),
        state.dump()
    );
}

#[test]
fn header_errors_are_typed() {
    let mut bytes = encode_snapshot(&busy_state());
    bytes[0] ^= 1;
    assert!(matches!(
        decode_snapshot(&bytes, &Config::small()),
        Err(SnapshotError::BadMagic { .. })
    ));
    let mut bytes = encode_snapshot(&busy_state());
    bytes[4] = 3;
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap_err(),
        SnapshotError::UnsupportedVersion { found: 3 }
    );
    let mut bytes = encode_snapshot(&busy_state());
    bytes.push(0);
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap_err(),
        SnapshotError::Decode(DecodeError::TrailingBytes { count: 1 })
    );
}

#[test]
fn each_decoder_takes_only_its_version() {
    let current = encode_snapshot(&busy_state());
    assert_eq!(&current[SNAPSHOT_VERSION_OFFSET..][..2], &[2, 0]);
    let mut legacy = current.clone();
    legacy[SNAPSHOT_VERSION_OFFSET..][..2].copy_from_slice(&LEGACY_SNAPSHOT_VERSION.to_le_bytes());
    let config = Config::small();
    assert_eq!(
        decode_legacy_snapshot(&legacy, &config).unwrap().dump(),
        busy_state().dump()
    );
    assert_eq!(
        decode_snapshot(&legacy, &config).unwrap_err(),
        SnapshotError::UnsupportedVersion { found: 1 }
    );
    assert_eq!(
        decode_legacy_snapshot(&current, &config).unwrap_err(),
        SnapshotError::UnsupportedVersion { found: 2 }
    );
    // Without a footer, consuming every byte is part of what admits a legacy snapshot.
    legacy.push(0);
    assert_eq!(
        decode_legacy_snapshot(&legacy, &config).unwrap_err(),
        SnapshotError::Decode(DecodeError::TrailingBytes { count: 1 })
    );
    let file_bytes = (current.len() + runtime::snapshot_file::FOOTER_LEN) as u64;
    assert!(file_bytes <= max_snapshot_file_len(&config));
}

#[test]
fn counts_are_checked_against_config_and_bytes() {
    let bytes = encode_snapshot(&busy_state());
    let mut config = Config::small();
    config.max_resources = 5;
    config.max_bundle_size = 4;
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::CountAboveCapacity {
            table: "resource",
            count: 6,
            capacity: 5
        }
    );
    let empty = encode_snapshot(&StateMachine::new(Config::small()));
    let mut huge = empty[..=SNAPSHOT_HEADER_LEN].to_vec();
    huge.extend_from_slice(&64_u32.to_le_bytes());
    assert_eq!(
        decode_snapshot(&huge, &Config::small()).unwrap_err(),
        SnapshotError::CountAboveBytes {
            table: "resource",
            count: 64,
            remaining: 0
        }
    );
}

#[test]
fn duplicate_ids_are_rejected() {
    let mut state = StateMachine::new(Config::small());
    let request = |id| ClientRequest {
        operation_id: OperationId(id),
        client_id: ClientId(1),
        command: Command::CreateResource {
            resource_id: ResourceId(id),
        },
    };
    for id in 1..=2 {
        state.apply_client(
            CommandContext {
                lsn: Lsn(id.try_into().unwrap()),
                request_slot: Slot(0),
            },
            &request(id),
        );
    }
    let mut bytes = encode_snapshot(&state);
    let first = SNAPSHOT_HEADER_LEN + 1 + 4;
    let second = first + MIN_RESOURCE_LEN;
    bytes[second..second + 16].copy_from_slice(&1_u128.to_le_bytes());
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap_err(),
        SnapshotError::UnsortedIds { table: "resource" }
    );
}

#[test]
fn bad_enum_values_and_broken_invariants_are_rejected() {
    let mut state = StateMachine::new(Config::small());
    let request = ClientRequest {
        operation_id: OperationId(1),
        client_id: ClientId(1),
        command: Command::CreateResource {
            resource_id: ResourceId(1),
        },
    };
    state.apply_client(
        CommandContext {
            lsn: Lsn(1),
            request_slot: Slot(0),
        },
        &request,
    );
    let bytes = encode_snapshot(&state);
    let state_at = SNAPSHOT_HEADER_LEN + 1 + 4 + 16;
    let mut bad_state = bytes.clone();
    bad_state[state_at] = 9;
    assert_eq!(
        decode_snapshot(&bad_state, &Config::small()).unwrap_err(),
        SnapshotError::BadValue {
            field: "resource state",
            value: 9
        }
    );
    let mut reserved_without_lease = bytes.clone();
    reserved_without_lease[state_at] = 1;
    assert_eq!(
        decode_snapshot(&reserved_without_lease, &Config::small()).unwrap_err(),
        SnapshotError::Invariant(InvariantError::ResourceLeaseMismatch {
            resource_id: ResourceId(1)
        })
    );
    let mut bad_flag = bytes;
    bad_flag[SNAPSHOT_HEADER_LEN] = 2;
    assert_eq!(
        decode_snapshot(&bad_flag, &Config::small()).unwrap_err(),
        SnapshotError::BadValue {
            field: "retired_lease_watermark",
            value: 2
        }
    );
}

#[test]
fn errors_display() {
    let errors = [
        SnapshotError::Decode(DecodeError::TrailingBytes { count: 1 }),
        SnapshotError::BadMagic { found: 1 },
        SnapshotError::UnsupportedVersion { found: 1 },
        SnapshotError::CountAboveCapacity {
            table: "x",
            count: 1,
            capacity: 0,
        },
        SnapshotError::CountAboveBytes {
            table: "x",
            count: 1,
            remaining: 0,
        },
        SnapshotError::BadValue {
            field: "x",
            value: 1,
        },
        SnapshotError::UnsortedIds { table: "x" },
        SnapshotError::ExpiryBucketFull {
            lease_id: LeaseId(1),
        },
        SnapshotError::Invariant(InvariantError::LeaseQueue),
    ];
    for error in errors {
        assert!(error.to_string().starts_with("snapshot: "));
    }
}

#[test]
fn every_truncation_and_bit_flip_is_an_error_or_a_valid_state() {
    let bytes = encode_snapshot(&busy_state());
    for cut in 0..bytes.len() {
        assert!(
            decode_snapshot(&bytes[..cut], &Config::small()).is_err(),
            "cut {cut}"
        );
    }
    for bit in 0..bytes.len() * 8 {
        let mut flipped = bytes.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        if let Ok(state) = decode_snapshot(&flipped, &Config::small()) {
            state.validate_invariants().unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn decoding_arbitrary_bytes_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_snapshot(&tail, &Config::small());
        let mut prefixed = encode_snapshot(&StateMachine::new(Config::small()))[..SNAPSHOT_HEADER_LEN].to_vec();
        prefixed.extend_from_slice(&tail);
        if let Ok(state) = decode_snapshot(&prefixed, &Config::small()) {
            state.validate_invariants().unwrap();
        }
    }
}
