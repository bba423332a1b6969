//! The storage seam: every file operation the durable files perform, behind one trait.
//!
//! [`Storage`] names files by path and hands out [`StorageFile`] handles; nothing in either
//! signature is a `std::fs` type, so an implementation may keep its bytes anywhere. [`DiskStorage`]
//! is the production implementation (plain `std::fs` calls). The fault-injecting implementation
//! lives in the `testkit` module (cargo feature `testkit`), and a crash-simulating in-memory one
//! can be added behind the same trait.
//!
//! The seam knows files, paths and bytes, never what the bytes mean. Errors are `io::Error`s;
//! the callers (`wal_file`) turn them into comparable typed errors that name the operation and
//! the path.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// An open file: appends, data syncs and length changes. Dropping it closes it.
pub trait StorageFile: Send {
    /// Writes all of `bytes` at the end of the file.
    ///
    /// # Errors
    /// The underlying I/O error; an unknown prefix of `bytes` may have been written.
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// `fdatasync`: makes the file's data (and the size needed to read it) durable.
    ///
    /// # Errors
    /// The underlying I/O error; durability of earlier writes is unknown.
    fn sync_data(&mut self) -> io::Result<()>;

    /// Cuts or extends the file to `len` bytes.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn set_len(&mut self, len: u64) -> io::Result<()>;

    /// The file's current length in bytes.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn size(&self) -> io::Result<u64>;

    /// Reads bytes from `offset` into `buf` until it is full or the file ends; returns how
    /// many were read (fewer than `buf.len()` only at the end of the file). Appends still go
    /// to the end of the file.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// An exclusive lock on a file, held until this value is dropped (or its process ends).
pub trait StorageLock: Send + fmt::Debug {}

/// Files by path: open, create, read, rename, remove, list, and directory syncs.
pub trait Storage: Send {
    /// Whether a file (or directory) exists at `path`; an unreadable path counts as absent.
    fn exists(&self, path: &Path) -> bool;

    /// Opens the file at `path` for appending, creating it empty if missing.
    ///
    /// # Errors
    /// The underlying I/O error (a missing directory, permissions).
    fn open_append(&mut self, path: &Path) -> io::Result<Box<dyn StorageFile>>;

    /// Creates the file at `path` empty (truncating any previous contents) for writing.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn create(&mut self, path: &Path) -> io::Result<Box<dyn StorageFile>>;

    /// The length of the file at `path`, without reading it.
    ///
    /// # Errors
    /// The underlying I/O error (`NotFound` when missing).
    fn file_len(&self, path: &Path) -> io::Result<u64>;

    /// Reads the whole file at `path`.
    ///
    /// # Errors
    /// The underlying I/O error (`NotFound` when missing).
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;

    /// Reads the first `limit` bytes of the file at `path` (all of it when shorter), so a
    /// caller can bound what it reads even if the file grows after a size check.
    ///
    /// # Errors
    /// The underlying I/O error (`NotFound` when missing).
    fn read_prefix(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>>;

    /// Renames `from` over `to` (atomic on the same filesystem; not durable until
    /// [`Self::sync_dir`]).
    ///
    /// # Errors
    /// The underlying I/O error; `to` is unchanged.
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()>;

    /// Makes the directory entries of `dir` (creates, renames, removals) durable.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn sync_dir(&mut self, dir: &Path) -> io::Result<()>;

    /// Takes an exclusive lock on the file at `path` (created empty if missing) without
    /// waiting: `Ok(None)` when another holder, in this process or another, has it. The lock is
    /// advisory (it stops other lockers, not readers) and is released when the returned value
    /// is dropped or the process exits, however it exits.
    ///
    /// # Errors
    /// The underlying I/O error (a missing directory, permissions, a file system without
    /// locks).
    fn try_lock(&mut self, path: &Path) -> io::Result<Option<Box<dyn StorageLock>>>;

    /// Removes the file at `path`.
    ///
    /// # Errors
    /// The underlying I/O error (`NotFound` when missing).
    fn remove(&mut self, path: &Path) -> io::Result<()>;

    /// The names of the entries of `dir`, sorted (byte order), so that callers never depend on
    /// the directory's own order.
    ///
    /// # Errors
    /// The underlying I/O error.
    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>>;
}

/// The production storage: plain `std::fs` calls on the real disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskStorage;

/// A real file opened by [`DiskStorage`].
#[derive(Debug)]
struct DiskFile(File);

impl StorageFile for DiskFile {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        self.0.sync_data()?;
        // The disk-backed simulator's witness: this sync really happened.
        #[cfg(any(test, feature = "testkit"))]
        crate::testkit::sim::note_sync();
        Ok(())
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.0.seek(SeekFrom::Start(offset))?;
        let mut filled = 0;
        while filled < buf.len() {
            match self.0.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(read) => filled += read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(filled)
    }
}

/// A lock taken by [`DiskStorage::try_lock`]: the open file that holds it.
#[derive(Debug)]
struct DiskLock {
    _file: File,
}

impl StorageLock for DiskLock {}

impl Storage for DiskStorage {
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn open_append(&mut self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        Ok(Box::new(DiskFile(file)))
    }

    fn create(&mut self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        Ok(Box::new(DiskFile(File::create(path)?)))
    }

    fn file_len(&self, path: &Path) -> io::Result<u64> {
        Ok(fs::metadata(path)?.len())
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        File::open(path)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    fn read_prefix(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        File::open(path)?.take(limit).read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()?;
        // The disk-backed simulator's witness: this sync really happened.
        #[cfg(any(test, feature = "testkit"))]
        crate::testkit::sim::note_sync();
        Ok(())
    }

    fn try_lock(&mut self, path: &Path) -> io::Result<Option<Box<dyn StorageLock>>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Box::new(DiskLock { _file: file }))),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(error)) => Err(error),
        }
    }

    fn remove(&mut self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        let mut names = fs::read_dir(dir)?
            .map(|entry| entry.map(|entry| entry.file_name()))
            .collect::<io::Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_at_reads_from_an_offset_up_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut storage = DiskStorage;
        let mut file = storage.open_append(&dir.path().join("f")).unwrap();
        file.write_all(b"0123456789").unwrap();
        let mut buf = [0; 4];
        assert_eq!(file.read_at(3, &mut buf).unwrap(), 4);
        assert_eq!(&buf, b"3456");
        assert_eq!(
            file.read_at(8, &mut buf).unwrap(),
            2,
            "short only at the end"
        );
        assert_eq!(&buf[..2], b"89");
        assert_eq!(file.read_at(10, &mut buf).unwrap(), 0);
        assert_eq!(file.read_at(99, &mut buf).unwrap(), 0);
        file.write_all(b"ab").unwrap();
        assert_eq!(
            file.size().unwrap(),
            12,
            "a read does not move where appends go"
        );
        assert_eq!(file.read_at(9, &mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"9ab");
    }

    #[test]
    fn a_lock_excludes_a_second_locker_until_it_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("LOCK");
        let mut storage = DiskStorage;
        let held = storage
            .try_lock(&path)
            .unwrap()
            .expect("a free lock is taken");
        assert!(path.exists(), "the lock file is created");
        assert!(
            storage.try_lock(&path).unwrap().is_none(),
            "a second open file description of the same file is refused"
        );
        drop(held);
        let again = storage.try_lock(&path).unwrap();
        assert!(again.is_some(), "released on drop");
        assert!(storage.try_lock(&dir.path().join("missing/LOCK")).is_err());
    }

    #[test]
    fn disk_storage_round_trips_every_operation() {
        let dir = tempfile::tempdir().unwrap();
        let mut storage = DiskStorage;
        let a = dir.path().join("a");
        assert!(!storage.exists(&a));
        let mut file = storage.open_append(&a).unwrap();
        assert!(storage.exists(&a), "open_append creates the file");
        file.write_all(b"hello").unwrap();
        file.write_all(b" world").unwrap();
        file.sync_data().unwrap();
        assert_eq!(file.size().unwrap(), 11);
        file.set_len(5).unwrap();
        assert_eq!(file.size().unwrap(), 5);
        file.write_all(b"!").unwrap();
        drop(file);
        assert_eq!(storage.read(&a).unwrap(), b"hello!");
        assert_eq!(storage.read_prefix(&a, 3).unwrap(), b"hel");
        assert_eq!(storage.read_prefix(&a, 100).unwrap(), b"hello!");
        assert_eq!(storage.file_len(&a).unwrap(), 6);

        let b = dir.path().join("b");
        let mut created = storage.create(&b).unwrap();
        created.write_all(b"new").unwrap();
        drop(created);
        let mut again = storage.create(&b).unwrap();
        again.write_all(b"x").unwrap();
        drop(again);
        assert_eq!(storage.read(&b).unwrap(), b"x", "create truncates");

        assert_eq!(storage.list(dir.path()).unwrap(), ["a", "b"]);
        storage.rename(&b, &a).unwrap();
        storage.sync_dir(dir.path()).unwrap();
        assert_eq!(storage.read(&a).unwrap(), b"x");
        assert_eq!(storage.list(dir.path()).unwrap(), ["a"]);
        storage.remove(&a).unwrap();
        assert!(storage.list(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn missing_files_are_not_found_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut storage = DiskStorage;
        let missing = dir.path().join("missing");
        for error in [
            storage.read(&missing).unwrap_err(),
            storage.read_prefix(&missing, 1).unwrap_err(),
            storage.file_len(&missing).unwrap_err(),
            storage.remove(&missing).unwrap_err(),
            storage.list(&missing).unwrap_err(),
            storage.open_append(&missing.join("x")).err().unwrap(),
            storage.rename(&missing, &dir.path().join("y")).unwrap_err(),
        ] {
            assert_eq!(error.kind(), io::ErrorKind::NotFound);
        }
    }

    #[test]
    fn list_is_sorted_whatever_the_creation_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut storage = DiskStorage;
        for name in ["c", "a", "b"] {
            drop(storage.create(&dir.path().join(name)).unwrap());
        }
        assert_eq!(storage.list(dir.path()).unwrap(), ["a", "b", "c"]);
    }
}
