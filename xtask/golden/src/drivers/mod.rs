//! One small driver per engine: maps scenario lines to the engine's commands and its state
//! to trace text. Everything engine-neutral lives in [`crate::runner`].

mod allocdb;
mod common;

use crate::runner::{self, RunOutput};
use crate::scenario::{Scenario, ScenarioError};

/// The engines that have a driver, by folder name.
pub const ENGINES: &[&str] = &[allocdb::AllocDriver::ENGINE_NAME];

/// Runs `scenario` against `engine`.
///
/// # Errors
/// An unknown engine or any scenario error.
pub fn run(engine: &str, scenario: &Scenario) -> Result<RunOutput, ScenarioError> {
    match engine {
        allocdb::AllocDriver::ENGINE_NAME => runner::run::<allocdb::AllocDriver>(scenario),
        other => Err(ScenarioError {
            file: scenario.file.clone(),
            line: 0,
            message: format!("no driver for engine `{other}`"),
        }),
    }
}

/// The names of every `ResultCode` variant of `engine` (empty for an unknown engine).
#[must_use]
pub fn result_codes(engine: &str) -> Vec<&'static str> {
    use runner::Driver as _;
    match engine {
        allocdb::AllocDriver::ENGINE_NAME => allocdb::AllocDriver::result_codes(),
        _ => Vec::new(),
    }
}
