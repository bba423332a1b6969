use super::*;
use crate::command::{ClientRequest, Command, CommandContext, InternalCommand};
use crate::ids::{ClientId, Lsn, OperationId, PoolId, Slot};
use proptest::prelude::*;

fn ctx(lsn: u64, slot: u64) -> CommandContext {
    CommandContext {
        lsn: Lsn(lsn),
        request_slot: Slot(slot),
    }
}

/// A state with every kind of record: pools, holds in every state (one retired), operations
/// with hold outcomes and refusals.
fn busy_state() -> StateMachine {
    let mut sm = StateMachine::new(Config::small());
    let mut lsn = 0;
    let mut apply = |sm: &mut StateMachine, slot: u64, command: Command| {
        lsn += 1;
        let request = ClientRequest {
            operation_id: OperationId(lsn.into()),
            client_id: ClientId(3),
            command,
        };
        sm.apply_client(ctx(lsn, slot), &request)
    };
    let place = |hold: u128, quantity: u64, ttl: u64| Command::PlaceHold {
        hold_id: HoldId(hold),
        pool_id: PoolId(1),
        quantity,
        ttl_slots: ttl,
    };
    for (id, total) in [(1, 100), (2, 0)] {
        apply(
            &mut sm,
            0,
            Command::CreatePool {
                pool_id: PoolId(id),
                total_capacity: total,
            },
        );
    }
    apply(&mut sm, 0, place(1, 5, 2));
    apply(&mut sm, 0, Command::ReleaseHold { hold_id: HoldId(1) });
    apply(&mut sm, 8, place(2, 7, 5));
    apply(&mut sm, 8, Command::ConfirmHold { hold_id: HoldId(2) });
    apply(&mut sm, 8, place(3, 9, 5));
    apply(&mut sm, 8, Command::ReleaseHold { hold_id: HoldId(3) });
    apply(&mut sm, 8, place(4, 11, 1));
    apply(&mut sm, 8, place(5, 13, 16));
    apply(&mut sm, 8, place(6, 1, 16));
    apply(&mut sm, 8, place(7, 0, 16));
    lsn += 1;
    let expire = InternalCommand::ExpireHold { hold_id: HoldId(4) };
    sm.apply_internal(ctx(lsn, 9), &expire);
    assert_eq!(
        sm.get_hold(HoldId(1)),
        Err(crate::state_machine::HoldLookupError::HoldNotFound)
    );
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
    let queued: Vec<_> = decoded.operation_retire.iter().collect();
    let live: Vec<_> = state.operation_retire.iter().collect();
    assert_eq!(
        queued, live,
        "the operation queue is rebuilt in applied order"
    );
    assert_eq!(&bytes[..4], b"RSSN");
    assert!(bytes.len() as u64 + 16 <= max_snapshot_file_len(&Config::small()));
}

#[test]
fn empty_state_round_trips() {
    let state = StateMachine::new(Config::small());
    let bytes = encode_snapshot(&state);
    assert_eq!(bytes.len(), SNAPSHOT_HEADER_LEN + 4 * 3);
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap().dump(),
        state.dump()
    );
}

#[test]
fn full_tables_fit_the_computed_limit() {
    let mut config = Config::small();
    config.max_pools = 2;
    config.max_holds = 3;
    config.max_operations = 3;
    config.max_expiration_bucket_len = 3;
    config.max_snapshot_bytes = max_snapshot_file_len(&config);
    let mut sm = StateMachine::new(config);
    let commands = [
        Command::CreatePool {
            pool_id: PoolId(1),
            total_capacity: 9,
        },
        Command::PlaceHold {
            hold_id: HoldId(1),
            pool_id: PoolId(1),
            quantity: 1,
            ttl_slots: 5,
        },
        Command::ConfirmHold { hold_id: HoldId(1) },
    ];
    for (lsn, command) in (1..).zip(commands) {
        let request = ClientRequest {
            operation_id: OperationId(u128::from(lsn)),
            client_id: ClientId(1),
            command,
        };
        sm.apply_client(ctx(lsn, 0), &request);
    }
    let bytes = encode_snapshot(&sm);
    assert!((bytes.len() + 16) as u64 <= config.max_snapshot_bytes);
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
    bytes[4] = 2;
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap_err(),
        SnapshotError::UnsupportedVersion { found: 2 }
    );
    let mut bytes = encode_snapshot(&busy_state());
    bytes.push(0);
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap_err(),
        SnapshotError::Decode(DecodeError::TrailingBytes { count: 1 })
    );
}

#[test]
fn counts_are_checked_against_config_and_bytes() {
    let bytes = encode_snapshot(&busy_state());
    let mut config = Config::small();
    config.max_pools = 1;
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::CountAboveCapacity {
            table: "pool",
            count: 2,
            capacity: 1
        }
    );
    let empty = encode_snapshot(&StateMachine::new(Config::small()));
    let mut huge = empty[..SNAPSHOT_HEADER_LEN].to_vec();
    huge.extend_from_slice(&8_u32.to_le_bytes());
    assert_eq!(
        decode_snapshot(&huge, &Config::small()).unwrap_err(),
        SnapshotError::CountAboveBytes {
            table: "pool",
            count: 8,
            remaining: 0
        }
    );
}

#[test]
fn duplicate_ids_are_rejected() {
    let mut bytes = encode_snapshot(&busy_state());
    let second = SNAPSHOT_HEADER_LEN + 4 + POOL_LEN;
    bytes[second..second + 16].copy_from_slice(&1_u128.to_le_bytes());
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap_err(),
        SnapshotError::UnsortedIds { table: "pool" }
    );
}

#[test]
fn bad_values_and_broken_invariants_are_rejected() {
    let bytes = encode_snapshot(&busy_state());
    let first_hold = SNAPSHOT_HEADER_LEN + 4 + 2 * POOL_LEN + 4;
    let state_at = first_hold + 16 + 16 + 8 + 8;
    let mut bad_state = bytes.clone();
    bad_state[state_at] = 9;
    assert_eq!(
        decode_snapshot(&bad_state, &Config::small()).unwrap_err(),
        SnapshotError::BadValue {
            field: "hold state",
            value: 9
        }
    );
    let mut held_pool = bytes.clone();
    let held_at = SNAPSHOT_HEADER_LEN + 4 + 16 + 8;
    held_pool[held_at] ^= 1;
    assert!(matches!(
        decode_snapshot(&held_pool, &Config::small()).unwrap_err(),
        SnapshotError::Invariant(InvariantError::HeldMismatch { .. })
    ));
    let mut bad_flag = bytes;
    bad_flag[state_at + 1] = 2;
    assert_eq!(
        decode_snapshot(&bad_flag, &Config::small()).unwrap_err(),
        SnapshotError::BadValue {
            field: "hold retire_after_slot",
            value: 2
        }
    );
}

#[test]
fn a_full_expiry_bucket_is_rejected() {
    let bytes = encode_snapshot(&busy_state());
    let mut config = Config::small();
    config.max_ttl_slots = 30;
    config.max_expiration_bucket_len = 1;
    // Holds 5 and 6 share deadline 24.
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::ExpiryBucketFull { hold_id: HoldId(6) }
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
        SnapshotError::ExpiryBucketFull { hold_id: HoldId(1) },
        SnapshotError::Invariant(InvariantError::HoldQueue),
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

/// Pool 1, hold 1 placed and released at slot 5 (three operations).
fn released_hold() -> StateMachine {
    let mut sm = StateMachine::new(Config::small());
    let commands = [
        Command::CreatePool {
            pool_id: PoolId(1),
            total_capacity: 10,
        },
        Command::PlaceHold {
            hold_id: HoldId(1),
            pool_id: PoolId(1),
            quantity: 2,
            ttl_slots: 3,
        },
        Command::ReleaseHold { hold_id: HoldId(1) },
    ];
    for (lsn, command) in (1_u64..).zip(commands) {
        let request = ClientRequest {
            operation_id: OperationId(lsn.into()),
            client_id: ClientId(3),
            command,
        };
        sm.apply_client(ctx(lsn, 5), &request);
    }
    sm
}

#[test]
fn retire_slots_beyond_their_windows_are_not_admitted() {
    // Admitting one would make the next push to that retire queue go out of order: a panic in
    // apply, repeated by every replay of the frame that triggered it.
    let config = Config::small();
    let bytes = encode_snapshot(&released_hold());
    let op_retire_at = bytes.len() - 8;
    let op_window = config.max_client_retry_window_slots;
    assert_eq!(bytes[op_retire_at..], (5 + op_window).to_le_bytes());
    let hold_retire_at = SNAPSHOT_HEADER_LEN + 4 + POOL_LEN + 4 + MIN_HOLD_LEN;
    let hold_window = config.hold_history_window_slots;
    assert_eq!(
        bytes[hold_retire_at..hold_retire_at + 8],
        (5 + hold_window).to_le_bytes()
    );
    let cases = [
        (op_retire_at, 5 + op_window, true),
        (op_retire_at, 6 + op_window, false),
        (op_retire_at, u64::MAX, false),
        (hold_retire_at, 5 + hold_window, true),
        (hold_retire_at, 6 + hold_window, false),
        (hold_retire_at, u64::MAX, false),
    ];
    for (at, retire, admitted) in cases {
        let mut forged = bytes.clone();
        forged[at..at + 8].copy_from_slice(&retire.to_le_bytes());
        let decoded = decode_snapshot(&forged, &config);
        assert_eq!(decoded.is_ok(), admitted, "offset {at}, retire {retire}");
        if !admitted {
            assert!(matches!(decoded, Err(SnapshotError::Invariant(_))));
        }
    }
}

/// At the state's last slot and at two later slots (one past every window), expires what is
/// due (as the handle's tick does), then places, confirms and releases holds on every pool,
/// touches every hold and retries every stored operation id. Panics only if apply (or its
/// debug invariant check) does.
fn exercise_every_record(mut state: StateMachine) {
    let dump = state.dump();
    let config = *state.config();
    let last = state.last_request_slot().get();
    let far = config.max_client_retry_window_slots + config.hold_history_window_slots + 1;
    let mut lsn = state.last_applied_lsn().get();
    let mut next_lsn = move || {
        lsn = lsn.checked_add(1)?;
        Some(lsn)
    };
    let mut fresh = 1_u128 << 100;
    for slot in [last, last.saturating_add(1), last.saturating_add(far)] {
        for command in state.due_expirations(Slot(slot), usize::MAX) {
            let Some(lsn) = next_lsn() else { return };
            state.apply_internal(ctx(lsn, slot), &command);
        }
        let mut commands = Vec::new();
        for pool in &dump.pools {
            fresh += 1;
            commands.push((
                fresh,
                Command::CreatePool {
                    pool_id: pool.pool_id,
                    total_capacity: 1,
                },
            ));
            commands.push((
                fresh + (1 << 90),
                Command::PlaceHold {
                    hold_id: HoldId(fresh),
                    pool_id: pool.pool_id,
                    quantity: 1,
                    ttl_slots: 1,
                },
            ));
        }
        for hold in &dump.holds {
            let hold_id = hold.hold_id;
            fresh += 1;
            commands.push((fresh, Command::ConfirmHold { hold_id }));
            fresh += 1;
            commands.push((fresh, Command::ReleaseHold { hold_id }));
            let expire = InternalCommand::ExpireHold { hold_id };
            let Some(lsn) = next_lsn() else { return };
            state.apply_internal(ctx(lsn, slot), &expire);
        }
        let retries = dump.operations.iter().map(|record| {
            let hold_id = HoldId(1);
            (record.operation_id.get(), Command::ConfirmHold { hold_id })
        });
        for (operation_id, command) in commands.into_iter().chain(retries) {
            let Some(lsn) = next_lsn() else { return };
            let request = ClientRequest {
                operation_id: OperationId(operation_id),
                client_id: ClientId(3),
                command,
            };
            state.apply_client(ctx(lsn, slot), &request);
        }
    }
}

#[test]
fn every_admitted_field_value_keeps_apply_panic_free() {
    // A snapshot behind a valid footer is trusted bytes only after decode admits it; whatever
    // it admits, later frames must apply without a panic (a panic would recur on every
    // replay of the frame that triggered it).
    let bytes = encode_snapshot(&busy_state());
    for at in 0..bytes.len() {
        for value in [0, 1, u64::MAX, u64::MAX / 2] {
            let mut forged = bytes.clone();
            let end = (at + 8).min(forged.len());
            forged[at..end].copy_from_slice(&value.to_le_bytes()[..end - at]);
            if let Ok(state) = decode_snapshot(&forged, &Config::small()) {
                exercise_every_record(state);
            }
        }
    }
}
