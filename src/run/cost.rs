//! The cost of one producer step: `cpu`, `spin` or `sleep`.

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::duration::nanos;
use crate::probe::{clock, thread_cpu_ns};
use crate::scenario::CostKind;

/// One step's cost, ready to burn: for `cpu`, the iterations of a first
/// chunk are worked out once from the process's [`calibration`].
///
/// ```
/// use pollscope::{Cost, CostKind};
/// use std::time::{Duration, Instant};
///
/// let cost = Cost::new(CostKind::Spin, Duration::from_micros(200));
/// let start = Instant::now();
/// cost.burn();
/// assert!(start.elapsed() >= Duration::from_micros(200));
///
/// // A cpu cost spends at least its request on the thread's CPU clock.
/// let cpu = Cost::new(CostKind::Cpu, Duration::from_micros(300)).burn().unwrap();
/// assert!(cpu >= 300_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    kind: CostKind,
    duration: Duration,
    /// `cpu`: iterations of the first chunk (half the request).
    first_chunk: u64,
    /// `cpu`: the calibration, iterations per ns.
    per_ns: f64,
}

/// The share of a `cpu` request the first chunk of arithmetic covers, by
/// the calibration; each later chunk covers half of what remains, by the
/// speed observed so far, until [`LAST_CHUNK_NS`].
///
/// Halving is for the tail. Anything the kernel charges to the thread
/// without running the arithmetic (an interrupt; inside a VM, time the
/// host steals) overshoots the request by as much as it exceeds what was
/// still to do when it struck. With a 90 % first chunk, any such event
/// of more than 10 % in that chunk overshot: p99 +5.9 % at 100 µs on
/// the development VM, against +0.5 % with halving, for four more clock
/// reads (about 1 µs, spent inside the request).
const FIRST_CHUNK: f64 = 0.5;

/// Below twice this much CPU time still to spend, the next chunk covers
/// all of it.
const LAST_CHUNK_NS: u64 = 2_000;

impl Cost {
    /// A step of `duration` spent the `kind` way.
    pub fn new(kind: CostKind, duration: Duration) -> Self {
        let per_ns = match kind {
            CostKind::Cpu => calibration() / 1e3,
            CostKind::Spin | CostKind::Sleep => 0.0,
        };
        Self {
            kind,
            duration,
            first_chunk: (duration.as_nanos() as f64 * per_ns * FIRST_CHUNK) as u64,
            per_ns,
        }
    }

    /// How the cost is spent.
    pub fn kind(&self) -> CostKind {
        self.kind
    }

    /// The requested duration.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// Spends the cost on the calling thread and returns the thread's
    /// on-CPU time during it, ns (from its own CPU clock; `None` where
    /// that clock is missing).
    ///
    /// * `cpu`: a first chunk of calibrated arithmetic covering half the
    ///   request, then chunks sized from the speed just observed, each
    ///   covering half of what remains (all of it below 4 µs), until the
    ///   thread's CPU clock has advanced by the request (7 clock reads at
    ///   100 µs, 9 at 500 µs). Without a CPU clock, calibrated arithmetic
    ///   alone.
    /// * `spin`: busy-waits until the wall clock passes the deadline.
    /// * `sleep`: `std::thread::sleep`.
    ///
    /// A zero cost returns `Some(0)` at once.
    #[inline]
    pub fn burn(&self) -> Option<u64> {
        // Nothing to spend (a pure echo's handler): no clock read either.
        if self.duration.is_zero() {
            return Some(0);
        }
        self.burn_clocked()
            .map(|(start, end)| end.saturating_sub(start))
    }

    /// Spends the cost as [`burn`](Self::burn) does and returns the
    /// thread's CPU clock at its start and its end; `None` where that
    /// clock is missing. A zero cost reads the clock too.
    #[inline]
    pub(crate) fn burn_clocked(&self) -> Option<(u64, u64)> {
        let start = thread_cpu_ns();
        match self.kind {
            CostKind::Cpu => return self.burn_cpu(start),
            CostKind::Spin => {
                let deadline = clock::ticks_after(clock::now(), nanos(self.duration));
                while clock::now() < deadline {
                    std::hint::spin_loop();
                }
            }
            CostKind::Sleep => std::thread::sleep(self.duration),
        }
        Some((start?, thread_cpu_ns()?))
    }

    fn burn_cpu(&self, start: Option<u64>) -> Option<(u64, u64)> {
        black_box(cpu_work(self.first_chunk));
        let Some(start) = start else {
            // No CPU clock: the calibrated remainder, unmeasured.
            let rest = (self.duration.as_nanos() as f64 * self.per_ns) as u64;
            black_box(cpu_work(rest.saturating_sub(self.first_chunk)));
            return None;
        };
        let request = nanos(self.duration);
        let mut done_iterations = self.first_chunk;
        loop {
            let now = thread_cpu_ns()?;
            let spent = now.saturating_sub(start);
            if spent >= request {
                return Some((start, now));
            }
            // The speed observed so far sizes the rest (the calibration
            // until anything was measured).
            let per_ns = if spent > 0 && done_iterations > 0 {
                done_iterations as f64 / spent as f64
            } else {
                self.per_ns
            };
            let remaining = request - spent;
            let target = if remaining > 2 * LAST_CHUNK_NS {
                remaining / 2
            } else {
                remaining
            };
            let chunk = ((target as f64) * per_ns).ceil().max(1.0) as u64;
            black_box(cpu_work(chunk));
            done_iterations += chunk;
        }
    }
}

/// The `cpu` kind's arithmetic: a dependent chain of multiply, add and
/// xor-shift that the compiler can neither vectorise nor skip.
#[inline(never)]
pub(crate) fn cpu_work(iterations: u64) -> u64 {
    let mut x = black_box(0x9E37_79B9_7F4A_7C15_u64);
    for _ in 0..iterations {
        x = x.wrapping_mul(0x5851_F42D_4C95_7F2D).wrapping_add(1);
        x ^= x >> 29;
    }
    x
}

static CALIBRATION: OnceLock<f64> = OnceLock::new();

/// The `cpu` cost's calibration: iterations of its arithmetic per microsecond,
/// measured once per process (20 ms of warm-up, then the median of 15 trials of about 2 ms) and reused for every run.
pub fn calibration() -> f64 {
    *CALIBRATION.get_or_init(calibrate)
}

/// The calibration if this process has measured it (a library session
/// that used no `cpu` cost has none to report).
pub(crate) fn calibration_if_measured() -> Option<f64> {
    CALIBRATION.get().copied()
}

/// Measures [`cpu_work`]'s speed afresh, in iterations per microsecond:
/// 20 ms of warm-up (so the core reaches its working frequency: without it,
/// costs came out up to 9 % short), then 15 trials of about 2 ms, and their
/// median rate, which a preempted trial or a frequency burst cannot move.
/// About 50 ms in all.
pub(crate) fn calibrate() -> f64 {
    // Size a ~2 ms trial while warming up, then keep warming up to 20 ms.
    let warm_up = Instant::now();
    let mut iterations = 10_000u64;
    loop {
        let start = Instant::now();
        black_box(cpu_work(iterations));
        if start.elapsed() >= Duration::from_millis(2) {
            break;
        }
        iterations *= 2;
    }
    while warm_up.elapsed() < Duration::from_millis(20) {
        black_box(cpu_work(iterations));
    }
    let mut rates: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            black_box(cpu_work(iterations));
            iterations as f64 / (start.elapsed().as_secs_f64() * 1e6)
        })
        .collect();
    crate::common::stats::median_f64(&mut rates).expect("15 trials")
}
