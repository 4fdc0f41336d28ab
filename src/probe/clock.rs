//! The probe's clock: raw time-stamp-counter ticks, converted to nanoseconds
//! only when a recording is turned into a trace.
//!
//! quanta reads the TSC where it is invariant (synchronised across cores and
//! constant-rate) and falls back to the OS monotonic clock elsewhere, so tick
//! values are comparable across threads either way.

use std::sync::OnceLock;

/// A raw clock reading; only differences, converted by [`ticks_to_ns`], mean
/// anything.
pub type Ticks = u64;

fn clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// Reads the clock.
///
/// ```
/// let a = pollscope::internals::clock::now();
/// let b = pollscope::internals::clock::now();
/// assert!(b >= a);
/// ```
#[inline]
pub fn now() -> Ticks {
    clock().raw()
}

/// Nanoseconds from `from` to `to`; 0 when `to` is not after `from`.
///
/// ```
/// use pollscope::internals::clock;
/// let a = clock::now();
/// std::thread::sleep(std::time::Duration::from_millis(2));
/// let ns = clock::ticks_to_ns(a, clock::now());
/// assert!(ns >= 2_000_000 && ns < 1_000_000_000);
/// assert_eq!(clock::ticks_to_ns(10, 5), 0);
/// ```
#[inline]
pub fn ticks_to_ns(from: Ticks, to: Ticks) -> u64 {
    if to <= from {
        0
    } else {
        clock().delta_as_nanos(from, to)
    }
}

/// The tick reading `nanos` nanoseconds after `from` (for deadlines).
pub fn ticks_after(from: Ticks, nanos: u64) -> Ticks {
    // quanta converts ticks to time with a fixed scale; invert it on a
    // one-second span measured once.
    static TICKS_PER_SECOND: OnceLock<f64> = OnceLock::new();
    let per_second = *TICKS_PER_SECOND.get_or_init(|| {
        let c = clock();
        let span: u64 = 1 << 32;
        let ns = c.delta_as_nanos(0, span).max(1);
        span as f64 * 1e9 / ns as f64
    });
    from + (nanos as f64 * per_second / 1e9) as u64
}
