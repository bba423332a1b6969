//! Recovery's own refusals (the crash kit covers cuts, flips and faults): order and marker
//! rules mapped to this engine's errors, undecodable payloads, and a bad config, each failing
//! closed with the WAL untouched.

use super::*;
use crate::command::{ClientRequest, Command};
use crate::command_codec::encode_request;
use crate::ids::{ClientId, OperationId, QueueId};
use runtime::wal::encode_frame;
use std::fs;

fn frame(lsn: u64, slot: u64, record_type: RecordType, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(&mut out, WAL_MAGIC, lsn, slot, record_type, payload);
    out
}

fn create(op: u128) -> Vec<u8> {
    let command = Command::CreateQueue {
        queue_id: QueueId(op),
        max_attempts: 1,
    };
    let request = ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(1),
        command,
    };
    let mut out = Vec::new();
    encode_request(&request, &mut out);
    out
}

/// Writes `frames` as the WAL of a fresh directory and recovers it.
fn recover_frames(
    frames: &[Vec<u8>],
) -> (Result<Recovered, RecoveryError>, Vec<u8>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let bytes = frames.concat();
    fs::write(dir.path().join(WAL_FILE_NAME), &bytes).unwrap();
    (recover(dir.path(), &Config::small()), bytes, dir)
}

fn refused(frames: &[Vec<u8>]) -> RecoveryError {
    let (result, bytes, dir) = recover_frames(frames);
    let error = result.unwrap_err();
    assert_eq!(
        fs::read(dir.path().join(WAL_FILE_NAME)).unwrap(),
        bytes,
        "untouched"
    );
    assert!(!error.to_string().is_empty());
    error
}

#[test]
fn order_and_marker_rules_fail_closed_with_this_engines_errors() {
    let (one, two) = (create(1), create(2));
    let second = frame(1, 0, CLIENT_COMMAND, &one).len() as u64;
    let error = refused(&[
        frame(1, 0, CLIENT_COMMAND, &one),
        frame(1, 0, CLIENT_COMMAND, &two),
    ]);
    assert_eq!(
        error,
        RecoveryError::NonMonotonicLsn {
            offset: second,
            lsn: Lsn(1),
            previous: Lsn(1)
        }
    );
    let error = refused(&[
        frame(1, 5, CLIENT_COMMAND, &one),
        frame(2, 4, CLIENT_COMMAND, &two),
    ]);
    assert_eq!(
        error,
        RecoveryError::SlotRegression {
            offset: second,
            request_slot: Slot(4),
            previous: Slot(5)
        }
    );
    let error = refused(&[frame(3, 0, CLIENT_COMMAND, &one)]);
    assert_eq!(
        error,
        RecoveryError::LsnGap {
            offset: 0,
            lsn: Lsn(3),
            expected: Lsn(1)
        }
    );
    let error = refused(&[frame(1, 0, SNAPSHOT_MARKER, &[])]);
    assert_eq!(
        error,
        RecoveryError::MarkerWithoutSnapshot {
            offset: 0,
            marker_lsn: Lsn(1)
        }
    );
    let error = refused(&[
        frame(1, 0, CLIENT_COMMAND, &one),
        frame(2, 0, SNAPSHOT_MARKER, &[]),
    ]);
    assert_eq!(
        error,
        RecoveryError::UnexpectedMarker {
            offset: second,
            lsn: Lsn(2)
        }
    );
    let error = refused(&[frame(1, 0, CLIENT_COMMAND, &one[..5])]);
    assert!(
        matches!(error, RecoveryError::Decode { offset: 0, .. }),
        "{error}"
    );
    let error = refused(&[frame(1, 0, INTERNAL_COMMAND, &one)]);
    assert!(
        matches!(error, RecoveryError::Decode { offset: 0, .. }),
        "{error}"
    );
}

#[test]
fn a_bad_config_and_a_held_lock_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::small();
    config.max_jobs = 0;
    let error = recover(dir.path(), &config).unwrap_err();
    assert_eq!(
        error,
        RecoveryError::Config(ConfigError::Zero { field: "max_jobs" })
    );
    let held = recover(dir.path(), &Config::small()).unwrap();
    let error = recover(dir.path(), &Config::small()).unwrap_err();
    assert!(matches!(error, RecoveryError::Locked { .. }), "{error}");
    drop(held);
    recover(dir.path(), &Config::small()).unwrap();
}

#[test]
fn a_torn_tail_is_cut_and_reported() {
    let one = frame(1, 0, CLIENT_COMMAND, &create(1));
    let torn = frame(2, 0, CLIENT_COMMAND, &create(2));
    let (result, _, dir) = recover_frames(&[one.clone(), torn[..torn.len() - 3].to_vec()]);
    let recovered = result.unwrap();
    assert_eq!(recovered.report.frames_replayed, 1);
    assert_eq!(recovered.report.truncated_bytes, torn.len() as u64 - 3);
    assert_eq!(fs::read(dir.path().join(WAL_FILE_NAME)).unwrap(), one);
}
