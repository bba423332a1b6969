//! The golden runner's command line. A stable interface: `cargo xtask golden --against REV`
//! builds an older revision of this binary and runs it on the current scenario files.
//!
//!     golden scenario ENGINE FILE        print the trace of one scenario file
//!     golden traces ROOT OUT             run every scenario of every engine under ROOT and
//!                                        write OUT/<engine>/<name>.trace
//!     golden inspect DIR [--format human|json] [--max-wal-payload-bytes N]
//!                                        show a database directory, read-only
//!                                        (`docs/inspect.md`)
//!
//! Exit codes: 0 all ran, 1 a scenario failed (its trace up to the failing line goes to stdout
//! and its error to stderr; for `traces` both are written into its trace file so that a diff
//! shows them), 2 bad usage. `inspect` exits 0 whenever it produced a report (a corrupt
//! directory included) and 2 on bad usage or a directory it cannot list.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["scenario", engine, file] => scenario(engine, file),
        ["traces", root, out] => traces(Path::new(root), Path::new(out)),
        ["inspect", rest @ ..] => inspect(rest),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

const USAGE: &str = "usage: golden scenario ENGINE FILE | golden traces ROOT OUT | golden inspect DIR [--format human|json] [--max-wal-payload-bytes N]";

fn inspect(words: &[&str]) -> ExitCode {
    match golden::inspect_format::run(words) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err((bad_usage, error)) => {
            eprintln!("error: {error}");
            if bad_usage {
                eprintln!("{USAGE}");
            }
            ExitCode::from(2)
        }
    }
}

fn scenario(engine: &str, file: &str) -> ExitCode {
    if !golden::ENGINES.contains(&engine) {
        eprintln!(
            "error: unknown engine `{engine}` (expected one of: {})",
            golden::ENGINES.join(", ")
        );
        return ExitCode::from(2);
    }
    match golden::run_file(engine, Path::new(file), file) {
        Ok(output) => {
            print!("{}", output.trace);
            ExitCode::SUCCESS
        }
        Err(error) => {
            print!("{}", error.trace);
            let _ = std::io::stdout().flush();
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

fn traces(root: &Path, out: &Path) -> ExitCode {
    let mut failed = false;
    for engine in golden::ENGINES {
        let files = match golden::scenario_files(root, engine) {
            Ok(files) => files,
            Err(error) => {
                eprintln!("error: {}/{engine}/scenarios: {error}", root.display());
                return ExitCode::from(2);
            }
        };
        let dir = out.join(engine);
        if let Err(error) = std::fs::create_dir_all(&dir) {
            eprintln!("error: {}: {error}", dir.display());
            return ExitCode::from(2);
        }
        for path in files {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let shown = format!("{engine}/scenarios/{stem}.scn");
            let text = match golden::run_file(engine, &path, &shown) {
                Ok(output) => output.trace,
                Err(error) => {
                    failed = true;
                    eprintln!("error: {error}");
                    error.report()
                }
            };
            let target = dir.join(format!("{stem}.trace"));
            if let Err(error) = std::fs::write(&target, text) {
                eprintln!("error: {}: {error}", target.display());
                return ExitCode::from(2);
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
