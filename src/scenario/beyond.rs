//! The scenarios past the post: other ways to place heavy work, and a
//! future that never yields.

use super::future_names::{BLOCK_IN_PLACE, BOUNDED_BLOCKING, FUT0, FUT1, HOG, RAYON};
use super::params::{builtin_scenario as scenario, heavy_tasks, light};
use super::{FutureSpec, JourneyParams, Placement, Scenario, cores};

/// `fut0`: inline, light; `block_in_place1`..`T`: spawned, each heavy step
/// inside `block_in_place`.
pub(crate) fn block_in_place(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light(FUT0, p)];
    futures.extend(heavy_tasks(BLOCK_IN_PLACE, Placement::BlockInPlace, p));
    scenario("block_in_place", p, futures)
}

/// `fut0`: inline, light; `bounded_blocking1`..`T`: spawn_blocking steps
/// behind a semaphore with one permit per core.
pub(crate) fn bounded_blocking(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light(FUT0, p)];
    futures.extend(heavy_tasks(BOUNDED_BLOCKING, Placement::SpawnBlocking, p));
    let mut s = scenario("bounded_blocking", p, futures);
    s.runtime.blocking_permits = Some(cores());
    s
}

/// `fut0`: inline, light; `rayon1`..`T`: heavy steps on a rayon pool with
/// one thread per core.
pub(crate) fn rayon_pool(p: &JourneyParams) -> Scenario {
    let mut futures = vec![light(FUT0, p)];
    futures.extend(heavy_tasks(RAYON, Placement::Pool, p));
    scenario("rayon_pool", p, futures)
}

/// `fut0`, `fut1`: inline, light; `hog`: inline, heavy, never yields.
pub(crate) fn no_yield(p: &JourneyParams) -> Scenario {
    let mut hog = FutureSpec::new(HOG, Placement::Inline, p.heavy_cost);
    hog.yields = false;
    scenario("no_yield", p, vec![light(FUT0, p), light(FUT1, p), hog])
}
