//! `history check`'s output: `compare`'s table (text, Markdown) or JSON
//! document, with the base each row was judged against and the series'
//! change points.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::change_points::ALPHA;
use super::check::{BASE_LABELS, Check};
use super::load::History;
use crate::compare::{Format, markdown_cell};

/// Change points listed in text and Markdown (JSON lists all).
const LISTED: usize = 20;

/// The check in `format`.
/// (`all`: every row in text and Markdown, as `compare --all`).
pub(crate) fn render(
    check: &Check,
    history: &History,
    db: &Path,
    format: Format,
    all: bool,
) -> String {
    match format {
        Format::Json => json_text(check, history, db),
        _ => table(check, history, db, format, all),
    }
}

fn table(check: &Check, history: &History, db: &Path, format: Format, all: bool) -> String {
    let label = &history.labels[check.label];
    let mut out = String::new();
    let rule = format!(
        "against up to {BASE_LABELS} labels before it per series and metric, back to the last \
         change point; history {}",
        db.display()
    );
    let _ = match format {
        Format::Markdown => writeln!(
            out,
            "### pollscope history check: label `{}` (commit `{}`)\n\n{}\n",
            markdown_cell(&label.name),
            markdown_cell(&label.commit),
            markdown_cell(&rule)
        ),
        _ => writeln!(
            out,
            "history check: label {} (commit {}) {rule}\n",
            label.name, label.commit
        ),
    };
    if check.comparison.rows.is_empty() {
        let _ = writeln!(
            out,
            "nothing to judge: no configuration of label {} has an undisturbed run of an earlier \
             label on the same machine ({} configuration(s) first seen at this label; the earlier \
             runs of any other were all disturbed)",
            label.name,
            check.comparison.only_in_new.len()
        );
        return out;
    }
    out.push_str(&crate::compare::render(&check.comparison, format, all));
    change_point_list(&mut out, check, history, format);
    out
}

/// The change points of the rows' series, newest first.
fn change_point_list(out: &mut String, check: &Check, history: &History, format: Format) {
    let mut all: Vec<(usize, String)> = Vec::new();
    for (row, extra) in check.comparison.rows.iter().zip(&check.rows) {
        let series = &history.series[extra.series];
        for (at, c) in &extra.change_points {
            let cells = [
                series.info.id.clone(),
                series.info.description.clone(),
                row.metric.clone(),
                history.labels[*at].name.clone(),
                format!("{:+.1}%", c.change_pct),
                c.confidence_text(),
            ];
            let line = match format {
                Format::Markdown => format!(
                    "| {} |",
                    cells
                        .iter()
                        .map(|c| markdown_cell(c))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ),
                _ => format!(
                    "  {} {}: {} at label {}: {} (confidence {})",
                    cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]
                ),
            };
            all.push((*at, line));
        }
    }
    let total = all.len();
    all.sort_by_key(|c| std::cmp::Reverse(c.0));
    let _ = writeln!(
        out,
        "\nchange points of these series: {total} (E-Divisive means, Student's t-test, \
         Bonferroni-adjusted p ≤ {ALPHA}){}",
        if total > 0 { ", newest first:" } else { "" }
    );
    if total > 0 && format == Format::Markdown {
        let _ = writeln!(
            out,
            "\n| series | configuration | metric | at label | change | confidence |\n\
             |---|---|---|---|---:|---:|"
        );
    }
    for (_, line) in all.iter().take(LISTED) {
        let _ = writeln!(out, "{line}");
    }
    if total > LISTED {
        let _ = writeln!(
            out,
            "\n{} more (--format json lists every one)",
            total - LISTED
        );
    }
}

/// `compare`'s JSON document with the check's keys: `label`, `commit`,
/// `db`, `base_rule`, `change_point_method`, and per row `series`,
/// `machine`, `base_labels` and `change_points`.
fn json_text(check: &Check, history: &History, db: &Path) -> String {
    let mut doc = crate::compare::document(&check.comparison);
    let label = &history.labels[check.label];
    if let Value::Object(map) = &mut doc {
        map.insert("label".into(), json!(label.name));
        map.insert("commit".into(), json!(label.commit));
        map.insert("db".into(), json!(db.display().to_string()));
        map.insert(
            "base_rule".into(),
            json!(format!(
                "up to {BASE_LABELS} labels before the label, back to the last change point"
            )),
        );
        map.insert(
            "change_point_method".into(),
            json!("e_divisive_means_student_t"),
        );
        map.insert("exit_code".into(), json!(check.exit_code()));
    }
    if let Some(Value::Array(rows)) = doc.get_mut("rows") {
        for (row, extra) in rows.iter_mut().zip(&check.rows) {
            let series = &history.series[extra.series];
            let Value::Object(map) = row else { continue };
            map.insert("series".into(), json!(series.info.id));
            map.insert(
                "machine".into(),
                json!({
                    "cpu_model": series.info.cpu_model,
                    "cores": series.info.cores,
                    "kernel": series.info.kernel,
                }),
            );
            let names: Vec<&str> = extra
                .base_labels
                .iter()
                .map(|&l| history.labels[l].name.as_str())
                .collect();
            map.insert("base_labels".into(), json!(names));
            let points: Vec<Value> = extra
                .change_points
                .iter()
                .map(|(at, c)| {
                    json!({
                        "label": history.labels[*at].name,
                        "before": finite(c.before),
                        "after": finite(c.after),
                        "change_pct": finite(c.change_pct),
                        "p_adjusted": finite(c.p),
                        "confidence_pct": finite(c.confidence_pct()),
                    })
                })
                .collect();
            map.insert("change_points".into(), Value::Array(points));
        }
    }
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A finite number, or `null`.
fn finite(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}
