//! Timing helpers: runs, medians, rates, and the tally of outcomes that checks a workload.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

/// The median of `values` (the mean of the middle two for an even count; 0 for none).
#[must_use]
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        len if len % 2 == 1 => sorted[len / 2],
        len => f64::midpoint(sorted[len / 2 - 1], sorted[len / 2]),
    }
}

/// Seconds taken by `work`, and its result.
pub fn time<T>(work: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let result = work();
    (start.elapsed().as_secs_f64(), result)
}

/// Every run's seconds and their median.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timing {
    pub median_seconds: f64,
    pub runs_seconds: Vec<f64>,
}

impl Timing {
    #[must_use]
    pub fn from_runs(runs_seconds: Vec<f64>) -> Self {
        Self {
            median_seconds: median(&runs_seconds),
            runs_seconds,
        }
    }

    /// `count` per second at the median.
    #[must_use]
    pub fn rate(&self, count: f64) -> f64 {
        if self.median_seconds > 0.0 {
            count / self.median_seconds
        } else {
            0.0
        }
    }
}

/// The outcomes of a workload by result code name; the standard workloads expect `Ok` only.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub ok: u64,
    pub refused: BTreeMap<String, u64>,
    /// The first command (index) that was refused, and its code.
    pub first_refusal: Option<(u64, String)>,
}

impl Tally {
    pub fn refuse(&mut self, index: u64, code: String) {
        *self.refused.entry(code.clone()).or_default() += 1;
        if self.first_refusal.is_none() {
            self.first_refusal = Some((index, code));
        }
    }

    pub fn refuse_many(&mut self, index: u64, count: u64, first: Option<String>) {
        if let Some(code) = first {
            *self.refused.entry(code.clone()).or_default() += count;
            if self.first_refusal.is_none() {
                self.first_refusal = Some((index, code));
            }
        }
    }

    /// Outcome counts by code name, `Ok` included.
    #[must_use]
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let mut counts = self.refused.clone();
        counts.insert("Ok".to_string(), self.ok);
        counts
    }

    /// A failure message when anything was refused.
    #[must_use]
    pub fn failure(&self, what: &str) -> Option<String> {
        self.first_refusal.as_ref().map(|(index, code)| {
            format!(
                "{what}: expected `Ok` for every command, but command {index} returned `{code}` \
                 (refusals: {:?})",
                self.refused
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert!((median(&[3.0, 1.0, 2.0]) - 2.0).abs() < f64::EPSILON);
        assert!((median(&[4.0, 1.0, 3.0, 2.0]) - 2.5).abs() < f64::EPSILON);
        assert!(median(&[]).abs() < f64::EPSILON);
    }

    #[test]
    fn tally_reports_the_first_refusal() {
        let mut tally = Tally {
            ok: 2,
            ..Tally::default()
        };
        tally.refuse(7, "LeaseTableFull".to_string());
        tally.refuse(9, "LeaseTableFull".to_string());
        assert_eq!(tally.counts()["LeaseTableFull"], 2);
        assert_eq!(tally.counts()["Ok"], 2);
        let failure = tally.failure("apply").expect("a refusal fails the check");
        assert!(failure.contains("command 7 returned `LeaseTableFull`"));
        assert_eq!(Tally::default().failure("apply"), None);
    }
}
