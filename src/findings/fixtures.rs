//! Hand-built runs that pin every judge's verdicts on both sides of its
//! thresholds: no runtime, no clock, no machine in the loop.

use std::time::Duration;

use super::{Judgement, Run, Verdict, claim};
use crate::analysis::RunResult;
use crate::probe::{ThreadInfo, ThreadKind};
use crate::scenario::CostKind;
use crate::scenario::{Executor, Flavor, Origin, Placement};
use crate::trace::{
    Environment, FutureKind, FutureTrace, Poll, RunConfig, RunInfo, RunTrace, RuntimeMetrics,
    Sample,
};

const US: u64 = 1_000;

/// A run under construction, times in µs.
pub(crate) struct Fx {
    futures: Vec<FutureTrace>,
    threads: u16,
    config: RunConfig,
    cores: usize,
}

impl Fx {
    pub(crate) fn new(cost_kind: CostKind, workers: usize, cores: usize) -> Self {
        Self {
            futures: Vec::new(),
            threads: 1,
            config: RunConfig {
                flavor: Flavor::MultiThread,
                workers,
                max_blocking_threads: 512,
                cost_kind,
                light_cost: Some(Duration::from_micros(100)),
                heavy_cost: Some(Duration::from_micros(500)),
                samples: 10,
                tasks: Some(6),
                repeat: 0,
                blocking_permits: None,
                pool_threads: cores,
                executor: Executor::Tokio,
                global_queue_interval: None,
                event_interval: None,
                thread_keep_alive: None,
            },
            cores,
        }
    }

    pub(crate) fn future(&mut self, name: &str, placement: Placement, cost_us: u64) -> usize {
        self.futures.push(FutureTrace {
            name: name.to_string(),
            kind: FutureKind::Producer(placement),
            cost: Some(Duration::from_micros(cost_us)),
            cost_kind: Some(self.config.cost_kind),
            planned_samples: Some(10),
            polls: Vec::new(),
            samples: Vec::new(),
            wake_clamps: 0,
        });
        self.futures.len() - 1
    }

    fn thread(&mut self, t: u16) {
        self.threads = self.threads.max(t + 1);
    }

    /// A step in its own poll on `thread`, on the CPU for `cpu` of its
    /// wall time.
    pub(crate) fn step(
        &mut self,
        f: usize,
        start_us: u64,
        dur_us: u64,
        thread: u16,
        cpu: f64,
    ) -> &mut Self {
        self.thread(thread);
        let (start, end) = (start_us * US, (start_us + dur_us) * US);
        let future = &mut self.futures[f];
        let seq = future.samples.len() as u32;
        let cpu_ns = ((end - start) as f64 * cpu) as u64;
        future
            .samples
            .push(Sample::new(seq, 0.5, start, end, thread, Some(cpu_ns)));
        future
            .polls
            .push(Poll::new(start, end, thread, None, None, false));
        self
    }

    /// A step on `thread` outside any poll (spawn_blocking, pool), with a
    /// short poll on thread 0 after it.
    fn off_step(&mut self, f: usize, start_us: u64, dur_us: u64, thread: u16) -> &mut Self {
        self.thread(thread);
        let (start, end) = (start_us * US, (start_us + dur_us) * US);
        let future = &mut self.futures[f];
        let seq = future.samples.len() as u32;
        future
            .samples
            .push(Sample::new(seq, 0.5, start, end, thread, Some(end - start)));
        future
            .polls
            .push(Poll::new(end, end + 1, 0, None, None, false));
        self
    }

    /// Orders each future's polls by start and marks its last poll ready.
    pub(crate) fn result(mut self, scenario: &str) -> RunResult {
        for f in &mut self.futures {
            f.polls.sort_by_key(|p| p.start_ns);
            if let Some(last) = f.polls.last_mut() {
                last.ready = true;
            }
        }
        let threads = (0..self.threads)
            .map(|index| ThreadInfo {
                index,
                os_thread_id: 100 + u64::from(index),
                name: String::new(),
                kind: if index == 0 {
                    ThreadKind::Main
                } else {
                    ThreadKind::Worker
                },
                cpu_time_ns: None,
                runtime_cpu_ns: None,
            })
            .collect();
        RunResult::new(RunTrace {
            info: RunInfo {
                run_id: format!("{scenario}-w{}-cpu500us-r0", self.config.workers),
                scenario: scenario.to_string(),
                origin: Origin::Builtin,
                config: Some(self.config),
                environment: Environment {
                    cores: self.cores,
                    calibration: Some(100.0),
                    versions: Default::default(),
                },
                metrics: RuntimeMetrics::default(),
                poll_cpu_time: false,
            },
            futures: self.futures,
            threads,
        })
    }
}

fn judge(id: &str, result: &RunResult, all: &[RunResult]) -> Judgement {
    let claim = claim(id).expect("a known claim");
    let config = result.trace.info.config.as_ref().unwrap();
    let judgement = (claim.judge)(&Run {
        result,
        config,
        all,
    });
    assert_eq!(
        judgement.verdict == Verdict::Holds,
        judgement.reason.is_empty(),
        "{id}: a reason for every verdict but holds: {judgement:?}"
    );
    judgement
}

fn verdict(id: &str, result: &RunResult) -> Verdict {
    judge(id, result, std::slice::from_ref(result)).verdict
}

/// two_futures: `switch_every` consecutive steps of one future, then of
/// the other; `overlap` makes one fut1 poll overlap a fut0 poll.
fn two_futures(steps: usize, switch_every: usize, overlap: bool) -> RunResult {
    let mut fx = Fx::new(CostKind::Cpu, 2, 2);
    let (a, b) = (
        fx.future("fut0", Placement::Inline, 100),
        fx.future("fut1", Placement::Inline, 100),
    );
    for i in 0..steps {
        let f = if (i / switch_every).is_multiple_of(2) {
            a
        } else {
            b
        };
        fx.step(f, i as u64 * 100, 100, 0, 1.0);
    }
    if overlap {
        fx.step(b, 50, 100, 1, 1.0);
    }
    fx.result("two_futures")
}

#[test]
fn alternate_needs_no_overlap_and_90_percent_switches() {
    assert_eq!(
        verdict("two_futures.alternate", &two_futures(20, 1, false)),
        Verdict::Holds
    );
    assert_eq!(
        verdict("two_futures.alternate", &two_futures(20, 1, true)),
        Verdict::DoesNotHold
    );
    // 11 samples switching every step but one: 9 of 10 switches = 90 %.
    let mut fx = Fx::new(CostKind::Cpu, 2, 2);
    let (a, b) = (
        fx.future("fut0", Placement::Inline, 100),
        fx.future("fut1", Placement::Inline, 100),
    );
    for (i, f) in [a, b, a, b, a, b, a, b, a, a, b].into_iter().enumerate() {
        fx.step(f, i as u64 * 100, 100, 0, 1.0);
    }
    assert_eq!(
        verdict("two_futures.alternate", &fx.result("two_futures")),
        Verdict::Holds
    );
    // Half the consecutive samples switch.
    assert_eq!(
        verdict("two_futures.alternate", &two_futures(20, 2, false)),
        Verdict::DoesNotHold
    );
    let mut fx = Fx::new(CostKind::Cpu, 2, 2);
    fx.future("fut0", Placement::Inline, 100);
    assert_eq!(
        verdict("two_futures.alternate", &fx.result("two_futures")),
        Verdict::NotApplicable
    );
}

/// cpu_intensive: fut0, fut1 (100 µs) and high_cpu (500 µs) round-robin
/// on thread 0, high_cpu's steps taking `heavy_us` of wall time on the
/// CPU for `cpu` of it; `late_us` delays fut0's completion.
fn cpu_intensive(heavy_us: u64, cpu: f64, late_us: u64) -> RunResult {
    let mut fx = Fx::new(CostKind::Cpu, 2, 2);
    let fut0 = fx.future("fut0", Placement::Inline, 100);
    let fut1 = fx.future("fut1", Placement::Inline, 100);
    let high = fx.future("high_cpu", Placement::Inline, 500);
    let mut t = 0;
    for _ in 0..10 {
        fx.step(fut0, t, 100, 0, 1.0);
        fx.step(fut1, t + 100, 100, 0, 1.0);
        fx.step(high, t + 200, heavy_us, 0, cpu);
        t += 200 + heavy_us;
    }
    if late_us > 0 {
        fx.step(fut0, t + late_us, 100, 0, 1.0);
    }
    fx.result("cpu_intensive")
}

#[test]
fn holds_task_judges_completion_and_gaps_and_blames_other_processes() {
    let id = "cpu_intensive.holds_task";
    assert_eq!(verdict(id, &cpu_intensive(500, 1.0, 0)), Verdict::Holds);
    // fut0 completes 10.6 % after high_cpu (7,000 µs run, +740 µs).
    assert_eq!(
        verdict(id, &cpu_intensive(500, 1.0, 640)),
        Verdict::DoesNotHold
    );
    // Steps stretched to 1,100 µs (gap 1.2 ms > 1.5 × 600 µs = 900 µs)…
    // … by another process: 54 % of high_cpu's wall time off the CPU, one
    // busy thread on 2 cores.
    let stretched = cpu_intensive(1100, 0.45, 0);
    let j = judge(id, &stretched, std::slice::from_ref(&stretched));
    assert_eq!(j.verdict, Verdict::Inconclusive, "{j:?}");
    assert!(j.reason.contains("off the CPU"), "{}", j.reason);
    // … while on the CPU the whole time: the task really held them longer.
    assert_eq!(
        verdict(id, &cpu_intensive(1100, 1.0, 0)),
        Verdict::DoesNotHold
    );
}

/// spawn_task with fut0 done at `fut0_done_us`, `spawned` on worker 1
/// beside it; and its cpu_intensive companion with fut0 done at 1000 µs.
fn spawn_task(fut0_done_us: u64, cores: usize, fut0_cpu: f64) -> (RunResult, RunResult) {
    let mut fx = Fx::new(CostKind::Cpu, 2, cores);
    let fut0 = fx.future("fut0", Placement::Inline, 100);
    let spawned = fx.future("spawned", Placement::Spawn, 500);
    fx.step(fut0, 0, fut0_done_us, 0, fut0_cpu);
    fx.step(spawned, 0, 500, 1, 1.0);
    let run = fx.result("spawn_task");
    let mut base = Fx::new(CostKind::Cpu, 2, cores);
    let fut0 = base.future("fut0", Placement::Inline, 100);
    base.step(fut0, 0, 1000, 0, 1.0);
    (run, base.result("cpu_intensive"))
}

#[test]
fn restores_compares_with_cpu_intensive_on_two_cores() {
    let id = "spawn_task.restores";
    let (run, base) = spawn_task(750, 2, 1.0);
    assert_eq!(
        judge(id, &run, &[base, run.clone_for_test()]).verdict,
        Verdict::Holds
    );
    let (run, base) = spawn_task(760, 2, 1.0);
    assert_eq!(judge(id, &run, &[base]).verdict, Verdict::DoesNotHold);
    let (run, base) = spawn_task(760, 2, 0.7);
    assert_eq!(judge(id, &run, &[base]).verdict, Verdict::Inconclusive);
    let (run, _) = spawn_task(500, 2, 1.0);
    assert_eq!(judge(id, &run, &[]).verdict, Verdict::NotApplicable);
    let (run, base) = spawn_task(500, 1, 1.0);
    assert_eq!(judge(id, &run, &[base]).verdict, Verdict::NotApplicable);
}

impl RunResult {
    fn clone_for_test(&self) -> RunResult {
        RunResult::new(self.trace.clone())
    }
}

/// many_spawn_task: `tasks` spawned tasks whose consecutive steps are
/// `gap_us` apart, each on thread 1 (or alternating 1, 2 if `migrate`).
fn many_spawn_task(workers: usize, tasks: usize, gap_us: u64, migrate: bool) -> RunResult {
    let mut fx = Fx::new(CostKind::Cpu, workers, 2);
    for k in 0..tasks {
        let f = fx.future(&format!("spawned{}", k + 1), Placement::Spawn, 500);
        for i in 0..10u64 {
            let thread = if migrate && i % 2 == 1 { 2 } else { 1 };
            fx.step(f, i * (500 + gap_us), 500, thread, 1.0);
        }
    }
    fx.result("many_spawn_task")
}

#[test]
fn tasks_wait_by_the_gaps_between_samples() {
    let id = "many_spawn_task.tasks_wait";
    assert_eq!(
        verdict(id, &many_spawn_task(1, 6, 500, false)),
        Verdict::Holds
    );
    assert_eq!(
        verdict(id, &many_spawn_task(1, 6, 499, false)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict(id, &many_spawn_task(6, 6, 0, false)),
        Verdict::NotApplicable
    );
}

#[test]
fn migrate_needs_two_workers_and_more_tasks_than_workers() {
    let id = "many_spawn_task.migrate";
    assert_eq!(
        verdict(id, &many_spawn_task(2, 6, 500, true)),
        Verdict::Holds
    );
    assert_eq!(
        verdict(id, &many_spawn_task(2, 6, 500, false)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict(id, &many_spawn_task(1, 6, 500, true)),
        Verdict::NotApplicable
    );
    // 6 tasks: on 5 workers one must share, on 6 none has to.
    assert_eq!(
        verdict(id, &many_spawn_task(5, 6, 500, false)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict(id, &many_spawn_task(6, 6, 500, false)),
        Verdict::NotApplicable
    );
}

/// fut0's 10 steps of 100 µs taking `fut0_us` in all, on the CPU for
/// `cpu` of it, beside two spawned tasks taking turns on worker 1.
fn fut0_beside_tasks(workers: usize, fut0_us: u64, cpu: f64) -> RunResult {
    fut0_beside_tasks_of(CostKind::Cpu, workers, fut0_us, cpu)
}

fn fut0_beside_tasks_of(kind: CostKind, workers: usize, fut0_us: u64, cpu: f64) -> RunResult {
    let mut fx = Fx::new(kind, workers, 2);
    let fut0 = fx.future("fut0", Placement::Inline, 100);
    let step = fut0_us / 10;
    for i in 0..10 {
        fx.step(fut0, i * step, step, 0, cpu);
    }
    let tasks = [
        fx.future("spawned1", Placement::Spawn, 500),
        fx.future("spawned2", Placement::Spawn, 500),
    ];
    for i in 0..6 {
        fx.step(tasks[i % 2], i as u64 * 500, 500, 1, 1.0);
    }
    fx.result("many_spawn_task")
}

#[test]
fn fut0_not_slowed_needs_a_free_core_and_blames_other_processes() {
    let id = "many_spawn_task.fut0_not_slowed";
    // 10 steps of 100 µs: done by 1,250 µs holds, 1,300 µs does not.
    assert_eq!(
        verdict(id, &fut0_beside_tasks(1, 1250, 1.0)),
        Verdict::Holds
    );
    assert_eq!(
        verdict(id, &fut0_beside_tasks(1, 1300, 1.0)),
        Verdict::DoesNotHold
    );
    // The same delay with 20 % of fut0's steps off the CPU while only the
    // worker and main were busy on 2 cores: another process.
    let j = judge(id, &fut0_beside_tasks(1, 1300, 0.8), &[]);
    assert_eq!(j.verdict, Verdict::Inconclusive, "{j:?}");
    assert!(j.reason.contains("20 %"), "{}", j.reason);
    // 19 % off the CPU is not enough to doubt the numbers.
    assert_eq!(
        verdict(id, &fut0_beside_tasks(1, 1300, 0.81)),
        Verdict::DoesNotHold
    );
    // Two busy workers fill the two cores.
    assert_eq!(
        verdict(id, &fut0_beside_tasks(2, 1300, 0.5)),
        Verdict::NotApplicable
    );
    // ... unless they sleep: sleeping workers leave the cores free, so the
    // claim is judged (fut0's own steps sleep too: it is on time).
    assert_eq!(
        verdict(id, &fut0_beside_tasks_of(CostKind::Sleep, 2, 1000, 0.05)),
        Verdict::Holds
    );
}

#[test]
fn off_cpu_time_the_run_causes_itself_is_no_excuse() {
    // One worker, but three of the run's threads busy at once on 2 cores
    // (main, worker 1 and a third thread): the run crowded itself.
    let id = "many_spawn_task.fut0_not_slowed";
    let mut fx = Fx::new(CostKind::Cpu, 1, 2);
    let fut0 = fx.future("fut0", Placement::Inline, 100);
    for i in 0..10 {
        fx.step(fut0, i * 130, 130, 0, 0.5);
    }
    for (k, thread) in [(1, 1), (2, 2)] {
        let f = fx.future(&format!("spawned{k}"), Placement::Spawn, 500);
        fx.step(f, 0, 1300, thread, 1.0);
    }
    assert_eq!(
        verdict(id, &fx.result("many_spawn_task")),
        Verdict::DoesNotHold
    );
}

/// many_spawn_blocking: `tasks` futures each running steps of 500 µs
/// `cycle_us` apart on their own blocking thread.
fn many_spawn_blocking(kind: CostKind, tasks: u16, cycle_us: u64, cores: usize) -> RunResult {
    let mut fx = Fx::new(kind, 2, cores);
    let fut0 = fx.future("fut0", Placement::Inline, 100);
    for i in 0..10 {
        fx.step(fut0, i * 100, 100, 0, 1.0);
    }
    for k in 0..tasks {
        let f = fx.future(
            &format!("spawn_blocking{}", k + 1),
            Placement::SpawnBlocking,
            500,
        );
        for i in 0..5 {
            fx.off_step(f, i * cycle_us, 500, 3 + k);
        }
    }
    fx.result("many_spawn_blocking")
}

#[test]
fn thread_not_core_by_the_step_cycle() {
    let id = "many_spawn_blocking.thread_not_core";
    assert_eq!(
        verdict(id, &many_spawn_blocking(CostKind::Cpu, 6, 605, 2)),
        Verdict::Holds
    );
    assert_eq!(
        verdict(id, &many_spawn_blocking(CostKind::Cpu, 6, 600, 2)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict(id, &many_spawn_blocking(CostKind::Cpu, 2, 900, 2)),
        Verdict::NotApplicable
    );
    assert_eq!(
        verdict(id, &many_spawn_blocking(CostKind::Spin, 6, 900, 2)),
        Verdict::NotApplicable
    );
    // sleep: a cycle within 1.2 × (cost + fut0's overshoot, here 0).
    assert_eq!(
        verdict(id, &many_spawn_blocking(CostKind::Sleep, 6, 600, 2)),
        Verdict::Holds
    );
    assert_eq!(
        verdict(id, &many_spawn_blocking(CostKind::Sleep, 6, 605, 2)),
        Verdict::DoesNotHold
    );
    let mut capped = many_spawn_blocking(CostKind::Cpu, 6, 900, 2);
    capped
        .trace
        .info
        .config
        .as_mut()
        .unwrap()
        .max_blocking_threads = 2;
    assert_eq!(verdict(id, &capped), Verdict::NotApplicable);
}

#[test]
fn the_judges_past_the_post() {
    // block_in_place: steps on worker threads, and 3 worker threads for 2
    // workers.
    let mut fx = Fx::new(CostKind::Cpu, 2, 2);
    for (k, thread) in [(1, 1u16), (2, 2), (3, 3)] {
        let f = fx.future(&format!("block_in_place{k}"), Placement::BlockInPlace, 500);
        fx.step(f, 0, 500, thread, 1.0);
    }
    assert_eq!(
        verdict("block_in_place.hands_off", &fx.result("block_in_place")),
        Verdict::Holds
    );
    let mut fx = Fx::new(CostKind::Cpu, 2, 2);
    let f = fx.future("block_in_place1", Placement::BlockInPlace, 500);
    fx.step(f, 0, 500, 1, 1.0);
    assert_eq!(
        verdict("block_in_place.hands_off", &fx.result("block_in_place")),
        Verdict::DoesNotHold
    );

    // bounded_blocking: 2 permits; 2 steps at once holds, 3 does not; a
    // step of 1.21 × its cost does not hold.
    let bounded = |threads: &[u16], step_us: u64| {
        let mut fx = Fx::new(CostKind::Cpu, 2, 2);
        fx.config.blocking_permits = Some(2);
        for (k, &thread) in threads.iter().enumerate() {
            let f = fx.future(
                &format!("bounded_blocking{}", k + 1),
                Placement::SpawnBlocking,
                500,
            );
            fx.off_step(f, 0, step_us, thread);
        }
        fx.result("bounded_blocking")
    };
    assert_eq!(
        verdict("bounded_blocking.one_per_core", &bounded(&[1, 2], 600)),
        Verdict::Holds
    );
    assert_eq!(
        verdict("bounded_blocking.one_per_core", &bounded(&[1, 2, 3], 500)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict("bounded_blocking.one_per_core", &bounded(&[1, 2], 605)),
        Verdict::DoesNotHold
    );
    let mut unbounded = bounded(&[1], 500);
    unbounded
        .trace
        .info
        .config
        .as_mut()
        .unwrap()
        .blocking_permits = None;
    assert_eq!(
        verdict("bounded_blocking.one_per_core", &unbounded),
        Verdict::NotApplicable
    );

    // rayon_pool: steps on pool threads (role pool: steps outside polls of
    // a pool future).
    let pool = |threads: &[u16]| {
        let mut fx = Fx::new(CostKind::Cpu, 2, 2);
        for (k, &thread) in threads.iter().enumerate() {
            let f = fx.future(&format!("rayon{}", k + 1), Placement::Pool, 500);
            fx.off_step(f, 0, 500, thread);
        }
        fx.result("rayon_pool")
    };
    assert_eq!(
        verdict("rayon_pool.pool_bounded", &pool(&[1, 2])),
        Verdict::Holds
    );
    assert_eq!(
        verdict("rayon_pool.pool_bounded", &pool(&[1, 2, 3])),
        Verdict::DoesNotHold
    );

    // no_yield: the hog in one poll of 10 × 500 µs; fut0 waits 4.5 ms
    // (0.9 ×) or 4.4 ms.
    let no_yield = |wait_us: u64| {
        let mut fx = Fx::new(CostKind::Cpu, 2, 2);
        let fut0 = fx.future("fut0", Placement::Inline, 100);
        let hog = fx.future("hog", Placement::Inline, 500);
        fx.step(fut0, 0, 100, 0, 1.0);
        fx.step(hog, 100, 5000, 0, 1.0);
        fx.step(fut0, 100 + wait_us, 100, 0, 1.0);
        fx.result("no_yield")
    };
    assert_eq!(verdict("no_yield.starves", &no_yield(4500)), Verdict::Holds);
    assert_eq!(
        verdict("no_yield.starves", &no_yield(4400)),
        Verdict::DoesNotHold
    );

    // current_thread: every poll on thread 0.
    let mut fx = Fx::new(CostKind::Cpu, 1, 2);
    fx.config.flavor = Flavor::CurrentThread;
    let f = fx.future("fut0", Placement::Inline, 100);
    fx.step(f, 0, 100, 0, 1.0);
    assert_eq!(
        verdict("current_thread.one_thread", &fx.result("two_futures")),
        Verdict::Holds
    );
    let mut fx = Fx::new(CostKind::Cpu, 1, 2);
    fx.config.flavor = Flavor::CurrentThread;
    let f = fx.future("spawned", Placement::Spawn, 100);
    fx.step(f, 0, 100, 1, 1.0);
    assert_eq!(
        verdict("current_thread.one_thread", &fx.result("spawn_task")),
        Verdict::DoesNotHold
    );
}

#[test]
fn only_built_in_scenarios_are_judged_by_the_posts_claims() {
    let mut run = two_futures(20, 1, false);
    assert!(!super::findings(std::slice::from_ref(&run)).is_empty());
    run.trace.info.origin = Origin::File;
    assert!(super::findings(std::slice::from_ref(&run)).is_empty());
    run.trace.info.origin = Origin::Session;
    assert!(super::findings(std::slice::from_ref(&run)).is_empty());
}

impl Fx {
    /// A service future whose events (start µs, latency µs) complete on
    /// thread 1, each in its own short poll.
    fn service(&mut self, name: &str, events: &[(u64, f64)]) -> &mut Self {
        self.thread(1);
        let mut future = FutureTrace {
            name: name.to_string(),
            kind: FutureKind::Service(Placement::Spawn),
            cost: Some(Duration::ZERO),
            cost_kind: Some(self.config.cost_kind),
            planned_samples: Some(events.len() as u32),
            polls: Vec::new(),
            samples: Vec::new(),
            wake_clamps: 0,
        };
        for (seq, &(start_us, latency_us)) in events.iter().enumerate() {
            let end = (start_us as f64 + latency_us) as u64 * US;
            future.samples.push(Sample::new(
                seq as u32,
                latency_us,
                start_us * US,
                end,
                1,
                None,
            ));
            future
                .polls
                .push(Poll::new(end, end + 1, 1, None, None, false));
        }
        self.futures.push(future);
        self
    }
}

fn events(n: u64, every_us: u64, latency_us: f64) -> Vec<(u64, f64)> {
    (0..n).map(|i| (i * every_us, latency_us)).collect()
}

#[test]
fn the_service_judges() {
    // tcp_echo: median round trip under the handler's work (100 µs) + 1 ms.
    let echo = |rtt_us: f64, short: bool| {
        let mut fx = Fx::new(CostKind::Cpu, 2, 2);
        fx.service("client1", &events(10, 2000, rtt_us));
        if short {
            fx.futures[0].planned_samples = Some(11);
        }
        fx.result("tcp_echo")
    };
    assert_eq!(
        verdict("tcp_echo.round_trips", &echo(1099.0, false)),
        Verdict::Holds
    );
    assert_eq!(
        verdict("tcp_echo.round_trips", &echo(1100.0, false)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict("tcp_echo.round_trips", &echo(50.0, true)),
        Verdict::DoesNotHold
    );
    // Ten clients on two threads: a request may wait for five handlers'
    // work (500 µs) plus 1 ms.
    let crowd = |rtt_us: f64| {
        let mut fx = Fx::new(CostKind::Cpu, 2, 2);
        for i in 1..=10 {
            fx.service(&format!("client{i}"), &events(10, 2000, rtt_us));
        }
        fx.result("tcp_echo")
    };
    assert_eq!(
        verdict("tcp_echo.round_trips", &crowd(1499.0)),
        Verdict::Holds
    );
    assert_eq!(
        verdict("tcp_echo.round_trips", &crowd(1500.0)),
        Verdict::DoesNotHold
    );

    // timers: late by ≥ a hog step (500 µs) while the hog runs (to 10 ms),
    // within 2 ticks after.
    let timers = |busy_us: f64, free_us: f64| {
        let mut fx = Fx::new(CostKind::Cpu, 1, 2);
        let hog = fx.future("hog1", Placement::Spawn, 500);
        for i in 0..20 {
            fx.step(hog, i * 500, 500, 1, 1.0);
        }
        let mut e = events(5, 1000, busy_us);
        e.extend((0..5).map(|i| (20_000 + i * 3000, free_us)));
        fx.service("timer1", &e);
        fx.result("timers")
    };
    assert_eq!(
        verdict("timers.lateness", &timers(500.0, 2000.0)),
        Verdict::Holds
    );
    assert_eq!(
        verdict("timers.lateness", &timers(499.0, 100.0)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict("timers.lateness", &timers(600.0, 2001.0)),
        Verdict::DoesNotHold
    );
    // After the hogs, all the wakes over 2 ticks came at one tick (timers
    // in step, one stall): that decides nothing.
    let one_stall = {
        let mut fx = Fx::new(CostKind::Cpu, 1, 2);
        let hog = fx.future("hog1", Placement::Spawn, 500);
        for i in 0..20 {
            fx.step(hog, i * 500, 500, 1, 1.0);
        }
        for k in 1..=3 {
            let mut e = events(5, 1000, 600.0);
            e.extend((0..5).map(|i| (20_000 + i * 3000, if i == 2 { 2500.0 } else { 100.0 })));
            fx.service(&format!("timer{k}"), &e);
        }
        fx.result("timers")
    };
    assert_eq!(
        verdict("timers.lateness", &one_stall),
        Verdict::Inconclusive
    );

    // channel_pipeline: every item, after at least 2 stages × 100 µs.
    let pipeline = |items: u64, latency_us: f64| {
        let mut fx = Fx::new(CostKind::Cpu, 2, 2);
        fx.config.samples = 10;
        fx.service("stage1", &[]).service("stage2", &[]);
        fx.service("sink", &events(items, 100, latency_us));
        fx.result("channel_pipeline")
    };
    assert_eq!(
        verdict("channel_pipeline.in_order", &pipeline(10, 200.0)),
        Verdict::Holds
    );
    assert_eq!(
        verdict("channel_pipeline.in_order", &pipeline(10, 199.0)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict("channel_pipeline.in_order", &pipeline(9, 300.0)),
        Verdict::DoesNotHold
    );

    // mutex_contention: 3 lockers of 100 µs: p99 wait ≤ 2 × 200 µs + 1 ms.
    let mutex = |wait_us: f64| {
        let mut fx = Fx::new(CostKind::Cpu, 2, 2);
        for name in ["locker1", "locker2", "locker3"] {
            fx.service(name, &events(10, 1000, wait_us));
        }
        fx.result("mutex_contention")
    };
    assert_eq!(
        verdict("mutex_contention.waits", &mutex(1400.0)),
        Verdict::Holds
    );
    assert_eq!(
        verdict("mutex_contention.waits", &mutex(1401.0)),
        Verdict::DoesNotHold
    );
    let mut fx = Fx::new(CostKind::Cpu, 2, 2);
    fx.service("locker1", &events(10, 1000, 0.0));
    assert_eq!(
        verdict("mutex_contention.waits", &fx.result("mutex_contention")),
        Verdict::NotApplicable
    );

    // starvation: hogs on both workers, one poll of 5 ms each; the ticker
    // must have been late ≥ 0.9 × (5 ms − one 1 ms tick) = 3.6 ms once.
    let starved = |worst_us: f64, hogs: u16| {
        let mut fx = Fx::new(CostKind::Cpu, 2, 2);
        for k in 1..=hogs {
            let hog = fx.future(&format!("hog{k}"), Placement::Spawn, 500);
            fx.step(hog, 0, 5000, k, 1.0);
        }
        let mut e = events(5, 1000, 10.0);
        e.push((6000, worst_us));
        fx.service("ticker", &e);
        fx.result("starvation")
    };
    assert_eq!(
        verdict("starvation.ticker_starved", &starved(3600.0, 2)),
        Verdict::Holds
    );
    assert_eq!(
        verdict("starvation.ticker_starved", &starved(3500.0, 2)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict("starvation.ticker_starved", &starved(3600.0, 1)),
        Verdict::NotApplicable
    );
}

#[test]
fn cpu_costs_that_strayed_from_their_request_get_a_warning() {
    let run = |step_us: u64| {
        let mut fx = Fx::new(CostKind::Cpu, 1, 2);
        let fut0 = fx.future("fut0", Placement::Inline, 100);
        for i in 0..10 {
            fx.step(fut0, i * step_us, step_us, 0, 1.0);
        }
        fx.result("two_futures")
    };
    let warned = |step_us| {
        crate::analysis::noise::warnings(&[run(step_us)], None)
            .into_iter()
            .find(|w| w.contains("cpu steps"))
    };
    // On-CPU exactly the request (a calibration that read low is harmless).
    assert_eq!(warned(100), None);
    assert_eq!(warned(104), None);
    // 20 % over: the calibration overshot.
    let warning = warned(120).expect("a warning");
    assert!(warning.contains("+20.0 %"), "{warning}");
}
