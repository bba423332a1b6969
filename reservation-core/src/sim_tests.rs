//! reservation-core under the simulator: the CI seeds pass, every fault kind is met, a seed
//! runs the same twice, the runtime's planted bugs are found, and the workload reaches every
//! result code and every whole-call refusal.
//!
//! A soak: `RESERVATION_SIM_SEEDS=10000 cargo test --release -p reservation-core
//! --features sim --lib sim::tests::the_ci_seeds -- --nocapture` runs that many seeds through
//! the first test instead of the CI set and prints the merged figures;
//! `RESERVATION_SIM_STEPS` sets the steps per seed (300 by default).

use runtime::testkit::sim::planted::{Bug, plant};
use runtime::testkit::sim::{FaultKind, SimReport, SimRng, SimSubject, run, run_on_disk};

use super::{Answer, Call, ReservationSim};
use crate::{ResultCode, SubmitError};

const SEEDS: u64 = 16;
const STEPS: u64 = 300;

/// A count from the environment (a soak), or the CI's.
fn from_env(name: &str, ci: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(ci)
}

#[test]
fn the_ci_seeds_pass_and_meet_every_fault_kind() {
    let seeds = from_env("RESERVATION_SIM_SEEDS", SEEDS);
    let steps = from_env("RESERVATION_SIM_STEPS", STEPS);
    let mut total = SimReport::default();
    for seed in 0..seeds {
        let report = run(&ReservationSim::default(), seed, steps)
            .unwrap_or_else(|failure| panic!("{failure}\n{:#?}", failure.tail));
        total.merge(&report);
    }
    println!("reservation-core: {seeds} seeds: {total:?}");
    assert!(total.acknowledged > seeds * steps / 2, "{total:?}");
    assert!(
        total.crashes > seeds && total.crashes_in_calls > 0,
        "{total:?}"
    );
    assert!(total.recoveries >= total.crashes, "{total:?}");
    for kind in FaultKind::ALL {
        assert!(total.faults.get(kind) > 0, "no {kind:?}: {total:?}");
    }
    assert!(total.flips_refused > 0, "{total:?}");
}

#[test]
fn a_seed_runs_the_same_twice() {
    let subject = ReservationSim::default();
    let first = run(&subject, 3, 200);
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(first, run(&subject, 3, 200));
    let other = run(&subject, 4, 200).map(|report| report.log_hash);
    assert_ne!(first.map(|report| report.log_hash), other);
}

#[test]
fn a_seed_runs_on_disk_as_in_memory() {
    let subject = ReservationSim::default();
    for seed in [5, 6] {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let on_disk = run_on_disk(&subject, seed, 150, dir.path());
        assert!(on_disk.is_ok(), "{on_disk:?}");
        let in_memory = run(&subject, seed, 150);
        // The event log names the directory, which differs; every figure must agree.
        let figures = |report: SimReport| SimReport {
            log_hash: 0,
            step_hashes: Vec::new(),
            ..report
        };
        assert_eq!(on_disk.map(figures), in_memory.map(figures));
    }
}

#[test]
fn every_planted_bug_is_found_within_the_ci_seeds() {
    for bug in Bug::ALL {
        let _planted = plant(bug);
        let found = (0..SEEDS).any(|seed| run(&ReservationSim::default(), seed, STEPS).is_err());
        assert!(found, "{bug:?} not found");
    }
}

/// What the workload of the CI seeds makes the model answer, without the engine.
#[derive(Default)]
struct Coverage {
    codes: u32,
    batch_too_large: bool,
    slot_regression: bool,
    multi_frame_calls: u64,
    checkpoints: u64,
    untimed: u64,
}

#[test]
fn the_workload_reaches_every_result_code_and_refusal() {
    let subject = ReservationSim::default();
    let mut seen = Coverage::default();
    for seed in 0..SEEDS {
        let mut rng = SimRng::new(seed);
        let mut model = subject.initial_model();
        for _ in 0..STEPS {
            let call = subject.next_call(&model, &mut rng);
            let expected = subject.expect(&model, &call);
            seen.checkpoints += u64::from(call == Call::Checkpoint);
            seen.untimed += u64::from(matches!(call, Call::Untimed(..)));
            seen.multi_frame_calls += u64::from(expected.prefixes.len() > 1);
            match &expected.reply {
                Ok(Answer::Outcomes(outcomes)) => {
                    for outcome in outcomes {
                        seen.codes |= 1 << outcome.result_code.to_u8();
                    }
                }
                Ok(Answer::Checkpoint(_)) => {}
                Err(SubmitError::BatchTooLarge { .. }) => seen.batch_too_large = true,
                Err(SubmitError::SlotRegression { .. }) => seen.slot_regression = true,
                Err(other) => panic!("the model never predicts {other}"),
            }
            if let Some(last) = expected.prefixes.last() {
                model = last.clone();
            }
        }
    }
    let missing: Vec<&str> = ResultCode::ALL
        .iter()
        .filter(|code| seen.codes & (1 << code.to_u8()) == 0)
        .map(|code| code.as_str())
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
    assert!(seen.batch_too_large && seen.slot_regression);
    assert!(seen.multi_frame_calls > SEEDS, "{}", seen.multi_frame_calls);
    assert!(seen.checkpoints > SEEDS && seen.untimed > SEEDS);
}
