//! The top of the report: what the runs are (scenarios, settings, machine)
//! and, per scenario, what it shows and what to look for in its pictures.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::svg::escape;
use crate::analysis::RunResult;
use crate::common::duration::format_duration;
use crate::scenario::{BUILTINS, JOURNEY};

/// Where to look in a built-in scenario's pictures, in one line.
pub(crate) fn look_for(scenario: &str) -> Option<&'static str> {
    Some(match scenario {
        "two_futures" => {
            "in the zoom, fut0 and fut1 take turns in main's colour: never two bars at the same moment"
        }
        "cpu_intensive" => {
            "high_cpu's long bars hold the main thread; fut0 and fut1 wait between samples and finish only as high_cpu does"
        }
        "spawn_task" => {
            "spawned runs in a worker's colour at the same time as fut0/fut1 on main; the light futures finish early"
        }
        "many_spawn_task" => {
            "more spawned rows than worker colours: gaps where a task waits for a worker, colour changes where it migrates"
        }
        "many_spawn_blocking" => {
            "every step in a new colour (a blocking thread each), its top hatched when the threads outnumber the cores"
        }
        "block_in_place" => {
            "a step keeps its worker's colour while another thread takes over the queue (a new worker colour appears)"
        }
        "bounded_blocking" => "no more blocking colours at a time than cores, and little hatching",
        "rayon_pool" => {
            "the heavy steps in the pool threads' colours, the async side's thin polls below"
        }
        "tcp_echo" => {
            "each client's round trips: lines from request to response; the CDF panel at right gives p50/p99"
        }
        "timers" => {
            "each wake's lateness: short lines near 0 except where a hog held the worker (tokio's 1 ms tick rounds up)"
        }
        "channel_pipeline" => "the sink's latencies grow where a stage falls behind",
        "fan_in" => {
            "the sink's latencies: the senders queue behind one bounded channel, so latency grows with their number"
        }
        "mutex_contention" => {
            "each acquisition's wait: long lines where many tasks queue for the lock"
        }
        "starvation" => {
            "the ticker's lateness: while the hogs hold both workers no tick fires, then one tick arrives late by their whole duration"
        }
        "no_yield" => "the heavy future's one long bar; the light ones wait for it to end",
        _ => return None,
    })
}

/// The scenarios of `results` in journey order (then built-ins in their
/// order, then others by name).
pub(crate) fn scenarios_in_order(results: &[RunResult]) -> Vec<&str> {
    let mut names: Vec<&str> = results
        .iter()
        .map(|r| r.trace.info.scenario.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    names.sort_by_key(|&n| scenario_rank(n));
    names
}

/// A scenario's place in the report: the journey first, then the other
/// built-ins, then the rest by name.
pub(crate) fn scenario_rank(name: &str) -> (usize, String) {
    let rank = JOURNEY
        .iter()
        .position(|j| *j == name)
        .or_else(|| {
            BUILTINS
                .iter()
                .position(|b| b.name == name)
                .map(|p| p + JOURNEY.len())
        })
        .unwrap_or(usize::MAX);
    (rank, name.to_string())
}

/// The distinct values of a setting over the runs in the order the runs
/// first show them (the matrix's order), joined: `tokio, smol`.
fn distinct(results: &[RunResult], f: impl Fn(&RunResult) -> Option<String>) -> String {
    let mut values: Vec<String> = Vec::new();
    for v in results.iter().filter_map(f) {
        if !values.contains(&v) {
            values.push(v);
        }
    }
    values.join(", ")
}

/// The introduction: a sentence on the runs, one on how to read the page,
/// and a line per scenario (what it shows, what to look for).
pub(crate) fn introduction(h: &mut String, results: &[RunResult]) {
    let config = |f: fn(&crate::trace::RunConfig) -> Option<String>| {
        distinct(results, move |r| r.trace.info.config.as_ref().and_then(f))
    };
    // The settings, where the runs have them (a library session's have none);
    // a cost no run uses is left out.
    let settings = if results.iter().any(|r| r.trace.info.config.is_some()) {
        let costs: Vec<String> = [
            (config(|c| c.light_cost.map(format_duration)), "light"),
            (config(|c| c.heavy_cost.map(format_duration)), "heavy"),
        ]
        .into_iter()
        .filter(|(values, _)| !values.is_empty())
        .map(|(values, which)| format!("{values} {which}"))
        .collect();
        let mut cost = format!("{} cost", config(|c| Some(c.cost_kind.to_string())));
        if !costs.is_empty() {
            cost = format!("{cost} {}", costs.join(" / "));
        }
        format!(
            " on {} ({} worker(s), {cost}, {} samples per future)",
            config(|c| Some(c.executor.to_string())),
            config(|c| Some(c.workers.to_string())),
            config(|c| Some(c.samples.to_string())),
        )
    } else {
        String::new()
    };
    let cores = distinct(results, |r| {
        Some(r.trace.info.environment.cores.to_string())
    });
    let _ = write!(
        h,
        "<section id=\"about\"><p><strong>What this is.</strong> {} run(s) of {} scenario(s){} on a machine of {} core(s). \
         Each run instruments its futures and records every poll (a bar, coloured by the thread \
         that ran it) and every sample (a dot).</p>\
         <p><strong>How to read it.</strong> Findings first: each claim of the journey, judged on \
         these runs. Then the pictures of each run: the whole run, a zoom, and the latency \
         distributions. Tables and the truth check come last, folded.</p><ul class=\"scenarios\">",
        results.len(),
        scenarios_in_order(results).len(),
        escape(&settings),
        escape(&cores),
    );
    for name in scenarios_in_order(results) {
        let builtin = BUILTINS.iter().find(|b| b.name == name);
        let _ = write!(h, "<li><strong>{}</strong>", escape(name));
        if let Some(b) = builtin {
            let _ = write!(h, " — {}", escape(b.description));
        }
        if let Some(hint) = look_for(name) {
            let _ = write!(h, ". <em>Look for:</em> {}", escape(hint));
        }
        h.push_str("</li>");
    }
    h.push_str("</ul></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_a_hint() {
        for b in BUILTINS {
            assert!(look_for(b.name).is_some(), "{}", b.name);
        }
    }
}
