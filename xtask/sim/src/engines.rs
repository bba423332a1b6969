//! The engines with a simulator adapter, each behind its `sim` feature. Adding one: a line in
//! [`ENGINES`] and the dependency in `Cargo.toml`.

use runtime::testkit::sim::{
    SimFailure, SimReport, SimSubject, run, run_on_disk, shortest_failing_by,
};

/// One engine as the command runs it.
pub struct Engine {
    /// The engine's folder name.
    pub name: &'static str,
    /// Runs `seed` for `steps` steps (on real files when the flag is set).
    pub run: fn(u64, u64, bool) -> Result<SimReport, SimFailure>,
    /// The shortest failing step count of a failure (same mode).
    pub shortest: fn(&SimFailure, bool) -> u64,
}

/// Every engine with a simulator adapter, in the contract's order.
pub const ENGINES: &[Engine] = &[
    Engine {
        name: "allocdb-core",
        run: |seed, steps, on_disk| {
            run_mode(
                &allocdb_core::sim::AllocSim::default(),
                seed,
                steps,
                on_disk,
            )
        },
        shortest: |failure, on_disk| {
            shortest_mode(&allocdb_core::sim::AllocSim::default(), failure, on_disk)
        },
    },
    Engine {
        name: "quota-core",
        run: |seed, steps, on_disk| {
            run_mode(&quota_core::sim::QuotaSim::default(), seed, steps, on_disk)
        },
        shortest: |failure, on_disk| {
            shortest_mode(&quota_core::sim::QuotaSim::default(), failure, on_disk)
        },
    },
    Engine {
        name: "queue-core",
        run: |seed, steps, on_disk| {
            run_mode(&queue_core::sim::QueueSim::default(), seed, steps, on_disk)
        },
        shortest: |failure, on_disk| {
            shortest_mode(&queue_core::sim::QueueSim::default(), failure, on_disk)
        },
    },
    Engine {
        name: "reservation-core",
        run: |seed, steps, on_disk| {
            let subject = reservation_core::sim::ReservationSim::default();
            run_mode(&subject, seed, steps, on_disk)
        },
        shortest: |failure, on_disk| {
            let subject = reservation_core::sim::ReservationSim::default();
            shortest_mode(&subject, failure, on_disk)
        },
    },
];

/// [`run`], or [`run_on_disk`] in a fresh temporary directory.
///
/// # Errors
/// The run's failure.
///
/// # Panics
/// If the temporary directory cannot be made.
pub fn run_mode<S: SimSubject>(
    subject: &S,
    seed: u64,
    steps: u64,
    on_disk: bool,
) -> Result<SimReport, SimFailure> {
    if !on_disk {
        return run(subject, seed, steps);
    }
    let dir = tempfile::tempdir().expect("a temporary directory for the simulator");
    run_on_disk(subject, seed, steps, dir.path())
}

/// The shortest failing step count of `failure`, rerun in the same mode.
pub fn shortest_mode<S: SimSubject>(subject: &S, failure: &SimFailure, on_disk: bool) -> u64 {
    shortest_failing_by(failure, |steps| {
        run_mode(subject, failure.seed, steps, on_disk).is_err()
    })
}
