//! The simulator's fault plan: which storage faults a run injects, from which storage
//! operation to which, and how often. One seed draws the plan ([`SimFaults::draw`]), epoch by
//! epoch of storage operations, independently of the run's length.

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

    /// The faults that fail the operation they strike (every kind but a bit flip, which
    /// fails nothing until the flipped byte is read): those that excuse a failed call.
    #[must_use]
    pub fn failing(&self) -> u64 {
        self.total() - self.get(FaultKind::BitFlip)
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

/// The fault plan of a run. A drawn plan ([`SimFaults::draw`]) cuts the storage operations
/// into epochs of `epoch_ops` and gives each epoch at most one window per kind, drawn from a
/// stream forked by the epoch's number when the run first reaches it: what strikes an
/// operation never depends on how many steps the run was asked for, so a shorter run of a
/// seed is a prefix of a longer one (`docs/simulation.md`, determinism). A fixed plan
/// ([`SimFaults::only`], [`SimFaults::none`]) keeps its windows for the whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimFaults {
    /// The windows of the current epoch (of the whole run for a fixed plan), indexed by
    /// [`FaultKind::index`].
    windows: [Option<FaultWindow>; 6],
    /// How a drawn plan draws the windows of the next epochs (`None`: a fixed plan).
    epochs: Option<Epochs>,
    /// Bytes a [`FaultKind::DiskFull`] window still accepts above what was stored when it
    /// opened.
    pub disk_slack_bytes: u64,
}

/// A drawn plan's epochs: the stream each epoch's windows fork from, the epoch length, and
/// the epoch the current windows belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Epochs {
    rng: SimRng,
    ops: u64,
    current: u64,
}

impl Epochs {
    /// The windows of `epoch`: each kind with probability 3/4, opening within the epoch and
    /// closing at its end at the latest, with a rate of 1 to 40 per mille (renames: 50 to
    /// 300, bit flips: 2 to 20).
    fn windows(&self, epoch: u64) -> [Option<FaultWindow>; 6] {
        let mut rng = self.rng.fork(epoch);
        let start = epoch.saturating_mul(self.ops);
        let end = start.saturating_add(self.ops);
        let mut windows = [None; 6];
        for kind in FaultKind::ALL {
            if !rng.chance(750) {
                continue;
            }
            let from_op = start + rng.below(self.ops);
            let until_op = (from_op + rng.between(1, self.ops)).min(end);
            // Renames are rare (one per checkpoint), flips strike any operation: each kind's
            // rate is set so that an epoch meets it a few times.
            let (low, high) = match kind {
                FaultKind::RenameError => (50, 300),
                FaultKind::BitFlip => (2, 20),
                _ => (1, 40),
            };
            let per_mille = rng.between(low, high);
            assert!(
                from_op < until_op && until_op <= end,
                "a window lies in its epoch"
            );
            windows[kind.index()] = Some(FaultWindow {
                from_op,
                until_op,
                per_mille,
            });
        }
        windows
    }
}

impl SimFaults {
    /// No faults at all.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// The plan a seed's stream `rng` draws, in epochs of `epoch_ops` storage operations
    /// (windows as [`Epochs::windows`] says; the disk-full slack 0 to 4095 bytes).
    #[must_use]
    pub fn draw(rng: &SimRng, epoch_ops: u64) -> Self {
        let epochs = Epochs {
            rng: rng.clone(),
            ops: epoch_ops.max(1),
            current: 0,
        };
        Self {
            windows: epochs.windows(0),
            disk_slack_bytes: rng.fork(u64::MAX).below(4096),
            epochs: Some(epochs),
        }
    }

    /// The plan with only `kind`'s window (at `window`), for the whole run.
    #[must_use]
    pub fn only(kind: FaultKind, window: FaultWindow) -> Self {
        let mut plan = Self::none();
        plan.windows[kind.index()] = Some(window);
        plan
    }

    /// The window of `kind` that storage operation `op` may fall in: the one of `op`'s epoch
    /// (drawn when the run reaches it), or the fixed plan's.
    pub fn window(&mut self, kind: FaultKind, op: u64) -> Option<FaultWindow> {
        if let Some(epochs) = &mut self.epochs {
            let epoch = op / epochs.ops;
            if epoch != epochs.current {
                epochs.current = epoch;
                self.windows = epochs.windows(epoch);
            }
        }
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
        assert_eq!(sum.failing(), 2, "a flip fails no operation");
    }

    /// The windows of every kind at each of `ops`, asked in that order.
    fn windows_at(plan: &SimFaults, ops: &[u64]) -> Vec<Option<FaultWindow>> {
        let mut plan = plan.clone();
        let kinds = ops
            .iter()
            .flat_map(|&op| FaultKind::ALL.map(|kind| (kind, op)));
        kinds.map(|(kind, op)| plan.window(kind, op)).collect()
    }

    #[test]
    fn a_drawn_plan_depends_on_the_seed_only() {
        let draw = |seed| SimFaults::draw(&SimRng::new(seed), 500);
        assert_eq!(draw(5), draw(5));
        assert!((0..20).any(|seed| draw(seed) != draw(5)));
        let ops: Vec<u64> = (0..5_000).step_by(7).collect();
        let mut plan = draw(5);
        for &op in &ops {
            let epoch = op / 500;
            for window in FaultKind::ALL
                .map(|kind| plan.window(kind, op))
                .iter()
                .flatten()
            {
                assert!(window.from_op >= epoch * 500 && window.until_op <= (epoch + 1) * 500);
                assert!(window.until_op > window.from_op);
                assert!((1..=300).contains(&window.per_mille));
            }
        }
        assert!(windows_at(&plan, &ops).iter().flatten().count() > 0);
    }

    #[test]
    fn the_window_of_an_operation_does_not_depend_on_what_was_asked_before() {
        let plan = SimFaults::draw(&SimRng::new(11), 300);
        let forward: Vec<u64> = (0..3_000).step_by(13).collect();
        let backward: Vec<u64> = forward.iter().rev().copied().collect();
        let mut reversed = windows_at(&plan, &backward);
        let kinds = FaultKind::ALL.len();
        // Reverse the per-op groups, not the kinds inside them.
        let groups: Vec<_> = reversed.chunks(kinds).rev().flatten().copied().collect();
        reversed = groups;
        assert_eq!(windows_at(&plan, &forward), reversed);
        let later = windows_at(&plan, &[2_900]);
        assert_eq!(
            windows_at(&plan, &[0, 1_000, 2_900])[2 * kinds..],
            later[..]
        );
        let windows = windows_at(&plan, &forward).into_iter().flatten();
        let epochs: std::collections::BTreeSet<u64> = windows.map(|w| w.from_op / 300).collect();
        assert!(
            epochs.len() > 5,
            "later epochs draw windows too: {epochs:?}"
        );
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
