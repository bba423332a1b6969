use super::*;
use crate::command::Command;
use crate::ids::{ClientId, OperationId};
use crate::result::ResultCode;
use runtime::snapshot_file::with_footer;
use runtime::testkit::FaultyStorage;
use runtime::wal::{encode_frame, scan};
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

fn create(op: u128, id: u128, limit: u64, initial: u64, rate: u64) -> ClientRequest {
    request(
        op,
        Command::CreateBucket {
            bucket_id: BucketId(id),
            limit,
            initial_balance: initial,
            refill_rate_per_slot: rate,
        },
    )
}

fn debit(op: u128, id: u128, amount: u64) -> ClientRequest {
    request(
        op,
        Command::Debit {
            bucket_id: BucketId(id),
            amount,
        },
    )
}

fn wal_len(engine: &QuotaEngine) -> u64 {
    fs::metadata(engine.wal_path()).unwrap().len()
}

fn faulty(dir: &Path) -> (QuotaEngine, FaultyStorage) {
    let faults = FaultyStorage::new();
    let engine = QuotaEngine::open_with_storage(dir, config(), Box::new(faults.clone())).unwrap();
    (engine, faults)
}

#[test]
fn submitted_commands_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = QuotaEngine::open(dir.path(), config()).unwrap();
    assert_eq!(engine.recovery_report().frames_replayed, 0);
    let ok = engine.submit(&create(1, 7, 10, 4, 1), Slot(2)).unwrap();
    assert_eq!(ok, CommandOutcome::code(ResultCode::Ok));
    let spent = engine.submit(&debit(2, 7, 5), Slot(3)).unwrap();
    assert_eq!(spent, CommandOutcome::debit(ResultCode::Ok, 0));
    assert_eq!(
        engine.get_bucket(BucketId(7)).unwrap().last_refill_slot,
        Slot(3)
    );
    let dump = engine.dump();
    drop(engine);
    let engine = QuotaEngine::open(dir.path(), config()).unwrap();
    assert_eq!(engine.dump(), dump);
    assert_eq!(engine.recovery_report().frames_replayed, 2);
    assert_eq!(engine.wal_path(), dir.path().join(WAL_FILE_NAME));
    assert_eq!(engine.snapshot_path(), dir.path().join(SNAPSHOT_FILE_NAME));
    assert_eq!(engine.state().last_applied_lsn(), Lsn(2));
}

#[test]
fn duplicates_conflicts_and_regressions_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = QuotaEngine::open(dir.path(), config()).unwrap();
    engine.submit(&create(1, 7, 10, 10, 0), Slot(5)).unwrap();
    let first = engine.submit(&debit(2, 7, 3), Slot(5)).unwrap();
    let len = wal_len(&engine);
    assert_eq!(engine.submit(&debit(2, 7, 3), Slot(6)).unwrap(), first);
    let conflict = engine.submit(&debit(2, 7, 4), Slot(6)).unwrap();
    assert_eq!(conflict.result_code, ResultCode::OperationConflict);
    assert_eq!(
        engine.submit(&debit(3, 7, 1), Slot(4)),
        Err(SubmitError::SlotRegression {
            request_slot: Slot(4),
            last_slot: Slot(5)
        })
    );
    assert_eq!(
        engine.tick(Slot(4)),
        Err(SubmitError::SlotRegression {
            request_slot: Slot(4),
            last_slot: Slot(5)
        })
    );
    engine.tick(Slot(100)).unwrap();
    assert_eq!(wal_len(&engine), len, "tick writes nothing");
    assert_eq!(engine.state().last_request_slot(), Slot(5));
    assert_eq!(engine.get_bucket(BucketId(7)).unwrap().balance, 7);
}

#[test]
fn batch_matches_one_by_one_submission_with_one_sync() {
    let batch = vec![
        create(1, 1, 10, 5, 1),
        debit(2, 1, 3),
        debit(2, 1, 3),
        debit(2, 1, 4),
        debit(3, 1, 9),
        create(1, 1, 10, 5, 1),
        debit(4, 2, 1),
        debit(5, 1, 0),
    ];
    let one_dir = tempfile::tempdir().unwrap();
    let mut one = QuotaEngine::open(one_dir.path(), config()).unwrap();
    let expected: Vec<CommandOutcome> = batch
        .iter()
        .map(|request| one.submit(request, Slot(3)).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, faults) = faulty(dir.path());
    let syncs = faults.with_plan(|plan| plan.syncs);
    let outcomes = engine.submit_batch(&batch, Slot(3)).unwrap();
    assert_eq!(outcomes, expected);
    assert_eq!(faults.with_plan(|plan| plan.syncs), syncs + 1);
    assert_eq!(engine.dump(), one.dump());
    assert_eq!(
        fs::read(engine.wal_path()).unwrap(),
        fs::read(one.wal_path()).unwrap()
    );
    // A batch of pure duplicates writes and syncs nothing.
    let again = engine.submit_batch(&batch[..2], Slot(3)).unwrap();
    assert_eq!(again, expected[..2].to_vec());
    assert_eq!(faults.with_plan(|plan| plan.syncs), syncs + 1);
    assert_eq!(engine.submit_batch(&[], Slot(3)), Ok(Vec::new()));
    assert!(matches!(
        engine.submit_batch(&batch, Slot(2)),
        Err(SubmitError::SlotRegression { .. })
    ));
}

/// `crash_tests` runs the kit's fault driver (a failed write, short write or sync halts
/// `submit` and `checkpoint`, a reopen resolves the step); ticks and batches refuse too.
#[test]
fn a_halted_handle_refuses_ticks_and_batches() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, faults) = faulty(dir.path());
    engine.submit(&create(1, 1, 10, 10, 0), Slot(1)).unwrap();
    faults.fail_nth_write(1);
    let error = engine.submit(&debit(2, 1, 1), Slot(1)).unwrap_err();
    assert!(matches!(error, SubmitError::Io(ref e) if e.op == FileOp::Write));
    assert_eq!(engine.tick(Slot(1)), Err(SubmitError::EngineHalted));
    assert_eq!(
        engine.submit_batch(&[debit(3, 1, 1)], Slot(1)),
        Err(SubmitError::EngineHalted)
    );
}

#[test]
fn failed_sync_and_short_write_halt_and_recover_the_durable_prefix() {
    for short in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let (mut engine, faults) = faulty(dir.path());
        engine.submit(&create(1, 1, 10, 10, 0), Slot(1)).unwrap();
        if short {
            faults.short_nth_write(1);
        } else {
            faults.fail_nth_sync(1);
        }
        let batch = [debit(2, 1, 1), debit(3, 1, 1), debit(5, 1, 1)];
        let error = engine.submit_batch(&batch, Slot(1));
        assert!(matches!(error, Err(SubmitError::Io(_))), "{error:?}");
        assert!(engine.is_halted());
        assert_eq!(
            engine.submit(&debit(4, 1, 1), Slot(1)),
            Err(SubmitError::EngineHalted)
        );
        drop(engine);
        let engine = QuotaEngine::open(dir.path(), config()).unwrap();
        let balance = engine.get_bucket(BucketId(1)).unwrap().balance;
        // The WAL cut the failed call's frames back to its last synced length (a short
        // write's whole first frame and torn second, or a failed sync's three: Linux never
        // writes a failed writeback's pages), so the reopen finds none of them.
        assert_eq!(balance, 10, "short write: {short}");
        assert_eq!(engine.recovery_report().truncated_bytes, 0);
        engine.state().validate_invariants().unwrap();
    }
}

#[test]
fn checkpoint_rewrites_the_wal_as_one_marker() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = QuotaEngine::open(dir.path(), config()).unwrap();
    engine.submit(&create(1, 1, 10, 10, 2), Slot(1)).unwrap();
    engine.submit(&debit(2, 1, 4), Slot(4)).unwrap();
    assert_eq!(engine.checkpoint(), Ok(Lsn(2)));
    let wal = fs::read(engine.wal_path()).unwrap();
    let scanned = scan(&wal, WAL_MAGIC, u32::MAX);
    assert_eq!(scanned.frames.len(), 1);
    let marker = scanned.frames[0];
    assert_eq!(
        (marker.lsn, marker.request_slot, marker.record_type),
        (2, 4, SNAPSHOT_MARKER)
    );
    engine.submit(&debit(3, 1, 1), Slot(5)).unwrap();
    let dump = engine.dump();
    drop(engine);
    let engine = QuotaEngine::open(dir.path(), config()).unwrap();
    assert_eq!(engine.dump(), dump);
    assert_eq!(engine.recovery_report().snapshot_lsn, Some(Lsn(2)));
    assert_eq!(engine.recovery_report().frames_replayed, 1);
}

#[test]
fn failed_snapshot_write_keeps_the_handle_and_failed_rewrite_halts_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, faults) = faulty(dir.path());
    engine.submit(&create(1, 1, 10, 10, 0), Slot(1)).unwrap();
    faults.fail_nth_write(1);
    assert!(matches!(engine.checkpoint(), Err(SubmitError::Io(_))));
    assert!(!engine.is_halted());
    engine.submit(&debit(2, 1, 1), Slot(1)).unwrap();
    // Snapshot: write + sync + dir sync; the WAL rewrite's temp file is the second write.
    faults.fail_nth_write(2);
    assert!(matches!(engine.checkpoint(), Err(SubmitError::Io(_))));
    assert!(engine.is_halted());
    drop(engine);
    let engine = QuotaEngine::open(dir.path(), config()).unwrap();
    assert_eq!(engine.get_bucket(BucketId(1)).unwrap().balance, 9);
    assert_eq!(engine.recovery_report().snapshot_lsn, Some(Lsn(2)));
}

#[test]
fn lsn_exhaustion_is_a_definite_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = StateMachine::new(config());
    state.last_applied_lsn = Lsn(u64::MAX);
    let snapshot = with_footer(&encode_snapshot(&state), SNAPSHOT_FOOTER_MAGIC);
    fs::write(dir.path().join(SNAPSHOT_FILE_NAME), snapshot).unwrap();
    let mut marker = Vec::new();
    encode_frame(&mut marker, WAL_MAGIC, u64::MAX, 0, SNAPSHOT_MARKER, &[]);
    fs::write(dir.path().join(WAL_FILE_NAME), &marker).unwrap();
    let mut engine = QuotaEngine::open(dir.path(), config()).unwrap();
    assert_eq!(
        engine.submit(&create(1, 1, 1, 1, 1), Slot(1)),
        Err(SubmitError::LsnExhausted)
    );
    assert_eq!(
        engine.submit_batch(&[create(1, 1, 1, 1, 1)], Slot(1)),
        Err(SubmitError::LsnExhausted)
    );
    assert!(!engine.is_halted());
    assert_eq!(fs::read(engine.wal_path()).unwrap(), marker);
}

#[test]
fn submit_errors_display() {
    for error in [
        SubmitError::SlotRegression {
            request_slot: Slot(1),
            last_slot: Slot(2),
        },
        SubmitError::EngineHalted,
        SubmitError::LsnExhausted,
        SubmitError::SnapshotFile(SnapshotFileError::TooShort { file_bytes: 1 }),
    ] {
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn a_second_checkpoint_cut_before_the_wal_rewrite_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, faults) = faulty(dir.path());
    engine.submit(&create(1, 1, 10, 10, 0), Slot(1)).unwrap();
    assert_eq!(engine.checkpoint().unwrap(), Lsn(1));
    engine.submit(&debit(2, 1, 1), Slot(2)).unwrap();
    engine.submit(&debit(3, 1, 2), Slot(3)).unwrap();
    // The new snapshot lands; the WAL, which starts with the first checkpoint's marker, does
    // not get rewritten (the crash window the spec says recovers).
    faults.fail_nth_write(2);
    assert!(matches!(engine.checkpoint(), Err(SubmitError::Io(_))));
    let dump = engine.dump();
    drop(engine);
    let mut engine = QuotaEngine::open(dir.path(), config()).unwrap();
    assert_eq!(engine.dump(), dump);
    assert_eq!(engine.recovery_report().snapshot_lsn, Some(Lsn(3)));
    assert_eq!(engine.recovery_report().frames_replayed, 0);
    engine.submit(&debit(4, 1, 3), Slot(4)).unwrap();
    let dump = engine.dump();
    drop(engine);
    assert_eq!(
        QuotaEngine::open(dir.path(), config()).unwrap().dump(),
        dump
    );
}

#[test]
fn operation_retire_queue_lists_entries_oldest_first_with_their_slots() {
    use runtime::retire_queue::RetireEntry;
    let dir = tempfile::tempdir().unwrap();
    let mut engine = QuotaEngine::open(dir.path(), config()).unwrap();
    let window = config().max_client_retry_window_slots;
    let entry = |op: u128, retire_after_slot: u64| RetireEntry {
        key: OperationId(op),
        retire_after_slot,
    };
    // Pushed in arrival order, not id order.
    engine.submit(&create(9, 1, 10, 10, 1), Slot(0)).unwrap();
    engine.submit(&debit(2, 1, 1), Slot(0)).unwrap();
    engine.submit(&debit(3, 1, 1), Slot(2)).unwrap();
    let queue: Vec<_> = engine.state().operation_retire_queue().collect();
    assert_eq!(
        queue,
        [entry(9, window), entry(2, window), entry(3, 2 + window)]
    );
    // A duplicate writes nothing and queues nothing.
    engine.submit(&debit(3, 1, 1), Slot(2)).unwrap();
    assert_eq!(engine.state().operation_retire_queue().count(), 3);
    engine.submit(&debit(4, 1, 1), Slot(window + 1)).unwrap();
    let queue: Vec<_> = engine.state().operation_retire_queue().collect();
    assert_eq!(queue, [entry(3, 2 + window), entry(4, 2 * window + 1)]);
}
