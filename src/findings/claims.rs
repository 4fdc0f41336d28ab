//! Every claim pollscope can judge: its stable id, its text, the flavor it
//! is about (if any) and its judge. Built-in scenarios name theirs by id.

use super::{Judgement, Run, beyond, journey, services};
use crate::scenario::{Executor, Flavor};

/// One claim about a scenario's runs.
#[derive(Debug)]
#[non_exhaustive]
pub struct Claim {
    /// Stable id, `<scenario>.<what>` (findings.csv `claim`).
    pub id: &'static str,
    /// The claim in one line.
    pub text: &'static str,
    /// The runtime flavor the claim is about; runs of the other flavor are
    /// not judged by it (`None`: both).
    pub flavor: Option<Flavor>,
    /// The executor whose own behaviour the claim is about (tokio's timer
    /// tick, `block_in_place`); runs on another executor are not judged by
    /// it (`None`: any cooperative, work-stealing executor).
    pub executor: Option<Executor>,
    /// Decides the claim on one run.
    pub(crate) judge: fn(&Run<'_>) -> Judgement,
}

impl PartialEq for Claim {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// Every claim, in report order.
pub const CLAIMS: &[Claim] = &[
    Claim {
        id: "two_futures.alternate",
        text: "concurrency, not parallelism: fut0 and fut1 never poll at the same time, and they alternate",
        flavor: None,
        executor: None,
        judge: journey::alternate,
    },
    Claim {
        id: "cpu_intensive.holds_task",
        text: "one heavy future holds the task: fut0 and fut1 complete within 10 % of high_cpu, waiting about the heavy cost between samples",
        flavor: None,
        executor: None,
        judge: journey::holds_task,
    },
    Claim {
        id: "spawn_task.restores",
        text: "spawning restores the light futures: they complete much sooner than in cpu_intensive, while the spawned task runs in parallel",
        flavor: Some(Flavor::MultiThread),
        executor: None,
        judge: journey::restores,
    },
    Claim {
        id: "many_spawn_task.tasks_wait",
        text: "more heavy tasks than workers: each spawned task waits for a worker between its steps (p99 gap between its samples ≥ the heavy cost)",
        flavor: None,
        executor: None,
        judge: journey::tasks_wait,
    },
    Claim {
        id: "many_spawn_task.migrate",
        text: "more tasks than workers: spawned tasks move between workers (some task runs on ≥ 2 threads)",
        flavor: Some(Flavor::MultiThread),
        executor: None,
        judge: journey::migrate,
    },
    Claim {
        id: "many_spawn_task.fut0_not_slowed",
        text: "fut0, on the block_on thread, is not slowed by the heavy tasks (done within 1.25 × its own work)",
        flavor: Some(Flavor::MultiThread),
        executor: None,
        judge: journey::fut0_not_slowed,
    },
    Claim {
        id: "many_spawn_blocking.thread_not_core",
        text: "spawn_blocking gives each step a thread (≥ T blocking threads) but not a core: with cpu cost and T > cores each step cycle takes longer than its cost; with sleep it does not",
        flavor: None,
        executor: None,
        judge: journey::thread_not_core,
    },
    Claim {
        id: "block_in_place.hands_off",
        text: "block_in_place runs heavy steps on worker threads and hands the worker's queue to a new thread",
        flavor: Some(Flavor::MultiThread),
        executor: Some(Executor::Tokio),
        judge: beyond::hands_off,
    },
    Claim {
        id: "bounded_blocking.one_per_core",
        text: "a semaphore sized to the cores keeps blocking steps to one per core, so each gets a core",
        flavor: None,
        executor: None,
        judge: beyond::one_per_core,
    },
    Claim {
        id: "rayon_pool.pool_bounded",
        text: "a dedicated pool runs heavy steps on its own threads, at most one per pool thread",
        flavor: None,
        executor: None,
        judge: beyond::pool_bounded,
    },
    Claim {
        id: "no_yield.starves",
        text: "a future that never yields starves the futures beside it for its whole run",
        flavor: None,
        executor: None,
        judge: beyond::starves,
    },
    Claim {
        id: "tcp_echo.round_trips",
        text: "every request's round trip is recorded, and a loopback round trip costs the handlers' work queued ahead of it (median under ⌈clients / threads⌉ × the handler's work plus 1 ms), not a timer tick",
        flavor: None,
        executor: None,
        judge: services::round_trips,
    },
    Claim {
        id: "timers.lateness",
        text: "timer lateness grows with the hogs' step while every worker runs one, and stays within 2 ticks once a worker is free (deadlines round up to the next 1 ms tick)",
        flavor: None,
        executor: Some(Executor::Tokio),
        judge: services::lateness,
    },
    Claim {
        id: "channel_pipeline.in_order",
        text: "every item reaches the sink, after at least the stages' work",
        flavor: None,
        executor: None,
        judge: services::in_order,
    },
    Claim {
        id: "fan_in.throughput",
        text: "every sender's message reaches the sink, and the fan-in costs little beyond the receiver's work: at most 100 µs of time and of CPU per message (plus 1 ms of time and 20 ms of CPU per run)",
        flavor: None,
        executor: None,
        judge: services::fan_in_throughput,
    },
    Claim {
        id: "mutex_contention.waits",
        text: "no locker starves: tokio's mutex hands the lock to its waiters in order, so a wait stays within twice the others' holds (plus 1 ms)",
        flavor: None,
        executor: None,
        judge: services::waits,
    },
    Claim {
        id: "starvation.ticker_starved",
        text: "hogs that never yield on every task thread starve the ticker for as long as they hold them all: a cooperative executor cannot preempt them (tokio's coop budget does not)",
        flavor: None,
        executor: None,
        judge: services::ticker_starved,
    },
    Claim {
        id: "current_thread.one_thread",
        text: "current_thread: every poll of every future runs on the block_on thread (thread 0)",
        flavor: Some(Flavor::CurrentThread),
        executor: None,
        judge: beyond::one_thread,
    },
];

/// The claim with id `id`.
///
/// ```
/// let claim = pollscope::claim("two_futures.alternate").unwrap();
/// assert!(claim.text.contains("concurrency"));
/// assert!(pollscope::claim("nope").is_none());
/// ```
pub fn claim(id: &str) -> Option<&'static Claim> {
    CLAIMS.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::BUILTINS;

    #[test]
    fn every_builtin_claim_exists_and_every_claim_belongs_to_a_builtin() {
        for builtin in BUILTINS {
            for id in builtin.claims {
                assert!(claim(id).is_some(), "{}: unknown claim {id}", builtin.name);
            }
        }
        for c in CLAIMS {
            assert!(
                BUILTINS.iter().any(|b| b.claims.contains(&c.id)),
                "{} is claimed by no scenario",
                c.id
            );
        }
    }
}
