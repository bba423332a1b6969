//! `--history REV_RANGE`: the report's totals at every commit of a range's first-parent
//! history, read from git objects through one `git cat-file --batch` ([`ObjectReader`]), with
//! each commit's own contract (engines, runtime folder, module map). Work is saved twice: a
//! file already parsed at an earlier commit (same path, same blob) is not parsed again, and a
//! commit whose relevant root entries (the engine folders, the runtime folder, `contracts/`)
//! have the tree ids of an earlier commit's takes that commit's figures.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::history_contract::{Contract, parse_contract};
use super::units::{Unit, part_units};
use super::{ScanInput, Timer, distinct_names, measure};
use crate::git_objects::{ObjectReader, Oid, first_parent_commits};
use crate::source::{self, Analyzed, FileInput, PerFile, Root};
use crate::workspace::{CONTRACT_FILE, display_path};

/// The `--history` document (`--format json` prints exactly this).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct History {
    pub schema: u32,
    /// The detector that measured every row ([`super::DETECTOR_VERSION`]).
    pub detector_version: u32,
    pub history: Vec<Row>,
}

/// One commit's figures.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Row {
    pub commit: String,
    pub subject: String,
    /// `[modules] extracted` of the commit's contract.
    pub extracted: Vec<String>,
    /// `runtime_duplicated_lines`; `None` when the commit could not be measured.
    pub runtime: Option<u64>,
    pub runtime_copied: Option<u64>,
    pub domain: Option<u64>,
    pub by_module: Vec<ModuleFigure>,
    /// Why the commit has no figures (no or a malformed contract), or which files did not
    /// parse (the figures then leave them out). Absent when all is well.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The names `extracted` gained over the previous commit (the parent of the first row,
    /// for the first): non-empty on an extraction commit. Not part of the JSON.
    #[serde(skip)]
    pub new_extracted: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ModuleFigure {
    pub module: String,
    pub duplicated_lines: u64,
}

impl Row {
    /// `runtime + domain`, when measured.
    #[must_use]
    pub fn total(&self) -> Option<u64> {
        Some(self.runtime? + self.domain?)
    }
}

/// The work the history did (on standard error with `XTASK_DUP_TIMINGS`, and in the docs).
#[derive(Clone, Debug, Default)]
pub struct HistoryStats {
    pub commits: usize,
    pub measured: usize,
    pub reused: usize,
    /// Files of the measured commits' roots, counted once per commit.
    pub files_listed: usize,
    pub files_parsed: usize,
    pub objects_read: usize,
}

/// A file parsed at some commit: its path in the repository, its blob, its root's test
/// features.
type ParseKey = (String, Oid, Vec<String>);

/// Figures measured once, shared by every commit with the same relevant trees.
type Figures = (u64, u64, u64, Vec<ModuleFigure>, Option<String>);

struct Walker<'a> {
    repo: &'a Path,
    cwd: &'a Path,
    reader: ObjectReader,
    base: ScanInput<'a>,
    /// Parsed files by (path in the repository, blob id, the root's test features).
    parsed: HashMap<ParseKey, PerFile<Vec<Unit>>>,
    /// `.rs` files (path below the tree, blob id) by tree id.
    listings: HashMap<Oid, Arc<Vec<(String, Oid)>>>,
    /// Figures by the relevant root entries of a commit.
    figures: HashMap<Vec<(String, Option<Oid>)>, Figures>,
    contracts: HashMap<Oid, Result<Contract, String>>,
    stats: HistoryStats,
    timer: Timer,
}

/// Measures every commit of `range` (as `git rev-list --first-parent --reverse` lists it) in the
/// repository at `repo`, with `base`'s options (its roots are ignored: each commit's contract
/// names them).
///
/// # Errors
/// git cannot be started, refuses the range, or a commit or tree cannot be read.
pub fn history(
    repo: &Path,
    range: &str,
    base: &ScanInput<'_>,
) -> anyhow::Result<(History, HistoryStats)> {
    let commits = first_parent_commits(repo, range)?;
    let mut walker = Walker {
        repo,
        cwd: base.cwd,
        reader: ObjectReader::start(repo)?,
        base: base.clone(),
        parsed: HashMap::new(),
        listings: HashMap::new(),
        figures: HashMap::new(),
        contracts: HashMap::new(),
        stats: HistoryStats::default(),
        timer: Timer::new(),
    };
    let mut rows = Vec::with_capacity(commits.len());
    let mut before: Option<Vec<String>> = None;
    for oid in &commits {
        let commit = walker.reader.commit(oid)?;
        if before.is_none() {
            // The first row is an extraction commit when it extracts more than its parent.
            before = Some(match commit.parents.first() {
                Some(parent) => {
                    let tree = walker.reader.commit(parent)?.tree;
                    walker
                        .contract_of(&tree)?
                        .map_or_else(|_| Vec::new(), |c| c.extracted)
                }
                None => Vec::new(),
            });
        }
        let mut row = walker.row(oid, &commit.tree, commit.subject)?;
        let previous = before.as_deref().unwrap_or_default();
        row.new_extracted = row
            .extracted
            .iter()
            .filter(|m| !previous.contains(m))
            .cloned()
            .collect();
        if row.error.is_none() || row.runtime.is_some() {
            before = Some(row.extracted.clone());
        }
        rows.push(row);
    }
    walker.stats.commits = commits.len();
    walker.stats.objects_read = walker.reader.reads;
    walker.timer.lap("history");
    if walker.timer.on {
        eprintln!("dup-report: {:?}", walker.stats);
    }
    let document = History {
        schema: 1,
        detector_version: super::DETECTOR_VERSION,
        history: rows,
    };
    Ok((document, walker.stats))
}

impl Walker<'_> {
    fn row(&mut self, oid: &str, tree: &str, subject: String) -> anyhow::Result<Row> {
        let mut row = Row {
            commit: oid.to_owned(),
            subject,
            extracted: Vec::new(),
            runtime: None,
            runtime_copied: None,
            domain: None,
            by_module: Vec::new(),
            error: None,
            new_extracted: Vec::new(),
        };
        let contract = match self.contract_of(tree)? {
            Ok(contract) => contract,
            Err(error) => {
                row.error = Some(error);
                return Ok(row);
            }
        };
        row.extracted.clone_from(&contract.extracted);
        let root = self.reader.tree(tree)?;
        let entry = |name: &str| {
            let first = name.split('/').next().unwrap_or(name);
            root.iter()
                .find(|e| e.name == first && e.is_tree())
                .map(|e| e.oid.clone())
        };
        let mut key: Vec<(String, Option<Oid>)> = contract
            .engines
            .iter()
            .chain([&contract.runtime, &"contracts".to_owned()])
            .map(|name| (name.clone(), entry(name)))
            .collect();
        key.sort();
        let figures = if let Some(figures) = self.figures.get(&key) {
            self.stats.reused += 1;
            figures.clone()
        } else {
            self.stats.measured += 1;
            let figures = self.measure(tree, &contract)?;
            self.figures.insert(key, figures.clone());
            figures
        };
        let (runtime, copied, domain, by_module, error) = figures;
        row.runtime = Some(runtime);
        row.runtime_copied = Some(copied);
        row.domain = Some(domain);
        row.by_module = by_module;
        row.error = error;
        Ok(row)
    }

    /// The commit's contract, or the reason it has none usable.
    fn contract_of(&mut self, tree: &str) -> anyhow::Result<Result<Contract, String>> {
        let Some(blob) = self.path_oid(tree, CONTRACT_FILE)? else {
            return Ok(Err(format!("no {CONTRACT_FILE}")));
        };
        if let Some(known) = self.contracts.get(&blob) {
            return Ok(known.clone());
        }
        let bytes = self.reader.read_kind(&blob, "blob")?;
        let parsed = parse_contract(&String::from_utf8_lossy(&bytes));
        self.contracts.insert(blob, parsed.clone());
        Ok(parsed)
    }

    /// The id of the object at `path` (`/`-separated) below `tree`.
    fn path_oid(&mut self, tree: &str, path: &str) -> anyhow::Result<Option<Oid>> {
        let mut current = tree.to_owned();
        for name in path.split('/') {
            let entries = self.reader.tree(&current)?;
            let Some(entry) = entries.into_iter().find(|e| e.name == name) else {
                return Ok(None);
            };
            current = entry.oid;
        }
        Ok(Some(current))
    }

    /// The `.rs` files below the tree `oid` (paths relative to it), skipping hidden and
    /// `target` folders as the disk walk does.
    fn rust_files(&mut self, oid: &str) -> anyhow::Result<Arc<Vec<(String, Oid)>>> {
        if let Some(known) = self.listings.get(oid) {
            return Ok(Arc::clone(known));
        }
        let mut found = Vec::new();
        let mut pending = vec![(String::new(), oid.to_owned())];
        while let Some((prefix, tree)) = pending.pop() {
            for entry in self.reader.tree(&tree)? {
                if entry.name.starts_with('.') {
                    continue;
                }
                let path = format!("{prefix}{}", entry.name);
                if entry.is_tree() && entry.name != "target" {
                    pending.push((format!("{path}/"), entry.oid));
                } else if entry.is_file()
                    && Path::new(&entry.name)
                        .extension()
                        .is_some_and(|x| x == "rs")
                {
                    found.push((path, entry.oid));
                }
            }
        }
        found.sort();
        let found = Arc::new(found);
        self.listings.insert(oid.to_owned(), Arc::clone(&found));
        Ok(found)
    }

    /// Measures the commit's tree: the contract's engines and runtime that hold Rust files.
    fn measure(&mut self, tree: &str, contract: &Contract) -> anyhow::Result<Figures> {
        let mut roots = Vec::new();
        let mut listings = Vec::new();
        for name in contract.engines.iter().chain([&contract.runtime]) {
            let Some(oid) = self.path_oid(tree, name)? else {
                continue;
            };
            let files = self.rust_files(&oid)?;
            if !files.is_empty() && roots.iter().all(|r: &Root| r.path != self.repo.join(name)) {
                let mut root = Root::from_path(self.repo.join(name));
                root.test_features.clone_from(&contract.test_features);
                roots.push(root);
                listings.push(files);
            }
        }
        let roots = distinct_names(roots, Some(self.repo), self.cwd);
        let mut files: Vec<(FileInput, Oid)> = Vec::new();
        for (index, (root, listing)) in roots.iter().zip(&listings).enumerate() {
            for (path, blob) in listing.iter() {
                let full = root.path.join(path);
                files.push((
                    FileInput {
                        root: index,
                        display: display_path(&full, Some(self.repo), self.cwd),
                        module: source::module_name(Path::new(path)),
                        path: full,
                    },
                    blob.clone(),
                ));
            }
        }
        self.stats.files_listed += files.len();
        self.parse_missing(&files, &contract.test_features)?;
        let analyzed = self.analyzed(&files, &roots, &contract.test_features);
        let runtime_root = roots
            .iter()
            .find(|r| r.path == self.repo.join(&contract.runtime))
            .map(|r| r.name.clone());
        let mut runtime_modules = contract.runtime_modules.clone();
        runtime_modules.extend(contract.extracted.iter().cloned());
        let input = ScanInput {
            roots: &roots,
            repo_root: Some(self.repo),
            runtime_modules: &runtime_modules,
            runtime_root: runtime_root.as_deref(),
            ..self.base.clone()
        };
        let (report, _) = measure(analyzed, &input, &Timer::quiet());
        let s = &report.summary;
        let errors: Vec<String> = report
            .parse_errors
            .iter()
            .map(|e| format!("{}:{}:{}", e.file, e.line, e.column))
            .collect();
        let error = (!errors.is_empty())
            .then(|| format!("does not parse (left out): {}", errors.join(", ")));
        let by_module = s
            .by_module
            .iter()
            .map(|m| ModuleFigure {
                module: m.module.clone(),
                duplicated_lines: m.duplicated_lines,
            })
            .collect();
        Ok((
            s.runtime_duplicated_lines,
            s.runtime_copied_lines,
            s.domain_duplicated_lines,
            by_module,
            error,
        ))
    }

    /// Reads and parses (on the parser threads) the files not parsed at an earlier commit
    /// (with the same test features: they decide which declared files are test code).
    fn parse_missing(
        &mut self,
        files: &[(FileInput, Oid)],
        features: &[String],
    ) -> anyhow::Result<()> {
        let mut jobs = Vec::new();
        for (file, blob) in files {
            let key = (file.display.clone(), blob.clone(), features.to_vec());
            if !self.parsed.contains_key(&key) && jobs.iter().all(|(k, _, _)| *k != key) {
                let bytes = self.reader.read_kind(blob, "blob")?;
                jobs.push((key, file.clone(), bytes));
            }
        }
        let include_tests = self.base.include_tests;
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let max_part = source::parts::MAX_PART_BYTES;
        let outputs = source::workers::run(&jobs, threads, |(_, file, bytes)| {
            Ok(source::process_bytes(
                file,
                features,
                bytes.clone(),
                max_part,
                None::<&source::NoGather>,
                &|_, part, ()| part_units(part.text, part.syntax, include_tests, part.first_line),
            ))
        })?;
        self.stats.files_parsed += jobs.len();
        for ((key, _, _), out) in jobs.into_iter().zip(outputs) {
            self.parsed.insert(key, out);
        }
        Ok(())
    }

    /// The parsed files of one commit, with its test-file set.
    fn analyzed(
        &self,
        files: &[(FileInput, Oid)],
        roots: &[Root],
        features: &[String],
    ) -> Vec<Analyzed<Vec<Vec<Unit>>>> {
        let outputs: Vec<PerFile<Vec<Unit>>> = files
            .iter()
            .map(|(file, blob)| {
                let key = (file.display.clone(), blob.clone(), features.to_vec());
                self.parsed[&key].clone()
            })
            .collect();
        let inputs: Vec<FileInput> = files.iter().map(|(file, _)| file.clone()).collect();
        source::with_test_files(inputs, roots, outputs)
    }
}
