//! The disk-backed mode of [`SimStorage`]: the same model, but every mutation and every sync
//! also reaches real files through [`DiskStorage`], and a sync only makes bytes durable in the
//! model when the real implementation witnessed it ([`note_sync`], called by
//! `DiskFile::sync_data` and `DiskStorage::sync_dir` after their syscall returned `Ok`).
//!
//! A mutant that turns either real sync into `Ok(())` skips the witness: the model keeps the
//! bytes volatile, the next simulated crash drops them, and the run finds an acknowledged call
//! lost. Reads are served from the model, which mirrors the files; a crash rewrites the real
//! directory to the crash's result, so the files always hold what the model holds.

use std::cell::Cell;
use std::fs;
use std::io;
use std::path::Path;

use super::storage::SimStorage;
use super::{SimFaults, SimRng, WalShape};
use crate::storage::DiskStorage;

thread_local! {
    static WITNESSED_SYNCS: Cell<u64> = const { Cell::new(0) };
}

/// Records that a real data or directory sync completed (the witness of the disk-backed
/// mode). Called by the production storage under the `testkit` feature only.
pub fn note_sync() {
    WITNESSED_SYNCS.with(|syncs| syncs.set(syncs.get() + 1));
}

/// Real syncs witnessed on this thread so far.
#[must_use]
pub fn witnessed_syncs() -> u64 {
    WITNESSED_SYNCS.with(Cell::get)
}

/// Runs a real sync; whether it reported itself to the witness.
pub(super) fn witnessed(sync: impl FnOnce() -> io::Result<()>) -> io::Result<bool> {
    let before = witnessed_syncs();
    sync()?;
    Ok(witnessed_syncs() > before)
}

impl SimStorage {
    /// A storage as [`SimStorage::new`] whose files also live in `root` (an existing, empty
    /// directory: the database directory itself).
    #[must_use]
    pub fn on_disk(rng: SimRng, faults: SimFaults, wal: WalShape, root: &Path) -> Self {
        let storage = Self::new(rng, faults, wal);
        storage.with(|s| s.disk_root = Some(root.to_path_buf()));
        storage
    }

    /// Runs `op` on the real disk in the disk-backed mode (`None` in memory).
    pub(super) fn real<T>(
        &self,
        op: impl FnOnce(&mut DiskStorage) -> io::Result<T>,
    ) -> io::Result<Option<T>> {
        if self.with(|s| s.disk_root.is_none()) {
            return Ok(None);
        }
        op(&mut DiskStorage).map(Some)
    }

    /// After a crash: makes the real directory hold exactly the model's files.
    pub(super) fn rewrite_disk(&self) {
        let Some(root) = self.with(|s| s.disk_root.clone()) else {
            return;
        };
        let files = self.with(|s| {
            let entries = s.entries.iter();
            entries
                .map(|(path, inode)| (path.clone(), s.inodes[*inode].data.clone()))
                .collect::<Vec<_>>()
        });
        let names = fs::read_dir(&root).expect("the simulator's directory must be readable");
        for entry in names {
            let path = entry.expect("a directory entry must be readable").path();
            fs::remove_file(&path).expect("the simulator's files must be removable");
        }
        for (path, bytes) in files {
            assert!(
                path.starts_with(&root),
                "a simulated file must live in the directory"
            );
            fs::write(&path, bytes).expect("the simulator's files must be writable");
        }
    }
}
