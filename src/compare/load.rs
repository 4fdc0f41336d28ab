//! The metrics `compare` needs, from runs.csv and futures.csv, read through
//! the same row types (and the same checks) as every other reader.

use std::collections::HashMap;
use std::path::Path;

use super::{Better, ConfigKey, Metrics, Series, Unit};
use crate::error::{Error, Result};
use crate::export::rows::{FutureRow, RunRow, read_rows};

/// Per configuration: makespan and efficiency from runs.csv; each future's
/// completion, p99 scheduling delay and p99 poll duration, and a service
/// future's p50 and p99 value (round trip, lateness, latency, wait), from
/// futures.csv;
/// one value per repeat.
pub(super) fn metrics(dir: &Path) -> Result<Metrics> {
    if !dir.is_dir() {
        return Err(Error::bad_input(format!(
            "{}: not a result folder",
            dir.display()
        )));
    }
    let mut keys: HashMap<String, ConfigKey> = HashMap::new();
    let mut out = Metrics::new();
    let mut add = |key: &ConfigKey, metric: String, better: Better, unit: Unit, value: f64| {
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
    for (_, row) in read_rows::<RunRow<'_>>(dir)? {
        let key = ConfigKey {
            scenario: row.scenario.to_string(),
            flavor: row.flavor,
            workers: row.workers,
            cost_kind: row.cost_kind,
            light_cost_us: row.light_cost_us,
            heavy_cost_us: row.heavy_cost_us,
            samples: row.samples,
            tasks: row.tasks,
            poll_cpu_time: row.poll_cpu_time == Some(1),
        };
        add(
            &key,
            "makespan".into(),
            Better::Lower,
            Unit::Nanos,
            row.makespan_us as f64 * 1e3,
        );
        if let Some(efficiency) = row.efficiency {
            add(
                &key,
                "efficiency".into(),
                Better::Higher,
                Unit::Ratio,
                efficiency,
            );
        }
        keys.insert(row.run_id.into_owned(), key);
    }
    for (line, row) in read_rows::<FutureRow<'_>>(dir)? {
        let Some(key) = keys.get(row.run_id.as_ref()) else {
            return Err(Error::csv(
                dir.join("futures.csv"),
                Some(line),
                format!("run_id: run `{}` is not in runs.csv", row.run_id),
            ));
        };
        for (value, metric) in [
            (row.completed_ns, "completion"),
            (row.sched_delay_p99_ns, "sched_delay p99"),
            (row.poll_p99_ns, "poll p99"),
            (row.value_p50_ns, "value p50"),
            (row.value_p99_ns, "value p99"),
        ] {
            if let Some(v) = value {
                add(
                    key,
                    format!("{} {metric}", row.future),
                    Better::Lower,
                    Unit::Nanos,
                    v as f64,
                );
            }
        }
    }
    Ok(out)
}
