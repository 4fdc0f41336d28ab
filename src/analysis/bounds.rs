//! The least makespan any schedule could reach.

use crate::scenario::{Flavor, Placement};
use crate::trace::{FutureTrace, RunTrace};

/// The lower bound of a run's makespan, ns: the largest of
///
/// * (a) the largest single future's total cost (`cost × samples`): its
///   steps run one after another;
/// * (b) the total cost of the work confined to thread 0: inline futures,
///   and under `current_thread` spawned ones too (steps sent to
///   `spawn_blocking` or a pool leave thread 0 under either flavor);
/// * (c) the total cost divided by the threads that may run it ("lanes":
///   thread 0 if it has work, the workers that may run spawned futures,
///   the blocking threads (capped by `max_blocking_threads` and by the
///   semaphore, if any) and pool threads that may run off-task steps, each
///   capped by the number of futures using them) — and the CPU-using
///   (`cpu`, `spin`) part divided by `min(cores, lanes)`, since `sleep`
///   costs use no core.
///
/// ```
/// use pollscope::scenario::{journey, JourneyParams};
/// use std::time::Duration;
///
/// let params = JourneyParams { samples: 10, ..Default::default() };
/// let mut scenario = journey::spawn_task(&params);
/// scenario.runtime.workers = Some(2);
/// let trace = pollscope::runner::run(&scenario, 0).unwrap();
/// // (a): `spawned` alone costs 10 × 500 µs.
/// assert_eq!(pollscope::analysis::lower_bound_ns(&trace), 5_000_000);
/// ```
pub fn lower_bound_ns(trace: &RunTrace) -> u64 {
    let info = &trace.info;
    let work = |f: &FutureTrace| f.cost.as_nanos() as u64 * u64::from(f.planned_samples);
    let on_thread0 = |f: &FutureTrace| match f.placement {
        Placement::Inline => true,
        Placement::Spawn | Placement::BlockInPlace => info.flavor == Flavor::CurrentThread,
        Placement::SpawnBlocking | Placement::Pool | Placement::Instrumented | Placement::Span => {
            false
        }
    };
    let count =
        |pred: &dyn Fn(&FutureTrace) -> bool| trace.futures.iter().filter(|f| pred(f)).count();

    let largest = trace.futures.iter().map(work).max().unwrap_or(0);
    let thread0: u64 = trace
        .futures
        .iter()
        .filter(|f| on_thread0(f))
        .map(work)
        .sum();

    let spawned_off_thread0 = count(&|f| f.placement.is_spawned() && !on_thread0(f));
    let blocking = count(&|f| f.placement == Placement::SpawnBlocking);
    let pooled = count(&|f| f.placement == Placement::Pool);
    let blocking_cap = info
        .blocking_permits
        .unwrap_or(usize::MAX)
        .min(info.max_blocking_threads);
    let lanes = usize::from(thread0 > 0)
        + spawned_off_thread0.min(info.workers)
        + blocking.min(blocking_cap)
        + pooled.min(info.pool_threads);
    let total: u64 = trace.futures.iter().map(work).sum();
    let cpu_total: u64 = trace
        .futures
        .iter()
        .filter(|f| f.cost_kind.uses_cpu())
        .map(work)
        .sum();
    let spread = if lanes == 0 {
        0
    } else {
        let cpu_lanes = lanes.min(info.cores.max(1)) as u64;
        (total / lanes as u64).max(cpu_total / cpu_lanes)
    };
    largest.max(thread0).max(spread)
}
