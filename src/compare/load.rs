//! The metrics `compare` needs, from runs.csv and futures.csv.

use std::collections::HashMap;
use std::path::Path;

use super::{Better, ConfigKey, Metrics, Series};
use crate::error::{Error, Result};
use crate::export::columns;

/// Reads `dir/name` as rows of column → value, after checking that its
/// header holds the contract's columns in order.
fn read(dir: &Path, name: &str, contract: &[&str]) -> Result<Vec<HashMap<String, String>>> {
    let path = dir.join(name);
    if !dir.is_dir() {
        return Err(Error::bad_input(format!(
            "{}: not a result folder",
            dir.display()
        )));
    }
    let csv_error = |message: String| Error::Csv {
        path: path.clone(),
        message,
    };
    let mut reader = csv::Reader::from_path(&path).map_err(|e| csv_error(e.to_string()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    if header.len() < contract.len() || header[..contract.len()] != *contract {
        return Err(csv_error(format!(
            "the header is not the contract's (expected it to start with {})",
            contract.join(",")
        )));
    }
    reader
        .records()
        .map(|r| {
            let r = r.map_err(|e| csv_error(e.to_string()))?;
            Ok(header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect())
        })
        .collect()
}

fn number(
    dir: &Path,
    file: &str,
    row: &HashMap<String, String>,
    column: &str,
) -> Result<Option<f64>> {
    let cell = row.get(column).map(String::as_str).unwrap_or("");
    if cell.is_empty() {
        return Ok(None);
    }
    cell.parse().map(Some).map_err(|_| Error::Csv {
        path: dir.join(file),
        message: format!("{column} = `{cell}` is not a number"),
    })
}

/// Per configuration: makespan and efficiency from runs.csv; each future's
/// completion, p99 scheduling delay and p99 poll duration from futures.csv;
/// one value per repeat.
pub(super) fn metrics(dir: &Path) -> Result<Metrics> {
    let runs = read(dir, "runs.csv", columns::RUNS)?;
    let futures = read(dir, "futures.csv", columns::FUTURES)?;
    let mut keys: HashMap<String, ConfigKey> = HashMap::new();
    let mut out = Metrics::new();
    let mut add =
        |key: &ConfigKey, metric: String, better: Better, unit: &'static str, value: f64| {
            out.entry(key.clone())
                .or_default()
                .entry(metric)
                .or_insert_with(|| Series {
                    better,
                    unit,
                    values: Vec::new(),
                })
                .values
                .push(value);
        };
    for row in &runs {
        let int =
            |c: &str| -> Result<u64> { Ok(number(dir, "runs.csv", row, c)?.unwrap_or(0.0) as u64) };
        let key = ConfigKey {
            scenario: row["scenario"].clone(),
            flavor: row["flavor"].clone(),
            workers: int("workers")?,
            cost_kind: row["cost_kind"].clone(),
            light_cost_us: int("light_cost_us")?,
            heavy_cost_us: int("heavy_cost_us")?,
            samples: int("samples")?,
            tasks: int("tasks")?,
        };
        if let Some(makespan) = number(dir, "runs.csv", row, "makespan_us")? {
            add(&key, "makespan".into(), Better::Lower, "ns", makespan * 1e3);
        }
        if let Some(efficiency) = number(dir, "runs.csv", row, "efficiency")? {
            add(
                &key,
                "efficiency".into(),
                Better::Higher,
                "ratio",
                efficiency,
            );
        }
        keys.insert(row["run_id"].clone(), key);
    }
    for row in &futures {
        let Some(key) = keys.get(&row["run_id"]) else {
            return Err(Error::Csv {
                path: dir.join("futures.csv"),
                message: format!("run `{}` is not in runs.csv", row["run_id"]),
            });
        };
        let future = &row["future"];
        for (column, metric) in [
            ("completed_ns", "completion"),
            ("sched_delay_p99_ns", "sched_delay p99"),
            ("poll_p99_ns", "poll p99"),
        ] {
            if let Some(v) = number(dir, "futures.csv", row, column)? {
                add(key, format!("{future} {metric}"), Better::Lower, "ns", v);
            }
        }
    }
    Ok(out)
}
