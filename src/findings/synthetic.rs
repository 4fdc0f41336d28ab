//! Hand-built runs for the judges' tests: a [`SyntheticRun`] places futures,
//! their steps (samples and polls) and service events on numbered threads at
//! given µs, and [`judge`] / [`verdict`] decide a claim on the result. No
//! runtime, no clock, no machine in the loop; each judge's own scenarios
//! are built in the `tests` module beside it.

use std::time::Duration;

use super::{Judgement, Run, Verdict, claim};
use crate::analysis::RunResult;
use crate::probe::{ThreadInfo, ThreadKind};
use crate::scenario::CostKind;
use crate::scenario::{Executor, Flavor, Origin, Placement};
use crate::trace::Interference;
use crate::trace::{
    Environment, FutureKind, FutureTrace, Poll, RunConfig, RunInfo, RunTrace, RuntimeMetrics,
    Sample,
};

const US: u64 = 1_000;

/// A run of a built-in scenario under construction, times in µs. Thread 0
/// is main (the `block_on` thread), every other thread a worker.
pub(crate) struct SyntheticRun {
    /// The futures so far, in the order they were added.
    pub(crate) futures: Vec<FutureTrace>,
    threads: u16,
    /// The run's configuration: `workers` multi-thread workers, 100 µs
    /// light and 500 µs heavy costs, 10 samples, 6 tasks, tokio.
    pub(crate) config: RunConfig,
    cores: usize,
    /// What the rest of the machine did meanwhile: none measured unless
    /// set.
    pub(crate) interference: Option<Interference>,
    /// The process's CPU time over the run: unknown unless set.
    pub(crate) process_cpu_ns: Option<u64>,
}

impl SyntheticRun {
    /// An empty run with `workers` workers of `cost_kind` costs on `cores`
    /// cores.
    pub(crate) fn new(cost_kind: CostKind, workers: usize, cores: usize) -> Self {
        Self {
            futures: Vec::new(),
            threads: 1,
            config: RunConfig {
                flavor: Flavor::MultiThread,
                workers,
                max_blocking_threads: 512,
                cost_kind,
                light_cost: Some(Duration::from_micros(100)),
                heavy_cost: Some(Duration::from_micros(500)),
                samples: 10,
                tasks: Some(6),
                repeat: 0,
                blocking_permits: None,
                pool_threads: cores,
                executor: Executor::Tokio,
                tokio: Default::default(),
            },
            cores,
            interference: None,
            process_cpu_ns: None,
        }
    }

    /// Adds a producer future of `cost_us` per step, placed by
    /// `placement`; returns its index for [`step`](Self::step).
    pub(crate) fn future(&mut self, name: &str, placement: Placement, cost_us: u64) -> usize {
        self.futures.push(FutureTrace {
            name: name.to_string(),
            kind: FutureKind::Producer(placement),
            cost: Some(Duration::from_micros(cost_us)),
            cost_kind: Some(self.config.cost_kind),
            planned_samples: Some(10),
            polls: Vec::new(),
            samples: Vec::new(),
            wake_clamps: 0,
        });
        self.futures.len() - 1
    }

    /// Makes thread `t` (and every thread below it) part of the run.
    fn thread(&mut self, t: u16) {
        self.threads = self.threads.max(t + 1);
    }

    /// A step of future `f` in its own poll on `thread`, on the CPU for
    /// `cpu` of its wall time.
    pub(crate) fn step(
        &mut self,
        f: usize,
        start_us: u64,
        dur_us: u64,
        thread: u16,
        cpu: f64,
    ) -> &mut Self {
        self.thread(thread);
        let (start, end) = (start_us * US, (start_us + dur_us) * US);
        let future = &mut self.futures[f];
        let seq = future.samples.len() as u32;
        let cpu_ns = ((end - start) as f64 * cpu) as u64;
        future
            .samples
            .push(Sample::new(seq, 0.5, start, end, thread, Some(cpu_ns)));
        future
            .polls
            .push(Poll::new(start, end, thread, None, None, false));
        self
    }

    /// A step of future `f` on `thread` outside any poll (spawn_blocking,
    /// pool), fully on the CPU, with a short poll on thread 0 after it.
    pub(crate) fn off_step(
        &mut self,
        f: usize,
        start_us: u64,
        dur_us: u64,
        thread: u16,
    ) -> &mut Self {
        self.thread(thread);
        let (start, end) = (start_us * US, (start_us + dur_us) * US);
        let future = &mut self.futures[f];
        let seq = future.samples.len() as u32;
        future
            .samples
            .push(Sample::new(seq, 0.5, start, end, thread, Some(end - start)));
        future
            .polls
            .push(Poll::new(end, end + 1, 0, None, None, false));
        self
    }

    /// A service future whose events (start µs, latency µs) complete on
    /// thread 1, each in its own short poll.
    pub(crate) fn service(&mut self, name: &str, events: &[(u64, f64)]) -> &mut Self {
        self.thread(1);
        let mut future = FutureTrace {
            name: name.to_string(),
            kind: FutureKind::Service(Placement::Spawn),
            cost: Some(Duration::ZERO),
            cost_kind: Some(self.config.cost_kind),
            planned_samples: Some(events.len() as u32),
            polls: Vec::new(),
            samples: Vec::new(),
            wake_clamps: 0,
        };
        for (seq, &(start_us, latency_us)) in events.iter().enumerate() {
            let end = (start_us as f64 + latency_us) as u64 * US;
            future.samples.push(Sample::new(
                seq as u32,
                latency_us,
                start_us * US,
                end,
                1,
                None,
            ));
            future
                .polls
                .push(Poll::new(end, end + 1, 1, None, None, false));
        }
        self.futures.push(future);
        self
    }

    /// The run of built-in `scenario`: each future's polls ordered by start
    /// and its last poll marked ready.
    pub(crate) fn result(mut self, scenario: &str) -> RunResult {
        for f in &mut self.futures {
            f.polls.sort_by_key(|p| p.start_ns);
            if let Some(last) = f.polls.last_mut() {
                last.ready = true;
            }
        }
        let threads = (0..self.threads)
            .map(|index| ThreadInfo {
                index,
                os_thread_id: 100 + u64::from(index),
                name: String::new(),
                kind: if index == 0 {
                    ThreadKind::Main
                } else {
                    ThreadKind::Worker
                },
                cpu_time_ns: None,
                runtime_cpu_ns: None,
            })
            .collect();
        RunResult::new(RunTrace {
            info: RunInfo {
                run_id: format!("{scenario}-w{}-cpu500us-r0", self.config.workers),
                scenario: scenario.to_string(),
                origin: Origin::Builtin,
                config: Some(self.config),
                environment: Environment {
                    cores: self.cores,
                    calibration: Some(100.0),
                    versions: Default::default(),
                },
                metrics: RuntimeMetrics::default(),
                poll_cpu_time: false,
                interference: self.interference,
                process_cpu_ns: self.process_cpu_ns,
                started_at: None,
                label: None,
                commit: None,
                claims: Vec::new(),
            },
            futures: self.futures,
            threads,
        })
    }
}

/// Claim `id` judged on `result` among the folder's runs `all`; checks
/// that every verdict but holds comes with a reason.
pub(crate) fn judge(id: &str, result: &RunResult, all: &[RunResult]) -> Judgement {
    let claim = claim(id).expect("a known claim");
    let config = result.trace.info.config.as_ref().unwrap();
    let judgement = (claim.judge)(&Run {
        result,
        config,
        all,
    });
    assert_eq!(
        judgement.verdict == Verdict::Holds,
        judgement.reason.is_empty(),
        "{id}: a reason for every verdict but holds: {judgement:?}"
    );
    judgement
}

/// Claim `id`'s verdict on `result`, the folder's only run.
pub(crate) fn verdict(id: &str, result: &RunResult) -> Verdict {
    judge(id, result, std::slice::from_ref(result)).verdict
}
