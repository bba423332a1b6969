//! The scenario parser: every directive, malformed lines, numbers and lists.

use super::*;

#[test]
fn every_directive_parses() {
    let text = "# a comment\nconfig max_leases=4\n\nslot 3\nreserve op=1 resource=7 # trailing\nexpect Ok\ndump\ncheckpoint\ncrash torn=5\nrecover\ninternal expire lease=1 deadline=9\ncrash\n";
    let scenario = Scenario::parse("a.scn", text).unwrap();
    let directives: Vec<&Directive> = scenario.lines.iter().map(|l| &l.directive).collect();
    assert_eq!(directives.len(), 10);
    assert_eq!(scenario.lines[0].number, 2);
    assert_eq!(*directives[1], Directive::Slot(3));
    match directives[2] {
        Directive::Command { name, args } => {
            assert_eq!(name, "reserve");
            assert_eq!(args.u128("op").unwrap(), 1);
            assert_eq!(args.u64("resource").unwrap(), 7);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(*directives[3], Directive::Expect("Ok".to_owned()));
    assert_eq!(
        *directives[6],
        Directive::Crash {
            torn_bytes: 5,
            zero_bytes: 0
        }
    );
    assert_eq!(
        *directives[9],
        Directive::Crash {
            torn_bytes: 0,
            zero_bytes: 0
        }
    );
}

#[test]
fn malformed_lines_name_file_and_line() {
    let cases = [
        ("slot\n", 1, "`slot` takes one number"),
        ("slot x\n", 1, "is not a u64"),
        ("dump now\n", 1, "takes no arguments"),
        ("reserve op\n", 1, "expected key=value"),
        ("reserve op=1 op=2\n", 1, "given twice"),
        ("Reserve op=1\n", 1, "unknown directive"),
        ("\nexpect Ok\n", 2, "must follow a command"),
        ("dump\nconfig a=1\n", 2, "must come before"),
        ("crash torn=x\n", 1, "is not a u64"),
        ("crash hard=1\n", 1, "unknown argument"),
        ("internal\n", 1, "needs a command name"),
    ];
    for (text, line, message) in cases {
        let error = Scenario::parse("f.scn", text).unwrap_err();
        assert_eq!(
            (error.file.as_str(), error.line),
            ("f.scn", line),
            "{text:?}"
        );
        assert!(
            error.message.contains(message),
            "{text:?}: {}",
            error.message
        );
        assert!(error.to_string().starts_with(&format!("f.scn:{line}: ")));
    }
}

#[test]
fn numbers_accept_hex_underscores_and_max() {
    let args = Args::parse(&["a=0x10", "b=1_000", "c=max", "d=1,2,0x3"]).unwrap();
    assert_eq!(args.u128("a").unwrap(), 16);
    assert_eq!(args.u64("b").unwrap(), 1000);
    assert_eq!(args.u64("c").unwrap(), u64::MAX);
    assert_eq!(args.u128_list("d").unwrap(), [1, 2, 3]);
    assert!(
        args.u64("missing")
            .unwrap_err()
            .contains("missing argument")
    );
    assert_eq!(args.u128_or("missing", 9).unwrap(), 9);
    assert!(args.only(&["a", "b", "c"]).unwrap_err().contains("`d`"));
}

#[test]
fn an_empty_value_is_the_empty_list_and_nothing_else() {
    let args = Args::parse(&["resources=", "bad=1,,2", "op="]).unwrap();
    assert_eq!(args.u128_list("resources").unwrap(), Vec::<u128>::new());
    assert!(
        args.u128_list("bad")
            .unwrap_err()
            .contains("`` is not an unsigned integer")
    );
    assert!(args.u64("op").unwrap_err().contains("`` is not a u64"));
    assert!(
        args.u128("op")
            .unwrap_err()
            .contains("is not an unsigned integer")
    );
    assert!(
        Args::parse(&["=1"])
            .unwrap_err()
            .contains("expected key=value")
    );
    let scenario =
        Scenario::parse("a.scn", "reserve_bundle op=1 resources= holder=1 ttl=5\n").unwrap();
    match &scenario.lines[0].directive {
        Directive::Command { args, .. } => assert!(args.u128_list("resources").unwrap().is_empty()),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn expect_may_follow_slot_and_count_frames() {
    let text = "slot 3\nexpect frames=2\nexpect SlotRegression\nreserve op=1\nexpect frames=0x1\n";
    let scenario = Scenario::parse("a.scn", text).unwrap();
    let directives: Vec<&Directive> = scenario.lines.iter().map(|l| &l.directive).collect();
    assert_eq!(*directives[1], Directive::ExpectFrames(2));
    assert_eq!(
        *directives[2],
        Directive::Expect("SlotRegression".to_owned())
    );
    assert_eq!(*directives[4], Directive::ExpectFrames(1));
    let cases = [
        (
            "dump\nexpect frames=1\n",
            "must follow a command, a read or `slot`",
        ),
        (
            "checkpoint\nexpect Ok\n",
            "must follow a command, a read or `slot`",
        ),
        ("slot 1\nexpect frames=x\n", "`x` is not a u64"),
        (
            "slot 1\nexpect frames=1 Ok\n",
            "takes one result code or a frame count",
        ),
    ];
    for (text, message) in cases {
        let error = Scenario::parse("f.scn", text).unwrap_err();
        assert_eq!(error.line, 2, "{text:?}");
        assert!(
            error.message.contains(message),
            "{text:?}: {}",
            error.message
        );
        assert!(error.trace.is_empty(), "a parse error has no trace");
    }
}

#[test]
fn internal_untimed_takes_an_optional_slot_that_is_not_passed_to_the_engine() {
    let text = "internal_untimed expire lease=3 deadline=5 slot=6\ninternal_untimed expire_hold hold=2\ninternal expire lease=1 slot=2\n";
    let scenario = Scenario::parse("a.scn", text).unwrap();
    let expected_args = Args::parse(&["lease=3", "deadline=5"]).unwrap();
    assert_eq!(
        scenario.lines[0].directive,
        Directive::InternalUntimed {
            name: "expire".to_owned(),
            args: expected_args,
            slot: Some(6),
        }
    );
    assert!(matches!(
        &scenario.lines[1].directive,
        Directive::InternalUntimed { slot: None, name, .. } if name == "expire_hold"
    ));
    // The timed form keeps every argument for the driver (which refuses `slot`).
    match &scenario.lines[2].directive {
        Directive::Internal { args, .. } => assert_eq!(args.u64("slot").unwrap(), 2),
        other => panic!("unexpected {other:?}"),
    }
    for (text, message) in [
        (
            "internal_untimed\n",
            "`internal_untimed` needs a command name",
        ),
        ("internal_untimed expire slot=x\n", "`x` is not a u64"),
    ] {
        let error = Scenario::parse("f.scn", text).unwrap_err();
        assert!(
            error.message.contains(message),
            "{text:?}: {}",
            error.message
        );
    }
}
