//! Runs a child process and measures it: wall time (here), CPU time and peak resident memory
//! (from `/usr/bin/time`, when the machine has it: the bench uses no `unsafe`, so it does not
//! call `getrusage` itself).

use std::path::Path;
use std::process::{Command, Stdio};

use serde::Serialize;

use crate::measure::time;

const GNU_TIME: &str = "/usr/bin/time";

/// One measured run of a child process.
#[derive(Clone, Debug, Serialize)]
pub struct ChildRun {
    pub wall_seconds: f64,
    /// User plus system CPU seconds, when `/usr/bin/time` is there.
    pub cpu_seconds: Option<f64>,
    /// Peak resident set size in MiB, when `/usr/bin/time` is there.
    pub peak_rss_mib: Option<f64>,
    #[serde(skip)]
    pub stdout: Vec<u8>,
}

/// Runs `program args` in `cwd`, output captured; `scratch` holds the measurement file.
///
/// # Errors
/// The program could not be started.
pub fn run(
    program: &Path,
    args: &[String],
    cwd: &Path,
    scratch: &Path,
) -> Result<ChildRun, String> {
    let measured = Path::new(GNU_TIME).exists();
    let stats = scratch.join("child-time.txt");
    let mut command = if measured {
        let mut command = Command::new(GNU_TIME);
        command
            .arg("-f")
            .arg("%e %U %S %M")
            .arg("-o")
            .arg(&stats)
            .arg(program);
        command
    } else {
        Command::new(program)
    };
    command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    let (wall_seconds, output) = time(|| command.output());
    let output = output.map_err(|error| format!("starting {}: {error}", program.display()))?;
    let (cpu_seconds, peak_rss_mib) = if measured {
        parse_time(&std::fs::read_to_string(&stats).unwrap_or_default())
    } else {
        (None, None)
    };
    let exit_code = output.status.code();
    if !matches!(exit_code, Some(0 | 1)) {
        return Err(format!(
            "{} {} exited with {:?}: {}",
            program.display(),
            args.join(" "),
            exit_code,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(ChildRun {
        wall_seconds,
        cpu_seconds,
        peak_rss_mib,
        stdout: output.stdout,
    })
}

/// Parses `%e %U %S %M` (the last line: GNU time prints a "Command exited" line before it on
/// a non-zero exit).
fn parse_time(text: &str) -> (Option<f64>, Option<f64>) {
    let Some(line) = text.lines().rev().find(|line| !line.trim().is_empty()) else {
        return (None, None);
    };
    let fields: Vec<f64> = line
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    match fields.as_slice() {
        [_, user, system, kib] => (Some(user + system), Some(kib / 1024.0)),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gnu_time_output_is_parsed() {
        let (cpu, rss) = parse_time("Command exited with non-zero status 1\n1.50 2.25 0.25 2048\n");
        assert_eq!(cpu, Some(2.5));
        assert_eq!(rss, Some(2.0));
        assert_eq!(parse_time("garbage\n"), (None, None));
    }
}
