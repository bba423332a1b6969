//! Engine configuration: every bound of every table, queue, payload and file.
//!
//! [`Config::validate`] rejects, with an error naming the field, any configuration the engine
//! could not honour; every structure is then allocated once, at open, from these numbers.

use std::fmt;

use runtime::wal::HEADER_LEN;

use crate::command_codec::MAX_CLIENT_PAYLOAD_LEN;
use crate::snapshot::max_snapshot_file_len;

/// The largest capacity of any table (positions are `u32`, and a table's hashed index holds
/// twice its entries): a valid config never asks `open` for an allocation it cannot describe.
pub const MAX_TABLE_CAPACITY: u32 = 1 << 28;

/// The largest group-commit buffer a valid config may ask `open` for, in bytes: 128 MiB.
/// `open` allocates `max_batch_commands` whole frames (`HEADER_LEN +
/// max_wal_payload_bytes` each) once, so this also caps `max_batch_commands` (131,072 frames of
/// 1 KiB) and keeps the product far inside `u64` and `usize`.
pub const MAX_BATCH_BUFFER_BYTES: u64 = 1 << 27;

/// Every bound of a quota-core database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub max_buckets: u32,
    pub max_operations: u32,
    pub max_client_retry_window_slots: u64,
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
    /// A capacity, window or limit is zero.
    Zero { field: &'static str },
    /// A table capacity is above [`MAX_TABLE_CAPACITY`].
    CapacityTooLarge { field: &'static str, value: u32 },
    /// `max_wal_payload_bytes` cannot hold the encoding of the largest command.
    WalPayloadTooSmall {
        max_wal_payload_bytes: u32,
        needed: u64,
    },
    /// `max_snapshot_bytes` cannot hold the snapshot of full tables, so a checkpoint could
    /// write a file that recovery refuses.
    SnapshotLimitTooSmall {
        max_snapshot_bytes: u64,
        needed: u64,
    },
    /// The group-commit buffer (`max_batch_commands` whole frames) is above
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
            Self::WalPayloadTooSmall {
                max_wal_payload_bytes,
                needed,
            } => write!(
                f,
                "max_wal_payload_bytes {max_wal_payload_bytes} is below the {needed} bytes of the largest command"
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
            max_buckets: 64,
            max_operations: 128,
            max_client_retry_window_slots: 8,
            max_wal_payload_bytes: 1024,
            max_snapshot_bytes: 1 << 20,
            max_batch_commands: 64,
        }
    }

    fn validate_capacities(&self) -> Result<(), ConfigError> {
        let tables: [(&'static str, u32); 2] = [
            ("max_buckets", self.max_buckets),
            ("max_operations", self.max_operations),
        ];
        match tables.iter().find(|(_, value)| *value > MAX_TABLE_CAPACITY) {
            Some(&(field, value)) => Err(ConfigError::CapacityTooLarge { field, value }),
            None => Ok(()),
        }
    }

    fn validate_nonzero(&self) -> Result<(), ConfigError> {
        let fields: [(&'static str, u64); 6] = [
            ("max_buckets", u64::from(self.max_buckets)),
            ("max_operations", u64::from(self.max_operations)),
            (
                "max_client_retry_window_slots",
                self.max_client_retry_window_slots,
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

    /// The bytes `open` reserves for the group-commit buffer: `max_batch_commands` whole frames
    /// of `HEADER_LEN + max_wal_payload_bytes` bytes, so that no batch ever grows it. Computed in `u64`: two `u32` factors cannot overflow it.
    #[must_use]
    pub fn batch_buffer_bytes(&self) -> u64 {
        let frames = self.max_batch_commands;
        u64::from(frames) * (HEADER_LEN as u64 + u64::from(self.max_wal_payload_bytes))
    }

    /// Checks every rule; the first violation wins (zero fields first, in field order).
    ///
    /// # Errors
    /// The violated rule, naming the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_nonzero()?;
        self.validate_capacities()?;
        let needed = MAX_CLIENT_PAYLOAD_LEN as u64;
        if u64::from(self.max_wal_payload_bytes) < needed {
            return Err(ConfigError::WalPayloadTooSmall {
                max_wal_payload_bytes: self.max_wal_payload_bytes,
                needed,
            });
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
