//! `cargo xtask`: the repository's tooling. See `xtask/src/lib.rs` and `docs/`.

fn main() -> std::process::ExitCode {
    xtask::main()
}
