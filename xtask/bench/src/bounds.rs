//! Issue 16's memory bound: dup-report on the two generated shapes (one big file, one huge
//! clone class: `shapes.rs`) stays within [`MAX_RATIO`] times the corpus's peak memory per
//! 1,000,000 lines. Unlike the time goals of `targets.rs`, a row above the bound fails the run
//! (exit 1): peak memory does not swing with the machine's load as wall time does, and a row
//! above it means some cost grows with a file's or a class's size again.

use serde::Serialize;

use crate::tooling::{CorpusReport, ToolReport};

/// The bound: memory per line at most this multiple of the corpus's.
pub const MAX_RATIO: f64 = 2.0;

/// The corpus's figure when the run did not measure the corpus (`--only tooling`): the full
/// corpus, peak RSS per 1,000,000 lines, as recorded in `docs/benchmarks.md`.
pub const RECORDED_CORPUS_MIB_PER_MILLION_LINES: f64 = 94.64;

/// One generated row against the bound.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryBound {
    pub target: String,
    /// `None`: the row has no peak RSS figure, which fails the bound ("not measured").
    pub mib_per_million_lines: Option<f64>,
    pub corpus_mib_per_million_lines: f64,
    /// `"this run"` (the full corpus was measured too) or `"recorded"`
    /// ([`RECORDED_CORPUS_MIB_PER_MILLION_LINES`]).
    pub corpus_source: &'static str,
    pub ratio: Option<f64>,
    pub within: bool,
}

/// The bound of every generated dup-report row; a row without a memory figure is not within
/// it (not measured), so the bound never passes unchecked.
#[must_use]
pub fn evaluate(tooling: &[ToolReport], corpus: Option<&CorpusReport>) -> Vec<MemoryBound> {
    let measured = corpus
        .and_then(|c| c.parts.last())
        .and_then(|full| full.peak_rss_mib_per_million_lines);
    let (reference, source) = measured
        .map_or((RECORDED_CORPUS_MIB_PER_MILLION_LINES, "recorded"), |mib| {
            (mib, "this run")
        });
    assert!(reference > 0.0, "the corpus figure must be positive");
    tooling
        .iter()
        .filter(|row| row.tool == "dup-report" && row.target.starts_with("generated "))
        .map(|row| {
            let mib = row.peak_rss_mib_per_million_lines;
            let ratio = mib.map(|mib| mib / reference);
            MemoryBound {
                target: row.target.clone(),
                mib_per_million_lines: mib,
                corpus_mib_per_million_lines: reference,
                corpus_source: source,
                ratio,
                within: ratio.is_some_and(|ratio| ratio <= MAX_RATIO),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Timing;

    fn row(tool: &'static str, target: &str, mib: Option<f64>) -> ToolReport {
        ToolReport {
            tool,
            target: target.to_owned(),
            roots: 1,
            files: Some(1),
            lines: Some(512_000),
            wall: Timing::from_runs(vec![1.0]),
            cpu_seconds: None,
            peak_rss_mib: mib.map(|m| m / 2.0),
            wall_seconds_per_million_lines: None,
            peak_rss_mib_per_million_lines: mib,
            findings: None,
        }
    }

    #[test]
    fn generated_rows_above_twice_the_corpus_figure_are_out_of_bounds() {
        let tooling = [
            row("dup-report", "repository", Some(400.0)),
            row("contract", "generated one big file", Some(900.0)),
            row("dup-report", "generated one big file", Some(106.0)),
            row("dup-report", "generated huge class", Some(190.0)),
            row("dup-report", "generated no figure", None),
        ];
        let bounds = evaluate(&tooling, None);
        let found: Vec<(&str, bool)> = bounds
            .iter()
            .map(|b| (b.target.as_str(), b.within))
            .collect();
        assert_eq!(
            found,
            [
                ("generated one big file", true),
                ("generated huge class", false),
                // No figure: not measured, so not within the bound (it was left out before).
                ("generated no figure", false),
            ]
        );
        assert_eq!(bounds[2].ratio, None);
        assert_eq!(bounds[2].mib_per_million_lines, None);
        assert_eq!(bounds[0].corpus_source, "recorded");
        let ratio = bounds[0].ratio.unwrap();
        assert!((ratio - 106.0 / RECORDED_CORPUS_MIB_PER_MILLION_LINES).abs() < 1e-9);
        // The corpus measured in the same run is the reference.
        let corpus = CorpusReport {
            path: String::new(),
            crates: 1,
            parts: vec![
                row("dup-report", "corpus 1/4", Some(50.0)),
                row("dup-report", "corpus full", Some(100.0)),
            ],
            jscpd: Vec::new(),
            jscpd_ratios: Vec::new(),
            scaling: None,
        };
        let bounds = evaluate(&tooling, Some(&corpus));
        assert_eq!(bounds[1].corpus_source, "this run");
        assert!((bounds[1].ratio.unwrap() - 1.9).abs() < 1e-9);
        assert!(bounds[..2].iter().all(|b| b.within));
        assert!(!bounds[2].within);
    }
}
