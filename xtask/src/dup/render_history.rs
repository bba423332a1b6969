//! The renderings of `--history`: a table for the terminal, a markdown table (the one
//! `docs/extraction-log.md` embeds), the JSON document, and an html page with the line chart
//! and the table. Extraction commits (`[modules] extracted` gained a name) are marked in every
//! table and labeled in the chart.

use std::fmt::Write as _;

use super::history::{History, Row};
use super::render_html::escape;
use super::svg::{self, Point};

/// The short form of a commit id in tables and charts.
fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

fn figure(value: Option<u64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// The JSON document, pretty-printed, ending with a newline.
#[must_use]
pub fn json(history: &History) -> String {
    let mut text = serde_json::to_string_pretty(history).unwrap_or_else(|error| {
        // Serializing plain structs of strings and numbers cannot fail; say so if it did.
        format!("{{\"schema\": 1, \"error\": \"{error}\"}}")
    });
    text.push('\n');
    text
}

/// What the extraction column says: `+ wal, wal_file` on an extraction commit.
fn extraction(row: &Row) -> String {
    if row.new_extracted.is_empty() {
        String::new()
    } else {
        format!("+ {}", row.new_extracted.join(", "))
    }
}

/// What a person reads in a terminal: one line per commit.
#[must_use]
pub fn human(history: &History) -> String {
    let mut out = format!(
        "dup-report --history: {} commit(s), detector version {}\n",
        history.history.len(),
        history.detector_version
    );
    let _ = writeln!(
        out,
        "{:<8} {:>8} {:>7} {:>7} {:>7}  {:<24} subject",
        "commit", "runtime", "copied", "domain", "total", "extracted"
    );
    for row in &history.history {
        let mut subject: String = row.subject.chars().take(60).collect();
        if let Some(error) = &row.error {
            let _ = write!(subject, " [{error}]");
        }
        let _ = writeln!(
            out,
            "{:<8} {:>8} {:>7} {:>7} {:>7}  {:<24} {subject}",
            short(&row.commit),
            figure(row.runtime),
            figure(row.runtime_copied),
            figure(row.domain),
            figure(row.total()),
            extraction(row),
        );
    }
    out
}

/// Escapes what would break a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}

/// The markdown table: one row per commit, extraction commits in bold.
#[must_use]
pub fn markdown(history: &History) -> String {
    let mut out = String::from(
        "| commit | runtime | copied | domain | total | extracted | subject |\n\
         |---|---:|---:|---:|---:|---|---|\n",
    );
    for row in &history.history {
        let bold = if row.new_extracted.is_empty() {
            ""
        } else {
            "**"
        };
        let mut subject: String = row.subject.chars().take(72).collect();
        if subject.len() < row.subject.len() {
            subject.push_str("...");
        }
        if let Some(error) = &row.error {
            let _ = write!(subject, " (error: {error})");
        }
        let _ = writeln!(
            out,
            "| {bold}`{}`{bold} | {} | {} | {} | {} | {bold}{}{bold} | {} |",
            short(&row.commit),
            figure(row.runtime),
            figure(row.runtime_copied),
            figure(row.domain),
            figure(row.total()),
            cell(&extraction(row)),
            cell(&subject),
        );
    }
    out
}

/// One self-contained html page: the line chart, then the table.
#[must_use]
pub fn html(history: &History) -> String {
    let points: Vec<Point<'_>> = history
        .history
        .iter()
        .map(|row| Point {
            commit: short(&row.commit),
            runtime: row.runtime,
            domain: row.domain,
            copied: row.runtime_copied,
            extracted: &row.new_extracted,
        })
        .collect();
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>dup-report history</title>\
         <style>body{font-family:sans-serif;margin:2em;color:#222}\
         table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px}\
         td.n{text-align:right}tr.x td{font-weight:bold}</style></head><body>\n",
    );
    let _ = writeln!(
        out,
        "<h1>Duplication over {} commits</h1>\n<p>Duplicated lines at every commit (detector version {}); dashed lines mark the commits that extracted modules into the runtime.</p>",
        history.history.len(),
        history.detector_version
    );
    out.push_str(&svg::history_lines(&points));
    out.push_str("<table><tr><th>commit</th><th>runtime</th><th>copied</th><th>domain</th><th>total</th><th>extracted</th><th>subject</th></tr>\n");
    for row in &history.history {
        let class = if row.new_extracted.is_empty() {
            ""
        } else {
            " class=\"x\""
        };
        let mut subject = escape(&row.subject);
        if let Some(error) = &row.error {
            let _ = write!(subject, " <em>({})</em>", escape(error));
        }
        let _ = writeln!(
            out,
            "<tr{class}><td><code>{}</code></td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td><td>{subject}</td></tr>",
            short(&row.commit),
            figure(row.runtime),
            figure(row.runtime_copied),
            figure(row.domain),
            figure(row.total()),
            escape(&extraction(row)),
        );
    }
    out.push_str("</table></body></html>\n");
    out
}
