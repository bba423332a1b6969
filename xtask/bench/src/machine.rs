//! What the figures were measured on: cores, CPU model, load, toolchain, commit, date.

use std::path::Path;
use std::process::Command;

use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    /// `/proc/loadavg` (1, 5, 15 minutes) when the bench started and when it ended: a load
    /// above the core count means other work shared the cores and the figures are noisy.
    pub load_average_start: String,
    pub load_average_end: String,
    pub rustc: String,
    pub commit: String,
    pub date_utc: String,
}

fn command_line(program: &str, args: &[&str], cwd: &Path) -> String {
    Command::new(program)
        .args(args)
        .current_dir(cwd)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_default()
}

pub use bench_args::load_average;

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// Describes this machine and the repository at `root` (commit with `+dirty` when tracked
/// files have changes).
#[must_use]
pub fn describe(root: &Path) -> Machine {
    Machine {
        nproc: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        cpu_model: cpu_model(),
        load_average_start: load_average(),
        load_average_end: String::new(),
        rustc: command_line("rustc", &["--version"], root),
        commit: bench_args::commit_of(root).unwrap_or_default(),
        date_utc: command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"], root),
    }
}
