//! Boundedness: a long workload (100,000+ commands, with operation retirement, full tables
//! and checkpoints) never grows any table or queue beyond what `open` reserved.

mod common;

use quota_core::{ClientRequest, Config, Slot};

use common::open_fast;

#[test]
fn allocations_stay_fixed_over_a_long_workload() {
    let config = Config {
        max_buckets: 16,
        max_operations: 64,
        max_client_retry_window_slots: 3,
        max_wal_payload_bytes: 128,
        max_snapshot_bytes: 1 << 16,
        max_batch_commands: 64,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open_fast(dir.path(), config);
    let reserved = engine.state().allocations();
    let mut batch: Vec<ClientRequest> = Vec::with_capacity(32);
    let mut operation: u128 = 0;
    let mut codes = [0_u64; 9];
    for round in 0..3_200_u64 {
        batch.clear();
        for index in 0..32_u64 {
            operation += 1;
            let bucket = u128::from((round + index) % 20);
            let command = if index % 8 == 0 {
                common::create(bucket, 50, 25, 2)
            } else {
                common::debit(bucket, index % 6)
            };
            batch.push(common::request(operation, 1, command));
        }
        for outcome in engine.submit_batch(&batch, Slot(round)).unwrap() {
            codes[usize::from(outcome.result_code.to_u8())] += 1;
        }
        if round % 400 == 399 {
            engine.checkpoint().unwrap();
        }
    }
    assert!(codes.iter().sum::<u64>() >= 100_000);
    assert!(codes[7] > 0, "the operation table filled up: {codes:?}");
    assert_eq!(engine.state().allocations(), reserved);
    let [buckets, operations] = engine.state().table_lens();
    assert!(buckets <= 16 && operations <= 64);
    engine.state().validate_invariants().unwrap();
    let dump = engine.dump();
    drop(engine);
    let engine = open_fast(dir.path(), config);
    assert_eq!(engine.dump(), dump);
    assert_eq!(engine.state().allocations(), reserved);
}
