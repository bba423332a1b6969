//! The `sim` binary's command line: argument errors, determinism per seed, and a planted bug
//! reported with its seed, step and shortest failing step count.

use std::process::{Command, Output};

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .output()
        .expect("the sim binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn argument_errors_exit_2() {
    for args in [
        &["--seeds", "2", "--seed", "1"][..],
        &["--steps", "0"][..],
        &["--engine", "no-such-engine"][..],
        &["--plant", "no-such-bug"][..],
    ] {
        let output = sim(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    let unknown = sim(&["--engine", "no-such-engine"]);
    assert!(
        text(&unknown.stderr)
            .contains("known: allocdb-core, quota-core, queue-core, reservation-core"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn one_seed_prints_the_same_hash_twice_and_other_seeds_differ() {
    let run = |seed: &str| {
        let output = sim(&["--engine", "quota-core", "--seed", seed, "--steps", "120"]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        let hash = stdout
            .lines()
            .find(|l| l.contains("log hash"))
            .map(str::to_owned);
        (stdout, hash.expect("a log hash line"))
    };
    let (first, hash) = run("3");
    assert!(
        first.starts_with("sim: quota-core: 1 seeds, 120 steps,"),
        "{first}"
    );
    assert_eq!(run("3").1, hash);
    assert_ne!(run("4").1, hash);
}

#[test]
fn a_planted_bug_fails_with_its_seed_and_shortest_failing_step_count() {
    let output = sim(&[
        "--engine",
        "quota-core",
        "--seeds",
        "4",
        "--plant",
        "skips-wal-sync",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).contains("FAILED"));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("sim: quota-core: seed 0 failed at step"),
        "{stderr}"
    );
    let shortest: u64 = stderr
        .split("shortest failing step count: ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .expect("the shortest failing step count");
    assert!((1..=300).contains(&shortest), "{stderr}");
    let rerun = format!("--seed 0 --steps {shortest}");
    assert!(stderr.contains(&rerun), "{stderr}");
    let again = sim(&[
        "--engine",
        "quota-core",
        "--seed",
        "0",
        "--steps",
        &shortest.to_string(),
        "--plant",
        "skips-wal-sync",
    ]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "the shortest count fails again"
    );
    if shortest > 1 {
        let before = (shortest - 1).to_string();
        let passes = sim(&[
            "--engine",
            "quota-core",
            "--seed",
            "0",
            "--steps",
            &before,
            "--plant",
            "skips-wal-sync",
        ]);
        assert_eq!(passes.status.code(), Some(0), "one step fewer passes");
    }
}

#[test]
fn the_disk_backed_mode_runs_a_seed() {
    let output = sim(&["--seed", "1", "--steps", "60", "--on-disk"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

#[test]
fn keeping_the_frames_of_a_failed_sync_fails_every_engine() {
    // No later sync writes them (fsyncgate): a recovery serves frames only the page cache
    // holds, and a later crash rolls them back below the state it showed
    // (docs/simulation.md, findings).
    let output = sim(&["--seeds", "200", "--plant", "skips-cut-after-failure"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    for engine in [
        "allocdb-core",
        "quota-core",
        "queue-core",
        "reservation-core",
    ] {
        let found = format!("sim: {engine}: seed ");
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&found) && l.contains("RecoveryMismatch")),
            "{engine}: {stderr}"
        );
    }
}
