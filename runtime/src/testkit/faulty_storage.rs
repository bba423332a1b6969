//! [`FaultyStorage`]: a [`Storage`] on the real disk that injects faults from a shared
//! [`FaultPlan`].
//!
//! It runs every operation on the real disk ([`DiskStorage`]) unless the plan says the Nth
//! operation of a kind fails: it then returns an injected `io::Error` (kind `Other`) without
//! touching the disk, or, for a short write, writes the first half of the buffer and then
//! fails. No root-only tricks (permissions, full disks) are needed. It can also skip syncs for
//! tests that open thousands of databases and do not test durability.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use crate::storage::{DiskStorage, Storage, StorageFile, StorageLock};

/// Counters and armed faults, shared between a test and the storage it handed to a file.
/// Each counter counts the calls of its kind so far; each `fail_*` is the 1-based number of
/// the call of that kind that fails.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// `write_all` calls so far (any file).
    pub writes: u64,
    /// Data and directory syncs so far (both count here).
    pub syncs: u64,
    /// Opens and creates so far.
    pub opens: u64,
    /// Whole-file, prefix and positioned (`read_at`) reads so far.
    pub reads: u64,
    /// The most bytes one read has asked for (a `read_at` buffer) or returned (a whole-file
    /// or prefix read): how much of a file an owner holds from a single read.
    pub largest_read: u64,
    /// `set_len` calls so far.
    pub truncates: u64,
    /// Renames so far.
    pub renames: u64,
    /// Fail this write, writing nothing.
    pub fail_write: Option<u64>,
    /// Write only the first half of this write's buffer, then fail.
    pub short_write: Option<u64>,
    /// Fail this sync.
    pub fail_sync: Option<u64>,
    /// Fail this open or create.
    pub fail_open: Option<u64>,
    /// Fail this read.
    pub fail_read: Option<u64>,
    /// Fail this `set_len`.
    pub fail_truncate: Option<u64>,
    /// Fail this rename, renaming nothing.
    pub fail_rename: Option<u64>,
    /// Syncs succeed without reaching the disk (counted all the same).
    pub skip_syncs: bool,
    /// Syncs that reached the disk (not skipped, not failed).
    pub disk_syncs: u64,
}

/// Counts one call of a kind; whether it is the armed one.
fn tick(count: &mut u64, armed: Option<u64>) -> bool {
    *count += 1;
    armed == Some(*count)
}

fn injected(what: &str) -> io::Error {
    io::Error::other(format!("injected {what} failure"))
}

/// A [`Storage`] on the real disk that fails where its [`FaultPlan`] says. Clones share the plan.
#[derive(Clone, Debug, Default)]
pub struct FaultyStorage {
    plan: Arc<Mutex<FaultPlan>>,
}

impl FaultyStorage {
    /// A storage with no fault armed.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A storage whose syncs succeed without reaching the disk: real files, fast, for tests
    /// where durability is not under test.
    #[must_use]
    pub fn skipping_syncs() -> Self {
        let storage = Self::new();
        storage.with_plan(|plan| plan.skip_syncs = true);
        storage
    }

    /// Runs `change` on the shared plan (e.g. to read a counter or arm a fault).
    pub fn with_plan<T>(&self, change: impl FnOnce(&mut FaultPlan) -> T) -> T {
        change(&mut self.plan.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Records a whole-file or prefix read's length in [`FaultPlan::largest_read`].
    fn note_read(&self, bytes: &[u8]) {
        let len = bytes.len() as u64;
        self.with_plan(|plan| plan.largest_read = plan.largest_read.max(len));
    }

    /// Fails the `n`th write from now (1 = the next one), writing nothing.
    pub fn fail_nth_write(&self, n: u64) {
        self.with_plan(|plan| plan.fail_write = Some(plan.writes + n));
    }

    /// Makes the `n`th write from now write half its bytes and then fail.
    pub fn short_nth_write(&self, n: u64) {
        self.with_plan(|plan| plan.short_write = Some(plan.writes + n));
    }

    /// Fails the `n`th sync (data or directory) from now.
    pub fn fail_nth_sync(&self, n: u64) {
        self.with_plan(|plan| plan.fail_sync = Some(plan.syncs + n));
    }

    /// Fails the `n`th open or create from now.
    pub fn fail_nth_open(&self, n: u64) {
        self.with_plan(|plan| plan.fail_open = Some(plan.opens + n));
    }

    /// Fails the `n`th read (whole-file or prefix) from now.
    pub fn fail_nth_read(&self, n: u64) {
        self.with_plan(|plan| plan.fail_read = Some(plan.reads + n));
    }

    /// Fails the `n`th `set_len` from now.
    pub fn fail_nth_truncate(&self, n: u64) {
        self.with_plan(|plan| plan.fail_truncate = Some(plan.truncates + n));
    }

    /// Fails the `n`th rename from now.
    pub fn fail_nth_rename(&self, n: u64) {
        self.with_plan(|plan| plan.fail_rename = Some(plan.renames + n));
    }

    /// Counts a sync: `Err` if it is the armed one, `Ok(true)` if it must reach the disk.
    fn sync(&self, what: &str) -> io::Result<bool> {
        self.with_plan(|plan| {
            if tick(&mut plan.syncs, plan.fail_sync) {
                return Err(injected(what));
            }
            if plan.skip_syncs {
                return Ok(false);
            }
            plan.disk_syncs += 1;
            Ok(true)
        })
    }

    fn open(
        &self,
        open: impl FnOnce() -> io::Result<Box<dyn StorageFile>>,
    ) -> io::Result<Box<dyn StorageFile>> {
        if self.with_plan(|plan| tick(&mut plan.opens, plan.fail_open)) {
            return Err(injected("open"));
        }
        let inner = open()?;
        Ok(Box::new(FaultyFile {
            inner,
            storage: self.clone(),
        }))
    }
}

/// A file opened by [`FaultyStorage`]: its writes, syncs and `set_len` follow the plan.
struct FaultyFile {
    inner: Box<dyn StorageFile>,
    storage: FaultyStorage,
}

impl StorageFile for FaultyFile {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let (fail, short) = self.storage.with_plan(|plan| {
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
            self.inner.write_all(&bytes[..bytes.len() / 2])?;
            return Err(injected("short write"));
        }
        self.inner.write_all(bytes)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        if self.storage.sync("sync")? {
            self.inner.sync_data()?;
        }
        Ok(())
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        let storage = &self.storage;
        if storage.with_plan(|plan| tick(&mut plan.truncates, plan.fail_truncate)) {
            return Err(injected("truncate"));
        }
        self.inner.set_len(len)
    }

    fn size(&self) -> io::Result<u64> {
        self.inner.size()
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if self
            .storage
            .with_plan(|plan| tick(&mut plan.reads, plan.fail_read))
        {
            return Err(injected("read"));
        }
        let asked = buf.len() as u64;
        self.storage
            .with_plan(|plan| plan.largest_read = plan.largest_read.max(asked));
        self.inner.read_at(offset, buf)
    }
}

impl Storage for FaultyStorage {
    fn exists(&self, path: &Path) -> bool {
        DiskStorage.exists(path)
    }

    fn open_append(&mut self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        self.open(|| DiskStorage.open_append(path))
    }

    fn create(&mut self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        self.open(|| DiskStorage.create(path))
    }

    fn file_len(&self, path: &Path) -> io::Result<u64> {
        DiskStorage.file_len(path)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.with_plan(|plan| tick(&mut plan.reads, plan.fail_read)) {
            return Err(injected("read"));
        }
        let bytes = DiskStorage.read(path)?;
        self.note_read(&bytes);
        Ok(bytes)
    }

    fn read_prefix(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        if self.with_plan(|plan| tick(&mut plan.reads, plan.fail_read)) {
            return Err(injected("read"));
        }
        let bytes = DiskStorage.read_prefix(path, limit)?;
        self.note_read(&bytes);
        Ok(bytes)
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        if self.with_plan(|plan| tick(&mut plan.renames, plan.fail_rename)) {
            return Err(injected("rename"));
        }
        DiskStorage.rename(from, to)
    }

    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        if self.sync("directory sync")? {
            DiskStorage.sync_dir(dir)?;
        }
        Ok(())
    }

    fn try_lock(&mut self, path: &Path) -> io::Result<Option<Box<dyn StorageLock>>> {
        DiskStorage.try_lock(path)
    }

    fn remove(&mut self, path: &Path) -> io::Result<()> {
        DiskStorage.remove(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        DiskStorage.list(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_armed_fault_fails_exactly_its_call() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut storage = FaultyStorage::new();
        storage.fail_nth_open(2);
        let mut file = storage.open_append(&path).unwrap();
        assert!(storage.create(&dir.path().join("g")).is_err());
        drop(storage.create(&dir.path().join("g")).unwrap());

        storage.fail_nth_write(2);
        file.write_all(b"ab").unwrap();
        assert_eq!(
            file.write_all(b"cd").unwrap_err().kind(),
            io::ErrorKind::Other
        );
        storage.short_nth_write(1);
        assert!(file.write_all(b"wxyz").is_err());
        assert_eq!(
            storage.read(&path).unwrap(),
            b"abwx",
            "half of the short write"
        );

        storage.fail_nth_sync(1);
        assert!(file.sync_data().is_err());
        file.sync_data().unwrap();
        storage.fail_nth_sync(1);
        assert!(storage.sync_dir(dir.path()).is_err());

        storage.fail_nth_truncate(1);
        assert!(file.set_len(1).is_err());
        assert_eq!(file.size().unwrap(), 4, "a failed truncate cuts nothing");

        storage.fail_nth_read(1);
        assert!(storage.read(&path).is_err());

        storage.fail_nth_rename(1);
        let to = dir.path().join("h");
        assert!(storage.rename(&path, &to).is_err());
        assert!(storage.exists(&path) && !storage.exists(&to));
        storage.rename(&path, &to).unwrap();

        let plan = storage.with_plan(|plan| plan.clone());
        assert_eq!(
            (
                plan.opens,
                plan.writes,
                plan.syncs,
                plan.truncates,
                plan.reads,
                plan.renames
            ),
            (3, 3, 3, 1, 2, 2)
        );
        // The whole-file read returned 4 bytes; a positioned read asks for its buffer.
        assert_eq!(plan.largest_read, 4);
        let mut reader = storage.open_append(&to).unwrap();
        reader.read_at(0, &mut [0; 9]).unwrap();
        assert_eq!(storage.with_plan(|plan| plan.largest_read), 9);
        storage.read_prefix(&to, 2).unwrap();
        assert_eq!(storage.with_plan(|plan| plan.largest_read), 9);
    }

    #[test]
    fn skipped_syncs_still_count_and_can_still_fail() {
        let dir = tempfile::tempdir().unwrap();
        let mut storage = FaultyStorage::skipping_syncs();
        let mut file = storage.create(&dir.path().join("f")).unwrap();
        file.sync_data().unwrap();
        storage.sync_dir(dir.path()).unwrap();
        storage.fail_nth_sync(1);
        assert!(file.sync_data().is_err());
        assert_eq!(storage.with_plan(|plan| plan.syncs), 3);
    }

    #[test]
    fn only_unskipped_syncs_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        for (mut storage, disk_syncs) in [
            (FaultyStorage::new(), 2),
            (FaultyStorage::skipping_syncs(), 0),
        ] {
            let mut file = storage.create(&dir.path().join("f")).unwrap();
            file.sync_data().unwrap();
            storage.sync_dir(dir.path()).unwrap();
            let plan = storage.with_plan(|plan| plan.clone());
            assert_eq!((plan.syncs, plan.disk_syncs), (2, disk_syncs));
        }
    }

    #[test]
    fn path_operations_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut storage = FaultyStorage::new();
        let path = dir.path().join("f");
        let mut file = storage.create(&path).unwrap();
        file.write_all(b"abc").unwrap();
        drop(file);
        assert_eq!(storage.file_len(&path).unwrap(), 3);
        assert_eq!(storage.read_prefix(&path, 2).unwrap(), b"ab");
        assert_eq!(storage.list(dir.path()).unwrap(), ["f"]);
        storage.remove(&path).unwrap();
        assert!(!path.exists());
        assert!(storage.list(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn clones_share_one_plan() {
        let storage = FaultyStorage::new();
        let clone = storage.clone();
        clone.fail_nth_write(1);
        assert_eq!(storage.with_plan(|plan| plan.fail_write), Some(1));
    }
}
