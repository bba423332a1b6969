//! The crash model of [`SimStorage`] and its bit flips.
//!
//! A crash (power loss of the page cache) keeps the durable directory entries only, and per
//! kept file its durable bytes plus a seed-chosen prefix of the volatile ones: a torn last
//! write is kept as torn. A WAL may instead keep a prefix ending at a frame boundary followed
//! by zeros (a file whose size reached the disk before its data, the spec's zero-fill rule).
//! A torn frame followed by zeros is never produced: the WAL's scan would read it as
//! corruption of a frame nobody acknowledged, which the model excludes (docs/simulation.md).

use std::path::Path;

use super::FaultKind;
use super::storage::{Flip, Inode, Shared, SimStorage};
use crate::wal::{HEADER_LEN, frames};

/// In a crash, the chance (per mille) that a WAL keeps a frame-boundary prefix plus zeros.
const ZERO_FILL_PER_MILLE: u64 = 200;
/// In a crash, the chance that a cut file keeps its durable bytes (the cut is forgotten).
const FORGET_CUT_PER_MILLE: u64 = 500;
/// In a crash inside a bit-flip window, the chance that a bit flips at rest.
const FLIP_AT_CRASH_PER_MILLE: u64 = 250;
/// The last bytes of a file that half the flips strike.
const TAIL_BYTES: usize = 64;

/// What a crash left of one file, for the log.
fn crashed_len_line(path: &Path, before: usize, after: usize, zeros: usize) -> String {
    format!(
        "crash: {} {before} -> {after} bytes ({zeros} zeros)",
        path.display()
    )
}

impl Shared {
    /// The bytes one file keeps through a crash, and how many of them are a zero fill.
    fn crashed_bytes(&mut self, inode: usize, is_wal: bool) -> (Vec<u8>, usize) {
        let file = &self.inodes[inode];
        let durable = file.durable();
        let common = durable
            .iter()
            .zip(&file.data)
            .take_while(|(a, b)| a == b)
            .count();
        let cut = file.shadow.is_some();
        if cut && self.rng.chance(FORGET_CUT_PER_MILLE) {
            return (self.inodes[inode].durable().to_vec(), 0);
        }
        let data = &self.inodes[inode].data;
        if is_wal && self.rng.chance(ZERO_FILL_PER_MILLE) {
            let wal = &self.wal;
            let mut iter = frames(data, wal.magic, wal.max_payload_bytes);
            let mut boundaries = vec![0];
            boundaries.extend(iter.by_ref().map(|f| {
                usize::try_from(f.offset).expect("a frame offset in memory must fit a usize")
                    + f.encoded_len()
            }));
            boundaries.retain(|b| *b >= common);
            if !boundaries.is_empty() {
                let cut = boundaries[self.rng.index(boundaries.len())];
                let lost = data.len() - cut;
                let zeros = usize::try_from(self.rng.between(1, lost.max(64) as u64))
                    .expect("a zero fill must fit in memory");
                let mut kept = data[..cut].to_vec();
                kept.resize(cut + zeros, 0);
                return (kept, zeros);
            }
        }
        let len = usize::try_from(self.rng.between(common as u64, data.len() as u64))
            .expect("a kept length must fit in memory");
        (data[..len].to_vec(), 0)
    }

    /// The crash itself (see [`SimStorage::crash`]).
    fn crash(&mut self) {
        self.generation += 1;
        self.locks.clear();
        self.stop_at_op = None;
        self.capacity = None;
        self.entries = self.durable_entries.clone();
        let mut kept = vec![None; self.inodes.len()];
        for (path, inode) in self.entries.clone() {
            let is_wal = path.file_name() == Some(self.wal.file_name.as_os_str());
            let before = self.inodes[inode].data.len();
            let (bytes, zeros) = self.crashed_bytes(inode, is_wal);
            let line = crashed_len_line(&path, before, bytes.len(), zeros);
            self.log.line(line);
            kept[inode] = Some(bytes);
        }
        for (inode, bytes) in self.inodes.iter_mut().zip(kept) {
            let bytes = bytes.unwrap_or_default();
            *inode = Inode {
                synced: bytes.len(),
                data: bytes,
                shadow: None,
                poisoned_from: None,
            };
        }
        // Bits also rot at rest: a flip struck now is read by the next open, whatever the
        // file's last frame is.
        let op = self.ops;
        let window = self.faults.window(FaultKind::BitFlip, op);
        if self.faults_on
            && window.is_some_and(|w| w.covers(op))
            && self.rng.chance(FLIP_AT_CRASH_PER_MILLE)
        {
            self.counts.add(FaultKind::BitFlip);
            self.log.line(format!("op {op}: inject flip at rest"));
            self.flip_a_stored_bit();
        }
        let inodes = &self.inodes;
        self.flips.retain(|f| {
            f.offset < inodes[f.inode].data.len() && self.entries.iter().any(|e| e.1 == f.inode)
        });
    }

    /// A seed-chosen byte of the header of the last whole frame in the first `synced` bytes
    /// of the WAL `inode` (any synced byte when there is no whole frame).
    fn last_frame_header_byte(&mut self, inode: usize, synced: usize) -> usize {
        let wal = &self.wal;
        let bytes = &self.inodes[inode].data[..synced];
        let last = frames(bytes, wal.magic, wal.max_payload_bytes).last();
        let Some(start) = last.map(|frame| frame.offset) else {
            return self.rng.index(synced);
        };
        let start = usize::try_from(start).expect("a frame offset in memory must fit a usize");
        let offset = start + self.rng.index(HEADER_LEN);
        assert!(
            offset < synced,
            "a whole frame's header must lie in the synced bytes"
        );
        offset
    }

    /// Flips one seed-chosen bit of the synced bytes of a seed-chosen file.
    pub(super) fn flip_a_stored_bit(&mut self) {
        let candidates: Vec<(usize, usize)> = self
            .entries
            .iter()
            .map(|(_, inode)| (*inode, self.inodes[*inode].synced))
            .filter(|(inode, synced)| *synced > 0 && self.inodes[*inode].shadow.is_none())
            .collect();
        if candidates.is_empty() {
            self.log.line("flip: no stored byte".to_owned());
            return;
        }
        // Half the flips strike the WAL, and two thirds of those its end: the last 64 bytes
        // or the header of the last whole frame (its length field included), where a corrupt
        // frame could pass for a torn one.
        let wal = candidates.iter().position(|(inode, _)| {
            let path = self.entries.iter().find(|e| e.1 == *inode).map(|e| &e.0);
            path.and_then(|p| p.file_name()) == Some(self.wal.file_name.as_os_str())
        });
        let pick = match wal {
            Some(at) if self.rng.chance(500) => at,
            _ => self.rng.index(candidates.len()),
        };
        let (inode, synced) = candidates[pick];
        let offset = match self.rng.below(3) {
            0 => synced - 1 - self.rng.index(synced.min(TAIL_BYTES)),
            1 if Some(pick) == wal => self.last_frame_header_byte(inode, synced),
            _ => self.rng.index(synced),
        };
        let bit = u8::try_from(self.rng.below(8)).expect("a bit index must fit a byte");
        self.inodes[inode].data[offset] ^= 1 << bit;
        // The same bit flipped twice is back as it was: the two flips cancel.
        let flip = Flip { inode, offset, bit };
        match self.flips.iter().position(|f| *f == flip) {
            Some(at) => drop(self.flips.remove(at)),
            None => self.flips.push(flip),
        }
        let path = self
            .entries
            .iter()
            .find(|e| e.1 == inode)
            .map(|e| e.0.clone());
        let path = path.unwrap_or_default();
        self.log
            .line(format!("flip: {} byte {offset} bit {bit}", path.display()));
    }
}

impl SimStorage {
    /// Power loss: every handle of the dead process fails from now on, locks are released,
    /// unsynced directory changes are forgotten, and each surviving file keeps its synced
    /// bytes plus a seed-chosen prefix of the rest (or, for the WAL, a frame-boundary prefix
    /// and zeros). Clears a stop set by [`SimStorage::stop_at_op`].
    pub fn crash(&self) {
        self.with(Shared::crash);
        self.rewrite_disk();
    }

    /// The flipped bits still in files (not cut off, not in a replaced or removed file).
    #[must_use]
    pub fn flips(&self) -> Vec<Flip> {
        self.with(|s| {
            let linked = |f: &&Flip| s.entries.iter().any(|(_, inode)| *inode == f.inode);
            let live = s.flips.iter().filter(linked);
            live.filter(|f| f.offset < s.inodes[f.inode].data.len())
                .copied()
                .collect()
        })
    }

    /// Flips every flipped bit still in a file (those [`SimStorage::flips`] lists) back, as an
    /// operator restores the damaged bytes from a replica, and forgets the rest; returns how
    /// many it restored.
    #[must_use = "the count says whether there was a flip to restore"]
    pub fn restore_flips(&self) -> usize {
        let live = self.flips();
        self.with(|s| {
            // A flip in a removed or replaced file, or cut off, has no byte left to restore.
            s.flips.clear();
            for flip in &live {
                s.inodes[flip.inode].data[flip.offset] ^= 1 << flip.bit;
                s.log
                    .line(format!("restore: byte {} bit {}", flip.offset, flip.bit));
            }
            live.len()
        })
    }
}
