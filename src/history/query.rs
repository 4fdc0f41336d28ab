//! Reading the history back: its labels and series (`history list`), and
//! one series' metric over the labels (`history show`).

use std::fmt::Write as _;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::db::sqlite;
use crate::error::{Error, Result};

/// A label: the runs added under it.
struct Label {
    label: String,
    commits: String,
    first_added: String,
    runs: u64,
}

/// A series as `list` shows it.
#[derive(Clone, Serialize)]
pub(crate) struct SeriesInfo {
    /// Its id.
    pub id: String,
    /// The scenario.
    pub scenario: String,
    /// The configuration for people.
    pub description: String,
    /// The configuration, setting → value.
    pub configuration: serde_json::Value,
    /// The machine: CPU model.
    pub cpu_model: String,
    /// The machine: cores.
    pub cores: u64,
    /// The machine: kernel.
    pub kernel: String,
    /// Runs stored.
    pub runs: u64,
}

/// `history list`: the labels (in the order they were first added) and
/// the series.
pub(crate) fn list(conn: &Connection, db: &Path) -> Result<String> {
    let err = |e: rusqlite::Error| sqlite(db, &e);
    let labels = labels(conn).map_err(err)?;
    let series = all_series(conn).map_err(err)?;
    let mut out = String::new();
    let _ = writeln!(out, "labels ({}):", labels.len());
    let width = labels.iter().map(|l| l.label.len()).max().unwrap_or(0);
    for l in &labels {
        let _ = writeln!(
            out,
            "  {:width$}  commit {}  added {}  {} run{}",
            l.label,
            l.commits,
            l.first_added,
            l.runs,
            plural(l.runs)
        );
    }
    let _ = writeln!(out, "series ({}):", series.len());
    for s in &series {
        let _ = writeln!(
            out,
            "  {}  {}  on {} ({} cores, kernel {})  {} run{}",
            s.id,
            s.description,
            s.cpu_model,
            s.cores,
            s.kernel,
            s.runs,
            plural(s.runs)
        );
    }
    Ok(out)
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn labels(conn: &Connection) -> rusqlite::Result<Vec<Label>> {
    let mut statement = conn.prepare(
        "SELECT label, group_concat(DISTINCT commit_sha), min(added_at), count(*) \
         FROM runs GROUP BY label ORDER BY min(run_key)",
    )?;
    statement
        .query_map([], |r| {
            Ok(Label {
                label: r.get(0)?,
                commits: r.get(1)?,
                first_added: r.get(2)?,
                runs: r.get(3)?,
            })
        })?
        .collect()
}

pub(super) fn all_series(conn: &Connection) -> rusqlite::Result<Vec<SeriesInfo>> {
    let mut statement = conn.prepare(
        "SELECT s.series_id, s.description, s.configuration, s.cpu_model, s.cores, s.kernel, \
         count(r.content_id), s.scenario FROM series s LEFT JOIN runs r ON r.series_id = s.series_id \
         GROUP BY s.series_id ORDER BY s.scenario, s.description, s.series_id",
    )?;
    statement
        .query_map([], |r| {
            let configuration: String = r.get(2)?;
            Ok(SeriesInfo {
                id: r.get(0)?,
                description: r.get(1)?,
                configuration: serde_json::from_str(&configuration)
                    .unwrap_or(serde_json::Value::Null),
                cpu_model: r.get(3)?,
                cores: r.get(4)?,
                kernel: r.get(5)?,
                runs: r.get(6)?,
                scenario: r.get(7)?,
            })
        })?
        .collect()
}

/// One label's values of the metric.
#[derive(Serialize)]
struct LabelValues {
    label: String,
    commit: String,
    added_at: String,
    values: Vec<f64>,
    median: f64,
}

/// `history show`'s answer.
#[derive(Serialize)]
struct Shown {
    series: SeriesInfo,
    metric: String,
    unit: String,
    better: String,
    labels: Vec<LabelValues>,
}

/// `history show SERIES METRIC` in `format`.
pub(crate) fn show(
    conn: &Connection,
    db: &Path,
    series: &str,
    metric: &str,
    format: ShowFormat,
) -> Result<String> {
    let err = |e: rusqlite::Error| sqlite(db, &e);
    let info = find_series(all_series(conn).map_err(err)?, series, db)?;
    let series = info.id.as_str();
    let (unit, better) = metric_kind(conn, series, metric)
        .map_err(err)?
        .ok_or_else(|| unknown_metric(conn, db, series, metric))?;
    let shown = Shown {
        labels: label_values(conn, series, metric).map_err(err)?,
        series: info.clone(),
        metric: metric.to_string(),
        unit,
        better,
    };
    Ok(match format {
        ShowFormat::Text => text(&shown),
        ShowFormat::Json => {
            serde_json::to_string_pretty(&shown).expect("the answer serializes") + "\n"
        }
        ShowFormat::Csv => csv_text(&shown),
    })
}

/// The series whose id is `wanted` or, where none is, the one series whose
/// id starts with it.
fn find_series(all: Vec<SeriesInfo>, wanted: &str, db: &Path) -> Result<SeriesInfo> {
    let mut matching: Vec<SeriesInfo> = all
        .into_iter()
        .filter(|s| s.id.starts_with(wanted))
        .collect();
    if let Some(at) = matching.iter().position(|s| s.id == wanted) {
        return Ok(matching.swap_remove(at));
    }
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 => Err(Error::bad_input(format!(
            "no series `{wanted}` in {} (`pollscope history list` shows them)",
            crate::error::shown_path(db)
        ))),
        n => Err(Error::bad_input(format!(
            "`{wanted}` begins {n} series' ids in {}: give more of it",
            crate::error::shown_path(db)
        ))),
    }
}

fn metric_kind(
    conn: &Connection,
    series: &str,
    metric: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT m.unit, m.better FROM metrics m JOIN runs r ON r.run_key = m.run_key \
         WHERE r.series_id = ?1 AND m.metric = ?2 LIMIT 1",
        params![series, metric],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// The error for a metric the series lacks, naming those it has.
fn unknown_metric(conn: &Connection, db: &Path, series: &str, metric: &str) -> Error {
    let names: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT m.metric FROM metrics m JOIN runs r ON r.run_key = m.run_key \
             WHERE r.series_id = ?1 ORDER BY m.metric",
        )
        .and_then(|mut s| s.query_map([series], |r| r.get(0))?.collect())
        .unwrap_or_default();
    Error::bad_input(format!(
        "series `{series}` in {} has no metric `{metric}`; it has: {}",
        crate::error::shown_path(db),
        names.join(", ")
    ))
}

/// Each label's values (in runs.csv's order) and median, labels in the order
/// they were first added.
fn label_values(
    conn: &Connection,
    series: &str,
    metric: &str,
) -> rusqlite::Result<Vec<LabelValues>> {
    let mut statement = conn.prepare(
        "SELECT r.label, r.commit_sha, r.added_at, m.value FROM runs r \
         JOIN metrics m ON m.run_key = r.run_key \
         WHERE r.series_id = ?1 AND m.metric = ?2 ORDER BY r.run_key",
    )?;
    let rows = statement.query_map(params![series, metric], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, f64>(3)?,
        ))
    })?;
    let mut out: Vec<LabelValues> = Vec::new();
    for row in rows {
        let (label, commit, added_at, value) = row?;
        match out.iter_mut().find(|l| l.label == label) {
            Some(l) => l.values.push(value),
            None => out.push(LabelValues {
                label,
                commit,
                added_at,
                values: vec![value],
                median: f64::NAN,
            }),
        }
    }
    for l in &mut out {
        l.median = crate::common::stats::median_f64(&mut l.values.clone()).unwrap_or(f64::NAN);
    }
    Ok(out)
}

fn text(shown: &Shown) -> String {
    let s = &shown.series;
    let mut out = format!(
        "series {}: {} on {} ({} cores, kernel {})\nmetric {} ({}, {} is better)\n",
        s.id, s.description, s.cpu_model, s.cores, s.kernel, shown.metric, shown.unit, shown.better
    );
    let width = shown
        .labels
        .iter()
        .map(|l| l.label.len())
        .max()
        .unwrap_or(0)
        .max("label".len());
    let _ = writeln!(
        out,
        "{:width$}  {:>7}  {:>14}  values",
        "label", "repeats", "median"
    );
    for l in &shown.labels {
        let _ = writeln!(
            out,
            "{:width$}  {:>7}  {:>14}  {}",
            l.label,
            l.values.len(),
            number(l.median),
            l.values
                .iter()
                .map(|&v| number(v))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    out
}

/// A value as it is stored: whole numbers without a fraction.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// One row per label: label, commit, added_at, repeats, median, values
/// (`;`-separated).
fn csv_text(shown: &Shown) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["label", "commit", "added_at", "repeats", "median", "values"]);
    for l in &shown.labels {
        let values: Vec<String> = l.values.iter().map(|&v| number(v)).collect();
        let _ = writer.write_record([
            l.label.as_str(),
            &l.commit,
            &l.added_at,
            &l.values.len().to_string(),
            &number(l.median),
            &values.join(";"),
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `history show`'s output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ShowFormat {
    /// A table for people.
    Text,
    /// One JSON document.
    Json,
    /// CSV, one row per label.
    Csv,
}
