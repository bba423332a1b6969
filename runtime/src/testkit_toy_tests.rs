//! The toy engine the kit's self-test drives: an append-only counter over `wal_file`, `wal` and
//! `snapshot_file`, with one optional planted bug.

use std::fmt;
use std::path::{Path, PathBuf};

use super::super::*;
use crate::snapshot_file::write_snapshot_file;
use crate::snapshot_file::{SnapshotFileError, read_snapshot_bytes, split_footer};
use crate::wal::{Magic, RecordType, ScanStopReason, TailKind, encode_frame, scan};
use crate::wal_file::{DirLock, FileError, LockError, WalFile, lock_dir, remove_leftover_temp};

const MAGIC: Magic = Magic::new(*b"TOYW");
const FOOTER_MAGIC: Magic = Magic::new(*b"TOYF");
const MAX_PAYLOAD_BYTES: u32 = 8;
const MAX_SNAPSHOT_BYTES: u64 = 64;
const fn torn(offset: u64) -> ScanStopReason {
    ScanStopReason::TornTail {
        offset,
        kind: TailKind::Partial,
    }
}

/// One planted bug at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bug {
    None,
    /// Opening a corrupt WAL cuts it at the corruption and opens (the spec's cardinal sin).
    TruncatesCorruption,
    /// Opening a corrupt WAL cuts it at the corruption, then refuses.
    TruncatesThenRefuses,
    /// A torn tail is refused as if it were corruption.
    RefusesTornTails,
    /// A failed sync is ignored: the step is acknowledged although nothing is durable.
    AcksFailedSync,
    /// A failed write or sync is reported, but the handle stays usable.
    NeverHalts,
    /// A failed write is tried once more before it is reported: the frame reaches the file
    /// although the step failed.
    RetriesFailedWrite,
    /// The snapshot's footer is not checked: its first 16 bytes are trusted.
    SkipsFooterCheck,
    /// `prefix_states` counts one frame too many.
    WrongReference,
    /// Not a bug: each step writes two frames, with two appends (the kit needs
    /// `prefix_states` for the cuts, and cannot fault such a step).
    TwoFramesPerStep,
    /// `open` takes no lock: two handles write one WAL.
    NoLock,
    /// A lock refusal is classified as something else.
    LockIsOther,
    /// A zero-filled tail is refused as corruption.
    ZerosAreCorruption,
    /// `open` reads the whole WAL into memory at once.
    ReadsWholeWal,
    /// `open` leaves the temp files of an interrupted replacement in place.
    KeepsTemps,
}

/// A frame as the toy keeps it: lsn, slot (the step's index), record type, value.
type ToyFrame = (u64, u64, RecordType, u64);

pub(crate) struct Toy {
    pub(crate) bug: Bug,
    /// Whether to hand the kit `prefix_states` (else it uses the live states).
    pub(crate) reference: bool,
}

pub(crate) struct Counter {
    wal: WalFile,
    storage: FaultyStorage,
    dir: PathBuf,
    /// The state: the sum of the values of every frame, and the last lsn.
    sum: u64,
    lsn: u64,
    /// The index of the last step applied (the frame's slot): a retried step writes nothing.
    last_index: Option<u64>,
    halted: bool,
    figures: RecoveryFigures,
    _lock: Option<DirLock>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToyError {
    Io(FileError),
    Corruption { offset: u64 },
    TornTail,
    Snapshot(SnapshotFileError),
    Halted,
    Locked,
}

impl fmt::Display for ToyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "toy: {self:?}")
    }
}

fn value(payload: &[u8]) -> u64 {
    u64::from_le_bytes(payload.try_into().expect("a toy payload must be 8 bytes"))
}

impl Toy {
    pub(crate) fn sound() -> Self {
        Self::with(Bug::None)
    }

    pub(crate) fn with(bug: Bug) -> Self {
        Self {
            bug,
            reference: false,
        }
    }

    /// The snapshot's `(sum, lsn)`, if there is one.
    fn snapshot(&self, dir: &Path, storage: &FaultyStorage) -> Result<(u64, u64), ToyError> {
        let path = dir.join(<Self as CrashSubject>::SNAPSHOT_FILE_NAME);
        let bytes = read_snapshot_bytes(&path, MAX_SNAPSHOT_BYTES, storage);
        let Some(bytes) = bytes.map_err(ToyError::Snapshot)? else {
            return Ok((0, 0));
        };
        let payload = if self.bug == Bug::SkipsFooterCheck {
            &bytes[..16]
        } else {
            split_footer(&bytes, FOOTER_MAGIC).map_err(ToyError::Snapshot)?
        };
        Ok((value(&payload[..8]), value(&payload[8..16])))
    }

    /// Takes the directory's lock (unless the bug is not to).
    fn lock(&self, dir: &Path, storage: &FaultyStorage) -> Result<Option<DirLock>, ToyError> {
        if self.bug == Bug::NoLock {
            return Ok(None);
        }
        match lock_dir(dir, &mut storage.clone()) {
            Ok(lock) => Ok(Some(lock)),
            Err(LockError::Locked { .. }) => Err(ToyError::Locked),
            Err(LockError::File(error)) => Err(ToyError::Io(error)),
        }
    }

    /// The WAL's whole frames, why reading stopped and where the whole frames end: in chunks
    /// through the runtime's reader, or (the bug) read whole and scanned.
    fn read_wal(&self, wal: &mut WalFile) -> Result<(Vec<ToyFrame>, ScanStopReason), ToyError> {
        let keep = |lsn, slot, record_type, payload: &[u8]| {
            let value = if record_type == RecordType::External {
                value(payload)
            } else {
                0
            };
            (lsn, slot, record_type, value)
        };
        if self.bug == Bug::ReadsWholeWal {
            let bytes = wal.read_all().map_err(ToyError::Io)?;
            let scanned = scan(&bytes, MAGIC, MAX_PAYLOAD_BYTES);
            let frames = scanned.frames.iter();
            let frames = frames.map(|f| keep(f.lsn, f.request_slot, f.record_type, f.payload));
            return Ok((frames.collect(), scanned.stop));
        }
        let mut reader = wal.frame_reader(MAGIC, MAX_PAYLOAD_BYTES);
        let mut frames = Vec::new();
        while let Some(f) = reader.next_frame().map_err(ToyError::Io)? {
            frames.push(keep(f.lsn, f.request_slot, f.record_type, f.payload));
        }
        let (stop, _) = reader.finish().map_err(ToyError::Io)?;
        Ok((frames, stop))
    }

    /// Appends and syncs one frame of step `index`, then applies it.
    fn append(&self, handle: &mut Counter, index: u64) -> Result<(), ToyError> {
        let value = index % 7 + 1;
        let mut frame = Vec::new();
        let lsn = handle.lsn + 1;
        encode_frame(
            &mut frame,
            MAGIC,
            lsn,
            index,
            RecordType::External,
            &value.to_le_bytes(),
        );
        if let Err(error) = handle.wal.append(&frame) {
            if self.bug == Bug::RetriesFailedWrite {
                let _ = handle.wal.append(&frame);
            }
            return Err(self.fail(handle, error));
        }
        if let Err(error) = handle.wal.sync()
            && self.bug != Bug::AcksFailedSync
        {
            return Err(self.fail(handle, error));
        }
        (handle.sum, handle.lsn) = (handle.sum + value, lsn);
        handle.last_index = Some(index);
        Ok(())
    }

    fn fail(&self, handle: &mut Counter, error: FileError) -> ToyError {
        handle.halted = self.bug != Bug::NeverHalts;
        ToyError::Io(error)
    }
}

impl CrashSubject for Toy {
    type Handle = Counter;
    type Dump = (u64, u64);
    type OpenError = ToyError;
    type StepError = ToyError;
    const WAL_FILE_NAME: &'static str = "toy.wal";
    const SNAPSHOT_FILE_NAME: &'static str = "toy.snapshot";
    const WAL_MAGIC: Magic = MAGIC;

    fn max_wal_payload_bytes(&self) -> u32 {
        MAX_PAYLOAD_BYTES
    }

    fn open(&self, dir: &Path, storage: FaultyStorage) -> Result<Counter, ToyError> {
        let lock = self.lock(dir, &storage)?;
        for name in [Self::WAL_FILE_NAME, Self::SNAPSHOT_FILE_NAME] {
            if self.bug != Bug::KeepsTemps {
                remove_leftover_temp(&dir.join(name), &mut storage.clone())
                    .map_err(ToyError::Io)?;
            }
        }
        let (mut sum, snapshot_lsn) = self.snapshot(dir, &storage)?;
        let path = dir.join(Self::WAL_FILE_NAME);
        let mut wal = WalFile::open(&path, Box::new(storage.clone())).map_err(ToyError::Io)?;
        let (frames, stop) = self.read_wal(&mut wal)?;
        let (mut lsn, mut frames_applied, mut last_index) = (snapshot_lsn, 0, None);
        for (frame_lsn, slot, record_type, value) in frames {
            if frame_lsn > snapshot_lsn && record_type == RecordType::External {
                sum += value;
                (lsn, frames_applied) = (frame_lsn, frames_applied + 1);
                last_index = Some(slot);
            }
        }
        let file_len = wal.len();
        let valid_len = match stop {
            ScanStopReason::CleanEof => file_len,
            ScanStopReason::TornTail { .. } if self.bug == Bug::RefusesTornTails => {
                return Err(ToyError::TornTail);
            }
            ScanStopReason::TornTail {
                offset,
                kind: TailKind::ZeroFilled,
            } if self.bug == Bug::ZerosAreCorruption => {
                return Err(ToyError::Corruption { offset });
            }
            ScanStopReason::TornTail { offset, .. } => offset,
            ScanStopReason::Corruption { offset, .. } => {
                if matches!(
                    self.bug,
                    Bug::TruncatesCorruption | Bug::TruncatesThenRefuses
                ) {
                    wal.truncate_to(offset).map_err(ToyError::Io)?;
                }
                if self.bug != Bug::TruncatesCorruption {
                    return Err(ToyError::Corruption { offset });
                }
                offset
            }
        };
        let truncated_bytes = file_len - valid_len;
        if truncated_bytes > 0 && wal.len() > valid_len {
            wal.truncate_to(valid_len).map_err(ToyError::Io)?;
        }
        let stop = match stop {
            ScanStopReason::Corruption { offset, .. } => torn(offset),
            stop => stop,
        };
        Ok(Counter {
            wal,
            storage,
            dir: dir.to_path_buf(),
            sum,
            lsn,
            last_index,
            halted: false,
            figures: RecoveryFigures {
                frames_applied,
                truncated_bytes,
                stop,
            },
            _lock: lock,
        })
    }

    fn dump(&self, handle: &Counter) -> (u64, u64) {
        (handle.sum, handle.lsn)
    }

    fn figures(&self, handle: &Counter) -> RecoveryFigures {
        handle.figures
    }

    fn step(&self, handle: &mut Counter, index: u64) -> Result<(), ToyError> {
        if handle.halted {
            return Err(ToyError::Halted);
        }
        if handle.last_index.is_some_and(|last| index <= last) {
            return Ok(());
        }
        let frames = if self.bug == Bug::TwoFramesPerStep {
            2
        } else {
            1
        };
        for _ in 0..frames {
            self.append(handle, index)?;
        }
        Ok(())
    }

    fn checkpoint(&self, handle: &mut Counter) -> Result<(), ToyError> {
        if handle.halted {
            return Err(ToyError::Halted);
        }
        let mut payload = handle.sum.to_le_bytes().to_vec();
        payload.extend_from_slice(&handle.lsn.to_le_bytes());
        let path = handle.dir.join(Self::SNAPSHOT_FILE_NAME);
        let mut storage = handle.storage.clone();
        write_snapshot_file(
            &path,
            &payload,
            FOOTER_MAGIC,
            MAX_SNAPSHOT_BYTES,
            &mut storage,
        )
        .map_err(ToyError::Snapshot)?;
        let mut marker = Vec::new();
        encode_frame(&mut marker, MAGIC, handle.lsn, 0, RecordType::Marker, &[]);
        if let Err(error) = handle.wal.replace_with(&marker) {
            return Err(self.fail(handle, error));
        }
        Ok(())
    }

    fn is_halted(&self, handle: &Counter) -> bool {
        handle.halted
    }

    fn refusal(&self, error: &ToyError) -> Refusal {
        match error {
            ToyError::Corruption { offset } => Refusal::WalCorruption { offset: *offset },
            ToyError::Snapshot(_) => Refusal::SnapshotFile,
            ToyError::Locked if self.bug != Bug::LockIsOther => Refusal::Locked,
            _ => Refusal::Other,
        }
    }

    fn step_failure(&self, error: &ToyError) -> StepFailure {
        match error {
            ToyError::Io(error) => StepFailure::Io(error.op),
            ToyError::Halted => StepFailure::Halted,
            _ => StepFailure::Other,
        }
    }

    fn prefix_states(&self, wal: &[u8]) -> Option<Vec<(u64, u64)>> {
        if !self.reference {
            return None;
        }
        let mut state = (0, 0);
        let mut states = vec![state];
        for frame in scan(wal, MAGIC, MAX_PAYLOAD_BYTES).frames {
            state = (state.0 + value(frame.payload), frame.lsn);
            states.push(state);
        }
        if self.bug == Bug::WrongReference {
            states.remove(0);
            states.push(state);
        }
        Some(states)
    }
}
