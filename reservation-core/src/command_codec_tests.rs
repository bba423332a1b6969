use super::*;
use proptest::prelude::*;

fn every_command() -> Vec<Command> {
    vec![
        Command::CreatePool {
            pool_id: PoolId(u128::MAX),
            total_capacity: u64::MAX,
        },
        Command::CreatePool {
            pool_id: PoolId(0),
            total_capacity: 0,
        },
        Command::PlaceHold {
            hold_id: HoldId(1),
            pool_id: PoolId(2),
            quantity: 3,
            ttl_slots: 4,
        },
        Command::ConfirmHold {
            hold_id: HoldId(1 << 64),
        },
        Command::ReleaseHold { hold_id: HoldId(7) },
    ]
}

fn request(command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(11),
        client_id: ClientId(22),
        command,
    }
}

fn encoded(request: &ClientRequest) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_request(request, &mut buf);
    buf
}

#[test]
fn every_command_round_trips_and_has_the_predicted_length() {
    for command in every_command() {
        let request = request(command);
        let bytes = encoded(&request);
        assert_eq!(bytes.len(), client_payload_len(&request.command));
        assert!(bytes.len() <= MAX_CLIENT_PAYLOAD_LEN);
        assert_eq!(decode_request(&bytes), Ok(request));
    }
}

#[test]
fn place_hold_encoding_is_pinned() {
    let bytes = encoded(&request(Command::PlaceHold {
        hold_id: HoldId(0x0102),
        pool_id: PoolId(3),
        quantity: 4,
        ttl_slots: 5,
    }));
    let mut expected = vec![1];
    expected.extend_from_slice(&11_u128.to_le_bytes());
    expected.extend_from_slice(&22_u128.to_le_bytes());
    expected.push(2);
    expected.extend_from_slice(&0x0102_u128.to_le_bytes());
    expected.extend_from_slice(&3_u128.to_le_bytes());
    expected.extend_from_slice(&4_u64.to_le_bytes());
    expected.extend_from_slice(&5_u64.to_le_bytes());
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), MAX_CLIENT_PAYLOAD_LEN);
}

#[test]
fn internal_commands_round_trip() {
    let command = InternalCommand::ExpireHold { hold_id: HoldId(5) };
    let mut bytes = Vec::new();
    encode_internal(&command, &mut bytes);
    assert_eq!(bytes.len(), INTERNAL_PAYLOAD_LEN);
    assert_eq!(bytes[..2], [1, 1]);
    assert_eq!(decode_internal(&bytes), Ok(command));
}

#[test]
fn fingerprint_is_fnv1a_128_of_client_and_command() {
    let mut empty = Fnv1a128::new();
    empty.put(&[]);
    assert_eq!(empty.0, Fnv1a128::OFFSET_BASIS);
    // Known FNV-1a 128 test vector: "a".
    let mut a = Fnv1a128::default();
    a.put(b"a");
    assert_eq!(a.0, 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    let command = Command::ConfirmHold { hold_id: HoldId(3) };
    let mut manual = Fnv1a128::new();
    manual.put(&7_u128.to_le_bytes());
    let mut bytes = Vec::new();
    encode_command(&command, &mut bytes);
    manual.put(&bytes);
    assert_eq!(fingerprint(ClientId(7), &command), manual.0);
}

#[test]
fn fingerprint_tells_commands_and_clients_apart() {
    let confirm = Command::ConfirmHold { hold_id: HoldId(1) };
    let release = Command::ReleaseHold { hold_id: HoldId(1) };
    assert_ne!(
        fingerprint(ClientId(1), &confirm),
        fingerprint(ClientId(1), &release)
    );
    assert_ne!(
        fingerprint(ClientId(1), &confirm),
        fingerprint(ClientId(2), &confirm)
    );
}

#[test]
fn each_decode_error_is_reported() {
    assert_eq!(
        decode_request(&[]),
        Err(DecodeError::Truncated {
            field: "version",
            needed: 1,
            remaining: 0
        })
    );
    assert_eq!(
        decode_request(&[2]),
        Err(DecodeError::UnsupportedVersion { found: 2 })
    );
    let release = Command::ReleaseHold { hold_id: HoldId(1) };
    let mut bytes = encoded(&request(release));
    bytes[CLIENT_PREFIX_LEN] = 99;
    assert_eq!(
        decode_request(&bytes),
        Err(DecodeError::UnknownCommandTag { found: 99 })
    );
    let mut bytes = encoded(&request(release));
    bytes.push(0);
    assert_eq!(
        decode_request(&bytes),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
    assert_eq!(
        decode_internal(&[1, 9]),
        Err(DecodeError::UnknownInternalTag { found: 9 })
    );
    assert_eq!(
        decode_internal(&[3]),
        Err(DecodeError::UnsupportedVersion { found: 3 })
    );
    let mut internal = Vec::new();
    encode_internal(
        &InternalCommand::ExpireHold { hold_id: HoldId(1) },
        &mut internal,
    );
    internal.push(1);
    assert_eq!(
        decode_internal(&internal),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
}

#[test]
fn every_truncation_is_a_typed_error() {
    for command in every_command() {
        let bytes = encoded(&request(command));
        for cut in 0..bytes.len() {
            assert!(
                matches!(
                    decode_request(&bytes[..cut]),
                    Err(DecodeError::Truncated { .. })
                ),
                "cut {cut}"
            );
        }
    }
}

#[test]
fn errors_display_their_fields() {
    let text = DecodeError::Truncated {
        field: "hold_id",
        needed: 16,
        remaining: 3,
    }
    .to_string();
    assert_eq!(text, "hold_id needs 16 bytes, 3 left");
    for error in [
        DecodeError::UnsupportedVersion { found: 1 },
        DecodeError::UnknownCommandTag { found: 1 },
        DecodeError::UnknownInternalTag { found: 1 },
        DecodeError::TrailingBytes { count: 1 },
    ] {
        assert!(error.to_string().contains('1'));
    }
}

fn arb_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (any::<u128>(), any::<u64>()).prop_map(|(id, total)| Command::CreatePool {
            pool_id: PoolId(id),
            total_capacity: total,
        }),
        (any::<u128>(), any::<u128>(), any::<u64>(), any::<u64>()).prop_map(
            |(hold, pool, quantity, ttl)| Command::PlaceHold {
                hold_id: HoldId(hold),
                pool_id: PoolId(pool),
                quantity,
                ttl_slots: ttl,
            }
        ),
        any::<u128>().prop_map(|id| Command::ConfirmHold {
            hold_id: HoldId(id)
        }),
        any::<u128>().prop_map(|id| Command::ReleaseHold {
            hold_id: HoldId(id)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let _ = decode_request(&bytes);
        let _ = decode_internal(&bytes);
        let mut with_version = vec![CODEC_VERSION];
        with_version.extend_from_slice(&bytes);
        let _ = decode_request(&with_version);
        let _ = decode_internal(&with_version);
    }

    #[test]
    fn fnv_step_equals_the_textbook_multiply(state in any::<u128>(), byte in any::<u8>()) {
        let mut hash = Fnv1a128(state);
        hash.put(&[byte]);
        let textbook = (state ^ u128::from(byte)).wrapping_mul(Fnv1a128::PRIME);
        prop_assert_eq!(hash.0, textbook);
    }

    #[test]
    fn arbitrary_commands_round_trip(command in arb_command(), op in any::<u128>(), client in any::<u128>()) {
        let request = ClientRequest { operation_id: OperationId(op), client_id: ClientId(client), command };
        let bytes = encoded(&request);
        prop_assert_eq!(bytes.len(), client_payload_len(&request.command));
        prop_assert_eq!(decode_request(&bytes), Ok(request));
    }
}
