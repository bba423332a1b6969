//! Human output: one table per benchmark, the figures medians of the runs.

use std::fmt::Write;

use crate::Report;
use crate::bounds::{MAX_RATIO, MemoryBound};
use crate::engines::EngineReport;
use crate::recovery::RecoveryReport;
use crate::targets::thousands;
use crate::tooling::{CorpusReport, ToolReport};

fn ms(seconds: f64) -> String {
    format!("{:.2} ms", seconds * 1000.0)
}

fn engine_section(out: &mut String, engine: &EngineReport) {
    let _ = writeln!(out, "\n{}", engine.engine);
    for apply in [&engine.apply, &engine.apply_16x].into_iter().flatten() {
        let _ = writeln!(
            out,
            "  apply {:>2}x capacities  {:>12} commands/s  ({} commands in {})",
            apply.capacity_scale,
            thousands(apply.commands_per_second),
            thousands(apply.commands as f64),
            ms(apply.timing.median_seconds),
        );
    }
    if let Some(ratio) = engine.capacity_ratio {
        let _ = writeln!(out, "  capacity ratio 16x/1x  {ratio:.2}");
    }
    for durable in &engine.durable {
        let _ = writeln!(
            out,
            "  durable batch {:>5}    {:>12} commands/s  raw write+fdatasync {:>12}/s  ratio {:.2}x  ({} commands)",
            durable.batch,
            thousands(durable.commands_per_second),
            thousands(durable.raw_commands_per_second),
            durable.ratio_to_raw,
            thousands(durable.commands as f64),
        );
    }
    if let Some(recovery) = &engine.recovery {
        recovery_lines(out, recovery);
    }
    if let Some(snapshot) = &engine.snapshot {
        let _ = writeln!(
            out,
            "  snapshot {} bytes: encode {}, decode {}, checkpoint {}, open {}",
            thousands(snapshot.snapshot_bytes as f64),
            ms(snapshot.encode.median_seconds),
            ms(snapshot.decode.median_seconds),
            ms(snapshot.checkpoint.median_seconds),
            ms(snapshot.open.median_seconds),
        );
    }
}

fn recovery_lines(out: &mut String, recovery: &RecoveryReport) {
    let _ = writeln!(
        out,
        "  recovery               {:>12} commands/s  {:.0} MB/s  ({} commands, {} bytes, {})",
        thousands(recovery.replay_commands_per_second),
        recovery.replay_mb_per_second,
        thousands(recovery.commands as f64),
        thousands(recovery.wal_bytes as f64),
        ms(recovery.replay.median_seconds),
    );
    let _ = writeln!(
        out,
        "  WAL scan               {:>9.0} MB/s   frame loop {:.0} MB/s  plain CRC32C {:.0} MB/s  scan/CRC32C {:.2}x",
        recovery.scan_mb_per_second,
        recovery.frame_loop_mb_per_second,
        recovery.crc32c_mb_per_second,
        recovery.scan_to_crc32c_ratio,
    );
}

fn tool_line(out: &mut String, tool: &ToolReport) {
    let optional = |value: Option<f64>, unit: &str| {
        value.map_or_else(|| "-".to_string(), |value| format!("{value:.2}{unit}"))
    };
    let _ = writeln!(
        out,
        "  {:<10} {:<20} {:>4} roots {:>10} lines  wall {:>8}  cpu {:>8}  peak {:>10}  per 1M lines: {} / {}",
        tool.tool,
        tool.target,
        tool.roots,
        tool.lines
            .map_or_else(|| "-".to_string(), |lines| thousands(lines as f64)),
        format!("{:.2} s", tool.wall.median_seconds),
        optional(tool.cpu_seconds, " s"),
        optional(tool.peak_rss_mib, " MiB"),
        optional(tool.wall_seconds_per_million_lines, " s"),
        optional(tool.peak_rss_mib_per_million_lines, " MiB"),
    );
}

fn corpus_lines(out: &mut String, corpus: &CorpusReport) {
    for tool in &corpus.parts {
        tool_line(out, tool);
    }
    for tool in &corpus.jscpd {
        tool_line(out, tool);
    }
    for ratio in &corpus.jscpd_ratios {
        let _ = writeln!(
            out,
            "  jscpd {} / dup-report: wall {:.2}x, peak memory {}",
            ratio.mode,
            ratio.wall,
            ratio
                .peak_rss
                .map_or("-".into(), |ratio| format!("{ratio:.2}x")),
        );
    }
    if let Some(scaling) = &corpus.scaling {
        let _ = writeln!(
            out,
            "  full / quarter: lines {:.2}x, wall {:.2}x, cpu {}, peak memory {}",
            scaling.lines,
            scaling.wall,
            scaling
                .cpu
                .map_or("-".into(), |ratio| format!("{ratio:.2}x")),
            scaling
                .peak_rss
                .map_or("-".into(), |ratio| format!("{ratio:.2}x")),
        );
    }
}

/// Issue 16's memory bound, one line per generated row.
fn bound_lines(out: &mut String, bounds: &[MemoryBound]) {
    for bound in bounds {
        let (Some(mib), Some(ratio)) = (bound.mib_per_million_lines, bound.ratio) else {
            let _ = writeln!(
                out,
                "  memory bound: dup-report {:<24} not measured (no peak RSS figure): **FAIL**",
                bound.target,
            );
            continue;
        };
        let _ = writeln!(
            out,
            "  memory bound: dup-report {:<24} {:.2} MiB per 1M lines = {:.2}x the corpus's {:.2} MiB ({}), at most {:.2}x: {}",
            bound.target,
            mib,
            ratio,
            bound.corpus_mib_per_million_lines,
            bound.corpus_source,
            MAX_RATIO,
            if bound.within { "ok" } else { "**FAIL**" },
        );
    }
}

/// The rows above the memory bound or without a figure, which fail the run.
fn bound_errors(out: &mut String, bounds: &[MemoryBound]) {
    for bound in bounds.iter().filter(|bound| !bound.within) {
        let _ = match bound.ratio {
            Some(ratio) => writeln!(
                out,
                "\nerror[bench::memory]: dup-report on the {} takes {ratio:.2}x the corpus's memory per line (at most {MAX_RATIO:.2}x)",
                bound.target,
            ),
            None => writeln!(
                out,
                "\nerror[bench::memory]: dup-report on the {} has no peak RSS figure: the bound is not measured",
                bound.target,
            ),
        };
    }
}

/// The whole report as text.
#[must_use]
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    let machine = &report.machine;
    let _ = writeln!(
        out,
        "cargo xtask bench ({} mode, median of {} run(s)) on {} cores, {}; {}; commit {}; {}",
        report.mode,
        report.runs,
        machine.nproc,
        machine.cpu_model,
        machine.rustc,
        machine.commit,
        machine.date_utc,
    );
    let _ = writeln!(
        out,
        "load average at start {} and end {} (above {} means the figures are noisy); binary built from {}",
        machine.load_average_start,
        machine.load_average_end,
        machine.nproc,
        report
            .build_commit
            .unwrap_or("an unknown commit (not built by xtask)"),
    );
    for engine in &report.engines {
        engine_section(&mut out, engine);
    }
    if !report.tooling.is_empty() || report.corpus.is_some() {
        let _ = writeln!(out, "\ntooling (the xtask binary: {})", report.xtask);
    }
    for tool in &report.tooling {
        tool_line(&mut out, tool);
    }
    if let Some(corpus) = &report.corpus {
        corpus_lines(&mut out, corpus);
    }
    bound_lines(&mut out, &report.memory_bounds);
    if !report.targets.is_empty() {
        let _ = writeln!(out, "\ntargets (goals, not assertions)");
        for target in &report.targets {
            let _ = writeln!(
                out,
                "  [{}] {:<58} goal {:<22} measured {}",
                if target.met { "met" } else { "MISSED" },
                target.name,
                target.goal,
                target.measured
            );
        }
    }
    for failure in &report.failures {
        let _ = writeln!(out, "\nerror[bench::outcome]: {failure}");
    }
    bound_errors(&mut out, &report.memory_bounds);
    out
}
