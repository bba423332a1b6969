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
//!
//! Never panics on any sequence of calls: a full queue and an out-of-order push are returned
//! errors, and popping an empty queue returns `None`.

use std::fmt;

/// One queued retirement: `key` may be removed once the current slot is past
/// `retire_after_slot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetireEntry<K> {
    /// What to retire; the queue never interprets it.
    pub key: K,
    /// The last slot at which the key must still be kept.
    pub retire_after_slot: u64,
}

/// Why a push was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetireQueueError {
    /// The queue already holds `capacity` entries.
    Full {
        /// The queue's fixed capacity.
        capacity: usize,
    },
    /// The entry's slot is below the slot of the newest queued entry; FIFO order would no
    /// longer be slot order.
    OutOfOrder {
        /// The refused entry's slot.
        retire_after_slot: u64,
        /// The slot of the newest entry already queued.
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

    /// The number of queued entries (at most [`Self::capacity`]).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no entry is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the next push would be refused with [`RetireQueueError::Full`].
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
#[path = "retire_queue_tests.rs"]
mod tests;
