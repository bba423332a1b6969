//! The simulator's self-tests: the storage's crash model and faults, and the driver on the
//! toy engine (`sim_toy_tests.rs`), sound and with each planted bug.

use std::path::Path;

use super::planted::{Bug, plant};
use super::toy::Toy;
use super::*;
use crate::storage::Storage;
use crate::wal::Magic;

/// The seeds the planted-bug tests search (the CI seed set of `cargo xtask sim` is as large).
const CI_SEEDS: u64 = 16;
const CI_STEPS: u64 = 300;

fn storage(faults: SimFaults) -> SimStorage {
    let wal = WalShape {
        file_name: "w".into(),
        magic: Magic::new(*b"TEST"),
        max_payload_bytes: 64,
    };
    SimStorage::new(SimRng::new(1), faults, wal)
}

#[test]
fn unsynced_bytes_and_entries_are_lost_in_a_crash_and_synced_ones_kept() {
    let mut s = storage(SimFaults::none());
    let (a, b) = (Path::new("/d/a"), Path::new("/d/b"));
    let mut file = s.open_append(a).unwrap();
    file.write_all(b"durable").unwrap();
    file.sync_data().unwrap();
    s.sync_dir(Path::new("/d")).unwrap();
    file.write_all(b"-volatile").unwrap();
    drop(s.create(b).unwrap());
    s.crash();
    let kept = s.contents(a).unwrap();
    assert!(kept.starts_with(b"durable") && b"durable-volatile".starts_with(&kept));
    assert_eq!(s.contents(b), None, "an unsynced creation is forgotten");
    assert!(
        file.write_all(b"x").is_err(),
        "a handle of the crashed process is dead"
    );
}

#[test]
fn a_rename_is_durable_only_after_its_directory_sync() {
    for sync in [false, true] {
        let mut s = storage(SimFaults::none());
        let (old, new) = (Path::new("/d/old"), Path::new("/d/new"));
        let mut file = s.create(old).unwrap();
        file.write_all(b"abc").unwrap();
        file.sync_data().unwrap();
        s.sync_dir(Path::new("/d")).unwrap();
        s.rename(old, new).unwrap();
        if sync {
            s.sync_dir(Path::new("/d")).unwrap();
        }
        s.crash();
        let (at_old, at_new) = (s.contents(old), s.contents(new));
        if sync {
            assert_eq!((at_old, at_new), (None, Some(b"abc".to_vec())));
        } else {
            assert_eq!((at_old, at_new), (Some(b"abc".to_vec()), None));
        }
    }
}

#[test]
fn a_crash_releases_locks_and_a_drop_releases_its_own() {
    let mut s = storage(SimFaults::none());
    let lock = Path::new("/d/LOCK");
    let held = s.try_lock(lock).unwrap().expect("free");
    assert!(s.try_lock(lock).unwrap().is_none());
    drop(held);
    let held = s.try_lock(lock).unwrap().expect("free again");
    s.crash();
    let again = s.try_lock(lock).unwrap().expect("a crash releases it");
    drop(held);
    assert!(
        s.try_lock(lock).unwrap().is_none(),
        "an old lock's drop frees nothing"
    );
    drop(again);
}

#[test]
fn a_cut_that_was_not_synced_may_come_back() {
    let seen: Vec<Vec<u8>> = (0..32)
        .map(|seed| {
            let wal = WalShape {
                file_name: "w".into(),
                magic: Magic::new(*b"TEST"),
                max_payload_bytes: 64,
            };
            let mut s = SimStorage::new(SimRng::new(seed), SimFaults::none(), wal);
            let path = Path::new("/d/f");
            let mut file = s.open_append(path).unwrap();
            file.write_all(b"abcdef").unwrap();
            file.sync_data().unwrap();
            s.sync_dir(Path::new("/d")).unwrap();
            file.set_len(2).unwrap();
            file.write_all(b"XY").unwrap();
            s.crash();
            s.contents(path).unwrap()
        })
        .collect();
    assert!(seen.iter().any(|bytes| bytes == b"abcdef"));
    assert!(
        seen.iter()
            .any(|bytes| bytes.starts_with(b"ab") && bytes.len() <= 4)
    );
    assert!(
        seen.iter()
            .all(|b| b == b"abcdef" || b"abXY".starts_with(b))
    );
}

#[test]
fn each_fault_kind_strikes_inside_its_window_only() {
    let always = FaultWindow {
        from_op: 2,
        until_op: 1000,
        per_mille: 1000,
    };
    let path = Path::new("/d/f");
    for kind in [
        FaultKind::WriteError,
        FaultKind::ShortWrite,
        FaultKind::DiskFull,
    ] {
        let mut s = storage(SimFaults::only(kind, always));
        s.set_faults_on(true);
        let mut file = s.open_append(path).unwrap();
        file.write_all(b"ok").unwrap();
        let error = file.write_all(&[7; 8192]).unwrap_err();
        let written = s.contents(path).unwrap().len();
        assert!(written < 2 + 8192, "{kind:?} keeps at most a prefix");
        assert_eq!(s.counts().get(kind), 1, "{kind:?}");
        if kind == FaultKind::WriteError {
            assert_eq!(written, 2);
        }
        if kind == FaultKind::DiskFull {
            assert_eq!(error.kind(), std::io::ErrorKind::StorageFull);
        }
    }
    let mut s = storage(SimFaults::only(FaultKind::SyncError, always));
    s.set_faults_on(true);
    let mut file = s.open_append(path).unwrap();
    file.sync_data().unwrap();
    assert!(file.sync_data().is_err() && s.sync_dir(Path::new("/d")).is_err());
    let always = FaultWindow {
        from_op: 0,
        ..always
    };
    let mut s = storage(SimFaults::only(FaultKind::RenameError, always));
    drop(s.create(path).unwrap());
    s.set_faults_on(true);
    assert!(s.rename(path, Path::new("/d/g")).is_err());
    assert!(
        s.contents(path).is_some(),
        "a failed rename renames nothing"
    );
}

#[test]
fn a_bit_flip_strikes_synced_bytes_and_can_be_restored() {
    let always = FaultWindow {
        from_op: 4,
        until_op: 5,
        per_mille: 1000,
    };
    let mut s = storage(SimFaults::only(FaultKind::BitFlip, always));
    s.set_faults_on(true);
    let path = Path::new("/d/f");
    let mut file = s.open_append(path).unwrap();
    file.write_all(&[0; 32]).unwrap();
    file.sync_data().unwrap();
    s.sync_dir(Path::new("/d")).unwrap();
    assert_eq!(s.contents(path).unwrap(), [0; 32]);
    assert_eq!(
        s.file_len(path).unwrap(),
        32,
        "the fifth operation flips a bit"
    );
    let flipped = s.contents(path).unwrap();
    assert_eq!(flipped.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
    assert_eq!(s.flips().len(), 1);
    assert_eq!(s.restore_flips(), 1);
    assert_eq!(s.contents(path).unwrap(), [0; 32]);
    assert!(s.flips().is_empty());
}

#[test]
fn a_power_loss_inside_a_call_fails_every_later_operation_until_the_crash() {
    let mut s = storage(SimFaults::none());
    let path = Path::new("/d/f");
    let mut file = s.open_append(path).unwrap();
    s.stop_at_op(Some(s.ops() + 1));
    file.write_all(b"a").unwrap();
    assert!(file.write_all(b"b").is_err() && s.read(path).is_err());
    s.crash();
    assert!(s.read(path).is_err(), "never synced: gone");
    drop(s.create(path).unwrap());
}

#[test]
fn the_sound_toy_passes_every_ci_seed_and_meets_every_fault() {
    let mut total = SimReport::default();
    for seed in 0..CI_SEEDS {
        let report = run(&Toy, seed, CI_STEPS).unwrap_or_else(|f| panic!("{f}\n{:#?}", f.tail));
        assert_eq!(report.steps, CI_STEPS);
        total.merge(&report);
    }
    assert!(total.acknowledged > CI_SEEDS * CI_STEPS / 2, "{total:?}");
    assert!(
        total.crashes > CI_SEEDS && total.crashes_in_calls > 0,
        "{total:?}"
    );
    for kind in FaultKind::ALL {
        assert!(total.faults.get(kind) > 0, "no {kind:?} in {total:?}");
    }
    assert!(total.flips_refused > 0, "{total:?}");
}

#[test]
fn a_seed_runs_the_same_twice_and_seeds_differ() {
    let first = run(&Toy, 7, 200).unwrap();
    assert_eq!(run(&Toy, 7, 200).unwrap(), first);
    assert_ne!(run(&Toy, 8, 200).unwrap().log_hash, first.log_hash);
}

#[test]
fn a_shorter_run_of_a_seed_is_a_prefix_of_a_longer_one() {
    // 400 and 800 steps: both cross epochs of the fault plan (900 operations, about 300
    // steps), so the windows of later epochs must not depend on the run's length either.
    for seed in 0..4 {
        let short = run(&Toy, seed, 400).unwrap_or_else(|f| panic!("{f}"));
        let long = run(&Toy, seed, 800).unwrap_or_else(|f| panic!("{f}"));
        assert_eq!(short.step_hashes.len(), 401);
        assert_eq!(long.step_hashes.len(), 801);
        assert_eq!(
            short.step_hashes[..],
            long.step_hashes[..401],
            "seed {seed}: the 400-step log is a prefix of the 800-step one"
        );
        assert!(
            long.faults.total() > short.faults.total(),
            "seed {seed}: {long:?}"
        );
        assert_ne!(short.log_hash, long.log_hash);
    }
}

#[test]
fn a_planted_bug_fails_again_at_its_shortest_count_which_is_at_most_its_step() {
    // Runs of 3 epochs, so that a failure can come late, where a fault plan drawn over the
    // run's length gave a shorter run other faults (seed 2745 of queue-core failed at step
    // 2,217 and its shortest count came back as 2,997).
    let mut checked = 0;
    for bug in [Bug::SkipsWalSync, Bug::SkipsDirSyncAfterRename] {
        let _planted = plant(bug);
        for seed in 0..CI_SEEDS {
            let Err(failure) = check(&Toy, seed, 3 * CI_STEPS) else {
                continue;
            };
            let shortest = failure.shortest.expect("check searches it");
            assert!(shortest <= failure.step + 1, "{bug:?}: {failure}");
            for _ in 0..2 {
                let again = run(&Toy, seed, shortest).expect_err("the shortest count fails");
                assert!(again.step <= shortest, "{bug:?}: {again}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "planted bugs fail some seeds: {checked}");
}

/// The first CI seed that fails with `bug` planted.
fn found(bug: Bug) -> Option<SimFailure> {
    let _planted = plant(bug);
    (0..CI_SEEDS).find_map(|seed| run(&Toy, seed, CI_STEPS).err())
}

#[test]
fn acknowledging_before_the_sync_is_found() {
    let failure = found(Bug::SkipsWalSync).expect("found within the CI seeds");
    assert_eq!(failure.kind, SimFailureKind::RecoveryMismatch, "{failure}");
}

#[test]
fn skipping_the_directory_sync_after_a_rename_is_found() {
    let failure = found(Bug::SkipsDirSyncAfterRename).expect("found within the CI seeds");
    assert_eq!(failure.kind, SimFailureKind::RecoveryMismatch, "{failure}");
}

#[test]
fn serving_the_frames_of_a_failed_sync_is_found() {
    // The WAL keeps a failed call's frames: no later sync writes them (the storage models
    // fsyncgate), a restart serves them, and a later crash rolls them back below the floor.
    let failure = found(Bug::SkipsCutAfterFailure).expect("found within the CI seeds");
    assert_eq!(failure.kind, SimFailureKind::RecoveryMismatch, "{failure}");
}

#[test]
fn a_corrupt_last_frame_read_as_a_torn_tail_is_found() {
    let failure = found(Bug::CorruptTailReadAsTorn).expect("found within the CI seeds");
    assert!(
        matches!(
            failure.kind,
            SimFailureKind::RecoveryMismatch | SimFailureKind::FlipAccepted
        ),
        "{failure}"
    );
}

#[test]
fn a_failure_is_reported_with_its_shortest_failing_step_count() {
    let _planted = plant(Bug::SkipsWalSync);
    let seed = (0..CI_SEEDS)
        .find(|&seed| run(&Toy, seed, CI_STEPS).is_err())
        .unwrap();
    let failure = check(&Toy, seed, CI_STEPS).unwrap_err();
    let shortest = failure.shortest.expect("check searches it");
    assert!(shortest <= failure.step + 1, "{failure}");
    assert!(run(&Toy, seed, shortest).is_err());
    if shortest > 0 {
        assert!(run(&Toy, seed, shortest - 1).is_ok(), "{failure}");
    }
    assert!(failure.to_string().contains("shortest failing step count"));
}

#[test]
fn on_disk_only_a_witnessed_sync_makes_bytes_durable() {
    let dir = crate::testkit::ScratchDir::new().unwrap();
    let wal = WalShape {
        file_name: "w".into(),
        magic: Magic::new(*b"TEST"),
        max_payload_bytes: 64,
    };
    let mut s = SimStorage::on_disk(SimRng::new(1), SimFaults::none(), wal, dir.path());
    let path = dir.path().join("f");
    let mut file = s.open_append(&path).unwrap();
    file.write_all(b"synced").unwrap();
    let before = witnessed_syncs();
    file.sync_data().unwrap();
    s.sync_dir(dir.path()).unwrap();
    assert_eq!(
        witnessed_syncs(),
        before + 2,
        "the real syncs report themselves"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"synced",
        "the bytes reach the disk"
    );
    file.write_all(b"+lost").unwrap();
    drop(s.create(&dir.path().join("new")).unwrap());
    s.crash();
    assert!(std::fs::read(&path).unwrap().starts_with(b"synced"));
    assert!(
        !dir.path().join("new").exists(),
        "the crash rewrote the directory"
    );
}

#[test]
fn the_sound_toy_passes_on_disk_where_the_real_syncs_run() {
    for seed in 0..4 {
        let dir = crate::testkit::ScratchDir::new().unwrap();
        let report = run_on_disk(&Toy, seed, 150, dir.path()).unwrap_or_else(|f| panic!("{f}"));
        assert!(report.crashes > 0 && report.acknowledged > 0, "{report:?}");
    }
}

#[test]
fn the_same_bit_flipped_twice_is_no_flip() {
    let twice = FaultWindow {
        from_op: 4,
        until_op: 6,
        per_mille: 1000,
    };
    let mut cancelled = 0;
    for seed in 0..64 {
        let wal = WalShape {
            file_name: "w".into(),
            magic: Magic::new(*b"TEST"),
            max_payload_bytes: 64,
        };
        let faults = SimFaults::only(FaultKind::BitFlip, twice);
        let mut s = SimStorage::new(SimRng::new(seed), faults, wal);
        s.set_faults_on(true);
        let path = Path::new("/d/f");
        let mut file = s.open_append(path).unwrap();
        file.write_all(&[0]).unwrap();
        file.sync_data().unwrap();
        s.sync_dir(Path::new("/d")).unwrap();
        s.file_len(path).unwrap();
        s.file_len(path).unwrap();
        assert_eq!(s.counts().get(FaultKind::BitFlip), 2);
        let ones = s.contents(path).unwrap()[0].count_ones();
        assert_eq!(
            s.flips().len(),
            ones as usize,
            "seed {seed}: one flip per bit still set"
        );
        cancelled += usize::from(ones == 0);
    }
    assert!(cancelled > 0, "some seed flips one bit twice");
}
