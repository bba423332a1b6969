//! Unit tests of the snapshot file discipline.

use super::*;
use crate::storage::DiskStorage;
use crate::testkit::FaultyStorage;
use std::fs;

/// A magic no engine uses: the discipline takes whatever the caller passes.
const MAGIC: Magic = Magic::new(*b"TSSF");

const MAX: u64 = 1 << 20;

#[test]
fn missing_snapshot_reads_as_none() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        read_snapshot_file(&dir.path().join("snapshot"), MAGIC, MAX, &DiskStorage),
        Ok(None)
    );
}

#[test]
fn written_bytes_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    write_snapshot_file(&path, b"first", MAGIC, MAX, &mut DiskStorage).unwrap();
    write_snapshot_file(&path, b"second", MAGIC, MAX, &mut DiskStorage).unwrap();
    assert_eq!(
        read_snapshot_file(&path, MAGIC, MAX, &DiskStorage),
        Ok(Some(b"second".to_vec()))
    );
    assert!(!dir.path().join("snapshot.tmp").exists());
    assert_eq!(fs::read(&path).unwrap().len(), 6 + FOOTER_LEN);
}

#[test]
fn footer_has_the_documented_layout() {
    let bytes = with_footer(b"abc", MAGIC);
    assert_eq!(&bytes[..3], b"abc");
    assert_eq!(&bytes[3..7], b"TSSF");
    assert_eq!(&bytes[7..15], &3_u64.to_le_bytes());
    assert_eq!(&bytes[15..19], &crc32c::crc32c(b"abc").to_le_bytes());
    assert_eq!(split_footer(&bytes, MAGIC), Ok(&b"abc"[..]));
}

#[test]
fn empty_snapshot_is_kept_as_empty_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    write_snapshot_file(&path, b"", MAGIC, MAX, &mut DiskStorage).unwrap();
    assert_eq!(
        read_snapshot_file(&path, MAGIC, MAX, &DiskStorage),
        Ok(Some(Vec::new()))
    );
}

#[test]
fn each_footer_error_is_typed() {
    let good = with_footer(b"payload", MAGIC);
    let footer = good.len() - FOOTER_LEN;
    assert_eq!(
        split_footer(&good[..15], MAGIC),
        Err(SnapshotFileError::TooShort { file_bytes: 15 })
    );
    let mut bad_magic = good.clone();
    bad_magic[footer] ^= 1;
    assert!(matches!(
        split_footer(&bad_magic, MAGIC),
        Err(SnapshotFileError::BadFooterMagic { .. })
    ));
    let mut bad_len = good.clone();
    bad_len[footer + FOOTER_LEN_OFFSET] ^= 1;
    assert_eq!(
        split_footer(&bad_len, MAGIC),
        Err(SnapshotFileError::LengthMismatch {
            stored: 6,
            actual: 7
        })
    );
    let mut bad_crc = good.clone();
    bad_crc[0] ^= 1;
    assert!(matches!(
        split_footer(&bad_crc, MAGIC),
        Err(SnapshotFileError::ChecksumMismatch { .. })
    ));
}

#[test]
fn raw_read_returns_the_footer_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    assert_eq!(read_snapshot_bytes(&path, MAX, &DiskStorage), Ok(None));
    fs::write(&path, b"no footer").unwrap();
    assert_eq!(
        read_snapshot_bytes(&path, MAX, &DiskStorage),
        Ok(Some(b"no footer".to_vec()))
    );
    assert_eq!(
        read_snapshot_bytes(&path, 8, &DiskStorage),
        Err(SnapshotFileError::TooLarge {
            file_bytes: 9,
            max: 8
        })
    );
    assert!(matches!(
        read_snapshot_file(&path, MAGIC, MAX, &DiskStorage),
        Err(SnapshotFileError::TooShort { file_bytes: 9 })
    ));
}

#[test]
fn oversized_file_is_rejected_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    write_snapshot_file(&path, &[7; 100], MAGIC, MAX, &mut DiskStorage).unwrap();
    assert_eq!(
        read_snapshot_file(&path, MAGIC, 115, &DiskStorage),
        Err(SnapshotFileError::TooLarge {
            file_bytes: 116,
            max: 115
        })
    );
    assert_eq!(
        read_snapshot_file(&path, MAGIC, 116, &DiskStorage),
        Ok(Some(vec![7; 100]))
    );
}

#[test]
fn failed_write_keeps_the_previous_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    let mut faults = FaultyStorage::new();
    write_snapshot_file(&path, b"good", MAGIC, MAX, &mut faults).unwrap();
    faults.fail_nth_write(1);
    let error = write_snapshot_file(&path, b"bad", MAGIC, MAX, &mut faults).unwrap_err();
    assert!(matches!(&error, SnapshotFileError::Io(e) if e.op == FileOp::Write));
    faults.short_nth_write(1);
    assert!(write_snapshot_file(&path, b"also bad", MAGIC, MAX, &mut faults).is_err());
    faults.fail_nth_sync(1);
    assert!(write_snapshot_file(&path, b"bad again", MAGIC, MAX, &mut faults).is_err());
    assert_eq!(
        read_snapshot_file(&path, MAGIC, MAX, &DiskStorage),
        Ok(Some(b"good".to_vec()))
    );
    assert!(error.to_string().starts_with("snapshot file:"));
}

#[test]
fn unreadable_path_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be read as a file, even as root.
    let error = read_snapshot_file(dir.path(), MAGIC, MAX, &DiskStorage).unwrap_err();
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

#[test]
fn oversized_file_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    write_snapshot_file(&path, &[7; 100], MAGIC, 116, &mut DiskStorage).unwrap();
    assert_eq!(
        write_snapshot_file(&path, &[8; 101], MAGIC, 116, &mut DiskStorage),
        Err(SnapshotFileError::TooLarge {
            file_bytes: 117,
            max: 116
        })
    );
    assert_eq!(
        read_snapshot_file(&path, MAGIC, MAX, &DiskStorage),
        Ok(Some(vec![7; 100])),
        "nothing was written"
    );
}

#[test]
fn another_owners_footer_is_bad_magic() {
    let bytes = with_footer(b"payload", Magic::new(*b"OTHR"));
    assert_eq!(
        split_footer(&bytes, MAGIC),
        Err(SnapshotFileError::BadFooterMagic {
            found: u32::from_le_bytes(*b"OTHR")
        })
    );
    assert_eq!(
        split_footer(&bytes, Magic::new(*b"OTHR")),
        Ok(&b"payload"[..])
    );
}

#[test]
fn reads_go_through_the_storage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    let mut faults = FaultyStorage::new();
    write_snapshot_file(&path, b"kept", MAGIC, MAX, &mut faults).unwrap();
    faults.fail_nth_read(1);
    let error = read_snapshot_file(&path, MAGIC, MAX, &faults).unwrap_err();
    assert!(matches!(&error, SnapshotFileError::Io(e) if e.op == FileOp::Read && e.path == path));
    assert_eq!(
        read_snapshot_file(&path, MAGIC, MAX, &faults),
        Ok(Some(b"kept".to_vec()))
    );
    faults.fail_nth_rename(1);
    let error = write_snapshot_file(&path, b"lost", MAGIC, MAX, &mut faults).unwrap_err();
    assert!(matches!(&error, SnapshotFileError::Io(e) if e.op == FileOp::Rename));
    assert_eq!(
        read_snapshot_file(&path, MAGIC, MAX, &faults),
        Ok(Some(b"kept".to_vec()))
    );
}

proptest::proptest! {
    /// Any bytes, under any bound: a typed answer, never a panic, and a payload only when the
    /// footer holds.
    #[test]
    fn splitting_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        if let Ok(payload) = split_footer(&bytes, MAGIC) {
            proptest::prop_assert_eq!(with_footer(payload, MAGIC), bytes);
        }
    }
}

#[test]
fn only_a_missing_file_reads_as_none() {
    // A path under a regular file cannot exist: its error is not `NotFound` and must not be
    // taken for "no snapshot".
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    fs::write(&file, b"x").unwrap();
    let error = read_snapshot_bytes(&file.join("snapshot"), MAX, &DiskStorage).unwrap_err();
    assert!(
        matches!(&error, SnapshotFileError::Io(e) if e.op == FileOp::Open && e.kind != io::ErrorKind::NotFound),
        "{error:?}"
    );
}

#[test]
fn only_damaged_bytes_are_corruption() {
    let io = SnapshotFileError::Io(FileError {
        op: FileOp::Read,
        path: "s".into(),
        kind: io::ErrorKind::Other,
    });
    let too_large = SnapshotFileError::TooLarge {
        file_bytes: 9,
        max: 8,
    };
    let damaged = [
        SnapshotFileError::TooShort { file_bytes: 3 },
        SnapshotFileError::BadFooterMagic { found: 1 },
        SnapshotFileError::LengthMismatch {
            stored: 1,
            actual: 2,
        },
        SnapshotFileError::ChecksumMismatch {
            stored: 1,
            computed: 2,
        },
    ];
    assert!(!io.is_corruption() && !too_large.is_corruption());
    assert!(damaged.iter().all(SnapshotFileError::is_corruption));
}
