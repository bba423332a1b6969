//! The clone search is not quadratic: on a growing synthetic tree (varied functions plus
//! planted near-miss copies), the number of pairs compared grows about linearly with the
//! number of units, far below n².

use xtask::dup::{Options, Stats, Unit, file_units, find_clones};

/// A small deterministic generator (64-bit LCG).
struct Random(u64);

impl Random {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % bound
    }
}

const NAMES: &[&str] = &[
    "slot", "offset", "entry", "queue", "frame", "lsn", "bytes", "count", "limit", "key", "value",
    "index", "state", "total", "table", "cursor", "payload", "header", "epoch", "owner",
];

fn statement(random: &mut Random) -> String {
    let mut name = || NAMES[random.next(NAMES.len())];
    let (a, b, c) = (name(), name(), name());
    let n = random.next(1000);
    match random.next(10) {
        0 => format!("let {a} = {b}.{c}({n});"),
        1 => format!("if {a} > {b} {{ {c} += {n}; }}"),
        2 => format!("for {a} in 0..{b} {{ {c}.push({a}); }}"),
        3 => format!("{a} = {b}.wrapping_add({c} * {n});"),
        4 => format!("assert!({a} <= {b}, \"{c} must fit\");"),
        5 => format!("match {a} {{ 0 => {b} = {n}, _ => {c} -= 1 }}"),
        6 => format!("while {a} < {b} {{ {a} += {n}; }}"),
        7 => format!("let {a}: Vec<u64> = {b}.iter().map(|x| x + {n}).collect();"),
        8 => format!("{a}.{b}[{n}] = {c}.{a}();"),
        _ => format!("return {a}.{b}({c}, {n});"),
    }
}

fn function(random: &mut Random, name: &str) -> Vec<String> {
    let mut lines = vec![format!("pub fn {name}(slot: u64) -> u64 {{")];
    for _ in 0..6 + random.next(10) {
        lines.push(format!("    {}", statement(random)));
    }
    lines.push("}".to_owned());
    lines
}

/// `files` files of ten functions; every seventh function also gets a near-miss copy (one
/// line changed) in the next file.
fn synthetic_tree(files: usize) -> Vec<String> {
    let mut random = Random(42);
    let mut sources = vec![String::new(); files];
    for file in 0..files {
        for f in 0..10 {
            let lines = function(&mut random, &format!("f{file}_{f}"));
            sources[file].push_str(&lines.join("\n"));
            sources[file].push('\n');
            if f % 7 == 0 {
                let mut copy = lines.clone();
                copy[2] = format!("    {}", statement(&mut random));
                copy[0] = copy[0].replace("pub fn f", "pub fn g");
                sources[(file + 1) % files].push_str(&copy.join("\n"));
                sources[(file + 1) % files].push('\n');
            }
        }
    }
    sources
}

fn search(files: usize) -> (Stats, usize) {
    let units: Vec<Vec<Unit>> = synthetic_tree(files)
        .iter()
        .map(|text| file_units(text, &syn::parse_file(text).unwrap(), false))
        .collect();
    let lists: Vec<&[Unit]> = units.iter().map(Vec::as_slice).collect();
    let (classes, stats) = find_clones(&lists, &Options::default());
    (stats, classes.len())
}

#[test]
fn comparisons_grow_far_below_n_squared() {
    let (small, small_classes) = search(50);
    let (large, large_classes) = search(400);
    eprintln!("50 files: {small:?} {small_classes}; 400 files: {large:?} {large_classes}");
    // 8x the units: n² would compare 64x as many pairs; allow 16x (linear is 8x).
    assert_eq!(large.units, 8 * small.units);
    assert!(small.comparisons > 0 && small_classes > 0 && large_classes > small_classes);
    assert!(
        large.comparisons <= 16 * small.comparisons,
        "{small:?} -> {large:?}"
    );
    assert!(
        large.candidates <= 16 * small.candidates.max(1),
        "{small:?} -> {large:?}"
    );
    // All-pairs would be n (n - 1) / 2 comparisons.
    let all_pairs = large.units * (large.units - 1) / 2;
    assert!(
        large.comparisons * 100 < all_pairs,
        "{large:?} vs {all_pairs}"
    );
}
