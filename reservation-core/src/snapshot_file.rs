//! The snapshot file: encoded snapshot bytes plus a 16-byte footer, written atomically.
//!
//! Writing goes through [`replace_file_atomically`] (temp file, sync, rename, sync directory),
//! so a crash leaves either the previous snapshot or the new one, never a mix. For
//! reservation-core the file holds the encoded snapshot bytes followed by a footer (all
//! little-endian):
//!
//! | offset from the footer start | size | field |
//! |---|---|---|
//! | 0 | 4 | footer magic (`b"RSSF"` read as `u32::from_le_bytes`) |
//! | 4 | 8 | payload length (the bytes before the footer) |
//! | 12 | 4 | CRC32C of the payload |
//!
//! Reading rejects a file above the size limit before reading it whole, then checks the footer
//! magic, the length and the checksum, in that order, before anyone decodes the payload.
//!
//! This module knows files and bytes only, never the snapshot schema.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::wal_file::{FileError, FileOp, FileOps, replace_file_atomically};

/// The footer magic: `b"RSSF"` as a little-endian `u32`.
pub const FOOTER_MAGIC: u32 = u32::from_le_bytes(*b"RSSF");
pub const FOOTER_MAGIC_OFFSET: usize = 0;
pub const FOOTER_LEN_OFFSET: usize = 4;
pub const FOOTER_CRC_OFFSET: usize = 12;
/// Bytes in the footer.
pub const FOOTER_LEN: usize = 16;

const _: () = assert!(FOOTER_LEN_OFFSET == FOOTER_MAGIC_OFFSET + 4);
const _: () = assert!(FOOTER_CRC_OFFSET == FOOTER_LEN_OFFSET + 8);
const _: () = assert!(FOOTER_LEN == FOOTER_CRC_OFFSET + 4);

/// A snapshot file could not be read or written, or its footer does not vouch for its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotFileError {
    Io(FileError),
    /// The file (or the file about to be written) is above the configured limit.
    TooLarge {
        len: u64,
        max: u64,
    },
    /// The file is shorter than a footer.
    TooShort {
        len: u64,
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
            Self::TooLarge { len, max } => {
                write!(f, "snapshot file: {len} bytes above the limit {max}")
            }
            Self::TooShort { len } => {
                write!(f, "snapshot file: {len} bytes cannot hold a footer")
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

fn read_error(path: &Path, error: &io::Error) -> SnapshotFileError {
    SnapshotFileError::Io(FileError {
        op: FileOp::Read,
        path: PathBuf::from(path),
        kind: error.kind(),
    })
}

/// Appends the footer for `payload` to `out`.
pub fn push_footer(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(&FOOTER_MAGIC.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
}

/// Writes `bytes` plus the footer as the snapshot at `path`, atomically.
///
/// # Errors
/// [`SnapshotFileError::TooLarge`] when the file would exceed `max_snapshot_bytes` (nothing is
/// written); otherwise the first failed step, and the previous snapshot survives unless the
/// rename happened.
pub fn write_snapshot_file(
    path: &Path,
    bytes: &[u8],
    max_snapshot_bytes: u64,
    ops: &mut dyn FileOps,
) -> Result<(), SnapshotFileError> {
    let len = (bytes.len() + FOOTER_LEN) as u64;
    if len > max_snapshot_bytes {
        return Err(SnapshotFileError::TooLarge {
            len,
            max: max_snapshot_bytes,
        });
    }
    let mut file = Vec::with_capacity(bytes.len() + FOOTER_LEN);
    file.extend_from_slice(bytes);
    push_footer(&mut file, bytes);
    replace_file_atomically(path, &file, ops).map_err(SnapshotFileError::Io)
}

fn field<const N: usize>(footer: &[u8], at: usize) -> [u8; N] {
    let mut raw = [0; N];
    raw.copy_from_slice(&footer[at..at + N]);
    raw
}

/// Checks a whole file's footer and returns the payload (the bytes before it).
///
/// # Errors
/// Too short, bad footer magic, length mismatch, checksum mismatch, in that order.
pub fn verify_footer(file: &[u8]) -> Result<&[u8], SnapshotFileError> {
    let Some(payload_len) = file.len().checked_sub(FOOTER_LEN) else {
        return Err(SnapshotFileError::TooShort {
            len: file.len() as u64,
        });
    };
    let (payload, footer) = file.split_at(payload_len);
    let magic = u32::from_le_bytes(field(footer, FOOTER_MAGIC_OFFSET));
    if magic != FOOTER_MAGIC {
        return Err(SnapshotFileError::BadFooterMagic { found: magic });
    }
    let stored = u64::from_le_bytes(field(footer, FOOTER_LEN_OFFSET));
    if stored != payload_len as u64 {
        return Err(SnapshotFileError::LengthMismatch {
            stored,
            actual: payload_len as u64,
        });
    }
    let stored = u32::from_le_bytes(field(footer, FOOTER_CRC_OFFSET));
    let computed = crc32c::crc32c(payload);
    if stored != computed {
        return Err(SnapshotFileError::ChecksumMismatch { stored, computed });
    }
    Ok(payload)
}

/// Reads the snapshot at `path` and returns its verified payload; `Ok(None)` when there is
/// none. A file above `max_snapshot_bytes` is rejected from its metadata, before reading.
///
/// # Errors
/// Any read failure other than the file not existing, or a footer check.
pub fn read_snapshot_file(
    path: &Path,
    max_snapshot_bytes: u64,
) -> Result<Option<Vec<u8>>, SnapshotFileError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(read_error(path, &error)),
    };
    let len = file.metadata().map_err(|e| read_error(path, &e))?.len();
    if len > max_snapshot_bytes {
        return Err(SnapshotFileError::TooLarge {
            len,
            max: max_snapshot_bytes,
        });
    }
    let mut bytes = Vec::new();
    // `take` bounds the read even if the file grew after the metadata call.
    file.take(max_snapshot_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(path, &e))?;
    if bytes.len() as u64 > max_snapshot_bytes {
        return Err(SnapshotFileError::TooLarge {
            len: bytes.len() as u64,
            max: max_snapshot_bytes,
        });
    }
    let payload_len = verify_footer(&bytes)?.len();
    bytes.truncate(payload_len);
    Ok(Some(bytes))
}

/// Removes the snapshot at `path` if present (tests and tools).
///
/// # Errors
/// Any failure other than the file not existing.
pub fn remove_snapshot_file(path: &Path) -> Result<(), SnapshotFileError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(read_error(path, &error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal_file::{FaultyFileOps, RealFileOps};

    const MAX: u64 = 1024;

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
        write_snapshot_file(&path, b"first", MAX, &mut RealFileOps).unwrap();
        write_snapshot_file(&path, b"second", MAX, &mut RealFileOps).unwrap();
        assert_eq!(read_snapshot_file(&path, MAX), Ok(Some(b"second".to_vec())));
        assert!(!dir.path().join("snapshot.tmp").exists());
        remove_snapshot_file(&path).unwrap();
        remove_snapshot_file(&path).unwrap();
        assert_eq!(read_snapshot_file(&path, MAX), Ok(None));
    }

    #[test]
    fn footer_has_the_documented_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        write_snapshot_file(&path, b"abc", MAX, &mut RealFileOps).unwrap();
        let file = fs::read(&path).unwrap();
        assert_eq!(file.len(), 3 + FOOTER_LEN);
        assert_eq!(&file[..3], b"abc");
        assert_eq!(&file[3..7], b"RSSF");
        assert_eq!(&file[7..15], &3_u64.to_le_bytes());
        assert_eq!(&file[15..19], &crc32c::crc32c(b"abc").to_le_bytes());
    }

    #[test]
    fn empty_snapshot_is_kept_as_empty_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        write_snapshot_file(&path, b"", MAX, &mut RealFileOps).unwrap();
        assert_eq!(read_snapshot_file(&path, MAX), Ok(Some(Vec::new())));
    }

    fn written(payload: &[u8]) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        write_snapshot_file(&path, payload, MAX, &mut RealFileOps).unwrap();
        let bytes = fs::read(&path).unwrap();
        (dir, path, bytes)
    }

    #[test]
    fn each_footer_corruption_is_its_own_error() {
        let (_dir, path, good) = written(b"payload");
        let footer = good.len() - FOOTER_LEN;
        let mut magic = good.clone();
        magic[footer] ^= 1;
        fs::write(&path, &magic).unwrap();
        assert!(matches!(
            read_snapshot_file(&path, MAX),
            Err(SnapshotFileError::BadFooterMagic { .. })
        ));
        let mut length = good.clone();
        length[footer + FOOTER_LEN_OFFSET] ^= 1;
        fs::write(&path, &length).unwrap();
        assert_eq!(
            read_snapshot_file(&path, MAX),
            Err(SnapshotFileError::LengthMismatch {
                stored: 6,
                actual: 7
            })
        );
        let mut payload = good.clone();
        payload[0] ^= 1;
        fs::write(&path, &payload).unwrap();
        assert!(matches!(
            read_snapshot_file(&path, MAX),
            Err(SnapshotFileError::ChecksumMismatch { .. })
        ));
        fs::write(&path, &good[..FOOTER_LEN - 1]).unwrap();
        assert_eq!(
            read_snapshot_file(&path, MAX),
            Err(SnapshotFileError::TooShort { len: 15 })
        );
    }

    #[test]
    fn oversize_file_is_rejected_from_its_length() {
        let (_dir, path, good) = written(b"payload");
        let len = good.len() as u64;
        assert_eq!(
            read_snapshot_file(&path, len - 1),
            Err(SnapshotFileError::TooLarge { len, max: len - 1 })
        );
        assert_eq!(
            write_snapshot_file(&path, b"payload!", len, &mut RealFileOps),
            Err(SnapshotFileError::TooLarge {
                len: len + 1,
                max: len
            })
        );
        assert_eq!(
            read_snapshot_file(&path, len),
            Ok(Some(b"payload".to_vec()))
        );
    }

    #[test]
    fn failed_write_keeps_the_previous_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        let mut faults = FaultyFileOps::new();
        write_snapshot_file(&path, b"good", MAX, &mut faults).unwrap();
        faults.fail_nth_write(1);
        let error = write_snapshot_file(&path, b"bad", MAX, &mut faults).unwrap_err();
        assert!(matches!(&error, SnapshotFileError::Io(e) if e.op == FileOp::Write));
        faults.short_nth_write(1);
        assert!(write_snapshot_file(&path, b"also bad", MAX, &mut faults).is_err());
        faults.fail_nth_sync(1);
        assert!(write_snapshot_file(&path, b"bad again", MAX, &mut faults).is_err());
        assert_eq!(read_snapshot_file(&path, MAX), Ok(Some(b"good".to_vec())));
        assert!(error.to_string().starts_with("snapshot file:"));
    }

    #[test]
    fn unreadable_path_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be read as a file, even as root.
        let error = read_snapshot_file(dir.path(), u64::MAX).unwrap_err();
        assert!(matches!(
            error,
            SnapshotFileError::Io(FileError {
                op: FileOp::Read,
                ..
            })
        ));
    }

    #[test]
    fn errors_display() {
        for error in [
            SnapshotFileError::TooLarge { len: 2, max: 1 },
            SnapshotFileError::TooShort { len: 1 },
            SnapshotFileError::BadFooterMagic { found: 1 },
            SnapshotFileError::LengthMismatch {
                stored: 1,
                actual: 2,
            },
            SnapshotFileError::ChecksumMismatch {
                stored: 1,
                computed: 2,
            },
        ] {
            assert!(error.to_string().starts_with("snapshot file:"));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        #[test]
        fn verifying_arbitrary_bytes_never_panics(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let _ = verify_footer(&bytes);
        }
    }
}
