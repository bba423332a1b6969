//! The state machine's two bounded side structures: the expiry index (a timing wheel keyed by
//! deadline slot) and the member pool (one record per resource of each lease in the table).

use crate::command::InternalCommand;
use crate::ids::{LeaseId, ResourceId, Slot};

/// A timing wheel of `max_ttl_slots + 1` buckets of `max_expiration_bucket_len` entries.
///
/// Every deadline in the index lies at or above `scan_from`. While the handle keeps time
/// (every due lease expired before anything else is applied at a slot), live deadlines fall in
/// `(last slot, last slot + max_ttl_slots]`, so no two live deadlines share a bucket; entries
/// are filtered by deadline anyway, so a lease left unexpired by a direct user of the state
/// machine is still found. Within a bucket entries stay in insertion order, which is lease-id
/// order (ids grow with the lsn).
#[derive(Clone, Debug)]
pub(crate) struct ExpiryIndex {
    entries: Vec<(Slot, LeaseId)>,
    lens: Vec<u32>,
    bucket_len: usize,
    wheel_len: u64,
    count: usize,
    /// No deadline in the index is below this (`u64::MAX` when empty).
    scan_from: u64,
}

impl ExpiryIndex {
    pub(crate) fn new(max_ttl_slots: u64, bucket_len: u32) -> Self {
        let wheel_len = max_ttl_slots
            .checked_add(1)
            .expect("wheel length must fit in u64");
        let buckets = usize::try_from(wheel_len).expect("wheel must fit in memory");
        let bucket_len = bucket_len as usize;
        let total = buckets
            .checked_mul(bucket_len)
            .expect("wheel must fit in memory");
        Self {
            entries: vec![(Slot(0), LeaseId(0)); total],
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

    fn bucket(&self, bucket: usize) -> &[(Slot, LeaseId)] {
        let start = bucket * self.bucket_len;
        &self.entries[start..start + self.lens[bucket] as usize]
    }

    pub(crate) fn has_room(&self, deadline: Slot) -> bool {
        (self.lens[self.bucket_of(deadline)] as usize) < self.bucket_len
    }

    /// Adds a lease; the caller checked [`Self::has_room`].
    pub(crate) fn insert(&mut self, deadline: Slot, lease_id: LeaseId) {
        let bucket = self.bucket_of(deadline);
        let len = self.lens[bucket] as usize;
        assert!(len < self.bucket_len, "expiry bucket must have room");
        self.entries[bucket * self.bucket_len + len] = (deadline, lease_id);
        self.lens[bucket] += 1;
        self.count += 1;
        self.scan_from = self.scan_from.min(deadline.get());
    }

    /// Removes a lease; returns whether it was present.
    pub(crate) fn remove(&mut self, deadline: Slot, lease_id: LeaseId) -> bool {
        let bucket = self.bucket_of(deadline);
        let start = bucket * self.bucket_len;
        let len = self.lens[bucket] as usize;
        let Some(position) = self.entries[start..start + len]
            .iter()
            .position(|entry| *entry == (deadline, lease_id))
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

    fn holds_deadline(&self, deadline: u64) -> bool {
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
    /// is applied. Each call steps at most one wheel turn before falling back to a full scan
    /// for the smallest deadline, so the cost is bounded by the config; in steady state it is
    /// O(1) per slot of progress, and after a jump the due leases (all within one wheel turn
    /// of each other) are stepped over once in total.
    pub(crate) fn advance(&mut self, slot: Slot) {
        let mut steps = 0;
        while self.count > 0 && self.scan_from <= slot.get() && !self.holds_deadline(self.scan_from)
        {
            if steps == self.wheel_len {
                self.scan_from = self.min_deadline();
                return;
            }
            // Cannot overflow: some entry has a deadline >= scan_from, and scan_from holds none.
            self.scan_from += 1;
            steps += 1;
        }
    }

    /// Up to `limit` leases with `deadline <= slot`, in deadline order, then id order.
    pub(crate) fn due(&self, slot: Slot, limit: usize) -> Vec<InternalCommand> {
        let mut due = Vec::new();
        if self.count == 0 || self.scan_from > slot.get() || limit == 0 {
            return due;
        }
        let expire = |&(deadline_slot, lease_id): &(Slot, LeaseId)| InternalCommand::Expire {
            lease_id,
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
        let mut all: Vec<(Slot, LeaseId)> = (0..self.lens.len())
            .flat_map(|bucket| self.bucket(bucket).iter().copied())
            .filter(|(deadline, _)| *deadline <= slot)
            .collect();
        all.sort_unstable();
        all.iter().take(limit).map(expire).collect()
    }

    /// Every entry (unordered), for invariant checks.
    pub(crate) fn iter_unordered(&self) -> impl Iterator<Item = (Slot, LeaseId)> + '_ {
        (0..self.lens.len()).flat_map(|bucket| self.bucket(bucket).iter().copied())
    }

    /// How many times `(deadline, lease_id)` is present.
    pub(crate) fn occurrences(&self, deadline: Slot, lease_id: LeaseId) -> usize {
        self.bucket(self.bucket_of(deadline))
            .iter()
            .filter(|entry| **entry == (deadline, lease_id))
            .count()
    }

    pub(crate) fn scan_from(&self) -> u64 {
        self.scan_from
    }
}

/// Sentinel for "no node".
pub(crate) const NO_NODE: u32 = u32::MAX;

/// Fixed pool of member records, linked per lease in list order.
#[derive(Clone, Debug)]
pub(crate) struct MemberPool {
    resource: Vec<ResourceId>,
    next: Vec<u32>,
    free_head: u32,
    free_count: u32,
}

impl MemberPool {
    pub(crate) fn new(capacity: u32) -> Self {
        assert!(
            capacity < NO_NODE,
            "member pool capacity must leave room for the sentinel"
        );
        let next = (0..capacity)
            .map(|i| if i + 1 < capacity { i + 1 } else { NO_NODE })
            .collect();
        Self {
            resource: vec![ResourceId(0); capacity as usize],
            next,
            free_head: if capacity > 0 { 0 } else { NO_NODE },
            free_count: capacity,
        }
    }

    pub(crate) fn free(&self) -> u32 {
        self.free_count
    }

    pub(crate) fn used(&self) -> u32 {
        self.capacity() - self.free_count
    }

    pub(crate) fn capacity(&self) -> u32 {
        u32::try_from(self.resource.len()).expect("pool capacity fits in u32")
    }

    /// Allocated records (never changes).
    pub(crate) fn allocated_records(&self) -> usize {
        self.resource.capacity()
    }

    /// Stores `ids` as one list and returns its head; the caller checked [`Self::free`].
    pub(crate) fn push_list(&mut self, ids: &[ResourceId]) -> u32 {
        assert!(
            ids.len() <= self.free_count as usize,
            "member pool must have room"
        );
        let mut head = NO_NODE;
        let mut tail = NO_NODE;
        for id in ids {
            let node = self.free_head;
            self.free_head = self.next[node as usize];
            self.resource[node as usize] = *id;
            self.next[node as usize] = NO_NODE;
            if tail == NO_NODE {
                head = node;
            } else {
                self.next[tail as usize] = node;
            }
            tail = node;
        }
        self.free_count -= u32::try_from(ids.len()).expect("list length fits in u32");
        head
    }

    /// Returns every node of the list at `head` to the free list.
    pub(crate) fn free_list(&mut self, head: u32) {
        let mut node = head;
        while node != NO_NODE {
            let next = self.next[node as usize];
            self.next[node as usize] = self.free_head;
            self.free_head = node;
            self.free_count += 1;
            node = next;
        }
    }

    /// The resource of `node` and the next node.
    pub(crate) fn node(&self, node: u32) -> (ResourceId, u32) {
        (self.resource[node as usize], self.next[node as usize])
    }

    /// The list at `head`, in order.
    pub(crate) fn list(&self, head: u32) -> Vec<ResourceId> {
        let mut ids = Vec::new();
        let mut node = head;
        while node != NO_NODE {
            let (id, next) = self.node(node);
            ids.push(id);
            node = next;
        }
        ids
    }
}
