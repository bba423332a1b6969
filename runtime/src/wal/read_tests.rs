#![allow(clippy::cast_possible_truncation)] // test data is built from small counters
//! The zero-fill rule: zero bytes only, from a frame boundary to the end, are a torn tail;
//! anything else stays what it was.
use super::*;
use crate::wal::{CorruptionReason, HEADER_LEN, Magic, RecordType, encode_frame};

const MAGIC: Magic = Magic::new(*b"TEST");
const MAX: u32 = 1024;

fn log_of(count: u64) -> Vec<u8> {
    let mut buf = Vec::new();
    for lsn in 1..=count {
        let payload: Vec<u8> = (0..lsn % 7).map(|i| ((i * 31 + lsn) % 256) as u8).collect();
        encode_frame(
            &mut buf,
            MAGIC,
            lsn,
            lsn * 2,
            RecordType::External,
            &payload,
        );
    }
    buf
}

fn stop_of(bytes: &[u8]) -> ScanStopReason {
    scan(bytes, MAGIC, MAX).stop
}

#[test]
fn zeros_from_a_frame_boundary_to_the_end_are_a_zero_filled_tail() {
    let log = log_of(4);
    let len = log.len() as u64;
    for zeros in 1..=3 * (HEADER_LEN + 8) {
        let mut filled = log.clone();
        filled.resize(log.len() + zeros, 0);
        let scan = scan(&filled, MAGIC, MAX);
        assert_eq!(scan.frames.len(), 4, "{zeros} zeros");
        assert_eq!(
            scan.stop,
            ScanStopReason::TornTail {
                offset: len,
                kind: TailKind::ZeroFilled,
            },
            "{zeros} zeros"
        );
        assert_eq!(scan.valid_len, len);
    }
    assert_eq!(
        stop_of(&[0; 3]),
        ScanStopReason::TornTail {
            offset: 0,
            kind: TailKind::ZeroFilled,
        },
        "a log that is all zeros is a zero-filled tail at 0"
    );
}

#[test]
fn zeros_followed_by_anything_else_are_not_a_tail() {
    let log = log_of(2);
    let len = log.len() as u64;
    let mut filled = log.clone();
    filled.resize(log.len() + HEADER_LEN, 0);
    filled.push(1);
    assert!(matches!(
        scan(&filled, MAGIC, MAX).stop,
        ScanStopReason::Corruption { offset, reason: CorruptionReason::HeaderChecksum { .. } }
            if offset == len
    ));
    let mut short = log;
    short.extend_from_slice(&[0, 0, 7]);
    assert_eq!(
        scan(&short, MAGIC, MAX).stop,
        ScanStopReason::TornTail {
            offset: len,
            kind: TailKind::Partial,
        },
        "fewer bytes than a header, not all zero: a partial frame"
    );
}

#[test]
fn a_frame_that_fails_its_payload_check_stays_corruption_when_zeros_follow() {
    let mut log = log_of(1);
    let start = log.len();
    encode_frame(&mut log, MAGIC, 2, 2, RecordType::External, &[5, 0, 0, 0]);
    log[start + HEADER_LEN] = 0; // the payload is now all zeros: its checksum fails
    log.resize(log.len() + 100, 0);
    assert!(matches!(
        scan(&log, MAGIC, MAX).stop,
        ScanStopReason::Corruption { offset, reason: CorruptionReason::PayloadChecksum { .. } }
            if offset == start as u64
    ));
    let mut whole = log_of(1);
    encode_frame(&mut whole, MAGIC, 2, 2, RecordType::External, &[5, 0, 0, 0]);
    whole.resize(whole.len() + 9, 0);
    let scan = scan(&whole, MAGIC, MAX);
    assert_eq!(
        scan.frames.len(),
        2,
        "a payload that ends in zeros is whole"
    );
    assert_eq!(scan.frames[1].payload, [5, 0, 0, 0]);
}

#[test]
fn a_zero_filled_tail_displays_its_kind() {
    assert_eq!(
        ScanStopReason::TornTail {
            offset: 9,
            kind: TailKind::ZeroFilled,
        }
        .to_string(),
        "zero-filled tail at offset 9"
    );
}
