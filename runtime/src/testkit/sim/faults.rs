//! The simulator's fault plan: which storage faults a run injects, from which storage
//! operation to which, and how often. One seed draws the whole plan ([`SimFaults::draw`]).

use std::fmt;

use super::SimRng;

/// A kind of injected storage fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// A write fails and writes nothing.
    WriteError,
    /// A write writes a seed-chosen prefix, then fails.
    ShortWrite,
    /// A data or directory sync fails; what it was to make durable stays volatile.
    SyncError,
    /// A rename fails and renames nothing.
    RenameError,
    /// A write beyond the disk's seed-chosen capacity writes what fits, then fails with
    /// `StorageFull` (ENOSPC).
    DiskFull,
    /// One bit of stored (synced) bytes flips.
    BitFlip,
}

impl FaultKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [Self; 6] = [
        Self::WriteError,
        Self::ShortWrite,
        Self::SyncError,
        Self::RenameError,
        Self::DiskFull,
        Self::BitFlip,
    ];

    /// The kind's index in [`Self::ALL`] and in [`FaultCounts`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind's short name in summaries (`write`, `short`, `sync`, `rename`, `full`,
    /// `flip`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::WriteError => "write",
            Self::ShortWrite => "short",
            Self::SyncError => "sync",
            Self::RenameError => "rename",
            Self::DiskFull => "full",
            Self::BitFlip => "flip",
        }
    }
}

/// Injected faults by kind, indexed by [`FaultKind::index`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts(pub [u64; 6]);

impl FaultCounts {
    /// The count of `kind`.
    #[must_use]
    pub fn get(&self, kind: FaultKind) -> u64 {
        self.0[kind.index()]
    }

    /// Counts one more fault of `kind`.
    pub fn add(&mut self, kind: FaultKind) {
        self.0[kind.index()] += 1;
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Self) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
    }

    /// All faults of every kind.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl fmt::Display for FaultCounts {
    /// `write 3, short 1, sync 0, rename 2, full 0, flip 4`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, kind) in FaultKind::ALL.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{} {}", kind.name(), self.get(*kind))?;
        }
        Ok(())
    }
}

/// When and how often one kind of fault strikes: each storage operation numbered in
/// `from_op..until_op` that can take the fault takes it with probability `per_mille / 1000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultWindow {
    /// The first storage operation (0-based count since the storage was made) of the window.
    pub from_op: u64,
    /// The operation after the last one of the window.
    pub until_op: u64,
    /// The rate inside the window, in thousandths.
    pub per_mille: u64,
}

impl FaultWindow {
    /// Whether operation `op` lies in the window.
    #[must_use]
    pub fn covers(&self, op: u64) -> bool {
        (self.from_op..self.until_op).contains(&op)
    }
}

/// The fault plan of a run: at most one window per kind (`None`: that kind never strikes),
/// and the slack a disk-full window leaves above the bytes stored when it opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimFaults {
    /// The windows, indexed by [`FaultKind::index`].
    pub windows: [Option<FaultWindow>; 6],
    /// Bytes a [`FaultKind::DiskFull`] window still accepts above what was stored when it
    /// opened.
    pub disk_slack_bytes: u64,
}

impl SimFaults {
    /// No faults at all.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// The plan of a seed: each kind gets a window with probability 3/4, opening within the
    /// first `horizon_ops` storage operations, lasting up to `horizon_ops`, with a rate of 1 to
    /// 40 per mille (renames: 50 to 300, bit flips: 2 to 20).
    #[must_use]
    pub fn draw(rng: &mut SimRng, horizon_ops: u64) -> Self {
        let horizon_ops = horizon_ops.max(1);
        let mut plan = Self::none();
        for kind in FaultKind::ALL {
            if !rng.chance(750) {
                continue;
            }
            let from_op = rng.below(horizon_ops);
            let until_op = from_op + rng.between(1, horizon_ops);
            // Renames are rare (one per checkpoint), flips strike any operation: each kind's
            // rate is set so that a run of a few hundred steps meets it a few times.
            let (low, high) = match kind {
                FaultKind::RenameError => (50, 300),
                FaultKind::BitFlip => (2, 20),
                _ => (1, 40),
            };
            let per_mille = rng.between(low, high);
            plan.windows[kind.index()] = Some(FaultWindow {
                from_op,
                until_op,
                per_mille,
            });
        }
        plan.disk_slack_bytes = rng.below(4096);
        plan
    }

    /// The plan with only `kind`'s window (at `window`).
    #[must_use]
    pub fn only(kind: FaultKind, window: FaultWindow) -> Self {
        let mut plan = Self::none();
        plan.windows[kind.index()] = Some(window);
        plan
    }

    /// The window of `kind`.
    #[must_use]
    pub fn window(&self, kind: FaultKind) -> Option<FaultWindow> {
        self.windows[kind.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_print_every_kind_in_order() {
        let mut counts = FaultCounts::default();
        counts.add(FaultKind::SyncError);
        counts.add(FaultKind::BitFlip);
        counts.add(FaultKind::BitFlip);
        assert_eq!(
            counts.to_string(),
            "write 0, short 0, sync 1, rename 0, full 0, flip 2"
        );
        let mut sum = counts;
        sum.merge(&counts);
        assert_eq!((sum.total(), sum.get(FaultKind::BitFlip)), (6, 4));
    }

    #[test]
    fn a_drawn_plan_depends_on_the_seed_only() {
        let draw = |seed| SimFaults::draw(&mut SimRng::new(seed), 500);
        assert_eq!(draw(5), draw(5));
        assert!((0..20).any(|seed| draw(seed) != draw(5)));
        let plan = draw(5);
        for window in plan.windows.iter().flatten() {
            assert!(window.from_op < 500 && window.until_op > window.from_op);
            assert!((1..=300).contains(&window.per_mille));
        }
    }

    #[test]
    fn a_window_covers_its_half_open_range() {
        let window = FaultWindow {
            from_op: 2,
            until_op: 4,
            per_mille: 1,
        };
        assert_eq!(
            (0..6).map(|op| window.covers(op)).collect::<Vec<_>>(),
            [false, false, true, true, false, false]
        );
    }
}
