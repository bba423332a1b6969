//! The order rules a scanned WAL frame must obey before its payload may be decoded.
//!
//! A log recovered on top of a snapshot is accepted only if its frames are in order: lsns
//! strictly increase and request slots never go back, from one frame to the next; a marker
//! frame (`RecordType::Marker`, written by a checkpoint) may only be the first frame, must pair
//! with the snapshot, and carries no payload; a frame at or below the applied lsn is already in
//! the recovered state and is skipped; the first frame above it must directly follow it (no
//! lsn gap) at a slot not below the applied slot.
//!
//! [`FrameOrder`] checks those rules frame by frame, in scan order, and says what to do with
//! each frame ([`FrameStep`]) or why the log is refused ([`FrameOrderError`], with the frame's
//! offset and its raw `u64` lsn and slot). It never reads a payload beyond its length, never
//! decodes, and never touches a file: the engine owns decoding, applying, and its own error
//! surface (it maps each [`OrderRule`] into its own error variants).
//!
//! The marker pairing rule. A checkpoint writes the snapshot first and then rewrites the log
//! as one marker at the snapshot's position. A marker at the snapshot's lsn must carry the
//! snapshot's slot. A marker below the snapshot's lsn (at a slot not above the snapshot's) is
//! the crash window between a later checkpoint's snapshot write and its log rewrite: the
//! snapshot covers everything the marker stood for, and the frames after the marker up to the
//! snapshot's lsn are skipped. A marker above the snapshot, or one without a snapshot, means
//! history before the marker is gone.

use std::fmt;

use crate::wal::{Frame, RecordType};

/// A point in a log: an lsn and the request slot of the frame that carried it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The lsn (0 before the first frame).
    pub lsn: u64,
    /// The request slot (0 before the first frame).
    pub slot: u64,
}

/// What the caller does with a frame that obeys the order rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameStep {
    /// The frame is at or below the applied lsn: the recovered state already holds it.
    Skip,
    /// The first frame is a marker that pairs with the snapshot: nothing to apply.
    Marker,
    /// The frame directly follows the applied position: decode and apply it next.
    Apply,
}

/// Why a log's frames are out of order: the offending frame (its offset in the scanned buffer
/// and its raw header lsn and slot) and the rule it broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameOrderError {
    /// The frame's offset.
    pub offset: u64,
    /// The frame's lsn.
    pub lsn: u64,
    /// The frame's request slot.
    pub slot: u64,
    /// The rule the frame broke, with the bound it was checked against.
    pub rule: OrderRule,
}

/// The order rules (module doc), each with the bound a frame was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderRule {
    /// The lsn is not above the previous frame's.
    NonMonotonicLsn {
        /// The previous frame's lsn.
        previous_lsn: u64,
    },
    /// The slot is below the previous frame's or, for a frame to apply, the applied slot.
    SlotRegression {
        /// The slot the frame must not be below.
        previous_slot: u64,
    },
    /// A marker after the first frame.
    UnexpectedMarker,
    /// The log starts with a marker but there is no snapshot.
    MarkerWithoutSnapshot,
    /// The marker does not pair with the snapshot at `snapshot_lsn`.
    MarkerMismatch {
        /// The snapshot's lsn.
        snapshot_lsn: u64,
    },
    /// A marker carries `payload_bytes` of payload (a marker carries none).
    MarkerPayload {
        /// The payload's length.
        payload_bytes: usize,
    },
    /// The first frame above the applied lsn is not `expected_lsn` (the applied lsn plus one).
    LsnGap {
        /// The applied lsn plus one.
        expected_lsn: u64,
    },
}

impl fmt::Display for FrameOrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            offset,
            lsn,
            slot,
            rule,
        } = *self;
        write!(f, "frame at offset {offset} (lsn {lsn}, slot {slot}): ")?;
        match rule {
            OrderRule::NonMonotonicLsn { previous_lsn } => {
                write!(f, "lsn does not follow {previous_lsn}")
            }
            OrderRule::SlotRegression { previous_slot } => {
                write!(f, "slot is below {previous_slot}")
            }
            OrderRule::UnexpectedMarker => write!(f, "marker after the first frame"),
            OrderRule::MarkerWithoutSnapshot => write!(f, "marker without a snapshot"),
            OrderRule::MarkerMismatch { snapshot_lsn } => {
                write!(
                    f,
                    "marker does not pair with the snapshot at lsn {snapshot_lsn}"
                )
            }
            OrderRule::MarkerPayload { payload_bytes } => {
                write!(f, "marker carries {payload_bytes} payload bytes")
            }
            OrderRule::LsnGap { expected_lsn } => write!(f, "expected lsn {expected_lsn}"),
        }
    }
}

impl std::error::Error for FrameOrderError {}

/// Checks the frames of one log, in scan order, against the order rules (module doc).
///
/// Built once per scan from the snapshot's position; [`FrameOrder::check`] is called for every
/// frame the scan yields, skipped ones included. After an error the log is refused: the caller
/// stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameOrder {
    snapshot: Option<Position>,
    previous: Option<Position>,
}

impl FrameOrder {
    /// Starts a scan on top of `snapshot` (the loaded snapshot's lsn and slot), or on an empty
    /// state (`None`).
    #[must_use]
    pub fn new(snapshot: Option<Position>) -> Self {
        Self {
            snapshot,
            previous: None,
        }
    }

    /// Checks the next scanned frame against the previous frames and against `applied`, the
    /// position of the recovered state before this frame (the snapshot's, then the last
    /// applied frame's).
    ///
    /// # Errors
    /// [`FrameOrderError`]: the first rule the frame breaks, in this order: lsn order and slot
    /// order against the previous frame; for a marker, first frame, snapshot present, pairing,
    /// empty payload; for any other frame above `applied.lsn`, no lsn gap and no slot below
    /// `applied.slot`.
    ///
    /// # Panics
    /// If `applied.lsn` is below the snapshot's lsn: the caller's state must start at the
    /// snapshot and only move forward (a bug, never a property of the log).
    #[inline]
    pub fn check(
        &mut self,
        frame: &Frame<'_>,
        applied: Position,
    ) -> Result<FrameStep, FrameOrderError> {
        // The caller's state starts at the snapshot and only moves forward.
        assert!(
            self.snapshot
                .is_none_or(|snapshot| applied.lsn >= snapshot.lsn),
            "the applied position must not be below the snapshot"
        );
        let broken = |rule| FrameOrderError {
            offset: frame.offset,
            lsn: frame.lsn,
            slot: frame.request_slot,
            rule,
        };
        let first = self.previous.is_none();
        self.check_sequence(frame).map_err(broken)?;
        self.previous = Some(Position {
            lsn: frame.lsn,
            slot: frame.request_slot,
        });
        if frame.record_type == RecordType::Marker {
            return self.check_marker(frame, first).map_err(broken);
        }
        if frame.lsn <= applied.lsn {
            return Ok(FrameStep::Skip);
        }
        // No overflow: `applied.lsn < frame.lsn <= u64::MAX`.
        let expected_lsn = applied.lsn + 1;
        if frame.lsn != expected_lsn {
            return Err(broken(OrderRule::LsnGap { expected_lsn }));
        }
        if frame.request_slot < applied.slot {
            let previous_slot = applied.slot;
            return Err(broken(OrderRule::SlotRegression { previous_slot }));
        }
        Ok(FrameStep::Apply)
    }

    /// Strictly increasing lsns and non-decreasing slots from the previous frame.
    #[inline]
    fn check_sequence(&self, frame: &Frame<'_>) -> Result<(), OrderRule> {
        let Some(previous) = self.previous else {
            return Ok(());
        };
        if frame.lsn <= previous.lsn {
            let previous_lsn = previous.lsn;
            return Err(OrderRule::NonMonotonicLsn { previous_lsn });
        }
        if frame.request_slot < previous.slot {
            let previous_slot = previous.slot;
            return Err(OrderRule::SlotRegression { previous_slot });
        }
        Ok(())
    }

    /// A marker: only as the first frame, paired with the snapshot, without a payload.
    fn check_marker(&self, frame: &Frame<'_>, first: bool) -> Result<FrameStep, OrderRule> {
        if !first {
            return Err(OrderRule::UnexpectedMarker);
        }
        let Some(snapshot) = self.snapshot else {
            return Err(OrderRule::MarkerWithoutSnapshot);
        };
        let paired = if frame.lsn == snapshot.lsn {
            frame.request_slot == snapshot.slot
        } else {
            frame.lsn < snapshot.lsn && frame.request_slot <= snapshot.slot
        };
        if !paired {
            let snapshot_lsn = snapshot.lsn;
            return Err(OrderRule::MarkerMismatch { snapshot_lsn });
        }
        if !frame.payload.is_empty() {
            let payload_bytes = frame.payload.len();
            return Err(OrderRule::MarkerPayload { payload_bytes });
        }
        Ok(FrameStep::Marker)
    }
}

#[cfg(test)]
#[path = "frame_order_tests.rs"]
mod tests;
