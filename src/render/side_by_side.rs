//! Executors side by side: per scenario and configuration, each
//! executor's run in a table with the change of makespan, and their
//! timelines stacked over one shared time window.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::svg::{escape, figure};
use super::timeline::{TimelineView, default_zoom_window, timeline_svg};
use crate::analysis::RunResult;
use crate::common::duration::human_ns;
use crate::scenario::Executor;

/// The file name of a run's timeline over its configuration's shared
/// window.
fn side_name(run_id: &str) -> String {
    format!("{run_id}_side.svg")
}

/// The window the runs of one configuration share: from 0 to the latest
/// of their default zoom windows' ends, so each shows at least its own
/// zoom's polls.
fn shared_window(runs: &BTreeMap<Executor, &RunResult>) -> (u64, u64) {
    let end = runs
        .values()
        .map(|r| default_zoom_window(r).1)
        .max()
        .unwrap_or(1);
    (0, end.max(1))
}

/// For every configuration run on two or more executors, each of its runs'
/// timelines over the shared window, as (`<run_id>_side.svg`, SVG), for the
/// runs `draws` selects.
pub(super) fn side_plots(
    results: &[RunResult],
    draws: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let mut plots = Vec::new();
    for configurations in by_configuration(results).values() {
        for runs in configurations.values().filter(|runs| runs.len() >= 2) {
            let (from_ns, to_ns) = shared_window(runs);
            for r in runs.values() {
                let id = &r.trace.info.run_id;
                if draws(id) {
                    let view = TimelineView::Window { from_ns, to_ns };
                    plots.push((side_name(id), timeline_svg(r, view)));
                }
            }
        }
    }
    plots
}

/// A configuration's timelines, one per executor, stacked.
fn stacked_figures(
    h: &mut String,
    key: &str,
    runs: &BTreeMap<Executor, &RunResult>,
    plots: &[(String, String)],
) {
    if runs.len() < 2 {
        return;
    }
    let (from, to) = shared_window(runs);
    let names: Vec<String> = runs.keys().map(ToString::to_string).collect();
    let _ = write!(
        h,
        "<p class=\"muted\">{}: {} stacked over the same window, {} – {}, so their bars line up in time.</p>",
        escape(key),
        names.join(" and "),
        human_ns(from),
        human_ns(to)
    );
    for (executor, r) in runs {
        let name = side_name(&r.trace.info.run_id);
        if let Some(plot) = plots.iter().find(|(n, _)| *n == name) {
            figure(h, plot, &format!("on {executor}"));
        }
    }
}

/// Where the runs span two or more executors: per scenario, a table with
/// one row per configuration and, for each executor, its run's makespan,
/// efficiency and first-completing light future (or, for a service
/// workload, the median of its events' values), each linked to the run;
/// under it, per configuration, the runs' timelines stacked on one time
/// axis ([`side_plots`]).
pub(super) fn executors_side_by_side(
    results: &[RunResult],
    plots: &[(String, String)],
) -> Option<String> {
    let mut executors: Vec<Executor> = results
        .iter()
        .filter_map(|r| r.trace.info.config.as_ref().map(|c| c.executor))
        .collect();
    executors.sort();
    executors.dedup();
    if executors.len() < 2 {
        return None;
    }
    let mut h = String::from(
        "<p class=\"muted\">The same futures, costs and samples on each executor. Makespans and \
         completion times compare directly; scheduling delays do not (the executors' wake paths \
         differ: tokio defers a <code>yield_now</code> wake until the worker has polled its other \
         tasks, smol wakes at once). tokio's knobs do not apply to smol, so a smol run sits beside \
         each tokio configuration of the same workers. \"First light done\" is the earliest \
         completion among the inline futures of the light cost; a service workload has none, and \
         shows the median of all its events' values (µs) instead. Under each table, each \
         configuration's timelines on the executors are stacked over one window.</p>\n",
    );
    let mut scenarios: Vec<_> = by_configuration(results).into_iter().collect();
    scenarios.sort_by_key(|(s, _)| super::intro::scenario_rank(s));
    for (scenario, configurations) in scenarios {
        let _ = write!(
            h,
            "<h3>{}</h3><table><tr><th>configuration</th>",
            escape(scenario)
        );
        for (k, e) in executors.iter().enumerate() {
            let _ = write!(
                h,
                "<th>{e} makespan</th>{}<th>{e} efficiency</th><th>{e} first light done / median value</th>",
                if k > 0 {
                    format!("<th>Δ makespan vs {}</th>", executors[0])
                } else {
                    String::new()
                }
            );
        }
        h.push_str("</tr>\n");
        for (key, runs) in &configurations {
            let label = key.strip_prefix(&format!("{scenario}-")).unwrap_or(key);
            let _ = write!(h, "<tr><td>{}</td>", escape(label));
            let base = runs.get(&executors[0]).map(|r| r.analysis.makespan_ns);
            for (k, e) in executors.iter().enumerate() {
                let run = runs.get(e).copied();
                h.push_str(&executor_cells(run, (k > 0).then_some(base)));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
        for (key, runs) in configurations {
            stacked_figures(&mut h, &key, &runs, plots);
        }
    }
    Some(h)
}

/// scenario → configuration (the run id without the executor) → executor
/// → run.
type ByConfiguration<'a> = BTreeMap<&'a str, BTreeMap<String, BTreeMap<Executor, &'a RunResult>>>;

/// The runs by scenario and configuration, each configuration with its run
/// on each executor.
fn by_configuration(results: &[RunResult]) -> ByConfiguration<'_> {
    let mut table = ByConfiguration::new();
    for r in results {
        let Some(config) = r.trace.info.config.as_ref() else {
            continue;
        };
        // A smol run's id is its configuration's, with `-smol` before
        // the repeat.
        let id = &r.trace.info.run_id;
        let smol = format!("-smol-r{}", config.repeat);
        let key = match id.strip_suffix(&smol) {
            Some(stem) => format!("{stem}-r{}", config.repeat),
            None => id.clone(),
        };
        table
            .entry(r.trace.info.scenario.as_str())
            .or_default()
            .entry(key)
            .or_default()
            .insert(config.executor, r);
    }
    table
}

/// One executor's cells in a configuration's row: makespan (linked to the
/// run), its change against the first executor's (`base`, for every
/// executor but the first), efficiency, and first light done or median
/// value; dashes without a run.
fn executor_cells(run: Option<&RunResult>, base: Option<Option<u64>>) -> String {
    let delta = match (base, run) {
        (None, _) => String::new(),
        (Some(Some(b)), Some(r)) if b > 0 => format!(
            "<td>{:+.0} %</td>",
            (r.analysis.makespan_ns as f64 - b as f64) * 100.0 / b as f64
        ),
        (Some(_), _) => "<td>–</td>".to_string(),
    };
    let Some(r) = run else {
        return format!("<td>–</td>{delta}<td>–</td><td>–</td>");
    };
    let id = escape(&r.trace.info.run_id);
    let light = first_light_or_value(r);
    format!(
        "<td><a href=\"#{id}\">{}</a></td>{delta}<td>{}</td><td>{light}</td>",
        human_ns(r.analysis.makespan_ns),
        r.analysis
            .efficiency
            .map_or("–".to_string(), |e| format!("{e:.2}"))
    )
}

/// A run's earliest completion among its light inline futures, or for a
/// service workload the median of all its events' values (µs).
fn first_light_or_value(r: &RunResult) -> String {
    let config = r.trace.info.config.as_ref();
    let light = r
        .trace
        .futures
        .iter()
        .zip(&r.analysis.futures)
        .filter(|(f, _)| {
            f.placement() == Some(crate::scenario::Placement::Inline)
                && config.is_some_and(|c| f.cost == c.light_cost)
        })
        .filter_map(|(f, s)| s.completed_ns.map(|done| (done, f.name.as_str())))
        .min();
    if let Some((done, name)) = light {
        return format!("{name} {}", human_ns(done));
    }
    let mut values: Vec<f64> = r
        .trace
        .futures
        .iter()
        .filter(|f| f.kind.is_service())
        .flat_map(|f| f.samples.iter().map(|s| s.value))
        .collect();
    match crate::common::stats::median_f64(&mut values) {
        Some(median) => format!("value {median:.0} µs"),
        None => "–".to_string(),
    }
}
