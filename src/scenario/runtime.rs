//! The runtime a scenario runs on: executor, flavor, thread counts and
//! tokio's scheduling knobs.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::cores;
use crate::common::duration::format_duration;

/// tokio's runtime flavor.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    /// Worker threads plus the `block_on` thread.
    #[default]
    MultiThread,
    /// Everything async on the `block_on` thread.
    CurrentThread,
}

impl Flavor {
    /// The flavor's name on the command line and in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::MultiThread => "multi_thread",
            Flavor::CurrentThread => "current_thread",
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Flavor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "multi_thread" => Ok(Flavor::MultiThread),
            "current_thread" => Ok(Flavor::CurrentThread),
            _ => Err(format!(
                "unknown flavor `{s}` (use multi_thread or current_thread)"
            )),
        }
    }
}

/// The runtime a scenario is run on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuntimeSpec {
    /// Runtime flavor.
    pub flavor: Flavor,
    /// Worker threads (multi_thread only); `None` = tokio's default, one per
    /// core.
    pub workers: Option<usize>,
    /// Cap of the blocking pool; `None` = tokio's default, 512.
    pub max_blocking_threads: Option<usize>,
    /// When set, `spawn_blocking` steps first take a permit from a semaphore
    /// of this size (the `bounded_blocking` scenario).
    pub blocking_permits: Option<usize>,
    /// Threads of the dedicated pool for `pool` steps; `None` = one per core.
    pub pool_threads: Option<usize>,
    /// Which executor runs the futures.
    pub executor: Executor,
    /// tokio's `global_queue_interval` (polls between checks of the global
    /// queue); `None` = tokio's default (it tunes it itself).
    pub global_queue_interval: Option<u32>,
    /// tokio's `event_interval` (polls between checks for I/O and timer
    /// events); `None` = tokio's default, 61.
    pub event_interval: Option<u32>,
    /// tokio's `thread_keep_alive` for idle blocking threads; `None` =
    /// tokio's default, 10 s.
    pub thread_keep_alive: Option<Duration>,
}

/// The `blocking` crate's default cap of its pool (smol's `unblock`).
pub(crate) const SMOL_MAX_BLOCKING_THREADS: usize = 500;

/// tokio's default cap of the blocking pool.
pub(crate) const DEFAULT_MAX_BLOCKING_THREADS: usize = 512;

impl RuntimeSpec {
    /// Worker threads the runtime will have: 1 for current_thread, else the
    /// requested count or one per core.
    pub fn effective_workers(&self) -> usize {
        match self.flavor {
            Flavor::CurrentThread => 1,
            Flavor::MultiThread => self.workers.unwrap_or_else(cores),
        }
    }

    /// The blocking pool's cap: tokio's (as set, or 512), or on smol the
    /// `blocking` crate's process-wide one (`BLOCKING_MAX_THREADS`, or
    /// 500).
    pub fn effective_max_blocking_threads(&self) -> usize {
        match self.executor {
            Executor::Tokio => self
                .max_blocking_threads
                .unwrap_or(DEFAULT_MAX_BLOCKING_THREADS),
            Executor::Smol => std::env::var("BLOCKING_MAX_THREADS")
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|&n| (1..=10_000).contains(&n))
                .unwrap_or(SMOL_MAX_BLOCKING_THREADS),
        }
    }

    /// Threads of the dedicated pool.
    pub fn effective_pool_threads(&self) -> usize {
        self.pool_threads.unwrap_or_else(cores)
    }

    /// The run id's part for the executor and the tokio knobs that are
    /// set, in DESIGN.md's order: `-smol`, `-gqi<N>`, `-ei<N>`, `-ka<dur>`
    /// (empty for tokio at its defaults).
    ///
    /// ```
    /// use pollscope::{Executor, RuntimeSpec};
    /// use std::time::Duration;
    ///
    /// let mut tuned = RuntimeSpec { global_queue_interval: Some(7), event_interval: Some(31), ..Default::default() };
    /// assert_eq!(tuned.id_suffix(), "-gqi7-ei31");
    /// tuned.thread_keep_alive = Some(Duration::from_millis(50));
    /// assert_eq!(tuned.id_suffix(), "-gqi7-ei31-ka50ms");
    /// let smol = RuntimeSpec { executor: Executor::Smol, ..Default::default() };
    /// assert_eq!(smol.id_suffix(), "-smol");
    /// ```
    pub fn id_suffix(&self) -> String {
        let mut suffix = String::new();
        if self.executor == Executor::Smol {
            suffix.push_str("-smol");
        }
        if let Some(n) = self.global_queue_interval {
            suffix.push_str(&format!("-gqi{n}"));
        }
        if let Some(n) = self.event_interval {
            suffix.push_str(&format!("-ei{n}"));
        }
        if let Some(d) = self.thread_keep_alive {
            suffix.push_str(&format!("-ka{}", format_duration(d)));
        }
        suffix
    }

    /// Whether any tokio-only knob is set (which a smol run cannot honour).
    pub fn has_tokio_knobs(&self) -> bool {
        self.global_queue_interval.is_some()
            || self.event_interval.is_some()
            || self.thread_keep_alive.is_some()
    }
}

/// Which executor runs a scenario's futures.
///
/// ```
/// use pollscope::{builtin, Executor, JourneyParams};
///
/// let params = JourneyParams { samples: 5, ..Default::default() };
/// let mut scenario = builtin("spawn_task", &params).unwrap();
/// scenario.runtime.executor = "smol".parse().unwrap();
/// assert_eq!(scenario.run_id(0), format!("spawn_task-w{}-cpu500us-smol-r0", scenario.runtime.effective_workers()));
/// let trace = pollscope::run(&scenario, 0).unwrap();
/// assert!(trace.futures.iter().all(|f| f.samples.len() == 5));
/// assert_eq!(trace.info.config.unwrap().executor, Executor::Smol);
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Executor {
    /// tokio's runtime (flavor, workers and knobs as set).
    #[default]
    Tokio,
    /// smol's `async-executor`, run by `workers` threads, with the
    /// `blocking` crate's pool for `spawn_blocking` and `async-io` for
    /// sockets and timers.
    Smol,
}

impl Executor {
    /// The executor's name on the command line and in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Executor::Tokio => "tokio",
            Executor::Smol => "smol",
        }
    }
}

impl fmt::Display for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Executor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tokio" => Ok(Executor::Tokio),
            "smol" => Ok(Executor::Smol),
            _ => Err(format!("unknown executor `{s}` (use tokio or smol)")),
        }
    }
}
