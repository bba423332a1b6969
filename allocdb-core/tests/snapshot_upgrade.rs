//! Upgrading from snapshot version 1 (the file without a footer) to version 2.
//!
//! `tests/fixtures/v1-db` was written by the code before the footer existed: a checkpoint at
//! lsn 5 (three resources, an active bundle lease) followed by two more frames (a reserve and
//! the bundle's release). It must open with the state that the same commands give today, and
//! the next checkpoint must write version 2 with the footer. The fixture is copied first: the
//! committed files are never opened for writing.

use allocdb_core::recovery::SNAPSHOT_FOOTER_MAGIC;
use std::fs;
use std::path::Path;

use allocdb_core::command_codec::DecodeError;
use allocdb_core::snapshot::SnapshotError;
use allocdb_core::snapshot::{decode_snapshot, encode_snapshot};
use allocdb_core::{
    AllocEngine, ClientId, ClientRequest, Command, Config, HolderId, LeaseState, Lsn, OperationId,
    RecoveryError, ResourceId, ResourceState, SNAPSHOT_FILE_NAME, Slot, StateDump, WAL_FILE_NAME,
};
use runtime::snapshot_file::{FOOTER_LEN, SnapshotFileError, split_footer, with_footer};

/// The config the fixture was written with, plus the field version 2 added.
const CONFIG: Config = Config {
    shard_id: 1,
    max_resources: 4,
    max_leases: 4,
    max_lease_members: 8,
    max_bundle_size: 2,
    max_operations: 8,
    max_ttl_slots: 16,
    max_client_retry_window_slots: 8,
    lease_history_window_slots: 4,
    max_expiration_bucket_len: 2,
    max_wal_payload_bytes: 256,
    max_snapshot_bytes: 1 << 12,
    max_batch_commands: 64,
};

fn fixture() -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1-db");
    let dir = tempfile::tempdir().unwrap();
    for name in [SNAPSHOT_FILE_NAME, WAL_FILE_NAME] {
        fs::copy(from.join(name), dir.path().join(name)).unwrap();
    }
    dir
}

fn request(op: u128, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(1),
        command,
    }
}

/// The commands the fixture holds, run live on today's code.
fn expected_state() -> StateDump {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), CONFIG).unwrap();
    for id in 1..=3 {
        let create = Command::CreateResource {
            resource_id: ResourceId(id),
        };
        engine.submit(&request(id, create), Slot(0)).unwrap();
    }
    let bundle = Command::ReserveBundle {
        resource_ids: vec![ResourceId(1), ResourceId(2)],
        holder_id: HolderId(4),
        ttl_slots: 12,
    };
    let lease_id = engine
        .submit(&request(4, bundle), Slot(0))
        .unwrap()
        .lease_id
        .unwrap();
    let activate = Command::Activate {
        lease_id,
        holder_id: HolderId(4),
        lease_epoch: 1,
    };
    engine.submit(&request(5, activate), Slot(1)).unwrap();
    let reserve = Command::reserve(ResourceId(3), HolderId(5), 8);
    engine.submit(&request(6, reserve), Slot(2)).unwrap();
    let release = Command::Release {
        lease_id,
        holder_id: HolderId(4),
        lease_epoch: 1,
    };
    engine.submit(&request(7, release), Slot(3)).unwrap();
    engine.dump()
}

fn version(file: &[u8]) -> u16 {
    u16::from_le_bytes([file[4], file[5]])
}

#[test]
fn a_version_1_database_opens_and_its_next_checkpoint_writes_version_2() {
    let dir = fixture();
    let path = dir.path().join(SNAPSHOT_FILE_NAME);
    let old = fs::read(&path).unwrap();
    assert_eq!((&old[..4], version(&old)), (&b"ALSN"[..], 1));
    assert!(
        split_footer(&old, SNAPSHOT_FOOTER_MAGIC).is_err(),
        "a version-1 file has no footer"
    );

    let mut engine = AllocEngine::open(dir.path(), CONFIG).unwrap();
    let report = *engine.recovery_report();
    assert_eq!(
        (report.snapshot_lsn, report.frames_replayed),
        (Some(Lsn(5)), 2)
    );
    let dump = engine.dump();
    assert_eq!(dump, expected_state());
    assert_eq!(dump.last_applied_lsn, Lsn(7));
    assert_eq!(dump.resources[2].state, ResourceState::Reserved);
    assert_eq!(dump.leases[0].record.state, LeaseState::Released);

    assert_eq!(engine.checkpoint().unwrap(), Lsn(7));
    let new = fs::read(&path).unwrap();
    assert_eq!(version(&new), 2);
    let payload = split_footer(&new, SNAPSHOT_FOOTER_MAGIC).unwrap();
    assert_eq!(payload.len() + FOOTER_LEN, new.len());
    assert_eq!(&new[payload.len()..][..4], b"ALSF");
    assert_eq!(decode_snapshot(payload, &CONFIG).unwrap().dump(), dump);
    drop(engine);
    let reopened = AllocEngine::open(dir.path(), CONFIG).unwrap();
    assert_eq!(reopened.dump(), dump);
    assert_eq!(reopened.recovery_report().frames_replayed, 0);
}

/// The version decides the path: a version-1 file is decoded to its last byte or refused, a
/// version-2 file needs its footer, and both obey `max_snapshot_bytes`.
#[test]
fn each_version_gets_only_its_own_path() {
    let dir = fixture();
    let path = dir.path().join(SNAPSHOT_FILE_NAME);
    let old = fs::read(&path).unwrap();
    let refused = |bytes: &[u8]| {
        fs::write(&path, bytes).unwrap();
        AllocEngine::open(dir.path(), CONFIG).unwrap_err()
    };

    // Version 1 with anything after the snapshot, a footer included, is not admitted.
    let mut trailing = old.clone();
    trailing.push(0);
    let error = SnapshotError::Decode(DecodeError::TrailingBytes { count: 1 });
    assert_eq!(refused(&trailing), RecoveryError::Snapshot(error));
    let error = SnapshotError::Decode(DecodeError::TrailingBytes { count: 16 });
    assert_eq!(
        refused(&with_footer(&old, SNAPSHOT_FOOTER_MAGIC)),
        RecoveryError::Snapshot(error)
    );

    // Version 2 without its footer is refused by the footer check.
    let state = AllocEngine::open(fixture().path(), CONFIG).unwrap();
    let current = encode_snapshot(state.state());
    assert_eq!(version(&current), 2);
    assert!(matches!(refused(&current), RecoveryError::SnapshotFile(_)));

    // Both versions are refused above the bound before they are read (the file is not read,
    // so the padding's content does not matter).
    for file in [old, current] {
        let mut oversized = file;
        oversized.resize(usize::try_from(CONFIG.max_snapshot_bytes).unwrap() + 1, 0);
        assert_eq!(
            refused(&oversized),
            RecoveryError::SnapshotFile(SnapshotFileError::TooLarge {
                file_bytes: CONFIG.max_snapshot_bytes + 1,
                max: CONFIG.max_snapshot_bytes
            })
        );
    }
}
