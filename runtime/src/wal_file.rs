//! The append-only WAL file, and the atomic replacement of a whole file.
//!
//! [`WalFile`] appends bytes, syncs them (`fdatasync`), reads the whole log back, truncates a
//! torn tail, and replaces the log atomically ([`replace_file_atomically`]: temp file in the same
//! directory, sync, rename, sync the directory). Every file operation goes through the
//! [`Storage`] the owner passes in: [`crate::storage::DiskStorage`] in production, the fault-injecting
//! storage of the `testkit` feature in tests.
//!
//! [`lock_dir`] takes the directory's `LOCK` file, so that one writer at a time owns a
//! database; [`WalFile::frame_reader`] reads the log back in bounded chunks
//! ([`FrameReader`]); [`remove_leftover_temp`] clears what an interrupted replacement left.
//!
//! This module knows files and bytes only, never what the bytes mean. Every failure is a
//! [`FileError`] naming the operation, the path and the `io::ErrorKind`; nothing here panics on
//! an I/O error.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::storage::{Storage, StorageFile, StorageLock};
use crate::wal::Magic;

mod reader;

pub use reader::{DEFAULT_CHUNK_LEN, FrameReader};

/// Which file operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOp {
    /// Opening or creating a file, or reading its length.
    Open,
    /// Reading a whole file.
    Read,
    /// Appending or writing bytes.
    Write,
    /// `fdatasync` of a file.
    Sync,
    /// Cutting a file to a length.
    Truncate,
    /// Renaming a file over another.
    Rename,
    /// Syncing a directory's entries.
    SyncDir,
    /// Taking a lock file.
    Lock,
    /// Removing a file.
    Remove,
}

/// An I/O failure, kept comparable: the operation, the path, and the error kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// The operation that failed.
    pub op: FileOp,
    /// The file (or directory) it failed on.
    pub path: PathBuf,
    /// The I/O error's kind.
    pub kind: io::ErrorKind,
}

impl FileError {
    /// The error of `op` on `path` failing with `error`.
    #[must_use]
    pub(crate) fn new(op: FileOp, path: &Path, error: &io::Error) -> Self {
        Self {
            op,
            path: path.to_path_buf(),
            kind: error.kind(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} of {} failed: {}",
            self.op,
            self.path.display(),
            self.kind
        )
    }
}

impl std::error::Error for FileError {}

/// The directory a file lives in (`.` for a bare file name).
#[must_use]
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The name of the lock file in a database directory.
pub const LOCK_FILE_NAME: &str = "LOCK";

/// The exclusive lock on a directory ([`lock_dir`]): held until dropped, or until the process
/// ends however it ends.
#[derive(Debug)]
pub struct DirLock {
    path: PathBuf,
    _held: Box<dyn StorageLock>,
}

impl DirLock {
    /// The lock file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why [`lock_dir`] did not take the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockError {
    /// Another holder (a process, or another handle in this one) has the lock.
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be opened or locked.
    File(FileError),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Locked { path } => write!(f, "{} is held by another writer", path.display()),
            Self::File(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for LockError {}

/// Takes the exclusive lock on `dir` (its [`LOCK_FILE_NAME`] file, created if missing) without
/// waiting. Nothing else in `dir` is touched, whether or not the lock is taken.
///
/// # Errors
/// [`LockError::Locked`] when another holder has it; [`LockError::File`] when the lock file
/// cannot be opened or locked.
pub fn lock_dir(dir: &Path, storage: &mut dyn Storage) -> Result<DirLock, LockError> {
    let path = dir.join(LOCK_FILE_NAME);
    match storage.try_lock(&path) {
        Ok(Some(held)) => Ok(DirLock { path, _held: held }),
        Ok(None) => Err(LockError::Locked { path }),
        Err(error) => Err(LockError::File(FileError::new(FileOp::Lock, &path, &error))),
    }
}

/// The temp file [`replace_file_atomically`] writes beside `path`: `<path>.tmp`.
#[must_use]
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Removes the `<path>.tmp` an interrupted [`replace_file_atomically`] left behind (a failed
/// write, a full disk, a crash before the rename); returns whether there was one. Call it
/// under the directory's lock, before any replacement: nobody else writes that file.
///
/// # Errors
/// The removal failed.
pub fn remove_leftover_temp(path: &Path, storage: &mut dyn Storage) -> Result<bool, FileError> {
    let temp = temp_path(path);
    match storage.remove(&temp) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(FileError::new(FileOp::Remove, &temp, &error)),
    }
}

/// Replaces the file at `path` with `bytes` atomically: write `<path>.tmp`, sync it, rename it
/// over `path`, sync the directory. A crash leaves either the old or the new file.
///
/// # Errors
/// The first failed step; the original file is untouched unless the rename happened (a failed
/// step before it may leave `<path>.tmp` behind, which the next replacement overwrites).
pub fn replace_file_atomically(
    path: &Path,
    bytes: &[u8],
    storage: &mut dyn Storage,
) -> Result<(), FileError> {
    let temp = temp_path(path);
    let mut file = storage
        .create(&temp)
        .map_err(|e| FileError::new(FileOp::Open, &temp, &e))?;
    file.write_all(bytes)
        .map_err(|e| FileError::new(FileOp::Write, &temp, &e))?;
    file.sync_data()
        .map_err(|e| FileError::new(FileOp::Sync, &temp, &e))?;
    drop(file);
    storage
        .rename(&temp, path)
        .map_err(|e| FileError::new(FileOp::Rename, path, &e))?;
    #[cfg(any(test, feature = "testkit"))]
    if crate::testkit::sim::planted::is_planted(
        crate::testkit::sim::planted::Bug::SkipsDirSyncAfterRename,
    ) {
        return Ok(());
    }
    let dir = parent_dir(path);
    storage
        .sync_dir(dir)
        .map_err(|e| FileError::new(FileOp::SyncDir, dir, &e))
}

/// An open, append-only WAL file.
pub struct WalFile {
    path: PathBuf,
    file: Box<dyn StorageFile>,
    len: u64,
    /// The length the last successful sync covered: what a failed one cuts back to.
    synced_len: u64,
    storage: Box<dyn Storage>,
}

impl fmt::Debug for WalFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalFile")
            .field("path", &self.path)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

fn open_append(storage: &mut dyn Storage, path: &Path) -> Result<Box<dyn StorageFile>, FileError> {
    storage
        .open_append(path)
        .map_err(|e| FileError::new(FileOp::Open, path, &e))
}

impl WalFile {
    /// Opens (creating if missing) the WAL at `path`, then syncs the file and its directory
    /// before anything reads it (the fsync gate).
    ///
    /// # Errors
    /// Open, metadata, sync or directory sync failures.
    pub fn open(path: &Path, mut storage: Box<dyn Storage>) -> Result<Self, FileError> {
        let mut file = open_append(storage.as_mut(), path)?;
        let len = file
            .size()
            .map_err(|e| FileError::new(FileOp::Open, path, &e))?;
        // The fsync gate, for a killed process's frames (a failed sync's: `sync` cuts them).
        #[cfg(any(test, feature = "testkit"))]
        let gate = !crate::testkit::sim::planted::is_planted(
            crate::testkit::sim::planted::Bug::SkipsSyncAtOpen,
        );
        #[cfg(not(any(test, feature = "testkit")))]
        let gate = true;
        if gate {
            file.sync_data()
                .map_err(|e| FileError::new(FileOp::Sync, path, &e))?;
        }
        // Every open syncs the directory: a first open's failed one leaves the entry volatile.
        let dir = parent_dir(path);
        storage
            .sync_dir(dir)
            .map_err(|e| FileError::new(FileOp::SyncDir, dir, &e))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            len,
            synced_len: len,
            storage,
        })
    }

    /// The log's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the file, as far as this handle knows (unknown after a failed append).
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the log holds no bytes, as far as this handle knows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The storage, for sibling files (snapshots) written by the same owner.
    pub fn storage_mut(&mut self) -> &mut dyn Storage {
        self.storage.as_mut()
    }

    /// Appends `bytes` at the end of the log (not yet durable: call [`Self::sync`]).
    ///
    /// # Errors
    /// The write failed; the log is cut back to its last synced length (best effort).
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        if let Err(error) = self.file.write_all(bytes) {
            let error = FileError::new(FileOp::Write, &self.path, &error);
            self.cut_unsynced();
            return Err(error);
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// `fdatasync` of the log.
    ///
    /// # Errors
    /// The sync failed; the log is cut back to its last synced length (best effort).
    pub fn sync(&mut self) -> Result<(), FileError> {
        #[cfg(any(test, feature = "testkit"))]
        if crate::testkit::sim::planted::is_planted(crate::testkit::sim::planted::Bug::SkipsWalSync)
        {
            return Ok(());
        }
        if let Err(error) = self.file.sync_data() {
            let error = FileError::new(FileOp::Sync, &self.path, &error);
            self.cut_unsynced();
            return Err(error);
        }
        self.synced_len = self.len;
        Ok(())
    }

    /// After a failed sync or append: cuts the unsynced frames no later sync would write
    /// (fsyncgate), then syncs; best effort, the caller halts (docs/simulation.md, findings).
    fn cut_unsynced(&mut self) {
        #[cfg(any(test, feature = "testkit"))]
        if crate::testkit::sim::planted::is_planted(
            crate::testkit::sim::planted::Bug::SkipsCutAfterFailure,
        ) {
            return;
        }
        if self.file.set_len(self.synced_len).is_err() {
            return;
        }
        self.len = self.synced_len;
        debug_assert_eq!(
            self.len, self.synced_len,
            "the cut leaves only synced bytes"
        );
        // Best effort: a failure here leaves the cut in the page cache, which a crash may
        // forget (the dropped frames come back as unsynced bytes, as after any failed call).
        let _ = self.file.sync_data();
    }

    /// A reader of the log's frames from the start, a [`DEFAULT_CHUNK_LEN`] chunk at a time:
    /// memory stays at one chunk plus one frame whatever the log's size.
    pub fn frame_reader(&mut self, magic: Magic, max_payload_bytes: u32) -> FrameReader<'_> {
        FrameReader::new(self, magic, max_payload_bytes, DEFAULT_CHUNK_LEN)
    }

    /// [`Self::frame_reader`] with another chunk length (at least 1 byte).
    pub fn frame_reader_with_chunk(
        &mut self,
        magic: Magic,
        max_payload_bytes: u32,
        chunk_len: usize,
    ) -> FrameReader<'_> {
        FrameReader::new(self, magic, max_payload_bytes, chunk_len)
    }

    /// Reads the whole log.
    ///
    /// # Errors
    /// The read failed.
    pub fn read_all(&self) -> Result<Vec<u8>, FileError> {
        self.storage
            .read(&self.path)
            .map_err(|e| FileError::new(FileOp::Read, &self.path, &e))
    }

    /// Cuts the log to `len` bytes (a torn tail) and syncs.
    ///
    /// # Errors
    /// Truncate or sync failed.
    ///
    /// # Panics
    /// If `len` is above the log's length: a cut never extends the log (zeros would read as
    /// corruption).
    pub fn truncate_to(&mut self, len: u64) -> Result<(), FileError> {
        assert!(len <= self.len, "a truncation must not extend the log");
        self.file
            .set_len(len)
            .map_err(|e| FileError::new(FileOp::Truncate, &self.path, &e))?;
        self.len = len;
        self.synced_len = self.synced_len.min(len);
        self.sync()
    }

    /// Atomically replaces the whole log with `bytes` and reopens it for appending.
    ///
    /// # Errors
    /// Any step of [`replace_file_atomically`] or the reopen. Before the rename, the handle
    /// still appends to the old log, which is intact. Once the rename happened (a failed
    /// directory sync), the handle follows the new log before the error is returned, so an
    /// append never lands in the unlinked old file; if the reopen itself fails, the handle
    /// must not be used for appends again (the engines halt on any error here).
    pub fn replace_with(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        let replaced = replace_file_atomically(&self.path, bytes, self.storage.as_mut());
        if let Err(error) = &replaced
            && error.op != FileOp::SyncDir
        {
            return replaced;
        }
        self.file = open_append(self.storage.as_mut(), &self.path)?;
        self.len = bytes.len() as u64;
        self.synced_len = self.len;
        replaced
    }
}

#[cfg(test)]
#[path = "wal_file_tests.rs"]
mod tests;
