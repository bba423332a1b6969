//! One small driver per engine: maps scenario lines to the engine's commands and its state
//! to trace text. Everything engine-neutral lives in [`crate::runner`].

pub(crate) mod allocdb;
mod common;
pub(crate) mod queue;
pub(crate) mod quota;
pub(crate) mod reservation;

use crate::runner::{self, RunOutput};
use crate::scenario::{Scenario, ScenarioError};

/// The engines that have a driver, by folder name.
pub const ENGINES: &[&str] = &[
    allocdb::AllocDriver::ENGINE_NAME,
    quota::QuotaDriver::ENGINE_NAME,
    queue::QueueDriver::ENGINE_NAME,
    reservation::ReservationDriver::ENGINE_NAME,
];

/// Runs `scenario` against `engine`.
///
/// # Errors
/// An unknown engine or any scenario error.
pub fn run(engine: &str, scenario: &Scenario) -> Result<RunOutput, ScenarioError> {
    match engine {
        allocdb::AllocDriver::ENGINE_NAME => runner::run::<allocdb::AllocDriver>(scenario),
        quota::QuotaDriver::ENGINE_NAME => runner::run::<quota::QuotaDriver>(scenario),
        queue::QueueDriver::ENGINE_NAME => runner::run::<queue::QueueDriver>(scenario),
        reservation::ReservationDriver::ENGINE_NAME => {
            runner::run::<reservation::ReservationDriver>(scenario)
        }
        other => Err(ScenarioError::new(
            &scenario.file,
            0,
            format!("no driver for engine `{other}`"),
        )),
    }
}

/// The names of every `ResultCode` variant of `engine` (empty for an unknown engine).
#[must_use]
pub fn result_codes(engine: &str) -> Vec<&'static str> {
    use runner::Driver as _;
    match engine {
        allocdb::AllocDriver::ENGINE_NAME => allocdb::AllocDriver::result_codes(),
        quota::QuotaDriver::ENGINE_NAME => quota::QuotaDriver::result_codes(),
        queue::QueueDriver::ENGINE_NAME => queue::QueueDriver::result_codes(),
        reservation::ReservationDriver::ENGINE_NAME => {
            reservation::ReservationDriver::result_codes()
        }
        _ => Vec::new(),
    }
}
