//! The text renderings of a report: human (default), JSON and markdown.

use std::fmt::Write as _;

use super::report::{Baseline, Report};

/// The JSON document (schema 1), pretty-printed, ending with a newline.
#[must_use]
pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_else(|error| {
        // Serializing plain structs of strings and numbers cannot fail; say so if it did.
        format!("{{\"schema\": 1, \"error\": \"{error}\"}}")
    });
    text.push('\n');
    text
}

/// The kind as the human views print it (a near clone with its similarity).
pub(super) fn kind_text(clone: &super::report::CloneEntry) -> String {
    if clone.kind == super::Kind::Near {
        format!("near {:.3}", clone.similarity)
    } else {
        clone.kind.to_string()
    }
}

/// What a person reads in a terminal.
#[must_use]
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    let names: Vec<&str> = report.roots.iter().map(|r| r.name.as_str()).collect();
    let _ = writeln!(
        out,
        "dup-report: {} root(s) ({}), {} files, {} lines scanned, {} clone(s)",
        report.roots.len(),
        names.join(", "),
        report.files_scanned,
        report.lines_scanned,
        report.clones.len()
    );
    for clone in &report.clones {
        clone_lines(&mut out, clone);
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\nduplicated lines: {} (runtime {}, domain {}); copied out of the runtime: {}",
        s.duplicated_lines,
        s.runtime_duplicated_lines,
        s.domain_duplicated_lines,
        s.runtime_copied_lines
    );
    if !s.by_pair.is_empty() {
        out.push_str("by pair (each pair of copies counts the clone's lines; pairs overlap):\n");
        for p in &s.by_pair {
            let _ = writeln!(out, "  {} ~ {}: {}", p.a, p.b, p.duplicated_lines);
        }
    }
    if !s.by_module.is_empty() {
        out.push_str("by module:\n");
        for m in &s.by_module {
            let _ = writeln!(
                out,
                "  {} [{}]: {}",
                m.module,
                m.roots.join(", "),
                m.duplicated_lines
            );
        }
    }
    for e in &report.parse_errors {
        let _ = writeln!(
            out,
            "parse error: {}:{}:{}: {}",
            e.file, e.line, e.column, e.message
        );
    }
    if let Some(baseline) = &report.baseline {
        human_baseline(&mut out, baseline);
    }
    out
}

pub(super) fn human_baseline(out: &mut String, b: &Baseline) {
    let _ = writeln!(
        out,
        "baseline {}: duplicated {} -> {} ({:+}), runtime {} -> {} ({:+})",
        b.reference,
        b.duplicated_lines,
        signed_after(b.duplicated_lines, b.delta.duplicated_lines),
        b.delta.duplicated_lines,
        b.runtime_duplicated_lines,
        signed_after(b.runtime_duplicated_lines, b.delta.runtime_duplicated_lines),
        b.delta.runtime_duplicated_lines
    );
    for m in b.delta.by_module.iter().filter(|m| m.before != m.after) {
        let _ = writeln!(out, "  module {}: {} -> {}", m.module, m.before, m.after);
    }
    for p in b.delta.by_pair.iter().filter(|p| p.before != p.after) {
        let _ = writeln!(out, "  pair {} ~ {}: {} -> {}", p.a, p.b, p.before, p.after);
    }
}

fn signed_after(before: u64, delta: i64) -> i64 {
    i64::try_from(before).unwrap_or(i64::MAX) + delta
}

/// The engine x engine matrix: duplicated lines per pair of roots (diagonal: within a root).
#[must_use]
pub fn matrix(report: &Report) -> (Vec<String>, Vec<Vec<u64>>) {
    let names: Vec<String> = report.roots.iter().map(|r| r.name.clone()).collect();
    let mut cells = vec![vec![0; names.len()]; names.len()];
    for p in &report.summary.by_pair {
        let a = names.iter().position(|n| *n == p.a);
        let b = names.iter().position(|n| *n == p.b);
        if let (Some(a), Some(b)) = (a, b) {
            cells[a][b] = p.duplicated_lines;
            cells[b][a] = p.duplicated_lines;
        }
    }
    (names, cells)
}

/// A markdown document (for issues, pull requests and `docs/`).
#[must_use]
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# Duplication report\n\n");
    let s = &report.summary;
    out.push_str(
        "| roots | files | lines scanned | clones | duplicated lines | runtime | domain |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    let names: Vec<&str> = report.roots.iter().map(|r| r.name.as_str()).collect();
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |",
        names.join(", "),
        report.files_scanned,
        report.lines_scanned,
        report.clones.len(),
        s.duplicated_lines,
        s.runtime_duplicated_lines,
        s.domain_duplicated_lines
    );
    markdown_matrix(&mut out, report);
    out.push_str("\n## By module\n\n| module | roots | duplicated lines |\n|---|---|---:|\n");
    for m in &s.by_module {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            m.module,
            m.roots.join(", "),
            m.duplicated_lines
        );
    }
    out.push_str("\n## Clones\n\n| id | kind | lines | copies | category | module | locations |\n|---|---|---:|---:|---|---|---|\n");
    for c in &report.clones {
        let locations: Vec<String> = c
            .locations
            .iter()
            .map(|l| format!("`{}:{}-{}` {}", l.file, l.start_line, l.end_line, l.item))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | `{}` | {} |",
            c.id,
            kind_text(c),
            c.lines,
            c.copy_count(),
            c.category,
            c.module,
            locations.join("<br>")
        );
    }
    if !report.parse_errors.is_empty() {
        out.push_str("\n## Parse errors\n\n");
        for e in &report.parse_errors {
            let _ = writeln!(out, "- `{}:{}:{}`: {}", e.file, e.line, e.column, e.message);
        }
    }
    if let Some(b) = &report.baseline {
        out.push_str("\n## Against the baseline\n\n```text\n");
        human_baseline(&mut out, b);
        out.push_str("```\n");
    }
    out
}

fn markdown_matrix(out: &mut String, report: &Report) {
    let (names, cells) = matrix(report);
    out.push_str("\n## Engine x engine\n\nDuplicated lines per pair of copies (a clone with k copies counts in every pair, so cells do not add up to the total).\n\n|  |");
    for name in &names {
        let _ = write!(out, " {name} |");
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(names.len()));
    out.push('\n');
    for (name, row) in names.iter().zip(&cells) {
        let _ = write!(out, "| **{name}** |");
        for cell in row {
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
}

/// One clone in the human view: its header and its listed copies.
fn clone_lines(out: &mut String, clone: &super::report::CloneEntry) {
    let _ = writeln!(
        out,
        "\n{} {}: {} lines x {} copies = {} duplicated ({} {})",
        clone.id,
        kind_text(clone),
        clone.lines,
        clone.copy_count(),
        clone.duplicated_lines,
        clone.category,
        clone.module
    );
    for l in &clone.locations {
        let _ = write!(
            out,
            "  --> {}:{}-{}  {}",
            l.file, l.start_line, l.end_line, l.item
        );
        // A gapped copy: the lines the diff matches (`matched 10-20, 25-52`).
        let ranges: Vec<String> = (l.matched.iter())
            .map(|[a, b]| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect();
        if !ranges.is_empty() {
            let _ = write!(out, "  (matched {})", ranges.join(", "));
        }
        out.push('\n');
    }
    if let Some(copies) = clone.copies {
        let listed = clone.locations.len();
        let more = copies.saturating_sub(listed);
        let _ = writeln!(
            out,
            "  ... {more} more copies (the first {listed} are listed)"
        );
    }
}
