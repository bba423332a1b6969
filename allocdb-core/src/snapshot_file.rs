//! The snapshot file: opaque bytes written atomically, followed by a 16-byte footer.
//!
//! Writing goes through [`replace_file_atomically`] (temp file, sync, rename, sync directory),
//! so a crash leaves either the previous snapshot or the new one, never a mix. For allocdb-core
//! the file holds the encoded snapshot bytes followed by a footer (all little-endian):
//!
//! | offset from the footer start | size | field |
//! |---|---|---|
//! | 0 | 4 | footer magic (`b"ALSF"` read as `u32::from_le_bytes`) |
//! | 4 | 8 | payload length (the bytes before the footer) |
//! | 12 | 4 | CRC32C of the payload |
//!
//! Reading rejects a file above `max_snapshot_bytes` before reading it whole, then checks the
//! footer magic, the length and the checksum, in that order, before anything decodes the
//! payload. The two steps are also separate functions ([`read_snapshot_bytes`], then
//! [`split_footer`]) because files written before the footer existed (snapshot version 1)
//! have none: `recovery` reads the bytes, and only a version-1 header skips the footer check.
//! That format history lives in recovery, not here.
//!
//! This module knows files and bytes only, never the snapshot schema.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use runtime::storage::Storage;
use runtime::wal_file::{FileError, FileOp, replace_file_atomically};

/// The footer magic: `b"ALSF"` as a little-endian `u32`.
pub const FOOTER_MAGIC: u32 = u32::from_le_bytes(*b"ALSF");
pub const FOOTER_MAGIC_OFFSET: usize = 0;
pub const FOOTER_LEN_OFFSET: usize = 4;
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
    Io(FileError),
    /// The file is larger than `max_snapshot_bytes` (checked before reading it).
    TooLarge {
        file_bytes: u64,
        max: u64,
    },
    /// The file is shorter than a footer.
    TooShort {
        file_bytes: u64,
    },
    BadFooterMagic {
        found: u32,
    },
    /// The footer's payload length differs from the bytes before the footer.
    LengthMismatch {
        stored: u64,
        actual: u64,
    },
    ChecksumMismatch {
        stored: u32,
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

fn io_error(op: FileOp, path: &Path, error: &io::Error) -> SnapshotFileError {
    SnapshotFileError::Io(FileError {
        op,
        path: PathBuf::from(path),
        kind: error.kind(),
    })
}

/// Appends the footer for `payload` (the bytes before it) to `out`.
pub fn append_footer(out: &mut Vec<u8>, payload_len: usize, payload_crc: u32) {
    out.extend_from_slice(&FOOTER_MAGIC.to_le_bytes());
    out.extend_from_slice(&(payload_len as u64).to_le_bytes());
    out.extend_from_slice(&payload_crc.to_le_bytes());
}

/// The file bytes for `payload`: the payload followed by its footer.
#[must_use]
pub fn with_footer(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + FOOTER_LEN);
    out.extend_from_slice(payload);
    append_footer(&mut out, payload.len(), crc32c::crc32c(payload));
    out
}

/// Checks the footer of whole-file `bytes` and returns the payload before it.
///
/// # Errors
/// `TooShort`, `BadFooterMagic`, `LengthMismatch`, `ChecksumMismatch`, in that order.
pub fn split_footer(bytes: &[u8]) -> Result<&[u8], SnapshotFileError> {
    let Some(footer_start) = bytes.len().checked_sub(FOOTER_LEN) else {
        return Err(SnapshotFileError::TooShort {
            file_bytes: bytes.len() as u64,
        });
    };
    let (payload, footer) = bytes.split_at(footer_start);
    let mut magic = [0; 4];
    magic.copy_from_slice(&footer[FOOTER_MAGIC_OFFSET..FOOTER_LEN_OFFSET]);
    let magic = u32::from_le_bytes(magic);
    if magic != FOOTER_MAGIC {
        return Err(SnapshotFileError::BadFooterMagic { found: magic });
    }
    let mut stored_len = [0; 8];
    stored_len.copy_from_slice(&footer[FOOTER_LEN_OFFSET..FOOTER_CRC_OFFSET]);
    let stored_len = u64::from_le_bytes(stored_len);
    if stored_len != payload.len() as u64 {
        return Err(SnapshotFileError::LengthMismatch {
            stored: stored_len,
            actual: payload.len() as u64,
        });
    }
    let mut stored_crc = [0; 4];
    stored_crc.copy_from_slice(&footer[FOOTER_CRC_OFFSET..FOOTER_LEN]);
    let stored = u32::from_le_bytes(stored_crc);
    let computed = crc32c::crc32c(payload);
    if stored != computed {
        return Err(SnapshotFileError::ChecksumMismatch { stored, computed });
    }
    Ok(payload)
}

/// Writes `payload` plus its footer as the snapshot at `path`, atomically.
///
/// # Errors
/// The first failed step; the previous snapshot survives unless the rename happened.
pub fn write_snapshot_file(
    path: &Path,
    payload: &[u8],
    ops: &mut dyn Storage,
) -> Result<(), SnapshotFileError> {
    replace_file_atomically(path, &with_footer(payload), ops).map_err(SnapshotFileError::Io)
}

/// Reads the whole snapshot file at `path`, footer included and unchecked; `Ok(None)` when
/// there is none. A file above `max_snapshot_bytes` is rejected before it is read.
///
/// # Errors
/// Any read failure other than the file not existing, or `TooLarge`.
pub fn read_snapshot_bytes(
    path: &Path,
    max_snapshot_bytes: u64,
) -> Result<Option<Vec<u8>>, SnapshotFileError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_error(FileOp::Open, path, &error)),
    };
    let file_bytes = file
        .metadata()
        .map_err(|error| io_error(FileOp::Read, path, &error))?
        .len();
    if file_bytes > max_snapshot_bytes {
        return Err(SnapshotFileError::TooLarge {
            file_bytes,
            max: max_snapshot_bytes,
        });
    }
    let mut bytes = Vec::new();
    // `take` keeps the bound even if the file grows after the size check.
    file.take(max_snapshot_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| io_error(FileOp::Read, path, &error))?;
    if bytes.len() as u64 > max_snapshot_bytes {
        return Err(SnapshotFileError::TooLarge {
            file_bytes: bytes.len() as u64,
            max: max_snapshot_bytes,
        });
    }
    Ok(Some(bytes))
}

/// Reads the snapshot at `path` and returns its verified payload; `Ok(None)` when there is
/// none. A file above `max_snapshot_bytes` is rejected before it is read.
///
/// # Errors
/// Any read failure other than the file not existing, or a footer error.
pub fn read_snapshot_file(
    path: &Path,
    max_snapshot_bytes: u64,
) -> Result<Option<Vec<u8>>, SnapshotFileError> {
    let Some(mut bytes) = read_snapshot_bytes(path, max_snapshot_bytes)? else {
        return Ok(None);
    };
    let payload_len = split_footer(&bytes)?.len();
    bytes.truncate(payload_len);
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use runtime::storage::DiskStorage;
    use runtime::testkit::FaultyStorage;
    use std::fs;

    const MAX: u64 = 1 << 20;

    #[test]
    fn missing_snapshot_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_snapshot_file(&dir.path().join("snapshot"), MAX),
            Ok(None)
        );
    }

    #[test]
    fn written_bytes_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        write_snapshot_file(&path, b"first", &mut DiskStorage).unwrap();
        write_snapshot_file(&path, b"second", &mut DiskStorage).unwrap();
        assert_eq!(read_snapshot_file(&path, MAX), Ok(Some(b"second".to_vec())));
        assert!(!dir.path().join("snapshot.tmp").exists());
        assert_eq!(fs::read(&path).unwrap().len(), 6 + FOOTER_LEN);
    }

    #[test]
    fn footer_has_the_documented_layout() {
        let bytes = with_footer(b"abc");
        assert_eq!(&bytes[..3], b"abc");
        assert_eq!(&bytes[3..7], b"ALSF");
        assert_eq!(&bytes[7..15], &3_u64.to_le_bytes());
        assert_eq!(&bytes[15..19], &crc32c::crc32c(b"abc").to_le_bytes());
        assert_eq!(split_footer(&bytes), Ok(&b"abc"[..]));
    }

    #[test]
    fn empty_snapshot_is_kept_as_empty_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        write_snapshot_file(&path, b"", &mut DiskStorage).unwrap();
        assert_eq!(read_snapshot_file(&path, MAX), Ok(Some(Vec::new())));
    }

    #[test]
    fn each_footer_error_is_typed() {
        let good = with_footer(b"payload");
        let footer = good.len() - FOOTER_LEN;
        assert_eq!(
            split_footer(&good[..15]),
            Err(SnapshotFileError::TooShort { file_bytes: 15 })
        );
        let mut bad_magic = good.clone();
        bad_magic[footer] ^= 1;
        assert!(matches!(
            split_footer(&bad_magic),
            Err(SnapshotFileError::BadFooterMagic { .. })
        ));
        let mut bad_len = good.clone();
        bad_len[footer + FOOTER_LEN_OFFSET] ^= 1;
        assert_eq!(
            split_footer(&bad_len),
            Err(SnapshotFileError::LengthMismatch {
                stored: 6,
                actual: 7
            })
        );
        let mut bad_crc = good.clone();
        bad_crc[0] ^= 1;
        assert!(matches!(
            split_footer(&bad_crc),
            Err(SnapshotFileError::ChecksumMismatch { .. })
        ));
    }

    #[test]
    fn raw_read_returns_the_footer_unchecked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        assert_eq!(read_snapshot_bytes(&path, MAX), Ok(None));
        fs::write(&path, b"no footer").unwrap();
        assert_eq!(
            read_snapshot_bytes(&path, MAX),
            Ok(Some(b"no footer".to_vec()))
        );
        assert_eq!(
            read_snapshot_bytes(&path, 8),
            Err(SnapshotFileError::TooLarge {
                file_bytes: 9,
                max: 8
            })
        );
        assert!(matches!(
            read_snapshot_file(&path, MAX),
            Err(SnapshotFileError::TooShort { file_bytes: 9 })
        ));
    }

    #[test]
    fn oversized_file_is_rejected_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        write_snapshot_file(&path, &[7; 100], &mut DiskStorage).unwrap();
        assert_eq!(
            read_snapshot_file(&path, 115),
            Err(SnapshotFileError::TooLarge {
                file_bytes: 116,
                max: 115
            })
        );
        assert_eq!(read_snapshot_file(&path, 116), Ok(Some(vec![7; 100])));
    }

    #[test]
    fn failed_write_keeps_the_previous_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        let mut faults = FaultyStorage::new();
        write_snapshot_file(&path, b"good", &mut faults).unwrap();
        faults.fail_nth_write(1);
        let error = write_snapshot_file(&path, b"bad", &mut faults).unwrap_err();
        assert!(matches!(&error, SnapshotFileError::Io(e) if e.op == FileOp::Write));
        faults.short_nth_write(1);
        assert!(write_snapshot_file(&path, b"also bad", &mut faults).is_err());
        faults.fail_nth_sync(1);
        assert!(write_snapshot_file(&path, b"bad again", &mut faults).is_err());
        assert_eq!(read_snapshot_file(&path, MAX), Ok(Some(b"good".to_vec())));
        assert!(error.to_string().starts_with("snapshot file:"));
    }

    #[test]
    fn unreadable_path_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be read as a file, even as root.
        let error = read_snapshot_file(dir.path(), MAX).unwrap_err();
        assert!(matches!(error, SnapshotFileError::Io(FileError { .. })));
    }

    #[test]
    fn errors_display_their_numbers() {
        for error in [
            SnapshotFileError::TooLarge {
                file_bytes: 9,
                max: 8,
            },
            SnapshotFileError::TooShort { file_bytes: 9 },
            SnapshotFileError::BadFooterMagic { found: 9 },
            SnapshotFileError::LengthMismatch {
                stored: 9,
                actual: 8,
            },
            SnapshotFileError::ChecksumMismatch {
                stored: 9,
                computed: 8,
            },
        ] {
            assert!(error.to_string().contains('9'), "{error}");
        }
    }
}
