#![allow(clippy::cast_possible_truncation)] // test data is built from small counters
use super::*;
use proptest::prelude::*;

/// A magic no engine uses: the codec takes whatever the caller passes.
const MAGIC: Magic = Magic::new(*b"TEST");

const MAX: u32 = 1024;

fn log_of(count: u64) -> Vec<u8> {
    let mut buf = Vec::new();
    for lsn in 1..=count {
        let payload: Vec<u8> = (0..lsn % 7).map(|i| ((i * 31 + lsn) % 256) as u8).collect();
        let record_type = if lsn % 3 == 0 {
            RecordType::Internal
        } else {
            RecordType::External
        };
        encode_frame(&mut buf, MAGIC, lsn, lsn * 2, record_type, &payload);
    }
    buf
}

fn frame_starts(bytes: &[u8]) -> Vec<u64> {
    scan(bytes, MAGIC, MAX)
        .frames
        .iter()
        .map(|frame| frame.offset)
        .collect()
}

#[test]
fn encoded_frame_has_the_documented_layout() {
    let mut buf = Vec::new();
    encode_frame(
        &mut buf,
        MAGIC,
        0x0102,
        0x0304,
        RecordType::Internal,
        b"xyz",
    );
    assert_eq!(buf.len(), HEADER_LEN + 3);
    assert_eq!(&buf[0..4], b"TEST");
    assert_eq!(&buf[4..6], &[1, 0]);
    assert_eq!(&buf[6..14], &0x0102_u64.to_le_bytes());
    assert_eq!(&buf[14..22], &0x0304_u64.to_le_bytes());
    assert_eq!(buf[22], 2);
    assert_eq!(&buf[23..27], &3_u32.to_le_bytes());
    assert_eq!(&buf[27..31], &crc32c::crc32c(b"xyz").to_le_bytes());
    assert_eq!(&buf[31..35], &crc32c::crc32c(&buf[0..31]).to_le_bytes());
    assert_eq!(&buf[35..], b"xyz");
}

#[test]
fn frames_round_trip_through_scan() {
    let mut buf = Vec::new();
    encode_frame(&mut buf, MAGIC, 1, 10, RecordType::External, b"hello");
    encode_frame(&mut buf, MAGIC, 2, 10, RecordType::Marker, b"");
    let start = begin_frame(&mut buf);
    buf.extend_from_slice(b"in place");
    finish_frame(&mut buf, start, MAGIC, 3, 11, RecordType::Internal);
    let scan = scan(&buf, MAGIC, MAX);
    assert_eq!(scan.stop, ScanStopReason::CleanEof);
    assert_eq!(scan.valid_len, buf.len() as u64);
    let got: Vec<(u64, u64, RecordType, &[u8])> = scan
        .frames
        .iter()
        .map(|frame| {
            (
                frame.lsn,
                frame.request_slot,
                frame.record_type,
                frame.payload,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, 10, RecordType::External, &b"hello"[..]),
            (2, 10, RecordType::Marker, &b""[..]),
            (3, 11, RecordType::Internal, &b"in place"[..]),
        ]
    );
    assert_eq!(scan.frames[1].offset, (HEADER_LEN + 5) as u64);
}

#[test]
fn empty_buffer_is_clean_eof() {
    assert_eq!(scan(&[], MAGIC, MAX).stop, ScanStopReason::CleanEof);
    assert_eq!(
        read_frame(&[], 5, MAGIC, MAX),
        FrameRead::Stop(ScanStopReason::TornTail {
            offset: 5,
            kind: TailKind::Partial,
        })
    );
}

#[test]
fn every_cut_is_a_torn_tail_at_the_last_frame_boundary() {
    let log = log_of(12);
    let starts = frame_starts(&log);
    for cut in 0..log.len() {
        let scan = scan(&log[..cut], MAGIC, MAX);
        let boundary = starts
            .iter()
            .copied()
            .filter(|start| *start <= cut as u64)
            .max()
            .unwrap();
        if boundary == cut as u64 {
            assert_eq!(scan.stop, ScanStopReason::CleanEof, "cut {cut}");
        } else {
            assert_eq!(
                scan.stop,
                ScanStopReason::TornTail {
                    offset: boundary,
                    kind: TailKind::Partial,
                },
                "cut {cut}"
            );
        }
        assert_eq!(scan.valid_len, boundary);
        assert_eq!(
            scan.frames.len(),
            starts.iter().filter(|s| **s < boundary).count()
        );
    }
}

#[test]
fn the_frame_iterator_agrees_with_scan_at_every_cut_and_on_corruption() {
    let mut log = log_of(12);
    for cut in 0..=log.len() {
        let scanned = scan(&log[..cut], MAGIC, MAX);
        let mut iter = frames(&log[..cut], MAGIC, MAX);
        assert_eq!(iter.stop(), None, "nothing is known before the first read");
        let streamed: Vec<Frame<'_>> = iter.by_ref().collect();
        assert_eq!(streamed, scanned.frames, "cut {cut}");
        assert_eq!(iter.stop(), Some(scanned.stop), "cut {cut}");
        assert_eq!(iter.valid_len(), scanned.valid_len, "cut {cut}");
        assert_eq!(iter.next(), None, "an exhausted iterator stays exhausted");
        let (stop, valid_len) = frames(&log[..cut], MAGIC, MAX).finish();
        assert_eq!(
            (stop, valid_len),
            (scanned.stop, scanned.valid_len),
            "cut {cut}"
        );
    }
    let second = usize::try_from(frame_starts(&log)[1]).unwrap();
    log[second + 30] ^= 1;
    let mut iter = frames(&log, MAGIC, MAX);
    assert_eq!(iter.by_ref().count(), 1);
    assert!(matches!(
        iter.stop(),
        Some(ScanStopReason::Corruption { offset, .. }) if offset == second as u64
    ));
    assert_eq!(iter.valid_len(), second as u64);
}

#[test]
fn every_single_bit_flip_is_corruption_of_the_hit_frame() {
    let log = log_of(20);
    let starts = frame_starts(&log);
    for bit in 0..log.len() * 8 {
        let mut bytes = log.clone();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let hit = starts
            .iter()
            .copied()
            .filter(|start| *start <= (bit / 8) as u64)
            .max()
            .unwrap();
        let scan = scan(&bytes, MAGIC, MAX);
        assert!(
            matches!(scan.stop, ScanStopReason::Corruption { offset, .. } if offset == hit),
            "bit {bit}: {:?}",
            scan.stop
        );
        assert_eq!(scan.valid_len, hit);
    }
}

/// Builds a frame whose header fields are set by hand, with a valid header checksum.
fn forged(magic: Magic, version: u16, record_type: u8, len: u32, payload: &[u8]) -> Vec<u8> {
    let mut buf = vec![0; HEADER_LEN];
    buf[MAGIC_OFFSET..4].copy_from_slice(&magic.get().to_le_bytes());
    buf[VERSION_OFFSET..6].copy_from_slice(&version.to_le_bytes());
    buf[RECORD_TYPE_OFFSET] = record_type;
    buf[PAYLOAD_LEN_OFFSET..27].copy_from_slice(&len.to_le_bytes());
    buf[PAYLOAD_CRC_OFFSET..31].copy_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    let crc = crc32c::crc32c(&buf[..HEADER_CRC_OFFSET]);
    buf[HEADER_CRC_OFFSET..].copy_from_slice(&crc.to_le_bytes());
    buf.extend_from_slice(payload);
    buf
}

fn stop_of(bytes: &[u8]) -> ScanStopReason {
    scan(bytes, MAGIC, MAX).stop
}

#[test]
fn each_corruption_reason_is_reported() {
    let bad = |reason| ScanStopReason::Corruption { offset: 0, reason };
    assert_eq!(
        stop_of(&forged(Magic::new(7_u32.to_le_bytes()), 1, 1, 0, b"")),
        bad(CorruptionReason::BadMagic { found: 7 })
    );
    assert_eq!(
        stop_of(&forged(MAGIC, 2, 1, 0, b"")),
        bad(CorruptionReason::BadVersion { found: 2 })
    );
    for record_type in [0, 4, 255] {
        assert_eq!(
            stop_of(&forged(MAGIC, 1, record_type, 0, b"")),
            bad(CorruptionReason::BadRecordType { found: record_type })
        );
    }
    assert_eq!(
        stop_of(&forged(MAGIC, 1, 1, MAX + 1, b"")),
        bad(CorruptionReason::PayloadTooLarge {
            len: MAX + 1,
            max: MAX
        })
    );
    let mut frame = forged(MAGIC, 1, 1, 2, b"ab");
    frame[HEADER_LEN] = b'x';
    assert!(matches!(
        stop_of(&frame),
        ScanStopReason::Corruption {
            offset: 0,
            reason: CorruptionReason::PayloadChecksum { .. }
        }
    ));
    let mut frame = forged(MAGIC, 1, 1, 0, b"");
    frame[LSN_OFFSET] ^= 1;
    assert!(matches!(
        stop_of(&frame),
        ScanStopReason::Corruption {
            offset: 0,
            reason: CorruptionReason::HeaderChecksum { .. }
        }
    ));
}

#[test]
fn verified_header_with_missing_payload_is_torn() {
    let frame = forged(MAGIC, 1, 1, 10, b"0123456789");
    assert_eq!(
        stop_of(&frame[..HEADER_LEN + 9]),
        ScanStopReason::TornTail {
            offset: 0,
            kind: TailKind::Partial,
        }
    );
    let max_len = forged(MAGIC, 1, 1, u32::MAX, b"");
    assert_eq!(
        scan(&max_len, MAGIC, u32::MAX).stop,
        ScanStopReason::TornTail {
            offset: 0,
            kind: TailKind::Partial,
        }
    );
}

#[test]
fn corruption_after_valid_frames_keeps_the_prefix() {
    let mut log = log_of(3);
    let len = log.len() as u64;
    log.extend_from_slice(&forged(Magic::new(1_u32.to_le_bytes()), 1, 1, 0, b""));
    let scan = scan(&log, MAGIC, MAX);
    assert_eq!(scan.frames.len(), 3);
    assert!(matches!(scan.stop, ScanStopReason::Corruption { offset, .. } if offset == len));
}

#[test]
fn record_type_bytes_round_trip() {
    for record_type in [
        RecordType::External,
        RecordType::Internal,
        RecordType::Marker,
    ] {
        assert_eq!(
            RecordType::from_byte(record_type.to_byte()),
            Some(record_type)
        );
    }
    assert_eq!(RecordType::from_byte(0), None);
}

#[test]
fn stop_reasons_display_the_offset() {
    let stop = ScanStopReason::Corruption {
        offset: 70,
        reason: CorruptionReason::PayloadTooLarge { len: 9, max: 8 },
    };
    assert_eq!(
        stop.to_string(),
        "corruption at offset 70: payload length 9 above the limit 8"
    );
    assert_eq!(
        ScanStopReason::TornTail {
            offset: 3,
            kind: TailKind::Partial,
        }
        .to_string(),
        "torn tail at offset 3"
    );
    assert_eq!(ScanStopReason::CleanEof.to_string(), "clean end of log");
    for reason in [
        CorruptionReason::HeaderChecksum {
            stored: 1,
            computed: 2,
        },
        CorruptionReason::BadMagic { found: 1 },
        CorruptionReason::BadVersion { found: 1 },
        CorruptionReason::BadRecordType { found: 1 },
        CorruptionReason::PayloadChecksum {
            stored: 1,
            computed: 2,
        },
    ] {
        assert!(!reason.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn scanning_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let scan = scan(&bytes, MAGIC, MAX);
        prop_assert!(scan.valid_len <= bytes.len() as u64);
        prop_assert!(scan.frames.len() <= bytes.len() / HEADER_LEN);
    }

    #[test]
    fn arbitrary_suffix_after_valid_frames_never_panics(
        tail in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let mut log = log_of(4);
        let len = log.len() as u64;
        log.extend_from_slice(&tail);
        let scan = scan(&log, MAGIC, MAX);
        prop_assert!(scan.frames.len() >= 4);
        prop_assert!(scan.valid_len >= len);
    }
}

#[test]
fn a_frame_under_another_magic_is_bad_magic() {
    // Two engines' logs never read as each other's: the reader's magic decides.
    let mut buf = Vec::new();
    let other = Magic::new(*b"OTHR");
    encode_frame(&mut buf, other, 1, 1, RecordType::External, b"p");
    assert_eq!(&buf[..4], b"OTHR");
    assert_eq!(scan(&buf, other, MAX).frames.len(), 1);
    assert_eq!(
        stop_of(&buf),
        ScanStopReason::Corruption {
            offset: 0,
            reason: CorruptionReason::BadMagic {
                found: u32::from_le_bytes(*b"OTHR")
            }
        }
    );
}

#[test]
fn magic_is_the_little_endian_u32_of_its_bytes() {
    assert_eq!(MAGIC.get(), u32::from_le_bytes(*b"TEST"));
    assert_ne!(Magic::new(*b"ABCD"), Magic::new(*b"DCBA"));
}
