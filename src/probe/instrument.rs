//! The instrumented future: records each poll and the wake that led to it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use diatomic_waker::primitives::DiatomicWaker;
use futures::task::{ArcWake, waker_ref};
use pin_project_lite::pin_project;

use super::clock::{self, Ticks};
use super::context::PollScope;
use super::cpu_clock::thread_cpu_ns;
use super::recording::{FutureLog, Recording, prefaulted, prefetch_next_slot};
use super::records::{NOT_MEASURED, PollRecord};
use super::threads::ThreadKind;

/// The waker the wrapped future sees: it notes when it was invoked, then
/// wakes the task's real waker (the technique of tokio-metrics' TaskMonitor).
///
/// Both halves are chosen for the poll's hot path, by measurement
/// (`cargo bench --bench peer`):
/// * the wake time is only ever overwritten, never cleared: a poll compares
///   it with the one it saw last, so reading it is a plain load where a
///   swap would be a locked instruction on every poll;
/// * the task's waker is kept between wakes and woken by reference
///   ([`DiatomicWaker`]), so re-registering the same waker (nearly every
///   poll) costs one atomic `or` instead of taking it out on each wake and
///   cloning it back in on each poll as `AtomicWaker` does. Registering
///   while a wake is in progress on the same thread (executors that poll
///   inside `wake`) cannot deadlock: a waker that changes goes into a
///   second slot.
#[derive(Debug, Default)]
struct WakeTracker {
    /// The clock reading of the latest wake; 0 before any.
    woken_at: AtomicU64,
    task_waker: DiatomicWaker,
}

impl ArcWake for WakeTracker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.woken_at.store(clock::now(), Ordering::Release);
        arc_self.task_waker.notify();
    }
}

#[derive(Debug)]
struct State {
    recording: Recording,
    wake: Arc<WakeTracker>,
    /// The wake time the previous poll saw: an equal reading is no new wake.
    last_wake: Ticks,
    log: FutureLog,
}

pin_project! {
    /// A future wrapped by the probe. Each poll appends one
    /// [`PollRecord`] (start, end, thread, wake time, readiness) to a
    /// buffer this wrapper owns; the buffer goes to the [`Recording`] when
    /// the future completes or is dropped.
    ///
    /// Made by [`Recording::instrument`] or [`crate::Session::instrument`].
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
    /// Whether this wrapper still records: false once its future completed,
    /// or once its session was finished or dropped (it then holds no buffer).
    pub fn is_recording(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.recording.is_active())
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
                last_wake: 0,
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
        // A stopped recording (a finished or dropped session): record
        // nothing more and free the buffers now. One relaxed load of a
        // line that is only ever written once.
        if !state.recording.is_active() {
            *this.state = None;
            return this.inner.poll(cx);
        }
        // Read the wake slot before taking the poll's start time, so a wake
        // is never later than the start of the poll it led to.
        let latest: Ticks = state.wake.woken_at.load(Ordering::Acquire);
        let woken = if latest == state.last_wake {
            0
        } else {
            state.last_wake = latest;
            latest
        };
        // SAFETY: `register` must not run concurrently with itself: only
        // this poll registers on this tracker (every waker handed out only
        // notifies), and polls of one future are exclusive (`Pin<&mut>`).
        unsafe { state.wake.task_waker.register(cx.waker()) };
        let thread = state.recording.thread_index(ThreadKind::Worker);
        // SAFETY: `scope` is a local dropped below, on this thread, before
        // `state.log.samples` is used again (or on unwind); a nested
        // instrumented poll drops its own scope before this poll returns.
        let scope = unsafe { PollScope::enter(&mut state.log.samples, thread) };
        let waker = waker_ref(&state.wake);
        let mut tracked = Context::from_waker(&waker);
        let measure_cpu = state.recording.inner.poll_cpu_time;
        // The CPU clock's reads sit inside the wall-clock interval, so a
        // poll's on-CPU time never exceeds its duration: the reads' own
        // cost (a system call each) lengthens the poll instead.
        prefetch_next_slot(&state.log.polls);
        let start = clock::now();
        let cpu_start = if measure_cpu { thread_cpu_ns() } else { None };
        let result = this.inner.poll(&mut tracked);
        let cpu_end = if cpu_start.is_some() {
            thread_cpu_ns()
        } else {
            None
        };
        let end = clock::now();
        let cpu_ns = match (cpu_start, cpu_end) {
            (Some(cpu_start), Some(cpu_end)) => {
                // A poll nested in another instrumented poll on this thread
                // is part of the outer one's work.
                if scope.is_outermost() {
                    state.recording.note_work(cpu_start, cpu_end);
                }
                cpu_end.saturating_sub(cpu_start)
            }
            _ => NOT_MEASURED,
        };
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

#[cfg(test)]
mod tests {
    //! Wake tracking under executors that do unusual things with wakers.

    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};

    use futures::task::{ArcWake, waker};

    use super::Instrumented;
    use crate::probe::Recording;

    /// Pending until `open`, keeping the latest waker it was polled with.
    struct Gate {
        open: Arc<AtomicBool>,
        waker: Arc<Mutex<Option<Waker>>>,
    }

    impl Future for Gate {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.open.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    type Slot = Mutex<Option<Pin<Box<Instrumented<Gate>>>>>;

    /// An executor that polls its task inside `wake`, with a new waker
    /// each time when `fresh_wakers` (so that registering replaces the
    /// waker that is being woken).
    struct InlineTask {
        future: Slot,
        fresh_wakers: bool,
        polls: AtomicUsize,
        done: AtomicBool,
    }

    impl InlineTask {
        fn poll(self: &Arc<Self>, own: Waker) {
            let mut slot = self.future.lock().unwrap();
            let Some(future) = slot.as_mut() else { return };
            self.polls.fetch_add(1, Ordering::Relaxed);
            let next = if self.fresh_wakers {
                waker(Arc::new(Relay(self.clone())))
            } else {
                own
            };
            if future
                .as_mut()
                .poll(&mut Context::from_waker(&next))
                .is_ready()
            {
                *slot = None;
                self.done.store(true, Ordering::Release);
            }
        }
    }

    /// A waker that polls the task on the spot.
    struct Relay(Arc<InlineTask>);

    impl ArcWake for Relay {
        fn wake_by_ref(arc_self: &Arc<Self>) {
            arc_self.0.poll(waker(arc_self.clone()));
        }
    }

    fn inline_run(fresh_wakers: bool) {
        let recording = Recording::new();
        let open = Arc::new(AtomicBool::new(false));
        let stored = Arc::new(Mutex::new(None));
        let gate = Gate {
            open: open.clone(),
            waker: stored.clone(),
        };
        let task = Arc::new(InlineTask {
            future: Mutex::new(Some(Box::pin(recording.instrument("gate", 4, gate)))),
            fresh_wakers,
            polls: AtomicUsize::new(0),
            done: AtomicBool::new(false),
        });
        let first = waker(Arc::new(Relay(task.clone())));
        task.poll(first);
        // Two wakes that find the gate still shut, then the one that opens it.
        let take = || stored.lock().unwrap().take().expect("a waker");
        for _ in 0..2 {
            take().wake();
        }
        open.store(true, Ordering::Release);
        take().wake();
        assert!(
            task.done.load(Ordering::Acquire),
            "the last wake completed the future"
        );
        assert_eq!(task.polls.load(Ordering::Relaxed), 4);
        let logs = recording.take_logs();
        let polls = &logs[0].polls;
        assert_eq!(polls.len(), 4);
        assert_eq!(polls[0].woken, 0, "the first poll had no wake");
        for poll in &polls[1..] {
            assert!(poll.woken > 0 && poll.woken <= poll.start, "{poll:?}");
        }
        assert!(polls[3].ready);
    }

    #[test]
    fn an_executor_that_polls_inside_wake_neither_deadlocks_nor_loses_wakes() {
        inline_run(false);
    }

    #[test]
    fn a_waker_that_changes_while_it_is_being_woken_is_kept() {
        inline_run(true);
    }

    /// Pending once (waking itself), then ready.
    async fn yield_once() {
        let mut first = true;
        std::future::poll_fn(move |cx| {
            if std::mem::take(&mut first) {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await
    }

    #[test]
    fn a_nested_poll_is_part_of_the_outer_polls_work() {
        use crate::run::cost::Cost;
        use crate::scenario::CostKind;
        let recording = Recording::with_poll_cpu_time(true);
        let inner = recording.clone();
        let outer = recording.instrument("outer", 16, async move {
            for _ in 0..3 {
                // 2 ms of CPU inside the outer poll, before the inner one
                // starts: the inner poll must not count it as runtime.
                Cost::new(CostKind::Cpu, std::time::Duration::from_millis(2)).burn();
                inner.instrument("inner", 4, yield_once()).await;
            }
        });
        futures::executor::block_on(outer);
        let recorded = recording.finish();
        let runtime = recorded.threads[0].runtime_cpu_ns.expect("polls measured");
        // Between the outer polls, block_on only re-polls: microseconds.
        assert!(runtime < 1_000_000, "runtime {runtime} ns");
        let outer_cpu: u64 = recorded.logs[0].polls.iter().map(|p| p.cpu_ns).sum();
        assert!(outer_cpu >= 6_000_000, "outer {outer_cpu} ns");
    }

    #[test]
    fn a_poll_without_a_new_wake_records_none() {
        let recording = Recording::new();
        let mut future = Box::pin(recording.instrument("twice", 4, async {
            let mut first = true;
            std::future::poll_fn(move |_| {
                if std::mem::take(&mut first) {
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })
            .await
        }));
        let noop = Waker::noop();
        let mut cx = Context::from_waker(noop);
        assert!(future.as_mut().poll(&mut cx).is_pending());
        // Polled again without anyone waking it (a spurious poll).
        assert!(future.as_mut().poll(&mut cx).is_ready());
        let logs = recording.take_logs();
        assert_eq!(logs[0].polls[1].woken, 0);
    }
}
