use super::*;
use proptest::prelude::*;

fn every_command() -> Vec<Command> {
    vec![
        Command::CreateResource {
            resource_id: ResourceId(u128::MAX),
        },
        Command::reserve(ResourceId(1), HolderId(2), 3),
        Command::ReserveBundle {
            resource_ids: vec![ResourceId(5), ResourceId(4)],
            holder_id: HolderId(9),
            ttl_slots: u64::MAX,
        },
        Command::ReserveBundle {
            resource_ids: vec![],
            holder_id: HolderId(0),
            ttl_slots: 0,
        },
        Command::Activate {
            lease_id: LeaseId(7),
            holder_id: HolderId(8),
            lease_epoch: 1,
        },
        Command::Release {
            lease_id: LeaseId(7),
            holder_id: HolderId(8),
            lease_epoch: 2,
        },
        Command::Revoke {
            lease_id: LeaseId(1 << 64),
        },
        Command::Reclaim {
            lease_id: LeaseId(3),
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
        assert_eq!(decode_request(&bytes), Ok(request));
    }
}

#[test]
fn create_resource_encoding_is_pinned() {
    let bytes = encoded(&request(Command::CreateResource {
        resource_id: ResourceId(0x0102),
    }));
    let mut expected = vec![1];
    expected.extend_from_slice(&11_u128.to_le_bytes());
    expected.extend_from_slice(&22_u128.to_le_bytes());
    expected.push(1);
    expected.extend_from_slice(&0x0102_u128.to_le_bytes());
    assert_eq!(bytes, expected);
}

#[test]
fn internal_commands_round_trip() {
    let command = InternalCommand::Expire {
        lease_id: LeaseId(5),
        deadline_slot: Slot(6),
    };
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
    let command = Command::Revoke {
        lease_id: LeaseId(3),
    };
    let mut manual = Fnv1a128::new();
    manual.put(&7_u128.to_le_bytes());
    let mut bytes = Vec::new();
    encode_command(&command, &mut bytes);
    manual.put(&bytes);
    assert_eq!(fingerprint(ClientId(7), &command), manual.0);
}

#[test]
fn fingerprint_keeps_list_order_and_client() {
    let ab = Command::ReserveBundle {
        resource_ids: vec![ResourceId(1), ResourceId(2)],
        holder_id: HolderId(1),
        ttl_slots: 5,
    };
    let ba = Command::ReserveBundle {
        resource_ids: vec![ResourceId(2), ResourceId(1)],
        holder_id: HolderId(1),
        ttl_slots: 5,
    };
    assert_ne!(fingerprint(ClientId(1), &ab), fingerprint(ClientId(1), &ba));
    assert_ne!(fingerprint(ClientId(1), &ab), fingerprint(ClientId(2), &ab));
}

#[test]
fn aliases_share_encoding_and_fingerprint() {
    let reserve = Command::reserve(ResourceId(4), HolderId(5), 6);
    let bundle = Command::ReserveBundle {
        resource_ids: vec![ResourceId(4)],
        holder_id: HolderId(5),
        ttl_slots: 6,
    };
    assert_eq!(
        fingerprint(ClientId(1), &reserve),
        fingerprint(ClientId(1), &bundle)
    );
    let confirm = Command::confirm(LeaseId(1), HolderId(2), 3);
    let activate = Command::Activate {
        lease_id: LeaseId(1),
        holder_id: HolderId(2),
        lease_epoch: 3,
    };
    assert_eq!(encoded(&request(confirm)), encoded(&request(activate)));
}

#[test]
fn max_client_payload_covers_every_command_of_a_full_bundle() {
    let bundle = Command::ReserveBundle {
        resource_ids: vec![ResourceId(0); 4],
        holder_id: HolderId(0),
        ttl_slots: 1,
    };
    assert_eq!(max_client_payload_len(4), client_payload_len(&bundle));
    for command in every_command() {
        if !matches!(&command, Command::ReserveBundle { resource_ids, .. } if resource_ids.len() > 1)
        {
            assert!(client_payload_len(&command) <= max_client_payload_len(1));
        }
    }
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
    let mut bytes = encoded(&request(Command::Revoke {
        lease_id: LeaseId(1),
    }));
    bytes[CLIENT_PREFIX_LEN] = 99;
    assert_eq!(
        decode_request(&bytes),
        Err(DecodeError::UnknownCommandTag { found: 99 })
    );
    let mut bytes = encoded(&request(Command::Revoke {
        lease_id: LeaseId(1),
    }));
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
        &InternalCommand::Expire {
            lease_id: LeaseId(1),
            deadline_slot: Slot(1),
        },
        &mut internal,
    );
    internal.push(1);
    assert_eq!(
        decode_internal(&internal),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
}

#[test]
fn huge_member_count_is_rejected_before_allocating() {
    let mut bytes = encoded(&request(Command::reserve(ResourceId(1), HolderId(1), 1)));
    let count_at = CLIENT_PREFIX_LEN + 1 + 16 + 8;
    bytes[count_at..count_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        decode_request(&bytes),
        Err(DecodeError::Truncated {
            field: "resource_ids",
            needed: u32::MAX as usize * 16,
            remaining: 16
        })
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
        field: "lease_id",
        needed: 16,
        remaining: 3,
    }
    .to_string();
    assert_eq!(text, "lease_id needs 16 bytes, 3 left");
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
        any::<u128>().prop_map(|id| Command::CreateResource {
            resource_id: ResourceId(id)
        }),
        (
            proptest::collection::vec(any::<u128>(), 0..5),
            any::<u128>(),
            any::<u64>()
        )
            .prop_map(|(ids, holder, ttl)| Command::ReserveBundle {
                resource_ids: ids.into_iter().map(ResourceId).collect(),
                holder_id: HolderId(holder),
                ttl_slots: ttl,
            }),
        (any::<u128>(), any::<u128>(), any::<u64>()).prop_map(|(l, h, e)| Command::Release {
            lease_id: LeaseId(l),
            holder_id: HolderId(h),
            lease_epoch: e
        }),
        any::<u128>().prop_map(|id| Command::Reclaim {
            lease_id: LeaseId(id)
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
    fn arbitrary_commands_round_trip(command in arb_command(), op in any::<u128>(), client in any::<u128>()) {
        let request = ClientRequest { operation_id: OperationId(op), client_id: ClientId(client), command };
        let bytes = encoded(&request);
        prop_assert_eq!(bytes.len(), client_payload_len(&request.command));
        prop_assert_eq!(decode_request(&bytes), Ok(request));
    }
}
