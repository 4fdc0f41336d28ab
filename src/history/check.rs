//! `history check`: the newest (or a given) label judged against the
//! labels before it, with `compare`'s statistics, and the change points
//! of every series it has.
//!
//! # The base
//!
//! Per series (configuration and machine) and metric, the base is the
//! repeats of up to [`BASE_LABELS`] labels before the checked one, back to
//! the last change point among them ([`super::change_points`]): the level
//! the code had before this label, from more repeats than one label has,
//! never mixing levels across a known change. Disturbed runs of the base
//! labels are left out of it (they are not the level); a disturbed run of
//! the checked label makes the row `disturbed`, as in `compare`. The rows
//! of every series and metric are then judged together by `compare`'s
//! judge ([`crate::compare::judge`]: repeats as the unit, a t-test on
//! logarithms, Benjamini–Hochberg over all rows, threshold and floor), so
//! verdicts and exit codes mean what they mean for `compare`.

use std::path::{Path, PathBuf};

use super::change_points::{ChangePoint, change_points};
use super::load::{History, Series};
use crate::compare::{Case, Comparison, Row, Rules, judge};
use crate::error::{Error, Result};

/// Most labels before the checked one that make its base.
pub(crate) const BASE_LABELS: usize = 5;

/// One row's history beyond `compare`'s: where its base came from and the
/// series' change points.
pub(crate) struct RowHistory {
    /// The series (index in [`History::series`]).
    pub series: usize,
    /// The labels of the base (indices in [`History::labels`]).
    pub base_labels: Vec<usize>,
    /// The change points over the whole series, at label indices.
    pub change_points: Vec<(usize, ChangePoint)>,
}

/// The check: a comparison in `compare`'s terms, and each row's history.
pub(crate) struct Check {
    /// The checked label's index.
    pub label: usize,
    /// BASE: the labels before; NEW: the label; the rows.
    pub comparison: Comparison,
    /// Per row of `comparison`.
    pub rows: Vec<RowHistory>,
}

impl Check {
    /// As `compare`'s, but 3 when nothing could be judged (no series of
    /// the label has an earlier label on its machine).
    pub(crate) fn exit_code(&self) -> i32 {
        if self.comparison.rows.is_empty() {
            3
        } else {
            self.comparison.exit_code()
        }
    }
}

/// One metric of one series: its undisturbed values per label, label
/// indices beside.
fn labelled_values(series: &Series, m: usize, before: usize) -> Vec<(usize, Vec<f64>)> {
    series
        .points
        .iter()
        .filter(|p| p.label < before)
        .map(|p| (p.label, p.values(m, false)))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The change points of `labelled` (label index, values), at label indices.
fn located(labelled: &[(usize, Vec<f64>)], floor: f64) -> Vec<(usize, ChangePoint)> {
    let values: Vec<Vec<f64>> = labelled.iter().map(|(_, v)| v.clone()).collect();
    change_points(&values, floor)
        .into_iter()
        .map(|c| (labelled[c.at].0, c))
        .collect()
}

/// The label `wanted` names, else the newest.
fn target(history: &History, wanted: Option<&str>, db: &Path) -> Result<usize> {
    let newest = history.labels.len().checked_sub(1);
    match wanted {
        None => newest.ok_or_else(|| {
            Error::bad_input(format!(
                "{}: no labels yet (pollscope history add FOLDER)",
                crate::error::shown_path(db)
            ))
        }),
        Some(name) => history
            .labels
            .iter()
            .position(|l| l.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = history.labels.iter().map(|l| l.name.as_str()).collect();
                let shown = names[names.len().saturating_sub(5)..].join(", ");
                Error::bad_input(format!(
                    "no label `{}` in {} (newest: {shown}; `pollscope history list` shows all)",
                    crate::error::shown(name),
                    crate::error::shown_path(db)
                ))
            }),
    }
}

/// A row before judging.
struct Pending {
    metric: usize,
    base: crate::compare::Series,
    new: crate::compare::Series,
    disturbed: bool,
    extra: RowHistory,
}

/// The row of metric `m` of series `series` (index `s`) at `label`, whose
/// runs gave `new`: `None` where no earlier label has the metric.
fn pending_row(
    series: &Series,
    s: usize,
    m: usize,
    label: usize,
    new: Vec<f64>,
    disturbed: bool,
) -> Option<Pending> {
    let metric = &series.metrics[m];
    let prior = labelled_values(series, m, label);
    if new.is_empty() || prior.is_empty() {
        return None;
    }
    let floor = metric.unit.floor();
    let since = located(&prior, floor).last().map_or(0, |(l, _)| {
        prior.iter().position(|(p, _)| p == l).unwrap_or(0)
    });
    let window = &prior[since.max(prior.len().saturating_sub(BASE_LABELS))..];
    let side = |values: Vec<f64>| crate::compare::Series {
        better: metric.better,
        unit: metric.unit,
        values,
    };
    Some(Pending {
        metric: m,
        base: side(window.iter().flat_map(|(_, v)| v.iter().copied()).collect()),
        new: side(new),
        disturbed,
        extra: RowHistory {
            series: s,
            base_labels: window.iter().map(|(l, _)| *l).collect(),
            change_points: located(&labelled_values(series, m, usize::MAX), floor),
        },
    })
}

/// Judges label `wanted` (default: the newest) of `history`.
pub(crate) fn check(
    history: &History,
    wanted: Option<&str>,
    rules: Rules,
    db: &Path,
) -> Result<Check> {
    let label = target(history, wanted, db)?;
    let mut pending: Vec<Pending> = Vec::new();
    let (mut only_in_base, mut only_in_new) = (Vec::new(), Vec::new());
    for (s, series) in history.series.iter().enumerate() {
        let Some(point) = series.points.iter().find(|p| p.label == label) else {
            let previous = label.checked_sub(1);
            if series.points.iter().any(|p| Some(p.label) == previous) {
                only_in_base.push(series.config.clone());
            }
            continue;
        };
        if !series.points.iter().any(|p| p.label < label) {
            only_in_new.push(series.config.clone());
            continue;
        }
        for m in 0..series.metrics.len() {
            let new = point.values(m, true);
            if let Some(p) = pending_row(series, s, m, label, new, point.disturbed()) {
                pending.push(p);
            }
        }
    }
    let cases: Vec<Case<'_>> = pending
        .iter()
        .map(|p| Case {
            base: &p.base,
            new: &p.new,
            disturbed: p.disturbed,
        })
        .collect();
    let judged = judge(&cases, rules);
    let (rows, extras): (Vec<Row>, Vec<RowHistory>) = pending
        .into_iter()
        .zip(judged)
        .map(|(p, judged)| {
            let series = &history.series[p.extra.series];
            let row = Row {
                config: series.config.clone(),
                vary: Vec::new(),
                metric: series.metrics[p.metric].name.clone(),
                unit: p.base.unit,
                better: p.base.better,
                base_values: p.base.values,
                new_values: p.new.values,
                judged,
            };
            (row, p.extra)
        })
        .unzip();
    let base = label
        .checked_sub(1)
        .map_or_else(|| "(none)".to_string(), |p| history.labels[p].name.clone());
    Ok(Check {
        label,
        comparison: Comparison {
            base: PathBuf::from(base),
            new: PathBuf::from(&history.labels[label].name),
            vary: Vec::new(),
            rows,
            only_in_base,
            only_in_new,
            without_varied: Vec::new(),
            threshold_pct: rules.threshold_pct,
            fdr: rules.fdr,
            warnings: Vec::new(),
        },
        rows: extras,
    })
}
