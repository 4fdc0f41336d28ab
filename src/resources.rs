//! What a run will need from the machine, checked before it starts: memory
//! for its events and threads for its workers.

use crate::error::{Error, Result};
use crate::probe::{PollRecord, SampleRecord};
use crate::producer::expected_polls;
use crate::scenario::Scenario;

/// What a matrix will hold in memory, estimated before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemoryEstimate {
    /// Events (polls and samples) the runs are sized for.
    pub events: u128,
    /// Bytes: every run's probe buffers, which become its trace in place
    /// (40 bytes per event; results are kept until the folder is written),
    /// plus a fixed share per future.
    pub bytes: u128,
}

/// Bytes per future besides its events: its task, name, buffers' headers
/// and statistics (measured: about 1 KB; rounded up).
const BYTES_PER_FUTURE: u128 = 2048;

/// The memory `plans` need ([`MemoryEstimate`]). Saturates instead of
/// overflowing, so absurd requests estimate as absurdly large.
pub(crate) fn memory_estimate<'a>(
    scenarios: impl IntoIterator<Item = &'a Scenario>,
) -> MemoryEstimate {
    let record =
        (std::mem::size_of::<PollRecord>().max(std::mem::size_of::<SampleRecord>())) as u128;
    let (mut events, mut bytes) = (0u128, 0u128);
    for scenario in scenarios {
        let mut run_events = 0u128;
        for future in &scenario.futures {
            let samples = scenario.samples_of(future);
            let polls = expected_polls(future, samples) as u128;
            run_events = run_events.saturating_add(polls.saturating_add(u128::from(samples)));
        }
        let fixed = BYTES_PER_FUTURE.saturating_mul(scenario.futures.len() as u128);
        events = events.saturating_add(run_events);
        bytes = bytes.saturating_add(run_events.saturating_mul(record).saturating_add(fixed));
    }
    MemoryEstimate { events, bytes }
}

/// The memory this machine has available now (`MemAvailable` of
/// /proc/meminfo), where known.
pub(crate) fn available_memory() -> Option<u128> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn gigabytes(bytes: u128) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

/// Refuses (bad input, naming the estimate) a matrix whose memory estimate
/// exceeds `available` bytes.
pub(crate) fn check_memory<'a>(
    scenarios: impl IntoIterator<Item = &'a Scenario>,
    available: Option<u128>,
) -> Result<()> {
    let scenarios: Vec<&Scenario> = scenarios.into_iter().collect();
    let estimate = memory_estimate(scenarios.iter().copied());
    match available {
        Some(available) if estimate.bytes > available => Err(Error::bad_input(format!(
            "the runs need about {} of memory ({} run(s), {} events) but {} is available: use fewer --samples, --tasks or runs",
            gigabytes(estimate.bytes),
            scenarios.len(),
            estimate.events,
            gigabytes(available)
        ))),
        _ => Ok(()),
    }
}

/// Refuses worker counts the system cannot give threads to (the kernel's
/// `threads-max` and `pid_max`), before anything runs.
pub(crate) fn check_threads<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> Result<()> {
    let limit = ["/proc/sys/kernel/threads-max", "/proc/sys/kernel/pid_max"]
        .iter()
        .filter_map(|path| {
            std::fs::read_to_string(path)
                .ok()?
                .trim()
                .parse::<usize>()
                .ok()
        })
        .min();
    let most = scenarios
        .into_iter()
        .map(|s| s.runtime.effective_workers())
        .max()
        .unwrap_or(0);
    match limit {
        Some(limit) if most >= limit => Err(Error::bad_input(format!(
            "--workers {most} asks for more threads than this system allows ({limit}, kernel.threads-max / kernel.pid_max)"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn memory_estimate() {
        use crate::matrix::{Matrix, ScenarioSource};
        use crate::resources::memory_estimate;
        let matrix = Matrix {
            params: crate::scenario::JourneyParams {
                samples: 1000,
                ..Default::default()
            },
            ..Default::default()
        };
        let plans = matrix
            .plan(&[ScenarioSource::builtin("two_futures").unwrap()])
            .unwrap();
        let estimate = memory_estimate(plans.iter().map(|p| &p.scenario));
        assert!(estimate.events >= 4_000 && estimate.bytes < 1_000_000);
    }

    #[test]
    fn check_memory() {
        use crate::matrix::{Matrix, ScenarioSource};
        use crate::resources::check_memory;
        let matrix = Matrix {
            params: crate::scenario::JourneyParams {
                samples: u32::MAX,
                ..Default::default()
            },
            ..Default::default()
        };
        let plans = matrix
            .plan(&[ScenarioSource::builtin("two_futures").unwrap()])
            .unwrap();
        let refused = check_memory(plans.iter().map(|p| &p.scenario), Some(24_000_000_000))
            .unwrap_err()
            .to_string();
        assert!(refused.contains("GB"), "{refused}");
    }
}
