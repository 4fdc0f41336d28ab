//! The blog post's five scenarios.

use super::future_names::{FUT0, FUT1, HIGH_CPU, SPAWN_BLOCKING, SPAWNED};
use super::params::{builtin_scenario as scenario, heavy_tasks, light};
use super::{FutureSpec, JourneyParams, Placement, Scenario};

/// `fut0`, `fut1`: inline, light.
pub(crate) fn two_futures(p: &JourneyParams) -> Scenario {
    scenario("two_futures", p, vec![light(FUT0, p), light(FUT1, p)])
}

/// `fut0`, `fut1`: inline, light; `high_cpu`: inline, heavy.
pub(crate) fn cpu_intensive(p: &JourneyParams) -> Scenario {
    let futures = vec![
        light(FUT0, p),
        light(FUT1, p),
        FutureSpec::new(HIGH_CPU, Placement::Inline, p.heavy_cost),
    ];
    scenario("cpu_intensive", p, futures)
}

/// `fut0`, `fut1`: inline, light; `spawned`: spawn, heavy.
pub(crate) fn spawn_task(p: &JourneyParams) -> Scenario {
    let futures = vec![
        light(FUT0, p),
        light(FUT1, p),
        FutureSpec::new(SPAWNED, Placement::Spawn, p.heavy_cost),
    ];
    scenario("spawn_task", p, futures)
}

/// `fut0`: inline, light; `spawned1`..`spawnedT`: spawn, heavy.
pub(crate) fn many_spawn_task(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light(FUT0, p)];
    futures.extend(heavy_tasks(SPAWNED, Placement::Spawn, p));
    scenario("many_spawn_task", p, futures)
}

/// `fut0`: inline, light; `spawn_blocking1`..`T`: each step inside
/// `spawn_blocking`, heavy.
pub(crate) fn many_spawn_blocking(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light(FUT0, p)];
    futures.extend(heavy_tasks(SPAWN_BLOCKING, Placement::SpawnBlocking, p));
    scenario("many_spawn_blocking", p, futures)
}
