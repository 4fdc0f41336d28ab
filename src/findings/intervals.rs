//! Interval arithmetic on [start, end) spans in ns.

use crate::trace::FutureTrace;

/// A future's polls as spans, in order.
pub(crate) fn spans(f: &FutureTrace) -> Vec<(u64, u64)> {
    f.polls.iter().map(|p| (p.start_ns, p.end_ns)).collect()
}

/// Total time and number of pairs in which a span of `a` and a span of `b`
/// overlap. Both lists must be sorted by start and free of self-overlap.
pub(crate) fn overlap(a: &[(u64, u64)], b: &[(u64, u64)]) -> (usize, u64) {
    let (mut i, mut j, mut count, mut total) = (0, 0, 0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            count += 1;
            total = u64::saturating_add(total, end - start);
        }
        if a[i].1 < b[j].1 { i += 1 } else { j += 1 }
    }
    (count, total)
}

/// The most spans running at the same instant.
pub(crate) fn max_concurrency(spans: &[(u64, u64)]) -> usize {
    let mut edges: Vec<(u64, i32)> = spans.iter().flat_map(|&(s, e)| [(s, 1), (e, -1)]).collect();
    // Ends before starts at the same instant: touching spans do not overlap.
    edges.sort_unstable();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, delta) in edges {
        now += delta;
        most = most.max(now);
    }
    most as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_counts_only_shared_time() {
        assert_eq!(overlap(&[(0, 10), (20, 30)], &[(5, 25)]), (2, 10));
        assert_eq!(overlap(&[(0, 10)], &[(10, 20)]), (0, 0));
    }

    #[test]
    fn concurrency_treats_touching_spans_as_sequential() {
        assert_eq!(max_concurrency(&[(0, 10), (10, 20)]), 1);
        assert_eq!(max_concurrency(&[(0, 10), (5, 20), (6, 7)]), 3);
    }
}
