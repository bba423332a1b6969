//! Whole-engine robustness on real files: boundedness over a long workload, arbitrary client
//! input never reaching an assert, arbitrary WAL and snapshot bytes never panicking recovery.

mod support;

use reservation_core::recovery::SNAPSHOT_FOOTER_MAGIC;
use std::path::Path;

use proptest::prelude::*;
use reservation_core::command::{ClientRequest, Command, InternalCommand};
use reservation_core::config::Config;
use reservation_core::engine::ReservationEngine;
use reservation_core::ids::{ClientId, HoldId, OperationId, PoolId, Slot};
use reservation_core::recovery::{SNAPSHOT_FILE_NAME, WAL_FILE_NAME};
use reservation_core::result::ResultCode;
use runtime::snapshot_file::with_footer;
use runtime::testkit::FaultyStorage;
use support::fast_tempdir;

fn open(dir: &Path, config: Config) -> ReservationEngine {
    ReservationEngine::open_with_storage(dir, config, Box::new(FaultyStorage::skipping_syncs()))
        .unwrap()
}

fn request(op: u128, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(1),
        command,
    }
}

#[test]
fn allocations_stay_where_open_put_them_over_a_long_run() {
    let dir = fast_tempdir();
    let config = Config::small();
    let mut engine = open(dir.path(), config);
    let reserved = engine.state().allocations();
    let mut codes = [0_u64; 16];
    let mut x = 0x9E37_79B9_u64;
    for step in 0..110_000_u64 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let r = x >> 33;
        let slot = Slot(step / 3);
        let hold_id = HoldId(u128::from(r % 48));
        let command = match r % 10 {
            0 => Command::CreatePool {
                pool_id: PoolId(u128::from(r % 5)),
                total_capacity: 1_000,
            },
            1..=5 => Command::PlaceHold {
                hold_id,
                pool_id: PoolId(u128::from(r % 5)),
                quantity: 1 + r % 7,
                ttl_slots: 1 + r % 16,
            },
            6 | 7 => Command::ConfirmHold { hold_id },
            _ => Command::ReleaseHold { hold_id },
        };
        let outcome = engine
            .submit(&request(u128::from(step), command), slot)
            .unwrap();
        codes[usize::from(outcome.result_code.to_u8())] += 1;
        if step % 20_000 == 19_999 {
            engine.checkpoint().unwrap();
        }
    }
    assert_eq!(engine.state().allocations(), reserved);
    let lens = engine.state().table_lens();
    assert!(lens[1] <= config.max_holds as usize && lens[3] <= config.max_operations as usize);
    for code in [
        ResultCode::Ok,
        ResultCode::HoldExpired,
        ResultCode::HoldNotFound,
    ] {
        assert!(
            codes[usize::from(code.to_u8())] > 0,
            "{code} never happened"
        );
    }
    engine.state().validate_invariants().unwrap();
    let dump = engine.dump();
    drop(engine);
    assert_eq!(open(dir.path(), config).dump(), dump);
}

fn any_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (any::<u128>(), any::<u64>()).prop_map(|(id, total)| Command::CreatePool {
            pool_id: PoolId(id % 4),
            total_capacity: total,
        }),
        (any::<u128>(), any::<u128>(), any::<u64>(), any::<u64>()).prop_map(
            |(hold, pool, quantity, ttl)| Command::PlaceHold {
                hold_id: HoldId(hold % 8),
                pool_id: PoolId(pool % 4),
                quantity: if quantity % 3 == 0 {
                    quantity
                } else {
                    quantity % 9
                },
                ttl_slots: if ttl % 3 == 0 { ttl } else { ttl % 20 },
            }
        ),
        any::<u128>().prop_map(|id| Command::ConfirmHold {
            hold_id: HoldId(id % 8)
        }),
        any::<u128>().prop_map(|id| Command::ReleaseHold {
            hold_id: HoldId(id % 8)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any value a client can send, at any slot (end of time included), is answered with a
    /// result code or a typed error; invariants hold throughout.
    #[test]
    fn client_input_never_reaches_an_assert(
        steps in proptest::collection::vec((any::<u64>(), any::<u128>(), any_command(), any::<bool>()), 1..40),
    ) {
        let dir = fast_tempdir();
        let mut engine = open(dir.path(), Config::small());
        for (slot_bits, op, command, internal) in steps {
            let slot = Slot(match slot_bits % 4 {
                0 => slot_bits,
                1 => u64::MAX - slot_bits % 32,
                _ => slot_bits % 64,
            });
            let result = if internal {
                let hold_id = HoldId(op % 8);
                engine.submit_internal(&InternalCommand::ExpireHold { hold_id }, slot).map(|_| ())
            } else {
                engine.submit(&request(op % 16, command), slot).map(|_| ())
            };
            if let Err(error) = result {
                prop_assert!(!error.to_string().is_empty());
            }
            prop_assert!(engine.state().validate_invariants().is_ok());
        }
    }

    /// Arbitrary WAL bytes, and arbitrary snapshot bytes behind a valid footer, give a
    /// recovered state or a typed error, never a panic.
    #[test]
    fn arbitrary_files_never_panic_recovery(
        wal in proptest::collection::vec(any::<u8>(), 0..200),
        snapshot in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..120)),
    ) {
        let dir = fast_tempdir();
        std::fs::write(dir.path().join(WAL_FILE_NAME), &wal).unwrap();
        if let Some(payload) = snapshot {
            let file = with_footer(&payload, SNAPSHOT_FOOTER_MAGIC);
            std::fs::write(dir.path().join(SNAPSHOT_FILE_NAME), &file).unwrap();
        }
        if let Ok(engine) = ReservationEngine::open(dir.path(), Config::small()) {
            prop_assert!(engine.state().validate_invariants().is_ok());
        }
    }
}
