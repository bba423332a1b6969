//! The engine-neutral scenario runner: walks a parsed scenario, drives one engine through its
//! [`Driver`], checks `expect` lines and recovery, and writes the trace.
//!
//! After every `recover` the runner compares the recovered state with the state it recorded,
//! live, after the last frame that the WAL file still holds whole (read from the file itself,
//! not from the engine's recovery report), and fails loudly when they differ.
//!
//! Every call (command, read, internal, `slot`) is followed by a look at the WAL file: the
//! frames it wrote are those above the lsn the engine had applied before it. A command line
//! ends with the lsn of its own frame (`[lsn=7]`) or why it has none (`[not written: ...]`),
//! and every other frame the call wrote (its implicit tick's expiries) is listed under it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

pub use crate::driver::{Driver, Frame, Outcome, OutcomeKind, Seam, Ticked, WalListing};
use crate::scenario::{Args, Directive, Line, Scenario, ScenarioError};

/// The most zero bytes `crash zeros=Z` appends (a scenario is a small file).
const MAX_ZERO_FILL: u64 = 1 << 20;

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
        .map_err(|e| ScenarioError::new(&scenario.file, 0, format!("temporary folder: {e}")))?;
    let config = scenario.lines.iter().find_map(|l| match &l.directive {
        Directive::Config(args) => Some((l.number, args.clone())),
        _ => None,
    });
    let (config_line, config) = config.unwrap_or_default();
    let (driver, effective) = D::open(dir.path(), &config)
        .map_err(|m| ScenarioError::new(&scenario.file, config_line, m))?;
    let mut state = RunState {
        driver,
        slot: 0,
        trace: String::new(),
        codes_seen: Vec::new(),
        states: BTreeMap::new(),
        last_code: None,
        last_frames: None,
    };
    let _ = writeln!(state.trace, "engine {}\nconfig {effective}", D::ENGINE);
    state.record_state();
    for line in &scenario.lines {
        state.step(line).map_err(|message| ScenarioError {
            trace: state.trace.clone(),
            ..ScenarioError::new(&scenario.file, line.number, message)
        })?;
    }
    state.trace.push_str("end\n");
    state.files();
    Ok(RunOutput {
        trace: state.trace,
        codes_seen: state.codes_seen,
    })
}

struct RunState<D> {
    driver: D,
    slot: u64,
    trace: String,
    codes_seen: Vec<String>,
    /// The dump recorded live after the frame of each lsn (0: the empty database).
    states: BTreeMap<u64, Vec<String>>,
    last_code: Option<String>,
    /// How many frames the last call wrote.
    last_frames: Option<usize>,
}

impl<D: Driver> RunState<D> {
    fn step(&mut self, line: &Line) -> Result<(), String> {
        match &line.directive {
            Directive::Config(_) => {}
            Directive::Slot(slot) => self.tick(*slot)?,
            Directive::Expect(code) => {
                let last = self.last_code.as_deref().unwrap_or("<none>");
                if last != code {
                    return Err(format!("expected {code}, got {last}"));
                }
            }
            Directive::ExpectFrames(count) => {
                let last = self.last_frames.unwrap_or(0);
                if last as u64 != *count {
                    return Err(format!("expected frames={count}, the call wrote {last}"));
                }
            }
            Directive::Command { name, args } => {
                let before = self.driver.last_lsn();
                let outcome = self.driver.command(name, args, self.slot)?;
                self.call(
                    &format!("{name}{}", args_text(args)),
                    outcome,
                    before,
                    false,
                );
            }
            Directive::Internal { name, args } => {
                let before = self.driver.last_lsn();
                let seam = Seam {
                    slot: self.slot,
                    timed: true,
                };
                let outcome = self.driver.internal(name, args, seam)?;
                let command = format!("internal {name}{}", args_text(args));
                self.call(&command, outcome, before, true);
            }
            Directive::InternalUntimed { name, args, slot } => {
                // The clock moves without a tick: expiries due at the new slot stay due.
                self.slot = slot.unwrap_or(self.slot);
                let before = self.driver.last_lsn();
                let seam = Seam {
                    slot: self.slot,
                    timed: false,
                };
                let outcome = self.driver.internal(name, args, seam)?;
                let at = slot.map_or_else(String::new, |slot| format!(" slot={slot}"));
                let command = format!("internal_untimed {name}{}{at}", args_text(args));
                self.call(&command, outcome, before, true);
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
            Directive::Crash {
                torn_bytes,
                zero_bytes,
            } => self.crash(*torn_bytes, *zero_bytes)?,
            Directive::Recover => self.recover()?,
        }
        Ok(())
    }

    /// `slot N`: the tick's frames, each with its command, outcome and lsn.
    fn tick(&mut self, slot: u64) -> Result<(), String> {
        let before = self.driver.last_lsn();
        let ticked = self.driver.tick(slot)?;
        // A refused tick still moves the scenario's clock: later commands are refused too.
        self.slot = slot;
        let _ = writeln!(self.trace, "slot {slot}");
        let frames = self.frames_after(before);
        let code = match ticked {
            Ticked::Wrote(outcomes) => {
                if outcomes.len() != frames.len() {
                    return Err(format!(
                        "tick returned {} outcomes but wrote {} frames",
                        outcomes.len(),
                        frames.len()
                    ));
                }
                for (frame, outcome) in frames.iter().zip(outcomes) {
                    let _ = writeln!(
                        self.trace,
                        "  {} -> {outcome} [lsn={}]",
                        frame_text(frame),
                        frame.lsn
                    );
                }
                "Ok".to_owned()
            }
            Ticked::Refused(outcome) => {
                let _ = writeln!(self.trace, "  {}", outcome.text);
                self.list_frames(&frames);
                outcome.code
            }
        };
        self.last_code = Some(code);
        self.last_frames = Some(frames.len());
        self.record_state();
        Ok(())
    }

    /// A command's or read's line, then the other frames the call wrote (its tick's).
    /// `internal`: the call's own frame is an internal command (the test seams).
    fn call(&mut self, command: &str, outcome: Outcome, before: u64, internal: bool) {
        let mut frames = self.frames_after(before);
        let count = frames.len();
        let own = frames.last().is_some_and(|frame| {
            outcome.kind == OutcomeKind::Command && frame.internal.is_some() == internal
        });
        let mark = match outcome.kind {
            OutcomeKind::Read => String::new(),
            _ if own => format!(" [lsn={}]", frames.pop().map_or(0, |frame| frame.lsn)),
            OutcomeKind::Refused => " [not written: refused]".to_owned(),
            OutcomeKind::Command if outcome.code == "OperationConflict" => {
                " [not written: conflict]".to_owned()
            }
            OutcomeKind::Command => " [not written: duplicate]".to_owned(),
        };
        let _ = writeln!(self.trace, "{command} -> {}{mark}", outcome.text);
        self.list_frames(&frames);
        if outcome.kind == OutcomeKind::Command && !self.codes_seen.contains(&outcome.code) {
            self.codes_seen.push(outcome.code.clone());
        }
        self.last_code = Some(outcome.code);
        self.last_frames = Some(count);
        self.record_state();
    }

    /// The whole frames of the WAL file above `lsn`, in lsn order.
    fn frames_after(&self, lsn: u64) -> Vec<Frame> {
        let wal = std::fs::read(self.driver.wal_path()).unwrap_or_default();
        let mut frames = self.driver.wal_listing(&wal).frames;
        frames.retain(|frame| frame.lsn > lsn);
        frames
    }

    fn list_frames(&mut self, frames: &[Frame]) {
        for frame in frames {
            let _ = writeln!(self.trace, "  {} [lsn={}]", frame_text(frame), frame.lsn);
        }
    }

    fn record_state(&mut self) {
        let lsn = self.driver.last_lsn();
        self.states.insert(lsn, self.driver.dump());
    }

    fn crash(&mut self, torn_bytes: u64, zero_bytes: u64) -> Result<(), String> {
        self.driver.crash();
        let path = self.driver.wal_path();
        let len = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let cut = len
            .checked_sub(torn_bytes)
            .ok_or_else(|| format!("crash torn={torn_bytes}: the WAL holds only {len} bytes"))?;
        if zero_bytes > MAX_ZERO_FILL {
            return Err(format!(
                "crash zeros={zero_bytes}: at most {MAX_ZERO_FILL} zero bytes"
            ));
        }
        if torn_bytes > 0 || zero_bytes > 0 {
            // Cut, then extend: `set_len` past the end fills with zeros, as a file system that
            // grew the file without its data leaves it.
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            for len in [cut, cut + zero_bytes] {
                file.set_len(len)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        let _ = write!(self.trace, "crash torn={torn_bytes}");
        if zero_bytes > 0 {
            let _ = write!(self.trace, " zeros={zero_bytes}");
        }
        let _ = writeln!(self.trace);
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

fn frame_text(frame: &Frame) -> String {
    frame.internal.as_ref().map_or_else(
        || "client".to_owned(),
        |command| format!("internal {command}"),
    )
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
