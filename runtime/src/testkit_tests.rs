//! The kit tested on a toy engine (`testkit_toy_tests.rs`): an append-only counter over
//! `wal_file`, `wal` and `snapshot_file`. Sound, it passes every driver; with one planted bug
//! each, the driver that guards against that bug fails with the failure kind named in the test.

use super::*;

#[path = "testkit_toy_tests.rs"]
pub(super) mod toy;

use crate::wal::ScanStopReason;
use crate::wal_file::FileOp;
use toy::{Bug, Toy};

#[test]
fn a_sound_engine_passes_every_driver() {
    let cuts = wal_cuts(&Toy::sound(), 12).unwrap();
    assert_eq!((cuts.frames, cuts.file_bytes), (12, 12 * 43));
    assert_eq!(cuts.cases, cuts.file_bytes + 1);
    let with_reference = Toy {
        bug: Bug::None,
        reference: true,
    };
    assert_eq!(wal_cuts(&with_reference, 12).unwrap(), cuts);
    let flips = wal_flips(&Toy::sound(), 4).unwrap();
    assert_eq!(
        (flips.frames, flips.file_bytes, flips.cases),
        (4, 172, 172 * 8)
    );
    let faults = fault_halts(&Toy::sound(), 3).unwrap();
    assert_eq!((faults.cases, faults.file_bytes), (3, 3 * 43));
    let snapshot = snapshot_flips(&Toy::sound(), 5).unwrap();
    assert_eq!((snapshot.file_bytes, snapshot.cases), (32, 256));
}

#[test]
fn truncating_a_corrupt_wal_fails_the_flip_driver() {
    assert_eq!(
        wal_flips(&Toy::with(Bug::TruncatesCorruption), 4),
        Err(KitFailure::Opened {
            bit: 0,
            same_state: false
        })
    );
    assert_eq!(
        wal_flips(&Toy::with(Bug::TruncatesThenRefuses), 4),
        Err(KitFailure::FileChanged { bit: 0 })
    );
}

#[test]
fn refusing_a_torn_tail_fails_the_cut_driver() {
    let failure = wal_cuts(&Toy::with(Bug::RefusesTornTails), 4).unwrap_err();
    assert!(
        matches!(failure, KitFailure::Refused { at: 1, .. }),
        "{failure}"
    );
}

#[test]
fn acknowledging_a_failed_sync_fails_the_fault_driver() {
    assert_eq!(
        fault_halts(&Toy::with(Bug::AcksFailedSync), 3),
        Err(KitFailure::FaultIgnored {
            fault: Fault::FailedSync
        })
    );
}

#[test]
fn staying_usable_after_a_failed_write_fails_the_fault_driver() {
    assert_eq!(
        fault_halts(&Toy::with(Bug::NeverHalts), 3),
        Err(KitFailure::NotHalted {
            fault: Fault::FailedWrite
        })
    );
}

#[test]
fn trusting_an_unchecked_snapshot_fails_the_snapshot_driver() {
    let failure = snapshot_flips(&Toy::with(Bug::SkipsFooterCheck), 5).unwrap_err();
    assert_eq!(
        failure,
        KitFailure::Opened {
            bit: 0,
            same_state: false
        }
    );
}

#[test]
fn a_wrong_reference_fails_before_any_cut() {
    let toy = Toy {
        bug: Bug::WrongReference,
        reference: true,
    };
    let failure = wal_cuts(&toy, 4).unwrap_err();
    assert!(
        matches!(failure, KitFailure::WrongState { .. }),
        "{failure}"
    );
}

#[test]
fn several_frames_per_step_need_a_reference_and_cannot_be_faulted() {
    let two = Toy::with(Bug::TwoFramesPerStep);
    let failure = wal_cuts(&two, 4).unwrap_err();
    assert!(matches!(failure, KitFailure::Setup { .. }), "{failure}");
    let with_reference = Toy {
        bug: Bug::TwoFramesPerStep,
        reference: true,
    };
    assert_eq!(wal_cuts(&with_reference, 4).unwrap().frames, 4);
    let failure = fault_halts(&two, 1).unwrap_err();
    assert!(matches!(failure, KitFailure::Setup { .. }), "{failure}");
}

#[test]
fn every_failure_displays_its_place() {
    let failures = [
        failure::setup("context", "detail"),
        KitFailure::WrongState {
            at: 1,
            expected: "a".into(),
            found: "b".into(),
        },
        KitFailure::WrongFigures {
            at: 2,
            expected: RecoveryFigures {
                frames_applied: 1,
                truncated_bytes: 0,
                stop: ScanStopReason::CleanEof,
            },
            found: RecoveryFigures {
                frames_applied: 0,
                truncated_bytes: 0,
                stop: ScanStopReason::CleanEof,
            },
        },
        KitFailure::WrongLength {
            at: 3,
            expected: 1,
            found: 2,
        },
        KitFailure::Refused {
            at: 4,
            found: "x".into(),
        },
        KitFailure::WrongRefusal {
            bit: 5,
            expected: Refusal::SnapshotFile,
            found: "x".into(),
        },
        KitFailure::WrongStepFailure {
            fault: Fault::ShortWrite,
            call: "checkpoint",
            expected: StepFailure::Halted,
            found: "Ok".into(),
        },
        KitFailure::RetryFailed {
            fault: Fault::FailedSync,
            found: "x".into(),
        },
        KitFailure::NotExclusive { owner: "h" },
        KitFailure::NotLocked {
            owner: "h",
            found: "x".into(),
        },
        KitFailure::FilesChanged { owner: "h" },
        KitFailure::PeakTooLarge { peak: 2, bound: 1 },
    ];
    for failure in failures {
        assert!(!failure.to_string().is_empty(), "{failure:?}");
    }
    assert_eq!(Fault::ShortWrite.op(), FileOp::Write);
}

#[test]
fn a_sound_engine_passes_the_lock_zero_fill_and_huge_wal_drivers() {
    assert_eq!(two_writers(&Toy::sound(), 6).unwrap().cases, 1);
    let child = "testkit::tests::toy_held_open_by_a_child";
    assert_eq!(two_processes(&Toy::sound(), 6, child).unwrap().cases, 1);
    let zeros = zero_fills(&Toy::sound(), 4, 3 * 43 + 1).unwrap();
    assert_eq!((zeros.cases, zeros.frames, zeros.file_bytes), (130, 4, 172));
    let huge = huge_wal(&Toy::sound(), 1024).unwrap();
    assert!(
        huge.cases >= MIN_CHUNKS && huge.file_bytes > 1 << 20,
        "{huge:?}"
    );
    assert_eq!(huge.file_bytes, huge.frames * 43);
}

/// The other process of the toy's two-process case (run by the test above, through
/// `two_processes`; on its own it does nothing).
#[test]
#[ignore = "run as a child process by two_processes"]
fn toy_held_open_by_a_child() {
    keep_open_in_child(&Toy::sound()).unwrap();
}

#[test]
fn an_engine_without_a_lock_fails_the_lock_drivers() {
    assert_eq!(
        two_writers(&Toy::with(Bug::NoLock), 6),
        Err(KitFailure::NotExclusive {
            owner: "a handle in this process"
        })
    );
    let failure = two_writers(&Toy::with(Bug::LockIsOther), 6).unwrap_err();
    assert!(matches!(failure, KitFailure::NotLocked { .. }), "{failure}");
}

#[test]
fn treating_zeros_as_corruption_fails_the_zero_fill_driver() {
    let failure = zero_fills(&Toy::with(Bug::ZerosAreCorruption), 4, 10).unwrap_err();
    assert!(
        matches!(failure, KitFailure::Refused { at: 1, .. }),
        "{failure}"
    );
}

#[test]
fn reading_the_whole_wal_fails_the_huge_wal_driver() {
    let failure = huge_wal(&Toy::with(Bug::ReadsWholeWal), 1024).unwrap_err();
    assert!(
        matches!(failure, KitFailure::PeakTooLarge { peak, bound }
            if bound == crate::wal_file::DEFAULT_CHUNK_LEN as u64 && peak > bound),
        "{failure}"
    );
}

#[test]
fn the_sound_toy_clears_leftover_temps_and_keeping_them_fails_the_driver() {
    let report = leftover_temps(&Toy::sound(), 4).unwrap();
    assert_eq!((report.cases, report.frames), (2, 4));
    let failure = leftover_temps(&Toy::with(Bug::KeepsTemps), 4).unwrap_err();
    assert!(
        matches!(&failure, KitFailure::TempLeft { path } if path.ends_with("toy.wal.tmp")),
        "{failure}"
    );
    assert!(failure.to_string().contains("survived an open"));
}
