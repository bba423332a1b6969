//! The snapshot driver: flip every bit of a real snapshot file and reopen
//! ([`snapshot_flips`]).

use std::fs;

use super::failure::{same_state, setup};
use super::{CrashSubject, FaultyStorage, KitFailure, Refusal, Report, ScratchDir};

/// Runs steps `0..steps`, checkpoints (so the WAL holds only the snapshot marker), then flips
/// each bit of the snapshot file on its own and reopens.
///
/// Every open must be refused with [`Refusal::SnapshotFile`] (a typed refusal of the snapshot
/// file: its footer, or its decoding), and leave the snapshot file and the WAL as they were.
/// With the file restored, the database must reopen to the state the checkpoint saved.
///
/// # Errors
/// The first check that fails, as a [`KitFailure`].
///
/// # Panics
/// On a file longer than the address space (an offset that does not fit `usize`).
pub fn snapshot_flips<S: CrashSubject>(subject: &S, steps: u64) -> Result<Report, KitFailure> {
    let _quiet = super::lock::no_spawn_now();
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let open = || subject.open(dir.path(), FaultyStorage::skipping_syncs());
    let mut handle = open().map_err(|e| setup("opening an empty database", e))?;
    for index in 0..steps {
        subject
            .step(&mut handle, index)
            .map_err(|e| setup(&format!("running step {index}"), e))?;
    }
    subject
        .checkpoint(&mut handle)
        .map_err(|e| setup("checkpointing", e))?;
    let expected = subject.dump(&handle);
    drop(handle);
    let path = dir.path().join(S::SNAPSHOT_FILE_NAME);
    let wal_path = dir.path().join(S::WAL_FILE_NAME);
    let read = |p: &std::path::Path| fs::read(p).map_err(|e| setup("reading a file", e));
    let (original, wal) = (read(&path)?, read(&wal_path)?);
    let mut flipped = original.clone();
    for bit in 0..original.len() as u64 * 8 {
        let byte = usize::try_from(bit / 8).expect("a bit must index the file");
        flipped[byte] ^= 1 << (bit % 8);
        fs::write(&path, &flipped).map_err(|e| setup("writing the damaged file", e))?;
        match open() {
            Ok(handle) => {
                let same_state = subject.dump(&handle) == expected;
                return Err(KitFailure::Opened { bit, same_state });
            }
            Err(error) if subject.refusal(&error) != Refusal::SnapshotFile => {
                return Err(KitFailure::WrongRefusal {
                    bit,
                    expected: Refusal::SnapshotFile,
                    found: error.to_string(),
                });
            }
            Err(_) => {}
        }
        if read(&path)? != flipped || read(&wal_path)? != wal {
            return Err(KitFailure::FileChanged { bit });
        }
        flipped[byte] ^= 1 << (bit % 8);
    }
    fs::write(&path, &original).map_err(|e| setup("restoring the snapshot", e))?;
    let reopened = open().map_err(|e| setup("reopening the restored snapshot", e))?;
    same_state(0, &expected, &subject.dump(&reopened))?;
    Ok(Report {
        cases: original.len() as u64 * 8,
        frames: 0,
        file_bytes: original.len() as u64,
    })
}
