//! [`SimStorage`]: an in-memory [`Storage`] that loses what a power loss loses.
//!
//! Each file is an inode holding the bytes the page cache holds and what of them is durable:
//! written bytes are volatile until `sync_data`, and directory entries (creations, renames,
//! removals) are volatile until `sync_dir` of their directory. [`SimStorage::crash`] keeps,
//! per durable entry, the synced bytes plus a seed-chosen prefix of the unsynced ones, and
//! forgets every unsynced entry change (`crash.rs`). Faults strike storage operations as the
//! run's [`SimFaults`] says. Handles are cheap clones of one shared state, so the simulator
//! keeps one while the engine owns another, and crashes the engine's storage under it.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::log::fnv1a;
use super::{EventLog, FaultCounts, FaultKind, SimFaults, SimRng};
use crate::wal::Magic;

/// The WAL file a storage knows the frames of, for the zero-fill rule of a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalShape {
    /// The WAL's file name (any directory).
    pub file_name: OsString,
    /// The engine's frame magic.
    pub magic: Magic,
    /// The payload bound the engine opens with.
    pub max_payload_bytes: u32,
}

/// One file's bytes: `data` is what reads see; the durable bytes are `shadow` when a cut
/// made them differ from a prefix of `data`, else `data[..synced]`. `poisoned_from` is where
/// a failed sync left bytes that no later sync makes durable (Linux marks the pages of a
/// failed writeback clean: "fsyncgate"), until a cut at or below it drops them.
#[derive(Clone, Debug, Default)]
pub(super) struct Inode {
    pub(super) data: Vec<u8>,
    pub(super) synced: usize,
    pub(super) shadow: Option<Vec<u8>>,
    pub(super) poisoned_from: Option<usize>,
}

impl Inode {
    /// The bytes a crash keeps at least.
    pub(super) fn durable(&self) -> &[u8] {
        match &self.shadow {
            Some(shadow) => shadow,
            None => &self.data[..self.synced],
        }
    }

    pub(super) fn set_len(&mut self, len: usize) {
        if self.shadow.is_none() && len < self.synced {
            self.shadow = Some(self.data[..self.synced].to_vec());
        }
        self.data.resize(len, 0);
        if self.poisoned_from.is_some_and(|from| len <= from) {
            self.poisoned_from = None;
        }
    }

    /// A failed sync: the bytes above the durable ones stay readable but are lost-on-crash
    /// for good (a later sync does not write them). With none above, nothing is poisoned.
    pub(super) fn poison(&mut self) {
        let from = self.synced.min(self.data.len());
        if from < self.data.len() {
            self.poisoned_from = Some(self.poisoned_from.map_or(from, |p| p.min(from)));
        }
    }

    /// A successful sync: every byte below the poisoned ones becomes durable; the poisoned
    /// bytes stay volatile, and so, pessimistically, do those written after them (Linux
    /// would write those, leaving a hole of lost bytes; a prefix is what a crash keeps here).
    pub(super) fn sync(&mut self) {
        let upto = self.poisoned_from.unwrap_or(usize::MAX);
        self.synced = self.data.len().min(upto);
        self.shadow = None;
        assert_eq!(
            self.durable().len(),
            self.data.len().min(upto),
            "a sync must make every byte below the poisoned ones durable"
        );
    }
}

/// A flipped bit: which inode, which byte, which bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flip {
    /// The inode (an internal file number).
    pub inode: usize,
    /// The byte's offset in the file.
    pub offset: usize,
    /// The bit (0 to 7).
    pub bit: u8,
}

/// The state every handle of one [`SimStorage`] shares.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) inodes: Vec<Inode>,
    /// The directory entries reads see, sorted by path.
    pub(super) entries: Vec<(PathBuf, usize)>,
    /// The directory entries a crash keeps.
    pub(super) durable_entries: Vec<(PathBuf, usize)>,
    pub(super) locks: Vec<PathBuf>,
    /// Bumped by each crash: handles of an earlier generation belong to a dead process.
    pub(super) generation: u64,
    pub(super) ops: u64,
    /// From this operation on, every operation fails until the crash (a power loss inside a
    /// call).
    pub(super) stop_at_op: Option<u64>,
    pub(super) faults: SimFaults,
    pub(super) faults_on: bool,
    pub(super) capacity: Option<u64>,
    pub(super) rng: SimRng,
    pub(super) counts: FaultCounts,
    pub(super) log: EventLog,
    pub(super) flips: Vec<Flip>,
    pub(super) wal: WalShape,
    /// The disk-backed mode's directory (`disk.rs`): mutations and syncs also reach the real
    /// files there, through [`DiskStorage`](crate::storage::DiskStorage).
    pub(super) disk_root: Option<PathBuf>,
}

/// Operation tags fed to the event log's hash (a write also feeds its length and the FNV-1a
/// hash of its bytes).
const TAG_WRITE: u64 = 1;
const TAG_SYNC: u64 = 2;
pub(super) const TAG_SET_LEN: u64 = 3;
const TAG_RENAME: u64 = 4;
const TAG_SYNC_DIR: u64 = 5;
pub(super) const TAG_REMOVE: u64 = 6;
const TAG_OPEN: u64 = 7;

fn injected(kind: FaultKind) -> io::Error {
    if kind == FaultKind::DiskFull {
        return io::Error::new(io::ErrorKind::StorageFull, "simulated disk full");
    }
    io::Error::other(format!("simulated {} fault", kind.name()))
}

fn stopped() -> io::Error {
    io::Error::other("simulated power loss: the process is gone")
}

pub(super) fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file", path.display()),
    )
}

/// The directory a file lives in: the runtime's own helper (`.` for a bare file name), so
/// that a `sync_dir` of the directory the runtime names makes the file's entry durable.
pub(super) use crate::wal_file::parent_dir as parent;

impl Shared {
    /// Counts an operation; fails it if the process is stopped. A bit flip may strike here.
    pub(super) fn begin(&mut self, generation: u64) -> io::Result<()> {
        if generation != self.generation {
            return Err(stopped());
        }
        let op = self.ops;
        self.ops += 1;
        if self.stop_at_op.is_some_and(|stop| op >= stop) {
            if self.stop_at_op == Some(op) {
                self.log.line(format!("op {op}: power lost"));
            }
            return Err(stopped());
        }
        if self.strike(FaultKind::BitFlip) {
            self.flip_a_stored_bit();
        }
        Ok(())
    }

    /// Whether a fault of `kind` strikes the current operation (counted and logged if so).
    pub(super) fn strike(&mut self, kind: FaultKind) -> bool {
        let op = self.ops.saturating_sub(1);
        let Some(window) = self.faults.window(kind, op) else {
            return false;
        };
        if !self.faults_on || !window.covers(op) || !self.rng.chance(window.per_mille) {
            return false;
        }
        self.counts.add(kind);
        self.log.line(format!("op {op}: inject {}", kind.name()));
        true
    }

    pub(super) fn lookup(&self, path: &Path) -> Option<usize> {
        let at = self
            .entries
            .binary_search_by(|(p, _)| p.as_path().cmp(path));
        at.ok().map(|i| self.entries[i].1)
    }

    /// Points `path` at `inode` in the entries reads see (volatile until `sync_dir`).
    fn link(&mut self, path: &Path, inode: usize) {
        match self
            .entries
            .binary_search_by(|(p, _)| p.as_path().cmp(path))
        {
            Ok(i) => self.entries[i].1 = inode,
            Err(i) => self.entries.insert(i, (path.to_path_buf(), inode)),
        }
        debug_assert!(
            self.entries.windows(2).all(|pair| pair[0].0 < pair[1].0),
            "entries must stay sorted and unique"
        );
    }

    pub(super) fn unlink(&mut self, path: &Path) -> Option<usize> {
        let at = self
            .entries
            .binary_search_by(|(p, _)| p.as_path().cmp(path));
        at.ok().map(|i| self.entries.remove(i).1)
    }

    fn new_inode(&mut self) -> usize {
        self.inodes.push(Inode::default());
        self.inodes.len() - 1
    }

    fn used_bytes(&self) -> u64 {
        let lens = self.entries.iter().map(|(_, i)| self.inodes[*i].data.len());
        lens.map(|len| len as u64).sum()
    }

    /// How many of `len` bytes fit before the disk is full (all of them outside a disk-full
    /// window).
    fn room(&mut self, len: usize) -> usize {
        let op = self.ops.saturating_sub(1);
        let window = self.faults.window(FaultKind::DiskFull, op);
        if !self.faults_on || !window.is_some_and(|w| w.covers(op)) {
            self.capacity = None;
            return len;
        }
        let used = self.used_bytes();
        let slack = self.faults.disk_slack_bytes;
        let capacity = *self.capacity.get_or_insert(used + slack);
        let room = usize::try_from(capacity.saturating_sub(used)).unwrap_or(usize::MAX);
        room.min(len)
    }

    pub(super) fn write(&mut self, generation: u64, inode: usize, bytes: &[u8]) -> io::Result<()> {
        self.begin(generation)?;
        let words = [TAG_WRITE, inode as u64, bytes.len() as u64, fnv1a(bytes)];
        self.log.mix(&words);
        if self.strike(FaultKind::WriteError) {
            return Err(injected(FaultKind::WriteError));
        }
        if !bytes.is_empty() && self.strike(FaultKind::ShortWrite) {
            let kept = self.rng.index(bytes.len());
            self.inodes[inode].data.extend_from_slice(&bytes[..kept]);
            return Err(injected(FaultKind::ShortWrite));
        }
        let room = self.room(bytes.len());
        self.inodes[inode].data.extend_from_slice(&bytes[..room]);
        if room < bytes.len() {
            self.counts.add(FaultKind::DiskFull);
            let op = self.ops - 1;
            self.log
                .line(format!("op {op}: inject full after {room} bytes"));
            return Err(injected(FaultKind::DiskFull));
        }
        Ok(())
    }

    /// A data sync: `real` performs it (on the disk-backed mode, the real `fdatasync`) and
    /// says whether it was witnessed; only a witnessed sync makes the bytes durable.
    pub(super) fn sync(
        &mut self,
        generation: u64,
        inode: usize,
        real: impl FnOnce() -> io::Result<bool>,
    ) -> io::Result<()> {
        self.begin(generation)?;
        self.log.mix(&[TAG_SYNC, inode as u64]);
        if self.strike(FaultKind::SyncError) {
            self.inodes[inode].poison();
            let from = self.inodes[inode].poisoned_from;
            self.log
                .line(format!("poisoned inode {inode} from {from:?}"));
            return Err(injected(FaultKind::SyncError));
        }
        if real()? {
            self.inodes[inode].sync();
        }
        Ok(())
    }

    /// A directory sync, `real` as for [`Self::sync`].
    pub(super) fn sync_dir(
        &mut self,
        dir: &Path,
        real: impl FnOnce() -> io::Result<bool>,
    ) -> io::Result<()> {
        let generation = self.generation;
        self.begin(generation)?;
        self.log.mix(&[TAG_SYNC_DIR]);
        if self.strike(FaultKind::SyncError) {
            return Err(injected(FaultKind::SyncError));
        }
        if !real()? {
            return Ok(());
        }
        self.durable_entries.retain(|(p, _)| parent(p) != dir);
        let synced = self.entries.iter().filter(|(p, _)| parent(p) == dir);
        self.durable_entries.extend(synced.cloned());
        self.durable_entries.sort();
        Ok(())
    }

    pub(super) fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        let generation = self.generation;
        self.begin(generation)?;
        self.log.mix(&[TAG_RENAME]);
        let Some(inode) = self.lookup(from) else {
            return Err(not_found(from));
        };
        if self.strike(FaultKind::RenameError) {
            return Err(injected(FaultKind::RenameError));
        }
        self.unlink(from);
        self.link(to, inode);
        Ok(())
    }

    pub(super) fn open(&mut self, path: &Path, truncate: bool) -> io::Result<usize> {
        let generation = self.generation;
        self.begin(generation)?;
        self.log.mix(&[TAG_OPEN, u64::from(truncate)]);
        if let Some(inode) = self.lookup(path) {
            if truncate {
                self.inodes[inode].set_len(0);
            }
            return Ok(inode);
        }
        let inode = self.new_inode();
        self.link(path, inode);
        Ok(inode)
    }
}

/// An in-memory [`Storage`] with a crash model and injected faults; clones share one state.
#[derive(Clone, Debug)]
pub struct SimStorage {
    pub(super) shared: Arc<Mutex<Shared>>,
}

impl SimStorage {
    /// An empty storage whose faults follow `faults` (drawn with `rng`) and whose crashes know
    /// the frames of `wal`. Faults are off until [`Self::set_faults_on`].
    #[must_use]
    pub fn new(rng: SimRng, faults: SimFaults, wal: WalShape) -> Self {
        let shared = Shared {
            inodes: Vec::new(),
            entries: Vec::new(),
            durable_entries: Vec::new(),
            locks: Vec::new(),
            generation: 0,
            ops: 0,
            stop_at_op: None,
            faults,
            faults_on: false,
            capacity: None,
            rng,
            counts: FaultCounts::default(),
            log: EventLog::new(),
            flips: Vec::new(),
            wal,
            disk_root: None,
        };
        Self {
            shared: Arc::new(Mutex::new(shared)),
        }
    }

    pub(super) fn with<T>(&self, f: impl FnOnce(&mut Shared) -> T) -> T {
        f(&mut self.shared.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Turns fault injection on or off (a stop set by [`Self::stop_at_op`] applies either way).
    pub fn set_faults_on(&self, on: bool) {
        self.with(|s| s.faults_on = on);
    }

    /// Storage operations so far.
    #[must_use]
    pub fn ops(&self) -> u64 {
        self.with(|s| s.ops)
    }

    /// Makes operation `op` and every later one fail until [`Self::crash`]: the process loses
    /// power there. `None` clears it.
    pub fn stop_at_op(&self, op: Option<u64>) {
        self.with(|s| s.stop_at_op = op);
    }

    /// Faults injected so far, by kind.
    #[must_use]
    pub fn counts(&self) -> FaultCounts {
        self.with(|s| s.counts)
    }

    /// Runs `f` on the event log the storage writes to.
    pub fn with_log<T>(&self, f: impl FnOnce(&mut EventLog) -> T) -> T {
        self.with(|s| f(&mut s.log))
    }

    /// The bytes reads see of the file at `path`, if there is one (for tests and reports).
    #[must_use]
    pub fn contents(&self, path: &Path) -> Option<Vec<u8>> {
        self.with(|s| s.lookup(path).map(|i| s.inodes[i].data.clone()))
    }
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
