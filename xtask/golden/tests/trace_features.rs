//! Issue 10's trace features on the real engines, through the public runner: the lsn of every
//! frame (so a checkpoint folds nothing unseen), the empty list, `dump`'s expiry index and
//! retire queues, the untimed internal seam, and the failing-`expect` report of the binary.

use std::process::Command;

fn run(engine: &str, text: &str) -> String {
    let scenario = golden::Scenario::parse("t.scn", text).unwrap();
    golden::run_scenario(engine, &scenario).unwrap().trace
}

/// The indented lines after the line `from`, up to the next line that is not indented.
fn block(trace: &str, from: &str) -> String {
    let start = trace
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} in {trace}"));
    trace[start + from.len()..]
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .fold(String::new(), |block, line| block + line + "\n")
}

const TWO_DUE_LEASES: &str = "create_resource op=1 resource=1\ncreate_resource op=2 resource=2\nreserve op=3 resource=1 holder=1 ttl=5\nreserve op=4 resource=2 holder=1 ttl=5\n";

#[test]
fn every_frame_a_checkpoint_folds_was_listed_with_its_lsn_when_written() {
    let text = format!(
        "{TWO_DUE_LEASES}internal_untimed expire lease=4 deadline=5 slot=6\ncreate_resource op=5 resource=3\ncreate_resource op=5 resource=3\ncheckpoint\n"
    );
    let trace = run("allocdb-core", &text);
    let (before, after) = trace.split_once("checkpoint\n").unwrap();
    for lsn in 1..=7 {
        assert_eq!(
            before.matches(&format!("[lsn={lsn}]")).count(),
            1,
            "lsn {lsn}:\n{before}"
        );
    }
    assert!(
        before.contains("create_resource op=5 resource=3 -> Ok [lsn=7]\n  internal expire lease=3 deadline=5 [lsn=6]\n"),
        "{before}"
    );
    assert!(before.contains("create_resource op=5 resource=3 -> Ok [not written: duplicate]\n"));
    assert!(after.contains("lsn=7 slot=6 marker"), "{after}");
}

#[test]
fn an_empty_list_reaches_the_engine_as_an_empty_bundle() {
    let trace = run(
        "allocdb-core",
        "reserve_bundle op=1 resources= holder=1 ttl=5\nexpect InvalidRequest\n",
    );
    assert!(
        trace.contains("reserve_bundle op=1 resources= holder=1 ttl=5 -> InvalidRequest [lsn=1]\n"),
        "{trace}"
    );
}

#[test]
fn dump_lists_the_expiry_index_by_deadline_then_id_and_the_retire_queues_oldest_first() {
    // Lease 6 (deadline 3) sorts before lease 5 (deadline 5): deadline order, not id order.
    // Operation 9 was queued before operation 2: FIFO, not id order.
    let text = "config lease_history_window_slots=10\ncreate_resource op=9 resource=1\ncreate_resource op=2 resource=2\ncreate_resource op=3 resource=3\nreserve op=4 resource=1 holder=1 ttl=5\nreserve op=6 resource=2 holder=1 ttl=5\nreserve op=7 resource=3 holder=1 ttl=3\nrelease op=8 lease=4 holder=1 epoch=1\ndump\n";
    let dump = block(&run("allocdb-core", text), "dump");
    let tail = &dump[dump.find("  expiry_index").unwrap()..];
    assert_eq!(
        tail,
        concat!(
            "  expiry_index deadline=3 lease=6\n",
            "  expiry_index deadline=5 lease=5\n",
            "  retire_queue operation=9 retire_after=50\n",
            "  retire_queue operation=2 retire_after=50\n",
            "  retire_queue operation=3 retire_after=50\n",
            "  retire_queue operation=4 retire_after=50\n",
            "  retire_queue operation=6 retire_after=50\n",
            "  retire_queue operation=7 retire_after=50\n",
            "  retire_queue operation=8 retire_after=50\n",
            "  retire_queue lease=4 retire_after=10\n",
        )
    );
    let text = "create_pool op=1 pool=1 capacity=9\nplace_hold op=2 hold=7 pool=1 quantity=1 ttl=4\nplace_hold op=3 hold=2 pool=1 quantity=1 ttl=4\nrelease_hold op=4 hold=7\ndump\n";
    let dump = block(&run("reservation-core", text), "dump");
    assert!(
        dump.ends_with(concat!(
            "  expiry_index deadline=4 hold=2\n",
            "  retire_queue operation=1 retire_after=50\n",
            "  retire_queue operation=2 retire_after=50\n",
            "  retire_queue operation=3 retire_after=50\n",
            "  retire_queue operation=4 retire_after=50\n",
            "  retire_queue hold=7 retire_after=20\n",
        )),
        "{dump:?}"
    );
    let text = "create_bucket op=5 bucket=1 limit=9 balance=9 rate=0\nslot 3\ndebit op=1 bucket=1 amount=1\ndump\n";
    let dump = block(&run("quota-core", text), "dump");
    assert!(
        dump.ends_with(concat!(
            "  retire_queue operation=5 retire_after=50\n",
            "  retire_queue operation=1 retire_after=53\n",
        )),
        "{dump:?}"
    );
}

#[test]
fn internal_untimed_writes_only_its_frame_and_leaves_the_other_expiry_due() {
    let text = format!(
        "{TWO_DUE_LEASES}internal_untimed expire lease=4 deadline=5 slot=6\nexpect frames=1\ndump\nslot 6\nexpect frames=1\n"
    );
    let trace = run("allocdb-core", &text);
    assert!(
        trace.contains(
            "internal_untimed expire lease=4 deadline=5 slot=6 -> Ok lease=4 epoch=2 [lsn=5]\n"
        ),
        "{trace}"
    );
    assert!(
        block(&trace, "dump").contains("  expiry_index deadline=5 lease=3\n"),
        "{trace}"
    );
    assert!(
        trace.contains(
            "slot 6\n  internal expire lease=3 deadline=5 -> Ok lease=3 epoch=2 [lsn=6]\n"
        ),
        "{trace}"
    );
    let text = "create_pool op=1 pool=1 capacity=9\nplace_hold op=2 hold=1 pool=1 quantity=1 ttl=2\nplace_hold op=3 hold=2 pool=1 quantity=1 ttl=2\ninternal_untimed expire_hold hold=2 slot=2\nexpect frames=1\nget_hold hold=1\nexpect Found\ninternal expire_hold hold=2\nexpect Noop\nexpect frames=2\n";
    let trace = run("reservation-core", text);
    assert!(
        trace.contains("get_hold hold=1 -> Found hold 1 pool=1 quantity=1 Held"),
        "{trace}"
    );
    assert!(
        trace.contains(
            "internal expire_hold hold=2 -> Noop [lsn=6]\n  internal expire_hold hold=1 [lsn=5]\n"
        ),
        "{trace}"
    );
}

#[test]
fn the_binary_prints_the_trace_up_to_a_failed_expect_then_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fails.scn");
    std::fs::write(
        &file,
        "create_resource op=1 resource=1\nexpect AlreadyExists\ndump\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_golden"))
        .args(["scenario", "allocdb-core"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("engine allocdb-core\n"), "{stdout}");
    assert!(
        stdout.ends_with("create_resource op=1 resource=1 -> Ok [lsn=1]\n"),
        "{stdout}"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: {}:2: expected AlreadyExists, got Ok\n",
            file.display()
        )
    );
}
