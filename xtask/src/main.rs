//! `cargo xtask`: the repository's tooling. See `xtask/src/lib.rs` and `docs/`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let flags = xtask::flags::Xtask::parse();
    match xtask::run(flags) {
        Ok(status) => status.exit_code(),
        Err(error) => {
            // `2 wins over 1`: an error (bad usage, unreadable file, malformed contract) is
            // reported as one line and exits 2.
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
