//! Boundedness: after 100,000+ commands with retirement (operations, lease history) and
//! periodic checkpoints, no table, queue or index has grown its allocation beyond what `open`
//! reserved, and every table is within its configured capacity.

use allocdb_core::{
    AllocEngine, ClientId, ClientRequest, Command, Config, HolderId, LeaseId, OperationId,
    ResourceId, ResultCode, Slot,
};
use runtime::testkit::FaultyStorage;

fn config() -> Config {
    Config {
        shard_id: 1,
        max_resources: 32,
        max_leases: 32,
        max_lease_members: 64,
        max_bundle_size: 2,
        max_operations: 256,
        max_ttl_slots: 4,
        max_client_retry_window_slots: 1,
        lease_history_window_slots: 2,
        max_expiration_bucket_len: 32,
        max_wal_payload_bytes: 256,
        max_snapshot_bytes: 1 << 16,
        max_batch_commands: 128,
    }
}

fn request(op: u64, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(u128::from(op)),
        client_id: ClientId(1),
        command,
    }
}

/// One group commit of 100 mixed commands over the current leases.
fn batch(engine: &AllocEngine, op: &mut u64) -> Vec<ClientRequest> {
    let leases: Vec<(LeaseId, u64)> = engine
        .dump()
        .leases
        .iter()
        .map(|l| (l.record.lease_id, l.record.lease_epoch))
        .collect();
    let mut batch = Vec::with_capacity(100);
    for i in 0..100_u64 {
        *op += 1;
        let x = op.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        let resource = ResourceId(u128::from(x % 32));
        let picked = leases
            .get(usize::try_from(x).unwrap() % leases.len().max(1))
            .copied();
        let holder_id = HolderId(1);
        let command = match (i % 4, picked) {
            (0 | 1, _) | (_, None) => Command::reserve(resource, holder_id, 1 + x % 4),
            (2, Some((lease_id, lease_epoch))) => Command::Activate {
                lease_id,
                holder_id,
                lease_epoch,
            },
            (_, Some((lease_id, lease_epoch))) if x.is_multiple_of(3) => Command::Release {
                lease_id,
                holder_id,
                lease_epoch,
            },
            (_, Some((lease_id, _))) if x % 3 == 1 => Command::Reclaim { lease_id },
            (_, Some((lease_id, _))) => Command::Revoke { lease_id },
        };
        batch.push(request(*op, command));
    }
    batch
}

#[test]
fn long_run_never_grows_any_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open_with_storage(
        dir.path(),
        config(),
        Box::new(FaultyStorage::skipping_syncs()),
    )
    .unwrap();
    let reserved = engine.state().allocations();
    let creates: Vec<ClientRequest> = (0..32)
        .map(|id| {
            request(
                id,
                Command::CreateResource {
                    resource_id: ResourceId(u128::from(id)),
                },
            )
        })
        .collect();
    engine.submit_batch(&creates, Slot(0)).unwrap();
    let (mut op, mut ok, mut commands) = (1_000_u64, 0_u64, 32_u64);
    for round in 1..=1_100_u64 {
        let requests = batch(&engine, &mut op);
        let outcomes = engine.submit_batch(&requests, Slot(round)).unwrap();
        ok += outcomes
            .iter()
            .filter(|o| o.result_code == ResultCode::Ok)
            .count() as u64;
        commands += 100;
        if round % 250 == 0 {
            engine.checkpoint().unwrap();
        }
    }
    assert!(commands >= 100_000);
    assert!(ok > 10_000, "the workload must mostly succeed ({ok} Ok)");
    let state = engine.state();
    assert_eq!(state.allocations(), reserved, "no allocation may grow");
    let [resources, leases, members, expiry, operations] = state.table_lens();
    assert!(resources <= 32 && leases <= 32 && members <= 64 && expiry <= 32 && operations <= 256);
    assert!(
        state.retired_lease_watermark().is_some(),
        "lease history must have retired"
    );
    state.validate_invariants().unwrap();
    let dump = engine.dump();
    drop(engine);
    let reopened = AllocEngine::open(dir.path(), config()).unwrap();
    assert_eq!(reopened.state().allocations(), reserved);
    assert_eq!(reopened.dump(), dump);
}
