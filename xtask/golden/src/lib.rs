//! Golden-output regression for the engine family.
//!
//! Scenario files (`<engine>/scenarios/*.scn`, language in `docs/scenarios.md`) are run
//! against each engine's public durable handle; the traces are committed as insta snapshots
//! (`<engine>/scenarios/snapshots/<name>.snap`) and checked by `cargo xtask golden` and plain
//! `cargo test`. This crate is the only part of the tooling besides the benchmarks that links
//! the engines, so that `cargo xtask dup-report` and `contract` never compile them.

pub mod checks;
pub mod driver;
pub mod drivers;
pub mod engine_files;
pub mod inspect;
pub mod inspect_format;
pub mod runner;
pub mod scenario;

use std::path::{Path, PathBuf};

pub use runner::RunOutput;
pub use scenario::{Scenario, ScenarioError};

/// The engines that have a driver, by folder name.
pub const ENGINES: &[&str] = drivers::ENGINES;

/// Runs one scenario against `engine`.
///
/// # Errors
/// An unknown engine, or any scenario error.
pub fn run_scenario(engine: &str, scenario: &Scenario) -> Result<RunOutput, ScenarioError> {
    drivers::run(engine, scenario)
}

/// Reads and runs one scenario file; `shown` is how errors name the file.
///
/// # Errors
/// An unreadable file, or any scenario error.
pub fn run_file(engine: &str, path: &Path, shown: &str) -> Result<RunOutput, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::new(shown, 0, format!("cannot read: {e}")))?;
    let scenario = Scenario::parse(shown, &text)?;
    run_scenario(engine, &scenario)
}

/// The scenario files of `engine` under `repo_root`, sorted by name.
///
/// # Errors
/// The scenarios folder cannot be read.
pub fn scenario_files(repo_root: &Path, engine: &str) -> std::io::Result<Vec<PathBuf>> {
    let dir = repo_root.join(engine).join("scenarios");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|path| path.extension().is_some_and(|e| e == "scn"));
    files.sort();
    Ok(files)
}
