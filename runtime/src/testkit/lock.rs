//! The one-writer drivers: a second open of a database that a handle holds open must be a lock
//! refusal that touches nothing, whether the owner is in this process ([`two_writers`]) or in
//! another ([`two_processes`], with [`keep_open_in_child`] as the other process).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;
use std::{fs, thread};

use super::failure::{same_state, setup};
use super::{CrashSubject, FaultyStorage, KitFailure, Refusal, Report, ScratchDir};

/// The environment variable that tells [`keep_open_in_child`] which directory to hold open.
pub const OWNER_DIR_VAR: &str = "RUNTIME_TESTKIT_OWNER_DIR";

/// The line the child prints once its open succeeded.
const HELD: &str = "runtime-testkit: database held open";

/// How long a child holds the database before giving up on being killed.
const KEEP_FOR: Duration = Duration::from_mins(10);

/// Starting a process copies every open file descriptor of this one into the child until it
/// runs its program: a lock file that a test closes in that window stays locked a moment
/// longer, and a reopen by another test would read as a second writer. So every driver holds
/// this shared for its run, and [`two_processes`] starts its child holding it exclusively:
/// kit drivers in one test binary never see that window.
static STARTING_A_CHILD: RwLock<()> = RwLock::new(());

/// Held by a driver for its run: no child process starts meanwhile (in this process).
pub(super) fn no_spawn_now() -> RwLockReadGuard<'static, ()> {
    STARTING_A_CHILD
        .read()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Starts `command` while no kit driver runs in this process (see the note on
/// `STARTING_A_CHILD`): `spawn` returns once the child runs its program, when its copies of
/// this process's descriptors are closed. Any test that starts a process holding a database
/// lock should start it through this.
///
/// # Errors
/// The process could not be started.
pub fn spawn_alone(command: &mut Command) -> std::io::Result<Child> {
    let _alone = STARTING_A_CHILD
        .write()
        .unwrap_or_else(PoisonError::into_inner);
    command.spawn()
}

/// The bytes of every file of the database that the kit knows (`None`: absent).
fn files<S: CrashSubject>(dir: &Path) -> [Option<Vec<u8>>; 2] {
    [S::WAL_FILE_NAME, S::SNAPSHOT_FILE_NAME].map(|name| fs::read(dir.join(name)).ok())
}

/// Builds a database of `steps` steps and a checkpoint in the middle (so that both files
/// exist), and returns its state; the handle is dropped.
fn populate<S: CrashSubject>(subject: &S, dir: &Path, steps: u64) -> Result<S::Dump, KitFailure> {
    let mut handle = subject
        .open(dir, FaultyStorage::skipping_syncs())
        .map_err(|e| setup("opening an empty database", e))?;
    for index in 0..steps {
        if index == steps / 2 {
            subject
                .checkpoint(&mut handle)
                .map_err(|e| setup("checkpointing", e))?;
        }
        subject
            .step(&mut handle, index)
            .map_err(|e| setup(&format!("running step {index}"), e))?;
    }
    Ok(subject.dump(&handle))
}

/// Opens `dir` while `owner` holds it: the open must be refused as [`Refusal::Locked`] and
/// leave the files as they were.
fn refused_while_held<S: CrashSubject>(
    subject: &S,
    dir: &Path,
    owner: &'static str,
) -> Result<(), KitFailure> {
    let before = files::<S>(dir);
    match subject.open(dir, FaultyStorage::skipping_syncs()) {
        Ok(_) => return Err(KitFailure::NotExclusive { owner }),
        Err(error) if subject.refusal(&error) != Refusal::Locked => {
            let found = error.to_string();
            return Err(KitFailure::NotLocked { owner, found });
        }
        Err(_) => {}
    }
    if files::<S>(dir) != before {
        return Err(KitFailure::FilesChanged { owner });
    }
    Ok(())
}

/// Reopens `dir` once the owner is gone: it must open, to `expected`.
fn opens_after<S: CrashSubject>(
    subject: &S,
    dir: &Path,
    expected: &S::Dump,
) -> Result<(), KitFailure> {
    let handle = subject
        .open(dir, FaultyStorage::skipping_syncs())
        .map_err(|e| setup("opening after the owner let go", e))?;
    same_state(0, expected, &subject.dump(&handle))
}

/// Two handles in one process: with a database open (after `steps` steps and a checkpoint), a
/// second open of its directory must be refused as [`Refusal::Locked`] and change no file;
/// once the first handle is dropped, the open succeeds to the same state.
///
/// # Errors
/// The first check that fails, as a [`KitFailure`].
pub fn two_writers<S: CrashSubject>(subject: &S, steps: u64) -> Result<Report, KitFailure> {
    let _quiet = super::lock::no_spawn_now();
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let expected = populate(subject, dir.path(), steps)?;
    let first = subject
        .open(dir.path(), FaultyStorage::skipping_syncs())
        .map_err(|e| setup("opening the first handle", e))?;
    refused_while_held(subject, dir.path(), "a handle in this process")?;
    drop(first);
    opens_after(subject, dir.path(), &expected)?;
    Ok(Report {
        cases: 1,
        frames: 0,
        file_bytes: fs::metadata(dir.path().join(S::WAL_FILE_NAME)).map_or(0, |m| m.len()),
    })
}

/// The other process of [`two_processes`]: run as the engine's test named `child_test` (an
/// `#[ignore]`d test whose body is this call), it opens the directory named by
/// [`OWNER_DIR_VAR`], says so on stdout, and holds the database open until it is killed.
/// Without the variable (the test run on its own) it does nothing.
///
/// # Errors
/// The open failed (the parent then reports that the child never held the database).
pub fn keep_open_in_child<S: CrashSubject>(subject: &S) -> Result<(), KitFailure> {
    let Some(dir) = std::env::var_os(OWNER_DIR_VAR) else {
        return Ok(());
    };
    let handle = subject
        .open(Path::new(&dir), FaultyStorage::skipping_syncs())
        .map_err(|e| setup("opening in the child", e))?;
    println!("{HELD}");
    thread::sleep(KEEP_FOR);
    drop(handle);
    Ok(())
}

/// Kills the child when dropped, whatever the driver returned: no owner outlives its test.
struct Owner(Child);

impl Drop for Owner {
    fn drop(&mut self) {
        // Best effort: the child may already be gone.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two real processes: with a database built by `steps` steps and a checkpoint, the current
/// test binary is run again as a child (`--exact child_test --ignored`, the directory in
/// [`OWNER_DIR_VAR`]; `child_test` calls [`keep_open_in_child`]). While the child holds the
/// database, an open here must be refused as [`Refusal::Locked`] and change no file; once the
/// child is killed, the open succeeds to the same state.
///
/// # Errors
/// The first check that fails, as a [`KitFailure`] (a child that never says it holds the
/// database is a `Setup` failure).
pub fn two_processes<S: CrashSubject>(
    subject: &S,
    steps: u64,
    child_test: &str,
) -> Result<Report, KitFailure> {
    let dir = ScratchDir::new().map_err(|e| setup("creating a scratch directory", e))?;
    let expected = populate(subject, dir.path(), steps)?;
    let exe = std::env::current_exe().map_err(|e| setup("finding the test binary", e))?;
    let mut command = Command::new(exe);
    command
        .args(["--exact", child_test, "--ignored", "--nocapture"])
        .env(OWNER_DIR_VAR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let child = spawn_alone(&mut command).map_err(|e| setup("starting the child process", e))?;
    let mut owner = Owner(child);
    let stdout = owner
        .0
        .stdout
        .take()
        .ok_or_else(|| setup("child", "no stdout"))?;
    let held = BufReader::new(stdout)
        .lines()
        .any(|line| line.is_ok_and(|line| line.contains(HELD)));
    if !held {
        return Err(setup("waiting for the child", "it never held the database"));
    }
    refused_while_held(subject, dir.path(), "another process")?;
    drop(owner);
    opens_after(subject, dir.path(), &expected)?;
    Ok(Report {
        cases: 1,
        frames: 0,
        file_bytes: fs::metadata(dir.path().join(S::WAL_FILE_NAME)).map_or(0, |m| m.len()),
    })
}
