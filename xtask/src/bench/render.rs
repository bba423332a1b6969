//! The output of `bench --against`: a Markdown table (the human form, pasted as is into
//! `docs/extraction-log.md`) or a JSON document (`"schema": 1`).

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;
use bench_args::Format;
use serde::Serialize;

use super::rows::Row;
use super::stats::{Bound, GATE_UPPER_QUARTILE, Pair, Spread, Verdict};

/// The commit a bench said it ran as, and how it said so.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Reported {
    pub commit: String,
    /// `build_commit`: compiled into the binary; `tree`: only the `--root` tree's commit (a
    /// bench older than `build_commit`).
    pub source: &'static str,
}

impl Reported {
    pub(crate) fn by_binary(commit: &str) -> Reported {
        Reported {
            commit: commit.to_string(),
            source: "build_commit",
        }
    }

    pub(crate) fn by_tree(commit: &str) -> Reported {
        Reported {
            commit: commit.to_string(),
            source: "tree",
        }
    }

    fn describe(reported: Option<&Reported>) -> String {
        match reported {
            Some(reported) if reported.source == "tree" => {
                format!(
                    "{} (its source tree; that bench predates `build_commit`)",
                    reported.commit
                )
            }
            Some(reported) => reported.commit.clone(),
            None => "nothing (no run)".to_string(),
        }
    }
}

/// One row of the table: one engine's figure over the pairs.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RowResult {
    pub engine: String,
    pub row: &'static str,
    pub bound: Bound,
    pub verdict: Verdict,
    /// Ratio current / REV over the pairs.
    pub ratio: Spread,
    /// The median figure of each side, as the table shows it.
    pub current: String,
    pub rev: String,
    /// Every pair's figures, "higher is faster" (durable rows: raw time over engine time).
    pub pairs: Vec<Pair>,
    #[serde(skip)]
    kind: Row,
}

impl RowResult {
    pub(crate) fn new(
        engine: &str,
        kind: Row,
        verdict: Verdict,
        ratio: Spread,
        pairs: Vec<Pair>,
    ) -> RowResult {
        let median = |side: fn(&Pair) -> f64| {
            let figures: Vec<f64> = pairs.iter().map(side).collect();
            kind.show(super::stats::quantile(&figures, 0.5))
        };
        RowResult {
            engine: engine.to_string(),
            row: kind.name(),
            bound: kind.bound(),
            verdict,
            ratio,
            current: median(|pair| pair.current),
            rev: median(|pair| pair.rev),
            pairs,
            kind,
        }
    }
}

/// The whole comparison.
#[derive(Debug, Serialize)]
pub(crate) struct Comparison {
    schema: u32,
    against: String,
    current: Option<Reported>,
    rev: Option<Reported>,
    /// `quick` or `full` workload sizes.
    mode: &'static str,
    pairs: u16,
    gate_upper_quartile: f64,
    load_average_start: String,
    load_average_end: String,
    rows: Vec<RowResult>,
    /// CPU-bound rows whose upper-quartile ratio is below the gate.
    pub failed: usize,
}

impl Comparison {
    pub(crate) fn new(
        rev: &str,
        (current, old): (Option<Reported>, Option<Reported>),
        (mode, pairs): (&'static str, u16),
        (load_average_start, load_average_end): (String, String),
        rows: Vec<RowResult>,
    ) -> Comparison {
        let failed = rows
            .iter()
            .filter(|row| row.verdict == Verdict::Fail)
            .count();
        Comparison {
            schema: 1,
            against: rev.to_string(),
            current,
            rev: old,
            mode,
            pairs,
            gate_upper_quartile: GATE_UPPER_QUARTILE,
            load_average_start,
            load_average_end,
            rows,
            failed,
        }
    }

    /// Writes the comparison in `format` to `out`, or to standard output.
    ///
    /// # Errors
    /// `out` cannot be written.
    pub(crate) fn write(&self, format: Format, out: Option<&Path>) -> anyhow::Result<()> {
        let text = match format {
            Format::Human => self.markdown(),
            Format::Json => {
                serde_json::to_string_pretty(self).expect("a comparison serializes") + "\n"
            }
        };
        if let Some(path) = out {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        } else {
            print!("{text}");
            Ok(())
        }
    }

    /// The table, with a heading line naming both commits and a closing line for the gate.
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "current: {} vs {}: {}; {} sizes, {} pairs per row run alternately; load average {} at the start, {} at the end",
            Reported::describe(self.current.as_ref()),
            self.against,
            Reported::describe(self.rev.as_ref()),
            self.mode,
            self.pairs,
            self.load_average_start,
            self.load_average_end,
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| engine | row | current / {} median | quartiles | current | {} | gate |",
            self.against, self.against
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---|");
        for row in &self.rows {
            let gate = match row.verdict {
                Verdict::Pass => "pass",
                Verdict::Fail => "**FAIL**",
                Verdict::NotGated => "not gated (fsync)",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.3} | {:.3} to {:.3} | {} | {} | {gate} |",
                row.engine,
                row.kind.name(),
                row.ratio.median,
                row.ratio.lower_quartile,
                row.ratio.upper_quartile,
                row.current,
                row.rev,
            );
        }
        let _ = writeln!(out);
        let gated = self
            .rows
            .iter()
            .filter(|row| row.verdict != Verdict::NotGated)
            .count();
        let _ = writeln!(
            out,
            "gate: {} of {gated} CPU-bound row(s) below an upper-quartile ratio of {GATE_UPPER_QUARTILE} (ratio > 1: current is faster; fsync-bound rows are reported, not gated)",
            self.failed
        );
        out
    }
}
