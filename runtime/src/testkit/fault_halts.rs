//! The fault-seam driver: a failed write, a short write and a failed sync during a step must
//! halt the handle, and a reopen must resolve the step ([`fault_halts`]).

use std::fs;

use super::failure::{same_state, setup};
use super::{CrashSubject, FaultyStorage, KitFailure, Report, ScratchDir, StepFailure};
use crate::wal_file::FileOp;

/// A fault the kit injects into the faulted step's I/O.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The step's write fails, writing nothing.
    FailedWrite,
    /// The step's write writes half its bytes, then fails.
    ShortWrite,
    /// The step's sync fails (its bytes may or may not be durable).
    FailedSync,
}

impl Fault {
    /// Every fault, in the order [`fault_halts`] injects them.
    pub const ALL: [Self; 3] = [Self::FailedWrite, Self::ShortWrite, Self::FailedSync];

    /// Arms the fault for the next write or sync of `storage`.
    pub fn arm(self, storage: &FaultyStorage) {
        match self {
            Self::FailedWrite => storage.fail_nth_write(1),
            Self::ShortWrite => storage.short_nth_write(1),
            Self::FailedSync => storage.fail_nth_sync(1),
        }
    }

    /// The file operation whose failure the engine must report.
    #[must_use]
    pub fn op(self) -> FileOp {
        match self {
            Self::FailedWrite | Self::ShortWrite => FileOp::Write,
            Self::FailedSync => FileOp::Sync,
        }
    }
}

/// What a clean run of the steps up to `at` leaves: the states around step `at`, and the WAL
/// length before it.
struct Clean<D> {
    before: D,
    after: D,
    wal_before: u64,
}

fn clean_run<S: CrashSubject>(subject: &S, at: u64) -> Result<Clean<S::Dump>, KitFailure> {
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let storage = FaultyStorage::skipping_syncs();
    let (mut handle, wal_before) = open_at(subject, &dir, &storage, at)?;
    let before = subject.dump(&handle);
    let counters = || storage.with_plan(|plan| (plan.writes, plan.syncs));
    let (writes, syncs) = counters();
    subject
        .step(&mut handle, at)
        .map_err(|e| setup(&format!("running step {at}"), e))?;
    let (writes_after, syncs_after) = counters();
    if (writes_after - writes, syncs_after - syncs) != (1, 1) {
        let detail = format!(
            "step {at} made {} writes and {} syncs; the faulted step must make one of each",
            writes_after - writes,
            syncs_after - syncs
        );
        return Err(setup("choosing the faulted step", detail));
    }
    let after = subject.dump(&handle);
    Ok(Clean {
        before,
        after,
        wal_before,
    })
}

/// Opens a fresh database in `dir` and runs steps `0..at`; returns the handle and the WAL's
/// length.
fn open_at<S: CrashSubject>(
    subject: &S,
    dir: &ScratchDir,
    storage: &FaultyStorage,
    at: u64,
) -> Result<(S::Handle, u64), KitFailure> {
    let mut handle = subject
        .open(dir.path(), storage.clone())
        .map_err(|e| setup("opening an empty database", e))?;
    for index in 0..at {
        subject
            .step(&mut handle, index)
            .map_err(|e| setup(&format!("running step {index}"), e))?;
    }
    let wal = fs::metadata(dir.path().join(S::WAL_FILE_NAME));
    Ok((handle, wal.map_or(0, |m| m.len())))
}

/// Checks that `result` failed and that the subject classifies the failure as `expected`.
fn expect_failure<S: CrashSubject>(
    subject: &S,
    result: Result<(), S::StepError>,
    fault: Fault,
    call: &'static str,
    expected: StepFailure,
) -> Result<(), KitFailure> {
    let found = match result {
        Err(error) if subject.step_failure(&error) == expected => return Ok(()),
        Err(error) => error.to_string(),
        Ok(()) if call == "faulted step" => return Err(KitFailure::FaultIgnored { fault }),
        Ok(()) => "Ok".to_owned(),
    };
    Err(KitFailure::WrongStepFailure {
        fault,
        call,
        expected,
        found,
    })
}

/// Injects each [`Fault`] into step `at` of the workload (after steps `0..at` ran cleanly).
///
/// For each fault: the step must fail with [`StepFailure::Io`] of the fault's file operation;
/// the handle must then be halted, and the next step and a checkpoint must fail with
/// [`StepFailure::Halted`]. Reopened, the database must hold the state before the step (a
/// failed or short write: the torn half is cut, the WAL back to its length before the step;
/// a failed sync: the WAL cut back to its last synced length, as `WalFile::sync` does, since
/// Linux never writes the pages of a failed writeback and a restart would serve them).
/// Running step `at` again must then succeed and give the state of a run without the fault
/// (the retry resolves the unknown outcome). Step `at` must make exactly one write and one
/// sync in a clean run (one frame, or one group commit whose half is no whole frame).
///
/// # Errors
/// The first check that fails, as a [`KitFailure`].
pub fn fault_halts<S: CrashSubject>(subject: &S, at: u64) -> Result<Report, KitFailure> {
    let _quiet = super::lock::no_spawn_now();
    let clean = clean_run(subject, at)?;
    for fault in Fault::ALL {
        let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
        let storage = FaultyStorage::skipping_syncs();
        let (mut handle, _) = open_at(subject, &dir, &storage, at)?;
        fault.arm(&storage);
        let faulted = subject.step(&mut handle, at);
        expect_failure(
            subject,
            faulted,
            fault,
            "faulted step",
            StepFailure::Io(fault.op()),
        )?;
        if !subject.is_halted(&handle) {
            return Err(KitFailure::NotHalted { fault });
        }
        let next = subject.step(&mut handle, at + 1);
        expect_failure(subject, next, fault, "next step", StepFailure::Halted)?;
        let checkpoint = subject.checkpoint(&mut handle);
        expect_failure(
            subject,
            checkpoint,
            fault,
            "checkpoint",
            StepFailure::Halted,
        )?;
        drop(handle);
        let mut reopened = subject
            .open(dir.path(), FaultyStorage::skipping_syncs())
            .map_err(|e| setup(&format!("reopening after {fault:?}"), e))?;
        same_state(at, &clean.before, &subject.dump(&reopened))?;
        let len = fs::metadata(dir.path().join(S::WAL_FILE_NAME)).map_or(0, |m| m.len());
        if len != clean.wal_before {
            return Err(KitFailure::WrongLength {
                at,
                expected: clean.wal_before,
                found: len,
            });
        }
        if let Err(error) = subject.step(&mut reopened, at) {
            let found = error.to_string();
            return Err(KitFailure::RetryFailed { fault, found });
        }
        same_state(at, &clean.after, &subject.dump(&reopened))?;
    }
    Ok(Report {
        cases: Fault::ALL.len() as u64,
        frames: 0,
        file_bytes: clean.wal_before,
    })
}
