//! The temp-file driver: what an interrupted checkpoint or WAL rewrite left behind is gone
//! after the next open, and nothing else changed ([`leftover_temps`]).

use std::fs;

use super::failure::{same_state, setup};
use super::wal_cuts::{build, rewrite};
use super::{CrashSubject, FaultyStorage, KitFailure, Report, ScratchDir};
use crate::wal_file::temp_path;

/// Builds a WAL of at least `min_frames` frames, then leaves a `<wal>.tmp` and a
/// `<snapshot>.tmp` of junk beside it (a WAL rewrite and a checkpoint interrupted before
/// their rename) and opens: the open must succeed with the state of every frame, both temp
/// files must be gone, and the WAL must be unchanged.
///
/// # Errors
/// The first check that fails, as a [`KitFailure`].
pub fn leftover_temps<S: CrashSubject>(
    subject: &S,
    min_frames: usize,
) -> Result<Report, KitFailure> {
    let _quiet = super::lock::no_spawn_now();
    let built = build(subject, min_frames)?;
    let frames = built.ends.len() - 1;
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let wal = dir.path().join(S::WAL_FILE_NAME);
    rewrite(&wal, &built.bytes)?;
    let temps = [
        temp_path(&wal),
        temp_path(&dir.path().join(S::SNAPSHOT_FILE_NAME)),
    ];
    for temp in &temps {
        fs::write(temp, b"half of an interrupted replacement")
            .map_err(|e| setup("writing a leftover temp file", e))?;
    }
    let handle = subject
        .open(dir.path(), FaultyStorage::skipping_syncs())
        .map_err(|error| KitFailure::Refused {
            at: 0,
            found: error.to_string(),
        })?;
    same_state(0, &built.states[frames], &subject.dump(&handle))?;
    if let Some(left) = temps.iter().find(|temp| temp.exists()) {
        return Err(KitFailure::TempLeft {
            path: left.display().to_string(),
        });
    }
    if fs::read(&wal).ok().as_deref() != Some(&built.bytes[..]) {
        return Err(KitFailure::FileChanged { bit: 0 });
    }
    Ok(Report {
        cases: temps.len() as u64,
        frames: frames as u64,
        file_bytes: built.bytes.len() as u64,
    })
}
