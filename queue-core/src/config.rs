//! Engine configuration: every bound of every table, queue, index, payload, batch and file.
//!
//! [`Config::validate`] rejects, with an error naming the field, any configuration the engine
//! could not honour; every structure is then allocated once, at open, from these numbers.

use std::fmt;

use crate::command_codec::MAX_CLIENT_PAYLOAD_LEN;
use crate::snapshot::max_snapshot_file_len;

/// Upper bound on deadline-wheel entries (`(max_visibility_slots + 1) *
/// max_expiration_bucket_len`), so that a valid config cannot ask for an absurd allocation.
pub const MAX_EXPIRATION_WHEEL_ENTRIES: u64 = 1 << 24;

/// The largest capacity of any table (positions are `u32`, and a table's hashed index holds
/// twice its entries): a valid config never asks `open` for an allocation it cannot describe.
pub const MAX_TABLE_CAPACITY: u32 = 1 << 28;

/// The largest `max_batch_commands`: the group-commit buffer is reserved for that many frames.
pub const MAX_BATCH_COMMANDS: u32 = 1 << 16;

/// Every bound of a queue-core database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub max_queues: u32,
    /// Jobs kept in the table, live or terminal-but-not-yet-retired (also the ready-index pool).
    pub max_jobs: u32,
    pub max_operations: u32,
    pub max_delay_slots: u64,
    pub max_visibility_slots: u64,
    pub max_client_retry_window_slots: u64,
    pub job_history_window_slots: u64,
    /// Claims per deadline slot in the deadline index.
    pub max_expiration_bucket_len: u32,
    pub max_wal_payload_bytes: u32,
    /// The largest snapshot file (payload and footer) recovery will read.
    pub max_snapshot_bytes: u64,
    /// The most requests one `submit_batch` takes.
    pub max_batch_commands: u32,
}

/// Why a config was rejected; each variant names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A capacity, range, window or limit is zero.
    Zero { field: &'static str },
    /// A table capacity or the batch bound is above its ceiling.
    CapacityTooLarge {
        field: &'static str,
        value: u32,
        max: u32,
    },
    /// `max_expiration_bucket_len` exceeds `max_jobs`, the table the index points into.
    ExpirationBucketLongerThanJobTable {
        max_expiration_bucket_len: u32,
        max_jobs: u32,
    },
    /// `max_wal_payload_bytes` cannot hold the encoding of the largest command.
    WalPayloadTooSmall {
        max_wal_payload_bytes: u32,
        needed: u64,
    },
    /// The deadline wheel is above [`MAX_EXPIRATION_WHEEL_ENTRIES`].
    ExpirationWheelTooLarge { entries: u128 },
    /// `max_snapshot_bytes` cannot hold the snapshot file of full tables.
    SnapshotLimitTooSmall {
        max_snapshot_bytes: u64,
        needed: u64,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero { field } => write!(f, "{field} must be greater than zero"),
            Self::CapacityTooLarge { field, value, max } => {
                write!(f, "{field} {value} is above its ceiling {max}")
            }
            Self::ExpirationBucketLongerThanJobTable {
                max_expiration_bucket_len,
                max_jobs,
            } => {
                write!(
                    f,
                    "max_expiration_bucket_len {max_expiration_bucket_len} exceeds max_jobs {max_jobs}"
                )
            }
            Self::WalPayloadTooSmall {
                max_wal_payload_bytes,
                needed,
            } => write!(
                f,
                "max_wal_payload_bytes {max_wal_payload_bytes} is below the {needed} bytes of the largest command"
            ),
            Self::ExpirationWheelTooLarge { entries } => write!(
                f,
                "max_visibility_slots and max_expiration_bucket_len ask for {entries} deadline \
                 entries (limit {MAX_EXPIRATION_WHEEL_ENTRIES})"
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
            max_queues: 4,
            max_jobs: 32,
            max_operations: 64,
            max_delay_slots: 16,
            max_visibility_slots: 16,
            max_client_retry_window_slots: 8,
            job_history_window_slots: 4,
            max_expiration_bucket_len: 8,
            max_wal_payload_bytes: 256,
            max_snapshot_bytes: 1 << 16,
            max_batch_commands: 16,
        }
    }

    fn validate_nonzero(&self) -> Result<(), ConfigError> {
        let fields: [(&'static str, u64); 11] = [
            ("max_queues", u64::from(self.max_queues)),
            ("max_jobs", u64::from(self.max_jobs)),
            ("max_operations", u64::from(self.max_operations)),
            ("max_delay_slots", self.max_delay_slots),
            ("max_visibility_slots", self.max_visibility_slots),
            (
                "max_client_retry_window_slots",
                self.max_client_retry_window_slots,
            ),
            ("job_history_window_slots", self.job_history_window_slots),
            (
                "max_expiration_bucket_len",
                u64::from(self.max_expiration_bucket_len),
            ),
            (
                "max_wal_payload_bytes",
                u64::from(self.max_wal_payload_bytes),
            ),
            ("max_snapshot_bytes", self.max_snapshot_bytes),
            ("max_batch_commands", u64::from(self.max_batch_commands)),
        ];
        match fields.iter().find(|(_, value)| *value == 0) {
            Some((field, _)) => Err(ConfigError::Zero { field }),
            None => Ok(()),
        }
    }

    fn validate_capacities(&self) -> Result<(), ConfigError> {
        let bounds: [(&'static str, u32, u32); 4] = [
            ("max_queues", self.max_queues, MAX_TABLE_CAPACITY),
            ("max_jobs", self.max_jobs, MAX_TABLE_CAPACITY),
            ("max_operations", self.max_operations, MAX_TABLE_CAPACITY),
            (
                "max_batch_commands",
                self.max_batch_commands,
                MAX_BATCH_COMMANDS,
            ),
        ];
        match bounds.iter().find(|(_, value, max)| value > max) {
            Some(&(field, value, max)) => Err(ConfigError::CapacityTooLarge { field, value, max }),
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
        if self.max_expiration_bucket_len > self.max_jobs {
            return Err(ConfigError::ExpirationBucketLongerThanJobTable {
                max_expiration_bucket_len: self.max_expiration_bucket_len,
                max_jobs: self.max_jobs,
            });
        }
        let needed = MAX_CLIENT_PAYLOAD_LEN as u64;
        if u64::from(self.max_wal_payload_bytes) < needed {
            return Err(ConfigError::WalPayloadTooSmall {
                max_wal_payload_bytes: self.max_wal_payload_bytes,
                needed,
            });
        }
        let entries = (u128::from(self.max_visibility_slots) + 1)
            * u128::from(self.max_expiration_bucket_len);
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

    type Setter = fn(&mut Config);

    #[test]
    fn small_config_is_valid() {
        Config::small().validate().unwrap();
        Config::small().assert_valid();
    }

    #[test]
    fn each_zero_field_is_named() {
        let cases: [(&str, Setter); 11] = [
            ("max_queues", |c| c.max_queues = 0),
            ("max_jobs", |c| c.max_jobs = 0),
            ("max_operations", |c| c.max_operations = 0),
            ("max_delay_slots", |c| c.max_delay_slots = 0),
            ("max_visibility_slots", |c| c.max_visibility_slots = 0),
            ("max_client_retry_window_slots", |c| {
                c.max_client_retry_window_slots = 0;
            }),
            ("job_history_window_slots", |c| {
                c.job_history_window_slots = 0;
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
    fn each_oversized_capacity_is_named_before_allocating() {
        let cases: [(&str, Setter, u32); 4] = [
            (
                "max_queues",
                |c| c.max_queues = MAX_TABLE_CAPACITY + 1,
                MAX_TABLE_CAPACITY,
            ),
            (
                "max_jobs",
                |c| c.max_jobs = MAX_TABLE_CAPACITY + 1,
                MAX_TABLE_CAPACITY,
            ),
            (
                "max_operations",
                |c| c.max_operations = MAX_TABLE_CAPACITY + 1,
                MAX_TABLE_CAPACITY,
            ),
            (
                "max_batch_commands",
                |c| c.max_batch_commands = MAX_BATCH_COMMANDS + 1,
                MAX_BATCH_COMMANDS,
            ),
        ];
        for (field, set, max) in cases {
            let mut config = Config::small();
            set(&mut config);
            let error = config.validate().unwrap_err();
            assert_eq!(
                error,
                ConfigError::CapacityTooLarge {
                    field,
                    value: max + 1,
                    max
                }
            );
            assert!(error.to_string().starts_with(field), "{error}");
        }
    }

    #[test]
    fn relational_rules_are_checked() {
        let mut config = Config::small();
        config.max_expiration_bucket_len = config.max_jobs + 1;
        assert_eq!(
            config.validate(),
            Err(ConfigError::ExpirationBucketLongerThanJobTable {
                max_expiration_bucket_len: 33,
                max_jobs: 32
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
        config.max_visibility_slots = MAX_EXPIRATION_WHEEL_ENTRIES;
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
            ConfigError::ExpirationBucketLongerThanJobTable {
                max_expiration_bucket_len: 7,
                max_jobs: 1,
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
            ConfigError::CapacityTooLarge {
                field: "max_jobs",
                value: 7,
                max: 1,
            },
        ] {
            assert!(error.to_string().contains('7'));
        }
    }
}
