use super::*;

#[test]
fn small_config_is_valid() {
    Config::small().validate().unwrap();
    Config::small().assert_valid();
}

#[test]
fn each_zero_field_is_named() {
    type Setter = fn(&mut Config);
    let cases: [(&str, Setter); 10] = [
        ("max_pools", |c| c.max_pools = 0),
        ("max_holds", |c| c.max_holds = 0),
        ("max_operations", |c| c.max_operations = 0),
        ("max_ttl_slots", |c| c.max_ttl_slots = 0),
        ("max_client_retry_window_slots", |c| {
            c.max_client_retry_window_slots = 0;
        }),
        ("hold_history_window_slots", |c| {
            c.hold_history_window_slots = 0;
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
    config.max_expiration_bucket_len = config.max_holds + 1;
    assert_eq!(
        config.validate(),
        Err(ConfigError::ExpirationBucketLongerThanHoldTable {
            max_expiration_bucket_len: 33,
            max_holds: 32
        })
    );
    let mut config = Config::small();
    config.max_wal_payload_bytes = 81;
    assert_eq!(
        config.validate(),
        Err(ConfigError::WalPayloadTooSmall {
            max_wal_payload_bytes: 81,
            needed: 82
        })
    );
    config.max_wal_payload_bytes = 82;
    config.validate().unwrap();
    let mut config = Config::small();
    config.max_ttl_slots = MAX_EXPIRATION_WHEEL_ENTRIES;
    assert!(matches!(
        config.validate(),
        Err(ConfigError::ExpirationWheelTooLarge { .. })
    ));
    let mut config = Config::small();
    let needed = max_snapshot_file_len(&config);
    config.max_snapshot_bytes = needed - 1;
    assert_eq!(
        config.validate(),
        Err(ConfigError::SnapshotLimitTooSmall {
            max_snapshot_bytes: needed - 1,
            needed
        })
    );
    config.max_snapshot_bytes = needed;
    config.validate().unwrap();
}

#[test]
fn errors_display_their_numbers() {
    for error in [
        ConfigError::ExpirationBucketLongerThanHoldTable {
            max_expiration_bucket_len: 7,
            max_holds: 1,
        },
        ConfigError::WalPayloadTooSmall {
            max_wal_payload_bytes: 7,
            needed: 1,
        },
        ConfigError::ExpirationWheelTooLarge { entries: 7 },
        ConfigError::SnapshotLimitTooSmall {
            max_snapshot_bytes: 7,
            needed: 1,
        },
    ] {
        assert!(error.to_string().contains('7'));
    }
}

#[test]
fn each_oversized_table_capacity_is_named_before_allocating() {
    type Setter = fn(&mut Config);
    let cases: [(&str, Setter); 3] = [
        ("max_pools", |c: &mut Config| {
            c.max_pools = MAX_TABLE_CAPACITY + 1;
        }),
        ("max_holds", |c: &mut Config| {
            c.max_holds = MAX_TABLE_CAPACITY + 1;
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
    config.max_pools = u32::MAX;
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
