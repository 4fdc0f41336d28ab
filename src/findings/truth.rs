//! Measurement truth: pollscope's numbers against two sources it did not
//! compute itself — the kernel's CPU time of every thread of the run, and
//! tokio's stable runtime metrics.

use crate::analysis::RunResult;
use crate::analysis::ThreadStats;
use crate::probe::{ThreadInfo, ThreadKind};
use crate::scenario::Placement;
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
    /// CPU time between its recorded polls and steps: the runtime's own
    /// work on the thread, ns; `None` unless polls were measured (and
    /// recorded by a pollscope that counts it).
    pub runtime_cpu_ns: Option<u64>,
    /// The kernel's CPU time of the thread over the run, where known.
    pub kernel_cpu_ns: Option<u64>,
}

impl TruthRow {
    /// `(probe − kernel) / kernel`, where the kernel's time is known.
    pub(crate) fn deviation(&self) -> Option<f64> {
        self.deviation_of(self.probe_cpu_ns)
    }

    /// The probe's figure plus the runtime's CPU time between recorded
    /// work: every ns of the thread's CPU from its first recorded poll or
    /// step to its last.
    pub(crate) fn accounted_ns(&self) -> u64 {
        self.probe_cpu_ns
            .saturating_add(self.runtime_cpu_ns.unwrap_or(0))
    }

    /// `(accounted − kernel) / kernel`, where the runtime's share and the
    /// kernel's time are known.
    pub(crate) fn accounted_deviation(&self) -> Option<f64> {
        self.runtime_cpu_ns?;
        self.deviation_of(self.accounted_ns())
    }

    fn deviation_of(&self, ns: u64) -> Option<f64> {
        let kernel = self.kernel_cpu_ns.filter(|&k| k > 0)?;
        Some((ns as f64 - kernel as f64) / kernel as f64)
    }

    /// How the probe's figure compares with the kernel's, each comparison
    /// within [`CPU_TOLERANCE`] or [`CPU_FLOOR_NS`]:
    ///
    /// * the probe can never see more CPU time than the kernel charged,
    ///   polls and steps alone ([`TruthVerdict::ProbeExceedsKernel`]) or
    ///   with the runtime's share
    ///   ([`TruthVerdict::AccountedExceedsKernel`]): more is a measurement
    ///   error;
    /// * with polls measured, polls and steps alone may agree
    ///   ([`Agrees`](TruthVerdict::Agrees)); when they fall short, the
    ///   runtime's CPU between them may make up the rest
    ///   ([`AgreesWithRuntime`](TruthVerdict::AgreesWithRuntime), with that
    ///   share); what is still missing was spent before the thread's first
    ///   recorded poll or step or after its last, where the probe has no
    ///   reads
    ///   ([`Unaccounted`](TruthVerdict::Unaccounted));
    /// * with steps only, any figure up to the kernel's agrees (the polls'
    ///   own CPU is not counted).
    pub(crate) fn verdict(&self) -> TruthVerdict {
        let Some(kernel) = self.kernel_cpu_ns else {
            return TruthVerdict::NotComparable;
        };
        let slack = |diff: u64| within(diff, kernel);
        let accounted = self.accounted_ns();
        if self.probe_cpu_ns > kernel && !slack(self.probe_cpu_ns - kernel) {
            TruthVerdict::ProbeExceedsKernel
        } else if accounted > kernel && !slack(accounted - kernel) {
            TruthVerdict::AccountedExceedsKernel
        } else if !self.polls_measured || slack(kernel.saturating_sub(self.probe_cpu_ns)) {
            TruthVerdict::Agrees
        } else if slack(kernel.saturating_sub(accounted)) {
            TruthVerdict::AgreesWithRuntime(self.runtime_cpu_ns.unwrap_or(0))
        } else {
            TruthVerdict::Unaccounted(kernel - accounted)
        }
    }

    /// Whether the probe's figure is within [`CPU_TOLERANCE`] (or
    /// [`CPU_FLOOR_NS`]) of the kernel's, either way.
    pub(crate) fn within_tolerance(&self) -> bool {
        self.kernel_cpu_ns
            .is_some_and(|kernel| within(self.probe_cpu_ns.abs_diff(kernel), kernel))
    }
}

#[cfg(test)]
impl TruthRow {
    /// A `main` thread's row with these figures (for tests).
    pub(crate) fn of_main(
        probe_cpu_ns: u64,
        runtime_cpu_ns: Option<u64>,
        kernel_cpu_ns: Option<u64>,
        polls_measured: bool,
    ) -> Self {
        TruthRow {
            label: "main".into(),
            roles: "main".into(),
            busy_by_role: Vec::new(),
            probe_cpu_ns,
            polls_measured,
            runtime_cpu_ns,
            kernel_cpu_ns,
        }
    }
}

/// Whether `diff` ns is within the tolerance of a `kernel` ns figure.
fn within(diff: u64, kernel: u64) -> bool {
    diff <= CPU_FLOOR_NS || diff as f64 <= CPU_TOLERANCE * kernel as f64
}

/// The outcome of one thread's CPU cross-check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TruthVerdict {
    /// Polls and steps alone are within the tolerance (or, steps only,
    /// not above the kernel's figure).
    Agrees,
    /// Polls and steps fall short, but with the runtime's CPU time between
    /// them (this many ns) the thread's CPU is accounted for within the
    /// tolerance.
    AgreesWithRuntime(u64),
    /// This many ns of the thread's CPU time are in no poll or step and not
    /// between them: before its first recorded poll or step or after its
    /// last (thread start-up, the runtime's work once the thread's last
    /// recorded work ended), or recorded by a pollscope that did not count
    /// the runtime's share.
    Unaccounted(u64),
    /// The probe counted more CPU time than the kernel charged: a
    /// measurement error.
    ProbeExceedsKernel,
    /// Polls and steps are within the kernel's figure, but with the
    /// runtime's share they exceed it: recorded work overlapped, or the
    /// runtime's share was counted wrong.
    AccountedExceedsKernel,
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
    /// Whether a worker ran `block_in_place` steps: tokio hands the
    /// worker's core to another thread for the step's duration and stops
    /// counting the thread as busy, while pollscope still sees the poll
    /// that called it running, so the two busy times cannot be compared.
    pub block_in_place: bool,
}

impl TruthCheck {
    /// `(probe − tokio) / tokio` of the worker role's busy time, when tokio
    /// saw at least 1 ms of it.
    pub(crate) fn tokio_deviation(&self) -> Option<f64> {
        if self.block_in_place {
            return None;
        }
        let tokio = self.tokio_busy_ns.filter(|&t| t >= 1_000_000)?;
        Some((self.worker_busy_ns as f64 - tokio as f64) / tokio as f64)
    }
}

fn row(label: String, stats: &ThreadStats, info: &ThreadInfo) -> TruthRow {
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
        runtime_cpu_ns: info.runtime_cpu_ns,
        kernel_cpu_ns: info.cpu_time_ns,
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
                .map(|((stats, info), label)| row(label, stats, info))
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
                block_in_place: r.trace.futures.iter().any(|f| {
                    f.kind.placement() == Some(Placement::BlockInPlace)
                        && f.samples.iter().any(|s| s.thread != 0)
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Every verdict of the CPU cross-check, on both sides of its
    //! thresholds (2 % of the kernel's figure, or 1 ms).

    use super::{TruthRow, TruthVerdict};

    const MS: u64 = 1_000_000;

    fn row(probe: u64, runtime: Option<u64>, kernel: Option<u64>, polls: bool) -> TruthRow {
        TruthRow::of_main(probe, runtime, kernel, polls)
    }

    #[test]
    fn without_the_kernels_figure_nothing_is_compared() {
        assert_eq!(
            row(5 * MS, Some(0), None, true).verdict(),
            TruthVerdict::NotComparable
        );
    }

    #[test]
    fn polls_and_steps_agree_within_two_percent_or_one_millisecond() {
        // 100 ms kernel: 2 ms of slack either way.
        assert_eq!(
            row(98 * MS, Some(0), Some(100 * MS), true).verdict(),
            TruthVerdict::Agrees
        );
        assert_eq!(
            row(102 * MS, Some(0), Some(100 * MS), true).verdict(),
            TruthVerdict::Agrees
        );
        // 10 ms kernel: the 1 ms floor is wider than 2 %.
        assert_eq!(
            row(9 * MS, Some(0), Some(10 * MS), true).verdict(),
            TruthVerdict::Agrees
        );
    }

    #[test]
    fn a_probe_above_the_kernel_beyond_the_slack_is_an_error() {
        assert_eq!(
            row(102 * MS + 1, Some(0), Some(100 * MS), true).verdict(),
            TruthVerdict::ProbeExceedsKernel
        );
        // Steps only, too.
        assert_eq!(
            row(102 * MS + 1, None, Some(100 * MS), false).verdict(),
            TruthVerdict::ProbeExceedsKernel
        );
        // Polls within the kernel, but the runtime's share double counts.
        assert_eq!(
            row(99 * MS, Some(4 * MS), Some(100 * MS), true).verdict(),
            TruthVerdict::AccountedExceedsKernel
        );
        assert_eq!(
            row(99 * MS, Some(3 * MS), Some(100 * MS), true).verdict(),
            TruthVerdict::Agrees
        );
    }

    #[test]
    fn a_shortfall_is_the_runtimes_work_when_its_share_makes_it_up() {
        let short = row(80 * MS, Some(19 * MS), Some(100 * MS), true);
        assert_eq!(short.verdict(), TruthVerdict::AgreesWithRuntime(19 * MS));
        assert!((short.deviation().unwrap() + 0.20).abs() < 1e-9);
        assert!((short.accounted_deviation().unwrap() + 0.01).abs() < 1e-9);
        // Just past the slack: 2 ms + 1 ns missing.
        assert_eq!(
            row(80 * MS, Some(18 * MS - 1), Some(100 * MS), true).verdict(),
            TruthVerdict::Unaccounted(2 * MS + 1)
        );
        // A folder recorded without the runtime's share.
        assert_eq!(
            row(80 * MS, None, Some(100 * MS), true).verdict(),
            TruthVerdict::Unaccounted(20 * MS)
        );
    }

    #[test]
    fn tokios_busy_time_is_compared_beyond_five_percent_unless_block_in_place_ran() {
        let check = |worker_busy_ns, block_in_place| super::TruthCheck {
            run_id: "r".into(),
            threads: Vec::new(),
            worker_busy_ns,
            tokio_busy_ns: Some(100 * MS),
            block_in_place,
        };
        assert!((check(105 * MS, false).tokio_deviation().unwrap() - 0.05).abs() < 1e-9);
        assert!(check(106 * MS, false).tokio_deviation().unwrap() > super::TOKIO_TOLERANCE);
        assert_eq!(check(500 * MS, true).tokio_deviation(), None);
    }

    #[test]
    fn steps_alone_agree_anywhere_up_to_the_kernel() {
        let steps = row(10 * MS, None, Some(100 * MS), false);
        assert_eq!(steps.verdict(), TruthVerdict::Agrees);
        assert!(!steps.within_tolerance());
        assert_eq!(steps.accounted_deviation(), None);
    }
}
