//! The comparison as a table: plain text for terminals, Markdown for CI
//! comments.

use std::fmt::Write;

use super::{Change, Comparison, Unit};
use crate::common::duration::human_ns;

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
    let rows: Vec<Cells> = c
        .rows
        .iter()
        .filter(|r| all || r.verdict != Change::Unchanged)
        .map(cells)
        .collect();
    let mut out = match format {
        _ if rows.is_empty() => {
            "no metric changed beyond the threshold and the noise\n".to_string()
        }
        Format::Markdown => markdown_table(&rows),
        Format::Text => text_table(&rows),
    };
    let unchanged = c
        .rows
        .iter()
        .filter(|r| r.verdict == Change::Unchanged)
        .count();
    if !all && unchanged > 0 {
        let _ = writeln!(
            out,
            "\n{unchanged} unchanged row(s) not shown (--all shows every row)"
        );
    }
    one_sided(&mut out, c, format);
    totals(&mut out, c);
    out
}

const HEADER: [&str; 6] = [
    "configuration",
    "metric",
    "base",
    "new",
    "change",
    "verdict",
];

/// One row's cells, and its verdict.
type Cells = ([String; 6], Change);

fn cells(r: &super::Row) -> Cells {
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
}

fn markdown_table(rows: &[Cells]) -> String {
    let mut out = format!("| {} |\n|---|---|---:|---:|---:|---|\n", HEADER.join(" | "));
    for (row, change) in rows {
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
    out
}

/// Aligned columns: text left, numbers right.
fn text_table(rows: &[Cells]) -> String {
    let mut widths = HEADER.map(str::len);
    for (row, _) in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cols: [&str; 6]| {
        let mut text = String::new();
        for (k, (col, w)) in cols.iter().zip(widths).enumerate() {
            let _ = match k {
                0 | 1 => write!(text, "{col:<w$}  "),
                5 => write!(text, "{col}"),
                _ => write!(text, "{col:>w$}  "),
            };
        }
        text
    };
    let mut out = format!("{}\n", line(HEADER));
    for (row, _) in rows {
        let _ = writeln!(out, "{}", line(row.each_ref().map(String::as_str)));
    }
    out
}

/// The configurations present on one side only.
fn one_sided(out: &mut String, c: &Comparison, format: Format) {
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
}

fn totals(out: &mut String, c: &Comparison) {
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
}

/// A note for the end of the output when changes were judged on one
/// repeat on a side: their spread is unknown, so the threshold alone
/// decided.
pub(crate) fn one_repeat_note(c: &Comparison) -> Option<String> {
    let unsure = c
        .rows
        .iter()
        .filter(|r| r.single_repeat && r.verdict != Change::Unchanged)
        .count();
    (unsure > 0).then(|| {
        format!(
            "note: {unsure} of the changes above come from configurations with one repeat on a side, whose spread \
             is unknown, so the threshold alone flagged them and noise passes for change (tail percentiles \
             move most): run both sides with --repeat 3 or more to tell noise from change"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{Format, one_repeat_note, render};
    use crate::compare::{Change, Comparison, ConfigKey, Row, Unit};

    fn one_regression(single_repeat: bool) -> Option<String> {
        let comparison = Comparison {
            rows: vec![Row {
                config: ConfigKey {
                    scenario: "two_futures".into(),
                    ..ConfigKey::default()
                },
                metric: "makespan".into(),
                unit: Unit::Nanos,
                base: 100e6,
                new: 120e6,
                change_pct: 20.0,
                verdict: Change::Regressed,
                single_repeat,
            }],
            only_in_base: Vec::new(),
            only_in_new: Vec::new(),
            threshold_pct: 10.0,
            warnings: Vec::new(),
        };
        assert!(!render(&comparison, Format::Text, false).contains("note:"));
        one_repeat_note(&comparison)
    }

    #[test]
    fn a_change_judged_on_one_repeat_says_its_spread_is_unknown() {
        assert!(
            one_regression(true).unwrap().starts_with(
                "note: 1 of the changes above come from configurations with one repeat"
            )
        );
        assert_eq!(one_regression(false), None);
    }
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
