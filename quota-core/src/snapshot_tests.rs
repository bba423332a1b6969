use super::*;
use crate::command::{ClientRequest, Command, CommandContext};
use crate::ids::ClientId;
use proptest::prelude::*;

/// A state with buckets in several shapes and operations with and without balances.
fn busy_state() -> StateMachine {
    let mut sm = StateMachine::new(Config::small());
    let mut lsn = 0;
    let mut apply = |sm: &mut StateMachine, slot: u64, command: Command| {
        lsn += 1;
        let request = ClientRequest {
            operation_id: OperationId(1000 - u128::from(lsn)),
            client_id: ClientId(3),
            command,
        };
        let ctx = CommandContext {
            lsn: Lsn(lsn),
            request_slot: Slot(slot),
        };
        sm.apply_client(ctx, &request)
    };
    for id in [5, 1, 3] {
        let command = Command::CreateBucket {
            bucket_id: BucketId(id),
            limit: 10 * u64::try_from(id).unwrap(),
            initial_balance: 2,
            refill_rate_per_slot: 1,
        };
        apply(&mut sm, 0, command);
    }
    apply(&mut sm, 2, debit(1, 3));
    apply(&mut sm, 4, debit(5, 100));
    apply(&mut sm, 4, debit(9, 1));
    apply(&mut sm, 6, debit(3, 0));
    sm
}

fn debit(id: u128, amount: u64) -> Command {
    Command::Debit {
        bucket_id: BucketId(id),
        amount,
    }
}

#[test]
fn snapshot_round_trips_exactly() {
    let state = busy_state();
    let bytes = encode_snapshot(&state);
    let decoded = decode_snapshot(&bytes, &Config::small()).unwrap();
    assert_eq!(decoded.dump(), state.dump());
    assert_eq!(encode_snapshot(&decoded), bytes);
    let queued: Vec<_> = decoded.operation_retire.iter().collect();
    let live: Vec<_> = state.operation_retire.iter().collect();
    assert_eq!(queued, live, "the retire queue is rebuilt in applied order");
    assert_eq!(&bytes[..4], b"QTSN");
    assert!((bytes.len() + FOOTER_LEN) as u64 <= max_snapshot_file_len(&Config::small()));
}

#[test]
fn empty_state_round_trips() {
    let state = StateMachine::new(Config::small());
    let bytes = encode_snapshot(&state);
    assert_eq!(bytes.len(), SNAPSHOT_HEADER_LEN + 4 * 2);
    assert_eq!(
        decode_snapshot(&bytes, &Config::small()).unwrap().dump(),
        state.dump()
    );
}

#[test]
fn full_tables_fit_the_computed_bound_exactly() {
    let config = Config {
        max_buckets: 3,
        max_operations: 3,
        ..Config::small()
    };
    let mut sm = StateMachine::new(config);
    for lsn in 1..=3_u64 {
        let request = ClientRequest {
            operation_id: OperationId(lsn.into()),
            client_id: ClientId(1),
            command: Command::CreateBucket {
                bucket_id: BucketId(lsn.into()),
                limit: 1,
                initial_balance: 1,
                refill_rate_per_slot: 1,
            },
        };
        let ctx = CommandContext {
            lsn: Lsn(lsn),
            request_slot: Slot(0),
        };
        sm.apply_client(ctx, &request);
    }
    let bytes = encode_snapshot(&sm);
    // Creates store no balance: every operation is 8 bytes below the bound's worst case.
    assert_eq!(
        (bytes.len() + FOOTER_LEN) as u64 + 3 * 8,
        max_snapshot_file_len(&config)
    );
}

#[test]
fn header_errors_are_typed() {
    let config = Config::small();
    let mut bytes = encode_snapshot(&busy_state());
    bytes[0] ^= 1;
    assert!(matches!(
        decode_snapshot(&bytes, &config),
        Err(SnapshotError::BadMagic { .. })
    ));
    let mut bytes = encode_snapshot(&busy_state());
    bytes[4] = 2;
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::UnsupportedVersion { found: 2 }
    );
    let mut bytes = encode_snapshot(&busy_state());
    bytes.push(0);
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::Decode(DecodeError::TrailingBytes { count: 1 })
    );
}

const BUCKET_COUNT_AT: usize = SNAPSHOT_HEADER_LEN;

#[test]
fn counts_are_checked_before_allocating() {
    let config = Config::small();
    let mut bytes = encode_snapshot(&busy_state());
    bytes[BUCKET_COUNT_AT..BUCKET_COUNT_AT + 4].copy_from_slice(&65_u32.to_le_bytes());
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::CountAboveCapacity {
            table: "bucket",
            count: 65,
            capacity: 64
        }
    );
    let mut bytes = encode_snapshot(&StateMachine::new(config));
    bytes[BUCKET_COUNT_AT..BUCKET_COUNT_AT + 4].copy_from_slice(&64_u32.to_le_bytes());
    assert!(matches!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::CountAboveBytes {
            table: "bucket",
            count: 64,
            ..
        }
    ));
    let mut bytes = encode_snapshot(&StateMachine::new(config));
    let at = BUCKET_COUNT_AT + 4;
    bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::CountAboveCapacity {
            table: "operation",
            ..
        }
    ));
}

#[test]
fn unsorted_ids_and_bad_values_are_rejected() {
    let config = Config::small();
    let good = encode_snapshot(&busy_state());
    // Swap the first two bucket ids (1 and 3).
    let mut bytes = good.clone();
    let first = BUCKET_COUNT_AT + 4;
    let second = first + BUCKET_LEN;
    let (a, b) = (bytes[first], bytes[second]);
    bytes[first] = b;
    bytes[second] = a;
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::UnsortedIds { table: "bucket" }
    );
    let operations_at = BUCKET_COUNT_AT + 4 + 3 * BUCKET_LEN + 4;
    let mut bytes = good.clone();
    bytes[operations_at + 32] = 200;
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::BadValue {
            field: "result code",
            value: 200
        }
    );
    let mut bytes = good.clone();
    bytes[operations_at + 33] = 7;
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::BadValue {
            field: "outcome balance",
            value: 7
        }
    );
}

#[test]
fn broken_invariants_are_not_admitted() {
    let config = Config::small();
    let mut bytes = encode_snapshot(&busy_state());
    // Bucket 1: limit 10; set its balance to 11.
    let balance_at = BUCKET_COUNT_AT + 4 + 16 + 8;
    bytes[balance_at..balance_at + 8].copy_from_slice(&11_u64.to_le_bytes());
    assert_eq!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::Invariant(InvariantError::BalanceAboveLimit {
            bucket_id: BucketId(1)
        })
    );
    let mut bytes = encode_snapshot(&busy_state());
    // A last_request_slot below a bucket's refill slot.
    bytes[14..22].copy_from_slice(&1_u64.to_le_bytes());
    assert!(matches!(
        decode_snapshot(&bytes, &config).unwrap_err(),
        SnapshotError::Invariant(_)
    ));
}

#[test]
fn every_truncation_is_a_typed_error() {
    let bytes = encode_snapshot(&busy_state());
    for cut in 0..bytes.len() {
        assert!(
            decode_snapshot(&bytes[..cut], &Config::small()).is_err(),
            "cut {cut}"
        );
    }
}

#[test]
fn errors_display_their_numbers() {
    let errors = [
        SnapshotError::Decode(DecodeError::TrailingBytes { count: 9 }),
        SnapshotError::BadMagic { found: 9 },
        SnapshotError::UnsupportedVersion { found: 9 },
        SnapshotError::CountAboveCapacity {
            table: "bucket",
            count: 9,
            capacity: 1,
        },
        SnapshotError::CountAboveBytes {
            table: "bucket",
            count: 9,
            remaining: 1,
        },
        SnapshotError::BadValue {
            field: "flag",
            value: 9,
        },
    ];
    for error in errors {
        assert!(error.to_string().contains('9'), "{error}");
    }
    assert!(
        SnapshotError::UnsortedIds { table: "bucket" }
            .to_string()
            .contains("bucket")
    );
    assert!(
        SnapshotError::Invariant(InvariantError::OperationQueue)
            .to_string()
            .starts_with("snapshot:")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_snapshot(&bytes, &Config::small());
        let mut prefixed = encode_snapshot(&StateMachine::new(Config::small()));
        prefixed.truncate(SNAPSHOT_HEADER_LEN);
        prefixed.extend_from_slice(&bytes);
        let _ = decode_snapshot(&prefixed, &Config::small());
    }

    #[test]
    fn flipping_any_byte_never_panics(index in 0_usize..400, value in any::<u8>()) {
        let mut bytes = encode_snapshot(&busy_state());
        let index = index % bytes.len();
        bytes[index] = value;
        if let Ok(state) = decode_snapshot(&bytes, &Config::small()) {
            state.validate_invariants().unwrap();
        }
    }
}

/// A state with one bucket and one operation, applied at slot 5.
fn one_operation() -> StateMachine {
    let mut sm = StateMachine::new(Config::small());
    let request = ClientRequest {
        operation_id: OperationId(1),
        client_id: ClientId(3),
        command: debit(1, 1),
    };
    let ctx = CommandContext {
        lsn: Lsn(1),
        request_slot: Slot(5),
    };
    sm.apply_client(ctx, &request);
    sm
}

#[test]
fn a_retire_slot_beyond_the_retry_window_is_not_admitted() {
    // Admitting it would make the next operation's retire-queue push go out of order: a panic
    // in apply, repeated by every replay of the frame that triggered it.
    let config = Config::small();
    let window = config.max_client_retry_window_slots;
    let mut bytes = encode_snapshot(&one_operation());
    let retire_at = bytes.len() - 8;
    assert_eq!(bytes[retire_at..], (5 + window).to_le_bytes());
    for (retire, admitted) in [(5 + window, true), (6 + window, false), (u64::MAX, false)] {
        bytes[retire_at..].copy_from_slice(&retire.to_le_bytes());
        let decoded = decode_snapshot(&bytes, &config);
        assert_eq!(decoded.is_ok(), admitted, "retire_after_slot {retire}");
        if !admitted {
            assert_eq!(
                decoded.unwrap_err(),
                SnapshotError::Invariant(InvariantError::OperationRecord {
                    operation_id: OperationId(1)
                })
            );
        }
    }
}

/// Applies, at the state's last slot and at two later slots (one past the retry window), a
/// debit and a create for every bucket and a retry of every stored operation id. Panics only
/// if apply (or its debug invariant check) does.
fn exercise_every_record(mut state: StateMachine) {
    let dump = state.dump();
    let last = state.last_request_slot().get();
    let window = state.config().max_client_retry_window_slots;
    let mut lsn = state.last_applied_lsn().get();
    let mut next = 1 << 100;
    for slot in [
        last,
        last.saturating_add(1),
        last.saturating_add(window + 1),
    ] {
        let buckets = dump.buckets.iter().map(|bucket| bucket.bucket_id.get());
        let commands = buckets.flat_map(|id| [debit(id, 1), create(id)]);
        let fresh = commands.map(|command| {
            next += 1;
            (OperationId(next), command)
        });
        let retries = dump
            .operations
            .iter()
            .map(|record| (record.operation_id, debit(1, 1)));
        for (operation_id, command) in fresh.collect::<Vec<_>>().into_iter().chain(retries) {
            let Some(following) = lsn.checked_add(1) else {
                return;
            };
            lsn = following;
            let request = ClientRequest {
                operation_id,
                client_id: ClientId(3),
                command,
            };
            let ctx = CommandContext {
                lsn: Lsn(lsn),
                request_slot: Slot(slot),
            };
            state.apply_client(ctx, &request);
        }
    }
}

fn create(id: u128) -> Command {
    Command::CreateBucket {
        bucket_id: BucketId(id),
        limit: 5,
        initial_balance: 5,
        refill_rate_per_slot: 1,
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
