//! `cargo xtask dup-report`: an AST-aware clone report of the engine crates.
//!
//! The pipeline: [`crate::source`] walks and parses the roots once; [`units`] turns
//! every file into units with fingerprints (on the parsing thread); [`classes`] buckets and
//! compares them into N-way clone classes; [`report`] adds categories, totals and the baseline
//! delta; `render_*` print it. See `docs/dup-report.md`.
//!
//! The clone matcher is a library: [`scan`] runs the whole pipeline on a set of roots and
//! returns the [`Report`]; [`units::file_units`] and [`classes::find_clones`] are the two steps
//! for callers that already hold parsed files (the `contract` lint's `no-local-copy` rule):
//!
//! ```text
//! // inside source::analyze_parts's closure, on the parsing thread (plain data out):
//! let units: Vec<Unit> = dup::part_units(part.text, part.syntax, false, part.first_line);
//! // later, files in a fixed order (say runtime files first, then each engine's):
//! let lists: Vec<&[Unit]> = files.iter().map(|f| f.units.as_slice()).collect();
//! let (classes, _stats) = dup::find_clones(&lists, &dup::Options::default());
//! for class in classes {          // N-way, every copy listed, each line counted once
//!     // class.kind (Exact | Renamed | Near), class.similarity, class.lines,
//!     // class.copies: [UnitRef { file, unit }] -> lists[file][unit].item / start_line / ...
//! }
//! ```

// `report` (the JSON schema as types) is public; the matcher's steps are exported below.
mod classes;
mod entries;
mod hash;
pub mod history;
mod history_contract;
mod items;
mod merge;
mod near;
mod render_history;
mod render_html;
mod render_sarif;
mod render_text;
pub mod report;
mod rev;
mod svg;
mod tables;
mod units;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;

pub use classes::{CloneClass, Kind, Options, Stats, UnitRef, find_clones};
pub use report::Report;
pub use units::{Unit, file_units, part_units};

use crate::Status;
use crate::contract_file::{ContractFile, DEFAULT_RUNTIME_MODULES};
use crate::flags::{DupArgs, DupFormat};
use crate::source::{self, Root};
use crate::workspace::{CONTRACT_FILE, absolute, display_path};

/// The version of the clone detector: what it counts as a clone, which copies it shows and how
/// it counts lines. It goes up with every change that can change the report of unchanged code,
/// so that a delta against a baseline measured by another version is not read as a change of
/// the code (`--baseline` and `--rev` warn). Reports without the field were made by version 1.
pub const DETECTOR_VERSION: u32 = 7;

/// What to scan and how.
#[derive(Clone, Debug)]
pub struct ScanInput<'a> {
    pub roots: &'a [Root],
    /// The repository root (paths are printed relative to it), if inside one.
    pub repo_root: Option<&'a Path>,
    /// The current directory (paths outside the repository are printed relative to it).
    pub cwd: &'a Path,
    /// Module names (file stems) whose copies count as runtime duplication.
    pub runtime_modules: &'a [String],
    /// The name of the root that is the runtime crate, if one is scanned: a class with a copy
    /// there and one elsewhere counts as `runtime_copied_lines`.
    pub runtime_root: Option<&'a str>,
    pub options: Options,
    pub include_tests: bool,
}

/// Walks, parses and compares the roots; returns the report (without baseline) and the work
/// the search did.
///
/// # Errors
/// A root that is not a directory, or a file that cannot be read.
pub fn scan(input: &ScanInput<'_>) -> anyhow::Result<(Report, Stats)> {
    let timer = Timer::new();
    let mut files = source::discover(input.roots, input.repo_root, input.cwd)?;
    // A root inside another root must not make a file its own clone: each file is compared
    // once, under the first root that holds it.
    let mut seen = BTreeSet::new();
    files.retain(|f| seen.insert(f.path.clone()));
    timer.lap("discover");
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let include_tests = input.include_tests;
    // Large files are parsed in parts, so that one file of any size costs what its units
    // cost, not a syntax tree of the whole file (`source::parts`).
    let max_part = source::parts::MAX_PART_BYTES;
    let analyzed = source::analyze_parts(files, input.roots, threads, max_part, |_, part| {
        part_units(part.text, part.syntax, include_tests, part.first_line)
    })?;
    timer.lap("parse + units");
    Ok(measure(analyzed, input, &timer))
}

/// The report of files already parsed into units (one list per part): the clone search,
/// categories and totals. [`scan`] reads the files from disk; `--history` from git objects.
fn measure(
    mut analyzed: Vec<source::Analyzed<Vec<Vec<Unit>>>>,
    input: &ScanInput<'_>,
    timer: &Timer,
) -> (Report, Stats) {
    analyzed.sort_by(|a, b| a.file.display.cmp(&b.file.display));
    let files_scanned = analyzed.len();
    let lines_scanned = analyzed.iter().map(|a| a.lines).sum();
    let mut parse_errors = Vec::new();
    let mut kept = Vec::new();
    for file in analyzed {
        match file.result {
            Err(error) => parse_errors.push(error),
            Ok(parts) if input.include_tests || !file.test_file => {
                kept.push((
                    file.file,
                    parts.into_iter().flatten().collect::<Vec<Unit>>(),
                ));
            }
            Ok(_) => {}
        }
    }
    parse_errors.sort();
    let unit_lists: Vec<&[Unit]> = kept.iter().map(|(_, units)| units.as_slice()).collect();
    let (classes, stats) = find_clones(&unit_lists, &input.options);
    timer.lap("classes");
    if timer.on {
        eprintln!("dup-report: {stats:?}");
    }
    let runtime: BTreeSet<&str> = input.runtime_modules.iter().map(String::as_str).collect();
    let clones = entries::to_clones(&classes, &kept, &unit_lists, input, &runtime);
    let root_names: Vec<String> = input.roots.iter().map(|r| r.name.clone()).collect();
    let mut report = Report {
        schema: 1,
        detector_version: DETECTOR_VERSION,
        roots: input
            .roots
            .iter()
            .map(|r| report::RootEntry {
                name: r.name.clone(),
                path: display_path(&r.path, input.repo_root, input.cwd),
            })
            .collect(),
        files_scanned,
        lines_scanned,
        summary: report::summarize(&clones, &root_names, input.runtime_root),
        clones,
        parse_errors,
        baseline: None,
    };
    // The summary above counted every copy; the list is bounded from here on.
    report
        .clones
        .iter_mut()
        .for_each(report::CloneEntry::cut_listed_copies);
    (report, stats)
}

/// Phase timings on standard error when `XTASK_DUP_TIMINGS` is set (for the scaling figures).
struct Timer {
    on: bool,
    start: std::time::Instant,
}

impl Timer {
    fn new() -> Timer {
        Timer {
            on: std::env::var_os("XTASK_DUP_TIMINGS").is_some(),
            start: std::time::Instant::now(),
        }
    }

    /// A timer that prints nothing (each commit of `--history` is measured with one).
    fn quiet() -> Timer {
        Timer {
            on: false,
            start: std::time::Instant::now(),
        }
    }

    fn lap(&self, phase: &str) {
        if self.on {
            eprintln!(
                "dup-report: {phase} done at {:.3} s",
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

/// Where the run stands: the repository (if any), its contract, the roots.
struct Setup {
    cwd: PathBuf,
    repo_root: Option<PathBuf>,
    roots: Vec<Root>,
    runtime_modules: Vec<String>,
    runtime_root: Option<String>,
}

fn setup(repo_root: Option<&Path>, args: &DupArgs) -> anyhow::Result<Setup> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let repo_root = repo_root.map(Path::to_path_buf);
    let contract_path = repo_root.as_ref().map(|r| r.join(CONTRACT_FILE));
    let contract = match contract_path.filter(|p| p.is_file()) {
        Some(path) => Some(ContractFile::load(&path)?),
        None => None,
    };
    let runtime_modules = contract.as_ref().map_or_else(
        || {
            DEFAULT_RUNTIME_MODULES
                .iter()
                .map(|&m| m.to_owned())
                .collect()
        },
        |c| {
            let mut modules = c.modules.runtime.clone();
            modules.extend(c.modules.extracted.iter().cloned());
            modules
        },
    );
    let roots = if args.roots.is_empty() {
        default_roots(repo_root.as_deref(), contract.as_ref())?
    } else {
        let mut roots = Vec::new();
        for path in &args.roots {
            let path = absolute(path)?;
            anyhow::ensure!(path.is_dir(), "{}: not a directory", path.display());
            // A root given twice (`a ./a`) is one root.
            if roots.iter().all(|r: &Root| r.path != path) {
                roots.push(Root::from_path(path));
            }
        }
        roots
    };
    let mut roots = distinct_names(roots, repo_root.as_deref(), &cwd);
    // The contract's test features make code test code in every root, named or given.
    if let Some(contract) = &contract {
        for root in &mut roots {
            root.test_features
                .clone_from(&contract.modules.test_features);
        }
    }
    let runtime_path = repo_root
        .as_ref()
        .zip(contract.as_ref())
        .map(|(repo, contract)| repo.join(&contract.runtime));
    let runtime_root = roots
        .iter()
        .find(|r| Some(&r.path) == runtime_path.as_ref())
        .map(|r| r.name.clone());
    Ok(Setup {
        cwd,
        repo_root,
        roots,
        runtime_modules,
        runtime_root,
    })
}

/// Roots are named after their folder; two roots with one folder name (`x/core`, `y/core`)
/// are named by their printed paths instead, so pairs and modules stay unambiguous.
fn distinct_names(mut roots: Vec<Root>, repo_root: Option<&Path>, cwd: &Path) -> Vec<Root> {
    let names: Vec<String> = roots.iter().map(|r| r.name.clone()).collect();
    for root in &mut roots {
        if names.iter().filter(|&n| *n == root.name).count() > 1 {
            root.name = display_path(&root.path, repo_root, cwd);
        }
    }
    roots
}

/// The engines and the runtime named in the contract, less those that do not exist (yet) or
/// hold no Rust source.
fn default_roots(
    repo_root: Option<&Path>,
    contract: Option<&ContractFile>,
) -> anyhow::Result<Vec<Root>> {
    let (Some(repo_root), Some(contract)) = (repo_root, contract) else {
        anyhow::bail!(
            "no ROOT given and no {CONTRACT_FILE} found to name the engines (pass crate folders)"
        );
    };
    let names = contract
        .engines
        .iter()
        .chain(std::iter::once(&contract.runtime));
    Ok(names
        .map(|name| repo_root.join(name))
        .filter(|path| has_rust_source(path))
        .map(Root::from_path)
        .collect())
}

fn has_rust_source(path: &Path) -> bool {
    path.is_dir()
        && walkdir::WalkDir::new(path)
            .into_iter()
            .filter_map(Result::ok)
            .any(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
}

/// The `--baseline` or `--rev` comparison, if asked for; warns on standard error when the two
/// sides were measured by different detector versions.
fn baseline(
    args: &DupArgs,
    input: &ScanInput<'_>,
    summary: &report::Summary,
) -> anyhow::Result<Option<report::Baseline>> {
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading baseline {}", path.display()))?;
        let before = report::BaselineFigures::parse(&text, &path.display().to_string())?;
        if before.detector_version != DETECTOR_VERSION {
            eprintln!(
                "warning: dup-report: the baseline {} was measured by detector version {}, this report by version {DETECTOR_VERSION}: the delta mixes code changes with detector changes",
                path.display(),
                before.detector_version
            );
        }
        return Ok(Some(before.compare(path.display().to_string(), summary)));
    }
    let Some(rev) = &args.rev else {
        return Ok(None);
    };
    let (before, recorded) = rev::baseline_at(rev, input)?;
    if let Some(version) = recorded.filter(|&v| v != DETECTOR_VERSION) {
        eprintln!(
            "warning: dup-report: {rev} carries detector version {version}; both sides are measured here by version {DETECTOR_VERSION}, so the baseline differs from the figures recorded at {rev}"
        );
    }
    Ok(Some(before.compare(rev.clone(), summary)))
}

/// Writes to `--out` or standard output.
fn write_out(args: &DupArgs, text: &str) -> anyhow::Result<()> {
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Runs `cargo xtask dup-report` on the repository at `repo_root` (`None`: outside any).
///
/// # Errors
/// Bad flags, a root that is not a directory, an unreadable file or baseline, a malformed
/// contract, a failing `git worktree` (exit 2).
pub fn run(repo_root: Option<&Path>, args: &DupArgs) -> anyhow::Result<Status> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.similarity),
        "--similarity {}: must be between 0 and 1",
        args.similarity
    );
    let setup = setup(repo_root, args)?;
    let input = ScanInput {
        roots: &setup.roots,
        repo_root: setup.repo_root.as_deref(),
        cwd: &setup.cwd,
        runtime_modules: &setup.runtime_modules,
        runtime_root: setup.runtime_root.as_deref(),
        options: Options {
            min_lines: args.min_lines,
            similarity: args.similarity,
        },
        include_tests: args.include_tests,
    };
    if let Some(range) = &args.history {
        let Some(repo) = input.repo_root else {
            anyhow::bail!("--history {range}: not inside a repository");
        };
        let (history, _) = history::history(repo, range, &input)?;
        let text = match args.format {
            DupFormat::Human => render_history::human(&history),
            DupFormat::Json => render_history::json(&history),
            DupFormat::Markdown => render_history::markdown(&history),
            DupFormat::Html => render_history::html(&history),
            DupFormat::Sarif => anyhow::bail!("--history has no sarif format (one log per tree)"),
        };
        write_out(args, &text)?;
        return Ok(Status::Ok);
    }
    let (mut report, _) = scan(&input)?;
    report.baseline = baseline(args, &input, &report.summary)?;
    let text = match args.format {
        DupFormat::Human => render_text::human(&report),
        DupFormat::Json => render_text::json(&report),
        DupFormat::Markdown => render_text::markdown(&report),
        DupFormat::Html => render_html::html(&report),
        DupFormat::Sarif => render_sarif::sarif(&report),
    };
    write_out(args, &text)?;
    if let Some(budget) = args.max_runtime_dup
        && report.summary.runtime_duplicated_lines > budget
    {
        eprintln!(
            "dup-report: runtime_duplicated_lines {} exceeds the budget of {budget}",
            report.summary.runtime_duplicated_lines
        );
        return Ok(Status::CheckFailed);
    }
    if let Some(budget) = args.max_runtime_copied
        && report.summary.runtime_copied_lines > budget
    {
        eprintln!(
            "dup-report: runtime_copied_lines {} exceeds the budget of {budget} (code copied out of the runtime)",
            report.summary.runtime_copied_lines
        );
        return Ok(Status::CheckFailed);
    }
    Ok(Status::Ok)
}
