//! The instrumented future: records each poll and the wake that led to it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures::task::{ArcWake, AtomicWaker, waker_ref};
use pin_project_lite::pin_project;

use super::clock::{self, Ticks};
use super::context::PollScope;
use super::cpu_clock::thread_cpu_ns;
use super::recording::{FutureLog, Recording, prefaulted};
use super::records::{NOT_MEASURED, PollRecord};
use super::threads::ThreadKind;

/// The waker the wrapped future sees: it notes when it was invoked, then
/// wakes the task's real waker (the technique of tokio-metrics' TaskMonitor).
#[derive(Debug, Default)]
struct WakeTracker {
    /// Latest wake since the last poll began; 0 when none.
    woken_at: AtomicU64,
    task_waker: AtomicWaker,
}

impl ArcWake for WakeTracker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.woken_at.store(clock::now(), Ordering::Release);
        arc_self.task_waker.wake();
    }
}

#[derive(Debug)]
struct State {
    recording: Recording,
    wake: Arc<WakeTracker>,
    log: FutureLog,
}

pin_project! {
    /// A future wrapped by the probe. Each poll appends one
    /// [`PollRecord`] (start, end, thread, wake time, readiness) to a
    /// buffer this wrapper owns; the buffer goes to the [`Recording`] when
    /// the future completes or is dropped.
    ///
    /// Made by [`Recording::instrument`] or [`instrument`].
    #[derive(Debug)]
    pub struct Instrumented<F> {
        #[pin]
        inner: F,
        state: Option<State>,
    }

    impl<F> PinnedDrop for Instrumented<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(state) = this.project().state.take() {
                state.recording.submit(state.log);
            }
        }
    }
}

impl<F> Instrumented<F> {
    /// A wrapper that records nothing (no recording was active).
    pub(crate) fn passthrough(inner: F) -> Self {
        Self { inner, state: None }
    }
}

impl Recording {
    /// Wraps `future` so that its polls and samples are recorded under
    /// `name`; `capacity` pre-sizes (and pre-faults) its buffers: polls
    /// expected, and as many samples. Past that, a buffer grows by
    /// doubling.
    pub fn instrument<F: Future>(
        &self,
        name: impl Into<String>,
        capacity: usize,
        future: F,
    ) -> Instrumented<F> {
        let log = FutureLog {
            id: self.inner.next_future.fetch_add(1, Ordering::Relaxed),
            name: name.into(),
            polls: prefaulted(capacity),
            samples: prefaulted(capacity),
            completed: false,
            wake_clamps: 0,
        };
        Instrumented {
            inner: future,
            state: Some(State {
                recording: self.clone(),
                wake: Arc::new(WakeTracker::default()),
                log,
            }),
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(state) = this.state.as_mut() else {
            // Made without a recording, or polled after completion.
            return this.inner.poll(cx);
        };
        // Read the wake slot before taking the poll's start time, so a wake
        // is never later than the start of the poll it led to.
        let woken: Ticks = state.wake.woken_at.swap(0, Ordering::Acquire);
        state.wake.task_waker.register(cx.waker());
        let thread = state.recording.thread_index(ThreadKind::Worker);
        let scope = PollScope::enter(&mut state.log.samples, thread);
        let waker = waker_ref(&state.wake);
        let mut tracked = Context::from_waker(&waker);
        let measure_cpu = state.recording.inner.poll_cpu_time;
        // The CPU clock's reads sit inside the wall-clock interval, so a
        // poll's on-CPU time never exceeds its duration: the reads' own
        // cost (a system call each) lengthens the poll instead.
        let start = clock::now();
        let cpu_start = if measure_cpu { thread_cpu_ns() } else { None };
        let result = this.inner.poll(&mut tracked);
        let cpu_ns = match cpu_start {
            Some(cpu_start) => {
                thread_cpu_ns().map_or(NOT_MEASURED, |e| e.saturating_sub(cpu_start))
            }
            None => NOT_MEASURED,
        };
        let end = clock::now();
        drop(scope);
        if woken > start {
            state.log.wake_clamps += 1;
        }
        let ready = result.is_ready();
        state.log.polls.push(PollRecord {
            start,
            end,
            // Cross-core TSC skew can put a wake a few ticks after `start`.
            woken: woken.min(start),
            cpu_ns,
            thread,
            ready,
        });
        if ready {
            let mut state = this.state.take().expect("state is present");
            state.log.completed = true;
            state.recording.submit(state.log);
        }
        result
    }
}
