//! The html report loads with no network and no script, shows the module bars and the heat
//! map as inline SVG, and is the same bytes on every run.

mod common;

use std::path::Path;

use common::xtask;

const ROOTS: [&str; 3] = [
    "xtask/tests/fixtures/dup/engine-a",
    "xtask/tests/fixtures/dup/engine-b",
    "xtask/tests/fixtures/dup/engine-c",
];

fn html() -> String {
    let mut args = vec!["dup-report"];
    args.extend(ROOTS);
    args.extend(["--format", "html"]);
    let output = xtask(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."), &args);
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// The values of every `src=` and `href=` attribute (quoted or not).
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for key in ["src=", "href="] {
        for (at, _) in html.match_indices(key) {
            let rest = html[at + key.len()..].trim_start_matches(['"', '\'']);
            let end = rest.find(['"', '\'', ' ', '>']).unwrap_or(rest.len());
            found.push(rest[..end].to_owned());
        }
    }
    found
}

#[test]
fn the_report_is_self_contained_deterministic_and_has_both_charts() {
    let page = html();
    assert!(!page.to_ascii_lowercase().contains("<script"));
    let references = references(&page);
    assert!(
        !references.is_empty(),
        "the clone table links to its anchors"
    );
    for reference in &references {
        assert!(
            reference.starts_with('#'),
            "a link out of the page: {reference}"
        );
    }
    assert!(!page.contains("@import") && !page.contains("url("));
    assert_eq!(page.matches("<svg ").count(), 2);
    assert!(page.contains("<title>duplicated lines per module</title>"));
    assert!(page.contains("<title>duplicated lines per pair of roots</title>"));
    // The exact `scan_frames` clone: 13 lines x 3 copies, all runtime, in `wal`'s bar.
    assert!(
        page.contains("<title>wal: 26 runtime lines</title>"),
        "module bars"
    );
    assert_eq!(page, html());
}

#[test]
fn references_are_found_quoted_or_not() {
    let page = "<a href=\"#C1\">x</a><img src=https://example.org/a.png><a href='http://x'>";
    assert_eq!(
        references(page),
        ["https://example.org/a.png", "#C1", "http://x"]
    );
}
