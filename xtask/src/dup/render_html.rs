//! The html report: one self-contained file (inline CSS, no scripts, no links out) with the
//! summary, the engine x engine matrix and every clone with its copies side by side, the
//! differing tokens highlighted (a line diff, then a word diff inside changed lines, both from
//! `similar`, without deadlines so the bytes are deterministic).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use similar::{Algorithm, ChangeTag, DiffTag, TextDiff};

use super::render_text::{human_baseline, kind_text, matrix};
use super::report::{Location, Report};
use super::svg;

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px}\
td.n{text-align:right}.code{font-family:monospace;white-space:pre;font-size:12px;vertical-align:top}\
.ln{color:#999;text-align:right;font-family:monospace;font-size:12px}\
.del{background:#fff0f0}.ins{background:#f0fff0}em{background:#ffb3b3;font-style:normal}\
.ins em{background:#a6f0a6}.side td{border:none;border-left:1px solid #eee}\
h3{margin-top:2em}.runtime{color:#a40}.domain{color:#046}";

/// Escapes `&`, `<`, `>` and `"` for html and svg text and attributes (the one copy: the
/// history page and the charts use it too).
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The whole html document.
#[must_use]
pub fn html(report: &Report) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">");
    let _ = write!(
        out,
        "<title>dup-report</title><style>{STYLE}</style></head><body>\n<h1>Duplication report</h1>\n"
    );
    summary(&mut out, report);
    charts(&mut out, report);
    notes(&mut out, report);
    let mut sources = Sources::default();
    for clone in &report.clones {
        let _ = writeln!(
            out,
            "<h3 id=\"{id}\">{id} {kind} &middot; {lines} lines &times; {copies} copies &middot; <span class=\"{cat}\">{cat}</span> &middot; <code>{module}</code></h3>",
            id = clone.id,
            kind = kind_text(clone),
            lines = clone.lines,
            copies = clone.copy_count(),
            cat = clone.category,
            module = escape(&clone.module),
        );
        let first = &clone.locations[0];
        for other in &clone.locations[1..] {
            side_by_side(&mut out, &mut sources, first, other);
        }
    }
    out.push_str("</body></html>\n");
    out
}

fn summary(out: &mut String, report: &Report) {
    let s = &report.summary;
    out.push_str("<table><tr><th>roots</th><th>files</th><th>lines scanned</th><th>clones</th><th>duplicated lines</th><th>runtime</th><th>domain</th></tr>\n");
    let names: Vec<String> = report.roots.iter().map(|r| escape(&r.name)).collect();
    let _ = writeln!(
        out,
        "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr></table>",
        names.join(", "),
        report.files_scanned,
        report.lines_scanned,
        report.clones.len(),
        s.duplicated_lines,
        s.runtime_duplicated_lines,
        s.domain_duplicated_lines
    );
    out.push_str("<h2>Engine &times; engine</h2><p>Duplicated lines per pair of copies (a clone with k copies counts in every pair, so cells do not add up to the total).</p><table><tr><th></th>");
    let (names, cells) = matrix(report);
    for name in &names {
        let _ = write!(out, "<th>{}</th>", escape(name));
    }
    out.push_str("</tr>\n");
    for (name, row) in names.iter().zip(&cells) {
        let _ = write!(out, "<tr><th>{}</th>", escape(name));
        for cell in row {
            let _ = write!(out, "<td class=n>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table><h2>By module</h2><table><tr><th>module</th><th>roots</th><th>duplicated lines</th></tr>\n");
    for m in &s.by_module {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td class=n>{}</td></tr>",
            escape(&m.module),
            escape(&m.roots.join(", ")),
            m.duplicated_lines
        );
    }
    out.push_str("</table><h2>Clones</h2><table><tr><th>id</th><th>kind</th><th>lines</th><th>category</th><th>locations</th></tr>\n");
    for c in &report.clones {
        let locations: Vec<String> = c
            .locations
            .iter()
            .map(|l| {
                escape(&format!(
                    "{}:{}-{} {}",
                    l.file, l.start_line, l.end_line, l.item
                ))
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{id}\">{id}</a></td><td>{}</td><td class=n>{}</td><td>{}</td><td>{}</td></tr>",
            c.kind,
            c.lines,
            c.category,
            locations.join("<br>"),
            id = c.id
        );
    }
    out.push_str("</table>\n");
}

/// The module bars and the heat map (inline SVG, [`super::svg`]).
fn charts(out: &mut String, report: &Report) {
    out.push_str("<h2>Duplicated lines per module</h2>\n");
    out.push_str(&svg::module_bars(&svg::module_figures(report)));
    out.push_str("<h2>Engine &times; engine heat map</h2>\n");
    let (names, cells) = matrix(report);
    out.push_str(&svg::heat_map(&names, &cells));
}

/// Files that did not parse, and the delta against the baseline, if any.
fn notes(out: &mut String, report: &Report) {
    for e in &report.parse_errors {
        let _ = writeln!(
            out,
            "<p>parse error: <code>{}:{}:{}</code>: {}</p>",
            escape(&e.file),
            e.line,
            e.column,
            escape(&e.message)
        );
    }
    if let Some(baseline) = &report.baseline {
        let mut text = String::new();
        human_baseline(&mut text, baseline);
        let _ = writeln!(
            out,
            "<h2>Against the baseline</h2><pre>{}</pre>",
            escape(&text)
        );
    }
}

/// File contents, read once per report.
#[derive(Default)]
struct Sources {
    files: BTreeMap<PathBuf, Vec<String>>,
}

impl Sources {
    fn lines(&mut self, location: &Location) -> String {
        let lines = self.files.entry(location.path.clone()).or_insert_with(|| {
            std::fs::read_to_string(&location.path)
                .map(|text| text.lines().map(str::to_owned).collect())
                .unwrap_or_default()
        });
        let start = (location.start_line as usize).saturating_sub(1);
        let end = (location.end_line as usize).min(lines.len());
        let mut text = lines.get(start..end).unwrap_or_default().join("\n");
        text.push('\n');
        text
    }
}

/// One cell's content: (line number, html of the line).
type Column = Vec<(Option<usize>, String)>;

fn side_by_side(out: &mut String, sources: &mut Sources, left: &Location, right: &Location) {
    let (old, new) = (sources.lines(left), sources.lines(right));
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .diff_lines(&old, &new);
    let _ = writeln!(
        out,
        "<table class=\"side\"><tr><th colspan=2>{} <code>{}:{}-{}</code></th><th colspan=2>{} <code>{}:{}-{}</code></th></tr>",
        escape(&left.item),
        escape(&left.file),
        left.start_line,
        left.end_line,
        escape(&right.item),
        escape(&right.file),
        right.start_line,
        right.end_line
    );
    for op in diff.ops() {
        let (mut lefts, mut rights): (Column, Column) = (Vec::new(), Vec::new());
        for change in diff.iter_inline_changes_deadline(op, None) {
            let mut line = String::new();
            for (emphasized, value) in change.iter_strings_lossy() {
                let value = escape(value.trim_end_matches('\n'));
                if emphasized {
                    let _ = write!(line, "<em>{value}</em>");
                } else {
                    line.push_str(&value);
                }
            }
            match change.tag() {
                ChangeTag::Equal => {
                    let left_line = change.old_index().map(|i| i + left.start_line as usize);
                    let right_line = change.new_index().map(|i| i + right.start_line as usize);
                    lefts.push((left_line, line.clone()));
                    rights.push((right_line, line));
                }
                ChangeTag::Delete => {
                    lefts.push((
                        change.old_index().map(|i| i + left.start_line as usize),
                        line,
                    ));
                }
                ChangeTag::Insert => {
                    rights.push((
                        change.new_index().map(|i| i + right.start_line as usize),
                        line,
                    ));
                }
            }
        }
        let class = match op.tag() {
            DiffTag::Equal => "",
            _ => " changed",
        };
        for row in 0..lefts.len().max(rights.len()) {
            let _ = write!(out, "<tr class=\"row{class}\">");
            cell(out, lefts.get(row), "del", class.is_empty());
            cell(out, rights.get(row), "ins", class.is_empty());
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</table>\n");
}

fn cell(out: &mut String, entry: Option<&(Option<usize>, String)>, side: &str, equal: bool) {
    let class = if equal || entry.is_none() { "" } else { side };
    match entry {
        Some((number, html)) => {
            let number = number.map_or_else(String::new, |n| n.to_string());
            let _ = write!(
                out,
                "<td class=\"ln\">{number}</td><td class=\"code {class}\">{html}</td>"
            );
        }
        None => out.push_str("<td class=\"ln\"></td><td class=\"code\"></td>"),
    }
}
