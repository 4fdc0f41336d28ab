//! A result folder as the history stores it: per run, its runs.csv row,
//! configuration, metrics (what `compare` judges), histograms and
//! findings, identified by a hash of its content.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::common::hash::Fnv;
use crate::compare::{Better, ConfigKey, Unit, future_metrics, run_metrics};
use crate::error::{Error, Result};
use crate::export::rows::{FindingRow, FutureRow, HistogramRow, Row, RunRow, read_rows};
use crate::scenario::Setting;

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

/// A series: one configuration on one machine fingerprint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SeriesKey {
    /// The short stable id (a hash of everything below).
    pub id: String,
    /// The scenario.
    pub scenario: String,
    /// The settings as a JSON object, name → value.
    pub configuration: String,
    /// The configuration for people (`two_futures w2 heavy=500us …`).
    pub description: String,
    /// runs.csv's `cpu_model`; in a folder written before runs.csv had
    /// it, /proc/cpuinfo's model name of the machine that adds it
    /// (`unknown` where neither says).
    pub cpu_model: String,
    /// Cores available to the run.
    pub cores: u64,
    /// The kernel's release (`unknown` where runs.csv has none).
    pub kernel: String,
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
    let settings: Vec<(&'static str, String)> = Setting::ALL
        .iter()
        .filter_map(|&s| Some((s.spec().name, key.value(s)?)))
        .collect();
    let configuration: BTreeMap<&str, &str> =
        settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let configuration = serde_json::to_string(&configuration).expect("a map of strings serializes");
    let kernel = row.kernel.as_deref().unwrap_or("unknown").to_string();
    let fingerprint = format!(
        "{}\u{1f}{configuration}\u{1f}{cpu_model}\u{1f}{}\u{1f}{kernel}",
        key.scenario, row.cores
    );
    let series = SeriesKey {
        id: Fnv::default().write(fingerprint.as_bytes()).hex()[..10].to_string(),
        scenario: key.scenario.clone(),
        configuration,
        description: key.to_string(),
        cpu_model: cpu_model.to_string(),
        cores: row.cores,
        kernel,
    };
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
