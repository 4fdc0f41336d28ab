//! The judges of the blog post's claims. Each states its measure and
//! thresholds in its doc comment (repeated in `results/README.md`).

use super::context::{interference, threads_in_role};
use super::intervals::{overlap, spans};
use super::{Judgement, Run, Verdict};
use crate::analysis::Metric;
use crate::analysis::RunResult;
use crate::common::duration::human_ns;
use crate::common::stats::{median, quantile};
use crate::probe::ThreadKind;
use crate::scenario::CostKind;
use crate::scenario::Placement;
use crate::scenario::future_names::{FUT0, FUT1, HIGH_CPU, SPAWNED};
use crate::trace::FutureTrace;

/// fut0 and fut1 may share at most this share of consecutive samples
/// without switching: ≥ 90 % of consecutive samples must switch future.
pub(crate) const ALTERNATION: f64 = 0.90;
/// Light futures complete within this share of high_cpu's completion.
pub(crate) const HELD_COMPLETION: f64 = 0.10;
/// Spawning restores the light futures: fut0 done at ≤ this × its
/// completion in cpu_intensive.
pub(crate) const RESTORED: f64 = 0.75;
/// fut0 is not slowed: done within this × its own work.
pub(crate) const NOT_SLOWED: f64 = 1.25;
/// A spawn_blocking step cycle longer than this × the cost shows the
/// missing core (cpu); a sleep cycle stays within it.
pub(crate) const CYCLE_STRETCH: f64 = 1.2;

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn nanos(d: Option<std::time::Duration>) -> u64 {
    d.map_or(0, crate::common::duration::nanos)
}

/// When the future called `name` completed, ns.
pub(crate) fn done(result: &RunResult, name: &str) -> Option<u64> {
    result.analysis.future(name)?.completed_ns
}

fn missing(names: &str) -> Judgement {
    Judgement::because(
        Verdict::NotApplicable,
        format!("the run lacks the futures {names}"),
        String::new(),
    )
}

/// A failed claim: `inconclusive` when [`interference`] explains it,
/// `does_not_hold` otherwise.
pub(crate) fn failed(
    run: &Run<'_>,
    futures: &[&FutureTrace],
    reason: String,
    evidence: String,
) -> Judgement {
    match interference(run.result, futures) {
        Some(why) => Judgement::because(
            Verdict::Inconclusive,
            format!("{reason}, but {why}"),
            evidence,
        ),
        None => Judgement::because(Verdict::DoesNotHold, reason, evidence),
    }
}

/// `two_futures.alternate`: no two polls of fut0 and fut1 overlap, and
/// ≥ [`ALTERNATION`] of consecutive samples (by start) switch future. Not
/// a timing claim: the CPU cannot make it fail.
pub(crate) fn alternate(run: &Run<'_>) -> Judgement {
    let t = &run.result.trace;
    let (Some(a), Some(b)) = (t.future(FUT0), t.future(FUT1)) else {
        return missing("fut0 and fut1");
    };
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
    let evidence = format!(
        "{overlaps} overlapping poll pairs ({}); {} of consecutive samples switch future",
        human_ns(overlap_ns),
        pct(alternation)
    );
    if overlaps > 0 {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "{overlaps} pairs of fut0/fut1 polls ran at the same time ({})",
                human_ns(overlap_ns)
            ),
            evidence,
        )
    } else if alternation < ALTERNATION {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "only {} of consecutive samples switch future (at least {} expected)",
                pct(alternation),
                pct(ALTERNATION)
            ),
            evidence,
        )
    } else {
        Judgement::holds(evidence)
    }
}

/// `cpu_intensive.holds_task`: fut0 and fut1 complete within ±
/// [`HELD_COMPLETION`] of high_cpu, and the median gap between their
/// samples is ≥ 0.9 × the heavy cost and ≤ 1.5 × (heavy + light).
pub(crate) fn holds_task(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let (Some(heavy_future), Some(heavy_done)) = (r.trace.future(HIGH_CPU), done(r, HIGH_CPU))
    else {
        return missing("high_cpu (completed)");
    };
    let heavy = nanos(run.config.heavy_cost) as f64;
    let light = nanos(run.config.light_cost) as f64;
    let mut parts = Vec::new();
    let mut problem = None;
    let mut futures = vec![heavy_future];
    for name in [FUT0, FUT1] {
        let (Some(f), Some(f_done)) = (r.trace.future(name), done(r, name)) else {
            return missing("fut0 and fut1 (completed)");
        };
        futures.push(f);
        let ratio = f_done as f64 / heavy_done.max(1) as f64;
        let gap = median(&mut Metric::SampleGap.values(f)).unwrap_or(0) as f64;
        parts.push(format!(
            "{name} done at {} of high_cpu's time, median gap between its samples {} ({:.2} × the heavy cost)",
            pct(ratio),
            human_ns(gap as u64),
            gap / heavy.max(1.0)
        ));
        if problem.is_some() {
            continue;
        }
        if (ratio - 1.0).abs() > HELD_COMPLETION {
            problem = Some(format!(
                "{name} completed at {} of high_cpu's time (within ±{} expected)",
                pct(ratio),
                pct(HELD_COMPLETION)
            ));
        } else if gap < 0.9 * heavy || gap > 1.5 * (heavy + light) {
            problem = Some(format!(
                "{name}'s median gap between samples is {:.2} × the heavy cost (0.9 to {:.2} expected)",
                gap / heavy.max(1.0),
                1.5 * (heavy + light) / heavy.max(1.0)
            ));
        }
    }
    let evidence = parts.join("; ");
    match problem {
        None => Judgement::holds(evidence),
        Some(reason) => failed(run, &futures, reason, evidence),
    }
}

/// `spawn_task.restores` (multi_thread): fut0 completes at ≤ [`RESTORED`]
/// × its completion in the cpu_intensive run of the same configuration,
/// and `spawned`'s polls overlap fut0's or fut1's. Needs that run and two
/// cores (main and the spawned task's worker).
pub(crate) fn restores(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let cores = r.trace.info.environment.cores;
    if cores < 2 {
        return Judgement::because(
            Verdict::NotApplicable,
            format!("running in parallel needs 2 cores; the process has {cores}"),
            String::new(),
        );
    }
    let same_config = |o: &RunResult| {
        o.trace.info.scenario == "cpu_intensive"
            && o.trace.info.config.as_ref().is_some_and(|c| {
                c.flavor == run.config.flavor
                    && c.workers == run.config.workers
                    && c.cost_kind == run.config.cost_kind
                    && c.light_cost == run.config.light_cost
                    && c.heavy_cost == run.config.heavy_cost
                    && c.samples == run.config.samples
                    && c.executor == run.config.executor
                    && c.tokio == run.config.tokio
            })
    };
    let Some(baseline) = run.all.iter().find(|o| same_config(o)) else {
        return Judgement::because(
            Verdict::NotApplicable,
            "needs a cpu_intensive run of the same configuration: add `cpu_intensive` to the scenarios".to_string(),
            String::new(),
        );
    };
    let (Some(fut0), Some(spawned), Some(done_here), Some(done_there)) = (
        r.trace.future(FUT0),
        r.trace.future(SPAWNED),
        done(r, FUT0),
        done(baseline, FUT0),
    ) else {
        return missing("fut0 and spawned (completed, here and in cpu_intensive)");
    };
    let ratio = done_here as f64 / done_there.max(1) as f64;
    let mut light: Vec<(u64, u64)> = [FUT0, FUT1]
        .iter()
        .filter_map(|n| r.trace.future(n))
        .flat_map(spans)
        .collect();
    light.sort_unstable();
    let (_, parallel_ns) = overlap(&spans(spawned), &light);
    let evidence = format!(
        "fut0 done at {} vs {} in `{}` (ratio {ratio:.2}); spawned ran in parallel with fut0/fut1 for {}",
        human_ns(done_here),
        human_ns(done_there),
        baseline.trace.info.run_id,
        human_ns(parallel_ns)
    );
    if ratio > RESTORED {
        failed(
            run,
            &[fut0],
            format!(
                "fut0 completed at {ratio:.2} × its time in cpu_intensive (at most {RESTORED} expected)"
            ),
            evidence,
        )
    } else if parallel_ns == 0 {
        failed(
            run,
            &[fut0, spawned],
            "spawned never ran at the same time as fut0 or fut1".to_string(),
            evidence,
        )
    } else {
        Judgement::holds(evidence)
    }
}

fn spawned(result: &RunResult) -> Vec<&FutureTrace> {
    result
        .trace
        .futures
        .iter()
        .filter(|f| f.placement() == Some(Placement::Spawn))
        .collect()
}

/// `not_applicable`, saying `so`, when `tasks` spawned tasks do not
/// outnumber the `workers`: the precondition of the claims about tasks
/// sharing workers.
fn no_more_tasks_than_workers(tasks: usize, workers: usize, so: &str) -> Option<Judgement> {
    (tasks <= workers).then(|| {
        Judgement::because(
            Verdict::NotApplicable,
            format!("T = {tasks} tasks for {workers} workers: {so}"),
            String::new(),
        )
    })
}

/// `many_spawn_task.tasks_wait`: with more tasks than workers, the p99 gap
/// between consecutive samples of the spawned tasks is ≥ the heavy cost
/// (each waits about a step of another task for a worker). Measured from
/// the sample gaps, not from wake times: tokio defers a `yield_now` wake
/// until the worker has run its other tasks, so a wake → poll delay misses
/// most of the waiting.
pub(crate) fn tasks_wait(run: &Run<'_>) -> Judgement {
    let tasks = spawned(run.result);
    let workers = run.config.workers;
    if let Some(absent) = no_more_tasks_than_workers(tasks.len(), workers, "none has to wait") {
        return absent;
    }
    let mut gaps: Vec<u64> = tasks
        .iter()
        .flat_map(|f| Metric::SampleGap.values(f))
        .collect();
    let p99 = quantile(&mut gaps, 0.99).unwrap_or(0);
    let heavy = nanos(run.config.heavy_cost);
    let evidence = format!(
        "p99 gap between the spawned tasks' samples {} ({:.2} × the heavy cost {}) for T = {} on {workers} workers",
        human_ns(p99),
        p99 as f64 / heavy.max(1) as f64,
        human_ns(heavy),
        tasks.len()
    );
    if p99 >= heavy {
        Judgement::holds(evidence)
    } else {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "the p99 gap between the spawned tasks' samples is {:.2} × the heavy cost (≥ 1 expected)",
                p99 as f64 / heavy.max(1) as f64
            ),
            evidence,
        )
    }
}

/// `many_spawn_task.migrate` (multi_thread): with ≥ 2 workers and more
/// spawned tasks than workers, at least one spawned task ran on ≥ 2
/// threads. With no more tasks than workers, each can keep a worker to
/// itself, so nothing makes one move (seen on a 16-core VM: 6 tasks on 8
/// tokio workers stayed put).
pub(crate) fn migrate(run: &Run<'_>) -> Judgement {
    let workers = run.config.workers;
    if workers < 2 {
        return Judgement::because(
            Verdict::NotApplicable,
            format!("{workers} worker: no other worker to move to"),
            String::new(),
        );
    }
    let tasks = spawned(run.result);
    if let Some(absent) =
        no_more_tasks_than_workers(tasks.len(), workers, "each can keep a worker to itself")
    {
        return absent;
    }
    let moved = run
        .result
        .analysis
        .futures
        .iter()
        .filter(|f| f.kind.placement() == Some(Placement::Spawn) && f.threads >= 2)
        .count();
    let evidence = format!(
        "{moved} of {} spawned tasks ran on ≥ 2 threads",
        tasks.len()
    );
    if moved > 0 {
        Judgement::holds(evidence)
    } else {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "none of the {} spawned tasks left its first worker",
                tasks.len()
            ),
            evidence,
        )
    }
}

/// `many_spawn_task.fut0_not_slowed` (multi_thread): fut0 completes within
/// [`NOT_SLOWED`] × its own work: samples × the light cost (`cpu`,
/// `spin`), or samples × its median step (`sleep`, whose steps overshoot by
/// the kernel's timer slack). Needs a free core for `main`: not applicable
/// when the busy workers (min(workers, T)) alone fill the cores with
/// `cpu` or `spin` steps (sleeping workers leave the cores free).
pub(crate) fn fut0_not_slowed(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let cores = r.trace.info.environment.cores;
    let busy_workers = run.config.workers.min(spawned(r).len());
    if run.config.cost_kind.uses_cpu() && busy_workers >= cores {
        return Judgement::because(
            Verdict::NotApplicable,
            format!(
                "the {busy_workers} busy workers alone fill the {cores} cores: main has no core of its own"
            ),
            String::new(),
        );
    }
    let (Some(fut0), Some(fut0_done)) = (r.trace.future(FUT0), done(r, FUT0)) else {
        return missing("fut0 (completed)");
    };
    let samples = fut0.samples.len() as u64;
    let step = match run.config.cost_kind {
        CostKind::Sleep => median(
            &mut fut0
                .samples
                .iter()
                .map(|s| s.duration_ns())
                .collect::<Vec<_>>(),
        )
        .unwrap_or(0),
        CostKind::Cpu | CostKind::Spin => nanos(run.config.light_cost),
    };
    let work = step.saturating_mul(samples);
    let ratio = fut0_done as f64 / work.max(1) as f64;
    let evidence = format!(
        "fut0 done at {} for {} of its own work ({ratio:.2} ×)",
        human_ns(fut0_done),
        human_ns(work)
    );
    if ratio <= NOT_SLOWED {
        Judgement::holds(evidence)
    } else {
        failed(
            run,
            &[fut0],
            format!("fut0 took {ratio:.2} × its own work (at most {NOT_SLOWED} expected)"),
            evidence,
        )
    }
}

/// `many_spawn_blocking.thread_not_core`: the spawn_blocking futures'
/// steps ran on ≥ T distinct threads of role blocking; and their median
/// step cycle (start of one step to the start of the next of the same
/// future: the step plus the wait for a core) is > [`CYCLE_STRETCH`] × the
/// cost with `cpu` and T > cores, or ≤ [`CYCLE_STRETCH`] × (cost + the
/// inline fut0's sleep overshoot) with `sleep`. Not applicable with `spin`
/// (it ends on its deadline even when sharing a core), with `cpu` and T ≤
/// cores, or when `max_blocking_threads` < T. The off-CPU time of T threads
/// on fewer cores is what this claim measures, never a reason to doubt it.
pub(crate) fn thread_not_core(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let blocking: Vec<&FutureTrace> = r
        .trace
        .futures
        .iter()
        .filter(|f| f.placement() == Some(Placement::SpawnBlocking))
        .collect();
    let t = blocking.len();
    let cores = r.trace.info.environment.cores;
    let na = |reason: String| Judgement::because(Verdict::NotApplicable, reason, String::new());
    if run.config.max_blocking_threads < t {
        return na(format!(
            "the blocking pool is capped at {} threads for T = {t}",
            run.config.max_blocking_threads
        ));
    }
    let blocking_threads = blocking_threads(r, &blocking);
    let cycle = median_cycle(&blocking);
    let heavy = nanos(run.config.heavy_cost);
    let stretch = cycle as f64 / heavy.max(1) as f64;
    let evidence = format!(
        "{blocking_threads} distinct blocking threads for T = {t}; median step cycle {} for a cost of {} ({stretch:.2} ×) on {cores} cores",
        human_ns(cycle),
        human_ns(heavy)
    );
    if blocking_threads < t {
        return Judgement::because(
            Verdict::DoesNotHold,
            format!("the steps ran on {blocking_threads} blocking threads for T = {t}"),
            evidence,
        );
    }
    match run.config.cost_kind {
        CostKind::Spin => Judgement::because(
            Verdict::NotApplicable,
            "spin ends on its deadline even when it shares a core: run with --cost-kind cpu"
                .to_string(),
            evidence,
        ),
        CostKind::Cpu if t <= cores => Judgement::because(
            Verdict::NotApplicable,
            format!("T = {t} threads fit the {cores} cores: run with --tasks above the cores"),
            evidence,
        ),
        CostKind::Cpu if stretch > CYCLE_STRETCH => Judgement::holds(evidence),
        CostKind::Cpu => Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "with T = {t} on {cores} cores the median step cycle is only {stretch:.2} × the cost (over {CYCLE_STRETCH} expected)"
            ),
            evidence,
        ),
        CostKind::Sleep => sleeping_cycle(run, cycle, heavy, evidence),
    }
}

/// How many distinct threads of role blocking ran the steps of `blocking`.
fn blocking_threads(r: &RunResult, blocking: &[&FutureTrace]) -> usize {
    let mut threads: Vec<u16> = blocking
        .iter()
        .flat_map(|f| f.samples.iter().map(|s| s.thread))
        .collect();
    threads.sort_unstable();
    threads.dedup();
    threads_in_role(&r.analysis.threads, ThreadKind::Blocking)
        .filter(|s| threads.contains(&s.thread))
        .count()
}

/// The median step cycle of `blocking`: from the start of one step to the
/// start of the next of the same future, ns (0 without two steps).
fn median_cycle(blocking: &[&FutureTrace]) -> u64 {
    let mut cycles: Vec<u64> = blocking
        .iter()
        .flat_map(|f| {
            f.samples
                .windows(2)
                .map(|w| w[1].start_ns.saturating_sub(w[0].start_ns))
        })
        .collect();
    median(&mut cycles).unwrap_or(0)
}

/// [`thread_not_core`] with `sleep` costs: the median step `cycle` is at
/// most [`CYCLE_STRETCH`] × (the `heavy` cost + the timer's overshoot, as
/// fut0's median step shows it).
fn sleeping_cycle(run: &Run<'_>, cycle: u64, heavy: u64, evidence: String) -> Judgement {
    let light = nanos(run.config.light_cost);
    let overshoot = run
        .result
        .trace
        .future(FUT0)
        .and_then(|f| {
            median(
                &mut f
                    .samples
                    .iter()
                    .map(|s| s.duration_ns())
                    .collect::<Vec<_>>(),
            )
        })
        .map_or(0, |step| step.saturating_sub(light));
    let expected = heavy.saturating_add(overshoot);
    let evidence = format!(
        "{evidence}; sleep uses no core, so a cycle is its cost plus the timer's overshoot ({} as seen on fut0)",
        human_ns(overshoot)
    );
    if cycle as f64 <= CYCLE_STRETCH * expected as f64 {
        Judgement::holds(evidence)
    } else {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "sleeping steps cycled at {:.2} × (cost + overshoot) (at most {CYCLE_STRETCH} expected)",
                cycle as f64 / expected.max(1) as f64
            ),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    //! Each judge of the blog post's claims on hand-built runs, on both
    //! sides of its thresholds.

    use crate::analysis::RunResult;
    use crate::findings::Verdict;
    use crate::findings::synthetic::{SyntheticRun, judge, verdict};
    use crate::scenario::{CostKind, Placement};

    /// two_futures: `switch_every` consecutive steps of one future, then of
    /// the other; `overlap` makes one fut1 poll overlap a fut0 poll.
    fn two_futures(steps: usize, switch_every: usize, overlap: bool) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        let (a, b) = (
            synth.future("fut0", Placement::Inline, 100),
            synth.future("fut1", Placement::Inline, 100),
        );
        for i in 0..steps {
            let f = if (i / switch_every).is_multiple_of(2) {
                a
            } else {
                b
            };
            synth.step(f, i as u64 * 100, 100, 0, 1.0);
        }
        if overlap {
            synth.step(b, 50, 100, 1, 1.0);
        }
        synth.result("two_futures")
    }

    #[test]
    fn alternate_needs_no_overlap_and_90_percent_switches() {
        assert_eq!(
            verdict("two_futures.alternate", &two_futures(20, 1, false)),
            Verdict::Holds
        );
        assert_eq!(
            verdict("two_futures.alternate", &two_futures(20, 1, true)),
            Verdict::DoesNotHold
        );
        // 11 samples switching every step but one: 9 of 10 switches = 90 %.
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        let (a, b) = (
            synth.future("fut0", Placement::Inline, 100),
            synth.future("fut1", Placement::Inline, 100),
        );
        for (i, f) in [a, b, a, b, a, b, a, b, a, a, b].into_iter().enumerate() {
            synth.step(f, i as u64 * 100, 100, 0, 1.0);
        }
        assert_eq!(
            verdict("two_futures.alternate", &synth.result("two_futures")),
            Verdict::Holds
        );
        // Half the consecutive samples switch.
        assert_eq!(
            verdict("two_futures.alternate", &two_futures(20, 2, false)),
            Verdict::DoesNotHold
        );
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        synth.future("fut0", Placement::Inline, 100);
        assert_eq!(
            verdict("two_futures.alternate", &synth.result("two_futures")),
            Verdict::NotApplicable
        );
    }

    /// cpu_intensive: fut0, fut1 (100 µs) and high_cpu (500 µs) round-robin
    /// on thread 0, high_cpu's steps taking `heavy_us` of wall time on the
    /// CPU for `cpu` of it; `late_us` delays fut0's completion.
    fn cpu_intensive(heavy_us: u64, cpu: f64, late_us: u64) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        let fut0 = synth.future("fut0", Placement::Inline, 100);
        let fut1 = synth.future("fut1", Placement::Inline, 100);
        let high = synth.future("high_cpu", Placement::Inline, 500);
        let mut t = 0;
        for _ in 0..10 {
            synth.step(fut0, t, 100, 0, 1.0);
            synth.step(fut1, t + 100, 100, 0, 1.0);
            synth.step(high, t + 200, heavy_us, 0, cpu);
            t += 200 + heavy_us;
        }
        if late_us > 0 {
            synth.step(fut0, t + late_us, 100, 0, 1.0);
        }
        synth.result("cpu_intensive")
    }

    #[test]
    fn holds_task_judges_completion_and_gaps_and_blames_other_processes() {
        let id = "cpu_intensive.holds_task";
        assert_eq!(verdict(id, &cpu_intensive(500, 1.0, 0)), Verdict::Holds);
        // fut0 completes 10.6 % after high_cpu (7,000 µs run, +740 µs).
        assert_eq!(
            verdict(id, &cpu_intensive(500, 1.0, 640)),
            Verdict::DoesNotHold
        );
        // Steps stretched to 1,100 µs (gap 1.2 ms > 1.5 × 600 µs = 900 µs)…
        // … by another process: 54 % of high_cpu's wall time off the CPU,
        // one busy thread on 2 cores.
        let stretched = cpu_intensive(1100, 0.45, 0);
        let j = judge(id, &stretched, std::slice::from_ref(&stretched));
        assert_eq!(j.verdict, Verdict::Inconclusive, "{j:?}");
        assert!(j.reason.contains("off the CPU"), "{}", j.reason);
        // … while on the CPU the whole time: the task really held them
        // longer.
        assert_eq!(
            verdict(id, &cpu_intensive(1100, 1.0, 0)),
            Verdict::DoesNotHold
        );
    }

    /// spawn_task with fut0 done at `fut0_done_us`, `spawned` on worker 1
    /// beside it; and its cpu_intensive companion with fut0 done at
    /// 1000 µs.
    fn spawn_task(fut0_done_us: u64, cores: usize, fut0_cpu: f64) -> (RunResult, RunResult) {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, cores);
        let fut0 = synth.future("fut0", Placement::Inline, 100);
        let spawned = synth.future("spawned", Placement::Spawn, 500);
        synth.step(fut0, 0, fut0_done_us, 0, fut0_cpu);
        synth.step(spawned, 0, 500, 1, 1.0);
        let run = synth.result("spawn_task");
        let mut base = SyntheticRun::new(CostKind::Cpu, 2, cores);
        let fut0 = base.future("fut0", Placement::Inline, 100);
        base.step(fut0, 0, 1000, 0, 1.0);
        (run, base.result("cpu_intensive"))
    }

    #[test]
    fn restores_compares_with_cpu_intensive_on_two_cores() {
        let id = "spawn_task.restores";
        let (run, base) = spawn_task(750, 2, 1.0);
        let again = RunResult::new(run.trace.clone());
        assert_eq!(judge(id, &run, &[base, again]).verdict, Verdict::Holds);
        let (run, base) = spawn_task(760, 2, 1.0);
        assert_eq!(judge(id, &run, &[base]).verdict, Verdict::DoesNotHold);
        let (run, base) = spawn_task(760, 2, 0.7);
        assert_eq!(judge(id, &run, &[base]).verdict, Verdict::Inconclusive);
        let (run, _) = spawn_task(500, 2, 1.0);
        assert_eq!(judge(id, &run, &[]).verdict, Verdict::NotApplicable);
        let (run, base) = spawn_task(500, 1, 1.0);
        assert_eq!(judge(id, &run, &[base]).verdict, Verdict::NotApplicable);
    }

    /// many_spawn_task: `tasks` spawned tasks whose consecutive steps are
    /// `gap_us` apart, each on thread 1 (or alternating 1, 2 if `migrate`).
    fn many_spawn_task(workers: usize, tasks: usize, gap_us: u64, migrate: bool) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, workers, 2);
        for k in 0..tasks {
            let f = synth.future(&format!("spawned{}", k + 1), Placement::Spawn, 500);
            for i in 0..10u64 {
                let thread = if migrate && i % 2 == 1 { 2 } else { 1 };
                synth.step(f, i * (500 + gap_us), 500, thread, 1.0);
            }
        }
        synth.result("many_spawn_task")
    }

    #[test]
    fn tasks_wait_by_the_gaps_between_samples() {
        let id = "many_spawn_task.tasks_wait";
        assert_eq!(
            verdict(id, &many_spawn_task(1, 6, 500, false)),
            Verdict::Holds
        );
        assert_eq!(
            verdict(id, &many_spawn_task(1, 6, 499, false)),
            Verdict::DoesNotHold
        );
        assert_eq!(
            verdict(id, &many_spawn_task(6, 6, 0, false)),
            Verdict::NotApplicable
        );
    }

    #[test]
    fn migrate_needs_two_workers_and_more_tasks_than_workers() {
        let id = "many_spawn_task.migrate";
        assert_eq!(
            verdict(id, &many_spawn_task(2, 6, 500, true)),
            Verdict::Holds
        );
        assert_eq!(
            verdict(id, &many_spawn_task(2, 6, 500, false)),
            Verdict::DoesNotHold
        );
        assert_eq!(
            verdict(id, &many_spawn_task(1, 6, 500, true)),
            Verdict::NotApplicable
        );
        // 6 tasks: on 5 workers one must share, on 6 none has to.
        assert_eq!(
            verdict(id, &many_spawn_task(5, 6, 500, false)),
            Verdict::DoesNotHold
        );
        assert_eq!(
            verdict(id, &many_spawn_task(6, 6, 500, false)),
            Verdict::NotApplicable
        );
    }

    /// fut0's 10 steps of 100 µs taking `fut0_us` in all, on the CPU for
    /// `cpu` of it, beside two spawned `kind` tasks taking turns on
    /// worker 1.
    fn fut0_beside_tasks_of(kind: CostKind, workers: usize, fut0_us: u64, cpu: f64) -> RunResult {
        let mut synth = SyntheticRun::new(kind, workers, 2);
        let fut0 = synth.future("fut0", Placement::Inline, 100);
        let step = fut0_us / 10;
        for i in 0..10 {
            synth.step(fut0, i * step, step, 0, cpu);
        }
        let tasks = [
            synth.future("spawned1", Placement::Spawn, 500),
            synth.future("spawned2", Placement::Spawn, 500),
        ];
        for i in 0..6 {
            synth.step(tasks[i % 2], i as u64 * 500, 500, 1, 1.0);
        }
        synth.result("many_spawn_task")
    }

    /// [`fut0_beside_tasks_of`] with cpu costs.
    fn fut0_beside_tasks(workers: usize, fut0_us: u64, cpu: f64) -> RunResult {
        fut0_beside_tasks_of(CostKind::Cpu, workers, fut0_us, cpu)
    }

    #[test]
    fn fut0_not_slowed_needs_a_free_core_and_blames_other_processes() {
        let id = "many_spawn_task.fut0_not_slowed";
        // 10 steps of 100 µs: done by 1,250 µs holds, 1,300 µs does not.
        assert_eq!(
            verdict(id, &fut0_beside_tasks(1, 1250, 1.0)),
            Verdict::Holds
        );
        assert_eq!(
            verdict(id, &fut0_beside_tasks(1, 1300, 1.0)),
            Verdict::DoesNotHold
        );
        // The same delay with 20 % of fut0's steps off the CPU while only
        // the worker and main were busy on 2 cores: another process.
        let j = judge(id, &fut0_beside_tasks(1, 1300, 0.8), &[]);
        assert_eq!(j.verdict, Verdict::Inconclusive, "{j:?}");
        assert!(j.reason.contains("20 %"), "{}", j.reason);
        // 19 % off the CPU is not enough to doubt the numbers.
        assert_eq!(
            verdict(id, &fut0_beside_tasks(1, 1300, 0.81)),
            Verdict::DoesNotHold
        );
        // Two busy workers fill the two cores.
        assert_eq!(
            verdict(id, &fut0_beside_tasks(2, 1300, 0.5)),
            Verdict::NotApplicable
        );
        // ... unless they sleep: sleeping workers leave the cores free, so
        // the claim is judged (fut0's own steps sleep too: it is on time).
        assert_eq!(
            verdict(id, &fut0_beside_tasks_of(CostKind::Sleep, 2, 1000, 0.05)),
            Verdict::Holds
        );
    }

    /// many_spawn_blocking: `tasks` futures each running steps of 500 µs
    /// `cycle_us` apart on their own blocking thread, beside fut0.
    fn many_spawn_blocking(kind: CostKind, tasks: u16, cycle_us: u64, cores: usize) -> RunResult {
        let mut synth = SyntheticRun::new(kind, 2, cores);
        let fut0 = synth.future("fut0", Placement::Inline, 100);
        for i in 0..10 {
            synth.step(fut0, i * 100, 100, 0, 1.0);
        }
        for k in 0..tasks {
            let f = synth.future(
                &format!("spawn_blocking{}", k + 1),
                Placement::SpawnBlocking,
                500,
            );
            for i in 0..5 {
                synth.off_step(f, i * cycle_us, 500, 3 + k);
            }
        }
        synth.result("many_spawn_blocking")
    }

    #[test]
    fn thread_not_core_by_the_step_cycle() {
        let id = "many_spawn_blocking.thread_not_core";
        assert_eq!(
            verdict(id, &many_spawn_blocking(CostKind::Cpu, 6, 605, 2)),
            Verdict::Holds
        );
        assert_eq!(
            verdict(id, &many_spawn_blocking(CostKind::Cpu, 6, 600, 2)),
            Verdict::DoesNotHold
        );
        assert_eq!(
            verdict(id, &many_spawn_blocking(CostKind::Cpu, 2, 900, 2)),
            Verdict::NotApplicable
        );
        assert_eq!(
            verdict(id, &many_spawn_blocking(CostKind::Spin, 6, 900, 2)),
            Verdict::NotApplicable
        );
        // sleep: a cycle within 1.2 × (cost + fut0's overshoot, here 0).
        assert_eq!(
            verdict(id, &many_spawn_blocking(CostKind::Sleep, 6, 600, 2)),
            Verdict::Holds
        );
        assert_eq!(
            verdict(id, &many_spawn_blocking(CostKind::Sleep, 6, 605, 2)),
            Verdict::DoesNotHold
        );
        let mut capped = many_spawn_blocking(CostKind::Cpu, 6, 900, 2);
        capped
            .trace
            .info
            .config
            .as_mut()
            .unwrap()
            .max_blocking_threads = 2;
        assert_eq!(verdict(id, &capped), Verdict::NotApplicable);
    }
}
