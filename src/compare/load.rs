//! The metrics `compare` needs, from runs.csv and futures.csv, read through
//! the same row types (and the same checks) as every other reader.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::{Better, ConfigKey, Metrics, Series, Unit};
use crate::error::{Error, Result};
use crate::export::rows::{FutureRow, RunRow, read_rows};
use crate::scenario::Setting;

/// Per configuration: makespan and efficiency from runs.csv; each future's
/// completion, p99 scheduling delay and p99 poll duration, and a service
/// future's p50 and p99 value (round trip, lateness, latency, wait), from
/// futures.csv;
/// one value per repeat.
pub(super) fn metrics(dir: &Path) -> Result<(Metrics, Recorded)> {
    if !dir.is_dir() {
        return Err(Error::bad_input(format!(
            "{}: not a result folder",
            dir.display()
        )));
    }
    let mut keys: HashMap<String, ConfigKey> = HashMap::new();
    let mut recorded = Recorded::default();
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
            values: Setting::ALL
                .iter()
                .filter_map(|&setting| Some((setting, row.setting(setting)?)))
                .collect(),
        };
        recorded.add(&row);
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
    Ok((out, recorded))
}

/// What a folder says about the machines and builds that recorded it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Recorded {
    versions: BTreeMap<&'static str, BTreeSet<String>>,
    cores: BTreeSet<u64>,
    calibrations: Vec<f64>,
}

/// Calibrations (iterations of the `cpu` cost's arithmetic per µs) whose
/// medians differ by more than this fraction warn: a different CPU, clock
/// frequency or load. Within one machine they move by up to about ±5 %
/// between processes, and more on a busy VM.
const CALIBRATION_TOLERANCE: f64 = 0.25;

impl Recorded {
    fn add(&mut self, row: &RunRow<'_>) {
        for (name, value) in [
            ("tokio", &row.tokio_version),
            ("smol", &row.smol_version),
            ("pollscope", &row.pollscope_version),
            ("kernel", &row.kernel),
        ] {
            if let Some(value) = value {
                self.versions
                    .entry(name)
                    .or_default()
                    .insert(value.to_string());
            }
        }
        self.cores.insert(row.cores);
        self.calibrations.extend(row.calibration);
    }

    /// One line per difference between `self` (BASE) and `new`: versions
    /// (tokio, smol, pollscope, kernel) that both record and that differ,
    /// core counts, and calibrations whose medians differ by more than 25 %.
    pub(crate) fn differences(&self, new: &Recorded) -> Vec<String> {
        let show = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
        let mut lines = Vec::new();
        for (name, base) in &self.versions {
            if let Some(other) = new.versions.get(name).filter(|other| *other != base) {
                let what = if *name == "kernel" {
                    "the kernel".to_string()
                } else {
                    format!("{name}'s version")
                };
                lines.push(format!(
                    "{what} differs: {} in base, {} in new",
                    show(base),
                    show(other)
                ));
            }
        }
        if self.cores != new.cores {
            let show = |set: &BTreeSet<u64>| {
                set.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            lines.push(format!(
                "the cores differ: {} in base, {} in new (scheduling depends on them)",
                show(&self.cores),
                show(&new.cores)
            ));
        }
        let median = |v: &[f64]| crate::common::stats::median_f64(&mut v.to_vec());
        if let (Some(b), Some(n)) = (median(&self.calibrations), median(&new.calibrations))
            && b > 0.0
            && ((n - b) / b).abs() > CALIBRATION_TOLERANCE
        {
            lines.push(format!(
                "the calibration differs: {b:.1} iterations/µs in base, {n:.1} in new ({:+.0} %): \
                 another CPU, clock or load; `cpu` costs are on-CPU time either way, `spin` and wall times are not",
                (n - b) / b * 100.0
            ));
        }
        lines
    }
}
