//! What a run will need from the machine, checked before it starts: memory
//! for its events, threads for its workers, file descriptors for its
//! sockets, and time.

use crate::error::{Error, Result};
use crate::probe::{PollRecord, SampleRecord};
use crate::run::producer::expected_polls;
use crate::scenario::Scenario;

/// What a matrix will hold in memory, estimated before it runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// What runs need, estimated from their scenarios' counts alone (see
/// [`crate::run::matrix::Matrix::estimate`]): saturating, so absurd
/// requests estimate as absurdly large instead of overflowing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Estimate {
    /// Runs.
    pub runs: u128,
    /// Futures over all runs.
    pub futures: u128,
    /// Memory ([`MemoryEstimate`]).
    pub memory: MemoryEstimate,
    /// The least time the runs take one after another: each run's slowest
    /// future's `samples × cost` ([`check_duration`]), ns.
    pub least_ns: u128,
}

impl Estimate {
    /// One run of `scenario`.
    pub(crate) fn of(scenario: &Scenario) -> Self {
        Self {
            runs: 1,
            futures: scenario.futures.len() as u128,
            memory: memory_estimate([scenario]),
            least_ns: slowest_future(scenario).map_or(0, |(ns, _)| ns),
        }
    }

    /// The sum of two estimates.
    pub(crate) fn plus(&self, other: &Self) -> Self {
        Self {
            runs: self.runs.saturating_add(other.runs),
            futures: self.futures.saturating_add(other.futures),
            memory: MemoryEstimate {
                events: self.memory.events.saturating_add(other.memory.events),
                bytes: self.memory.bytes.saturating_add(other.memory.bytes),
            },
            least_ns: self.least_ns.saturating_add(other.least_ns),
        }
    }

    /// `n` times this estimate.
    pub(crate) fn times(&self, n: u128) -> Self {
        Self {
            runs: self.runs.saturating_mul(n),
            futures: self.futures.saturating_mul(n),
            memory: MemoryEstimate {
                events: self.memory.events.saturating_mul(n),
                bytes: self.memory.bytes.saturating_mul(n),
            },
            least_ns: self.least_ns.saturating_mul(n),
        }
    }

    /// A run at `tasks` tasks, from this run at one task and `two` at two
    /// (futures, events and memory grow linearly with the task count; the
    /// slowest future does not change).
    pub(crate) fn extrapolate(&self, two: &Self, tasks: u32) -> Self {
        let more = u128::from(tasks.saturating_sub(1));
        let grow =
            |one: u128, two: u128| one.saturating_add(two.saturating_sub(one).saturating_mul(more));
        Self {
            runs: self.runs,
            futures: grow(self.futures, two.futures),
            memory: MemoryEstimate {
                events: grow(self.memory.events, two.memory.events),
                bytes: grow(self.memory.bytes, two.memory.bytes),
            },
            least_ns: self.least_ns.max(two.least_ns),
        }
    }
}

/// Bytes a planned run holds before it starts (its configured scenario:
/// about 150 bytes per future, rounded up).
const PLANNED_BYTES_PER_FUTURE: u128 = 256;

/// Refuses (bad input, naming the figure) a matrix too large to plan:
/// more memory than `available` for its events and plans, or longer than
/// [`LONGEST_RUNS`]; checked on an [`Estimate`] before anything is built.
pub(crate) fn check_estimate(estimate: &Estimate, available: Option<u128>) -> Result<()> {
    let bytes = estimate
        .memory
        .bytes
        .saturating_add(estimate.futures.saturating_mul(PLANNED_BYTES_PER_FUTURE));
    if let Some(available) = available
        && bytes > available
    {
        return Err(Error::bad_input(format!(
            "the runs need about {} of memory ({} run(s), {} futures, {} events) but {} is available{}: use fewer --samples, --tasks, --repeat or runs",
            gigabytes(bytes),
            estimate.runs,
            estimate.futures,
            estimate.memory.events,
            gigabytes(available),
            crate::common::machine::memory_limit_note()
        )));
    }
    if estimate.least_ns > LONGEST_RUNS.as_nanos() {
        return Err(Error::bad_input(format!(
            "the {} run(s) would take at least {} (samples × cost of each run's slowest future), over the {} limit: use smaller costs, fewer --samples or fewer --repeat",
            estimate.runs,
            hours(estimate.least_ns),
            hours(LONGEST_RUNS.as_nanos()),
        )));
    }
    Ok(())
}

/// A scenario's slowest future: `samples × cost` in ns, and its name.
fn slowest_future(scenario: &Scenario) -> Option<(u128, String)> {
    scenario
        .futures
        .iter()
        .map(|f| {
            let ns = f
                .cost
                .as_nanos()
                .saturating_mul(u128::from(scenario.samples_of(f)));
            (ns, format!("{} of {}", f.name, scenario.name))
        })
        .max_by_key(|(ns, _)| *ns)
}

/// Bytes a result folder takes per recorded event (a poll or a sample),
/// measured: 600,000 samples (1.2 million events) made a 724 MB folder
/// with plots (about 600 bytes per event: its CSV rows, its trace.json and
/// trace.pftrace events); without plots, its CSV rows alone (about 250).
const DISK_BYTES_PER_EVENT: u128 = 620;
const DISK_BYTES_PER_EVENT_NO_PLOTS: u128 = 260;

/// The result folder size past which `run` warns before starting: 1 GB.
pub(crate) const DISK_WARNING_BYTES: u128 = 1_000_000_000;

/// A warning when the result folder of `estimate` will be large (past
/// [`DISK_WARNING_BYTES`]) or larger than the `free` space where it goes.
pub(crate) fn disk_warning(estimate: &Estimate, plots: bool, free: Option<u128>) -> Option<String> {
    let per_event = if plots {
        DISK_BYTES_PER_EVENT
    } else {
        DISK_BYTES_PER_EVENT_NO_PLOTS
    };
    let bytes = estimate.memory.events.saturating_mul(per_event);
    match free {
        Some(free) if bytes > free => Some(format!(
            "the result folder will take about {} on disk, and only {} is free there: the write will likely fail (the run is not kept); use fewer --samples, or --no-plots",
            size(bytes),
            size(free)
        )),
        _ if bytes > DISK_WARNING_BYTES => Some(format!(
            "the result folder will take about {} on disk ({} events){}",
            size(bytes),
            estimate.memory.events,
            if plots {
                "; --no-plots makes it smaller"
            } else {
                ""
            }
        )),
        _ => None,
    }
}

/// The space free to this user on the file system that holds `path` (or
/// its nearest existing ancestor), where the system says.
pub(crate) fn free_disk(path: &std::path::Path) -> Option<u128> {
    use std::os::unix::ffi::OsStrExt;
    let existing = path
        .ancestors()
        .find(|a| a.as_os_str().is_empty() || a.exists())?;
    let existing = if existing.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        existing
    };
    let c_path = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    // SAFETY: `statvfs` is plain data, for which all zeroes is a value.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: statvfs writes only the struct it is given; the path is a
    // valid NUL-terminated string for the call.
    let ok = unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } == 0;
    // A pseudo file system (/proc, /sys) has no blocks: nothing to say.
    #[allow(clippy::unnecessary_cast)]
    (ok && stat.f_blocks > 0)
        .then(|| u128::from(stat.f_bavail as u64) * u128::from(stat.f_frsize as u64))
}

/// The memory this process may still use ([`crate::common::machine`]).
pub(crate) use crate::common::machine::available_memory;

/// `bytes` in MB below a gigabyte, else in GB.
fn size(bytes: u128) -> String {
    if bytes < 1_000_000 {
        format!("{:.0} kB", bytes as f64 / 1e3)
    } else if bytes < 1_000_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        gigabytes(bytes)
    }
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
            "the runs need about {} of memory ({} run(s), {} events) but {} is available{}: use fewer --samples, --tasks or runs",
            gigabytes(estimate.bytes),
            scenarios.len(),
            estimate.events,
            gigabytes(available),
            crate::common::machine::memory_limit_note()
        ))),
        _ => Ok(()),
    }
}

/// The longest a matrix may be sure to take before pollscope refuses it as
/// a likely typo (`--light-cost 100000s`): a day.
pub(crate) const LONGEST_RUNS: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Refuses (bad input, naming the deciding future) a matrix that cannot
/// finish within [`LONGEST_RUNS`]: each run takes at least its slowest
/// future's `samples × cost`, since a future's steps run one after another
/// (bound (a) of `runs.csv`'s `lower_bound_us`).
pub(crate) fn check_duration<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> Result<()> {
    let mut total = 0u128;
    let mut slowest: Option<(u128, String)> = None;
    for scenario in scenarios {
        let Some((ns, name)) = slowest_future(scenario) else {
            continue;
        };
        total = total.saturating_add(ns);
        if slowest.as_ref().is_none_or(|(most, _)| ns > *most) {
            slowest = Some((ns, name));
        }
    }
    match slowest {
        Some((ns, name)) if total > LONGEST_RUNS.as_nanos() => Err(Error::bad_input(format!(
            "the runs would take at least {} ({name} alone needs {}: samples × cost), over the {} limit: use smaller costs or fewer --samples",
            hours(total),
            hours(ns),
            hours(LONGEST_RUNS.as_nanos()),
        ))),
        _ => Ok(()),
    }
}

fn hours(ns: u128) -> String {
    format!("{:.1} h", ns as f64 / 3.6e12)
}

/// File descriptors a run needs besides its clients' sockets (measured:
/// 8 at most in a built-in run without sockets, `two_futures`: the
/// standard streams, the runtime's epoll and wakers; `tcp_echo --tasks 1`
/// peaks at 10, with its listener and one client's two sockets), plus a
/// margin for the result file being written.
const BASE_FILES: u64 = 12;

/// Refuses (bad input) a matrix whose loopback connections need more file
/// descriptors than this process may open (`ulimit -n`): each `tcp_echo`
/// client holds two sockets, its own and the server's end.
pub(crate) fn check_files<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> Result<()> {
    let Some((clients, name)) = scenarios
        .into_iter()
        .map(|s| {
            let clients = s
                .futures
                .iter()
                .filter(|f| f.role == crate::scenario::Role::EchoClient)
                .count() as u64;
            (clients, s.name.as_str())
        })
        .max_by_key(|(clients, _)| *clients)
    else {
        return Ok(());
    };
    let needed = 2 * clients + BASE_FILES;
    match open_files_limit() {
        Some(limit) if clients > 0 && needed > limit => Err(Error::bad_input(format!(
            "{name} with {clients} clients needs about {needed} file descriptors but this process may open {limit} (ulimit -n): use fewer --tasks"
        ))),
        _ => Ok(()),
    }
}

/// The soft limit on open files, where the system says.
fn open_files_limit() -> Option<u64> {
    rlimit(libc::RLIMIT_NOFILE)
}

use crate::common::machine::rlimit;

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
        Some(limit) if most >= limit => {
            return Err(Error::bad_input(format!(
                "--workers {most} asks for more threads than this system allows ({limit}, kernel.threads-max / kernel.pid_max)"
            )));
        }
        _ => {}
    }
    // Each worker reserves a stack in the address space: under a limit
    // (`ulimit -v`) that cannot hold them, thread creation would fail
    // part-way, and allocations with it, anywhere in the process.
    let needed = (most as u64)
        .saturating_mul(WORKER_STACK_BYTES)
        .saturating_add(BASE_ADDRESS_SPACE_BYTES);
    match address_space_limit() {
        Some(limit) if needed > limit => Err(Error::bad_input(format!(
            "--workers {most} needs about {} of address space for thread stacks but this process may map {} (ulimit -v): use fewer workers",
            gigabytes(u128::from(needed)),
            gigabytes(u128::from(limit))
        ))),
        _ => Ok(()),
    }
}

/// Address space a worker thread reserves: tokio's 2 MiB stack and its
/// guard page, rounded up.
const WORKER_STACK_BYTES: u64 = 2 << 20;

/// Address space the process needs besides worker stacks (binary, heap,
/// the runtime's other threads), rounded up.
const BASE_ADDRESS_SPACE_BYTES: u64 = 512 << 20;

/// The soft limit on the address space (`ulimit -v`), where one is set.
fn address_space_limit() -> Option<u64> {
    rlimit(libc::RLIMIT_AS)
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn memory_estimate() {
        use crate::run::matrix::{Matrix, ScenarioSource};
        use crate::run::resources::memory_estimate;
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
    fn check_duration() {
        use crate::run::matrix::{Matrix, ScenarioSource};
        use crate::run::resources::check_duration;
        let plan = |light_cost| {
            let matrix = Matrix {
                params: crate::scenario::JourneyParams {
                    light_cost,
                    ..Default::default()
                },
                ..Default::default()
            };
            matrix
                .plan(&[ScenarioSource::builtin("two_futures").unwrap()])
                .unwrap()
        };
        let plans = plan(std::time::Duration::from_secs(100_000));
        let refused = check_duration(plans.iter().map(|p| &p.scenario))
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("limit") && refused.contains(" h"),
            "{refused}"
        );
        let plans = plan(std::time::Duration::from_millis(1));
        assert!(check_duration(plans.iter().map(|p| &p.scenario)).is_ok());
    }

    #[test]
    fn check_files() {
        use crate::run::matrix::{Matrix, ScenarioSource};
        use crate::run::resources::{check_files, open_files_limit};
        let plan = |tasks| {
            let matrix = Matrix {
                params: crate::scenario::JourneyParams {
                    tasks,
                    samples: 1,
                    ..Default::default()
                },
                ..Default::default()
            };
            matrix
                .plan(&[ScenarioSource::builtin("tcp_echo").unwrap()])
                .unwrap()
        };
        assert!(check_files(plan(2).iter().map(|p| &p.scenario)).is_ok());
        // One client more than the limit allows (where it is known and small).
        if let Some(limit) = open_files_limit().filter(|&l| l < 1_000_000) {
            let plans = plan((limit / 2) as u32 + 1);
            let refused = check_files(plans.iter().map(|p| &p.scenario))
                .unwrap_err()
                .to_string();
            assert!(refused.contains("ulimit -n"), "{refused}");
        }
    }

    #[test]
    fn check_memory() {
        use crate::run::matrix::{Matrix, ScenarioSource};
        use crate::run::resources::check_memory;
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
