//! `compare --format json`: the comparison as one JSON document, its schema
//! documented in results/README.md ("compare"). The contract's keys are
//! never renamed; keys may be added.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Comparison, ConfigKey, Row, Undecided, Verdict};
use crate::scenario::Setting;

/// The document.
#[derive(Serialize)]
struct Document<'a> {
    base: String,
    new: String,
    threshold_pct: f64,
    fdr: f64,
    vary: Vec<&'static str>,
    test: &'static str,
    min_repeats: usize,
    warnings: &'a [String],
    rows: Vec<JsonRow<'a>>,
    counts: BTreeMap<&'static str, usize>,
    only_in_base: Vec<BTreeMap<&'static str, String>>,
    only_in_new: Vec<BTreeMap<&'static str, String>>,
    without_varied: Vec<BTreeMap<&'static str, String>>,
    exit_code: i32,
}

/// A varied setting's two values.
#[derive(Serialize)]
struct Values {
    base: Option<String>,
    new: Option<String>,
}

/// One row.
#[derive(Serialize)]
struct JsonRow<'a> {
    configuration: BTreeMap<&'static str, String>,
    vary_values: BTreeMap<&'static str, Values>,
    metric: &'a str,
    unit: &'static str,
    better: &'static str,
    base_values: &'a [f64],
    new_values: &'a [f64],
    base_median: f64,
    new_median: f64,
    change_pct: f64,
    statistic: Option<f64>,
    df: Option<f64>,
    p_value: Option<f64>,
    p_adjusted: Option<f64>,
    verdict: &'static str,
    reason: Option<&'static str>,
    repeats_needed: Option<usize>,
}

/// A configuration as `{"scenario": …, setting: value}`: every setting
/// it has, by [`Setting::as_str`], its value as messages spell it.
fn configuration(key: &ConfigKey) -> BTreeMap<&'static str, String> {
    let mut map: BTreeMap<&'static str, String> = Setting::ALL
        .iter()
        .filter_map(|&s| Some((s.as_str(), key.value(s)?)))
        .collect();
    map.insert("scenario", key.scenario.clone());
    map
}

/// A finite number, or `None` (JSON has no NaN or infinity).
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn row(r: &Row) -> JsonRow<'_> {
    let j = &r.judged;
    let mut configuration = configuration(&r.config);
    for v in &r.vary {
        configuration.remove(v.setting.as_str());
    }
    JsonRow {
        configuration,
        vary_values: r
            .vary
            .iter()
            .map(|v| {
                (
                    v.setting.as_str(),
                    Values {
                        base: v.base.clone(),
                        new: v.new.clone(),
                    },
                )
            })
            .collect(),
        metric: &r.metric,
        unit: r.unit.as_str(),
        better: r.better.as_str(),
        base_values: &r.base_values,
        new_values: &r.new_values,
        base_median: j.base_median,
        new_median: j.new_median,
        change_pct: j.change_pct,
        statistic: j.test.and_then(|t| finite(t.t)),
        df: j.test.and_then(|t| finite(t.df)),
        p_value: j.test.and_then(|t| finite(t.p)),
        p_adjusted: j.p_adjusted.and_then(finite),
        verdict: j.verdict.as_str(),
        reason: match (j.verdict, j.undecided) {
            (Verdict::Disturbed, _) => Some("disturbed"),
            (_, Some(Undecided::TooFewRepeats)) => Some("too_few_repeats"),
            (_, Some(Undecided::NotSignificant)) => Some("not_significant"),
            _ => None,
        },
        repeats_needed: j.repeats_needed,
    }
}

/// The comparison as one JSON document (and a newline).
pub(super) fn render(c: &Comparison) -> String {
    // Serializing plain maps, strings and finite numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&assemble(c)).unwrap_or_default();
    text.push('\n');
    text
}

/// The comparison's JSON document as a value, keys sorted (`history
/// check` adds its own keys to it).
pub(crate) fn document(c: &Comparison) -> serde_json::Value {
    serde_json::to_value(assemble(c)).unwrap_or_default()
}

fn assemble(c: &Comparison) -> Document<'_> {
    Document {
        base: c.base.display().to_string(),
        new: c.new.display().to_string(),
        threshold_pct: c.threshold_pct,
        fdr: c.fdr,
        vary: c.vary.iter().map(|s| s.as_str()).collect(),
        test: "t_test_log",
        min_repeats: super::judge::MIN_REPEATS,
        warnings: &c.warnings,
        rows: c.rows.iter().map(row).collect(),
        counts: c.counts().iter().map(|(v, n)| (v.as_str(), *n)).collect(),
        only_in_base: c.only_in_base.iter().map(configuration).collect(),
        only_in_new: c.only_in_new.iter().map(configuration).collect(),
        without_varied: c.without_varied.iter().map(configuration).collect(),
        exit_code: c.exit_code(),
    }
}
