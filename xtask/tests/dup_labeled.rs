//! The labeled set of issue 16 (`tests/fixtures/dup/labeled/03bfae0.toml`): recall per class
//! and precision of `dup-report` on this repository at commit `03bfae0`.
//!
//! The test extracts the labeled revision with `git archive` into a temporary directory, runs
//! the built binary on its three engines (defaults, tests excluded), and scores the JSON report
//! against the labels. It fails when a figure falls below the floor recorded here and in
//! `docs/dup-report.md` ("The labeled set"); print the table with
//!
//! ```text
//! cargo test -p xtask --test dup_labeled -- --nocapture
//! ```

mod common;

use common::{json, xtask};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const LABELS: &str = "tests/fixtures/dup/labeled/03bfae0.toml";

/// `(file, item)`: a function as the report names it.
type Fn = (String, String);

/// The labels: copies with their class, and non-copies.
struct Labels {
    copies: Vec<(Fn, Fn, String)>,
    non_copies: Vec<(Fn, Fn)>,
}

fn parse_labels(text: &str) -> Labels {
    let doc: toml::Table = toml::from_str(text).expect("the labels are TOML");
    let rows = |key: &str| -> Vec<Vec<String>> {
        doc[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let row = row.as_array().unwrap();
                row.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
            })
            .collect()
    };
    let pair = |r: &[String]| ((r[0].clone(), r[1].clone()), (r[2].clone(), r[3].clone()));
    Labels {
        copies: rows("copies")
            .iter()
            .map(|r| {
                let (a, b) = pair(r);
                (a, b, r[4].clone())
            })
            .collect(),
        non_copies: rows("non_copies").iter().map(|r| pair(r)).collect(),
    }
}

/// One location of a clone: `(file, item, start line, end line)`.
type Location = (String, String, u64, u64);

fn report_classes(report: &Value) -> Vec<(String, Vec<Location>)> {
    report["clones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let locations = c["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["file"].as_str().unwrap().to_owned(),
                        l["item"].as_str().unwrap().to_owned(),
                        l["start_line"].as_u64().unwrap(),
                        l["end_line"].as_u64().unwrap(),
                    )
                })
                .collect();
            (c["kind"].as_str().unwrap().to_owned(), locations)
        })
        .collect()
}

/// The scores: per class `(found, labeled)`, and the reported function pairs that are labeled
/// copies, labeled non-copies, or not labeled at all.
#[derive(Debug, Default, PartialEq)]
struct Scores {
    recall: BTreeMap<String, (usize, usize)>,
    true_positives: usize,
    false_positives: Vec<(Fn, Fn)>,
    unlabeled: Vec<(Fn, Fn)>,
    missed: Vec<(String, Fn, Fn)>,
}

impl Scores {
    fn precision(&self) -> f64 {
        let reported = self.true_positives + self.false_positives.len();
        ratio(self.true_positives, reported)
    }
}

#[allow(clippy::cast_precision_loss)]
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn unordered(a: &Fn, b: &Fn) -> (Fn, Fn) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

/// Scores `classes` against `labels`. `spans` gives each labeled function's lines, so that a
/// pair is also found inside an `exact` or `renamed` clone of its containers (an impl block
/// copied whole): copies that hold `a` and `b` at the same line offset.
fn score(
    labels: &Labels,
    classes: &[(String, Vec<Location>)],
    spans: &BTreeMap<Fn, (u64, u64)>,
) -> Scores {
    let mut scores = Scores::default();
    let mut reported = BTreeSet::new();
    for (_, locations) in classes {
        let fns: Vec<Fn> = locations
            .iter()
            .filter(|l| l.1.starts_with("fn "))
            .map(|l| (l.0.clone(), l.1.clone()))
            .collect();
        for (i, a) in fns.iter().enumerate() {
            for b in &fns[i + 1..] {
                reported.insert(unordered(a, b));
            }
        }
    }
    let found = |a: &Fn, b: &Fn| {
        if reported.contains(&unordered(a, b)) {
            return true;
        }
        let (Some(sa), Some(sb)) = (spans.get(a), spans.get(b)) else {
            return false;
        };
        let holds = |l: &Location, f: &Fn, s: (u64, u64)| {
            l.0 == f.0 && l.2 <= s.0 && s.1 <= l.3 && (l.1 != f.1 || (l.2, l.3) != s)
        };
        classes.iter().any(|(kind, locations)| {
            (kind == "exact" || kind == "renamed")
                && locations.iter().any(|la| {
                    holds(la, a, *sa)
                        && locations.iter().any(|lb| {
                            !std::ptr::eq(la, lb) && holds(lb, b, *sb) && sa.0 - la.2 == sb.0 - lb.2
                        })
                })
        })
    };
    let mut labeled = BTreeSet::new();
    for (a, b, class) in &labels.copies {
        labeled.insert(unordered(a, b));
        let entry = scores.recall.entry(class.clone()).or_default();
        entry.1 += 1;
        if found(a, b) {
            entry.0 += 1;
        } else {
            scores.missed.push((class.clone(), a.clone(), b.clone()));
        }
    }
    let non: BTreeSet<(Fn, Fn)> = labels
        .non_copies
        .iter()
        .map(|(a, b)| unordered(a, b))
        .collect();
    for pair in reported {
        if labeled.contains(&pair) {
            scores.true_positives += 1;
        } else if non.contains(&pair) {
            scores.false_positives.push(pair);
        } else {
            scores.unlabeled.push(pair);
        }
    }
    scores
}

fn table(scores: &Scores) -> String {
    let mut out = String::from("class        found / labeled   recall\n");
    for (class, (found, labeled)) in &scores.recall {
        let recall = ratio(*found, *labeled);
        let _ = writeln!(out, "{class:<12} {found:>5} / {labeled:<7}   {recall:.3}");
    }
    let _ = writeln!(
        out,
        "precision    {} / {}   {:.3}  (unlabeled reported pairs: {})",
        scores.true_positives,
        scores.true_positives + scores.false_positives.len(),
        scores.precision(),
        scores.unlabeled.len()
    );
    for (a, b) in &scores.false_positives {
        let _ = writeln!(out, "  false positive: {} {} ~ {} {}", a.0, a.1, b.0, b.1);
    }
    for (class, a, b) in &scores.missed {
        let _ = writeln!(out, "  missed {class}: {} {} ~ {} {}", a.0, a.1, b.0, b.1);
    }
    for (a, b) in &scores.unlabeled {
        let _ = writeln!(out, "  unlabeled: {} {} ~ {} {}", a.0, a.1, b.0, b.1);
    }
    out
}

/// The floors: recall per class and precision as last measured (docs/dup-report.md). A
/// detector change may raise them, never lower them without a documented reason.
const RECALL_FLOOR: [(&str, f64); 5] = [
    ("exact", 1.0),
    ("gapped", 0.838),
    ("near", 0.936),
    ("renamed", 1.0),
    ("same_file", 0.0),
];
const PRECISION_FLOOR: f64 = 0.988;

fn archive(repo: &Path, rev: &str, roots: &[&str], into: &Path) {
    let tar = Command::new("git")
        .current_dir(repo)
        .args(["archive", "--format=tar", rev])
        .args(roots)
        .output()
        .expect("git runs");
    assert!(
        tar.status.success(),
        "git archive {rev}: {} (the labeled set needs the repository's history)",
        String::from_utf8_lossy(&tar.stderr)
    );
    let tar_path = into.join("tree.tar");
    std::fs::write(&tar_path, &tar.stdout).unwrap();
    let status = Command::new("tar")
        .current_dir(into)
        .args(["-xf", "tree.tar"])
        .status()
        .expect("tar runs");
    assert!(status.success());
}

/// The lines of every labeled function, from the same parser the report uses.
fn spans(root: &Path, labels: &Labels) -> BTreeMap<Fn, (u64, u64)> {
    let files: BTreeSet<&String> = labels
        .copies
        .iter()
        .flat_map(|(a, b, _)| [&a.0, &b.0])
        .collect();
    let mut spans = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let syntax = syn::parse_file(&text).unwrap();
        for unit in xtask::dup::file_units(&text, &syntax, false) {
            let lines = (u64::from(unit.start_line), u64::from(unit.end_line));
            spans.insert((file.clone(), unit.item), lines);
        }
    }
    spans
}

#[test]
fn the_labeled_set_scores_at_or_above_its_floors() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let labels = parse_labels(&std::fs::read_to_string(manifest.join(LABELS)).unwrap());
    let roots = ["allocdb-core", "quota-core", "reservation-core"];
    let dir = tempfile::tempdir().unwrap();
    archive(&manifest.join(".."), "03bfae0", &roots, dir.path());
    let spans = spans(dir.path(), &labels);
    for (a, b, _) in &labels.copies {
        assert!(
            spans.contains_key(a) && spans.contains_key(b),
            "{a:?} ~ {b:?}"
        );
    }
    let mut args = vec!["dup-report", "--format", "json"];
    args.extend(roots);
    let report = json(&xtask(dir.path(), &args));
    let scores = score(&labels, &report_classes(&report), &spans);
    let table = table(&scores);
    println!("{table}");
    for (class, floor) in RECALL_FLOOR {
        let (found, labeled) = scores.recall[class];
        assert!(
            ratio(found, labeled) >= floor,
            "{class} below {floor}\n{table}"
        );
    }
    assert!(scores.precision() >= PRECISION_FLOOR, "{table}");
}

fn f(file: &str, item: &str) -> Fn {
    (file.to_owned(), item.to_owned())
}

#[test]
fn the_scoring_counts_direct_and_contained_pairs_and_sorts_reported_pairs() {
    let labels = Labels {
        copies: vec![
            (f("a.rs", "fn x"), f("b.rs", "fn x"), "exact".into()),
            (f("a.rs", "fn T::m"), f("b.rs", "fn U::m"), "renamed".into()),
            (f("a.rs", "fn y"), f("b.rs", "fn y"), "near".into()),
        ],
        non_copies: vec![(f("b.rs", "fn z"), f("a.rs", "fn z"))],
    };
    let loc = |file: &str, item: &str, s, e| (file.to_owned(), item.to_owned(), s, e);
    let classes = vec![
        (
            "exact".to_owned(),
            vec![loc("a.rs", "fn x", 1, 9), loc("b.rs", "fn x", 3, 11)],
        ),
        (
            "renamed".to_owned(),
            vec![loc("a.rs", "impl T", 20, 40), loc("b.rs", "impl U", 30, 50)],
        ),
        (
            "near".to_owned(),
            vec![
                loc("a.rs", "fn z", 60, 70),
                loc("b.rs", "fn z", 60, 70),
                loc("c.rs", "fn q", 1, 9),
            ],
        ),
    ];
    let spans = BTreeMap::from([
        (f("a.rs", "fn T::m"), (22, 30)),
        (f("b.rs", "fn U::m"), (32, 40)),
    ]);
    let scores = score(&labels, &classes, &spans);
    assert_eq!(scores.recall["exact"], (1, 1));
    assert_eq!(scores.recall["renamed"], (1, 1));
    assert_eq!(scores.recall["near"], (0, 1));
    assert_eq!(scores.true_positives, 1);
    assert_eq!(
        scores.false_positives,
        [(f("a.rs", "fn z"), f("b.rs", "fn z"))]
    );
    assert_eq!(scores.unlabeled.len(), 2);
    assert!((scores.precision() - 0.5).abs() < 1e-9);
}
