//! The raw records the probe stores: fixed-size, clock ticks, no strings.

use super::clock::Ticks;

/// The `cpu_ns` of a record whose on-CPU time was not measured.
pub(crate) const NOT_MEASURED: u64 = u64::MAX;

/// One poll of an instrumented future (40 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollRecord {
    /// Clock reading when the poll began.
    pub start: Ticks,
    /// Clock reading when the poll returned.
    pub end: Ticks,
    /// Latest waker invocation that no earlier poll saw (read just before
    /// this poll began); 0 when none.
    pub woken: Ticks,
    /// The thread's on-CPU time during the poll, ns; `u64::MAX` unless the
    /// recording measures polls.
    pub cpu_ns: u64,
    /// Index of the thread that ran the poll.
    pub thread: u16,
    /// Whether the poll returned `Ready`.
    pub ready: bool,
}

impl Default for PollRecord {
    fn default() -> Self {
        Self {
            start: 0,
            end: 0,
            woken: 0,
            cpu_ns: NOT_MEASURED,
            thread: 0,
            ready: false,
        }
    }
}

/// One computed sample: one step of a producer (40 bytes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleRecord {
    /// Step number, from 0.
    pub seq: u32,
    /// The computed value.
    pub value: f64,
    /// Clock reading when the step began.
    pub start: Ticks,
    /// Clock reading when the step ended.
    pub end: Ticks,
    /// The thread's on-CPU time during the step, ns; `u64::MAX` when not
    /// measured.
    pub cpu_ns: u64,
    /// Index of the thread that ran the step.
    pub thread: u16,
}

impl Default for SampleRecord {
    fn default() -> Self {
        Self {
            seq: 0,
            value: 0.0,
            start: 0,
            end: 0,
            cpu_ns: NOT_MEASURED,
            thread: 0,
        }
    }
}
