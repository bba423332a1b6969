use super::*;
use crate::command::{ClientRequest, Command, InternalCommand};
use crate::engine::ReservationEngine;
use crate::ids::{ClientId, HoldId, OperationId, PoolId};
use crate::result::ResultCode;
use runtime::wal::encode_frame;
use std::fs;
use std::path::PathBuf;

/// A deterministic mixed workload: pools, holds, confirmations, releases and expiries (the
/// handle's ticks), with time advancing. Returns every outcome.
pub(crate) fn drive(engine: &mut ReservationEngine, steps: u64, seed: u64) -> Vec<ResultCode> {
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    let mut codes = Vec::new();
    for step in 0..steps {
        let slot = Slot(engine.state().last_request_slot().get() + next() % 2);
        let holds: Vec<HoldId> = engine.dump().holds.iter().map(|h| h.hold_id).collect();
        let pick = holds
            .get(usize::try_from(next()).unwrap() % holds.len().max(1))
            .copied();
        let command = match (next() % 8, pick) {
            (1..=4, _) => Command::PlaceHold {
                hold_id: HoldId(u128::from(next() % 20)),
                pool_id: PoolId(u128::from(next() % 4)),
                quantity: 1 + next() % 6,
                ttl_slots: 1 + next() % 6,
            },
            (0, _) | (_, None) => Command::CreatePool {
                pool_id: PoolId(u128::from(next() % 4)),
                total_capacity: 5 + next() % 16,
            },
            (6, Some(hold_id)) => Command::ReleaseHold { hold_id },
            (_, Some(hold_id)) => Command::ConfirmHold { hold_id },
        };
        let request = ClientRequest {
            operation_id: OperationId(u128::from(step % 50 + seed * 1_000)),
            client_id: ClientId(7),
            command,
        };
        codes.push(engine.submit(&request, slot).unwrap().result_code);
    }
    codes
}

fn config() -> Config {
    Config::small()
}

fn wal_path(dir: &Path) -> PathBuf {
    dir.join(WAL_FILE_NAME)
}

/// `(lsn, slot, record type, payload)` of a hand-made frame.
type FrameSpec = (u64, u64, RecordType, Vec<u8>);

fn frame_bytes(frames: &[FrameSpec]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (lsn, slot, record_type, payload) in frames {
        encode_frame(&mut bytes, WAL_MAGIC, *lsn, *slot, *record_type, payload);
    }
    bytes
}

fn create_payload(id: u128) -> Vec<u8> {
    let mut payload = Vec::new();
    let request = ClientRequest {
        operation_id: OperationId(id),
        client_id: ClientId(1),
        command: Command::CreatePool {
            pool_id: PoolId(id),
            total_capacity: 1,
        },
    };
    crate::command_codec::encode_request(&request, &mut payload);
    payload
}

fn recover_bytes(bytes: &[u8]) -> (Result<Recovered, RecoveryError>, Vec<u8>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(wal_path(dir.path()), bytes).unwrap();
    let result = recover(dir.path(), &config());
    let after = fs::read(wal_path(dir.path())).unwrap();
    (result, after, dir)
}

#[test]
fn ordering_errors_fail_closed_and_leave_the_file() {
    const C: RecordType = CLIENT_COMMAND;
    let cases: Vec<(Vec<FrameSpec>, RecoveryError)> = vec![
        (
            vec![(1, 5, C, create_payload(1)), (1, 5, C, create_payload(2))],
            RecoveryError::NonMonotonicLsn {
                offset: 93,
                lsn: Lsn(1),
                previous: Lsn(1),
            },
        ),
        (
            vec![(1, 5, C, create_payload(1)), (2, 4, C, create_payload(2))],
            RecoveryError::SlotRegression {
                offset: 93,
                request_slot: Slot(4),
                previous: Slot(5),
            },
        ),
        (
            vec![(2, 5, C, create_payload(1))],
            RecoveryError::LsnGap {
                offset: 0,
                lsn: Lsn(2),
                expected: Lsn(1),
            },
        ),
        (
            vec![(1, 5, C, vec![1, 2, 3])],
            RecoveryError::Decode {
                offset: 0,
                error: DecodeError::Truncated {
                    field: "operation_id",
                    needed: 16,
                    remaining: 2,
                },
            },
        ),
        (
            vec![(1, 5, INTERNAL_COMMAND, create_payload(2))],
            RecoveryError::Decode {
                offset: 0,
                error: DecodeError::UnknownInternalTag { found: 2 },
            },
        ),
        (
            vec![(0, 0, SNAPSHOT_MARKER, vec![])],
            RecoveryError::MarkerWithoutSnapshot {
                offset: 0,
                marker_lsn: Lsn(0),
            },
        ),
        (
            vec![
                (1, 5, C, create_payload(1)),
                (2, 5, SNAPSHOT_MARKER, vec![]),
            ],
            RecoveryError::UnexpectedMarker {
                offset: 93,
                lsn: Lsn(2),
            },
        ),
    ];
    for (frames, expected) in cases {
        let bytes = frame_bytes(&frames);
        let (result, after, _dir) = recover_bytes(&bytes);
        assert_eq!(result.unwrap_err(), expected);
        assert_eq!(after, bytes);
        assert!(!expected.to_string().is_empty());
    }
}

#[test]
fn marker_must_match_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    drive(&mut engine, 10, 1);
    let lsn = engine.checkpoint().unwrap();
    let dump = engine.dump();
    drop(engine);
    let recovered = recover(dir.path(), &config()).unwrap();
    assert_eq!(recovered.state.dump(), dump);
    assert_eq!(recovered.report.snapshot_lsn, Some(lsn));
    assert_eq!(recovered.report.frames_replayed, 0);
    drop(recovered);
    let slot = dump.last_request_slot.get();
    let marker = |marker_lsn: u64, marker_slot: u64| {
        let bytes = frame_bytes(&[(marker_lsn, marker_slot, SNAPSHOT_MARKER, vec![])]);
        fs::write(wal_path(dir.path()), &bytes).unwrap();
        recover(dir.path(), &config()).map(|recovered| recovered.state.dump())
    };
    let mismatch = |marker_lsn: u64| RecoveryError::MarkerMismatch {
        offset: 0,
        marker_lsn: Lsn(marker_lsn),
        snapshot_lsn: lsn,
    };
    // Above the snapshot: the frames between them are gone.
    assert_eq!(marker(lsn.get() + 1, slot), Err(mismatch(lsn.get() + 1)));
    // The same lsn at another slot names another state.
    assert_eq!(marker(lsn.get(), slot + 1), Err(mismatch(lsn.get())));
    // Below the snapshot: a checkpoint cut before its WAL rewrite; the snapshot covers it,
    // unless the marker claims a later slot than the snapshot reached.
    assert_eq!(marker(lsn.get() - 1, slot), Ok(dump.clone()));
    assert_eq!(
        marker(lsn.get() - 1, slot + 1),
        Err(mismatch(lsn.get() - 1))
    );
    let payload = frame_bytes(&[(lsn.get(), slot, SNAPSHOT_MARKER, vec![0])]);
    fs::write(wal_path(dir.path()), &payload).unwrap();
    assert!(matches!(
        recover(dir.path(), &config()),
        Err(RecoveryError::Decode { offset: 0, .. })
    ));
}

#[test]
fn snapshot_with_the_old_wal_skips_covered_frames() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    drive(&mut engine, 20, 2);
    let old_wal = fs::read(wal_path(dir.path())).unwrap();
    let at_snapshot = engine.checkpoint().unwrap();
    drive(&mut engine, 5, 2);
    let dump = engine.dump();
    let tail: Vec<u8> = fs::read(wal_path(dir.path())).unwrap()[35..].to_vec();
    drop(engine);
    // A crash between the snapshot write and the WAL rewrite: old WAL plus the new frames.
    let mut crashed = old_wal;
    crashed.extend_from_slice(&tail);
    fs::write(wal_path(dir.path()), &crashed).unwrap();
    let recovered = recover(dir.path(), &config()).unwrap();
    assert_eq!(recovered.state.dump(), dump);
    assert_eq!(recovered.report.snapshot_lsn, Some(at_snapshot));
    assert_eq!(
        recovered.report.frames_replayed,
        dump.last_applied_lsn.get() - at_snapshot.get()
    );
}

#[test]
fn bad_config_and_bad_snapshot_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = config();
    bad.max_holds = 0;
    assert_eq!(
        recover(dir.path(), &bad).unwrap_err(),
        RecoveryError::Config(ConfigError::Zero { field: "max_holds" })
    );
    let snapshot = dir.path().join(SNAPSHOT_FILE_NAME);
    fs::write(&snapshot, b"nope").unwrap();
    assert_eq!(
        recover(dir.path(), &config()).unwrap_err(),
        RecoveryError::SnapshotFile(SnapshotFileError::TooShort { file_bytes: 4 })
    );
    let footed = runtime::snapshot_file::with_footer(b"nope", SNAPSHOT_FOOTER_MAGIC);
    fs::write(&snapshot, &footed).unwrap();
    assert!(matches!(
        recover(dir.path(), &config()),
        Err(RecoveryError::Snapshot(_))
    ));
    let missing = dir.path().join("missing");
    assert!(matches!(
        recover(&missing, &config()),
        Err(RecoveryError::Wal(_))
    ));
}

#[test]
fn expire_noop_frames_replay() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    let noop = InternalCommand::ExpireHold { hold_id: HoldId(9) };
    let outcome = engine.submit_internal(&noop, Slot(3)).unwrap();
    assert_eq!(outcome.result_code, ResultCode::Noop);
    drop(engine);
    let recovered = recover(dir.path(), &config()).unwrap();
    assert_eq!(recovered.state.last_applied_lsn(), Lsn(1));
    assert_eq!(recovered.state.last_request_slot(), Slot(3));
}

#[test]
fn each_order_rule_maps_onto_its_unchanged_recovery_error() {
    use OrderRule as R;
    let trailing = DecodeError::TrailingBytes { count: 2 };
    #[rustfmt::skip]
    let cases = [
        (R::NonMonotonicLsn { previous_lsn: 6 },
            RecoveryError::NonMonotonicLsn { offset: 7, lsn: Lsn(5), previous: Lsn(6) },
            "lsn 5 at offset 7 does not follow 6".to_string()),
        (R::SlotRegression { previous_slot: 4 },
            RecoveryError::SlotRegression { offset: 7, request_slot: Slot(3), previous: Slot(4) },
            "slot 3 at offset 7 is below 4".to_string()),
        (R::UnexpectedMarker,
            RecoveryError::UnexpectedMarker { offset: 7, lsn: Lsn(5) },
            "snapshot marker (lsn 5) in the middle of the wal at offset 7".to_string()),
        (R::MarkerWithoutSnapshot,
            RecoveryError::MarkerWithoutSnapshot { offset: 7, marker_lsn: Lsn(5) },
            "wal marker for lsn 5 at offset 7 has no snapshot".to_string()),
        (R::MarkerMismatch { snapshot_lsn: 9 },
            RecoveryError::MarkerMismatch { offset: 7, marker_lsn: Lsn(5), snapshot_lsn: Lsn(9) },
            "wal marker at offset 7 names lsn 5, snapshot is at 9".to_string()),
        (R::MarkerPayload { payload_bytes: 2 },
            RecoveryError::Decode { offset: 7, error: trailing },
            format!("undecodable frame at offset 7: {trailing}")),
        (R::LsnGap { expected_lsn: 4 },
            RecoveryError::LsnGap { offset: 7, lsn: Lsn(5), expected: Lsn(4) },
            "lsn 5 at offset 7, expected 4".to_string()),
    ];
    for (rule, expected, text) in cases {
        let mapped = order_error(FrameOrderError {
            offset: 7,
            lsn: 5,
            slot: 3,
            rule,
        });
        assert_eq!(mapped.to_string(), text);
        assert_eq!(mapped, expected);
    }
}
