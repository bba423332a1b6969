//! What the drivers actually do, watched from the subject's side: a [`Spy`] wraps the toy
//! engine (`testkit_toy_tests.rs`), records every call the kit makes (with the files each open
//! finds) and can plant a bug in what the adapter does or reports. The tests check that a
//! driver opens exactly the cuts and flips its [`Report`] counts, runs the steps its contract
//! names, and fails with the named kind on each planted bug.

use std::{cell::RefCell, fs, path::Path, path::PathBuf};

use super::tests::toy::{Bug, Toy};
use super::*;
use crate::{wal::Magic, wal::ScanStopReason, wal::TailKind, wal::scan, wal_file::FileOp};

/// Bytes of one toy frame (an 8-byte payload).
const FRAME: usize = 43;

/// One call the kit made, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    /// An open, with the WAL's and the snapshot's bytes as the kit left them.
    Open(Vec<u8>, Option<Vec<u8>>),
    /// A step's index, and whether it succeeded.
    Step(u64, bool),
    /// A checkpoint, and whether it succeeded.
    Checkpoint(bool),
}

/// A bug the spy plants around the engine (in what the adapter does or reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plant {
    None,
    /// Steps write nothing.
    Idle,
    /// A failed sync is classified as a failed write.
    SyncAsWrite,
    /// A checkpoint on a halted handle reports success.
    CheckpointsWhenHalted,
    /// A refused snapshot is classified as `Refusal::Other`.
    UntypedSnapshotRefusal,
    /// An open that refuses the snapshot empties the WAL.
    EmptiesWalOnRefusal,
    /// An open right after a step in its directory reports 3 truncated bytes.
    TruncatedAfterStep,
    /// An open right after a step in its directory reports a torn tail at 0.
    TornAfterStep,
}

/// A subject (the toy), watched. It keeps the trait's default `prefix_states` (so the cut
/// driver pairs frames with the live states).
struct Spy<S> {
    toy: S,
    plant: Plant,
    seen: RefCell<Vec<Seen>>,
    /// The directory of the last call, when it was a successful step.
    stepped_in: RefCell<Option<PathBuf>>,
}

struct Spied<H> {
    handle: H,
    dir: PathBuf,
    /// Opened right after a successful step in the same directory.
    after_step: bool,
}

impl Spy<Toy> {
    fn new(plant: Plant) -> Self {
        let (seen, stepped_in) = (RefCell::default(), RefCell::default());
        let toy = Toy::sound();
        Self {
            toy,
            plant,
            seen,
            stepped_in,
        }
    }
}

impl<S> Spy<S> {
    fn seen(&self) -> Vec<Seen> {
        self.seen.borrow().clone()
    }

    fn record(&self, seen: Seen, stepped_in: Option<&Path>) {
        self.seen.borrow_mut().push(seen);
        *self.stepped_in.borrow_mut() = stepped_in.map(Path::to_path_buf);
    }
}

impl<S: CrashSubject> CrashSubject for Spy<S> {
    type Handle = Spied<S::Handle>;
    type Dump = S::Dump;
    type OpenError = S::OpenError;
    type StepError = S::StepError;
    const WAL_FILE_NAME: &'static str = S::WAL_FILE_NAME;
    const SNAPSHOT_FILE_NAME: &'static str = S::SNAPSHOT_FILE_NAME;
    const WAL_MAGIC: Magic = S::WAL_MAGIC;

    fn max_wal_payload_bytes(&self) -> u32 {
        self.toy.max_wal_payload_bytes()
    }

    fn open(&self, dir: &Path, storage: FaultyStorage) -> Result<Self::Handle, Self::OpenError> {
        let wal = dir.join(Self::WAL_FILE_NAME);
        let after_step = self.stepped_in.borrow().as_deref() == Some(dir);
        let snapshot = fs::read(dir.join(Self::SNAPSHOT_FILE_NAME)).ok();
        let open = Seen::Open(fs::read(&wal).unwrap_or_default(), snapshot);
        self.record(open, None);
        let error = match self.toy.open(dir, storage) {
            Ok(handle) => {
                let dir = dir.to_path_buf();
                return Ok(Spied {
                    handle,
                    dir,
                    after_step,
                });
            }
            Err(error) => error,
        };
        let refused = self.toy.refusal(&error) == Refusal::SnapshotFile;
        if refused && self.plant == Plant::EmptiesWalOnRefusal {
            fs::write(&wal, []).expect("emptying the WAL");
        }
        Err(error)
    }

    fn dump(&self, spied: &Self::Handle) -> Self::Dump {
        self.toy.dump(&spied.handle)
    }

    fn figures(&self, spied: &Self::Handle) -> RecoveryFigures {
        let figures = self.toy.figures(&spied.handle);
        match self.plant {
            Plant::TruncatedAfterStep if spied.after_step => truncated(3, figures),
            Plant::TornAfterStep if spied.after_step => RecoveryFigures {
                stop: torn(0),
                ..figures
            },
            _ => figures,
        }
    }

    fn step(&self, spied: &mut Self::Handle, index: u64) -> Result<(), Self::StepError> {
        let result = if self.plant == Plant::Idle {
            Ok(())
        } else {
            self.toy.step(&mut spied.handle, index)
        };
        let ok = result.is_ok();
        self.record(Seen::Step(index, ok), ok.then_some(spied.dir.as_path()));
        result
    }

    fn checkpoint(&self, spied: &mut Self::Handle) -> Result<(), Self::StepError> {
        let halted = self.toy.is_halted(&spied.handle);
        let result = if halted && self.plant == Plant::CheckpointsWhenHalted {
            Ok(())
        } else {
            self.toy.checkpoint(&mut spied.handle)
        };
        self.record(Seen::Checkpoint(result.is_ok()), None);
        result
    }

    fn is_halted(&self, spied: &Self::Handle) -> bool {
        self.toy.is_halted(&spied.handle)
    }

    fn refusal(&self, error: &Self::OpenError) -> Refusal {
        match self.toy.refusal(error) {
            Refusal::SnapshotFile if self.plant == Plant::UntypedSnapshotRefusal => Refusal::Other,
            refusal => refusal,
        }
    }

    fn step_failure(&self, error: &Self::StepError) -> StepFailure {
        match self.toy.step_failure(error) {
            StepFailure::Io(FileOp::Sync) if self.plant == Plant::SyncAsWrite => {
                StepFailure::Io(FileOp::Write)
            }
            failure => failure,
        }
    }
}

const fn torn(offset: u64) -> ScanStopReason {
    ScanStopReason::TornTail {
        offset,
        kind: TailKind::Partial,
    }
}

const fn truncated(truncated_bytes: u64, figures: RecoveryFigures) -> RecoveryFigures {
    RecoveryFigures {
        truncated_bytes,
        ..figures
    }
}

const fn report(cases: usize, frames: u64, file_bytes: usize) -> Report {
    Report {
        cases: cases as u64,
        frames,
        file_bytes: file_bytes as u64,
    }
}

/// Steps `indices`, all successful.
fn steps(indices: impl Iterator<Item = u64>) -> Vec<Seen> {
    indices.map(|index| Seen::Step(index, true)).collect()
}

/// The files of every open, in order, leaving out the steps and checkpoints.
fn opens(seen: &[Seen]) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let open = |seen: &Seen| match seen {
        Seen::Open(wal, snapshot) => Some((wal.clone(), snapshot.clone())),
        _ => None,
    };
    seen.iter().filter_map(open).collect()
}

/// `bytes` with bit `bit` flipped (byte `bit / 8`, bit `bit % 8`).
fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut flipped = bytes.to_vec();
    flipped[bit / 8] ^= 1 << (bit % 8);
    flipped
}

/// A call of the cut driver after the build, the appended frame left out.
#[derive(Debug, PartialEq)]
enum Cut {
    /// The open of a cut, with the WAL it found.
    Open(Vec<u8>),
    /// The step appended after a cut.
    Append,
    /// The reopen after it: the WAL's length and its bytes before the last frame.
    Reopen(usize, Vec<u8>),
}

#[test]
fn a_scratch_dir_is_deleted_with_its_contents_on_drop() {
    let (first, second) = (ScratchDir::new().unwrap(), ScratchDir::new().unwrap());
    assert_ne!(first.path(), second.path());
    fs::create_dir(first.path().join("sub")).unwrap();
    fs::write(first.path().join("sub").join("file"), b"bytes").unwrap();
    let path = first.path().to_path_buf();
    assert!(path.join("sub").join("file").is_file());
    drop(first);
    assert!(!path.exists(), "{} survived its ScratchDir", path.display());
    assert!(second.path().is_dir());
}

#[test]
fn the_cut_driver_opens_every_cut_in_order_and_appends_at_every_seventh() {
    let spy = Spy::new(Plant::None);
    let len = 4 * FRAME;
    assert_eq!(wal_cuts(&spy, 4), Ok(report(len + 1, 4, len)));
    let seen = spy.seen();
    // The build: an empty open, then one step per frame.
    assert_eq!(
        seen[..5],
        [vec![Seen::Open(vec![], None)], steps(0..4)].concat()
    );
    let whole = opens(&seen).last().unwrap().0.clone();
    assert_eq!(whole.len(), len);
    // Then each cut; every seventh, step 4 appends one frame after the cut's whole frames, and
    // the database is reopened.
    let mut expected = Vec::new();
    for cut in 0..=len {
        expected.push(Cut::Open(whole[..cut].to_vec()));
        if cut % 7 == 0 {
            let boundary = cut - cut % FRAME;
            let kept = whole[..boundary].to_vec();
            expected.extend([Cut::Append, Cut::Reopen(boundary + FRAME, kept)]);
        }
    }
    let mut found = Vec::new();
    for seen in &seen[5..] {
        found.push(match seen {
            Seen::Open(wal, None) if found.last() == Some(&Cut::Append) => {
                Cut::Reopen(wal.len(), wal[..wal.len().saturating_sub(FRAME)].to_vec())
            }
            Seen::Open(wal, None) => Cut::Open(wal.clone()),
            Seen::Step(4, true) => Cut::Append,
            other => panic!("unexpected call {other:?}"),
        });
    }
    assert!(found == expected, "the cut driver's calls differ");
}

#[test]
fn an_open_after_an_append_must_report_a_clean_wal() {
    let clean = RecoveryFigures {
        frames_applied: 1,
        truncated_bytes: 0,
        stop: ScanStopReason::CleanEof,
    };
    let torn_tail = RecoveryFigures {
        stop: torn(0),
        ..clean
    };
    for (plant, found) in [
        (Plant::TruncatedAfterStep, truncated(3, clean)),
        (Plant::TornAfterStep, torn_tail),
    ] {
        let expected = KitFailure::WrongFigures {
            at: 0,
            expected: clean,
            found,
        };
        assert_eq!(wal_cuts(&Spy::new(plant), 2), Err(expected), "{plant:?}");
    }
}

#[test]
fn a_workload_that_writes_nothing_is_given_up_after_a_hundred_steps_per_frame() {
    let spy = Spy::new(Plant::Idle);
    let failure = wal_cuts(&spy, 1).unwrap_err();
    assert!(
        matches!(&failure, KitFailure::Setup { context, .. } if context == "building the WAL"),
        "{failure}"
    );
    // 100 steps for each of the 1 + 1 frames, and the step that found the bound not yet passed.
    assert_eq!(spy.seen()[1..], steps(0..=200));
}

#[test]
fn the_flip_driver_flips_each_bit_of_the_whole_frames_once_in_order() {
    let spy = Spy::new(Plant::None);
    let (len, bits) = (2 * FRAME, 2 * FRAME * 8);
    assert_eq!(wal_flips(&spy, 2), Ok(report(bits, 2, len)));
    let opens = opens(&spy.seen());
    // The build's open, then one open per bit.
    assert_eq!(opens.len(), 1 + bits);
    let whole = flip(&opens[1].0, 0);
    let scanned = scan(&whole, Toy::WAL_MAGIC, u32::MAX);
    assert_eq!(scanned.stop, ScanStopReason::CleanEof);
    assert_eq!(scanned.frames.len(), 2);
    for (bit, (wal, snapshot)) in opens[1..].iter().enumerate() {
        assert!(
            *wal == flip(&whole, bit),
            "open {bit}: not bit {bit} flipped"
        );
        assert_eq!(*snapshot, None);
    }
}

#[test]
fn the_snapshot_driver_flips_each_bit_once_then_restores_the_file() {
    let spy = Spy::new(Plant::None);
    let found = snapshot_flips(&spy, 5);
    let seen = spy.seen();
    let checkpoint = vec![Seen::Checkpoint(true)];
    assert_eq!(seen[1..7], [steps(0..5), checkpoint].concat());
    let opens = opens(&seen);
    let (marker, original) = opens.last().unwrap().clone();
    let original = original.expect("the restored snapshot");
    let bits = original.len() * 8;
    assert_eq!(found, Ok(report(bits, 0, original.len())));
    // The first open (empty), one per bit, and the restored one.
    assert_eq!(opens.len(), bits + 2);
    assert_eq!(opens[0], (vec![], None));
    for (bit, (wal, snapshot)) in opens[1..=bits].iter().enumerate() {
        assert!(*wal == marker, "open {bit} found another WAL");
        let flipped = Some(flip(&original, bit));
        assert!(*snapshot == flipped, "open {bit}: not bit {bit} flipped");
    }
}

#[test]
fn the_fault_driver_runs_the_next_step_then_retries_the_faulted_one() {
    let spy = Spy::new(Plant::None);
    assert_eq!(fault_halts(&spy, 3), Ok(report(3, 0, 3 * FRAME)));
    let open = Seen::Open(vec![], None);
    let mut calls = spy.seen();
    for seen in &mut calls {
        if let Seen::Open(wal, _) = seen {
            wal.clear();
        }
    }
    let prefix = [vec![open.clone()], steps(0..3)].concat();
    let mut expected = [prefix.clone(), steps(3..4)].concat();
    for _ in Fault::ALL {
        expected.extend(prefix.iter().cloned());
        let (failed, halted) = (Seen::Step(3, false), Seen::Step(4, false));
        expected.extend([failed, halted, Seen::Checkpoint(false), open.clone()]);
        expected.extend(steps(3..4));
    }
    assert_eq!(calls, expected);
}

#[test]
fn the_fault_driver_can_fault_the_first_step() {
    assert_eq!(fault_halts(&Toy::sound(), 0), Ok(report(3, 0, 0)));
    assert_eq!(fault_halts(&Toy::sound(), 1), Ok(report(3, 0, FRAME)));
}

#[test]
fn a_failed_sync_classified_as_a_failed_write_fails_the_fault_driver() {
    let found = fault_halts(&Spy::new(Plant::SyncAsWrite), 3);
    let Err(KitFailure::WrongStepFailure {
        fault,
        call,
        expected,
        ..
    }) = found
    else {
        panic!("{found:?}");
    };
    assert_eq!((fault, call), (Fault::FailedSync, "faulted step"));
    assert_eq!(expected, StepFailure::Io(FileOp::Sync));
}

#[test]
fn a_checkpoint_that_succeeds_on_a_halted_handle_fails_the_fault_driver() {
    let expected = KitFailure::WrongStepFailure {
        fault: Fault::FailedWrite,
        call: "checkpoint",
        expected: StepFailure::Halted,
        found: "Ok".to_owned(),
    };
    let found = fault_halts(&Spy::new(Plant::CheckpointsWhenHalted), 3);
    assert_eq!(found, Err(expected));
}

#[test]
fn a_failed_write_that_reaches_the_file_fails_the_fault_driver() {
    // Steps 0, 1, 2 add 1, 2, 3 (lsn 3); step 3 adds 4 (lsn 4): the reopen must find (6, 3).
    let (expected, found) = ("(6, 3)".to_owned(), "(10, 4)".to_owned());
    let failure = KitFailure::WrongState {
        at: 3,
        expected,
        found,
    };
    let found = fault_halts(&Toy::with(Bug::RetriesFailedWrite), 3);
    assert_eq!(found, Err(failure));
}

#[test]
fn a_snapshot_refused_untyped_fails_the_snapshot_driver() {
    let found = snapshot_flips(&Spy::new(Plant::UntypedSnapshotRefusal), 5);
    let Err(KitFailure::WrongRefusal { bit, expected, .. }) = found else {
        panic!("{found:?}");
    };
    assert_eq!((bit, expected), (0, Refusal::SnapshotFile));
}

#[test]
fn a_refusal_that_empties_the_wal_fails_the_snapshot_driver() {
    let found = snapshot_flips(&Spy::new(Plant::EmptiesWalOnRefusal), 5);
    assert_eq!(found, Err(KitFailure::FileChanged { bit: 0 }));
}
