//! The raw records the probe stores: fixed-size, clock ticks, no strings.

use super::clock::Ticks;

/// One poll of an instrumented future.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollRecord {
    /// Clock reading when the poll began.
    pub start: Ticks,
    /// Clock reading when the poll returned.
    pub end: Ticks,
    /// Latest waker invocation since the previous poll began; 0 when none.
    pub woken: Ticks,
    /// Index of the thread that ran the poll.
    pub thread: u16,
    /// Whether the poll returned `Ready`.
    pub ready: bool,
}

/// One computed sample (one step of a producer).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SampleRecord {
    /// Step number, from 0.
    pub seq: u32,
    /// The computed value.
    pub value: f64,
    /// Clock reading when the step began.
    pub start: Ticks,
    /// Clock reading when the step ended.
    pub end: Ticks,
    /// Index of the thread that ran the step.
    pub thread: u16,
}
