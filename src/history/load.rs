//! The whole history in memory, as `check` and `report` read it: the
//! labels in order, and per series each label's runs with their metrics.
//!
//! Labels are ordered by their first run in the database (the order they
//! were first added; the history keeps no commit times, and `add` is run
//! as commits land). A label added again later keeps its place.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::Connection;

use super::db::sqlite;
use super::query::{SeriesInfo, all_series};
use super::series_key::SeriesKey;
use crate::compare::{Better, ConfigKey, Unit};
use crate::error::Result;

/// A label.
pub(crate) struct Label {
    /// Its name.
    pub name: String,
    /// The commit of its first run.
    pub commit: String,
    /// The folders its runs were added from, as given to `add`, in order.
    pub sources: Vec<String>,
}

/// A metric of a series.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Metric {
    /// As `compare` names it.
    pub name: String,
    /// Its unit (and so its floor).
    pub unit: Unit,
    /// Which way is better.
    pub better: Better,
}

/// A run's figures.
pub(crate) struct Run {
    /// runs.csv's `disturbed` was 1.
    pub disturbed: bool,
    /// Per metric of the series (by index), its value where the run has it.
    pub values: Vec<Option<f64>>,
}

/// A series' runs at one label.
pub(crate) struct Point {
    /// The label's index in [`History::labels`].
    pub label: usize,
    /// The runs, in the order they were added.
    pub runs: Vec<Run>,
}

impl Point {
    /// The values of metric `m` over the runs (the disturbed ones too
    /// when `disturbed`).
    pub(crate) fn values(&self, m: usize, disturbed: bool) -> Vec<f64> {
        self.runs
            .iter()
            .filter(|r| disturbed || !r.disturbed)
            .filter_map(|r| r.values.get(m).copied().flatten())
            .collect()
    }

    /// Whether a run here was disturbed.
    pub(crate) fn disturbed(&self) -> bool {
        self.runs.iter().any(|r| r.disturbed)
    }
}

/// A series: one configuration on one machine.
pub(crate) struct Series {
    /// What `history list` shows of it.
    pub info: SeriesInfo,
    /// Its configuration as `compare` keys it.
    pub config: ConfigKey,
    /// Its metrics, in the order first met.
    pub metrics: Vec<Metric>,
    /// One point per label it has runs at, in label order.
    pub points: Vec<Point>,
}

/// The history.
pub(crate) struct History {
    /// In order (see the module).
    pub labels: Vec<Label>,
    /// In `history list`'s order.
    pub series: Vec<Series>,
}

/// One row of the query: a metric of a run.
struct Cell {
    run: i64,
    series: String,
    label: String,
    commit: String,
    source: String,
    disturbed: bool,
    metric: String,
    unit: String,
    better: String,
    value: f64,
}

/// Reads the whole history.
pub(crate) fn history(conn: &Connection, db: &Path) -> Result<History> {
    let err = |e: rusqlite::Error| sqlite(db, &e);
    let mut series: Vec<Series> = Vec::new();
    let mut series_at = HashMap::new();
    // A history not yet migrated to schema 3 may hold series that differ
    // only in a knob their scenario does not use: read as one, as the
    // migration stores them.
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for mut info in all_series(conn).map_err(err)? {
        let config = config_of(&info);
        if !config.values.is_empty() {
            info.description = config.to_string();
        }
        let key = SeriesKey::new(&config, &info.cpu_model, info.cores, &info.kernel).id;
        let at = *by_key.entry(key).or_insert(series.len());
        series_at.insert(info.id.clone(), at);
        match series.get_mut(at) {
            Some(first) => first.info.runs += info.runs,
            None => series.push(Series {
                config,
                info,
                metrics: Vec::new(),
                points: Vec::new(),
            }),
        }
    }
    let mut builder = Builder {
        series_at,
        out: History {
            labels: Vec::new(),
            series,
        },
        labels_at: HashMap::new(),
        points_at: HashMap::new(),
        last_run: None,
    };
    let mut statement = conn
        .prepare(
            "SELECT r.run_key, r.series_id, r.label, r.commit_sha, r.source, \
             coalesce(r.disturbed, 0), m.metric, m.unit, m.better, m.value \
             FROM runs r JOIN metrics m ON m.run_key = r.run_key ORDER BY r.run_key",
        )
        .map_err(err)?;
    let rows = statement
        .query_map([], |r| {
            Ok(Cell {
                run: r.get(0)?,
                series: r.get(1)?,
                label: r.get(2)?,
                commit: r.get(3)?,
                source: r.get(4)?,
                disturbed: r.get::<_, i64>(5)? == 1,
                metric: r.get(6)?,
                unit: r.get(7)?,
                better: r.get(8)?,
                value: r.get(9)?,
            })
        })
        .map_err(err)?;
    for cell in rows {
        builder.add(cell.map_err(err)?);
    }
    let mut out = builder.out;
    for series in &mut out.series {
        series.points.sort_by_key(|p| p.label);
    }
    Ok(out)
}

/// The history as its cells arrive, in run order.
struct Builder {
    out: History,
    series_at: HashMap<String, usize>,
    labels_at: HashMap<String, usize>,
    /// (series, label) → the point's index in the series.
    points_at: HashMap<(usize, usize), usize>,
    last_run: Option<i64>,
}

impl Builder {
    fn add(&mut self, cell: Cell) {
        let Some(&s) = self.series_at.get(&cell.series) else {
            return;
        };
        let labels = &mut self.out.labels;
        let label = *self.labels_at.entry(cell.label.clone()).or_insert_with(|| {
            labels.push(Label {
                name: cell.label.clone(),
                commit: cell.commit.clone(),
                sources: Vec::new(),
            });
            labels.len() - 1
        });
        if !labels[label].sources.contains(&cell.source) {
            labels[label].sources.push(cell.source.clone());
        }
        let series = &mut self.out.series[s];
        let p = *self.points_at.entry((s, label)).or_insert_with(|| {
            series.points.push(Point {
                label,
                runs: Vec::new(),
            });
            series.points.len() - 1
        });
        let m = metric_index(series, &cell);
        let point = &mut series.points[p];
        if self.last_run != Some(cell.run) {
            point.runs.push(Run {
                disturbed: cell.disturbed,
                values: Vec::new(),
            });
            self.last_run = Some(cell.run);
        }
        let run = point.runs.last_mut().expect("pushed above");
        if run.values.len() <= m {
            run.values.resize(m + 1, None);
        }
        run.values[m] = Some(cell.value);
    }
}

/// The index of the cell's metric in its series, added when new.
fn metric_index(series: &mut Series, cell: &Cell) -> usize {
    if let Some(i) = series.metrics.iter().position(|m| m.name == cell.metric) {
        return i;
    }
    series.metrics.push(Metric {
        name: cell.metric.clone(),
        unit: unit(&cell.metric, &cell.unit),
        better: cell.better.parse().unwrap_or(Better::Lower),
    });
    series.metrics.len() - 1
}

/// A metric's [`Unit`] from its stored name and unit (`process_cpu` is
/// the one `ns` metric with the CPU-time floor).
fn unit(metric: &str, unit: &str) -> Unit {
    match unit {
        "ns" if metric == "process_cpu" => Unit::CpuNanos,
        "ns/event" => Unit::NanosPerEvent,
        "ratio" => Unit::Ratio,
        "events/s" => Unit::PerSecond,
        _ => Unit::Nanos,
    }
}

/// The series' configuration as `compare` keys it, from the stored
/// settings (only the scenario where they do not read back).
fn config_of(info: &SeriesInfo) -> ConfigKey {
    let settings: Vec<(&str, &str)> = info
        .configuration
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    ConfigKey::from_spelled(&info.scenario, settings).unwrap_or_else(|| ConfigKey {
        scenario: info.scenario.clone(),
        values: Default::default(),
    })
}
