//! The recording of one run, in nanoseconds since the run's start: what the
//! runner returns, what the CSV files hold, and what analysis reads.

use std::time::Duration;

use crate::cost::CostKind;
use crate::probe::clock::{self, Ticks};
use crate::probe::{PollRecord, SampleRecord, ThreadInfo, ThreadKind};
use crate::scenario::{Flavor, Placement};

/// The configuration a run was made under (one row of runs.csv, less the
/// results).
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    /// `<scenario>-<w{workers} or ct>-<cost kind><heavy cost>-r<repeat>`.
    pub run_id: String,
    /// Scenario name.
    pub scenario: String,
    /// Runtime flavor.
    pub flavor: Flavor,
    /// Worker threads (1 for current_thread).
    pub workers: usize,
    /// Cap of the blocking pool.
    pub max_blocking_threads: usize,
    /// The scenario's cost kind.
    pub cost_kind: CostKind,
    /// Light cost knob.
    pub light_cost: Duration,
    /// Heavy cost knob.
    pub heavy_cost: Duration,
    /// Steps per future (the scenario's default).
    pub samples: u32,
    /// The task-count knob `T`.
    pub tasks: u32,
    /// Repeat number, from 0.
    pub repeat: u32,
    /// Cores available to the process.
    pub cores: usize,
    /// The `cpu` cost's calibration, iterations per µs.
    pub calibration: f64,
    /// tokio's own view of its workers: per worker, the busy time and the
    /// number of times it parked (stable runtime metrics), read when the
    /// last future was joined.
    pub tokio_workers: Vec<TokioWorker>,
    /// Semaphore permits in front of `spawn_blocking` steps, if any.
    pub blocking_permits: Option<usize>,
    /// Threads of the dedicated pool.
    pub pool_threads: usize,
}

/// One tokio worker's stable runtime metrics over a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokioWorker {
    /// `worker_total_busy_duration`, ns.
    pub busy_ns: u64,
    /// `worker_park_count`.
    pub parks: u64,
}

impl TokioWorker {
    /// Every worker's metrics, read now from `metrics`.
    pub fn read_all(metrics: &tokio::runtime::RuntimeMetrics) -> Vec<Self> {
        (0..metrics.num_workers())
            .map(|w| TokioWorker {
                busy_ns: metrics.worker_total_busy_duration(w).as_nanos() as u64,
                parks: metrics.worker_park_count(w),
            })
            .collect()
    }
}

/// One poll of an instrumented future. As small as the probe's record
/// (32 bytes), so a recording is converted in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Poll {
    /// Start, ns since the run's start.
    pub start_ns: u64,
    /// End, ns since the run's start.
    pub end_ns: u64,
    /// Latest wake, ns; [`NO_WAKE`] when none (see [`Poll::woken_ns`]).
    woken: u64,
    /// Index of the thread that ran it.
    pub thread: u16,
    /// Whether it returned `Ready`.
    pub ready: bool,
}

/// The stored wake time of a poll that had no wake.
const NO_WAKE: u64 = u64::MAX;

impl Poll {
    /// A poll from `start_ns` to `end_ns` on `thread`, woken at `woken_ns`.
    pub fn new(
        start_ns: u64,
        end_ns: u64,
        thread: u16,
        woken_ns: Option<u64>,
        ready: bool,
    ) -> Self {
        Self {
            start_ns,
            end_ns,
            woken: woken_ns.map_or(NO_WAKE, |w| w.min(NO_WAKE - 1)),
            thread,
            ready,
        }
    }

    /// A probe record in ns since `origin` (a wake of 0 ticks means none).
    pub fn from_record(origin: Ticks, record: &PollRecord) -> Self {
        let ns = |ticks| clock::ticks_to_ns(origin, ticks);
        Self::new(
            ns(record.start),
            ns(record.end),
            record.thread,
            (record.woken != 0).then(|| ns(record.woken)),
            record.ready,
        )
    }

    /// The latest time the future's waker was invoked since the previous
    /// poll began, ns; `None` when there was no wake.
    pub fn woken_ns(&self) -> Option<u64> {
        (self.woken != NO_WAKE).then_some(self.woken)
    }

    /// The poll's duration.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// One computed sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Step number, from 0.
    pub seq: u32,
    /// `sin(16·π·seq / samples)`.
    pub value: f64,
    /// Start of the step, ns since the run's start.
    pub start_ns: u64,
    /// End of the step, ns since the run's start.
    pub end_ns: u64,
    /// Index of the thread that ran the step.
    pub thread: u16,
}

impl Sample {
    /// A probe record in ns since `origin`.
    pub fn from_record(origin: Ticks, record: &SampleRecord) -> Self {
        Self {
            seq: record.seq,
            value: record.value,
            start_ns: clock::ticks_to_ns(origin, record.start),
            end_ns: clock::ticks_to_ns(origin, record.end),
            thread: record.thread,
        }
    }

    /// The step's duration.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// Everything recorded for one future of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct FutureTrace {
    /// The future's name.
    pub name: String,
    /// Where its steps ran.
    pub placement: Placement,
    /// Cost of one step.
    pub cost: Duration,
    /// How the cost was spent.
    pub cost_kind: CostKind,
    /// Steps it was asked for.
    pub planned_samples: u32,
    /// Every poll, in order.
    pub polls: Vec<Poll>,
    /// Every sample, in order.
    pub samples: Vec<Sample>,
}

/// The recording of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunTrace {
    /// The configuration it ran under.
    pub info: RunInfo,
    /// Its futures, in scenario order.
    pub futures: Vec<FutureTrace>,
    /// The threads seen, by index.
    pub threads: Vec<ThreadInfo>,
}

impl RunTrace {
    /// The future called `name`, if any.
    pub fn future(&self, name: &str) -> Option<&FutureTrace> {
        self.futures.iter().find(|f| f.name == name)
    }

    /// Recorded events (polls plus samples).
    pub fn events(&self) -> usize {
        self.futures
            .iter()
            .map(|f| f.polls.len() + f.samples.len())
            .sum()
    }
}

/// A readable name per thread, in index order: `main`, `worker 1`,
/// `blocking 3`, `pool 2` (numbered from 1 within each kind, in index
/// order).
///
/// ```
/// use pollscope::probe::{ThreadInfo, ThreadKind};
/// let t = |index, kind| ThreadInfo { index, os_thread_id: 1, name: String::new(), kind, cpu_time_ns: None };
/// let labels = pollscope::trace::thread_labels(&[
///     t(0, ThreadKind::Main), t(1, ThreadKind::Worker), t(2, ThreadKind::Blocking), t(3, ThreadKind::Worker),
/// ]);
/// assert_eq!(labels, ["main", "worker 1", "blocking 1", "worker 2"]);
/// ```
pub fn thread_labels(threads: &[ThreadInfo]) -> Vec<String> {
    let mut counts = [0usize; 4];
    threads
        .iter()
        .map(|t| {
            let slot = t.kind as usize;
            counts[slot] += 1;
            if t.kind == ThreadKind::Main && counts[slot] == 1 {
                "main".to_string()
            } else {
                format!("{} {}", t.kind.as_str(), counts[slot])
            }
        })
        .collect()
}

// The probe's records convert into trace rows in place (see the runner).
const _: () = assert!(std::mem::size_of::<Poll>() == std::mem::size_of::<PollRecord>());
const _: () = assert!(std::mem::size_of::<Sample>() == std::mem::size_of::<SampleRecord>());
