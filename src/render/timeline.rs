//! The seed-style timeline: one row per future, a bar per poll coloured by
//! the thread that ran it, a dot per sample at its value (the sine wave).

use std::fmt::Write;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::binned::binned_bars;
use super::frame::{Bar, Frame, NUMBER_REPEAT_PX};
use super::palette::{BACKGROUND, FOREGROUND, hex, house_style, run_colors, tick};
use super::svg::{
    NUMBER_MIN_WIDTH, NUMBER_STYLE, bar, dot, escape, hatches, scope_class, thread_number,
};
use super::values::{ValueScale, service_events};
use crate::analysis::RunResult;
use crate::common::duration::human_ns;
use crate::trace::{FutureTrace, thread_labels};

/// Which part of the run a timeline shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineView {
    /// The whole run. Bars narrower than a pixel are binned per pixel
    /// column: a column is drawn in the colour of the thread with the most
    /// busy time in it, with an opacity equal to its busy share (busy ns in
    /// the column's span ÷ the span, in tenths, at least 0.1), so two
    /// futures that alternate read as half-busy rows, not as solid blocks.
    /// At most one dot per pixel column and row is drawn.
    Whole,
    /// The default zoom window (from 0 to the end of the 60th poll of the
    /// busiest future, at least 1 % of the run) in full detail: every poll and sample,
    /// each bar at least 2 px wide with a tooltip.
    Zoom,
    /// A window chosen by the caller, `[from_ns, to_ns]` since the run's
    /// start, in full detail like [`TimelineView::Zoom`].
    Window {
        /// Start of the window, ns since the run's start.
        from_ns: u64,
        /// End of the window, ns since the run's start.
        to_ns: u64,
    },
}

/// How many polls of the busiest row the default zoom window aims to hold.
pub(crate) const ZOOM_POLLS: usize = 60;

const WIDTH: u32 = 1200;
const ROW_HEIGHT: u32 = 64;
const LEGEND_COLUMN: f64 = 228.0;
const LEGEND_ROW: f64 = 20.0;

impl TimelineView {
    /// The time window `[start, end]` in ns this view shows of `result`.
    pub fn window(self, result: &RunResult) -> (u64, u64) {
        match self {
            TimelineView::Whole => (0, result.analysis.makespan_ns.max(1)),
            TimelineView::Zoom => default_zoom_window(result),
            TimelineView::Window { from_ns, to_ns } => (from_ns, to_ns.max(from_ns + 1)),
        }
    }

    fn detailed(self) -> bool {
        self != TimelineView::Whole
    }
}

/// The default zoom window of a run: from its start to the end of the
/// [`ZOOM_POLLS`]-th poll of its busiest row (the future with the most
/// polls), so the picture holds a readable number of polls; at least 1 %
/// and at most the whole makespan.
pub(crate) fn default_zoom_window(result: &RunResult) -> (u64, u64) {
    let makespan = result.analysis.makespan_ns.max(1);
    let least = makespan.div_ceil(100).max(1);
    let end = result
        .trace
        .futures
        .iter()
        .max_by_key(|f| f.polls.len())
        .and_then(|f| f.polls.get(ZOOM_POLLS - 1))
        .map_or(makespan, |p| p.end_ns);
    (0, end.clamp(least, makespan))
}

/// The on-CPU time of each poll of `future`: its own `cpu_ns` when polls
/// were measured, else the summed `cpu_ns` of the steps it ran (a
/// producer's step fills its poll), else unknown.
fn poll_cpu(future: &FutureTrace) -> Vec<Option<u64>> {
    let mut next = 0;
    future
        .polls
        .iter()
        .map(|p| {
            if p.cpu_ns().is_some() {
                return p.cpu_ns();
            }
            while next < future.samples.len() && future.samples[next].start_ns < p.start_ns {
                next += 1;
            }
            let mut total = None;
            let mut i = next;
            while let Some(s) = future.samples.get(i).filter(|s| s.start_ns <= p.end_ns) {
                if let Some(cpu) = s
                    .cpu_ns()
                    .filter(|_| s.thread == p.thread && s.end_ns <= p.end_ns)
                {
                    total = Some(total.unwrap_or(0u64).saturating_add(cpu));
                }
                i += 1;
            }
            total
        })
        .collect()
}

/// `wall on CPU …, off CPU …` for a tooltip.
fn cpu_note(wall: u64, cpu: Option<u64>) -> String {
    match cpu {
        Some(cpu) => {
            let off = wall.saturating_sub(cpu);
            format!(
                " ({} on CPU, {} off CPU: {:.0} %)",
                human_ns(cpu.min(wall)),
                human_ns(off),
                off as f64 * 100.0 / wall.max(1) as f64
            )
        }
        None => String::new(),
    }
}

/// The timeline of `result` as an SVG document.
pub fn timeline_svg(result: &RunResult, view: TimelineView) -> String {
    let (t0, t1) = view.window(result);
    let threads = threads_in_view(result, t0, t1);
    let legend = legend_entries(result, view, &threads);
    let rows = result.trace.futures.len().max(1);
    let chart_height = 90 + rows as u32 * ROW_HEIGHT + 50;
    let legend_rows = legend.len().div_ceil(legend_columns());
    let height = chart_height + 16 + (legend_rows as f64 * LEGEND_ROW) as u32 + 12;
    let mut svg = String::new();
    let frame = draw_axes(&mut svg, result, view, (t0, t1), chart_height, height);
    let mut layer = data_layer(result, view, &frame);
    legend_layer(&mut layer, &legend, f64::from(chart_height) + 10.0);
    super::svg::append_layer(&mut svg, &layer);
    svg
}

/// Threads that ran a poll or step in `[t0, t1]`, by index.
fn threads_in_view(result: &RunResult, t0: u64, t1: u64) -> Vec<u16> {
    let mut seen = vec![false; result.trace.threads.len()];
    let mut mark = |start: u64, end: u64, thread: u16| {
        if end >= t0 && start <= t1 {
            let t = usize::from(thread);
            if t >= seen.len() {
                seen.resize(t + 1, false);
            }
            seen[t] = true;
        }
    };
    for f in &result.trace.futures {
        f.polls
            .iter()
            .for_each(|p| mark(p.start_ns, p.end_ns, p.thread));
        f.samples
            .iter()
            .for_each(|s| mark(s.start_ns, s.end_ns, s.thread));
    }
    (0..seen.len())
        .filter(|&t| seen[t])
        .map(|t| t as u16)
        .collect()
}

/// The title, axes and future labels, drawn with plotters; returns the
/// plotting area's pixel mapping.
fn draw_axes(
    svg: &mut String,
    result: &RunResult,
    view: TimelineView,
    (t0, t1): (u64, u64),
    chart_height: u32,
    height: u32,
) -> Frame {
    let trace = &result.trace;
    let rows = trace.futures.len().max(1);
    let has_values = trace.futures.iter().any(|f| ValueScale::of(f).is_some());
    let (divisor, unit) = if t1 - t0 <= 20_000_000 {
        (1e3, "µs")
    } else {
        (1e6, "ms")
    };
    // The window in the axis's unit, so title and axis read alike.
    let window_note = match view {
        TimelineView::Whole => String::new(),
        _ => format!(
            " ({} – {} {unit})",
            round_to_axis(t0 as f64 / divisor),
            round_to_axis(t1 as f64 / divisor)
        ),
    };
    let title = format!(
        "{}{window_note} — makespan {}{}",
        trace.info.run_id,
        human_ns(result.analysis.makespan_ns),
        result
            .analysis
            .efficiency
            .map_or(String::new(), |e| format!(", efficiency {e:.2}"))
    );
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&BACKGROUND).expect("drawing into a string");
    let (main, _) = root.split_vertically(chart_height);
    let text = |size: u32| ("sans-serif", size).into_font().color(&FOREGROUND);
    let mut chart = ChartBuilder::on(&main)
        .caption(&title, text(16))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(120)
        .right_y_label_area_size(if has_values { 64 } else { 24 })
        .build_cartesian_2d(t0 as f64 / divisor..t1 as f64 / divisor, 0f64..rows as f64)
        .expect("drawing into a string");
    house_style(&mut chart.configure_mesh())
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(10)
        .x_label_formatter(&tick)
        .x_desc(format!("time since the run's start ({unit})"))
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
    root.present().expect("drawing into a string");
    frame
}

/// A window bound in the axis's unit, to a precision the axis can show:
/// whole units from 100 on, else three significant digits.
fn round_to_axis(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        tick(&format!("{v:.3}").parse::<f64>().unwrap_or(v))
            .chars()
            .take(5)
            .collect()
    }
}

/// One legend entry: a swatch and its text.
enum Swatch {
    /// A bar in a colour.
    Fill(RGBColor),
    /// A sample dot.
    Dot,
    /// The thin strip of async-side polls under an off-task row.
    Strip,
    /// A half-transparent bar: a partly busy pixel of the whole view.
    Faded,
    /// A hatched bar: off-CPU time.
    Hatched,
    /// A service event: a whisker and a dot.
    Event,
}

fn legend_columns() -> usize {
    ((f64::from(WIDTH) - 24.0) / LEGEND_COLUMN).floor().max(1.0) as usize
}

/// Every thread in view (label and kernel thread id), then the marks.
fn legend_entries(
    result: &RunResult,
    view: TimelineView,
    threads: &[u16],
) -> Vec<(Swatch, String)> {
    let trace = &result.trace;
    let labels = thread_labels(&trace.threads);
    let colors = run_colors(&trace.threads);
    let mut entries: Vec<(Swatch, String)> = threads
        .iter()
        .map(|&t| {
            let t = usize::from(t);
            let label = labels.get(t).map_or("thread ?", String::as_str);
            let tid = trace
                .threads
                .get(t)
                .map_or(String::new(), |i| format!(" · tid {}", i.os_thread_id));
            let color = colors.get(t).copied().unwrap_or(FOREGROUND);
            (Swatch::Fill(color), format!("{label}{tid}"))
        })
        .collect();
    if trace.futures.iter().any(|f| !f.kind.is_service()) {
        entries.push((Swatch::Dot, "sample (height = its value)".into()));
    }
    if trace.futures.iter().any(|f| f.kind.is_service()) {
        entries.push((Swatch::Event, "event; line: its latency".into()));
    }
    if trace.futures.iter().any(|f| f.kind.steps_off_task()) {
        entries.push((Swatch::Strip, "async side's polls (off-task row)".into()));
    }
    entries.push((Swatch::Hatched, "hatched: off-CPU share".into()));
    if view == TimelineView::Whole {
        entries.push((Swatch::Faded, "faded: pixel partly busy".into()));
    }
    entries
}

/// The legend below the chart, in as many rows of columns as it needs.
fn legend_layer(out: &mut String, entries: &[(Swatch, String)], top: f64) {
    let columns = legend_columns();
    out.push_str(r#"<g class="legend" font-family="sans-serif" font-size="12">"#);
    for (k, (swatch, label)) in entries.iter().enumerate() {
        let x = 16.0 + LEGEND_COLUMN * (k % columns) as f64;
        let y = top + LEGEND_ROW * (k / columns) as f64;
        let fg = hex(FOREGROUND);
        let _ = match swatch {
            Swatch::Fill(c) => write!(
                out,
                r#"<rect x="{x}" y="{}" width="14" height="12" fill="{}"/>"#,
                y - 6.0,
                hex(*c)
            ),
            Swatch::Faded => write!(
                out,
                r#"<rect x="{x}" y="{}" width="14" height="12" fill="{fg}" fill-opacity="0.35"/>"#,
                y - 6.0
            ),
            Swatch::Hatched => write!(
                out,
                r#"<rect x="{x}" y="{}" width="14" height="5" fill="none" stroke="{fg}" stroke-dasharray="2 2"/><rect x="{x}" y="{}" width="14" height="7" fill="{fg}"/>"#,
                y - 6.0,
                y - 1.0
            ),
            Swatch::Event => write!(
                out,
                r#"<line class="w" x1="{x}" x2="{}" y1="{y}" y2="{y}"/><circle class="sd" cx="{}" cy="{y}" r="3"/>"#,
                x + 12.0,
                x + 12.0
            ),
            Swatch::Strip => write!(
                out,
                r#"<rect x="{x}" y="{y}" width="14" height="4" fill="{fg}"/>"#
            ),
            Swatch::Dot => write!(
                out,
                r#"<circle class="sd" cx="{}" cy="{y}" r="3"/>"#,
                x + 7.0
            ),
        };
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" fill="{fg}">{}</text>"#,
            x + 20.0,
            y + 4.0,
            escape(label)
        );
    }
    out.push_str("</g>");
}

/// The dots' style: white with a dark outline, readable on any bar.
const DOT_STYLE: &str = ".sd,.s circle{fill:#ffffff;stroke:#101426;stroke-width:0.9}.w{stroke:#ffffff;stroke-opacity:0.75;stroke-width:1.2}";

/// Bars and dots, written directly: per row a group of poll bars
/// (`<g class="p">`), of off-task step bars (`k`) and of sample dots (`s`);
/// the window drawn is in `data-from-ns`/`data-to-ns`.
fn data_layer(result: &RunResult, view: TimelineView, frame: &Frame) -> String {
    let trace = &result.trace;
    let scope = scope_class(&trace.info.run_id);
    let tag = if view.detailed() { "vz" } else { "vw" };
    let colors = run_colors(&trace.threads);
    let (defs, hatch_rules) = hatches(&colors, &scope, tag);
    let mut out = format!(
        r#"<g class="data {scope} {tag}" data-from-ns="{}" data-to-ns="{}">{defs}<style>{DOT_STYLE}{NUMBER_STYLE}"#,
        frame.t0, frame.t1
    );
    for (t, c) in colors.into_iter().enumerate() {
        let _ = write!(out, ".{scope} .t{t}{{fill:{}}}", hex(c));
    }
    out.push_str(&hatch_rules);
    out.push_str("</style>");
    let labels = thread_labels(&trace.threads);
    for (i, future) in trace.futures.iter().enumerate() {
        let top = frame.y0 + frame.row * i as f64;
        let rows = RowDrawer {
            future,
            frame,
            labels: &labels,
            detailed: view.detailed(),
        };
        rows.draw(&mut out, top);
    }
    out.push_str("</g>");
    out
}

/// Draws one future's row.
struct RowDrawer<'a> {
    future: &'a FutureTrace,
    frame: &'a Frame,
    labels: &'a [String],
    detailed: bool,
}

impl RowDrawer<'_> {
    fn draw(&self, out: &mut String, top: f64) {
        let (frame, future) = (self.frame, self.future);
        let off_task = future.kind.steps_off_task();
        let cpu = poll_cpu(future);
        let polls = future.polls.iter().enumerate().map(|(index, p)| Bar {
            start: p.start_ns,
            end: p.end_ns,
            thread: p.thread,
            index,
            cpu: cpu[index],
        });
        let (poll_top, poll_height) = if off_task {
            (top + frame.row * 0.80, frame.row * 0.12)
        } else {
            (top + frame.row * 0.10, frame.row * 0.80)
        };
        self.bars(out, "p", polls, (poll_top, poll_height), &|b| {
            self.describe_poll(b)
        });
        if off_task {
            let steps = future.samples.iter().enumerate().map(|(index, s)| Bar {
                start: s.start_ns,
                end: s.end_ns,
                thread: s.thread,
                index,
                cpu: s.cpu_ns(),
            });
            let place = (top + frame.row * 0.10, frame.row * 0.66);
            self.bars(out, "k", steps, place, &|b| self.describe_step(b));
        }
        self.dots(out, top);
    }

    fn thread(&self, t: u16) -> &str {
        self.labels.get(usize::from(t)).map_or("?", String::as_str)
    }

    fn describe_poll(&self, bar: &Bar) -> String {
        let p = &self.future.polls[bar.index];
        let woken = p.woken_ns().map_or(String::new(), |w| {
            format!(", woken {} before", human_ns(p.start_ns.saturating_sub(w)))
        });
        format!(
            "{} poll {} on {}: {}{}{woken}",
            self.future.name,
            bar.index,
            self.thread(p.thread),
            human_ns(p.duration_ns()),
            cpu_note(p.duration_ns(), bar.cpu)
        )
    }

    fn describe_step(&self, bar: &Bar) -> String {
        let s = &self.future.samples[bar.index];
        format!(
            "{} step {} on {}: {}{}",
            self.future.name,
            s.seq,
            self.thread(s.thread),
            human_ns(s.duration_ns()),
            cpu_note(s.duration_ns(), bar.cpu)
        )
    }

    fn bars(
        &self,
        out: &mut String,
        class: &str,
        bars: impl Iterator<Item = Bar>,
        place: (f64, f64),
        describe: &dyn Fn(&Bar) -> String,
    ) {
        let _ = write!(out, r#"<g class="{class}">"#);
        if self.detailed {
            detailed_bars(out, bars, self.frame, place, describe);
        } else {
            binned_bars(out, bars, self.frame, place);
        }
        out.push_str("</g>");
    }

    /// A dot per sample at the middle of its step, at its value (a sine
    /// for producers), in the whole view at most one per pixel column; a
    /// service's events as [`service_events`] draws them, with the row's
    /// value scale right of the plot; a library future's samples at their
    /// value on the row's own scale, its top written at the row's right end.
    fn dots(&self, out: &mut String, top: f64) {
        let frame = self.frame;
        if let Some(scale) = ValueScale::of(self.future) {
            let place = (top, frame.row);
            service_events(out, self.future, scale, frame, place, self.detailed);
            scale.draw(out, frame.x1 + 8.0, top, frame.row);
            return;
        }
        out.push_str(r#"<g class="s">"#);
        let mut last_column = i64::MIN;
        let service_max = self.future.kind.has_values().then(|| {
            self.future
                .samples
                .iter()
                .map(|s| s.value)
                .filter(|v| v.is_finite())
                .fold(0.0_f64, f64::max)
                .max(1e-9)
        });
        for s in &self.future.samples {
            let mid = s.start_ns / 2 + s.end_ns / 2;
            if mid < frame.t0 || mid > frame.t1 {
                continue;
            }
            let x = frame.x(mid);
            if !self.detailed {
                let column = x as i64;
                if column == last_column {
                    continue;
                }
                last_column = column;
            }
            let value = if s.value.is_finite() { s.value } else { 0.0 };
            let y = if let Some(max) = service_max {
                // A library future's sample: its value on the row's own
                // scale, 0 at the bottom, the row's largest at the top.
                top + frame.row * (0.85 - 0.7 * (value / max).clamp(0.0, 1.0))
            } else {
                top + frame.row * (0.5 - 0.3 * value.clamp(-1.0, 1.0))
            };
            dot(out, x, y, if self.detailed { 2.4 } else { 1.8 });
        }
        out.push_str("</g>");
        if let Some(max) = service_max.filter(|_| !self.future.samples.is_empty()) {
            let _ = write!(
                out,
                r#"<text class="scale" x="{:.1}" y="{:.1}" text-anchor="end" font-size="9" fill="{}">top {}</text>"#,
                frame.x1 - 2.0,
                top + frame.row * 0.15 + 3.0,
                hex(FOREGROUND),
                escape(&human_ns((max * 1e3).round() as u64))
            );
        }
    }
}

/// Every bar in the window, at least 0.6 px wide; those at least 2 px wide
/// carry a tooltip, those at least [`NUMBER_MIN_WIDTH`] wide their
/// thread's number (unless the same thread's number is within
/// [`NUMBER_REPEAT_PX`] before it). A bar whose on-CPU time is known and short of its wall
/// time is split by height, not by time (where in the step preemption or
/// blocking fell is unknown): its top, of the off-CPU share's height
/// (rounded to whole pixels), is hatched (class `off`), the rest solid.
fn detailed_bars(
    out: &mut String,
    bars: impl Iterator<Item = Bar>,
    frame: &Frame,
    (y, height): (f64, f64),
    describe: &dyn Fn(&Bar) -> String,
) {
    let mut numbers = String::new();
    // The last number drawn: (thread, x); a thread's number repeats only
    // after a gap, so a row of one thread's bars is not a row of numbers.
    let mut last: Option<(u16, f64)> = None;
    for b in bars.filter(|b| frame.visible(b.start, b.end)) {
        let x = frame.x(b.start);
        let width = (frame.x(b.end) - x).max(0.6);
        let title = (width >= 2.0).then(|| describe(&b));
        let wall = b.end.saturating_sub(b.start);
        let off = b
            .cpu
            .filter(|&cpu| cpu < wall)
            .map_or(0.0, |cpu| (wall - cpu) as f64 / wall.max(1) as f64);
        split_bar(out, b.thread, (x, y, width, height), off, title.as_deref());
        let repeats = last.is_some_and(|(t, at)| t == b.thread && x - at < NUMBER_REPEAT_PX);
        if width >= NUMBER_MIN_WIDTH && height >= 10.0 && !repeats {
            thread_number(&mut numbers, b.thread, x + width / 2.0, y + height);
            last = Some((b.thread, x));
        }
    }
    out.push_str(&numbers);
}

/// A bar of `thread` whose top `off` share (0–1) of its height is hatched
/// and the rest solid; the tooltip on the first shape drawn.
fn split_bar(
    out: &mut String,
    thread: u16,
    (x, y, width, height): (f64, f64, f64, f64),
    off: f64,
    title: Option<&str>,
) {
    // Under a pixel of hatching is not drawn (the tooltip still says it).
    let hatched = (height * off.min(1.0)).round().min(height);
    if hatched < 1.0 {
        bar(out, (thread, ""), (x, y, width, height), title);
        return;
    }
    bar(out, (thread, " off"), (x, y, width, hatched), title);
    if hatched < height {
        bar(
            out,
            (thread, ""),
            (x, y + hatched, width, height - hatched),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_at_the_right_edge_stays_on_the_canvas() {
        use crate::findings::synthetic::SyntheticRun;
        use crate::scenario::{CostKind, Placement};
        let mut run = SyntheticRun::new(CostKind::Cpu, 2, 2);
        let f = run.future("fut0", Placement::Inline, 100);
        run.step(f, 0, 10_000, 0, 1.0);
        let result = run.result("two_futures");
        // 0–10 ms in µs: the last tick, `10000`, sits at the plot's right end.
        let view = TimelineView::Window {
            from_ns: 0,
            to_ns: 10_000_000,
        };
        let svg = timeline_svg(&result, view);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let tick = doc
            .descendants()
            .find(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some("10000"))
            .expect("a tick at 10000 µs");
        let x: f64 = tick.attribute("x").unwrap().parse().unwrap();
        let size: f64 = tick.attribute("font-size").unwrap().parse().unwrap();
        // Centred, five digits of at most 0.62 em each.
        assert!(x + 2.5 * 0.62 * size <= f64::from(WIDTH), "{x}");
    }

    #[test]
    fn a_service_event_ends_at_its_completion_and_reaches_back_over_its_value() {
        use crate::findings::synthetic::SyntheticRun;
        use crate::scenario::CostKind;
        let mut run = SyntheticRun::new(CostKind::Cpu, 2, 2);
        // A tick due at 1 ms that fired 0.5 ms late: its sample starts at
        // the deadline and ends when it fired.
        run.service("ticker", &[(1000, 500.0), (3000, 100.0)]);
        let result = run.result("starvation");
        let view = TimelineView::Window {
            from_ns: 0,
            to_ns: 4_000_000,
        };
        let svg = timeline_svg(&result, view);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let line = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("w"))
            .expect("a whisker");
        let x = |a: &str| line.attribute(a).unwrap().parse::<f64>().unwrap();
        // x runs linearly over 0–4 ms: the whisker spans 1 ms → 1.5 ms.
        let px_per_ms = (x("x2") - x("x1")) / 0.5;
        assert!((x("x1") - px_per_ms * 1.0 - (x("x2") - px_per_ms * 1.5)).abs() < 0.2);
        let dot = line.next_sibling_element().unwrap();
        assert_eq!(dot.attribute("cx"), line.attribute("x2"));
        assert!(svg.contains(r#"class="vscale""#), "the row's value scale");
        assert!(svg.contains(">500µs<"), "its top a round value: {svg}");
    }
}
