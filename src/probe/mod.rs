//! The probe: records polls, wakes and samples with two clock reads and a
//! store into a buffer owned by the future being recorded.
//!
//! * [`Recording`] — one recording session (one run): its time origin, its
//!   thread registry and the logs of the futures that finished.
//! * [`Instrumented`] — wraps a future; each poll appends one [`PollRecord`]
//!   to the wrapper's own pre-sized buffer. Nothing is locked, allocated or
//!   sent on the hot path; the buffer is handed to the recording once, when
//!   the future completes or is dropped.
//! * [`record_sample`] — called inside a poll, appends a [`SampleRecord`] to
//!   the buffer of the instrumented future being polled on this thread.
//! * [`clock`] — the CPU's time-stamp counter (via quanta), ~8 ns a read
//!   where `Instant::now()` costs ~20 ns.

pub mod clock;
mod context;
mod cpu_clock;
mod instrument;
mod recording;
mod records;
mod threads;

pub use context::record_sample;
pub(crate) use context::{in_poll, record_point, record_step};
pub use cpu_clock::thread_cpu_ns;
pub use instrument::Instrumented;
pub use recording::{FutureLog, Recorded, Recording};
pub(crate) use records::NOT_MEASURED;
pub use records::{PollRecord, SampleRecord};
pub use threads::{ThreadInfo, ThreadKind};
