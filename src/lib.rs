//! pollscope shows and measures how the tokio runtime schedules futures,
//! tasks and blocking work.
//!
//! The crate follows its data, one stage per module:
//!
//! * [`scenario`] — what to run: a runtime setup and a list of producer
//!   futures ([`Scenario`]); the journey's five scenarios are built-in values.
//! * [`runner`] — builds a fresh runtime for a [`Scenario`], runs its
//!   instrumented producers and returns a [`RunTrace`].
//! * [`probe`] — the low-overhead recorder underneath: [`Instrumented`]
//!   futures, per-future buffers, the thread registry and the clock.
//! * [`trace`] — the raw recording of one run: polls, samples, threads.
//! * [`analysis`] — per-future and per-thread statistics, HdrHistograms,
//!   the makespan's lower bound and efficiency.
//! * [`export`] — the result folder: CSV files and trace.json, written whole
//!   or not at all, and read back.
//! * [`findings`] — the journey's claims checked on the recorded runs, and
//!   the probe's busy time checked against the kernel and tokio.
//! * [`session`] — the library API: instrument your own futures and write
//!   them to the same result folder.
//! * [`compare`] — two result folders, metric by metric, beyond the noise.
//! * [`render`] — timelines, latency and summary charts (SVG), index.html.
//!
//! ```
//! use pollscope::scenario::{journey, JourneyParams};
//! use std::time::Duration;
//!
//! let params = JourneyParams { samples: 20, light_cost: Duration::from_micros(10), ..Default::default() };
//! let scenario = journey::two_futures(&params);
//! let trace = pollscope::runner::run(&scenario, 0).unwrap();
//! assert_eq!(trace.futures.len(), 2);
//! assert!(trace.futures.iter().all(|f| f.samples.len() == 20));
//! ```
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms
)]

pub mod analysis;
#[doc(hidden)]
pub mod bench_knobs;
pub mod cli;
pub mod compare;
pub mod cost;
pub mod duration;
pub mod error;
pub mod export;
pub mod findings;
pub mod matrix;
pub mod names;
pub mod noise;
pub mod probe;
pub mod producer;
pub mod publish;
pub mod render;
pub mod resources;
pub mod runner;
pub mod scenario;
pub mod session;
pub mod stats;
pub mod trace;

pub use error::Error;
pub use probe::{Instrumented, record_sample};
pub use scenario::Scenario;
pub use session::{InstrumentExt, Session, SessionOptions, instrument, sample, span};
pub use trace::RunTrace;
