//! The claims of the blog post (and of the scenarios past it), judged on the
//! recorded runs of whatever machine ran them, and a truth check of
//! pollscope's own numbers against the kernel's and tokio's.
//!
//! A claim belongs to a scenario: each built-in scenario lists the ids of
//! its claims ([`crate::scenario::journey::Builtin::claims`]); a claim here
//! carries its text and the judge that decides it on one run. Only runs of
//! built-in scenarios are judged (an experiment from a file or a library
//! session named `two_futures` is not the post's `two_futures`).
//!
//! Every verdict but `holds` carries a one-sentence reason with the deciding
//! number ([`Judgement`]). The rules, with their thresholds, are in
//! `results/README.md`:
//!
//! * `not_applicable` — the claim's precondition is absent in this
//!   configuration (e.g. a free core for `main`).
//! * `inconclusive` — the claim failed, but the steps it depends on lost
//!   ≥ [`OFF_CPU_LIMIT`] of their wall time off the CPU while the run's own
//!   busy threads did not outnumber the cores: something outside the run
//!   decided the outcome.
//! * `does_not_hold` — the claim failed and nothing outside the run
//!   explains it.

mod beyond;
mod claims;
mod context;
mod intervals;
mod journey;
mod services;
mod truth;

use std::fmt::{self, Write};

use serde::{Deserialize, Serialize};

use crate::export::RunResult;
use crate::scenario::{Executor, Origin, journey as builtins};
use crate::trace::RunConfig;

pub use claims::{CLAIMS, Claim, claim};
pub(crate) use truth::{TruthCheck, truth_checks};

/// A claim's outcome on one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The numbers support the claim.
    #[default]
    Holds,
    /// The numbers contradict it, and nothing outside the run explains it.
    DoesNotHold,
    /// Something outside the run (another process taking the CPU) decided
    /// the outcome.
    Inconclusive,
    /// The claim's precondition is absent in this configuration.
    NotApplicable,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 4] = [
        Verdict::Holds,
        Verdict::DoesNotHold,
        Verdict::Inconclusive,
        Verdict::NotApplicable,
    ];

    /// `holds`, `does_not_hold`, `inconclusive`, `not_applicable`: the
    /// spelling of findings.csv.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does_not_hold",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotApplicable => "not_applicable",
        }
    }

    /// `holds`, `does not hold`, `inconclusive`, `not applicable here`: the
    /// spelling of findings.md, the report and the terminal.
    pub fn display(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotApplicable => "not applicable here",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display())
    }
}

/// What a judge decided: the verdict, why (one sentence with the deciding
/// number; empty for `holds`) and the numbers behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    /// The outcome.
    pub verdict: Verdict,
    /// Why, for every verdict but `holds`.
    pub reason: String,
    /// The numbers behind the verdict.
    pub evidence: String,
}

impl Judgement {
    /// The claim holds.
    pub fn holds(evidence: String) -> Self {
        Self {
            verdict: Verdict::Holds,
            reason: String::new(),
            evidence,
        }
    }

    /// A verdict other than holds, with its reason.
    pub fn because(verdict: Verdict, reason: String, evidence: String) -> Self {
        Self {
            verdict,
            reason,
            evidence,
        }
    }
}

/// One claim judged on one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The run.
    pub run_id: String,
    /// Its scenario.
    pub scenario: String,
    /// The claim.
    pub claim: &'static Claim,
    /// The verdict, its reason and its evidence.
    pub judgement: Judgement,
}

impl Finding {
    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        self.judgement.verdict
    }
}

/// What a judge sees: the run, its configuration, and every run of the
/// folder (a claim may compare with another scenario's run).
#[derive(Clone, Copy, Debug)]
pub struct Run<'a> {
    /// The run being judged.
    pub result: &'a RunResult,
    /// Its configuration.
    pub config: &'a RunConfig,
    /// Every run of the folder, this one included.
    pub all: &'a [RunResult],
}

/// A run of a built-in scenario, with its configuration and the built-in
/// (whose claims judge it); `None` for experiments and sessions.
fn builtin_run(result: &RunResult) -> Option<(&RunConfig, &'static builtins::Builtin)> {
    let info = &result.trace.info;
    match (
        info.origin,
        info.config.as_ref(),
        builtins::find(&info.scenario),
    ) {
        (Origin::Builtin, Some(config), Some(builtin)) => Some((config, builtin)),
        _ => None,
    }
}

/// Judges every claim of every run of a built-in scenario in `results`.
pub fn findings(results: &[RunResult]) -> Vec<Finding> {
    let mut out = Vec::new();
    for result in results {
        let Some((config, builtin)) = builtin_run(result) else {
            continue;
        };
        let run = Run {
            result,
            config,
            all: results,
        };
        for claim in builtin.claims.iter().filter_map(|id| claim(id)) {
            if claim.flavor.is_some_and(|f| f != config.flavor)
                || claim.executor.is_some_and(|e| e != config.executor)
            {
                continue;
            }
            out.push(Finding {
                run_id: result.trace.info.run_id.clone(),
                scenario: result.trace.info.scenario.clone(),
                claim,
                judgement: (claim.judge)(&run),
            });
        }
    }
    out
}

/// The findings as Markdown (`findings.md`), grouped by scenario and
/// claim, then the truth section.
pub(crate) fn to_markdown(
    results: &[RunResult],
    findings: &[Finding],
    truth: &[TruthCheck],
) -> String {
    let mut md = String::from("# Findings\n\n");
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
    for line in not_judged(results) {
        let _ = writeln!(md, "{line}\n");
    }
    let mut scenarios: Vec<&str> = Vec::new();
    for f in findings {
        if !scenarios.contains(&f.scenario.as_str()) {
            scenarios.push(&f.scenario);
        }
    }
    for scenario in scenarios {
        let _ = writeln!(md, "## {scenario}\n");
        let mut claims: Vec<&'static Claim> = Vec::new();
        for f in findings.iter().filter(|f| f.scenario == scenario) {
            if !claims.iter().any(|c| c.id == f.claim.id) {
                claims.push(f.claim);
            }
        }
        for claim in claims {
            let _ = writeln!(md, "**{}** (`{}`)\n", claim.text, claim.id);
            for f in findings
                .iter()
                .filter(|f| f.scenario == scenario && f.claim.id == claim.id)
            {
                let j = &f.judgement;
                match j.verdict {
                    Verdict::Holds => {
                        let _ = writeln!(md, "- holds — `{}`: {}", f.run_id, j.evidence);
                    }
                    v if j.evidence.is_empty() => {
                        let _ =
                            writeln!(md, "- **{}** — `{}`: {}", v.display(), f.run_id, j.reason);
                    }
                    v => {
                        let _ = writeln!(
                            md,
                            "- **{}** — `{}`: {} ({})",
                            v.display(),
                            f.run_id,
                            j.reason,
                            j.evidence
                        );
                    }
                }
            }
            md.push('\n');
        }
    }
    md.push_str(&by_executor(results, findings));
    md.push_str(&truth::to_markdown(truth));
    md
}

/// One line per claim about one executor's machinery that runs on another
/// executor were not judged by.
fn not_judged(results: &[RunResult]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for result in results {
        let Some((config, builtin)) = builtin_run(result) else {
            continue;
        };
        for claim in builtin.claims.iter().filter_map(|id| claim(id)) {
            if let Some(only) = claim.executor.filter(|&e| e != config.executor) {
                let line = format!(
                    "`{}` is about {only}'s own machinery: not judged on {}.",
                    claim.id, config.executor
                );
                if !lines.contains(&line) {
                    lines.push(line);
                }
            }
        }
    }
    lines
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
    let mut claims: Vec<&'static Claim> = Vec::new();
    for f in findings {
        if !claims.iter().any(|c| c.id == f.claim.id) {
            claims.push(f.claim);
        }
    }
    for claim in claims {
        let cells: Vec<String> = executors
            .iter()
            .map(|&executor| {
                let judged: Vec<&Finding> = findings
                    .iter()
                    .filter(|f| f.claim.id == claim.id && executor_of(&f.run_id) == Some(executor))
                    .collect();
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
            })
            .collect();
        let _ = writeln!(md, "| `{}` | {} |", claim.id, cells.join(" | "));
    }
    md.push('\n');
    md
}

fn count_line(findings: &[Finding]) -> String {
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

#[cfg(test)]
pub(crate) mod fixtures;
