//! The failed-sync model of [`SimStorage`]: the bytes a failed sync left are never made
//! durable by a later sync, until a cut drops them.

use std::path::Path;

use super::*;
use crate::storage::Storage;
use crate::testkit::sim::FaultWindow;

const SEEDS: u64 = 32;

/// A storage whose every sync fails while faults are on.
fn failing_syncs(seed: u64) -> SimStorage {
    let wal = WalShape {
        file_name: "w".into(),
        magic: Magic::new(*b"TEST"),
        max_payload_bytes: 64,
    };
    let always = FaultWindow {
        from_op: 0,
        until_op: u64::MAX,
        per_mille: 1000,
    };
    let faults = SimFaults::only(FaultKind::SyncError, always);
    SimStorage::new(SimRng::new(seed), faults, wal)
}

/// Writes `durable` and syncs it, writes `-lost`, fails a sync, then syncs again after `cut`
/// (a `set_len` to the durable length, when true) and crashes: what the file keeps.
fn after_a_failed_sync(seed: u64, cut: bool) -> Vec<u8> {
    let mut s = failing_syncs(seed);
    let path = Path::new("/d/f");
    let mut file = s.open_append(path).unwrap();
    file.write_all(b"durable").unwrap();
    file.sync_data().unwrap();
    s.sync_dir(Path::new("/d")).unwrap();
    file.write_all(b"-lost").unwrap();
    s.set_faults_on(true);
    assert!(file.sync_data().is_err(), "the injected sync error");
    s.set_faults_on(false);
    if cut {
        file.set_len(7).unwrap();
        file.write_all(b"+again").unwrap();
    }
    file.sync_data().unwrap();
    assert_eq!(s.counts().get(FaultKind::SyncError), 1);
    s.crash();
    s.contents(path).unwrap()
}

#[test]
fn a_sync_after_a_failed_one_does_not_make_the_failed_bytes_durable() {
    let kept: Vec<Vec<u8>> = (0..SEEDS)
        .map(|seed| after_a_failed_sync(seed, false))
        .collect();
    for bytes in &kept {
        assert!(bytes.starts_with(b"durable") && b"durable-lost".starts_with(bytes));
    }
    assert!(
        kept.iter().any(|bytes| bytes.as_slice() == b"durable"),
        "some crash drops the bytes the failed sync left, although a sync succeeded since"
    );
}

#[test]
fn a_cut_below_the_failed_bytes_lets_a_sync_make_the_new_ones_durable() {
    for seed in 0..SEEDS {
        assert_eq!(
            after_a_failed_sync(seed, true),
            b"durable+again",
            "seed {seed}"
        );
    }
}
