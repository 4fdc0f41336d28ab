//! Claims of the scenarios past the post, and what current_thread changes.

use super::intervals::{max_concurrency, median};
use super::journey::spans;
use super::{Finding, Verdict};
use crate::cost::CostKind;
use crate::duration::human_ns;
use crate::export::RunResult;
use crate::probe::ThreadKind;
use crate::scenario::{Flavor, Placement};
use crate::trace::{FutureTrace, RunInfo};

const HANDS_OFF: &str = "block_in_place runs heavy steps on worker threads and hands the worker's queue to a new thread";
const BOUNDED: &str =
    "a semaphore sized to the cores keeps blocking steps to one per core, so each gets a core";
const POOL: &str =
    "a dedicated pool runs heavy steps on its own threads, at most one per pool thread";
const STARVES: &str = "a future that never yields starves the futures beside it for its whole run";
const ONE_THREAD: &str =
    "current_thread: every poll of every future runs on the block_on thread (thread 0)";

fn kind_of(r: &RunResult, thread: u16) -> Option<ThreadKind> {
    r.trace.threads.get(usize::from(thread)).map(|t| t.kind)
}

fn futures_placed(r: &RunResult, placement: Placement) -> Vec<&FutureTrace> {
    r.trace
        .futures
        .iter()
        .filter(|f| f.placement == placement)
        .collect()
}

/// Median step duration over nominal, of `futures`' samples.
fn stretch(futures: &[&FutureTrace], info: &RunInfo) -> (u64, f64) {
    let mut steps: Vec<u64> = futures
        .iter()
        .flat_map(|f| f.samples.iter().map(|s| s.duration_ns()))
        .collect();
    let step = median(&mut steps);
    (step, step as f64 / info.heavy_cost.as_nanos().max(1) as f64)
}

fn step_spans(futures: &[&FutureTrace]) -> Vec<(u64, u64)> {
    futures
        .iter()
        .flat_map(|f| f.samples.iter().map(|s| (s.start_ns, s.end_ns)))
        .collect()
}

pub(super) fn check(r: &RunResult) -> Vec<Finding> {
    let mut out = Vec::new();
    let info = &r.trace.info;
    match info.scenario.as_str() {
        "block_in_place" => out.extend(block_in_place(r)),
        "bounded_blocking" => out.extend(bounded_blocking(r)),
        "rayon_pool" => out.extend(rayon_pool(r)),
        "no_yield" => out.extend(no_yield(r)),
        _ => {}
    }
    if info.flavor == Flavor::CurrentThread {
        let off_thread0 = r
            .trace
            .futures
            .iter()
            .flat_map(|f| f.polls.iter())
            .filter(|p| p.thread != 0)
            .count();
        let polls: usize = r.trace.futures.iter().map(|f| f.polls.len()).sum();
        out.push(Finding::new(
            info,
            ONE_THREAD,
            Verdict::of(off_thread0 == 0),
            format!(
                "{off_thread0} of {polls} polls ran off thread 0; spawned tasks interleave with the inline futures instead of running beside them (makespan {}, efficiency {:.2})",
                human_ns(r.analysis.makespan_ns),
                r.analysis.efficiency
            ),
        ));
    }
    out
}

/// Every step on a thread of kind worker, and more distinct worker threads
/// than workers (the runtime brought in threads to take over queues).
fn block_in_place(r: &RunResult) -> Option<Finding> {
    let info = &r.trace.info;
    let futures = futures_placed(r, Placement::BlockInPlace);
    let on_workers = futures
        .iter()
        .flat_map(|f| f.samples.iter())
        .all(|s| kind_of(r, s.thread) == Some(ThreadKind::Worker));
    let worker_threads = r
        .trace
        .threads
        .iter()
        .filter(|t| t.kind == ThreadKind::Worker)
        .count();
    let (step, stretch) = stretch(&futures, info);
    Some(Finding::new(
        info,
        HANDS_OFF,
        Verdict::of(on_workers && worker_threads > info.workers),
        format!(
            "steps on worker threads: {}; {worker_threads} distinct worker threads for {} workers; median step {} ({stretch:.2} × nominal)",
            if on_workers { "all" } else { "not all" },
            info.workers,
            human_ns(step)
        ),
    ))
}

/// At most `permits` steps at a time, and (with cpu cost, permits ≤ cores)
/// the median step within 1.2 × nominal.
fn bounded_blocking(r: &RunResult) -> Option<Finding> {
    let info = &r.trace.info;
    let permits = info.blocking_permits?;
    let futures = futures_placed(r, Placement::SpawnBlocking);
    let concurrent = max_concurrency(&step_spans(&futures));
    let (step, stretch) = stretch(&futures, info);
    let cpu_bound = info.cost_kind == CostKind::Cpu && permits <= info.cores;
    Some(Finding::new(
        info,
        BOUNDED,
        Verdict::of(concurrent <= permits && (!cpu_bound || stretch <= 1.2)),
        format!(
            "at most {concurrent} steps at once for {permits} permits; median step {} ({stretch:.2} × nominal){}",
            human_ns(step),
            if cpu_bound {
                ""
            } else {
                " (stretch not judged: not a cpu cost within the cores)"
            }
        ),
    ))
}

/// Steps only on pool threads, at most `pool_threads` at once, median step
/// within 1.2 × nominal for cpu cost when the pool fits the cores.
fn rayon_pool(r: &RunResult) -> Option<Finding> {
    let info = &r.trace.info;
    let futures = futures_placed(r, Placement::Pool);
    let on_pool = futures
        .iter()
        .flat_map(|f| f.samples.iter())
        .all(|s| kind_of(r, s.thread) == Some(ThreadKind::Pool));
    let concurrent = max_concurrency(&step_spans(&futures));
    let (step, stretch) = stretch(&futures, info);
    let cpu_bound = info.cost_kind == CostKind::Cpu && info.pool_threads <= info.cores;
    Some(Finding::new(
        info,
        POOL,
        Verdict::of(on_pool && concurrent <= info.pool_threads && (!cpu_bound || stretch <= 1.2)),
        format!(
            "steps on pool threads: {}; at most {concurrent} at once for {} pool threads; median step {} ({stretch:.2} × nominal)",
            if on_pool { "all" } else { "not all" },
            info.pool_threads,
            human_ns(step)
        ),
    ))
}

/// The hog completes in one poll, and fut0's longest wait between two
/// samples is at least 0.9 × the hog's total cost.
fn no_yield(r: &RunResult) -> Option<Finding> {
    let info = &r.trace.info;
    let hog = r.trace.future("hog")?;
    let fut0 = r.trace.future("fut0")?;
    let hog_cost = u64::try_from(hog.cost.as_nanos())
        .unwrap_or(u64::MAX)
        .saturating_mul(u64::from(hog.planned_samples));
    let longest_wait = fut0
        .samples
        .windows(2)
        .map(|w| w[1].start_ns.saturating_sub(w[0].end_ns))
        .max()
        .unwrap_or(0);
    let hog_spans = spans(hog);
    Some(Finding::new(
        info,
        STARVES,
        Verdict::of(hog.polls.len() == 1 && longest_wait as f64 >= 0.9 * hog_cost as f64),
        format!(
            "hog ran all {} steps in {} poll(s) lasting {}; fut0 waited up to {} between two samples (the hog's total cost is {})",
            hog.samples.len(),
            hog.polls.len(),
            human_ns(
                hog_spans
                    .iter()
                    .map(|(s, e)| e.saturating_sub(*s))
                    .fold(0, u64::saturating_add)
            ),
            human_ns(longest_wait),
            human_ns(hog_cost)
        ),
    ))
}
