//! The command line of `golden inspect` ([`run`]) and the two renderings of an
//! [`inspect`](crate::inspect) report: human text and JSON (`"schema": 1`, fields in
//! declaration order; see `docs/inspect.md`).

use std::fmt::Write as _;
use std::path::Path;

use crate::inspect::{Report, SnapshotReport, WalReport};

/// The report as pretty JSON, ending with a newline.
///
/// # Panics
/// Never: the report holds strings and integers only.
#[must_use]
pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report serializes");
    text.push('\n');
    text
}

/// The report as human text.
#[must_use]
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "inspect {} (read-only)", report.dir);
    let _ = writeln!(out, "engine: {}", engine_line(report));
    if report.files.is_empty() {
        let _ = writeln!(out, "files: none");
    } else {
        let _ = writeln!(out, "files:");
        let width = report.files.iter().map(|f| f.name.len()).max().unwrap_or(0);
        for file in &report.files {
            let size = file.bytes.map_or_else(|| "-".to_owned(), |b| b.to_string());
            let _ = writeln!(
                out,
                "  {:width$}  {:>8} bytes  {}",
                file.name, size, file.role
            );
        }
    }
    let lock = match report.lock {
        "absent" => "absent (no LOCK file)".to_owned(),
        "free" => "free (LOCK exists, no process holds it)".to_owned(),
        "held" => "held (a process has the database open)".to_owned(),
        other => format!("{other}: {}", report.lock_error.as_deref().unwrap_or("?")),
    };
    let _ = writeln!(out, "lock: {lock}");
    if report.temp_files.is_empty() {
        let _ = writeln!(out, "temp files: none");
    } else {
        let _ = writeln!(
            out,
            "temp files: {} (left by an interrupted checkpoint or WAL rewrite; the next open removes them)",
            report.temp_files.join(", ")
        );
    }
    if let Some(snapshot) = &report.snapshot {
        snapshot_lines(&mut out, snapshot);
    } else if report.engine.is_some() {
        let _ = writeln!(out, "snapshot: none");
    }
    if let Some(wal) = &report.wal {
        wal_lines(&mut out, wal);
    } else if report.engine.is_some() {
        let _ = writeln!(out, "wal: none");
    }
    out
}

fn engine_line(report: &Report) -> String {
    let magic = report.wal_magic.as_ref().map(|m| {
        let known = m.engine.map_or(" (unknown magic)", |_| "");
        format!("WAL magic {} \"{}\"{known}", m.hex, m.text)
    });
    match report.engine {
        Some(engine) => {
            let by = report
                .matched_by
                .iter()
                .map(|m| match *m {
                    "wal_magic" => "WAL magic",
                    _ => "file names",
                })
                .collect::<Vec<_>>()
                .join(" and ");
            match magic {
                Some(magic) if !report.matched_by.contains(&"wal_magic") => {
                    format!("{engine} (by {by}; {magic})")
                }
                _ => format!("{engine} (by {by})"),
            }
        }
        None => format!(
            "unknown (no engine's WAL or snapshot file name{})",
            magic.map_or_else(String::new, |m| format!("; {m}"))
        ),
    }
}

fn snapshot_lines(out: &mut String, s: &SnapshotReport) {
    let footer = match s.footer {
        "ok" => "footer ok".to_owned(),
        "legacy" => "no footer (version-1 format, written before the footer existed)".to_owned(),
        _ => format!("footer error: {}", s.footer_error.as_deref().unwrap_or("?")),
    };
    let lsn = match (s.lsn, &s.lsn_error) {
        (Some(lsn), _) => format!(
            ", lsn={lsn} (snapshot encoding version {})",
            s.version.unwrap_or(0)
        ),
        (None, Some(error)) => format!(", no lsn: {error}"),
        (None, None) => String::new(),
    };
    let _ = writeln!(
        out,
        "snapshot {} ({} bytes): {footer}{lsn}",
        s.file, s.bytes
    );
}

fn wal_lines(out: &mut String, w: &WalReport) {
    let _ = writeln!(
        out,
        "wal {} ({} bytes), scanned with max payload {} bytes{}:",
        w.file,
        w.bytes,
        w.max_payload_bytes,
        if w.max_payload_bytes == u32::MAX {
            " (the engine's config decides its limit; pass --max-wal-payload-bytes N to use it)"
        } else {
            ""
        }
    );
    if let Some(error) = &w.read_error {
        let _ = writeln!(out, "  {error}");
        return;
    }
    for f in &w.frames {
        let decoded = f
            .decoded
            .as_ref()
            .map_or_else(String::new, |d| format!(": {d}"));
        let _ = writeln!(
            out,
            "  @{} lsn={} slot={} {} header={} payload={} checksums={}{decoded}",
            f.offset, f.lsn, f.slot, f.record_type, f.header_bytes, f.payload_bytes, f.checksums
        );
    }
    let _ = writeln!(out, "stop: {}", w.stop.text);
    if let Some(h) = &w.stop.unverified_header {
        let _ = writeln!(
            out,
            "  the failed frame's header as stored (unverified): lsn={} slot={} record_type={} payload={}",
            h.lsn, h.slot, h.record_type, h.payload_bytes
        );
    }
    let _ = writeln!(
        out,
        "valid prefix: {} of {} bytes ({} whole frame{})",
        w.valid_bytes,
        w.bytes,
        w.frames.len(),
        if w.frames.len() == 1 { "" } else { "s" }
    );
}

/// Runs `golden inspect` on its arguments (`DIR [--format human|json]
/// [--max-wal-payload-bytes N]`, flags in any order) and returns the rendered report.
///
/// # Errors
/// Bad usage (`Err((true, message))`), or a directory that cannot be listed (`Err((false,
/// message))`); both exit 2.
pub fn run(words: &[&str]) -> Result<String, (bool, String)> {
    let usage = |message: String| (true, message);
    let (mut dir, mut as_json, mut max) = (None, false, u32::MAX);
    let mut rest = words.iter();
    while let Some(&word) = rest.next() {
        match word {
            "--format" => match rest.next().copied() {
                Some("human") => as_json = false,
                Some("json") => as_json = true,
                other => {
                    return Err(usage(format!(
                        "--format: expected human or json, got {other:?}"
                    )));
                }
            },
            "--max-wal-payload-bytes" => {
                let value = rest.next().copied().unwrap_or_default();
                max = value.parse().map_err(|_| {
                    usage(format!("--max-wal-payload-bytes: `{value}` is not a u32"))
                })?;
            }
            flag if flag.starts_with("--") => {
                return Err(usage(format!("unknown flag `{flag}`")));
            }
            path if dir.is_none() => dir = Some(path),
            extra => return Err(usage(format!("unexpected argument `{extra}`"))),
        }
    }
    let dir = dir.ok_or_else(|| usage("missing DIR".to_owned()))?;
    let report =
        crate::inspect::inspect(Path::new(dir), dir, max).map_err(|message| (false, message))?;
    Ok(if as_json {
        json(&report)
    } else {
        human(&report)
    })
}
