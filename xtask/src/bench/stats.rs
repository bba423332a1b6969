//! The statistics of `bench --against`: per row, the ratio current / REV of every pair of runs,
//! their median and quartiles, and the gate. Pure functions over the measured figures, so the
//! rules are unit-tested without timing anything.

use serde::Serialize;

/// A CPU-bound row fails when its upper-quartile ratio is below this: a real regression makes
/// most pairs slower, while this machine's noise (runs can differ by 2x) rarely drags three
/// quarters of them below it.
pub(crate) const GATE_UPPER_QUARTILE: f64 = 0.95;

/// What bounds a row's figure: CPU-bound rows are gated, fsync-bound ones only reported (the
/// shared disk's latency decides them).
#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Bound {
    Cpu,
    Fsync,
}

/// One pair: the same row's figure from the current bench and from REV's, measured one right
/// after the other. Figures are "higher is faster".
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct Pair {
    pub current: f64,
    pub rev: f64,
}

/// The spread of the ratios over the pairs (quartiles by linear interpolation between order
/// statistics, the same rule as the median).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct Spread {
    pub lower_quartile: f64,
    pub median: f64,
    pub upper_quartile: f64,
}

/// A row's outcome at the gate.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    Pass,
    Fail,
    /// fsync-bound: reported, never gated.
    NotGated,
}

/// The `q` quantile (0 to 1) of `values`, interpolating linearly between the order statistics
/// around position `q * (n - 1)`.
///
/// # Panics
/// `values` is empty, `q` is outside 0 to 1, or a value is NaN: callers must check first.
pub(crate) fn quantile(values: &[f64], q: f64) -> f64 {
    assert!(!values.is_empty(), "a quantile needs at least one value");
    assert!((0.0..=1.0).contains(&q), "a quantile must be within 0 to 1");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    assert!(!sorted.iter().any(|value| value.is_nan()), "no NaN ratios");
    #[allow(clippy::cast_precision_loss)]
    let position = q * (sorted.len() - 1) as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    #[allow(clippy::cast_precision_loss)]
    let weight = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * weight
}

/// The ratio current / REV of each pair (> 1: the current build is faster).
///
/// # Panics
/// A figure is not positive and finite (`rows.rs` refuses those when reading a report).
pub(crate) fn ratios(pairs: &[Pair]) -> Vec<f64> {
    pairs
        .iter()
        .map(|pair| {
            assert!(
                pair.current.is_finite() && pair.current > 0.0,
                "figures must be positive"
            );
            assert!(
                pair.rev.is_finite() && pair.rev > 0.0,
                "figures must be positive"
            );
            pair.current / pair.rev
        })
        .collect()
}

/// The median and quartiles of the pairs' ratios.
pub(crate) fn spread(pairs: &[Pair]) -> Spread {
    let ratios = ratios(pairs);
    Spread {
        lower_quartile: quantile(&ratios, 0.25),
        median: quantile(&ratios, 0.5),
        upper_quartile: quantile(&ratios, 0.75),
    }
}

/// The gate: a CPU-bound row fails only when its upper-quartile ratio is below
/// [`GATE_UPPER_QUARTILE`]; an fsync-bound row is never gated.
pub(crate) fn verdict(bound: Bound, spread: &Spread) -> Verdict {
    match bound {
        Bound::Fsync => Verdict::NotGated,
        Bound::Cpu if spread.upper_quartile < GATE_UPPER_QUARTILE => Verdict::Fail,
        Bound::Cpu => Verdict::Pass,
    }
}

/// The order of the two runs of pair `index`: REV first in even pairs, the current bench
/// first in odd ones, so that neither side always runs on a machine the other just warmed.
pub(crate) fn rev_runs_first(index: usize) -> bool {
    index.is_multiple_of(2)
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
