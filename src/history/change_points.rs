//! Change points of a series: the labels after which a metric moved and
//! stayed moved.
//!
//! # The method
//!
//! E-Divisive means (Matteson & James, 2014) with a Student's t-test in
//! place of the permutation test, as Apache Otava (Hunter) does, so the
//! answer is deterministic:
//!
//! 1. Each label is one point: the median of the natural logarithms of its
//!    repeats, each raised to the metric's floor first (as `compare` does:
//!    a test of ratios, values below the floor equal to it). The label, not
//!    the repeat, is the unit: builds and days differ by more than the
//!    processes of one build, and treating repeats as independent across
//!    labels would call that drift significant.
//! 2. Candidates: in a segment of labels (first: all of them), the split
//!    that maximizes the energy statistic `q̂(τ) = m·n/(m+n) ·
//!    (2/(m·n)·Σ|xᵢ−yⱼ| − Σ|xᵢ−xₖ|/C(m,2) − Σ|yⱼ−yₗ|/C(n,2))` over splits
//!    leaving at least [`MIN_LABELS`] labels on each side (the distance
//!    between the sides beyond the spread within them); then each side
//!    again, down to segments too short to split.
//! 3. Backward elimination, as Otava prunes its candidates: each
//!    candidate is tested against its neighbours by Student's pooled
//!    t-test of the points between the candidate before and the one after;
//!    the weakest goes while its `p × (splits its segment allows)` — the
//!    Bonferroni factor pays for having picked the best split, so a series
//!    without a change raises a false one in about [`ALPHA`] of cases —
//!    exceeds [`ALPHA`], or its sides' medians differ by no more than the
//!    metric's floor or by less than [`MIN_STEP_PCT`] %. Testing against neighbours, not the whole series,
//!    finds a step up and a step back down that a single split would blur.
//! 4. Each survivor moves to where, between its neighbours, |t| is
//!    largest: the likeliest place of one step in normal noise.
//!
//! Why not PELT? PELT needs a penalty per change point tuned to the noise
//! of each metric, and a cost model (normal, usually) of the repeats; the
//! divisive search needs neither, and the t-test's p-value is a
//! confidence people can read. Its cost is `O(n²)` per segment over `n`
//! labels, nothing at a few hundred labels.
//!
//! The self-test (`cargo test self_test -- --nocapture`) measures the
//! rates on synthetic series; results/README.md quotes them.

use crate::common::significance::student;

/// Fewest labels on each side of a change point. A change at the newest
/// label is for `history check`, which judges it against the labels
/// before it.
pub(crate) const MIN_LABELS: usize = 2;

/// The most a change point's Bonferroni-adjusted p may be.
pub(crate) const ALPHA: f64 = 0.01;

/// The smallest step of the level a change point marks, % of the level
/// before it: a rebuild, a reboot or a warmer machine moves a level by a
/// few %, which a long series makes significant but nobody should chase
/// (results/reference's repeats spread by 1–2 % in makespan).
pub(crate) const MIN_STEP_PCT: f64 = 3.0;

/// One change point.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ChangePoint {
    /// Index of the first label after the change (in the labels given).
    pub at: usize,
    /// Median value of the labels before it, back to the previous change
    /// point (the medians of the label medians, in the metric's unit).
    pub before: f64,
    /// Median value of the labels from it up to the next change point.
    pub after: f64,
    /// `(after − before) / before`, %.
    pub change_pct: f64,
    /// Student's p against its neighbouring change points, times the
    /// splits their segment allows (at most 1).
    pub p: f64,
}

impl ChangePoint {
    /// `1 − p`, %: how sure the test is that the level moved.
    pub(crate) fn confidence_pct(&self) -> f64 {
        (1.0 - self.p) * 100.0
    }

    /// The confidence for people: `99.87%`, or `>99.99%` where rounding
    /// would say 100.
    pub(crate) fn confidence_text(&self) -> String {
        if self.p < 1e-4 {
            ">99.99%".to_string()
        } else {
            format!("{:.2}%", self.confidence_pct())
        }
    }
}

/// The change points of a series: `labels[i]` holds label `i`'s repeats
/// (in label order, none empty), `floor` is the metric's absolute floor.
///
/// ```text
/// // Ten labels at 10 ms, then ten at 12 ms: one change point, at 10.
/// let labels: Vec<Vec<f64>> = (0..20)
///     .map(|i| {
///         let level = if i < 10 { 10e6 } else { 12e6 };
///         vec![level * 0.99, level, level * 1.01]
///     })
///     .collect();
/// let found = change_points(&labels, 5_000.0);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].at, 10);
/// ```
pub(crate) fn change_points(labels: &[Vec<f64>], floor: f64) -> Vec<ChangePoint> {
    let points: Vec<f64> = labels
        .iter()
        .map(|repeats| {
            let mut logs: Vec<f64> = repeats.iter().map(|v| v.max(floor).ln()).collect();
            crate::common::stats::median_f64(&mut logs).unwrap_or(f64::NAN)
        })
        .collect();
    if points.iter().any(|p| !p.is_finite()) {
        return Vec::new();
    }
    let mut cuts = candidates(&points);
    let mut ps = vec![1.0; cuts.len()];
    // Backward elimination: the weakest candidate goes, until every one
    // left is a change point against its neighbours.
    loop {
        let bounds = bounds(&cuts, points.len());
        ps = (0..cuts.len())
            .map(|i| significance(&points, bounds[i], cuts[i], bounds[i + 2], floor))
            .collect();
        let weakest = (0..cuts.len()).max_by(|&a, &b| ps[a].total_cmp(&ps[b]).then(b.cmp(&a)));
        match weakest {
            Some(i) if ps[i] > ALPHA => {
                cuts.remove(i);
            }
            _ => break,
        }
    }
    refine(&points, &mut cuts);
    let bounds = bounds(&cuts, points.len());
    let ps: Vec<f64> = (0..cuts.len())
        .map(|i| significance(&points, bounds[i], cuts[i], bounds[i + 2], floor).min(ps[i]))
        .collect();
    cuts.iter()
        .zip(ps)
        .enumerate()
        .map(|(i, (&at, p))| {
            let before = level(&points[bounds[i]..at]);
            let after = level(&points[at..bounds[i + 2]]);
            ChangePoint {
                at,
                before,
                after,
                change_pct: (after - before) / before * 100.0,
                p,
            }
        })
        .collect()
}

/// Moves each change point to where, between its neighbours, Student's
/// |t| is largest: the likeliest place of one step in normal noise (the
/// first search placed it over wider segments).
fn refine(points: &[f64], cuts: &mut [usize]) {
    for i in 0..cuts.len() {
        let start = if i == 0 { 0 } else { cuts[i - 1] };
        let end = cuts.get(i + 1).copied().unwrap_or(points.len());
        let t = |at: usize| {
            student(&points[start..at], &points[at..end]).map_or(0.0, |(t, _, _)| t.abs())
        };
        if let Some(best) = ((start + MIN_LABELS)..=(end - MIN_LABELS))
            .max_by(|&a, &b| t(a).total_cmp(&t(b)).then(b.cmp(&a)))
        {
            cuts[i] = best;
        }
    }
}

/// 0, the cuts, and `n`.
fn bounds(cuts: &[usize], n: usize) -> Vec<usize> {
    std::iter::once(0)
        .chain(cuts.iter().copied())
        .chain(std::iter::once(n))
        .collect()
}

/// E-Divisive's candidates, in order: each segment (first: all labels)
/// split where `q̂` is largest, again and again while both sides can
/// be split.
fn candidates(points: &[f64]) -> Vec<usize> {
    let distances = Distances::new(points);
    let mut cuts = Vec::new();
    let mut segments = vec![(0, points.len())];
    while let Some((start, end)) = segments.pop() {
        if end - start < 2 * MIN_LABELS {
            continue;
        }
        let best = ((start + MIN_LABELS)..=(end - MIN_LABELS)).max_by(|&a, &b| {
            distances
                .q_hat(start, a, end)
                .total_cmp(&distances.q_hat(start, b, end))
                // Ties go to the earlier split.
                .then(b.cmp(&a))
        });
        if let Some(at) = best {
            cuts.push(at);
            segments.push((start, at));
            segments.push((at, end));
        }
    }
    cuts.sort_unstable();
    cuts
}

/// Student's p of the points on either side of `at` (back to `start`, up
/// to `end`), times the splits `start..end` allows (at most 1); 1 when the
/// sides' levels differ by no more than the floor or by less than
/// [`MIN_STEP_PCT`] %.
fn significance(points: &[f64], start: usize, at: usize, end: usize, floor: f64) -> f64 {
    let (left, right) = (&points[start..at], &points[at..end]);
    let tried = (end - start + 1).saturating_sub(2 * MIN_LABELS).max(1) as f64;
    let (before, after) = (level(left), level(right));
    let step = (after - before).abs();
    match student(left, right) {
        Some((_, _, p)) if step > floor && step >= MIN_STEP_PCT / 100.0 * before.abs() => {
            (p * tried).min(1.0)
        }
        _ => 1.0,
    }
}

/// The median of log points, back in the metric's unit.
fn level(points: &[f64]) -> f64 {
    crate::common::stats::median_f64(&mut points.to_vec())
        .unwrap_or(f64::NAN)
        .exp()
}

/// Sums of pairwise distances `|xᵢ − xⱼ|` over blocks of labels, in
/// `O(1)` each from a 2-D prefix sum.
struct Distances {
    n: usize,
    /// `prefix[i·(n+1) + j]`: the sum of `|x_k − x_l|` over `k < i`, `l < j`.
    prefix: Vec<f64>,
}

impl Distances {
    fn new(x: &[f64]) -> Self {
        let n = x.len();
        let mut prefix = vec![0.0; (n + 1) * (n + 1)];
        for i in 0..n {
            let mut row = 0.0;
            for j in 0..n {
                row += (x[i] - x[j]).abs();
                prefix[(i + 1) * (n + 1) + j + 1] = prefix[i * (n + 1) + j + 1] + row;
            }
        }
        Self { n, prefix }
    }

    /// The sum over rows `a..b` and columns `c..d`.
    fn block(&self, a: usize, b: usize, c: usize, d: usize) -> f64 {
        let w = self.n + 1;
        self.prefix[b * w + d] - self.prefix[a * w + d] - self.prefix[b * w + c]
            + self.prefix[a * w + c]
    }

    /// The mean distance within `a..b` (0 for a single label).
    fn within(&self, a: usize, b: usize) -> f64 {
        let m = (b - a) as f64;
        if m < 2.0 {
            0.0
        } else {
            self.block(a, b, a, b) / (m * (m - 1.0))
        }
    }

    /// E-Divisive's `q̂` of splitting `start..end` at `at`.
    fn q_hat(&self, start: usize, at: usize, end: usize) -> f64 {
        let (m, n) = ((at - start) as f64, (end - at) as f64);
        let between = self.block(start, at, at, end) / (m * n);
        m * n / (m + n) * (2.0 * between - self.within(start, at) - self.within(at, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels at `levels`, three repeats each (±1 %).
    fn labels(levels: &[f64]) -> Vec<Vec<f64>> {
        levels
            .iter()
            .map(|&l| vec![l * 0.99, l, l * 1.01])
            .collect()
    }

    fn steps(parts: &[(usize, f64)]) -> Vec<f64> {
        parts
            .iter()
            .flat_map(|&(n, level)| std::iter::repeat_n(level, n))
            .collect()
    }

    /// A little label-to-label noise, so the t-test has a spread.
    fn jitter(levels: &mut [f64]) {
        for (i, l) in levels.iter_mut().enumerate() {
            *l *= 1.0 + [0.0, 0.01, -0.01, 0.005, -0.005][i % 5];
        }
    }

    #[test]
    fn one_step_is_one_change_point_at_its_label() {
        let mut levels = steps(&[(10, 10e6), (10, 12e6)]);
        jitter(&mut levels);
        let found = change_points(&labels(&levels), 5_000.0);
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        assert_eq!(c.at, 10);
        assert!((c.change_pct - 20.0).abs() < 2.0, "{c:?}");
        assert!(c.p <= ALPHA && c.confidence_pct() >= 99.0);
    }

    #[test]
    fn two_steps_are_found_and_sized_between_their_neighbours() {
        let mut levels = steps(&[(8, 10e6), (8, 13e6), (8, 10e6)]);
        jitter(&mut levels);
        let found = change_points(&labels(&levels), 5_000.0);
        let at: Vec<usize> = found.iter().map(|c| c.at).collect();
        assert_eq!(at, [8, 16], "{found:?}");
        assert!(found[0].change_pct > 25.0 && found[1].change_pct < -20.0);
    }

    #[test]
    fn a_flat_series_has_none() {
        let mut levels = steps(&[(30, 10e6)]);
        jitter(&mut levels);
        assert!(change_points(&labels(&levels), 5_000.0).is_empty());
        // Constant, too short, or under the floor: none either.
        assert!(change_points(&labels(&[1e6; 20]), 5_000.0).is_empty());
        assert!(change_points(&labels(&[1e6, 2e6, 3e6]), 5_000.0).is_empty());
        let mut tiny = steps(&[(10, 1_000.0), (10, 4_000.0)]);
        jitter(&mut tiny);
        assert!(change_points(&labels(&tiny), 5_000.0).is_empty());
    }

    #[test]
    fn the_block_sums_match_a_direct_sum() {
        let x = [0.3, 1.0, -2.0, 0.5, 4.0];
        let d = Distances::new(&x);
        let direct: f64 = (1..3)
            .flat_map(|i| (2..5).map(move |j| (x[i] - x[j]).abs()))
            .sum();
        assert!((d.block(1, 3, 2, 5) - direct).abs() < 1e-12);
    }
}

#[cfg(test)]
mod self_test;
