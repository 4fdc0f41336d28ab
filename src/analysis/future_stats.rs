//! Per-future statistics (futures.csv).

use std::collections::BTreeSet;
use std::time::Duration;

use super::histograms::Metric;
use crate::scenario::Placement;
use crate::stats::Summary;
use crate::trace::FutureTrace;

/// Statistics of one future of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct FutureStats {
    /// The future's name.
    pub name: String,
    /// Where its steps ran.
    pub placement: Placement,
    /// Cost of one step.
    pub cost: Duration,
    /// Samples recorded.
    pub samples: usize,
    /// Start of its first poll, ns since the run's start.
    pub first_poll_ns: Option<u64>,
    /// End of the poll that returned `Ready`, ns since the run's start;
    /// `None` if it never completed.
    pub completed_ns: Option<u64>,
    /// End of its last poll.
    pub last_poll_end_ns: Option<u64>,
    /// Number of polls.
    pub polls: usize,
    /// Sum of its polls' durations plus its steps run off the task
    /// (`spawn_blocking`, `pool`), ns.
    pub busy_ns: u64,
    /// Distinct threads that ran its polls or its off-task steps.
    pub threads: usize,
    /// Poll durations (`end - start`).
    pub poll_duration: Option<Summary>,
    /// Scheduling delays: `start - woken` of each poll that had a wake.
    pub sched_delay: Option<Summary>,
}

impl FutureStats {
    /// Computes the statistics of `future`.
    pub fn of(future: &FutureTrace) -> Self {
        let off_task = future.placement.steps_off_task();
        let off_task_busy: u64 = if off_task {
            future
                .samples
                .iter()
                .map(|s| s.duration_ns())
                .fold(0, u64::saturating_add)
        } else {
            0
        };
        let mut threads: BTreeSet<u16> = future.polls.iter().map(|p| p.thread).collect();
        if off_task {
            threads.extend(future.samples.iter().map(|s| s.thread));
        }
        Self {
            name: future.name.clone(),
            placement: future.placement,
            cost: future.cost,
            samples: future.samples.len(),
            first_poll_ns: future.polls.first().map(|p| p.start_ns),
            completed_ns: future.polls.iter().find(|p| p.ready).map(|p| p.end_ns),
            last_poll_end_ns: future.polls.last().map(|p| p.end_ns),
            polls: future.polls.len(),
            busy_ns: future
                .polls
                .iter()
                .map(|p| p.duration_ns())
                .fold(off_task_busy, u64::saturating_add),
            threads: threads.len(),
            poll_duration: Summary::of(&mut Metric::PollDuration.values(future)),
            sched_delay: Summary::of(&mut Metric::SchedDelay.values(future)),
        }
    }
}
