//! Interference: what the rest of the machine did with the CPUs over a
//! run's wall interval, as figures and the rule that calls a run
//! disturbed. `crate::run` reads them from `/proc/stat` and the process's
//! own CPU clock.

/// A run is disturbed when the hypervisor stole at least this share of the
/// machine's CPU time (% of C × W) over the run: the run's own threads lost
/// CPU they were given, invisibly to their CPU clocks.
pub const STEAL_LIMIT_PCT: f64 = 5.0;

/// A run is disturbed when other processes took at least this share of the
/// machine's CPU time (% of C × W) over the run …
pub const OTHER_CPU_LIMIT_PCT: f64 = 5.0;

/// … while the machine's idle time stayed below this share (% of C × W):
/// the others took CPU the run could have used. With idle time to spare,
/// the others ran beside the run, not instead of it.
pub const IDLE_FLOOR_PCT: f64 = 10.0;

/// What the rest of the machine did over one run's wall interval, each
/// figure a percentage of the machine's CPUs × the interval (runs.csv's
/// `other_cpu_pct`, `steal_pct`, `idle_pct` and `disturbed`).
///
/// ```
/// use pollscope::Interference;
/// let quiet = Interference::new(1.0, 0.0, 60.0);
/// assert!(!quiet.disturbed);
/// let crowded = Interference::new(41.2, 0.0, 0.3);
/// assert!(crowded.disturbed);
/// assert_eq!(
///     crowded.describe(),
///     "other processes took 41.2 % of the CPU (idle 0.3 %), steal 0.0 %"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Interference {
    /// CPU time of everything but this process, % of C × W.
    pub other_cpu_pct: f64,
    /// The hypervisor's steal, % of C × W.
    pub steal_pct: f64,
    /// The machine's idle time (idle + iowait), % of C × W.
    pub idle_pct: f64,
    /// Whether the run was disturbed: by [`Interference::rule`] when
    /// measured, as recorded when read back from runs.csv.
    pub disturbed: bool,
}

impl Interference {
    /// The figures, judged by [`Interference::rule`].
    pub fn new(other_cpu_pct: f64, steal_pct: f64, idle_pct: f64) -> Self {
        Self {
            other_cpu_pct,
            steal_pct,
            idle_pct,
            disturbed: Self::rule(other_cpu_pct, steal_pct, idle_pct),
        }
    }

    /// The rule (applied by the run stage to each figure less the reading's
    /// resolution, one tick per CPU over the run): disturbed when
    /// `steal_pct` ≥ [`STEAL_LIMIT_PCT`], or when
    /// `other_cpu_pct` ≥ [`OTHER_CPU_LIMIT_PCT`] while `idle_pct` <
    /// [`IDLE_FLOOR_PCT`].
    pub fn rule(other_cpu_pct: f64, steal_pct: f64, idle_pct: f64) -> bool {
        steal_pct >= STEAL_LIMIT_PCT
            || (other_cpu_pct >= OTHER_CPU_LIMIT_PCT && idle_pct < IDLE_FLOOR_PCT)
    }

    /// `other processes took 41.2 % of the CPU (idle 0.3 %), steal 0.0 %`.
    pub fn describe(&self) -> String {
        format!(
            "other processes took {:.1} % of the CPU (idle {:.1} %), steal {:.1} %",
            self.other_cpu_pct, self.idle_pct, self.steal_pct
        )
    }
}
