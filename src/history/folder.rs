//! A result folder as the history stores it: per run, its runs.csv row,
//! configuration, metrics (what `compare` judges), histograms and
//! findings, identified by a hash of its content.

use std::collections::HashMap;
use std::path::Path;

use super::series_key::{SeriesKey, spelled_settings};
use crate::common::hash::Fnv;
use crate::compare::{Better, ConfigKey, Unit, future_metrics, run_metrics};
use crate::error::{Error, Result};
use crate::export::rows::{FindingRow, FutureRow, HistogramRow, Row, RunRow, lacks, read_rows};

/// One run of a folder, ready to store.
pub(crate) struct RunRecord {
    /// The hash of its runs.csv row and futures.csv rows.
    pub content_id: String,
    /// Its runs.csv row.
    pub row: RunRow<'static>,
    /// Its series: configuration and machine.
    pub series: SeriesKey,
    /// Every setting it has a value of, by name.
    pub settings: Vec<(&'static str, String)>,
    /// What `compare` judges: (name, better, unit, value).
    pub metrics: Vec<(String, Better, Unit, f64)>,
    /// Its histograms.csv rows.
    pub histograms: Vec<HistogramRow<'static>>,
    /// Its findings.csv rows.
    pub findings: Vec<FindingRow<'static>>,
}

/// Reads every run of the result folder `dir`.
pub(crate) fn read(dir: &Path) -> Result<Vec<RunRecord>> {
    if !dir.is_dir() {
        return Err(Error::bad_input(format!(
            "{}: not a result folder",
            crate::error::shown_path(dir)
        )));
    }
    let ids = content_ids(dir)?;
    let here = crate::trace::cpu_model().unwrap_or_else(|| "unknown".to_string());
    let mut records = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (_, row) in read_rows::<RunRow<'static>>(dir)? {
        let Some(content_id) = ids.get(row.run_id.as_ref()).cloned() else {
            continue;
        };
        at.insert(row.run_id.to_string(), records.len());
        let cpu_model = row.cpu_model.as_deref().unwrap_or(&here).to_string();
        records.push(record(row, content_id, &cpu_model));
    }
    let in_run = |line: u64, file: &str, run_id: &str| {
        at.get(run_id).copied().ok_or_else(|| {
            Error::csv(
                dir.join(file),
                Some(line),
                format!("run_id: run `{run_id}` is not in runs.csv"),
            )
        })
    };
    for (line, row) in read_rows::<FutureRow<'static>>(dir)? {
        let i = in_run(line, FutureRow::FILE, &row.run_id)?;
        records[i].metrics.extend(future_metrics(&row));
    }
    for (line, row) in optional_rows::<HistogramRow<'static>>(dir)? {
        let i = in_run(line, HistogramRow::FILE, &row.run_id)?;
        records[i].histograms.push(row);
    }
    for (line, row) in optional_rows::<FindingRow<'static>>(dir)? {
        let i = in_run(line, FindingRow::FILE, &row.run_id)?;
        records[i].findings.push(row);
    }
    Ok(records)
}

/// A run's record from its runs.csv row, before its futures' metrics.
fn record(row: RunRow<'static>, content_id: String, cpu_model: &str) -> RunRecord {
    let key = ConfigKey::of(&row);
    let kernel = row.kernel.as_deref().unwrap_or("unknown");
    let series = SeriesKey::new(&key, cpu_model, row.cores, kernel);
    let settings = spelled_settings(&key);
    RunRecord {
        content_id,
        metrics: run_metrics(&row)
            .into_iter()
            .map(|(name, better, unit, value)| (name.to_string(), better, unit, value))
            .collect(),
        row,
        series,
        settings,
        histograms: Vec::new(),
        findings: Vec::new(),
    }
}

/// The rows of an optional file: none where the folder lacks it.
fn optional_rows<R: Row>(dir: &Path) -> Result<Vec<(u64, R)>> {
    if dir.join(R::FILE).exists() {
        read_rows(dir)
    } else {
        Ok(Vec::new())
    }
}

/// Each run's content id: FNV-1a (128 bits) over its runs.csv row and its
/// futures.csv rows as the files hold them (each cell with its column's
/// name), so the same run gives the same id wherever its folder lies.
fn content_ids(dir: &Path) -> Result<HashMap<String, String>> {
    let mut states: HashMap<String, Fnv> = HashMap::new();
    for file in [RunRow::FILE, FutureRow::FILE] {
        let path = dir.join(file);
        if !path.exists() {
            return Err(lacks(dir, file));
        }
        let mut reader =
            csv::Reader::from_path(&path).map_err(|e| Error::csv(&path, None, e.to_string()))?;
        let header = reader
            .headers()
            .map_err(|e| Error::csv(&path, Some(1), e.to_string()))?
            .clone();
        for record in reader.records() {
            let record = record.map_err(|e| Error::csv(&path, None, e.to_string()))?;
            let run_id = record.get(0).unwrap_or("").to_string();
            let state = states.entry(run_id).or_default();
            state.write(file.as_bytes());
            for (name, cell) in header.iter().zip(record.iter()) {
                state
                    .write(name.as_bytes())
                    .write(b"\x1f")
                    .write(cell.as_bytes())
                    .write(b"\x1e");
            }
        }
    }
    Ok(states.into_iter().map(|(k, v)| (k, v.hex())).collect())
}
