//! The append-only WAL file, and the file-operation seam used for fault injection.
//!
//! [`WalFile`] appends bytes, syncs them (`fdatasync`), reads the whole log back, truncates a
//! torn tail, and replaces the log atomically (temp file in the same directory, sync, rename,
//! sync the directory). Every mutating call goes through a [`FileOps`] implementation:
//! [`RealFileOps`] in production, [`FaultyFileOps`] in tests, which fails the Nth write or sync
//! or writes only part of a buffer — without root-only tricks such as permissions.
//!
//! This module knows files and bytes only, never what the bytes mean.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The file operations that can fail in interesting ways. Default methods call `std`.
pub trait FileOps: Send {
    /// Writes all of `bytes` at the file's current position.
    ///
    /// # Errors
    /// The underlying I/O error; part of `bytes` may have been written.
    fn write_all(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
        file.write_all(bytes)
    }

    /// `fdatasync`: makes the file's data (and the size needed to read it) durable.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn sync_data(&mut self, file: &File) -> io::Result<()> {
        file.sync_data()
    }

    /// Makes a directory entry change (create, rename) durable.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    /// Renames `from` over `to`.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    /// Sets the file's length.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn set_len(&mut self, file: &File, len: u64) -> io::Result<()> {
        file.set_len(len)
    }
}

/// The production implementation: plain `std` calls.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFileOps;

impl FileOps for RealFileOps {}

/// Fault plan shared between a test and the [`FaultyFileOps`] it handed to a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// Writes performed so far (each `write_all` call counts once).
    pub writes: u64,
    /// Syncs performed so far (data and directory syncs both count).
    pub syncs: u64,
    /// Fail the write whose 1-based number is this, writing nothing.
    pub fail_write: Option<u64>,
    /// Write only the first half of the buffer of this write, then fail.
    pub short_write: Option<u64>,
    /// Fail the sync whose 1-based number is this.
    pub fail_sync: Option<u64>,
}

/// [`FileOps`] that injects the faults of a shared [`FaultPlan`].
#[derive(Clone, Debug, Default)]
pub struct FaultyFileOps {
    plan: Arc<Mutex<FaultPlan>>,
}

impl FaultyFileOps {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `change` on the shared plan (e.g. to arm a fault relative to `writes`).
    pub fn with_plan<T>(&self, change: impl FnOnce(&mut FaultPlan) -> T) -> T {
        change(&mut self.plan.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Fails the `n`th write from now (1 = the next one).
    pub fn fail_nth_write(&self, n: u64) {
        self.with_plan(|plan| plan.fail_write = Some(plan.writes + n));
    }

    /// Makes the `n`th write from now write half its bytes and then fail.
    pub fn short_nth_write(&self, n: u64) {
        self.with_plan(|plan| plan.short_write = Some(plan.writes + n));
    }

    /// Fails the `n`th sync from now.
    pub fn fail_nth_sync(&self, n: u64) {
        self.with_plan(|plan| plan.fail_sync = Some(plan.syncs + n));
    }

    fn next_sync_fails(&self) -> bool {
        self.with_plan(|plan| {
            plan.syncs += 1;
            plan.fail_sync == Some(plan.syncs)
        })
    }
}

fn injected(what: &str) -> io::Error {
    io::Error::other(format!("injected {what} failure"))
}

impl FileOps for FaultyFileOps {
    fn write_all(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
        let (fail, short) = self.with_plan(|plan| {
            plan.writes += 1;
            (
                plan.fail_write == Some(plan.writes),
                plan.short_write == Some(plan.writes),
            )
        });
        if fail {
            return Err(injected("write"));
        }
        if short {
            file.write_all(&bytes[..bytes.len() / 2])?;
            return Err(injected("short write"));
        }
        file.write_all(bytes)
    }

    fn sync_data(&mut self, file: &File) -> io::Result<()> {
        if self.next_sync_fails() {
            return Err(injected("sync"));
        }
        file.sync_data()
    }

    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        if self.next_sync_fails() {
            return Err(injected("directory sync"));
        }
        File::open(dir)?.sync_all()
    }
}

/// Which file operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOp {
    Open,
    Read,
    Write,
    Sync,
    Truncate,
    Rename,
    SyncDir,
}

/// An I/O failure, kept comparable: the operation, the path, and the error kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub op: FileOp,
    pub path: PathBuf,
    pub kind: io::ErrorKind,
}

impl FileError {
    fn new(op: FileOp, path: &Path, error: &io::Error) -> Self {
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
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Replaces the file at `path` with `bytes` atomically: write `<path>.tmp`, sync it, rename it
/// over `path`, sync the directory. A crash leaves either the old or the new file.
///
/// # Errors
/// The first failed step; the original file is untouched unless the rename happened.
pub fn replace_file_atomically(
    path: &Path,
    bytes: &[u8],
    ops: &mut dyn FileOps,
) -> Result<(), FileError> {
    let mut temp_name = path.as_os_str().to_os_string();
    temp_name.push(".tmp");
    let temp = PathBuf::from(temp_name);
    let mut file = File::create(&temp).map_err(|e| FileError::new(FileOp::Open, &temp, &e))?;
    ops.write_all(&mut file, bytes)
        .map_err(|e| FileError::new(FileOp::Write, &temp, &e))?;
    ops.sync_data(&file)
        .map_err(|e| FileError::new(FileOp::Sync, &temp, &e))?;
    drop(file);
    ops.rename(&temp, path)
        .map_err(|e| FileError::new(FileOp::Rename, path, &e))?;
    let dir = parent_dir(path);
    ops.sync_dir(dir)
        .map_err(|e| FileError::new(FileOp::SyncDir, dir, &e))
}

/// An open, append-only WAL file.
pub struct WalFile {
    path: PathBuf,
    file: File,
    len: u64,
    ops: Box<dyn FileOps>,
}

impl fmt::Debug for WalFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalFile")
            .field("path", &self.path)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

fn open_append(path: &Path) -> Result<File, FileError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| FileError::new(FileOp::Open, path, &e))
}

impl WalFile {
    /// Opens (creating if missing) the WAL at `path`. A newly created file's directory entry
    /// is synced.
    ///
    /// # Errors
    /// Open, metadata or directory sync failures.
    pub fn open(path: &Path, mut ops: Box<dyn FileOps>) -> Result<Self, FileError> {
        let existed = path.exists();
        let file = open_append(path)?;
        let len = file
            .metadata()
            .map_err(|e| FileError::new(FileOp::Open, path, &e))?
            .len();
        if !existed {
            let dir = parent_dir(path);
            ops.sync_dir(dir)
                .map_err(|e| FileError::new(FileOp::SyncDir, dir, &e))?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            len,
            ops,
        })
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the file, as far as this handle knows (unknown after a failed append).
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file-operation seam, for sibling files (snapshots) written by the same owner.
    pub fn ops_mut(&mut self) -> &mut dyn FileOps {
        self.ops.as_mut()
    }

    /// Appends `bytes` at the end of the log (not yet durable: call [`Self::sync`]).
    ///
    /// # Errors
    /// The write failed; an unknown prefix of `bytes` may be in the file.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        self.ops
            .write_all(&mut self.file, bytes)
            .map_err(|e| FileError::new(FileOp::Write, &self.path, &e))?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// `fdatasync` of the log.
    ///
    /// # Errors
    /// The sync failed; durability of earlier appends is unknown.
    pub fn sync(&mut self) -> Result<(), FileError> {
        self.ops
            .sync_data(&self.file)
            .map_err(|e| FileError::new(FileOp::Sync, &self.path, &e))
    }

    /// Reads the whole log.
    ///
    /// # Errors
    /// The read failed.
    pub fn read_all(&self) -> Result<Vec<u8>, FileError> {
        let mut bytes = Vec::new();
        File::open(&self.path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .map_err(|e| FileError::new(FileOp::Read, &self.path, &e))?;
        Ok(bytes)
    }

    /// Cuts the log to `len` bytes (a torn tail) and syncs.
    ///
    /// # Errors
    /// Truncate or sync failed.
    pub fn truncate_to(&mut self, len: u64) -> Result<(), FileError> {
        self.ops
            .set_len(&self.file, len)
            .map_err(|e| FileError::new(FileOp::Truncate, &self.path, &e))?;
        self.len = len;
        self.sync()
    }

    /// Atomically replaces the whole log with `bytes` and reopens it for appending.
    ///
    /// # Errors
    /// Any step of [`replace_file_atomically`] or the reopen.
    pub fn replace_with(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        replace_file_atomically(&self.path, bytes, self.ops.as_mut())?;
        self.file = open_append(&self.path)?;
        self.len = bytes.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
#[path = "wal_file_tests.rs"]
mod tests;
