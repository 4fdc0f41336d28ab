//! The blog post's five claims.

use super::intervals::{median, overlap, quantile};
use super::{Finding, Verdict};
use crate::cost::CostKind;
use crate::duration::human_ns;
use crate::export::RunResult;
use crate::probe::ThreadKind;
use crate::scenario::{Flavor, Placement};
use crate::trace::{FutureTrace, RunInfo};

const CONCURRENCY: &str =
    "concurrency, not parallelism: fut0 and fut1 never poll at the same time, and they alternate";
const HOLDS_THE_TASK: &str = "one heavy future holds the task: fut0 and fut1 complete within 10 % of high_cpu, waiting about the heavy cost between samples";
const SPAWN_RESTORES: &str = "spawning restores the light futures: they complete much sooner than in cpu_intensive, while the spawned task runs in parallel";
const TASKS_WAIT: &str = "more heavy tasks than workers: spawned tasks wait (p99 scheduling delay ≥ the heavy cost) and move between workers; fut0 is not slowed";
const THREAD_NOT_CORE: &str = "spawn_blocking gives each step a thread (≥ T blocking threads) but not a core: with cpu cost and T > cores each step cycle takes longer than its cost; with sleep it does not";

pub(super) fn spans(f: &FutureTrace) -> Vec<(u64, u64)> {
    f.polls.iter().map(|p| (p.start_ns, p.end_ns)).collect()
}

/// ns, or 0 for a missing future.
fn done(result: &RunResult, name: &str) -> u64 {
    result
        .analysis
        .future(name)
        .and_then(|f| f.completed_ns)
        .unwrap_or(0)
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The claims that apply to `result` (`all` is the whole folder, for claims
/// that compare two scenarios).
pub(super) fn check(result: &RunResult, all: &[RunResult]) -> Vec<Finding> {
    match result.trace.info.scenario.as_str() {
        "two_futures" => two_futures(result),
        "cpu_intensive" => cpu_intensive(result),
        "spawn_task" => spawn_task(result, all),
        "many_spawn_task" => many_spawn_task(result),
        "many_spawn_blocking" => many_spawn_blocking(result),
        _ => None,
    }
    .into_iter()
    .collect()
}

/// Claim 1: no overlap between fut0's and fut1's polls, and ≥ 90 % of
/// consecutive samples (by start time) switch future.
fn two_futures(r: &RunResult) -> Option<Finding> {
    let t = &r.trace;
    let (a, b) = (t.future("fut0")?, t.future("fut1")?);
    let (overlaps, overlap_ns) = overlap(&spans(a), &spans(b));
    let mut order: Vec<(u64, u8)> = a
        .samples
        .iter()
        .map(|s| (s.start_ns, 0))
        .chain(b.samples.iter().map(|s| (s.start_ns, 1)))
        .collect();
    order.sort_unstable();
    let switches = order.windows(2).filter(|w| w[0].1 != w[1].1).count();
    let alternation = switches as f64 / (order.len().saturating_sub(1)).max(1) as f64;
    Some(Finding::new(
        &t.info,
        CONCURRENCY,
        Verdict::of(overlaps == 0 && alternation >= 0.9),
        format!(
            "{overlaps} overlapping poll pairs ({}); {} of consecutive samples switch future",
            human_ns(overlap_ns),
            pct(alternation)
        ),
    ))
}

/// Claim 2: fut0 and fut1 complete within 10 % of high_cpu; their median
/// gap between samples is at least 0.9 × the heavy cost and at most
/// 1.5 × (heavy + light).
fn cpu_intensive(r: &RunResult) -> Option<Finding> {
    let info = &r.trace.info;
    let heavy_done = done(r, "high_cpu") as f64;
    let heavy = info.heavy_cost.as_nanos() as f64;
    let light = info.light_cost.as_nanos() as f64;
    let mut parts = Vec::new();
    let mut holds = heavy_done > 0.0;
    for name in ["fut0", "fut1"] {
        let f = r.trace.future(name)?;
        let ratio = done(r, name) as f64 / heavy_done.max(1.0);
        let mut gaps: Vec<u64> = f
            .samples
            .windows(2)
            .map(|w| w[1].start_ns.saturating_sub(w[0].end_ns))
            .collect();
        let gap = median(&mut gaps) as f64;
        holds &= (ratio - 1.0).abs() <= 0.10 && gap >= 0.9 * heavy && gap <= 1.5 * (heavy + light);
        parts.push(format!(
            "{name} done at {} of high_cpu's time, median gap between its samples {} ({:.2} × the heavy cost)",
            pct(ratio),
            human_ns(gap as u64),
            gap / heavy
        ));
    }
    Some(Finding::new(
        info,
        HOLDS_THE_TASK,
        Verdict::of(holds),
        parts.join("; "),
    ))
}

/// Claim 3: fut0 completes at ≤ 0.75 × its completion in the cpu_intensive
/// run of the same configuration, and `spawned`'s polls overlap fut0's or
/// fut1's in time. Needs that cpu_intensive run, a multi_thread runtime and
/// two cores.
fn spawn_task(r: &RunResult, all: &[RunResult]) -> Option<Finding> {
    let info = &r.trace.info;
    let same_config = |o: &RunInfo| {
        o.scenario == "cpu_intensive"
            && o.flavor == info.flavor
            && o.workers == info.workers
            && o.cost_kind == info.cost_kind
            && o.light_cost == info.light_cost
            && o.heavy_cost == info.heavy_cost
            && o.samples == info.samples
    };
    let Some(baseline) = all.iter().find(|o| same_config(&o.trace.info)) else {
        return Some(Finding::new(
            info,
            SPAWN_RESTORES,
            Verdict::NotApplicable,
            "needs a cpu_intensive run of the same configuration: add `cpu_intensive` to the scenarios".to_string(),
        ));
    };
    let ratio = done(r, "fut0") as f64 / done(baseline, "fut0").max(1) as f64;
    let spawned = spans(r.trace.future("spawned")?);
    let mut light: Vec<(u64, u64)> = ["fut0", "fut1"]
        .iter()
        .filter_map(|n| r.trace.future(n))
        .flat_map(spans)
        .collect();
    light.sort_unstable();
    let (_, parallel_ns) = overlap(&spawned, &light);
    let evidence = format!(
        "fut0 done at {} vs {} in `{}` (ratio {:.2}); spawned ran in parallel with fut0/fut1 for {}",
        human_ns(done(r, "fut0")),
        human_ns(done(baseline, "fut0")),
        baseline.trace.info.run_id,
        ratio,
        human_ns(parallel_ns)
    );
    let (verdict, evidence) = if info.flavor == Flavor::CurrentThread {
        (
            Verdict::NotApplicable,
            format!(
                "current_thread runs the spawned task on the block_on thread, so nothing runs in parallel: {evidence}"
            ),
        )
    } else if info.cores < 2 {
        (
            Verdict::NotApplicable,
            format!(
                "parallelism needs ≥ 2 cores, this machine has {}: {evidence}",
                info.cores
            ),
        )
    } else {
        (Verdict::of(ratio <= 0.75 && parallel_ns > 0), evidence)
    };
    Some(Finding::new(info, SPAWN_RESTORES, verdict, evidence))
}

/// Claim 4 (multi_thread, T > workers): p99 scheduling delay of the spawned
/// futures ≥ the heavy cost; with ≥ 2 workers at least one spawned future
/// ran on ≥ 2 threads; fut0 completes within 1.25 × its nominal time
/// (samples × light cost).
fn many_spawn_task(r: &RunResult) -> Option<Finding> {
    let info = &r.trace.info;
    if info.flavor == Flavor::CurrentThread || info.tasks as usize <= info.workers {
        return Some(Finding::new(
            info,
            TASKS_WAIT,
            Verdict::NotApplicable,
            format!(
                "needs a multi_thread runtime with more tasks than workers (T = {}, workers = {}, {})",
                info.tasks, info.workers, info.flavor
            ),
        ));
    }
    let spawned: Vec<&FutureTrace> = r
        .trace
        .futures
        .iter()
        .filter(|f| f.placement == Placement::Spawn)
        .collect();
    let mut delays: Vec<u64> = spawned
        .iter()
        .flat_map(|f| {
            f.polls
                .iter()
                .filter_map(|p| p.woken_ns().map(|w| p.start_ns.saturating_sub(w)))
        })
        .collect();
    let p99 = quantile(&mut delays, 0.99);
    let heavy = info.heavy_cost.as_nanos() as u64;
    let migrated = r
        .analysis
        .futures
        .iter()
        .filter(|f| f.placement == Placement::Spawn && f.threads >= 2)
        .count();
    // Waiting the probe sees between steps, whatever the wake timing.
    let mut gaps: Vec<u64> = spawned
        .iter()
        .flat_map(|f| {
            f.samples
                .windows(2)
                .map(|w| w[1].start_ns.saturating_sub(w[0].end_ns))
        })
        .collect();
    let gap_p99 = quantile(&mut gaps, 0.99);
    let nominal = u64::try_from(info.light_cost.as_nanos())
        .unwrap_or(u64::MAX)
        .saturating_mul(u64::from(info.samples));
    let fut0 = done(r, "fut0");
    let migration_ok = info.workers < 2 || migrated > 0;
    let holds = p99 >= heavy && migration_ok && (fut0 as f64) <= 1.25 * nominal as f64;
    Some(Finding::new(
        info,
        TASKS_WAIT,
        Verdict::of(holds),
        format!(
            "p99 scheduling delay of the spawned tasks {} ({:.2} × the heavy cost; their p99 gap between samples, which also counts waits that tokio's deferred yield wakes hide, is {}); {migrated} of {} spawned tasks ran on ≥ 2 threads{}; fut0 done at {} for a nominal {} ({:.2} ×)",
            human_ns(p99),
            p99 as f64 / heavy as f64,
            human_ns(gap_p99),
            spawned.len(),
            if info.workers < 2 {
                " (one worker: no migration possible)"
            } else {
                ""
            },
            human_ns(fut0),
            human_ns(nominal),
            fut0 as f64 / nominal.max(1) as f64
        ),
    ))
}

/// Claim 5: the spawn_blocking futures' steps ran on ≥ T distinct blocking
/// threads; and their median step cycle (start of one step to the start of
/// the next of the same future: the step plus the wait for a core) is more
/// than 1.2 × the nominal cost with `cpu` and T > cores, and at most 1.2 ×
/// (nominal + the overshoot of the inline fut0's sleeps) with `sleep`. (A step that
/// fits in the scheduler's time slice is rarely preempted, so the step
/// itself stays near its cost: the missing core shows as waiting.)
fn many_spawn_blocking(r: &RunResult) -> Option<Finding> {
    let info = &r.trace.info;
    let blocking: Vec<&FutureTrace> = r
        .trace
        .futures
        .iter()
        .filter(|f| f.placement == Placement::SpawnBlocking)
        .collect();
    let mut threads: Vec<u16> = blocking
        .iter()
        .flat_map(|f| f.samples.iter().map(|s| s.thread))
        .collect();
    threads.sort_unstable();
    threads.dedup();
    let on_blocking = threads.iter().all(|&t| {
        r.trace
            .threads
            .get(usize::from(t))
            .is_some_and(|i| i.kind == ThreadKind::Blocking)
    });
    let mut steps: Vec<u64> = blocking
        .iter()
        .flat_map(|f| f.samples.iter().map(|s| s.duration_ns()))
        .collect();
    let mut cycles: Vec<u64> = blocking
        .iter()
        .flat_map(|f| {
            f.samples
                .windows(2)
                .map(|w| w[1].start_ns.saturating_sub(w[0].start_ns))
        })
        .collect();
    let (step, cycle) = (median(&mut steps), median(&mut cycles));
    let heavy = info.heavy_cost.as_nanos() as u64;
    let stretch = cycle as f64 / heavy.max(1) as f64;
    let threads_ok = threads.len() >= blocking.len() && on_blocking;
    let base = format!(
        "{} distinct blocking threads for T = {}; median step {} and step cycle {} for a nominal {} (cycle {stretch:.2} ×)",
        threads.len(),
        blocking.len(),
        human_ns(step),
        human_ns(cycle),
        human_ns(heavy)
    );
    let (verdict, evidence) = match info.cost_kind {
        CostKind::Cpu if blocking.len() > info.cores => (
            Verdict::of(threads_ok && stretch > 1.2),
            format!("{base}; T > {} cores, so steps wait for a core", info.cores),
        ),
        CostKind::Cpu => (
            Verdict::NotApplicable,
            format!(
                "{base}; needs T > cores ({} cores) to show that threads are not cores",
                info.cores
            ),
        ),
        CostKind::Sleep => {
            let mut light_steps: Vec<u64> = r
                .trace
                .future("fut0")
                .map(|f| f.samples.iter().map(|s| s.duration_ns()).collect())
                .unwrap_or_default();
            let overshoot =
                median(&mut light_steps).saturating_sub(info.light_cost.as_nanos() as u64);
            let expected = heavy.saturating_add(overshoot);
            (
                Verdict::of(threads_ok && cycle as f64 <= 1.2 * expected as f64),
                format!(
                    "{base}; sleep uses no core, so a cycle is its cost plus the timer's overshoot ({} as seen on fut0)",
                    human_ns(overshoot)
                ),
            )
        }
        CostKind::Spin => (
            Verdict::NotApplicable,
            format!(
                "{base}; spin ends on its deadline even when it shares a core: run with --cost-kind cpu"
            ),
        ),
    };
    Some(Finding::new(info, THREAD_NOT_CORE, verdict, evidence))
}
