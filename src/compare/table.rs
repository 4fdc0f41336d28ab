//! The comparison for people: plain text for terminals, Markdown for CI
//! comments (JSON is [`super::json`]).

use crate::common::spelling::spelled_enum;
use std::fmt::Write;

use super::judge::{MAX_REPEATS, MIN_REPEATS};
use super::{Comparison, Row, Undecided, Unit, Verdict};
use crate::common::duration::human_ns;

/// How to print a comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Format {
    /// Aligned columns.
    #[default]
    Text,
    /// A Markdown table.
    Markdown,
    /// One JSON document.
    Json,
}

spelled_enum!(pub(crate) Format, "format", {
    Text => "text",
    Markdown => "markdown",
    Json => "json",
});

/// A value of a metric for people: `31.0ms`, `412ns/event`, `0.984`,
/// `9843/s`.
pub(crate) fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Nanos | Unit::CpuNanos => human_ns(v.max(0.0).round() as u64),
        Unit::NanosPerEvent => format!("{}/event", human_ns(v.max(0.0).round() as u64)),
        Unit::Ratio => format!("{v:.3}"),
        Unit::PerSecond => format!("{v:.0}/s"),
    }
}

/// A Markdown table cell: pipes, HTML and line breaks cannot escape it.
pub(crate) fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Whether a row is printed without `--all`: a verdict of change, or a
/// row not judged whose medians moved beyond the threshold.
fn shown(r: &Row) -> bool {
    match r.judged.verdict {
        Verdict::Regressed | Verdict::Improved => true,
        Verdict::Same => false,
        Verdict::Unknown | Verdict::Disturbed => r.judged.beyond,
    }
}

/// The table (configuration, varied values, metric, base and new medians,
/// change, adjusted p, repeats, verdict) — unless `all`, the rows
/// [`shown`] picks and a count of the others —, the configurations
/// without a partner, the verdict counts, one `regression:` line per
/// regression, and last what could not be judged and what to do.
pub(crate) fn render(c: &Comparison, format: Format, all: bool) -> String {
    if format == Format::Json {
        return super::json::render(c);
    }
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .filter(|r| all || shown(r))
        .map(|r| cells(r, !c.vary.is_empty()))
        .collect();
    let header = header(!c.vary.is_empty());
    let mut out = String::new();
    if !c.warnings.is_empty() {
        // Said first: what follows may measure the difference of machines
        // or builds rather than a change of the code.
        let _ = writeln!(
            out,
            "note: BASE and NEW were recorded on different machines or builds ({}): a change below may come from that, not from a regression\n",
            c.warnings.len().to_string()
                + if c.warnings.len() == 1 {
                    " difference, on stderr"
                } else {
                    " differences, on stderr"
                }
        );
    }
    out.push_str(&match format {
        _ if rows.is_empty() => "no metric moved beyond the threshold\n".to_string(),
        Format::Markdown => markdown_table(&header, &rows),
        _ => text_table(&header, &rows),
    });
    if !all {
        hidden(&mut out, c);
    }
    one_sided(&mut out, c, format);
    totals(&mut out, c);
    for r in c.regressions() {
        let _ = writeln!(
            out,
            "regression: {}{}: {} {:+.1}%",
            r.config,
            r.vary.iter().map(|v| format!(" ({v})")).collect::<String>(),
            r.metric,
            r.judged.change_pct
        );
    }
    out.push_str(&advice(c));
    out
}

fn header(vary: bool) -> Vec<&'static str> {
    let mut h = vec!["configuration"];
    if vary {
        h.push("vary");
    }
    h.extend([
        "metric", "base", "new", "change", "p adj", "repeats", "verdict",
    ]);
    h
}

/// The number of leading text columns (left-aligned).
fn text_columns(vary: bool) -> usize {
    if vary { 3 } else { 2 }
}

fn cells(r: &Row, vary: bool) -> Vec<String> {
    let j = &r.judged;
    let mut cells = vec![r.config.to_string()];
    if vary {
        cells.push(
            r.vary
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    cells.extend([
        r.metric.clone(),
        value(r.unit, j.base_median),
        value(r.unit, j.new_median),
        format!("{:+.1}%", j.change_pct),
        j.p_adjusted.map_or("–".to_string(), |p| format!("{p:.3}")),
        format!("{}/{}", r.base_values.len(), r.new_values.len()),
        verdict_cell(r),
    ]);
    cells
}

/// `REGRESSED`, …; an `unknown` row adds how many repeats per side would
/// decide it.
fn verdict_cell(r: &Row) -> String {
    let verdict = r.judged.verdict.as_str().to_uppercase();
    match (r.judged.verdict, r.judged.repeats_needed) {
        (Verdict::Unknown, Some(n)) => format!("{verdict} (needs {n}/side)"),
        (Verdict::Unknown, None) => format!("{verdict} (needs >{MAX_REPEATS}/side)"),
        _ => verdict,
    }
}

fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let numeric = header.len() - text_columns(header.contains(&"vary")) - 1;
    let align = format!(
        "|{}{}---|",
        "---|".repeat(header.len() - numeric - 1),
        "---:|".repeat(numeric)
    );
    let mut out = format!("| {} |\n{align}\n", header.join(" | "));
    for row in rows {
        let mut row: Vec<String> = row.iter().map(|cell| markdown_cell(cell)).collect();
        if let Some(last) = row.last_mut()
            && last.starts_with("REGRESSED")
        {
            *last = format!("**{last}**");
        }
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

/// Aligned columns: text left, numbers right, the verdict last.
fn text_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let texts = text_columns(header.contains(&"vary"));
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cols: &[&str]| {
        let mut text = String::new();
        for (k, (col, &w)) in cols.iter().zip(&widths).enumerate() {
            let _ = match k {
                k if k + 1 == cols.len() => write!(text, "{col}"),
                k if k < texts => write!(text, "{col:<w$}  "),
                _ => write!(text, "{col:>w$}  "),
            };
        }
        text
    };
    let mut out = format!("{}\n", line(header));
    for row in rows {
        let cols: Vec<&str> = row.iter().map(String::as_str).collect();
        let _ = writeln!(out, "{}", line(&cols));
    }
    out
}

/// How many rows were left out, by verdict.
fn hidden(out: &mut String, c: &Comparison) {
    let left_out: Vec<String> = Verdict::ALL
        .iter()
        .filter_map(|&v| {
            let n = c
                .rows
                .iter()
                .filter(|r| r.judged.verdict == v && !shown(r))
                .count();
            (n > 0).then(|| format!("{n} {}", v.as_str().to_uppercase()))
        })
        .collect();
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "\nnot shown, their medians within the threshold: {} (--all shows every row)",
            left_out.join(", ")
        );
    }
}

/// The configurations without a partner.
fn one_sided(out: &mut String, c: &Comparison, format: Format) {
    let bullet = if format == Format::Markdown {
        "- "
    } else {
        "  "
    };
    let vary: Vec<&str> = c.vary.iter().map(|s| s.as_str()).collect();
    let without = format!(
        "left out, they have no {} to vary (their scenario or executor does not use it):",
        vary.join(" or ")
    );
    for (heading, configs) in [
        (
            "only in base (no partner to compare with):".to_string(),
            &c.only_in_base,
        ),
        (
            "only in new (no partner to compare with):".to_string(),
            &c.only_in_new,
        ),
        (without, &c.without_varied),
    ] {
        if !configs.is_empty() {
            let _ = writeln!(out, "\n{heading}");
            for k in configs {
                let k = match format {
                    Format::Markdown => markdown_cell(&k.to_string()),
                    _ => k.to_string(),
                };
                let _ = writeln!(out, "{bullet}{k}");
            }
        }
    }
}

fn totals(out: &mut String, c: &Comparison) {
    let configs = {
        let mut k: Vec<_> = c.rows.iter().map(|r| (&r.config, &r.vary)).collect();
        k.dedup();
        k.len()
    };
    let counts: Vec<String> = c
        .counts()
        .iter()
        .map(|(v, n)| format!("{n} {}", v.as_str().to_uppercase()))
        .collect();
    let _ = writeln!(
        out,
        "\n{configs} configuration(s), {} metric(s) compared at a {}% threshold and FDR {} \
         (a t-test on the repeats' logarithms, Benjamini–Hochberg): {}",
        c.rows.len(),
        c.threshold_pct,
        c.fdr,
        counts.join(", ")
    );
}

/// The closing lines: what could not be judged, and what to do.
fn advice(c: &Comparison) -> String {
    let of = |why: Undecided| {
        c.rows
            .iter()
            .filter(|r| r.judged.undecided == Some(why) && r.judged.verdict == Verdict::Unknown)
            .collect::<Vec<_>>()
    };
    let (few, undecided) = (of(Undecided::TooFewRepeats), of(Undecided::NotSignificant));
    let mut out = String::new();
    if !few.is_empty() {
        let need = few
            .iter()
            .filter_map(|r| r.judged.repeats_needed)
            .max()
            .unwrap_or(MIN_REPEATS);
        let _ = writeln!(
            out,
            "not judged: {} UNKNOWN row(s) have fewer than {MIN_REPEATS} repeats on a side; \
             run both sides with --repeat {need} or more",
            few.len()
        );
    }
    if !undecided.is_empty() {
        let needs: Vec<usize> = undecided
            .iter()
            .filter_map(|r| r.judged.repeats_needed)
            .collect();
        let hopeless = undecided.len() - needs.len();
        let mut line = format!(
            "not judged: {} UNKNOWN row(s) moved beyond the threshold but not significantly at FDR {}",
            undecided.len(),
            c.fdr
        );
        if let Some(max) = needs.iter().max() {
            let _ = write!(
                line,
                "; at their spread, {max} repeats per side would decide (see each row)"
            );
        }
        if hopeless > 0 {
            let _ = write!(
                line,
                "; {hopeless} scatter too much for any count up to {}: a quieter machine decides them",
                MAX_REPEATS
            );
        }
        let _ = writeln!(out, "{line}");
    }
    disturbed(&mut out, c);
    if out.is_empty() {
        out.push_str("every row judged\n");
    }
    out
}

fn disturbed(out: &mut String, c: &Comparison) {
    let rows: Vec<&Row> = c
        .rows
        .iter()
        .filter(|r| r.judged.verdict == Verdict::Disturbed)
        .collect();
    if rows.is_empty() {
        return;
    }
    let mut configs: Vec<_> = rows.iter().map(|r| (&r.config, &r.vary)).collect();
    configs.dedup();
    let _ = writeln!(
        out,
        "not judged: {} DISTURBED row(s) in {} configuration(s): another process or the hypervisor \
         took CPU during a run (runs.csv: disturbed, other_cpu_pct, steal_pct); rerun them on a \
         quieter machine",
        rows.len(),
        configs.len()
    );
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn table_markdown_cell() {
        assert_eq!(
            crate::compare::table::markdown_cell("a|b <i>"),
            "a\\|b &lt;i&gt;"
        );
    }
}
