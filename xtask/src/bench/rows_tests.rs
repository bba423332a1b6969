use super::*;

fn report(engine: &str) -> serde_json::Value {
    serde_json::json!({
        "schema": 1,
        "build_commit": "abc1234",
        "machine": { "commit": "abc1234" },
        "engines": [{
            "engine": engine,
            "apply": { "commands_per_second": 1000.0 },
            "durable": [
                { "batch": 1, "ratio_to_raw": 1.25 },
                { "batch": 16, "ratio_to_raw": 1.1 },
                { "batch": 256, "ratio_to_raw": 2.0 }
            ],
            "recovery": { "replay_commands_per_second": 300.0, "scan_mb_per_second": 40.0 }
        }]
    })
}

fn bytes(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

#[test]
fn every_part_reads_its_rows_higher_is_faster() {
    let output = bytes(&report("quota-core"));
    let apply = read(&output, Part::Apply, "quota-core").unwrap();
    assert_eq!(apply.figures, vec![1000.0]);
    assert_eq!(apply.build_commit.as_deref(), Some("abc1234"));
    let durable = read(&output, Part::Durable, "quota-core").unwrap();
    assert_eq!(durable.figures, vec![0.8, 0.5]);
    let recovery = read(&output, Part::Recovery, "quota-core").unwrap();
    assert_eq!(recovery.figures, vec![300.0, 40.0]);
}

#[test]
fn a_report_without_build_commit_still_reads() {
    let mut old = report("quota-core");
    old.as_object_mut().unwrap().remove("build_commit");
    let reading = read(&bytes(&old), Part::Apply, "quota-core").unwrap();
    assert_eq!(reading.build_commit, None);
    assert_eq!(reading.tree_commit.as_deref(), Some("abc1234"));
}

#[test]
fn other_schemas_and_missing_fields_are_named_errors() {
    let mut other = report("quota-core");
    other["schema"] = 2.into();
    let cases = [
        (b"not json".to_vec(), "is not a JSON report"),
        (bytes(&other), "has schema 2; this xtask reads schema 1"),
        (
            bytes(&serde_json::json!({ "engines": [] })),
            "has no `schema`",
        ),
        (
            bytes(&report("allocdb-core")),
            "no `engines` entry for `quota-core`",
        ),
    ];
    for (output, expected) in cases {
        let error = read(&output, Part::Apply, "quota-core").unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    let mut lacking = report("quota-core");
    lacking["engines"][0]["durable"][2]["batch"] = 4096.into();
    lacking["engines"][0]["recovery"]["scan_mb_per_second"] = 0.0.into();
    let error = read(&bytes(&lacking), Part::Durable, "quota-core").unwrap_err();
    assert!(
        error.to_string().contains(
            "quota-core's durable batch 256: it has no number `durable[batch=256].ratio_to_raw`"
        ),
        "{error}"
    );
    let error = read(&bytes(&lacking), Part::Recovery, "quota-core").unwrap_err();
    assert!(
        error.to_string().contains("is 0, not a positive figure"),
        "{error}"
    );
}

#[test]
fn only_batch_1_is_fsync_bound() {
    for part in Part::ALL {
        for row in part.rows() {
            let fsync = *row == Row::DurableBatch1;
            assert_eq!(row.bound() == Bound::Fsync, fsync, "{}", row.name());
        }
    }
}

#[test]
fn figures_show_in_their_units() {
    assert_eq!(Row::Apply.show(8_679_472.4), "8,679,472 commands/s");
    assert_eq!(Row::DurableBatch256.show(0.8), "1.25x raw");
    assert_eq!(Row::Scan.show(2769.4), "2769 MB/s");
}
