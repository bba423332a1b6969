//! The targets, and where a report stands against each. Goals, not assertions: a
//! missed target never changes the exit code.

use serde::Serialize;

use crate::engines::EngineReport;
use crate::tooling::CorpusReport;

#[derive(Clone, Debug, Serialize)]
pub struct Target {
    pub name: String,
    pub goal: String,
    pub measured: String,
    pub met: bool,
}

fn apply_goal(engine: &str) -> f64 {
    match engine {
        "allocdb-core" => 1_000_000.0,
        "quota-core" => 3_000_000.0,
        _ => 2_000_000.0,
    }
}

fn target(name: String, goal: &str, measured: String, met: bool) -> Target {
    Target {
        name,
        goal: goal.to_string(),
        measured,
        met,
    }
}

fn engine_targets(report: &EngineReport, targets: &mut Vec<Target>) {
    let engine = report.engine;
    if let (Some(apply), Some(ratio)) = (&report.apply, report.capacity_ratio) {
        let goal = apply_goal(engine);
        targets.push(target(
            format!("{engine} apply"),
            &format!(">= {} commands/s", thousands(goal)),
            format!("{} commands/s", thousands(apply.commands_per_second)),
            apply.commands_per_second >= goal,
        ));
        targets.push(target(
            format!("{engine} capacity independence (16x / 1x)"),
            ">= 0.80",
            format!("{ratio:.2}"),
            ratio >= 0.8,
        ));
    }
    for durable in &report.durable {
        if durable.batch == 256 {
            targets.push(target(
                format!("{engine} group commit, batch 256"),
                ">= 100,000 commands/s",
                format!("{} commands/s", thousands(durable.commands_per_second)),
                durable.commands_per_second >= 100_000.0,
            ));
        }
        if durable.batch == 1 {
            targets.push(target(
                format!("{engine} submit, batch 1, vs write + fdatasync"),
                "<= 1.20x",
                format!("{:.2}x", durable.ratio_to_raw),
                durable.ratio_to_raw <= 1.2,
            ));
        }
    }
    let Some(recovery) = &report.recovery else {
        return;
    };
    targets.push(target(
        format!("{engine} WAL scan vs plain CRC32C"),
        "<= 2.00x",
        format!("{:.2}x", recovery.scan_to_crc32c_ratio),
        recovery.scan_to_crc32c_ratio <= 2.0,
    ));
    targets.push(target(
        format!("{engine} recovery"),
        ">= 100 MB/s",
        format!("{:.0} MB/s", recovery.replay_mb_per_second),
        recovery.replay_mb_per_second >= 100.0,
    ));
}

fn corpus_targets(corpus: &CorpusReport, targets: &mut Vec<Target>) {
    let Some(full) = corpus.parts.last() else {
        return;
    };
    if let Some(seconds) = full.wall_seconds_per_million_lines {
        targets.push(target(
            "dup-report wall time per 1,000,000 lines (full corpus)".into(),
            "<= 3 s",
            format!("{seconds:.2} s"),
            seconds <= 3.0,
        ));
    }
    if let Some(mib) = full.peak_rss_mib_per_million_lines {
        targets.push(target(
            "dup-report peak memory per 1,000,000 lines (full corpus)".into(),
            "<= 512 MiB",
            format!("{mib:.0} MiB"),
            mib <= 512.0,
        ));
    }
}

/// Every target a report has figures for.
#[must_use]
pub fn evaluate(engines: &[EngineReport], corpus: Option<&CorpusReport>) -> Vec<Target> {
    let mut targets = Vec::new();
    for report in engines {
        engine_targets(report, &mut targets);
    }
    if let Some(corpus) = corpus {
        corpus_targets(corpus, &mut targets);
    }
    targets
}

/// One way to print figures, shared with xtask's `bench --against`.
pub use bench_args::thousands;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(1_234_567.8), "1,234,568");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(100_000.0), "100,000");
    }
}
