use super::*;
use proptest::prelude::*;

fn every_command() -> Vec<Command> {
    let (job_id, worker_id, queue_id) = (JobId(1 << 64), WorkerId(u128::MAX), QueueId(3));
    vec![
        Command::CreateQueue {
            queue_id,
            max_attempts: u32::MAX,
        },
        Command::CreateQueue {
            queue_id: QueueId(0),
            max_attempts: 0,
        },
        Command::Enqueue {
            queue_id,
            delay_slots: u64::MAX,
        },
        Command::Claim {
            queue_id,
            worker_id,
            visibility_slots: 4,
        },
        Command::Ack {
            job_id,
            worker_id,
            claim_epoch: 5,
        },
        Command::Nack {
            job_id,
            worker_id,
            claim_epoch: 6,
            delay_slots: 7,
        },
        Command::Extend {
            job_id,
            worker_id,
            claim_epoch: 8,
            visibility_slots: 9,
        },
        Command::Cancel { job_id: JobId(7) },
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
fn nack_encoding_is_pinned() {
    let command = Command::Nack {
        job_id: JobId(0x0102),
        worker_id: WorkerId(3),
        claim_epoch: 4,
        delay_slots: 5,
    };
    let bytes = encoded(&request(command));
    let mut expected = vec![1];
    expected.extend_from_slice(&11_u128.to_le_bytes());
    expected.extend_from_slice(&22_u128.to_le_bytes());
    expected.push(5);
    expected.extend_from_slice(&0x0102_u128.to_le_bytes());
    expected.extend_from_slice(&3_u128.to_le_bytes());
    expected.extend_from_slice(&4_u64.to_le_bytes());
    expected.extend_from_slice(&5_u64.to_le_bytes());
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), MAX_CLIENT_PAYLOAD_LEN);
}

#[test]
fn internal_command_round_trips_and_is_pinned() {
    let command = InternalCommand::ClaimTimeout {
        job_id: JobId(9),
        deadline_slot: Slot(10),
    };
    let mut bytes = Vec::new();
    encode_internal(&command, &mut bytes);
    assert_eq!(bytes.len(), INTERNAL_PAYLOAD_LEN);
    assert_eq!(&bytes[..2], &[1, 1]);
    assert_eq!(decode_internal(&bytes), Ok(command));
}

#[test]
fn every_truncation_is_a_typed_error() {
    for command in every_command() {
        let bytes = encoded(&request(command));
        for len in 0..bytes.len() {
            let error = decode_request(&bytes[..len]).unwrap_err();
            assert!(
                matches!(error, DecodeError::Truncated { .. }),
                "{len}: {error}"
            );
        }
    }
    let mut bytes = Vec::new();
    let timeout = InternalCommand::ClaimTimeout {
        job_id: JobId(1),
        deadline_slot: Slot(2),
    };
    encode_internal(&timeout, &mut bytes);
    for len in 0..bytes.len() {
        assert!(matches!(
            decode_internal(&bytes[..len]),
            Err(DecodeError::Truncated { .. })
        ));
    }
}

#[test]
fn bad_version_tags_and_trailing_bytes_are_refused() {
    let mut bytes = encoded(&request(Command::Cancel { job_id: JobId(1) }));
    bytes.push(0);
    assert_eq!(
        decode_request(&bytes),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
    bytes.pop();
    bytes[CLIENT_PREFIX_LEN] = 8;
    assert_eq!(
        decode_request(&bytes),
        Err(DecodeError::UnknownCommandTag { found: 8 })
    );
    bytes[0] = 2;
    assert_eq!(
        decode_request(&bytes),
        Err(DecodeError::UnsupportedVersion { found: 2 })
    );
    assert_eq!(
        decode_internal(&[1, 2]),
        Err(DecodeError::UnknownInternalTag { found: 2 })
    );
    let mut internal = Vec::new();
    let timeout = InternalCommand::ClaimTimeout {
        job_id: JobId(1),
        deadline_slot: Slot(2),
    };
    encode_internal(&timeout, &mut internal);
    internal.push(9);
    assert_eq!(
        decode_internal(&internal),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
    for error in [
        DecodeError::Truncated {
            field: "job_id",
            needed: 16,
            remaining: 3,
        },
        DecodeError::UnsupportedVersion { found: 2 },
        DecodeError::UnknownCommandTag { found: 8 },
        DecodeError::UnknownInternalTag { found: 2 },
        DecodeError::TrailingBytes { count: 1 },
    ] {
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn fingerprint_covers_client_and_every_field_but_not_the_operation_id() {
    let commands = every_command();
    let mut seen = Vec::new();
    for command in &commands {
        let print = fingerprint(ClientId(22), command);
        assert!(!seen.contains(&print), "{command:?}");
        seen.push(print);
        assert_ne!(print, fingerprint(ClientId(23), command));
    }
    // Pinned: the fingerprint is persisted and must never change.
    let cancel = Command::Cancel { job_id: JobId(1) };
    let mut bytes = 7_u128.to_le_bytes().to_vec();
    encode_command(&cancel, &mut bytes);
    let mut plain = Fnv1a128::OFFSET_BASIS;
    for byte in bytes {
        plain ^= u128::from(byte);
        plain = plain.wrapping_mul(Fnv1a128::PRIME);
    }
    assert_eq!(fingerprint(ClientId(7), &cancel), plain);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let _ = decode_request(&bytes);
        let _ = decode_internal(&bytes);
    }

    #[test]
    fn fast_fnv_step_equals_the_plain_multiply(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut fast = Fnv1a128::default();
        fast.put(&bytes);
        let mut plain = Fnv1a128::OFFSET_BASIS;
        for byte in &bytes {
            plain ^= u128::from(*byte);
            plain = plain.wrapping_mul(Fnv1a128::PRIME);
        }
        prop_assert_eq!(fast.0, plain);
    }
}
