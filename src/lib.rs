//! pollscope shows and measures how the tokio runtime schedules futures,
//! tasks and blocking work: it records every poll and every computed sample
//! of instrumented futures and writes them as a result folder of CSV files,
//! findings, traces, pictures and a report.
//!
//! The crate follows its data, one stage per (private) module: a
//! [`Scenario`] (what to run; built-in ones, [`builtin`], name the claims
//! they make) → [`run`] (a fresh runtime, instrumented producers) → a
//! [`RunTrace`] (configuration, environment, polls, samples, threads) →
//! [`analyze`] (statistics, bounds) → [`findings`] (the claims judged) →
//! [`publish`] (the result folder, one exporter per output). A library
//! [`Session`] puts your own futures on the same timeline.
//!
//! ```
//! use std::time::Duration;
//!
//! let params = pollscope::JourneyParams { samples: 20, light_cost: Duration::from_micros(10), ..Default::default() };
//! let scenario = pollscope::builtin("two_futures", &params).unwrap();
//! let trace = pollscope::run(&scenario, 0).unwrap();
//! assert_eq!(trace.futures.len(), 2);
//! assert!(trace.futures.iter().all(|f| f.samples.len() == 20));
//! ```
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms,
    clippy::undocumented_unsafe_blocks,
    unnameable_types
)]
// Without the command line, its helpers in the shared stages (noise
// warnings, terminal summaries, signal handling) go unused; the default
// build, which has them all, still reports dead code.
#![cfg_attr(not(feature = "cli"), allow(dead_code, unused_imports))]

#[cfg(all(feature = "task-hooks", not(tokio_unstable)))]
compile_error!(
    "pollscope's `task-hooks` feature needs tokio's unstable task hooks: build with RUSTFLAGS=\"--cfg tokio_unstable\""
);

mod analysis;
#[cfg(feature = "cli")]
mod check;
#[cfg(feature = "cli")]
mod cli;
mod common;
#[cfg(feature = "cli")]
mod compare;
mod error;
mod export;
mod findings;
#[cfg(feature = "cli")]
mod history;
#[cfg(feature = "cli")]
mod merge;
mod probe;
mod publish;
#[cfg(feature = "pictures")]
mod render;
mod run;
mod scenario;
mod session;
mod trace;

// Your own futures on the timeline.
pub use probe::Instrumented;
pub use session::{
    MeasureOptions, Probed, Repeat, Session, SessionOptions, measure, sample, sample_duration,
};

// What to run, and running it.
pub use run::cost::Cost;
pub use run::{RunOptions, run, run_with};
pub use scenario::experiment::{load as load_experiment, parse as parse_experiment};
pub use scenario::{
    BUILTINS, Builtin, CostKind, Executor, Flavor, FutureSpec, JOURNEY, JourneyParams, Origin,
    Placement, Role, RuntimeSpec, Scenario, TokioKnob, TokioKnobs, builtin, settings,
};
pub use scenario::{Bound, ClaimMetric, UserClaim};
pub use trace::{IDLE_FLOOR_PCT, Interference, OTHER_CPU_LIMIT_PCT, STEAL_LIMIT_PCT};

// What a run recorded, and what follows from it.
pub use analysis::{
    FutureStats, Metric, RunAnalysis, RunResult, ThreadStats, Throughput, analyze, lower_bound_ns,
};
pub use common::stats::Summary;
pub use findings::{CLAIMS, Claim, Finding, Judgement, Verdict, claim, findings};
pub use probe::{ThreadInfo, ThreadKind};
pub use trace::{
    Environment, FutureKind, FutureTrace, Poll, RunConfig, RunInfo, RunTrace, RuntimeMetrics,
    Sample, TokioWorker, Versions,
};

// The result folder.
pub use error::{Error, Result};
pub use export::{ResultFolder, load_results};
#[cfg(feature = "pictures")]
pub use publish::replot;
pub use publish::{Pictures, Published, publish};
#[cfg(feature = "pictures")]
pub use render::{
    PictureOptions, SummaryAxis, TimelineView, parse_zoom, timeline_svg, write_pictures_with,
};

#[cfg(feature = "criterion")]
pub mod criterion;

/// What the command line and the benches use; not part of the API.
#[doc(hidden)]
pub mod internals {
    #[cfg(feature = "cli")]
    pub use crate::cli::main as cli_main;
    pub use crate::common::duration::{
        format_duration, parse_duration, parse_duration_or_zero, parse_keep_alive,
    };
    pub use crate::common::stats::quantile;
    pub use crate::error::{shown, shown_path};
    pub use crate::export::write_pftrace;
    pub use crate::probe::{
        FutureLog, PollRecord, Recorded, Recording, SampleRecord, clock, record_sample,
        thread_cpu_ns,
    };
    pub use crate::run::bench_matrix::{
        BenchPoint, ListKnob, bench_points, parse_list, positive, positive_env,
    };
    pub use crate::run::cost::calibration;
    pub use crate::run::{Probe, timed_run};
    pub use crate::scenario::user_claim::glob_matches;
}
