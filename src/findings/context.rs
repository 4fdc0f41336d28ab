//! Measures the judges share: how much of a set of steps was spent off the
//! CPU, and how much CPU the run's own threads had meanwhile — the two
//! numbers that separate "the machine decided" from "the runtime decided".

use crate::analysis::RunResult;
use crate::analysis::ThreadStats;
use crate::trace::{FutureTrace, Sample};

/// A claim whose steps lost at least this share of their wall time off the
/// CPU, while the run's own threads left enough of the cores unused to
/// have run them, is `inconclusive`: another process had the CPU.
pub(crate) const OFF_CPU_LIMIT: f64 = 0.20;

/// The share of `steps`' wall time spent off the CPU: Σ (duration −
/// cpu_ns) / Σ duration over the steps whose on-CPU time was measured;
/// `None` when none was.
pub(crate) fn off_cpu_share<'a>(steps: impl Iterator<Item = &'a Sample>) -> Option<f64> {
    let (mut off, mut wall, mut measured) = (0u64, 0u64, false);
    for s in steps {
        if let Some(o) = s.off_cpu_ns() {
            measured = true;
            off = off.saturating_add(o);
            wall = wall.saturating_add(s.duration_ns());
        }
    }
    (measured && wall > 0).then(|| off as f64 / wall as f64)
}

/// What the run's own threads did with the CPU over a window: their busy
/// time (inside a poll, or in a step outside polls) and the part of it on
/// the CPU (busy time less the off-CPU time of the steps inside it; a
/// poll's time outside its steps counts as on the CPU), ns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CpuUse {
    pub(crate) busy_ns: u64,
    pub(crate) on_cpu_ns: u64,
}

/// The run's [`CpuUse`] over `[from, to)`. Busy time counts threads that
/// want a core (time preempted inside a poll included); on-CPU time,
/// threads that have one.
pub(crate) fn cpu_use(result: &RunResult, from: u64, to: u64) -> CpuUse {
    let clip = |start: u64, end: u64| end.min(to).saturating_sub(start.max(from));
    let spans = crate::analysis::poll_spans_by_thread(&result.trace, result.trace.threads.len());
    let mut busy: u64 = spans
        .iter()
        .flatten()
        .map(|&(start, end)| clip(start, end))
        .sum();
    let mut off = 0u64;
    for future in result.trace.futures.iter().filter(|f| !f.kind.is_service()) {
        for s in &future.samples {
            let own = spans
                .get(usize::from(s.thread))
                .map_or(&[][..], Vec::as_slice);
            let inside = clip(s.start_ns, s.end_ns);
            if !crate::analysis::inside(own, s.start_ns, s.end_ns) {
                busy = busy.saturating_add(inside);
            }
            if let Some(o) = s.off_cpu_ns().filter(|_| inside > 0) {
                // The share of its off-CPU time inside the window.
                let part = u128::from(o) * u128::from(inside) / u128::from(s.duration_ns().max(1));
                off = off.saturating_add(part as u64);
            }
        }
    }
    CpuUse {
        busy_ns: busy,
        on_cpu_ns: busy.saturating_sub(off),
    }
}

/// Why a failed claim about `futures`' steps is `inconclusive`, if it is:
/// their cost uses the CPU, they lost ≥ [`OFF_CPU_LIMIT`] of their wall
/// time off the CPU, and the CPU the run's own threads left unused over
/// their span (cores × span − the run's on-CPU time, [`cpu_use`]) would
/// have covered that loss: the CPU went to other processes, not to the
/// run's other threads. (Counting the run's busy threads instead would
/// miss it: time preempted by other processes stretches the run's polls
/// and keeps its threads "busy".)
pub(crate) fn interference(result: &RunResult, futures: &[&FutureTrace]) -> Option<String> {
    let cpu_costs = futures
        .iter()
        .all(|f| f.cost_kind.is_some_and(|k| k.uses_cpu()));
    let steps = || futures.iter().flat_map(|f| f.samples.iter());
    let share = off_cpu_share(steps())?;
    let lost: u64 = steps().filter_map(Sample::off_cpu_ns).sum();
    let from = steps().map(|s| s.start_ns).min()?;
    let to = steps().map(|s| s.end_ns).max()?;
    let used = cpu_use(result, from, to);
    let cores = result.trace.info.environment.cores;
    let window = (to - from).max(1);
    let spare = (cores as u64)
        .saturating_mul(window)
        .saturating_sub(used.on_cpu_ns);
    let per = |ns: u64| ns as f64 / window as f64;
    (cpu_costs && share >= OFF_CPU_LIMIT && spare >= lost).then(|| {
        format!(
            "its steps spent {:.0} % of their wall time off the CPU while the run's own threads left {:.2} of the {cores} cores unused ({:.2} wanted one, {:.2} had one, on average): another process had the CPU",
            share * 100.0,
            per(spare),
            per(used.busy_ns),
            per(used.on_cpu_ns),
        )
    })
}

/// Threads of the run whose roles include `kind`.
pub(crate) fn threads_in_role(
    stats: &[ThreadStats],
    kind: crate::probe::ThreadKind,
) -> impl Iterator<Item = &ThreadStats> {
    stats.iter().filter(move |t| t.roles.contains(&kind))
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn context_off_cpu_share() {
        use crate::trace::Sample;
        let steps = [
            Sample::new(0, 0.0, 0, 100, 0, Some(60)),
            Sample::new(1, 0.0, 100, 200, 0, Some(100)),
        ];
        assert_eq!(
            crate::findings::context::off_cpu_share(steps.iter()),
            Some(0.2)
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::RunResult;
    use crate::findings::Verdict;
    use crate::findings::synthetic::{SyntheticRun, verdict};
    use crate::scenario::{CostKind, Placement};

    const ID: &str = "many_spawn_task.fut0_not_slowed";

    /// many_spawn_task on one worker and 2 cores, three of its threads busy
    /// at once: fut0 (on thread 0) on the CPU for half of each 130 µs
    /// step, two spawned tasks (threads 1 and 2) for `others_on_cpu` of
    /// their 1.3 ms.
    fn crowded(others_on_cpu: f64) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 1, 2);
        let fut0 = synth.future("fut0", Placement::Inline, 100);
        for i in 0..10 {
            synth.step(fut0, i * 130, 130, 0, 0.5);
        }
        for (k, thread) in [(1, 1), (2, 2)] {
            let f = synth.future(&format!("spawned{k}"), Placement::Spawn, 500);
            synth.step(f, 0, 1300, thread, others_on_cpu);
        }
        synth.result("many_spawn_task")
    }

    #[test]
    fn off_cpu_time_the_run_causes_itself_is_no_excuse() {
        // One worker, but three of the run's threads busy at once on 2
        // cores (main, worker 1 and a third thread): the run crowded
        // itself, so fut0's half-off-CPU steps are not another process's
        // doing.
        assert_eq!(verdict(ID, &crowded(1.0)), Verdict::DoesNotHold);
    }

    #[test]
    fn other_processes_are_blamed_even_when_the_run_wanted_more_threads_than_cores() {
        // The same three busy threads on 2 cores, but each on the CPU for
        // only half (fut0) or 40 % (the others) of its wall time: the run
        // had 1.3 cores of the 2, so the CPU fut0's steps lost went to
        // another process, though its threads outnumbered the cores.
        let run = crowded(0.4);
        let used = super::cpu_use(&run, 0, 1_300_000);
        assert_eq!(used.busy_ns, 3 * 1_300_000);
        assert_eq!(used.on_cpu_ns, 650_000 + 2 * 520_000);
        let j = crate::findings::synthetic::judge(ID, &run, std::slice::from_ref(&run));
        assert_eq!(j.verdict, Verdict::Inconclusive, "{j:?}");
        assert!(
            j.reason.contains("50 %") && j.reason.contains("another process"),
            "{}",
            j.reason
        );
    }
}
