//! The judge of your own claims ([`UserClaim`]): every future the claim's
//! pattern matches must keep to its bound; the worst one decides.
//!
//! * `not_applicable` — no future matches the pattern, or none of those
//!   that match has a value of the metric (no wakes, no samples).
//! * `does_not_hold` — the worst matching future breaks the bound
//!   (the largest value for `below`, the smallest for `above`); its
//!   number is the reason. A future that never completed is later than
//!   any `completion` bound.
//! * `inconclusive` — the run was disturbed (as for every claim).

use std::sync::Mutex;

use super::{Claim, Judgement, Run, Verdict};
use crate::analysis::{Metric, RunResult};
use crate::common::duration::human_ns;
use crate::common::stats::quantile;
use crate::scenario::user_claim::glob_matches;
use crate::scenario::{Bound, ClaimMetric, UserClaim};
use crate::trace::FutureTrace;

/// A matched future's number for `claim`: ns, or a count; `None` where it
/// has no value of the metric.
fn measure(result: &RunResult, future: &FutureTrace, claim: &UserClaim) -> Option<u64> {
    let distribution = |metric: Metric| {
        let mut values = metric.values(future);
        quantile(&mut values, claim.percentile.unwrap_or(100.0) / 100.0)
    };
    let stats = result.analysis.future(&future.name);
    match claim.metric {
        ClaimMetric::SchedDelay => distribution(Metric::SchedDelay),
        ClaimMetric::PollDuration => distribution(Metric::PollDuration),
        ClaimMetric::Value => distribution(Metric::Value),
        ClaimMetric::Completion => Some(stats?.completed_ns.unwrap_or(u64::MAX)),
        ClaimMetric::Busy => stats.map(|s| s.busy_ns),
        ClaimMetric::Migrations => Some(
            future
                .polls
                .windows(2)
                .filter(|w| w[0].thread != w[1].thread)
                .count() as u64,
        ),
    }
}

/// `value` as the claim's unit reads it.
fn shown(claim: &UserClaim, value: u64) -> String {
    match claim.metric {
        ClaimMetric::Migrations => value.to_string(),
        ClaimMetric::Completion if value == u64::MAX => "never".to_string(),
        _ => human_ns(value),
    }
}

/// What the claim measures, as a sentence spells it: `sched_delay p99`.
fn measured(claim: &UserClaim) -> String {
    match claim.percentile {
        Some(p) => format!("{} p{p}", claim.metric),
        None => claim.metric.to_string(),
    }
}

/// Judges `claim` on `result` (before the machine's say: see
/// `on_the_machine`).
pub(crate) fn judge(result: &RunResult, claim: &UserClaim) -> Judgement {
    let futures: Vec<&FutureTrace> = result
        .trace
        .futures
        .iter()
        .filter(|f| glob_matches(&claim.future, &f.name))
        .collect();
    if futures.is_empty() {
        return Judgement::because(
            Verdict::NotApplicable,
            format!("no future matches `{}`", claim.future),
            format!("{} future(s) in the run", result.trace.futures.len()),
        );
    }
    let values: Vec<(&str, u64)> = futures
        .iter()
        .filter_map(|f| Some((f.name.as_str(), measure(result, f, claim)?)))
        .collect();
    let worst = match claim.bound {
        Bound::Below(_) => values.iter().max_by_key(|(_, v)| *v),
        Bound::Above(_) => values.iter().min_by_key(|(_, v)| *v),
    };
    let Some(&(name, value)) = worst else {
        return Judgement::because(
            Verdict::NotApplicable,
            format!(
                "none of the {} future(s) matching `{}` has a {} value",
                futures.len(),
                claim.future,
                claim.metric
            ),
            String::new(),
        );
    };
    let evidence = format!(
        "{name} {} {} ({} of {} future(s) matching `{}`); bound {} {}",
        measured(claim),
        shown(claim, value),
        match claim.bound {
            Bound::Below(_) => "the largest",
            Bound::Above(_) => "the smallest",
        },
        values.len(),
        claim.future,
        claim.bound.word(),
        claim.limit_text()
    );
    if claim.bound.holds(value) {
        Judgement::holds(evidence)
    } else {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "{name}'s {} is {}, not {} {}",
                measured(claim),
                shown(claim, value),
                claim.bound.word(),
                claim.limit_text()
            ),
            evidence,
        )
    }
}

/// Never called: a user claim's findings come from [`judge`], which needs
/// the claim's own bound.
fn judged_from_its_declaration(_: &Run<'_>) -> Judgement {
    Judgement::because(
        Verdict::NotApplicable,
        "a user claim is judged from its declaration".to_string(),
        String::new(),
    )
}

/// The [`Claim`] a finding of `claim` names: its id and text, made once
/// per distinct claim in the process (a finding names a `&'static
/// Claim`), so memory grows with the distinct claims declared, never with
/// the runs judged.
pub(crate) fn interned(claim: &UserClaim) -> &'static Claim {
    static CLAIMS: Mutex<Vec<&'static Claim>> = Mutex::new(Vec::new());
    let (id, text) = (claim.id(), claim.to_string());
    let mut claims = CLAIMS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = claims.iter().find(|c| c.id == id && c.text == text) {
        return known;
    }
    let made: &'static Claim = Box::leak(Box::new(Claim {
        id: Box::leak(id.into_boxed_str()),
        text: Box::leak(text.into_boxed_str()),
        flavor: None,
        executor: None,
        judge: judged_from_its_declaration,
    }));
    claims.push(made);
    made
}

#[cfg(test)]
mod tests {
    use super::judge;
    use crate::analysis::RunResult;
    use crate::findings::Verdict;
    use crate::scenario::UserClaim;

    /// A run with `ticker` (polls of 1 ms..5 ms, on threads 1, 2, 1, 2, 1)
    /// and `other` (one poll of 1 ms).
    fn run() -> RunResult {
        use crate::findings::synthetic::SyntheticRun;
        use crate::scenario::{CostKind, Placement};
        let mut run = SyntheticRun::new(CostKind::Cpu, 2, 4);
        let ticker = run.future("ticker", Placement::Inline, 100);
        let mut at = 0;
        for (i, ms) in [1, 2, 3, 4, 5].into_iter().enumerate() {
            run.step(ticker, at, ms * 1000, 1 + (i % 2) as u16, 1.0);
            at += ms * 1000 + 10;
        }
        let other = run.future("other", Placement::Inline, 100);
        run.step(other, at, 1000, 1, 1.0);
        run.result("session_like")
    }

    fn verdict(claim: &str) -> Verdict {
        let claim: UserClaim = claim.parse().unwrap();
        judge(&run(), &claim).verdict
    }

    #[test]
    fn a_bound_holds_on_one_side_and_not_on_the_other() {
        assert_eq!(verdict("ticker poll_duration p100 < 6ms"), Verdict::Holds);
        assert_eq!(
            verdict("ticker poll_duration p100 < 5ms"),
            Verdict::DoesNotHold
        );
        assert_eq!(verdict("ticker poll_duration p100 > 4ms"), Verdict::Holds);
        assert_eq!(verdict("ticker busy > 15ms"), Verdict::DoesNotHold);
        assert_eq!(verdict("ticker busy < 16ms"), Verdict::Holds);
        assert_eq!(verdict("ticker migrations > 3"), Verdict::Holds);
        assert_eq!(verdict("ticker migrations < 4"), Verdict::DoesNotHold);
        assert_eq!(verdict("ticker completion < 1s"), Verdict::Holds);
        assert_eq!(verdict("ticker completion < 1ms"), Verdict::DoesNotHold);
    }

    #[test]
    fn a_glob_is_decided_by_its_worst_future() {
        // `other`'s 1 ms poll is the smallest of the matches.
        assert_eq!(verdict("* poll_duration p100 > 1ms"), Verdict::DoesNotHold);
        assert_eq!(verdict("t* poll_duration p100 > 1ms"), Verdict::Holds);
        let claim: UserClaim = "* poll_duration p100 < 5ms".parse().unwrap();
        let j = judge(&run(), &claim);
        assert_eq!(j.verdict, Verdict::DoesNotHold);
        assert!(
            j.reason
                .starts_with("ticker's poll_duration p100 is 5.00ms, not below 5ms"),
            "{}",
            j.reason
        );
    }

    #[test]
    fn no_match_or_no_value_is_not_applicable() {
        assert_eq!(verdict("nobody busy < 1ms"), Verdict::NotApplicable);
        assert_eq!(verdict("ticker value p99 < 1ms"), Verdict::NotApplicable);
    }
}
