//! The comparison as a table: plain text for terminals, Markdown for CI
//! comments.

use std::fmt::Write;

use super::{Change, Comparison, Unit};
use crate::duration::human_ns;

/// How to print a comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Format {
    /// Aligned columns.
    #[default]
    Text,
    /// A Markdown table.
    Markdown,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Format::Text),
            "markdown" => Ok(Format::Markdown),
            _ => Err(format!("unknown format `{s}` (use text or markdown)")),
        }
    }
}

fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Nanos => human_ns(v.max(0.0).round() as u64),
        Unit::Ratio => format!("{v:.3}"),
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

/// The table (configuration, metric, base, new, change %, verdict) — the
/// changed rows only, and a count of the others, unless `all` — then the
/// configurations present on one side only, and a one-line total.
pub(crate) fn render(c: &Comparison, format: Format, all: bool) -> String {
    let mut out = String::new();
    let unchanged = c
        .rows
        .iter()
        .filter(|r| r.verdict == Change::Unchanged)
        .count();
    let cells: Vec<([String; 6], Change)> = c
        .rows
        .iter()
        .filter(|r| all || r.verdict != Change::Unchanged)
        .map(|r| {
            (
                [
                    r.config.to_string(),
                    r.metric.clone(),
                    value(r.unit, r.base),
                    value(r.unit, r.new),
                    format!("{:+.1}%", r.change_pct),
                    r.verdict.as_str().to_string(),
                ],
                r.verdict,
            )
        })
        .collect();
    let header = [
        "configuration",
        "metric",
        "base",
        "new",
        "change",
        "verdict",
    ];
    match format {
        Format::Markdown => {
            let _ = writeln!(out, "| {} |", header.join(" | "));
            let _ = writeln!(out, "|---|---|---:|---:|---:|---|");
            for (row, change) in &cells {
                let row = row.clone().map(|cell| markdown_cell(&cell));
                let verdict = if *change == Change::Regressed {
                    format!("**{}**", row[5])
                } else {
                    row[5].clone()
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {verdict} |",
                    row[0], row[1], row[2], row[3], row[4]
                );
            }
        }
        Format::Text => {
            let mut widths = header.map(str::len);
            for (row, _) in &cells {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let line = |cols: [&str; 6]| {
                format!(
                    "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {:>w4$}  {}",
                    cols[0],
                    cols[1],
                    cols[2],
                    cols[3],
                    cols[4],
                    cols[5],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2],
                    w3 = widths[3],
                    w4 = widths[4]
                )
            };
            let _ = writeln!(out, "{}", line(header));
            for (row, _) in &cells {
                let _ = writeln!(
                    out,
                    "{}",
                    line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]])
                );
            }
        }
    }
    if !all && unchanged > 0 {
        let _ = writeln!(
            out,
            "\n{unchanged} unchanged row(s) not shown (--all shows every row)"
        );
    }
    let bullet = if format == Format::Markdown {
        "- "
    } else {
        "  "
    };
    for (side, configs) in [("base", &c.only_in_base), ("new", &c.only_in_new)] {
        if !configs.is_empty() {
            let _ = writeln!(out, "\nonly in {side}:");
            for k in configs {
                let k = match format {
                    Format::Markdown => markdown_cell(&k.to_string()),
                    Format::Text => k.to_string(),
                };
                let _ = writeln!(out, "{bullet}{k}");
            }
        }
    }
    let regressed = c.regressions().count();
    let improved = c
        .rows
        .iter()
        .filter(|r| r.verdict == Change::Improved)
        .count();
    let configs = {
        let mut k: Vec<_> = c.rows.iter().map(|r| &r.config).collect();
        k.dedup();
        k.len()
    };
    let _ = writeln!(
        out,
        "\n{configs} configuration(s), {} metric(s) compared at a {}% threshold: {regressed} regressed, {improved} improved",
        c.rows.len(),
        c.threshold_pct
    );
    out
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
