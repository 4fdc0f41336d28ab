//! A recording session: the time origin, the thread registry and the logs of
//! the instrumented futures.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::clock::{self, Ticks};
use super::records::{PollRecord, SampleRecord};
use super::threads::{ThreadInfo, ThreadKind, ThreadRegistry};

/// An empty buffer of `capacity` whose memory has been written once, so
/// that recording into it later takes no page faults (which otherwise cost
/// more than the record itself on first touch).
pub(crate) fn prefaulted<T: Copy + Default>(capacity: usize) -> Vec<T> {
    let mut buffer = vec![T::default(); capacity];
    buffer.clear();
    buffer
}

/// Asks the CPU to bring into cache the slot that the next push into
/// `buffer` will write, so that the write, after the poll, finds it there.
///
/// A recording writes each future's records into its own buffer: with many
/// futures, that is more write streams than the hardware prefetcher
/// follows, and a store that misses the cache holds up the runtime's next
/// locked instruction until it completes. Issued before a poll, this
/// prefetch overlaps the miss with the poll: 112–123 → 94–106 ns per poll
/// over bare on the yield workload of `cargo bench --bench peer`
/// (6 interleaved rounds on the 2-core development VM).
#[inline(always)]
pub(crate) fn prefetch_next_slot<T>(buffer: &Vec<T>) {
    #[cfg(target_arch = "x86_64")]
    if buffer.len() < buffer.capacity() {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let slot = buffer.as_ptr().wrapping_add(buffer.len()).cast::<i8>();
        // SAFETY: a prefetch is a hint: it reads nothing and never faults,
        // whatever the address. Its first and last byte may lie on two
        // cache lines.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(slot);
            _mm_prefetch::<_MM_HINT_T0>(slot.wrapping_add(size_of::<T>().saturating_sub(1)));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = buffer;
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
    /// to it from another thread), in order.
    pub samples: Vec<SampleRecord>,
    /// Whether the future returned `Ready` (false when it was dropped first).
    pub completed: bool,
    /// Polls whose wake was read after the poll's start (cross-core clock
    /// skew), whose wake time was therefore clamped to the start.
    pub wake_clamps: u32,
}

/// What a finished recording holds: the time origin, the futures' logs (in
/// instrumentation order), the named spans and the threads.
#[derive(Debug)]
pub struct Recorded {
    /// The clock reading that is time 0.
    pub origin: Ticks,
    /// One log per instrumented future that completed or was dropped.
    pub logs: Vec<FutureLog>,
    /// Named spans (library API), each as a log without polls.
    pub spans: Vec<FutureLog>,
    /// The threads seen, by index, with their kernel CPU time captured.
    pub threads: Vec<ThreadInfo>,
}

/// One recording session, typically one run of a scenario.
///
/// Cloning is cheap (an `Arc`); all clones record into the same session.
///
/// ```
/// use pollscope::{internals::Recording, ThreadKind};
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
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    origin: AtomicU64,
    threads: ThreadRegistry,
    pub(crate) next_future: AtomicU32,
    /// Whether each poll reads the thread's CPU clock too.
    pub(crate) poll_cpu_time: bool,
    /// False once the recording was stopped: wrappers then stop recording
    /// (dropping their buffers at their next poll) and nothing is stored.
    active: AtomicBool,
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
        Self::with_poll_cpu_time(false)
    }

    /// Starts a recording whose polls also record the thread's on-CPU time
    /// (two reads of the thread's CPU clock per poll) when `poll_cpu_time`.
    pub fn with_poll_cpu_time(poll_cpu_time: bool) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Self {
            inner: Arc::new(Inner {
                origin: AtomicU64::new(clock::now()),
                threads: ThreadRegistry::new(id),
                next_future: AtomicU32::new(0),
                poll_cpu_time,
                active: AtomicBool::new(true),
                logs: Mutex::new(Vec::new()),
                spans: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Whether polls record their on-CPU time.
    pub fn poll_cpu_time(&self) -> bool {
        self.inner.poll_cpu_time
    }

    /// Whether `other` is a clone of this recording (the same session).
    pub fn same_as(&self, other: &Recording) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Whether the recording still records (it was not [`stop`](Self::stop)ped).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.inner.active.load(Ordering::Relaxed)
    }

    /// Stops recording for good: wrappers made from it record nothing from
    /// their next poll on (and free their buffers), and no log or span is
    /// stored any more. What was stored before stays, for
    /// [`finish`](Self::finish).
    ///
    /// ```
    /// use pollscope::internals::Recording;
    ///
    /// let recording = Recording::new();
    /// let late = recording.instrument("late", 4, async {});
    /// recording.stop();
    /// futures::executor::block_on(late);
    /// assert!(recording.take_logs().is_empty());
    /// ```
    pub fn stop(&self) {
        self.inner.active.store(false, Ordering::Relaxed);
    }

    /// Makes now time 0 of this recording: for a run that prepares its
    /// futures (and their buffers) first and starts them after. Call it on
    /// the thread that registered first, before anything is recorded: that
    /// thread's kernel CPU time is counted from here too.
    pub fn restart_clock(&self) {
        self.inner.origin.store(clock::now(), Ordering::Relaxed);
        self.inner.threads.rebase_cpu_time();
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

    /// Notes recorded work on the calling thread (an outermost poll, or a
    /// step or span outside any poll: its CPU clock at start and end), for
    /// the thread's runtime CPU time; does nothing unless polls are
    /// measured.
    #[inline]
    pub(crate) fn note_work(&self, cpu_start: u64, cpu_end: u64) {
        if self.inner.poll_cpu_time {
            self.inner.threads.note_work(cpu_start, cpu_end);
        }
    }

    /// Stores a finished future's log (called once per future, off the hot
    /// path).
    pub(crate) fn submit(&self, log: FutureLog) {
        if !self.is_active() {
            return;
        }
        let mut logs = self.inner.logs.lock().unwrap_or_else(|e| e.into_inner());
        logs.push(log);
    }

    /// Records one call of the named span `name` (the library API's
    /// `Session::span`); takes a lock, so it suits coarse regions.
    pub fn record_span(&self, name: &str, mut call: SampleRecord) {
        if !self.is_active() {
            return;
        }
        let mut spans = self.inner.spans.lock().unwrap_or_else(|e| e.into_inner());
        let index = match spans.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                spans.push((name.to_string(), Vec::new()));
                spans.len() - 1
            }
        };
        let calls = &mut spans[index].1;
        call.seq = calls.len() as u32;
        calls.push(call);
    }

    /// Removes and returns the logs of the futures that completed or were
    /// dropped so far, in instrumentation order.
    pub fn take_logs(&self) -> Vec<FutureLog> {
        let mut logs =
            std::mem::take(&mut *self.inner.logs.lock().unwrap_or_else(|e| e.into_inner()));
        logs.sort_by_key(|log| log.id);
        logs
    }

    /// The threads seen so far, in index order.
    pub fn threads(&self) -> Vec<ThreadInfo> {
        self.inner.threads.snapshot()
    }

    /// Ends the recording: captures every thread's kernel CPU time (call
    /// while the threads still exist, e.g. before the runtime is dropped)
    /// and returns what was recorded.
    pub fn finish(&self) -> Recorded {
        self.inner
            .threads
            .capture_cpu_times(self.inner.poll_cpu_time);
        let spans =
            std::mem::take(&mut *self.inner.spans.lock().unwrap_or_else(|e| e.into_inner()));
        Recorded {
            origin: self.origin(),
            logs: self.take_logs(),
            spans: spans
                .into_iter()
                .map(|(name, samples)| FutureLog {
                    id: 0,
                    name,
                    polls: Vec::new(),
                    samples,
                    completed: true,
                    wake_clamps: 0,
                })
                .collect(),
            threads: self.threads(),
        }
    }
}
