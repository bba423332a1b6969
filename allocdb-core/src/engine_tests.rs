use super::*;
use crate::command::Command;
use crate::ids::{ClientId, HolderId, OperationId};
use crate::recovery::tests::drive;
use crate::result::ResultCode;
use crate::snapshot::SNAPSHOT_HEADER_LEN;
use crate::state_machine::LeaseState;
use runtime::snapshot_file::{split_footer, with_footer};
use runtime::testkit::FaultyStorage;
use runtime::wal::{RecordType, ScanStopReason, scan};
use runtime::wal_file::FileOp;
use std::fs;

fn config() -> Config {
    Config::small()
}

fn request(op: u128, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(1),
        command,
    }
}

fn create(op: u128, id: u128) -> ClientRequest {
    request(
        op,
        Command::CreateResource {
            resource_id: ResourceId(id),
        },
    )
}

fn reserve(op: u128, id: u128, ttl: u64) -> ClientRequest {
    request(op, Command::reserve(ResourceId(id), HolderId(1), ttl))
}

fn wal_frames(engine: &AllocEngine) -> Vec<(u64, u64, RecordType)> {
    let bytes = fs::read(engine.wal_path()).unwrap();
    let scanned = scan(&bytes, WAL_MAGIC, u32::MAX);
    assert_eq!(scanned.stop, ScanStopReason::CleanEof);
    scanned
        .frames
        .iter()
        .map(|f| (f.lsn, f.request_slot, f.record_type))
        .collect()
}

#[test]
fn submit_writes_one_frame_per_command_starting_at_lsn_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    assert_eq!(
        engine.submit(&create(1, 1), Slot(4)).unwrap().result_code,
        ResultCode::Ok
    );
    assert_eq!(wal_frames(&engine), vec![(1, 4, CLIENT_COMMAND)]);
    assert_eq!(engine.get_resource(ResourceId(1)).unwrap().version, 0);
    assert_eq!(
        engine.recovery_report().stop_reason,
        ScanStopReason::CleanEof
    );
}

#[test]
fn slot_regression_and_duplicates_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    engine.submit(&create(1, 1), Slot(5)).unwrap();
    assert_eq!(
        engine.submit(&create(2, 2), Slot(4)),
        Err(SubmitError::SlotRegression {
            request_slot: Slot(4),
            last_slot: Slot(5)
        })
    );
    assert_eq!(
        engine.tick(Slot(4)).unwrap_err().to_string(),
        "slot 4 is below the last applied slot 5"
    );
    assert_eq!(
        engine.submit(&create(1, 1), Slot(6)).unwrap().result_code,
        ResultCode::Ok
    );
    assert_eq!(
        engine.submit(&create(1, 9), Slot(6)).unwrap().result_code,
        ResultCode::OperationConflict
    );
    assert_eq!(wal_frames(&engine).len(), 1);
}

#[test]
fn due_expiries_are_written_before_the_client_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    for id in 1..=3 {
        engine.submit(&create(id, id), Slot(0)).unwrap();
    }
    let late = engine
        .submit(&reserve(4, 1, 3), Slot(0))
        .unwrap()
        .lease_id
        .unwrap();
    let early = engine
        .submit(&reserve(5, 2, 2), Slot(1))
        .unwrap()
        .lease_id
        .unwrap();
    assert!(
        engine.tick(Slot(2)).unwrap().is_empty(),
        "deadline 3 is not due at 2"
    );
    assert_eq!(wal_frames(&engine).len(), 5, "nothing due, nothing written");
    let outcome = engine.submit(&reserve(6, 1, 1), Slot(3)).unwrap();
    assert_eq!(
        outcome.result_code,
        ResultCode::Ok,
        "the expiry freed resource 1 first"
    );
    let frames = wal_frames(&engine);
    assert_eq!(
        frames[5..],
        [
            (6, 3, INTERNAL_COMMAND),
            (7, 3, INTERNAL_COMMAND),
            (8, 3, CLIENT_COMMAND)
        ]
    );
    assert!(late < early, "ids follow lsns");
    assert_eq!(engine.get_lease(late).unwrap().state, LeaseState::Expired);
    assert_eq!(engine.get_lease(early).unwrap().state, LeaseState::Expired);
    assert_eq!(engine.lease_members(early).unwrap(), vec![ResourceId(2)]);
}

#[test]
fn batch_matches_one_by_one_with_a_single_sync() {
    let requests = vec![
        create(1, 1),
        create(2, 2),
        create(1, 1),
        reserve(3, 1, 4),
        create(1, 7),
        reserve(4, 1, 4),
        reserve(5, 9, 4),
        request(6, Command::reserve(ResourceId(2), HolderId(1), 0)),
    ];
    let single_dir = tempfile::tempdir().unwrap();
    let mut single = AllocEngine::open(single_dir.path(), config()).unwrap();
    let one_by_one: Vec<CommandOutcome> = requests
        .iter()
        .map(|r| single.submit(r, Slot(2)).unwrap())
        .collect();
    let batch_dir = tempfile::tempdir().unwrap();
    let faults = FaultyStorage::new();
    let mut batched =
        AllocEngine::open_with_storage(batch_dir.path(), config(), Box::new(faults.clone()))
            .unwrap();
    let syncs = faults.with_plan(|plan| plan.syncs);
    assert_eq!(
        batched.submit_batch(&requests, Slot(2)).unwrap(),
        one_by_one
    );
    assert_eq!(faults.with_plan(|plan| plan.syncs), syncs + 1);
    assert_eq!(batched.dump(), single.dump());
    assert_eq!(
        fs::read(batched.wal_path()).unwrap(),
        fs::read(single.wal_path()).unwrap()
    );
    assert_eq!(batched.submit_batch(&[], Slot(2)).unwrap(), vec![]);
}

/// `crash_tests` runs the kit's fault driver on `submit` (a failed write, short write or sync
/// halts the handle, a reopen resolves the step); a failed batch halts it the same way, and a
/// halted handle refuses ticks too.
#[test]
fn failed_batch_write_halts() {
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultyStorage::new();
    let mut engine =
        AllocEngine::open_with_storage(dir.path(), config(), Box::new(faults.clone())).unwrap();
    faults.fail_nth_sync(1);
    assert!(matches!(
        engine.submit_batch(&[create(1, 1)], Slot(0)),
        Err(SubmitError::Io(_))
    ));
    assert_eq!(
        engine.submit_batch(&[create(1, 1)], Slot(0)),
        Err(SubmitError::EngineHalted)
    );
    assert_eq!(engine.tick(Slot(1)), Err(SubmitError::EngineHalted));
}

#[test]
fn checkpoint_writes_snapshot_and_marker_and_reopens_identically() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    drive(&mut engine, 40, 11);
    let lsn = engine.checkpoint().unwrap();
    let slot = engine.state().last_request_slot().get();
    assert_eq!(
        wal_frames(&engine),
        vec![(lsn.get(), slot, SNAPSHOT_MARKER)]
    );
    assert!(engine.snapshot_path().exists());
    drive(&mut engine, 10, 12);
    let dump = engine.dump();
    drop(engine);
    let reopened = AllocEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.dump(), dump);
    assert_eq!(reopened.recovery_report().snapshot_lsn, Some(lsn));
}

#[test]
fn failed_snapshot_write_keeps_the_handle_usable() {
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultyStorage::new();
    let mut engine =
        AllocEngine::open_with_storage(dir.path(), config(), Box::new(faults.clone())).unwrap();
    engine.submit(&create(1, 1), Slot(0)).unwrap();
    faults.fail_nth_write(1);
    assert!(matches!(engine.checkpoint(), Err(SubmitError::Io(_))));
    assert!(!engine.is_halted());
    engine.submit(&create(2, 2), Slot(0)).unwrap();
    faults.fail_nth_sync(3); // snapshot file and directory syncs succeed
    assert!(
        matches!(engine.checkpoint(), Err(SubmitError::Io(_))),
        "wal rewrite failed"
    );
    assert!(engine.is_halted());
    drop(engine);
    assert_eq!(
        AllocEngine::open(dir.path(), config())
            .unwrap()
            .dump()
            .resources
            .len(),
        2
    );
}

#[test]
fn oversized_command_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    let huge = request(
        1,
        Command::ReserveBundle {
            resource_ids: (0..100).map(ResourceId).collect(),
            holder_id: HolderId(1),
            ttl_slots: 1,
        },
    );
    let error = engine.submit(&huge, Slot(0)).unwrap_err();
    assert_eq!(
        error,
        SubmitError::CommandTooLarge {
            index: 0,
            payload_bytes: 1662,
            max: 1024
        }
    );
    assert!(engine.submit_batch(&[create(2, 2), huge], Slot(0)).is_err());
    assert!(fs::read(engine.wal_path()).unwrap().is_empty());
    let too_large_but_fits = request(
        3,
        Command::ReserveBundle {
            resource_ids: (0..5).map(ResourceId).collect(),
            holder_id: HolderId(1),
            ttl_slots: 1,
        },
    );
    let outcome = engine.submit(&too_large_but_fits, Slot(0)).unwrap();
    assert_eq!(outcome.result_code, ResultCode::BundleTooLarge);
}

#[test]
fn lsn_exhaustion_is_a_definite_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    engine.checkpoint().unwrap();
    drop(engine);
    let path = dir.path().join(SNAPSHOT_FILE_NAME);
    let file = fs::read(&path).unwrap();
    let mut snapshot = split_footer(&file, SNAPSHOT_FOOTER_MAGIC).unwrap().to_vec();
    snapshot[6..14].copy_from_slice(&(u64::MAX - 1).to_le_bytes());
    const { assert!(SNAPSHOT_HEADER_LEN >= 14) };
    fs::write(&path, with_footer(&snapshot, SNAPSHOT_FOOTER_MAGIC)).unwrap();
    fs::write(dir.path().join(WAL_FILE_NAME), b"").unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    assert_eq!(
        engine.submit(&create(1, 1), Slot(0)).unwrap().result_code,
        ResultCode::Ok
    );
    assert_eq!(engine.state().last_applied_lsn(), Lsn(u64::MAX));
    assert_eq!(
        engine.submit(&create(2, 2), Slot(0)),
        Err(SubmitError::LsnExhausted)
    );
    assert_eq!(
        engine.submit_batch(&[create(2, 2)], Slot(0)),
        Err(SubmitError::LsnExhausted)
    );
    assert!(!engine.is_halted());
    assert_eq!(
        engine.submit(&create(1, 1), Slot(0)).unwrap().result_code,
        ResultCode::Ok
    );
    assert_eq!(
        SubmitError::LsnExhausted.to_string(),
        "every lsn has been used"
    );
}

#[test]
fn submit_internal_reaches_noop_and_expire() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    engine.submit(&create(1, 1), Slot(0)).unwrap();
    let lease = engine
        .submit(&reserve(2, 1, 5), Slot(0))
        .unwrap()
        .lease_id
        .unwrap();
    let wrong = InternalCommand::Expire {
        lease_id: lease,
        deadline_slot: Slot(4),
    };
    assert_eq!(
        engine.submit_internal(&wrong, Slot(1)).unwrap().result_code,
        ResultCode::Noop
    );
    let early = InternalCommand::Expire {
        lease_id: lease,
        deadline_slot: Slot(5),
    };
    assert_eq!(
        engine.submit_internal(&early, Slot(1)).unwrap(),
        CommandOutcome::lease(lease, 2)
    );
    assert_eq!(engine.get_lease(lease).unwrap().state, LeaseState::Expired);
    assert_eq!(
        engine.get_lease(LeaseId(1 << 70)),
        Err(LeaseLookupError::LeaseNotFound)
    );
}

#[test]
fn errors_display() {
    for error in [
        SubmitError::EngineHalted,
        SubmitError::CommandTooLarge {
            index: 1,
            payload_bytes: 2,
            max: 1,
        },
        SubmitError::Io(runtime::wal_file::FileError {
            op: FileOp::Write,
            path: "x".into(),
            kind: std::io::ErrorKind::Other,
        }),
    ] {
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn a_second_checkpoint_cut_before_the_wal_rewrite_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultyStorage::new();
    let mut engine =
        AllocEngine::open_with_storage(dir.path(), config(), Box::new(faults.clone())).unwrap();
    engine.submit(&create(1, 1), Slot(1)).unwrap();
    assert_eq!(engine.checkpoint().unwrap(), Lsn(1));
    engine.submit(&create(2, 2), Slot(2)).unwrap();
    engine.submit(&reserve(3, 1, 5), Slot(3)).unwrap();
    // The new snapshot lands (its file and directory syncs succeed) but the WAL rewrite fails:
    // the WAL still starts with the first checkpoint's marker, below the new snapshot. The spec
    // says a crash between the two steps recovers.
    faults.fail_nth_sync(3);
    assert!(matches!(engine.checkpoint(), Err(SubmitError::Io(_))));
    let dump = engine.dump();
    drop(engine);
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    assert_eq!(engine.dump(), dump);
    assert_eq!(engine.recovery_report().snapshot_lsn, Some(Lsn(3)));
    assert_eq!(engine.recovery_report().frames_replayed, 0);
    engine.submit(&create(4, 3), Slot(4)).unwrap();
    let dump = engine.dump();
    drop(engine);
    assert_eq!(
        AllocEngine::open(dir.path(), config()).unwrap().dump(),
        dump
    );
}

#[path = "engine_seam_tests.rs"]
mod seam;
