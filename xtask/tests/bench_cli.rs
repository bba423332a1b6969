//! `cargo xtask bench` checks the bench binary's flags itself (they are declared once, in the
//! `bench-args` crate): a bad value fails at the front door with clap's message and exit 2,
//! before the release build of the bench crate starts.

mod common;

use std::path::Path;

use common::xtask;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn bad_only_fails_in_xtask_with_clap_message_and_exit_2() {
    let output = xtask(repository(), &["bench", "--only", "bogus"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid value 'bogus' for '--only <SECTION>'"),
        "{stderr}"
    );
    // clap lists the sections the bench knows: the same type the bench binary parses.
    assert!(
        stderr.contains("possible values: engines, apply"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Compiling"),
        "no build may start: {stderr}"
    );
}

#[test]
fn bad_format_and_runs_fail_in_xtask_too() {
    for args in [
        &["bench", "--format", "xml"][..],
        &["bench", "--runs", "0"],
        &["bench", "--quick", "--only"],
    ] {
        let output = xtask(repository(), args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            stderr.contains("For more information, try '--help'"),
            "{stderr}"
        );
    }
}
