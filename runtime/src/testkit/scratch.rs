//! [`ScratchDir`]: a temporary directory on tmpfs when there is one.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::{fs, io, process};

/// Distinguishes the scratch directories of one process.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A fresh, empty directory, removed with its contents on drop. It lives in `/dev/shm` when
/// that exists (the kit opens thousands of databases, and durability is not what the loops
/// measure: the [`FaultyStorage`](super::FaultyStorage) they use skips syncs), else in the
/// system's temporary directory.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates the directory.
    ///
    /// # Errors
    /// Neither `/dev/shm` nor the temporary directory takes a new directory.
    pub fn new() -> io::Result<Self> {
        let shm = Path::new("/dev/shm");
        let mut last = None;
        for base in [shm.to_path_buf(), std::env::temp_dir()] {
            if !base.is_dir() {
                continue;
            }
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("runtime-testkit-{}-{n}", process::id()));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no temporary directory")))
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in a temporary place is harmless.
        let _ = fs::remove_dir_all(&self.path);
    }
}
