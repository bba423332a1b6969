//! quota-core under the simulator: the CI seeds pass, every fault kind is met, a seed runs the
//! same twice, and the runtime's planted bugs are found.

use runtime::testkit::sim::planted::{Bug, plant};
use runtime::testkit::sim::{FaultKind, SimReport, run};

use super::QuotaSim;

const SEEDS: u64 = 16;
const STEPS: u64 = 300;

#[test]
fn the_ci_seeds_pass_and_meet_every_fault_kind() {
    let mut total = SimReport::default();
    for seed in 0..SEEDS {
        let report = run(&QuotaSim::default(), seed, STEPS)
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
    let subject = QuotaSim::default();
    assert_eq!(run(&subject, 3, 200), run(&subject, 3, 200));
}

#[test]
fn every_planted_bug_is_found_within_the_ci_seeds() {
    for bug in Bug::ALL {
        let _planted = plant(bug);
        let found = (0..SEEDS).any(|seed| run(&QuotaSim::default(), seed, STEPS).is_err());
        assert!(found, "{bug:?} not found");
    }
}
