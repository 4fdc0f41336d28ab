//! The sine producers: each step computes one value, spends its cost where
//! the placement says, records the sample and yields.

use std::sync::Arc;

use tokio::sync::{Semaphore, oneshot};

use crate::probe::{NOT_MEASURED, Recording, SampleRecord, ThreadKind, clock, record_step};
use crate::run::cost::Cost;
use crate::run::executor::ExecutorHandle;
use crate::scenario::Placement;

/// Step `seq` of `samples`: `sin(16·π·seq / samples)`.
pub(crate) fn sine(seq: u32, samples: u32) -> f64 {
    (16.0 * std::f64::consts::PI * f64::from(seq) / f64::from(samples)).sin()
}

/// What a producer needs besides its own spec: the recording (to register
/// off-task threads), the executor (to yield and to run blocking steps),
/// and the shared blocking semaphore and pool, if any.
#[derive(Debug)]
pub(crate) struct StepEnv {
    pub(crate) recording: Recording,
    pub(crate) executor: ExecutorHandle,
    pub(crate) blocking_permits: Option<Arc<Semaphore>>,
    pub(crate) pool: Option<Arc<super::Pool>>,
}

/// One producer, resolved from its spec.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Producer {
    pub(crate) placement: Placement,
    pub(crate) cost: Cost,
    pub(crate) samples: u32,
    pub(crate) yields: bool,
}

impl Producer {
    /// Polls to size the probe's buffers for, so that recording never
    /// reallocates in practice: one per step (and the last) for steps run in
    /// the poll; for off-task steps the wait for the blocking or pool thread
    /// adds polls (up to about six per step were seen on a busy 2-core
    /// machine), so eight per step.
    pub(crate) fn expected_polls_for(placement: Placement, samples: u32) -> usize {
        let per_step = if placement.steps_off_task() { 8 } else { 1 };
        (samples as usize)
            .saturating_mul(per_step)
            .saturating_add(1)
    }

    /// Step `seq` on the calling thread: its value, start, end and on-CPU
    /// time (the cost's reads of the thread's CPU clock).
    #[inline]
    fn step(&self, seq: u32) -> SampleRecord {
        self.step_clocked(seq).0
    }

    /// [`step`](Self::step), with the thread's CPU clock at the start and
    /// end of its cost (where the cost read it).
    #[inline]
    fn step_clocked(&self, seq: u32) -> (SampleRecord, Option<(u64, u64)>) {
        let start = clock::now();
        let value = sine(seq, self.samples);
        let (cpu_ns, clocked) = if self.cost.duration().is_zero() {
            (0, None)
        } else {
            let clocked = self.cost.burn_clocked();
            (
                clocked.map_or(NOT_MEASURED, |(a, b)| b.saturating_sub(a)),
                clocked,
            )
        };
        let record = SampleRecord {
            seq,
            value,
            start,
            end: clock::now(),
            cpu_ns,
            thread: 0,
        };
        (record, clocked)
    }

    /// Step `seq` on a thread of `kind` outside the future's task, with
    /// that thread's index in the recording; the step is the thread's
    /// recorded work (see [`Recording::note_work`]).
    fn step_off_task(&self, recording: &Recording, kind: ThreadKind, seq: u32) -> SampleRecord {
        let thread = recording.thread_index(kind);
        let (step, clocked) = self.step_clocked(seq);
        if let Some((cpu_start, cpu_end)) = clocked {
            recording.note_work(cpu_start, cpu_end);
        }
        SampleRecord { thread, ..step }
    }

    /// Runs every step. Must be polled inside an instrumented future, where
    /// the samples are recorded.
    pub(crate) async fn run(self, env: Arc<StepEnv>) {
        for seq in 0..self.samples {
            match self.placement {
                Placement::Inline | Placement::Spawn => {
                    record_step(self.step(seq), None);
                }
                Placement::BlockInPlace => {
                    record_step(tokio::task::block_in_place(|| self.step(seq)), None);
                }
                Placement::SpawnBlocking => {
                    let _permit = match &env.blocking_permits {
                        Some(semaphore) => Some(semaphore.acquire().await.expect("never closed")),
                        None => None,
                    };
                    let recording = env.recording.clone();
                    let step = env
                        .executor
                        .spawn_blocking(move || {
                            self.step_off_task(&recording, ThreadKind::Blocking, seq)
                        })
                        .await;
                    record_step(step, Some(step.thread));
                }
                Placement::Pool => {
                    let pool = env
                        .pool
                        .as_ref()
                        .expect("the runner builds a pool for pool steps");
                    let (tx, rx) = oneshot::channel();
                    let recording = env.recording.clone();
                    pool.spawn(move || {
                        let _ = tx.send(self.step_off_task(&recording, ThreadKind::Pool, seq));
                    });
                    let step = rx.await.expect("a pool step cannot panic");
                    record_step(step, Some(step.thread));
                }
            }
            if self.yields {
                env.executor.yield_now().await;
            }
        }
    }
}

/// Polls to size a future's buffers for: a producer's (see
/// [`Producer::expected_polls_for`]), or a service future's, whose events wait
/// on sockets, timers, channels or locks (four polls per event, and a
/// few to start and finish).
pub(crate) fn expected_polls(spec: &crate::scenario::FutureSpec, samples: u32) -> usize {
    if spec.role.is_service() {
        (samples as usize).saturating_mul(4).saturating_add(16)
    } else {
        Producer::expected_polls_for(spec.placement, samples)
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn sine() {
        assert_eq!(crate::run::producer::sine(0, 500), 0.0);
        assert!((crate::run::producer::sine(125, 500) - 0.0).abs() < 1e-9); // 4π
    }
}
