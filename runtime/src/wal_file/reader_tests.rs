#![allow(clippy::cast_possible_truncation)] // test data is built from small counters
use super::*;
use crate::storage::DiskStorage;
use crate::testkit::FaultyStorage;
use crate::wal::{CorruptionReason, RecordType, encode_frame, scan};
use proptest::prelude::*;
use std::path::Path;

const MAGIC: Magic = Magic::new(*b"TEST");
const MAX: u32 = 64;

/// `count` frames with payloads of 0..=MAX bytes (some ending in zeros).
fn log_of(count: u64) -> Vec<u8> {
    let mut buf = Vec::new();
    for lsn in 1..=count {
        let len = (lsn * 13) % (u64::from(MAX) + 1);
        let payload: Vec<u8> = (0..len)
            .map(|i| if i % 5 == 4 { 0 } else { (i + lsn) as u8 | 1 })
            .collect();
        encode_frame(&mut buf, MAGIC, lsn, lsn, RecordType::External, &payload);
    }
    buf
}

fn wal_with(dir: &Path, bytes: &[u8]) -> WalFile {
    let mut wal = WalFile::open(&dir.join("wal"), Box::new(DiskStorage)).unwrap();
    wal.append(bytes).unwrap();
    wal
}

/// Everything a reader reports: (offset, lsn, payload) per frame, the stop, the valid length.
type Read = (Vec<(u64, u64, Vec<u8>)>, ScanStopReason, u64);

fn read_chunked(wal: &mut WalFile, chunk: usize) -> (Read, usize) {
    let mut reader = wal.frame_reader_with_chunk(MAGIC, MAX, chunk);
    let mut frames = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        frames.push((frame.offset, frame.lsn, frame.payload.to_vec()));
    }
    let stop = reader.stop().expect("stopped");
    assert!(reader.next_frame().unwrap().is_none(), "stays stopped");
    ((frames, stop, reader.valid_len()), reader.peak_buffer_len())
}

fn read_whole(bytes: &[u8]) -> Read {
    let scan = scan(bytes, MAGIC, MAX);
    let frames = scan
        .frames
        .iter()
        .map(|f| (f.offset, f.lsn, f.payload.to_vec()))
        .collect();
    (frames, scan.stop, scan.valid_len)
}

/// The bound the reader promises: one chunk plus one whole frame.
fn bound(chunk: usize) -> usize {
    chunk + HEADER_LEN + MAX as usize
}

#[test]
fn memory_stays_at_one_chunk_plus_one_frame_on_a_log_of_many_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_of(2_000);
    for chunk in [1, 7, 35, 99, 256, 1024] {
        assert!(log.len() >= 64 * chunk, "at least 64 chunks");
        let mut wal = wal_with(dir.path(), &log);
        let (read, peak) = read_chunked(&mut wal, chunk);
        assert_eq!(read, read_whole(&log), "chunk {chunk}");
        assert!(
            peak <= bound(chunk),
            "chunk {chunk}: peak {peak} above {}",
            bound(chunk)
        );
        assert!(
            peak >= chunk.min(log.len()),
            "the reader did read whole chunks"
        );
        std::fs::remove_file(dir.path().join("wal")).unwrap();
    }
}

#[test]
fn every_zero_fill_length_is_a_zero_filled_tail_whatever_the_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_of(5);
    for zeros in 1..=3 * (HEADER_LEN + MAX as usize) {
        let mut filled = log.clone();
        filled.resize(log.len() + zeros, 0);
        for chunk in [1, 16, 100, 4096] {
            let mut wal = wal_with(dir.path(), &filled);
            let ((frames, stop, valid), _) = read_chunked(&mut wal, chunk);
            assert_eq!(frames.len(), 5, "{zeros} zeros, chunk {chunk}");
            assert_eq!(
                stop,
                ScanStopReason::TornTail {
                    offset: log.len() as u64,
                    kind: TailKind::ZeroFilled,
                },
                "{zeros} zeros, chunk {chunk}"
            );
            assert_eq!(valid, log.len() as u64);
            std::fs::remove_file(dir.path().join("wal")).unwrap();
        }
    }
}

#[test]
fn zeros_then_a_byte_far_past_the_window_are_corruption_at_the_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_of(3);
    let mut bytes = log.clone();
    bytes.resize(log.len() + 10 * bound(8), 0);
    bytes.push(9);
    for chunk in [1, 8, 1000] {
        let mut wal = wal_with(dir.path(), &bytes);
        let ((frames, stop, valid), peak) = read_chunked(&mut wal, chunk);
        assert_eq!(frames.len(), 3);
        assert!(
            matches!(stop, ScanStopReason::Corruption { offset, reason: CorruptionReason::HeaderChecksum { .. } }
                if offset == log.len() as u64),
            "chunk {chunk}: {stop:?}"
        );
        assert_eq!(valid, log.len() as u64);
        assert!(peak <= bound(chunk));
        std::fs::remove_file(dir.path().join("wal")).unwrap();
    }
}

#[test]
fn a_failed_read_is_a_read_error_naming_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FaultyStorage::new();
    let path = dir.path().join("wal");
    let mut wal = WalFile::open(&path, Box::new(storage.clone())).unwrap();
    wal.append(&log_of(50)).unwrap();
    storage.fail_nth_read(2);
    let mut reader = wal.frame_reader_with_chunk(MAGIC, MAX, 128);
    let error = loop {
        match reader.next_frame() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the second chunk read must fail"),
            Err(error) => break error,
        }
    };
    assert_eq!((error.op, error.path), (FileOp::Read, path));
}

#[test]
fn finish_reads_past_the_frames_left_to_the_stop() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = log_of(30);
    let len = log.len() as u64;
    log.extend_from_slice(&[1, 2, 3]);
    let mut wal = wal_with(dir.path(), &log);
    let mut reader = wal.frame_reader_with_chunk(MAGIC, MAX, 50);
    assert!(reader.next_frame().unwrap().is_some());
    let finished = reader.finish().unwrap();
    let torn = ScanStopReason::TornTail {
        offset: len,
        kind: TailKind::Partial,
    };
    assert_eq!(finished, (torn, len));
    assert_eq!(wal.frame_reader(MAGIC, MAX).finish().unwrap(), (torn, len));
}

#[test]
fn an_empty_log_is_a_clean_end_and_reads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut wal = wal_with(dir.path(), b"");
    let ((frames, stop, valid), peak) = read_chunked(&mut wal, 16);
    assert_eq!(
        (frames.len(), stop, valid, peak),
        (0, ScanStopReason::CleanEof, 0, 0)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any cut, any appended garbage or zeros, any chunk: the chunked reader says exactly what
    /// the whole-buffer scan says.
    #[test]
    fn the_chunked_reader_agrees_with_the_whole_buffer_scan(
        count in 0_u64..40,
        cut in any::<prop::sample::Index>(),
        tail in prop::collection::vec(prop_oneof![Just(0_u8), any::<u8>()], 0..200),
        zeros in 0_usize..200,
        flip in prop::option::of(any::<prop::sample::Index>()),
        chunk in 1_usize..300,
    ) {
        let mut bytes = log_of(count);
        let cut = cut.index(bytes.len() + 1);
        bytes.truncate(cut);
        bytes.extend_from_slice(&tail);
        bytes.resize(bytes.len() + zeros, 0);
        if let Some(flip) = flip.filter(|_| !bytes.is_empty()) {
            let at = flip.index(bytes.len());
            bytes[at] ^= 0x10;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut wal = wal_with(dir.path(), &bytes);
        let (read, peak) = read_chunked(&mut wal, chunk);
        prop_assert_eq!(read, read_whole(&bytes));
        prop_assert!(peak <= bound(chunk));
    }
}

#[test]
fn the_default_reader_reads_whole_one_mib_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_of(40_000);
    assert!(log.len() > 2 * DEFAULT_CHUNK_LEN, "{} bytes", log.len());
    assert_eq!(DEFAULT_CHUNK_LEN, 1 << 20, "the documented chunk");
    let mut wal = wal_with(dir.path(), &log);
    let mut reader = wal.frame_reader(MAGIC, MAX);
    assert_eq!(reader.file_len(), log.len() as u64);
    let mut frames = 0;
    while reader.next_frame().unwrap().is_some() {
        frames += 1;
    }
    assert_eq!(frames, 40_000);
    let peak = reader.peak_buffer_len();
    assert!(
        (DEFAULT_CHUNK_LEN..=bound(DEFAULT_CHUNK_LEN)).contains(&peak),
        "peak {peak}: one whole chunk, plus at most one frame"
    );
}

#[test]
fn a_log_that_shrinks_under_the_reader_ends_where_the_file_ends() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_of(40);
    let mut wal = wal_with(dir.path(), &log);
    let starts: Vec<u64> = scan(&log, MAGIC, MAX)
        .frames
        .iter()
        .map(|f| f.offset)
        .collect();
    let cut = starts[20] + 3;
    // Cut behind the handle's back: its length still says the whole log.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join("wal"))
        .unwrap();
    file.set_len(cut).unwrap();
    let mut reader = wal.frame_reader_with_chunk(MAGIC, MAX, 100);
    let mut frames = 0;
    while reader.next_frame().unwrap().is_some() {
        frames += 1;
    }
    assert_eq!(frames, 20, "the frames wholly before the cut");
    assert_eq!(
        reader.stop(),
        Some(ScanStopReason::TornTail {
            offset: starts[20],
            kind: TailKind::Partial,
        })
    );
    assert_eq!(
        reader.file_len(),
        cut,
        "the length it found, not the one it was told"
    );
}
