//! A bounded FIFO of `(key, retire_after_slot)` entries.
//!
//! Records that must stay readable for a window of logical time (operation results, terminal
//! history) are pushed here when the window starts; the owner pops the entries whose window has
//! passed. Entries are pushed in non-decreasing `retire_after_slot` order (slots never go back),
//! so the front of the queue is always the next entry to retire and each pop is O(1).
//!
//! The queue knows keys and slots only; it never interprets what a key names. Capacity is fixed
//! at construction: the entries live in a ring allocated once, and `push` on a full queue returns
//! [`RetireQueueError::Full`]; nothing ever grows.

use std::fmt;

/// One queued retirement: `key` may be removed once the current slot is past
/// `retire_after_slot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetireEntry<K> {
    pub key: K,
    pub retire_after_slot: u64,
}

/// Why a push was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetireQueueError {
    /// The queue already holds `capacity` entries.
    Full { capacity: usize },
    /// The entry's slot is below the slot of the newest queued entry; FIFO order would no
    /// longer be slot order.
    OutOfOrder {
        retire_after_slot: u64,
        newest_slot: u64,
    },
}

impl fmt::Display for RetireQueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full { capacity } => write!(f, "retire queue is full ({capacity} entries)"),
            Self::OutOfOrder {
                retire_after_slot,
                newest_slot,
            } => write!(
                f,
                "retire slot {retire_after_slot} is below the newest queued slot {newest_slot}"
            ),
        }
    }
}

impl std::error::Error for RetireQueueError {}

/// Bounded FIFO of retirements in slot order.
#[derive(Clone, Debug)]
pub struct RetireQueue<K> {
    /// The ring, allocated once: the `i`-th oldest entry lives at `(head + i) % capacity`.
    slots: Box<[Option<RetireEntry<K>>]>,
    head: usize,
    len: usize,
}

impl<K: Copy> RetireQueue<K> {
    /// Creates an empty queue that holds at most `capacity` entries; the memory is reserved
    /// now and never grows.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: vec![None; capacity].into_boxed_slice(),
            head: 0,
            len: 0,
        }
    }

    /// The configured maximum number of entries.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The number of entries the backing storage can hold without reallocating (for
    /// boundedness checks: it must not change after construction).
    #[must_use]
    pub fn allocated_capacity(&self) -> usize {
        self.slots.len()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[must_use]
    pub fn is_full(&self) -> bool {
        self.len >= self.slots.len()
    }

    /// The `index`-th oldest entry (`index < len`).
    fn nth(&self, index: usize) -> Option<RetireEntry<K>> {
        if index >= self.len {
            return None;
        }
        self.slots[(self.head + index) % self.slots.len()]
    }

    /// Queues `key` for retirement after `retire_after_slot`.
    ///
    /// # Errors
    /// [`RetireQueueError::Full`] when the queue holds `capacity` entries;
    /// [`RetireQueueError::OutOfOrder`] when `retire_after_slot` is below the newest entry's.
    pub fn push(&mut self, key: K, retire_after_slot: u64) -> Result<(), RetireQueueError> {
        if let Some(newest) = self.len.checked_sub(1).and_then(|last| self.nth(last))
            && retire_after_slot < newest.retire_after_slot
        {
            return Err(RetireQueueError::OutOfOrder {
                retire_after_slot,
                newest_slot: newest.retire_after_slot,
            });
        }
        if self.is_full() {
            return Err(RetireQueueError::Full {
                capacity: self.capacity(),
            });
        }
        let tail = (self.head + self.len) % self.slots.len();
        self.slots[tail] = Some(RetireEntry {
            key,
            retire_after_slot,
        });
        self.len += 1;
        Ok(())
    }

    /// The oldest entry, if any.
    #[must_use]
    pub fn front(&self) -> Option<RetireEntry<K>> {
        self.nth(0)
    }

    /// Pops the oldest entry if its window has passed at `current_slot`, that is when
    /// `retire_after_slot < current_slot`. Returns `None` when nothing is due. O(1).
    pub fn pop_due(&mut self, current_slot: u64) -> Option<RetireEntry<K>> {
        let entry = self.front()?;
        if entry.retire_after_slot >= current_slot {
            return None;
        }
        self.slots[self.head] = None;
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        Some(entry)
    }

    /// All entries, oldest first (slot order), for snapshots.
    pub fn iter(&self) -> impl Iterator<Item = RetireEntry<K>> + '_ {
        (0..self.len).filter_map(|index| self.nth(index))
    }

    /// Checks that entries are in non-decreasing slot order and within capacity.
    ///
    /// # Errors
    /// The first violation found.
    pub fn validate(&self) -> Result<(), RetireQueueError> {
        if self.len > self.capacity() || self.iter().count() != self.len {
            return Err(RetireQueueError::Full {
                capacity: self.capacity(),
            });
        }
        let mut newest_slot = 0;
        for entry in self.iter() {
            if entry.retire_after_slot < newest_slot {
                return Err(RetireQueueError::OutOfOrder {
                    retire_after_slot: entry.retire_after_slot,
                    newest_slot,
                });
            }
            newest_slot = entry.retire_after_slot;
        }
        Ok(())
    }

    /// Asserts [`Self::validate`].
    ///
    /// # Panics
    /// If the queue is out of order or over capacity (a bug in its owner).
    pub fn assert_valid(&self) {
        if let Err(error) = self.validate() {
            panic!("retire queue must be ordered and bounded: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_fifo_order_only_when_due() {
        let mut queue = RetireQueue::new(4);
        queue.push(1_u64, 10).unwrap();
        queue.push(2, 10).unwrap();
        queue.push(3, 12).unwrap();
        assert_eq!(
            queue.pop_due(10),
            None,
            "an entry counts while slot <= retire_after_slot"
        );
        assert_eq!(
            queue.pop_due(11),
            Some(RetireEntry {
                key: 1,
                retire_after_slot: 10
            })
        );
        assert_eq!(
            queue.pop_due(11),
            Some(RetireEntry {
                key: 2,
                retire_after_slot: 10
            })
        );
        assert_eq!(queue.pop_due(11), None);
        assert_eq!(
            queue.front(),
            Some(RetireEntry {
                key: 3,
                retire_after_slot: 12
            })
        );
        assert_eq!(
            queue.pop_due(u64::MAX),
            Some(RetireEntry {
                key: 3,
                retire_after_slot: 12
            })
        );
        assert!(queue.is_empty());
        assert_eq!(queue.pop_due(u64::MAX), None);
    }

    #[test]
    fn push_on_full_queue_is_rejected() {
        let mut queue = RetireQueue::new(2);
        queue.push(1_u32, 1).unwrap();
        queue.push(2, 2).unwrap();
        assert!(queue.is_full());
        assert_eq!(
            queue.push(3, 3),
            Err(RetireQueueError::Full { capacity: 2 })
        );
        assert_eq!(queue.len(), 2);
    }

    #[test]
    fn zero_capacity_queue_rejects_every_push() {
        let mut queue = RetireQueue::new(0);
        assert_eq!(
            queue.push(1_u8, 0),
            Err(RetireQueueError::Full { capacity: 0 })
        );
    }

    #[test]
    fn out_of_order_push_is_rejected() {
        let mut queue = RetireQueue::new(3);
        queue.push(1_u32, 5).unwrap();
        assert_eq!(
            queue.push(2, 4),
            Err(RetireQueueError::OutOfOrder {
                retire_after_slot: 4,
                newest_slot: 5
            })
        );
        queue.push(2, 5).unwrap();
        queue.assert_valid();
    }

    #[test]
    fn slot_max_entry_is_never_due() {
        let mut queue = RetireQueue::new(1);
        queue.push(7_u32, u64::MAX).unwrap();
        assert_eq!(queue.pop_due(u64::MAX), None);
    }

    #[test]
    fn allocation_never_grows_over_many_cycles() {
        let mut queue = RetireQueue::new(8);
        let reserved = queue.allocated_capacity();
        for slot in 0..10_000_u64 {
            if queue.is_full() {
                assert!(queue.pop_due(u64::MAX).is_some());
            }
            queue.push(slot, slot).unwrap();
            while queue.pop_due(slot.saturating_sub(3)).is_some() {}
        }
        assert_eq!(queue.allocated_capacity(), reserved);
        assert_eq!(queue.capacity(), 8);
        queue.assert_valid();
    }

    #[test]
    fn order_survives_wrapping_around_the_ring() {
        let mut queue = RetireQueue::new(3);
        for slot in 0..3_u64 {
            queue.push(slot, slot).unwrap();
        }
        assert_eq!(queue.pop_due(2).map(|entry| entry.key), Some(0));
        assert_eq!(queue.pop_due(2).map(|entry| entry.key), Some(1));
        queue.push(3, 3).unwrap();
        queue.push(4, 4).unwrap();
        let keys: Vec<u64> = queue.iter().map(|entry| entry.key).collect();
        assert_eq!(keys, [2, 3, 4]);
        assert!(queue.is_full());
        assert_eq!(
            queue.push(5, 5),
            Err(RetireQueueError::Full { capacity: 3 })
        );
        queue.assert_valid();
    }

    #[test]
    fn iter_lists_oldest_first() {
        let mut queue = RetireQueue::new(3);
        queue.push('a', 1).unwrap();
        queue.push('b', 2).unwrap();
        let keys: Vec<char> = queue.iter().map(|entry| entry.key).collect();
        assert_eq!(keys, vec!['a', 'b']);
    }

    #[test]
    fn errors_display_their_numbers() {
        assert_eq!(
            RetireQueueError::Full { capacity: 3 }.to_string(),
            "retire queue is full (3 entries)"
        );
        let text = RetireQueueError::OutOfOrder {
            retire_after_slot: 1,
            newest_slot: 2,
        }
        .to_string();
        assert!(text.contains('1') && text.contains('2'));
    }
}
