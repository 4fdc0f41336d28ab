//! The engine: builds a fresh runtime for a scenario, runs its instrumented
//! producers and returns the trace.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, join_all};
use tokio::sync::Semaphore;

use crate::cost::{self, Cost};
use crate::error::{Error, Result};
use crate::probe::{FutureLog, Recording, ThreadKind, clock};
use crate::producer::{Producer, StepEnv};
use crate::resources::{available_memory, check_memory};
use crate::scenario::{Flavor, Placement, Scenario, cores};
use crate::trace::{FutureTrace, Poll, RunInfo, RunTrace, Sample, TokioWorker};

/// Runs `scenario` once (its `repeat`-th run) on a runtime built for it.
///
/// Inline futures (and the async side of `spawn_blocking` and `pool`
/// producers) are joined with `futures::future::join_all` inside the task
/// that `block_on` drives; spawned ones are awaited through their
/// `JoinHandle`s, as in the blog post. Time 0 is the moment the run
/// starts its first future (after every future and its buffers were made).
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
    let run_id = scenario.run_id(repeat);
    let execution = execute(scenario, &run_id, Probe::On)?;
    let recording = execution.recording;
    let calibration = cost::calibration();
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
        tokio_workers: execution.tokio_workers,
        blocking_permits: scenario.runtime.blocking_permits,
        pool_threads: scenario.runtime.effective_pool_threads(),
    };
    let origin = recording.origin();
    let logs = recording.take_logs();
    if logs.len() != scenario.futures.len() {
        return Err(Error::Run {
            run_id,
            message: format!(
                "{} of {} futures reported back",
                logs.len(),
                scenario.futures.len()
            ),
        });
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

/// Whether a run's producers are wrapped by the probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Every producer is instrumented: polls and samples are recorded.
    On,
    /// The same producers, spawned and joined the same way, unwrapped: the
    /// baseline that shows what the probe costs.
    Off,
}

/// Runs `scenario` once with the probe on or off and returns its wall time:
/// from the moment the first future is created to the moment the last one
/// has been joined. The benches compare the two to measure the probe's cost
/// on a whole run.
///
/// ```
/// use pollscope::cost::CostKind;
/// use pollscope::runner::{timed_run, Probe};
/// use pollscope::scenario::{journey, JourneyParams};
///
/// // Sleeps never end early: 2 futures × 10 steps × 100 µs, one after another.
/// let params = JourneyParams { samples: 10, cost_kind: CostKind::Sleep, ..Default::default() };
/// let scenario = journey::two_futures(&params);
/// let on = timed_run(&scenario, Probe::On).unwrap();
/// let off = timed_run(&scenario, Probe::Off).unwrap();
/// assert!(on.as_micros() >= 2_000 && off.as_micros() >= 2_000);
/// ```
pub fn timed_run(scenario: &Scenario, probe: Probe) -> Result<Duration> {
    let execution = execute(scenario, &scenario.run_id(0), probe)?;
    Ok(Duration::from_nanos(clock::ticks_to_ns(
        execution.recording.origin(),
        execution.joined,
    )))
}

/// What a run leaves: the recording and when the last future was joined.
struct Execution {
    recording: Recording,
    joined: clock::Ticks,
    tokio_workers: Vec<TokioWorker>,
}

/// Builds the runtime (and pool) for `scenario`, creates its producers at
/// time 0, spawns or joins them, and waits for all of them.
fn execute(scenario: &Scenario, run_id: &str, probe: Probe) -> Result<Execution> {
    scenario.validate()?;
    check_memory([scenario], available_memory())?;
    let run_error = |message: String| Error::Run {
        run_id: run_id.to_string(),
        message,
    };
    // A panic inside the run (a future, or a thread the OS will not
    // create) becomes an error; the runtime is then shut down without
    // waiting for its threads.
    let panicked = |payload: Box<dyn std::any::Any + Send>| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        run_error(format!("panicked: {message}"))
    };
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

    let runtime = catch_unwind(|| build_runtime(scenario))
        .map_err(panicked)?
        .map_err(|e| run_error(format!("cannot build the runtime: {e}")))?;
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

    let outcome = catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
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
            // Wrap every future (allocating its buffers) before time 0, then
            // start them all.
            let futures: Vec<BoxFuture<'static, ()>> = scenario
                .futures
                .iter()
                .zip(&producers)
                .map(|(spec, producer)| {
                    let body = producer.run(Arc::clone(&env));
                    match probe {
                        Probe::On => recording
                            .instrument(spec.name.clone(), producer.expected_polls(), body)
                            .boxed(),
                        Probe::Off => body.boxed(),
                    }
                })
                .collect();
            recording.restart_clock();
            let mut joined: Vec<BoxFuture<'static, Result<(), String>>> = Vec::new();
            for (spec, future) in scenario.futures.iter().zip(futures) {
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
            let joined = clock::now();
            recording.capture_thread_cpu_times();
            let tokio_workers = TokioWorker::read_all(&tokio::runtime::Handle::current().metrics());
            outcomes
                .into_iter()
                .collect::<Result<(), String>>()
                .map(|()| Execution {
                    recording,
                    joined,
                    tokio_workers,
                })
        })
    }));
    match outcome {
        Ok(outcome) => {
            drop(runtime);
            outcome.map_err(run_error)
        }
        Err(payload) => {
            runtime.shutdown_background();
            Err(panicked(payload))
        }
    }
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
    FutureTrace {
        name: log.name,
        placement: spec.placement,
        cost: spec.cost,
        cost_kind: scenario.cost_kind_of(spec),
        planned_samples: scenario.samples_of(spec),
        // Converted in place: records and trace rows have the same size.
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
