use super::*;
use proptest::prelude::*;

const NO_PAYLOAD: &[u8] = &[];

/// A frame as the scanner yields it; the offset is made up (ten bytes per frame index).
fn frame(index: u64, lsn: u64, slot: u64, record_type: RecordType) -> Frame<'static> {
    Frame {
        offset: index * 10,
        lsn,
        request_slot: slot,
        record_type,
        payload: NO_PAYLOAD,
    }
}

fn data(index: u64, lsn: u64, slot: u64) -> Frame<'static> {
    frame(index, lsn, slot, RecordType::External)
}

fn marker(index: u64, lsn: u64, slot: u64) -> Frame<'static> {
    frame(index, lsn, slot, RecordType::Marker)
}

fn at(lsn: u64, slot: u64) -> Position {
    Position { lsn, slot }
}

/// Runs `frames` the way an engine does: the applied position moves to each applied frame.
fn run(
    snapshot: Option<Position>,
    frames: &[Frame<'_>],
) -> Result<Vec<FrameStep>, FrameOrderError> {
    let mut order = FrameOrder::new(snapshot);
    let mut applied = snapshot.unwrap_or(at(0, 0));
    let mut steps = Vec::new();
    for frame in frames {
        let step = order.check(frame, applied)?;
        if step == FrameStep::Apply {
            applied = at(frame.lsn, frame.request_slot);
        }
        steps.push(step);
    }
    Ok(steps)
}

#[test]
fn frames_in_order_are_applied_one_after_another() {
    let frames = [
        data(0, 1, 0),
        data(1, 2, 0),
        data(2, 3, 5),
        frame(3, 4, 5, RecordType::Internal),
    ];
    assert_eq!(run(None, &frames), Ok(vec![FrameStep::Apply; 4]));
}

#[test]
fn a_marker_at_the_snapshot_pairs_and_later_frames_apply() {
    let frames = [marker(0, 7, 3), data(1, 8, 3), data(2, 9, 4)];
    let steps = vec![FrameStep::Marker, FrameStep::Apply, FrameStep::Apply];
    assert_eq!(run(Some(at(7, 3)), &frames), Ok(steps));
}

#[test]
fn a_marker_below_the_snapshot_is_the_checkpoint_crash_window() {
    // The new snapshot (lsn 9) landed, the log rewrite did not: the old marker (lsn 5) and the
    // frames up to lsn 9 are covered by the snapshot and skipped.
    let frames = [
        marker(0, 5, 2),
        data(1, 6, 2),
        data(2, 9, 4),
        data(3, 10, 4),
    ];
    let steps = vec![
        FrameStep::Marker,
        FrameStep::Skip,
        FrameStep::Skip,
        FrameStep::Apply,
    ];
    assert_eq!(run(Some(at(9, 4)), &frames), Ok(steps));
    // The marker's slot may equal the snapshot's too.
    assert_eq!(
        run(Some(at(9, 2)), &frames[..1]),
        Ok(vec![FrameStep::Marker])
    );
}

#[test]
fn frames_at_or_below_the_applied_lsn_are_skipped_without_a_marker() {
    let frames = [data(0, 4, 1), data(1, 5, 1), data(2, 6, 1)];
    let steps = vec![FrameStep::Skip, FrameStep::Skip, FrameStep::Apply];
    assert_eq!(run(Some(at(5, 1)), &frames), Ok(steps));
}

#[test]
fn the_largest_applied_lsn_skips_everything_without_overflow() {
    let frames = [data(0, u64::MAX - 1, 0), data(1, u64::MAX, 0)];
    let steps = vec![FrameStep::Skip, FrameStep::Skip];
    assert_eq!(run(Some(at(u64::MAX, 0)), &frames), Ok(steps));
}

/// The error for the frame at `index` (offset `index * 10`) with that lsn and slot.
fn broken(index: u64, lsn: u64, slot: u64, rule: OrderRule) -> FrameOrderError {
    FrameOrderError {
        offset: index * 10,
        lsn,
        slot,
        rule,
    }
}

#[test]
fn each_broken_rule_is_its_own_error() {
    use OrderRule as R;
    let payload = [1_u8, 2, 3];
    let marker_with_payload = Frame {
        payload: &payload,
        ..marker(0, 4, 1)
    };
    #[rustfmt::skip]
    let cases: Vec<(Option<Position>, Vec<Frame<'_>>, FrameOrderError)> = vec![
        (None, vec![data(0, 1, 0), data(1, 1, 0)],
            broken(1, 1, 0, R::NonMonotonicLsn { previous_lsn: 1 })),
        (None, vec![data(0, 1, 0), data(1, 2, 0), data(2, 1, 0)],
            broken(2, 1, 0, R::NonMonotonicLsn { previous_lsn: 2 })),
        (None, vec![data(0, 1, 5), data(1, 2, 4)],
            broken(1, 2, 4, R::SlotRegression { previous_slot: 5 })),
        (Some(at(3, 8)), vec![data(0, 4, 7)],
            broken(0, 4, 7, R::SlotRegression { previous_slot: 8 })),
        (Some(at(3, 8)), vec![marker(0, 3, 8), marker(1, 4, 8)],
            broken(1, 4, 8, R::UnexpectedMarker)),
        (None, vec![data(0, 1, 0), marker(1, 2, 0)],
            broken(1, 2, 0, R::UnexpectedMarker)),
        (None, vec![marker(0, 4, 1)],
            broken(0, 4, 1, R::MarkerWithoutSnapshot)),
        (Some(at(4, 2)), vec![marker(0, 4, 1)],
            broken(0, 4, 1, R::MarkerMismatch { snapshot_lsn: 4 })),
        (Some(at(4, 2)), vec![marker(0, 5, 2)],
            broken(0, 5, 2, R::MarkerMismatch { snapshot_lsn: 4 })),
        (Some(at(4, 2)), vec![marker(0, 3, 3)],
            broken(0, 3, 3, R::MarkerMismatch { snapshot_lsn: 4 })),
        (Some(at(4, 1)), vec![marker_with_payload],
            broken(0, 4, 1, R::MarkerPayload { payload_bytes: 3 })),
        (None, vec![data(0, 2, 0)],
            broken(0, 2, 0, R::LsnGap { expected_lsn: 1 })),
        (Some(at(4, 1)), vec![marker(0, 4, 1), data(1, 6, 1)],
            broken(1, 6, 1, R::LsnGap { expected_lsn: 5 })),
    ];
    for (snapshot, frames, error) in cases {
        assert_eq!(
            run(snapshot, &frames),
            Err(error),
            "{snapshot:?} {frames:?}"
        );
    }
}

#[test]
fn the_order_check_comes_before_the_marker_rules() {
    // A late marker that also goes back in lsn is reported as the lsn regression.
    let frames = [data(0, 5, 0), marker(1, 4, 0)];
    let snapshot = Some(at(5, 0));
    let error = broken(1, 4, 0, OrderRule::NonMonotonicLsn { previous_lsn: 5 });
    assert_eq!(run(snapshot, &frames), Err(error));
}

#[test]
fn errors_display_the_frame_and_the_rule() {
    use OrderRule as R;
    #[rustfmt::skip]
    let cases = [
        (R::NonMonotonicLsn { previous_lsn: 4 }, "lsn does not follow 4"),
        (R::SlotRegression { previous_slot: 4 }, "slot is below 4"),
        (R::UnexpectedMarker, "marker after the first frame"),
        (R::MarkerWithoutSnapshot, "marker without a snapshot"),
        (R::MarkerMismatch { snapshot_lsn: 4 }, "marker does not pair with the snapshot at lsn 4"),
        (R::MarkerPayload { payload_bytes: 4 }, "marker carries 4 payload bytes"),
        (R::LsnGap { expected_lsn: 4 }, "expected lsn 4"),
    ];
    for (rule, text) in cases {
        let error = broken(1, 2, 3, rule);
        assert_eq!(
            error.to_string(),
            format!("frame at offset 10 (lsn 2, slot 3): {text}")
        );
    }
}

/// A generated frame: lsn and slot as steps from the previous frame, so that most logs are
/// nearly in order and every rule gets exercised.
#[derive(Clone, Debug)]
struct Generated {
    lsn_step: u64,
    slot_back: bool,
    slot_step: u64,
    is_marker: bool,
    payload_bytes: usize,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        0..3_u64,
        prop::bool::weighted(0.1),
        0..3_u64,
        prop::bool::weighted(0.15),
        0..2_usize,
    )
        .prop_map(
            |(lsn_step, slot_back, slot_step, is_marker, payload_bytes)| Generated {
                lsn_step,
                slot_back,
                slot_step,
                is_marker,
                payload_bytes: if is_marker { payload_bytes } else { 0 },
            },
        )
}

/// Builds the log the generated steps describe, starting at `(lsn, slot)`.
fn log_of<'a>(start: (u64, u64), steps: &[Generated], payload: &'a [u8]) -> Vec<Frame<'a>> {
    let (mut lsn, mut slot) = start;
    let mut frames = Vec::new();
    for (index, step) in (0_u64..).zip(steps) {
        lsn += step.lsn_step;
        slot = if step.slot_back {
            slot.saturating_sub(1)
        } else {
            slot + step.slot_step
        };
        let record_type = if step.is_marker {
            RecordType::Marker
        } else {
            RecordType::External
        };
        frames.push(Frame {
            payload: &payload[..step.payload_bytes],
            ..frame(index, lsn, slot, record_type)
        });
    }
    frames
}

/// A marker pairs with `snapshot` as the module doc states it.
fn pairs(frame: &Frame<'_>, snapshot: Position) -> bool {
    let same = frame.lsn == snapshot.lsn && frame.request_slot == snapshot.slot;
    let crash_window = frame.lsn < snapshot.lsn && frame.request_slot <= snapshot.slot;
    same || crash_window
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the log, the frames accepted before the first error obey the rules as stated
    /// in the module doc, and the refused frame is named by its offset.
    #[test]
    fn accepted_frames_obey_the_rules_and_refusals_name_the_frame(
        snapshot in prop::option::of((0..6_u64, 0..6_u64)),
        start in (0..8_u64, 0..8_u64),
        steps in prop::collection::vec(generated(), 0..16),
    ) {
        let snapshot = snapshot.map(|(lsn, slot)| at(lsn, slot));
        let payload = [0_u8; 1];
        let frames = log_of(start, &steps, &payload);
        let base = snapshot.unwrap_or(at(0, 0));
        let mut order = FrameOrder::new(snapshot);
        let mut applied = base;
        for (index, frame) in frames.iter().enumerate() {
            let previous = index.checked_sub(1).map(|i| &frames[i]);
            let in_sequence = previous
                .is_none_or(|p| frame.lsn > p.lsn && frame.request_slot >= p.request_slot);
            let is_marker = frame.record_type == RecordType::Marker;
            match order.check(frame, applied) {
                Ok(FrameStep::Marker) => {
                    let snapshot = snapshot.expect("a marker pairs with a snapshot");
                    prop_assert!(index == 0 && frame.payload.is_empty());
                    prop_assert!(pairs(frame, snapshot));
                }
                Ok(FrameStep::Skip) => {
                    prop_assert!(in_sequence && !is_marker);
                    prop_assert!(frame.lsn <= base.lsn, "only the snapshot's frames are skipped");
                }
                Ok(FrameStep::Apply) => {
                    prop_assert!(in_sequence && !is_marker);
                    prop_assert_eq!(frame.lsn, applied.lsn + 1);
                    prop_assert!(frame.request_slot >= applied.slot);
                    applied = at(frame.lsn, frame.request_slot);
                }
                Err(error) => {
                    prop_assert_eq!(
                        (error.offset, error.lsn, error.slot),
                        (frame.offset, frame.lsn, frame.request_slot)
                    );
                    // The sequence rules are checked first: a frame out of sequence is refused
                    // for that; a frame in sequence is never an lsn regression.
                    let regression = matches!(error.rule, OrderRule::NonMonotonicLsn { .. });
                    let slot_back = matches!(error.rule, OrderRule::SlotRegression { .. });
                    if in_sequence {
                        prop_assert!(!regression, "{error:?}");
                    } else {
                        prop_assert!(regression || slot_back, "{error:?}");
                    }
                    break;
                }
            }
        }
    }
}
