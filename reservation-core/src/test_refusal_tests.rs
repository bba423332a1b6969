//! The shared classification: only damaged snapshot bytes are refused as corruption, and a
//! failed snapshot write is an I/O failure, for the crash tests and the simulator alike.

use std::io;

use runtime::snapshot_file::SnapshotFileError;
use runtime::testkit::{Refusal, StepFailure};
use runtime::wal_file::{FileError, FileOp};

use super::*;

fn failed(op: FileOp) -> FileError {
    FileError {
        op,
        path: "snapshot".into(),
        kind: io::ErrorKind::Other,
    }
}

#[test]
fn only_a_damaged_snapshot_is_refused_as_corruption() {
    // Failed before the fix: every snapshot file error was refused as corruption.
    let open = |error| refusal(&RecoveryError::SnapshotFile(error));
    assert_eq!(
        open(SnapshotFileError::Io(failed(FileOp::Read))),
        Refusal::Other
    );
    let too_large = SnapshotFileError::TooLarge {
        file_bytes: 9,
        max: 8,
    };
    assert_eq!(open(too_large), Refusal::Other);
    let damaged = SnapshotFileError::ChecksumMismatch {
        stored: 1,
        computed: 2,
    };
    assert_eq!(open(damaged), Refusal::SnapshotFile);
}

#[test]
fn a_failed_snapshot_write_is_an_io_failure() {
    let write = SubmitError::Snapshot(SnapshotFileError::Io(failed(FileOp::Write)));
    assert_eq!(step_failure(&write), StepFailure::Io(FileOp::Write));
    assert_eq!(
        step_failure(&SubmitError::EngineHalted),
        StepFailure::Halted
    );
}
