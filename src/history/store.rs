//! Writing a folder's runs: one transaction per folder, a run already
//! present (same content id) left as it is.

use std::path::Path;

use rusqlite::{Connection, Transaction, params};

use super::db::sqlite;
use super::folder::RunRecord;
use crate::error::Result;

/// Who and when: what every run added by one command records.
pub(crate) struct Stamp {
    /// The label.
    pub label: String,
    /// The commit.
    pub commit: String,
    /// When, RFC 3339 UTC.
    pub added_at: String,
}

/// Stores `records` (from the folder `source`) in one transaction; returns
/// (runs added, runs already present).
pub(crate) fn add(
    conn: &mut Connection,
    db: &Path,
    source: &Path,
    records: &[RunRecord],
    stamp: &Stamp,
) -> Result<(usize, usize)> {
    let err = |e: rusqlite::Error| sqlite(db, &e);
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(err)?;
    let mut added = 0;
    for record in records {
        let present: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM runs WHERE content_id = ?1)",
                [&record.content_id],
                |r| r.get(0),
            )
            .map_err(err)?;
        if !present {
            insert(&tx, source, record, stamp).map_err(err)?;
            added += 1;
        }
    }
    tx.commit().map_err(err)?;
    Ok((added, records.len() - added))
}

/// One run: its series (when new), its row, settings, metrics, histograms
/// and findings.
fn insert(
    tx: &Transaction<'_>,
    source: &Path,
    record: &RunRecord,
    stamp: &Stamp,
) -> rusqlite::Result<()> {
    record.series.store(tx)?;
    insert_run(tx, source, record, stamp)?;
    let id = tx.last_insert_rowid();
    let mut setting =
        tx.prepare_cached("INSERT INTO settings (run_key, setting, value) VALUES (?1, ?2, ?3)")?;
    for (name, value) in &record.settings {
        setting.execute(params![id, name, value])?;
    }
    let mut metric = tx.prepare_cached(
        "INSERT OR REPLACE INTO metrics (run_key, metric, unit, better, value) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (name, better, unit, value) in &record.metrics {
        metric.execute(params![id, name, unit.as_str(), better.as_str(), value])?;
    }
    let mut histogram = tx.prepare_cached(
        "INSERT INTO histograms (run_key, future, metric, points) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for ((future, metric), points) in histogram_points(record) {
        histogram.execute(params![id, future, metric, points])?;
    }
    let mut finding = tx.prepare_cached(
        "INSERT INTO findings (run_key, claim, verdict, reason, evidence) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for f in &record.findings {
        finding.execute(params![
            id,
            f.claim,
            f.verdict.to_string(),
            f.reason,
            f.evidence
        ])?;
    }
    Ok(())
}

/// The run's row of `runs`.
fn insert_run(
    tx: &Transaction<'_>,
    source: &Path,
    record: &RunRecord,
    stamp: &Stamp,
) -> rusqlite::Result<()> {
    let r = &record.row;
    tx.prepare_cached(
        "INSERT INTO runs (content_id, series_id, label, commit_sha, added_at, source, run_id, \
         scenario, repeat, tokio_version, smol_version, pollscope_version, kernel, cpu_model, \
         cores, calibration, makespan_us, lower_bound_us, efficiency, other_cpu_pct, steal_pct, \
         idle_pct, disturbed, events, events_per_s, process_cpu_ns, cpu_per_event_ns, \
         started_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
         ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
    )?
    .execute(params![
        record.content_id,
        record.series.id,
        stamp.label,
        stamp.commit,
        stamp.added_at,
        source.display().to_string(),
        r.run_id,
        r.scenario,
        r.repeat,
        r.tokio_version,
        r.smol_version,
        r.pollscope_version,
        r.kernel,
        record.series.cpu_model,
        r.cores,
        r.calibration,
        r.makespan_us,
        r.lower_bound_us,
        r.efficiency,
        r.other_cpu_pct,
        r.steal_pct,
        r.idle_pct,
        r.disturbed,
        r.events,
        r.events_per_s,
        r.process_cpu_ns,
        r.cpu_per_event_ns,
        r.started_at
    ])?;
    Ok(())
}

/// Each (future, metric) histogram of the run as the JSON array of its
/// `[percentile, value_ns, count]` points, in the file's order.
fn histogram_points(record: &RunRecord) -> Vec<((&str, &str), String)> {
    let mut grouped: std::collections::BTreeMap<(&str, &str), Vec<serde_json::Value>> =
        std::collections::BTreeMap::new();
    for h in &record.histograms {
        grouped
            .entry((h.future.as_ref(), h.metric.as_ref()))
            .or_default()
            .push(serde_json::json!([
                percentile(h.percentile),
                h.value_ns,
                h.count
            ]));
    }
    grouped
        .into_iter()
        .map(|(key, points)| (key, serde_json::Value::Array(points).to_string()))
        .collect()
}

/// A percentile as JSON, whole ones without a fraction (`10`, `99.9`).
fn percentile(p: f64) -> serde_json::Value {
    if p.fract() == 0.0 && p.abs() < 1e15 {
        serde_json::Value::from(p as i64)
    } else {
        serde_json::Value::from(p)
    }
}
