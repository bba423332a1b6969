//! The runner on a fake engine whose WAL is a text file (one `lsn value` line per frame; a last
//! line without its newline is a torn frame), so that the runner's own checks can be driven to
//! fail: `expect` mismatches, and recovered state that differs from the live state.

use std::path::{Path, PathBuf};

use super::*;

struct FakeDriver {
    dir: PathBuf,
    /// The value of every applied frame, in lsn order.
    values: Vec<u64>,
    open: bool,
    /// Recovery "forgets" the last whole frame: the bug the runner must catch.
    buggy: bool,
    last_slot: u64,
    /// `(due slot, value)`: expiries a tick writes as internal frames.
    pending: Vec<(u64, u64)>,
}

impl FakeDriver {
    /// `(lsn, internal, value)` of every whole line `lsn c|i value`.
    fn whole_frames(bytes: &[u8]) -> Vec<(u64, bool, u64)> {
        let text = String::from_utf8_lossy(bytes);
        let whole = text.rfind('\n').map_or("", |end| &text[..end]);
        whole
            .lines()
            .filter_map(|line| {
                let words: Vec<&str> = line.split(' ').collect();
                Some((
                    words[0].parse().ok()?,
                    words[1] == "i",
                    words[2].parse().ok()?,
                ))
            })
            .collect()
    }

    fn append(&mut self, internal: bool, value: u64) -> Result<(), String> {
        self.values.push(value);
        let kind = if internal { "i" } else { "c" };
        let line = format!("{} {kind} {value}\n", self.values.len());
        let mut wal = std::fs::read(self.wal_path()).unwrap_or_default();
        wal.extend_from_slice(line.as_bytes());
        std::fs::write(self.wal_path(), wal).map_err(|e| e.to_string())
    }

    fn refused() -> Outcome {
        Outcome {
            code: "SlotRegression".to_owned(),
            text: "error: slot regression".to_owned(),
            kind: OutcomeKind::Refused,
        }
    }

    fn ok(code: &str) -> Outcome {
        Outcome {
            code: code.to_owned(),
            text: code.to_owned(),
            kind: OutcomeKind::Command,
        }
    }

    /// Writes the due expiries as internal frames; `None` on a slot regression.
    fn due(&mut self, slot: u64) -> Result<Option<Vec<String>>, String> {
        if slot < self.last_slot {
            return Ok(None);
        }
        self.last_slot = slot;
        let mut due: Vec<(u64, u64)> = self
            .pending
            .iter()
            .copied()
            .filter(|p| p.0 <= slot)
            .collect();
        due.sort_unstable();
        self.pending.retain(|p| p.0 > slot);
        let mut outcomes = Vec::new();
        for (_, value) in due {
            self.append(true, value)?;
            outcomes.push(format!("Ok v={value}"));
        }
        Ok(Some(outcomes))
    }
}

impl Driver for FakeDriver {
    const ENGINE: &'static str = "fake";

    fn result_codes() -> Vec<&'static str> {
        vec!["Ok", "Refused", "OperationConflict"]
    }

    fn open(dir: &Path, config: &Args) -> Result<(Self, String), String> {
        config.only(&["buggy"])?;
        let buggy = config.u128_or("buggy", 0)? == 1;
        Ok((
            FakeDriver {
                dir: dir.to_path_buf(),
                values: Vec::new(),
                open: true,
                buggy,
                last_slot: 0,
                pending: Vec::new(),
            },
            format!("buggy={buggy}"),
        ))
    }

    fn tick(&mut self, slot: u64) -> Result<Ticked, String> {
        Ok(match self.due(slot)? {
            Some(outcomes) => Ticked::Wrote(outcomes),
            None => Ticked::Refused(FakeDriver::refused()),
        })
    }

    /// `put v=N` writes a frame (`Refused` for 0, still written); `arm v=N at=S` writes one
    /// and schedules an expiry at slot S; `dup` / `conflict` write nothing; `get` reads.
    fn command(&mut self, name: &str, args: &Args, slot: u64) -> Result<Outcome, String> {
        if name == "get" {
            return Ok(Outcome::read(format!("Found {:?}", self.values)));
        }
        if self.due(slot)?.is_none() {
            return Ok(FakeDriver::refused());
        }
        match name {
            "put" | "arm" => {
                let value = args.u64("v")?;
                self.append(false, value)?;
                if name == "arm" {
                    self.pending.push((args.u64("at")?, value));
                }
                Ok(FakeDriver::ok(if value == 0 { "Refused" } else { "Ok" }))
            }
            "dup" => Ok(FakeDriver::ok("Ok")),
            "conflict" => Ok(FakeDriver::ok("OperationConflict")),
            other => Err(format!("unknown command `{other}`")),
        }
    }

    fn internal(&mut self, name: &str, args: &Args, seam: Seam) -> Result<Outcome, String> {
        if name != "expire" {
            return Err(format!("no internal `{name}`"));
        }
        let refused = if seam.timed {
            self.due(seam.slot)?.is_none()
        } else {
            seam.slot < self.last_slot
        };
        if refused {
            return Ok(FakeDriver::refused());
        }
        self.last_slot = seam.slot;
        let value = args.u64("v")?;
        self.pending.retain(|p| p.1 != value);
        self.append(true, value)?;
        Ok(FakeDriver::ok("Ok"))
    }

    fn dump(&self) -> Vec<String> {
        self.values.iter().map(|v| format!("value {v}")).collect()
    }

    fn last_lsn(&self) -> u64 {
        self.values.len() as u64
    }

    fn checkpoint(&mut self) -> Result<(), String> {
        Ok(())
    }

    fn crash(&mut self) {
        self.open = false;
    }

    fn recover(&mut self) -> Result<String, String> {
        let bytes = std::fs::read(self.wal_path()).unwrap_or_default();
        // Like the engines, recovery cuts a torn tail off the file.
        let whole = bytes
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |end| end + 1);
        std::fs::write(self.wal_path(), &bytes[..whole]).map_err(|e| e.to_string())?;
        self.values = FakeDriver::whole_frames(&bytes)
            .iter()
            .map(|f| f.2)
            .collect();
        if self.buggy {
            self.values.pop();
        }
        self.open = true;
        Ok(format!("frames={}", self.values.len()))
    }

    fn wal_path(&self) -> PathBuf {
        self.dir.join("fake.wal")
    }

    fn snapshot_path(&self) -> PathBuf {
        self.dir.join("fake.snapshot")
    }

    fn wal_listing(&self, bytes: &[u8]) -> WalListing {
        let frames = FakeDriver::whole_frames(bytes);
        let lines = frames
            .iter()
            .map(|(lsn, _, v)| format!("lsn={lsn} value={v}"))
            .collect();
        WalListing {
            lines,
            last_lsn: frames.last().map(|f| f.0),
            frames: frames
                .iter()
                .map(|&(lsn, internal, v)| Frame {
                    lsn,
                    internal: internal.then(|| format!("expire v={v}")),
                })
                .collect(),
        }
    }

    fn snapshot_lsn(&self, _bytes: &[u8]) -> Option<u64> {
        None
    }
}

fn run_text(text: &str) -> Result<RunOutput, ScenarioError> {
    run::<FakeDriver>(&Scenario::parse("fake.scn", text).unwrap())
}

#[test]
fn hex_is_lower_case_without_separators() {
    assert_eq!(hex(&[0x00, 0xab, 0x10]), "00ab10");
    assert_eq!(hex(&[]), "");
}

#[test]
fn a_torn_tail_recovers_to_the_whole_frame_prefix_and_the_trace_shows_every_step() {
    let output = run_text("put v=5\nput v=7\nexpect Ok\nget\ncrash torn=2\nrecover\nget\nexpect Found\nput v=0\nexpect Refused\n").unwrap();
    let expected = "engine fake\nconfig buggy=false\nput v=5 -> Ok [lsn=1]\nput v=7 -> Ok [lsn=2]\nget -> Found [5, 7]\ncrash torn=2\n  wal 10 bytes\n    lsn=1 value=5\n  snapshot none\nrecover -> frames=1\n  wal 6 bytes\n    lsn=1 value=5\n  snapshot none\nget -> Found [5]\nput v=0 -> Refused [lsn=2]\nend\n  wal 12 bytes\n    lsn=1 value=5\n    lsn=2 value=0\n  snapshot none\n";
    assert_eq!(output.trace, expected);
    // Reads do not count as result codes; commands do.
    assert_eq!(output.codes_seen, ["Ok", "Refused"]);
}

#[test]
fn recovered_state_that_differs_from_the_live_state_fails_the_run_at_the_recover_line() {
    let error = run_text("config buggy=1\nput v=5\nput v=7\ncrash\nrecover\n").unwrap_err();
    assert_eq!((error.file.as_str(), error.line), ("fake.scn", 5));
    assert!(
        error
            .message
            .starts_with("recovered state differs from the state after lsn 2"),
        "{}",
        error.message
    );
    assert!(error.message.contains("value 7"), "{}", error.message);
}

#[test]
fn a_failed_expect_names_the_line_and_both_codes() {
    let error = run_text("put v=1\nexpect Refused\n").unwrap_err();
    assert_eq!(error.line, 2);
    assert_eq!(error.message, "expected Refused, got Ok");
}

#[test]
fn driver_errors_and_impossible_cuts_name_their_line() {
    let error = run_text("put v=1\nfrobnicate\n").unwrap_err();
    assert_eq!(
        (error.line, error.message.as_str()),
        (2, "unknown command `frobnicate`")
    );
    let error = run_text("put v=1\ncrash torn=100\n").unwrap_err();
    assert_eq!(error.line, 2);
    assert!(
        error.message.contains("the WAL holds only 6 bytes"),
        "{}",
        error.message
    );
    let error = run_text("config color=red\nput v=1\n").unwrap_err();
    assert_eq!(error.line, 1);
}

#[test]
fn every_command_line_shows_its_lsn_or_why_it_wrote_nothing() {
    let text = "arm v=7 at=0\nput v=5\ndup\nconflict\nget\nslot 3\nput v=2\nslot 1\nput v=4\n";
    let trace = run_text(text).unwrap().trace;
    let calls = trace.split("end\n").next().unwrap();
    let expected = "engine fake\nconfig buggy=false\n\
        arm v=7 at=0 -> Ok [lsn=1]\n\
        put v=5 -> Ok [lsn=3]\n  internal expire v=7 [lsn=2]\n\
        dup -> Ok [not written: duplicate]\n\
        conflict -> OperationConflict [not written: conflict]\n\
        get -> Found [7, 7, 5]\n\
        slot 3\nput v=2 -> Ok [lsn=4]\n\
        slot 1\n  error: slot regression\n\
        put v=4 -> error: slot regression [not written: refused]\n";
    assert_eq!(calls, expected);
}

#[test]
fn slot_lines_list_each_expiry_with_its_command_outcome_and_lsn() {
    let trace = run_text("arm v=4 at=2\narm v=3 at=2\nslot 2\n")
        .unwrap()
        .trace;
    assert!(
        trace.contains(
            "slot 2\n  internal expire v=3 -> Ok v=3 [lsn=3]\n  internal expire v=4 -> Ok v=4 [lsn=4]\nend\n"
        ),
        "{trace}"
    );
}

#[test]
fn expect_checks_what_the_previous_call_wrote_and_a_tick_code() {
    let text = "arm v=4 at=2\nexpect frames=1\nslot 1\nexpect Ok\nexpect frames=0\nslot 2\nexpect frames=1\nput v=1\nexpect frames=1\ndup\nexpect frames=0\nslot 1\nexpect SlotRegression\nexpect frames=0\n";
    run_text(text).unwrap();
    let cases = [
        (
            "slot 2\nexpect frames=1\n",
            2,
            "expected frames=1, the call wrote 0",
        ),
        (
            "slot 1\nexpect SlotRegression\n",
            2,
            "expected SlotRegression, got Ok",
        ),
        (
            "put v=1\nslot 0\nexpect frames=1\n",
            3,
            "expected frames=1, the call wrote 0",
        ),
    ];
    for (text, line, message) in cases {
        let error = run_text(text).unwrap_err();
        assert_eq!(
            (error.line, error.message.as_str()),
            (line, message),
            "{text:?}"
        );
    }
}

#[test]
fn a_failed_expect_reports_the_trace_up_to_the_failing_command_then_file_and_line() {
    let error = run_text("put v=1\nput v=2\nexpect Refused\nput v=3\n").unwrap_err();
    let trace = "engine fake\nconfig buggy=false\nput v=1 -> Ok [lsn=1]\nput v=2 -> Ok [lsn=2]\n";
    assert_eq!(error.trace, trace);
    assert_eq!(
        error.report(),
        format!("{trace}error: fake.scn:3: expected Refused, got Ok\n")
    );
    // A driver error shows the trace before its line.
    let error = run_text("put v=1\nfrobnicate\n").unwrap_err();
    assert!(
        error.trace.ends_with("put v=1 -> Ok [lsn=1]\n"),
        "{}",
        error.trace
    );
}

#[test]
fn internal_untimed_writes_one_frame_and_moves_the_clock_without_a_tick() {
    let text = "arm v=9 at=4\ninternal_untimed expire v=8 slot=5\nexpect frames=1\nput v=1\nexpect frames=2\narm v=6 at=5\nslot 4\nexpect SlotRegression\n";
    let trace = run_text(text).unwrap().trace;
    let expected = "arm v=9 at=4 -> Ok [lsn=1]\n\
        internal_untimed expire v=8 slot=5 -> Ok [lsn=2]\n\
        put v=1 -> Ok [lsn=4]\n  internal expire v=9 [lsn=3]\n";
    assert!(trace.contains(expected), "{trace}");
    // The timed form ticks first: the due expiry is listed under it.
    let trace = run_text("arm v=9 at=0\ninternal expire v=8\n")
        .unwrap()
        .trace;
    assert!(
        trace.contains("internal expire v=8 -> Ok [lsn=3]\n  internal expire v=9 [lsn=2]\n"),
        "{trace}"
    );
}
