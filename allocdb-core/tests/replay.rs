//! Replay equivalence: a random workload runs live with checkpoints at random points; the
//! database reopened from disk must have the identical state dump, must equal a run of the
//! same workload without checkpoints, and must answer every retried (still live) operation id
//! with exactly the outcome it gave live.

use allocdb_core::{
    AllocEngine, ClientId, ClientRequest, Command, CommandOutcome, Config, HolderId, LeaseState,
    OperationId, ResourceId, Slot,
};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    Command { kind: u8, a: u8, b: u8 },
    Advance(u8),
    Checkpoint,
    Batch(u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        10 => (0_u8..7, any::<u8>(), any::<u8>()).prop_map(|(kind, a, b)| Step::Command { kind, a, b }),
        3 => (0_u8..3).prop_map(Step::Advance),
        1 => Just(Step::Checkpoint),
        1 => any::<u8>().prop_map(Step::Batch),
    ]
}

fn command(engine: &AllocEngine, kind: u8, a: u8, b: u8) -> Command {
    let leases: Vec<_> = engine
        .dump()
        .leases
        .iter()
        .map(|lease| lease.record)
        .collect();
    let resource = |n: u8| ResourceId(u128::from(n % 10));
    let Some(lease) = leases.get(usize::from(a) % leases.len().max(1)).copied() else {
        return Command::CreateResource {
            resource_id: resource(b),
        };
    };
    let holder = HolderId(1);
    match kind {
        0 => Command::CreateResource {
            resource_id: resource(a),
        },
        1 | 2 => Command::ReserveBundle {
            resource_ids: if b.is_multiple_of(3) {
                vec![resource(a), resource(b)]
            } else {
                vec![resource(b)]
            },
            holder_id: holder,
            ttl_slots: 1 + u64::from(b % 5),
        },
        3 if lease.state == LeaseState::Reserved => {
            Command::confirm(lease.lease_id, holder, lease.lease_epoch)
        }
        3 | 4 => Command::Release {
            lease_id: lease.lease_id,
            holder_id: holder,
            lease_epoch: lease.lease_epoch,
        },
        5 => Command::Revoke {
            lease_id: lease.lease_id,
        },
        _ => Command::Reclaim {
            lease_id: lease.lease_id,
        },
    }
}

/// Runs `steps`; returns every request with its slot and live outcome.
fn run(
    engine: &mut AllocEngine,
    steps: &[Step],
    checkpoints: bool,
) -> Vec<(ClientRequest, Slot, CommandOutcome)> {
    let mut slot = 0;
    let mut log = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let operation_id = OperationId(u128::try_from(index).unwrap() % 40);
        match step {
            Step::Advance(delta) => slot += u64::from(*delta),
            Step::Checkpoint => {
                if checkpoints {
                    engine.checkpoint().unwrap();
                }
            }
            Step::Command { kind, a, b } => {
                let command = command(engine, *kind, *a, *b);
                let request = ClientRequest {
                    operation_id,
                    client_id: ClientId(3),
                    command,
                };
                let outcome = engine.submit(&request, Slot(slot)).unwrap();
                log.push((request, Slot(slot), outcome));
            }
            Step::Batch(seed) => {
                let requests: Vec<ClientRequest> = (0..3_u8)
                    .map(|i| ClientRequest {
                        operation_id: OperationId(u128::from(seed.wrapping_add(i) % 50) + 100),
                        client_id: ClientId(3),
                        command: command(
                            engine,
                            seed.wrapping_add(i) % 7,
                            *seed,
                            seed.wrapping_mul(3),
                        ),
                    })
                    .collect();
                let outcomes = engine.submit_batch(&requests, Slot(slot)).unwrap();
                log.extend(
                    requests
                        .into_iter()
                        .zip(outcomes)
                        .map(|(r, o)| (r, Slot(slot), o)),
                );
            }
        }
    }
    log
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn reopened_state_and_retried_outcomes_match_live(steps in proptest::collection::vec(step(), 1..80)) {
        let dir = tempfile::tempdir().unwrap();
        let mut live = AllocEngine::open(dir.path(), Config::small()).unwrap();
        let log = run(&mut live, &steps, true);
        let live_dump = live.dump();
        drop(live);

        let plain_dir = tempfile::tempdir().unwrap();
        let mut plain = AllocEngine::open(plain_dir.path(), Config::small()).unwrap();
        run(&mut plain, &steps, false);
        prop_assert_eq!(&plain.dump(), &live_dump, "checkpoints must not change the state");

        let mut reopened = AllocEngine::open(dir.path(), Config::small()).unwrap();
        prop_assert_eq!(&reopened.dump(), &live_dump);
        let final_slot = live_dump.last_request_slot;
        // The last live answer for each operation id that is still inside its window.
        for (request, _, _) in &log {
            let Some(stored) = live_dump.operations.iter().find(|op| op.operation_id == request.operation_id) else {
                continue;
            };
            if stored.retire_after_slot < final_slot {
                continue;
            }
            let original = log
                .iter()
                .rev()
                .find(|(r, _, o)| r == request && o.result_code != allocdb_core::ResultCode::OperationConflict)
                .map(|(_, _, outcome)| *outcome);
            let retried = reopened.submit(request, final_slot).unwrap();
            if retried.result_code != allocdb_core::ResultCode::OperationConflict {
                prop_assert_eq!(Some(retried), original);
                prop_assert_eq!(retried, stored.outcome);
            }
        }
        prop_assert_eq!(reopened.dump().last_applied_lsn, live_dump.last_applied_lsn, "retries write nothing");
    }
}
