//! The engine-neutral scenario runner: walks a parsed scenario, drives one engine through its
//! [`Driver`], checks `expect` lines and recovery, and writes the trace.
//!
//! After every `recover` the runner compares the recovered state with the state it recorded,
//! live, after the last frame that the WAL file still holds whole (read from the file itself,
//! not from the engine's recovery report), and fails loudly when they differ.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::scenario::{Args, Directive, Line, Scenario, ScenarioError};

/// The outcome of one command or read, as the trace shows it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Outcome {
    /// The `ResultCode` name (`Ok`, `LeaseNotFound`, ...), checked by `expect`.
    pub code: String,
    /// The whole outcome, one line (`Ok lease=5 epoch=1 deadline=12`).
    pub text: String,
    /// True for commands (their code is a `ResultCode` the coverage check counts); false for
    /// reads, whose code (`Found`, `LeaseRetired`, ...) only serves `expect`.
    pub is_command: bool,
}

/// The WAL file as the trace shows it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct WalListing {
    /// One line per whole frame, then the stop reason.
    pub lines: Vec<String>,
    /// The lsn of the last whole frame, if any.
    pub last_lsn: Option<u64>,
}

/// One engine, as the runner drives it. Errors are messages; the runner adds file and line.
pub trait Driver: Sized {
    /// The engine's folder name (`allocdb-core`).
    const ENGINE: &'static str;
    /// Names of every `ResultCode` variant (the enum's `ALL` list).
    fn result_codes() -> Vec<&'static str>;
    /// Opens a fresh database in `dir` with the scenario defaults overridden by `config`;
    /// returns the driver and the effective config, one line.
    ///
    /// # Errors
    /// Unknown config keys, an invalid config, an open failure.
    fn open(dir: &Path, config: &Args) -> Result<(Self, String), String>;
    /// `tick(slot)`; returns a line per internal command written.
    ///
    /// # Errors
    /// A submit error.
    fn tick(&mut self, slot: u64) -> Result<Vec<String>, String>;
    /// Runs a client command or a read at `slot`.
    ///
    /// # Errors
    /// Unknown command or arguments, or a submit error.
    fn command(&mut self, name: &str, args: &Args, slot: u64) -> Result<Outcome, String>;
    /// Writes an internal command through the handle's test seam.
    ///
    /// # Errors
    /// Unknown command or arguments, or a submit error.
    fn internal(&mut self, name: &str, args: &Args, slot: u64) -> Result<Outcome, String>;
    /// The sorted state, one record per line.
    fn dump(&self) -> Vec<String>;
    /// The lsn of the last applied frame (0 for none).
    fn last_lsn(&self) -> u64;
    /// # Errors
    /// The checkpoint failed.
    fn checkpoint(&mut self) -> Result<(), String>;
    /// Drops the handle without any further write.
    fn crash(&mut self);
    /// Reopens the database; returns the recovery report, one line.
    ///
    /// # Errors
    /// Recovery failed.
    fn recover(&mut self) -> Result<String, String>;
    /// The WAL file path.
    fn wal_path(&self) -> PathBuf;
    /// The snapshot file path.
    fn snapshot_path(&self) -> PathBuf;
    /// Decodes WAL bytes into frame lines.
    fn wal_listing(&self, bytes: &[u8]) -> WalListing;
    /// The lsn a snapshot file's bytes hold, or `None` when they do not decode.
    fn snapshot_lsn(&self, bytes: &[u8]) -> Option<u64>;
}

/// A finished run: the trace and every result code the run produced.
#[derive(Debug)]
pub struct RunOutput {
    pub trace: String,
    pub codes_seen: Vec<String>,
}

/// Runs one scenario file in a fresh temporary folder.
///
/// # Errors
/// A malformed line, a failed `expect`, a driver error, or recovered state that differs from
/// the state recorded live.
pub fn run<D: Driver>(scenario: &Scenario) -> Result<RunOutput, ScenarioError> {
    let dir = tempfile::tempdir()
        .map_err(|e| error_at(scenario, 0, &format!("temporary folder: {e}")))?;
    let config = scenario.lines.iter().find_map(|l| match &l.directive {
        Directive::Config(args) => Some((l.number, args.clone())),
        _ => None,
    });
    let (config_line, config) = config.unwrap_or_default();
    let (driver, effective) =
        D::open(dir.path(), &config).map_err(|m| error_at(scenario, config_line, &m))?;
    let mut state = RunState {
        driver,
        slot: 0,
        trace: String::new(),
        codes_seen: Vec::new(),
        states: BTreeMap::new(),
        last_code: None,
    };
    let _ = writeln!(state.trace, "engine {}\nconfig {effective}", D::ENGINE);
    state.record_state();
    for line in &scenario.lines {
        state
            .step(line)
            .map_err(|m| error_at(scenario, line.number, &m))?;
    }
    state.trace.push_str("end\n");
    state.files();
    Ok(RunOutput {
        trace: state.trace,
        codes_seen: state.codes_seen,
    })
}

fn error_at(scenario: &Scenario, line: usize, message: &str) -> ScenarioError {
    ScenarioError {
        file: scenario.file.clone(),
        line,
        message: message.to_owned(),
    }
}

struct RunState<D> {
    driver: D,
    slot: u64,
    trace: String,
    codes_seen: Vec<String>,
    /// The dump recorded live after the frame of each lsn (0: the empty database).
    states: BTreeMap<u64, Vec<String>>,
    last_code: Option<String>,
}

impl<D: Driver> RunState<D> {
    fn step(&mut self, line: &Line) -> Result<(), String> {
        match &line.directive {
            Directive::Config(_) => {}
            Directive::Slot(slot) => {
                let written = self.driver.tick(*slot)?;
                self.slot = *slot;
                let _ = writeln!(self.trace, "slot {slot}");
                for entry in written {
                    let _ = writeln!(self.trace, "  {entry}");
                }
                self.record_state();
            }
            Directive::Expect(code) => {
                let last = self.last_code.as_deref().unwrap_or("<none>");
                if last != code {
                    return Err(format!("expected {code}, got {last}"));
                }
            }
            Directive::Command { name, args } => {
                let outcome = self.driver.command(name, args, self.slot)?;
                self.outcome(&format!("{name}{}", args_text(args)), outcome);
            }
            Directive::Internal { name, args } => {
                let outcome = self.driver.internal(name, args, self.slot)?;
                self.outcome(&format!("internal {name}{}", args_text(args)), outcome);
            }
            Directive::Dump => {
                self.trace.push_str("dump\n");
                for record in self.driver.dump() {
                    let _ = writeln!(self.trace, "  {record}");
                }
            }
            Directive::Checkpoint => {
                self.driver.checkpoint()?;
                self.trace.push_str("checkpoint\n");
                self.files();
            }
            Directive::Crash { torn_bytes } => self.crash(*torn_bytes)?,
            Directive::Recover => self.recover()?,
        }
        Ok(())
    }

    fn outcome(&mut self, command: &str, outcome: Outcome) {
        let _ = writeln!(self.trace, "{command} -> {}", outcome.text);
        if outcome.is_command && !self.codes_seen.contains(&outcome.code) {
            self.codes_seen.push(outcome.code.clone());
        }
        self.last_code = Some(outcome.code);
        self.record_state();
    }

    fn record_state(&mut self) {
        let lsn = self.driver.last_lsn();
        self.states.insert(lsn, self.driver.dump());
    }

    fn crash(&mut self, torn_bytes: u64) -> Result<(), String> {
        self.driver.crash();
        let path = self.driver.wal_path();
        let len = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let cut = len
            .checked_sub(torn_bytes)
            .ok_or_else(|| format!("crash torn={torn_bytes}: the WAL holds only {len} bytes"))?;
        if torn_bytes > 0 {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.set_len(cut)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let _ = writeln!(self.trace, "crash torn={torn_bytes}");
        self.files();
        Ok(())
    }

    fn recover(&mut self) -> Result<(), String> {
        // What must survive: every frame the WAL holds whole, and at least the snapshot.
        let wal = std::fs::read(self.driver.wal_path()).unwrap_or_default();
        let snapshot = std::fs::read(self.driver.snapshot_path()).ok();
        let snapshot_lsn = snapshot.and_then(|bytes| self.driver.snapshot_lsn(&bytes));
        let whole = self
            .driver
            .wal_listing(&wal)
            .last_lsn
            .max(snapshot_lsn)
            .unwrap_or(0);
        let report = self.driver.recover()?;
        let _ = writeln!(self.trace, "recover -> {report}");
        let expected = self
            .states
            .range(..=whole)
            .next_back()
            .map(|(_, dump)| dump.clone())
            .ok_or_else(|| format!("no state was recorded at or below lsn {whole}"))?;
        let recovered = self.driver.dump();
        if recovered != expected {
            return Err(format!(
                "recovered state differs from the state after lsn {whole}:\nexpected:\n  {}\nrecovered:\n  {}",
                expected.join("\n  "),
                recovered.join("\n  ")
            ));
        }
        // Forget states past what survived: the lsns will be reused by new frames.
        self.states.retain(|lsn, _| *lsn <= whole);
        self.record_state();
        self.files();
        Ok(())
    }

    /// The WAL as decoded frames and the snapshot file in hex.
    fn files(&mut self) {
        let wal = std::fs::read(self.driver.wal_path()).unwrap_or_default();
        let listing = self.driver.wal_listing(&wal);
        let _ = writeln!(self.trace, "  wal {} bytes", wal.len());
        for line in listing.lines {
            let _ = writeln!(self.trace, "    {line}");
        }
        match std::fs::read(self.driver.snapshot_path()) {
            Ok(bytes) => {
                let _ = writeln!(self.trace, "  snapshot {} bytes", bytes.len());
                for chunk in bytes.chunks(32) {
                    let _ = writeln!(self.trace, "    {}", hex(chunk));
                }
            }
            Err(_) => self.trace.push_str("  snapshot none\n"),
        }
    }
}

fn args_text(args: &Args) -> String {
    args.pairs().iter().fold(String::new(), |mut text, (k, v)| {
        let _ = write!(text, " {k}={v}");
        text
    })
}

/// Lower-case hex of `bytes`, no separators (`""` for none).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, b| {
            let _ = write!(text, "{b:02x}");
            text
        })
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
