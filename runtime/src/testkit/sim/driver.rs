//! The driver: [`run`] interleaves a [`SimSubject`]'s calls with crashes, clean reopens,
//! power losses inside calls and storage faults, all drawn from one seed, and checks the
//! engine against its model after every acknowledged call and every recovery.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use super::report::{SimFailure, SimFailureKind, SimReport};
use super::{SimFaults, SimRng, SimStorage, SimSubject, WalShape};
use crate::testkit::{Refusal, StepFailure};

/// The database directory inside a simulated storage.
pub const SIM_DIR: &str = "/sim/db";

/// Per mille of steps that crash (power loss between calls).
const CRASH_PER_MILLE: u64 = 25;
/// Per mille of steps that close the handle and reopen it (no crash).
const REOPEN_PER_MILLE: u64 = 10;
/// Per mille of calls during which power is lost, at one of the next storage operations.
const STOP_PER_MILLE: u64 = 30;
/// The storage operations ahead in which such a power loss falls.
const STOP_WITHIN_OPS: u64 = 16;
/// Opens tried per recovery (each refused flip restored costs one).
const OPEN_TRIES: usize = 8;
/// Storage operations per epoch of the fault plan (about 300 steps at 3 operations a step,
/// the CI run): each epoch draws its own windows, whatever the run's length.
const FAULT_EPOCH_OPS: u64 = 900;

/// How the handle goes away before a recovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Restart {
    /// Power loss: volatile bytes and directory changes are lost.
    Crash,
    /// The handle is dropped and the database reopened; nothing is lost.
    Close,
}

/// One run in progress.
struct Sim<'a, S: SimSubject> {
    subject: &'a S,
    storage: SimStorage,
    dir: PathBuf,
    rng: SimRng,
    workload: SimRng,
    /// The state at the last acknowledged call, or the one the last recovery showed: the
    /// floor no later crash may go below unless a later call failed (a recovery that showed a
    /// state must have made it durable before serving it: docs/simulation.md, "findings").
    model: S::Model,
    handle: Option<S::Handle>,
    report: SimReport,
    step: u64,
}

/// Runs `steps` steps of `subject` from `seed` on a fresh [`SimStorage`], then crashes once
/// more and checks the recovery. Deterministic: the same subject, seed and steps give the
/// same [`SimReport`] (its `log_hash` included) or the same [`SimFailure`].
///
/// # Errors
/// The first check that failed, with the step and the last lines of the event log
/// (`shortest` unset: see [`shortest_failing`] and [`check`]).
pub fn run<S: SimSubject>(subject: &S, seed: u64, steps: u64) -> Result<SimReport, SimFailure> {
    let root = SimRng::new(seed);
    let faults = SimFaults::draw(&root.fork(1), FAULT_EPOCH_OPS);
    let storage = SimStorage::new(root.fork(2), faults, wal_shape(subject));
    run_on(subject, seed, steps, storage, Path::new(SIM_DIR))
}

/// [`run`] in the disk-backed mode ([`SimStorage::on_disk`]): the database lives in `dir` (an
/// existing, empty directory) on the real disk, and only syncs the real storage witnessed
/// make bytes durable. The same seed gives the same run as in memory, apart from the speed.
///
/// # Errors
/// As [`run`].
pub fn run_on_disk<S: SimSubject>(
    subject: &S,
    seed: u64,
    steps: u64,
    dir: &Path,
) -> Result<SimReport, SimFailure> {
    let root = SimRng::new(seed);
    let faults = SimFaults::draw(&root.fork(1), FAULT_EPOCH_OPS);
    let storage = SimStorage::on_disk(root.fork(2), faults, wal_shape(subject), dir);
    run_on(subject, seed, steps, storage, dir)
}

fn wal_shape<S: SimSubject>(subject: &S) -> WalShape {
    WalShape {
        file_name: S::WAL_FILE_NAME.into(),
        magic: S::WAL_MAGIC,
        max_payload_bytes: subject.max_wal_payload_bytes(),
    }
}

/// [`run`] on a given storage and directory (the disk-backed mode passes its own). A panic
/// of the engine (or the model) is caught and reported as [`SimFailureKind::Panic`] at the
/// step it struck, with the log's tail, like any failed check.
fn run_on<S: SimSubject>(
    subject: &S,
    seed: u64,
    steps: u64,
    storage: SimStorage,
    dir: &Path,
) -> Result<SimReport, SimFailure> {
    let log = storage.clone();
    let at = Cell::new(0);
    let run = || run_steps(subject, seed, steps, storage, dir, &at);
    match panic::catch_unwind(AssertUnwindSafe(run)) {
        Ok(outcome) => outcome,
        Err(payload) => Err(SimFailure::panicked(
            seed,
            steps,
            at.get(),
            payload.as_ref(),
            &log,
        )),
    }
}

/// The run itself; `at` follows the current step, for a panic's report.
fn run_steps<S: SimSubject>(
    subject: &S,
    seed: u64,
    steps: u64,
    storage: SimStorage,
    dir: &Path,
    at: &Cell<u64>,
) -> Result<SimReport, SimFailure> {
    let root = SimRng::new(seed);
    let mut sim = Sim {
        subject,
        storage,
        dir: dir.to_path_buf(),
        rng: root.fork(3),
        workload: root.fork(4),
        model: subject.initial_model(),
        handle: None,
        report: SimReport {
            seed,
            steps,
            ..SimReport::default()
        },
        step: 0,
    };
    // The step count is logged at the end only: a run of fewer steps logs a prefix of this
    // run's lines up to its last step.
    sim.storage.with_log(|log| log.line(format!("seed {seed}")));
    let initial = [sim.model.clone()];
    sim.recover(&initial)?;
    sim.report.recoveries = 0;
    sim.storage.set_faults_on(true);
    for step in 0..steps {
        sim.step = step;
        at.set(step);
        sim.mark_step();
        sim.one_step()?;
    }
    sim.step = steps;
    at.set(steps);
    sim.mark_step();
    sim.line(format!("end after {steps} steps"));
    sim.restart(Restart::Crash, &[], false)?;
    Ok(sim.finish())
}

/// [`run`], and on failure the shortest failing step count of the seed.
///
/// # Errors
/// As [`run`], with `shortest` set.
pub fn check<S: SimSubject>(subject: &S, seed: u64, steps: u64) -> Result<SimReport, SimFailure> {
    run(subject, seed, steps).map_err(|mut failure| {
        failure.shortest = Some(shortest_failing(subject, &failure));
        failure
    })
}

/// The fewest steps with which `failure`'s seed still fails under [`run`]
/// ([`shortest_failing_by`] with an in-memory run of `subject`).
#[must_use]
pub fn shortest_failing<S: SimSubject>(subject: &S, failure: &SimFailure) -> u64 {
    shortest_failing_by(failure, |steps| run(subject, failure.seed, steps).is_err())
}

/// The fewest steps with which `fails` (a run of `failure`'s seed with that many steps) still
/// fails: a binary search below the failing step (runs are deterministic, and a shorter run
/// is a prefix of a longer one plus a final crash), then a linear pass over the few counts
/// just below what it found, since a final crash can expose a failure earlier than the step
/// that found it. At most `failure.step + 1`: the run cut just after the failing step repeats
/// it.
///
/// # Panics
/// If the run cut just after the failing step passes: the runs of one seed are not
/// prefix-stable (the fault plan or the workload depends on the step count).
#[must_use]
pub fn shortest_failing_by(failure: &SimFailure, fails: impl Fn(u64) -> bool) -> u64 {
    let high = (failure.step + 1).min(failure.steps);
    assert!(
        fails(high),
        "seed {}: a run of {high} steps must fail as the run of {} did at step {}",
        failure.seed,
        failure.steps,
        failure.step
    );
    if fails(0) {
        return 0;
    }
    let (mut low, mut high) = (0, high);
    while low + 1 < high {
        let mid = low + (high - low) / 2;
        if fails(mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    let linear_from = high.saturating_sub(16).max(1);
    (linear_from..high)
        .find(|&steps| fails(steps))
        .unwrap_or(high)
}

impl<S: SimSubject> Sim<'_, S> {
    fn line(&self, line: String) {
        self.storage.with_log(|log| log.line(line));
    }

    fn fail(&self, kind: SimFailureKind, detail: String) -> SimFailure {
        self.line(format!("FAIL {kind:?}: {detail}"));
        SimFailure {
            seed: self.report.seed,
            steps: self.report.steps,
            step: self.step,
            kind,
            detail,
            tail: self.storage.with_log(|log| log.tail()),
            shortest: None,
        }
    }

    /// Notes the log's hash before step `self.step` (after the last step for `steps`).
    fn mark_step(&mut self) {
        let hash = self.storage.with_log(|log| log.hash());
        self.report.step_hashes.push(hash);
    }

    fn finish(mut self) -> SimReport {
        self.report.faults = self.storage.counts();
        self.report.storage_ops = self.storage.ops();
        self.report.log_hash = self.storage.with_log(|log| log.hash());
        self.report
    }

    fn one_step(&mut self) -> Result<(), SimFailure> {
        let roll = self.rng.below(1000);
        if roll < CRASH_PER_MILLE {
            self.line(format!("step {}: crash", self.step));
            return self.restart(Restart::Crash, &[], false);
        }
        if roll < CRASH_PER_MILLE + REOPEN_PER_MILLE {
            self.line(format!("step {}: reopen", self.step));
            return self.restart(Restart::Close, &[], false);
        }
        self.call_step()
    }

    fn handle(&mut self) -> &mut S::Handle {
        self.handle
            .as_mut()
            .expect("the simulator must hold an open handle between steps")
    }

    fn call_step(&mut self) -> Result<(), SimFailure> {
        let subject = self.subject;
        let call = subject.next_call(&self.model, &mut self.workload);
        let expected = subject.expect(&self.model, &call);
        let stop = self
            .rng
            .chance(STOP_PER_MILLE)
            .then(|| self.storage.ops() + self.rng.below(STOP_WITHIN_OPS));
        self.storage.stop_at_op(stop);
        let faults_before = self.storage.counts().failing();
        self.line(format!("step {}: call {call:?}", self.step));
        self.report.calls += 1;
        let result = subject.call(self.handle(), &call);
        let stopped = stop.is_some_and(|stop| self.storage.ops() > stop);
        match result {
            Ok(reply) => {
                self.line(format!("reply {reply:?}"));
                if reply != expected.reply {
                    let detail = format!("reply {reply:?}, model {:?}", expected.reply);
                    return Err(self.fail(SimFailureKind::ReplyMismatch, detail));
                }
                if let Some(last) = expected.prefixes.last() {
                    self.model = last.clone();
                }
                self.check_live()?;
                self.report.acknowledged += 1;
                if stopped {
                    return self.restart(Restart::Crash, &[], true);
                }
                self.storage.stop_at_op(None);
                Ok(())
            }
            Err(error) => {
                self.line(format!("error {error}"));
                let faulted = stopped || self.storage.counts().failing() > faults_before;
                let failure = subject.call_failure(&error);
                if !faulted || !matches!(failure, StepFailure::Io(_) | StepFailure::Halted) {
                    let detail = format!("{error} ({failure:?}), faulted {faulted}");
                    return Err(self.fail(SimFailureKind::CallFailed, detail));
                }
                let crash = stopped || self.rng.chance(500);
                let how = if crash {
                    Restart::Crash
                } else {
                    Restart::Close
                };
                self.restart(how, &expected.prefixes, stopped)
            }
        }
    }

    /// The checks after an acknowledged call: the picture equals the model's, invariants hold.
    fn check_live(&mut self) -> Result<(), SimFailure> {
        let subject = self.subject;
        let handle = self.handle.as_ref().expect("a call must leave a handle");
        if let Err(broken) = subject.validate(handle) {
            return Err(self.fail(SimFailureKind::Invariant, broken));
        }
        let picture = subject.picture(handle);
        let wanted = subject.model_picture(&self.model);
        if picture != wanted {
            let detail = format!("engine {picture:?}, model {wanted:?}");
            return Err(self.fail(SimFailureKind::PictureMismatch, detail));
        }
        Ok(())
    }

    /// Drops the handle (crashing first, or not), reopens, and checks the recovered state
    /// against the floor and the in-flight prefixes; the recovered state is the new floor.
    fn restart(
        &mut self,
        how: Restart,
        in_flight: &[S::Model],
        in_call: bool,
    ) -> Result<(), SimFailure> {
        if how == Restart::Crash {
            // Crash first, so that whatever the handle does as it drops fails like the
            // process it belongs to.
            self.storage.crash();
            self.report.crashes += 1;
            self.report.crashes_in_calls += u64::from(in_call);
        }
        self.storage.set_faults_on(false);
        drop(self.handle.take());
        self.storage.stop_at_op(None);
        let mut allowed = vec![self.model.clone()];
        allowed.extend(in_flight.iter().cloned());
        self.recover(&allowed)?;
        self.report.recoveries += 1;
        self.storage.set_faults_on(true);
        Ok(())
    }

    /// Opens the database; a refusal of corruption that a flipped bit explains restores the
    /// bit and tries again. The state must be one of `allowed`.
    fn recover(&mut self, allowed: &[S::Model]) -> Result<(), SimFailure> {
        assert!(
            self.handle.is_none(),
            "a recovery must not run beside an open handle"
        );
        let subject = self.subject;
        for _ in 0..OPEN_TRIES {
            let error = match subject.open(&self.dir, self.storage.clone()) {
                Ok(handle) => return self.check_recovered(handle, allowed),
                Err(error) => error,
            };
            let refusal = subject.refusal(&error);
            self.line(format!("open refused: {error} ({refusal:?})"));
            let corrupt = matches!(
                refusal,
                Refusal::WalCorruption { .. } | Refusal::SnapshotFile
            );
            if !corrupt {
                return Err(self.fail(SimFailureKind::OpenFailed, error.to_string()));
            }
            let restored = self.storage.restore_flips();
            if restored == 0 {
                let detail = format!("{error} ({refusal:?})");
                return Err(self.fail(SimFailureKind::CorruptionWithoutFlip, detail));
            }
            self.report.flips_refused += restored as u64;
        }
        let detail = format!("still refused after {OPEN_TRIES} opens");
        Err(self.fail(SimFailureKind::OpenFailed, detail))
    }

    fn check_recovered(
        &mut self,
        handle: S::Handle,
        allowed: &[S::Model],
    ) -> Result<(), SimFailure> {
        let subject = self.subject;
        let flips = self.storage.flips();
        if !flips.is_empty() {
            let detail = format!("the open read flipped bits and succeeded: {flips:?}");
            return Err(self.fail(SimFailureKind::FlipAccepted, detail));
        }
        if let Err(broken) = subject.validate(&handle) {
            return Err(self.fail(SimFailureKind::Invariant, broken));
        }
        let picture = subject.picture(&handle);
        let Some(index) = allowed
            .iter()
            .position(|model| subject.model_picture(model) == picture)
        else {
            let wanted: Vec<_> = allowed.iter().map(|m| subject.model_picture(m)).collect();
            let detail = format!("recovered {picture:?}, allowed {wanted:?}");
            return Err(self.fail(SimFailureKind::RecoveryMismatch, detail));
        };
        self.line(format!("recovered: state {index} of {}", allowed.len() - 1));
        self.model = allowed[index].clone();
        self.handle = Some(handle);
        Ok(())
    }
}
