//! queue-core under the simulator: the CI seeds pass, every fault kind is met, the workload
//! reaches what it claims to (every result code, every kind of call, multi-frame writes,
//! recoveries inside them), a seed runs the same twice, and the runtime's planted bugs are
//! found.

use runtime::testkit::sim::planted::{Bug, plant};
use runtime::testkit::sim::{FaultKind, SimReport, SimRng, SimSubject, run};

use super::{Call, QueueSim, Reply};
use crate::result::ResultCode;

const SEEDS: u64 = 16;
const STEPS: u64 = 300;

#[test]
fn the_ci_seeds_pass_and_meet_every_fault_kind() {
    let mut total = SimReport::default();
    for seed in 0..SEEDS {
        let report = run(&QueueSim::default(), seed, STEPS)
            .unwrap_or_else(|failure| panic!("{failure}\n{:#?}", failure.tail));
        total.merge(&report);
    }
    assert!(total.acknowledged > SEEDS * STEPS / 2, "{total:?}");
    assert!(
        total.crashes > SEEDS && total.crashes_in_calls > 0,
        "{total:?}"
    );
    for kind in FaultKind::ALL {
        assert!(total.faults.get(kind) > 0, "no {kind:?}: {total:?}");
    }
    assert!(total.flips_refused > 0, "{total:?}");
}

#[test]
fn a_seed_runs_the_same_twice() {
    let subject = QueueSim::default();
    let first = run(&subject, 3, 200);
    assert!(
        first.as_ref().is_ok_and(|report| report.calls > 100),
        "{first:?}"
    );
    assert_eq!(first, run(&subject, 3, 200));
    assert_ne!(
        first.map(|report| report.log_hash),
        run(&subject, 4, 200).map(|report| report.log_hash)
    );
}

#[test]
fn every_planted_bug_is_found_within_the_ci_seeds() {
    for bug in Bug::ALL {
        let _planted = plant(bug);
        let found = (0..SEEDS).any(|seed| run(&QueueSim::default(), seed, STEPS).is_err());
        assert!(found, "{bug:?} not found");
    }
}

/// What the workload reaches from the CI seed numbers, walked on the model alone (every
/// call acknowledged, no crash).
#[derive(Default)]
struct Reach {
    codes: u32,
    calls: [u32; 7],
    multi_frame_writes: u32,
    refusals: u32,
}

fn walk() -> Reach {
    let subject = QueueSim::default();
    let mut reach = Reach::default();
    for seed in 0..SEEDS {
        let mut rng = SimRng::new(seed);
        let mut model = subject.initial_model();
        for _ in 0..STEPS {
            let call = subject.next_call(&model, &mut rng);
            let expected = subject.expect(&model, &call);
            reach.calls[kind(&call)] += 1;
            reach.multi_frame_writes += u32::from(expected.prefixes.len() > 1);
            match &expected.reply {
                Reply::Outcomes(outcomes) => {
                    for outcome in outcomes {
                        reach.codes |= 1 << outcome.result_code.to_u8();
                    }
                }
                Reply::Refused(_) => reach.refusals += 1,
                Reply::Checkpoint(_) => {}
            }
            if let Some(last) = expected.prefixes.last() {
                model = last.clone();
            }
        }
    }
    reach
}

/// The kind of a call: submit, batch too large, batch, tick, internal with and without the
/// tick, checkpoint.
fn kind(call: &Call) -> usize {
    let max = QueueSim::default().config.max_batch_commands as usize;
    match call {
        Call::Submit(..) => 0,
        Call::Batch(requests, _) if requests.len() > max => 1,
        Call::Batch(..) => 2,
        Call::Tick(_) => 3,
        Call::Internal { timed, .. } => 4 + usize::from(*timed),
        Call::Checkpoint => 6,
    }
}

#[test]
fn the_ci_workload_reaches_every_result_code_and_every_call() {
    let reach = walk();
    let missing: Vec<&str> = ResultCode::ALL
        .iter()
        .filter(|code| reach.codes & (1 << code.to_u8()) == 0)
        .map(|code| code.as_str())
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
    assert!(
        reach.calls.iter().all(|count| *count > 0),
        "{:?}",
        reach.calls
    );
    assert!(reach.multi_frame_writes > 0 && reach.refusals > 0);
}
