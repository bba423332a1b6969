//! The state machine's claim-deadline index: a timing wheel keyed by deadline slot, the
//! structure of reservation-core's expiry index (a second copy: `docs/m14-proof.md` names it
//! the next extraction candidate).

use crate::command::InternalCommand;
use crate::ids::{JobId, Slot};

/// A timing wheel of `max_visibility_slots + 1` buckets of `max_expiration_bucket_len` entries.
///
/// Every deadline in the index lies at or above `scan_from`. While the handle keeps time
/// (every due claim timed out before anything else is applied at a slot), live deadlines fall in
/// `(last slot, last slot + max_visibility_slots]`, so no two live deadlines share a bucket; entries
/// are filtered by deadline anyway, so a claim left running by a direct user of the state
/// machine is still found. Within a bucket entries are kept sorted by `(deadline, job id)`
/// (jobs are claimed in queue order, not id order).
#[derive(Clone, Debug)]
pub(crate) struct DeadlineIndex {
    entries: Vec<(Slot, JobId)>,
    lens: Vec<u32>,
    bucket_len: usize,
    wheel_len: u64,
    count: usize,
    /// No deadline in the index is below this (`u64::MAX` when empty).
    scan_from: u64,
}

impl DeadlineIndex {
    pub(crate) fn new(max_visibility_slots: u64, bucket_len: u32) -> Self {
        let wheel_len = max_visibility_slots
            .checked_add(1)
            .expect("wheel length must fit in u64");
        let buckets = usize::try_from(wheel_len).expect("wheel must fit in memory");
        let bucket_len = bucket_len as usize;
        let total = buckets
            .checked_mul(bucket_len)
            .expect("wheel must fit in memory");
        Self {
            entries: vec![(Slot(0), JobId(0)); total],
            lens: vec![0; buckets],
            bucket_len,
            wheel_len,
            count: 0,
            scan_from: u64::MAX,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Entries reserved at construction (never changes).
    pub(crate) fn allocated_entries(&self) -> usize {
        self.entries.capacity()
    }

    fn bucket_of(&self, deadline: Slot) -> usize {
        // The remainder is below `wheel_len`, which fits in usize (checked in `new`).
        #[allow(clippy::cast_possible_truncation)]
        let bucket = (deadline.get() % self.wheel_len) as usize;
        bucket
    }

    fn bucket(&self, bucket: usize) -> &[(Slot, JobId)] {
        let start = bucket * self.bucket_len;
        &self.entries[start..start + self.lens[bucket] as usize]
    }

    pub(crate) fn has_room(&self, deadline: Slot) -> bool {
        (self.lens[self.bucket_of(deadline)] as usize) < self.bucket_len
    }

    /// Adds a job, keeping the bucket sorted; the caller checked [`Self::has_room`].
    pub(crate) fn insert(&mut self, deadline: Slot, job_id: JobId) {
        let bucket = self.bucket_of(deadline);
        let start = bucket * self.bucket_len;
        let len = self.lens[bucket] as usize;
        assert!(len < self.bucket_len, "expiry bucket must have room");
        let entry = (deadline, job_id);
        let position = self.entries[start..start + len].partition_point(|stored| *stored < entry);
        self.entries
            .copy_within(start + position..start + len, start + position + 1);
        self.entries[start + position] = entry;
        self.lens[bucket] += 1;
        self.count += 1;
        self.scan_from = self.scan_from.min(deadline.get());
    }

    /// Removes a job; returns whether it was present.
    pub(crate) fn remove(&mut self, deadline: Slot, job_id: JobId) -> bool {
        let bucket = self.bucket_of(deadline);
        let start = bucket * self.bucket_len;
        let len = self.lens[bucket] as usize;
        let Some(position) = self.entries[start..start + len]
            .iter()
            .position(|entry| *entry == (deadline, job_id))
        else {
            return false;
        };
        self.entries
            .copy_within(start + position + 1..start + len, start + position);
        self.lens[bucket] -= 1;
        self.count -= 1;
        if self.count == 0 {
            self.scan_from = u64::MAX;
        }
        true
    }

    fn jobs_deadline(&self, deadline: u64) -> bool {
        self.bucket(self.bucket_of(Slot(deadline)))
            .iter()
            .any(|(d, _)| d.get() == deadline)
    }

    fn min_deadline(&self) -> u64 {
        let buckets = self.lens.len();
        (0..buckets)
            .flat_map(|bucket| self.bucket(bucket).iter().map(|(d, _)| d.get()))
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Moves `scan_from` over empty deadlines up to `slot + 1`. Called when a frame at `slot`
    /// is applied; amortized O(1) per slot of progress, at most one wheel turn per call.
    pub(crate) fn advance(&mut self, slot: Slot) {
        if self.count == 0 || self.scan_from > slot.get() {
            return;
        }
        if slot.get() - self.scan_from >= self.wheel_len {
            self.scan_from = self.min_deadline();
        }
        while self.scan_from <= slot.get() && !self.jobs_deadline(self.scan_from) {
            self.scan_from += 1;
        }
    }

    /// Up to `limit` jobs with `deadline <= slot`, in deadline order, then id order.
    pub(crate) fn due(&self, slot: Slot, limit: usize) -> Vec<InternalCommand> {
        let mut due = Vec::new();
        if self.count == 0 || self.scan_from > slot.get() || limit == 0 {
            return due;
        }
        let expire = |&(deadline_slot, job_id): &(Slot, JobId)| InternalCommand::ClaimTimeout {
            job_id,
            deadline_slot,
        };
        if slot.get() - self.scan_from < self.wheel_len {
            for deadline in self.scan_from..=slot.get() {
                let bucket = self.bucket(self.bucket_of(Slot(deadline)));
                for entry in bucket.iter().filter(|(d, _)| d.get() == deadline) {
                    due.push(expire(entry));
                    if due.len() == limit {
                        return due;
                    }
                }
            }
            return due;
        }
        let mut all: Vec<(Slot, JobId)> = (0..self.lens.len())
            .flat_map(|bucket| self.bucket(bucket).iter().copied())
            .filter(|(deadline, _)| *deadline <= slot)
            .collect();
        all.sort_unstable();
        all.iter().take(limit).map(expire).collect()
    }

    /// Every entry (unordered), for invariant checks.
    pub(crate) fn iter_unordered(&self) -> impl Iterator<Item = (Slot, JobId)> + '_ {
        (0..self.lens.len()).flat_map(|bucket| self.bucket(bucket).iter().copied())
    }

    /// How many times `(deadline, job_id)` is present.
    pub(crate) fn occurrences(&self, deadline: Slot, job_id: JobId) -> usize {
        self.bucket(self.bucket_of(deadline))
            .iter()
            .filter(|entry| **entry == (deadline, job_id))
            .count()
    }

    pub(crate) fn scan_from(&self) -> u64 {
        self.scan_from
    }
}
