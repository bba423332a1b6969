//! A fixed-capacity hash table keyed by 128-bit (or narrower) integer ids.
//!
//! Open addressing with linear probing over a power-of-two slot array at most half full, a
//! fixed deterministic hash (no per-process random seed), and backward-shift deletion (no
//! tombstones, so probe lengths do not degrade over a long run). `get`, `insert` and `remove`
//! are O(1) expected and never scan the table. All memory is reserved by [`FixedMap::new`];
//! inserting into a full map returns [`FixedMapError::Full`].
//!
//! The slot order of [`FixedMap::iter_unordered`] depends on the hash and on insertion
//! history. It must never leak into results, snapshots or dumps: callers sort by key whenever
//! they list records.

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
    Full { capacity: usize },
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
    slots: Vec<Option<(K, V)>>,
    mask: usize,
    len: usize,
    capacity: usize,
}

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

impl<K: FixedKey, V> FixedMap<K, V> {
    /// Creates an empty map that holds at most `capacity` entries, reserving all slots now.
    ///
    /// # Panics
    /// If the slot array size overflows `usize` (a configuration that `Config::validate`
    /// must reject).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        let slot_count = capacity
            .checked_mul(2)
            .and_then(usize::checked_next_power_of_two)
            .expect("fixed map capacity must fit twice in usize")
            .max(2);
        let mut slots = Vec::with_capacity(slot_count);
        slots.resize_with(slot_count, || None);
        Self {
            slots,
            mask: slot_count - 1,
            len: 0,
            capacity,
        }
    }

    /// The configured maximum number of entries.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of slots reserved (for boundedness checks: never changes).
    #[must_use]
    pub fn allocated_slots(&self) -> usize {
        self.slots.capacity()
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
        self.len >= self.capacity
    }

    fn home(&self, key: K) -> usize {
        // Only the low bits survive the mask, so truncating to usize is intended.
        #[allow(clippy::cast_possible_truncation)]
        let hash = hash_bits(key.key_bits()) as usize;
        hash & self.mask
    }

    /// The slot index holding `key`, if present.
    fn find(&self, key: K) -> Option<usize> {
        let mut index = self.home(key);
        // The array is at most half full, so an empty slot ends every probe.
        loop {
            match &self.slots[index] {
                None => return None,
                Some((stored, _)) if *stored == key => return Some(index),
                Some(_) => index = (index + 1) & self.mask,
            }
        }
    }

    #[must_use]
    pub fn contains_key(&self, key: K) -> bool {
        self.find(key).is_some()
    }

    #[must_use]
    pub fn get(&self, key: K) -> Option<&V> {
        let index = self.find(key)?;
        self.slots[index].as_ref().map(|(_, value)| value)
    }

    pub fn get_mut(&mut self, key: K) -> Option<&mut V> {
        let index = self.find(key)?;
        self.slots[index].as_mut().map(|(_, value)| value)
    }

    /// Inserts a new key.
    ///
    /// # Errors
    /// [`FixedMapError::DuplicateKey`] if `key` is present (checked first),
    /// [`FixedMapError::Full`] if the map holds `capacity` entries.
    pub fn insert(&mut self, key: K, value: V) -> Result<(), FixedMapError> {
        let mut index = self.home(key);
        loop {
            match &self.slots[index] {
                None => break,
                Some((stored, _)) if *stored == key => return Err(FixedMapError::DuplicateKey),
                Some(_) => index = (index + 1) & self.mask,
            }
        }
        if self.is_full() {
            return Err(FixedMapError::Full {
                capacity: self.capacity,
            });
        }
        self.slots[index] = Some((key, value));
        self.len += 1;
        Ok(())
    }

    /// Removes `key`, returning its value. Later entries of the probe run shift back into the
    /// hole, so lookups never need tombstones.
    ///
    /// # Panics
    /// Never in practice: the slot `find` returned must be occupied.
    pub fn remove(&mut self, key: K) -> Option<V> {
        let mut hole = self.find(key)?;
        let (_, value) = self.slots[hole]
            .take()
            .expect("found slot must be occupied");
        self.len -= 1;
        let mut index = (hole + 1) & self.mask;
        while let Some((stored, _)) = &self.slots[index] {
            let stored_home = self.home(*stored);
            // The entry may move back into the hole unless its home lies cyclically in
            // (hole, index]: then the hole is before its home and it would become unreachable.
            let distance_to_index = index.wrapping_sub(stored_home) & self.mask;
            let distance_to_hole = index.wrapping_sub(hole) & self.mask;
            if distance_to_index >= distance_to_hole {
                self.slots[hole] = self.slots[index].take();
                hole = index;
            }
            index = (index + 1) & self.mask;
        }
        Some(value)
    }

    /// Removes every entry; capacity stays reserved.
    pub fn clear(&mut self) {
        for slot in &mut self.slots {
            *slot = None;
        }
        self.len = 0;
    }

    /// Entries in slot order. The order is an artifact of hashing: sort before it can reach
    /// any output.
    pub fn iter_unordered(&self) -> impl Iterator<Item = (K, &V)> + '_ {
        self.slots
            .iter()
            .filter_map(|slot| slot.as_ref().map(|(key, value)| (*key, value)))
    }

    /// Checks that the count matches, the map is within capacity, and every key is reachable
    /// from its home slot.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn validate(&self) -> Result<(), String> {
        let occupied = self.slots.iter().filter(|slot| slot.is_some()).count();
        if occupied != self.len {
            return Err(format!("len {} but {occupied} occupied slots", self.len));
        }
        if self.len > self.capacity {
            return Err(format!("len {} above capacity {}", self.len, self.capacity));
        }
        for (index, slot) in self.slots.iter().enumerate() {
            if let Some((key, _)) = slot
                && self.find(*key) != Some(index)
            {
                return Err(format!("key in slot {index} is unreachable or duplicated"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn insert_get_remove_round_trip() {
        let mut map: FixedMap<u128, u32> = FixedMap::new(4);
        assert!(map.is_empty());
        map.insert(7, 70).unwrap();
        map.insert(u128::MAX, 1).unwrap();
        assert_eq!(map.get(7), Some(&70));
        assert_eq!(map.get(8), None);
        *map.get_mut(7).unwrap() += 1;
        assert_eq!(map.remove(7), Some(71));
        assert_eq!(map.remove(7), None);
        assert_eq!(map.len(), 1);
        assert!(map.contains_key(u128::MAX));
        map.validate().unwrap();
    }

    #[test]
    fn insert_into_full_map_is_rejected() {
        let mut map: FixedMap<u64, ()> = FixedMap::new(3);
        for key in 0..3 {
            map.insert(key, ()).unwrap();
        }
        assert!(map.is_full());
        assert_eq!(map.insert(3, ()), Err(FixedMapError::Full { capacity: 3 }));
        assert_eq!(map.insert(1, ()), Err(FixedMapError::DuplicateKey));
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn zero_capacity_map_is_always_full() {
        let mut map: FixedMap<u64, ()> = FixedMap::new(0);
        assert_eq!(map.insert(1, ()), Err(FixedMapError::Full { capacity: 0 }));
        assert_eq!(map.get(1), None);
    }

    #[test]
    fn duplicate_key_is_rejected() {
        let mut map: FixedMap<u128, u8> = FixedMap::new(2);
        map.insert(5, 1).unwrap();
        assert_eq!(map.insert(5, 2), Err(FixedMapError::DuplicateKey));
        assert_eq!(map.get(5), Some(&1));
    }

    #[test]
    fn hash_is_fixed_across_runs() {
        // Pinned values: a change here changes iteration order and probe lengths everywhere.
        assert_eq!(hash_bits(0), 0);
        assert_eq!(hash_bits(1), hash_bits(1));
        assert_ne!(hash_bits(1), hash_bits(1 << 64));
        assert_eq!(hash_bits(1), 0x5692_161D_100B_05E5);
    }

    #[test]
    fn allocation_is_fixed_through_churn() {
        let mut map: FixedMap<u128, u64> = FixedMap::new(64);
        let reserved = map.allocated_slots();
        for round in 0..5_000_u64 {
            let key = (u128::from(round) << 64) | u128::from(round % 97);
            if map.is_full() {
                let oldest = u128::from(round - 64) << 64 | u128::from((round - 64) % 97);
                assert_eq!(map.remove(oldest), Some(round - 64));
            }
            map.insert(key, round).unwrap();
        }
        assert_eq!(map.allocated_slots(), reserved);
        assert_eq!(map.capacity(), 64);
        map.validate().unwrap();
        map.clear();
        assert!(map.is_empty());
        assert_eq!(map.allocated_slots(), reserved);
    }

    #[test]
    fn error_messages_name_the_problem() {
        assert_eq!(
            FixedMapError::Full { capacity: 2 }.to_string(),
            "table is full (2 entries)"
        );
        assert_eq!(
            FixedMapError::DuplicateKey.to_string(),
            "key is already present"
        );
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u8),
        Remove(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u8>().prop_map(Op::Insert),
            any::<u8>().prop_map(Op::Remove)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn behaves_like_a_bounded_vec_model(ops in proptest::collection::vec(op(), 0..300)) {
            let mut map: FixedMap<u128, u8> = FixedMap::new(16);
            let mut model: Vec<(u128, u8)> = Vec::new();
            for op in ops {
                match op {
                    Op::Insert(k) => {
                        // Spread small keys over both halves so the hash mixes both.
                        let key = u128::from(k % 40) << (64 * u32::from(k % 2));
                        let expected = if model.iter().any(|(m, _)| *m == key) {
                            Err(FixedMapError::DuplicateKey)
                        } else if model.len() >= 16 {
                            Err(FixedMapError::Full { capacity: 16 })
                        } else {
                            model.push((key, k));
                            Ok(())
                        };
                        prop_assert_eq!(map.insert(key, k), expected);
                    }
                    Op::Remove(k) => {
                        let key = u128::from(k % 40) << (64 * u32::from(k % 2));
                        let expected = model.iter().position(|(m, _)| *m == key)
                            .map(|i| model.remove(i).1);
                        prop_assert_eq!(map.remove(key), expected);
                    }
                }
                prop_assert_eq!(map.len(), model.len());
            }
            map.validate().unwrap();
            let mut listed: Vec<(u128, u8)> = map.iter_unordered().map(|(k, v)| (k, *v)).collect();
            listed.sort_unstable();
            model.sort_unstable();
            prop_assert_eq!(listed, model);
        }
    }
}
