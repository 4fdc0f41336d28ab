//! The compact summary printed after a run: one line per run (its
//! makespan and efficiency, or for a service workload its events' values,
//! and whether the machine disturbed it), and with `--verbose` a line per
//! future (completion time, p99 scheduling delay, p50/p99 value); then the
//! findings: by default a count, every claim that does not hold or is
//! inconclusive for a reason of its own, and one line for the claims of
//! disturbed runs; with `--verbose` every finding.

use std::fmt::Write;

use crate::analysis::{Metric, RunResult};
use crate::common::duration::human_ns;
use crate::common::stats::Summary;
use crate::findings::{Finding, Verdict};

/// The summary table of `results`: a line per run, and with `verbose` a
/// line per future.
pub(crate) fn table(results: &[RunResult], verbose: bool) -> String {
    let mut out = String::new();
    let id_width = results
        .iter()
        .map(|r| r.trace.info.run_id.len())
        .max()
        .unwrap_or(0);
    for result in results {
        let a = &result.analysis;
        let _ = write!(
            out,
            "{:id_width$}  makespan {:>8}  ",
            result.trace.info.run_id,
            human_ns(a.makespan_ns),
        );
        let disturbed = result.trace.info.interference.filter(|i| i.disturbed);
        match (a.efficiency, service_values(result)) {
            (None, Some((values, events))) => {
                let _ = write!(
                    out,
                    "{} p50 {} p99 {} ({events} events)",
                    value_name(&result.trace.info.scenario),
                    human_ns(values.p50),
                    human_ns(values.p99)
                );
            }
            _ => {
                let _ = write!(
                    out,
                    "efficiency {}  (lower bound {})",
                    a.efficiency.map_or("–".to_string(), |e| format!("{e:.2}")),
                    a.lower_bound_ns.map_or("–".to_string(), human_ns),
                );
            }
        }
        if let Some(i) = disturbed {
            let _ = write!(
                out,
                "  DISTURBED (others {:.0} %, steal {:.0} %)",
                i.other_cpu_pct, i.steal_pct
            );
        }
        out.push('\n');
        if verbose {
            if let Some(i) = disturbed {
                let _ = writeln!(
                    out,
                    "    DISTURBED: {}; every claim judged on this run is inconclusive",
                    i.describe()
                );
            }
            futures(&mut out, result);
        }
    }
    out
}

/// What a built-in service workload's values are: `round trip` for
/// `tcp_echo`, `lateness` for the timers, …; `values` for others.
fn value_name(scenario: &str) -> &'static str {
    match scenario {
        "tcp_echo" => "round trip",
        "timers" | "starvation" => "lateness",
        "channel_pipeline" | "fan_in" => "latency",
        "mutex_contention" => "wait",
        _ => "values",
    }
}

/// The run's service events' values pooled (round trips, lateness,
/// latencies, waits), and how many; `None` for a run without service
/// futures.
fn service_values(result: &RunResult) -> Option<(Summary, usize)> {
    let mut values: Vec<u64> = result
        .trace
        .futures
        .iter()
        .filter(|f| f.kind.is_service())
        .flat_map(|f| Metric::Value.values(f))
        .collect();
    let events = values.len();
    Summary::of(&mut values).map(|s| (s, events))
}

/// A line per future: completion, p99 scheduling delay, and its values'
/// p50/p99 where it records some.
fn futures(out: &mut String, result: &RunResult) {
    let futures = &result.analysis.futures;
    let name_width = futures.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in futures {
        let done = f.completed_ns.map_or("never".to_string(), human_ns);
        let sched = f.sched_delay.map_or("-".to_string(), |s| human_ns(s.p99));
        let _ = write!(
            out,
            "    {:name_width$}  done {:>8}  sched p99 {:>8}",
            f.name, done, sched
        );
        if let Some(v) = f.value {
            let _ = write!(
                out,
                "  value p50 {} p99 {}",
                human_ns(v.p50),
                human_ns(v.p99)
            );
        }
        out.push('\n');
    }
}

/// The findings for the terminal: with `verbose` every finding
/// ([`crate::export::summary_lines`]); otherwise the count, each finding
/// that does not hold or is inconclusive or not applicable on a run the
/// machine left alone, and one line for the claims of disturbed runs.
pub(crate) fn findings(findings: &[Finding], results: &[RunResult], verbose: bool) -> String {
    let all = crate::export::summary_lines(findings);
    if verbose {
        return all;
    }
    let disturbed: Vec<&str> = crate::analysis::noise::disturbed(results)
        .map(|(id, _)| id)
        .collect();
    let mut out = all.lines().next().unwrap_or_default().to_string();
    out.push('\n');
    let mut on_disturbed = 0;
    for (f, line) in findings.iter().zip(all.lines().skip(1)) {
        if f.verdict() == Verdict::Holds {
            continue;
        }
        if disturbed.contains(&f.run_id.as_str()) {
            on_disturbed += 1;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if on_disturbed > 0 {
        let _ = writeln!(
            out,
            "  INCONCLUSIVE  {on_disturbed} claim(s) on {} disturbed run(s): other processes or the hypervisor took CPU the runs could have used (findings.md; --verbose lists them)",
            disturbed.len()
        );
    }
    out
}
