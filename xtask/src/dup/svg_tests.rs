//! The charts on fixed inputs, snapshot-tested (insta): any change of their bytes shows in
//! review.

use super::{Point, heat_map, history_lines, module_bars};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|&s| s.to_owned()).collect()
}

#[test]
fn module_bars_stack_runtime_and_domain_largest_first() {
    let rows = vec![
        ("wal".to_owned(), 300, 20),
        ("engine".to_owned(), 0, 250),
        ("<odd>".to_owned(), 5, 0),
    ];
    let svg = module_bars(&rows);
    // The largest bar spans the whole width: 420 units for 320 lines.
    assert!(
        svg.contains("width=\"393\" height=\"14\" fill=\"#c0392b\""),
        "{svg}"
    );
    assert!(svg.contains("&lt;odd&gt;"));
    insta::assert_snapshot!("module_bars", svg);
}

#[test]
fn heat_map_shades_cells_by_their_share_of_the_largest() {
    let cells = vec![vec![0, 1000, 250], vec![1000, 40, 0], vec![250, 0, 0]];
    let svg = heat_map(&names(&["alpha", "beta", "gamma"]), &cells);
    assert!(svg.contains("fill=\"hsl(210,60%,42%)\""), "{svg}");
    assert!(svg.contains("fill=\"hsl(210,60%,97%)\""), "{svg}");
    insta::assert_snapshot!("heat_map", svg);
}

#[test]
fn history_lines_break_at_unmeasured_commits_and_label_extractions() {
    let none: Vec<String> = Vec::new();
    let wal = names(&["wal"]);
    let both = names(&["fixed_map", "wal_file"]);
    let figures = [
        (Some(1700), Some(2500), Some(0), &none),
        (None, None, None, &none),
        (Some(1200), Some(2500), Some(0), &wal),
        (Some(0), Some(2600), Some(0), &both),
        (Some(0), Some(2650), Some(12), &none),
    ];
    let commits = ["aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd", "eeeeeee"];
    let points: Vec<Point<'_>> = figures
        .iter()
        .zip(commits)
        .map(|(&(runtime, domain, copied, extracted), commit)| Point {
            commit,
            runtime,
            domain,
            copied,
            extracted,
        })
        .collect();
    let svg = history_lines(&points);
    assert!(svg.contains(">wal ccccccc</text>"));
    assert!(svg.contains(">fixed_map, wal_file ddddddd</text>"));
    // The runtime line: one point before the gap (4,200 lines at most: 1,700 is 105 of the
    // 260 units above the axis at 300), drawn as a dot, then three; the copied line after the gap, 12 lines
    // being less than one unit.
    assert!(
        svg.contains("<circle cx=\"60\" cy=\"195\" r=\"2\" fill=\"#c0392b\"/>"),
        "{svg}"
    );
    assert!(
        svg.contains("points=\"76,300 84,300 92,300\" fill=\"none\" stroke=\"#e67e22\""),
        "{svg}"
    );
    insta::assert_snapshot!("history_lines", svg);
}
