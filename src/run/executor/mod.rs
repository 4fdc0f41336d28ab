//! Everything that differs between the executors a scenario can run on,
//! behind one handle: how the runtime is built and blocked on, how a task
//! is spawned, how a producer yields, where a `spawn_blocking` step runs,
//! and the sockets and timers of the service workloads ([`io`]). The rest
//! of the run stage (the probe, the producers, the workloads, tokio's
//! executor-agnostic `sync` primitives, the dedicated pool) is written
//! once against [`ExecutorHandle`].

pub(crate) mod io;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::scenario::{Executor, Flavor, RuntimeSpec, Scenario, TokioKnob};
use crate::trace::TokioWorker;
use io::{Interval, Listener, Stream};

/// The executor a run is on, inside it.
#[derive(Clone, Debug)]
pub(crate) enum ExecutorHandle {
    /// The current tokio runtime.
    Tokio,
    /// smol's executor, which the run's worker threads (or, on
    /// current_thread, the `block_on` thread) run.
    #[cfg(feature = "smol")]
    Smol(Arc<smol::Executor<'static>>),
}

/// Why [`block_on`] could not finish.
#[derive(Debug)]
pub(crate) enum BlockOnError {
    /// The runtime or its threads could not be made.
    Start(std::io::Error),
    /// The body (or the runtime's making) panicked, with this payload.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// Builds the runtime `scenario` asks for, runs the future that `body`
/// makes from its handle to completion on it, and shuts it down. A panic
/// comes back as [`BlockOnError::Panicked`]; the runtime is then shut down
/// without waiting for its threads.
pub(crate) fn block_on<T: Send + 'static>(
    scenario: &Scenario,
    body: impl FnOnce(ExecutorHandle) -> BoxFuture<'static, T>,
) -> Result<T, BlockOnError> {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    match scenario.runtime.executor {
        Executor::Tokio => {
            let runtime = catch_unwind(|| build_tokio(scenario))
                .map_err(BlockOnError::Panicked)?
                .map_err(BlockOnError::Start)?;
            let future = body(ExecutorHandle::Tokio);
            match catch_unwind(AssertUnwindSafe(|| runtime.block_on(future))) {
                Ok(output) => Ok(output),
                Err(payload) => {
                    runtime.shutdown_background();
                    Err(BlockOnError::Panicked(payload))
                }
            }
        }
        #[cfg(not(feature = "smol"))]
        Executor::Smol => Err(BlockOnError::Start(std::io::Error::other(
            "pollscope was built without its `smol` feature: use --executor tokio",
        ))),
        #[cfg(feature = "smol")]
        Executor::Smol => {
            // On current_thread the `block_on` thread serves the executor.
            let workers = match scenario.runtime.flavor {
                Flavor::MultiThread => scenario.runtime.effective_workers(),
                Flavor::CurrentThread => 0,
            };
            catch_unwind(AssertUnwindSafe(|| block_on_smol(workers, body)))
                .map_err(BlockOnError::Panicked)?
                .map_err(BlockOnError::Start)
        }
    }
}

/// tokio's runtime for `scenario`: flavor, workers, blocking cap and each
/// knob that is set.
fn build_tokio(scenario: &Scenario) -> std::io::Result<tokio::runtime::Runtime> {
    tokio_builder(&scenario.runtime).build()
}

/// tokio's runtime builder for `spec` (flavor, workers, blocking cap, each
/// knob that is set, time and I/O enabled): the runner's, and a library
/// `measure`'s.
pub(crate) fn tokio_builder(spec: &RuntimeSpec) -> tokio::runtime::Builder {
    let mut builder = match spec.flavor {
        Flavor::MultiThread => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(spec.effective_workers());
            builder
        }
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
    };
    builder.max_blocking_threads(spec.effective_max_blocking_threads());
    // Each of tokio's knobs that is set: the one place that names them
    // besides the table (`crate::scenario::KNOBS`) and runs.csv's columns.
    // Counts were checked to fit a `u32` when parsed.
    for (knob, value) in spec.tokio.iter() {
        let count = || u32::try_from(value).unwrap_or(u32::MAX);
        match knob {
            TokioKnob::GlobalQueueInterval => builder.global_queue_interval(count()),
            TokioKnob::EventInterval => builder.event_interval(count()),
            TokioKnob::ThreadKeepAlive => builder.thread_keep_alive(Duration::from_nanos(value)),
        };
    }
    builder.enable_time().enable_io();
    builder
}

impl ExecutorHandle {
    /// Which executor this is.
    pub(crate) fn kind(&self) -> Executor {
        match self {
            ExecutorHandle::Tokio => Executor::Tokio,
            #[cfg(feature = "smol")]
            ExecutorHandle::Smol(_) => Executor::Smol,
        }
    }

    /// tokio's own view of its workers now; empty on smol, which keeps
    /// none.
    pub(crate) fn worker_metrics(&self) -> Vec<TokioWorker> {
        match self {
            ExecutorHandle::Tokio => {
                TokioWorker::read_all(&tokio::runtime::Handle::current().metrics())
            }
            #[cfg(feature = "smol")]
            ExecutorHandle::Smol(_) => Vec::new(),
        }
    }

    /// Yields to the executor once: tokio's `yield_now` (which, inside a
    /// tokio worker, defers the wake until the worker has polled its other
    /// tasks) or smol's (which wakes at once, so the task goes to the back
    /// of the queue).
    pub(crate) async fn yield_now(&self) {
        match self {
            ExecutorHandle::Tokio => tokio::task::yield_now().await,
            #[cfg(feature = "smol")]
            ExecutorHandle::Smol(_) => smol::future::yield_now().await,
        }
    }

    /// Runs `work` on the executor's pool for blocking work: tokio's
    /// blocking pool, or the `blocking` crate's process-wide pool under
    /// smol.
    pub(crate) async fn spawn_blocking<T, F>(&self, work: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match self {
            ExecutorHandle::Tokio => tokio::task::spawn_blocking(work)
                .await
                .expect("a blocking step cannot panic"),
            #[cfg(feature = "smol")]
            ExecutorHandle::Smol(_) => smol::unblock(work).await,
        }
    }

    /// A listener on `127.0.0.1`, on a port the OS chooses.
    pub(crate) async fn bind_loopback(&self) -> std::io::Result<Listener> {
        Listener::bind_loopback(self.kind()).await
    }

    /// A connection to `addr`.
    pub(crate) async fn connect(&self, addr: SocketAddr) -> std::io::Result<Stream> {
        Stream::connect(self.kind(), addr).await
    }

    /// Sleeps `period` ([`io::sleep`]).
    pub(crate) async fn sleep(&self, period: Duration) {
        io::sleep(self.kind(), period).await;
    }

    /// `future`'s output, or `None` once `limit` has passed.
    pub(crate) async fn timeout<T>(
        &self,
        limit: Duration,
        future: impl Future<Output = T>,
    ) -> Option<T> {
        io::timeout(self.kind(), limit, future).await
    }

    /// A periodic timer ([`Interval`]).
    pub(crate) fn interval(&self, period: Duration) -> Interval {
        Interval::new(self.kind(), period)
    }

    /// Spawns `future` and returns a future of its outcome: an error names
    /// the task when it panicked or was cancelled.
    pub(crate) fn spawn(
        &self,
        name: String,
        future: BoxFuture<'static, ()>,
    ) -> BoxFuture<'static, Result<(), String>> {
        match self {
            ExecutorHandle::Tokio => {
                let handle = tokio::spawn(future);
                async move { handle.await.map_err(|e| format!("task {name} failed: {e}")) }.boxed()
            }
            #[cfg(feature = "smol")]
            ExecutorHandle::Smol(executor) => {
                // A panic inside the task resumes in whoever awaits it: the
                // runner's `catch_unwind` turns it into an error.
                executor.spawn(future).map(Ok).boxed()
            }
        }
    }
}

#[cfg(feature = "smol")]
/// Blocks on the future that `future` makes from a spawner of a fresh smol
/// executor, served by `workers` threads named `pollscope-smol-<i>` (none:
/// the calling thread serves the executor while it blocks), then stops and
/// joins them. Should the future panic, dropping `stop` on the way out
/// still ends the threads.
fn block_on_smol<T>(
    workers: usize,
    future: impl FnOnce(ExecutorHandle) -> BoxFuture<'static, T>,
) -> std::io::Result<T> {
    let executor = Arc::new(smol::Executor::new());
    let (stop, stopped) = smol::channel::bounded::<()>(1);
    let mut threads = Vec::with_capacity(workers);
    for i in 0..workers {
        let (executor, stopped) = (Arc::clone(&executor), stopped.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("pollscope-smol-{i}"))
            .spawn(move || smol::block_on(executor.run(stopped.recv())));
        match spawned {
            Ok(thread) => threads.push(thread),
            Err(e) => {
                drop(stop);
                threads.into_iter().for_each(|t| drop(t.join()));
                return Err(e);
            }
        }
    }
    let body = future(ExecutorHandle::Smol(Arc::clone(&executor)));
    let output = if workers == 0 {
        smol::block_on(executor.run(body))
    } else {
        smol::block_on(body)
    };
    drop(stop);
    for thread in threads {
        let _ = thread.join();
    }
    Ok(output)
}
