//! One trend chart of the history report: a metric of a configuration
//! over labels, as inline SVG. Each label's repeats are dots (hollow:
//! disturbed), their median a line per machine; a change point is a red
//! line between two labels with its size and confidence; a change of
//! machine is a dashed break.

use std::fmt::Write as _;

use super::change_points::ChangePoint;
use crate::compare::{Unit, format_value};
use crate::render::escape;

/// The colours of the machines, in order (the report's dark theme).
const COLORS: [&str; 6] = [
    "#6cb6ff", "#eae100", "#00f3d8", "#fcb4a2", "#fc2dfc", "#00c612",
];
const CHANGE: &str = "#ff6b6b";
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 78.0;

/// A label on the x axis.
pub(crate) struct Tick {
    /// Its name.
    pub name: String,
    /// Where its result folder lies, relative to the page, when it still
    /// exists.
    pub href: Option<String>,
}

/// One label's dots of a line.
pub(crate) struct Dots {
    /// The label's x index.
    pub x: usize,
    /// Each run's (value, disturbed).
    pub runs: Vec<(f64, bool)>,
    /// The median of the undisturbed runs (NaN: none).
    pub median: f64,
}

/// One machine's values in the chart.
pub(crate) struct Line {
    /// The machine, for the legend.
    pub machine: String,
    /// Per label it has.
    pub points: Vec<Dots>,
    /// Its change points, at the x index of the first label after.
    pub change_points: Vec<(usize, ChangePoint)>,
}

/// A chart.
pub(crate) struct Trend {
    /// Its x axis.
    pub ticks: Vec<Tick>,
    /// The metric's unit.
    pub unit: Unit,
    /// One line per machine.
    pub lines: Vec<Line>,
    /// X indices where the machines differ from the label before.
    pub breaks: Vec<usize>,
}

impl Trend {
    /// The chart as an `<svg>` element.
    pub(crate) fn svg(&self) -> String {
        let values = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().flat_map(|d| d.runs.iter().map(|p| p.0)));
        let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let pad = ((high - low) * 0.08).max(high.abs() * 0.01).max(1e-9);
        let (low, high) = ((low - pad).max(0.0), high + pad);
        let n = self.ticks.len().max(1);
        let step = (WIDTH - LEFT - RIGHT) / n as f64;
        let x = |i: usize| LEFT + step * (i as f64 + 0.5);
        let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - low) / (high - low));
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             font-family=\"system-ui,sans-serif\" font-size=\"11\">\
             <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#1f2640\"/>"
        );
        self.axes(&mut out, low, high, &x, &y);
        for &b in &self.breaks {
            let bx = x(b) - step / 2.0;
            // The words go left of a break in the chart's right part.
            let (tx, anchor) = if bx > WIDTH * 0.75 {
                (bx - 3.0, "end")
            } else {
                (bx + 3.0, "start")
            };
            let _ = write!(
                out,
                "<line class=\"break\" x1=\"{bx:.1}\" x2=\"{bx:.1}\" y1=\"{TOP}\" y2=\"{:.1}\" \
                 stroke=\"#aab3c8\" stroke-dasharray=\"5 4\"><title>the machine changed</title>\
                 </line><text x=\"{tx:.1}\" y=\"{:.1}\" fill=\"#aab3c8\" \
                 text-anchor=\"{anchor}\">machine changed</text>",
                HEIGHT - BOTTOM,
                TOP + 10.0
            );
        }
        for (k, line) in self.lines.iter().enumerate() {
            self.line(&mut out, line, COLORS[k % COLORS.len()], step, &x, &y);
        }
        self.legend(&mut out);
        out.push_str("</svg>");
        out
    }

    fn axes(
        &self,
        out: &mut String,
        low: f64,
        high: f64,
        x: &dyn Fn(usize) -> f64,
        y: &dyn Fn(f64) -> f64,
    ) {
        for k in 0..=4 {
            let v = low + (high - low) * f64::from(k) / 4.0;
            let _ = write!(
                out,
                "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#3a4363\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#dde1ea\" text-anchor=\"end\">{}</text>",
                WIDTH - RIGHT,
                LEFT - 6.0,
                y(v) + 4.0,
                escape(&format_value(self.unit, v)),
                py = y(v),
            );
        }
        let every = self.ticks.len().div_ceil(60).max(1);
        for (i, tick) in self
            .ticks
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
        {
            let (tx, ty) = (x(i), HEIGHT - BOTTOM + 12.0);
            let name: String = tick.name.chars().take(14).collect();
            let text = format!(
                "<text x=\"{tx:.1}\" y=\"{ty:.1}\" fill=\"#dde1ea\" text-anchor=\"end\" \
                 transform=\"rotate(-45 {tx:.1} {ty:.1})\"><title>{}</title>{}</text>",
                escape(&tick.name),
                escape(&name)
            );
            let _ = match &tick.href {
                Some(href) => write!(out, "<a href=\"{}\">{text}</a>", escape(href)),
                None => write!(out, "{text}"),
            };
        }
    }

    fn line(
        &self,
        out: &mut String,
        line: &Line,
        color: &str,
        step: f64,
        x: &dyn Fn(usize) -> f64,
        y: &dyn Fn(f64) -> f64,
    ) {
        let spread = (step * 0.5).min(12.0);
        let mut path = String::new();
        // Dots in two groups that carry their style: the undisturbed
        // filled, the disturbed hollow.
        let mut dots = [String::new(), String::new()];
        for Dots {
            x: i,
            runs: values,
            median,
        } in &line.points
        {
            let count = values.len().max(1) as f64;
            for (k, &(v, disturbed)) in values.iter().enumerate() {
                let dx = if count > 1.0 {
                    spread * (k as f64 / (count - 1.0) - 0.5)
                } else {
                    0.0
                };
                let _ = write!(
                    dots[usize::from(disturbed)],
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\"/>",
                    x(*i) + dx,
                    y(v)
                );
            }
            if median.is_finite() {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1}",
                    if path.is_empty() { "M" } else { " L" },
                    x(*i),
                    y(*median)
                );
            }
        }
        let _ = write!(
            out,
            "<g class=\"repeats\" fill=\"{color}\" fill-opacity=\"0.55\" stroke=\"{color}\" \
             stroke-width=\"0.8\">{}</g><g class=\"disturbed\" fill=\"none\" stroke=\"{color}\" \
             stroke-width=\"0.8\">{}<title>disturbed runs</title></g>",
            dots[0], dots[1]
        );
        let _ = write!(
            out,
            "<path class=\"median\" d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\"/>"
        );
        for (i, c) in &line.change_points {
            let cx = x(*i) - step / 2.0;
            let text = format!("{:+.1}% ({})", c.change_pct, c.confidence_text());
            let _ = write!(
                out,
                "<g class=\"change-point\"><title>change point before label {}: {} → {}, \
                 {:+.1} %, confidence {} (p {:.2e})</title><line x1=\"{cx:.1}\" x2=\"{cx:.1}\" \
                 y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"{CHANGE}\" stroke-width=\"2\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{CHANGE}\" font-weight=\"600\">{}</text></g>",
                escape(&self.ticks[*i].name),
                escape(&format_value(self.unit, c.before)),
                escape(&format_value(self.unit, c.after)),
                c.change_pct,
                c.confidence_text(),
                c.p,
                HEIGHT - BOTTOM,
                cx + 3.0,
                TOP - 8.0,
                escape(&text)
            );
        }
    }

    fn legend(&self, out: &mut String) {
        if self.lines.len() < 2 {
            return;
        }
        let mut lx = LEFT;
        for (k, line) in self.lines.iter().enumerate() {
            let name: String = line.machine.chars().take(48).collect();
            let _ = write!(
                out,
                "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#dde1ea\">{}</text>",
                HEIGHT - 14.0,
                COLORS[k % COLORS.len()],
                lx + 14.0,
                HEIGHT - 5.0,
                escape(&name)
            );
            lx += 20.0 + 6.0 * name.chars().count() as f64;
        }
    }
}
