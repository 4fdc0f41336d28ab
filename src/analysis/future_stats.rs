//! Per-future statistics (futures.csv).

use std::collections::BTreeSet;
use std::time::Duration;

use super::histograms::Metric;
use super::thread_stats::inside;
use crate::common::stats::Summary;
use crate::trace::{FutureKind, FutureTrace};

/// Statistics of one future of a run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FutureStats {
    /// The future's name.
    pub name: String,
    /// What it is (and where a producer's steps ran).
    pub kind: FutureKind,
    /// Cost of one step (producers).
    pub cost: Option<Duration>,
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
    /// Sum of its polls' durations plus its steps outside its own polls
    /// (`spawn_blocking`, `pool`, spans), ns.
    pub busy_ns: u64,
    /// Distinct threads that ran its polls or its steps outside them.
    pub threads: usize,
    /// Poll durations (`end - start`).
    pub poll_duration: Option<Summary>,
    /// Scheduling delays: `start - woken` of each poll that had a wake.
    pub sched_delay: Option<Summary>,
    /// Its sample values read as µs, in ns (a service's round trip,
    /// lateness, end-to-end latency, wait; a library future's own values);
    /// `None` for producers, spans and futures without samples.
    pub value: Option<Summary>,
}

impl FutureStats {
    /// Computes the statistics of `future`.
    pub fn of(future: &FutureTrace) -> Self {
        let mut spans: Vec<(u64, u64)> = future
            .polls
            .iter()
            .map(|p| (p.start_ns, p.end_ns))
            .collect();
        spans.sort_unstable();
        // A service's samples are events that span awaits, not work: only
        // steps count as busy time.
        let steps: &[crate::trace::Sample] = if future.kind.is_service() {
            &[]
        } else {
            &future.samples
        };
        let outside: Vec<_> = steps
            .iter()
            .filter(|s| {
                !inside(&spans, s.start_ns, s.end_ns) || s.thread != thread_of(future, s.start_ns)
            })
            .collect();
        let off_task_busy = outside
            .iter()
            .map(|s| s.duration_ns())
            .fold(0, u64::saturating_add);
        let mut threads: BTreeSet<u16> = future.polls.iter().map(|p| p.thread).collect();
        threads.extend(outside.iter().map(|s| s.thread));
        Self {
            name: future.name.clone(),
            kind: future.kind,
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
            value: Summary::of(&mut Metric::Value.values(future)),
        }
    }
}

/// The thread of `future`'s poll running at `at`, if any (else `u16::MAX`).
fn thread_of(future: &FutureTrace, at: u64) -> u16 {
    let i = future.polls.partition_point(|p| p.start_ns <= at);
    i.checked_sub(1)
        .and_then(|i| future.polls.get(i))
        .filter(|p| p.end_ns >= at)
        .map_or(u16::MAX, |p| p.thread)
}
