//! A fixed-capacity hash table keyed by 128-bit (or narrower) integer ids.
//!
//! Entries live densely in two arrays (keys and values, positions `0..len`); an index of
//! `u32` positions, open addressing with linear probing over a power-of-two slot array at
//! most half full, finds them by a fixed deterministic hash (no per-process random seed).
//! Deletion shifts later index entries back (no tombstones, so probe lengths do not degrade
//! over a long run) and moves the last entry into the hole (so entries stay dense). `get`,
//! `insert` and `remove` are O(1) expected and never scan the table. All memory is reserved by
//! [`FixedMap::new`]; inserting into a full map returns [`FixedMapError::Full`].
//! Dense, so that the memory a command touches does not grow with the configured capacity
//! (records in hashed slots would spread a few live ones over every page of a large table).
//!
//! The order of [`FixedMap::iter_unordered`] depends on insertion and removal history. It must
//! never leak into results, snapshots or dumps: callers sort by key whenever they list records.

use std::fmt;

/// A key the map can hash: a fixed-width integer id.
pub trait FixedKey: Copy + Eq {
    /// The key's bits, widened to `u128`.
    fn key_bits(self) -> u128;
}

impl FixedKey for u128 {
    fn key_bits(self) -> u128 {
        self
    }
}

impl FixedKey for u64 {
    fn key_bits(self) -> u128 {
        u128::from(self)
    }
}

/// Why an insert was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixedMapError {
    /// The map already holds `capacity` entries.
    Full {
        /// The map's fixed capacity.
        capacity: usize,
    },
    /// The key is already present (use `get_mut` to update).
    DuplicateKey,
}

impl fmt::Display for FixedMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full { capacity } => write!(f, "table is full ({capacity} entries)"),
            Self::DuplicateKey => write!(f, "key is already present"),
        }
    }
}

impl std::error::Error for FixedMapError {}

/// Fixed-capacity map from integer ids to values.
#[derive(Clone, Debug)]
pub struct FixedMap<K, V> {
    /// `EMPTY` or the position of an entry in `keys`/`values`.
    index: Vec<u32>,
    keys: Vec<K>,
    values: Vec<V>,
    mask: usize,
    capacity: usize,
}

/// An index slot that holds no entry.
const EMPTY: u32 = u32::MAX;

/// A fixed 64-bit mix of the key (splitmix64 finalizer over both halves). Deterministic across
/// runs and platforms.
fn hash_bits(bits: u128) -> u64 {
    // Truncations are intended: the two halves of the key are mixed separately.
    #[allow(clippy::cast_possible_truncation)]
    let (low, high) = (bits as u64, (bits >> 64) as u64);
    let mut x = low ^ high.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(31);
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// An entry position as stored in the index (`capacity < u32::MAX` is checked in `new`).
fn position_slot(position: usize) -> u32 {
    u32::try_from(position).expect("an entry position must fit the index")
}

impl<K: FixedKey, V> FixedMap<K, V> {
    /// Creates an empty map that holds at most `capacity` entries, reserving all memory now.
    ///
    /// # Panics
    /// If the slot array size overflows `usize` or `capacity` does not fit a `u32` position
    /// (configurations that `Config::validate` must reject: capacities are `u32`).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity < EMPTY as usize,
            "fixed map capacity must fit a u32 position"
        );
        let slot_count = capacity
            .checked_mul(2)
            .and_then(usize::checked_next_power_of_two)
            .expect("fixed map capacity must fit twice in usize")
            .max(2);
        Self {
            index: vec![EMPTY; slot_count],
            keys: Vec::with_capacity(capacity),
            values: Vec::with_capacity(capacity),
            mask: slot_count - 1,
            capacity,
        }
    }

    /// The configured maximum number of entries.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of index and entry slots reserved (for boundedness checks: never changes).
    #[must_use]
    pub fn allocated_slots(&self) -> usize {
        // The entry vectors count too: they are reserved at `capacity` and must never grow.
        self.index.capacity() + self.keys.capacity() + self.values.capacity()
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the map holds no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether the next insert of a new key would be refused with [`FixedMapError::Full`].
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.keys.len() >= self.capacity
    }

    fn home(&self, key: K) -> usize {
        // Only the low bits survive the mask, so truncating to usize is intended.
        #[allow(clippy::cast_possible_truncation)]
        let hash = hash_bits(key.key_bits()) as usize;
        hash & self.mask
    }

    /// The index slot holding `key` (`Ok`), or the empty slot that ends its probe (`Err`).
    fn probe(&self, key: K) -> Result<usize, usize> {
        let mut slot = self.home(key);
        // The index is at most half full, so an empty slot ends every probe.
        loop {
            match self.index[slot] {
                EMPTY => return Err(slot),
                position if self.keys[position as usize] == key => return Ok(slot),
                _ => slot = (slot + 1) & self.mask,
            }
        }
    }

    /// The entry position of `key`, if present.
    fn find(&self, key: K) -> Option<usize> {
        self.probe(key).ok().map(|slot| self.index[slot] as usize)
    }

    /// Whether `key` is present. O(1) expected; never scans the table.
    #[must_use]
    pub fn contains_key(&self, key: K) -> bool {
        self.find(key).is_some()
    }

    /// The value of `key`, if present.
    #[must_use]
    pub fn get(&self, key: K) -> Option<&V> {
        self.find(key).map(|position| &self.values[position])
    }

    /// The value of `key` for in-place update, if present.
    pub fn get_mut(&mut self, key: K) -> Option<&mut V> {
        self.find(key).map(|position| &mut self.values[position])
    }

    /// Inserts a new key.
    ///
    /// # Errors
    /// [`FixedMapError::DuplicateKey`] if `key` is present (checked first),
    /// [`FixedMapError::Full`] if the map holds `capacity` entries.
    pub fn insert(&mut self, key: K, value: V) -> Result<(), FixedMapError> {
        let Err(slot) = self.probe(key) else {
            return Err(FixedMapError::DuplicateKey);
        };
        if self.is_full() {
            return Err(FixedMapError::Full {
                capacity: self.capacity,
            });
        }
        self.index[slot] = position_slot(self.keys.len());
        // Within the capacity reserved by `new`: these pushes never reallocate.
        self.keys.push(key);
        self.values.push(value);
        Ok(())
    }

    /// Removes `key`, returning its value. Later index entries of the probe run shift back
    /// into the hole, so lookups never need tombstones; the last entry moves into the freed
    /// position, so entries stay dense.
    ///
    /// # Panics
    /// Never in practice: every stored entry is indexed (`validate` checks it).
    pub fn remove(&mut self, key: K) -> Option<V> {
        let slot = self.probe(key).ok()?;
        let position = self.index[slot] as usize;
        self.unlink(slot);
        let last = self.keys.len() - 1;
        if position != last {
            let moved = self
                .probe(self.keys[last])
                .expect("the last entry must be indexed");
            self.index[moved] = position_slot(position);
        }
        self.keys.swap_remove(position);
        Some(self.values.swap_remove(position))
    }

    /// Empties index slot `hole`, shifting later entries of its probe run back.
    fn unlink(&mut self, mut hole: usize) {
        self.index[hole] = EMPTY;
        let mut slot = (hole + 1) & self.mask;
        while self.index[slot] != EMPTY {
            let stored_home = self.home(self.keys[self.index[slot] as usize]);
            // The entry may move back into the hole unless its home lies cyclically in
            // (hole, slot]: then the hole is before its home and it would become unreachable.
            let distance_to_slot = slot.wrapping_sub(stored_home) & self.mask;
            let distance_to_hole = slot.wrapping_sub(hole) & self.mask;
            if distance_to_slot >= distance_to_hole {
                self.index[hole] = self.index[slot];
                self.index[slot] = EMPTY;
                hole = slot;
            }
            slot = (slot + 1) & self.mask;
        }
    }

    /// Removes every entry; capacity stays reserved.
    pub fn clear(&mut self) {
        self.index.fill(EMPTY);
        self.keys.clear();
        self.values.clear();
    }

    /// Entries in storage order. The order is an artifact of insertion and removal history:
    /// sort before it can reach any output.
    pub fn iter_unordered(&self) -> impl Iterator<Item = (K, &V)> + '_ {
        self.keys.iter().copied().zip(&self.values)
    }

    /// Checks that the index and the entries agree (each entry indexed once, reachable from
    /// its home slot), and that the map is within capacity.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn validate(&self) -> Result<(), String> {
        let len = self.keys.len();
        if self.values.len() != len {
            return Err(format!("{len} keys but {} values", self.values.len()));
        }
        if len > self.capacity {
            return Err(format!("len {len} above capacity {}", self.capacity));
        }
        let indexed = self.index.iter().filter(|&&slot| slot != EMPTY).count();
        if indexed != len {
            return Err(format!("len {len} but {indexed} occupied slots"));
        }
        if let Some(slot) = self
            .index
            .iter()
            .position(|&p| p != EMPTY && p as usize >= len)
        {
            return Err(format!("slot {slot} points past the {len} entries"));
        }
        for (position, key) in self.keys.iter().enumerate() {
            if self.find(*key) != Some(position) {
                return Err(format!(
                    "key at position {position} is unreachable or duplicated"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "fixed_map_tests.rs"]
mod tests;
