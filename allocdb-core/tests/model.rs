//! Model test: random command sequences go through the durable engine handle and through a
//! deliberately simple reference model (plain vectors and linear scans, written here from the
//! spec; it imports the engine's types, never its logic). Outcomes and whole states must be
//! identical after every step, and the runs together must produce every `ResultCode`.

use std::collections::BTreeSet;

use allocdb_core::model::{Model, project};
use allocdb_core::{
    AllocEngine, ClientId, ClientRequest, Command, Config, HolderId, InternalCommand, LeaseId,
    OperationId, ResourceId, ResultCode, Slot,
};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, RngSeed, TestRunner};

/// The seed of the random runs (see the coverage test).
const RANDOM_RUNS_SEED: u64 = 1;

/// Small tables so that every "full" code is reachable in a few dozen steps.
fn config() -> Config {
    Config {
        shard_id: 2,
        max_resources: 6,
        max_leases: 3,
        max_lease_members: 4,
        max_bundle_size: 3,
        max_operations: 12,
        max_ttl_slots: 4,
        max_client_retry_window_slots: 2,
        lease_history_window_slots: 2,
        max_expiration_bucket_len: 1,
        max_wal_payload_bytes: 512,
        max_snapshot_bytes: 1 << 16,
        max_batch_commands: 64,
    }
}

#[derive(Clone, Debug)]
enum Op {
    Create(u8),
    Reserve {
        ids: Vec<u8>,
        holder: u8,
        ttl: u64,
    },
    Activate {
        pick: u8,
        holder: u8,
        epoch_delta: u8,
    },
    Release {
        pick: u8,
        holder: u8,
        epoch_delta: u8,
    },
    Revoke(u8),
    Reclaim(u8),
    Expire {
        pick: u8,
        deadline_delta: u8,
    },
    Advance(u8),
    Tick,
    Retry(u8),
    Conflict(u8),
    JumpToEnd(u8),
}

/// Mostly small bundles of resources that can exist; sometimes empty, repeated or too long.
fn member_ids() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(0_u8..6, 1..=2),
        1 => proptest::collection::vec(0_u8..8, 0..=4),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0_u8..8).prop_map(Op::Create),
        6 => (member_ids(), 0_u8..2, prop_oneof![6 => 1_u64..=4, 1 => 0_u64..=5])
            .prop_map(|(ids, holder, ttl)| Op::Reserve { ids, holder, ttl }),
        3 => (any::<u8>(), prop_oneof![5 => Just(0_u8), 1 => Just(1_u8)], prop_oneof![6 => Just(0_u8), 1 => 1_u8..3])
            .prop_map(|(pick, holder, epoch_delta)| Op::Activate { pick, holder, epoch_delta }),
        3 => (any::<u8>(), prop_oneof![5 => Just(0_u8), 1 => Just(1_u8)], prop_oneof![6 => Just(0_u8), 1 => 1_u8..3])
            .prop_map(|(pick, holder, epoch_delta)| Op::Release { pick, holder, epoch_delta }),
        2 => any::<u8>().prop_map(Op::Revoke),
        2 => any::<u8>().prop_map(Op::Reclaim),
        1 => (any::<u8>(), 0_u8..2).prop_map(|(pick, deadline_delta)| Op::Expire { pick, deadline_delta }),
        8 => (0_u8..4).prop_map(Op::Advance),
        1 => Just(Op::Tick),
        2 => any::<u8>().prop_map(Op::Retry),
        1 => any::<u8>().prop_map(Op::Conflict),
        1 => (0_u8..2).prop_map(Op::JumpToEnd),
    ]
}

/// Everything a step needs besides the engine: requests sent so far and known lease ids.
struct Driver {
    slot: u64,
    next_op: u128,
    sent: Vec<ClientRequest>,
    leases: Vec<LeaseId>,
}

impl Driver {
    fn lease(&self, pick: u8) -> LeaseId {
        if self.leases.is_empty() || pick >= 240 {
            return LeaseId((2 << 64) | 0xF_423F);
        }
        self.leases[usize::from(pick) % self.leases.len()]
    }

    fn request(&mut self, command: Command) -> ClientRequest {
        self.next_op += 1;
        let request = ClientRequest {
            operation_id: OperationId(self.next_op),
            client_id: ClientId(1),
            command,
        };
        self.sent.push(request.clone());
        request
    }

    fn epoch(model: &Model, lease: LeaseId, delta: u8) -> u64 {
        model.epoch_of(lease).unwrap_or(1) + u64::from(delta)
    }

    /// Turns an op into a client request, or `None` for time and internal ops.
    fn client_request(&mut self, op: &Op, model: &Model) -> Option<ClientRequest> {
        let command = match op {
            Op::Create(id) => Command::CreateResource {
                resource_id: ResourceId(u128::from(*id)),
            },
            Op::Reserve { ids, holder, ttl } => Command::ReserveBundle {
                resource_ids: ids.iter().map(|id| ResourceId(u128::from(*id))).collect(),
                holder_id: HolderId(u128::from(*holder)),
                ttl_slots: *ttl,
            },
            Op::Activate {
                pick,
                holder,
                epoch_delta,
            } => {
                let lease = self.lease(*pick);
                let epoch = Self::epoch(model, lease, *epoch_delta);
                Command::confirm(lease, HolderId(u128::from(*holder)), epoch)
            }
            Op::Release {
                pick,
                holder,
                epoch_delta,
            } => {
                let lease = self.lease(*pick);
                let lease_epoch = Self::epoch(model, lease, *epoch_delta);
                Command::Release {
                    lease_id: lease,
                    holder_id: HolderId(u128::from(*holder)),
                    lease_epoch,
                }
            }
            Op::Revoke(pick) => Command::Revoke {
                lease_id: self.lease(*pick),
            },
            Op::Reclaim(pick) => Command::Reclaim {
                lease_id: self.lease(*pick),
            },
            Op::Retry(pick) if !self.sent.is_empty() => {
                let back = usize::from(*pick) % self.sent.len();
                return Some(self.sent[self.sent.len() - 1 - back].clone());
            }
            Op::Conflict(pick) if !self.sent.is_empty() => {
                let back = usize::from(*pick) % self.sent.len();
                let mut request = self.sent[self.sent.len() - 1 - back].clone();
                request.command = Command::CreateResource {
                    resource_id: ResourceId(77),
                };
                return Some(request);
            }
            _ => return None,
        };
        Some(self.request(command))
    }
}

/// Runs one sequence; returns the codes seen.
fn run(ops: &[Op]) -> Result<BTreeSet<ResultCode>, TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = AllocEngine::open(dir.path(), config()).unwrap();
    let mut model = Model::new(config());
    let mut driver = Driver {
        slot: 0,
        next_op: 0,
        sent: Vec::new(),
        leases: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    for (index, op) in ops.iter().enumerate() {
        let outcomes = match op {
            Op::Advance(delta) => {
                driver.slot = driver.slot.saturating_add(u64::from(*delta));
                continue;
            }
            // Only near the end of a sequence: after the jump every client command overflows.
            Op::JumpToEnd(back) if index + 6 >= ops.len() => {
                driver.slot = driver.slot.max(u64::MAX - u64::from(*back));
                continue;
            }
            Op::JumpToEnd(_) => {
                driver.slot = driver.slot.saturating_add(1);
                continue;
            }
            Op::Tick => {
                let slot = Slot(driver.slot);
                let live = engine.tick(slot).unwrap();
                prop_assert_eq!(&live, &model.tick(slot));
                live
            }
            Op::Expire {
                pick,
                deadline_delta,
            } => {
                let lease_id = driver.lease(*pick);
                let deadline = model.deadline_of(lease_id).unwrap_or(0);
                let command = InternalCommand::Expire {
                    lease_id,
                    deadline_slot: Slot(deadline + u64::from(*deadline_delta)),
                };
                let slot = Slot(driver.slot);
                let live = engine.submit_internal(&command, slot).unwrap();
                let (mut expected, outcome) = model.submit_internal(command, slot);
                prop_assert_eq!(live, outcome);
                expected.push(outcome);
                expected
            }
            _ => {
                let Some(request) = driver.client_request(op, &model) else {
                    continue;
                };
                let slot = Slot(driver.slot);
                let live = engine.submit(&request, slot).unwrap();
                let expected = model.submit(&request, slot);
                prop_assert_eq!(live, expected, "{:?}", request);
                vec![live]
            }
        };
        for outcome in outcomes {
            seen.insert(outcome.result_code);
            if let (Some(lease), ResultCode::Ok) = (outcome.lease_id, outcome.result_code)
                && !driver.leases.contains(&lease)
            {
                driver.leases.push(lease);
            }
        }
        prop_assert_eq!(project(&engine.dump()), model.projection());
        engine.state().validate_invariants().unwrap();
    }
    Ok(seen)
}

#[test]
fn engine_matches_the_reference_model_and_covers_every_result_code() {
    // A fixed seed: the coverage assertion below checks the generators' tuning (the random
    // runs alone must produce every code), so it must not depend on the run. Seeds 1..=11
    // were tried: ten cover every code, one misses `LeaseTableFull`.
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(RANDOM_RUNS_SEED),
        ..RunnerConfig::default()
    });
    let seen = std::cell::RefCell::new(BTreeSet::new());
    let steps = std::cell::RefCell::new(0);
    runner
        .run(&proptest::collection::vec(op(), 10..90), |ops| {
            let codes = run(&ops)?;
            *steps.borrow_mut() += ops.len();
            seen.borrow_mut().extend(codes);
            Ok(())
        })
        .unwrap();
    assert!(
        *steps.borrow() > 2_000,
        "random runs too short: {} steps",
        steps.borrow()
    );
    let missing: Vec<&ResultCode> = ResultCode::ALL
        .iter()
        .filter(|code| !seen.borrow().contains(code))
        .collect();
    assert!(
        missing.is_empty(),
        "random runs never produced: {missing:?}"
    );
}

#[test]
fn a_fixed_sequence_reaches_every_code_and_matches_the_model() {
    let seen = run(&rare_codes_sequence()).unwrap();
    let missing: Vec<&ResultCode> = ResultCode::ALL
        .iter()
        .filter(|code| !seen.contains(code))
        .collect();
    assert!(
        missing.is_empty(),
        "the fixed sequence never produced: {missing:?}"
    );
}

/// Reaches every code in order: creates and table limits, reservation checks, holder checks,
/// revoke and reclaim, member/lease/operation limits, conflicts, `Noop`, retirement, overflow.
#[rustfmt::skip] // One line per phase reads better than one op per line.
fn rare_codes_sequence() -> Vec<Op> {
    let reserve = |ids: &[u8], holder, ttl| Op::Reserve { ids: ids.to_vec(), holder, ttl };
    let activate = |holder, epoch_delta| Op::Activate { pick: 0, holder, epoch_delta };
    let skip = || Op::Advance(2);
    let mut ops = vec![
        Op::Create(0), Op::Create(1), skip(), Op::Create(2), Op::Create(3), skip(),
        Op::Create(4), Op::Create(5), skip(), Op::Create(0), Op::Create(6), skip(),
        reserve(&[], 0, 1), reserve(&[0, 1, 2, 3], 0, 1), skip(),
        reserve(&[0], 0, 0), reserve(&[7], 0, 2), skip(),
        // Lease 0 at slot s, deadline s + 4.
        reserve(&[0], 0, 4), reserve(&[0], 0, 4), Op::Advance(1),
        reserve(&[1], 0, 3), activate(1, 0), Op::Advance(1),
        activate(0, 1), activate(0, 0), skip(),
        activate(0, 0), Op::Revoke(0), skip(),
        Op::Reclaim(0), skip(), skip(),
        // Lease 0 is retired now; fill the member table (4) and the lease table (3).
        reserve(&[1, 2], 0, 4), reserve(&[4], 0, 2), reserve(&[3, 5], 0, 3),
        reserve(&[0], 0, 1), Op::Advance(1),
        reserve(&[0], 0, 4), Op::Create(0), Op::Conflict(1),
        Op::Expire { pick: 0, deadline_delta: 1 }, skip(), skip(), Op::Revoke(250),
        Op::Revoke(0),
    ];
    // A burst inside one slot fills the operation table; then the end of time.
    ops.extend(std::iter::repeat_n(Op::Create(0), 12));
    ops.extend([Op::JumpToEnd(0), Op::Create(0)]);
    ops
}
