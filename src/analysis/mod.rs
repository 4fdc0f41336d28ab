//! From a trace to numbers: per-future and per-thread statistics,
//! HdrHistograms, the makespan's lower bound and efficiency.
//!
//! Every number here has its definition next to the code that computes it;
//! `results/README.md` repeats them for readers of the CSV files.

mod bounds;
mod future_stats;
mod histograms;
pub(crate) mod noise;
mod thread_stats;

pub use bounds::lower_bound_ns;
pub use future_stats::FutureStats;
pub use histograms::Metric;
pub(crate) use histograms::for_each_of_run;
pub use thread_stats::ThreadStats;
pub(crate) use thread_stats::{inside, poll_spans_by_thread};

use crate::trace::RunTrace;

/// The analysis of one run.
#[derive(Debug)]
#[non_exhaustive]
pub struct RunAnalysis {
    /// From the run's start (its first future created) to the completion of
    /// its last future, ns.
    pub makespan_ns: u64,
    /// The least makespan any schedule could reach ([`lower_bound_ns`]);
    /// `None` for a library session.
    pub lower_bound_ns: Option<u64>,
    /// `lower_bound / makespan`, at most 1 (1 = no schedule could do
    /// better); `None` without a lower bound. Clamped: costs that ran
    /// faster than requested could otherwise push it above 1.
    pub efficiency: Option<f64>,
    /// One entry per future, in scenario order.
    pub futures: Vec<FutureStats>,
    /// One entry per thread, by index.
    pub threads: Vec<ThreadStats>,
    /// Throughput and CPU cost of the run.
    pub throughput: Throughput,
}

/// A run's throughput and CPU cost (runs.csv's `events`, `events_per_s`,
/// `process_cpu_ns`, `cpu_per_event_ns`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Throughput {
    /// Samples recorded in the run (producer steps, service events, span
    /// calls): samples.csv's rows of the run.
    pub events: u64,
    /// `events / makespan`, per second; `None` for an empty makespan.
    pub events_per_s: Option<f64>,
    /// The kernel's CPU time of the whole process over the run's wall
    /// interval ([`crate::RunInfo::process_cpu_ns`]), ns. The process's
    /// clock, not Σ threads.csv `cpu_time_ns`: that sum misses the
    /// runtime's threads the probe never saw, each thread's time before its
    /// first recorded work, and blocking threads that exited before the
    /// end (whose `cpu_time_ns` is empty).
    pub process_cpu_ns: Option<u64>,
    /// `process_cpu_ns / events`, rounded to the nearest ns; `None`
    /// without events or CPU time.
    pub cpu_per_event_ns: Option<u64>,
}

impl Throughput {
    /// The throughput of `trace`, whose makespan is `makespan_ns`.
    fn of(trace: &RunTrace, makespan_ns: u64) -> Self {
        let events: u64 = trace.futures.iter().map(|f| f.samples.len() as u64).sum();
        let process_cpu_ns = trace.info.process_cpu_ns;
        Self {
            events,
            events_per_s: (makespan_ns > 0).then(|| events as f64 * 1e9 / makespan_ns as f64),
            process_cpu_ns,
            cpu_per_event_ns: process_cpu_ns
                .filter(|_| events > 0)
                .map(|cpu| cpu.saturating_add(events / 2) / events),
        }
    }
}

/// Analyses one run.
///
/// ```
/// use pollscope::{builtin, JourneyParams};
/// use std::time::Duration;
///
/// let params = JourneyParams { samples: 20, light_cost: Duration::from_micros(20), ..Default::default() };
/// let trace = pollscope::run(&builtin("two_futures", &params).unwrap(), 0).unwrap();
/// let analysis = pollscope::analyze(&trace);
/// assert_eq!(analysis.lower_bound_ns, Some(2 * 20 * 20_000)); // both futures confined to thread 0
/// assert!(analysis.efficiency.is_some_and(|e| e > 0.0 && e <= 1.0));
/// let fut0 = analysis.future("fut0").unwrap();
/// assert_eq!(fut0.samples, 20);
/// assert!(fut0.polls >= 21); // a poll per step and the last (join_all may add re-polls)
/// assert_eq!(analysis.makespan_ns, analysis.futures.iter().filter_map(|f| f.completed_ns).max().unwrap());
/// ```
pub fn analyze(trace: &RunTrace) -> RunAnalysis {
    let futures: Vec<FutureStats> = trace.futures.iter().map(FutureStats::of).collect();
    let makespan_ns = futures
        .iter()
        .filter_map(|f| f.completed_ns.or(f.last_poll_end_ns))
        .max()
        .unwrap_or(0);
    let lower_bound_ns = lower_bound_ns(trace);
    let efficiency = lower_bound_ns.map(|bound| {
        if makespan_ns == 0 {
            0.0
        } else {
            (bound as f64 / makespan_ns as f64).min(1.0)
        }
    });
    RunAnalysis {
        makespan_ns,
        lower_bound_ns,
        efficiency,
        threads: ThreadStats::of_run(trace),
        throughput: Throughput::of(trace, makespan_ns),
        futures,
    }
}

impl RunAnalysis {
    /// Statistics of the future called `name`.
    pub fn future(&self, name: &str) -> Option<&FutureStats> {
        self.futures.iter().find(|f| f.name == name)
    }
}

/// A run's trace together with its analysis: what findings judge and the
/// exporters write.
#[derive(Debug)]
#[non_exhaustive]
pub struct RunResult {
    /// The recording.
    pub trace: RunTrace,
    /// Numbers computed from it.
    pub analysis: RunAnalysis,
}

impl RunResult {
    /// Analyses `trace`.
    pub fn new(trace: RunTrace) -> Self {
        let analysis = analyze(&trace);
        Self { trace, analysis }
    }
}
