//! The compact summary printed after a run: per run its makespan and
//! efficiency (and whether the machine disturbed it), per future its
//! completion time and p99 scheduling delay.

use std::fmt::Write;

use crate::analysis::RunResult;
use crate::common::duration::human_ns;

/// The summary table of `results`.
pub(crate) fn table(results: &[RunResult]) -> String {
    let mut out = String::new();
    let id_width = results
        .iter()
        .map(|r| r.trace.info.run_id.len())
        .max()
        .unwrap_or(0);
    for result in results {
        let a = &result.analysis;
        let _ = writeln!(
            out,
            "{:id_width$}  makespan {:>8}  efficiency {}  (lower bound {})",
            result.trace.info.run_id,
            human_ns(a.makespan_ns),
            a.efficiency.map_or("–".to_string(), |e| format!("{e:.2}")),
            a.lower_bound_ns.map_or("–".to_string(), human_ns),
        );
        if let Some(i) = result.trace.info.interference.filter(|i| i.disturbed) {
            let _ = writeln!(
                out,
                "    DISTURBED: {}; every claim judged on this run is inconclusive",
                i.describe()
            );
        }
        let name_width = a.futures.iter().map(|f| f.name.len()).max().unwrap_or(0);
        for f in &a.futures {
            let done = f.completed_ns.map_or("never".to_string(), human_ns);
            let sched = f.sched_delay.map_or("-".to_string(), |s| human_ns(s.p99));
            let _ = writeln!(
                out,
                "    {:name_width$}  done {:>8}  sched p99 {:>8}",
                f.name, done, sched
            );
        }
    }
    out
}
