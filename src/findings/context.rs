//! Measures the judges share: how much of a set of steps was spent off the
//! CPU, and how many of the run's own threads were busy meanwhile — the two
//! numbers that separate "the machine decided" from "the runtime decided".

use crate::analysis::RunResult;
use crate::analysis::ThreadStats;
use crate::trace::{FutureTrace, Sample};

/// A claim whose steps lost at least this share of their wall time off the
/// CPU, while the run's own busy threads did not outnumber the cores, is
/// `inconclusive`: another process had the CPU.
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

/// The mean number of the run's threads inside a poll or a step outside
/// polls over `[from, to)`: Σ busy time clipped to the window / its length.
/// Busy time includes time preempted inside a poll, so it counts threads
/// that want a core, not threads that have one.
pub(crate) fn busy_threads(result: &RunResult, from: u64, to: u64) -> f64 {
    if to <= from {
        return 0.0;
    }
    let clip = |start: u64, end: u64| end.min(to).saturating_sub(start.max(from));
    let spans = crate::analysis::poll_spans_by_thread(&result.trace, result.trace.threads.len());
    let mut busy = 0u64;
    for future in &result.trace.futures {
        for p in &future.polls {
            busy = busy.saturating_add(clip(p.start_ns, p.end_ns));
        }
        let steps = if future.kind.is_service() {
            &[][..]
        } else {
            &future.samples[..]
        };
        for s in steps {
            let own = spans
                .get(usize::from(s.thread))
                .map_or(&[][..], Vec::as_slice);
            if !crate::analysis::inside(own, s.start_ns, s.end_ns) {
                busy = busy.saturating_add(clip(s.start_ns, s.end_ns));
            }
        }
    }
    busy as f64 / (to - from) as f64
}

/// Why a failed claim about `futures`' steps is `inconclusive`, if it is:
/// their cost uses the CPU, they lost ≥ [`OFF_CPU_LIMIT`] of their wall
/// time off the CPU, and the run's own busy threads over their span did not
/// outnumber the cores.
pub(crate) fn interference(result: &RunResult, futures: &[&FutureTrace]) -> Option<String> {
    let cpu_costs = futures
        .iter()
        .all(|f| f.cost_kind.is_some_and(|k| k.uses_cpu()));
    let steps = || futures.iter().flat_map(|f| f.samples.iter());
    let share = off_cpu_share(steps())?;
    let from = steps().map(|s| s.start_ns).min()?;
    let to = steps().map(|s| s.end_ns).max()?;
    let busy = busy_threads(result, from, to);
    let cores = result.trace.info.environment.cores;
    (cpu_costs && share >= OFF_CPU_LIMIT && busy <= cores as f64).then(|| {
        format!(
            "its steps spent {:.0} % of their wall time off the CPU while the run's own busy threads ({busy:.2} on average) did not outnumber the {cores} cores: another process had the CPU",
            share * 100.0
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
    use crate::findings::Verdict;
    use crate::findings::synthetic::{SyntheticRun, verdict};
    use crate::scenario::{CostKind, Placement};

    #[test]
    fn off_cpu_time_the_run_causes_itself_is_no_excuse() {
        // One worker, but three of the run's threads busy at once on 2
        // cores (main, worker 1 and a third thread): the run crowded
        // itself, so fut0's half-off-CPU steps are not another process's
        // doing.
        let id = "many_spawn_task.fut0_not_slowed";
        let mut synth = SyntheticRun::new(CostKind::Cpu, 1, 2);
        let fut0 = synth.future("fut0", Placement::Inline, 100);
        for i in 0..10 {
            synth.step(fut0, i * 130, 130, 0, 0.5);
        }
        for (k, thread) in [(1, 1), (2, 2)] {
            let f = synth.future(&format!("spawned{k}"), Placement::Spawn, 500);
            synth.step(f, 0, 1300, thread, 1.0);
        }
        assert_eq!(
            verdict(id, &synth.result("many_spawn_task")),
            Verdict::DoesNotHold
        );
    }
}
