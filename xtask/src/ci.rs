//! `cargo xtask ci`: every check CI runs, in order, failing fast with the failed step's name.

use std::path::Path;

use anyhow::Context;

use crate::Status;
use crate::contract_file::ContractFile;
use crate::flags::DupArgs;
use crate::workspace::{CONTRACT_FILE, cargo};

/// One step: a name and the cargo arguments that run it.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
}

const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        args: &["fmt", "--all", "--", "--check"],
    },
    Step {
        name: "clippy",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    },
    Step {
        name: "test",
        args: &["test", "--workspace"],
    },
    Step {
        name: "contract",
        args: &["run", "--quiet", "--package", "xtask", "--", "contract"],
    },
    Step {
        name: "golden",
        args: &["run", "--quiet", "--package", "xtask", "--", "golden"],
    },
];

/// Runs every step; the first failure stops the run and names the step.
///
/// # Errors
/// A step could not be started (cargo missing).
pub fn run(root: &Path) -> anyhow::Result<Status> {
    for step in STEPS {
        if !run_step(root, step)? {
            eprintln!("ci: step `{}` failed", step.name);
            return Ok(Status::CheckFailed);
        }
    }
    if run_dup_report(root)? != Status::Ok {
        eprintln!("ci: step `dup-report` failed");
        return Ok(Status::CheckFailed);
    }
    eprintln!("ci: all steps passed");
    Ok(Status::Ok)
}

fn run_step(root: &Path, step: &Step) -> anyhow::Result<bool> {
    eprintln!(
        "ci: running `{}` (cargo {})",
        step.name,
        step.args.join(" ")
    );
    let status = cargo(root)
        .args(step.args)
        .status()
        .with_context(|| format!("starting cargo for step `{}`", step.name))?;
    Ok(status.success())
}

/// The duplication ratchet: `dup-report --max-runtime-dup` with the budget recorded in
/// `contracts/` (lowered by every extraction). Runs in-process: it is this binary's own task.
fn run_dup_report(root: &Path) -> anyhow::Result<Status> {
    let contract = ContractFile::load(&root.join(CONTRACT_FILE))?;
    let budget = contract.budget.max_runtime_duplicated_lines;
    eprintln!("ci: running `dup-report` (xtask dup-report --max-runtime-dup {budget})");
    let mut args = DupArgs::defaults();
    args.max_runtime_dup = Some(budget);
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
}
