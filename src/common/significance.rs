//! Significance of a difference between two small sets of repeats:
//! Student's and Welch's t-tests, Student's t distribution, and Benjamini–Hochberg's
//! adjustment of many p-values for the false-discovery rate. `compare`
//! applies them to the logarithms of a metric's repeats (see
//! `crate::compare::judge` for the rule and why this test).

/// A two-sample t-test of `b` against `a`: Student's (pooled variance)
/// when both sides hold as many values, Welch's otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TTest {
    /// `mean(b) − mean(a)`.
    pub diff: f64,
    /// The sample variances (n − 1 in the denominator) of `a` and `b`.
    pub var_a: f64,
    /// See `var_a`.
    pub var_b: f64,
    /// The standard error of `diff`, `√(var_a/n_a + var_b/n_b)`.
    pub se: f64,
    /// `diff / se`; ±∞ when both variances are 0 and the means differ, 0
    /// when they agree.
    pub t: f64,
    /// The degrees of freedom: `n_a + n_b − 2` for Student's test,
    /// Welch–Satterthwaite's for Welch's.
    pub df: f64,
    /// The two-sided p-value: the chance, were both samples drawn from
    /// normal distributions with one mean, of a |t| at least this large.
    pub p: f64,
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// The t-test of `b` against `a`; `None` when a side has fewer than two
/// values (no variance).
///
/// The statistic is `t = (mean(b) − mean(a)) / √(s²_a/n_a + s²_b/n_b)`.
/// With `n_a = n_b` it equals Student's pooled-variance statistic, and the
/// test is Student's, with `ν = n_a + n_b − 2` degrees of freedom: with
/// equal sizes Student's test keeps its level even when the variances
/// differ, and it does not lose degrees of freedom as Welch's does when
/// one side happens to be much noisier. Otherwise it is Welch's, with
/// `ν = (s²_a/n_a + s²_b/n_b)² / ((s²_a/n_a)²/(n_a−1) + (s²_b/n_b)²/(n_b−1))`.
/// Either way `p = P(|T_ν| ≥ |t|)`.
pub(crate) fn t_test(a: &[f64], b: &[f64]) -> Option<TTest> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let ((ma, var_a), (mb, var_b)) = (mean_var(a), mean_var(b));
    let (na, nb) = (a.len() as f64, b.len() as f64);
    Some(t_test_from(
        mb - ma,
        var_a / na,
        var_b / nb,
        na,
        nb,
        var_a,
        var_b,
    ))
}

/// The test from the difference of the means and each side's squared
/// standard error (`s²/n`).
fn t_test_from(diff: f64, ea: f64, eb: f64, na: f64, nb: f64, var_a: f64, var_b: f64) -> TTest {
    let se2 = ea + eb;
    let (t, df) = if se2 > 0.0 {
        let df = if na == nb {
            na + nb - 2.0
        } else {
            se2 * se2 / (ea * ea / (na - 1.0) + eb * eb / (nb - 1.0))
        };
        (diff / se2.sqrt(), df)
    } else {
        let t = if diff == 0.0 {
            0.0
        } else {
            diff.signum() * f64::INFINITY
        };
        (t, na + nb - 2.0)
    };
    TTest {
        diff,
        var_a,
        var_b,
        se: se2.sqrt(),
        t,
        df,
        p: student_t_two_sided(t, df),
    }
}

impl TTest {
    /// The test had each side held `n` values with these means'
    /// difference and these variances: what `n` repeats would show if
    /// nothing but the count changed.
    pub(crate) fn planned(diff: f64, var_a: f64, var_b: f64, n: usize) -> TTest {
        let n = n.max(2) as f64;
        t_test_from(diff, var_a / n, var_b / n, n, n, var_a, var_b)
    }

    /// [`TTest::planned`] at this test's difference and variances.
    pub(crate) fn with_repeats(&self, n: usize) -> TTest {
        TTest::planned(self.diff, self.var_a, self.var_b, n)
    }
}

/// Student's two-sample t-test (pooled variance) of `b` against `a`:
/// `t = (mean(b) − mean(a)) / √(s²_p (1/n_a + 1/n_b))` with `s²_p =
/// ((n_a−1)s²_a + (n_b−1)s²_b) / (n_a+n_b−2)` and `n_a + n_b − 2` degrees
/// of freedom. Unlike Welch's, one side may hold a single value; `None`
/// when the pooled variance has no degrees of freedom (fewer than three
/// values in all) or a side is empty. Returns (t, df, two-sided p).
///
/// ```text
/// student([1, 2, 3], [4, 5, 6]): t = 3.674, df = 4, p = 0.0213
/// ```
pub(crate) fn student(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64)> {
    if a.is_empty() || b.is_empty() || a.len() + b.len() < 3 {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let spread = |x: &[f64], mean: f64| x.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
    let (ma, mb) = (a.iter().sum::<f64>() / na, b.iter().sum::<f64>() / nb);
    let df = na + nb - 2.0;
    let pooled = (spread(a, ma) + spread(b, mb)) / df;
    let diff = mb - ma;
    let se = (pooled * (1.0 / na + 1.0 / nb)).sqrt();
    let t = if se > 0.0 {
        diff / se
    } else if diff == 0.0 {
        0.0
    } else {
        diff.signum() * f64::INFINITY
    };
    Some((t, df, student_t_two_sided(t, df)))
}

/// `P(|T| ≥ |t|)` for Student's t with `df` degrees of freedom:
/// `I_{df/(df+t²)}(df/2, 1/2)`, the regularized incomplete beta function.
///
/// ```text
/// student_t_two_sided(1.0, 1.0)   = 0.5
/// student_t_two_sided(2.0, 10.0)  ≈ 0.0734
/// student_t_two_sided(2.776, 4.0) ≈ 0.050
/// ```
pub(crate) fn student_t_two_sided(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    incomplete_beta(df / 2.0, 0.5, df / (df + t * t)).clamp(0.0, 1.0)
}

/// The regularized incomplete beta function `I_x(a, b)` (Numerical
/// Recipes §6.4: a continued fraction, on whichever side converges).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of the incomplete beta function (modified
/// Lentz's method).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / nonzero(1.0 + even * d);
        c = nonzero(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / nonzero(1.0 + odd * d);
        c = nonzero(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// `ln Γ(x)` for x > 0 (Lanczos' approximation, g = 7, 9 terms: about
/// 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Benjamini–Hochberg's adjusted p-values ("q-values"), in the order of
/// `p`: `p_adj(i) = min over ranks r ≥ rank(i) of m·p_(r)/r`, at most 1.
/// Rejecting every hypothesis whose adjusted p is ≤ q holds the expected
/// share of false discoveries among the rejections at q (for independent
/// or positively dependent tests). NaNs stay NaN and count in m.
pub(crate) fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut adjusted = vec![f64::NAN; m];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        if p[i].is_nan() {
            continue;
        }
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn student_t_matches_tables() {
        // Cauchy: P(|T| ≥ 1) = 1/2.
        assert!(close(student_t_two_sided(1.0, 1.0), 0.5, 1e-12));
        // Tables: two-sided 5 % critical values.
        for (t, df) in [(12.706, 1.0), (2.776, 4.0), (2.228, 10.0), (1.960, 1e6)] {
            assert!(close(student_t_two_sided(t, df), 0.05, 2e-4), "{t} {df}");
        }
        assert!(close(student_t_two_sided(2.0, 10.0), 0.073_388, 1e-5));
        assert!(close(student_t_two_sided(-2.0, 10.0), 0.073_388, 1e-5));
        assert_eq!(student_t_two_sided(0.0, 5.0), 1.0);
        assert_eq!(student_t_two_sided(f64::INFINITY, 5.0), 0.0);
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-13));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-13));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-13
        ));
    }

    #[test]
    fn t_tests_match_worked_examples() {
        // Means 19.9 and 22.4, variances 0.925 and 0.625: t = 2.5/√0.31
        // = 4.490; equal sizes, so Student's ν = 8 and p = 0.0020284
        // (scipy.stats.ttest_ind).
        let a = [19.1, 20.4, 21.0, 18.7, 20.3];
        let b = [22.2, 21.8, 23.5, 22.9, 21.6];
        let s = t_test(&a, &b).unwrap();
        assert!(close(s.t, 4.4901, 1e-4), "{s:?}");
        assert_eq!(s.df, 8.0);
        assert!(close(s.se, 2.5 / 4.4901, 1e-4), "{s:?}");
        assert!(close(s.p, 0.002_028_4, 1e-6), "{s:?}");
        // Four against five: Welch's, t = 4.7240, ν = 6.9993,
        // p = 0.0021481 (scipy.stats.ttest_ind, equal_var=False).
        let w = t_test(&a, &b[..4]).unwrap();
        assert!(close(w.t, 4.7240, 1e-4), "{w:?}");
        assert!(close(w.df, 6.9993, 1e-4), "{w:?}");
        assert!(close(w.p, 0.002_148_1, 1e-6), "{w:?}");
        assert!(t_test(&a[..1], &b).is_none());
        let same = t_test(&[1.0, 1.0], &[1.0, 1.0]).unwrap();
        assert_eq!((same.t, same.p), (0.0, 1.0));
        let apart = t_test(&[1.0, 1.0], &[2.0, 2.0]).unwrap();
        assert_eq!(apart.p, 0.0);
        // More repeats at the same spread: a smaller p.
        assert!(s.with_repeats(10).p < s.p);
    }

    #[test]
    fn student_matches_a_worked_example() {
        let (t, df, p) = student(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
        assert!(close(t, 3.674_235, 1e-5), "{t}");
        assert_eq!(df, 4.0);
        assert!(close(p, 0.021_312, 1e-5), "{p}");
        // One value on a side: the other side's spread stands for both.
        let (t, df, _) = student(&[1.0, 2.0, 3.0], &[5.0]).unwrap();
        assert_eq!(df, 2.0);
        assert!(
            close(t, 3.0 / (1.0_f64 * (1.0 / 3.0 + 1.0)).sqrt(), 1e-12),
            "{t}"
        );
        assert_eq!(student(&[1.0], &[2.0]), None);
        assert_eq!(student(&[1.0, 1.0], &[1.0]).unwrap().2, 1.0);
    }

    #[test]
    fn benjamini_hochberg_adjusts_by_rank() {
        let adjusted = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
        let expected = [0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, 0.5];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!(close(*a, e, 1e-12), "{adjusted:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
