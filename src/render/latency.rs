//! Latency distributions: the CDF of scheduling delay and of poll duration
//! per future, on a log time axis.

use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

use super::palette::{BACKGROUND, FOREGROUND, GRID, thread_color, tick};
use crate::analysis::Metric;
use crate::export::RunResult;

/// Two CDF panels (scheduling delay, poll duration) of `result`, one line per
/// future, from the same HdrHistograms as histograms.csv.
pub fn latency_svg(result: &RunResult) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1200, 420)).into_drawing_area();
        root.fill(&BACKGROUND).expect("drawing into a string");
        let root = root
            .titled(
                &format!("{} — latency distributions", result.trace.info.run_id),
                ("sans-serif", 16).into_font().color(&FOREGROUND),
            )
            .expect("drawing into a string");
        let (left, right) = root.split_horizontally(600);
        panel(
            &left,
            result,
            Metric::SchedDelay,
            "scheduling delay (wake → poll)",
        );
        panel(&right, result, Metric::PollDuration, "poll duration");
        root.present().expect("drawing into a string");
    }
    svg
}

fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    result: &RunResult,
    metric: Metric,
    caption: &str,
) {
    let text = |size: u32| ("sans-serif", size).into_font().color(&FOREGROUND);
    // (colour index, future name, (µs, percentile) points)
    type Line<'a> = (usize, &'a str, Vec<(f64, f64)>);
    let lines: Vec<Line<'_>> = result
        .trace
        .futures
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let values = metric.values(f);
            if values.is_empty() {
                return None;
            }
            let h = crate::analysis::MetricHistogram {
                future: f.name.clone(),
                metric,
                histogram: crate::analysis::histogram_of(&values),
            };
            let points = h
                .quantile_rows()
                .iter()
                .map(|q| ((q.value_ns.max(1) as f64) / 1e3, q.percentile))
                .collect();
            Some((i, f.name.as_str(), points))
        })
        .collect();
    let (lo, hi) = lines
        .iter()
        .flat_map(|(_, _, pts)| pts.iter().map(|p| p.0))
        .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (lo, hi) = if lo > hi {
        (0.001, 1.0)
    } else {
        (lo.max(0.001) / 1.5, hi * 1.5)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, text(14))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((lo..hi).log_scale(), 0f64..100f64)
        .expect("drawing into a string");
    chart
        .configure_mesh()
        .x_desc("µs (log scale)")
        .x_label_formatter(&tick)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc("percentile")
        .axis_style(GRID)
        .bold_line_style(GRID)
        .light_line_style(BACKGROUND)
        .label_style(text(11))
        .axis_desc_style(text(12))
        .draw()
        .expect("drawing into a string");
    if lines.is_empty() {
        area.draw(&Text::new("no values", (250, 200), text(13)))
            .expect("drawing into a string");
        return;
    }
    for (i, name, points) in lines {
        let color = thread_color(i as u16 + 1);
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .expect("drawing into a string")
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(BACKGROUND.mix(0.85))
        .border_style(GRID)
        .label_font(text(11))
        .draw()
        .expect("drawing into a string");
}
