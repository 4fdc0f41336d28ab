//! The library API: put your own futures on pollscope's timeline.
//!
//! Start a [`Session`] around your own runtime, wrap futures with
//! [`instrument`] (or [`InstrumentExt::instrument`]), record values with
//! [`sample`] and synchronous regions with [`span`], then finish the session
//! into the same result folder `pollscope run` writes (CSV, findings,
//! plots, trace.json, report).
//!
//! ```standalone_crate
//! use pollscope::{InstrumentExt, Session};
//!
//! let session = Session::start("demo").unwrap();
//! let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! runtime.block_on(async {
//!     let worker = tokio::spawn(
//!         async {
//!             for i in 0..3 {
//!                 pollscope::sample(i as f64);
//!                 tokio::task::yield_now().await;
//!             }
//!         }
//!         .instrument("worker"),
//!     );
//!     pollscope::instrument("main_loop", async {
//!         pollscope::span("parse", || (0..1000).sum::<u64>());
//!     })
//!     .await;
//!     worker.await.unwrap();
//! });
//! let result = session.finish();
//! let worker = result.trace.future("worker").unwrap();
//! assert_eq!(worker.samples.len(), 3);
//! assert_eq!(worker.polls.len(), 4); // three yields, then Ready
//! assert_eq!(result.trace.future("parse").unwrap().samples.len(), 1);
//! ```
//!
//! Wrappers made when no session is active record nothing and cost one
//! branch per poll. A session's buffers grow as needed (an allocation when
//! one doubles), unlike the scenarios', which are sized up front.

use std::future::Future;
use std::path::Path;
use std::sync::RwLock;

use crate::analysis::RunResult;
use crate::common::names::check_name;
use crate::error::Result;
use crate::export::ResultFolder;
use crate::probe::{
    Instrumented, NOT_MEASURED, Recording, SampleRecord, ThreadKind, clock, in_poll, record_point,
    thread_cpu_ns,
};
use crate::publish::{Pictures, Published, publish};
use crate::run::{cost, interference};
use crate::scenario::{Origin, cores};
use crate::trace::{
    Environment, FutureKind, FutureTrace, RunInfo, RunTrace, RuntimeMetrics, TokioWorker, Versions,
};

/// The recording that [`instrument`], [`sample`] and [`span`] write into.
static CURRENT: RwLock<Option<Recording>> = RwLock::new(None);

/// Buffer size of a future wrapped through the library API, in records; it
/// grows from there.
const INITIAL_CAPACITY: usize = 64;

fn current() -> Option<Recording> {
    CURRENT.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A recording of your own program: start it, run your futures, finish it.
#[derive(Debug)]
pub struct Session {
    name: String,
    recording: Recording,
    /// The machine's and the process's CPU times when it started.
    started: interference::Snapshot,
    /// When it started, RFC 3339 UTC (runs.csv's `started_at`).
    started_at: String,
}

/// How a [`Session`] records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// Record every poll's on-CPU time too (two reads of the thread's CPU
    /// clock per poll, about 0.6 µs on the development VM): the truth
    /// check then compares each thread's measured CPU time with the
    /// kernel's, and measures the runtime's own CPU between polls.
    pub poll_cpu_time: bool,
}

impl Session {
    /// Starts recording: time 0 is now, and the calling thread is thread 0
    /// (kind `main`: call it on the thread that will call `block_on`). A
    /// session started while another is active replaces it.
    ///
    /// The name becomes the run id and a file name, so it must be safe
    /// (1–64 characters of `A-Z a-z 0-9 _ . -`, not starting with `.`): bad input otherwise.
    ///
    /// ```standalone_crate
    /// assert!(pollscope::Session::start("../escape").is_err());
    /// ```
    pub fn start(name: impl Into<String>) -> Result<Self> {
        Self::start_with(name, SessionOptions::default())
    }

    /// [`Session::start`] with `options`.
    ///
    /// ```standalone_crate
    /// use pollscope::{Session, SessionOptions};
    /// let session = Session::start_with("measured", SessionOptions { poll_cpu_time: true }).unwrap();
    /// futures::executor::block_on(pollscope::instrument("work", async {}));
    /// let result = session.finish();
    /// assert!(result.trace.future("work").unwrap().polls[0].cpu_ns().is_some());
    /// ```
    pub fn start_with(name: impl Into<String>, options: SessionOptions) -> Result<Self> {
        let name = name.into();
        check_name("session name", &name)?;
        // Before the main thread's registration: reading /proc/stat is no
        // CPU of the session's threads.
        let started = interference::Snapshot::now();
        let started_at = crate::common::time::now_rfc3339();
        let recording = Recording::with_poll_cpu_time(options.poll_cpu_time);
        recording.thread_index(ThreadKind::Main);
        *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = Some(recording.clone());
        Ok(Self {
            name,
            recording,
            started,
            started_at,
        })
    }

    /// The session's recording (to wrap futures explicitly with
    /// [`Recording::instrument`]); not part of the API, like `Recording`.
    #[doc(hidden)]
    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// Stops recording and turns what was recorded into a run: one future
    /// per instrumented future and per named span (one sample per call).
    /// Futures still alive are not included; a future dropped before
    /// completing is, without a completion time.
    ///
    /// Its run id is the session's name. pollscope did not build the
    /// runtime, so the run has no configuration: its flavor, workers,
    /// costs, lower bound and efficiency are unknown (empty in runs.csv),
    /// and no claim is judged on it.
    ///
    /// Call it before the runtime is dropped, and inside it (for example
    /// after `let _entered = runtime.enter();`): the kernel's CPU time of
    /// each thread is read now, from threads that must still exist, and
    /// tokio's worker metrics come from the current runtime (none outside
    /// one).
    pub fn finish(self) -> RunResult {
        {
            let mut current = CURRENT.write().unwrap_or_else(|e| e.into_inner());
            if current.as_ref().is_some_and(|r| r.same_as(&self.recording)) {
                *current = None;
            }
        }
        let recorded = self.recording.finish();
        // After the threads' CPU times were read, for the same reason.
        let measured = interference::between(&self.started, &interference::Snapshot::now());
        let origin = recorded.origin;
        let futures: Vec<FutureTrace> = recorded
            .logs
            .into_iter()
            .map(|log| FutureTrace::from_log(origin, log, FutureKind::Instrumented))
            .chain(
                recorded
                    .spans
                    .into_iter()
                    .map(|log| FutureTrace::from_log(origin, log, FutureKind::Span)),
            )
            .collect();
        let tokio_workers = tokio::runtime::Handle::try_current()
            .map(|handle| TokioWorker::read_all(&handle.metrics()))
            .unwrap_or_default();
        let info = RunInfo {
            run_id: self.name.clone(),
            scenario: self.name,
            origin: Origin::Session,
            config: None,
            environment: Environment {
                cores: cores(),
                calibration: cost::calibration_if_measured(),
                versions: Versions::current(None),
            },
            metrics: RuntimeMetrics { tokio_workers },
            poll_cpu_time: self.recording.poll_cpu_time(),
            interference: measured.interference,
            process_cpu_ns: measured.process_cpu_ns,
            started_at: Some(self.started_at),
            label: None,
            commit: None,
        };
        RunResult::new(RunTrace {
            info,
            futures,
            threads: recorded.threads,
        })
    }

    /// [`finish`](Session::finish)es the session and writes it as a result
    /// folder at `dir` (absent, empty or a pollscope result, replaced whole),
    /// with pictures unless `pictures` is [`Pictures::No`]. Every future and
    /// span name must be safe (1–64 characters of `A-Z a-z 0-9 _ . -`, not starting with `.`): bad input
    /// otherwise, with nothing written.
    ///
    /// ```standalone_crate
    /// use pollscope::Pictures;
    /// let dir = tempfile::tempdir().unwrap();
    /// let session = pollscope::Session::start("folder_doc").unwrap();
    /// futures::executor::block_on(pollscope::instrument("work", async {}));
    /// let published = session.finish_into(dir.path().join("out"), Pictures::No).unwrap();
    /// assert!(published.dir.join("polls.csv").exists());
    /// ```
    pub fn finish_into(self, dir: impl AsRef<Path>, pictures: Pictures) -> Result<Published> {
        let folder = ResultFolder::create(dir)?;
        let result = self.finish();
        publish(folder, &[result], pictures)
    }
}

/// Wraps `future` so that its polls, wakes and samples are recorded under
/// `name` into the active [`Session`]; without one, the wrapper records
/// nothing. The wrapper is a plain `Future`, usable on any executor.
///
/// ```standalone_crate
/// let session = pollscope::Session::start("instrument_doc").unwrap();
/// let answer = futures::executor::block_on(pollscope::instrument("answer", async { 42 }));
/// assert_eq!(answer, 42);
/// let result = session.finish();
/// assert_eq!(result.trace.future("answer").unwrap().polls.len(), 1);
/// ```
pub fn instrument<F: Future>(name: impl Into<String>, future: F) -> Instrumented<F> {
    match current() {
        Some(recording) => recording.instrument(name, INITIAL_CAPACITY, future),
        None => Instrumented::passthrough(future),
    }
}

/// `future.instrument("name")`: the method form of [`instrument`].
///
/// ```standalone_crate
/// use pollscope::InstrumentExt;
/// let session = pollscope::Session::start("ext_doc").unwrap();
/// futures::executor::block_on(async { tokio::task::yield_now().await }.instrument("yielder"));
/// let polls = session.finish().trace.future("yielder").unwrap().polls.len();
/// assert_eq!(polls, 2); // Pending once, then Ready
/// ```
pub trait InstrumentExt: Future + Sized {
    /// See [`instrument`].
    fn instrument(self, name: impl Into<String>) -> Instrumented<Self> {
        instrument(name, self)
    }
}

impl<F: Future> InstrumentExt for F {}

/// Records `value` as a sample (start = end = now, the next sequence number)
/// of the instrumented future being polled on this thread. Returns false,
/// recording nothing, outside such a poll, and for a value that is not
/// finite (NaN or an infinity: sample values must be finite).
///
/// ```standalone_crate
/// let session = pollscope::Session::start("sample_doc").unwrap();
/// let recorded = futures::executor::block_on(pollscope::instrument("f", async { pollscope::sample(0.5) }));
/// assert!(recorded);
/// assert!(!pollscope::sample(1.0)); // not inside an instrumented future
/// assert!(!futures::executor::block_on(pollscope::instrument("g", async { pollscope::sample(f64::NAN) })));
/// let samples = session.finish().trace.future("f").unwrap().samples.clone();
/// assert_eq!((samples[0].seq, samples[0].value), (0, 0.5));
/// ```
pub fn sample(value: f64) -> bool {
    value.is_finite() && record_point(value)
}

/// Runs `f` and records the call as a sample of the named span `name` (one
/// row per span name in the results, placement `span`). Inside an
/// instrumented future the span nests in its poll on the same thread; a
/// thread first seen in a span outside any poll counts as `blocking`.
/// Without an active session it only runs `f`.
///
/// ```standalone_crate
/// let session = pollscope::Session::start("span_doc").unwrap();
/// let sum = pollscope::span("sum", || (1..=10).sum::<u32>());
/// assert_eq!(sum, 55);
/// let result = session.finish();
/// let span = result.trace.future("sum").unwrap();
/// assert_eq!(span.kind, pollscope::FutureKind::Span);
/// assert_eq!(span.samples.len(), 1);
/// ```
pub fn span<R>(name: &str, f: impl FnOnce() -> R) -> R {
    let Some(recording) = current() else {
        return f();
    };
    let kind = if in_poll() {
        ThreadKind::Worker
    } else {
        ThreadKind::Blocking
    };
    let thread = recording.thread_index(kind);
    let cpu_start = thread_cpu_ns();
    let start = clock::now();
    let result = f();
    let end = clock::now();
    let cpu_ns = match (cpu_start, thread_cpu_ns()) {
        (Some(a), Some(b)) => {
            // Inside a poll, the poll is the thread's recorded work.
            if kind == ThreadKind::Blocking {
                recording.note_work(a, b);
            }
            b.saturating_sub(a)
        }
        _ => NOT_MEASURED,
    };
    recording.record_span(
        name,
        SampleRecord {
            start,
            end,
            cpu_ns,
            thread,
            ..SampleRecord::default()
        },
    );
    result
}
