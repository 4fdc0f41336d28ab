//! `pollscope compare BASE NEW` (or `compare DIR --vary SETTING`): pair the
//! configurations of two result folders (or of one folder's values of a
//! setting) and judge, metric by metric over the repeats, what changed
//! beyond the threshold, the noise floor and chance ([`judge`]).

mod differ;
mod json;
mod judge;
mod load;
mod pair;
mod table;

use crate::common::spelling::spelled_enum;
use crate::export::rows::RunRow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::scenario::{Executor, Setting, SettingValue};

pub(crate) use differ::differing_settings;
pub(crate) use json::document;
pub(crate) use judge::{Case, Judgement, Rules, Undecided, judge};
pub(crate) use load::{future_metrics, run_metrics};
pub(crate) use pair::Varied;
pub(crate) use table::{Format, markdown_cell, render, value as format_value};

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
    /// The configuration of a runs.csv row: its scenario and every
    /// setting it has a value for.
    pub(crate) fn of(row: &RunRow<'_>) -> Self {
        let values = Setting::ALL
            .iter()
            .filter_map(|&setting| Some((setting, row.setting(setting)?)))
            .collect();
        Self::new(&row.scenario, values)
    }

    /// `scenario`'s configuration, less the knobs it does not use: a
    /// folder or a history written when their cells were filled keeps
    /// them, and they are no part of it.
    fn new(scenario: &str, mut values: BTreeMap<Setting, SettingValue>) -> Self {
        let unused = crate::scenario::builtins::unused_knobs(scenario);
        values.retain(|setting, _| !unused.contains(setting));
        Self {
            scenario: scenario.to_string(),
            values,
        }
    }

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

    /// The configuration back from its settings as [`ConfigKey::value`]
    /// spells them (what the history stores): the inverse of `value`
    /// over every setting, less the knobs the scenario does not use;
    /// `None` where a name or value does not read.
    pub(crate) fn from_spelled<'a>(
        scenario: &str,
        settings: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Option<Self> {
        use crate::common::duration::parse_duration_or_zero;
        let micros = |v: &str| {
            parse_duration_or_zero(v)
                .ok()
                .and_then(|d| u64::try_from(d.as_micros()).ok())
                .map(SettingValue::Micros)
        };
        let mut values = BTreeMap::new();
        for (name, text) in settings {
            let setting: Setting = name.parse().ok()?;
            let value = match setting {
                Setting::Tokio(_) if text == "default" => continue,
                Setting::Tokio(knob) => match knob.spec().unit {
                    crate::scenario::KnobUnit::Count => SettingValue::Count(text.parse().ok()?),
                    crate::scenario::KnobUnit::Duration => micros(text)?,
                },
                Setting::LightCost | Setting::HeavyCost => micros(text)?,
                Setting::Workers
                | Setting::Samples
                | Setting::Tasks
                | Setting::MaxBlockingThreads => SettingValue::Count(text.parse().ok()?),
                _ => SettingValue::Text(text.to_string()),
            };
            values.insert(setting, value);
        }
        Some(Self::new(scenario, values))
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
    /// Times, CPU: smaller is better.
    Lower,
    /// Efficiency, throughput: larger is better.
    Higher,
}

spelled_enum!(pub(crate) Better, "direction", {
    Lower => "lower",
    Higher => "higher",
});

/// What a metric's values are, and the smallest difference that counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Wall times, ns (makespan, completion, delays, poll durations,
    /// service latencies).
    Nanos,
    /// A run's CPU time, ns (`process_cpu_ns`).
    CpuNanos,
    /// CPU time per event, ns (`cpu_per_event_ns`).
    NanosPerEvent,
    /// A ratio such as efficiency.
    Ratio,
    /// Events per second.
    PerSecond,
}

impl Unit {
    /// The absolute noise floor: a difference of the medians at most this
    /// large never counts, and repeats below it count as equal to it.
    ///
    /// - times: 5 µs — changes of a few µs in poll durations and delays are
    ///   the clocks' and the scheduler's jitter, not news (an A/A of two
    ///   processes on one quiet machine moved a p99 scheduling delay from
    ///   1.2 to 2.6 µs, +114 %);
    /// - a run's CPU time: 100 µs — starting and ending a runtime's threads
    ///   alone varies by tens of µs;
    /// - CPU per event: 100 ns — a run's fixed costs spread over its events
    ///   move it by that much;
    /// - ratios: 0.01;
    /// - rates: 1 event/s (the threshold judges rates; the floor only stops
    ///   rates near zero from counting).
    pub(crate) fn floor(self) -> f64 {
        match self {
            Unit::Nanos => 5_000.0,
            Unit::CpuNanos => 100_000.0,
            Unit::NanosPerEvent => 100.0,
            Unit::Ratio => 0.01,
            Unit::PerSecond => 1.0,
        }
    }

    /// The unit as the JSON output names it: `ns`, `ns/event`, `ratio`,
    /// `events/s`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Unit::Nanos | Unit::CpuNanos => "ns",
            Unit::NanosPerEvent => "ns/event",
            Unit::Ratio => "ratio",
            Unit::PerSecond => "events/s",
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
    /// One value per repeat, in run order.
    pub values: Vec<f64>,
}

impl Series {
    /// The median over repeats ([`crate::common::stats::median_f64`]: nearest
    /// rank, the lower middle of an even count); NaN when empty.
    pub(crate) fn median(&self) -> f64 {
        crate::common::stats::median_f64(&mut self.values.clone()).unwrap_or(f64::NAN)
    }
}

/// One configuration's metrics in a folder.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ConfigMetrics {
    /// Metric name → values over the repeats.
    pub series: BTreeMap<String, Series>,
    /// Runs (repeats) of the configuration.
    pub runs: usize,
    /// Those of them runs.csv marks `disturbed`.
    pub disturbed: usize,
}

/// A result folder's metrics: configuration → its metrics.
pub(crate) type Metrics = BTreeMap<ConfigKey, ConfigMetrics>;

/// The verdict on one metric of one configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Verdict {
    /// Worse beyond the threshold, the floor and chance.
    Regressed,
    /// Better beyond the threshold, the floor and chance.
    Improved,
    /// The medians moved less than the threshold or the floor.
    Same,
    /// Too few repeats, or no decision at the false-discovery rate.
    Unknown,
    /// A side's run was disturbed.
    Disturbed,
}

// `regressed`, `improved`, `same`, `unknown` or `disturbed` (JSON); text
// and Markdown print them upper-case. `ALL` is the order counts list them.
spelled_enum!(pub(crate) Verdict, "verdict", {
    Regressed => "regressed",
    Improved => "improved",
    Same => "same",
    Unknown => "unknown",
    Disturbed => "disturbed",
});

/// One row of the comparison: a metric of a pair of configurations.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    /// The configuration: with `--vary`, the settings both sides share.
    pub config: ConfigKey,
    /// With `--vary`: each varied setting's base and new value.
    pub vary: Vec<Varied>,
    /// The metric (`makespan`, `efficiency`, `fut0 completion`, ...).
    pub metric: String,
    /// Its unit.
    pub unit: Unit,
    /// Which way is better.
    pub better: Better,
    /// BASE's repeats.
    pub base_values: Vec<f64>,
    /// NEW's repeats.
    pub new_values: Vec<f64>,
    /// The judge's answer.
    pub judged: Judgement,
}

/// The whole comparison.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Comparison {
    /// The BASE folder.
    pub base: PathBuf,
    /// The NEW folder (BASE again with one folder and `--vary`).
    pub new: PathBuf,
    /// The varied settings (none: every setting matched).
    pub vary: Vec<Setting>,
    /// One row per metric of each pair of configurations.
    pub rows: Vec<Row>,
    /// Base configurations without a partner.
    pub only_in_base: Vec<ConfigKey>,
    /// New configurations without a partner.
    pub only_in_new: Vec<ConfigKey>,
    /// With one folder, configurations that have no value of any varied
    /// setting (a knob their scenario does not use).
    pub without_varied: Vec<ConfigKey>,
    /// The threshold used, %.
    pub threshold_pct: f64,
    /// The false-discovery rate held.
    pub fdr: f64,
    /// What differs between the folders' machines and builds (versions,
    /// cores, calibration), one line each: the comparison may measure
    /// that rather than the change.
    pub warnings: Vec<String>,
}

impl Comparison {
    /// The rows that regressed.
    pub(crate) fn regressions(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|r| r.judged.verdict == Verdict::Regressed)
    }

    /// How many rows got each verdict, in [`Verdict::ALL`]'s order.
    pub(crate) fn counts(&self) -> [(Verdict, usize); 5] {
        Verdict::ALL.map(|v| {
            (
                v,
                self.rows.iter().filter(|r| r.judged.verdict == v).count(),
            )
        })
    }

    /// The process's exit code: 1 when a row regressed; else 3 when a row
    /// is `unknown` or `disturbed`; else 0.
    pub(crate) fn exit_code(&self) -> i32 {
        let count = |verdict| {
            self.rows
                .iter()
                .filter(|r| r.judged.verdict == verdict)
                .count()
        };
        if count(Verdict::Regressed) > 0 {
            1
        } else if count(Verdict::Unknown) + count(Verdict::Disturbed) > 0 {
            3
        } else {
            0
        }
    }
}

/// What to compare, and by which rules.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Options {
    /// BASE, or the one folder with `--vary`.
    pub base: PathBuf,
    /// NEW (absent: one folder, `--vary` required).
    pub new: Option<PathBuf>,
    /// Smallest change that counts, % of the base median.
    pub threshold_pct: f64,
    /// The false-discovery rate held over the comparison.
    pub fdr: f64,
    /// `--vary`: the settings the pairs may differ in.
    pub vary: Vec<Setting>,
    /// `--base`: with one folder, the varied settings' base values.
    pub base_values: Vec<String>,
}

impl Options {
    /// Checks the combination of options (bad input: exit code 2).
    fn check(&self) -> Result<()> {
        let problem = if !(self.threshold_pct >= 0.0 && self.threshold_pct.is_finite()) {
            format!(
                "threshold `{}` must be a non-negative number",
                self.threshold_pct
            )
        } else if !(self.fdr > 0.0 && self.fdr < 1.0) {
            format!("--fdr `{}` must lie between 0 and 1", self.fdr)
        } else if self.new.is_none() && self.vary.is_empty() {
            format!(
                "compare needs two folders (BASE NEW), or one folder with --vary SETTING \
                 (compare {} --vary workers)",
                crate::error::shown_path(&self.base)
            )
        } else if let Some(twice) = self
            .vary
            .iter()
            .enumerate()
            .find_map(|(i, s)| self.vary[..i].contains(s).then_some(s))
        {
            format!("--vary names `{twice}` twice: name each setting once")
        } else if !self.base_values.is_empty() && (self.vary.is_empty() || self.new.is_some()) {
            "--base VALUE names the base value of --vary within one folder \
             (compare DIR --vary SETTING --base VALUE); with two folders BASE is the base"
                .to_string()
        } else {
            return Ok(());
        };
        Err(Error::bad_input(problem))
    }
}

/// Compares the result folders (or one folder's varied settings) as
/// `options` say.
///
/// Bad input (exit code 2): a missing folder or file, a CSV whose header
/// lacks the contract's columns, options that do not combine, nothing to
/// pair.
pub(crate) fn compare(options: &Options) -> Result<Comparison> {
    options.check()?;
    let vary: &[Setting] = &options.vary;
    let base = load::folder(&options.base)?;
    let new = options.new.as_deref().map(load::folder).transpose()?;
    let pairing = match &new {
        Some(new) if vary.is_empty() => pair::same_settings(&base, new),
        Some(new) => pair::across_folders(&base, new, vary),
        None => pair::within_folder(&base, &options.base, vary, &options.base_values)?,
    };
    let mut cases = Vec::new();
    let mut rows = Vec::new();
    for p in &pairing.pairs {
        for (metric, b) in &p.base.series {
            let Some(n) = p.new.series.get(metric) else {
                continue;
            };
            cases.push(judge::Case {
                base: b,
                new: n,
                disturbed: p.base.disturbed + p.new.disturbed > 0,
            });
            rows.push((p, metric, b, n));
        }
    }
    let rules = judge::Rules {
        threshold_pct: options.threshold_pct,
        fdr: options.fdr,
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .zip(judge::judge(&cases, rules))
        .map(|((p, metric, b, n), judged)| Row {
            config: p.config.clone(),
            vary: p.vary.clone(),
            metric: metric.clone(),
            unit: b.unit,
            better: b.better,
            base_values: b.values.clone(),
            new_values: n.values.clone(),
            judged,
        })
        .collect();
    if rows.is_empty() {
        return Err(nothing_paired(options, &base, new.as_ref(), vary));
    }
    Ok(Comparison {
        base: options.base.clone(),
        new: options.new.clone().unwrap_or_else(|| options.base.clone()),
        vary: vary.to_vec(),
        rows,
        only_in_base: pairing.only_in_base,
        only_in_new: pairing.only_in_new,
        without_varied: pairing.without_varied,
        threshold_pct: options.threshold_pct,
        fdr: options.fdr,
        warnings: new
            .as_ref()
            .map_or_else(Vec::new, |new| base.recorded.differences(&new.recorded)),
    })
}

/// The error when no pair of configurations was found.
fn nothing_paired(
    options: &Options,
    base: &load::Folder,
    new: Option<&load::Folder>,
    vary: &[Setting],
) -> Error {
    let shown = |p: &Path| crate::error::shown_path(p).to_string();
    let names = vary
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    match new {
        Some(new) => Error::bad_input(format!(
            "{} and {} have no {}; the settings that differ: {}",
            shown(&options.base),
            options.new.as_deref().map_or_else(String::new, shown),
            if vary.is_empty() {
                "configuration in common".to_string()
            } else {
                format!("configurations that differ only in {names}")
            },
            differing_settings(&base.metrics, &new.metrics)
        )),
        None => Error::bad_input(format!(
            "{}: no two configurations differ only in {names}: nothing to compare",
            shown(&options.base),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_reads_back_from_its_spelled_settings() {
        let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/reference");
        let rows = crate::export::rows::read_rows::<RunRow<'static>>(&reference).unwrap();
        assert!(!rows.is_empty());
        for (_, row) in rows {
            let key = ConfigKey::of(&row);
            let spelled: Vec<(&str, String)> = Setting::ALL
                .iter()
                .filter_map(|&s| Some((s.as_str(), key.value(s)?)))
                .collect();
            let back = ConfigKey::from_spelled(
                &key.scenario,
                spelled.iter().map(|(k, v)| (*k, v.as_str())),
            );
            assert_eq!(back.as_ref(), Some(&key), "{spelled:?}");
            assert_eq!(back.unwrap().to_string(), key.to_string());
        }
        assert_eq!(ConfigKey::from_spelled("x", [("cores", "2")]), None);
        assert_eq!(ConfigKey::from_spelled("x", [("workers", "two")]), None);
    }
}
