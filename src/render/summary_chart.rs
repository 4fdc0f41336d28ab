//! Per-scenario summary of a matrix: makespan and each light future's
//! completion time against one setting (workers by default, or a tokio
//! knob, or the executor), one line per combination of the other settings.

use std::collections::BTreeMap;
use std::fmt::Write;

use plotters::prelude::*;

use super::palette::{BACKGROUND, FOREGROUND, hex, house_style, series_color, series_dash, tick};
use super::svg::{append_layer, escape};
use crate::analysis::RunResult;
use crate::common::duration::format_duration;
use crate::common::stats::median_f64;
use crate::scenario::JOURNEY;
use crate::scenario::{Executor, Flavor, KNOBS, Placement, TokioKnob};
use crate::trace::RunConfig;

/// The setting a summary chart puts on its x axis (`plot --x`): workers,
/// any of tokio's list knobs, or the executor.
///
/// ```
/// use pollscope::{SummaryAxis, TokioKnob};
/// assert_eq!("executor".parse::<SummaryAxis>(), Ok(SummaryAxis::Executor));
/// assert_eq!("event_interval".parse::<SummaryAxis>(), Ok(SummaryAxis::Knob(TokioKnob::EventInterval)));
/// assert_eq!(SummaryAxis::default().as_str(), "workers");
/// assert!("cores".parse::<SummaryAxis>().unwrap_err().contains("unknown axis"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SummaryAxis {
    /// Worker threads.
    #[default]
    Workers,
    /// One of tokio's knobs that takes a list.
    Knob(TokioKnob),
    /// The executor.
    Executor,
}

impl SummaryAxis {
    /// Every axis, in the order `--help` lists them.
    fn all() -> impl Iterator<Item = SummaryAxis> {
        let knobs = KNOBS
            .iter()
            .filter(|spec| spec.list)
            .map(|spec| SummaryAxis::Knob(spec.knob));
        std::iter::once(SummaryAxis::Workers)
            .chain(knobs)
            .chain(std::iter::once(SummaryAxis::Executor))
    }

    /// The axis's name (`--x` value, runs.csv column).
    pub fn as_str(self) -> &'static str {
        match self {
            SummaryAxis::Workers => "workers",
            SummaryAxis::Knob(knob) => knob.as_str(),
            SummaryAxis::Executor => "executor",
        }
    }

    /// The axis's value in a run's configuration.
    fn value(self, config: &RunConfig) -> String {
        match self {
            SummaryAxis::Workers => config.workers.to_string(),
            SummaryAxis::Knob(knob) => config
                .tokio
                .get(knob)
                .map_or("default".to_string(), |v| knob.format_value(v)),
            SummaryAxis::Executor => config.executor.to_string(),
        }
    }

    /// The configuration's other settings, for a line's label: cost, and
    /// each setting off this axis that is not at its default.
    fn others(self, config: &RunConfig) -> String {
        // The heavy cost where the scenario has one, as in run ids.
        let mut parts = vec![format!(
            "{}{}",
            config.cost_kind.as_str(),
            config.heavy_cost.map(format_duration).unwrap_or_default()
        )];
        if self != SummaryAxis::Workers {
            parts.push(format!("w{}", config.workers));
        }
        if self != SummaryAxis::Executor && config.executor != Executor::Tokio {
            parts.push(config.executor.to_string());
        }
        for (knob, value) in config.tokio.iter() {
            if self != SummaryAxis::Knob(knob) {
                parts.push(format!(
                    "{}{}",
                    knob.spec().id_prefix,
                    knob.format_value(value)
                ));
            }
        }
        parts.join(" ")
    }

    /// The file name of `scenario`'s chart on this axis.
    pub(crate) fn file_name(self, scenario: &str) -> String {
        match self {
            SummaryAxis::Workers => format!("{scenario}_summary.svg"),
            other => format!("{scenario}_summary_by_{}.svg", other.as_str()),
        }
    }
}

impl std::str::FromStr for SummaryAxis {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        SummaryAxis::all().find(|a| a.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = SummaryAxis::all().map(SummaryAxis::as_str).collect();
            format!(
                "unknown axis `{s}` (use {})",
                crate::common::spelling::choices(&names)
            )
        })
    }
}

/// Orders axis values: `default` first, then numbers by value, then names
/// (tokio before smol, as on the command line).
fn category_rank(value: &str) -> (u8, u64, String) {
    match value {
        "default" => (0, 0, String::new()),
        "tokio" => (2, 0, String::new()),
        "smol" => (2, 1, String::new()),
        other => match other.parse::<u64>() {
            Ok(n) => (1, n, String::new()),
            Err(_) => (3, 0, other.to_string()),
        },
    }
}

/// One line of a summary chart: (axis value, median ms over repeats).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SummaryLine {
    /// What the line shows, e.g. `makespan · cpu500us`; series with equal
    /// values are one line whose label lists them all, e.g.
    /// `makespan, fut1 done · cpu500us`.
    pub label: String,
    /// Makespan lines are drawn bold, completion lines thin.
    pub makespan: bool,
    /// Series index of the line's colour, dash and marker.
    pub color: u16,
    /// Whether the line stands for several series with the same values
    /// (its label names them all, joined by ` = `).
    pub coincide: bool,
    /// (axis value, milliseconds), in axis order.
    pub points: Vec<(String, f64)>,
}

/// The summary of one scenario's multi_thread runs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ScenarioSummary {
    /// The scenario.
    pub scenario: String,
    /// The setting on the x axis.
    pub axis: SummaryAxis,
    /// Its lines.
    pub lines: Vec<SummaryLine>,
}

impl ScenarioSummary {
    /// The measured values of the axis, in order: the chart's categories.
    pub(crate) fn categories(&self) -> Vec<String> {
        let mut values: Vec<String> = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0.clone()))
            .collect();
        values.sort_by_key(|v| category_rank(v));
        values.dedup();
        values
    }
}

/// scenario → other settings → series label → (makespan?, axis value → values).
type Series = BTreeMap<String, (bool, BTreeMap<String, Vec<f64>>)>;
type ByScenario = BTreeMap<String, BTreeMap<String, Series>>;

/// Collects the multi_thread runs' makespans and light futures'
/// completions, in ms.
fn collect(results: &[RunResult], axis: SummaryAxis) -> ByScenario {
    let mut by_scenario = ByScenario::new();
    for r in results {
        let info = &r.trace.info;
        let Some(config) = info
            .config
            .as_ref()
            .filter(|c| c.flavor == Flavor::MultiThread)
        else {
            continue;
        };
        let x = axis.value(config);
        let series = by_scenario
            .entry(info.scenario.clone())
            .or_default()
            .entry(axis.others(config))
            .or_default();
        let mut add = |label: String, makespan: bool, ns: u64| {
            series
                .entry(label)
                .or_insert_with(|| (makespan, BTreeMap::new()))
                .1
                .entry(x.clone())
                .or_default()
                .push(ns as f64 / 1e6);
        };
        add("makespan".to_string(), true, r.analysis.makespan_ns);
        for (f, stats) in r.trace.futures.iter().zip(&r.analysis.futures) {
            if f.placement() == Some(Placement::Inline)
                && f.cost == config.light_cost
                && let Some(done) = stats.completed_ns
            {
                add(format!("{} done", f.name), false, done);
            }
        }
    }
    by_scenario
}

/// Whether every poll and step of every run of `scenario` ran on thread 0
/// (`main`): then worker counts change nothing and no chart is drawn.
fn all_on_main(results: &[RunResult], scenario: &str) -> bool {
    results
        .iter()
        .filter(|r| r.trace.info.scenario == scenario)
        .flat_map(|r| &r.trace.futures)
        .all(|f| f.polls.iter().all(|p| p.thread == 0) && f.samples.iter().all(|s| s.thread == 0))
}

/// Where `scenario` goes: the journey's order, then the others by name.
fn journey_rank(scenario: &str) -> (usize, String) {
    let rank = JOURNEY
        .iter()
        .position(|j| *j == scenario)
        .unwrap_or(JOURNEY.len());
    (rank, scenario.to_string())
}

/// A summary for every scenario whose multi_thread runs span two or more
/// values of `axis` and whose work does not all run on `main`, in the
/// journey's order. Light futures are the inline ones whose cost is the
/// run's light cost; values are medians over repeats; one line per
/// combination of the other settings (cost, and whichever of workers,
/// executor and tokio's knobs are off the axis and not at their default),
/// and series of one combination whose medians agree within 0.1 % are
/// merged into one line.
pub(crate) fn scenario_summaries(results: &[RunResult], axis: SummaryAxis) -> Vec<ScenarioSummary> {
    let mut summaries: Vec<ScenarioSummary> = collect(results, axis)
        .into_iter()
        .filter(|(scenario, _)| !all_on_main(results, scenario))
        .map(|(scenario, settings)| {
            let mut lines = Vec::new();
            for (others, series) in settings {
                lines.extend(merged_lines(series, &others));
            }
            for (k, line) in lines.iter_mut().enumerate() {
                line.color = k as u16;
            }
            ScenarioSummary {
                scenario,
                axis,
                lines,
            }
        })
        .filter(|s| s.categories().len() >= 2)
        .collect();
    summaries.sort_by_key(|s| journey_rank(&s.scenario));
    summaries
}

/// The lines of one cost, makespan first, equal series merged.
fn merged_lines(series: Series, cost: &str) -> Vec<SummaryLine> {
    let mut series: Vec<_> = series.into_iter().collect();
    series.sort_by_key(|(_, (makespan, _))| !makespan);
    let mut lines: Vec<SummaryLine> = Vec::new();
    for (label, (makespan, points)) in series {
        let mut points: Vec<(String, f64)> = points
            .into_iter()
            .map(|(w, mut v)| (w, median_f64(&mut v).unwrap_or(f64::NAN)))
            .collect();
        points.sort_by_key(|(w, _)| category_rank(w));
        let same = |other: &[(String, f64)]| {
            other.len() == points.len()
                && other.iter().zip(&points).all(|(a, b)| {
                    a.0 == b.0 && (a.1 - b.1).abs() <= 1e-3 * a.1.abs().max(b.1.abs())
                })
        };
        match lines.iter_mut().find(|l| same(&l.points)) {
            Some(line) => {
                line.label.push_str(" = ");
                line.label.push_str(&label);
                line.coincide = true;
            }
            None => lines.push(SummaryLine {
                label,
                makespan,
                color: 0,
                coincide: false,
                points,
            }),
        }
    }
    for line in &mut lines {
        let same = if line.coincide { " (same values)" } else { "" };
        line.label = format!("{}{same} · {cost}", line.label);
    }
    lines
}

const WIDTH: u32 = 900;
const HEIGHT: u32 = 480;
/// Markers told apart by shape, so lines that run close stay readable.
const MARKERS: [&str; 4] = ["circle", "square", "triangle", "diamond"];
/// A legend character's width at 12 px, a generous estimate.
const LEGEND_CHAR_PX: f64 = 7.5;

/// The summary chart of one scenario: the axis's values as categories
/// (evenly spaced, only those measured), each line shifted a little
/// sideways, with its own colour, dash and marker shape.
pub(crate) fn summary_svg(summary: &ScenarioSummary) -> String {
    let workers = summary.categories();
    let axis = summary.axis.as_str();
    let max_ms = summary
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let top = max_ms * 1.1 + 1e-9;
    // The legend right of the plot, as wide as its longest label needs but
    // at least 460 px, so the charts of one report share one scale.
    let longest = summary
        .lines
        .iter()
        .map(|l| l.label.chars().count())
        .max()
        .unwrap_or(0);
    let legend_width = (46.0 + LEGEND_CHAR_PX * longest as f64).clamp(460.0, 640.0) as u32;
    let height = HEIGHT.max(80 + 17 * summary.lines.len() as u32);
    let mut svg = String::new();
    let plot = {
        let size = (WIDTH + legend_width, height);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&BACKGROUND).expect("drawing into a string");
        let (root, _legend) = root.split_horizontally(WIDTH);
        let text = |size: u32| ("sans-serif", size).into_font().color(&FOREGROUND);
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{} — {} vs {axis}",
                    summary.scenario,
                    if summary.lines.iter().all(|l| l.makespan) {
                        "makespan"
                    } else {
                        "makespan and light futures' completion"
                    }
                ),
                text(15),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..workers.len() as f64 - 0.5, 0f64..top)
            .expect("drawing into a string");
        house_style(&mut chart.configure_mesh())
            .x_labels(0)
            .disable_x_mesh()
            .x_desc(axis)
            .y_desc("ms")
            .y_label_formatter(&tick)
            .draw()
            .expect("drawing into a string");
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        root.present().expect("drawing into a string");
        Plot {
            x: (f64::from(xr.start), f64::from(xr.end)),
            y: (f64::from(yr.start), f64::from(yr.end)),
            categories: workers.len(),
            max_ms: top,
            unordered: summary.axis == SummaryAxis::Executor,
        }
    };
    let mut layer = String::new();
    plot.categories(&mut layer, &workers);
    for (k, line) in summary.lines.iter().enumerate() {
        plot.line(&mut layer, line, &workers, k, summary.lines.len());
    }
    plot.legend(&mut layer, &summary.lines);
    append_layer(&mut svg, &layer);
    svg
}

/// Pixel mapping of the chart: category index on x, ms on y.
struct Plot {
    /// Whether the axis's values have no order (executors): their points
    /// are joined by a faint line only, to pair them, not to suggest a trend.
    unordered: bool,
    x: (f64, f64),
    y: (f64, f64),
    categories: usize,
    max_ms: f64,
}

impl Plot {
    fn px(&self, category: f64) -> f64 {
        self.x.0 + (category + 0.5) / self.categories as f64 * (self.x.1 - self.x.0)
    }

    fn py(&self, ms: f64) -> f64 {
        self.y.1 - ms / self.max_ms * (self.y.1 - self.y.0)
    }

    /// A label under each category: the measured value of the axis.
    fn categories(&self, out: &mut String, workers: &[String]) {
        let _ = write!(
            out,
            r#"<g class="xticks" font-family="sans-serif" font-size="12" fill="{}" text-anchor="middle">"#,
            hex(FOREGROUND)
        );
        for (i, w) in workers.iter().enumerate() {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
                self.px(i as f64),
                self.y.1 + 16.0,
                escape(w)
            );
        }
        out.push_str("</g>");
    }

    /// Line `k` of `n`, shifted by up to ±8 % of a category so lines that
    /// coincide stay apart, with its dash and markers.
    fn line(&self, out: &mut String, line: &SummaryLine, workers: &[String], k: usize, n: usize) {
        let shift = if n > 1 {
            (k as f64 / (n - 1) as f64 - 0.5) * 0.16
        } else {
            0.0
        };
        let index = usize::from(line.color);
        let color = hex(series_color(index));
        let points: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter_map(|(w, ms)| {
                let (w, ms) = (w, *ms);
                let c = workers.iter().position(|x| x == w)?;
                Some((self.px(c as f64 + shift), self.py(ms)))
            })
            .collect();
        let d: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            out,
            r#"<polyline class="series" fill="none" stroke="{color}" stroke-width="{}"{} stroke-dasharray="{}" points="{}"><title>{}</title></polyline>"#,
            if line.makespan { 3.0 } else { 1.5 },
            if self.unordered {
                r#" stroke-opacity="0.3""#
            } else {
                ""
            },
            dash_or_none(index),
            d.join(" "),
            escape(&line.label)
        );
        for &(x, y) in &points {
            marker(out, MARKERS[index % MARKERS.len()], x, y, &color);
        }
    }

    /// The lines' names, right of the plot, outside it.
    fn legend(&self, out: &mut String, lines: &[SummaryLine]) {
        let (x, y) = (f64::from(WIDTH), self.y.0);
        let _ = write!(
            out,
            r#"<g class="legend" font-family="sans-serif" font-size="12">"#
        );
        for (k, line) in lines.iter().enumerate() {
            let ly = y + 13.0 + 17.0 * k as f64;
            let index = usize::from(line.color);
            let color = hex(series_color(index));
            let _ = write!(
                out,
                r#"<line x1="{:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="2" stroke-dasharray="{}"/>"#,
                x + 8.0,
                x + 30.0,
                dash_or_none(index)
            );
            marker(out, MARKERS[index % MARKERS.len()], x + 19.0, ly, &color);
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{}">{}</text>"#,
                x + 38.0,
                ly + 4.0,
                hex(FOREGROUND),
                escape(&line.label)
            );
        }
        out.push_str("</g>");
    }
}

/// Summary lines differ in dash from the second on (colours repeat less
/// often than makespan and completion lines coincide).
fn dash_or_none(index: usize) -> &'static str {
    match (index, series_dash(index)) {
        (0, _) => "none",
        (_, "") => ["6 3", "2 3", "8 3 2 3"][index % 3],
        (_, dash) => dash,
    }
}

fn marker(out: &mut String, shape: &str, x: f64, y: f64, color: &str) {
    let _ = match shape {
        "square" => write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{color}"/>"#,
            x - 3.5,
            y - 3.5
        ),
        "triangle" => write!(
            out,
            r#"<path d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" fill="{color}"/>"#,
            y - 4.5,
            x + 4.5,
            y + 3.5,
            x - 4.5,
            y + 3.5
        ),
        "diamond" => write!(
            out,
            r#"<path d="M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z" fill="{color}"/>"#,
            y - 4.5,
            x + 4.5,
            y + 4.5,
            x - 4.5
        ),
        _ => write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{color}"/>"#
        ),
    };
}
