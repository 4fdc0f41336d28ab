//! The thread-local "future being polled": where [`record_sample`] writes.

use std::cell::Cell;
use std::ptr;

use super::clock::Ticks;
use super::records::SampleRecord;

thread_local! {
    static CURRENT: Cell<(*mut Vec<SampleRecord>, u16)> = const { Cell::new((ptr::null_mut(), 0)) };
}

/// Marks a sample buffer as the current one on this thread for the duration
/// of one poll; restores the previous one (nested instrumented futures) when
/// dropped, also on unwind.
pub(crate) struct PollScope {
    previous: (*mut Vec<SampleRecord>, u16),
}

impl PollScope {
    /// Makes `samples` the buffer that [`record_sample`] and its kin push to
    /// on this thread, as thread `thread`, until the scope drops.
    ///
    /// # Safety
    ///
    /// The scope keeps a raw pointer to `samples`, which the recording
    /// functions dereference. The caller must:
    /// - drop the scope (never forget or leak it) before `samples` is moved,
    ///   freed or used in any other way;
    /// - drop it on this thread, and after every scope entered after it on
    ///   this thread (scopes nest; a local dropped at the end of the poll
    ///   does both).
    #[inline]
    pub(crate) unsafe fn enter(samples: &mut Vec<SampleRecord>, thread: u16) -> Self {
        let previous = CURRENT.replace((samples as *mut _, thread));
        Self { previous }
    }

    /// Whether no other instrumented poll was running on this thread when
    /// this one began (polls nest when an instrumented future polls
    /// another).
    #[inline]
    pub(crate) fn is_outermost(&self) -> bool {
        self.previous.0.is_null()
    }
}

impl Drop for PollScope {
    #[inline]
    fn drop(&mut self) {
        CURRENT.set(self.previous);
    }
}

/// Records a sample computed on this thread by the instrumented future being
/// polled here. Returns false (and records nothing) outside such a poll.
///
/// `start` and `end` are [`clock::now`](super::clock::now) readings.
///
/// ```
/// use pollscope::internals::{clock, record_sample, Recording};
///
/// let recording = Recording::new();
/// let fut = recording.instrument("producer", 8, async {
///     let start = clock::now();
///     let value = 0.5_f64.sin();
///     assert!(record_sample(0, value, start, clock::now()));
/// });
/// futures::executor::block_on(fut);
/// assert!(!record_sample(1, 0.0, 0, 0)); // not inside a poll
/// assert_eq!(recording.take_logs()[0].samples.len(), 1);
/// ```
#[inline]
pub fn record_sample(seq: u32, value: f64, start: Ticks, end: Ticks) -> bool {
    record_step(
        SampleRecord {
            seq,
            value,
            start,
            end,
            ..SampleRecord::default()
        },
        None,
    )
}

/// Records a step into the instrumented future being polled here: ran on
/// this thread (`on = None`), or on thread `on` of the recording (a
/// `spawn_blocking` closure or a pool), whose index the record carries.
/// Returns false outside a poll.
#[inline]
pub(crate) fn record_step(mut record: SampleRecord, on: Option<u16>) -> bool {
    let (samples, thread) = CURRENT.get();
    record.thread = on.unwrap_or(thread);
    push(samples, record)
}

#[inline]
fn push(samples: *mut Vec<SampleRecord>, record: SampleRecord) -> bool {
    if samples.is_null() {
        return false;
    }
    // SAFETY: a non-null pointer was set by `PollScope::enter` from a live
    // `&mut Vec` that, by `enter`'s contract, nothing else uses until that
    // scope drops; scopes restore the pointer as they drop, so a set pointer
    // belongs to a scope still alive on this thread.
    let samples = unsafe { &mut *samples };
    samples.push(record);
    true
}

/// Records a point sample (start = end = now) with the next sequence number
/// into the instrumented future being polled here; false outside a poll.
#[inline]
pub(crate) fn record_point(value: f64) -> bool {
    let (samples, thread) = CURRENT.get();
    if samples.is_null() {
        return false;
    }
    // SAFETY: as in `push`.
    let seq = unsafe { (*samples).len() } as u32;
    let now = super::clock::now();
    push(
        samples,
        SampleRecord {
            seq,
            value,
            start: now,
            end: now,
            thread,
            ..SampleRecord::default()
        },
    )
}

/// Whether this thread is inside a poll of an instrumented future.
pub(crate) fn in_poll() -> bool {
    !CURRENT.get().0.is_null()
}
