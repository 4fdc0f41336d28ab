//! Per-thread statistics (threads.csv).

use crate::trace::RunTrace;

/// What one thread did in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadStats {
    /// The thread's index.
    pub thread: u16,
    /// Recorded polls it ran.
    pub polls: usize,
    /// Time it spent in recorded polls and in off-task steps
    /// (`spawn_blocking`, `pool`), ns.
    pub busy_ns: u64,
}

impl ThreadStats {
    /// One entry per thread of `trace`, by index.
    pub fn of_run(trace: &RunTrace) -> Vec<ThreadStats> {
        let mut stats: Vec<ThreadStats> = trace
            .threads
            .iter()
            .map(|t| ThreadStats {
                thread: t.index,
                polls: 0,
                busy_ns: 0,
            })
            .collect();
        for future in &trace.futures {
            for poll in &future.polls {
                if let Some(s) = stats.get_mut(usize::from(poll.thread)) {
                    s.polls += 1;
                    s.busy_ns = s.busy_ns.saturating_add(poll.duration_ns());
                }
            }
            if future.placement.steps_off_task() {
                for sample in &future.samples {
                    if let Some(s) = stats.get_mut(usize::from(sample.thread)) {
                        s.busy_ns = s.busy_ns.saturating_add(sample.duration_ns());
                    }
                }
            }
        }
        stats
    }
}
