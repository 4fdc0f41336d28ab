//! The benches' matrix, from their environment variables
//! (`POLLSCOPE_BENCH_*`; tokio's knobs take theirs from the knob table),
//! planned by the same [`Matrix`] as `pollscope run`, and parsed here so
//! that its rules are tested like the rest of the library: a list is
//! comma-separated, an empty list is an error, and a repeated value is
//! dropped with a warning (criterion refuses two benchmarks of one id).

use crate::common::duration::parse_duration;
use crate::error::shown;
use crate::run::matrix::{Matrix, ScenarioSource};
use crate::scenario::{
    Choice, Executor, JOURNEY, JourneyParams, KNOBS, Scenario, builtins, parse_count,
};

/// A parsed list knob: its distinct values, in order, and what was dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct ListKnob<T> {
    /// The values, each once, in the order given.
    pub values: Vec<T>,
    /// One line per repeated value that was dropped.
    pub warnings: Vec<String>,
}

/// Parses the list knob `name` whose text is `text` (or `default` when the
/// variable is unset), each item with `item`.
///
/// ```
/// use pollscope::internals::parse_list;
/// let parse = |s: &str| s.parse::<u32>().map_err(|_| format!("`{s}` is not a number"));
/// let knob = parse_list("W", Some("1, 2,1"), "1", parse).unwrap();
/// assert_eq!(knob.values, [1, 2]);
/// assert_eq!(knob.warnings.len(), 1);
/// assert!(parse_list("W", Some(""), "1", parse).unwrap_err().contains("empty"));
/// assert!(parse_list("W", Some("1,x"), "1", parse).unwrap_err().contains("`x`"));
/// assert_eq!(parse_list("W", None, "4", parse).unwrap().values, [4]);
/// ```
pub fn parse_list<T: PartialEq>(
    name: &str,
    text: Option<&str>,
    default: &str,
    item: impl Fn(&str) -> Result<T, String>,
) -> Result<ListKnob<T>, String> {
    let text = text.unwrap_or(default);
    let mut knob = ListKnob {
        values: Vec::new(),
        warnings: Vec::new(),
    };
    for raw in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let value = item(raw).map_err(|e| format!("{name}=\"{}\": {e}", shown(text)))?;
        if knob.values.contains(&value) {
            knob.warnings.push(format!(
                "{name}: `{}` is repeated; it runs once",
                crate::error::shown(raw)
            ));
        } else {
            knob.values.push(value);
        }
    }
    if knob.values.is_empty() {
        return Err(format!(
            "{name}=\"{}\": the list is empty; give at least one value or unset the variable",
            shown(text)
        ));
    }
    Ok(knob)
}

/// A whole number ≥ 1.
///
/// ```
/// assert_eq!(pollscope::internals::positive("3"), Ok(3));
/// assert!(pollscope::internals::positive("0").is_err());
/// ```
pub fn positive(text: &str) -> Result<u32, String> {
    match text.parse::<u64>() {
        Ok(n) if n > u64::from(u32::MAX) => Err(format!(
            "`{}` is too large (at most {})",
            shown(text),
            u32::MAX
        )),
        Ok(n) if n > 0 => Ok(n as u32),
        _ => Err(format!("`{}` is not a whole number ≥ 1", shown(text))),
    }
}

/// The single whole-number knob in the environment variable `name`
/// ([`positive`]; `default` when unset): `0`, `-3`, `abc` or a value that
/// is not UTF-8 is an error naming the variable, never a silent default.
///
/// ```
/// use pollscope::internals::positive_env;
/// assert_eq!(positive_env("POLLSCOPE_DOC_UNSET_KNOB", 7), Ok(7));
/// ```
pub fn positive_env(name: &str, default: u32) -> Result<u32, String> {
    match std::env::var(name) {
        Ok(text) => positive(text.trim()).map_err(|e| format!("{name}=\"{}\": {e}", shown(&text))),
        Err(std::env::VarError::NotPresent) => Ok(default),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name}: not UTF-8 text")),
    }
}

/// One point of the benches' matrix: its bench id
/// (`<scenario>/w<workers>-<kind><cost><suffixes>`) and its scenario.
pub type BenchPoint = (String, Scenario);

/// The benches' matrix, from the variables that `var` reads:
/// `POLLSCOPE_BENCH_SCENARIOS` (default the journey's five),
/// `_WORKERS` (`1,2,4`), `_HEAVY_COSTS` (`100us,500us`), `_COST_KIND`
/// (`cpu`), `_SAMPLES` (`100`), `_EXECUTORS` (`tokio`) and each tokio
/// knob's variable of the table (e.g. `POLLSCOPE_BENCH_EVENT_INTERVALS`,
/// `default`). Returns the points and the warnings (repeated values,
/// points an executor cannot run).
///
/// ```
/// use pollscope::internals::bench_points;
/// let var = |name: &str| match name {
///     "POLLSCOPE_BENCH_SCENARIOS" => Some("two_futures".to_string()),
///     "POLLSCOPE_BENCH_WORKERS" => Some("2".to_string()),
///     "POLLSCOPE_BENCH_EVENT_INTERVALS" => Some("default,31".to_string()),
///     _ => None,
/// };
/// let (points, _) = bench_points(var).unwrap();
/// let ids: Vec<&str> = points.iter().map(|(id, _)| id.as_str()).collect();
/// assert_eq!(ids, ["two_futures/w2-cpu100us", "two_futures/w2-cpu500us", "two_futures/w2-cpu100us-ei31", "two_futures/w2-cpu500us-ei31"]);
/// ```
pub fn bench_points(
    var: impl Fn(&str) -> Option<String>,
) -> Result<(Vec<BenchPoint>, Vec<String>), String> {
    let mut env = Env {
        var: &var,
        warnings: Vec::new(),
    };
    let scenarios: Vec<ScenarioSource> = env
        .list("POLLSCOPE_BENCH_SCENARIOS", &JOURNEY.join(","), |name| {
            builtins::find(name).map(|b| b.name).ok_or_else(|| {
                format!(
                    "`{}` is not a built-in scenario (see `pollscope list`)",
                    crate::error::shown(name)
                )
            })
        })?
        .into_iter()
        .filter_map(ScenarioSource::builtin)
        .collect();
    let mut matrix = Matrix {
        params: JourneyParams {
            samples: env.single("POLLSCOPE_BENCH_SAMPLES", "100", positive)?,
            cost_kind: env.single("POLLSCOPE_BENCH_COST_KIND", "cpu", str::parse)?,
            ..JourneyParams::default()
        },
        heavy_costs: env.list("POLLSCOPE_BENCH_HEAVY_COSTS", "100us,500us", parse_duration)?,
        executors: env.list("POLLSCOPE_BENCH_EXECUTORS", "tokio", str::parse::<Executor>)?,
        workers: env.list("POLLSCOPE_BENCH_WORKERS", "1,2,4", |w| {
            parse_count(w).map(|n| Choice::Set(n as usize))
        })?,
        ..Matrix::default()
    };
    for (spec, axis) in KNOBS.iter().zip(&mut matrix.knobs) {
        let choices = env.list(spec.bench_env, "default", |v| {
            Choice::parse(v, |v| spec.knob.parse_value(v))
        })?;
        // `default` alone keeps the scenario's: tokio's default.
        if choices != [Choice::Default] {
            *axis = choices;
        }
    }
    let mut warnings = env.warnings;
    let plans = matrix
        .plan_reporting(&scenarios, &mut warnings)
        .map_err(|e| e.to_string())?;
    let points = plans
        .into_iter()
        .map(|plan| (plan.scenario.bench_id(), plan.scenario))
        .collect();
    Ok((points, warnings))
}

/// The benches' environment as it is read: the variables, and the
/// warnings so far.
struct Env<'a> {
    var: &'a dyn Fn(&str) -> Option<String>,
    warnings: Vec<String>,
}

impl Env<'_> {
    /// The list variable `name` ([`parse_list`]).
    fn list<T: PartialEq>(
        &mut self,
        name: &str,
        default: &str,
        item: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let knob = parse_list(name, (self.var)(name).as_deref(), default, item)?;
        self.warnings.extend(knob.warnings);
        Ok(knob.values)
    }

    /// The single-valued variable `name`.
    fn single<T>(
        &self,
        name: &str,
        default: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, String> {
        let text = (self.var)(name).unwrap_or_else(|| default.to_string());
        parse(text.trim()).map_err(|e| format!("{name}=\"{}\": {e}", shown(&text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_repeat_by_value_not_by_spelling() {
        let knob = parse_list("C", Some("500us,0.5ms,1ms"), "1ms", parse_duration).unwrap();
        assert_eq!(knob.values.len(), 2);
        assert!(knob.warnings[0].contains("0.5ms"));
    }

    #[test]
    fn only_commas_is_empty() {
        assert!(parse_list("C", Some(" , ,"), "1", positive).is_err());
    }

    #[test]
    fn a_bad_variable_names_itself() {
        let var = |name: &str| (name == "POLLSCOPE_BENCH_EVENT_INTERVALS").then(|| "0".to_string());
        let err = bench_points(var).unwrap_err();
        assert!(err.contains("POLLSCOPE_BENCH_EVENT_INTERVALS"), "{err}");
        let var = |name: &str| (name == "POLLSCOPE_BENCH_SCENARIOS").then(|| "nope".to_string());
        assert!(bench_points(var).unwrap_err().contains("`nope`"));
    }

    #[test]
    fn executors_and_knob_lists_parse_with_default() {
        use crate::scenario::Executor;
        let knob = parse_list("E", Some("tokio, smol,tokio"), "tokio", |e| {
            e.parse::<Executor>()
        })
        .unwrap();
        assert_eq!(knob.values, [Executor::Tokio, Executor::Smol]);
        assert_eq!(knob.warnings.len(), 1);
        let err = parse_list("E", Some("tokio,glommio"), "tokio", |e| {
            e.parse::<Executor>()
        })
        .unwrap_err();
        assert!(err.contains("`glommio`"), "{err}");
        let knob = parse_list("G", Some("default,7,default"), "default", |v| {
            Choice::parse(v, positive)
        })
        .unwrap();
        assert_eq!(knob.values, [Choice::Default, Choice::Set(7)]);
        assert!(parse_list("G", Some("0"), "default", |v| Choice::parse(v, positive)).is_err());
    }
}
