//! The judges of the scenarios past the post, and of what current_thread
//! promises.

use super::context::threads_in_role;
use super::intervals::{max_concurrency, spans};
use super::journey::{done, failed};
use super::{Judgement, Run, Verdict};
use crate::analysis::Metric;
use crate::analysis::RunResult;
use crate::common::duration::human_ns;
use crate::common::stats::median;
use crate::probe::ThreadKind;
use crate::scenario::CostKind;
use crate::scenario::Placement;
use crate::scenario::future_names::{FUT0, HOG};
use crate::trace::FutureTrace;

/// A bounded or pooled step may take up to this × its cost in wall time.
pub(crate) const STEP_STRETCH: f64 = 1.2;
/// The hog starves fut0 when fut0's longest wait is ≥ this × the hog's
/// whole cost.
pub(crate) const STARVED: f64 = 0.9;

fn placed(r: &RunResult, placement: Placement) -> Vec<&FutureTrace> {
    r.trace
        .futures
        .iter()
        .filter(|f| f.placement() == Some(placement))
        .collect()
}

/// Median step duration, and its ratio to the heavy cost.
fn stretch(futures: &[&FutureTrace], run: &Run<'_>) -> (u64, f64) {
    let mut steps: Vec<u64> = futures
        .iter()
        .flat_map(|f| f.samples.iter().map(|s| s.duration_ns()))
        .collect();
    let step = median(&mut steps).unwrap_or(0);
    let heavy = run.config.heavy_cost.map_or(1, |d| d.as_nanos().max(1)) as f64;
    (step, step as f64 / heavy)
}

fn step_spans(futures: &[&FutureTrace]) -> Vec<(u64, u64)> {
    futures
        .iter()
        .flat_map(|f| f.samples.iter().map(|s| (s.start_ns, s.end_ns)))
        .collect()
}

/// `block_in_place.hands_off`: every heavy step ran on a thread that also
/// ran task polls (a worker), and more distinct worker threads appeared
/// than workers (threads brought in to take over the queue).
pub(crate) fn hands_off(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let futures = placed(r, Placement::BlockInPlace);
    let workers: Vec<u16> = threads_in_role(&r.analysis.threads, ThreadKind::Worker)
        .map(|t| t.thread)
        .collect();
    let on_workers = futures
        .iter()
        .flat_map(|f| f.samples.iter())
        .all(|s| workers.contains(&s.thread));
    let (step, stretch) = stretch(&futures, run);
    let evidence = format!(
        "steps on worker threads: {}; {} distinct worker threads for {} worker(s); median step {} ({stretch:.2} × nominal)",
        if on_workers { "all" } else { "not all" },
        workers.len(),
        run.config.workers,
        human_ns(step)
    );
    if !on_workers {
        Judgement::because(
            Verdict::DoesNotHold,
            "some block_in_place steps ran on threads that never polled a task".to_string(),
            evidence,
        )
    } else if workers.len() <= run.config.workers {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "only {} worker threads appeared for {} workers: no thread took over a queue",
                workers.len(),
                run.config.workers
            ),
            evidence,
        )
    } else {
        Judgement::holds(evidence)
    }
}

/// `bounded_blocking.one_per_core`: at most `permits` steps ran at the same
/// instant, and (cpu cost, permits ≤ cores) the median step took ≤
/// [`STEP_STRETCH`] × its cost.
pub(crate) fn one_per_core(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let Some(permits) = run.config.blocking_permits else {
        return Judgement::because(
            Verdict::NotApplicable,
            "the run has no semaphore in front of its blocking steps".to_string(),
            String::new(),
        );
    };
    let futures = placed(r, Placement::SpawnBlocking);
    let concurrent = max_concurrency(&step_spans(&futures));
    let (step, stretch) = stretch(&futures, run);
    let cores = r.trace.info.environment.cores;
    let judged = run.config.cost_kind == CostKind::Cpu && permits <= cores;
    let evidence = format!(
        "at most {concurrent} steps at once for {permits} permits; median step {} ({stretch:.2} × nominal){}",
        human_ns(step),
        if judged {
            ""
        } else {
            " (stretch not judged: not a cpu cost within the cores)"
        }
    );
    if concurrent > permits {
        Judgement::because(
            Verdict::DoesNotHold,
            format!("{concurrent} steps ran at once for {permits} permits"),
            evidence,
        )
    } else {
        stretch_verdict(run, &futures, judged.then_some(stretch), evidence)
    }
}

/// `rayon_pool.pool_bounded`: every step ran on a pool thread, at most
/// `pool_threads` at once, and (cpu cost, pool ≤ cores) the median step
/// took ≤ [`STEP_STRETCH`] × its cost.
pub(crate) fn pool_bounded(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let futures = placed(r, Placement::Pool);
    let pool: Vec<u16> = threads_in_role(&r.analysis.threads, ThreadKind::Pool)
        .map(|t| t.thread)
        .collect();
    let on_pool = futures
        .iter()
        .flat_map(|f| f.samples.iter())
        .all(|s| pool.contains(&s.thread));
    let concurrent = max_concurrency(&step_spans(&futures));
    let (step, stretch) = stretch(&futures, run);
    let threads = run.config.pool_threads;
    let judged = run.config.cost_kind == CostKind::Cpu && threads <= r.trace.info.environment.cores;
    let evidence = format!(
        "steps on pool threads: {}; at most {concurrent} at once for {threads} pool threads; median step {} ({stretch:.2} × nominal)",
        if on_pool { "all" } else { "not all" },
        human_ns(step)
    );
    if !on_pool {
        Judgement::because(
            Verdict::DoesNotHold,
            "some steps ran off the pool's threads".to_string(),
            evidence,
        )
    } else if concurrent > threads {
        Judgement::because(
            Verdict::DoesNotHold,
            format!("{concurrent} steps ran at once on a pool of {threads}"),
            evidence,
        )
    } else {
        stretch_verdict(run, &futures, judged.then_some(stretch), evidence)
    }
}

/// `no_yield.starves`: the hog completes in one poll, and fut0's longest
/// wait between two samples is ≥ [`STARVED`] × the hog's total cost.
pub(crate) fn starves(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let (Some(hog), Some(fut0)) = (r.trace.future(HOG), r.trace.future(FUT0)) else {
        return Judgement::because(
            Verdict::NotApplicable,
            "the run lacks the futures hog and fut0".to_string(),
            String::new(),
        );
    };
    let hog_cost = hog.planned_work_ns();
    let longest_wait = Metric::SampleGap
        .values(fut0)
        .into_iter()
        .max()
        .unwrap_or(0);
    let hog_time = spans(hog)
        .iter()
        .map(|(s, e)| e.saturating_sub(*s))
        .fold(0, u64::saturating_add);
    let evidence = format!(
        "hog ran all {} steps in {} poll(s) lasting {} (done at {}); fut0 waited up to {} between two samples (the hog's total cost is {})",
        hog.samples.len(),
        hog.polls.len(),
        human_ns(hog_time),
        human_ns(done(r, HOG).unwrap_or(0)),
        human_ns(longest_wait),
        human_ns(hog_cost)
    );
    if hog.polls.len() != 1 {
        Judgement::because(
            Verdict::DoesNotHold,
            format!("the hog took {} polls, not one", hog.polls.len()),
            evidence,
        )
    } else if (longest_wait as f64) < STARVED * hog_cost as f64 {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "fut0's longest wait was {:.2} × the hog's cost (at least {STARVED} expected)",
                longest_wait as f64 / hog_cost.max(1) as f64
            ),
            evidence,
        )
    } else {
        Judgement::holds(evidence)
    }
}

/// `current_thread.one_thread` (current_thread): every poll ran on thread
/// 0.
pub(crate) fn one_thread(run: &Run<'_>) -> Judgement {
    let r = run.result;
    let polls: usize = r.trace.futures.iter().map(|f| f.polls.len()).sum();
    let off: usize = r
        .trace
        .futures
        .iter()
        .flat_map(|f| f.polls.iter())
        .filter(|p| p.thread != 0)
        .count();
    let evidence = format!(
        "{off} of {polls} polls ran off thread 0; spawned tasks interleave with the inline futures instead of running beside them (makespan {})",
        human_ns(r.analysis.makespan_ns)
    );
    if off == 0 {
        Judgement::holds(evidence)
    } else {
        Judgement::because(
            Verdict::DoesNotHold,
            format!("{off} of {polls} polls ran off the block_on thread"),
            evidence,
        )
    }
}

/// The last test of a bounded-placement claim: when judged, a median step
/// over [`STEP_STRETCH`] × its cost fails (naming the cause); else holds.
fn stretch_verdict(
    run: &Run<'_>,
    futures: &[&FutureTrace],
    stretch: Option<f64>,
    evidence: String,
) -> Judgement {
    match stretch {
        Some(stretch) if stretch > STEP_STRETCH => failed(
            run,
            futures,
            format!(
                "the median step took {stretch:.2} × its cost (at most {STEP_STRETCH} expected)"
            ),
            evidence,
        ),
        _ => Judgement::holds(evidence),
    }
}

#[cfg(test)]
mod tests {
    //! The judges of the scenarios past the post, on hand-built runs on
    //! both sides of their thresholds.

    use crate::analysis::RunResult;
    use crate::findings::Verdict;
    use crate::findings::synthetic::{SyntheticRun, verdict};
    use crate::scenario::{CostKind, Flavor, Placement};

    /// block_in_place: one heavy step for each of `threads`, in a poll on
    /// that worker thread, with 2 workers.
    fn block_in_place(threads: &[u16]) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        for (k, &thread) in threads.iter().enumerate() {
            let f = synth.future(
                &format!("block_in_place{}", k + 1),
                Placement::BlockInPlace,
                500,
            );
            synth.step(f, 0, 500, thread, 1.0);
        }
        synth.result("block_in_place")
    }

    #[test]
    fn hands_off_needs_steps_on_more_worker_threads_than_workers() {
        // 3 worker threads for 2 workers: the workers' queues moved on.
        assert_eq!(
            verdict("block_in_place.hands_off", &block_in_place(&[1, 2, 3])),
            Verdict::Holds
        );
        assert_eq!(
            verdict("block_in_place.hands_off", &block_in_place(&[1])),
            Verdict::DoesNotHold
        );
    }

    /// bounded_blocking with 2 permits: a blocking step of `step_us` (cost
    /// 500 µs) at once on each of `threads`.
    fn bounded(threads: &[u16], step_us: u64) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        synth.config.blocking_permits = Some(2);
        for (k, &thread) in threads.iter().enumerate() {
            let f = synth.future(
                &format!("bounded_blocking{}", k + 1),
                Placement::SpawnBlocking,
                500,
            );
            synth.off_step(f, 0, step_us, thread);
        }
        synth.result("bounded_blocking")
    }

    #[test]
    fn one_per_core_allows_as_many_steps_at_once_as_permits_each_near_its_cost() {
        // 2 permits: 2 steps at once holds, 3 does not; a step of 1.21 ×
        // its cost does not hold.
        assert_eq!(
            verdict("bounded_blocking.one_per_core", &bounded(&[1, 2], 600)),
            Verdict::Holds
        );
        assert_eq!(
            verdict("bounded_blocking.one_per_core", &bounded(&[1, 2, 3], 500)),
            Verdict::DoesNotHold
        );
        assert_eq!(
            verdict("bounded_blocking.one_per_core", &bounded(&[1, 2], 605)),
            Verdict::DoesNotHold
        );
    }

    #[test]
    fn one_per_core_needs_a_semaphore() {
        let mut unbounded = bounded(&[1], 500);
        unbounded
            .trace
            .info
            .config
            .as_mut()
            .unwrap()
            .blocking_permits = None;
        assert_eq!(
            verdict("bounded_blocking.one_per_core", &unbounded),
            Verdict::NotApplicable
        );
    }

    /// rayon_pool: a heavy step at once on each of `threads` (role pool:
    /// steps outside polls of a pool future), with 2 pool threads.
    fn pool(threads: &[u16]) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        for (k, &thread) in threads.iter().enumerate() {
            let f = synth.future(&format!("rayon{}", k + 1), Placement::Pool, 500);
            synth.off_step(f, 0, 500, thread);
        }
        synth.result("rayon_pool")
    }

    #[test]
    fn pool_bounded_allows_one_step_per_pool_thread() {
        assert_eq!(
            verdict("rayon_pool.pool_bounded", &pool(&[1, 2])),
            Verdict::Holds
        );
        assert_eq!(
            verdict("rayon_pool.pool_bounded", &pool(&[1, 2, 3])),
            Verdict::DoesNotHold
        );
    }

    /// no_yield: the hog in one poll of 10 × 500 µs; fut0's next step
    /// `wait_us` after its first.
    fn no_yield(wait_us: u64) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        let fut0 = synth.future("fut0", Placement::Inline, 100);
        let hog = synth.future("hog", Placement::Inline, 500);
        synth.step(fut0, 0, 100, 0, 1.0);
        synth.step(hog, 100, 5000, 0, 1.0);
        synth.step(fut0, 100 + wait_us, 100, 0, 1.0);
        synth.result("no_yield")
    }

    #[test]
    fn starves_when_fut0_waits_at_least_0_9_of_the_hogs_poll() {
        // fut0 waits 4.5 ms (0.9 × 5 ms) or 4.4 ms.
        assert_eq!(verdict("no_yield.starves", &no_yield(4500)), Verdict::Holds);
        assert_eq!(
            verdict("no_yield.starves", &no_yield(4400)),
            Verdict::DoesNotHold
        );
    }

    /// current_thread: one step of a `placement` future polled on `thread`.
    fn current_thread(name: &str, placement: Placement, thread: u16, scenario: &str) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 1, 2);
        synth.config.flavor = Flavor::CurrentThread;
        let f = synth.future(name, placement, 100);
        synth.step(f, 0, 100, thread, 1.0);
        synth.result(scenario)
    }

    #[test]
    fn one_thread_needs_every_poll_on_thread_0() {
        assert_eq!(
            verdict(
                "current_thread.one_thread",
                &current_thread("fut0", Placement::Inline, 0, "two_futures")
            ),
            Verdict::Holds
        );
        assert_eq!(
            verdict(
                "current_thread.one_thread",
                &current_thread("spawned", Placement::Spawn, 1, "spawn_task")
            ),
            Verdict::DoesNotHold
        );
    }
}
