//! The least makespan any schedule could reach.

use crate::scenario::CostKind;
use crate::scenario::{Flavor, Placement};
use crate::trace::{FutureTrace, RunTrace};

/// Work that only some threads may run, and how many of them may.
struct Group {
    /// Total cost, ns.
    work: u64,
    /// The part spent on a core (`cpu`, `spin`), ns.
    cpu_work: u64,
    /// Threads that may run it at once.
    lanes: usize,
}

impl Group {
    /// The least time `lanes` threads on `cores` cores need for the group.
    fn bound(&self, cores: usize) -> u64 {
        if self.lanes == 0 {
            return 0;
        }
        let cpu_lanes = self.lanes.min(cores.max(1)) as u64;
        (self.work / self.lanes as u64).max(self.cpu_work / cpu_lanes)
    }
}

/// The lower bound of a run's makespan, ns: the largest of
///
/// * (a) the largest single future's total cost (`cost × samples`): its
///   steps run one after another;
/// * (b) the total cost of the work confined to thread 0: inline futures,
///   and under `current_thread` spawned ones too (steps sent to
///   `spawn_blocking` or a pool leave thread 0 under either flavor);
/// * (c) the total cost divided by the threads that may run it, with the
///   CPU-using part (`cpu`, `spin`) divided by `min(cores, those threads)`
///   since `sleep` costs use no core — for each group of work confined to
///   some threads (spawned tasks: the workers; `block_in_place` tasks: the
///   workers plus the blocking threads that take over; `spawn_blocking`
///   steps: the blocking pool, capped by `max_blocking_threads` and the
///   semaphore; pool steps: the pool), each capped by the number of futures
///   in the group since a future's steps are sequential, and for the whole
///   run over all those threads together.
///
/// ```
/// use pollscope::{builtin, JourneyParams};
/// use std::time::Duration;
///
/// let params = JourneyParams { samples: 10, ..Default::default() };
/// let mut scenario = builtin("spawn_task", &params).unwrap();
/// scenario.runtime.workers = Some(2);
/// let trace = pollscope::run(&scenario, 0).unwrap();
/// // (a): `spawned` alone costs 10 × 500 µs.
/// assert_eq!(pollscope::lower_bound_ns(&trace), Some(5_000_000));
///
/// // (c) for the spawned group: six tasks of 10 × 500 µs on one worker.
/// let mut scenario = builtin("many_spawn_task", &params).unwrap();
/// scenario.runtime.workers = Some(1);
/// let trace = pollscope::run(&scenario, 0).unwrap();
/// assert_eq!(pollscope::lower_bound_ns(&trace), Some(30_000_000));
/// ```
///
/// `None` for a run without a configuration (a library session: its costs
/// and runtime are not pollscope's to know), and for a service workload:
/// its time goes to waits (sockets, timers, channels, a lock) that no
/// bound on work covers.
pub fn lower_bound_ns(trace: &RunTrace) -> Option<u64> {
    let info = &trace.info;
    let config = info.config.as_ref()?;
    if trace.futures.iter().any(|f| f.kind.is_service()) {
        return None;
    }
    let work = FutureTrace::planned_work_ns;
    let current_thread = config.flavor == Flavor::CurrentThread;
    let blocking_cap = config
        .blocking_permits
        .unwrap_or(usize::MAX)
        .min(config.max_blocking_threads);
    let group = |member: &dyn Fn(&FutureTrace) -> bool, cap: usize| {
        let members: Vec<&FutureTrace> = trace.futures.iter().filter(|f| member(f)).collect();
        Group {
            work: members.iter().map(|f| work(f)).fold(0, u64::saturating_add),
            cpu_work: members
                .iter()
                .filter(|f| f.cost_kind.is_some_and(CostKind::uses_cpu))
                .map(|f| work(f))
                .fold(0, u64::saturating_add),
            lanes: if members.iter().any(|f| work(f) > 0) {
                members.len().min(cap)
            } else {
                0
            },
        }
    };
    let spawned = |f: &FutureTrace| {
        matches!(
            f.placement(),
            Some(Placement::Spawn | Placement::BlockInPlace)
        )
    };
    let groups = [
        // Thread 0: (b).
        group(
            &|f| f.placement() == Some(Placement::Inline) || (current_thread && spawned(f)),
            1,
        ),
        group(
            &|f| !current_thread && f.placement() == Some(Placement::Spawn),
            config.workers,
        ),
        group(
            &|f| !current_thread && f.placement() == Some(Placement::BlockInPlace),
            config.workers.saturating_add(config.max_blocking_threads),
        ),
        group(
            &|f| f.placement() == Some(Placement::SpawnBlocking),
            blocking_cap,
        ),
        group(
            &|f| f.placement() == Some(Placement::Pool),
            config.pool_threads,
        ),
    ];
    let whole = Group {
        work: groups.iter().map(|g| g.work).fold(0, u64::saturating_add),
        cpu_work: groups
            .iter()
            .map(|g| g.cpu_work)
            .fold(0, u64::saturating_add),
        lanes: groups
            .iter()
            .map(|g| g.lanes)
            .fold(0, usize::saturating_add),
    };
    let largest = trace.futures.iter().map(work).max().unwrap_or(0);
    Some(
        groups
            .iter()
            .chain([&whole])
            .map(|g| g.bound(info.environment.cores))
            .fold(largest, u64::max),
    )
}
