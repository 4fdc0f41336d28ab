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
//! * `inconclusive` — the run was disturbed (other processes or the
//!   hypervisor took the CPU over it, [`crate::Interference`]): every claim
//!   judged on it, its reason naming the figures; or the claim failed, but
//!   the steps it depends on lost ≥ [`OFF_CPU_LIMIT`] of their wall time
//!   off the CPU while the run's own threads left enough of the cores
//!   unused to have run them: something outside the run decided the
//!   outcome.
//! * `does_not_hold` — the claim failed and nothing outside the run
//!   explains it.

mod beyond;
mod claims;
mod context;
mod intervals;
mod journey;
mod services;
pub(crate) mod truth;
mod user;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::analysis::RunResult;
use crate::scenario::{Executor, Origin, builtins};
use crate::trace::RunConfig;

pub use claims::{CLAIMS, Claim, claim};
pub(crate) use truth::truth_checks;

/// A claim's outcome on one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
pub(crate) struct Run<'a> {
    /// The run being judged.
    pub(crate) result: &'a RunResult,
    /// Its configuration.
    pub(crate) config: &'a RunConfig,
    /// Every run of the folder, this one included.
    pub(crate) all: &'a [RunResult],
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

/// Judges every claim of every run of a built-in scenario in `results`,
/// then every user claim each run carries (ids `user.…`).
pub fn findings(results: &[RunResult]) -> Vec<Finding> {
    let mut out = builtin_findings(results);
    for result in results {
        for claim in &result.trace.info.claims {
            out.push(Finding {
                run_id: result.trace.info.run_id.clone(),
                scenario: result.trace.info.scenario.clone(),
                claim: user::interned(claim),
                judgement: on_the_machine(result, user::judge(result, claim)),
            });
        }
    }
    out
}

/// The built-in claims' findings.
fn builtin_findings(results: &[RunResult]) -> Vec<Finding> {
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
                judgement: on_the_machine(result, (claim.judge)(&run)),
            });
        }
    }
    out
}

/// `judgement`, unless the machine disturbed the run
/// ([`crate::Interference::disturbed`]): then `inconclusive`, whatever the
/// numbers said, with the interference figures as its reason and the
/// verdict on the numbers alone kept in the evidence. Every claim passes
/// through here, so no judge can hold on numbers the machine made.
fn on_the_machine(result: &RunResult, judgement: Judgement) -> Judgement {
    let Some(figures) = result.trace.info.interference.filter(|i| i.disturbed) else {
        return judgement;
    };
    let mut evidence = format!("on its numbers alone: {}", judgement.verdict.display());
    if !judgement.reason.is_empty() {
        evidence.push_str(&format!(" ({})", judgement.reason));
    }
    if !judgement.evidence.is_empty() {
        evidence.push_str(&format!("; {}", judgement.evidence));
    }
    Judgement::because(
        Verdict::Inconclusive,
        format!("the machine was disturbed: {}", figures.describe()),
        evidence,
    )
}

/// The claims about one executor's machinery (`Claim::executor`) that
/// runs on another executor were not judged by: (claim, the executor it is
/// about, the run's executor), each once.
pub(crate) fn claims_not_judged(
    results: &[RunResult],
) -> Vec<(&'static Claim, Executor, Executor)> {
    let mut out: Vec<(&'static Claim, Executor, Executor)> = Vec::new();
    for result in results {
        let Some((config, builtin)) = builtin_run(result) else {
            continue;
        };
        for claim in builtin.claims.iter().filter_map(|id| claim(id)) {
            if let Some(only) = claim.executor.filter(|&e| e != config.executor) {
                let entry = (claim, only, config.executor);
                if !out
                    .iter()
                    .any(|(c, o, e)| c.id == claim.id && *o == only && *e == config.executor)
                {
                    out.push(entry);
                }
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod synthetic;

#[cfg(test)]
mod tests {
    use super::findings;
    use super::synthetic::SyntheticRun;
    use crate::analysis::RunResult;
    use crate::scenario::{CostKind, Origin, Placement};

    /// two_futures: fut0 and fut1 taking turns for 20 steps of 100 µs.
    fn alternating_two_futures() -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        let futures = [
            synth.future("fut0", Placement::Inline, 100),
            synth.future("fut1", Placement::Inline, 100),
        ];
        for i in 0..20 {
            synth.step(futures[i % 2], i as u64 * 100, 100, 0, 1.0);
        }
        synth.result("two_futures")
    }

    #[test]
    fn every_claim_on_a_disturbed_run_is_inconclusive_naming_the_figures() {
        use crate::findings::Verdict;
        use crate::trace::Interference;
        // Judged on its numbers alone: the claims hold or do not apply.
        let quiet = alternating_two_futures();
        let judged = findings(std::slice::from_ref(&quiet));
        assert!(judged.iter().any(|f| f.verdict() == Verdict::Holds));
        // Quiet figures change nothing.
        let mut calm = alternating_two_futures();
        calm.trace.info.interference = Some(Interference::new(3.0, 0.0, 40.0));
        assert_eq!(findings(std::slice::from_ref(&calm)), judged);
        // Others took 41.2 % of the CPU with 0.3 % idle: disturbed.
        let mut crowded = alternating_two_futures();
        crowded.trace.info.interference = Some(Interference::new(41.2, 0.0, 0.3));
        let disturbed = findings(std::slice::from_ref(&crowded));
        assert_eq!(disturbed.len(), judged.len());
        for (f, alone) in disturbed.iter().zip(&judged) {
            assert_eq!(f.verdict(), Verdict::Inconclusive, "{f:?}");
            assert_eq!(
                f.judgement.reason,
                "the machine was disturbed: other processes took 41.2 % of the CPU (idle 0.3 %), steal 0.0 %"
            );
            // The verdict on the numbers alone stays in the evidence.
            assert!(
                f.judgement
                    .evidence
                    .starts_with(&format!("on its numbers alone: {}", alone.verdict())),
                "{f:?}"
            );
        }
        // The hypervisor's steal disturbs too, whatever the idle time.
        let mut stolen = alternating_two_futures();
        stolen.trace.info.interference = Some(Interference::new(0.0, 7.5, 50.0));
        for f in findings(std::slice::from_ref(&stolen)) {
            assert_eq!(f.verdict(), Verdict::Inconclusive, "{f:?}");
            assert!(f.judgement.reason.contains("steal 7.5 %"), "{f:?}");
        }
    }

    #[test]
    fn only_built_in_scenarios_are_judged_by_the_posts_claims() {
        let mut run = alternating_two_futures();
        assert!(!findings(std::slice::from_ref(&run)).is_empty());
        run.trace.info.origin = Origin::File;
        assert!(findings(std::slice::from_ref(&run)).is_empty());
        run.trace.info.origin = Origin::Session;
        assert!(findings(std::slice::from_ref(&run)).is_empty());
    }
}
