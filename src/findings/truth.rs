//! Measurement truth: pollscope's busy time against two sources it did not
//! compute itself — the kernel's per-thread CPU time and tokio's stable
//! runtime metrics.

use std::fmt::Write;

use crate::cost::CostKind;
use crate::duration::human_ns;
use crate::export::RunResult;
use crate::probe::ThreadKind;
use crate::scenario::Flavor;

/// Disagreements beyond this share are flagged.
pub const TOLERANCE: f64 = 0.05;

/// One run's cross-check, over the threads that run tokio's workers (the
/// worker threads; the block_on thread under current_thread).
#[derive(Clone, Debug, PartialEq)]
pub struct TruthCheck {
    /// The run.
    pub run_id: String,
    /// The run's cost kind (`sleep` uses no CPU, so the kernel's CPU time is
    /// not comparable to busy time).
    pub cost_kind: CostKind,
    /// pollscope's busy time on those threads (polls and off-task steps), ns.
    pub probe_busy_ns: u64,
    /// The kernel's CPU time of those threads, ns, where known.
    pub kernel_cpu_ns: Option<u64>,
    /// Sum of tokio's `worker_total_busy_duration`, ns.
    pub tokio_busy_ns: u64,
    /// Sum of tokio's `worker_park_count`.
    pub tokio_parks: u64,
}

impl TruthCheck {
    /// `(probe − kernel) / kernel`, when comparable (CPU-using costs, known
    /// kernel time, at least 1 ms of it).
    pub fn kernel_deviation(&self) -> Option<f64> {
        let kernel = self.kernel_cpu_ns.filter(|&k| k >= 1_000_000)?;
        self.cost_kind
            .uses_cpu()
            .then(|| (self.probe_busy_ns as f64 - kernel as f64) / kernel as f64)
    }

    /// `(probe − tokio) / tokio`, when tokio saw at least 1 ms of busy time.
    pub fn tokio_deviation(&self) -> Option<f64> {
        (self.tokio_busy_ns >= 1_000_000).then(|| {
            (self.probe_busy_ns as f64 - self.tokio_busy_ns as f64) / self.tokio_busy_ns as f64
        })
    }

    /// Whether either source disagrees with the probe beyond [`TOLERANCE`].
    pub fn flagged(&self) -> bool {
        [self.kernel_deviation(), self.tokio_deviation()]
            .into_iter()
            .flatten()
            .any(|d| d.abs() > TOLERANCE)
    }
}

/// The cross-check of every run.
pub fn truth_checks(results: &[RunResult]) -> Vec<TruthCheck> {
    results
        .iter()
        .map(|r| {
            let info = &r.trace.info;
            let runs_tasks = |kind: ThreadKind, index: u16| match info.flavor {
                Flavor::MultiThread => kind == ThreadKind::Worker,
                Flavor::CurrentThread => index == 0,
            };
            let threads: Vec<usize> = r
                .trace
                .threads
                .iter()
                .enumerate()
                .filter(|(_, t)| runs_tasks(t.kind, t.index))
                .map(|(i, _)| i)
                .collect();
            let probe_busy_ns = threads
                .iter()
                .filter_map(|&i| r.analysis.threads.get(i))
                .map(|t| t.busy_ns)
                .fold(0, u64::saturating_add);
            let kernel_cpu_ns = threads
                .iter()
                .map(|&i| r.trace.threads[i].cpu_time_ns)
                .try_fold(0u64, |total, t| t.map(|t| total.saturating_add(t)));
            TruthCheck {
                run_id: info.run_id.clone(),
                cost_kind: info.cost_kind,
                probe_busy_ns,
                kernel_cpu_ns,
                tokio_busy_ns: info
                    .tokio_workers
                    .iter()
                    .map(|w| w.busy_ns)
                    .fold(0, u64::saturating_add),
                tokio_parks: info
                    .tokio_workers
                    .iter()
                    .map(|w| w.parks)
                    .fold(0, u64::saturating_add),
            }
        })
        .collect()
}

fn deviation(d: Option<f64>) -> String {
    d.map_or("–".to_string(), |d| format!("{:+.1} %", d * 100.0))
}

/// The `truth` section of findings.md.
pub(super) fn to_markdown(checks: &[TruthCheck]) -> String {
    let mut md = String::from(
        "## truth\n\n\
         pollscope's busy time on the threads that run tokio's workers, against the kernel's CPU time \
         for the same threads (from registration to the end of the run) and tokio's own \
         `worker_total_busy_duration`. Busy time is wall time inside polls and steps: a thread \
         preempted inside a poll counts as busy for pollscope but not for the kernel, and tokio \
         counts its scheduler's own work and search for tasks as busy. Deviations beyond \
         ±5 % are flagged; `–` means not comparable (sleep costs use no CPU, or under 1 ms of work).\n\n\
         | run | probe busy | kernel CPU | Δ kernel | tokio busy | Δ tokio | tokio parks | verdict |\n\
         |---|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for c in checks {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
            c.run_id,
            human_ns(c.probe_busy_ns),
            c.kernel_cpu_ns.map_or("–".to_string(), human_ns),
            deviation(c.kernel_deviation()),
            human_ns(c.tokio_busy_ns),
            deviation(c.tokio_deviation()),
            c.tokio_parks,
            match (c.kernel_deviation(), c.tokio_deviation(), c.flagged()) {
                (None, None, _) => "not comparable",
                (_, _, true) => "**disagree > 5 %**",
                _ => "agree",
            }
        );
    }
    md
}
