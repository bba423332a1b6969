//! The toy engine the simulator's self-tests drive: a sum of values over `wal_file`, `wal`
//! and `snapshot_file`, with requests that carry ids (a seen id is a duplicate and writes
//! nothing), a value of 0 refused before any write, batches and ticks that write several
//! frames in one append, and checkpoints. Its model is a plain struct.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Expected, SimRng, SimStorage, SimSubject};
use crate::snapshot_file::{SnapshotFileError, read_snapshot_file, write_snapshot_file};
use crate::testkit::{Refusal, StepFailure};
use crate::wal::{Magic, RecordType, ScanStopReason, encode_frame};
use crate::wal_file::{DirLock, FileError, LockError, WalFile, lock_dir, remove_leftover_temp};

const MAGIC: Magic = Magic::new(*b"SIMW");
const FOOTER_MAGIC: Magic = Magic::new(*b"SIMF");
const MAX_PAYLOAD_BYTES: u32 = 16;
const MAX_SNAPSHOT_BYTES: u64 = 4096;
const WAL: &str = "toy.wal";
const SNAPSHOT: &str = "toy.snapshot";
/// Ids remembered for duplicates (the snapshot keeps them all).
const MAX_IDS: usize = 64;

/// The state, in the engine and in the model alike: the picture is the state itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ToyState {
    sum: u64,
    lsn: u64,
    ids: Vec<u64>,
    /// Ticks seen (each tick adds one frame per 5 of sum, at most 3: "due work").
    ticks: u64,
}

impl ToyState {
    /// Applies one frame: `(id, value)`; id 0 is a tick's frame.
    fn apply(&mut self, lsn: u64, id: u64, value: u64) {
        assert!(lsn == self.lsn + 1, "frames must apply in lsn order");
        self.sum += value;
        self.lsn = lsn;
        if id == 0 {
            self.ticks += 1;
        } else if self.ids.len() < MAX_IDS {
            self.ids.push(id);
        }
    }

    fn validate(&self) -> Result<(), String> {
        if self.ids.len() > MAX_IDS || self.ticks > self.lsn {
            return Err(format!("toy state out of bounds: {self:?}"));
        }
        Ok(())
    }

    /// The frames a call writes, `(id, value)`, and its reply, without applying them.
    fn plan(&self, call: &ToyCall) -> (Vec<(u64, u64)>, Vec<ToyReply>) {
        let mut frames: Vec<(u64, u64)> = Vec::new();
        let mut replies = Vec::new();
        let requests = match call {
            ToyCall::Batch(requests) => requests.as_slice(),
            ToyCall::Tick => {
                let due = (self.sum / 5).min(3);
                return (
                    (0..due).map(|_| (0, 1)).collect(),
                    vec![ToyReply::Ticked(due)],
                );
            }
            ToyCall::Checkpoint => return (Vec::new(), vec![ToyReply::Saved]),
        };
        for &(id, value) in requests {
            let seen = self.ids.contains(&id) || frames.iter().any(|f| f.0 == id);
            let reply = if value == 0 {
                ToyReply::Refused
            } else if seen {
                ToyReply::Duplicate
            } else {
                frames.push((id, value));
                ToyReply::Applied
            };
            replies.push(reply);
        }
        (frames, replies)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ToyCall {
    /// Requests `(id, value)` written in one append (one request: a plain submit).
    Batch(Vec<(u64, u64)>),
    Tick,
    Checkpoint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ToyReply {
    Applied,
    Refused,
    Duplicate,
    Ticked(u64),
    Saved,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToyError {
    Io(FileError),
    Snapshot(SnapshotFileError),
    Corruption { offset: u64 },
    Locked,
    Halted,
}

impl fmt::Display for ToyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "toy: {self:?}")
    }
}

pub(crate) struct ToyDb {
    state: ToyState,
    wal: WalFile,
    dir: PathBuf,
    halted: bool,
    _lock: DirLock,
}

fn encode_snapshot(state: &ToyState) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in [state.sum, state.lsn, state.ticks].iter().chain(&state.ids) {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    bytes
}

fn decode_snapshot(bytes: &[u8]) -> ToyState {
    let words: Vec<u64> = bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("an 8-byte chunk")))
        .collect();
    assert!(
        words.len() >= 3,
        "a toy snapshot checked by its footer must hold three words"
    );
    ToyState {
        sum: words[0],
        lsn: words[1],
        ticks: words[2],
        ids: words[3..].to_vec(),
    }
}

fn open_toy(dir: &Path, storage: &SimStorage) -> Result<ToyDb, ToyError> {
    let lock = match lock_dir(dir, &mut storage.clone()) {
        Ok(lock) => lock,
        Err(LockError::Locked { .. }) => return Err(ToyError::Locked),
        Err(LockError::File(error)) => return Err(ToyError::Io(error)),
    };
    for name in [WAL, SNAPSHOT] {
        remove_leftover_temp(&dir.join(name), &mut storage.clone()).map_err(ToyError::Io)?;
    }
    let snapshot = read_snapshot_file(
        &dir.join(SNAPSHOT),
        FOOTER_MAGIC,
        MAX_SNAPSHOT_BYTES,
        storage,
    );
    let snapshot = snapshot.map_err(ToyError::Snapshot)?;
    let mut state = snapshot.as_deref().map(decode_snapshot).unwrap_or_default();
    let mut wal = WalFile::open(&dir.join(WAL), Box::new(storage.clone())).map_err(ToyError::Io)?;
    let mut reader = wal.frame_reader(MAGIC, MAX_PAYLOAD_BYTES);
    while let Some(frame) = reader.next_frame().map_err(ToyError::Io)? {
        if frame.record_type == RecordType::External && frame.lsn > state.lsn {
            let value = u64::from_le_bytes(frame.payload[..8].try_into().expect("8 bytes"));
            state.apply(frame.lsn, frame.request_slot, value);
        }
    }
    let (stop, valid_len) = reader.finish().map_err(ToyError::Io)?;
    match stop {
        ScanStopReason::Corruption { offset, .. } => return Err(ToyError::Corruption { offset }),
        ScanStopReason::TornTail { .. } => wal.truncate_to(valid_len).map_err(ToyError::Io)?,
        ScanStopReason::CleanEof => {}
    }
    Ok(ToyDb {
        state,
        wal,
        dir: dir.to_path_buf(),
        halted: false,
        _lock: lock,
    })
}

impl ToyDb {
    fn write(&mut self, frames: &[(u64, u64)]) -> Result<(), ToyError> {
        if frames.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::new();
        for (i, &(id, value)) in frames.iter().enumerate() {
            let lsn = self.state.lsn + 1 + i as u64;
            let payload = value.to_le_bytes();
            encode_frame(&mut bytes, MAGIC, lsn, id, RecordType::External, &payload);
        }
        let written = self.wal.append(&bytes).and_then(|()| self.wal.sync());
        if let Err(error) = written {
            self.halted = true;
            return Err(ToyError::Io(error));
        }
        for &(id, value) in frames {
            let lsn = self.state.lsn + 1;
            self.state.apply(lsn, id, value);
        }
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<(), ToyError> {
        let payload = encode_snapshot(&self.state);
        let path = self.dir.join(SNAPSHOT);
        let storage = self.wal.storage_mut();
        let saved = write_snapshot_file(&path, &payload, FOOTER_MAGIC, MAX_SNAPSHOT_BYTES, storage);
        if let Err(error) = saved {
            self.halted = true;
            return Err(ToyError::Snapshot(error));
        }
        let mut marker = Vec::new();
        encode_frame(
            &mut marker,
            MAGIC,
            self.state.lsn,
            0,
            RecordType::Marker,
            &[],
        );
        if let Err(error) = self.wal.replace_with(&marker) {
            self.halted = true;
            return Err(ToyError::Io(error));
        }
        Ok(())
    }
}

/// The toy as a [`SimSubject`].
pub(crate) struct Toy;

impl SimSubject for Toy {
    type Handle = ToyDb;
    type Model = ToyState;
    type Picture = ToyState;
    type Call = ToyCall;
    type Reply = Vec<ToyReply>;
    type OpenError = ToyError;
    type CallError = ToyError;
    const WAL_FILE_NAME: &'static str = WAL;
    const WAL_MAGIC: Magic = MAGIC;

    fn max_wal_payload_bytes(&self) -> u32 {
        MAX_PAYLOAD_BYTES
    }

    fn open(&self, dir: &Path, storage: SimStorage) -> Result<ToyDb, ToyError> {
        open_toy(dir, &storage)
    }

    fn refusal(&self, error: &ToyError) -> Refusal {
        match error {
            ToyError::Corruption { offset } => Refusal::WalCorruption { offset: *offset },
            ToyError::Snapshot(_) => Refusal::SnapshotFile,
            ToyError::Locked => Refusal::Locked,
            _ => Refusal::Other,
        }
    }

    fn initial_model(&self) -> ToyState {
        ToyState::default()
    }

    fn next_call(&self, model: &ToyState, rng: &mut SimRng) -> ToyCall {
        let request = |rng: &mut SimRng| {
            let id = if !model.ids.is_empty() && rng.chance(150) {
                model.ids[rng.index(model.ids.len())]
            } else {
                rng.between(1, 1 << 40)
            };
            (
                id,
                if rng.chance(100) {
                    0
                } else {
                    rng.between(1, 9)
                },
            )
        };
        match rng.below(100) {
            0..=59 => ToyCall::Batch(vec![request(rng)]),
            60..=79 => ToyCall::Batch((0..rng.between(2, 5)).map(|_| request(rng)).collect()),
            80..=93 => ToyCall::Tick,
            _ => ToyCall::Checkpoint,
        }
    }

    fn expect(&self, model: &ToyState, call: &ToyCall) -> Expected<ToyState, Vec<ToyReply>> {
        let (frames, reply) = model.plan(call);
        let mut state = model.clone();
        let prefixes = frames
            .iter()
            .map(|&(id, value)| {
                state.apply(state.lsn + 1, id, value);
                state.clone()
            })
            .collect();
        Expected { prefixes, reply }
    }

    fn call(&self, db: &mut ToyDb, call: &ToyCall) -> Result<Vec<ToyReply>, ToyError> {
        if db.halted {
            return Err(ToyError::Halted);
        }
        let (frames, reply) = db.state.plan(call);
        if *call == ToyCall::Checkpoint {
            db.checkpoint()?;
        }
        db.write(&frames)?;
        Ok(reply)
    }

    fn call_failure(&self, error: &ToyError) -> StepFailure {
        match error {
            ToyError::Io(error) | ToyError::Snapshot(SnapshotFileError::Io(error)) => {
                StepFailure::Io(error.op)
            }
            ToyError::Halted => StepFailure::Halted,
            _ => StepFailure::Other,
        }
    }

    fn picture(&self, db: &ToyDb) -> ToyState {
        db.state.clone()
    }

    fn model_picture(&self, model: &ToyState) -> ToyState {
        model.clone()
    }

    fn validate(&self, db: &ToyDb) -> Result<(), String> {
        db.state.validate()
    }
}
