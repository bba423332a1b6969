//! The runner on a fake engine whose WAL is a text file (one `lsn value` line per frame; a last
//! line without its newline is a torn frame), so that the runner's own checks can be driven to
//! fail: `expect` mismatches, and recovered state that differs from the live state.

use std::path::{Path, PathBuf};

use super::*;

struct FakeDriver {
    dir: PathBuf,
    values: Vec<u64>,
    open: bool,
    /// Recovery "forgets" the last whole frame: the bug the runner must catch.
    buggy: bool,
}

impl FakeDriver {
    fn whole_frames(bytes: &[u8]) -> Vec<u64> {
        let text = String::from_utf8_lossy(bytes);
        let whole = text.rfind('\n').map_or("", |end| &text[..end]);
        whole
            .lines()
            .filter_map(|line| line.split(' ').nth(1)?.parse().ok())
            .collect()
    }
}

impl Driver for FakeDriver {
    const ENGINE: &'static str = "fake";

    fn result_codes() -> Vec<&'static str> {
        vec!["Ok", "Refused"]
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
            },
            format!("buggy={buggy}"),
        ))
    }

    fn tick(&mut self, _slot: u64) -> Result<Vec<String>, String> {
        Ok(Vec::new())
    }

    fn command(&mut self, name: &str, args: &Args, _slot: u64) -> Result<Outcome, String> {
        match name {
            "put" => {
                let value = args.u64("v")?;
                if value == 0 {
                    return Ok(Outcome {
                        code: "Refused".to_owned(),
                        text: "Refused".to_owned(),
                        is_command: true,
                    });
                }
                self.values.push(value);
                let line = format!("{} {value}\n", self.values.len());
                let mut wal = std::fs::read(self.wal_path()).unwrap_or_default();
                wal.extend_from_slice(line.as_bytes());
                std::fs::write(self.wal_path(), wal).map_err(|e| e.to_string())?;
                Ok(Outcome {
                    code: "Ok".to_owned(),
                    text: format!("Ok lsn={}", self.values.len()),
                    is_command: true,
                })
            }
            "get" => Ok(Outcome {
                code: "Found".to_owned(),
                text: format!("Found {:?}", self.values),
                is_command: false,
            }),
            other => Err(format!("unknown command `{other}`")),
        }
    }

    fn internal(&mut self, name: &str, _args: &Args, _slot: u64) -> Result<Outcome, String> {
        Err(format!("no internal `{name}`"))
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
        self.values = FakeDriver::whole_frames(&bytes);
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
            .enumerate()
            .map(|(i, v)| format!("lsn={} value={v}", i + 1))
            .collect();
        WalListing {
            lines,
            last_lsn: (!frames.is_empty()).then_some(frames.len() as u64),
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
    let expected = "engine fake\nconfig buggy=false\nput v=5 -> Ok lsn=1\nput v=7 -> Ok lsn=2\nget -> Found [5, 7]\ncrash torn=2\n  wal 6 bytes\n    lsn=1 value=5\n  snapshot none\nrecover -> frames=1\n  wal 6 bytes\n    lsn=1 value=5\n  snapshot none\nget -> Found [5]\nput v=0 -> Refused\nend\n  wal 6 bytes\n    lsn=1 value=5\n  snapshot none\n";
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
        error.message.contains("the WAL holds only 4 bytes"),
        "{}",
        error.message
    );
    let error = run_text("config color=red\nput v=1\n").unwrap_err();
    assert_eq!(error.line, 1);
}
