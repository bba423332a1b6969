//! The rows of `bench --against` and how each is read out of the bench binary's JSON report
//! (schema 1, a stable interface: `docs/benchmarks.md`). Every figure read is "higher is
//! faster"; a report with another schema, or without a field a row needs, is a named error.

use anyhow::{anyhow, bail};
use bench_args::thousands;
use serde_json::Value;

use super::stats::Bound;

/// The schema of the bench report this reader understands.
pub(crate) const SCHEMA: u64 = 1;

/// A bench section that `--against` runs, once per engine and side in every pair.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Part {
    Apply,
    Durable,
    Recovery,
}

impl Part {
    pub(crate) const ALL: [Part; 3] = [Part::Apply, Part::Durable, Part::Recovery];

    /// The bench binary's `--only` value for this part.
    pub(crate) fn section(self) -> &'static str {
        match self {
            Part::Apply => "apply",
            Part::Durable => "durable",
            Part::Recovery => "recovery",
        }
    }

    /// The rows this part's report gives, in table order.
    pub(crate) fn rows(self) -> &'static [Row] {
        match self {
            Part::Apply => &[Row::Apply],
            Part::Durable => &[Row::DurableBatch1, Row::DurableBatch256],
            Part::Recovery => &[Row::Recovery, Row::Scan],
        }
    }
}

/// A compared figure of one engine.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Row {
    /// `apply.commands_per_second` (1x capacities).
    Apply,
    /// Durable rows compare `1 / ratio_to_raw`: the raw disk's time over the engine's, both
    /// measured interleaved in the same run, so the disk's drift between runs cancels.
    DurableBatch1,
    DurableBatch256,
    /// `recovery.replay_commands_per_second`.
    Recovery,
    /// `recovery.scan_mb_per_second`.
    Scan,
}

impl Row {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Row::Apply => "apply 1x",
            Row::DurableBatch1 => "durable batch 1",
            Row::DurableBatch256 => "durable batch 256",
            Row::Recovery => "recovery",
            Row::Scan => "WAL scan",
        }
    }

    pub(crate) fn bound(self) -> Bound {
        match self {
            Row::DurableBatch1 => Bound::Fsync,
            _ => Bound::Cpu,
        }
    }

    /// A figure as the table shows it (the durable ones as engine time over raw disk time).
    pub(crate) fn show(self, figure: f64) -> String {
        match self {
            Row::Apply | Row::Recovery => format!("{} commands/s", thousands(figure)),
            Row::DurableBatch1 | Row::DurableBatch256 => format!("{:.2}x raw", 1.0 / figure),
            Row::Scan => format!("{figure:.0} MB/s"),
        }
    }

    /// This row's figure for `engine` in `report`.
    fn read(self, engine: &Value) -> anyhow::Result<f64> {
        let (path, value) = match self {
            Row::Apply => (
                "apply.commands_per_second",
                engine.pointer("/apply/commands_per_second"),
            ),
            Row::DurableBatch1 | Row::DurableBatch256 => {
                let batch = if self == Row::DurableBatch1 { 1 } else { 256 };
                let durable = engine
                    .get("durable")
                    .and_then(Value::as_array)
                    .and_then(|runs| {
                        runs.iter()
                            .find(|run| run.get("batch").and_then(Value::as_u64) == Some(batch))
                    });
                let ratio = durable.and_then(|run| run.get("ratio_to_raw"));
                let inverted = ratio.and_then(Value::as_f64).map(|ratio| 1.0 / ratio);
                return figure(
                    &format!("durable[batch={batch}].ratio_to_raw"),
                    inverted.map(Value::from).as_ref(),
                );
            }
            Row::Recovery => (
                "recovery.replay_commands_per_second",
                engine.pointer("/recovery/replay_commands_per_second"),
            ),
            Row::Scan => (
                "recovery.scan_mb_per_second",
                engine.pointer("/recovery/scan_mb_per_second"),
            ),
        };
        figure(path, value)
    }
}

fn figure(path: &str, value: Option<&Value>) -> anyhow::Result<f64> {
    match value.and_then(Value::as_f64) {
        Some(figure) if figure.is_finite() && figure > 0.0 => Ok(figure),
        Some(figure) => bail!("`{path}` is {figure}, not a positive figure"),
        None => bail!("it has no number `{path}`"),
    }
}

/// What one run of a bench binary reported: its build commit (if it reports one), its source
/// tree's commit, and the figures of `part`'s rows for `engine`, in [`Part::rows`] order.
#[derive(Debug)]
pub(crate) struct Reading {
    pub build_commit: Option<String>,
    pub tree_commit: Option<String>,
    pub figures: Vec<f64>,
}

/// Reads `part`'s figures for `engine` out of one report.
///
/// # Errors
/// The output is not JSON, its `schema` is not [`SCHEMA`], or a field a row needs is missing
/// or not a positive number.
pub(crate) fn read(output: &[u8], part: Part, engine: &str) -> anyhow::Result<Reading> {
    let report: Value = serde_json::from_slice(output)
        .map_err(|error| anyhow!("its output is not a JSON report ({error})"))?;
    match report.get("schema").and_then(Value::as_u64) {
        Some(SCHEMA) => {}
        Some(other) => {
            bail!("its JSON report has schema {other}; this xtask reads schema {SCHEMA}")
        }
        None => bail!("its JSON report has no `schema` (this xtask reads schema {SCHEMA})"),
    }
    let engine_report = report
        .get("engines")
        .and_then(Value::as_array)
        .and_then(|engines| {
            engines
                .iter()
                .find(|entry| entry.get("engine").and_then(Value::as_str) == Some(engine))
        })
        .ok_or_else(|| anyhow!("its JSON report has no `engines` entry for `{engine}`"))?;
    let figures = part
        .rows()
        .iter()
        .map(|row| {
            row.read(engine_report)
                .map_err(|error| anyhow!("{engine}'s {}: {error}", row.name()))
        })
        .collect::<anyhow::Result<_>>()?;
    let text = |pointer: &str| {
        report
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Ok(Reading {
        build_commit: text("/build_commit"),
        tree_commit: text("/machine/commit"),
        figures,
    })
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
