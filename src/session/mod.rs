//! The library API: put your own futures on pollscope's timeline.
//!
//! A [`Session`] is a value you hold: it records the futures instrumented
//! through it ([`Session::instrument`], or [`Probed::probed`]), the values
//! they record with [`sample`] and the synchronous regions run through
//! [`Session::span`], then finishes into the same result folder `pollscope
//! run` writes (CSV, findings, plots, trace.json, report). Nothing is
//! process-global: two sessions (two tests running in parallel) record
//! independently.
//!
//! ```standalone_crate
//! use pollscope::{Probed, Session};
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
//!         .probed(&session, "worker"),
//!     );
//!     session
//!         .instrument("main_loop", async { session.span("parse", || (0..1000).sum::<u64>()) })
//!         .await;
//!     worker.await.unwrap();
//! });
//! let result = session.finish_with(runtime.handle()).unwrap();
//! let worker = result.trace.future("worker").unwrap();
//! assert_eq!(worker.samples.len(), 3);
//! assert_eq!(worker.polls.len(), 4); // three yields, then Ready
//! assert_eq!(result.trace.future("parse").unwrap().samples.len(), 1);
//! ```
//!
//! A session's buffers grow as needed (an allocation when one doubles),
//! unlike the scenarios', which are sized up front. A finished or dropped
//! session records nothing more: its wrappers free their buffers at their
//! next poll and pass polls through.

#[cfg(all(feature = "task-hooks", tokio_unstable))]
mod hooks;
mod measure;

pub use measure::{MeasureOptions, Repeat, measure};

use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::analysis::RunResult;
use crate::common::names::check_name;
use crate::error::Result;
use crate::export::ResultFolder;
use crate::probe::{
    Instrumented, NOT_MEASURED, Recording, SampleRecord, ThreadKind, clock, in_poll, record_point,
    thread_cpu_ns,
};
use crate::publish::{Pictures, Published, check_futures, publish};
use crate::run::{cost, interference};
use crate::scenario::{Origin, UserClaim, cores};
use crate::trace::{
    Environment, FutureKind, FutureTrace, RunInfo, RunTrace, RuntimeMetrics, TokioWorker, Versions,
};

/// Buffer size of a future wrapped through the library API, in records; it
/// grows from there.
const INITIAL_CAPACITY: usize = 64;

/// A recording of your own program: start it, run your futures through it,
/// finish it. A handle, like tokio-metrics' `TaskMonitor`: cloning is cheap
/// and every clone records into the same session (move a clone into each
/// spawned task that instruments futures); `Send + Sync`.
///
/// [`finish`](Session::finish)ing any clone stops the recording for all.
/// Dropping the last clone without finishing stops it too, discarding
/// what was recorded: nothing is recorded or kept after.
#[derive(Clone, Debug)]
pub struct Session {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    name: String,
    /// The run's scenario: the name, or a measured workload's name.
    scenario: String,
    recording: Recording,
    /// The machine's and the process's CPU times when it started.
    started: interference::Snapshot,
    /// When it started, RFC 3339 UTC (runs.csv's `started_at`).
    started_at: String,
    /// Your claims about its futures, judged when it is published.
    claims: Mutex<Vec<UserClaim>>,
    /// The task hooks of the runtimes it was attached to.
    #[cfg(all(feature = "task-hooks", tokio_unstable))]
    hooks: Mutex<Option<Arc<hooks::Hooks>>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.recording.stop();
    }
}

/// How a [`Session`] records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionOptions {
    /// Record every poll's on-CPU time too (two reads of the thread's CPU
    /// clock per poll, about 0.6 µs on the development VM): the truth
    /// check then compares each thread's measured CPU time with the
    /// kernel's, and measures the runtime's own CPU between polls.
    pub poll_cpu_time: bool,
}

impl SessionOptions {
    /// These options with every poll's on-CPU time recorded or not.
    pub fn poll_cpu_time(mut self, on: bool) -> Self {
        self.poll_cpu_time = on;
        self
    }
}

impl Session {
    /// Starts recording: time 0 is now, and the calling thread is thread 0
    /// (kind `main`: call it on the thread that will call `block_on`).
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
    /// let options = SessionOptions::default().poll_cpu_time(true);
    /// let session = Session::start_with("measured", options).unwrap();
    /// futures::executor::block_on(session.instrument("work", async {}));
    /// let result = session.finish().unwrap();
    /// assert!(result.trace.future("work").unwrap().polls[0].cpu_ns().is_some());
    /// ```
    pub fn start_with(name: impl Into<String>, options: SessionOptions) -> Result<Self> {
        let name = name.into();
        Self::start_run(name.clone(), name, options)
    }

    /// A session whose run `name` belongs to `scenario` (a repeat of a
    /// measured workload).
    pub(crate) fn start_run(
        name: String,
        scenario: String,
        options: SessionOptions,
    ) -> Result<Self> {
        check_name("session name", &name)?;
        // Before the main thread's registration: reading /proc/stat is no
        // CPU of the session's threads.
        let started = interference::Snapshot::now();
        let started_at = crate::common::time::now_rfc3339();
        let recording = Recording::with_poll_cpu_time(options.poll_cpu_time);
        recording.thread_index(ThreadKind::Main);
        Ok(Self {
            shared: Arc::new(Shared {
                name,
                scenario,
                recording,
                started,
                started_at,
                claims: Mutex::new(Vec::new()),
                #[cfg(all(feature = "task-hooks", tokio_unstable))]
                hooks: Mutex::new(None),
            }),
        })
    }

    /// Adds a claim about this session's futures, judged into findings.csv
    /// and findings.md when it is published and checked by `pollscope
    /// check` (exit 1 when it does not hold).
    ///
    /// ```standalone_crate
    /// let session = pollscope::Session::start("claim_doc").unwrap();
    /// session.claim("work poll_duration p99 < 10s".parse().unwrap());
    /// futures::executor::block_on(session.instrument("work", async {}));
    /// let result = session.finish().unwrap();
    /// let findings = pollscope::findings(std::slice::from_ref(&result));
    /// assert_eq!(findings[0].claim.id, "user.work.poll_duration.p99");
    /// assert_eq!(findings[0].verdict(), pollscope::Verdict::Holds);
    /// ```
    pub fn claim(&self, claim: UserClaim) {
        let mut claims = self.shared.claims.lock().unwrap_or_else(|e| e.into_inner());
        claims.push(claim);
    }

    /// Records every task of the runtime `builder` builds — the tasks
    /// libraries spawn included, unwrapped — through tokio's task hooks:
    /// each task becomes a future `task<id>-<file>-<line>` (its id and
    /// where it was spawned) with its polls (thread, start, end). Such
    /// tasks have no wake times, so no scheduling delays: wrap a future
    /// with [`instrument`](Session::instrument) for those. Needs the
    /// `task-hooks` feature and `RUSTFLAGS="--cfg tokio_unstable"`.
    #[cfg(all(feature = "task-hooks", tokio_unstable))]
    pub fn hook_tasks<'b>(
        &self,
        builder: &'b mut tokio::runtime::Builder,
    ) -> &'b mut tokio::runtime::Builder {
        let mut slot = self.shared.hooks.lock().unwrap_or_else(|e| e.into_inner());
        let hooks = slot.get_or_insert_with(|| hooks::Hooks::new(self.shared.recording.clone()));
        hooks.attach(builder);
        builder
    }

    /// The session's name: its run id.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The session's recording (to wrap futures with a chosen buffer size
    /// through [`Recording::instrument`]); not part of the API, like
    /// `Recording`.
    #[doc(hidden)]
    pub fn recording(&self) -> &Recording {
        &self.shared.recording
    }

    /// Wraps `future` so that its polls, wakes and samples are recorded
    /// under `name` into this session. The wrapper is a plain `Future`,
    /// usable on any executor. Names must be unique in a session (checked
    /// when it finishes).
    ///
    /// ```standalone_crate
    /// let session = pollscope::Session::start("instrument_doc").unwrap();
    /// let answer = futures::executor::block_on(session.instrument("answer", async { 42 }));
    /// assert_eq!(answer, 42);
    /// let result = session.finish().unwrap();
    /// assert_eq!(result.trace.future("answer").unwrap().polls.len(), 1);
    /// ```
    pub fn instrument<F: Future>(&self, name: impl Into<String>, future: F) -> Instrumented<F> {
        self.shared
            .recording
            .instrument(name, INITIAL_CAPACITY, future)
    }

    /// Runs `f` and records the call as a sample of the named span `name`
    /// (one row per span name in the results, placement `span`). Inside an
    /// instrumented future the span nests in its poll on the same thread; a
    /// thread first seen in a span outside any poll counts as `blocking`.
    /// A finished or dropped session only runs `f`.
    ///
    /// ```standalone_crate
    /// let session = pollscope::Session::start("span_doc").unwrap();
    /// let sum = session.span("sum", || (1..=10).sum::<u32>());
    /// assert_eq!(sum, 55);
    /// let result = session.finish().unwrap();
    /// let span = result.trace.future("sum").unwrap();
    /// assert_eq!(span.kind, pollscope::FutureKind::Span);
    /// assert_eq!(span.samples.len(), 1);
    /// ```
    pub fn span<R>(&self, name: &str, f: impl FnOnce() -> R) -> R {
        let recording = &self.shared.recording;
        if !recording.is_active() {
            return f();
        }
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

    /// Stops recording and turns what was recorded into a run: one future
    /// per instrumented future and per named span (one sample per call).
    /// Futures still alive are not included; a future dropped before
    /// completing is, without a completion time. Two futures (or a future
    /// and a span) of one name, or an unsafe name, are bad input.
    ///
    /// Its run id is the session's name. pollscope did not build the
    /// runtime, so the run has no configuration: its flavor, workers,
    /// costs, lower bound and efficiency are unknown (empty in runs.csv),
    /// and no built-in claim is judged on it. It carries no tokio worker
    /// metrics: [`finish_with`](Session::finish_with) reads them.
    ///
    /// Call it before the runtime is dropped: the kernel's CPU time of each
    /// thread is read now, from threads that must still exist.
    pub fn finish(self) -> Result<RunResult> {
        self.finish_reading(None)
    }

    /// [`finish`](Session::finish), with tokio's worker metrics (busy time,
    /// polls, steals per worker) read from `runtime`.
    pub fn finish_with(self, runtime: &tokio::runtime::Handle) -> Result<RunResult> {
        self.finish_reading(Some(runtime))
    }

    /// What [`finish`](Session::finish) does.
    fn finish_reading(&self, runtime: Option<&tokio::runtime::Handle>) -> Result<RunResult> {
        let shared = &self.shared;
        let recorded = shared.recording.finish();
        shared.recording.stop();
        // After the threads' CPU times were read, for the same reason.
        let measured = interference::between(&shared.started, &interference::Snapshot::now());
        let origin = recorded.origin;
        #[cfg(all(feature = "task-hooks", tokio_unstable))]
        let recorded = {
            let mut recorded = recorded;
            if let Some(hooks) = shared
                .hooks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
            {
                recorded.logs.extend(hooks.logs());
            }
            recorded
        };
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
        let tokio_workers = runtime
            .map(|handle| TokioWorker::read_all(&handle.metrics()))
            .unwrap_or_default();
        let info = RunInfo {
            run_id: shared.name.clone(),
            scenario: shared.scenario.clone(),
            origin: Origin::Session,
            config: None,
            environment: Environment {
                cores: cores(),
                calibration: cost::calibration_if_measured(),
                versions: Versions::current(None),
            },
            metrics: RuntimeMetrics { tokio_workers },
            poll_cpu_time: shared.recording.poll_cpu_time(),
            interference: measured.interference,
            process_cpu_ns: measured.process_cpu_ns,
            started_at: Some(shared.started_at.clone()),
            label: None,
            commit: None,
            claims: shared
                .claims
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        };
        let result = RunResult::new(RunTrace {
            info,
            futures,
            threads: recorded.threads,
        });
        check_futures(&result)?;
        Ok(result)
    }

    /// [`finish`](Session::finish)es the session and writes it as a result
    /// folder at `dir` (absent, empty or a pollscope result, replaced whole),
    /// with pictures unless `pictures` is [`Pictures::No`]: the one-line
    /// end of the simple case.
    ///
    /// ```standalone_crate
    /// use pollscope::Pictures;
    /// let dir = tempfile::tempdir().unwrap();
    /// let session = pollscope::Session::start("folder_doc").unwrap();
    /// futures::executor::block_on(session.instrument("work", async {}));
    /// let published = session.finish_into(dir.path().join("out"), Pictures::No).unwrap();
    /// assert!(published.dir.join("polls.csv").exists());
    /// ```
    pub fn finish_into(self, dir: impl AsRef<Path>, pictures: Pictures) -> Result<Published> {
        let folder = ResultFolder::create(dir)?;
        let result = self.finish()?;
        publish(folder, &[result], pictures)
    }
}

/// `future.probed(&session, "name")`: the method form of
/// [`Session::instrument`]. Named so that it never clashes with
/// `tracing::Instrument::instrument` or `futures::FutureExt`.
///
/// ```standalone_crate
/// use pollscope::Probed;
/// let session = pollscope::Session::start("ext_doc").unwrap();
/// futures::executor::block_on(async { tokio::task::yield_now().await }.probed(&session, "yielder"));
/// let polls = session.finish().unwrap().trace.future("yielder").unwrap().polls.len();
/// assert_eq!(polls, 2); // Pending once, then Ready
/// ```
pub trait Probed: Future + Sized {
    /// See [`Session::instrument`].
    fn probed(self, session: &Session, name: impl Into<String>) -> Instrumented<Self> {
        session.instrument(name, self)
    }
}

impl<F: Future> Probed for F {}

/// Records `value` as a sample (start = end = now, the next sequence number)
/// of the instrumented future being polled on this thread, in whichever
/// session instrumented it. Returns false, recording nothing, outside such
/// a poll, and for a value that is not finite (NaN or an infinity: sample
/// values must be finite).
///
/// Values are read as µs (as the built-in services record their
/// latencies): futures.csv's `value_p50_ns`, `value_p99_ns` and
/// `value_max_ns` and histograms.csv's `value` hold them × 1000, and
/// `compare` and `value` claims judge them; negative values count as 0
/// there. [`sample_duration`] records a `Duration`.
///
/// ```standalone_crate
/// let session = pollscope::Session::start("sample_doc").unwrap();
/// let recorded = futures::executor::block_on(session.instrument("f", async { pollscope::sample(0.5) }));
/// assert!(recorded);
/// assert!(!pollscope::sample(1.0)); // not inside an instrumented future
/// assert!(!futures::executor::block_on(session.instrument("g", async { pollscope::sample(f64::NAN) })));
/// let samples = session.finish().unwrap().trace.future("f").unwrap().samples.clone();
/// assert_eq!((samples[0].seq, samples[0].value), (0, 0.5));
/// ```
pub fn sample(value: f64) -> bool {
    value.is_finite() && record_point(value)
}

/// Records `duration` as a sample in µs: [`sample`] of a latency.
///
/// ```standalone_crate
/// use std::time::Duration;
/// let session = pollscope::Session::start("duration_doc").unwrap();
/// futures::executor::block_on(session.instrument("f", async {
///     pollscope::sample_duration(Duration::from_micros(1500))
/// }));
/// let result = session.finish().unwrap();
/// assert_eq!(result.trace.future("f").unwrap().samples[0].value, 1500.0);
/// assert_eq!(result.analysis.future("f").unwrap().value.unwrap().max, 1_500_000);
/// ```
pub fn sample_duration(duration: std::time::Duration) -> bool {
    sample(duration.as_secs_f64() * 1e6)
}

#[cfg(test)]
mod tests {
    use super::Session;

    #[test]
    fn a_session_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<Session>();
    }
}
