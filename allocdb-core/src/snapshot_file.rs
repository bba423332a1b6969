//! The snapshot file: opaque bytes written atomically.
//!
//! Writing goes through [`replace_file_atomically`] (temp file, sync, rename, sync directory),
//! so a crash leaves either the previous snapshot or the new one, never a mix. For allocdb-core
//! the file holds the encoded snapshot bytes only, with no footer: decoding the snapshot is its
//! only corruption detection (the spec's deliberate starting point for extraction).
//!
//! This module knows files and bytes only, never the snapshot schema.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use runtime::storage::Storage;
use runtime::wal_file::{FileError, FileOp, replace_file_atomically};

/// A snapshot file could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotFileError {
    Io(FileError),
}

impl fmt::Display for SnapshotFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(error) => write!(f, "snapshot file: {error}"),
        }
    }
}

impl std::error::Error for SnapshotFileError {}

/// Writes `bytes` as the snapshot at `path`, atomically.
///
/// # Errors
/// The first failed step; the previous snapshot survives unless the rename happened.
pub fn write_snapshot_file(
    path: &Path,
    bytes: &[u8],
    ops: &mut dyn Storage,
) -> Result<(), SnapshotFileError> {
    replace_file_atomically(path, bytes, ops).map_err(SnapshotFileError::Io)
}

/// Reads the snapshot at `path`; `Ok(None)` when there is none.
///
/// # Errors
/// Any read failure other than the file not existing.
pub fn read_snapshot_file(path: &Path) -> Result<Option<Vec<u8>>, SnapshotFileError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(SnapshotFileError::Io(FileError {
            op: FileOp::Read,
            path: PathBuf::from(path),
            kind: error.kind(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runtime::storage::DiskStorage;
    use runtime::testkit::FaultyStorage;

    #[test]
    fn missing_snapshot_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_snapshot_file(&dir.path().join("snapshot")), Ok(None));
    }

    #[test]
    fn written_bytes_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        write_snapshot_file(&path, b"first", &mut DiskStorage).unwrap();
        write_snapshot_file(&path, b"second", &mut DiskStorage).unwrap();
        assert_eq!(read_snapshot_file(&path), Ok(Some(b"second".to_vec())));
        assert!(!dir.path().join("snapshot.tmp").exists());
    }

    #[test]
    fn empty_snapshot_is_kept_as_empty_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot");
        write_snapshot_file(&path, b"", &mut DiskStorage).unwrap();
        assert_eq!(read_snapshot_file(&path), Ok(Some(Vec::new())));
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
        assert_eq!(read_snapshot_file(&path), Ok(Some(b"good".to_vec())));
        assert!(error.to_string().starts_with("snapshot file:"));
    }

    #[test]
    fn unreadable_path_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be read as a file, even as root.
        let error = read_snapshot_file(dir.path()).unwrap_err();
        assert!(matches!(
            error,
            SnapshotFileError::Io(FileError {
                op: FileOp::Read,
                ..
            })
        ));
    }
}
