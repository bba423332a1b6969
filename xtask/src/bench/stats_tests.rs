use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Ten pairs whose REV figure is 100 and whose current figures give `ratios`.
fn pairs(ratios: &[f64]) -> Vec<Pair> {
    ratios
        .iter()
        .map(|ratio| Pair {
            current: ratio * 100.0,
            rev: 100.0,
        })
        .collect()
}

#[test]
fn ratio_is_current_over_rev_per_pair() {
    let measured = [
        Pair {
            current: 200.0,
            rev: 100.0,
        },
        Pair {
            current: 50.0,
            rev: 100.0,
        },
    ];
    assert_eq!(ratios(&measured), vec![2.0, 0.5]);
}

#[test]
fn quartiles_interpolate_between_order_statistics() {
    let values = [5.0, 1.0, 4.0, 2.0, 3.0];
    assert!(close(quantile(&values, 0.0), 1.0));
    assert!(close(quantile(&values, 0.25), 2.0));
    assert!(close(quantile(&values, 0.5), 3.0));
    assert!(close(quantile(&values, 0.75), 4.0));
    assert!(close(quantile(&values, 1.0), 5.0));
    // Even count: the median is the mean of the middle two, quartiles interpolate.
    let even = [1.0, 2.0, 3.0, 4.0];
    assert!(close(quantile(&even, 0.5), 2.5));
    assert!(close(quantile(&even, 0.25), 1.75));
    assert!(close(quantile(&even, 0.75), 3.25));
    assert!(close(quantile(&[7.0], 0.75), 7.0));
}

#[test]
fn spread_of_ten_pairs() {
    let spread = spread(&pairs(&[
        0.90, 1.10, 0.95, 1.05, 1.00, 0.98, 1.02, 0.97, 1.03, 1.01,
    ]));
    // Sorted: .90 .95 .97 .98 1.00 1.01 1.02 1.03 1.05 1.10; positions 2.25, 4.5, 6.75.
    assert!(close(spread.lower_quartile, 0.9725), "{spread:?}");
    assert!(close(spread.median, 1.005), "{spread:?}");
    assert!(close(spread.upper_quartile, 1.0275), "{spread:?}");
}

#[test]
fn a_cpu_row_passes_at_upper_quartile_096_and_fails_at_094() {
    let at = |upper_quartile| Spread {
        lower_quartile: 0.5,
        median: 0.8,
        upper_quartile,
    };
    assert_eq!(verdict(Bound::Cpu, &at(0.96)), Verdict::Pass);
    assert_eq!(verdict(Bound::Cpu, &at(0.95)), Verdict::Pass);
    assert_eq!(verdict(Bound::Cpu, &at(0.94)), Verdict::Fail);
    // Through the pairs: eight of ten at 0.96 (upper quartile 0.96) against 0.94.
    let mut mostly = vec![0.96; 8];
    mostly.extend([0.5, 0.5]);
    assert_eq!(verdict(Bound::Cpu, &spread(&pairs(&mostly))), Verdict::Pass);
    let mut slower = vec![0.94; 8];
    slower.extend([0.5, 0.5]);
    assert_eq!(verdict(Bound::Cpu, &spread(&pairs(&slower))), Verdict::Fail);
}

#[test]
fn a_noisy_row_whose_upper_quartile_holds_passes() {
    // Half the pairs at 0.6 (another build stole the cores), the rest near 1: not a regression.
    let noisy = [0.6, 0.6, 0.6, 0.6, 0.6, 0.99, 1.0, 1.01, 1.0, 0.98];
    let spread = spread(&pairs(&noisy));
    assert!(spread.median < GATE_UPPER_QUARTILE);
    assert_eq!(verdict(Bound::Cpu, &spread), Verdict::Pass);
}

#[test]
fn fsync_bound_rows_are_never_gated() {
    let terrible = spread(&pairs(&[0.1; 10]));
    assert_eq!(verdict(Bound::Fsync, &terrible), Verdict::NotGated);
    let fine = spread(&pairs(&[1.0; 10]));
    assert_eq!(verdict(Bound::Fsync, &fine), Verdict::NotGated);
}

#[test]
fn pairs_alternate_which_side_runs_first() {
    let firsts: Vec<bool> = (0..4).map(rev_runs_first).collect();
    assert_eq!(firsts, vec![true, false, true, false]);
}
