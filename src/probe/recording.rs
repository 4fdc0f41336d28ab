//! A recording session: the time origin, the thread registry and the logs of
//! the instrumented futures.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::clock::{self, Ticks};
use super::instrument::Instrumented;
use super::records::{PollRecord, SampleRecord};
use super::threads::{ThreadInfo, ThreadKind, ThreadRegistry};

/// An empty buffer of `capacity` whose memory has been written once, so
/// that recording into it later takes no page faults (which otherwise cost
/// more than the record itself on first touch).
fn prefaulted<T: Copy + Default>(capacity: usize) -> Vec<T> {
    let mut buffer = vec![T::default(); capacity];
    buffer.clear();
    buffer
}

/// Everything recorded for one instrumented future.
#[derive(Clone, Debug, Default)]
pub struct FutureLog {
    /// Order of instrumentation within the recording, from 0.
    pub id: u32,
    /// The name given to [`Recording::instrument`].
    pub name: String,
    /// Every poll, in order.
    pub polls: Vec<PollRecord>,
    /// Every sample recorded while this future was being polled (or handed
    /// to it with [`record_sample_on`](super::record_sample_on)), in order.
    pub samples: Vec<SampleRecord>,
    /// Whether the future returned `Ready` (false when it was dropped first).
    pub completed: bool,
}

/// One recording session, typically one run of a scenario.
///
/// Cloning is cheap (an `Arc`); all clones record into the same session.
///
/// ```
/// use pollscope::probe::{Recording, ThreadKind};
///
/// let recording = Recording::new();
/// assert_eq!(recording.thread_index(ThreadKind::Main), 0);
/// let answer = futures::executor::block_on(recording.instrument("answer", 4, async { 42 }));
/// assert_eq!(answer, 42);
/// let logs = recording.take_logs();
/// assert_eq!(logs[0].name, "answer");
/// assert_eq!(logs[0].polls.len(), 1);
/// assert!(logs[0].completed);
/// ```
#[derive(Clone, Debug)]
pub struct Recording {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    origin: AtomicU64,
    threads: ThreadRegistry,
    next_future: AtomicU32,
    logs: Mutex<Vec<FutureLog>>,
    /// Named spans (library API): name → calls, in order of first use.
    spans: Mutex<Vec<(String, Vec<SampleRecord>)>>,
}

impl Default for Recording {
    fn default() -> Self {
        Self::new()
    }
}

impl Recording {
    /// Starts a recording; its time origin is now.
    pub fn new() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Self {
            inner: Arc::new(Inner {
                origin: AtomicU64::new(clock::now()),
                threads: ThreadRegistry::new(id),
                next_future: AtomicU32::new(0),
                logs: Mutex::new(Vec::new()),
                spans: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Whether `other` is a clone of this recording (the same session).
    pub fn same_as(&self, other: &Recording) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Makes now time 0 of this recording: for a run that prepares its
    /// futures (and their buffers) first and starts them after. Call it
    /// before anything is recorded.
    pub fn restart_clock(&self) {
        self.inner.origin.store(clock::now(), Ordering::Relaxed);
    }

    /// The clock reading that is time 0 of this recording.
    pub fn origin(&self) -> Ticks {
        self.inner.origin.load(Ordering::Relaxed)
    }

    /// The calling thread's index in this recording, registering it with
    /// `kind` the first time. The first thread registered gets index 0.
    #[inline]
    pub fn thread_index(&self, kind: ThreadKind) -> u16 {
        self.inner.threads.index(kind)
    }

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
        };
        Instrumented::new(future, self.clone(), log)
    }

    /// Stores a finished future's log (called once per future, off the hot
    /// path).
    pub(crate) fn submit(&self, log: FutureLog) {
        let mut logs = self.inner.logs.lock().unwrap_or_else(|e| e.into_inner());
        logs.push(log);
    }

    /// Reads, for every thread seen so far, the CPU time the kernel charged
    /// to it since it was first seen (see [`ThreadInfo::cpu_time_ns`]).
    /// Call at the end of the recording, while the threads still exist.
    pub fn capture_thread_cpu_times(&self) {
        self.inner.threads.capture_cpu_times();
    }

    /// Records one call of the named span `name` (the library API's
    /// `pollscope::span`); takes a lock, so it suits coarse regions.
    pub fn record_span(&self, name: &str, thread: u16, start: Ticks, end: Ticks) {
        let mut spans = self.inner.spans.lock().unwrap_or_else(|e| e.into_inner());
        let index = match spans.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                spans.push((name.to_string(), Vec::new()));
                spans.len() - 1
            }
        };
        let calls = &mut spans[index].1;
        calls.push(SampleRecord {
            seq: calls.len() as u32,
            value: 0.0,
            start,
            end,
            thread,
        });
    }

    /// Removes and returns the named spans recorded so far.
    pub fn take_spans(&self) -> Vec<(String, Vec<SampleRecord>)> {
        std::mem::take(&mut *self.inner.spans.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The threads seen so far, in index order.
    pub fn threads(&self) -> Vec<ThreadInfo> {
        self.inner.threads.snapshot()
    }

    /// Removes and returns the logs of the futures that completed or were
    /// dropped so far, in instrumentation order.
    pub fn take_logs(&self) -> Vec<FutureLog> {
        let mut logs =
            std::mem::take(&mut *self.inner.logs.lock().unwrap_or_else(|e| e.into_inner()));
        logs.sort_by_key(|log| log.id);
        logs
    }
}
