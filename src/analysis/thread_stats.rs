//! Per-thread statistics (threads.csv): what each thread did, in which
//! roles, and the on-CPU time the probe measured on it.

use crate::probe::ThreadKind;
use crate::scenario::Placement;
use crate::trace::{FutureKind, RunTrace};

/// What one thread did in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThreadStats {
    /// The thread's index.
    pub thread: u16,
    /// Recorded polls it ran.
    pub polls: usize,
    /// Time it spent in recorded polls and in steps outside any poll of its
    /// own (`spawn_blocking`, `pool`, library spans called outside a poll),
    /// ns: a step inside a poll is counted once, as part of the poll.
    pub busy_ns: u64,
    /// The roles it played, in order of first appearance: `main` (polls on
    /// the `block_on` thread), `worker` (polls elsewhere), `blocking`
    /// (steps outside polls), `pool` (steps of a dedicated pool).
    pub roles: Vec<ThreadKind>,
    /// Busy time per role, ns, indexed by `ThreadKind as usize`.
    pub busy_by_role: [u64; 4],
    /// Σ on-CPU time of the steps it ran (inside polls or not), ns.
    pub step_cpu_ns: u64,
    /// Σ on-CPU time of its polls plus its steps outside polls, ns: its
    /// whole measured CPU time; `None` unless polls were measured
    /// (`--poll-cpu-time`).
    pub probe_cpu_ns: Option<u64>,
}

impl ThreadStats {
    /// `roles` joined by `+`, e.g. `worker+blocking` (threads.csv `kind`).
    pub fn kind(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// One entry per thread of `trace`, by index.
    ///
    /// ```
    /// use pollscope::{builtin, JourneyParams};
    /// let params = JourneyParams { samples: 5, ..Default::default() };
    /// let trace = pollscope::run(&builtin("many_spawn_blocking", &params).unwrap(), 0).unwrap();
    /// let stats = pollscope::ThreadStats::of_run(&trace);
    /// assert_eq!(stats[0].kind(), "main");
    /// assert!(stats.iter().any(|t| t.kind() == "blocking"));
    /// ```
    pub fn of_run(trace: &RunTrace) -> Vec<ThreadStats> {
        let mut stats: Vec<Builder> = trace
            .threads
            .iter()
            .map(|t| Builder::new(t.index, trace.info.poll_cpu_time))
            .collect();
        let poll_spans = poll_spans_by_thread(trace, stats.len());
        for future in &trace.futures {
            for poll in &future.polls {
                if let Some(s) = stats.get_mut(usize::from(poll.thread)) {
                    s.polls += 1;
                    // A nested poll's time and CPU are its outer poll's.
                    let spans = &poll_spans[usize::from(poll.thread)];
                    if !is_outermost(spans, poll.start_ns, poll.end_ns) {
                        continue;
                    }
                    let role = if poll.thread == 0 {
                        ThreadKind::Main
                    } else {
                        ThreadKind::Worker
                    };
                    s.busy(role, poll.start_ns, poll.duration_ns());
                    s.cpu_of_poll(poll.cpu_ns());
                }
            }
            // A service's samples are events that span awaits, not work.
            let steps = if future.kind.is_service() {
                &[][..]
            } else {
                &future.samples[..]
            };
            for sample in steps {
                let Some(s) = stats.get_mut(usize::from(sample.thread)) else {
                    continue;
                };
                let cpu = sample.cpu_ns().unwrap_or(0);
                s.step_cpu_ns = s.step_cpu_ns.saturating_add(cpu);
                let spans = &poll_spans[usize::from(sample.thread)];
                if inside(spans, sample.start_ns, sample.end_ns) {
                    continue;
                }
                let role = match (sample.thread, future.kind) {
                    (0, _) => ThreadKind::Main,
                    (_, FutureKind::Producer(Placement::Pool)) => ThreadKind::Pool,
                    _ => ThreadKind::Blocking,
                };
                s.busy(role, sample.start_ns, sample.duration_ns());
                s.cpu_of_step(cpu);
            }
        }
        stats
            .into_iter()
            .zip(&trace.threads)
            .map(|(b, info)| b.finish(info.kind))
            .collect()
    }
}

/// Whether `[start, end]` lies within one of `spans` (sorted by start,
/// not overlapping: one thread's polls).
pub(crate) fn inside(spans: &[(u64, u64)], start: u64, end: u64) -> bool {
    let i = spans.partition_point(|&(s, _)| s <= start);
    i > 0 && spans[i - 1].1 >= end
}

/// Each thread's outermost poll spans, sorted by start and not
/// overlapping: a poll nested in another (an instrumented future polled by
/// an instrumented future) is part of the outer one's span.
pub(crate) fn poll_spans_by_thread(trace: &RunTrace, threads: usize) -> Vec<Vec<(u64, u64)>> {
    let mut spans = vec![Vec::new(); threads];
    for future in &trace.futures {
        for p in &future.polls {
            if let Some(list) = spans.get_mut(usize::from(p.thread)) {
                list.push((p.start_ns, p.end_ns));
            }
        }
    }
    for list in &mut spans {
        // By start, the longest first, so an outer poll precedes the polls
        // it holds, even one that began in the same ns.
        list.sort_unstable_by_key(|&(start, end)| (start, std::cmp::Reverse(end)));
        let mut outermost: Vec<(u64, u64)> = Vec::with_capacity(list.len());
        for &span in list.iter() {
            match outermost.last() {
                Some(&(_, end)) if span.1 <= end && span.0 < end => {}
                _ => outermost.push(span),
            }
        }
        *list = outermost;
    }
    spans
}

/// Whether `[start, end]` is one of `spans` itself (an outermost poll), not
/// a poll nested in one.
fn is_outermost(spans: &[(u64, u64)], start: u64, end: u64) -> bool {
    spans.binary_search(&(start, end)).is_ok()
}

struct Builder {
    thread: u16,
    polls: usize,
    busy_by_role: [u64; 4],
    /// (first time seen, role)
    first_seen: Vec<(u64, ThreadKind)>,
    step_cpu_ns: u64,
    probe_cpu_ns: Option<u64>,
}

impl Builder {
    fn new(thread: u16, polls_measured: bool) -> Self {
        Self {
            thread,
            polls: 0,
            busy_by_role: [0; 4],
            first_seen: Vec::new(),
            step_cpu_ns: 0,
            probe_cpu_ns: polls_measured.then_some(0),
        }
    }

    fn busy(&mut self, role: ThreadKind, at: u64, ns: u64) {
        let slot = &mut self.busy_by_role[role as usize];
        *slot = slot.saturating_add(ns);
        match self.first_seen.iter_mut().find(|(_, r)| *r == role) {
            Some((first, _)) => *first = (*first).min(at),
            None => self.first_seen.push((at, role)),
        }
    }

    fn cpu_of_poll(&mut self, cpu: Option<u64>) {
        if let (Some(total), Some(cpu)) = (self.probe_cpu_ns.as_mut(), cpu) {
            *total = total.saturating_add(cpu);
        }
    }

    fn cpu_of_step(&mut self, cpu: u64) {
        if let Some(total) = self.probe_cpu_ns.as_mut() {
            *total = total.saturating_add(cpu);
        }
    }

    fn finish(mut self, registered_as: ThreadKind) -> ThreadStats {
        self.first_seen.sort_unstable();
        let mut roles: Vec<ThreadKind> = self.first_seen.iter().map(|&(_, r)| r).collect();
        if roles.is_empty() {
            roles.push(registered_as);
        }
        ThreadStats {
            thread: self.thread,
            polls: self.polls,
            busy_ns: self
                .busy_by_role
                .iter()
                .fold(0, |a, &b| a.saturating_add(b)),
            roles,
            busy_by_role: self.busy_by_role,
            step_cpu_ns: self.step_cpu_ns,
            probe_cpu_ns: self.probe_cpu_ns,
        }
    }
}
