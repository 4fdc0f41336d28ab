//! The verdict on each metric of each configuration, over its repeats.
//!
//! # The rule
//!
//! The repeats of a configuration are the unit: one value per run. For a
//! metric with base repeats `a` and new repeats `b` (medians `ã`, `b̃`):
//!
//! 1. **`disturbed`** when any repeat of the configuration, on either side,
//!    was disturbed (`disturbed` = 1 in runs.csv: another process or the
//!    hypervisor took CPU the run could have used). Nothing else is judged.
//! 2. **`unknown`** when a side has fewer than [`MIN_REPEATS`] (3) repeats:
//!    a spread from fewer values says nothing. With one repeat on a side
//!    nothing is ever flagged.
//! 3. **`same`** when `|b̃ − ã|` is at most `--threshold` % of `|ã|` or at
//!    most the metric's absolute floor ([`super::Unit::floor`]: 5 µs for
//!    times, 100 µs for a run's CPU time, 100 ns for CPU per event, 0.01 for
//!    ratios, 1 event/s for rates). `same` says the medians moved less than
//!    that; it does not prove a smaller change cannot hide in noisy repeats.
//! 4. **`regressed`** / **`improved`** when the medians moved beyond both
//!    (worse / better, by the metric's direction), the test below finds the
//!    sides different with a Benjamini–Hochberg adjusted p ≤ `--fdr`, the
//!    test's difference points the same way as the medians', and that
//!    difference clears the threshold by two standard errors
//!    (`ln b − ln a − 2·se > ln(1 + θ)` on the mean logarithms, or the
//!    mirror for a fall; about a one-sided 95 % confidence bound at 5
//!    repeats per side): a 3 % change in noisy repeats, whose estimate
//!    crossed 10 % by chance, is not flagged.
//! 5. **`unknown`** otherwise: beyond the threshold but not significant. The
//!    row says how many repeats per side would decide, at the observed
//!    difference and spread ([`Judgement::repeats_needed`]).
//!
//! # The test, and why
//!
//! A two-sided t-test on the natural logarithms of the repeats (each value
//! first raised to the metric's floor, so values below it count as equal):
//! Student's pooled-variance test when both sides have as many repeats (the
//! usual case: `--repeat` sets both), Welch's otherwise. Logarithms make the
//! test about ratios, as the threshold is, and tame the right skew of times.
//! With equal sizes Student's test holds its level even when one side is
//! noisier, and it keeps `2n − 2` degrees of freedom where Welch's can drop
//! towards `n − 1`: at 5 repeats per side that lifts the detection of a lone
//! 20 % change among 150 rows from 91 % to 98 % (the self-test below).
//! Benjamini–Hochberg's step-up adjustment over every tested row of the
//! comparison (every row with enough repeats and no disturbance) holds the
//! expected share of false discoveries at `--fdr`.
//!
//! An exact rank test (Mann–Whitney U, or a permutation test) makes no
//! assumption about the distribution, but its p-value cannot fall below
//! `2 / C(n+m, n)`: 0.1 at 3 repeats per side, 0.029 at 4, 0.0079 at 5. Under
//! the false-discovery adjustment a lone change among 150 rows needs
//! `p ≤ 0.05/150 = 0.00033`, which a rank test reaches only from 8 repeats
//! per side (`2/C(16,8) = 0.00016`), and a change of one configuration's ten
//! rows needs `p ≤ 0.0033`, 6 repeats. The t-test uses the size of the
//! difference relative to the spread, so 5 repeats per side detect a 20 %
//! change under a few % of noise (the self-test below measures it). Its
//! price is the normality assumption: an outlier among the repeats widens
//! the spread and makes it more cautious (fewer verdicts), not bolder; the
//! threshold on the medians, which outliers barely move, gates every verdict
//! anyway.

use super::{Better, Series, Verdict};
use crate::common::significance::{TTest, benjamini_hochberg, t_test};

/// Fewest repeats per side the test judges on.
pub(crate) const MIN_REPEATS: usize = 3;

/// Repeats per side to suggest when the spread is unknown: enough, by the
/// self-test, for a 20 % change under a few % of noise.
pub(crate) const SUGGESTED_REPEATS: usize = 5;

/// Beyond this many repeats per side, "more repeats" is no advice.
pub(crate) const MAX_REPEATS: usize = 100;

/// One row to judge: a metric's repeats on each side.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Case<'a> {
    /// BASE's repeats.
    pub base: &'a Series,
    /// NEW's repeats.
    pub new: &'a Series,
    /// Whether a repeat of the configuration was disturbed on a side.
    pub disturbed: bool,
}

/// The rules the command line sets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rules {
    /// Smallest change of the medians that counts, % of the base median.
    pub threshold_pct: f64,
    /// The false-discovery rate held over the whole comparison.
    pub fdr: f64,
}

/// Why a row is `unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Undecided {
    /// A side has fewer than [`MIN_REPEATS`] repeats.
    TooFewRepeats,
    /// Beyond the threshold, but not significant at the FDR.
    NotSignificant,
}

/// The judge's answer for one row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// Median over BASE's repeats.
    pub base_median: f64,
    /// Median over NEW's repeats.
    pub new_median: f64,
    /// `(new − base) / |base|`, in % (0 when the base median is 0).
    pub change_pct: f64,
    /// Whether the medians moved beyond the threshold and the floor.
    pub beyond: bool,
    /// The test on the logarithms, where it ran.
    pub test: Option<TTest>,
    /// The test's p-value, adjusted by Benjamini–Hochberg over the
    /// comparison's tested rows.
    pub p_adjusted: Option<f64>,
    /// Why the row is `unknown`.
    pub undecided: Option<Undecided>,
    /// For an `unknown` row: the repeats per side that would decide it, at
    /// the observed difference and spread (the test's minimum when the
    /// medians are within the threshold); `None` when no count up to
    /// [`MAX_REPEATS`] would.
    pub repeats_needed: Option<usize>,
}

fn median(s: &Series) -> f64 {
    s.median()
}

/// The repeats' logarithms, each raised to the metric's floor first.
fn logs(s: &Series) -> Vec<f64> {
    let floor = s.unit.floor();
    s.values.iter().map(|v| v.max(floor).ln()).collect()
}

/// Steps 1–3 of the rule, and the test: everything but the adjustment.
fn assess(case: &Case<'_>, rules: Rules) -> Judgement {
    let (b, n) = (median(case.base), median(case.new));
    let delta = n - b;
    let beyond = b.is_finite()
        && n.is_finite()
        && b != 0.0
        && delta.abs() > rules.threshold_pct / 100.0 * b.abs()
        && delta.abs() > case.base.unit.floor();
    let enough = case.base.values.len() >= MIN_REPEATS && case.new.values.len() >= MIN_REPEATS;
    let test = (enough && !case.disturbed)
        .then(|| t_test(&logs(case.base), &logs(case.new)))
        .flatten();
    let (verdict, undecided) = match () {
        _ if case.disturbed => (Verdict::Disturbed, None),
        _ if test.is_none() => (Verdict::Unknown, Some(Undecided::TooFewRepeats)),
        _ if !beyond => (Verdict::Same, None),
        _ => (Verdict::Unknown, Some(Undecided::NotSignificant)),
    };
    Judgement {
        verdict,
        base_median: b,
        new_median: n,
        change_pct: if b == 0.0 || !b.is_finite() {
            0.0
        } else {
            delta / b.abs() * 100.0
        },
        beyond,
        test,
        p_adjusted: None,
        undecided,
        repeats_needed: None,
    }
}

/// Judges every row of a comparison together: the false-discovery rate is
/// held over all of them.
pub(crate) fn judge(cases: &[Case<'_>], rules: Rules) -> Vec<Judgement> {
    let mut judged: Vec<Judgement> = cases.iter().map(|c| assess(c, rules)).collect();
    let tested: Vec<usize> = (0..judged.len())
        .filter(|&i| judged[i].test.is_some())
        .collect();
    let p: Vec<f64> = tested
        .iter()
        .filter_map(|&i| judged[i].test.map(|t| t.p))
        .collect();
    for (&i, adjusted) in tested.iter().zip(benjamini_hochberg(&p)) {
        let j = &mut judged[i];
        j.p_adjusted = Some(adjusted);
        let agree = j.test.is_some_and(|t| {
            (t.diff > 0.0 && j.new_median > j.base_median)
                || (t.diff < 0.0 && j.new_median < j.base_median)
        });
        let clear = j.test.is_some_and(|t| clears(&t, rules.threshold_pct));
        if j.beyond && adjusted <= rules.fdr && agree && clear {
            let worse = match cases[i].base.better {
                Better::Lower => j.new_median > j.base_median,
                Better::Higher => j.new_median < j.base_median,
            };
            j.verdict = if worse {
                Verdict::Regressed
            } else {
                Verdict::Improved
            };
            j.undecided = None;
        }
    }
    needs(&mut judged, cases, rules);
    judged
}

/// Standard errors by which a change must clear the threshold.
const CLEARANCE_SE: f64 = 2.0;

/// Whether the test's difference of the logarithms lies beyond the
/// threshold by [`CLEARANCE_SE`] standard errors: `diff − 2·se > ln(1 + θ)`
/// for a rise, `diff + 2·se < ln(1 − θ)` for a fall (θ the threshold as a
/// fraction). A change whose point estimate only just crosses the
/// threshold in noisy repeats stays `unknown`.
fn clears(test: &TTest, threshold_pct: f64) -> bool {
    let theta = threshold_pct / 100.0;
    let fall = if theta < 1.0 {
        (1.0 - theta).ln()
    } else {
        f64::NEG_INFINITY
    };
    let margin = CLEARANCE_SE * test.se;
    test.diff - margin > theta.ln_1p() || test.diff + margin < fall
}

/// Fills [`Judgement::repeats_needed`] of the `unknown` rows. A row would
/// be decided at the level Benjamini–Hochberg would give it next,
/// `fdr × (R + 1) / m` (R rows decided, m the rows not disturbed: as if
/// every row were tested), were its difference and spread to stay as
/// observed. Where a side lacks a spread, the other side's stands for
/// both; where neither has one, [`SUGGESTED_REPEATS`].
fn needs(judged: &mut [Judgement], cases: &[Case<'_>], rules: Rules) {
    let decided = judged
        .iter()
        .filter(|j| matches!(j.verdict, Verdict::Regressed | Verdict::Improved))
        .count();
    let family = cases.iter().filter(|c| !c.disturbed).count().max(1);
    let alpha = rules.fdr * (decided + 1) as f64 / family as f64;
    let deciding =
        |test: &TTest, from: usize| first_deciding(test, from, alpha, rules.threshold_pct);
    for (j, case) in judged.iter_mut().zip(cases) {
        let sides = case.base.values.len().max(case.new.values.len());
        j.repeats_needed = match (j.undecided, j.test) {
            (Some(Undecided::NotSignificant), Some(test)) => deciding(&test, sides + 1),
            (Some(Undecided::TooFewRepeats), _) if !j.beyond => Some(MIN_REPEATS),
            (Some(Undecided::TooFewRepeats), _) => planned(case, j)
                .map_or(Some(SUGGESTED_REPEATS), |test| deciding(&test, MIN_REPEATS)),
            _ => None,
        };
    }
}

/// A test at the medians' log difference and the spread of the sides that
/// have one; `None` where neither does.
fn planned(case: &Case<'_>, j: &Judgement) -> Option<TTest> {
    let variance = |s: &Series| {
        let logs = logs(s);
        t_test(&logs, &logs).map(|w| w.var_a)
    };
    let floor = case.base.unit.floor();
    let diff = j.new_median.max(floor).ln() - j.base_median.max(floor).ln();
    match (variance(case.base), variance(case.new)) {
        (Some(a), Some(b)) => Some(TTest::planned(diff, a, b, MIN_REPEATS)),
        (Some(v), None) | (None, Some(v)) => Some(TTest::planned(diff, v, v, MIN_REPEATS)),
        (None, None) => None,
    }
}

/// The fewest repeats per side, from `from` up to [`MAX_REPEATS`], at
/// which `test` would reach `alpha` and clear the threshold.
fn first_deciding(test: &TTest, from: usize, alpha: f64, threshold_pct: f64) -> Option<usize> {
    (from.max(MIN_REPEATS)..=MAX_REPEATS).find(|&n| {
        let at = test.with_repeats(n);
        at.p <= alpha && clears(&at, threshold_pct)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Unit;

    fn series(unit: Unit, values: &[f64]) -> Series {
        Series {
            better: Better::Lower,
            unit,
            values: values.to_vec(),
        }
    }

    const RULES: Rules = Rules {
        threshold_pct: 10.0,
        fdr: 0.05,
    };

    /// Judges one row alone.
    fn one(base: &[f64], new: &[f64], rules: Rules) -> Judgement {
        let (b, n) = (series(Unit::Nanos, base), series(Unit::Nanos, new));
        let case = Case {
            base: &b,
            new: &n,
            disturbed: false,
        };
        judge(&[case], rules).remove(0)
    }

    /// Five repeats around `center` ms (±1 %).
    fn around(center: f64) -> Vec<f64> {
        [0.99, 0.995, 1.0, 1.005, 1.01]
            .iter()
            .map(|f| f * center * 1e6)
            .collect()
    }

    /// Five repeats around `center` ms (±0.01 %): the threshold alone
    /// decides.
    fn tight(center: f64) -> Vec<f64> {
        [0.9999, 0.99995, 1.0, 1.00005, 1.0001]
            .iter()
            .map(|f| f * center * 1e6)
            .collect()
    }

    #[test]
    fn the_threshold_decides_on_both_sides() {
        // Medians 10 ms → 10.99 ms (+9.9 %) and → 11.01 ms (+10.1 %),
        // both highly significant and tight.
        assert_eq!(
            one(&tight(10.0), &tight(10.99), RULES).verdict,
            Verdict::Same
        );
        let over = one(&tight(10.0), &tight(11.01), RULES);
        assert_eq!(over.verdict, Verdict::Regressed, "{over:?}");
        // 11.12 ms → 10 ms is −10.07 %; 11.1 ms → 10 ms is −9.9 %.
        assert_eq!(
            one(&tight(11.12), &tight(10.0), RULES).verdict,
            Verdict::Improved
        );
        assert_eq!(
            one(&tight(11.1), &tight(10.0), RULES).verdict,
            Verdict::Same
        );
        let higher = Series {
            better: Better::Higher,
            ..series(Unit::Ratio, &[0.5, 0.5, 0.5])
        };
        let lower = series(Unit::Ratio, &[0.4, 0.4, 0.4]);
        let case = Case {
            base: &higher,
            new: &lower,
            disturbed: false,
        };
        assert_eq!(judge(&[case], RULES)[0].verdict, Verdict::Regressed);
    }

    #[test]
    fn the_change_must_clear_the_threshold_by_two_standard_errors() {
        // ±1 % repeats: se ≈ 0.005 on the logarithms. +11 % is significant
        // and beyond the threshold, but within 2·se of it.
        let near = one(&around(10.0), &around(11.1), RULES);
        assert!(near.beyond && near.p_adjusted.unwrap() < 1e-6, "{near:?}");
        assert_eq!(near.verdict, Verdict::Unknown, "{near:?}");
        assert_eq!(near.undecided, Some(Undecided::NotSignificant));
        // More repeats shrink se below the margin: the row says how many.
        assert!(near.repeats_needed.is_some_and(|n| n > 5), "{near:?}");
        // +10.1 % would need over a hundred.
        let edge = one(&around(10.0), &around(11.01), RULES);
        assert_eq!(
            (edge.verdict, edge.repeats_needed),
            (Verdict::Unknown, None)
        );
        // +11.5 % clears it.
        let clear = one(&around(10.0), &around(11.15), RULES);
        assert_eq!(clear.verdict, Verdict::Regressed, "{clear:?}");
        let fall = one(&around(11.5), &around(10.0), RULES);
        assert_eq!(fall.verdict, Verdict::Improved, "{fall:?}");
    }

    #[test]
    fn the_floor_decides_on_both_sides() {
        // 25 µs → 29.999 µs is +20 % but under the 5 µs floor; 30.001 µs
        // is not.
        let under = one(&[25e3; 3], &[29.999e3; 3], RULES);
        assert_eq!(under.verdict, Verdict::Same);
        let over = one(&[25e3; 3], &[30.001e3; 3], RULES);
        assert_eq!(over.verdict, Verdict::Regressed, "{over:?}");
        // Values under the floor count as equal to it.
        let sub = one(
            &[1_000.0, 2_000.0, 3_000.0],
            &[4_000.0, 4_500.0, 4_900.0],
            RULES,
        );
        assert_eq!(sub.verdict, Verdict::Same);
    }

    #[test]
    fn the_fdr_decides_on_both_sides() {
        let (base, new) = ([100e6, 104e6, 96e6], [125e6, 122e6, 130e6]);
        let j = one(&base, &new, RULES);
        let p = j.p_adjusted.unwrap();
        assert!(p > 0.0 && p < 1.0, "{j:?}");
        let at = |fdr| one(&base, &new, Rules { fdr, ..RULES });
        assert_eq!(at(p * 1.01).verdict, Verdict::Regressed);
        let undecided = at(p * 0.99);
        assert_eq!(undecided.verdict, Verdict::Unknown);
        assert_eq!(undecided.undecided, Some(Undecided::NotSignificant));
        // More repeats at this spread would decide.
        assert!(undecided.repeats_needed.unwrap() > 3, "{undecided:?}");
    }

    #[test]
    fn repeats_decide_on_both_sides() {
        let two = one(&[100e6, 101e6], &[150e6, 151e6], RULES);
        assert_eq!(two.verdict, Verdict::Unknown);
        assert_eq!(two.undecided, Some(Undecided::TooFewRepeats));
        assert_eq!(two.repeats_needed, Some(MIN_REPEATS), "{two:?}");
        let three = one(&[100e6, 101e6, 99e6], &[150e6, 151e6, 149e6], RULES);
        assert_eq!(three.verdict, Verdict::Regressed);
        // One repeat: never flagged; without a spread, the suggestion.
        let single = one(&[100e6], &[200e6], RULES);
        assert_eq!(single.verdict, Verdict::Unknown);
        assert_eq!(single.repeats_needed, Some(SUGGESTED_REPEATS));
        // Within the threshold, the test's minimum would say `same`.
        assert_eq!(
            one(&[100e6], &[101e6], RULES).repeats_needed,
            Some(MIN_REPEATS)
        );
    }

    #[test]
    fn a_disturbed_side_is_not_judged() {
        let (b, n) = (
            series(Unit::Nanos, &around(10.0)),
            series(Unit::Nanos, &around(20.0)),
        );
        let case = Case {
            base: &b,
            new: &n,
            disturbed: true,
        };
        let j = judge(&[case], RULES).remove(0);
        assert_eq!((j.verdict, j.test), (Verdict::Disturbed, None));
    }

    #[test]
    fn a_mean_moving_against_the_medians_decides_nothing() {
        // The medians rise 20 %, the means fall (one huge base outlier).
        let j = one(
            &[100e6, 100e6, 101e6, 99e6, 900e6],
            &[120e6, 120e6, 121e6, 119e6, 121e6],
            Rules { fdr: 1.0, ..RULES },
        );
        assert_eq!(j.verdict, Verdict::Unknown, "{j:?}");
    }
}

#[cfg(test)]
mod self_test;
