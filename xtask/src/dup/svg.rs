//! The html report's charts as inline SVG (inside html, so no namespace URL either): no script, no font or style sheet from elsewhere,
//! integer coordinates only, so the same figures give the same bytes. Three charts: duplicated
//! lines per module as stacked runtime/domain bars, the engine x engine matrix as a heat map,
//! and (with `--history`) the totals over commits as lines, the extraction commits labeled.

use std::fmt::Write as _;

use super::render_html::escape;
use super::report::{Category, Report};

/// The colors of the two categories and of the total.
const RUNTIME: &str = "#c0392b";
const DOMAIN: &str = "#2e6da4";
const TOTAL: &str = "#555555";
const COPIED: &str = "#e67e22";
const FONT: &str = "font-family=\"sans-serif\" font-size=\"11\"";
/// Rows of extraction labels under the history chart (the ninth reuses the first row).
const LABEL_ROWS: u64 = 8;

/// `value * length / max`, rounded down, in integer arithmetic (0 when `max` is 0).
fn scale(value: u64, length: u64, max: u64) -> u64 {
    if max == 0 {
        return 0;
    }
    value.saturating_mul(length) / max
}

/// Duplicated lines per module, split by category: (module, runtime, domain), largest total
/// first, then by name.
#[must_use]
pub fn module_figures(report: &Report) -> Vec<(String, u64, u64)> {
    let mut per: std::collections::BTreeMap<&str, (u64, u64)> = std::collections::BTreeMap::new();
    for clone in &report.clones {
        let entry = per.entry(clone.module.as_str()).or_default();
        match clone.category {
            Category::Runtime => entry.0 += clone.duplicated_lines,
            Category::Domain => entry.1 += clone.duplicated_lines,
        }
    }
    let mut rows: Vec<(String, u64, u64)> = per
        .into_iter()
        .filter(|(_, (r, d))| r + d > 0)
        .map(|(m, (r, d))| (m.to_owned(), r, d))
        .collect();
    rows.sort_by(|a, b| (b.1 + b.2).cmp(&(a.1 + a.2)).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// Horizontal stacked bars, one per module: runtime then domain.
#[must_use]
pub fn module_bars(rows: &[(String, u64, u64)]) -> String {
    const LABEL: u64 = 170;
    const BAR: u64 = 420;
    const ROW: u64 = 18;
    let height = 30 + ROW * rows.len() as u64;
    let width = LABEL + BAR + 70;
    let max = rows.iter().map(|(_, r, d)| r + d).max().unwrap_or(0);
    let mut out = open(width, height, "duplicated lines per module");
    legend(
        &mut out,
        LABEL,
        12,
        &[("runtime", RUNTIME), ("domain", DOMAIN)],
    );
    for (i, (module, runtime, domain)) in rows.iter().enumerate() {
        let y = 24 + ROW * i as u64;
        let runtime_width = scale(*runtime, BAR, max);
        let domain_width = scale(runtime + domain, BAR, max) - runtime_width;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" {FONT}>{}</text>",
            LABEL - 6,
            y + 12,
            escape(module)
        );
        for (x, w, color, value, name) in [
            (LABEL, runtime_width, RUNTIME, runtime, "runtime"),
            (
                LABEL + runtime_width,
                domain_width,
                DOMAIN,
                domain,
                "domain",
            ),
        ] {
            if w > 0 {
                let _ = writeln!(
                    out,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{color}\"><title>{}: {value} {name} lines</title></rect>",
                    ROW - 4,
                    escape(module)
                );
            }
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" {FONT}>{}</text>",
            LABEL + scale(runtime + domain, BAR, max) + 4,
            y + 12,
            runtime + domain
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The engine x engine matrix: each cell shaded by its share of the largest cell.
#[must_use]
pub fn heat_map(names: &[String], cells: &[Vec<u64>]) -> String {
    const LABEL: u64 = 140;
    const CELL: u64 = 64;
    let n = names.len() as u64;
    // Room on the right for the last column's slanted name.
    let width = LABEL + CELL * n + 90;
    let height = LABEL + CELL * n + 10;
    let max = cells.iter().flatten().copied().max().unwrap_or(0);
    let mut out = open(width, height, "duplicated lines per pair of roots");
    for (i, name) in names.iter().enumerate() {
        let offset = LABEL + CELL * i as u64 + CELL / 2;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" {FONT}>{}</text>",
            LABEL - 6,
            offset + 4,
            escape(name)
        );
        let _ = writeln!(
            out,
            "<text transform=\"translate({offset} {}) rotate(-45)\" {FONT}>{}</text>",
            LABEL - 6,
            escape(name)
        );
    }
    for (i, row) in cells.iter().enumerate() {
        for (j, &value) in row.iter().enumerate() {
            let (x, y) = (LABEL + CELL * j as u64, LABEL + CELL * i as u64);
            // White for 0, the domain blue at the largest cell.
            let shade = scale(value, 100, max);
            let light = 97 - scale(shade, 55, 100);
            let text = if light < 65 { "#ffffff" } else { "#222222" };
            let _ = writeln!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" fill=\"hsl(210,60%,{light}%)\" stroke=\"#ffffff\"><title>{} ~ {}: {value}</title></rect>",
                escape(&names[i]),
                escape(&names[j])
            );
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{text}\" {FONT}>{value}</text>",
                x + CELL / 2,
                y + CELL / 2 + 4
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// One point of the history chart: the commit's short id, its totals (`None`: not measured),
/// and the modules it extracted (a label when not empty).
pub struct Point<'a> {
    pub commit: &'a str,
    pub runtime: Option<u64>,
    pub domain: Option<u64>,
    pub copied: Option<u64>,
    pub extracted: &'a [String],
}

/// Totals over commits: runtime, domain, total and copied-out-of-the-runtime lines, a dashed
/// line and a label at every extraction commit; a commit without figures breaks the lines.
#[must_use]
pub fn history_lines(points: &[Point<'_>]) -> String {
    const LEFT: u64 = 60;
    const TOP: u64 = 40;
    const PLOT_H: u64 = 260;
    const BOTTOM: u64 = 120;
    let step = if points.len() > 100 { 4 } else { 8 };
    let plot_w = (step * points.len().saturating_sub(1) as u64).max(100);
    // Wide enough for the legend, however few the commits.
    let (width, height) = ((LEFT + plot_w + 30).max(480), TOP + PLOT_H + BOTTOM);
    let total = |p: &Point<'_>| Some(p.runtime? + p.domain?);
    let max = points.iter().filter_map(total).max().unwrap_or(0).max(1);
    let x = |i: usize| LEFT + step * i as u64;
    let y = |v: u64| TOP + PLOT_H - scale(v, PLOT_H, max);
    let mut out = open(width, height, "duplicated lines over commits");
    legend(
        &mut out,
        LEFT,
        14,
        &[
            ("total", TOTAL),
            ("domain", DOMAIN),
            ("runtime", RUNTIME),
            ("copied out of the runtime", COPIED),
        ],
    );
    axes(&mut out, (LEFT, TOP, plot_w, PLOT_H), max);
    extraction_marks(&mut out, points, &x, (TOP, TOP + PLOT_H, width));
    // The total last and thinner, so that it shows on top of the domain line it meets when
    // the runtime figure is 0.
    let series: [(&str, &Value); 4] = [
        (DOMAIN, &|p| p.domain),
        (RUNTIME, &|p| p.runtime),
        (COPIED, &|p| p.copied),
        (TOTAL, &total),
    ];
    for (color, value) in series {
        for run in runs(points, value) {
            if let [(i, v)] = run[..] {
                let _ = writeln!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"2\" fill=\"{color}\"/>",
                    x(i),
                    y(v)
                );
                continue;
            }
            let coords: Vec<String> = run
                .iter()
                .map(|&(i, v)| format!("{},{}", x(i), y(v)))
                .collect();
            let _ = writeln!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{}\"/>",
                coords.join(" "),
                if color == TOTAL { 1 } else { 2 }
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// A dashed line from `top` down past `bottom` and a horizontal label under the axis at every
/// extraction commit; each label on its own row (extractions in consecutive commits stand a
/// few units apart), ending at the line when it would pass `right`.
fn extraction_marks(
    out: &mut String,
    points: &[Point<'_>],
    x: &dyn Fn(usize) -> u64,
    (top, bottom, right): (u64, u64, u64),
) {
    let marked = points
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.extracted.is_empty());
    for (row, (i, point)) in marked.enumerate() {
        let label_y = bottom + 16 + 13 * (row as u64 % LABEL_ROWS);
        let label = format!("{} {}", point.extracted.join(", "), point.commit);
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" y1=\"{top}\" x2=\"{0}\" y2=\"{1}\" stroke=\"#999999\" stroke-dasharray=\"3,3\"/>",
            x(i),
            label_y - 4
        );
        // About 6 units per character at this size.
        let (at, anchor) = if x(i) + 3 + 6 * label.len() as u64 > right {
            (x(i) - 3, "end")
        } else {
            (x(i) + 3, "start")
        };
        let _ = writeln!(
            out,
            "<text x=\"{at}\" y=\"{label_y}\" text-anchor=\"{anchor}\" {FONT}>{}</text>",
            escape(&label)
        );
    }
}

/// One series of the history chart: a point's value, if it has one.
type Value = dyn Fn(&Point<'_>) -> Option<u64>;

/// The runs of consecutive points that have a value.
fn runs(points: &[Point<'_>], value: &Value) -> Vec<Vec<(usize, u64)>> {
    let mut runs: Vec<Vec<(usize, u64)>> = vec![Vec::new()];
    for (i, point) in points.iter().enumerate() {
        match value(point) {
            Some(v) => runs.last_mut().expect("one run at least").push((i, v)),
            None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
            None => {}
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn open(width: u64, height: u64, title: &str) -> String {
    format!(
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\"><title>{title}</title>\n"
    )
}

fn legend(out: &mut String, x: u64, y: u64, entries: &[(&str, &str)]) {
    let mut at = x;
    for (name, color) in entries {
        let _ = writeln!(
            out,
            "<rect x=\"{at}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\" {FONT}>{name}</text>",
            y - 9,
            at + 14,
            y
        );
        at += 24 + 7 * name.len() as u64;
    }
}

/// The y axis with four gridlines labeled in lines, and the x axis.
fn axes(out: &mut String, (left, top, width, height): (u64, u64, u64, u64), max: u64) {
    for step in 0..=4 {
        let value = max * step / 4;
        let y = top + height - scale(value, height, max);
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#dddddd\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\" {FONT}>{value}</text>",
            left + width,
            left - 6,
            y + 4
        );
    }
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#333333\"/>",
        top + height,
        left + width
    );
}

#[cfg(test)]
#[path = "svg_tests.rs"]
mod tests;
