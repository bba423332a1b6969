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
fn entries_stay_dense_through_removals() {
    let mut map: FixedMap<u64, u64> = FixedMap::new(8);
    for key in 0..8 {
        map.insert(key, key * 10).unwrap();
    }
    for key in [0, 5, 7, 2] {
        assert_eq!(map.remove(key), Some(key * 10));
        map.validate().unwrap();
    }
    let mut listed: Vec<(u64, u64)> = map.iter_unordered().map(|(k, v)| (k, *v)).collect();
    listed.sort_unstable();
    assert_eq!(listed, vec![(1, 10), (3, 30), (4, 40), (6, 60)]);
    for key in [1, 3, 4, 6] {
        assert_eq!(map.get(key), Some(&(key * 10)));
    }
    map.insert(9, 90).unwrap();
    assert_eq!(map.get(9), Some(&90));
    map.validate().unwrap();
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

#[test]
fn the_hash_is_pinned() {
    // The hash decides probe order and `iter_unordered` order, so it is part of determinism:
    // these values must never change across versions or platforms (splitmix64 finalizer over
    // both halves of the key).
    for (key, hash) in [
        (0_u128, 0x0000_0000_0000_0000_u64),
        (1, 0x5692_161D_100B_05E5),
        (2, 0xDBD2_3897_3A2B_148A),
        (0xFFFF_FFFF_FFFF_FFFF, 0xB4D0_55FC_F2CB_BD7B),
        (1 << 64, 0xC78F_7EB8_3464_1ED5),
        (u128::MAX, 0xEE00_6E63_6599_B00D),
    ] {
        assert_eq!(hash_bits(key), hash, "key {key:#x}");
    }
    assert_eq!(7_u64.key_bits(), 7);
    assert_eq!(u64::MAX.key_bits(), u128::from(u64::MAX));
    assert_eq!(u128::MAX.key_bits(), u128::MAX);
    assert_eq!(((1_u128 << 100) + 3).key_bits(), (1 << 100) + 3);
}

#[test]
fn sequential_keys_spread_over_the_index() {
    // O(1) expected probes: 1,024 sequential ids in a table of 1,024 (index of 2,048 slots)
    // never sit far from their home slot. A hash that sends every key home to one slot would
    // put the last key 1,023 slots away.
    let mut map: FixedMap<u64, ()> = FixedMap::new(1024);
    for key in 0..1024 {
        map.insert(key, ()).unwrap();
    }
    let farthest = (0..1024_u64)
        .map(|key| {
            let slot = map.probe(key).expect("every key is present");
            slot.wrapping_sub(map.home(key)) & map.mask
        })
        .max()
        .unwrap();
    assert!(farthest < 32, "a key sits {farthest} slots from its home");
}

#[test]
fn allocation_is_the_index_plus_the_entries() {
    // capacity 8: an index of 16 slots (a power of two at most half full) and 8 keys and values.
    let mut map: FixedMap<u64, u32> = FixedMap::new(8);
    assert_eq!(map.allocated_slots(), 16 + 8 + 8);
    for key in 0..8 {
        map.insert(key, 0).unwrap();
    }
    assert_eq!(map.allocated_slots(), 32, "full, nothing grew");
}

#[test]
fn emptiness_and_membership_follow_the_entries() {
    let mut map: FixedMap<u64, u32> = FixedMap::new(2);
    assert!(map.is_empty() && !map.contains_key(5));
    map.insert(5, 50).unwrap();
    assert!(!map.is_empty() && map.contains_key(5) && !map.contains_key(6));
}

#[test]
fn validate_names_each_broken_invariant() {
    let filled = || {
        let mut map: FixedMap<u64, u32> = FixedMap::new(4);
        for key in [1, 2, 3] {
            map.insert(key, 0).unwrap();
        }
        map
    };
    filled().validate().unwrap();
    let mut extra_value = filled();
    extra_value.values.push(9);
    assert!(extra_value.validate().unwrap_err().contains("values"));
    let mut lost_slot = filled();
    let slot = lost_slot.probe(2).unwrap();
    lost_slot.index[slot] = EMPTY;
    assert!(lost_slot.validate().unwrap_err().contains("occupied slots"));
    let mut past_end = filled();
    let slot = past_end.probe(3).unwrap();
    past_end.index[slot] = 7;
    assert!(past_end.validate().unwrap_err().contains("points past"));
    let mut swapped = filled();
    swapped.keys.swap(0, 1);
    assert!(swapped.validate().unwrap_err().contains("unreachable"));
}
