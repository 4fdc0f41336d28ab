//! `findings.md` and the terminal's findings lines: the verdicts of
//! [`crate::findings`] and its truth check, written for people.

use std::fmt::Write;

use crate::analysis::RunResult;
use crate::common::duration::human_ns;
use crate::findings::truth::{self, TruthCheck, TruthRow, TruthVerdict};
use crate::findings::{Claim, Finding, Verdict, claims_not_judged};
use crate::scenario::Executor;

/// The findings as Markdown (`findings.md`), grouped by scenario and
/// claim, then the truth section.
pub(crate) fn to_markdown(
    results: &[RunResult],
    findings: &[Finding],
    truth: &[TruthCheck],
) -> String {
    let mut md = String::from("# Findings\n\n");
    md.push_str(&disturbed_note(results));
    md.push_str(&preamble(results, findings));
    let mut scenarios: Vec<&str> = Vec::new();
    for f in findings {
        if !scenarios.contains(&f.scenario.as_str()) {
            scenarios.push(&f.scenario);
        }
    }
    for scenario in scenarios {
        let _ = writeln!(md, "## {scenario}\n");
        let of_scenario = || findings.iter().filter(move |f| f.scenario == scenario);
        for claim in claims_of(of_scenario()) {
            let _ = writeln!(md, "**{}** (`{}`)\n", claim.text, claim.id);
            for f in of_scenario().filter(|f| f.claim.id == claim.id) {
                md.push_str(&finding_line(f));
            }
            md.push('\n');
        }
    }
    md.push_str(&by_executor(results, findings));
    md.push_str(&truth_markdown(truth));
    md
}

/// The note findings.md opens with when the machine disturbed some runs:
/// each with its figures; empty otherwise.
fn disturbed_note(results: &[RunResult]) -> String {
    let runs: Vec<_> = crate::analysis::noise::disturbed(results).collect();
    if runs.is_empty() {
        return String::new();
    }
    let mut md = format!(
        "> **The machine was disturbed** during {} of {} run(s): other processes or the hypervisor took CPU \
         the run could have used, so every claim judged on these runs is inconclusive (the rule is in \
         `results/README.md`).\n>\n",
        runs.len(),
        results.len()
    );
    for (run_id, i) in runs {
        let _ = writeln!(md, "> - `{run_id}`: {}", i.describe());
    }
    md.push('\n');
    md
}

/// What findings.md opens with: the machine, the count of each verdict,
/// and the claims not judged on an executor.
fn preamble(results: &[RunResult], findings: &[Finding]) -> String {
    let mut md = String::new();
    if let Some(first) = results.first() {
        let env = &first.trace.info.environment;
        let _ = writeln!(
            md,
            "Checked on this machine ({} cores{}) from {} run(s). Each claim is decided from the \
             recorded polls and samples; the rules and thresholds are in `results/README.md`. \
             `findings.csv` holds the same verdicts.\n",
            env.cores,
            env.calibration.map_or(String::new(), |c| format!(
                "; `cpu` cost calibrated at {c:.1} iterations/µs"
            )),
            results.len()
        );
    }
    let _ = writeln!(md, "{}\n", count_line(findings));
    for (claim, only, executor) in claims_not_judged(results) {
        let _ = writeln!(
            md,
            "`{}` is about {only}'s own machinery: not judged on {executor}.\n",
            claim.id
        );
    }
    md
}

/// The claims of `findings`, each once, in the order first judged.
fn claims_of<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<&'static Claim> {
    let mut claims: Vec<&'static Claim> = Vec::new();
    for f in findings {
        if !claims.iter().any(|c| c.id == f.claim.id) {
            claims.push(f.claim);
        }
    }
    claims
}

/// One finding's list item: its verdict and run, then the evidence where
/// it holds, else the reason (and the evidence, if any).
fn finding_line(f: &Finding) -> String {
    let j = &f.judgement;
    match j.verdict {
        Verdict::Holds => format!("- holds — `{}`: {}\n", f.run_id, j.evidence),
        v if j.evidence.is_empty() => {
            format!("- **{}** — `{}`: {}\n", v.display(), f.run_id, j.reason)
        }
        v => format!(
            "- **{}** — `{}`: {} ({})\n",
            v.display(),
            f.run_id,
            j.reason,
            j.evidence
        ),
    }
}

/// Where runs on more than one executor were judged: per claim, how many
/// runs on each executor it held in, and the reasons where it did not.
fn by_executor(results: &[RunResult], findings: &[Finding]) -> String {
    let executor_of = |run_id: &str| {
        results
            .iter()
            .find(|r| r.trace.info.run_id == run_id)
            .and_then(|r| r.trace.info.config.as_ref())
            .map(|c| c.executor)
    };
    let mut executors: Vec<Executor> = findings
        .iter()
        .filter_map(|f| executor_of(&f.run_id))
        .collect();
    executors.sort();
    executors.dedup();
    if executors.len() < 2 {
        return String::new();
    }
    let mut md = String::from(
        "## By executor\n\nEach claim's verdicts on each executor (runs that held / runs where it applied). \
         Claims about tokio's own machinery (its 1 ms timer tick, `block_in_place`) are judged on \
         tokio only; the others hold for any cooperative work-stealing executor or do not, and the \
         table says which. Scheduling delays are not comparable across executors: their wake \
         paths differ (tokio defers a `yield_now` wake until the worker has polled its other \
         tasks; smol wakes at once).\n\n",
    );
    let header: Vec<String> = executors.iter().map(|e| e.to_string()).collect();
    let _ = writeln!(md, "| claim | {} |", header.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(executors.len()));
    for claim in claims_of(findings.iter()) {
        let cells: Vec<String> = executors
            .iter()
            .map(|&executor| {
                let judged: Vec<&Finding> = findings
                    .iter()
                    .filter(|f| f.claim.id == claim.id && executor_of(&f.run_id) == Some(executor))
                    .collect();
                executor_cell(claim, executor, &judged)
            })
            .collect();
        let _ = writeln!(md, "| `{}` | {} |", claim.id, cells.join(" | "));
    }
    md.push('\n');
    md
}

/// One cell of the by-executor table: the runs on `executor` in which
/// `claim` held, out of those where it applied (`judged` are the claim's
/// findings on that executor), and the first verdict that was not holds.
fn executor_cell(claim: &Claim, executor: Executor, judged: &[&Finding]) -> String {
    if judged.is_empty() {
        return match claim.executor {
            Some(only) if only != executor => format!("not judged ({only} only)"),
            _ => "–".to_string(),
        };
    }
    let held = judged
        .iter()
        .filter(|f| f.verdict() == Verdict::Holds)
        .count();
    let not_applicable = judged
        .iter()
        .filter(|f| f.verdict() == Verdict::NotApplicable)
        .count();
    let mut cell = format!("{held} / {}", judged.len() - not_applicable);
    if not_applicable > 0 {
        let _ = write!(cell, " ({not_applicable} not applicable)");
    }
    if let Some(first) = judged
        .iter()
        .find(|f| !matches!(f.verdict(), Verdict::Holds | Verdict::NotApplicable))
        .or_else(|| judged.iter().find(|f| f.verdict() != Verdict::Holds))
    {
        let _ = write!(
            cell,
            "; {} in `{}`: {}",
            first.verdict().display(),
            first.run_id,
            first.judgement.reason.replace('|', "/")
        );
    }
    cell
}

/// How many findings have each verdict, in one line.
pub(crate) fn count_line(findings: &[Finding]) -> String {
    let count = |v: Verdict| findings.iter().filter(|f| f.verdict() == v).count();
    format!(
        "findings: {} hold, {} do not hold, {} inconclusive, {} not applicable here",
        count(Verdict::Holds),
        count(Verdict::DoesNotHold),
        count(Verdict::Inconclusive),
        count(Verdict::NotApplicable)
    )
}

/// One line per finding for the terminal, and a count; every verdict but
/// holds shows its reason.
pub(crate) fn summary_lines(findings: &[Finding]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", count_line(findings));
    for f in findings {
        let mark = match f.verdict() {
            Verdict::Holds => "holds        ",
            Verdict::DoesNotHold => "DOES NOT HOLD",
            Verdict::Inconclusive => "INCONCLUSIVE ",
            Verdict::NotApplicable => "n/a          ",
        };
        let _ = write!(out, "  {mark} {} — {}", f.run_id, f.claim.id);
        if f.verdict() != Verdict::Holds {
            let _ = write!(out, ": {}", f.judgement.reason);
        }
        out.push('\n');
    }
    out
}

/// A deviation as a signed percentage with one decimal; one that rounds to
/// zero reads `0.0 %`, not `-0.0 %`.
fn percent(d: Option<f64>) -> String {
    d.map_or("–".to_string(), |d| {
        let percent = d * 100.0;
        if percent.abs() < 0.05 {
            "0.0 %".to_string()
        } else {
            format!("{percent:+.1} %")
        }
    })
}

/// The `truth` section of findings.md.
fn truth_markdown(checks: &[TruthCheck]) -> String {
    let mut md = String::from(TRUTH_INTRO);
    for c in checks {
        for t in &c.threads {
            let busy = t
                .busy_by_role
                .iter()
                .map(|(r, ns)| format!("{} {}", r.as_str(), human_ns(*ns)))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {}{} | {} | {} | {} | {} | {} |",
                c.run_id,
                t.label,
                t.roles,
                busy,
                human_ns(t.probe_cpu_ns),
                if t.polls_measured { "" } else { " (steps)" },
                t.runtime_cpu_ns.map_or("–".to_string(), human_ns),
                t.kernel_cpu_ns.map_or("–".to_string(), human_ns),
                percent(t.deviation()),
                percent(t.accounted_deviation()),
                thread_verdict(t),
            );
        }
    }
    md.push_str(&tokio_busy_table(checks));
    md
}

/// What the truth section says before its table, and the table's header.
const TRUTH_INTRO: &str = "## truth\n\n\
     For every thread the probe saw in each run (a runtime thread that never ran recorded work is \
     not seen), the on-CPU time the probe measured against the kernel's CPU time of that thread \
     over the run (`cpu_time_ns`). **probe CPU** is each poll's `cpu_ns` plus \
     the steps run outside polls, with `--poll-cpu-time`; otherwise the steps' `cpu_ns` alone, which \
     can only fall short of the kernel's. **runtime** is the thread's CPU time between its recorded \
     polls and steps (`runtime_cpu_ns` in threads.csv): the runtime's own work — \
     scheduling, waking, parking, handing tasks to the blocking pool — and the probe's own work outside \
     its polls' clock reads. The probe can never exceed the kernel (beyond 2 % or 1 ms, that would be a \
     measurement error). With polls measured, polls and steps alone agree within 2 % or 1 ms, or \
     fall short by the runtime's share: then polls, steps and runtime together agree; anything \
     still missing was spent before the thread's first recorded poll or step or after its last, \
     where the probe has no reads, and is shown as unaccounted. (**Δ with runtime** adds up intervals \
     of one clock: it shows that they neither overlap nor stray outside the thread's life. The \
     independent check is **Δ probe**: polls and steps never above the kernel.) A thread that changed role (a blocking-pool thread that \
     tokio made a worker when `block_in_place` handed a worker's queue over) is listed with each role \
     it played and its busy time in each. tokio's `worker_total_busy_duration` is compared with the worker role's busy time \
     (flagged beyond ±5 %: tokio counts its own scheduling as busy).\n\n\
     | run | thread | roles | busy by role | probe CPU | runtime | kernel CPU | Δ probe | Δ with runtime | verdict |\n\
     |---|---|---|---|---:|---:|---:|---:|---:|---|\n";

/// The verdict cell of a thread's row in the truth table.
fn thread_verdict(t: &TruthRow) -> String {
    match t.verdict() {
        TruthVerdict::NotComparable => "not comparable".to_string(),
        TruthVerdict::Agrees if t.polls_measured || t.within_tolerance() => "agree".to_string(),
        // Steps alone can only fall short: what was checked is that they
        // do not exceed the kernel.
        TruthVerdict::Agrees => {
            "not above the kernel (steps only; --poll-cpu-time checks the whole thread)".to_string()
        }
        TruthVerdict::AgreesWithRuntime(ns) => format!(
            "agree, with the runtime's {} between polls and steps",
            human_ns(ns)
        ),
        TruthVerdict::Unaccounted(ns) if t.runtime_cpu_ns.is_none() => format!(
            "{} outside polls and steps (the runtime's own work; this folder does not record its share)",
            human_ns(ns)
        ),
        TruthVerdict::Unaccounted(ns) => format!(
            "{} unaccounted (before the thread's first recorded poll or step, or after its last)",
            human_ns(ns)
        ),
        TruthVerdict::ProbeExceedsKernel => {
            "**disagree: the probe exceeds the kernel**".to_string()
        }
        TruthVerdict::AccountedExceedsKernel => {
            "**disagree: polls, steps and runtime together exceed the kernel**".to_string()
        }
    }
}

/// The truth section's second table: for runs on tokio workers, the
/// worker role's busy time against tokio's own; empty without such runs.
fn tokio_busy_table(checks: &[TruthCheck]) -> String {
    // Only runs on tokio workers have tokio's figure to compare with.
    let on_tokio: Vec<&TruthCheck> = checks
        .iter()
        .filter(|c| c.worker_busy_ns > 0 && c.tokio_busy_ns.is_some())
        .collect();
    if on_tokio.is_empty() {
        return String::new();
    }
    let mut md = String::from(
        "\nRuns with tokio workers: the worker role's busy time against tokio's own (runs with no \
         recorded poll on a worker thread have no worker role to compare; smol keeps no such figure).",
    );
    if on_tokio.iter().any(|c| c.block_in_place) {
        md.push_str(
            " Runs with `block_in_place` steps are not comparable: tokio hands the worker's core to \
             another thread for each step and stops counting the thread that runs it, while pollscope \
             still sees the poll that called it running.",
        );
    }
    md.push_str("\n\n| run | worker-role busy | tokio busy | Δ tokio |\n|---|---:|---:|---:|\n");
    for c in on_tokio {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {}{} |",
            c.run_id,
            human_ns(c.worker_busy_ns),
            c.tokio_busy_ns.map_or("–".to_string(), human_ns),
            if c.block_in_place {
                "not comparable (block_in_place)".to_string()
            } else {
                percent(c.tokio_deviation())
            },
            if c.tokio_deviation()
                .is_some_and(|d| d.abs() > truth::TOKIO_TOLERANCE)
            {
                " **flagged**"
            } else {
                ""
            }
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::TruthCheck;
    use crate::findings::truth::TruthRow;

    const MS: u64 = 1_000_000;

    fn row(probe: u64, runtime: Option<u64>, kernel: Option<u64>, polls: bool) -> TruthRow {
        TruthRow::of_main(probe, runtime, kernel, polls)
    }

    #[test]
    fn the_table_names_each_verdict_and_a_folder_without_the_runtimes_share() {
        let table = |rows| {
            super::truth_markdown(&[TruthCheck {
                run_id: "r".into(),
                threads: rows,
                worker_busy_ns: 0,
                tokio_busy_ns: None,
                block_in_place: false,
            }])
        };
        let md = table(vec![
            row(80 * MS, Some(19 * MS), Some(100 * MS), true),
            row(80 * MS, None, Some(100 * MS), true),
            row(80 * MS, Some(0), Some(100 * MS), true),
            row(100 * MS, Some(0), Some(100 * MS), true),
        ]);
        assert!(
            md.contains(
                "| -20.0 % | -1.0 % | agree, with the runtime's 19.0ms between polls and steps |"
            ),
            "{md}"
        );
        assert!(md.contains("20.0ms outside polls and steps (the runtime's own work; this folder does not record its share)"), "{md}");
        assert!(md.contains("20.0ms unaccounted (before the thread's first recorded poll or step, or after its last)"), "{md}");
        assert!(md.contains("| 0.0 % | 0.0 % | agree |"), "{md}");
    }
}
