//! Per-scenario summary of a matrix: makespan and each light future's
//! completion time against workers, one line per cost.

use std::collections::BTreeMap;
use std::time::Duration;

use plotters::prelude::*;

use super::palette::{BACKGROUND, FOREGROUND, GRID, thread_color, tick};
use crate::duration::format_duration;
use crate::export::RunResult;
use crate::scenario::{Flavor, Placement};

/// One line of a summary chart: (workers, median ms over repeats).
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryLine {
    /// What the line shows, e.g. `makespan · cpu500us`.
    pub label: String,
    /// Makespan lines are drawn bold, completion lines thin.
    pub makespan: bool,
    /// Palette index of the line's colour: lines of one cost share a hue
    /// family, the makespan first.
    pub color: u16,
    /// (workers, milliseconds), by workers.
    pub points: Vec<(usize, f64)>,
}

/// The summary of one scenario's multi_thread runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioSummary {
    /// The scenario.
    pub scenario: String,
    /// Its lines.
    pub lines: Vec<SummaryLine>,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// A summary for every scenario whose multi_thread runs span two or more
/// worker counts. Light futures are the inline ones whose cost is the
/// run's light cost; values are medians over repeats.
pub fn scenario_summaries(results: &[RunResult]) -> Vec<ScenarioSummary> {
    // scenario → (cost kind, heavy cost) → series label → workers → values
    type Series = BTreeMap<String, (bool, BTreeMap<usize, Vec<f64>>)>;
    let mut by_scenario: BTreeMap<String, BTreeMap<(String, Duration), Series>> = BTreeMap::new();
    for r in results {
        let info = &r.trace.info;
        if info.flavor != Flavor::MultiThread {
            continue;
        }
        let cost = (info.cost_kind.as_str().to_string(), info.heavy_cost);
        let series = by_scenario
            .entry(info.scenario.clone())
            .or_default()
            .entry(cost)
            .or_default();
        let mut add = |label: String, makespan: bool, ns: u64| {
            series
                .entry(label)
                .or_insert_with(|| (makespan, BTreeMap::new()))
                .1
                .entry(info.workers)
                .or_default()
                .push(ns as f64 / 1e6);
        };
        add("makespan".to_string(), true, r.analysis.makespan_ns);
        for (f, stats) in r.trace.futures.iter().zip(&r.analysis.futures) {
            if f.placement == Placement::Inline
                && f.cost == info.light_cost
                && let Some(done) = stats.completed_ns
            {
                add(format!("{} done", f.name), false, done);
            }
        }
    }
    by_scenario
        .into_iter()
        .filter_map(|(scenario, costs)| {
            let mut workers: Vec<usize> = costs
                .values()
                .flat_map(|s| s.values().flat_map(|(_, w)| w.keys().copied()))
                .collect();
            workers.sort_unstable();
            workers.dedup();
            if workers.len() < 2 {
                return None;
            }
            let lines = costs
                .into_iter()
                .enumerate()
                .flat_map(|(cost_index, ((kind, heavy), series))| {
                    let mut series: Vec<_> = series.into_iter().collect();
                    series.sort_by_key(|(_, (makespan, _))| !makespan);
                    series
                        .into_iter()
                        .enumerate()
                        .map(move |(k, (label, (makespan, points)))| SummaryLine {
                            label: format!("{label} · {kind}{}", format_duration(heavy)),
                            makespan,
                            color: (cost_index * 4 + k + 1) as u16,
                            points: points
                                .into_iter()
                                .map(|(w, mut v)| (w, median(&mut v)))
                                .collect(),
                        })
                })
                .collect();
            Some(ScenarioSummary { scenario, lines })
        })
        .collect()
}

/// The summary chart of one scenario.
pub fn summary_svg(summary: &ScenarioSummary) -> String {
    let text = |size: u32| ("sans-serif", size).into_font().color(&FOREGROUND);
    let max_workers = summary
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(1);
    let min_workers = summary
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .min()
        .unwrap_or(1);
    let max_ms = summary
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 480)).into_drawing_area();
        root.fill(&BACKGROUND).expect("drawing into a string");
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{} — makespan and light futures' completion vs workers",
                    summary.scenario
                ),
                text(15),
            )
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                min_workers as f64 - 0.2..max_workers as f64 + 0.2,
                0f64..max_ms * 1.45 + 1e-9,
            )
            .expect("drawing into a string");
        chart
            .configure_mesh()
            .x_desc("workers")
            .y_desc("ms")
            .y_label_formatter(&tick)
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-6 {
                    format!("{}", x.round())
                } else {
                    String::new()
                }
            })
            .axis_style(GRID)
            .bold_line_style(GRID)
            .light_line_style(BACKGROUND)
            .label_style(text(11))
            .axis_desc_style(text(12))
            .draw()
            .expect("drawing into a string");
        for line in &summary.lines {
            let color = thread_color(line.color);
            let width = if line.makespan { 3 } else { 1 };
            let points: Vec<(f64, f64)> =
                line.points.iter().map(|&(w, ms)| (w as f64, ms)).collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(width)))
                .expect("drawing into a string")
                .label(line.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(width))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, color.filled())),
                )
                .expect("drawing into a string");
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(BACKGROUND.mix(0.85))
            .border_style(GRID)
            .label_font(text(11))
            .draw()
            .expect("drawing into a string");
        root.present().expect("drawing into a string");
    }
    svg
}
