//! Crash safety through the public handle, on real files: the reference for "the state of a
//! prefix of k frames" is the live engine's own state right after its k-th frame was written
//! (recorded while the WAL was built), not a replay.

mod common;

use std::fs;
use std::path::Path;

use quota_core::recovery::WAL_MAGIC;
use quota_core::{QuotaEngine, RecoveryError, ResultCode, Slot, StateDump, WAL_FILE_NAME};
use runtime::testkit::FaultyStorage;
use runtime::wal::{ScanStopReason, scan};

use common::{open_fast, tight_config};

/// Builds a WAL of at least `frames` frames; returns its bytes, the end offset of every frame
/// prefix (index k = first k frames) and the live state after each prefix.
fn build(dir: &Path, frames: usize) -> (Vec<u8>, Vec<u64>, Vec<StateDump>) {
    let mut engine = open_fast(dir, tight_config());
    let wal = dir.join(WAL_FILE_NAME);
    let (mut ends, mut dumps) = (vec![0], vec![engine.dump()]);
    let mut codes = Vec::new();
    let mut step: u64 = 0;
    while ends.len() <= frames {
        step += 1;
        let bucket = u128::from(step % 5);
        let command = match step % 4 {
            0 => common::create(bucket, 9, step % 11, step % 3),
            _ => common::debit(bucket, step % 7),
        };
        let request = common::request(u128::from(step % 9), u128::from(step % 2), command);
        codes.push(engine.submit(&request, Slot(step / 3)).unwrap().result_code);
        let len = fs::metadata(&wal).unwrap().len();
        if len != *ends.last().unwrap() {
            ends.push(len);
            dumps.push(engine.dump());
        }
    }
    // The prefix includes refusals and cached duplicates (which write nothing).
    assert!(codes.iter().any(|code| *code != ResultCode::Ok));
    (fs::read(&wal).unwrap(), ends, dumps)
}

/// Replaces the WAL by unlinking it first (an in-place rewrite makes ext4 flush on close).
fn rewrite(path: &Path, bytes: &[u8]) {
    let _ = fs::remove_file(path);
    fs::write(path, bytes).unwrap();
}

#[test]
fn wal_cut_at_every_byte_recovers_exactly_the_whole_frame_prefix() {
    let source = tempfile::tempdir().unwrap();
    let (bytes, ends, dumps) = build(source.path(), 52);
    assert!(ends.len() > 52);
    let dir = tempfile::tempdir().unwrap();
    let wal = dir.path().join(WAL_FILE_NAME);
    for cut in 0..=bytes.len() {
        rewrite(&wal, &bytes[..cut]);
        let engine = open_fast(dir.path(), tight_config());
        let whole = ends.iter().rposition(|end| *end <= cut as u64).unwrap();
        assert_eq!(engine.dump(), dumps[whole], "cut {cut}");
        let report = *engine.recovery_report();
        let boundary = ends[whole];
        assert_eq!(report.frames_replayed, whole as u64);
        assert_eq!(report.truncated_bytes, cut as u64 - boundary);
        if boundary != cut as u64 {
            assert_eq!(
                report.stop_reason,
                ScanStopReason::TornTail { offset: boundary }
            );
        }
        assert_eq!(fs::metadata(&wal).unwrap().len(), boundary);
        if cut % 7 == 0 {
            appends_continue_after_the_cut(engine, dir.path());
        }
    }
}

/// After recovery cut the torn tail, new frames append cleanly and survive another reopen.
fn appends_continue_after_the_cut(mut engine: QuotaEngine, dir: &Path) {
    let slot = engine.state().last_request_slot();
    let request = common::request(u128::MAX, 3, common::create(99, 5, 5, 1));
    let outcome = engine.submit(&request, slot).unwrap();
    assert!(matches!(
        outcome.result_code,
        ResultCode::Ok | ResultCode::BucketTableFull | ResultCode::OperationTableFull
    ));
    let dump = engine.dump();
    drop(engine);
    let reopened = open_fast(dir, tight_config());
    assert_eq!(reopened.dump(), dump);
    assert_eq!(reopened.recovery_report().truncated_bytes, 0);
}

#[test]
fn every_bit_flip_in_a_complete_frame_is_corruption_at_that_frame() {
    let source = tempfile::tempdir().unwrap();
    let (bytes, ends, _) = build(source.path(), 21);
    let bytes = &bytes[..usize::try_from(ends[21]).unwrap()];
    assert_eq!(scan(bytes, WAL_MAGIC, u32::MAX).frames.len(), 21);
    let dir = tempfile::tempdir().unwrap();
    let wal = dir.path().join(WAL_FILE_NAME);
    for bit in 0..bytes.len() * 8 {
        let mut flipped = bytes.to_vec();
        flipped[bit / 8] ^= 1 << (bit % 8);
        rewrite(&wal, &flipped);
        let error = QuotaEngine::open_with_storage(
            dir.path(),
            tight_config(),
            Box::new(FaultyStorage::skipping_syncs()),
        )
        .unwrap_err();
        let hit = ends[ends
            .iter()
            .rposition(|end| *end <= (bit / 8) as u64)
            .unwrap()];
        assert!(
            matches!(error, RecoveryError::Corruption { offset, .. } if offset == hit),
            "bit {bit}: {error}"
        );
        assert_eq!(
            fs::read(&wal).unwrap(),
            flipped,
            "bit {bit}: file untouched"
        );
    }
}
