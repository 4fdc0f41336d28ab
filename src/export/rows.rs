//! One row type per CSV file: the writer, `plot`'s loader and `compare` all
//! use these, so each file's schema lives once. The contract's columns
//! come first, in the contract's order; pollscope's extra columns follow.
//!
//! Reading is strict and says where: [`read_rows`] checks the header (the
//! contract's columns first, in order) and every value (whole numbers ≥ 0
//! for times and counts, finite numbers, `end ≥ start`, safe run ids and
//! names), and reports `file:line: column: what is wrong`.

use std::borrow::Cow;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::common::names;
use crate::error::{Error, Result};
use crate::findings::Verdict;
use crate::probe::ThreadKind;
use crate::scenario::CostKind;
use crate::scenario::{Bound, ClaimMetric, UserClaim};
use crate::scenario::{
    Executor, Flavor, KnobUnit, Origin, Setting, SettingValue, TokioKnob, TokioKnobs,
};
use crate::trace::FutureKind;

/// A CSV row type: its file, its contract columns and its value checks.
pub(crate) trait Row: Serialize + DeserializeOwned + Default {
    /// The file's name in a result folder.
    const FILE: &'static str;
    /// The contract's columns, in order; extra columns follow them.
    const CONTRACT: &'static [&'static str];
    /// The first bad value of the row, as (column, what is wrong).
    fn check(&self) -> Option<(&'static str, String)> {
        None
    }
}

/// runs.csv
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub(crate) struct RunRow<'a> {
    pub(crate) run_id: Cow<'a, str>,
    pub(crate) scenario: Cow<'a, str>,
    pub(crate) flavor: Option<Flavor>,
    pub(crate) workers: Option<u64>,
    pub(crate) max_blocking_threads: Option<u64>,
    pub(crate) cost_kind: Option<CostKind>,
    pub(crate) light_cost_us: Option<u64>,
    pub(crate) heavy_cost_us: Option<u64>,
    pub(crate) samples: Option<u64>,
    pub(crate) tasks: Option<u64>,
    pub(crate) repeat: Option<u64>,
    pub(crate) cores: u64,
    pub(crate) calibration: Option<f64>,
    pub(crate) makespan_us: u64,
    pub(crate) lower_bound_us: Option<u64>,
    pub(crate) efficiency: Option<f64>,
    // Columns added by the second wave, then pollscope's extras.
    #[serde(default)]
    pub(crate) origin: Option<Origin>,
    #[serde(default)]
    pub(crate) poll_cpu_time: Option<u8>,
    #[serde(default)]
    pub(crate) executor: Option<Executor>,
    // tokio's knobs: one column per row of `crate::scenario::KNOBS`, read
    // and written through `RunRow::tokio_knobs` and `set_tokio_knobs`.
    #[serde(default)]
    pub(crate) global_queue_interval: Option<u64>,
    #[serde(default)]
    pub(crate) event_interval: Option<u64>,
    #[serde(default)]
    pub(crate) thread_keep_alive_us: Option<u64>,
    #[serde(default)]
    pub(crate) tokio_version: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) smol_version: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) pollscope_version: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) kernel: Option<Cow<'a, str>>,
    /// What bounds the run's cost: `thread_cpu` (the `cpu` kind, bounded
    /// by the thread's CPU clock) or `wall` (`spin`, `sleep`).
    #[serde(default)]
    pub(crate) cost_clock: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) blocking_permits: Option<u64>,
    #[serde(default)]
    pub(crate) pool_threads: Option<u64>,
    #[serde(default)]
    pub(crate) light_cost_ns: Option<u64>,
    #[serde(default)]
    pub(crate) heavy_cost_ns: Option<u64>,
    #[serde(default)]
    pub(crate) tokio_worker_busy_ns: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) tokio_worker_parks: Option<Cow<'a, str>>,
    // Interference over the run's wall interval (% of cores × wall time)
    // and whether the run was disturbed, by the rule in results/README.md.
    #[serde(default)]
    pub(crate) other_cpu_pct: Option<f64>,
    #[serde(default)]
    pub(crate) steal_pct: Option<f64>,
    #[serde(default)]
    pub(crate) idle_pct: Option<f64>,
    #[serde(default)]
    pub(crate) disturbed: Option<u8>,
    // Throughput and CPU: samples recorded, per second of makespan; the
    // kernel's CPU time of all the run's threads, per event.
    #[serde(default)]
    pub(crate) events: Option<u64>,
    #[serde(default)]
    pub(crate) events_per_s: Option<f64>,
    #[serde(default)]
    pub(crate) process_cpu_ns: Option<u64>,
    #[serde(default)]
    pub(crate) cpu_per_event_ns: Option<u64>,
    /// The CPU's model, where /proc/cpuinfo says.
    #[serde(default)]
    pub(crate) cpu_model: Option<Cow<'a, str>>,
    /// When the run started, RFC 3339 UTC.
    #[serde(default)]
    pub(crate) started_at: Option<Cow<'a, str>>,
    /// The history label and commit of a run recorded with `run --record`.
    #[serde(default)]
    pub(crate) label: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) commit: Option<Cow<'a, str>>,
}

impl Row for RunRow<'_> {
    const FILE: &'static str = "runs.csv";
    const CONTRACT: &'static [&'static str] = &[
        "run_id",
        "scenario",
        "flavor",
        "workers",
        "max_blocking_threads",
        "cost_kind",
        "light_cost_us",
        "heavy_cost_us",
        "samples",
        "tasks",
        "repeat",
        "cores",
        "calibration",
        "makespan_us",
        "lower_bound_us",
        "efficiency",
    ];

    fn check(&self) -> Option<(&'static str, String)> {
        run_id_problem(&self.run_id)
            .or_else(|| name_problem("scenario", &self.scenario))
            .or_else(|| self.calibration.and_then(|c| positive("calibration", c)))
            .or_else(|| {
                self.workers
                    .filter(|&w| w == 0)
                    .map(|_| ("workers", "`0`: a run has at least one worker".to_string()))
            })
            .or_else(|| time("makespan_us", Some(self.makespan_us)))
            .or_else(|| self.efficiency.and_then(|e| finite("efficiency", e)))
            .or_else(|| {
                self.efficiency
                    .filter(|&e| !(0.0..=1.0).contains(&e))
                    .map(|e| ("efficiency", format!("`{e}` is not between 0 and 1")))
            })
            .or_else(|| {
                self.poll_cpu_time
                    .filter(|&p| p > 1)
                    .map(|p| ("poll_cpu_time", format!("`{p}` is not 0 or 1")))
            })
            .or_else(|| self.knob_problem())
            .or_else(|| self.interference_problem())
            .or_else(|| list_problem("tokio_worker_busy_ns", &self.tokio_worker_busy_ns))
            .or_else(|| list_problem("tokio_worker_parks", &self.tokio_worker_parks))
            .or_else(|| {
                self.started_at
                    .as_deref()
                    .filter(|t| !crate::common::time::is_rfc3339_utc(t))
                    .map(|t| {
                        (
                            "started_at",
                            format!(
                                "`{}` is not an RFC 3339 UTC time (e.g. 2026-12-04T15:20:00Z)",
                                crate::error::shown(t)
                            ),
                        )
                    })
            })
    }
}

impl RunRow<'_> {
    /// A knob's column.
    fn knob_column(&mut self, knob: TokioKnob) -> &mut Option<u64> {
        match knob {
            TokioKnob::GlobalQueueInterval => &mut self.global_queue_interval,
            TokioKnob::EventInterval => &mut self.event_interval,
            TokioKnob::ThreadKeepAlive => &mut self.thread_keep_alive_us,
        }
    }

    /// tokio's knobs as the row records them.
    pub(crate) fn tokio_knobs(&self) -> TokioKnobs {
        let mut row = self.clone();
        let mut knobs = TokioKnobs::default();
        for knob in TokioKnob::ALL {
            knobs.set(
                knob,
                row.knob_column(knob).map(|cell| knob.value_of_cell(cell)),
            );
        }
        knobs
    }

    /// Records tokio's knobs in their columns.
    pub(crate) fn set_tokio_knobs(&mut self, knobs: &TokioKnobs) {
        for knob in TokioKnob::ALL {
            *self.knob_column(knob) = knobs.get(knob).map(|v| knob.cell_of_value(v));
        }
    }

    /// The row's value of `setting`: `None` where the run has none (a
    /// library session's runtime, a tokio setting of a smol run, workers
    /// of current_thread) or, for tokio's knobs, where it is tokio's
    /// default.
    pub(crate) fn setting(&self, setting: Setting) -> Option<SettingValue> {
        use SettingValue::{Count, Micros, Text};
        let executor = self.executor.unwrap_or_default();
        if setting.spec().tokio_only && executor != Executor::Tokio {
            return None;
        }
        match setting {
            Setting::Executor => Some(Text(executor.to_string())),
            Setting::Flavor => self.flavor.map(|f| Text(f.to_string())),
            Setting::Workers if self.flavor == Some(Flavor::CurrentThread) => None,
            Setting::Workers => self.workers.map(Count),
            Setting::CostKind => self.cost_kind.map(|k| Text(k.to_string())),
            Setting::LightCost => self.light_cost_us.map(Micros),
            Setting::HeavyCost => self.heavy_cost_us.map(Micros),
            Setting::Samples => self.samples.map(Count),
            Setting::Tasks => self.tasks.map(Count),
            Setting::PollCpuTime => Some(Text((self.poll_cpu_time == Some(1)).to_string())),
            Setting::MaxBlockingThreads => self.max_blocking_threads.map(Count),
            Setting::Tokio(knob) => self.tokio_knobs().get(knob).map(|v| knob.setting_value(v)),
        }
    }

    /// A percentage outside 0–100, a `disturbed` other than 0 or 1, or a
    /// negative or non-finite rate.
    fn interference_problem(&self) -> Option<(&'static str, String)> {
        [
            ("other_cpu_pct", self.other_cpu_pct),
            ("steal_pct", self.steal_pct),
            ("idle_pct", self.idle_pct),
        ]
        .into_iter()
        .find_map(|(column, value)| {
            value
                .filter(|v| !(0.0..=100.0).contains(v))
                .map(|v| (column, format!("`{v}` is not a percentage from 0 to 100")))
        })
        .or_else(|| {
            self.disturbed
                .filter(|&d| d > 1)
                .map(|d| ("disturbed", format!("`{d}` is not 0 or 1")))
        })
        .or_else(|| {
            self.events_per_s
                .filter(|e| !(e.is_finite() && *e >= 0.0))
                .map(|e| ("events_per_s", format!("`{e}` is not a number ≥ 0")))
        })
    }

    /// A count knob of 0 or beyond `u32`.
    fn knob_problem(&self) -> Option<(&'static str, String)> {
        let mut row = self.clone();
        TokioKnob::ALL.iter().find_map(|&knob| {
            let spec = knob.spec();
            match (spec.unit, *row.knob_column(knob)) {
                (KnobUnit::Count, Some(0)) => {
                    Some((spec.column, "`0`: an interval is at least 1".to_string()))
                }
                (KnobUnit::Count, Some(n)) if n > u64::from(u32::MAX) => {
                    Some((spec.column, format!("`{n}` is too large")))
                }
                _ => None,
            }
        })
    }
}

/// futures.csv
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub(crate) struct FutureRow<'a> {
    pub(crate) run_id: Cow<'a, str>,
    pub(crate) future: Cow<'a, str>,
    pub(crate) placement: FutureKind,
    pub(crate) cost_us: Option<u64>,
    pub(crate) samples: u64,
    pub(crate) first_poll_ns: Option<u64>,
    pub(crate) completed_ns: Option<u64>,
    pub(crate) polls: u64,
    pub(crate) busy_ns: u64,
    pub(crate) threads: u64,
    pub(crate) poll_p50_ns: Option<u64>,
    pub(crate) poll_p99_ns: Option<u64>,
    pub(crate) poll_max_ns: Option<u64>,
    pub(crate) sched_delay_p50_ns: Option<u64>,
    pub(crate) sched_delay_p99_ns: Option<u64>,
    pub(crate) sched_delay_max_ns: Option<u64>,
    // Extra columns.
    #[serde(default)]
    pub(crate) cost_kind: Option<CostKind>,
    #[serde(default)]
    pub(crate) cost_ns: Option<u64>,
    #[serde(default)]
    pub(crate) planned_samples: Option<u64>,
    #[serde(default)]
    pub(crate) wake_clamps: Option<u64>,
    /// `producer`, `service`, `instrumented` or `span`.
    #[serde(default)]
    pub(crate) kind: Option<Cow<'a, str>>,
    /// A service future's sample values, ns (empty for others).
    #[serde(default)]
    pub(crate) value_p50_ns: Option<u64>,
    #[serde(default)]
    pub(crate) value_p99_ns: Option<u64>,
    #[serde(default)]
    pub(crate) value_max_ns: Option<u64>,
}

impl Row for FutureRow<'_> {
    const FILE: &'static str = "futures.csv";
    const CONTRACT: &'static [&'static str] = &[
        "run_id",
        "future",
        "placement",
        "cost_us",
        "samples",
        "first_poll_ns",
        "completed_ns",
        "polls",
        "busy_ns",
        "threads",
        "poll_p50_ns",
        "poll_p99_ns",
        "poll_max_ns",
        "sched_delay_p50_ns",
        "sched_delay_p99_ns",
        "sched_delay_max_ns",
    ];

    fn check(&self) -> Option<(&'static str, String)> {
        run_id_problem(&self.run_id)
            .or_else(|| name_problem("future", &self.future))
            .or_else(|| time("first_poll_ns", self.first_poll_ns))
            .or_else(|| time("completed_ns", self.completed_ns))
            .or_else(|| match (self.first_poll_ns, self.completed_ns) {
                (Some(first), Some(done)) if done < first => Some((
                    "completed_ns",
                    format!("`{done}` is before first_poll_ns ({first})"),
                )),
                _ => None,
            })
            .or_else(|| {
                summary(
                    ["poll_p50_ns", "poll_p99_ns", "poll_max_ns"],
                    [self.poll_p50_ns, self.poll_p99_ns, self.poll_max_ns],
                )
            })
            .or_else(|| {
                summary(
                    [
                        "sched_delay_p50_ns",
                        "sched_delay_p99_ns",
                        "sched_delay_max_ns",
                    ],
                    [
                        self.sched_delay_p50_ns,
                        self.sched_delay_p99_ns,
                        self.sched_delay_max_ns,
                    ],
                )
            })
            .or_else(|| {
                summary(
                    ["value_p50_ns", "value_p99_ns", "value_max_ns"],
                    [self.value_p50_ns, self.value_p99_ns, self.value_max_ns],
                )
            })
    }
}

/// samples.csv
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub(crate) struct SampleRow<'a> {
    pub(crate) run_id: Cow<'a, str>,
    pub(crate) future: Cow<'a, str>,
    pub(crate) seq: u32,
    pub(crate) value: f64,
    pub(crate) start_ns: u64,
    pub(crate) end_ns: u64,
    pub(crate) thread: u16,
    #[serde(default)]
    pub(crate) cpu_ns: Option<u64>,
}

impl Row for SampleRow<'_> {
    const FILE: &'static str = "samples.csv";
    const CONTRACT: &'static [&'static str] = &[
        "run_id", "future", "seq", "value", "start_ns", "end_ns", "thread",
    ];

    fn check(&self) -> Option<(&'static str, String)> {
        run_id_problem(&self.run_id)
            .or_else(|| name_problem("future", &self.future))
            .or_else(|| finite("value", self.value))
            .or_else(|| time("end_ns", Some(self.end_ns)))
            .or_else(|| ordered("end_ns", self.start_ns, self.end_ns))
    }
}

/// polls.csv
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub(crate) struct PollRow<'a> {
    pub(crate) run_id: Cow<'a, str>,
    pub(crate) future: Cow<'a, str>,
    pub(crate) poll: u64,
    pub(crate) start_ns: u64,
    pub(crate) end_ns: u64,
    pub(crate) thread: u16,
    pub(crate) woken_ns: Option<u64>,
    pub(crate) ready: u8,
    #[serde(default)]
    pub(crate) cpu_ns: Option<u64>,
}

impl Row for PollRow<'_> {
    const FILE: &'static str = "polls.csv";
    const CONTRACT: &'static [&'static str] = &[
        "run_id", "future", "poll", "start_ns", "end_ns", "thread", "woken_ns", "ready",
    ];

    fn check(&self) -> Option<(&'static str, String)> {
        run_id_problem(&self.run_id)
            .or_else(|| name_problem("future", &self.future))
            .or_else(|| time("end_ns", Some(self.end_ns)))
            .or_else(|| ordered("end_ns", self.start_ns, self.end_ns))
            .or_else(|| {
                self.woken_ns.filter(|&w| w > self.start_ns).map(|w| {
                    (
                        "woken_ns",
                        format!("`{w}` is after start_ns ({})", self.start_ns),
                    )
                })
            })
            .or_else(|| {
                (self.ready > 1).then(|| ("ready", format!("`{}` is not 0 or 1", self.ready)))
            })
    }
}

/// threads.csv
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub(crate) struct ThreadRow<'a> {
    pub(crate) run_id: Cow<'a, str>,
    pub(crate) thread: u16,
    pub(crate) os_thread_id: u64,
    pub(crate) name: Cow<'a, str>,
    /// The roles it played, joined by `+` (e.g. `worker+blocking`).
    pub(crate) kind: Cow<'a, str>,
    pub(crate) polls: u64,
    pub(crate) busy_ns: u64,
    #[serde(default)]
    pub(crate) cpu_time_ns: Option<u64>,
    // Extra columns.
    /// Σ on-CPU time of its steps.
    #[serde(default)]
    pub(crate) step_cpu_ns: Option<u64>,
    /// Σ on-CPU time of its polls and of its steps outside polls (with
    /// `--poll-cpu-time`).
    #[serde(default)]
    pub(crate) probe_cpu_ns: Option<u64>,
    /// The kernel's CPU time between its recorded polls and steps: the
    /// runtime's own work (with `--poll-cpu-time`).
    #[serde(default)]
    pub(crate) runtime_cpu_ns: Option<u64>,
    #[serde(default)]
    pub(crate) busy_main_ns: Option<u64>,
    #[serde(default)]
    pub(crate) busy_worker_ns: Option<u64>,
    #[serde(default)]
    pub(crate) busy_blocking_ns: Option<u64>,
    #[serde(default)]
    pub(crate) busy_pool_ns: Option<u64>,
}

impl Row for ThreadRow<'_> {
    const FILE: &'static str = "threads.csv";
    const CONTRACT: &'static [&'static str] = &[
        "run_id",
        "thread",
        "os_thread_id",
        "name",
        "kind",
        "polls",
        "busy_ns",
    ];

    fn check(&self) -> Option<(&'static str, String)> {
        run_id_problem(&self.run_id)
            .or_else(|| parse_roles(&self.kind).err().map(|why| ("kind", why)))
    }
}

/// The roles of a threads.csv `kind` cell: `main`, `worker`, `blocking`,
/// `pool`, joined by `+`.
pub(crate) fn parse_roles(cell: &str) -> std::result::Result<Vec<ThreadKind>, String> {
    cell.split('+')
        .map(|role| role.parse::<ThreadKind>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .and_then(|roles| {
            if roles.is_empty() {
                Err("is empty".to_string())
            } else {
                Ok(roles)
            }
        })
        .map_err(|e| format!("`{}`: {e}", crate::error::shown(cell)))
}

/// findings.csv
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub(crate) struct FindingRow<'a> {
    pub(crate) run_id: Cow<'a, str>,
    pub(crate) claim: Cow<'a, str>,
    pub(crate) verdict: Verdict,
    pub(crate) reason: Cow<'a, str>,
    pub(crate) evidence: Cow<'a, str>,
}

impl Row for FindingRow<'_> {
    const FILE: &'static str = "findings.csv";
    const CONTRACT: &'static [&'static str] = &["run_id", "claim", "verdict", "reason", "evidence"];
}

/// claims.csv: the user claims each run is judged against, one row per
/// run and claim; `limit` in ns, or a count for `migrations`.
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub(crate) struct ClaimRow<'a> {
    pub(crate) run_id: Cow<'a, str>,
    pub(crate) claim: Cow<'a, str>,
    pub(crate) future: Cow<'a, str>,
    pub(crate) metric: Cow<'a, str>,
    pub(crate) percentile: Option<f64>,
    pub(crate) bound: Cow<'a, str>,
    pub(crate) limit: u64,
}

impl Row for ClaimRow<'_> {
    const FILE: &'static str = "claims.csv";
    const CONTRACT: &'static [&'static str] = &[
        "run_id",
        "claim",
        "future",
        "metric",
        "percentile",
        "bound",
        "limit",
    ];
}

impl ClaimRow<'_> {
    /// The claim this row declares, checked.
    pub(crate) fn claim(&self) -> std::result::Result<UserClaim, String> {
        let metric: ClaimMetric = self.metric.parse()?;
        let bound = match self.bound.as_ref() {
            "below" => Bound::Below(self.limit),
            "above" => Bound::Above(self.limit),
            other => {
                return Err(format!(
                    "bound `{}` is not below or above",
                    crate::error::shown(other)
                ));
            }
        };
        UserClaim::new(self.future.as_ref(), metric, self.percentile, bound)
            .map_err(|e| e.to_string())
    }
}

/// histograms.csv
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub(crate) struct HistogramRow<'a> {
    pub(crate) run_id: Cow<'a, str>,
    pub(crate) future: Cow<'a, str>,
    pub(crate) metric: Cow<'a, str>,
    pub(crate) percentile: f64,
    pub(crate) value_ns: u64,
    pub(crate) count: u64,
}

impl Row for HistogramRow<'_> {
    const FILE: &'static str = "histograms.csv";
    const CONTRACT: &'static [&'static str] = &[
        "run_id",
        "future",
        "metric",
        "percentile",
        "value_ns",
        "count",
    ];
}

fn run_id_problem(run_id: &str) -> Option<(&'static str, String)> {
    names::run_id_problem(run_id)
        .map(|why| ("run_id", format!("`{}` {why}", crate::error::shown(run_id))))
}

fn name_problem(column: &'static str, name: &str) -> Option<(&'static str, String)> {
    names::check_name("the name", name)
        .err()
        .map(|e| (column, e.to_string()))
}

/// The latest time a run may reach: 10¹⁷ ns (about three years), far
/// beyond any run, far below what corrupts arithmetic.
pub(crate) const MAX_TIME_NS: u64 = 100_000_000_000_000_000;

fn time(column: &'static str, value: Option<u64>) -> Option<(&'static str, String)> {
    value.filter(|&v| v > MAX_TIME_NS).map(|v| {
        (
            column,
            format!("`{v}` is beyond any run (at most {MAX_TIME_NS})"),
        )
    })
}

/// p50 ≤ p99 ≤ max, where given.
fn summary(columns: [&'static str; 3], values: [Option<u64>; 3]) -> Option<(&'static str, String)> {
    let [p50, p99, max] = values;
    match (p50, p99, max) {
        (Some(a), Some(b), _) if a > b => {
            Some((columns[0], format!("`{a}` is above {} ({b})", columns[1])))
        }
        (_, Some(b), Some(c)) if b > c => {
            Some((columns[1], format!("`{b}` is above {} ({c})", columns[2])))
        }
        _ => None,
    }
}

fn positive(column: &'static str, value: f64) -> Option<(&'static str, String)> {
    (!(value.is_finite() && value > 0.0)).then(|| {
        (
            column,
            format!(
                "`{}` is not a positive number",
                crate::error::shown(&value.to_string())
            ),
        )
    })
}

fn finite(column: &'static str, value: f64) -> Option<(&'static str, String)> {
    (!value.is_finite()).then(|| {
        (
            column,
            format!(
                "`{}` is not a finite number",
                crate::error::shown(&value.to_string())
            ),
        )
    })
}

fn ordered(column: &'static str, start: u64, end: u64) -> Option<(&'static str, String)> {
    (end < start).then(|| (column, format!("`{end}` is before start_ns ({start})")))
}

fn list_problem(
    column: &'static str,
    cell: &Option<Cow<'_, str>>,
) -> Option<(&'static str, String)> {
    let cell = cell.as_deref()?;
    split_list(cell)
        .err()
        .map(|bad| (column, format!("`{bad}` is not a whole number ≥ 0")))
}

/// A `;`-separated list of whole numbers in one cell; the bad item on error.
pub(crate) fn split_list(cell: &str) -> std::result::Result<Vec<u64>, String> {
    cell.split(';')
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().map_err(|_| v.to_string()))
        .collect()
}

/// The header of a row type: its field names, in order.
pub(crate) fn header_of<R: Row>() -> Vec<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .serialize(R::default())
        .expect("a default row serializes");
    let bytes = writer.into_inner().expect("writing to memory");
    let text = String::from_utf8(bytes).expect("field names are UTF-8");
    text.lines()
        .next()
        .unwrap_or("")
        .split(',')
        .map(String::from)
        .collect()
}

/// Reads every row of `dir/R::FILE`, with the line each came from.
///
/// The header must start with the contract's columns in order (extra
/// columns may follow). Errors name the file, the line and the column:
/// `runs.csv:3: efficiency: `NaN` is not a finite number`.
pub(crate) fn read_rows<R: Row>(dir: &Path) -> Result<Vec<(u64, R)>> {
    let mut rows = Vec::new();
    for_each_row(dir, |line, row: R| {
        rows.push((line, row));
        Ok(())
    })?;
    Ok(rows)
}

/// The error of a folder that lacks one of a result folder's files.
pub(crate) fn lacks(dir: &Path, file: &str) -> Error {
    Error::bad_input(format!(
        "{}: not a result folder (it has no {file})",
        crate::error::shown_path(dir)
    ))
}

/// [`read_rows`] one row at a time, handing each (with its line) to
/// `each`, so that a large file is never held whole.
pub(crate) fn for_each_row<R: Row>(
    dir: &Path,
    mut each: impl FnMut(u64, R) -> Result<()>,
) -> Result<()> {
    let path = dir.join(R::FILE);
    if path.exists() && !path.is_file() {
        return Err(Error::csv(&path, None, "not a regular file"));
    }
    if !path.exists() && dir.is_dir() {
        return Err(lacks(dir, R::FILE));
    }
    let mut reader = csv::Reader::from_path(&path).map_err(|e| match e.kind() {
        csv::ErrorKind::Io(io) => Error::csv(&path, None, io.to_string()),
        _ => Error::csv(&path, None, e.to_string()),
    })?;
    let header = reader
        .headers()
        .map_err(|e| Error::csv(&path, Some(1), e.to_string()))?
        .clone();
    let starts_with_contract =
        header.len() >= R::CONTRACT.len() && header.iter().zip(R::CONTRACT).all(|(h, c)| h == *c);
    if !starts_with_contract {
        return Err(Error::csv(
            &path,
            Some(1),
            format!(
                "the header does not start with the contract's columns ({})",
                R::CONTRACT.join(",")
            ),
        ));
    }
    // The csv crate numbers the rows after a CRLF header one line low.
    let shift = u64::from(header_ends_in_crlf(&path));
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line() + shift);
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("the row has {len} fields, the header {expected_len}"),
                    csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8 text".to_string(),
                    _ => e.to_string(),
                };
                return Err(Error::csv(&path, line, message));
            }
        }
        let line = record.position().map_or(0, |p| p.line() + shift);
        let row: R = record
            .deserialize(Some(&header))
            .map_err(|e| deserialize_error(&path, line, &header, &record, &e))?;
        if let Some((column, why)) = row.check() {
            return Err(Error::csv(&path, Some(line), format!("{column}: {why}")));
        }
        each(line, row)?;
    }
    Ok(())
}

/// Whether the file's first line ends in `\r\n` (read up to 1 MiB).
fn header_ends_in_crlf(path: &Path) -> bool {
    use std::io::{BufRead, Read};
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut first = Vec::new();
    let read = std::io::BufReader::new(file)
        .take(1 << 20)
        .read_until(b'\n', &mut first);
    read.is_ok() && first.ends_with(b"\r\n")
}

/// `file:line: column: `cell` what is wrong` for a value serde refused.
fn deserialize_error(
    path: &Path,
    line: u64,
    header: &csv::StringRecord,
    record: &csv::StringRecord,
    error: &csv::Error,
) -> Error {
    let csv::ErrorKind::Deserialize { err, .. } = error.kind() else {
        return Error::csv(path, Some(line), error.to_string());
    };
    // serde names no field for a bad enum value: find the cell the
    // message quotes.
    let field = err.field().map(|i| i as usize).or_else(|| {
        let message = err.kind().to_string();
        record
            .iter()
            .position(|cell| !cell.is_empty() && message.contains(&format!("`{cell}`")))
    });
    let (column, cell) = match field {
        Some(i) => (header.get(i).unwrap_or("?"), record.get(i).unwrap_or("")),
        None => ("?", ""),
    };
    let why = match err.kind() {
        csv::DeserializeErrorKind::ParseInt(_) => "is not a whole number ≥ 0 in range".to_string(),
        csv::DeserializeErrorKind::ParseFloat(_) => "is not a number".to_string(),
        kind => kind.to_string(),
    };
    Error::csv(
        path,
        Some(line),
        format!("{column}: `{}` {why}", crate::error::shown(cell)),
    )
}
