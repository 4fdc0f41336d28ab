//! The recording of one run, in nanoseconds since the run's start: what the
//! runner and a library session return, what the CSV files hold, and what
//! analysis reads.
//!
//! A run's description is split by where it comes from: its configuration
//! ([`RunConfig`]: what was asked for; absent for a library session, whose
//! runtime pollscope did not build), the environment it ran in
//! ([`Environment`]: cores, calibration) and what the runtime said about
//! itself ([`RuntimeMetrics`]). Nothing is invented: what is not known is
//! `None`, and an empty cell in the CSV files.

mod interference;

pub use interference::{IDLE_FLOOR_PCT, Interference, OTHER_CPU_LIMIT_PCT, STEAL_LIMIT_PCT};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::common::duration::nanos;
use crate::probe::clock::{self, Ticks};
use crate::probe::{FutureLog, NOT_MEASURED, PollRecord, SampleRecord, ThreadInfo, ThreadKind};
use crate::scenario::{CostKind, UserClaim};
use crate::scenario::{Executor, Flavor, Origin, Placement, TokioKnobs};

/// What a run was asked to be: the runtime and the knobs of its scenario.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RunConfig {
    /// Runtime flavor.
    pub flavor: Flavor,
    /// Worker threads (1 for current_thread).
    pub workers: usize,
    /// Cap of the blocking pool.
    pub max_blocking_threads: usize,
    /// The scenario's cost kind.
    pub cost_kind: CostKind,
    /// The light cost knob (built-in scenarios only).
    pub light_cost: Option<Duration>,
    /// The heavy cost knob (built-in scenarios only).
    pub heavy_cost: Option<Duration>,
    /// Steps per future (the scenario's default).
    pub samples: u32,
    /// The task-count knob `T` (built-in scenarios only).
    pub tasks: Option<u32>,
    /// Repeat number, from 0.
    pub repeat: u32,
    /// Semaphore permits in front of `spawn_blocking` steps, if any.
    pub blocking_permits: Option<usize>,
    /// Threads of the dedicated pool.
    pub pool_threads: usize,
    /// Which executor ran the futures.
    pub executor: Executor,
    /// tokio's knobs, as set (unset: tokio's defaults).
    pub tokio: TokioKnobs,
}

/// The machine a run was recorded on.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Environment {
    /// Cores available to the process.
    pub cores: usize,
    /// The `cpu` cost's calibration, iterations per µs, when it was
    /// measured in this process.
    pub calibration: Option<f64>,
    /// The versions that decide scheduling.
    pub versions: Versions,
}

/// The versions that decide how a run was scheduled (runs.csv's
/// `tokio_version`, `smol_version`, `pollscope_version` and `kernel`);
/// `None` where unknown or not used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Versions {
    /// tokio's version, for runs on tokio.
    pub tokio: Option<String>,
    /// smol's version, for runs on smol.
    pub smol: Option<String>,
    /// pollscope's own version.
    pub pollscope: Option<String>,
    /// The kernel's release (`uname -r`).
    pub kernel: Option<String>,
    /// The CPU's model (`/proc/cpuinfo`'s `model name`), where it says.
    pub cpu_model: Option<String>,
}

impl Versions {
    /// The versions of this build and machine, for a run on `executor`
    /// (`None`: a library session on the caller's runtime, whatever it is).
    ///
    /// ```
    /// use pollscope::{Executor, Versions};
    /// let v = Versions::current(Some(Executor::Tokio));
    /// assert_eq!(v.pollscope.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    /// assert!(v.smol.is_none());
    /// ```
    pub fn current(executor: Option<Executor>) -> Self {
        let known = |v: &str| (!v.is_empty()).then(|| v.to_string());
        Self {
            tokio: (executor == Some(Executor::Tokio))
                .then(|| known(env!("POLLSCOPE_TOKIO_VERSION")))
                .flatten(),
            smol: (executor == Some(Executor::Smol))
                .then(|| known(env!("POLLSCOPE_SMOL_VERSION")))
                .flatten(),
            pollscope: Some(env!("CARGO_PKG_VERSION").to_string()),
            kernel: kernel_release(),
            cpu_model: cpu_model(),
        }
    }
}

/// The CPU's model: `/proc/cpuinfo`'s first `model name`, `None` where it
/// has none (or cannot be read).
pub(crate) fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "model name")
        .map(|(_, value)| value.trim().to_string())
        .filter(|m| !m.is_empty())
}

/// The kernel's release, as `uname -r` prints it.
fn kernel_release() -> Option<String> {
    // SAFETY: `uname` fills the zeroed struct it is given; its fields are
    // NUL-terminated strings.
    unsafe {
        let mut name: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut name) != 0 {
            return None;
        }
        let release = std::ffi::CStr::from_ptr(name.release.as_ptr());
        Some(release.to_string_lossy().into_owned()).filter(|r| !r.is_empty())
    }
}

/// What the runtime said about itself over the run.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// tokio's own view of its workers (stable runtime metrics), read when
    /// the last future was joined; empty when unknown.
    pub tokio_workers: Vec<TokioWorker>,
}

/// A run's description (one row of runs.csv, less the results).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RunInfo {
    /// `<scenario>-<w{workers} or ct>-<cost kind><heavy cost>-r<repeat>`,
    /// or a session's name.
    pub run_id: String,
    /// Scenario (or session) name.
    pub scenario: String,
    /// Where the scenario came from.
    pub origin: Origin,
    /// What was asked for; `None` for a library session.
    pub config: Option<RunConfig>,
    /// The machine.
    pub environment: Environment,
    /// The runtime's own metrics.
    pub metrics: RuntimeMetrics,
    /// Whether every poll's on-CPU time was measured (`--poll-cpu-time`).
    pub poll_cpu_time: bool,
    /// What the rest of the machine did with the CPUs over the run's wall
    /// interval; `None` where `/proc/stat` (or the process's CPU clock) is
    /// unreadable.
    pub interference: Option<Interference>,
    /// The kernel's CPU time of the whole process over the run's wall
    /// interval (`CLOCK_PROCESS_CPUTIME_ID`: every thread, the runtime's
    /// idle ones and exited blocking threads included), ns; `None` where
    /// the clock is missing.
    pub process_cpu_ns: Option<u64>,
    /// When the run started, RFC 3339 in UTC to the second; `None` where
    /// unknown (a folder written before runs.csv had it).
    pub started_at: Option<String>,
    /// The history label the run was recorded under (`run --record`);
    /// `None` when it was not recorded.
    pub label: Option<String>,
    /// The commit the run was recorded as measuring (`run --record`);
    /// `None` when it was not recorded.
    pub commit: Option<String>,
    /// Your own claims the run is judged against (claims.csv).
    pub claims: Vec<UserClaim>,
}

/// One tokio worker's stable runtime metrics over a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
                busy_ns: nanos(metrics.worker_total_busy_duration(w)),
                parks: metrics.worker_park_count(w),
            })
            .collect()
    }
}

/// `value` unless it is the "not measured" mark.
fn measured(value: u64) -> Option<u64> {
    (value != NOT_MEASURED).then_some(value)
}

/// One poll of an instrumented future. As small as the probe's record
/// (40 bytes), so a recording is converted in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Poll {
    /// Start, ns since the run's start.
    pub start_ns: u64,
    /// End, ns since the run's start.
    pub end_ns: u64,
    /// See [`Poll::woken_ns`].
    woken: u64,
    /// See [`Poll::cpu_ns`].
    cpu: u64,
    /// Index of the thread that ran it.
    pub thread: u16,
    /// Whether it returned `Ready`.
    pub ready: bool,
}

impl Poll {
    /// A poll from `start_ns` to `end_ns` on `thread`, woken at `woken_ns`,
    /// with `cpu_ns` of on-CPU time when measured.
    pub fn new(
        start_ns: u64,
        end_ns: u64,
        thread: u16,
        woken_ns: Option<u64>,
        cpu_ns: Option<u64>,
        ready: bool,
    ) -> Self {
        let stored = |v: Option<u64>| v.map_or(NOT_MEASURED, |v| v.min(NOT_MEASURED - 1));
        Self {
            start_ns,
            end_ns,
            woken: stored(woken_ns),
            cpu: stored(cpu_ns),
            thread,
            ready,
        }
    }

    /// A probe record in ns since `origin` (a wake of 0 ticks means none).
    pub(crate) fn from_record(origin: Ticks, record: &PollRecord) -> Self {
        let ns = |ticks| clock::ticks_to_ns(origin, ticks);
        Self::new(
            ns(record.start),
            ns(record.end),
            record.thread,
            (record.woken != 0).then(|| ns(record.woken)),
            measured(record.cpu_ns),
            record.ready,
        )
    }

    /// The latest time the future's waker was invoked since the previous
    /// poll began, ns; `None` when there was no wake.
    pub fn woken_ns(&self) -> Option<u64> {
        measured(self.woken)
    }

    /// The thread's on-CPU time during the poll, ns; `None` unless polls
    /// were measured (`--poll-cpu-time`).
    pub fn cpu_ns(&self) -> Option<u64> {
        measured(self.cpu)
    }

    /// The poll's duration (wall time).
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// One computed sample: a producer's step (or a service's event, or a
/// call of a library span).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Sample {
    /// Step number, from 0.
    pub seq: u32,
    /// `sin(16·π·seq / samples)` for producers.
    pub value: f64,
    /// Start of the step, ns since the run's start.
    pub start_ns: u64,
    /// End of the step, ns since the run's start.
    pub end_ns: u64,
    /// See [`Sample::cpu_ns`].
    cpu: u64,
    /// Index of the thread that ran the step.
    pub thread: u16,
}

impl Sample {
    /// A step `seq` of `value` from `start_ns` to `end_ns` on `thread`,
    /// with `cpu_ns` of on-CPU time when measured.
    pub fn new(
        seq: u32,
        value: f64,
        start_ns: u64,
        end_ns: u64,
        thread: u16,
        cpu_ns: Option<u64>,
    ) -> Self {
        Self {
            seq,
            value,
            start_ns,
            end_ns,
            cpu: cpu_ns.map_or(NOT_MEASURED, |v| v.min(NOT_MEASURED - 1)),
            thread,
        }
    }

    /// A probe record in ns since `origin`.
    pub(crate) fn from_record(origin: Ticks, record: &SampleRecord) -> Self {
        Self::new(
            record.seq,
            record.value,
            clock::ticks_to_ns(origin, record.start),
            clock::ticks_to_ns(origin, record.end),
            record.thread,
            measured(record.cpu_ns),
        )
    }

    /// The thread's on-CPU time during the step, ns (from its own CPU
    /// clock); `None` when not measured.
    pub fn cpu_ns(&self) -> Option<u64> {
        measured(self.cpu)
    }

    /// The step's duration (wall time).
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    /// Wall time the step spent off the CPU (preempted, or blocked for a
    /// `sleep` cost): `duration − cpu_ns`, when measured.
    pub fn off_cpu_ns(&self) -> Option<u64> {
        self.cpu_ns()
            .map(|cpu| self.duration_ns().saturating_sub(cpu))
    }
}

/// What a recorded future is: a scenario's producer (with its placement),
/// or, in a library session, a user's instrumented future or named span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FutureKind {
    /// A scenario's producer, placed so.
    Producer(Placement),
    /// A part of a service workload, placed so: its samples are events
    /// (requests, ticks, items, lock acquisitions) whose value is a
    /// latency in µs.
    Service(Placement),
    /// A user's future wrapped by [`crate::Session::instrument`].
    #[default]
    Instrumented,
    /// A user's synchronous region ([`crate::Session::span`]): its calls are
    /// samples, it has no polls.
    Span,
}

impl FutureKind {
    /// The `placement` column of futures.csv: the placement's name, or
    /// `instrumented` / `span`.
    pub fn as_str(self) -> &'static str {
        match self {
            FutureKind::Producer(p) | FutureKind::Service(p) => p.as_str(),
            FutureKind::Instrumented => "instrumented",
            FutureKind::Span => "span",
        }
    }

    /// The producer's placement, if it is one.
    pub fn placement(self) -> Option<Placement> {
        match self {
            FutureKind::Producer(p) | FutureKind::Service(p) => Some(p),
            _ => None,
        }
    }

    /// `producer`, `service`, `instrumented` or `span`: futures.csv's
    /// `kind` column, which tells a service's events from a producer's
    /// steps placed alike.
    pub fn role(self) -> &'static str {
        match self {
            FutureKind::Producer(_) => "producer",
            FutureKind::Service(_) => "service",
            FutureKind::Instrumented => "instrumented",
            FutureKind::Span => "span",
        }
    }

    /// Whether its samples are a service's events (with a latency value),
    /// not a producer's steps.
    pub fn is_service(self) -> bool {
        matches!(self, FutureKind::Service(_))
    }

    /// Whether its samples carry values, in µs (a service's latencies, or
    /// what a library user recorded with `pollscope::sample`): they get
    /// `value` statistics, a histogram and a row scaled to them. A
    /// producer's values (a sine) and a span's (none) do not.
    pub fn has_values(self) -> bool {
        matches!(self, FutureKind::Service(_) | FutureKind::Instrumented)
    }

    /// Whether its steps run off its own task (on blocking or pool
    /// threads, or, for a span, wherever it was called), outside its polls.
    pub fn steps_off_task(self) -> bool {
        match self {
            FutureKind::Producer(p) => p.steps_off_task(),
            FutureKind::Service(_) | FutureKind::Instrumented => false,
            FutureKind::Span => true,
        }
    }
}

impl fmt::Display for FutureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FutureKind {
    type Err = String;

    /// ```
    /// use pollscope::FutureKind;
    /// assert_eq!("span".parse::<FutureKind>(), Ok(FutureKind::Span));
    /// assert!("spawn".parse::<FutureKind>().unwrap().placement().is_some());
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "instrumented" => Ok(FutureKind::Instrumented),
            "span" => Ok(FutureKind::Span),
            other => other.parse().map(FutureKind::Producer).map_err(|_| {
                format!(
                    "unknown placement `{other}` (use inline, spawn, spawn_blocking, block_in_place, pool, instrumented or span)"
                )
            }),
        }
    }
}

impl Serialize for FutureKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FutureKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Everything recorded for one future of a run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FutureTrace {
    /// The future's name.
    pub name: String,
    /// What it is (and, for a producer, where its steps ran).
    pub kind: FutureKind,
    /// Cost of one step; `None` for a library future.
    pub cost: Option<Duration>,
    /// How the cost was spent; `None` for a library future.
    pub cost_kind: Option<CostKind>,
    /// Steps it was asked for; `None` for a library future.
    pub planned_samples: Option<u32>,
    /// Every poll, in order.
    pub polls: Vec<Poll>,
    /// Every sample, in order.
    pub samples: Vec<Sample>,
    /// Polls whose wake time was clamped to their start (the wake was read
    /// on another core whose clock ran ahead): a measure of clock skew.
    pub wake_clamps: u32,
}

impl FutureTrace {
    /// The future recorded in `log`, converted from clock ticks to ns
    /// since `origin` in place (records and trace rows have the same size),
    /// as `kind`; the producer's `cost`, `cost_kind` and planned samples
    /// are `None` for a library future.
    pub(crate) fn from_log(origin: Ticks, log: FutureLog, kind: FutureKind) -> Self {
        Self {
            name: log.name,
            kind,
            wake_clamps: log.wake_clamps,
            cost: None,
            cost_kind: None,
            planned_samples: None,
            polls: log
                .polls
                .into_iter()
                .map(|p| Poll::from_record(origin, &p))
                .collect(),
            samples: log
                .samples
                .into_iter()
                .map(|s| Sample::from_record(origin, &s))
                .collect(),
        }
    }

    /// The producer's placement, if it is one.
    pub fn placement(&self) -> Option<Placement> {
        self.kind.placement()
    }

    /// Its planned work: cost × planned samples, ns (0 for a library
    /// future).
    pub fn planned_work_ns(&self) -> u64 {
        let cost = self.cost.map_or(0, nanos);
        cost.saturating_mul(u64::from(self.planned_samples.unwrap_or(0)))
    }
}

/// The recording of one run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RunTrace {
    /// What it was and where it ran.
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
/// `blocking 3`, `pool 2` (by the role the probe first saw it in, numbered
/// from 1 within each role, in index order).
pub(crate) fn thread_labels(threads: &[ThreadInfo]) -> Vec<String> {
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

// The probe's records convert into trace rows in place.
const _: () = assert!(std::mem::size_of::<Poll>() == std::mem::size_of::<PollRecord>());
const _: () = assert!(std::mem::size_of::<Sample>() == std::mem::size_of::<SampleRecord>());

#[cfg(test)]
mod doc_examples {
    #[test]
    fn thread_labels() {
        use crate::probe::{ThreadInfo, ThreadKind};
        let t = |index, kind| ThreadInfo {
            index,
            os_thread_id: 1,
            name: String::new(),
            kind,
            cpu_time_ns: None,
            runtime_cpu_ns: None,
        };
        let labels = crate::trace::thread_labels(&[
            t(0, ThreadKind::Main),
            t(1, ThreadKind::Worker),
            t(2, ThreadKind::Blocking),
            t(3, ThreadKind::Worker),
        ]);
        assert_eq!(labels, ["main", "worker 1", "blocking 1", "worker 2"]);
    }
}
