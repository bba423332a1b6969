//! Planted bugs: test-only switches that make the runtime misbehave in a known way, so that
//! tests show the simulator finds each. The switch is thread-local (tests run in parallel
//! threads and must not see each other's bugs), and only exists with the `testkit` feature.

use std::cell::Cell;

/// A bug the runtime can be switched into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// `WalFile::sync` returns `Ok` without syncing: appends are acknowledged before they are
    /// durable.
    SkipsWalSync,
    /// `replace_file_atomically` skips the directory sync after its rename: a new snapshot or
    /// WAL may vanish in a crash after the caller was told it is in place.
    SkipsDirSyncAfterRename,
    /// A WAL frame that fails its checks and ends at the end of the file is read as a torn
    /// tail: an acknowledged last frame with a flipped bit is silently cut.
    CorruptTailReadAsTorn,
    /// `WalFile::open` skips its data sync (the fsync gate): a recovery may serve frames that
    /// a killed process left only in the page cache, which a later power loss rolls back.
    /// Not in [`Self::ALL`] (the three). The simulator kills no process without a
    /// power loss, and a failed call's frames are cut (`SkipsCutAfterFailure`), so only
    /// `wal_file_tests.rs` finds it now (`docs/simulation.md`, findings).
    SkipsSyncAtOpen,
    /// `WalFile` keeps the unsynced frames of a failed append or sync instead of cutting the
    /// log back to its last synced length: after a failed sync no later sync writes them
    /// (fsyncgate), a restart serves them, a power loss rolls them back. Not in
    /// [`Self::ALL`]: the toy finds it within the CI seeds, the engines within a few.
    SkipsCutAfterFailure,
}

impl Bug {
    /// Every planted bug.
    pub const ALL: [Self; 3] = [
        Self::SkipsWalSync,
        Self::SkipsDirSyncAfterRename,
        Self::CorruptTailReadAsTorn,
    ];

    fn mask(self) -> u8 {
        1 << (self as u8)
    }
}

thread_local! {
    static PLANTED: Cell<u8> = const { Cell::new(0) };
}

/// Whether `bug` is planted on this thread.
#[must_use]
pub fn is_planted(bug: Bug) -> bool {
    PLANTED.with(|planted| planted.get() & bug.mask() != 0)
}

/// Plants `bug` on this thread until the returned guard drops.
///
/// # Panics
/// Never: the bug is visible once set (asserted).
#[must_use = "the bug is removed when the guard drops"]
pub fn plant(bug: Bug) -> Planted {
    PLANTED.with(|planted| planted.set(planted.get() | bug.mask()));
    assert!(is_planted(bug), "a planted bug must be visible");
    Planted(bug)
}

/// The guard of a planted bug: removes it on drop.
#[derive(Debug)]
pub struct Planted(Bug);

impl Drop for Planted {
    fn drop(&mut self) {
        PLANTED.with(|planted| planted.set(planted.get() & !self.0.mask()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_bug_lasts_as_long_as_its_guard_and_stays_on_its_thread() {
        assert!(Bug::ALL.iter().all(|bug| !is_planted(*bug)));
        let guard = plant(Bug::SkipsWalSync);
        assert!(is_planted(Bug::SkipsWalSync) && !is_planted(Bug::CorruptTailReadAsTorn));
        let other = std::thread::spawn(|| is_planted(Bug::SkipsWalSync))
            .join()
            .unwrap();
        assert!(!other, "another thread does not see it");
        drop(guard);
        assert!(!is_planted(Bug::SkipsWalSync));
    }
}
