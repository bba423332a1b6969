use super::*;
use crate::command::Command;
use crate::ids::{ClientId, OperationId};
use crate::result::ResultCode;
use crate::state_machine::HoldState;
use runtime::snapshot_file::{FOOTER_LEN, SnapshotFileError};
use runtime::testkit::FaultyStorage;
use runtime::wal::{RecordType, ScanStopReason, TailKind, scan};
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

fn pool(id: u128, total: u64) -> Command {
    Command::CreatePool {
        pool_id: PoolId(id),
        total_capacity: total,
    }
}

fn place(hold: u128, quantity: u64, ttl: u64) -> Command {
    Command::PlaceHold {
        hold_id: HoldId(hold),
        pool_id: PoolId(1),
        quantity,
        ttl_slots: ttl,
    }
}

fn frames_of(engine: &ReservationEngine) -> Vec<(u64, u64, RecordType)> {
    let bytes = fs::read(engine.wal_path()).unwrap();
    scan(&bytes, WAL_MAGIC, u32::MAX)
        .frames
        .iter()
        .map(|f| (f.lsn, f.request_slot, f.record_type))
        .collect()
}

#[test]
fn submit_applies_and_reads_go_through_the_handle() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    assert_eq!(engine.recovery_report().frames_replayed, 0);
    let ok = engine.submit(&request(1, pool(1, 10)), Slot(0)).unwrap();
    assert_eq!(ok.result_code, ResultCode::Ok);
    let placed = engine.submit(&request(2, place(5, 4, 3)), Slot(1)).unwrap();
    assert_eq!(placed.deadline_slot, Some(Slot(4)));
    assert_eq!(engine.get_pool(PoolId(1)).unwrap().held_capacity, 4);
    assert_eq!(engine.get_hold(HoldId(5)).unwrap().state, HoldState::Held);
    assert_eq!(
        engine.get_hold(HoldId(6)),
        Err(HoldLookupError::HoldNotFound)
    );
    assert_eq!(engine.state().last_applied_lsn(), Lsn(2));
    assert!(engine.snapshot_path().ends_with(SNAPSHOT_FILE_NAME));
    assert!(engine.wal_path().ends_with(WAL_FILE_NAME));
    assert!(!engine.is_halted());
    let dump = engine.dump();
    drop(engine);
    let reopened = ReservationEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.dump(), dump);
    assert_eq!(reopened.recovery_report().frames_replayed, 2);
}

#[test]
fn duplicates_and_conflicts_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    engine.submit(&request(1, pool(1, 10)), Slot(0)).unwrap();
    let len = fs::metadata(engine.wal_path()).unwrap().len();
    let again = engine.submit(&request(1, pool(1, 10)), Slot(3)).unwrap();
    assert_eq!(again.result_code, ResultCode::Ok, "the stored outcome");
    let conflict = engine.submit(&request(1, pool(2, 10)), Slot(3)).unwrap();
    assert_eq!(conflict.result_code, ResultCode::OperationConflict);
    assert_eq!(fs::metadata(engine.wal_path()).unwrap().len(), len);
    assert_eq!(engine.state().last_applied_lsn(), Lsn(1));
    let after_window = engine.submit(&request(1, pool(1, 10)), Slot(9)).unwrap();
    assert_eq!(after_window.result_code, ResultCode::AlreadyExists);
}

#[test]
fn slot_regression_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    engine.submit(&request(1, pool(1, 10)), Slot(5)).unwrap();
    let expected = SubmitError::SlotRegression {
        request_slot: Slot(4),
        last_slot: Slot(5),
    };
    assert_eq!(
        engine.submit(&request(2, pool(2, 1)), Slot(4)),
        Err(expected.clone())
    );
    assert_eq!(engine.tick(Slot(4)), Err(expected.clone()));
    assert_eq!(
        engine.submit_batch(&[request(2, pool(2, 1))], Slot(4)),
        Err(expected.clone())
    );
    assert!(expected.to_string().contains("below"));
    assert_eq!(frames_of(&engine).len(), 1);
}

#[test]
fn tick_writes_due_expiries_in_deadline_then_id_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    engine.submit(&request(1, pool(1, 100)), Slot(0)).unwrap();
    for (op, (hold, ttl)) in (2..).zip([(9, 3), (2, 4), (7, 3), (4, 4)]) {
        engine
            .submit(&request(op, place(hold, 1, ttl)), Slot(0))
            .unwrap();
    }
    assert_eq!(engine.tick(Slot(2)).unwrap(), vec![], "nothing due");
    assert_eq!(frames_of(&engine).len(), 5);
    let outcomes = engine.tick(Slot(6)).unwrap();
    let ids: Vec<u128> = outcomes.iter().map(|o| o.hold_id.unwrap().get()).collect();
    assert_eq!(ids, vec![7, 9, 2, 4]);
    let frames = frames_of(&engine);
    assert_eq!(frames.len(), 9);
    for (index, frame) in frames[5..].iter().enumerate() {
        assert_eq!(*frame, (6 + index as u64, 6, INTERNAL_COMMAND));
    }
    assert_eq!(engine.get_pool(PoolId(1)).unwrap().held_capacity, 0);
}

#[test]
fn submit_expires_due_holds_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    engine.submit(&request(1, pool(1, 10)), Slot(0)).unwrap();
    engine
        .submit(&request(2, place(1, 10, 2)), Slot(0))
        .unwrap();
    let confirm = Command::ConfirmHold { hold_id: HoldId(1) };
    let late = engine.submit(&request(3, confirm), Slot(2)).unwrap();
    assert_eq!(late.result_code, ResultCode::HoldExpired);
    assert_eq!(
        engine.get_hold(HoldId(1)).unwrap().state,
        HoldState::Expired
    );
    let types: Vec<RecordType> = frames_of(&engine).iter().map(|f| f.2).collect();
    assert_eq!(
        types,
        vec![
            CLIENT_COMMAND,
            CLIENT_COMMAND,
            INTERNAL_COMMAND,
            CLIENT_COMMAND
        ]
    );
}

#[test]
fn submit_internal_reaches_noop_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    let noop = InternalCommand::ExpireHold { hold_id: HoldId(3) };
    let outcome = engine.submit_internal(&noop, Slot(2)).unwrap();
    assert_eq!(outcome.result_code, ResultCode::Noop);
    drop(engine);
    let reopened = ReservationEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.state().last_applied_lsn(), Lsn(1));
}

#[test]
fn batch_is_one_sync_and_matches_one_by_one() {
    let requests = vec![
        request(1, pool(1, 10)),
        request(2, place(1, 6, 3)),
        request(2, place(1, 6, 3)),
        request(2, place(2, 1, 3)),
        request(3, place(2, 6, 3)),
        request(4, Command::ReleaseHold { hold_id: HoldId(1) }),
        request(5, place(2, 6, 3)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultyStorage::new();
    let mut batched =
        ReservationEngine::open_with_storage(dir.path(), config(), Box::new(faults.clone()))
            .unwrap();
    let syncs = faults.with_plan(|plan| plan.syncs);
    let outcomes = batched.submit_batch(&requests, Slot(1)).unwrap();
    assert_eq!(faults.with_plan(|plan| plan.syncs), syncs + 1);
    assert_eq!(faults.with_plan(|plan| plan.writes), 1);
    let other = tempfile::tempdir().unwrap();
    let mut single = ReservationEngine::open(other.path(), config()).unwrap();
    let one_by_one: Vec<CommandOutcome> = requests
        .iter()
        .map(|r| single.submit(r, Slot(1)).unwrap())
        .collect();
    assert_eq!(outcomes, one_by_one);
    let codes: Vec<ResultCode> = outcomes.iter().map(|o| o.result_code).collect();
    let expected = [
        ResultCode::Ok,
        ResultCode::Ok,
        ResultCode::Ok,
        ResultCode::OperationConflict,
        ResultCode::InsufficientCapacity,
        ResultCode::Ok,
        ResultCode::Ok,
    ];
    assert_eq!(codes, expected);
    assert_eq!(batched.dump(), single.dump());
    assert_eq!(batched.submit_batch(&[], Slot(1)).unwrap(), vec![]);
}

#[test]
fn checkpoint_rewrites_the_wal_as_one_marker() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    engine.submit(&request(1, pool(1, 10)), Slot(0)).unwrap();
    engine.submit(&request(2, place(1, 3, 5)), Slot(1)).unwrap();
    assert_eq!(engine.checkpoint().unwrap(), Lsn(2));
    assert_eq!(frames_of(&engine), vec![(2, 1, SNAPSHOT_MARKER)]);
    engine.submit(&request(3, place(2, 3, 5)), Slot(2)).unwrap();
    let dump = engine.dump();
    drop(engine);
    let reopened = ReservationEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.dump(), dump);
    assert_eq!(reopened.recovery_report().snapshot_lsn, Some(Lsn(2)));
    assert_eq!(reopened.recovery_report().frames_replayed, 1);
}

fn faulty_engine() -> (tempfile::TempDir, FaultyStorage, ReservationEngine) {
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultyStorage::new();
    let mut engine =
        ReservationEngine::open_with_storage(dir.path(), config(), Box::new(faults.clone()))
            .unwrap();
    engine.submit(&request(1, pool(1, 10)), Slot(0)).unwrap();
    (dir, faults, engine)
}

fn assert_halted(engine: &mut ReservationEngine) {
    assert!(engine.is_halted());
    let halted = Err(SubmitError::EngineHalted);
    assert_eq!(engine.submit(&request(9, pool(9, 1)), Slot(5)), halted);
    assert_eq!(engine.tick(Slot(5)), Err(SubmitError::EngineHalted));
    assert_eq!(engine.checkpoint(), Err(SubmitError::EngineHalted));
    assert_eq!(
        engine.submit_batch(&[request(9, pool(9, 1))], Slot(5)),
        Err(SubmitError::EngineHalted)
    );
    assert!(SubmitError::EngineHalted.to_string().contains("reopen"));
}

/// `crash_tests` runs the kit's fault driver on `submit` (a failed write, short write or sync
/// halts the handle, a reopen resolves the step); a failed batch halts it the same way.
#[test]
fn a_failed_batch_write_halts_the_handle() {
    let (_dir, faults, mut engine) = faulty_engine();
    faults.fail_nth_write(1);
    let error = engine.submit_batch(&[request(2, pool(2, 1))], Slot(1));
    assert!(
        matches!(&error, Err(SubmitError::Io(e)) if e.op == FileOp::Write),
        "{error:?}"
    );
    assert_halted(&mut engine);
}

#[test]
fn failed_checkpoint_write_keeps_the_handle_but_a_failed_rewrite_halts_it() {
    let (dir, faults, mut engine) = faulty_engine();
    faults.fail_nth_write(1);
    assert!(matches!(engine.checkpoint(), Err(SubmitError::Io(_))));
    assert!(!engine.is_halted());
    // Snapshot: write ok, sync ok, dir sync ok; WAL rewrite: write fails.
    faults.fail_nth_write(2);
    assert!(matches!(engine.checkpoint(), Err(SubmitError::Io(_))));
    assert_halted(&mut engine);
    drop(engine);
    let reopened = ReservationEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.state().last_applied_lsn(), Lsn(1));
}

#[test]
fn lsn_exhaustion_is_a_definite_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = StateMachine::new(config());
    state.last_applied_lsn = Lsn(u64::MAX - 1);
    let path = dir.path().join(SNAPSHOT_FILE_NAME);
    let bytes = encode_snapshot(&state);
    let mut ops = DiskStorage;
    write_snapshot_file(
        &path,
        &bytes,
        SNAPSHOT_FOOTER_MAGIC,
        config().max_snapshot_bytes,
        &mut ops,
    )
    .unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    engine.submit(&request(1, pool(1, 10)), Slot(0)).unwrap();
    assert_eq!(engine.state().last_applied_lsn(), Lsn(u64::MAX));
    let error = engine.submit(&request(2, pool(2, 10)), Slot(0));
    assert_eq!(error, Err(SubmitError::LsnExhausted));
    assert!(!engine.is_halted());
    assert!(SubmitError::LsnExhausted.to_string().contains("lsn"));
}

#[test]
fn snapshot_footer_corruption_is_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    engine.submit(&request(1, pool(1, 10)), Slot(0)).unwrap();
    engine.checkpoint().unwrap();
    drop(engine);
    let path = dir.path().join(SNAPSHOT_FILE_NAME);
    let good = fs::read(&path).unwrap();
    let footer = good.len() - FOOTER_LEN;
    let open_with = |bytes: &[u8]| {
        fs::write(&path, bytes).unwrap();
        ReservationEngine::open(dir.path(), config()).unwrap_err()
    };
    let mut magic = good.clone();
    magic[footer + 3] ^= 0x80;
    assert!(matches!(
        open_with(&magic),
        RecoveryError::SnapshotFile(SnapshotFileError::BadFooterMagic { .. })
    ));
    let mut length = good.clone();
    length[footer + 4] ^= 1;
    assert!(matches!(
        open_with(&length),
        RecoveryError::SnapshotFile(SnapshotFileError::LengthMismatch { .. })
    ));
    for at in [0, footer - 1, footer + 12] {
        let mut checksum = good.clone();
        checksum[at] ^= 1;
        assert!(matches!(
            open_with(&checksum),
            RecoveryError::SnapshotFile(SnapshotFileError::ChecksumMismatch { .. })
        ));
    }
    let max = config().max_snapshot_bytes;
    let oversize = vec![0; usize::try_from(max).unwrap() + 1];
    assert_eq!(
        open_with(&oversize),
        RecoveryError::SnapshotFile(SnapshotFileError::TooLarge {
            file_bytes: max + 1,
            max
        })
    );
    fs::write(&path, &good).unwrap();
    assert!(ReservationEngine::open(dir.path(), config()).is_ok());
}

#[test]
fn a_torn_tail_is_cut_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    engine.submit(&request(1, pool(1, 10)), Slot(0)).unwrap();
    let wal = engine.wal_path();
    let len = fs::metadata(&wal).unwrap().len();
    drop(engine);
    let mut bytes = fs::read(&wal).unwrap();
    bytes.extend_from_slice(&[1, 2, 3]);
    fs::write(&wal, &bytes).unwrap();
    let engine = ReservationEngine::open(dir.path(), config()).unwrap();
    let report = engine.recovery_report();
    assert_eq!(
        report.stop_reason,
        ScanStopReason::TornTail {
            offset: len,
            kind: TailKind::Partial,
        }
    );
    assert_eq!(report.truncated_bytes, 3);
    assert_eq!(fs::metadata(&wal).unwrap().len(), len);
}

#[test]
fn a_second_checkpoint_cut_before_the_wal_rewrite_still_opens() {
    let (dir, faults, mut engine) = faulty_engine();
    assert_eq!(engine.checkpoint().unwrap(), Lsn(1));
    engine.submit(&request(2, place(1, 3, 5)), Slot(1)).unwrap();
    engine.submit(&request(3, place(2, 4, 5)), Slot(2)).unwrap();
    // The new snapshot lands; the WAL, which starts with the first checkpoint's marker, does
    // not get rewritten (the crash window the spec says recovers).
    faults.fail_nth_write(2);
    assert!(matches!(engine.checkpoint(), Err(SubmitError::Io(_))));
    let dump = engine.dump();
    drop(engine);
    let mut engine = ReservationEngine::open(dir.path(), config()).unwrap();
    assert_eq!(engine.dump(), dump);
    assert_eq!(engine.recovery_report().snapshot_lsn, Some(Lsn(3)));
    assert_eq!(engine.recovery_report().frames_replayed, 0);
    engine.submit(&request(4, place(3, 1, 5)), Slot(3)).unwrap();
    let dump = engine.dump();
    drop(engine);
    let reopened = ReservationEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.dump(), dump);
}

#[path = "engine_seam_tests.rs"]
mod seam;
