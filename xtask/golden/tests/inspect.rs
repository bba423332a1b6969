//! `golden inspect` on real database directories: built by the engines' own handles (so the
//! bytes are what an engine writes), then damaged the way the issue describes. Every case
//! snapshots the human and the JSON report, and checks that inspect changed no file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use golden::inspect::inspect;
use golden::inspect_format::{human, json, run};
use runtime::storage::DiskStorage;
use runtime::wal_file::{LockError, lock_dir};

/// Every file of `dir` with its bytes: inspect must leave this exactly as it was.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

/// Both renderings of `dir`'s report, checking that inspect touched nothing.
fn reports(dir: &Path, shown: &str) -> (String, String) {
    let before = contents(dir);
    let report = inspect(dir, shown, u32::MAX).expect("the directory is readable");
    let both = (human(&report), json(&report));
    assert_eq!(contents(dir), before, "inspect changed {shown}");
    both
}

fn snapshot_both(name: &str, dir: &Path) {
    let (human, json) = reports(dir, "DIR");
    insta::assert_snapshot!(format!("{name}_human"), human);
    insta::assert_snapshot!(format!("{name}_json"), json);
}

/// quota-core: a bucket, two debits, a checkpoint, one more debit. Returns the WAL path.
fn quota_db(dir: &Path, checkpoint: bool) -> PathBuf {
    use quota_core::command::{ClientRequest, Command};
    use quota_core::config::Config;
    use quota_core::engine::QuotaEngine;
    use quota_core::ids::{BucketId, ClientId, OperationId, Slot};
    let mut engine = QuotaEngine::open(dir, Config::small()).unwrap();
    let submit = |engine: &mut QuotaEngine, op: u64, command: Command| {
        let request = ClientRequest {
            operation_id: OperationId::new(u128::from(op)),
            client_id: ClientId::new(1),
            command,
        };
        engine.submit(&request, Slot::new(op)).unwrap();
    };
    let bucket_id = BucketId::new(7);
    submit(
        &mut engine,
        1,
        Command::CreateBucket {
            bucket_id,
            limit: 10,
            initial_balance: 10,
            refill_rate_per_slot: 1,
        },
    );
    submit(
        &mut engine,
        2,
        Command::Debit {
            bucket_id,
            amount: 3,
        },
    );
    if checkpoint {
        engine.checkpoint().unwrap();
    }
    submit(
        &mut engine,
        3,
        Command::Debit {
            bucket_id,
            amount: 4,
        },
    );
    dir.join(quota_core::recovery::WAL_FILE_NAME)
}

/// allocdb-core: a resource reserved for 2 slots, then a tick that writes its expiry (an
/// internal frame). Returns the WAL path.
fn allocdb_db(dir: &Path) -> PathBuf {
    use allocdb_core::command::{ClientRequest, Command};
    use allocdb_core::config::Config;
    use allocdb_core::engine::AllocEngine;
    use allocdb_core::ids::{ClientId, HolderId, OperationId, ResourceId, Slot};
    let mut engine = AllocEngine::open(dir, Config::small()).unwrap();
    for (op, command) in [
        (
            1,
            Command::CreateResource {
                resource_id: ResourceId::new(1),
            },
        ),
        (2, Command::reserve(ResourceId::new(1), HolderId::new(9), 2)),
    ] {
        let request = ClientRequest {
            operation_id: OperationId::new(op),
            client_id: ClientId::new(1),
            command,
        };
        engine.submit(&request, Slot::new(1)).unwrap();
    }
    engine.tick(Slot::new(5)).unwrap();
    dir.join(allocdb_core::recovery::WAL_FILE_NAME)
}

/// reservation-core: a pool and a hold, checkpointed.
fn reservation_db(dir: &Path) {
    use reservation_core::command::{ClientRequest, Command};
    use reservation_core::config::Config;
    use reservation_core::engine::ReservationEngine;
    use reservation_core::ids::{ClientId, HoldId, OperationId, PoolId, Slot};
    let mut engine = ReservationEngine::open(dir, Config::small()).unwrap();
    let pool_id = PoolId::new(3);
    for (op, command) in [
        (
            1,
            Command::CreatePool {
                pool_id,
                total_capacity: 5,
            },
        ),
        (
            2,
            Command::PlaceHold {
                hold_id: HoldId::new(4),
                pool_id,
                quantity: 2,
                ttl_slots: 3,
            },
        ),
    ] {
        let request = ClientRequest {
            operation_id: OperationId::new(op),
            client_id: ClientId::new(1),
            command,
        };
        engine.submit(&request, Slot::new(1)).unwrap();
    }
    engine.checkpoint().unwrap();
}

#[test]
fn a_version_1_allocdb_snapshot_has_no_footer_and_its_lsn_shows() {
    use allocdb_core::recovery::{SNAPSHOT_FILE_NAME, SNAPSHOT_FOOTER_MAGIC};
    use allocdb_core::snapshot::{LEGACY_SNAPSHOT_VERSION, SNAPSHOT_VERSION_OFFSET};
    let dir = tempfile::tempdir().unwrap();
    let mut engine =
        allocdb_core::engine::AllocEngine::open(dir.path(), allocdb_core::config::Config::small())
            .unwrap();
    engine.checkpoint().unwrap();
    drop(engine);
    let path = dir.path().join(SNAPSHOT_FILE_NAME);
    let file = std::fs::read(&path).unwrap();
    let mut legacy = runtime::snapshot_file::split_footer(&file, SNAPSHOT_FOOTER_MAGIC)
        .unwrap()
        .to_vec();
    legacy[SNAPSHOT_VERSION_OFFSET..SNAPSHOT_VERSION_OFFSET + 2]
        .copy_from_slice(&LEGACY_SNAPSHOT_VERSION.to_le_bytes());
    std::fs::write(&path, legacy).unwrap();
    let (human, _) = reports(dir.path(), "DIR");
    assert!(
        human.contains("no footer (version-1 format, written before the footer existed), lsn=0"),
        "{human}"
    );
    let mut damaged = file.clone();
    *damaged.last_mut().unwrap() ^= 1;
    std::fs::write(&path, damaged).unwrap();
    let (human, _) = reports(dir.path(), "DIR");
    assert!(
        human.contains("footer error: snapshot file: checksum mismatch"),
        "{human}"
    );
}

#[test]
fn a_healthy_database_with_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    quota_db(dir.path(), true);
    snapshot_both("healthy", dir.path());
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/inspect/corrupt-quota")
}

/// The committed fixture is the helper's database with one payload byte of its third frame
/// flipped: rebuilt here so that its origin stays checkable (`INSPECT_FIXTURE_WRITE=1`
/// rewrites it).
#[test]
fn the_corrupt_fixture_is_the_helpers_database_with_one_flipped_byte() {
    let dir = tempfile::tempdir().unwrap();
    let wal = quota_db(dir.path(), false);
    let mut bytes = std::fs::read(wal).unwrap();
    let frames = runtime::wal::scan(&bytes, quota_core::recovery::WAL_MAGIC, 1024).frames;
    let third = usize::try_from(frames[2].offset).unwrap();
    bytes[third + runtime::wal::HEADER_LEN + 5] ^= 0x10;
    let fixture = fixture_dir().join(quota_core::recovery::WAL_FILE_NAME);
    if std::env::var_os("INSPECT_FIXTURE_WRITE").is_some() {
        std::fs::create_dir_all(fixture_dir()).unwrap();
        std::fs::write(&fixture, &bytes).unwrap();
    }
    assert_eq!(std::fs::read(&fixture).unwrap(), bytes);
}

#[test]
fn a_corrupt_wal_shows_its_stop_reason_and_offset_and_stays_unchanged() {
    let (human, json) = reports(&fixture_dir(), "tests/fixtures/inspect/corrupt-quota");
    assert!(human.contains("stop: corruption at offset"), "{human}");
    insta::assert_snapshot!("corrupt_human", human);
    insta::assert_snapshot!("corrupt_json", json);
}

#[test]
fn a_zero_filled_tail_is_a_torn_tail_not_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let wal = allocdb_db(dir.path());
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes.extend_from_slice(&[0; 50]);
    std::fs::write(&wal, bytes).unwrap();
    snapshot_both("zero_filled", dir.path());
}

#[test]
fn a_leftover_temp_file_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    reservation_db(dir.path());
    let temp = runtime::wal_file::temp_path(
        &dir.path()
            .join(reservation_core::recovery::SNAPSHOT_FILE_NAME),
    );
    std::fs::write(temp, b"half a snapshot").unwrap();
    snapshot_both("leftover_tmp", dir.path());
}

#[test]
fn a_locked_directory_shows_held_and_stays_locked() {
    let dir = tempfile::tempdir().unwrap();
    quota_db(dir.path(), false);
    let held = lock_dir(dir.path(), &mut DiskStorage).unwrap();
    let (human, json) = reports(dir.path(), "DIR");
    assert!(human.contains("lock: held"), "{human}");
    assert!(json.contains("\"lock\": \"held\""), "{json}");
    assert!(matches!(
        lock_dir(dir.path(), &mut DiskStorage),
        Err(LockError::Locked { .. })
    ));
    drop(held);
    let (free, _) = reports(dir.path(), "DIR");
    assert!(free.contains("lock: free"), "{free}");
    insta::assert_snapshot!("locked_human", human);
}

#[test]
fn an_empty_directory_and_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    snapshot_both("empty", dir.path());
    std::fs::write(dir.path().join("notes.txt"), b"hello").unwrap();
    snapshot_both("unknown", dir.path());
    assert!(
        !dir.path().join("LOCK").exists(),
        "inspect never creates the lock file"
    );
}

#[test]
fn an_unknown_wal_magic_is_reported_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let wal = quota_db(dir.path(), false);
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes[..4].copy_from_slice(b"ZZZZ");
    std::fs::write(&wal, bytes).unwrap();
    snapshot_both("unknown_magic", dir.path());
}

#[test]
fn bad_usage_and_an_unreadable_directory_are_errors() {
    let missing = tempfile::tempdir().unwrap().path().join("missing");
    let missing = missing.to_str().unwrap();
    for words in [
        &[][..],
        &["a", "b"],
        &["a", "--format", "xml"],
        &["a", "--max-wal-payload-bytes", "-1"],
        &["a", "--bogus"],
    ] {
        assert!(matches!(run(words), Err((true, _))), "{words:?}");
    }
    assert!(matches!(run(&[missing]), Err((false, _))));
    let fixture = fixture_dir();
    let fixture = fixture.to_str().unwrap();
    let text = run(&[
        fixture,
        "--format",
        "json",
        "--max-wal-payload-bytes",
        "1024",
    ])
    .unwrap();
    assert!(text.contains("\"max_payload_bytes\": 1024"), "{text}");
}

/// No panic whatever the WAL holds: random bytes, and a real WAL with random damage, for
/// every engine's file name.
#[test]
fn arbitrary_wal_bytes_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let real = tempfile::tempdir().unwrap();
    let wal = std::fs::read(allocdb_db(real.path())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for round in 0..600 {
        let files = golden::engine_files::ALL[round % 3];
        let mut bytes = if round % 2 == 0 {
            let len = usize::try_from(next() % 200).unwrap();
            (0..len).map(|_| next().to_le_bytes()[0]).collect()
        } else {
            wal.clone()
        };
        for _ in 0..(next() % 4) {
            if !bytes.is_empty() {
                let at = usize::try_from(next() % bytes.len() as u64).unwrap();
                bytes[at] = next().to_le_bytes()[0];
            }
        }
        std::fs::write(dir.path().join(files.wal_file_name), &bytes).unwrap();
        std::fs::write(dir.path().join(files.snapshot_file_name), &bytes).unwrap();
        let report = inspect(dir.path(), "DIR", u32::MAX).unwrap();
        let _ = (human(&report), json(&report));
        for name in [files.wal_file_name, files.snapshot_file_name] {
            std::fs::remove_file(dir.path().join(name)).unwrap();
        }
    }
}
