//! The seed-style timeline: one row per future, a bar per poll coloured by
//! the thread that ran it, a dot per sample at its value (the sine wave).

use std::fmt::Write;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{BACKGROUND, FOREGROUND, GRID, thread_color, tick};
use super::svg::{append_layer, bar, dot, thread_styles};
use crate::duration::human_ns;
use crate::export::RunResult;
use crate::trace::thread_labels;

/// Which part of the run a timeline shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineView {
    /// The whole run. Bars closer than a pixel are merged (coloured by the
    /// thread with the most time among them) and at most one dot per pixel
    /// column and row is drawn, so a run of millions of events stays small.
    Whole,
    /// The first [`ZOOM_FRACTION`] of the run, in full detail: every poll
    /// and sample, each bar with a tooltip.
    Zoom,
}

/// The share of the run the zoom view shows (the post's zoomed pictures).
pub const ZOOM_FRACTION: f64 = 0.05;

const WIDTH: u32 = 1200;
const LEGEND_WIDTH: u32 = 200;
const ROW_HEIGHT: u32 = 64;

impl TimelineView {
    /// The time window `[start, end)` in ns of a run of `makespan_ns`.
    ///
    /// ```
    /// use pollscope::render::TimelineView;
    /// assert_eq!(TimelineView::Zoom.window(100_000_000), (0, 5_000_000));
    /// assert_eq!(TimelineView::Whole.window(100), (0, 100));
    /// ```
    pub fn window(self, makespan_ns: u64) -> (u64, u64) {
        let makespan = makespan_ns.max(1);
        match self {
            TimelineView::Whole => (0, makespan),
            TimelineView::Zoom => (0, ((makespan as f64 * ZOOM_FRACTION).ceil() as u64).max(1)),
        }
    }
}

/// One bar to draw, in ns.
#[derive(Clone, Copy)]
struct Bar {
    start: u64,
    end: u64,
    thread: u16,
    index: usize,
}

/// Pixel mapping of the plotting area.
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    row: f64,
    t0: u64,
    t1: u64,
}

impl Frame {
    fn x(&self, ns: u64) -> f64 {
        let ns = ns.clamp(self.t0, self.t1);
        self.x0 + (ns - self.t0) as f64 / (self.t1 - self.t0) as f64 * (self.x1 - self.x0)
    }

    fn px_per_ns(&self) -> f64 {
        (self.x1 - self.x0) / (self.t1 - self.t0) as f64
    }
}

/// The timeline of `result` as an SVG document.
pub fn timeline_svg(result: &RunResult, view: TimelineView) -> String {
    let trace = &result.trace;
    let analysis = &result.analysis;
    let (t0, t1) = view.window(analysis.makespan_ns);
    let rows = trace.futures.len().max(1);
    let height = 90 + rows as u32 * ROW_HEIGHT + 60;
    let (divisor, unit) = if t1 <= 20_000_000 {
        (1e3, "µs")
    } else {
        (1e6, "ms")
    };
    let zoom_note = match view {
        TimelineView::Whole => String::new(),
        TimelineView::Zoom => format!(" (first {:.0}%)", ZOOM_FRACTION * 100.0),
    };
    let title = format!(
        "{}{zoom_note} — makespan {}, efficiency {:.2}",
        trace.info.run_id,
        human_ns(analysis.makespan_ns),
        analysis.efficiency
    );
    let labels = thread_labels(&trace.threads);
    let in_view = |start: u64, end: u64| end >= t0 && start <= t1;
    let mut used_threads: Vec<u16> = Vec::new();
    for future in &trace.futures {
        let spans = future
            .polls
            .iter()
            .map(|p| (p.start_ns, p.end_ns, p.thread))
            .chain(
                future
                    .samples
                    .iter()
                    .map(|s| (s.start_ns, s.end_ns, s.thread)),
            );
        for (start, end, thread) in spans {
            if in_view(start, end) && !used_threads.contains(&thread) {
                used_threads.push(thread);
            }
        }
    }
    used_threads.sort_unstable();

    let mut svg = String::new();
    let frame = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&BACKGROUND).expect("drawing into a string");
        let (main, legend) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
        let text = |size: u32| ("sans-serif", size).into_font().color(&FOREGROUND);
        let mut chart = ChartBuilder::on(&main)
            .caption(&title, text(16))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(120)
            .build_cartesian_2d(t0 as f64 / divisor..t1 as f64 / divisor, 0f64..rows as f64)
            .expect("drawing into a string");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(10)
            .x_label_formatter(&tick)
            .x_desc(format!("time since the run's start ({unit})"))
            .axis_style(GRID)
            .bold_line_style(GRID)
            .light_line_style(BACKGROUND)
            .label_style(text(12))
            .axis_desc_style(text(13))
            .draw()
            .expect("drawing into a string");
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let frame = Frame {
            x0: f64::from(xr.start),
            x1: f64::from(xr.end),
            y0: f64::from(yr.start),
            row: f64::from(yr.end - yr.start) / rows as f64,
            t0,
            t1: t1.max(t0 + 1),
        };
        let label_style = text(13).pos(Pos::new(HPos::Right, VPos::Center));
        for (i, future) in trace.futures.iter().enumerate() {
            let y = frame.y0 + frame.row * (i as f64 + 0.5);
            main.draw(&Text::new(
                future.name.clone(),
                (xr.start - 10, y as i32),
                label_style.clone(),
            ))
            .expect("drawing into a string");
        }
        let legend_text = text(12).pos(Pos::new(HPos::Left, VPos::Center));
        legend
            .draw(&Text::new("threads", (12, 40), legend_text.clone()))
            .expect("drawing into a string");
        let max_entries = ((height - 80) / 18) as usize;
        for (k, &thread) in used_threads.iter().enumerate().take(max_entries) {
            let y = 62 + 18 * k as i32;
            let color = thread_color(thread);
            legend
                .draw(&Rectangle::new([(12, y - 6), (26, y + 6)], color.filled()))
                .expect("drawing into a string");
            let label = labels.get(usize::from(thread)).cloned().unwrap_or_default();
            let tid = trace
                .threads
                .get(usize::from(thread))
                .map_or(String::new(), |t| format!(" · tid {}", t.os_thread_id));
            legend
                .draw(&Text::new(
                    format!("{label}{tid}"),
                    (32, y),
                    legend_text.clone(),
                ))
                .expect("drawing into a string");
        }
        if used_threads.len() > max_entries {
            let y = 62 + 18 * max_entries as i32;
            legend
                .draw(&Text::new(
                    format!("+{} more", used_threads.len() - max_entries),
                    (32, y),
                    legend_text,
                ))
                .expect("drawing into a string");
        }
        root.present().expect("drawing into a string");
        frame
    };

    let layer = data_layer(result, view, &frame, &labels, &used_threads);
    append_layer(&mut svg, &layer);
    svg
}

/// Bars and dots, written directly: per row a group of poll bars
/// (`<g class="p">`), of off-task step bars (`k`) and of sample dots (`s`);
/// in the zoom view, bars at least 2 px wide carry a tooltip.
fn data_layer(
    result: &RunResult,
    view: TimelineView,
    frame: &Frame,
    labels: &[String],
    threads: &[u16],
) -> String {
    let trace = &result.trace;
    let mut out = String::from(r#"<g class="data"><style>.s{fill:#eef1f7}</style>"#);
    out.push_str(&thread_styles(threads.iter().copied()));
    let detailed = view == TimelineView::Zoom;
    for (i, future) in trace.futures.iter().enumerate() {
        let top = frame.y0 + frame.row * i as f64;
        let off_task = future.placement.steps_off_task();
        let polls = future.polls.iter().enumerate().map(|(index, p)| Bar {
            start: p.start_ns,
            end: p.end_ns,
            thread: p.thread,
            index,
        });
        let (poll_top, poll_height) = if off_task {
            (top + frame.row * 0.80, frame.row * 0.12)
        } else {
            (top + frame.row * 0.10, frame.row * 0.80)
        };
        let describe_poll = |bar: &Bar| {
            let p = &future.polls[bar.index];
            let woken = p.woken_ns().map_or(String::new(), |w| {
                format!(", woken {} before", human_ns(p.start_ns.saturating_sub(w)))
            });
            format!(
                "{} poll {} on {}: {}{woken}",
                future.name,
                bar.index,
                labels
                    .get(usize::from(p.thread))
                    .map_or("?", String::as_str),
                human_ns(p.duration_ns())
            )
        };
        draw_bars(
            &mut out,
            "p",
            polls,
            frame,
            detailed,
            poll_top,
            poll_height,
            &describe_poll,
        );
        if off_task {
            let steps = future.samples.iter().enumerate().map(|(index, s)| Bar {
                start: s.start_ns,
                end: s.end_ns,
                thread: s.thread,
                index,
            });
            let describe_step = |bar: &Bar| {
                let s = &future.samples[bar.index];
                format!(
                    "{} step {} on {}: {}",
                    future.name,
                    s.seq,
                    labels
                        .get(usize::from(s.thread))
                        .map_or("?", String::as_str),
                    human_ns(s.duration_ns())
                )
            };
            draw_bars(
                &mut out,
                "k",
                steps,
                frame,
                detailed,
                top + frame.row * 0.10,
                frame.row * 0.66,
                &describe_step,
            );
        }
        out.push_str(r#"<g class="s">"#);
        let mut last_column = i64::MIN;
        for s in &future.samples {
            let mid = s.start_ns / 2 + s.end_ns / 2;
            if mid < frame.t0 || mid > frame.t1 {
                continue;
            }
            let x = frame.x(mid);
            if !detailed {
                let column = x as i64;
                if column == last_column {
                    continue;
                }
                last_column = column;
            }
            let y = top + frame.row * (0.5 - 0.3 * s.value);
            dot(&mut out, x, y, if detailed { 2.2 } else { 1.6 });
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");
    out
}

/// Draws `bars` of one row. In the whole view, bars whose gap is under a
/// pixel are merged when they share a thread or either is narrower than a
/// pixel; a merged bar takes the colour of the thread with the most time
/// in it.
#[allow(clippy::too_many_arguments)]
fn draw_bars(
    out: &mut String,
    class: &str,
    bars: impl Iterator<Item = Bar>,
    frame: &Frame,
    detailed: bool,
    y: f64,
    height: f64,
    describe: &dyn Fn(&Bar) -> String,
) {
    let px = frame.px_per_ns();
    let emit = |out: &mut String, start: u64, end: u64, thread: u16, title: Option<String>| {
        let x = frame.x(start);
        let width = (frame.x(end) - x).max(0.6);
        bar(
            out,
            thread,
            x,
            y,
            width,
            height,
            title.filter(|_| width >= 2.0).as_deref(),
        );
    };
    let _ = write!(out, r#"<g class="{class}">"#);
    // The bar being merged: (start, end, thread with the most time in it).
    let mut pending: Option<(u64, u64, u16)> = None;
    let mut time_by_thread: Vec<(u16, u64)> = Vec::new();
    for bar in bars {
        if bar.end < frame.t0 || bar.start > frame.t1 {
            continue;
        }
        if detailed {
            let wide = (bar.end.saturating_sub(bar.start)) as f64 * px >= 2.0;
            emit(
                out,
                bar.start,
                bar.end,
                bar.thread,
                wide.then(|| describe(&bar)),
            );
            continue;
        }
        let length = bar.end.saturating_sub(bar.start);
        if let Some((start, end, thread)) = pending {
            let gap_px = bar.start.saturating_sub(end) as f64 * px;
            let narrow = (end - start) as f64 * px < 1.0 || length as f64 * px < 1.0;
            if gap_px < 1.0 && (bar.thread == thread || narrow) {
                add_time(&mut time_by_thread, bar.thread, length);
                pending = Some((start, end.max(bar.end), dominant(&time_by_thread)));
                continue;
            }
            emit(out, start, end, thread, None);
        }
        time_by_thread.clear();
        add_time(&mut time_by_thread, bar.thread, length);
        pending = Some((bar.start, bar.end, bar.thread));
    }
    if let Some((start, end, thread)) = pending {
        emit(out, start, end, thread, None);
    }
    out.push_str("</g>");
}

fn add_time(times: &mut Vec<(u16, u64)>, thread: u16, ns: u64) {
    match times.iter_mut().find(|(t, _)| *t == thread) {
        Some((_, total)) => *total = total.saturating_add(ns),
        None => times.push((thread, ns)),
    }
}

fn dominant(times: &[(u16, u64)]) -> u16 {
    times
        .iter()
        .copied()
        .max_by_key(|&(thread, ns)| (ns, std::cmp::Reverse(thread)))
        .map_or(0, |(thread, _)| thread)
}
