//! The run stage: plans the matrix, builds a fresh runtime for each
//! scenario (tokio or smol), runs its instrumented producers and service
//! workloads with their costs, and returns the trace.

pub(crate) mod bench_matrix;
pub(crate) mod cost;
pub(crate) mod executor;
pub(crate) mod interference;
pub(crate) mod matrix;
pub(crate) mod producer;
pub(crate) mod resources;
pub(crate) mod shard;
pub(crate) mod workloads;

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, join_all};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::probe::{Recorded, Recording, ThreadKind, clock};
use crate::run::producer::{Producer, StepEnv, expected_polls};
use crate::run::resources::{available_memory, check_memory};
use crate::run::workloads::Wiring;
use crate::scenario::{Placement, Scenario, Setting, cores};
use crate::trace::{
    Environment, FutureKind, FutureTrace, RunConfig, RunInfo, RunTrace, RuntimeMetrics,
    TokioWorker, Versions,
};
use cost::Cost;
use executor::{BlockOnError, ExecutorHandle};

/// Runs `scenario` once (its `repeat`-th run) on a runtime built for it.
///
/// Inline futures (and the async side of `spawn_blocking` and `pool`
/// producers) are joined with `futures::future::join_all` inside the task
/// that `block_on` drives; spawned ones are awaited through their
/// `JoinHandle`s, as in the blog post. Time 0 is the moment the run
/// starts its first future (after every future and its buffers were made).
///
/// ```
/// use pollscope::{builtin, JourneyParams};
/// use std::time::Duration;
///
/// let params = JourneyParams { samples: 10, heavy_cost: Duration::from_micros(50), ..Default::default() };
/// let trace = pollscope::run(&builtin("many_spawn_blocking", &params).unwrap(), 0).unwrap();
/// assert_eq!(trace.futures.len(), 7);
/// assert_eq!(trace.threads[0].kind, pollscope::ThreadKind::Main);
/// ```
pub fn run(scenario: &Scenario, repeat: u32) -> Result<RunTrace> {
    run_with(scenario, repeat, RunOptions::default())
}

/// How a run records, beyond what its scenario says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Record every poll's on-CPU time too (two reads of the thread's CPU
    /// clock per poll); producer steps always record theirs.
    pub poll_cpu_time: bool,
}

/// [`run`] with `options`.
///
/// ```
/// use pollscope::{run_with, RunOptions};
/// use pollscope::{builtin, JourneyParams};
///
/// let params = JourneyParams { samples: 5, ..Default::default() };
/// let trace = run_with(&builtin("two_futures", &params).unwrap(), 0, RunOptions { poll_cpu_time: true }).unwrap();
/// assert!(trace.info.poll_cpu_time);
/// assert!(trace.futures[0].polls.iter().all(|p| p.cpu_ns().is_some()));
/// assert!(trace.futures[0].samples.iter().all(|s| s.cpu_ns().is_some()));
/// ```
pub fn run_with(scenario: &Scenario, repeat: u32, options: RunOptions) -> Result<RunTrace> {
    let run_id = scenario.run_id(repeat);
    let started_at = crate::common::time::now_rfc3339();
    let execution = execute(scenario, &run_id, Probe::On, options)?;
    let Recorded {
        origin,
        logs,
        threads,
        ..
    } = execution.recorded;
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
        .map(|(spec, log)| FutureTrace {
            cost: Some(spec.cost),
            cost_kind: Some(scenario.cost_kind_of(spec)),
            planned_samples: Some(scenario.samples_of(spec)),
            ..FutureTrace::from_log(
                origin,
                log,
                if spec.role.is_service() {
                    FutureKind::Service(spec.placement)
                } else {
                    FutureKind::Producer(spec.placement)
                },
            )
        })
        .collect();
    let runtime = &scenario.runtime;
    let config = RunConfig {
        flavor: runtime.flavor,
        workers: runtime.effective_workers(),
        max_blocking_threads: runtime.effective_max_blocking_threads(),
        cost_kind: scenario.cost_kind,
        light_cost: scenario.used(Setting::LightCost, scenario.light_cost),
        heavy_cost: scenario.used(Setting::HeavyCost, scenario.heavy_cost),
        samples: scenario.samples,
        tasks: scenario.used(Setting::Tasks, scenario.tasks),
        repeat,
        blocking_permits: runtime.blocking_permits,
        pool_threads: runtime.effective_pool_threads(),
        executor: runtime.executor,
        tokio: runtime.tokio,
    };
    Ok(RunTrace {
        info: RunInfo {
            run_id,
            scenario: scenario.name.clone(),
            origin: scenario.origin,
            config: Some(config),
            environment: Environment {
                cores: cores(),
                calibration: Some(cost::calibration()),
                versions: Versions::current(Some(runtime.executor)),
            },
            metrics: RuntimeMetrics {
                tokio_workers: execution.tokio_workers,
            },
            poll_cpu_time: options.poll_cpu_time,
            interference: execution.measured.interference,
            process_cpu_ns: execution.measured.process_cpu_ns,
            started_at: Some(started_at),
            label: None,
            commit: None,
            claims: scenario.claims.clone(),
        },
        futures,
        threads,
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
/// use pollscope::CostKind;
/// use pollscope::internals::{timed_run, Probe};
/// use pollscope::{builtin, JourneyParams};
///
/// // Sleeps never end early: 2 futures × 10 steps × 100 µs, one after another.
/// let params = JourneyParams { samples: 10, cost_kind: CostKind::Sleep, ..Default::default() };
/// let scenario = builtin("two_futures", &params).unwrap();
/// let on = timed_run(&scenario, Probe::On).unwrap();
/// let off = timed_run(&scenario, Probe::Off).unwrap();
/// assert!(on.as_micros() >= 2_000 && off.as_micros() >= 2_000);
/// ```
pub fn timed_run(scenario: &Scenario, probe: Probe) -> Result<Duration> {
    let execution = execute(scenario, &scenario.run_id(0), probe, RunOptions::default())?;
    Ok(Duration::from_nanos(clock::ticks_to_ns(
        execution.recorded.origin,
        execution.joined,
    )))
}

/// What a run leaves: the recording, when the last future was joined, and
/// what the machine and the process did meanwhile.
struct Execution {
    recorded: Recorded,
    joined: clock::Ticks,
    tokio_workers: Vec<TokioWorker>,
    measured: interference::Measured,
}

/// Builds the runtime (and pool) for `scenario`, creates its producers at
/// time 0, spawns or joins them, and waits for all of them.
fn execute(
    scenario: &Scenario,
    run_id: &str,
    probe: Probe,
    options: RunOptions,
) -> Result<Execution> {
    scenario.validate()?;
    check_memory([scenario], available_memory())?;
    let run_error = |message: String| Error::Run {
        run_id: run_id.to_string(),
        message,
    };
    // A panic inside the run (a future, or a thread the OS will not
    // create) becomes an error; the runtime is then shut down without
    // waiting for its threads.
    let panicked = |payload| run_error(format!("panicked: {}", panic_message(payload)));
    let pool =
        build_pool(scenario).map_err(|e| run_error(format!("cannot build the pool: {e}")))?;
    let owned = Arc::new(scenario.clone());
    let outcome = executor::block_on(scenario, move |handle| {
        async move { drive(&owned, pool, probe, options, handle).await }.boxed()
    });
    match outcome {
        Ok(outcome) => outcome.map_err(run_error),
        Err(BlockOnError::Start(e)) => Err(run_error(format!(
            "cannot start the {} runtime: {e}",
            scenario.runtime.executor
        ))),
        Err(BlockOnError::Panicked(payload)) => Err(panicked(payload)),
    }
}

/// A panic's message, as far as its payload tells.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

/// The dedicated pool of `pool` steps: rayon's.
#[cfg(feature = "rayon")]
pub(crate) type Pool = rayon::ThreadPool;

/// Without the `rayon` feature there is no pool (a scenario with `pool`
/// steps is refused before it starts).
#[cfg(not(feature = "rayon"))]
#[derive(Debug)]
pub(crate) enum Pool {}

#[cfg(not(feature = "rayon"))]
impl Pool {
    pub(crate) fn spawn(&self, _work: impl FnOnce() + Send + 'static) {
        match *self {}
    }
}

/// The dedicated pool for `pool` steps, if the scenario has any.
fn build_pool(scenario: &Scenario) -> std::result::Result<Option<Arc<Pool>>, String> {
    if !scenario
        .futures
        .iter()
        .any(|f| f.placement == Placement::Pool)
    {
        return Ok(None);
    }
    #[cfg(feature = "rayon")]
    {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(scenario.runtime.effective_pool_threads())
            .thread_name(|i| format!("pollscope-pool-{i}"))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Some(Arc::new(pool)))
    }
    #[cfg(not(feature = "rayon"))]
    Err("pollscope was built without its `rayon` feature, which `pool` steps need".to_string())
}

/// Inside the runtime: makes every producer (wrapped by the probe when
/// it is on, its buffers allocated) before time 0, then starts them all —
/// spawned ones through `tokio::spawn`, the rest joined here — and waits.
async fn drive(
    scenario: &Scenario,
    pool: Option<Arc<Pool>>,
    probe: Probe,
    options: RunOptions,
    executor: ExecutorHandle,
) -> std::result::Result<Execution, String> {
    let recording = Recording::with_poll_cpu_time(options.poll_cpu_time);
    recording.thread_index(ThreadKind::Main);
    let env = Arc::new(StepEnv {
        recording: recording.clone(),
        executor: executor.clone(),
        blocking_permits: scenario
            .runtime
            .blocking_permits
            .map(|n| Arc::new(Semaphore::new(n))),
        pool,
    });
    let mut wiring = Wiring::for_scenario(scenario, &executor)
        .await
        .map_err(|e| format!("cannot open a loopback socket: {e}"))?;
    let futures: Vec<BoxFuture<'static, ()>> = scenario
        .futures
        .iter()
        .map(|spec| {
            let cost = Cost::new(scenario.cost_kind_of(spec), spec.cost);
            let samples = scenario.samples_of(spec);
            let body = if spec.role.is_service() {
                wiring.body(spec, samples, cost)
            } else {
                let producer = Producer {
                    placement: spec.placement,
                    cost,
                    samples,
                    yields: spec.yields,
                };
                producer.run(Arc::clone(&env)).boxed()
            };
            match probe {
                Probe::On => recording
                    .instrument(spec.name.clone(), expected_polls(spec, samples), body)
                    .boxed(),
                Probe::Off => body,
            }
        })
        .collect();
    // The interval the interference is measured over: from just before
    // time 0 to just after the threads' CPU times are read (so that reading
    // /proc/stat is no CPU of the run's threads).
    let started = interference::Snapshot::now();
    recording.restart_clock();
    let mut joined: Vec<BoxFuture<'static, std::result::Result<(), String>>> = Vec::new();
    for (spec, future) in scenario.futures.iter().zip(futures) {
        if spec.placement.is_spawned() {
            joined.push(executor.spawn(spec.name.clone(), future));
        } else {
            joined.push(future.map(Ok).boxed());
        }
    }
    let outcomes = join_all(joined).await;
    let joined = clock::now();
    let recorded = recording.finish();
    let measured = interference::between(&started, &interference::Snapshot::now());
    let tokio_workers = executor.worker_metrics();
    outcomes
        .into_iter()
        .collect::<std::result::Result<(), String>>()?;
    Ok(Execution {
        recorded,
        joined,
        tokio_workers,
        measured,
    })
}
