//! The whole view's bars: busy time binned per pixel column, so a run of
//! a million polls draws as a few paths.

use std::fmt::Write;

use super::frame::{Bar, Frame, NUMBER_REPEAT_PX};
use super::svg::{NUMBER_MIN_WIDTH, thread_number};

/// Busy time per pixel column: the total, its off-CPU part and the thread
/// with the most.
#[derive(Clone, Default)]
struct Column {
    busy: u64,
    off: f64,
    by_thread: Vec<(u16, u64)>,
}

impl Column {
    fn add(&mut self, thread: u16, ns: u64, off_share: f64) {
        self.busy = self.busy.saturating_add(ns);
        self.off += ns as f64 * off_share;
        match self.by_thread.iter_mut().find(|(t, _)| *t == thread) {
            Some((_, total)) => *total = total.saturating_add(ns),
            None => self.by_thread.push((thread, ns)),
        }
    }

    fn dominant(&self) -> u16 {
        self.by_thread
            .iter()
            .max_by_key(|&&(thread, ns)| (ns, std::cmp::Reverse(thread)))
            .map_or(0, |&(thread, _)| thread)
    }
}

/// A column's look: its dominant thread, busy share and off-CPU share of
/// the busy time, both in tenths.
type Shade = (u16, u32, u32);

/// The whole view's bars: busy time binned per pixel column, each column
/// in its dominant thread's colour at an opacity of its busy share
/// (rounded up to tenths), its top hatched by the off-CPU share of its busy
/// time (to the nearest tenth) as in the detailed views; neighbouring
/// columns alike are one rectangle, and the rectangles of one look one path.
pub(super) fn binned_bars(
    out: &mut String,
    bars: impl Iterator<Item = Bar>,
    frame: &Frame,
    (y, height): (f64, f64),
) {
    let columns = (frame.x1 - frame.x0).ceil().max(1.0) as usize;
    let ns_per_column = (frame.t1 - frame.t0) as f64 / columns as f64;
    let bins = bin_columns(bars, frame, columns, ns_per_column);
    let shade = |bin: &Column| -> Option<Shade> {
        (bin.busy > 0).then(|| {
            let share = (bin.busy as f64 / ns_per_column).min(1.0);
            let off = (bin.off / bin.busy as f64).clamp(0.0, 1.0);
            (
                bin.dominant(),
                ((share * 10.0).ceil() as u32).clamp(1, 10),
                (off * 10.0).round() as u32,
            )
        })
    };
    // One path per look: `M x y h w v h h -w z` per run of alike columns.
    let mut paths: Vec<((u16, u32, bool), String)> = Vec::new();
    let mut path =
        |key: (u16, u32, bool), rect: String| match paths.iter_mut().find(|(k, _)| *k == key) {
            Some((_, d)) => d.push_str(&rect),
            None => paths.push((key, rect)),
        };
    let mut c = 0;
    while c < columns {
        let Some(key) = shade(&bins[c]) else {
            c += 1;
            continue;
        };
        let mut end = c + 1;
        while end < columns && shade(&bins[end]) == Some(key) {
            end += 1;
        }
        let (w, x) = (end - c, frame.x0 + c as f64);
        let hatched = height * f64::from(key.2) / 10.0;
        if key.2 > 0 {
            path(
                (key.0, key.1, true),
                format!("M{x} {y:.1}h{w}v{hatched:.1}h-{w}z"),
            );
        }
        if key.2 < 10 {
            let (top, h) = (y + hatched, height - hatched);
            path(
                (key.0, key.1, false),
                format!("M{x} {top:.1}h{w}v{h:.1}h-{w}z"),
            );
        }
        c = end;
    }
    for ((thread, level, off), d) in paths {
        let opacity = if level < 10 {
            format!(r#" fill-opacity="{}""#, f64::from(level) / 10.0)
        } else {
            String::new()
        };
        let class = if off { " off" } else { "" };
        let _ = write!(out, r#"<path class="t{thread}{class}"{opacity} d="{d}"/>"#);
    }
    binned_numbers(out, &bins, frame, (y, height));
}

/// Each bar's busy time spread over the pixel columns it covers.
fn bin_columns(
    bars: impl Iterator<Item = Bar>,
    frame: &Frame,
    columns: usize,
    ns_per_column: f64,
) -> Vec<Column> {
    let mut bins = vec![Column::default(); columns];
    for b in bars.filter(|b| frame.visible(b.start, b.end)) {
        let wall = b.end.saturating_sub(b.start);
        let off_share = b
            .cpu
            .filter(|&cpu| cpu < wall)
            .map_or(0.0, |cpu| (wall - cpu) as f64 / wall.max(1) as f64);
        let (start, end) = (b.start.max(frame.t0), b.end.min(frame.t1));
        let first = ((start - frame.t0) as f64 / ns_per_column) as usize;
        let last = (((end - frame.t0) as f64 / ns_per_column) as usize).min(columns - 1);
        for (c, bin) in bins
            .iter_mut()
            .enumerate()
            .take(last + 1)
            .skip(first.min(columns - 1))
        {
            let lo = frame.t0 + (c as f64 * ns_per_column) as u64;
            let hi = frame.t0 + ((c + 1) as f64 * ns_per_column) as u64;
            let overlap = end.min(hi).saturating_sub(start.max(lo));
            bin.add(b.thread, overlap.max(u64::from(end == start)), off_share);
        }
    }
    bins
}

/// The thread's number on every run of busy columns of one dominant thread
/// at least [`NUMBER_MIN_WIDTH`] wide, unless the same thread's number is
/// within [`NUMBER_REPEAT_PX`] before it.
fn binned_numbers(out: &mut String, bins: &[Column], frame: &Frame, (y, height): (f64, f64)) {
    if height < 10.0 {
        return;
    }
    let mut last: Option<(u16, f64)> = None;
    let mut c = 0;
    while c < bins.len() {
        if bins[c].busy == 0 {
            c += 1;
            continue;
        }
        let thread = bins[c].dominant();
        let mut end = c + 1;
        while end < bins.len() && bins[end].busy > 0 && bins[end].dominant() == thread {
            end += 1;
        }
        let width = (end - c) as f64;
        let x = frame.x0 + c as f64 + width / 2.0;
        let repeats = last.is_some_and(|(t, at)| t == thread && x - at < NUMBER_REPEAT_PX);
        if width >= NUMBER_MIN_WIDTH && !repeats {
            thread_number(out, thread, x, y + height);
            last = Some((thread, x));
        }
        c = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 px for 1,000 ns, one 10 px row.
    fn frame() -> Frame {
        Frame {
            x0: 0.0,
            x1: 10.0,
            y0: 0.0,
            row: 10.0,
            t0: 0,
            t1: 1000,
        }
    }

    #[test]
    fn binned_columns_are_shaded_by_their_busy_share() {
        let frame = frame();
        // Alternating 10 ns polls of two threads: every column half busy.
        let bars = (0..50).map(|i| Bar {
            cpu: None,
            start: i * 20,
            end: i * 20 + 10,
            thread: (i % 2) as u16,
            index: 0,
        });
        let mut out = String::new();
        binned_bars(&mut out, bars, &frame, (0.0, 5.0));
        assert!(out.contains(r#"fill-opacity="0.5""#), "{out}");
        assert!(!out.contains(r#"fill-opacity="1""#));
        assert!(!out.contains(" off"), "nothing off the CPU: {out}");
    }

    #[test]
    fn binned_columns_hatch_their_off_cpu_share_by_height() {
        let frame = frame();
        // One step over the whole window, 30 % of it off the CPU.
        let bars = std::iter::once(Bar {
            cpu: Some(700),
            start: 0,
            end: 1000,
            thread: 3,
            index: 0,
        });
        let mut out = String::new();
        binned_bars(&mut out, bars, &frame, (0.0, 10.0));
        assert!(
            out.contains(r#"<path class="t3 off" d="M0 0.0h10v3.0h-10z"/>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<path class="t3" d="M0 3.0h10v7.0h-10z"/>"#),
            "{out}"
        );
    }
}
