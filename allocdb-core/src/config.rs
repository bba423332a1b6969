//! Engine configuration: every bound of every table, queue, index, payload and file.
//!
//! [`Config::validate`] rejects, with an error naming the field, any configuration the engine
//! could not honour; every structure is then allocated once, at open, from these numbers.

use std::fmt;

use runtime::wal::HEADER_LEN;

use crate::command_codec::max_client_payload_len;
use crate::snapshot::max_snapshot_file_len;

/// Upper bound on expiry-wheel entries (`(max_ttl_slots + 1) * max_expiration_bucket_len`),
/// so that a valid config cannot ask for an absurd allocation at open.
pub const MAX_EXPIRATION_WHEEL_ENTRIES: u64 = 1 << 24;

/// The largest capacity of any table (positions are `u32`, and a table's hashed index holds
/// twice its entries): a valid config never asks `open` for an allocation it cannot describe.
pub const MAX_TABLE_CAPACITY: u32 = 1 << 28;

/// The largest group-commit buffer a valid config may ask `open` for, in bytes: 128 MiB.
/// `open` allocates `max_batch_commands` (or [`TICK_BATCH`]) whole frames (`HEADER_LEN +
/// max_wal_payload_bytes` each) once, so this also caps `max_batch_commands` (131,072 frames of
/// 1 KiB; the tick's 64 frames allow payloads up to 2 MiB less a header) and keeps the product far inside `u64` and `usize`.
pub const MAX_BATCH_BUFFER_BYTES: u64 = 1 << 27;

/// Expiries the handle's `tick` writes per group commit: the buffer holds at least this many
/// frames whatever `max_batch_commands` is.
pub const TICK_BATCH: u32 = 64;

/// Every bound of an allocdb-core database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// High 64 bits of every lease id this shard creates.
    pub shard_id: u64,
    pub max_resources: u32,
    /// Leases kept in the table, live or terminal-but-not-yet-retired.
    pub max_leases: u32,
    /// Member records, across all leases in the table.
    pub max_lease_members: u32,
    pub max_bundle_size: u32,
    pub max_operations: u32,
    pub max_ttl_slots: u64,
    pub max_client_retry_window_slots: u64,
    pub lease_history_window_slots: u64,
    /// Leases per deadline slot in the expiry index.
    pub max_expiration_bucket_len: u32,
    pub max_wal_payload_bytes: u32,
    /// The largest snapshot file (payload and footer) that recovery will read.
    pub max_snapshot_bytes: u64,
    /// The most requests one `submit_batch` takes (at least 1): a longer batch is refused with
    /// `SubmitError::BatchTooLarge` before anything is written, and the group-commit buffer is
    /// sized from it once, at `open` (see [`Config::batch_buffer_bytes`]).
    pub max_batch_commands: u32,
}

/// Why a config was rejected; each variant names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A capacity, ttl or window is zero.
    Zero { field: &'static str },
    /// A table capacity is above [`MAX_TABLE_CAPACITY`].
    CapacityTooLarge { field: &'static str, value: u32 },
    /// `max_expiration_bucket_len` exceeds `max_leases`, the table the index points into.
    ExpirationBucketLongerThanLeaseTable {
        max_expiration_bucket_len: u32,
        max_leases: u32,
    },
    /// `max_bundle_size` exceeds `max_resources`.
    BundleLargerThanResourceTable {
        max_bundle_size: u32,
        max_resources: u32,
    },
    /// `max_lease_members` is below `max_bundle_size`.
    MemberTableSmallerThanBundle {
        max_lease_members: u32,
        max_bundle_size: u32,
    },
    /// `max_lease_members` is above `max_leases * max_bundle_size`.
    MemberTableLargerThanLeases { max_lease_members: u32, limit: u64 },
    /// `max_wal_payload_bytes` cannot hold the encoding of a full bundle.
    WalPayloadTooSmall {
        max_wal_payload_bytes: u32,
        needed: u64,
    },
    /// The expiry wheel (`max_ttl_slots`, `max_expiration_bucket_len`) is above
    /// [`MAX_EXPIRATION_WHEEL_ENTRIES`].
    ExpirationWheelTooLarge { entries: u128 },
    /// `max_snapshot_bytes` cannot hold the snapshot of full tables, so a checkpoint could
    /// write a file that recovery refuses.
    SnapshotLimitTooSmall {
        max_snapshot_bytes: u64,
        needed: u64,
    },
    /// The group-commit buffer (`max_batch_commands` or [`TICK_BATCH`] whole frames) is above
    /// [`MAX_BATCH_BUFFER_BYTES`].
    BatchBufferTooLarge {
        max_batch_commands: u32,
        buffer_bytes: u64,
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
            Self::ExpirationBucketLongerThanLeaseTable {
                max_expiration_bucket_len,
                max_leases,
            } => {
                write!(
                    f,
                    "max_expiration_bucket_len {max_expiration_bucket_len} exceeds max_leases {max_leases}"
                )
            }
            Self::BundleLargerThanResourceTable {
                max_bundle_size,
                max_resources,
            } => write!(
                f,
                "max_bundle_size {max_bundle_size} exceeds max_resources {max_resources}"
            ),
            Self::MemberTableSmallerThanBundle {
                max_lease_members,
                max_bundle_size,
            } => write!(
                f,
                "max_lease_members {max_lease_members} is below max_bundle_size {max_bundle_size}"
            ),
            Self::MemberTableLargerThanLeases {
                max_lease_members,
                limit,
            } => write!(
                f,
                "max_lease_members {max_lease_members} exceeds max_leases * max_bundle_size {limit}"
            ),
            Self::WalPayloadTooSmall {
                max_wal_payload_bytes,
                needed,
            } => write!(
                f,
                "max_wal_payload_bytes {max_wal_payload_bytes} is below the {needed} bytes of a full bundle"
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
            Self::BatchBufferTooLarge {
                max_batch_commands,
                buffer_bytes,
            } => write!(
                f,
                "max_batch_commands {max_batch_commands} asks for a {buffer_bytes}-byte group-commit buffer \
                 (limit {MAX_BATCH_BUFFER_BYTES})"
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
            shard_id: 1,
            max_resources: 64,
            max_leases: 64,
            max_lease_members: 128,
            max_bundle_size: 4,
            max_operations: 128,
            max_ttl_slots: 16,
            max_client_retry_window_slots: 8,
            lease_history_window_slots: 4,
            max_expiration_bucket_len: 8,
            max_wal_payload_bytes: 1024,
            max_snapshot_bytes: 1 << 16,
            max_batch_commands: 64,
        }
    }

    fn validate_capacities(&self) -> Result<(), ConfigError> {
        let tables: [(&'static str, u32); 4] = [
            ("max_resources", self.max_resources),
            ("max_leases", self.max_leases),
            ("max_lease_members", self.max_lease_members),
            ("max_operations", self.max_operations),
        ];
        match tables.iter().find(|(_, value)| *value > MAX_TABLE_CAPACITY) {
            Some(&(field, value)) => Err(ConfigError::CapacityTooLarge { field, value }),
            None => Ok(()),
        }
    }

    fn validate_nonzero(&self) -> Result<(), ConfigError> {
        let fields: [(&'static str, u64); 12] = [
            ("max_resources", u64::from(self.max_resources)),
            ("max_leases", u64::from(self.max_leases)),
            ("max_lease_members", u64::from(self.max_lease_members)),
            ("max_bundle_size", u64::from(self.max_bundle_size)),
            ("max_operations", u64::from(self.max_operations)),
            ("max_ttl_slots", self.max_ttl_slots),
            (
                "max_client_retry_window_slots",
                self.max_client_retry_window_slots,
            ),
            (
                "lease_history_window_slots",
                self.lease_history_window_slots,
            ),
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

    /// The bytes `open` reserves for the group-commit buffer: the larger of
    /// `max_batch_commands` and the tick's [`TICK_BATCH`], in whole frames of `HEADER_LEN +
    /// max_wal_payload_bytes` bytes, so that no batch ever grows it. Computed in `u64`: two `u32` factors cannot overflow it.
    #[must_use]
    pub fn batch_buffer_bytes(&self) -> u64 {
        let frames = self.max_batch_commands.max(TICK_BATCH);
        u64::from(frames) * (HEADER_LEN as u64 + u64::from(self.max_wal_payload_bytes))
    }

    /// Checks every rule; the first violation wins (zero fields first, in field order).
    ///
    /// # Errors
    /// The violated rule, naming the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_nonzero()?;
        self.validate_capacities()?;
        if self.max_expiration_bucket_len > self.max_leases {
            return Err(ConfigError::ExpirationBucketLongerThanLeaseTable {
                max_expiration_bucket_len: self.max_expiration_bucket_len,
                max_leases: self.max_leases,
            });
        }
        if self.max_bundle_size > self.max_resources {
            return Err(ConfigError::BundleLargerThanResourceTable {
                max_bundle_size: self.max_bundle_size,
                max_resources: self.max_resources,
            });
        }
        if self.max_lease_members < self.max_bundle_size {
            return Err(ConfigError::MemberTableSmallerThanBundle {
                max_lease_members: self.max_lease_members,
                max_bundle_size: self.max_bundle_size,
            });
        }
        let limit = u64::from(self.max_leases) * u64::from(self.max_bundle_size);
        if u64::from(self.max_lease_members) > limit {
            return Err(ConfigError::MemberTableLargerThanLeases {
                max_lease_members: self.max_lease_members,
                limit,
            });
        }
        let needed = max_client_payload_len(self.max_bundle_size as usize) as u64;
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
        let buffer_bytes = self.batch_buffer_bytes();
        if buffer_bytes > MAX_BATCH_BUFFER_BYTES {
            return Err(ConfigError::BatchBufferTooLarge {
                max_batch_commands: self.max_batch_commands,
                buffer_bytes,
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
#[path = "config_tests.rs"]
mod tests;
