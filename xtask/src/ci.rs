//! `cargo xtask ci`: every check CI runs, in order, failing fast with the failed step's name.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::Status;
use crate::flags::CiArgs;
use crate::workspace::find_root;

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
];

/// Runs every step; the first failure stops the run and names the step.
///
/// # Errors
/// A step could not be started (cargo missing).
pub fn run(args: &CiArgs) -> anyhow::Result<Status> {
    let root = find_root(args.root.as_deref())?;
    for step in STEPS {
        if !run_step(&root, step)? {
            eprintln!("ci: step `{}` failed", step.name);
            return Ok(Status::CheckFailed);
        }
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
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(step.args)
        .current_dir(root)
        .status()
        .with_context(|| format!("starting cargo for step `{}`", step.name))?;
    Ok(status.success())
}
