//! No client input reaches an `assert!`: any field values, any slots, any operation ids,
//! through the handle, never panic and keep every invariant; arbitrary payloads and
//! snapshots on disk, even with valid checksums, are refused with typed errors or applied,
//! never a panic.

mod common;

use quota_core::recovery::SNAPSHOT_FOOTER_MAGIC;
use std::fs;

use proptest::prelude::*;
use quota_core::recovery::{CLIENT_COMMAND, INTERNAL_COMMAND, WAL_MAGIC};
use quota_core::{
    BucketId, ClientId, ClientRequest, Command, Config, OperationId, QuotaEngine,
    SNAPSHOT_FILE_NAME, Slot, SubmitError, WAL_FILE_NAME,
};
use runtime::snapshot_file::with_footer;
use runtime::wal::encode_frame;

use common::open_fast;

fn any_command() -> impl Strategy<Value = Command> {
    let value = prop_oneof![any::<u64>(), Just(0_u64), Just(u64::MAX), 0_u64..4];
    let id = prop_oneof![any::<u128>(), 0_u128..3, Just(u128::MAX)];
    prop_oneof![
        (id.clone(), value.clone(), value.clone(), value.clone()).prop_map(
            |(id, limit, initial_balance, refill_rate_per_slot)| Command::CreateBucket {
                bucket_id: BucketId(id),
                limit,
                initial_balance,
                refill_rate_per_slot,
            }
        ),
        (id, value).prop_map(|(id, amount)| Command::Debit {
            bucket_id: BucketId(id),
            amount
        }),
    ]
}

fn any_request() -> impl Strategy<Value = (ClientRequest, u64)> {
    let slot = prop_oneof![
        any::<u64>(),
        0_u64..8,
        (0_u64..8).prop_map(|back| u64::MAX - back)
    ];
    (
        prop_oneof![any::<u128>(), 0_u128..4],
        any::<u128>(),
        any_command(),
        slot,
    )
        .prop_map(|(op, client, command, slot)| {
            let request = ClientRequest {
                operation_id: OperationId(op),
                client_id: ClientId(client),
                command,
            };
            (request, slot)
        })
}

fn config() -> Config {
    common::tight_config()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn any_request_is_answered_without_panicking(requests in proptest::collection::vec(any_request(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut engine = open_fast(dir.path(), config());
        for (request, slot) in &requests {
            match engine.submit(request, Slot(*slot)) {
                Ok(_) | Err(SubmitError::SlotRegression { .. }) => {}
                Err(error) => prop_assert!(false, "unexpected error {error}"),
            }
            engine.state().validate_invariants().unwrap();
        }
        let dump = engine.dump();
        drop(engine);
        prop_assert_eq!(open_fast(dir.path(), config()).dump(), dump);
    }

    #[test]
    fn arbitrary_wal_payloads_never_panic_recovery(
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..90), 1..6),
        record_type in prop_oneof![Just(CLIENT_COMMAND), Just(INTERNAL_COMMAND)],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Vec::new();
        for (lsn, payload) in (1_u64..).zip(&payloads) {
            encode_frame(&mut wal, WAL_MAGIC, lsn, lsn, record_type, payload);
        }
        fs::write(dir.path().join(WAL_FILE_NAME), &wal).unwrap();
        if let Ok(engine) = QuotaEngine::open(dir.path(), config()) {
            engine.state().validate_invariants().unwrap();
        }
    }

    #[test]
    fn arbitrary_snapshot_payloads_never_panic_recovery(
        payload in proptest::collection::vec(any::<u8>(), 0..200),
        footer_ok in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = if footer_ok { with_footer(&payload, SNAPSHOT_FOOTER_MAGIC) } else { payload };
        fs::write(dir.path().join(SNAPSHOT_FILE_NAME), &file).unwrap();
        if let Ok(engine) = QuotaEngine::open(dir.path(), config()) {
            engine.state().validate_invariants().unwrap();
        }
    }
}
