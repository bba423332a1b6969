//! The snapshot file discipline: opaque bytes written atomically, followed by a 16-byte footer
//! that names the owner and proves the bytes whole.
//!
//! Writing goes through [`replace_file_atomically`] (temp file, sync, rename, sync directory),
//! so a crash leaves either the previous file or the new one, never a mix. The file holds the
//! payload followed by a footer (all little-endian):
//!
//! | offset from the footer start | size | field |
//! |---|---|---|
//! | 0 | 4 | footer magic (the engine's four bytes, a [`Magic`]) |
//! | 4 | 8 | payload length (the bytes before the footer) |
//! | 12 | 4 | CRC32C of the payload |
//!
//! Reading refuses a file above the caller's size bound before reading it whole (and keeps
//! the bound if the file grows meanwhile), then checks the footer magic, the length and the
//! checksum, in that order, before the caller decodes anything. Every failure is a typed
//! [`SnapshotFileError`]; nothing here panics on any file content.
//!
//! This module frames bytes; the engine names them. It never knows the snapshot schema, its
//! versions or its history: an engine that must read files written before the footer existed
//! reads the raw bytes ([`read_snapshot_bytes`]) and decides above this module.

use std::fmt;
use std::io;
use std::path::Path;

use crate::storage::Storage;
pub use crate::wal::Magic;
use crate::wal_file::{FileError, FileOp, replace_file_atomically};

/// Footer offset of the magic (4 bytes).
pub const FOOTER_MAGIC_OFFSET: usize = 0;
/// Footer offset of the payload length (8 bytes).
pub const FOOTER_LEN_OFFSET: usize = 4;
/// Footer offset of the payload's CRC32C (4 bytes).
pub const FOOTER_CRC_OFFSET: usize = 12;
/// Bytes in the footer.
pub const FOOTER_LEN: usize = 16;

const _: () = assert!(FOOTER_LEN_OFFSET == FOOTER_MAGIC_OFFSET + 4);
const _: () = assert!(FOOTER_CRC_OFFSET == FOOTER_LEN_OFFSET + 8);
const _: () = assert!(FOOTER_LEN == FOOTER_CRC_OFFSET + 4);
const _: () = assert!(FOOTER_LEN == 16);

/// A snapshot file could not be read or written, or its footer does not match its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotFileError {
    /// A file operation failed.
    Io(FileError),
    /// The file is (or would be) larger than the caller's bound; checked before reading it.
    TooLarge {
        /// The file's size in bytes.
        file_bytes: u64,
        /// The bound.
        max: u64,
    },
    /// The file is shorter than a footer.
    TooShort {
        /// The file's size in bytes.
        file_bytes: u64,
    },
    /// The footer's magic is not the caller's.
    BadFooterMagic {
        /// The magic found, as the little-endian `u32` the footer stores.
        found: u32,
    },
    /// The footer's payload length differs from the bytes before the footer.
    LengthMismatch {
        /// The length the footer states.
        stored: u64,
        /// The bytes before the footer.
        actual: u64,
    },
    /// The payload's CRC32C differs from the footer's.
    ChecksumMismatch {
        /// The checksum the footer states.
        stored: u32,
        /// The checksum of the payload.
        computed: u32,
    },
}

impl fmt::Display for SnapshotFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(error) => write!(f, "snapshot file: {error}"),
            Self::TooLarge { file_bytes, max } => write!(
                f,
                "snapshot file: {file_bytes} bytes above max_snapshot_bytes {max}"
            ),
            Self::TooShort { file_bytes } => {
                write!(f, "snapshot file: {file_bytes} bytes cannot hold a footer")
            }
            Self::BadFooterMagic { found } => {
                write!(f, "snapshot file: bad footer magic {found:#010x}")
            }
            Self::LengthMismatch { stored, actual } => write!(
                f,
                "snapshot file: footer says {stored} payload bytes, file has {actual}"
            ),
            Self::ChecksumMismatch { stored, computed } => write!(
                f,
                "snapshot file: checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
        }
    }
}

impl std::error::Error for SnapshotFileError {}

impl SnapshotFileError {
    /// Whether the file's bytes are damaged (too short for a footer, a bad footer magic, a
    /// length or checksum mismatch): what a flipped or torn byte produces. A failed read
    /// ([`Self::Io`]) or a file above the caller's bound ([`Self::TooLarge`]) is not.
    #[must_use]
    pub fn is_corruption(&self) -> bool {
        match self {
            Self::Io(_) | Self::TooLarge { .. } => false,
            Self::TooShort { .. }
            | Self::BadFooterMagic { .. }
            | Self::LengthMismatch { .. }
            | Self::ChecksumMismatch { .. } => true,
        }
    }
}

fn io_error(op: FileOp, path: &Path, error: &io::Error) -> SnapshotFileError {
    SnapshotFileError::Io(FileError::new(op, path, error))
}

/// Appends the footer of a payload of `payload_len` bytes with checksum `payload_crc` to `out`.
pub fn append_footer(out: &mut Vec<u8>, magic: Magic, payload_len: usize, payload_crc: u32) {
    out.extend_from_slice(&magic.get().to_le_bytes());
    out.extend_from_slice(&(payload_len as u64).to_le_bytes());
    out.extend_from_slice(&payload_crc.to_le_bytes());
}

/// The file bytes for `payload`: the payload followed by its footer under `magic`.
#[must_use]
pub fn with_footer(payload: &[u8], magic: Magic) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + FOOTER_LEN);
    out.extend_from_slice(payload);
    append_footer(&mut out, magic, payload.len(), crc32c::crc32c(payload));
    out
}

fn field<const N: usize>(footer: &[u8], at: usize) -> [u8; N] {
    let mut raw = [0; N];
    raw.copy_from_slice(&footer[at..at + N]);
    raw
}

/// Checks the footer of whole-file `bytes` against `magic` and returns the payload before it.
///
/// # Errors
/// `TooShort`, `BadFooterMagic`, `LengthMismatch`, `ChecksumMismatch`, checked in that order.
pub fn split_footer(bytes: &[u8], magic: Magic) -> Result<&[u8], SnapshotFileError> {
    let Some(footer_start) = bytes.len().checked_sub(FOOTER_LEN) else {
        return Err(SnapshotFileError::TooShort {
            file_bytes: bytes.len() as u64,
        });
    };
    let (payload, footer) = bytes.split_at(footer_start);
    let found = u32::from_le_bytes(field(footer, FOOTER_MAGIC_OFFSET));
    if found != magic.get() {
        return Err(SnapshotFileError::BadFooterMagic { found });
    }
    let stored = u64::from_le_bytes(field(footer, FOOTER_LEN_OFFSET));
    if stored != payload.len() as u64 {
        return Err(SnapshotFileError::LengthMismatch {
            stored,
            actual: payload.len() as u64,
        });
    }
    let stored = u32::from_le_bytes(field(footer, FOOTER_CRC_OFFSET));
    let computed = crc32c::crc32c(payload);
    if stored != computed {
        return Err(SnapshotFileError::ChecksumMismatch { stored, computed });
    }
    Ok(payload)
}

/// Writes `payload` plus its footer under `magic` as the file at `path`, atomically.
///
/// # Errors
/// `TooLarge` when the file would exceed `max_file_bytes` (nothing is written); otherwise the
/// first failed step, and the previous file survives unless the rename happened.
pub fn write_snapshot_file(
    path: &Path,
    payload: &[u8],
    magic: Magic,
    max_file_bytes: u64,
    storage: &mut dyn Storage,
) -> Result<(), SnapshotFileError> {
    let file_bytes = (payload.len() + FOOTER_LEN) as u64;
    if file_bytes > max_file_bytes {
        return Err(SnapshotFileError::TooLarge {
            file_bytes,
            max: max_file_bytes,
        });
    }
    replace_file_atomically(path, &with_footer(payload, magic), storage)
        .map_err(SnapshotFileError::Io)
}

/// Reads the whole file at `path`, footer included and unchecked; `Ok(None)` when there is
/// none. A file above `max_file_bytes` is refused before it is read, and the read stops one
/// byte past the bound if the file grew after the size check.
///
/// # Errors
/// Any failure to stat or read other than the file not existing (`Io`), or `TooLarge`.
pub fn read_snapshot_bytes(
    path: &Path,
    max_file_bytes: u64,
    storage: &dyn Storage,
) -> Result<Option<Vec<u8>>, SnapshotFileError> {
    let file_bytes = match storage.file_len(path) {
        Ok(len) => len,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_error(FileOp::Open, path, &error)),
    };
    if file_bytes > max_file_bytes {
        return Err(SnapshotFileError::TooLarge {
            file_bytes,
            max: max_file_bytes,
        });
    }
    let bytes = storage
        .read_prefix(path, max_file_bytes.saturating_add(1))
        .map_err(|error| io_error(FileOp::Read, path, &error))?;
    if bytes.len() as u64 > max_file_bytes {
        return Err(SnapshotFileError::TooLarge {
            file_bytes: bytes.len() as u64,
            max: max_file_bytes,
        });
    }
    Ok(Some(bytes))
}

/// Reads the file at `path` and returns its payload, verified against the footer under
/// `magic`; `Ok(None)` when there is none. A file above `max_file_bytes` is refused before it
/// is read.
///
/// # Errors
/// As [`read_snapshot_bytes`], then as [`split_footer`].
pub fn read_snapshot_file(
    path: &Path,
    magic: Magic,
    max_file_bytes: u64,
    storage: &dyn Storage,
) -> Result<Option<Vec<u8>>, SnapshotFileError> {
    let Some(mut bytes) = read_snapshot_bytes(path, max_file_bytes, storage)? else {
        return Ok(None);
    };
    let payload_len = split_footer(&bytes, magic)?.len();
    bytes.truncate(payload_len);
    Ok(Some(bytes))
}

#[cfg(test)]
#[path = "snapshot_file_tests.rs"]
mod tests;
