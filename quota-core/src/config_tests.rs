use super::*;

#[test]
fn small_config_is_valid() {
    Config::small().validate().unwrap();
    Config::small().assert_valid();
}

#[test]
fn each_zero_field_is_named() {
    type Setter = fn(&mut Config);
    let cases: [(&str, Setter); 6] = [
        ("max_buckets", |c| c.max_buckets = 0),
        ("max_operations", |c| c.max_operations = 0),
        ("max_client_retry_window_slots", |c| {
            c.max_client_retry_window_slots = 0;
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
fn wal_payload_must_hold_the_largest_command() {
    let mut config = Config::small();
    config.max_wal_payload_bytes = u32::try_from(MAX_CLIENT_PAYLOAD_LEN).unwrap();
    config.validate().unwrap();
    config.max_wal_payload_bytes -= 1;
    assert_eq!(
        config.validate(),
        Err(ConfigError::WalPayloadTooSmall {
            max_wal_payload_bytes: config.max_wal_payload_bytes,
            needed: MAX_CLIENT_PAYLOAD_LEN as u64
        })
    );
}

#[test]
fn snapshot_limit_must_hold_full_tables() {
    let mut config = Config::small();
    let needed = max_snapshot_file_len(&config);
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
}

#[test]
fn every_error_displays_its_numbers() {
    let errors = [
        ConfigError::WalPayloadTooSmall {
            max_wal_payload_bytes: 8,
            needed: 9,
        },
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
    let cases: [(&str, Setter); 2] = [
        ("max_buckets", |c: &mut Config| {
            c.max_buckets = MAX_TABLE_CAPACITY + 1;
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
    config.max_buckets = u32::MAX;
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
