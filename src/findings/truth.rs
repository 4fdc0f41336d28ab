//! Measurement truth: pollscope's numbers against two sources it did not
//! compute itself — the kernel's CPU time of every thread of the run, and
//! tokio's stable runtime metrics.

use std::fmt::Write;

use crate::analysis::ThreadStats;
use crate::duration::human_ns;
use crate::export::RunResult;
use crate::probe::ThreadKind;
use crate::trace::thread_labels;

/// Relative tolerance of the CPU check: the probe's on-CPU time of a thread
/// agrees with the kernel's within 2 % …
pub(crate) const CPU_TOLERANCE: f64 = 0.02;
/// … or within 1 ms, for nearly idle threads.
pub(crate) const CPU_FLOOR_NS: u64 = 1_000_000;
/// Busy time of the worker role against tokio's own busy time: flagged
/// beyond 5 %.
pub(crate) const TOKIO_TOLERANCE: f64 = 0.05;

/// One thread's cross-check.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TruthRow {
    /// `main`, `worker 1`, … with the thread index.
    pub label: String,
    /// Its roles, joined by `+`.
    pub roles: String,
    /// Busy time per role that it played: (role, ns).
    pub busy_by_role: Vec<(ThreadKind, u64)>,
    /// The probe's on-CPU time of the thread: Σ its polls' `cpu_ns` plus
    /// its steps outside polls (with `--poll-cpu-time`), else Σ its steps'
    /// `cpu_ns`, ns.
    pub probe_cpu_ns: u64,
    /// Whether `probe_cpu_ns` covers the polls (else the steps only).
    pub polls_measured: bool,
    /// The kernel's CPU time of the thread over the run, where known.
    pub kernel_cpu_ns: Option<u64>,
}

impl TruthRow {
    /// `(probe − kernel) / kernel`, where the kernel's time is known.
    pub(crate) fn deviation(&self) -> Option<f64> {
        let kernel = self.kernel_cpu_ns.filter(|&k| k > 0)?;
        Some((self.probe_cpu_ns as f64 - kernel as f64) / kernel as f64)
    }

    /// How the probe's figure compares with the kernel's:
    ///
    /// * the probe can never see more CPU time than the kernel charged:
    ///   beyond [`CPU_TOLERANCE`] and [`CPU_FLOOR_NS`] over it, the probe
    ///   is wrong ([`TruthVerdict::ProbeExceedsKernel`]);
    /// * with polls measured, within the tolerance below the kernel it
    ///   [`Agrees`](TruthVerdict::Agrees); further below, the rest is CPU
    ///   the thread spent outside every recorded poll and step — the
    ///   runtime's own work (parking, waking, handing tasks to the
    ///   blocking pool) — and is reported as such;
    /// * with steps only, any figure up to the kernel's agrees (the polls'
    ///   own CPU is not counted).
    pub(crate) fn verdict(&self) -> TruthVerdict {
        let Some(kernel) = self.kernel_cpu_ns else {
            return TruthVerdict::NotComparable;
        };
        let slack = |diff: u64| within(diff, kernel);
        if self.probe_cpu_ns > kernel && !slack(self.probe_cpu_ns - kernel) {
            TruthVerdict::ProbeExceedsKernel
        } else if self.polls_measured && !slack(kernel.saturating_sub(self.probe_cpu_ns)) {
            TruthVerdict::OutsidePolls(kernel - self.probe_cpu_ns)
        } else {
            TruthVerdict::Agrees
        }
    }
}

impl TruthRow {
    /// Whether the probe's figure is within [`CPU_TOLERANCE`] (or
    /// [`CPU_FLOOR_NS`]) of the kernel's, either way.
    pub(crate) fn within_tolerance(&self) -> bool {
        self.kernel_cpu_ns
            .is_some_and(|kernel| within(self.probe_cpu_ns.abs_diff(kernel), kernel))
    }
}

/// Whether `diff` ns is within the tolerance of a `kernel` ns figure.
fn within(diff: u64, kernel: u64) -> bool {
    diff <= CPU_FLOOR_NS || diff as f64 <= CPU_TOLERANCE * kernel as f64
}

/// The outcome of one thread's CPU cross-check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TruthVerdict {
    /// Within the tolerance (or, steps only, not above the kernel's).
    Agrees,
    /// This many ns of the thread's CPU time fell outside every recorded
    /// poll and step: the runtime's own work.
    OutsidePolls(u64),
    /// The probe counted more CPU time than the kernel charged: a
    /// measurement error.
    ProbeExceedsKernel,
    /// The kernel did not say.
    NotComparable,
}

/// One run's cross-check: every thread against the kernel, and the worker
/// role's busy time against tokio's.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TruthCheck {
    /// The run.
    pub run_id: String,
    /// One row per thread, by index.
    pub threads: Vec<TruthRow>,
    /// Busy time of the worker role on all threads, ns.
    pub worker_busy_ns: u64,
    /// Σ tokio's `worker_total_busy_duration`, ns; `None` when unknown.
    pub tokio_busy_ns: Option<u64>,
}

impl TruthCheck {
    /// `(probe − tokio) / tokio` of the worker role's busy time, when tokio
    /// saw at least 1 ms of it.
    pub(crate) fn tokio_deviation(&self) -> Option<f64> {
        let tokio = self.tokio_busy_ns.filter(|&t| t >= 1_000_000)?;
        Some((self.worker_busy_ns as f64 - tokio as f64) / tokio as f64)
    }
}

fn row(label: String, stats: &ThreadStats, kernel_cpu_ns: Option<u64>) -> TruthRow {
    TruthRow {
        label,
        roles: stats.kind(),
        busy_by_role: stats
            .roles
            .iter()
            .map(|&r| (r, stats.busy_by_role[r as usize]))
            .collect(),
        probe_cpu_ns: stats.probe_cpu_ns.unwrap_or(stats.step_cpu_ns),
        polls_measured: stats.probe_cpu_ns.is_some(),
        kernel_cpu_ns,
    }
}

/// The cross-check of every run.
pub(crate) fn truth_checks(results: &[RunResult]) -> Vec<TruthCheck> {
    results
        .iter()
        .map(|r| {
            let labels = thread_labels(&r.trace.threads);
            let threads = r
                .analysis
                .threads
                .iter()
                .zip(&r.trace.threads)
                .zip(labels)
                .map(|((stats, info), label)| row(label, stats, info.cpu_time_ns))
                .collect();
            let tokio = &r.trace.info.metrics.tokio_workers;
            TruthCheck {
                run_id: r.trace.info.run_id.clone(),
                threads,
                worker_busy_ns: r
                    .analysis
                    .threads
                    .iter()
                    .map(|t| t.busy_by_role[ThreadKind::Worker as usize])
                    .fold(0, u64::saturating_add),
                tokio_busy_ns: (!tokio.is_empty())
                    .then(|| tokio.iter().map(|w| w.busy_ns).fold(0, u64::saturating_add)),
            }
        })
        .collect()
}

fn percent(d: Option<f64>) -> String {
    d.map_or("–".to_string(), |d| format!("{:+.1} %", d * 100.0))
}

/// The `truth` section of findings.md.
pub(super) fn to_markdown(checks: &[TruthCheck]) -> String {
    let mut md = String::from(
        "## truth\n\n\
         For every thread of every run, the on-CPU time the probe measured (each poll's `cpu_ns` plus \
         the steps run outside polls, with `--poll-cpu-time`; otherwise the steps' `cpu_ns` alone, which \
         can only fall short of the kernel's) against the kernel's CPU time of that thread over the \
         run (`cpu_time_ns`). The probe can never exceed the kernel (beyond 2 % or 1 ms, that would be \
         a measurement error); with polls measured it agrees within 2 % or 1 ms, and a larger \
         shortfall is CPU the thread spent outside every recorded poll and step — the runtime's own \
         work (parking, waking, handing tasks to the blocking pool), shown as such. A thread that changed role (block_in_place hands a \
         worker's queue to a blocking thread) is listed with each role it played and its busy time in \
         each. tokio's `worker_total_busy_duration` is compared with the worker role's busy time \
         (flagged beyond ±5 %: tokio counts its own scheduling as busy).\n\n\
         | run | thread | roles | busy by role | probe CPU | kernel CPU | Δ | verdict |\n\
         |---|---|---|---|---:|---:|---:|---|\n",
    );
    for c in checks {
        for t in &c.threads {
            let busy = t
                .busy_by_role
                .iter()
                .map(|(r, ns)| format!("{} {}", r.as_str(), human_ns(*ns)))
                .collect::<Vec<_>>()
                .join(", ");
            let verdict = match t.verdict() {
                TruthVerdict::NotComparable => "not comparable".to_string(),
                TruthVerdict::Agrees if t.polls_measured || t.within_tolerance() => {
                    "agree".to_string()
                }
                // Steps alone can only fall short: what was checked is
                // that they do not exceed the kernel.
                TruthVerdict::Agrees => {
                    "not above the kernel (steps only; --poll-cpu-time checks the whole thread)"
                        .to_string()
                }
                TruthVerdict::OutsidePolls(ns) => {
                    format!("{} outside polls (the runtime's own work)", human_ns(ns))
                }
                TruthVerdict::ProbeExceedsKernel => "**the probe exceeds the kernel**".to_string(),
            };
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {}{} | {} | {} | {verdict} |",
                c.run_id,
                t.label,
                t.roles,
                busy,
                human_ns(t.probe_cpu_ns),
                if t.polls_measured { "" } else { " (steps)" },
                t.kernel_cpu_ns.map_or("–".to_string(), human_ns),
                percent(t.deviation()),
            );
        }
    }
    // Only runs on tokio workers have tokio's figure to compare with.
    let on_tokio: Vec<&TruthCheck> = checks
        .iter()
        .filter(|c| c.worker_busy_ns > 0 && c.tokio_busy_ns.is_some())
        .collect();
    if on_tokio.is_empty() {
        return md;
    }
    md.push_str(
        "\nRuns with tokio workers: the worker role's busy time against tokio's own (runs whose \
         futures all ran on main have no worker role to compare; smol keeps no such figure).\n\n\
         | run | worker-role busy | tokio busy | Δ tokio |\n|---|---:|---:|---:|\n",
    );
    for c in on_tokio {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {}{} |",
            c.run_id,
            human_ns(c.worker_busy_ns),
            c.tokio_busy_ns.map_or("–".to_string(), human_ns),
            percent(c.tokio_deviation()),
            if c.tokio_deviation()
                .is_some_and(|d| d.abs() > TOKIO_TOLERANCE)
            {
                " **flagged**"
            } else {
                ""
            }
        );
    }
    md
}
