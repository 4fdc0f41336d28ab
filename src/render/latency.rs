//! Latency distributions: the empirical CDF of scheduling delay and of poll
//! duration per future, on a log time axis, drawn as steps.

use std::fmt::Write;

use plotters::prelude::*;

use super::palette::{BACKGROUND, FOREGROUND, GRID, hex, house_style, series_color, series_dash};
use super::svg::{append_layer, escape};
use crate::analysis::Metric;
use crate::analysis::RunResult;
use crate::common::duration::human_ns;

/// The most steps a CDF keeps; larger samples are thinned to this many
/// quantile levels, still as steps.
pub(crate) const MAX_CDF_STEPS: usize = 400;

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 440;
/// Room under the panels for the caption.
const CAPTION_HEIGHT: u32 = 36;
/// Room right of the panels for the legend, which both panels share.
const LEGEND_WIDTH: u32 = 190;
/// A legend row's height.
const LEGEND_ROW: f64 = 17.0;

/// The exact empirical CDF of `values`: per distinct value `v`, the share
/// (0–1) of values ≤ `v`, by value. Past [`MAX_CDF_STEPS`] distinct values
/// only the last value reaching each of [`MAX_CDF_STEPS`] equal levels is
/// kept (the curve stays a step function through true points).
pub(crate) fn empirical_cdf(values: Vec<u64>) -> Vec<(u64, f64)> {
    let steps = exact_steps(values);
    if steps.len() <= MAX_CDF_STEPS {
        return steps;
    }
    let level = |share: f64| (share * MAX_CDF_STEPS as f64).floor();
    let mut kept: Vec<(u64, f64)> = Vec::with_capacity(MAX_CDF_STEPS + 1);
    for (k, &step) in steps.iter().enumerate() {
        let next = steps.get(k + 1).map_or(f64::INFINITY, |s| level(s.1));
        if k == 0 || next > level(step.1) {
            kept.push(step);
        }
    }
    kept
}

/// Every distinct value with the share of values ≤ it.
fn exact_steps(mut values: Vec<u64>) -> Vec<(u64, f64)> {
    values.sort_unstable();
    let n = values.len() as f64;
    let mut steps: Vec<(u64, f64)> = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        match steps.last_mut() {
            Some(last) if last.0 == v => last.1 = (i + 1) as f64 / n,
            _ => steps.push((v, (i + 1) as f64 / n)),
        }
    }
    steps
}

/// The CDF panels of `result` (scheduling delay, poll duration, and for a
/// service workload its events' values), one step line per future, computed from the trace's values directly
/// ([`Metric::values`]): at value `v` the share of the future's values ≤ `v`.
pub(crate) fn latency_svg(result: &RunResult) -> String {
    let mut svg = String::new();
    let mut layer = String::new();
    let legend = legend_entries(result);
    let mut coincide: Vec<(usize, usize, &str)> = Vec::new();
    // Tall enough for the legend beside the panels.
    let height = HEIGHT.max(60 + (LEGEND_ROW * legend.len() as f64) as u32);
    {
        let size = (WIDTH + LEGEND_WIDTH, height + CAPTION_HEIGHT);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&BACKGROUND).expect("drawing into a string");
        let (root, _caption) = root.split_vertically(height);
        let (root, _legend) = root.split_horizontally(WIDTH);
        let root = root
            .titled(
                &format!("{} — latency distributions", result.trace.info.run_id),
                ("sans-serif", 16).into_font().color(&FOREGROUND),
            )
            .expect("drawing into a string");
        let metrics = panels(result);
        let areas = root.split_evenly((1, metrics.len()));
        for (area, (metric, caption)) in areas.iter().zip(metrics) {
            let same = panel(area, result, metric, caption, &mut layer);
            for (k, (dup, of)) in same.into_iter().enumerate() {
                if !coincide.iter().any(|c: &(usize, usize, &str)| c.0 == dup) && k < 8 {
                    coincide.push((dup, of, metric.as_str()));
                }
            }
        }
        root.present().expect("drawing into a string");
    }
    series_legend(&mut layer, &legend, &coincide, result);
    caption(&mut layer, height);
    append_layer(&mut svg, &layer);
    svg
}

/// The panels of `result`'s chart: scheduling delay and poll duration, and
/// where a service future records events, their values.
fn panels(result: &RunResult) -> Vec<(Metric, &'static str)> {
    let mut panels = vec![
        (Metric::SchedDelay, "scheduling delay (wake → poll)"),
        (Metric::PollDuration, "poll duration"),
    ];
    if result.trace.futures.iter().any(|f| f.kind.is_service()) {
        panels.push((Metric::Value, "event value (round trip, lateness, wait)"));
    }
    panels
}

/// The futures that have a curve on any panel: (series index, name).
fn legend_entries(result: &RunResult) -> Vec<(usize, &str)> {
    result
        .trace
        .futures
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            [Metric::SchedDelay, Metric::PollDuration, Metric::Value]
                .iter()
                .any(|m| !m.values(f).is_empty())
        })
        .map(|(index, f)| (index, f.name.as_str()))
        .collect()
}

/// What the scheduling delay can and cannot show, under the panels (whose
/// height is `height`).
fn caption(layer: &mut String, height: u32) {
    let lines = [
        "Scheduling delay is wake → poll. tokio defers a yield_now wake until the task is back in its scheduler, so a task that",
        "waits behind others can show a delay of a few hundred ns; samples.csv's gap between samples measures the waiting itself.",
    ];
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(
            layer,
            "<text x=\"16\" y=\"{}\" fill=\"{}\" font-family=\"sans-serif\" font-size=\"12\">{}</text>",
            height + 14 + 16 * i as u32,
            hex(FOREGROUND),
            escape(line)
        );
    }
}

/// One future's CDF: its series index, name and steps (ns, share).
struct Line<'a> {
    index: usize,
    name: &'a str,
    steps: Vec<(u64, f64)>,
}

/// Pixel mapping of a panel: log10 of ns on x, share on y.
struct Axes {
    x: (f64, f64),
    y: (f64, f64),
    log_lo: f64,
    log_hi: f64,
}

impl Axes {
    fn px(&self, ns: u64) -> f64 {
        let l = (ns.max(1) as f64).log10();
        self.x.0 + (l - self.log_lo) / (self.log_hi - self.log_lo) * (self.x.1 - self.x.0)
    }

    fn py(&self, share: f64) -> f64 {
        self.y.1 - share * (self.y.1 - self.y.0)
    }
}

/// One panel: its axes and a CDF per future; returns the futures whose
/// curve coincides with an earlier one's (index, the earlier's index),
/// which are drawn 2 px higher per coincidence so both stay visible.
fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    result: &RunResult,
    metric: Metric,
    caption: &str,
    layer: &mut String,
) -> Vec<(usize, usize)> {
    let lines: Vec<Line<'_>> = result
        .trace
        .futures
        .iter()
        .enumerate()
        .map(|(index, f)| Line {
            index,
            name: &f.name,
            steps: empirical_cdf(metric.values(f)),
        })
        .filter(|l| !l.steps.is_empty())
        .collect();
    let (lo, hi) = lines
        .iter()
        .flat_map(|l| l.steps.iter().map(|s| s.0.max(1)))
        .fold((u64::MAX, 0), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (log_lo, log_hi) = if lo > hi {
        (0.0, 3.0)
    } else {
        (
            (lo as f64).log10().floor(),
            (hi as f64)
                .log10()
                .ceil()
                .max((lo as f64).log10().floor() + 1.0),
        )
    };
    let text = |size: u32| ("sans-serif", size).into_font().color(&FOREGROUND);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, text(14))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(54)
        .build_cartesian_2d(log_lo..log_hi, 0f64..100f64)
        .expect("drawing into a string");
    house_style(&mut chart.configure_mesh())
        .x_labels(0)
        .disable_x_mesh()
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_desc("time (log scale)")
        .y_desc("% of values ≤ time")
        .draw()
        .expect("drawing into a string");
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let axes = Axes {
        x: (f64::from(xr.start), f64::from(xr.end)),
        y: (f64::from(yr.start), f64::from(yr.end)),
        log_lo,
        log_hi,
    };
    decade_ticks(layer, &axes);
    if lines.is_empty() {
        let _ = write!(
            layer,
            r#"<text x="{}" y="{}" fill="{}" font-family="sans-serif" font-size="13">no values</text>"#,
            (axes.x.0 + axes.x.1) / 2.0 - 30.0,
            (axes.y.0 + axes.y.1) / 2.0,
            hex(FOREGROUND)
        );
        return Vec::new();
    }
    draw_lines(layer, &axes, &lines)
}

/// Every line of a panel, each identical to earlier ones lifted 2 px per
/// such line; returns (its index, the first identical one's index) of each
/// lifted line.
fn draw_lines(layer: &mut String, axes: &Axes, lines: &[Line<'_>]) -> Vec<(usize, usize)> {
    let mut same = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let earlier: Vec<usize> = lines[..k]
            .iter()
            .filter(|l| l.steps == line.steps)
            .map(|l| l.index)
            .collect();
        if let Some(&first) = earlier.first() {
            same.push((line.index, first));
        }
        step_path(layer, axes, line, -2.0 * earlier.len() as f64);
    }
    same
}

/// A label and a grid line at each power of ten, the same on both panels:
/// `1ns`, `10ns`, …, `1µs`, …, `1ms`, … (one label per decade, so labels
/// never collide).
fn decade_ticks(layer: &mut String, axes: &Axes) {
    let _ = write!(
        layer,
        r#"<g class="xticks" font-family="sans-serif" font-size="12" fill="{}" text-anchor="middle">"#,
        hex(FOREGROUND)
    );
    let decades = (axes.log_lo as i32)..=(axes.log_hi as i32);
    let stride = (decades.clone().count() / 8).max(1);
    for (k, d) in decades.enumerate() {
        let ns = 10u64.saturating_pow(d.max(0) as u32);
        let x = axes.px(ns);
        let _ = write!(
            layer,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{}"/>"#,
            axes.y.0,
            axes.y.1,
            hex(GRID)
        );
        if k % stride == 0 {
            let _ = write!(
                layer,
                r#"<text x="{x:.1}" y="{:.1}">{}</text>"#,
                axes.y.1 + 16.0,
                escape(&human_ns(ns))
            );
        }
    }
    layer.push_str("</g>");
}

/// The CDF of one future as a step path: from 0 % at its smallest value,
/// up (V) to each step's share, then across (H) to the next value.
/// `dy` shifts the whole path (px), to lift a coinciding curve off another.
fn step_path(layer: &mut String, axes: &Axes, line: &Line<'_>, dy: f64) {
    let color = hex(series_color(line.index));
    let dash = series_dash(line.index);
    let _ = write!(
        layer,
        r#"<path class="cdf" fill="none" stroke="{color}" stroke-width="2"{} d="M{:.1} {:.1}"#,
        if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        },
        axes.px(line.steps[0].0),
        axes.py(0.0) + dy
    );
    for (k, &(ns, share)) in line.steps.iter().enumerate() {
        if k > 0 {
            let _ = write!(layer, "H{:.1}", axes.px(ns));
        }
        let _ = write!(layer, "V{:.1}", axes.py(share) + dy);
    }
    let _ = write!(layer, "\"><title>{}</title></path>", escape(line.name));
}

/// Names and line styles, right of the panels, outside every plot; a
/// future whose curve coincides with another's says so (`≡ fut0 (metric)`),
/// with a note below on how it is drawn.
fn series_legend(
    layer: &mut String,
    entries: &[(usize, &str)],
    coincide: &[(usize, usize, &str)],
    result: &RunResult,
) {
    if entries.is_empty() {
        return;
    }
    let (x, y) = (f64::from(WIDTH) + 4.0, 44.0);
    let _ = write!(
        layer,
        r#"<g class="legend" font-family="sans-serif" font-size="12">"#
    );
    for (k, &(index, name)) in entries.iter().enumerate() {
        let ly = y + 14.0 + LEGEND_ROW * k as f64;
        let dash = series_dash(index);
        let _ = write!(
            layer,
            r#"<line x1="{:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{}" stroke-width="2" stroke-dasharray="{}"/><text x="{:.1}" y="{:.1}" fill="{}">{}</text>"#,
            x + 8.0,
            x + 28.0,
            hex(series_color(index)),
            if dash.is_empty() { "none" } else { dash },
            x + 34.0,
            ly + 4.0,
            hex(FOREGROUND),
            escape(name)
        );
        if let Some((_, of, metric)) = coincide.iter().find(|c| c.0 == index) {
            let other = result.trace.futures.get(*of).map_or("?", |f| &f.name);
            let _ = write!(
                layer,
                r#"<text x="{:.1}" y="{:.1}" fill="{}" font-size="10">≡ {} ({})</text>"#,
                x + 34.0,
                ly + 15.0,
                hex(FOREGROUND),
                escape(&short(other, 12)),
                escape(metric)
            );
        }
    }
    if !coincide.is_empty() {
        let ly = y + 14.0 + LEGEND_ROW * entries.len() as f64 + 14.0;
        for (k, line) in ["≡: the same curve as another's,", "drawn 2 px higher"]
            .iter()
            .enumerate()
        {
            let _ = write!(
                layer,
                r#"<text x="{:.1}" y="{:.1}" fill="{}" font-size="10">{line}</text>"#,
                x + 8.0,
                ly + 13.0 * k as f64,
                hex(FOREGROUND)
            );
        }
    }
    layer.push_str("</g>");
}

/// `name` cut to `n` characters, with `…` where cut.
fn short(name: &str, n: usize) -> String {
    if name.chars().count() <= n {
        return name.to_string();
    }
    let cut: String = name.chars().take(n - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curve_identical_to_another_is_lifted_and_named_so() {
        use crate::findings::synthetic::SyntheticRun;
        use crate::scenario::{CostKind, Placement};
        let mut run = SyntheticRun::new(CostKind::Cpu, 2, 2);
        let (a, b) = (
            run.future("fut0", Placement::Inline, 100),
            run.future("fut1", Placement::Inline, 100),
        );
        for k in 0..4 {
            run.step(a, k * 200, 100, 0, 1.0);
            run.step(b, k * 200 + 100, 100, 0, 1.0);
        }
        run.service("ticker", &[(0, 500.0), (900, 1500.0)]);
        let svg = latency_svg(&run.result("two_futures"));
        assert!(svg.contains("≡ fut0 (poll_duration)"), "{svg}");
        assert!(svg.contains("event value"), "a value panel for the service");
        // fut1's poll-duration curve is fut0's, 2 px higher.
        let starts: Vec<(f64, f64)> = svg
            .match_indices(r#"<path class="cdf""#)
            .map(|(at, _)| {
                let d = &svg[at..];
                let d = &d[d.find(" d=\"M").unwrap() + 5..];
                let mut xy = d.split(['V', 'H', '"']).next().unwrap().split(' ');
                let x = xy.next().unwrap().parse().unwrap();
                (x, xy.next().unwrap().parse().unwrap())
            })
            .collect();
        assert!(
            starts
                .windows(2)
                .any(|w| w[0].0 == w[1].0 && (w[0].1 - w[1].1 - 2.0).abs() < 0.05),
            "{starts:?}"
        );
    }

    #[test]
    fn a_large_sample_is_thinned_but_keeps_true_points() {
        let values: Vec<u64> = (0..10_000).map(|i| i * 7 % 5_003).collect();
        let full = exact_steps(values.clone());
        let thin = empirical_cdf(values);
        assert!(
            thin.len() <= MAX_CDF_STEPS + 2 && thin.len() > MAX_CDF_STEPS / 2,
            "{}",
            thin.len()
        );
        assert!(thin.iter().all(|s| full.contains(s)));
        assert_eq!(thin.last(), full.last());
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn latency_empirical_cdf() {
        use crate::render::latency::empirical_cdf;
        assert_eq!(
            empirical_cdf(vec![5, 1, 5, 3]),
            [(1, 0.25), (3, 0.5), (5, 1.0)]
        );
    }
}
