use super::*;
use proptest::prelude::*;

fn every_command() -> Vec<Command> {
    vec![
        Command::CreateBucket {
            bucket_id: BucketId(u128::MAX),
            limit: u64::MAX,
            initial_balance: 3,
            refill_rate_per_slot: 0,
        },
        Command::CreateBucket {
            bucket_id: BucketId(0),
            limit: 0,
            initial_balance: 0,
            refill_rate_per_slot: u64::MAX,
        },
        Command::Debit {
            bucket_id: BucketId(7),
            amount: 1,
        },
        Command::Debit {
            bucket_id: BucketId(1 << 64),
            amount: 0,
        },
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
fn encodings_are_pinned() {
    let bytes = encoded(&request(Command::Debit {
        bucket_id: BucketId(0x0102),
        amount: 5,
    }));
    let mut expected = vec![1];
    expected.extend_from_slice(&11_u128.to_le_bytes());
    expected.extend_from_slice(&22_u128.to_le_bytes());
    expected.push(2);
    expected.extend_from_slice(&0x0102_u128.to_le_bytes());
    expected.extend_from_slice(&5_u64.to_le_bytes());
    assert_eq!(bytes, expected);
    let bytes = encoded(&request(Command::CreateBucket {
        bucket_id: BucketId(3),
        limit: 4,
        initial_balance: 5,
        refill_rate_per_slot: 6,
    }));
    let mut expected = vec![1];
    expected.extend_from_slice(&11_u128.to_le_bytes());
    expected.extend_from_slice(&22_u128.to_le_bytes());
    expected.push(1);
    expected.extend_from_slice(&3_u128.to_le_bytes());
    for value in [4_u64, 5, 6] {
        expected.extend_from_slice(&value.to_le_bytes());
    }
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), MAX_CLIENT_PAYLOAD_LEN);
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
    let command = Command::Debit {
        bucket_id: BucketId(3),
        amount: 2,
    };
    let mut manual = Fnv1a128::new();
    manual.put(&7_u128.to_le_bytes());
    let mut bytes = Vec::new();
    encode_command(&command, &mut bytes);
    manual.put(&bytes);
    assert_eq!(fingerprint(ClientId(7), &command), manual.0);
}

#[test]
fn fingerprint_depends_on_client_and_every_field() {
    let base = Command::CreateBucket {
        bucket_id: BucketId(1),
        limit: 2,
        initial_balance: 1,
        refill_rate_per_slot: 1,
    };
    let changed = Command::CreateBucket {
        bucket_id: BucketId(1),
        limit: 2,
        initial_balance: 1,
        refill_rate_per_slot: 2,
    };
    assert_ne!(
        fingerprint(ClientId(1), &base),
        fingerprint(ClientId(1), &changed)
    );
    assert_ne!(
        fingerprint(ClientId(1), &base),
        fingerprint(ClientId(2), &base)
    );
    assert_eq!(
        fingerprint(ClientId(1), &base),
        fingerprint(ClientId(1), &base)
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
    let debit = Command::Debit {
        bucket_id: BucketId(1),
        amount: 1,
    };
    let mut bytes = encoded(&request(debit));
    bytes[CLIENT_PREFIX_LEN] = 99;
    assert_eq!(
        decode_request(&bytes),
        Err(DecodeError::UnknownCommandTag { found: 99 })
    );
    let mut bytes = encoded(&request(debit));
    bytes.push(0);
    assert_eq!(
        decode_request(&bytes),
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
        field: "bucket_id",
        needed: 16,
        remaining: 3,
    }
    .to_string();
    assert_eq!(text, "bucket_id needs 16 bytes, 3 left");
    for error in [
        DecodeError::UnsupportedVersion { found: 1 },
        DecodeError::UnknownCommandTag { found: 1 },
        DecodeError::TrailingBytes { count: 1 },
    ] {
        assert!(error.to_string().contains('1'));
    }
}

#[test]
fn reader_reads_little_endian_u32() {
    let mut reader = Reader::new(&[1, 0, 0, 0, 9]);
    assert_eq!(reader.u32("n"), Ok(1));
    assert_eq!(reader.remaining(), 1);
    assert_eq!(
        reader.finish(),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
}

fn arb_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (any::<u128>(), any::<u64>(), any::<u64>(), any::<u64>()).prop_map(
            |(id, limit, initial_balance, refill_rate_per_slot)| Command::CreateBucket {
                bucket_id: BucketId(id),
                limit,
                initial_balance,
                refill_rate_per_slot,
            }
        ),
        (any::<u128>(), any::<u64>()).prop_map(|(id, amount)| Command::Debit {
            bucket_id: BucketId(id),
            amount
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let _ = decode_request(&bytes);
        let mut with_version = vec![CODEC_VERSION];
        with_version.extend_from_slice(&bytes);
        let _ = decode_request(&with_version);
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
