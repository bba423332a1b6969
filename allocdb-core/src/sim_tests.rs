//! allocdb-core under the simulator: the CI seeds pass, every fault kind is met, a seed runs
//! the same twice, the runtime's planted bugs are found, and the workload reaches every
//! result code and every refusal of a whole call.

use std::collections::BTreeSet;

use runtime::testkit::sim::planted::{Bug, plant};
use runtime::testkit::sim::{FaultKind, SimReport, SimRng, SimSubject, run};

use super::{AllocSim, Reply};
use crate::{ResultCode, SubmitError};

const SEEDS: u64 = 16;
const STEPS: u64 = 300;

#[test]
fn the_ci_seeds_pass_and_meet_every_fault_kind() {
    let mut total = SimReport::default();
    for seed in 0..SEEDS {
        let report = run(&AllocSim::default(), seed, STEPS)
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
    let subject = AllocSim::default();
    let first = run(&subject, 3, 200);
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(first, run(&subject, 3, 200));
    assert_ne!(
        first.map(|r| r.log_hash),
        run(&subject, 4, 200).map(|r| r.log_hash)
    );
}

#[test]
fn every_planted_bug_is_found_within_the_ci_seeds() {
    for bug in Bug::ALL {
        let _planted = plant(bug);
        let found = (0..SEEDS).any(|seed| run(&AllocSim::default(), seed, STEPS).is_err());
        assert!(found, "{bug:?} not found");
    }
}

/// What the workload of the CI seeds makes the model reply, calls applied in order without an
/// engine: the result codes, the refusals, and the most frames one call writes.
fn workload_coverage() -> (BTreeSet<ResultCode>, BTreeSet<&'static str>, usize) {
    let subject = AllocSim::default();
    let (mut codes, mut refusals, mut most_frames) = (BTreeSet::new(), BTreeSet::new(), 0);
    for seed in 0..SEEDS {
        let mut rng = SimRng::new(seed);
        let mut model = subject.initial_model();
        for _ in 0..STEPS {
            let call = subject.next_call(&model, &mut rng);
            let expected = subject.expect(&model, &call);
            most_frames = most_frames.max(expected.prefixes.len());
            match expected.reply {
                Reply::Outcomes(outcomes) => codes.extend(outcomes.iter().map(|o| o.result_code)),
                Reply::Refused(refusal) => {
                    refusals.insert(match refusal {
                        SubmitError::SlotRegression { .. } => "SlotRegression",
                        SubmitError::BatchTooLarge { .. } => "BatchTooLarge",
                        SubmitError::CommandTooLarge { .. } => "CommandTooLarge",
                        _ => "other",
                    });
                }
                Reply::Checkpoint(_) => {}
            }
            if let Some(last) = expected.prefixes.last() {
                model = last.clone();
            }
        }
    }
    (codes, refusals, most_frames)
}

#[test]
fn the_workload_reaches_every_result_code_and_refusal() {
    let (codes, refusals, most_frames) = workload_coverage();
    // SlotOverflow needs a slot near u64::MAX, after which every client command overflows:
    // the model test reaches it at the end of a sequence; a simulated run stays below.
    let missing: Vec<&ResultCode> = ResultCode::ALL
        .iter()
        .filter(|code| !codes.contains(code) && **code != ResultCode::SlotOverflow)
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
    assert_eq!(
        refusals,
        BTreeSet::from(["BatchTooLarge", "CommandTooLarge", "SlotRegression"])
    );
    assert!(
        most_frames >= 3,
        "no call wrote several frames: {most_frames}"
    );
}
