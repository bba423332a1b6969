//! The simulator's self-tests of its bookkeeping: which flips count, what the log's hash sees,
//! which faults excuse a failed call.

use std::path::Path;

use super::*;
use crate::storage::Storage;
use crate::wal::Magic;

fn wal_shape() -> WalShape {
    WalShape {
        file_name: "w".into(),
        magic: Magic::new(*b"TEST"),
        max_payload_bytes: 64,
    }
}

/// A storage whose fifth operation flips a bit of a synced byte.
fn flipping_storage() -> SimStorage {
    let fifth = FaultWindow {
        from_op: 4,
        until_op: 5,
        per_mille: 1000,
    };
    let faults = SimFaults::only(FaultKind::BitFlip, fifth);
    let s = SimStorage::new(SimRng::new(1), faults, wal_shape());
    s.set_faults_on(true);
    s
}

#[test]
fn a_flip_in_a_removed_file_is_not_restored() {
    // Failed before the fix: restore_flips counted the flip of the removed file (1).
    let mut s = flipping_storage();
    let path = Path::new("/d/f");
    let mut file = s.open_append(path).unwrap();
    file.write_all(&[0; 32]).unwrap();
    file.sync_data().unwrap();
    s.sync_dir(Path::new("/d")).unwrap();
    s.file_len(path).unwrap();
    assert_eq!(s.counts().get(FaultKind::BitFlip), 1, "the fifth op flips");
    drop(file);
    s.remove(path).unwrap();
    assert!(s.flips().is_empty());
    assert_eq!(s.restore_flips(), 0, "no byte of a removed file to restore");
}
