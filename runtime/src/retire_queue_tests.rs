//! Unit tests of the retire queue, including a property test against a plain model.

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
fn many_cycles_reuse_the_ring_and_keep_fifo_order() {
    // Ten thousand pushes through an 8-entry ring: it stays the same allocation, never
    // holds more than the four entries still inside their window, and always holds exactly
    // what a plain model holds (the pushed keys not yet popped, oldest first).
    let mut queue = RetireQueue::new(8);
    let ring = queue.slots.as_ptr();
    let mut model = std::collections::VecDeque::new();
    for slot in 0..10_000_u64 {
        queue.push(slot, slot).unwrap();
        model.push_back(slot);
        let current = slot.saturating_sub(3);
        while let Some(entry) = queue.pop_due(current) {
            assert_eq!(Some(entry.key), model.pop_front());
            assert!(entry.retire_after_slot < current);
        }
        assert!(
            queue
                .iter()
                .map(|entry| entry.key)
                .eq(model.iter().copied())
        );
        assert_eq!(queue.len(), model.len());
        assert!(queue.len() <= 4, "slot {slot}: {} entries", queue.len());
    }
    assert_eq!(
        queue.slots.as_ptr(),
        ring,
        "the ring must never be reallocated"
    );
    assert_eq!(queue.allocated_capacity(), 8);
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

#[derive(Clone, Debug)]
enum Op {
    Push { key: u16, slot_step: u8 },
    PushBack { back: u8 },
    PopDue { current: u64 },
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        (any::<u16>(), 0..4_u8).prop_map(|(key, slot_step)| Op::Push { key, slot_step }),
        (1..4_u8).prop_map(|back| Op::PushBack { back }),
        (0..64_u64).prop_map(|current| Op::PopDue { current }),
    ]
}

proptest::proptest! {
    /// Any sequence of pushes (in order or not) and pops agrees with a plain bounded model.
    #[test]
    fn agrees_with_a_plain_model(
        capacity in 0..6_usize,
        ops in proptest::collection::vec(op(), 0..200),
    ) {
        let mut queue = RetireQueue::new(capacity);
        let mut model: std::collections::VecDeque<(u16, u64)> = std::collections::VecDeque::new();
        let mut newest = 0_u64;
        for op in ops {
            match op {
                Op::Push { key, slot_step } => {
                    let slot = newest + u64::from(slot_step);
                    let expected = if model.len() == capacity {
                        Err(RetireQueueError::Full { capacity })
                    } else {
                        model.push_back((key, slot));
                        newest = slot;
                        Ok(())
                    };
                    proptest::prop_assert_eq!(queue.push(key, slot), expected);
                }
                Op::PushBack { back } => {
                    let Some(&(_, last)) = model.back() else { continue };
                    let Some(slot) = last.checked_sub(u64::from(back)) else { continue };
                    proptest::prop_assert_eq!(
                        queue.push(0, slot),
                        Err(RetireQueueError::OutOfOrder { retire_after_slot: slot, newest_slot: last })
                    );
                }
                Op::PopDue { current } => {
                    let expected = match model.front() {
                        Some(&(key, slot)) if slot < current => {
                            model.pop_front();
                            Some(RetireEntry { key, retire_after_slot: slot })
                        }
                        _ => None,
                    };
                    proptest::prop_assert_eq!(queue.pop_due(current), expected);
                }
            }
            proptest::prop_assert_eq!(queue.len(), model.len());
            proptest::prop_assert!(queue.iter().map(|e| (e.key, e.retire_after_slot)).eq(model.iter().copied()));
            proptest::prop_assert!(queue.validate().is_ok());
        }
    }
}

#[test]
fn emptiness_follows_pushes_and_pops() {
    let mut queue = RetireQueue::new(2);
    assert!(queue.is_empty());
    queue.push(1_u8, 1).unwrap();
    assert!(!queue.is_empty());
    queue.pop_due(2).unwrap();
    assert!(queue.is_empty());
}

#[test]
fn validate_and_assert_valid_catch_a_broken_queue() {
    // A length past the ring (every slot still holds an entry, so counting them alone would
    // not notice) and entries out of slot order are both refused.
    let mut overfull = RetireQueue::new(2);
    overfull.push(1_u8, 1).unwrap();
    overfull.push(2, 2).unwrap();
    overfull.len = 3;
    assert_eq!(
        overfull.validate(),
        Err(RetireQueueError::Full { capacity: 2 })
    );
    let mut unordered = RetireQueue::new(2);
    unordered.push(1_u8, 5).unwrap();
    unordered.push(2, 6).unwrap();
    unordered.slots.swap(0, 1);
    assert_eq!(
        unordered.validate(),
        Err(RetireQueueError::OutOfOrder {
            retire_after_slot: 5,
            newest_slot: 6
        })
    );
    let panicked = std::panic::catch_unwind(|| unordered.assert_valid());
    assert!(
        panicked.is_err(),
        "assert_valid must panic on a broken queue"
    );
}
