//! The one definition of each statistic pollscope prints: every CSV column,
//! finding, comparison, chart and summary line computes its quantiles and
//! medians here, so two parts of a report never disagree about a p99.
//!
//! A quantile is the nearest rank, never interpolated, so it is always one of
//! the values; the median is that quantile at 0.5, the lower middle of an
//! even count.

/// The nearest-rank quantile `q` (0–1) of `sorted` (ascending): the
/// smallest value such that at least `q × n` of the values are ≤ it, i.e.
/// the value of rank `⌈q × n⌉` (at least 1). `None` when empty.
///
/// The median (`q = 0.5`) of an even count is the lower of the middle pair;
/// p99 of 100 values is the 99th smallest.
pub(crate) fn quantile_sorted<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (q.clamp(0.0, 1.0) * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

/// The nearest-rank quantile (rank ⌈q × n⌉) of `values`, which it sorts.
pub fn quantile(values: &mut [u64], q: f64) -> Option<u64> {
    values.sort_unstable();
    quantile_sorted(values, q)
}

/// The median of `values`, which it sorts: [`quantile`] at 0.5, the lower
/// middle of an even count.
pub(crate) fn median(values: &mut [u64]) -> Option<u64> {
    quantile(values, 0.5)
}

/// The median of real numbers (repeats of a metric), by the same rule as
/// [`median`]; NaNs sort last.
pub(crate) fn median_f64(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    quantile_sorted(values, 0.5)
}

/// p50, p99 and maximum of a set of durations, ns (nearest rank, exact).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Maximum.
    pub max: u64,
}

impl Summary {
    /// The summary of `values` (sorted in place); `None` when empty.
    pub fn of(values: &mut [u64]) -> Option<Self> {
        values.sort_unstable();
        Some(Self {
            p50: quantile_sorted(values, 0.5)?,
            p99: quantile_sorted(values, 0.99)?,
            max: *values.last()?,
        })
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn quantile_sorted() {
        use crate::common::stats::quantile_sorted;
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile_sorted(&v, 0.5), Some(50));
        assert_eq!(quantile_sorted(&v, 0.99), Some(99));
        assert_eq!(quantile_sorted(&v, 1.0), Some(100));
        assert_eq!(quantile_sorted(&v, 0.0), Some(1));
        assert_eq!(quantile_sorted(&[7, 9], 0.5), Some(7));
        assert_eq!(quantile_sorted::<u64>(&[], 0.5), None);
    }

    #[test]
    fn median() {
        use crate::common::stats::median;
        assert_eq!(median(&mut [4, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn median_f64() {
        assert_eq!(
            crate::common::stats::median_f64(&mut [3.0, 1.0, 2.0, 10.0]),
            Some(2.0)
        );
    }

    #[test]
    fn summary_of() {
        let mut v: Vec<u64> = (1..=200).rev().collect();
        let s = crate::common::stats::Summary::of(&mut v).unwrap();
        assert_eq!((s.p50, s.p99, s.max), (100, 198, 200));
    }
}
