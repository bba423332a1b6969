//! `cargo xtask ci`: every check CI runs, each once, in a fixed order, failing fast with the
//! failed step's name. Each step prints one line with its name, outcome and duration.
//!
//! `contract` and `golden` are checks that `cargo test --workspace` already runs on the same
//! code path (the repository's own contract test in `xtask/tests/contract.rs`, and the golden
//! insta test in `xtask/golden/tests/golden.rs`); the separate `cargo run -- contract` and
//! `cargo run -- golden` copies are gone, and their steps keep their names in the output,
//! reported as covered by `test`.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::Status;
use crate::contract_file::ContractFile;
use crate::flags::DupArgs;
use crate::workspace::{CONTRACT_FILE, cargo};

/// How a step runs.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Run {
    /// `cargo` with these arguments.
    Cargo(&'static [&'static str]),
    /// Already run by the `test` step: the test that checks it (relative to the root).
    InTest(&'static str),
    /// `dup-report --max-runtime-dup` with the budget from `contracts/`, in-process.
    DupBudget,
    /// The simulator's CI seed set over every engine (`cargo xtask sim`, `sim::CI_FLAGS`).
    Sim,
}

/// One named step.
struct Step {
    name: &'static str,
    run: Run,
}

const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        run: Run::Cargo(&["fmt", "--all", "--", "--check"]),
    },
    Step {
        name: "clippy",
        run: Run::Cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    },
    Step {
        name: "test",
        run: Run::Cargo(&["test", "--workspace"]),
    },
    Step {
        name: "contract",
        run: Run::InTest("xtask/tests/contract.rs"),
    },
    Step {
        name: "golden",
        run: Run::InTest("xtask/golden/tests/golden.rs"),
    },
    Step {
        name: "sim",
        run: Run::Sim,
    },
    Step {
        name: "dup-report",
        run: Run::DupBudget,
    },
];

/// Runs every step in order; the first failure stops the run and names the step.
///
/// # Errors
/// A step could not be started (cargo missing), or the contract file is unreadable.
pub fn run(root: &Path) -> anyhow::Result<Status> {
    let started = Instant::now();
    for step in STEPS {
        let timer = Instant::now();
        let status = match step.run {
            Run::Cargo(args) => run_cargo(root, step.name, args)?,
            Run::InTest(test) => {
                eprintln!("ci: {:<10} ok (run by `test`: {test})", step.name);
                continue;
            }
            Run::DupBudget => run_dup_report(root)?,
            Run::Sim => {
                let flags = crate::sim::CI_FLAGS;
                eprintln!("ci: running `sim` (xtask sim {})", flags.join(" "));
                crate::sim::run_flags(root, false, flags)?
            }
        };
        let took = seconds(timer.elapsed());
        if status != Status::Ok {
            eprintln!("ci: {:<10} FAILED after {took}", step.name);
            eprintln!("ci: step `{}` failed", step.name);
            return Ok(Status::CheckFailed);
        }
        eprintln!("ci: {:<10} ok {took}", step.name);
    }
    eprintln!("ci: all steps passed in {}", seconds(started.elapsed()));
    Ok(Status::Ok)
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

fn run_cargo(root: &Path, name: &str, args: &[&str]) -> anyhow::Result<Status> {
    eprintln!("ci: running `{name}` (cargo {})", args.join(" "));
    let status = cargo(root)
        .args(args)
        .status()
        .with_context(|| format!("starting cargo for step `{name}`"))?;
    Ok(if status.success() {
        Status::Ok
    } else {
        Status::CheckFailed
    })
}

/// The duplication ratchet: `dup-report --max-runtime-dup` and `--max-runtime-copied` with the
/// budgets recorded in `contracts/` (the first lowered by every extraction, the second 0).
/// Runs in-process: it is this binary's own task.
fn run_dup_report(root: &Path) -> anyhow::Result<Status> {
    let contract = ContractFile::load(&root.join(CONTRACT_FILE))?;
    let budget = &contract.budget;
    let (dup, copied) = (
        budget.max_runtime_duplicated_lines,
        budget.max_runtime_copied_lines,
    );
    eprintln!(
        "ci: running `dup-report` (xtask dup-report --max-runtime-dup {dup} --max-runtime-copied {copied})"
    );
    let mut args = DupArgs::defaults();
    args.max_runtime_dup = Some(dup);
    args.max_runtime_copied = Some(copied);
    crate::dup::run(Some(root), &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAL: &str = "pub fn scan(bytes: &[u8]) -> usize {\n    let mut offset = 0;\n    while offset < bytes.len() {\n        offset += 1;\n        if bytes[offset - 1] == 0 {\n            break;\n        }\n    }\n    offset\n}\n";

    fn repository(budget: u64) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("contracts")).unwrap();
        let contract = format!(
            "schema = 1\nengines = [\"a\", \"b\", \"c\"]\nruntime = \"runtime\"\n[modules]\nruntime = [\"wal\"]\nextracted = []\n[budget]\nmax_runtime_duplicated_lines = {budget}\n"
        );
        std::fs::write(root.join(CONTRACT_FILE), contract).unwrap();
        for engine in ["a", "b"] {
            std::fs::create_dir_all(root.join(engine).join("src")).unwrap();
            std::fs::write(root.join(engine).join("src/wal.rs"), WAL).unwrap();
        }
        dir
    }

    #[test]
    fn dup_report_step_uses_the_contract_budget() {
        // Engines a and b hold one 10-line copy of `wal`; engine c does not exist yet.
        assert_eq!(run_dup_report(repository(10).path()).unwrap(), Status::Ok);
        assert_eq!(
            run_dup_report(repository(9).path()).unwrap(),
            Status::CheckFailed
        );
    }

    #[test]
    fn steps_run_each_check_once_in_a_fixed_order() {
        let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "fmt",
                "clippy",
                "test",
                "contract",
                "golden",
                "sim",
                "dup-report"
            ]
        );
        // No step runs xtask again through cargo: `test` already runs contract and golden.
        for step in STEPS {
            if let Run::Cargo(args) = step.run {
                assert!(!args.contains(&"run"), "step `{}` runs {args:?}", step.name);
            }
        }
        let test = STEPS.iter().position(|s| s.name == "test").unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for (index, step) in STEPS.iter().enumerate() {
            if let Run::InTest(file) = step.run {
                assert!(index > test, "`{}` is listed before `test`", step.name);
                assert!(repo.join(file).is_file(), "{file} does not exist");
            }
        }
    }
}
