//! `sim`: runs the deterministic simulator over the engines (`cargo xtask sim` builds and runs
//! it). Exit codes: 0 every seed passed, 1 a seed failed (its seed, step and shortest failing
//! step count are printed), 2 bad usage.

use std::process::ExitCode;

fn main() -> ExitCode {
    sim::main(std::env::args_os())
}
