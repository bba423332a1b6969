//! The [`Storage`] side of [`SimStorage`]: its files, its locks and the trait itself, each
//! call a thin wrapper over the shared state's operations (`storage.rs`).

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use super::disk::witnessed;
use super::storage::{SimStorage, TAG_REMOVE, TAG_SET_LEN, not_found, parent};
use crate::storage::{DiskStorage, Storage, StorageFile, StorageLock};

/// A file opened by [`SimStorage`] (with its real file in the disk-backed mode).
struct SimFile {
    storage: SimStorage,
    inode: usize,
    generation: u64,
    real: Option<Box<dyn StorageFile>>,
}

impl StorageFile for SimFile {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let (generation, inode) = (self.generation, self.inode);
        let (before, written, after) = self.storage.with(|s| {
            let before = s.inodes[inode].data.len();
            let written = s.write(generation, inode, bytes);
            (before, written, s.inodes[inode].data.len())
        });
        if let Some(real) = &mut self.real {
            real.write_all(&bytes[..after - before])?;
        }
        written
    }

    fn sync_data(&mut self) -> io::Result<()> {
        let (generation, inode) = (self.generation, self.inode);
        let real = &mut self.real;
        self.storage.with(|s| {
            s.sync(generation, inode, || match real {
                Some(real) => witnessed(|| real.sync_data()),
                None => Ok(true),
            })
        })
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        let (generation, inode) = (self.generation, self.inode);
        let len = usize::try_from(len).map_err(|_| io::Error::other("length too large"))?;
        self.storage.with(|s| {
            s.begin(generation)?;
            s.log.mix(&[TAG_SET_LEN, inode as u64, len as u64]);
            s.inodes[inode].set_len(len);
            s.flips.retain(|f| f.inode != inode || f.offset < len);
            Ok::<(), io::Error>(())
        })?;
        match &mut self.real {
            Some(real) => real.set_len(len as u64),
            None => Ok(()),
        }
    }

    fn size(&self) -> io::Result<u64> {
        let (generation, inode) = (self.generation, self.inode);
        self.storage.with(|s| {
            s.begin(generation)?;
            Ok(s.inodes[inode].data.len() as u64)
        })
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let (generation, inode) = (self.generation, self.inode);
        self.storage.with(|s| {
            s.begin(generation)?;
            let data = &s.inodes[inode].data;
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(data.len());
            let read = buf.len().min(data.len() - start);
            buf[..read].copy_from_slice(&data[start..start + read]);
            Ok(read)
        })
    }
}

/// A lock taken by [`SimStorage::try_lock`]: released on drop, or by a crash.
#[derive(Debug)]
struct SimLock {
    storage: SimStorage,
    path: PathBuf,
    generation: u64,
}

impl StorageLock for SimLock {}

impl Drop for SimLock {
    fn drop(&mut self) {
        let (path, generation) = (&self.path, self.generation);
        self.storage.with(|s| {
            if s.generation == generation {
                s.locks.retain(|held| held != path);
            }
        });
    }
}

impl SimStorage {
    fn file(&self, inode: usize, real: Option<Box<dyn StorageFile>>) -> Box<dyn StorageFile> {
        let generation = self.with(|s| s.generation);
        Box::new(SimFile {
            storage: self.clone(),
            inode,
            generation,
            real,
        })
    }

    fn read_limited(&self, path: &Path, limit: usize) -> io::Result<Vec<u8>> {
        self.with(|s| {
            let generation = s.generation;
            s.begin(generation)?;
            let inode = s.lookup(path).ok_or_else(|| not_found(path))?;
            let data = &s.inodes[inode].data;
            Ok(data[..limit.min(data.len())].to_vec())
        })
    }
}

impl Storage for SimStorage {
    fn exists(&self, path: &Path) -> bool {
        self.with(|s| {
            s.lookup(path).is_some() || s.entries.iter().any(|(p, _)| p.starts_with(path))
        })
    }

    fn open_append(&mut self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        let inode = self.with(|s| s.open(path, false))?;
        let real = self.real(|disk| disk.open_append(path))?;
        Ok(self.file(inode, real))
    }

    fn create(&mut self, path: &Path) -> io::Result<Box<dyn StorageFile>> {
        let inode = self.with(|s| s.open(path, true))?;
        self.with(|s| s.flips.retain(|f| f.inode != inode));
        let real = self.real(|disk| disk.create(path))?;
        Ok(self.file(inode, real))
    }

    fn file_len(&self, path: &Path) -> io::Result<u64> {
        self.with(|s| {
            let generation = s.generation;
            s.begin(generation)?;
            let inode = s.lookup(path).ok_or_else(|| not_found(path))?;
            Ok(s.inodes[inode].data.len() as u64)
        })
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.read_limited(path, usize::MAX)
    }

    fn read_prefix(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        self.read_limited(path, usize::try_from(limit).unwrap_or(usize::MAX))
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        self.with(|s| s.rename(from, to))?;
        self.real(|disk| disk.rename(from, to)).map(drop)
    }

    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        let disk = self.with(|s| s.disk_root.is_some());
        self.with(|s| {
            s.sync_dir(dir, || {
                if disk {
                    witnessed(|| DiskStorage.sync_dir(dir))
                } else {
                    Ok(true)
                }
            })
        })
    }

    fn try_lock(&mut self, path: &Path) -> io::Result<Option<Box<dyn StorageLock>>> {
        let generation = self.with(|s| -> io::Result<Option<u64>> {
            s.open(path, false)?;
            if s.locks.iter().any(|held| held == path) {
                return Ok(None);
            }
            s.locks.push(path.to_path_buf());
            Ok(Some(s.generation))
        })?;
        // The lock file exists on the disk too; the lock itself is the simulator's.
        self.real(|disk| disk.open_append(path))?;
        Ok(generation.map(|generation| {
            let lock = SimLock {
                storage: self.clone(),
                path: path.to_path_buf(),
                generation,
            };
            Box::new(lock) as Box<dyn StorageLock>
        }))
    }

    fn remove(&mut self, path: &Path) -> io::Result<()> {
        self.with(|s| {
            let generation = s.generation;
            s.begin(generation)?;
            s.log.mix(&[TAG_REMOVE]);
            s.unlink(path).map(drop).ok_or_else(|| not_found(path))
        })?;
        self.real(|disk| disk.remove(path)).map(drop)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        self.with(|s| {
            let generation = s.generation;
            s.begin(generation)?;
            let names = s.entries.iter().filter(|(p, _)| parent(p) == dir);
            Ok(names
                .filter_map(|(p, _)| p.file_name().map(OsString::from))
                .collect())
        })
    }
}
