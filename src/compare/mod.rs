//! `pollscope compare BASE NEW`: match the runs of two result folders by
//! configuration and say, metric by metric, what changed beyond the noise.

mod load;
mod table;

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::scenario::CostKind;
use crate::scenario::{Executor, Flavor};

pub(crate) use table::{Format, one_repeat_note, render};

/// What identifies a configuration across folders: every configuration
/// column of runs.csv but the repeat (empty cells, as for a library
/// session, are `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ConfigKey {
    /// Scenario name.
    pub scenario: String,
    /// Runtime flavor.
    pub flavor: Option<Flavor>,
    /// Worker threads.
    pub workers: Option<u64>,
    /// Cost kind.
    pub cost_kind: Option<CostKind>,
    /// Light cost, µs.
    pub light_cost_us: Option<u64>,
    /// Heavy cost, µs.
    pub heavy_cost_us: Option<u64>,
    /// Samples per future.
    pub samples: Option<u64>,
    /// Task count T.
    pub tasks: Option<u64>,
    /// Whether polls' on-CPU time was measured.
    pub poll_cpu_time: bool,
    /// Cap of the blocking pool.
    pub max_blocking_threads: Option<u64>,
    /// Executor (tokio for folders written before executors were
    /// recorded).
    pub executor: Executor,
    /// tokio's `global_queue_interval`, when set.
    pub global_queue_interval: Option<u32>,
    /// tokio's `event_interval`, when set.
    pub event_interval: Option<u32>,
    /// tokio's `thread_keep_alive`, µs, when set.
    pub thread_keep_alive_us: Option<u64>,
}

/// A cell for display: `–` when empty.
fn cell(value: Option<impl std::fmt::Display>) -> String {
    value.map_or("–".to_string(), |v| v.to_string())
}

impl std::fmt::Display for ConfigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let threads = match self.flavor {
            Some(Flavor::CurrentThread) => "ct".to_string(),
            _ => format!("w{}", cell(self.workers)),
        };
        write!(
            f,
            "{} {threads} {} {}/{}us n={} T={}{}",
            self.scenario,
            cell(self.cost_kind),
            cell(self.light_cost_us),
            cell(self.heavy_cost_us),
            cell(self.samples),
            cell(self.tasks),
            if self.poll_cpu_time { " poll-cpu" } else { "" }
        )?;
        if self.executor != Executor::Tokio {
            write!(f, " {}", self.executor)?;
        }
        if let Some(n) = self.global_queue_interval {
            write!(f, " gqi={n}")?;
        }
        if let Some(n) = self.event_interval {
            write!(f, " ei={n}")?;
        }
        if let Some(us) = self.thread_keep_alive_us {
            write!(f, " keep-alive={us}us")?;
        }
        Ok(())
    }
}

/// Whether smaller or larger values are better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Better {
    /// Times: smaller is better.
    Lower,
    /// Efficiency: larger is better.
    Higher,
}

/// What a metric's values are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Nanoseconds (shown as human durations).
    Nanos,
    /// A ratio such as efficiency.
    Ratio,
}

impl Unit {
    /// Differences smaller than this never count: 1 µs for times, 0.01 for
    /// ratios (below them, changes are clock and scheduler noise).
    pub(crate) fn floor(self) -> f64 {
        match self {
            Unit::Nanos => 1_000.0,
            Unit::Ratio => 0.01,
        }
    }
}

/// One metric of one configuration: its values over the repeats.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Series {
    /// Which way is better.
    pub better: Better,
    /// What the values are.
    pub unit: Unit,
    /// One value per repeat.
    pub values: Vec<f64>,
}

impl Series {
    /// The median over repeats ([`crate::common::stats::median_f64`]: nearest
    /// rank, the lower middle of an even count); NaN when empty.
    pub(crate) fn median(&self) -> f64 {
        crate::common::stats::median_f64(&mut self.values.clone()).unwrap_or(f64::NAN)
    }

    fn range(&self) -> (f64, f64) {
        self.values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    }
}

/// A result folder's metrics: configuration → metric name → values.
pub(crate) type Metrics = BTreeMap<ConfigKey, BTreeMap<String, Series>>;

/// The verdict on one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Within the threshold, within the repeats' spread, or too small to
    /// matter.
    Unchanged,
    /// Better beyond the threshold and the spread.
    Improved,
    /// Worse beyond the threshold and the spread.
    Regressed,
}

impl Change {
    /// `ok`, `improved` or `REGRESSED`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Change::Unchanged => "ok",
            Change::Improved => "improved",
            Change::Regressed => "REGRESSED",
        }
    }
}

/// One row of the comparison.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    /// The configuration.
    pub config: ConfigKey,
    /// The metric (`makespan`, `efficiency`, `fut0 completion`, ...).
    pub metric: String,
    /// Its unit.
    pub unit: Unit,
    /// Median over BASE's repeats.
    pub base: f64,
    /// Median over NEW's repeats.
    pub new: f64,
    /// `(new − base) / base`, in %.
    pub change_pct: f64,
    /// The verdict.
    pub verdict: Change,
    /// Whether a side has a single repeat, so its spread is unknown and
    /// the threshold alone decided.
    pub single_repeat: bool,
}

/// The whole comparison.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Comparison {
    /// One row per metric of each configuration in both folders.
    pub rows: Vec<Row>,
    /// Configurations only BASE has.
    pub only_in_base: Vec<ConfigKey>,
    /// Configurations only NEW has.
    pub only_in_new: Vec<ConfigKey>,
    /// The threshold used, %.
    pub threshold_pct: f64,
    /// What differs between the folders' machines and builds (versions,
    /// cores, calibration), one line each: the comparison may measure
    /// that rather than the change.
    pub warnings: Vec<String>,
}

impl Comparison {
    /// The rows that regressed.
    pub(crate) fn regressions(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.verdict == Change::Regressed)
    }
}

fn negligible(unit: Unit, base: f64, new: f64) -> bool {
    (new - base).abs() < unit.floor()
}

/// Judges one metric: a change is a regression (or an improvement) only
/// when the medians differ in the worse (better) direction by more than
/// `threshold_pct` of the base, by more than the spread (max − min) of the
/// repeats on *each* side, and by more than the negligible floor. With one
/// repeat per side the spreads are 0 and the threshold decides.
pub(crate) fn judge(base: &Series, new: &Series, threshold_pct: f64) -> Change {
    let (b, n) = (base.median(), new.median());
    if !b.is_finite() || !n.is_finite() || b == 0.0 || negligible(base.unit, b, n) {
        return Change::Unchanged;
    }
    let delta = n - b;
    let spread = |s: &Series| {
        let (lo, hi) = s.range();
        hi - lo
    };
    let beyond_noise = delta.abs() > threshold_pct / 100.0 * b.abs()
        && delta.abs() > spread(base)
        && delta.abs() > spread(new);
    let worse = match base.better {
        Better::Lower => delta > 0.0,
        Better::Higher => delta < 0.0,
    };
    match (beyond_noise, worse) {
        (false, _) => Change::Unchanged,
        (true, true) => Change::Regressed,
        (true, false) => Change::Improved,
    }
}

/// Compares the result folders `base` and `new`.
///
/// Bad input (exit code 2): a missing folder or file, a CSV whose header
/// lacks the contract's columns, no configuration in common.
pub(crate) fn compare(base: &Path, new: &Path, threshold_pct: f64) -> Result<Comparison> {
    if !(threshold_pct >= 0.0 && threshold_pct.is_finite()) {
        return Err(Error::bad_input(format!(
            "threshold `{threshold_pct}` must be a non-negative number"
        )));
    }
    let (base_metrics, base_env) = load::metrics(base)?;
    let (new_metrics, new_env) = load::metrics(new)?;
    let mut rows = Vec::new();
    for (config, base_series) in &base_metrics {
        let Some(new_series) = new_metrics.get(config) else {
            continue;
        };
        for (metric, b) in base_series {
            let Some(n) = new_series.get(metric) else {
                continue;
            };
            let (bm, nm) = (b.median(), n.median());
            rows.push(Row {
                config: config.clone(),
                metric: metric.clone(),
                unit: b.unit,
                base: bm,
                new: nm,
                change_pct: if bm == 0.0 {
                    0.0
                } else {
                    (nm - bm) / bm.abs() * 100.0
                },
                verdict: judge(b, n, threshold_pct),
                single_repeat: b.values.len() < 2 || n.values.len() < 2,
            });
        }
    }
    let only = |a: &Metrics, b: &Metrics| {
        a.keys()
            .filter(|k| !b.contains_key(k))
            .cloned()
            .collect::<Vec<_>>()
    };
    let comparison = Comparison {
        only_in_base: only(&base_metrics, &new_metrics),
        only_in_new: only(&new_metrics, &base_metrics),
        rows,
        threshold_pct,
        warnings: base_env.differences(&new_env),
    };
    if comparison.rows.is_empty() {
        return Err(Error::bad_input(format!(
            "{} and {} have no configuration in common; the settings that differ: {}",
            base.display(),
            new.display(),
            differing_settings(&base_metrics, &new_metrics)
        )));
    }
    Ok(comparison)
}

/// The settings whose values differ between two folders' configurations,
/// and the whole `pollscope run` command that would reproduce BASE's
/// configurations (where one command can: a single value for the
/// single-valued options).
pub(crate) fn differing_settings(base: &Metrics, new: &Metrics) -> String {
    /// A setting: its name, its `run` option (empty: positional), whether
    /// the option takes a list, and its value in a configuration.
    type Setting = (
        &'static str,
        &'static str,
        bool,
        fn(&ConfigKey) -> Option<String>,
    );
    const SETTINGS: [Setting; 14] = [
        ("scenario", "", true, |k| Some(k.scenario.clone())),
        ("executor", "--executor", true, |k| {
            Some(k.executor.to_string())
        }),
        ("flavor", "--flavor", true, |k| {
            k.flavor.map(|f| f.to_string())
        }),
        ("workers", "--workers", true, |k| {
            (k.flavor != Some(Flavor::CurrentThread))
                .then_some(k.workers?)
                .map(|w| w.to_string())
        }),
        ("cost kind", "--cost-kind", false, |k| {
            k.cost_kind.map(|c| c.to_string())
        }),
        ("light cost", "--light-cost", false, |k| {
            k.light_cost_us.map(|c| format!("{c}us"))
        }),
        ("heavy cost", "--heavy-cost", true, |k| {
            k.heavy_cost_us.map(|c| format!("{c}us"))
        }),
        ("samples", "--samples", false, |k| {
            k.samples.map(|n| n.to_string())
        }),
        ("tasks", "--tasks", false, |k| {
            k.tasks.map(|n| n.to_string())
        }),
        ("poll CPU time", "--poll-cpu-time", false, |k| {
            Some(k.poll_cpu_time.to_string())
        }),
        (
            "max blocking threads",
            "--max-blocking-threads",
            false,
            |k| {
                (k.executor == Executor::Tokio)
                    .then_some(k.max_blocking_threads?)
                    .map(|n| n.to_string())
            },
        ),
        (
            "global_queue_interval",
            "--global-queue-interval",
            true,
            |k| {
                (k.executor == Executor::Tokio).then(|| {
                    k.global_queue_interval
                        .map_or("default".into(), |n| n.to_string())
                })
            },
        ),
        ("event_interval", "--event-interval", true, |k| {
            (k.executor == Executor::Tokio)
                .then(|| k.event_interval.map_or("default".into(), |n| n.to_string()))
        }),
        ("thread_keep_alive", "--thread-keep-alive", false, |k| {
            k.thread_keep_alive_us.map(|us| format!("{us}us"))
        }),
    ];
    let values = |side: &Metrics, get: fn(&ConfigKey) -> Option<String>| {
        let mut v: Vec<String> = side.keys().filter_map(get).collect();
        // `default` first, numbers by value, then names.
        v.sort_by_key(|s| {
            (
                s != "default",
                s.parse::<u64>().map_or(u64::MAX, |n| n),
                s.clone(),
            )
        });
        v.dedup();
        v
    };
    // tokio's settings differ only where both folders have tokio runs (a
    // smol run has none of them).
    let has_tokio = |side: &Metrics| side.keys().any(|k| k.executor == Executor::Tokio);
    let tokio_on_both = has_tokio(base) && has_tokio(new);
    let mut differences = Vec::new();
    let mut command = vec!["pollscope run".to_string()];
    let mut reproducible = true;
    for (name, flag, list, get) in SETTINGS {
        let (b, n) = (values(base, get), values(new, get));
        let tokio_only = matches!(
            flag,
            "--max-blocking-threads"
                | "--global-queue-interval"
                | "--event-interval"
                | "--thread-keep-alive"
        );
        if b != n && (!tokio_only || tokio_on_both) {
            let shown = |v: &[String]| {
                if v.is_empty() {
                    "–".to_string()
                } else {
                    v.join(",")
                }
            };
            differences.push(format!(
                "{name}: {} in base, {} in new",
                shown(&b),
                shown(&n)
            ));
        }
        match (flag, b.as_slice()) {
            (_, []) => {}
            ("", scenarios) => command.push(scenarios.join(" ")),
            ("--poll-cpu-time", [on]) if on == "true" => command.push(flag.to_string()),
            ("--poll-cpu-time", [_]) => {}
            // Defaults need no option.
            ("--executor", [one]) if one == "tokio" => {}
            ("--global-queue-interval" | "--event-interval", [one]) if one == "default" => {}
            ("--max-blocking-threads", [one]) if one == "512" => {}
            (_, [one]) => command.push(format!("{flag} {one}")),
            (_, many) if list => command.push(format!("{flag} {}", many.join(","))),
            _ => reproducible = false,
        }
    }
    if differences.is_empty() {
        return "their configurations differ in no single setting".to_string();
    }
    if reproducible {
        format!(
            "{}; to match the base, run `{}`",
            differences.join("; "),
            command.join(" ")
        )
    } else {
        format!(
            "{}; the base mixes settings no single `pollscope run` reproduces",
            differences.join("; ")
        )
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn judge() {
        use crate::compare::{Better, Change, Series, Unit, judge};
        let s = |values: &[f64]| Series {
            better: Better::Lower,
            unit: Unit::Nanos,
            values: values.to_vec(),
        };
        assert_eq!(judge(&s(&[100e6]), &s(&[150e6]), 10.0), Change::Regressed);
        assert_eq!(judge(&s(&[100e6]), &s(&[105e6]), 10.0), Change::Unchanged);
        // 20 % slower, but the base repeats spread over 35 %: noise.
        assert_eq!(
            judge(&s(&[90e6, 100e6, 125e6]), &s(&[118e6, 120e6, 122e6]), 10.0),
            Change::Unchanged
        );
        assert_eq!(judge(&s(&[100e6]), &s(&[50e6]), 10.0), Change::Improved);
    }

    #[test]
    fn differing_settings() {
        use crate::compare::{ConfigKey, Metrics, differing_settings};
        use crate::scenario::{CostKind, Flavor};
        let key = |samples, workers| ConfigKey {
            scenario: "two_futures".into(),
            flavor: Some(Flavor::MultiThread),
            workers: Some(workers),
            cost_kind: Some(CostKind::Cpu),
            light_cost_us: Some(100),
            heavy_cost_us: Some(500),
            samples: Some(samples),
            tasks: Some(6),
            poll_cpu_time: false,
            max_blocking_threads: Some(512),
            ..ConfigKey::default()
        };
        let side = |k: ConfigKey| -> Metrics { [(k, Default::default())].into_iter().collect() };
        let text = differing_settings(&side(key(100, 1)), &side(key(500, 2)));
        assert!(text.contains("samples: 100 in base, 500 in new"), "{text}");
        assert!(
            text.contains(
                "pollscope run two_futures --flavor multi_thread --workers 1 --cost-kind cpu \
                 --light-cost 100us --heavy-cost 500us --samples 100 --tasks 6`"
            ),
            "{text}"
        );
        // Only the poll CPU time differs: the command still names the rest.
        let mut on = key(100, 1);
        on.poll_cpu_time = true;
        let text = differing_settings(&side(on), &side(key(100, 1)));
        assert!(
            text.contains("poll CPU time: true in base, false in new"),
            "{text}"
        );
        assert!(text.ends_with("--tasks 6 --poll-cpu-time`"), "{text}");
        // The executor and tokio's knobs are settings like the rest.
        let mut smol = key(100, 1);
        smol.executor = crate::scenario::Executor::Smol;
        let mut tuned = key(100, 1);
        tuned.global_queue_interval = Some(7);
        tuned.event_interval = Some(31);
        let text = differing_settings(&side(tuned.clone()), &side(smol));
        assert!(
            text.contains("executor: tokio in base, smol in new"),
            "{text}"
        );
        // A smol side has no tokio settings to differ in.
        assert!(!text.contains("global_queue_interval:"), "{text}");
        assert!(
            text.ends_with("--tasks 6 --global-queue-interval 7 --event-interval 31`"),
            "{text}"
        );
        let text = differing_settings(&side(tuned), &side(key(100, 1)));
        assert!(
            text.contains("global_queue_interval: 7 in base, default in new"),
            "{text}"
        );
    }
}
