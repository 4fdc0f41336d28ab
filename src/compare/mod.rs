//! `pollscope compare BASE NEW`: match the runs of two result folders by
//! configuration and say, metric by metric, what changed beyond the noise.

mod load;
mod table;

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::scenario::{Executor, Setting, SettingValue};

pub(crate) use table::{Format, one_repeat_note, render};

/// What identifies a configuration across folders: the scenario and the
/// value of every configuration setting of the table ([`Setting`]) but the
/// repeat.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ConfigKey {
    /// Scenario name.
    pub scenario: String,
    /// Each setting's value, as [`crate::export::rows::RunRow::setting`]
    /// reads it (absent: the run has none, or a tokio knob at tokio's
    /// default).
    pub values: BTreeMap<Setting, SettingValue>,
}

impl ConfigKey {
    /// The setting's value as messages and commands spell it: `None`
    /// where the configuration has none (a tokio setting of a smol run,
    /// workers of current_thread), `default` for a tokio knob left at
    /// tokio's default.
    pub(crate) fn value(&self, setting: Setting) -> Option<String> {
        if let Some(value) = self.values.get(&setting) {
            return Some(value.to_string());
        }
        let on_tokio = self.values.get(&Setting::Executor)
            == Some(&SettingValue::Text(Executor::Tokio.to_string()));
        match setting {
            Setting::Tokio(_) if on_tokio => Some("default".to_string()),
            _ => None,
        }
    }

    /// Whether the configuration runs on tokio.
    fn on_tokio(&self) -> bool {
        self.value(Setting::Executor).as_deref() == Some(Executor::Tokio.as_str())
    }
}

impl std::fmt::Display for ConfigKey {
    /// The scenario and each setting off its default, shortly:
    /// `many_spawn_task w2 cpu light=100us heavy=500us n=500 T=6 ei31`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.scenario)?;
        for (setting, value) in &self.values {
            let spec = setting.spec();
            let text = value.to_string();
            if spec.default != Some(text.as_str()) {
                write!(f, " {}{text}", spec.short)?;
            }
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

/// The values of `setting` over one side's configurations: `default`
/// first, numbers by value, then names, each once.
fn values_of(side: &Metrics, setting: Setting) -> Vec<String> {
    let mut values: Vec<String> = side.keys().filter_map(|k| k.value(setting)).collect();
    values.sort_by_key(|s| {
        (
            s != "default",
            s.parse::<u64>().unwrap_or(u64::MAX),
            s.clone(),
        )
    });
    values.dedup();
    values
}

/// The `pollscope run` option that sets `setting` to `values` (BASE's),
/// `Ok(None)` where none is needed, `Err(())` where one option cannot.
fn run_option(setting: Setting, values: &[String]) -> Result<Option<String>, ()> {
    let spec = setting.spec();
    match values {
        [] => Ok(None),
        [one] if spec.default == Some(one.as_str()) => Ok(None),
        [_] if setting == Setting::PollCpuTime => Ok(Some(format!("--{}", spec.flag))),
        [one] => Ok(Some(format!("--{} {one}", spec.flag))),
        many if spec.list => Ok(Some(format!("--{} {}", spec.flag, many.join(",")))),
        _ => Err(()),
    }
}

/// The settings whose values differ between two folders' configurations,
/// and the whole `pollscope run` command that would reproduce BASE's
/// configurations (where one command can: a single value for the
/// single-valued options). Every setting comes from the table
/// ([`Setting::ALL`]).
pub(crate) fn differing_settings(base: &Metrics, new: &Metrics) -> String {
    // tokio's settings differ only where both folders have tokio runs (a
    // smol run has none of them).
    let has_tokio = |side: &Metrics| side.keys().any(ConfigKey::on_tokio);
    let tokio_on_both = has_tokio(base) && has_tokio(new);
    let mut scenarios: Vec<&str> = base.keys().map(|k| k.scenario.as_str()).collect();
    scenarios.dedup();
    let (scenarios_new, mut differences) = (
        new.keys()
            .map(|k| k.scenario.as_str())
            .collect::<std::collections::BTreeSet<_>>(),
        Vec::new(),
    );
    let shown = |v: &[String]| {
        if v.is_empty() {
            "–".to_string()
        } else {
            v.join(",")
        }
    };
    if scenarios
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        != scenarios_new
    {
        let names = |v: Vec<&str>| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        differences.push(format!(
            "scenario: {} in base, {} in new",
            shown(&names(scenarios.clone())),
            shown(&names(scenarios_new.iter().copied().collect()))
        ));
    }
    let mut command = vec!["pollscope run".to_string(), scenarios.join(" ")];
    let mut reproducible = true;
    for setting in Setting::ALL {
        let (b, n) = (values_of(base, setting), values_of(new, setting));
        if b != n && (!setting.spec().tokio_only || tokio_on_both) {
            differences.push(format!(
                "{}: {} in base, {} in new",
                setting.spec().label,
                shown(&b),
                shown(&n)
            ));
        }
        match run_option(setting, &b) {
            Ok(option) => command.extend(option),
            Err(()) => reproducible = false,
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
        use crate::scenario::{Executor, Setting, SettingValue, TokioKnob};
        use SettingValue::{Count, Micros, Text};
        let key = |samples, workers| ConfigKey {
            scenario: "two_futures".into(),
            values: [
                (Setting::Executor, Text("tokio".into())),
                (Setting::Flavor, Text("multi_thread".into())),
                (Setting::Workers, Count(workers)),
                (Setting::CostKind, Text("cpu".into())),
                (Setting::LightCost, Micros(100)),
                (Setting::HeavyCost, Micros(500)),
                (Setting::Samples, Count(samples)),
                (Setting::Tasks, Count(6)),
                (Setting::PollCpuTime, Text("false".into())),
                (Setting::MaxBlockingThreads, Count(512)),
            ]
            .into_iter()
            .collect(),
        };
        let side = |k: ConfigKey| -> Metrics { [(k, Default::default())].into_iter().collect() };
        let text = differing_settings(&side(key(100, 1)), &side(key(500, 2)));
        assert!(text.contains("samples: 100 in base, 500 in new"), "{text}");
        assert!(
            text.contains(
                "pollscope run two_futures --workers 1 --cost-kind cpu \
                 --light-cost 100us --heavy-cost 500us --samples 100 --tasks 6`"
            ),
            "{text}"
        );
        // Only the poll CPU time differs: the command still names the rest.
        let mut on = key(100, 1);
        on.values.insert(Setting::PollCpuTime, Text("true".into()));
        let text = differing_settings(&side(on), &side(key(100, 1)));
        assert!(
            text.contains("poll CPU time: true in base, false in new"),
            "{text}"
        );
        assert!(text.ends_with("--tasks 6 --poll-cpu-time`"), "{text}");
        // The executor and tokio's knobs are settings like the rest.
        let mut smol = key(100, 1);
        smol.values
            .insert(Setting::Executor, Text(Executor::Smol.to_string()));
        smol.values.remove(&Setting::MaxBlockingThreads);
        let mut tuned = key(100, 1);
        tuned
            .values
            .insert(Setting::Tokio(TokioKnob::GlobalQueueInterval), Count(7));
        tuned
            .values
            .insert(Setting::Tokio(TokioKnob::EventInterval), Count(31));
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
        let text = differing_settings(&side(tuned.clone()), &side(key(100, 1)));
        assert!(
            text.contains("global_queue_interval: 7 in base, default in new"),
            "{text}"
        );
        assert_eq!(
            tuned.to_string(),
            "two_futures w1 cpu light=100us heavy=500us n=100 T=6 gqi7 ei31"
        );
    }
}
