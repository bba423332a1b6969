//! The tooling section: `dup-report` and `contract` on this repository, and `dup-report` on
//! the pinned corpus (`xtask/bench-corpus/`) at a quarter, a half and all of it.
//!
//! The tools run as child processes of the xtask binary the user runs (`cargo xtask bench`
//! passes its own path), so wall time, CPU time and peak memory are those of a real run.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::child::{self, ChildRun};
use crate::corpus::Corpus;
use crate::measure::{Timing, median};

/// `runs` runs of one tool on one target.
#[derive(Clone, Debug, Serialize)]
pub struct ToolReport {
    pub tool: &'static str,
    pub target: String,
    pub roots: usize,
    /// `files_scanned` and `lines_scanned` of dup-report's JSON (not reported by `contract`).
    pub files: Option<u64>,
    pub lines: Option<u64>,
    pub wall: Timing,
    pub cpu_seconds: Option<f64>,
    /// The largest peak RSS of the runs.
    pub peak_rss_mib: Option<f64>,
    pub wall_seconds_per_million_lines: Option<f64>,
    pub peak_rss_mib_per_million_lines: Option<f64>,
    /// Clone classes found (dup-report) or violations (contract).
    pub findings: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CorpusReport {
    pub path: String,
    pub crates: usize,
    pub parts: Vec<ToolReport>,
    /// jscpd on the whole corpus in the same run (exact, then `--ignore-identifiers
    /// --ignore-literals`), when it is installed; `lines` are dup-report's.
    pub jscpd: Vec<ToolReport>,
    /// jscpd's wall time and peak memory over dup-report's, on the whole corpus.
    pub jscpd_ratios: Vec<PeerRatio>,
    /// Wall time and peak memory of the full corpus over the quarter, next to the ratio of
    /// their lines (linear growth: the three ratios agree).
    pub scaling: Option<Scaling>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PeerRatio {
    pub mode: String,
    pub wall: f64,
    pub peak_rss: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Scaling {
    pub lines: f64,
    pub wall: f64,
    pub cpu: Option<f64>,
    pub peak_rss: Option<f64>,
}

/// Measures `xtask ARGS` `runs` times.
///
/// # Errors
/// The tool could not be run or exited with 2.
pub fn measure(
    tool: &'static str,
    target: String,
    roots: usize,
    xtask: &Path,
    args: &[String],
    context: (&Path, &Path, usize),
) -> Result<ToolReport, String> {
    let (cwd, scratch, runs) = context;
    let mut measured: Vec<ChildRun> = Vec::new();
    for _ in 0..runs {
        measured.push(child::run(xtask, args, cwd, scratch)?);
    }
    let last = measured.last().expect("runs is at least 1");
    let json: serde_json::Value = if tool == "jscpd" {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&last.stdout)
            .map_err(|error| format!("{tool} printed no JSON: {error}"))?
    };
    let count = |key: &str| json.get(key).and_then(serde_json::Value::as_u64);
    let findings = json
        .get(if tool == "contract" {
            "violations"
        } else {
            "clones"
        })
        .and_then(serde_json::Value::as_array)
        .map(|items| items.len() as u64);
    let wall = Timing::from_runs(measured.iter().map(|run| run.wall_seconds).collect());
    let cpu: Vec<f64> = measured.iter().filter_map(|run| run.cpu_seconds).collect();
    let peak_rss_mib = measured
        .iter()
        .filter_map(|run| run.peak_rss_mib)
        .reduce(f64::max);
    // dup-report names its roots (the defaults from `contracts/` when none were given).
    let roots = json
        .get("roots")
        .and_then(serde_json::Value::as_array)
        .map_or(roots, Vec::len);
    let lines = count("lines_scanned");
    let per_million = |value: f64| lines.map(|lines| value * 1_000_000.0 / lines as f64);
    Ok(ToolReport {
        tool,
        target,
        roots,
        files: count("files_scanned"),
        lines,
        wall_seconds_per_million_lines: per_million(wall.median_seconds),
        peak_rss_mib_per_million_lines: peak_rss_mib.and_then(per_million),
        wall,
        cpu_seconds: (!cpu.is_empty()).then(|| median(&cpu)),
        peak_rss_mib,
        findings,
    })
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_string()).collect()
}

/// `dup-report` and `contract` on the repository at `root`.
///
/// # Errors
/// A tool could not be run.
pub fn repository(
    xtask: &Path,
    root: &Path,
    scratch: &Path,
    runs: usize,
) -> Result<Vec<ToolReport>, String> {
    let root_arg = root.display().to_string();
    let dup = strings(&["dup-report", "--format", "json", "--root", &root_arg]);
    let contract = strings(&["contract", "--format", "json", "--root", &root_arg]);
    eprintln!("bench: tooling: dup-report and contract on this repository");
    Ok(vec![
        measure(
            "dup-report",
            "repository".into(),
            0,
            xtask,
            &dup,
            (root, scratch, runs),
        )?,
        measure(
            "contract",
            "repository".into(),
            0,
            xtask,
            &contract,
            (root, scratch, runs),
        )?,
    ])
}

/// `dup-report` on the first crates of the corpus making up a quarter, a half and all of its
/// lines.
///
/// # Errors
/// A tool could not be run.
pub fn corpus(
    (xtask, jscpd): (&Path, Option<&Path>),
    root: &Path,
    corpus: &Corpus,
    scratch: &Path,
    runs: usize,
) -> Result<CorpusReport, String> {
    let mut parts = Vec::new();
    for (name, crates) in corpus.parts() {
        eprintln!("bench: tooling: dup-report on {name} of the corpus ({crates} crates)");
        let mut args = strings(&["dup-report", "--format", "json"]);
        args.extend(
            corpus.crates[..crates]
                .iter()
                .map(|krate| krate.path.display().to_string()),
        );
        parts.push(measure(
            "dup-report",
            format!("corpus {name}"),
            crates,
            xtask,
            &args,
            (root, scratch, runs),
        )?);
    }
    let scaling = match (parts.first(), parts.last()) {
        (Some(first), Some(last)) if parts.len() > 1 => Some(scaling(first, last)),
        _ => None,
    };
    let mut peers = Vec::new();
    if let (Some(jscpd), Some(full)) = (jscpd, parts.last()) {
        peers = run_jscpd(jscpd, corpus, full, (root, scratch, runs))?;
    }
    let jscpd_ratios = match parts.last() {
        Some(full) => peers
            .iter()
            .map(|peer| PeerRatio {
                mode: peer.target.clone(),
                wall: peer.wall.median_seconds / full.wall.median_seconds,
                peak_rss: peer
                    .peak_rss_mib
                    .zip(full.peak_rss_mib)
                    .map(|(peer, full)| peer / full),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(CorpusReport {
        path: corpus.path.display().to_string(),
        crates: corpus.crates.len(),
        parts,
        jscpd: peers,
        jscpd_ratios,
        scaling,
    })
}

/// jscpd on every crate of the corpus: exact matching, then `renamed`: with identifiers and
/// literals ignored (its closest mode to dup-report's renamed clones). Files of any size are read
/// (`-z`), as dup-report reads them.
fn run_jscpd(
    jscpd: &Path,
    corpus: &Corpus,
    full: &ToolReport,
    context: (&Path, &Path, usize),
) -> Result<Vec<ToolReport>, String> {
    let modes: [(&str, &[&str]); 2] = [
        ("exact", &[]),
        ("renamed", &["--ignore-identifiers", "--ignore-literals"]),
    ];
    let mut reports = Vec::new();
    for (mode, flags) in modes {
        eprintln!("bench: tooling: jscpd ({mode}) on the whole corpus");
        let mut args = strings(&[
            "--format",
            "rust",
            "--min-lines",
            "6",
            "--reporters",
            "silent",
            "--no-gitignore",
            "-z",
            "1gb",
        ]);
        args.extend(strings(flags));
        args.extend(
            corpus
                .crates
                .iter()
                .map(|krate| krate.path.display().to_string()),
        );
        let target = format!("corpus full {mode}");
        let mut report = measure("jscpd", target, corpus.crates.len(), jscpd, &args, context)?;
        report.lines = full.lines;
        if let Some(lines) = full.lines.filter(|&lines| lines > 0) {
            let per_million = 1_000_000.0 / lines as f64;
            report.wall_seconds_per_million_lines = Some(report.wall.median_seconds * per_million);
            report.peak_rss_mib_per_million_lines =
                report.peak_rss_mib.map(|mib| mib * per_million);
        }
        reports.push(report);
    }
    Ok(reports)
}

/// The jscpd binary: `--jscpd`, else `jscpd` on `PATH`, else none (the comparison is skipped).
#[must_use]
pub fn jscpd_binary(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("jscpd"))
            .find(|candidate| candidate.is_file())
    })
}

fn scaling(first: &ToolReport, last: &ToolReport) -> Scaling {
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if a > 0.0 => Some(b / a),
        _ => None,
    };
    Scaling {
        lines: ratio(
            first.lines.map(|lines| lines as f64),
            last.lines.map(|lines| lines as f64),
        )
        .unwrap_or(0.0),
        wall: last.wall.median_seconds / first.wall.median_seconds,
        cpu: ratio(first.cpu_seconds, last.cpu_seconds),
        peak_rss: ratio(first.peak_rss_mib, last.peak_rss_mib),
    }
}

/// The xtask binary to measure: `--xtask`, else `target/debug/xtask` next to this binary's
/// target folder, built first.
///
/// # Errors
/// The build failed.
pub fn xtask_binary(explicit: Option<&Path>, root: &Path) -> Result<PathBuf, String> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let status = bench_args::cargo()
        .args(["build", "--quiet", "--package", "xtask"])
        .current_dir(root)
        .status()
        .map_err(|error| format!("starting cargo: {error}"))?;
    if !status.success() {
        return Err("cargo build --package xtask failed".into());
    }
    let exe = std::env::current_exe().map_err(|error| error.to_string())?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find the target folder")?;
    Ok(target.join("debug").join("xtask"))
}
