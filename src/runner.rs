//! The engine: builds a fresh runtime for a scenario, runs its instrumented
//! producers and returns the trace.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::{BoxFuture, join_all};
use tokio::sync::Semaphore;

use crate::cost::{self, Cost};
use crate::error::{Error, Result};
use crate::probe::{FutureLog, Recording, ThreadKind, clock};
use crate::producer::{Producer, StepEnv};
use crate::scenario::{Flavor, Placement, Scenario, cores};
use crate::trace::{FutureTrace, Poll, RunInfo, RunTrace, Sample};

/// Runs `scenario` once (its `repeat`-th run) on a runtime built for it.
///
/// Inline futures (and the async side of `spawn_blocking` and `pool`
/// producers) are joined with `futures::future::join_all` inside the task
/// that `block_on` drives; spawned ones are awaited through their
/// `JoinHandle`s, as in the blog post. Time 0 is the moment the first
/// future is created.
///
/// ```
/// use pollscope::scenario::{journey, JourneyParams};
/// use std::time::Duration;
///
/// let params = JourneyParams { samples: 10, heavy_cost: Duration::from_micros(50), ..Default::default() };
/// let trace = pollscope::runner::run(&journey::many_spawn_blocking(&params), 0).unwrap();
/// assert_eq!(trace.futures.len(), 7);
/// assert_eq!(trace.threads[0].kind, pollscope::probe::ThreadKind::Main);
/// ```
pub fn run(scenario: &Scenario, repeat: u32) -> Result<RunTrace> {
    scenario.validate()?;
    let run_id = scenario.run_id(repeat);
    let run_error = |message: String| Error::Run {
        run_id: run_id.clone(),
        message,
    };
    let calibration = cost::calibration();
    let producers: Vec<Producer> = scenario
        .futures
        .iter()
        .map(|spec| Producer {
            placement: spec.placement,
            cost: Cost::new(scenario.cost_kind_of(spec), spec.cost),
            samples: scenario.samples_of(spec),
            yields: spec.yields,
        })
        .collect();

    let runtime =
        build_runtime(scenario).map_err(|e| run_error(format!("cannot build the runtime: {e}")))?;
    let pool = if scenario
        .futures
        .iter()
        .any(|f| f.placement == Placement::Pool)
    {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(scenario.runtime.effective_pool_threads())
            .thread_name(|i| format!("pollscope-pool-{i}"))
            .build()
            .map_err(|e| run_error(format!("cannot build the pool: {e}")))?;
        Some(Arc::new(pool))
    } else {
        None
    };

    let recording = runtime.block_on(async {
        let recording = Recording::new();
        recording.thread_index(ThreadKind::Main);
        let env = Arc::new(StepEnv {
            recording: recording.clone(),
            blocking_permits: scenario
                .runtime
                .blocking_permits
                .map(|n| Arc::new(Semaphore::new(n))),
            pool,
        });
        let mut joined: Vec<BoxFuture<'static, Result<(), String>>> = Vec::new();
        for (spec, producer) in scenario.futures.iter().zip(&producers) {
            let capacity = producer.samples as usize;
            let future =
                recording.instrument(spec.name.clone(), capacity, producer.run(Arc::clone(&env)));
            if spec.placement.is_spawned() {
                let handle = tokio::spawn(future);
                let name = spec.name.clone();
                joined.push(
                    async move { handle.await.map_err(|e| format!("task {name} failed: {e}")) }
                        .boxed(),
                );
            } else {
                joined.push(future.map(Ok).boxed());
            }
        }
        let outcomes = join_all(joined).await;
        outcomes
            .into_iter()
            .collect::<Result<(), String>>()
            .map(|()| recording)
    });
    drop(runtime);
    let recording = recording.map_err(run_error)?;

    let info = RunInfo {
        run_id: run_id.clone(),
        scenario: scenario.name.clone(),
        flavor: scenario.runtime.flavor,
        workers: scenario.runtime.effective_workers(),
        max_blocking_threads: scenario.runtime.effective_max_blocking_threads(),
        cost_kind: scenario.cost_kind,
        light_cost: scenario.light_cost,
        heavy_cost: scenario.heavy_cost,
        samples: scenario.samples,
        tasks: scenario.tasks,
        repeat,
        cores: cores(),
        calibration,
        blocking_permits: scenario.runtime.blocking_permits,
        pool_threads: scenario.runtime.effective_pool_threads(),
    };
    let origin = recording.origin();
    let logs = recording.take_logs();
    if logs.len() != scenario.futures.len() {
        return Err(run_error(format!(
            "{} of {} futures reported back",
            logs.len(),
            scenario.futures.len()
        )));
    }
    let futures = scenario
        .futures
        .iter()
        .zip(logs)
        .map(|(spec, log)| future_trace(origin, scenario, spec, log))
        .collect();
    Ok(RunTrace {
        info,
        futures,
        threads: recording.threads(),
    })
}

fn build_runtime(scenario: &Scenario) -> std::io::Result<tokio::runtime::Runtime> {
    let spec = &scenario.runtime;
    let mut builder = match spec.flavor {
        Flavor::MultiThread => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(spec.effective_workers());
            builder
        }
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
    };
    builder.max_blocking_threads(spec.effective_max_blocking_threads());
    builder.enable_time().build()
}

/// Converts one future's log from clock ticks to ns since `origin`.
fn future_trace(
    origin: clock::Ticks,
    scenario: &Scenario,
    spec: &crate::scenario::FutureSpec,
    log: FutureLog,
) -> FutureTrace {
    let ns = |ticks| clock::ticks_to_ns(origin, ticks);
    FutureTrace {
        name: log.name,
        placement: spec.placement,
        cost: spec.cost,
        cost_kind: scenario.cost_kind_of(spec),
        planned_samples: scenario.samples_of(spec),
        polls: log
            .polls
            .iter()
            .map(|p| Poll {
                start_ns: ns(p.start),
                end_ns: ns(p.end),
                thread: p.thread,
                woken_ns: (p.woken != 0).then(|| ns(p.woken)),
                ready: p.ready,
            })
            .collect(),
        samples: log
            .samples
            .iter()
            .map(|s| Sample {
                seq: s.seq,
                value: s.value,
                start_ns: ns(s.start),
                end_ns: ns(s.end),
                thread: s.thread,
            })
            .collect(),
    }
}
