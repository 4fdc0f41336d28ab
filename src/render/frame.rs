//! A timeline's geometry: the pixel mapping of its plotting area and the
//! bars drawn in it, shared by the detailed and the binned (whole-run)
//! drawings.

use super::values::TimeAxis;

/// The least distance, px, between two numbers of one thread in a row.
pub(super) const NUMBER_REPEAT_PX: f64 = 160.0;

/// One bar to draw, in ns, with its on-CPU part where known.
#[derive(Clone, Copy)]
pub(super) struct Bar {
    pub(super) start: u64,
    pub(super) end: u64,
    pub(super) thread: u16,
    pub(super) index: usize,
    pub(super) cpu: Option<u64>,
}

/// Pixel mapping of the plotting area.
pub(super) struct Frame {
    pub(super) x0: f64,
    pub(super) x1: f64,
    pub(super) y0: f64,
    pub(super) row: f64,
    pub(super) t0: u64,
    pub(super) t1: u64,
}

impl Frame {
    pub(super) fn x(&self, ns: u64) -> f64 {
        let ns = ns.clamp(self.t0, self.t1);
        self.x0 + (ns - self.t0) as f64 / (self.t1 - self.t0) as f64 * (self.x1 - self.x0)
    }

    pub(super) fn visible(&self, start: u64, end: u64) -> bool {
        end >= self.t0 && start <= self.t1
    }
}

impl TimeAxis for Frame {
    fn x_of(&self, ns: u64) -> f64 {
        self.x(ns)
    }

    fn span(&self) -> (u64, u64) {
        (self.t0, self.t1)
    }
}
