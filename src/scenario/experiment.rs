//! Custom experiments from TOML (`pollscope run --config FILE.toml`), parsed
//! into the same [`Scenario`] type as the built-ins.
//!
//! ```toml
//! name = "my_experiment"
//! [runtime]
//! flavor = "multi_thread"     # or "current_thread"
//! workers = 2
//! max_blocking_threads = 512  # optional
//! executor = "tokio"          # or "smol"
//! global_queue_interval = 31  # optional, tokio only; so are
//! event_interval = 61         # these two
//! thread_keep_alive = "10s"
//! [defaults]
//! cost_kind = "cpu"
//! samples = 300
//! [[future]]
//! name = "ticker"
//! placement = "inline"        # inline | spawn | spawn_blocking | block_in_place | pool
//! cost = "100us"
//! count = 1                   # count > 1 makes ticker1..tickerN
//! ```
//!
//! Beyond the contract, `[runtime]` also takes `blocking_permits` (a
//! semaphore in front of spawn_blocking steps) and `pool_threads`; a
//! `[[future]]` takes `cost_kind`, `samples` and `yields = false`; the file
//! may carry a `description`.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{Executor, Flavor, FutureSpec, Origin, Placement, RuntimeSpec, Scenario, TokioKnob};
use crate::common::duration::parse_duration;
use crate::common::names;
use crate::error::{Error, Result};
use crate::scenario::CostKind;
use crate::scenario::{Bound, ClaimMetric, UserClaim};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    runtime: Option<RuntimeTable>,
    #[serde(default)]
    defaults: Option<DefaultsTable>,
    #[serde(default)]
    future: Vec<FutureTable>,
    #[serde(default)]
    claim: Vec<ClaimTable>,
}

/// `[[claim]]`: a user claim about the experiment's futures.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimTable {
    future: Spanned<String>,
    metric: Spanned<String>,
    percentile: Option<Spanned<f64>>,
    below: Option<Spanned<toml::Value>>,
    above: Option<Spanned<toml::Value>>,
}

/// `[runtime]`: its own keys, and one key per row of the knob table
/// ([`crate::scenario::KNOBS`]); any other key is an error naming it.
#[derive(Default)]
struct RuntimeTable {
    flavor: Option<Spanned<String>>,
    workers: Option<Spanned<u32>>,
    max_blocking_threads: Option<Spanned<u32>>,
    blocking_permits: Option<Spanned<u32>>,
    pool_threads: Option<Spanned<u32>>,
    executor: Option<Spanned<String>>,
    /// tokio's knobs, as written.
    knobs: Vec<(TokioKnob, Spanned<toml::Value>)>,
    /// The first key that is neither, reported where it stands.
    unknown: Option<Spanned<String>>,
}

/// `[runtime]`'s own keys, before the knob table's.
const RUNTIME_KEYS: [&str; 6] = [
    "flavor",
    "workers",
    "max_blocking_threads",
    "blocking_permits",
    "pool_threads",
    "executor",
];

impl<'de> Deserialize<'de> for RuntimeTable {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RuntimeTable;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the [runtime] table")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RuntimeTable, A::Error> {
                let mut table = RuntimeTable::default();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    match key.get_ref().as_str() {
                        "flavor" => table.flavor = Some(map.next_value()?),
                        "workers" => table.workers = Some(map.next_value()?),
                        "max_blocking_threads" => {
                            table.max_blocking_threads = Some(map.next_value()?)
                        }
                        "blocking_permits" => table.blocking_permits = Some(map.next_value()?),
                        "pool_threads" => table.pool_threads = Some(map.next_value()?),
                        "executor" => table.executor = Some(map.next_value()?),
                        other => match other.parse::<TokioKnob>() {
                            Ok(knob) => table.knobs.push((knob, map.next_value()?)),
                            Err(_) => {
                                map.next_value::<toml::Value>()?;
                                table.unknown.get_or_insert(key);
                            }
                        },
                    }
                }
                Ok(table)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsTable {
    cost_kind: Option<Spanned<String>>,
    samples: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FutureTable {
    name: Spanned<String>,
    placement: Spanned<String>,
    cost: Spanned<String>,
    cost_kind: Option<Spanned<String>>,
    samples: Option<Spanned<u32>>,
    count: Option<Spanned<u32>>,
    yields: Option<bool>,
}

/// Turns byte offsets into `file:line: ` prefixes.
struct Locator<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Locator<'_> {
    fn error(&self, offset: Option<usize>, message: impl std::fmt::Display) -> Error {
        let place = match offset {
            Some(offset) => {
                let line = self.text[..offset.min(self.text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                format!("{}:{line}", crate::error::shown_path(self.path))
            }
            None => crate::error::shown_path(self.path).to_string(),
        };
        Error::bad_input(format!("{place}: {message}"))
    }

    fn at<T>(&self, value: &Spanned<T>, key: &str, message: impl std::fmt::Display) -> Error {
        self.error(Some(value.span().start), format!("`{key}`: {message}"))
    }

    fn count<T: Copy + Into<u64>>(
        &self,
        value: &Option<Spanned<T>>,
        key: &str,
    ) -> Result<Option<T>> {
        match value {
            Some(v) if (*v.get_ref()).into() == 0 => Err(self.at(v, key, "must be at least 1")),
            Some(v) => Ok(Some(*v.get_ref())),
            None => Ok(None),
        }
    }

    fn parsed<T: std::str::FromStr<Err = String>>(
        &self,
        value: &Spanned<String>,
        key: &str,
    ) -> Result<T> {
        value.get_ref().parse().map_err(|e| self.at(value, key, e))
    }
}

/// The key of the `key = value` line holding byte `offset`, if any.
fn key_on_line(text: &str, offset: usize) -> Option<&str> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('[')).then_some(key)
}

/// The largest experiment file `load` reads (100,000 futures take about
/// 10 MB of TOML).
const MAX_EXPERIMENT_BYTES: u64 = 64 << 20;

/// Reads the experiment in `path`.
///
/// Every problem is one line naming the file, the line where known and the
/// key: unknown keys, unknown placements or cost kinds, malformed or zero
/// costs, zero samples, counts or workers, duplicate future names (after
/// `count` expansion), an empty future list, a missing file.
pub fn load(path: &Path) -> Result<Scenario> {
    // A FIFO or a device would block or never end: only regular files of
    // a sane size are read.
    let cannot =
        |why: String| Error::bad_input(format!("{}: {why}", crate::error::shown_path(path)));
    let meta =
        std::fs::metadata(path).map_err(|e| cannot(format!("cannot read the experiment: {e}")))?;
    if !meta.is_file() {
        return Err(cannot(
            "not a regular file: give an experiment's TOML file".into(),
        ));
    }
    if meta.len() > MAX_EXPERIMENT_BYTES {
        return Err(cannot(format!(
            "{} bytes is too large for an experiment (at most {} MiB)",
            meta.len(),
            MAX_EXPERIMENT_BYTES >> 20
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::bad_input(format!(
            "{}: cannot read the experiment: {e}",
            crate::error::shown_path(path)
        ))
    })?;
    parse(path, &text)
}

/// Parses experiment `text` (read from `path`, which only names it in
/// errors).
///
/// ```
/// use std::path::Path;
/// let toml = r#"
/// name = "tickers"
/// [runtime]
/// workers = 2
/// [[future]]
/// name = "tick"
/// placement = "inline"
/// cost = "50us"
/// count = 3
/// "#;
/// let scenario = pollscope::parse_experiment(Path::new("t.toml"), toml).unwrap();
/// let names: Vec<&str> = scenario.futures.iter().map(|f| f.name.as_str()).collect();
/// assert_eq!(names, ["tick1", "tick2", "tick3"]);
///
/// let bad = pollscope::parse_experiment(Path::new("t.toml"), "name = \"x\"\nspeed = 3\n");
/// let message = bad.unwrap_err().to_string();
/// assert!(message.starts_with("t.toml:2:") && message.contains("speed"), "{message}");
/// ```
pub fn parse(path: &Path, text: &str) -> Result<Scenario> {
    let at = Locator { path, text };
    let file = deserialize(&at)?;
    names::check_name("experiment name", file.name.get_ref())
        .map_err(|e| at.at(&file.name, "name", e))?;
    if file.future.is_empty() {
        return Err(at.error(
            None,
            "no [[future]] entries: an experiment needs at least one future",
        ));
    }
    let runtime = match &file.runtime {
        Some(table) => runtime_spec(&at, table)?,
        None => RuntimeSpec::default(),
    };
    let defaults = file.defaults.as_ref();
    let cost_kind = match defaults.and_then(|d| d.cost_kind.as_ref()) {
        Some(kind) => at.parsed(kind, "defaults.cost_kind")?,
        None => CostKind::default(),
    };
    let samples = at
        .count(
            &defaults.and_then(|d| d.samples.clone()),
            "defaults.samples",
        )?
        .unwrap_or(500);
    let scenario = Scenario {
        name: file.name.get_ref().clone(),
        description: file.description.clone().unwrap_or_else(|| {
            format!("custom experiment from {}", crate::error::shown_path(path))
        }),
        origin: Origin::File,
        runtime,
        cost_kind,
        samples,
        light_cost: None,
        heavy_cost: None,
        tasks: None,
        futures: future_specs(&at, &file.future)?,
        claims: file
            .claim
            .iter()
            .map(|table| claim(&at, table))
            .collect::<Result<_>>()?,
    };
    scenario.validate().map_err(|e| at.error(None, e))?;
    Ok(scenario)
}

/// A `[[claim]]` table: `future`, `metric`, `percentile` where the metric
/// takes one, and one of `below` or `above` (a duration such as "1ms", or
/// a count for migrations).
fn claim(at: &Locator<'_>, table: &ClaimTable) -> Result<UserClaim> {
    let metric: ClaimMetric = at.parsed(&table.metric, "claim.metric")?;
    let (key, limit, make): (&str, _, fn(u64) -> Bound) = match (&table.below, &table.above) {
        (Some(limit), None) => ("claim.below", limit, Bound::Below),
        (None, Some(limit)) => ("claim.above", limit, Bound::Above),
        _ => {
            return Err(at.at(
                &table.future,
                "claim",
                "give exactly one of `below` or `above`",
            ));
        }
    };
    let text = match limit.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(n) if metric.is_count() => n.to_string(),
        _ => {
            return Err(at.at(
                limit,
                key,
                "a duration in quotes (e.g. \"1ms\"), or a count for migrations",
            ));
        }
    };
    let value = UserClaim::parse_limit(metric, &text).map_err(|e| at.at(limit, key, e))?;
    let percentile = table.percentile.as_ref().map(|p| *p.get_ref());
    UserClaim::new(
        table.future.get_ref().as_str(),
        metric,
        percentile,
        make(value),
    )
    .map_err(|e| at.at(&table.future, "claim", e))
}

/// The file's tables, with a located error naming the key.
fn deserialize(at: &Locator<'_>) -> Result<File> {
    toml::from_str(at.text).map_err(|e| {
        let offset = e.span().map(|s| s.start);
        // The parser's message may quote the file (a 50 MB value): bounded.
        let mut message = crate::error::bounded(
            e.message().lines().next().unwrap_or("malformed TOML"),
            4 * crate::error::QUOTED_CHARS,
        );
        // Type errors do not say which key: take it from the line.
        if let Some(key) = offset.and_then(|o| key_on_line(at.text, o))
            && !message.contains(&format!("`{key}`"))
        {
            message = format!("`{key}`: {message}");
        }
        at.error(offset, message)
    })
}

/// `[runtime]`: flavor and thread counts (each at least 1; no workers on a
/// current_thread runtime).
fn runtime_spec(at: &Locator<'_>, table: &RuntimeTable) -> Result<RuntimeSpec> {
    if let Some(key) = &table.unknown {
        let known: Vec<String> = RUNTIME_KEYS
            .iter()
            .copied()
            .chain(TokioKnob::ALL.iter().map(|k| k.as_str()))
            .map(|k| format!("`{k}`"))
            .collect();
        return Err(at.error(
            Some(key.span().start),
            format!(
                "unknown field `{}` in [runtime], expected one of {}",
                key.get_ref(),
                known.join(", ")
            ),
        ));
    }
    let mut runtime = RuntimeSpec::default();
    if let Some(flavor) = &table.flavor {
        runtime.flavor = at.parsed(flavor, "runtime.flavor")?;
    }
    let threads = |value: &Option<Spanned<u32>>, key: &str| -> Result<Option<usize>> {
        Ok(at.count(value, key)?.map(|n| n as usize))
    };
    runtime.workers = threads(&table.workers, "runtime.workers")?;
    runtime.max_blocking_threads =
        threads(&table.max_blocking_threads, "runtime.max_blocking_threads")?;
    runtime.blocking_permits = threads(&table.blocking_permits, "runtime.blocking_permits")?;
    runtime.pool_threads = threads(&table.pool_threads, "runtime.pool_threads")?;
    if let Some(executor) = &table.executor {
        runtime.executor = at.parsed(executor, "runtime.executor")?;
    }
    for (knob, value) in &table.knobs {
        let key = format!("runtime.{knob}");
        let text = match value.get_ref() {
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::String(text) => text.clone(),
            other => {
                return Err(at.at(
                    value,
                    &key,
                    format!(
                        "expected a number or a duration, found {}",
                        other.type_str()
                    ),
                ));
            }
        };
        let parsed = knob.parse_value(&text).map_err(|e| at.at(value, &key, e))?;
        runtime.tokio.set(*knob, Some(parsed));
    }
    if runtime.executor == Executor::Smol {
        let tokio_only = table
            .knobs
            .iter()
            .map(|(knob, value)| (format!("runtime.{knob}"), value.span()))
            .chain(
                table
                    .max_blocking_threads
                    .as_ref()
                    .map(|v| ("runtime.max_blocking_threads".to_string(), v.span())),
            )
            .min_by_key(|(_, span)| span.start);
        if let Some((key, span)) = tokio_only {
            return Err(at.error(
                Some(span.start),
                format!("`{key}`: is tokio's; it does not apply to executor = \"smol\""),
            ));
        }
    }
    if let (Some(workers), Flavor::CurrentThread) = (&table.workers, runtime.flavor) {
        return Err(at.at(
            workers,
            "runtime.workers",
            "does not apply to flavor = \"current_thread\", which runs everything on one thread: remove it or use multi_thread",
        ));
    }
    Ok(runtime)
}

/// Bytes one expanded future holds at least, before any event is
/// recorded: its spec and name, its task, buffers' headers and statistics
/// (the run stage's per-future figures, rounded up).
const BYTES_PER_EXPANDED_FUTURE: u128 = 2304;

/// Refuses, from the counts alone and before anything is expanded, a file
/// whose `count`s make more futures than `available` bytes can hold
/// (`count = 4294967295`), naming the largest count. The events the
/// futures will record are estimated later, with the whole matrix.
fn check_expansion(
    at: &Locator<'_>,
    tables: &[FutureTable],
    available: Option<u128>,
) -> Result<()> {
    let counts = tables.iter().filter_map(|t| t.count.as_ref());
    let futures: u128 = tables
        .iter()
        .map(|t| t.count.as_ref().map_or(1, |c| u128::from(*c.get_ref())))
        .sum();
    let bytes = futures.saturating_mul(BYTES_PER_EXPANDED_FUTURE);
    match (available, counts.max_by_key(|c| *c.get_ref())) {
        (Some(available), Some(largest)) if bytes > available => Err(at.at(
            largest,
            "future.count",
            format!(
                "{futures} futures need about {:.1} GB of memory before recording anything, but {:.1} GB is available: use a smaller count",
                bytes as f64 / 1e9,
                available as f64 / 1e9
            ),
        )),
        _ => Ok(()),
    }
}

/// `[[future]]` tables, each expanded by its `count` into `name1..nameN`;
/// names safe and used once (checked in time linear in the futures).
fn future_specs(at: &Locator<'_>, tables: &[FutureTable]) -> Result<Vec<FutureSpec>> {
    check_expansion(at, tables, crate::common::machine::available_memory())?;
    let mut futures: Vec<FutureSpec> = Vec::new();
    // Name → offset of its first use.
    let mut first_use: HashMap<String, usize> = HashMap::new();
    for table in tables {
        let base = table.name.get_ref().as_str();
        names::check_name("future name", base).map_err(|e| at.at(&table.name, "future.name", e))?;
        let placement: Placement = at.parsed(&table.placement, "future.placement")?;
        let cost: Duration = parse_duration(table.cost.get_ref())
            .map_err(|e| at.at(&table.cost, "future.cost", e))?;
        let cost_kind = match &table.cost_kind {
            Some(kind) => Some(at.parsed(kind, "future.cost_kind")?),
            None => None,
        };
        let samples = at.count(&table.samples, "future.samples")?;
        let count = at.count(&table.count, "future.count")?.unwrap_or(1);
        if count > 1 {
            names::check_name("future name", &format!("{base}{count}")).map_err(|e| {
                at.at(
                    &table.name,
                    "future.name",
                    format!("with count = {count}: {e}"),
                )
            })?;
        }
        for i in 1..=count {
            let name = if count > 1 {
                format!("{base}{i}")
            } else {
                base.to_string()
            };
            if let Some(first) = first_use.get(&name) {
                let first_line = at.text[..*first].matches('\n').count() + 1;
                return Err(at.at(
                    &table.name,
                    "future.name",
                    format!("`{name}` is used twice (first on line {first_line})"),
                ));
            }
            first_use.insert(name.clone(), table.name.span().start);
            futures.push(FutureSpec {
                name,
                placement,
                cost,
                cost_kind,
                samples,
                yields: table.yields.unwrap_or(true),
                role: super::Role::Producer,
            });
        }
    }
    Ok(futures)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_huge_count_is_refused_before_expanding() {
        let text = "name = \"x\"\n[[future]]\nname = \"t\"\nplacement = \"inline\"\ncost = \"1us\"\ncount = 4294967295\n";
        let refused = super::parse(std::path::Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("t.toml:6:") && refused.contains("count"),
            "{refused}"
        );
    }
}
