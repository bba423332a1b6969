use super::*;
use runtime::snapshot_file::FOOTER_LEN;

#[test]
fn small_config_is_valid() {
    Config::small().validate().unwrap();
    Config::small().assert_valid();
}

#[test]
fn each_zero_field_is_named() {
    type Setter = fn(&mut Config);
    let cases: [(&str, Setter); 12] = [
        ("max_resources", |c| c.max_resources = 0),
        ("max_leases", |c| c.max_leases = 0),
        ("max_lease_members", |c| c.max_lease_members = 0),
        ("max_bundle_size", |c| c.max_bundle_size = 0),
        ("max_operations", |c| c.max_operations = 0),
        ("max_ttl_slots", |c| c.max_ttl_slots = 0),
        ("max_client_retry_window_slots", |c| {
            c.max_client_retry_window_slots = 0;
        }),
        ("lease_history_window_slots", |c| {
            c.lease_history_window_slots = 0;
        }),
        ("max_expiration_bucket_len", |c| {
            c.max_expiration_bucket_len = 0;
        }),
        ("max_wal_payload_bytes", |c| c.max_wal_payload_bytes = 0),
        ("max_snapshot_bytes", |c| c.max_snapshot_bytes = 0),
        ("max_batch_commands", |c| c.max_batch_commands = 0),
    ];
    for (field, set) in cases {
        let mut config = Config::small();
        set(&mut config);
        assert_eq!(
            config.validate(),
            Err(ConfigError::Zero { field }),
            "{field}"
        );
        assert!(config.validate().unwrap_err().to_string().contains(field));
    }
}

#[test]
fn relational_rules_are_checked() {
    let mut config = Config::small();
    config.max_expiration_bucket_len = config.max_leases + 1;
    assert_eq!(
        config.validate(),
        Err(ConfigError::ExpirationBucketLongerThanLeaseTable {
            max_expiration_bucket_len: 65,
            max_leases: 64
        })
    );

    let mut config = Config::small();
    config.max_bundle_size = 65;
    config.max_lease_members = 65 * 2;
    assert_eq!(
        config.validate(),
        Err(ConfigError::BundleLargerThanResourceTable {
            max_bundle_size: 65,
            max_resources: 64
        })
    );

    let mut config = Config::small();
    config.max_lease_members = 3;
    assert_eq!(
        config.validate(),
        Err(ConfigError::MemberTableSmallerThanBundle {
            max_lease_members: 3,
            max_bundle_size: 4
        })
    );

    let mut config = Config::small();
    config.max_lease_members = 64 * 4 + 1;
    assert_eq!(
        config.validate(),
        Err(ConfigError::MemberTableLargerThanLeases {
            max_lease_members: 257,
            limit: 256
        })
    );
    config.max_lease_members = 256;
    config.validate().unwrap();
}

#[test]
fn wal_payload_must_hold_a_full_bundle() {
    let mut config = Config::small();
    let needed = max_client_payload_len(4);
    config.max_wal_payload_bytes = u32::try_from(needed).unwrap();
    config.validate().unwrap();
    config.max_wal_payload_bytes -= 1;
    assert_eq!(
        config.validate(),
        Err(ConfigError::WalPayloadTooSmall {
            max_wal_payload_bytes: config.max_wal_payload_bytes,
            needed: needed as u64
        })
    );
}

#[test]
fn snapshot_limit_must_hold_full_tables() {
    let mut config = Config::small();
    let needed = max_snapshot_file_len(&config);
    // Header, watermark, three counts and the footer, then the largest record of each table.
    let fixed = 22 + 17 + 12 + FOOTER_LEN as u64;
    assert_eq!(needed, fixed + 64 * 42 + 64 * 79 + 128 * 16 + 128 * 84);
    config.max_snapshot_bytes = needed;
    config.validate().unwrap();
    config.max_snapshot_bytes -= 1;
    assert_eq!(
        config.validate(),
        Err(ConfigError::SnapshotLimitTooSmall {
            max_snapshot_bytes: needed - 1,
            needed
        })
    );
    // Every table at its largest capacity still has a bound that fits in a `u64`.
    config.max_resources = MAX_TABLE_CAPACITY;
    config.max_leases = MAX_TABLE_CAPACITY;
    config.max_lease_members = MAX_TABLE_CAPACITY;
    config.max_operations = MAX_TABLE_CAPACITY;
    assert!(max_snapshot_file_len(&config) < u64::MAX / 2);
}

#[test]
fn oversized_expiry_wheel_is_rejected() {
    let mut config = Config::small();
    config.max_ttl_slots = u64::MAX;
    assert!(matches!(
        config.validate(),
        Err(ConfigError::ExpirationWheelTooLarge { .. })
    ));
}

#[test]
fn every_error_displays_its_numbers() {
    let errors = [
        ConfigError::ExpirationBucketLongerThanLeaseTable {
            max_expiration_bucket_len: 9,
            max_leases: 8,
        },
        ConfigError::BundleLargerThanResourceTable {
            max_bundle_size: 9,
            max_resources: 8,
        },
        ConfigError::MemberTableSmallerThanBundle {
            max_lease_members: 8,
            max_bundle_size: 9,
        },
        ConfigError::MemberTableLargerThanLeases {
            max_lease_members: 9,
            limit: 8,
        },
        ConfigError::WalPayloadTooSmall {
            max_wal_payload_bytes: 8,
            needed: 9,
        },
        ConfigError::ExpirationWheelTooLarge { entries: 9 },
        ConfigError::SnapshotLimitTooSmall {
            max_snapshot_bytes: 8,
            needed: 9,
        },
    ];
    for error in errors {
        let text = error.to_string();
        assert!(text.contains('9'), "{text}");
    }
}

#[test]
fn each_oversized_table_capacity_is_named_before_allocating() {
    type Setter = fn(&mut Config);
    let cases: [(&str, Setter); 4] = [
        ("max_resources", |c: &mut Config| {
            c.max_resources = MAX_TABLE_CAPACITY + 1;
        }),
        ("max_leases", |c: &mut Config| {
            c.max_leases = MAX_TABLE_CAPACITY + 1;
        }),
        ("max_lease_members", |c: &mut Config| {
            c.max_lease_members = MAX_TABLE_CAPACITY + 1;
        }),
        ("max_operations", |c: &mut Config| {
            c.max_operations = MAX_TABLE_CAPACITY + 1;
        }),
    ];
    for (field, set) in cases {
        let mut config = Config::small();
        set(&mut config);
        let error = config.validate().unwrap_err();
        assert_eq!(
            error,
            ConfigError::CapacityTooLarge {
                field,
                value: MAX_TABLE_CAPACITY + 1
            }
        );
        assert!(error.to_string().starts_with(field), "{error}");
    }
    let mut config = Config::small();
    config.max_resources = u32::MAX;
    assert!(matches!(
        config.validate(),
        Err(ConfigError::CapacityTooLarge { .. })
    ));
}

#[test]
fn the_batch_buffer_is_bounded() {
    let mut config = Config::small();
    let frame = HEADER_LEN as u64 + u64::from(config.max_wal_payload_bytes);
    config.max_batch_commands = u32::try_from(MAX_BATCH_BUFFER_BYTES / frame).unwrap();
    assert!(config.batch_buffer_bytes() <= MAX_BATCH_BUFFER_BYTES);
    config.validate().unwrap();
    config.max_batch_commands += 1;
    let buffer_bytes = config.batch_buffer_bytes();
    assert_eq!(
        config.validate(),
        Err(ConfigError::BatchBufferTooLarge {
            max_batch_commands: config.max_batch_commands,
            buffer_bytes
        })
    );
    let text = config.validate().unwrap_err().to_string();
    assert!(text.contains(&buffer_bytes.to_string()), "{text}");
    config.max_batch_commands = u32::MAX;
    assert!(config.validate().is_err());
}

#[test]
fn the_batch_buffer_holds_a_whole_tick() {
    let config = Config {
        max_batch_commands: 1,
        ..Config::small()
    };
    let frame = HEADER_LEN as u64 + u64::from(config.max_wal_payload_bytes);
    assert_eq!(config.batch_buffer_bytes(), u64::from(TICK_BATCH) * frame);
    let config = Config {
        max_batch_commands: TICK_BATCH + 1,
        ..config
    };
    assert_eq!(
        config.batch_buffer_bytes(),
        u64::from(TICK_BATCH + 1) * frame
    );
}
