//! The built-in scenarios: the blog post's five and the alternatives past it.

use std::time::Duration;

use crate::cost::CostKind;

use super::{FutureSpec, Origin, Placement, RuntimeSpec, Scenario, cores, services};

/// The knobs of the built-in scenarios.
#[derive(Clone, Debug, PartialEq)]
pub struct JourneyParams {
    /// Steps per future (default 500).
    pub samples: u32,
    /// Cost of a light step (default 100 µs).
    pub light_cost: Duration,
    /// Cost of a heavy step (default 500 µs).
    pub heavy_cost: Duration,
    /// Heavy tasks `T` of the `many_*` scenarios (default 6).
    pub tasks: u32,
    /// How costs are spent (default `cpu`).
    pub cost_kind: CostKind,
    /// The threads that will run tasks (workers; 1 for current_thread):
    /// the service workloads start as many hogs (default: one per core).
    pub task_threads: Option<usize>,
}

impl Default for JourneyParams {
    fn default() -> Self {
        Self {
            samples: 500,
            light_cost: Duration::from_micros(100),
            heavy_cost: Duration::from_micros(500),
            tasks: 6,
            cost_kind: CostKind::Cpu,
            task_threads: None,
        }
    }
}

/// A built-in scenario: its name, its one-line description, its builder
/// and the claims its runs are judged by (ids of
/// [`crate::findings::CLAIMS`]).
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// The scenario's name.
    pub name: &'static str,
    /// What it shows.
    pub description: &'static str,
    /// Builds it for the given knobs.
    pub build: fn(&JourneyParams) -> Scenario,
    /// The ids of the claims it makes, in report order.
    pub claims: &'static [&'static str],
}

/// The claim every built-in scenario makes under current_thread.
const ONE_THREAD: &str = "current_thread.one_thread";

/// Every built-in scenario, the journey's five first.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "two_futures",
        description: "two futures joined in one task alternate: concurrency, not parallelism",
        build: two_futures,
        claims: &["two_futures.alternate", ONE_THREAD],
    },
    Builtin {
        name: "cpu_intensive",
        description: "one heavy future holds the task; the light ones finish as late as it does",
        build: cpu_intensive,
        claims: &["cpu_intensive.holds_task", ONE_THREAD],
    },
    Builtin {
        name: "spawn_task",
        description: "a spawned task runs in parallel on a worker; the light futures speed up",
        build: spawn_task,
        claims: &["spawn_task.restores", ONE_THREAD],
    },
    Builtin {
        name: "many_spawn_task",
        description: "more heavy tasks than workers: tasks wait for a worker and migrate",
        build: many_spawn_task,
        claims: &[
            "many_spawn_task.tasks_wait",
            "many_spawn_task.migrate",
            "many_spawn_task.fut0_not_slowed",
            ONE_THREAD,
        ],
    },
    Builtin {
        name: "many_spawn_blocking",
        description: "the blocking pool gives each step a thread, but not a core",
        build: many_spawn_blocking,
        claims: &["many_spawn_blocking.thread_not_core", ONE_THREAD],
    },
    Builtin {
        name: "block_in_place",
        description: "heavy steps via block_in_place in spawned tasks: the worker hands its queue to another thread",
        build: block_in_place,
        claims: &["block_in_place.hands_off"],
    },
    Builtin {
        name: "bounded_blocking",
        description: "spawn_blocking behind a semaphore sized to the cores: no more blocking threads than cores",
        build: bounded_blocking,
        claims: &["bounded_blocking.one_per_core", ONE_THREAD],
    },
    Builtin {
        name: "rayon_pool",
        description: "heavy steps on a dedicated rayon pool, results back through a oneshot",
        build: rayon_pool,
        claims: &["rayon_pool.pool_bounded", ONE_THREAD],
    },
    Builtin {
        name: "tcp_echo",
        description: "a loopback echo server: T clients send requests, a handler task per connection answers; samples are round trips",
        build: services::tcp_echo,
        claims: &["tcp_echo.round_trips"],
    },
    Builtin {
        name: "timers",
        description: "T tasks sleep 1 ms again and again beside a hog per worker; samples are each wake's lateness",
        build: services::timers,
        claims: &["timers.lateness"],
    },
    Builtin {
        name: "channel_pipeline",
        description: "source → T stages → sink over bounded channels; samples are each item's end-to-end latency",
        build: services::channel_pipeline,
        claims: &["channel_pipeline.in_order"],
    },
    Builtin {
        name: "mutex_contention",
        description: "T tasks take turns on one async mutex, holding it for the light cost; samples are each wait",
        build: services::mutex_contention,
        claims: &["mutex_contention.waits"],
    },
    Builtin {
        name: "starvation",
        description: "a 1 ms ticker beside hogs that never yield; samples are each tick's lateness",
        build: services::starvation,
        claims: &["starvation.ticker_starved"],
    },
    Builtin {
        name: "no_yield",
        description: "a heavy future that never yields beside light ones: what starvation looks like",
        build: no_yield,
        claims: &["no_yield.starves", ONE_THREAD],
    },
];

/// The journey's five scenarios, the default of `pollscope run`.
pub const JOURNEY: [&str; 5] = [
    "two_futures",
    "cpu_intensive",
    "spawn_task",
    "many_spawn_task",
    "many_spawn_blocking",
];

/// The built-in scenario called `name`'s entry, if there is one.
pub(crate) fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The built-in scenario called `name`, if there is one.
///
/// ```
/// use pollscope::{builtin, JourneyParams};
/// let s = builtin("spawn_task", &JourneyParams::default()).unwrap();
/// assert_eq!(s.futures.len(), 3);
/// assert!(builtin("nope", &JourneyParams::default()).is_none());
/// ```
pub fn builtin(name: &str, params: &JourneyParams) -> Option<Scenario> {
    BUILTINS
        .iter()
        .find(|b| b.name == name)
        .map(|b| (b.build)(params))
}

pub(super) fn scenario(name: &str, params: &JourneyParams, futures: Vec<FutureSpec>) -> Scenario {
    let description = BUILTINS
        .iter()
        .find(|b| b.name == name)
        .map_or("", |b| b.description);
    Scenario {
        name: name.to_string(),
        description: description.to_string(),
        origin: Origin::Builtin,
        runtime: RuntimeSpec::default(),
        cost_kind: params.cost_kind,
        samples: params.samples,
        light_cost: Some(params.light_cost),
        heavy_cost: Some(params.heavy_cost),
        tasks: Some(params.tasks),
        futures,
    }
}

fn light(name: &str, p: &JourneyParams) -> FutureSpec {
    FutureSpec::new(name, Placement::Inline, p.light_cost)
}

fn heavy_tasks(prefix: &str, placement: Placement, p: &JourneyParams) -> Vec<FutureSpec> {
    (1..=p.tasks)
        .map(|i| FutureSpec::new(format!("{prefix}{i}"), placement, p.heavy_cost))
        .collect()
}

/// `fut0`, `fut1`: inline, light.
pub(crate) fn two_futures(p: &JourneyParams) -> Scenario {
    scenario("two_futures", p, vec![light("fut0", p), light("fut1", p)])
}

/// `fut0`, `fut1`: inline, light; `high_cpu`: inline, heavy.
pub(crate) fn cpu_intensive(p: &JourneyParams) -> Scenario {
    let futures = vec![
        light("fut0", p),
        light("fut1", p),
        FutureSpec::new("high_cpu", Placement::Inline, p.heavy_cost),
    ];
    scenario("cpu_intensive", p, futures)
}

/// `fut0`, `fut1`: inline, light; `spawned`: spawn, heavy.
pub(crate) fn spawn_task(p: &JourneyParams) -> Scenario {
    let futures = vec![
        light("fut0", p),
        light("fut1", p),
        FutureSpec::new("spawned", Placement::Spawn, p.heavy_cost),
    ];
    scenario("spawn_task", p, futures)
}

/// `fut0`: inline, light; `spawned1`..`spawnedT`: spawn, heavy.
pub(crate) fn many_spawn_task(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light("fut0", p)];
    futures.extend(heavy_tasks("spawned", Placement::Spawn, p));
    scenario("many_spawn_task", p, futures)
}

/// `fut0`: inline, light; `spawn_blocking1`..`T`: each step inside
/// `spawn_blocking`, heavy.
pub(crate) fn many_spawn_blocking(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light("fut0", p)];
    futures.extend(heavy_tasks("spawn_blocking", Placement::SpawnBlocking, p));
    scenario("many_spawn_blocking", p, futures)
}

/// `fut0`: inline, light; `block_in_place1`..`T`: spawned, each heavy step
/// inside `block_in_place`.
pub(crate) fn block_in_place(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light("fut0", p)];
    futures.extend(heavy_tasks("block_in_place", Placement::BlockInPlace, p));
    scenario("block_in_place", p, futures)
}

/// `fut0`: inline, light; `bounded_blocking1`..`T`: spawn_blocking steps
/// behind a semaphore with one permit per core.
pub(crate) fn bounded_blocking(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light("fut0", p)];
    futures.extend(heavy_tasks("bounded_blocking", Placement::SpawnBlocking, p));
    let mut s = scenario("bounded_blocking", p, futures);
    s.runtime.blocking_permits = Some(cores());
    s
}

/// `fut0`: inline, light; `rayon1`..`T`: heavy steps on a rayon pool with
/// one thread per core.
pub(crate) fn rayon_pool(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light("fut0", p)];
    futures.extend(heavy_tasks("rayon", Placement::Pool, p));
    scenario("rayon_pool", p, futures)
}

/// `fut0`, `fut1`: inline, light; `hog`: inline, heavy, never yields.
pub(crate) fn no_yield(p: &JourneyParams) -> Scenario {
    let mut hog = FutureSpec::new("hog", Placement::Inline, p.heavy_cost);
    hog.yields = false;
    scenario("no_yield", p, vec![light("fut0", p), light("fut1", p), hog])
}
