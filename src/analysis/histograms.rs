//! HdrHistograms of poll durations, scheduling delays and sample gaps
//! (histograms.csv).

use hdrhistogram::Histogram;

use crate::common::spelling::spelled_enum;
use crate::trace::{FutureTrace, RunTrace};

/// What a histogram measures, ns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// `end - start` of each poll.
    PollDuration,
    /// `start - woken` of each poll that had a wake since the previous poll
    /// began: tokio-metrics' "scheduled duration". It depends on the flavor:
    /// `yield_now` wakes at once when called on the `block_on` thread of a
    /// multi_thread runtime (so the delay spans the rest of the poll and the
    /// wait for the next), but elsewhere tokio defers the wake until the task
    /// is back in the scheduler (so the delay is only the queueing). Use
    /// [`Metric::SampleGap`] for a flavor-independent measure of waiting.
    SchedDelay,
    /// `start` of a sample minus `end` of the previous sample of the same
    /// future: how long the producer waited between two of its steps.
    SampleGap,
    /// A sample's value, read as µs, in ns: a service's round trip,
    /// lateness, end-to-end latency or wait, or a library user's own
    /// value; none for producers and spans (see `FutureKind::has_values`).
    Value,
}

spelled_enum!(pub Metric, "metric", {
    PollDuration => "poll_duration",
    SchedDelay => "sched_delay",
    SampleGap => "sample_gap",
    Value => "value",
});

impl Metric {
    /// The metric's values for one future, in recording order.
    pub fn values(self, future: &FutureTrace) -> Vec<u64> {
        match self {
            Metric::PollDuration => future.polls.iter().map(|p| p.duration_ns()).collect(),
            Metric::SchedDelay => future
                .polls
                .iter()
                .filter_map(|p| p.woken_ns().map(|w| p.start_ns.saturating_sub(w)))
                .collect(),
            Metric::SampleGap => future
                .samples
                .windows(2)
                .map(|w| w[1].start_ns.saturating_sub(w[0].end_ns))
                .collect(),
            Metric::Value if future.kind.has_values() => future
                .samples
                .iter()
                .map(|s| (s.value.max(0.0) * 1e3).round() as u64)
                .collect(),
            Metric::Value => Vec::new(),
        }
    }
}

/// One metric's distribution for one future (or `*`: all of the run's).
#[derive(Debug, Clone)]
pub(crate) struct MetricHistogram {
    /// The future's name, or `*`.
    pub future: String,
    /// What was measured.
    pub metric: Metric,
    /// The recorded values (3 significant digits).
    pub histogram: Histogram<u64>,
}

/// One row of HdrHistogram's percentile distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct QuantileRow {
    /// Percentile level iterated to, 0–100.
    pub percentile: f64,
    /// The value at that percentile, ns.
    pub value_ns: u64,
    /// Recorded values ≤ `value_ns` (cumulative).
    pub count: u64,
}

impl MetricHistogram {
    /// The percentile distribution (`iter_quantiles` with 5 steps per half
    /// distance, HdrHistogram's usual output), ending at 100.
    pub(crate) fn quantile_rows(&self) -> Vec<QuantileRow> {
        let mut cumulative = 0;
        self.histogram
            .iter_quantiles(5)
            .map(|step| {
                cumulative = u64::saturating_add(cumulative, step.count_since_last_iteration());
                QuantileRow {
                    percentile: step.quantile_iterated_to() * 100.0,
                    value_ns: step.value_iterated_to(),
                    count: cumulative,
                }
            })
            .collect()
    }
}

/// A 3-significant-digit histogram of `values`, sized to their largest
/// (so its memory follows the values, not a fixed hour-long range).
pub(crate) fn histogram_of(values: &[u64]) -> Histogram<u64> {
    let max = values.iter().copied().max().unwrap_or(1);
    let mut histogram = Histogram::new_with_bounds(1, max.max(2), 3).expect("bounds are valid");
    for &v in values {
        histogram.saturating_record(v);
    }
    histogram
}

/// Every metric for every future, then for `*` (all futures of the run),
/// built one at a time and handed to `each` (metrics without values are
/// left out), so only one histogram is alive at once.
pub(crate) fn for_each_of_run(trace: &RunTrace, mut each: impl FnMut(MetricHistogram)) {
    for metric in Metric::ALL {
        let mut all = Vec::new();
        for future in &trace.futures {
            let values = metric.values(future);
            if values.is_empty() {
                continue;
            }
            each(MetricHistogram {
                future: future.name.clone(),
                metric,
                histogram: histogram_of(&values),
            });
            all.extend(values);
        }
        if !all.is_empty() {
            each(MetricHistogram {
                future: "*".to_string(),
                metric,
                histogram: histogram_of(&all),
            });
        }
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn histograms_metrichistogram_quantile_rows() {
        use crate::analysis::{Metric, histograms::MetricHistogram};
        let mut histogram =
            hdrhistogram::Histogram::<u64>::new_with_bounds(1, 1_000_000, 3).unwrap();
        for v in 1..=100 {
            histogram.record(v).unwrap();
        }
        let h = MetricHistogram {
            future: "*".into(),
            metric: Metric::PollDuration,
            histogram,
        };
        let rows = h.quantile_rows();
        let last = rows.last().unwrap();
        assert_eq!(
            (last.percentile, last.value_ns, last.count),
            (100.0, 100, 100)
        );
        assert!(rows.windows(2).all(|w| w[0].count <= w[1].count));
    }
}
