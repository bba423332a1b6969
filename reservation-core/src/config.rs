//! Engine configuration: every bound of every table, queue, index, payload and file.
//!
//! [`Config::validate`] rejects, with an error naming the field, any configuration the engine
//! could not honour; every structure is then allocated once, at open, from these numbers.

use std::fmt;

use crate::command_codec::MAX_CLIENT_PAYLOAD_LEN;
use crate::snapshot::max_snapshot_file_len;

/// Upper bound on expiry-wheel entries (`(max_ttl_slots + 1) * max_expiration_bucket_len`),
/// so that a valid config cannot ask for an absurd allocation at open.
pub const MAX_EXPIRATION_WHEEL_ENTRIES: u64 = 1 << 24;

/// The largest capacity of any table (positions are `u32`, and a table's hashed index holds
/// twice its entries): a valid config never asks `open` for an allocation it cannot describe.
pub const MAX_TABLE_CAPACITY: u32 = 1 << 28;

/// Every bound of a reservation-core database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub max_pools: u32,
    /// Holds kept in the table, live or terminal-but-not-yet-retired.
    pub max_holds: u32,
    pub max_operations: u32,
    pub max_ttl_slots: u64,
    pub max_client_retry_window_slots: u64,
    pub hold_history_window_slots: u64,
    /// Holds per deadline slot in the expiry index.
    pub max_expiration_bucket_len: u32,
    pub max_wal_payload_bytes: u32,
    /// The largest snapshot file (payload and footer) recovery will read.
    pub max_snapshot_bytes: u64,
}

/// Why a config was rejected; each variant names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A capacity, ttl, window or limit is zero.
    Zero { field: &'static str },
    /// A table capacity is above [`MAX_TABLE_CAPACITY`].
    CapacityTooLarge { field: &'static str, value: u32 },
    /// `max_expiration_bucket_len` exceeds `max_holds`, the table the index points into.
    ExpirationBucketLongerThanHoldTable {
        max_expiration_bucket_len: u32,
        max_holds: u32,
    },
    /// `max_wal_payload_bytes` cannot hold the encoding of the largest command.
    WalPayloadTooSmall {
        max_wal_payload_bytes: u32,
        needed: u64,
    },
    /// The expiry wheel (`max_ttl_slots`, `max_expiration_bucket_len`) is above
    /// [`MAX_EXPIRATION_WHEEL_ENTRIES`].
    ExpirationWheelTooLarge { entries: u128 },
    /// `max_snapshot_bytes` cannot hold the snapshot file of full tables, so a checkpoint
    /// could write a file that recovery refuses.
    SnapshotLimitTooSmall {
        max_snapshot_bytes: u64,
        needed: u64,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero { field } => write!(f, "{field} must be greater than zero"),
            Self::CapacityTooLarge { field, value } => write!(
                f,
                "{field} {value} is above the largest table capacity {MAX_TABLE_CAPACITY}"
            ),
            Self::ExpirationBucketLongerThanHoldTable {
                max_expiration_bucket_len,
                max_holds,
            } => write!(
                f,
                "max_expiration_bucket_len {max_expiration_bucket_len} exceeds max_holds {max_holds}"
            ),
            Self::WalPayloadTooSmall {
                max_wal_payload_bytes,
                needed,
            } => write!(
                f,
                "max_wal_payload_bytes {max_wal_payload_bytes} is below the {needed} bytes of the largest command"
            ),
            Self::ExpirationWheelTooLarge { entries } => write!(
                f,
                "max_ttl_slots and max_expiration_bucket_len ask for {entries} expiry entries \
                 (limit {MAX_EXPIRATION_WHEEL_ENTRIES})"
            ),
            Self::SnapshotLimitTooSmall {
                max_snapshot_bytes,
                needed,
            } => write!(
                f,
                "max_snapshot_bytes {max_snapshot_bytes} is below the {needed} bytes of a full snapshot"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// A small config for tests and examples.
    #[must_use]
    pub const fn small() -> Self {
        Self {
            max_pools: 8,
            max_holds: 32,
            max_operations: 64,
            max_ttl_slots: 16,
            max_client_retry_window_slots: 8,
            hold_history_window_slots: 4,
            max_expiration_bucket_len: 8,
            max_wal_payload_bytes: 256,
            max_snapshot_bytes: 1 << 16,
        }
    }

    fn validate_capacities(&self) -> Result<(), ConfigError> {
        let tables: [(&'static str, u32); 3] = [
            ("max_pools", self.max_pools),
            ("max_holds", self.max_holds),
            ("max_operations", self.max_operations),
        ];
        match tables.iter().find(|(_, value)| *value > MAX_TABLE_CAPACITY) {
            Some(&(field, value)) => Err(ConfigError::CapacityTooLarge { field, value }),
            None => Ok(()),
        }
    }

    fn validate_nonzero(&self) -> Result<(), ConfigError> {
        let fields: [(&'static str, u64); 9] = [
            ("max_pools", u64::from(self.max_pools)),
            ("max_holds", u64::from(self.max_holds)),
            ("max_operations", u64::from(self.max_operations)),
            ("max_ttl_slots", self.max_ttl_slots),
            (
                "max_client_retry_window_slots",
                self.max_client_retry_window_slots,
            ),
            ("hold_history_window_slots", self.hold_history_window_slots),
            (
                "max_expiration_bucket_len",
                u64::from(self.max_expiration_bucket_len),
            ),
            (
                "max_wal_payload_bytes",
                u64::from(self.max_wal_payload_bytes),
            ),
            ("max_snapshot_bytes", self.max_snapshot_bytes),
        ];
        match fields.iter().find(|(_, value)| *value == 0) {
            Some((field, _)) => Err(ConfigError::Zero { field }),
            None => Ok(()),
        }
    }

    /// Checks every rule; the first violation wins (zero fields first, in field order).
    ///
    /// # Errors
    /// The violated rule, naming the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_nonzero()?;
        self.validate_capacities()?;
        if self.max_expiration_bucket_len > self.max_holds {
            return Err(ConfigError::ExpirationBucketLongerThanHoldTable {
                max_expiration_bucket_len: self.max_expiration_bucket_len,
                max_holds: self.max_holds,
            });
        }
        let needed = MAX_CLIENT_PAYLOAD_LEN as u64;
        if u64::from(self.max_wal_payload_bytes) < needed {
            return Err(ConfigError::WalPayloadTooSmall {
                max_wal_payload_bytes: self.max_wal_payload_bytes,
                needed,
            });
        }
        let entries =
            (u128::from(self.max_ttl_slots) + 1) * u128::from(self.max_expiration_bucket_len);
        if entries > u128::from(MAX_EXPIRATION_WHEEL_ENTRIES) {
            return Err(ConfigError::ExpirationWheelTooLarge { entries });
        }
        let needed = max_snapshot_file_len(self);
        if self.max_snapshot_bytes < needed {
            return Err(ConfigError::SnapshotLimitTooSmall {
                max_snapshot_bytes: self.max_snapshot_bytes,
                needed,
            });
        }
        Ok(())
    }

    /// Asserts [`Self::validate`].
    ///
    /// # Panics
    /// If the config is invalid.
    pub fn assert_valid(&self) {
        if let Err(error) = self.validate() {
            panic!("config must be valid: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_config_is_valid() {
        Config::small().validate().unwrap();
        Config::small().assert_valid();
    }

    #[test]
    fn each_zero_field_is_named() {
        type Setter = fn(&mut Config);
        let cases: [(&str, Setter); 9] = [
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
}
