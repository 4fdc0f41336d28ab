//! What differs between the executors a scenario can run on: how a task
//! is spawned, how a producer yields and where a `spawn_blocking` step
//! runs. Everything else (the probe, the producers, tokio's executor-
//! agnostic `sync` primitives, the dedicated pool) is shared.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::scenario::Executor;

/// Spawns tasks on the executor a run was built with.
#[derive(Clone, Debug)]
pub(crate) enum Spawner {
    /// `tokio::spawn` on the current runtime.
    Tokio,
    /// `spawn` on smol's executor, which the run's worker threads (or, on
    /// current_thread, the `block_on` thread) run.
    Smol(Arc<smol::Executor<'static>>),
}

impl Spawner {
    /// Spawns `future` and returns a future of its outcome: an error names
    /// the task when it panicked or was cancelled.
    pub(crate) fn spawn(
        &self,
        name: String,
        future: BoxFuture<'static, ()>,
    ) -> BoxFuture<'static, Result<(), String>> {
        match self {
            Spawner::Tokio => {
                let handle = tokio::spawn(future);
                async move { handle.await.map_err(|e| format!("task {name} failed: {e}")) }.boxed()
            }
            Spawner::Smol(executor) => {
                // A panic inside the task resumes in whoever awaits it: the
                // runner's `catch_unwind` turns it into an error.
                executor.spawn(future).map(Ok).boxed()
            }
        }
    }
}

/// Yields to the executor once: tokio's `yield_now` (which, inside a tokio
/// worker, defers the wake until the worker has polled its other tasks) or
/// smol's (which wakes at once, so the task goes to the back of the queue).
pub(crate) async fn yield_now(executor: Executor) {
    match executor {
        Executor::Tokio => tokio::task::yield_now().await,
        Executor::Smol => smol::future::yield_now().await,
    }
}

/// Runs `work` on the executor's pool for blocking work: tokio's blocking
/// pool, or the `blocking` crate's process-wide pool under smol.
pub(crate) async fn spawn_blocking<T, F>(executor: Executor, work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match executor {
        Executor::Tokio => tokio::task::spawn_blocking(work)
            .await
            .expect("a blocking step cannot panic"),
        Executor::Smol => smol::unblock(work).await,
    }
}

/// Blocks on the future that `future` makes from a spawner of a fresh smol
/// executor, served by `workers` threads named `pollscope-smol-<i>` (none:
/// the calling thread serves the executor while it blocks), then stops and
/// joins them. Should the future panic, dropping `stop` on the way out
/// still ends the threads.
pub(crate) fn block_on_smol<T>(
    workers: usize,
    future: impl FnOnce(Spawner) -> BoxFuture<'static, T>,
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
    let body = future(Spawner::Smol(Arc::clone(&executor)));
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
