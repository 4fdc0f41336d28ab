//! A service row's events drawn true: each event a dot at the moment it
//! completed (a tick's firing, a response's arrival) with a whisker back
//! over the latency it measured (to the tick's deadline, to the request),
//! at the height of its value on the row's own scale, which is drawn right
//! of the plot.

use std::fmt::Write;

use super::palette::{FOREGROUND, GRID, hex};
use super::svg::{dot, escape};
use crate::common::duration::human_ns;
use crate::trace::FutureTrace;

/// A row's value scale: 0 at the bottom of its band, `max_us` (a round
/// number at or above the row's largest value) at the top.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ValueScale {
    /// The value at the top of the band, µs.
    pub max_us: f64,
}

/// Where a row's value band lies: its top and bottom as shares of the
/// row's height.
const BAND: (f64, f64) = (0.15, 0.85);

impl ValueScale {
    /// The scale of a service future's values; `None` for a future that is
    /// not a service's or records no finite value.
    pub(crate) fn of(future: &FutureTrace) -> Option<ValueScale> {
        if !future.kind.is_service() {
            return None;
        }
        let max = future
            .samples
            .iter()
            .map(|s| s.value)
            .filter(|v| v.is_finite())
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))?;
        Some(ValueScale {
            max_us: nice_ceiling(max.max(0.0)),
        })
    }

    /// The y of `value_us` in a row whose top is `top` and height `row`.
    pub(crate) fn y(self, value_us: f64, top: f64, row: f64) -> f64 {
        let share = (value_us / self.max_us).clamp(0.0, 1.0);
        top + row * (BAND.1 - (BAND.1 - BAND.0) * share)
    }

    /// The scale right of the plot at `x`: an axis line with 0, half and
    /// the top value, in the row's band.
    pub(crate) fn draw(self, out: &mut String, x: f64, top: f64, row: f64) {
        let (fg, grid) = (hex(FOREGROUND), hex(GRID));
        let (y0, y1) = (self.y(0.0, top, row), self.y(self.max_us, top, row));
        let _ = write!(
            out,
            r#"<g class="vscale" font-family="sans-serif" font-size="11" fill="{fg}"><line x1="{x:.1}" x2="{x:.1}" y1="{y1:.1}" y2="{y0:.1}" stroke="{grid}" stroke-width="2"/>"#
        );
        for v in [0.0, self.max_us / 2.0, self.max_us] {
            let y = self.y(v, top, row);
            let label = if v == 0.0 {
                "0".to_string()
            } else {
                human_ns((v * 1e3).round() as u64)
            };
            let _ = write!(
                out,
                r#"<line x1="{x:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{grid}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                x + 4.0,
                x + 6.0,
                y + 4.0,
                escape(&label)
            );
        }
        out.push_str("</g>");
    }
}

/// The least of 1, 2 or 5 × a power of ten at or above `v` (µs); 1 for 0.
pub(crate) fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let decade = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|&n| n >= v * (1.0 - 1e-12))
        .unwrap_or(10.0 * decade)
}

/// Maps ns since the run's start to x, clamped to the window.
pub(crate) trait TimeAxis {
    /// The x of `ns`.
    fn x_of(&self, ns: u64) -> f64;
    /// The window, ns.
    fn span(&self) -> (u64, u64);
}

/// A service row's events: per event a whisker from the start of the
/// latency it measured (`end − value`) to its end, and a dot at its end,
/// both at its value's height; in a whole view (`!detailed`) at most one
/// event per pixel column.
pub(crate) fn service_events(
    out: &mut String,
    future: &FutureTrace,
    scale: ValueScale,
    axis: &dyn TimeAxis,
    (top, row): (f64, f64),
    detailed: bool,
) {
    let (t0, t1) = axis.span();
    out.push_str(r#"<g class="s">"#);
    let mut last_column = i64::MIN;
    for s in &future.samples {
        let end = s.end_ns;
        let value = if s.value.is_finite() { s.value } else { 0.0 };
        let from = end.saturating_sub((value.max(0.0) * 1e3) as u64);
        if end < t0 || from > t1 {
            continue;
        }
        let (x_from, x) = (axis.x_of(from), axis.x_of(end));
        if !detailed {
            let column = x as i64;
            if column == last_column {
                continue;
            }
            last_column = column;
        }
        let y = scale.y(value, top, row);
        if x - x_from >= 1.0 {
            let _ = write!(
                out,
                r#"<line class="w" x1="{x_from:.1}" x2="{x:.1}" y1="{y:.1}" y2="{y:.1}"/>"#
            );
        }
        if end <= t1 {
            dot(out, x, y, if detailed { 2.4 } else { 1.8 });
        }
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::nice_ceiling;

    #[test]
    fn scales_end_on_round_values() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(1.0), 1.0);
        assert_eq!(nice_ceiling(1.2), 2.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(25_100.0), 50_000.0);
        assert_eq!(nice_ceiling(0.07), 0.1);
    }
}
