//! The metrics `compare` needs, from runs.csv and futures.csv, read through
//! the same row types (and the same checks) as every other reader.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::{Better, ConfigKey, ConfigMetrics, Metrics, Series, Unit};
use crate::error::{Error, Result};
use crate::export::rows::{FutureRow, RunRow, read_rows};

/// A result folder as `compare` reads it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Folder {
    /// Each configuration's metrics.
    pub metrics: Metrics,
    /// The machines and builds that recorded it.
    pub recorded: Recorded,
    /// The configurations in the order of their first run in runs.csv.
    pub order: Vec<ConfigKey>,
}

/// The metrics `compare` judges, one value per repeat. From runs.csv:
/// `makespan`, `efficiency`, and where the run stage filled them
/// `events_per_s` (higher is better), `cpu_per_event` and `process_cpu`
/// (lower is better). From futures.csv, per future: its `completion`,
/// `sched_delay p99` and `poll p99`, and a service future's `value p50`
/// and `value p99` (round trip, lateness, latency, wait). A configuration
/// is disturbed where runs.csv marks any of its runs `disturbed`.
pub(super) fn folder(dir: &Path) -> Result<Folder> {
    if !dir.is_dir() {
        return Err(Error::bad_input(format!(
            "{}: not a result folder",
            crate::error::shown_path(dir)
        )));
    }
    let mut keys: HashMap<String, ConfigKey> = HashMap::new();
    let mut out = Folder::default();
    for (line, row) in read_rows::<RunRow<'_>>(dir)? {
        // As `plot` does: a run counted twice would hide behind the first.
        if keys.contains_key(row.run_id.as_ref()) {
            return Err(Error::csv(
                dir.join("runs.csv"),
                Some(line),
                format!("run_id: `{}` appears twice", row.run_id),
            ));
        }
        let key = ConfigKey::of(&row);
        out.recorded.add(&row);
        if !out.metrics.contains_key(&key) {
            out.order.push(key.clone());
        }
        let config = out.metrics.entry(key.clone()).or_default();
        config.runs += 1;
        config.disturbed += usize::from(row.disturbed == Some(1));
        for (metric, better, unit, value) in run_metrics(&row) {
            add(config, metric, better, unit, value);
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
        let config = out.metrics.entry(key.clone()).or_default();
        for (name, better, unit, value) in future_metrics(&row) {
            add(config, &name, better, unit, value);
        }
    }
    Ok(out)
}

/// A future's metrics (futures.csv): (name, better, unit, value), those it
/// has; each name is the future's name and the metric (`ticker
/// sched_delay p99`).
pub(crate) fn future_metrics(row: &FutureRow<'_>) -> Vec<(String, Better, Unit, f64)> {
    [
        (row.completed_ns, "completion"),
        (row.sched_delay_p99_ns, "sched_delay p99"),
        (row.poll_p99_ns, "poll p99"),
        (row.value_p50_ns, "value p50"),
        (row.value_p99_ns, "value p99"),
    ]
    .into_iter()
    .filter_map(|(value, metric)| {
        let name = format!("{} {metric}", row.future);
        Some((name, Better::Lower, Unit::Nanos, value? as f64))
    })
    .collect()
}

/// A run's own metrics (runs.csv): (name, better, unit, value), those it
/// has.
pub(crate) fn run_metrics(row: &RunRow<'_>) -> Vec<(&'static str, Better, Unit, f64)> {
    let mut metrics = vec![(
        "makespan",
        Better::Lower,
        Unit::Nanos,
        row.makespan_us as f64 * 1e3,
    )];
    let optional = [
        ("efficiency", Better::Higher, Unit::Ratio, row.efficiency),
        (
            "events_per_s",
            Better::Higher,
            Unit::PerSecond,
            row.events_per_s,
        ),
        (
            "cpu_per_event",
            Better::Lower,
            Unit::NanosPerEvent,
            row.cpu_per_event_ns.map(|v| v as f64),
        ),
        (
            "process_cpu",
            Better::Lower,
            Unit::CpuNanos,
            row.process_cpu_ns.map(|v| v as f64),
        ),
    ];
    metrics.extend(
        optional
            .into_iter()
            .filter_map(|(name, better, unit, value)| Some((name, better, unit, value?))),
    );
    metrics
}

fn add(config: &mut ConfigMetrics, metric: &str, better: Better, unit: Unit, value: f64) {
    config
        .series
        .entry(metric.to_string())
        .or_insert_with(|| Series {
            better,
            unit,
            values: Vec::new(),
        })
        .values
        .push(value);
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
