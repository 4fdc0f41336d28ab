//! The configuration's one table: every setting a run is configured by,
//! spelled once. The command line's flags, the TOML `[runtime]` keys, the
//! matrix's axes, the run id's suffixes, runs.csv's configuration columns,
//! `compare`'s configuration key and its "settings that differ" message,
//! `plot --x` and the benches' `POLLSCOPE_BENCH_*` variables are all read
//! from [`TokioKnob::spec`] and [`Setting::spec`].
//!
//! Adding one of tokio's knobs means a row in [`KNOBS`], a variant of
//! [`TokioKnob`], its builder call (`crate::run`) and its runs.csv column
//! (`crate::export::rows`); everything else follows the table.

use std::time::Duration;

use crate::common::duration::{format_duration, parse_keep_alive};
use crate::common::spelling::spelled_enum;

/// One of tokio's scheduling knobs (tokio only; smol has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokioKnob {
    /// `global_queue_interval`: polls between checks of the global queue.
    GlobalQueueInterval,
    /// `event_interval`: polls between checks for I/O and timer events.
    EventInterval,
    /// `thread_keep_alive`: how long an idle blocking thread lives.
    ThreadKeepAlive,
}

spelled_enum!(pub TokioKnob, "tokio knob", {
    GlobalQueueInterval => "global_queue_interval",
    EventInterval => "event_interval",
    ThreadKeepAlive => "thread_keep_alive",
});

/// What a knob's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnobUnit {
    /// A whole number ≥ 1 (at most `u32::MAX`).
    Count,
    /// A duration, stored in ns.
    Duration,
}

/// A tokio knob's row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnobSpec {
    /// The knob: its name is the TOML key, `--vary` and `plot --x` value.
    pub knob: TokioKnob,
    /// What it does, for `--help`.
    pub about: &'static str,
    /// The `run` option, without its dashes.
    pub flag: &'static str,
    /// Whether the option takes a list (one more axis of the matrix).
    pub list: bool,
    /// What its value is.
    pub unit: KnobUnit,
    /// The run id's part before the value (`-ei31`).
    pub id_prefix: &'static str,
    /// The runs.csv column.
    pub column: &'static str,
    /// What tokio does when it is not set.
    pub tokio_default: &'static str,
    /// The benches' environment variable.
    pub bench_env: &'static str,
}

/// Every tokio knob, in run id order.
pub const KNOBS: [KnobSpec; 3] = [
    KnobSpec {
        knob: TokioKnob::GlobalQueueInterval,
        about: "polls between checks of the global queue",
        flag: "global-queue-interval",
        list: true,
        unit: KnobUnit::Count,
        id_prefix: "gqi",
        column: "global_queue_interval",
        tokio_default: "self-tuned",
        bench_env: "POLLSCOPE_BENCH_GLOBAL_QUEUE_INTERVALS",
    },
    KnobSpec {
        knob: TokioKnob::EventInterval,
        about: "polls between checks for I/O and timer events",
        flag: "event-interval",
        list: true,
        unit: KnobUnit::Count,
        id_prefix: "ei",
        column: "event_interval",
        tokio_default: "61",
        bench_env: "POLLSCOPE_BENCH_EVENT_INTERVALS",
    },
    KnobSpec {
        knob: TokioKnob::ThreadKeepAlive,
        about: "how long an idle blocking thread lives",
        flag: "thread-keep-alive",
        list: false,
        unit: KnobUnit::Duration,
        id_prefix: "ka",
        column: "thread_keep_alive_us",
        tokio_default: "10s",
        bench_env: "POLLSCOPE_BENCH_THREAD_KEEP_ALIVES",
    },
];

impl TokioKnob {
    /// The knob's row of [`KNOBS`].
    pub fn spec(self) -> &'static KnobSpec {
        &KNOBS[self as usize]
    }

    /// Parses one value as the knob's unit: a count ≥ 1, or a duration
    /// (stored in ns).
    ///
    /// ```
    /// use pollscope::TokioKnob;
    /// assert_eq!(TokioKnob::EventInterval.parse_value("31"), Ok(31));
    /// assert_eq!(TokioKnob::ThreadKeepAlive.parse_value("50ms"), Ok(50_000_000));
    /// assert!(TokioKnob::EventInterval.parse_value("0").is_err());
    /// ```
    pub fn parse_value(self, text: &str) -> Result<u64, String> {
        match self.spec().unit {
            KnobUnit::Count => parse_count(text).map(u64::from),
            KnobUnit::Duration => parse_keep_alive(text).map(crate::common::duration::nanos),
        }
    }

    /// A value as the run id and messages spell it (`31`, `50ms`).
    pub fn format_value(self, value: u64) -> String {
        match self.spec().unit {
            KnobUnit::Count => value.to_string(),
            KnobUnit::Duration => format_duration(Duration::from_nanos(value)),
        }
    }

    /// A value as its runs.csv column holds it (counts as they are,
    /// durations in µs).
    pub(crate) fn cell_of_value(self, value: u64) -> u64 {
        match self.spec().unit {
            KnobUnit::Count => value,
            KnobUnit::Duration => value / 1_000,
        }
    }

    /// A runs.csv cell back as a value.
    pub(crate) fn value_of_cell(self, cell: u64) -> u64 {
        match self.spec().unit {
            KnobUnit::Count => cell,
            KnobUnit::Duration => cell.saturating_mul(1_000),
        }
    }
}

/// A whole number ≥ 1 that fits a `u32`, with a message naming the text.
pub(crate) fn parse_count(text: &str) -> Result<u32, String> {
    let trimmed = text.trim();
    match trimmed.parse::<u64>() {
        Ok(0) => Err(format!(
            "`{}` must be at least 1",
            crate::error::shown(text)
        )),
        Ok(n) => {
            u32::try_from(n).map_err(|_| format!("`{}` is too large", crate::error::shown(text)))
        }
        Err(_) if trimmed.starts_with('-') => Err(format!(
            "`{}` is negative: use a whole number ≥ 1",
            crate::error::shown(text)
        )),
        Err(_) if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()) => {
            Err(format!("`{}` is too large", crate::error::shown(text)))
        }
        Err(_) => Err(format!(
            "`{}` is not a whole number",
            crate::error::shown(text)
        )),
    }
}

/// tokio's knobs as set for a run; an unset knob is tokio's default.
///
/// ```
/// use pollscope::{TokioKnob, TokioKnobs};
/// let knobs = TokioKnobs::default()
///     .with(TokioKnob::GlobalQueueInterval, 7)
///     .with(TokioKnob::EventInterval, 31);
/// assert_eq!(knobs.get(TokioKnob::EventInterval), Some(31));
/// assert_eq!(knobs.id_suffix(), "-gqi7-ei31");
/// assert!(TokioKnobs::default().is_default());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokioKnobs([Option<u64>; KNOBS.len()]);

impl TokioKnobs {
    /// The knob's value, `None` when it is tokio's default.
    pub fn get(&self, knob: TokioKnob) -> Option<u64> {
        self.0[knob as usize]
    }

    /// Sets the knob (`None`: tokio's default).
    pub fn set(&mut self, knob: TokioKnob, value: Option<u64>) {
        self.0[knob as usize] = value;
    }

    /// These knobs with `knob` set to `value`.
    pub fn with(mut self, knob: TokioKnob, value: u64) -> Self {
        self.set(knob, Some(value));
        self
    }

    /// The knobs that are set, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (TokioKnob, u64)> + '_ {
        TokioKnob::ALL
            .iter()
            .filter_map(|&k| self.get(k).map(|v| (k, v)))
    }

    /// Whether every knob is tokio's default.
    pub fn is_default(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// The run id's part for the knobs that are set, in table order:
    /// `-gqi<N>`, `-ei<N>`, `-ka<dur>`.
    pub fn id_suffix(&self) -> String {
        self.iter()
            .map(|(k, v)| format!("-{}{}", k.spec().id_prefix, k.format_value(v)))
            .collect()
    }

    /// The knobs that are set, for people: `gqi 7 · ei 31`; `default`
    /// when none is.
    pub fn describe(&self) -> String {
        if self.is_default() {
            return "default".to_string();
        }
        self.iter()
            .map(|(k, v)| format!("{} {}", k.spec().id_prefix, k.format_value(v)))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// What a matrix point does to one setting of a scenario: keep what the
/// scenario says, ask for the runtime's default, or set a value. A list
/// option's entries are `Default` (spelled `default`) or `Set`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Choice<T> {
    /// Keep the scenario's own value.
    #[default]
    Keep,
    /// The runtime's own default.
    Default,
    /// This value.
    Set(T),
}

impl<T> Choice<T> {
    /// Applies the choice to a setting whose `None` is the runtime's
    /// default.
    ///
    /// ```
    /// use pollscope::settings::Choice;
    /// let mut workers = Some(4);
    /// Choice::Keep.apply(&mut workers);
    /// assert_eq!(workers, Some(4));
    /// Choice::Set(2).apply(&mut workers);
    /// assert_eq!(workers, Some(2));
    /// Choice::Default.apply(&mut workers);
    /// assert_eq!(workers, None);
    /// ```
    pub fn apply(self, setting: &mut Option<T>) {
        match self {
            Choice::Keep => {}
            Choice::Default => *setting = None,
            Choice::Set(v) => *setting = Some(v),
        }
    }

    /// The choice spelled for people: the value, or `default` (`keep`
    /// for [`Choice::Keep`]).
    pub fn describe(&self, show: impl Fn(&T) -> String) -> String {
        match self {
            Choice::Keep => "keep".to_string(),
            Choice::Default => "default".to_string(),
            Choice::Set(v) => show(v),
        }
    }

    /// Parses `default` or a value.
    ///
    /// ```
    /// use pollscope::settings::Choice;
    /// let parse = |s: &str| s.parse::<u32>().map_err(|e| e.to_string());
    /// assert_eq!(Choice::parse("default", parse), Ok(Choice::Default));
    /// assert_eq!(Choice::parse(" 7", parse), Ok(Choice::Set(7)));
    /// ```
    pub fn parse(text: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Self, String> {
        match text.trim() {
            "default" => Ok(Choice::Default),
            value => parse(value).map(Choice::Set),
        }
    }
}

/// A configuration setting: a runs.csv configuration column that `compare`
/// matches runs on and `--vary` may vary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Setting {
    /// The executor.
    Executor,
    /// tokio's runtime flavor.
    Flavor,
    /// Worker threads.
    Workers,
    /// The cost kind.
    CostKind,
    /// The light cost knob.
    LightCost,
    /// The heavy cost knob.
    HeavyCost,
    /// Steps per future.
    Samples,
    /// The task count `T`.
    Tasks,
    /// Whether polls' on-CPU time was measured.
    PollCpuTime,
    /// tokio's blocking pool cap.
    MaxBlockingThreads,
    /// One of tokio's knobs.
    Tokio(TokioKnob),
}

/// A setting's row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettingSpec {
    /// Its name: the runs.csv column (less a unit suffix) and `--vary`'s
    /// spelling.
    pub name: &'static str,
    /// Its name in sentences.
    pub label: &'static str,
    /// The `run` option, without its dashes.
    pub flag: &'static str,
    /// Whether the option takes a list.
    pub list: bool,
    /// Whether only tokio has it (smol runs have no value).
    pub tokio_only: bool,
    /// The value the option has when absent, where it is spelled: a
    /// reproducing command leaves the option out, a label the value.
    pub default: Option<&'static str>,
    /// What stands before the value in a short label (`w2`, `n=500`).
    pub short: &'static str,
}

const fn setting(
    name: &'static str,
    label: &'static str,
    flag: &'static str,
    list: bool,
    default: Option<&'static str>,
    short: &'static str,
) -> SettingSpec {
    SettingSpec {
        name,
        label,
        flag,
        list,
        tokio_only: false,
        default,
        short,
    }
}

/// The settings other than tokio's knobs, in [`Setting::ALL`]'s order.
const SETTINGS: [SettingSpec; 10] = [
    setting("executor", "executor", "executor", true, Some("tokio"), ""),
    setting("flavor", "flavor", "flavor", true, Some("multi_thread"), ""),
    setting("workers", "workers", "workers", true, None, "w"),
    setting("cost_kind", "cost kind", "cost-kind", false, None, ""),
    setting(
        "light_cost",
        "light cost",
        "light-cost",
        false,
        None,
        "light=",
    ),
    setting(
        "heavy_cost",
        "heavy cost",
        "heavy-cost",
        true,
        None,
        "heavy=",
    ),
    setting("samples", "samples", "samples", false, None, "n="),
    setting("tasks", "tasks", "tasks", false, None, "T="),
    setting(
        "poll_cpu_time",
        "poll CPU time",
        "poll-cpu-time",
        false,
        Some("false"),
        "poll_cpu_time=",
    ),
    SettingSpec {
        tokio_only: true,
        ..setting(
            "max_blocking_threads",
            "max blocking threads",
            "max-blocking-threads",
            false,
            Some("512"),
            "mbt=",
        )
    },
];

/// The table's rows for tokio's knobs, as settings.
const KNOB_SETTINGS: [SettingSpec; KNOBS.len()] = {
    let mut rows = [setting("", "", "", false, None, ""); KNOBS.len()];
    let mut i = 0;
    while i < KNOBS.len() {
        rows[i] = SettingSpec {
            name: KNOBS[i].knob.as_str(),
            label: KNOBS[i].knob.as_str(),
            flag: KNOBS[i].flag,
            list: KNOBS[i].list,
            tokio_only: true,
            default: Some("default"),
            short: KNOBS[i].id_prefix,
        };
        i += 1;
    }
    rows
};

impl Setting {
    /// Every setting, in the order messages list them.
    pub const ALL: [Setting; SETTINGS.len() + KNOBS.len()] = [
        Setting::Executor,
        Setting::Flavor,
        Setting::Workers,
        Setting::CostKind,
        Setting::LightCost,
        Setting::HeavyCost,
        Setting::Samples,
        Setting::Tasks,
        Setting::PollCpuTime,
        Setting::MaxBlockingThreads,
        Setting::Tokio(TokioKnob::GlobalQueueInterval),
        Setting::Tokio(TokioKnob::EventInterval),
        Setting::Tokio(TokioKnob::ThreadKeepAlive),
    ];

    /// The setting's row of the table.
    pub fn spec(self) -> &'static SettingSpec {
        match self {
            Setting::Tokio(knob) => &KNOB_SETTINGS[knob as usize],
            other => &SETTINGS[Setting::ALL.iter().position(|&s| s == other).unwrap_or(0)],
        }
    }

    /// The setting's name (runs.csv column less its unit, `--vary`).
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Setting {
    type Err = String;

    /// ```
    /// use pollscope::settings::{Setting, TokioKnob};
    /// assert_eq!("event_interval".parse::<Setting>(), Ok(Setting::Tokio(TokioKnob::EventInterval)));
    /// assert!("cores".parse::<Setting>().unwrap_err().contains("workers"));
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        Setting::ALL
            .iter()
            .copied()
            .find(|setting| setting.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Setting::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown setting `{s}` (use {})",
                    crate::common::spelling::choices(&names)
                )
            })
    }
}

/// A setting's value in a run's configuration, as runs.csv records it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SettingValue {
    /// A count.
    Count(u64),
    /// A duration, µs.
    Micros(u64),
    /// A name (`tokio`, `multi_thread`, `cpu`, `true`).
    Text(String),
}

impl std::fmt::Display for SettingValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingValue::Count(n) => write!(f, "{n}"),
            SettingValue::Micros(us) => f.write_str(&format_duration(Duration::from_micros(*us))),
            SettingValue::Text(text) => f.write_str(text),
        }
    }
}

impl TokioKnob {
    /// A value as a [`SettingValue`].
    pub fn setting_value(self, value: u64) -> SettingValue {
        match self.spec().unit {
            KnobUnit::Count => SettingValue::Count(value),
            KnobUnit::Duration => SettingValue::Micros(value / 1_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_rows_are_in_their_enums_order() {
        for (i, knob) in TokioKnob::ALL.iter().enumerate() {
            assert_eq!(KNOBS[i].knob, *knob);
            assert_eq!(Setting::Tokio(*knob).as_str(), knob.as_str());
        }
        for setting in Setting::ALL {
            assert_eq!(setting.as_str().parse::<Setting>(), Ok(setting));
            // Each row is its own setting's: the name is the variant's,
            // in snake case.
            let variant = match setting {
                Setting::Tokio(knob) => format!("{knob:?}"),
                other => format!("{other:?}"),
            };
            let snake: String = variant
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let lower = c.to_ascii_lowercase();
                    if c.is_ascii_uppercase() && i > 0 {
                        vec!['_', lower]
                    } else {
                        vec![lower]
                    }
                })
                .collect();
            assert_eq!(setting.as_str(), snake, "{setting:?}");
        }
    }

    #[test]
    fn counts_are_whole_numbers_of_at_least_one() {
        assert_eq!(parse_count("7"), Ok(7));
        assert!(parse_count("0").unwrap_err().contains("at least 1"));
        assert!(parse_count("-1").unwrap_err().contains("negative"));
        assert!(parse_count("4294967296").unwrap_err().contains("too large"));
        assert!(parse_count("x").unwrap_err().contains("not a whole number"));
    }

    #[test]
    fn durations_round_trip_through_their_column() {
        let knob = TokioKnob::ThreadKeepAlive;
        let ns = knob.parse_value("50ms").unwrap();
        assert_eq!(knob.cell_of_value(ns), 50_000);
        assert_eq!(knob.value_of_cell(50_000), ns);
        assert_eq!(TokioKnobs::default().with(knob, ns).id_suffix(), "-ka50ms");
    }
}
