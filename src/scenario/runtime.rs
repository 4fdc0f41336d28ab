//! The runtime a scenario runs on: executor, flavor, thread counts and
//! tokio's scheduling knobs.

use super::cores;
use super::settings::TokioKnobs;
use crate::common::spelling::spelled_enum;

/// tokio's runtime flavor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Flavor {
    /// Worker threads plus the `block_on` thread.
    #[default]
    MultiThread,
    /// Everything async on the `block_on` thread.
    CurrentThread,
}

spelled_enum!(pub Flavor, "flavor", {
    MultiThread => "multi_thread",
    CurrentThread => "current_thread",
});

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
    /// tokio's scheduling knobs (unset: tokio's defaults).
    pub tokio: TokioKnobs,
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
    /// set, in DESIGN.md's order: `-smol`, then [`TokioKnobs::id_suffix`]
    /// (empty for tokio at its defaults).
    ///
    /// ```
    /// use pollscope::{Executor, RuntimeSpec, TokioKnob, TokioKnobs};
    ///
    /// let tuned = RuntimeSpec {
    ///     tokio: TokioKnobs::default().with(TokioKnob::GlobalQueueInterval, 7).with(TokioKnob::ThreadKeepAlive, 50_000_000),
    ///     ..Default::default()
    /// };
    /// assert_eq!(tuned.id_suffix(), "-gqi7-ka50ms");
    /// let smol = RuntimeSpec { executor: Executor::Smol, ..Default::default() };
    /// assert_eq!(smol.id_suffix(), "-smol");
    /// ```
    pub fn id_suffix(&self) -> String {
        let executor = match self.executor {
            Executor::Smol => "-smol",
            Executor::Tokio => "",
        };
        format!("{executor}{}", self.tokio.id_suffix())
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Executor {
    /// tokio's runtime (flavor, workers and knobs as set).
    #[default]
    Tokio,
    /// smol's `async-executor`, run by `workers` threads, with the
    /// `blocking` crate's pool for `spawn_blocking` and `async-io` for
    /// sockets and timers.
    Smol,
}

spelled_enum!(pub Executor, "executor", {
    Tokio => "tokio",
    Smol => "smol",
});
