//! The journey's claims, checked from the recorded trace on whatever machine
//! ran it: each claim of each run is reported as `holds`, `does not hold` or
//! `not applicable here`, with the numbers that decided it. Plus a `truth`
//! section that checks pollscope's own numbers against the kernel's and
//! tokio's.

mod beyond;
mod intervals;
mod journey;
mod truth;

use std::fmt::{self, Write};

use crate::export::RunResult;

pub use truth::{TOLERANCE, TruthCheck, truth_checks};

/// A claim's outcome on one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The numbers support the claim.
    Holds,
    /// The numbers contradict it.
    DoesNotHold,
    /// The claim cannot be decided from this folder or on this machine (the
    /// evidence says why and what to add).
    NotApplicable,
}

impl Verdict {
    /// `holds`, `does not hold` or `not applicable here`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::NotApplicable => "not applicable here",
        }
    }

    fn of(holds: bool) -> Self {
        if holds {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One claim checked on one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The scenario the claim is about.
    pub scenario: String,
    /// The claim, in one line.
    pub claim: &'static str,
    /// The run it was checked on.
    pub run_id: String,
    /// The outcome.
    pub verdict: Verdict,
    /// The numbers that decided it (or why it could not be decided).
    pub evidence: String,
}

impl Finding {
    /// A finding about the run `info`.
    pub(crate) fn new(
        info: &crate::trace::RunInfo,
        claim: &'static str,
        verdict: Verdict,
        evidence: String,
    ) -> Self {
        Self {
            scenario: info.scenario.clone(),
            claim,
            run_id: info.run_id.clone(),
            verdict,
            evidence,
        }
    }
}

/// Checks every claim that applies to the runs in `results`.
pub fn findings(results: &[RunResult]) -> Vec<Finding> {
    let mut out = Vec::new();
    for result in results {
        out.extend(journey::check(result, results));
        out.extend(beyond::check(result));
    }
    out
}

/// The findings as Markdown (`findings.md`), grouped by scenario, then the
/// truth section.
pub fn to_markdown(results: &[RunResult], findings: &[Finding], truth: &[TruthCheck]) -> String {
    let mut md = String::from("# Findings\n\n");
    if let Some(first) = results.first() {
        let _ = writeln!(
            md,
            "Checked on this machine ({} cores; `cpu` cost calibrated at {:.1} iterations/µs) from {} run(s). \
             Each claim of the blog post is decided from the recorded polls and samples; thresholds are \
             documented in `results/README.md`.\n",
            first.trace.info.cores,
            first.trace.info.calibration,
            results.len()
        );
    }
    let mut scenarios: Vec<&str> = Vec::new();
    for f in findings {
        if !scenarios.contains(&f.scenario.as_str()) {
            scenarios.push(&f.scenario);
        }
    }
    for scenario in scenarios {
        let _ = writeln!(md, "## {scenario}\n");
        let mut claims: Vec<&str> = Vec::new();
        for f in findings.iter().filter(|f| f.scenario == scenario) {
            if !claims.contains(&f.claim) {
                claims.push(f.claim);
            }
        }
        for claim in claims {
            let _ = writeln!(md, "**{claim}**\n");
            for f in findings
                .iter()
                .filter(|f| f.scenario == scenario && f.claim == claim)
            {
                let _ = writeln!(md, "- {} — `{}`: {}", f.verdict, f.run_id, f.evidence);
            }
            md.push('\n');
        }
    }
    md.push_str(&truth::to_markdown(truth));
    md
}

/// One line per finding for the terminal, and a count.
pub fn summary_lines(findings: &[Finding]) -> String {
    let mut out = String::new();
    let count = |v: Verdict| findings.iter().filter(|f| f.verdict == v).count();
    let _ = writeln!(
        out,
        "findings: {} hold, {} do not hold, {} not applicable here",
        count(Verdict::Holds),
        count(Verdict::DoesNotHold),
        count(Verdict::NotApplicable)
    );
    for f in findings {
        let mark = match f.verdict {
            Verdict::Holds => "holds        ",
            Verdict::DoesNotHold => "DOES NOT HOLD",
            Verdict::NotApplicable => "n/a          ",
        };
        let _ = writeln!(out, "  {mark} {} — {}", f.run_id, f.claim);
    }
    out
}
