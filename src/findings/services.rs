//! The judges of the service workloads' claims. A service's samples are
//! events whose value is a latency in µs (round trip, lateness, end-to-end
//! latency, wait); each judge states its measure and thresholds.

use super::journey::failed;
use super::{Judgement, Run, Verdict};
use crate::common::duration::human_ns;
use crate::common::stats::{median, quantile};
use crate::scenario::CostKind;
use crate::scenario::future_names::{
    CLIENT, HOG, LOCKER, RECEIVER, SENDER, SINK, STAGE, TICKER, TIMER,
};
use crate::trace::FutureTrace;

/// A loopback round trip on an idle worker takes tens of µs: the median
/// stays under the handler's work plus this.
pub(crate) const ROUND_TRIP_SLACK_NS: u64 = 1_000_000;
/// tokio's timer tick (deadlines round up to the next one).
pub(crate) const TICK_NS: u64 = 1_000_000;
/// While a worker is free, a timer's p99 lateness stays within this many
/// ticks.
pub(crate) const FREE_LATENESS_TICKS: f64 = 2.0;
/// A starved ticker's longest lateness is at least this share of the
/// longest non-yielding poll.
pub(crate) const STARVED_SHARE: f64 = 0.9;
/// Lock waits: the p99 wait stays within this many times the others'
/// holds, (T − 1) × the light cost, plus [`ROUND_TRIP_SLACK_NS`].
pub(crate) const FAIR_WAIT_FACTOR: f64 = 2.0;

/// fan_in: what a message may cost beyond the receiver's work, in the
/// run's time and in CPU. Measured on 2 busy cores at `--light-cost 0`: a
/// release build 0.25–0.9 µs of CPU and 0.16–3 µs of time per message, a
/// debug build 3–4 µs and 4–7 µs; beyond 50 µs of work a debug build
/// spent 26 µs of CPU and 65 µs of time (a disturbed run).
pub(crate) const MESSAGE_BUDGET_NS: u64 = 100_000;
/// fan_in: CPU a run spends whatever its messages (its threads' start, the
/// runtime's own; 40 messages measured 1.1 ms in all).
pub(crate) const RUN_CPU_ALLOWANCE_NS: u64 = 20_000_000;

fn named<'a>(run: &'a Run<'_>, prefix: &str) -> Vec<&'a FutureTrace> {
    run.result
        .trace
        .futures
        .iter()
        .filter(|f| f.kind.is_service() && f.name.starts_with(prefix))
        .collect()
}

/// The heavy producers (`hog1..W`) beside a service.
fn hogs<'a>(run: &'a Run<'_>) -> Vec<&'a FutureTrace> {
    run.result
        .trace
        .futures
        .iter()
        .filter(|f| f.name.starts_with(HOG))
        .collect()
}

/// Threads that run tasks: 1 under current_thread, else the workers.
fn task_threads(run: &Run<'_>) -> usize {
    match run.config.flavor {
        crate::scenario::Flavor::CurrentThread => 1,
        crate::scenario::Flavor::MultiThread => run.config.workers,
    }
}

/// Sample values (µs) as ns.
fn values_ns<'a>(futures: impl IntoIterator<Item = &'a FutureTrace>) -> Vec<u64> {
    futures
        .into_iter()
        .flat_map(|f| {
            f.samples
                .iter()
                .map(|s| (s.value.max(0.0) * 1e3).round() as u64)
        })
        .collect()
}

/// Futures that recorded fewer samples than planned: `name (got/planned)`.
fn short(futures: &[&FutureTrace]) -> Vec<String> {
    futures
        .iter()
        .filter_map(|f| {
            let planned = f.planned_samples.unwrap_or(0) as usize;
            (f.samples.len() < planned)
                .then(|| format!("{} ({}/{planned})", f.name, f.samples.len()))
        })
        .collect()
}

/// The first five of `names`, then how many more.
fn first_few(names: &[String]) -> String {
    match names.len() {
        0..=5 => names.join(", "),
        n => format!("{} and {} more", names[..5].join(", "), n - 5),
    }
}

fn nanos(d: Option<std::time::Duration>) -> u64 {
    d.map_or(0, crate::common::duration::nanos)
}

/// `tcp_echo.round_trips`: every client recorded a round trip per request
/// (no sampling), and the median round trip is under the queue a request
/// can find ahead of it plus [`ROUND_TRIP_SLACK_NS`] (loopback: tens of
/// µs, not a timer tick). The T clients each keep one request in flight
/// and at most `threads` = min(task threads, cores) handlers run at once,
/// so a request may wait for ⌈T / threads⌉ handlers' work, its own
/// included.
pub(crate) fn round_trips(run: &Run<'_>) -> Judgement {
    let clients = named(run, CLIENT);
    let lost = short(&clients);
    let mut rtt = values_ns(clients.iter().copied());
    let p50 = median(&mut rtt).unwrap_or(0);
    let p99 = quantile(&mut rtt, 0.99).unwrap_or(0);
    let threads = task_threads(run)
        .min(run.result.trace.info.environment.cores)
        .max(1);
    let queue = clients.len().div_ceil(threads).max(1) as u64;
    let work = nanos(run.config.light_cost);
    let limit = work
        .saturating_mul(queue)
        .saturating_add(ROUND_TRIP_SLACK_NS);
    let evidence = format!(
        "{} round trips from {} clients on {threads} thread(s); median {}, p99 {} (handler work {}, up to {queue} handlers' work ahead: {})",
        rtt.len(),
        clients.len(),
        human_ns(p50),
        human_ns(p99),
        human_ns(work),
        human_ns(work.saturating_mul(queue))
    );
    if !lost.is_empty() {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "{} of {} clients recorded fewer round trips than requests (a client stops at its first failed connect, write or read, or after 60 s): {}",
                lost.len(),
                clients.len(),
                first_few(&lost)
            ),
            evidence,
        )
    } else if p50 >= limit {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "the median round trip is {}, not under the queued handlers' work plus 1 ms ({})",
                human_ns(p50),
                human_ns(limit)
            ),
            evidence,
        )
    } else {
        Judgement::holds(evidence)
    }
}

/// `timers.lateness`: a timer whose deadline falls while every worker runs
/// a hog wakes late by at least a hog's step (p99 lateness ≥ the heavy
/// cost: a busy worker looks at its timers only between tasks, every
/// `event_interval` polls or when it parks); once the hogs are done and
/// workers are free, the p99 lateness stays within [`FREE_LATENESS_TICKS`]
/// ticks (tokio rounds a deadline up to its next 1 ms tick). A wake is
/// placed by its deadline (sleep start + 1 ms), not by when it woke. Not
/// applicable when the timers' deadlines all fell in one of the two phases.
pub(crate) fn lateness(run: &Run<'_>) -> Judgement {
    let (mut busy, mut free, free_wakes) = wakes_by_phase(run);
    if busy.is_empty() || free.is_empty() {
        return Judgement::because(
            Verdict::NotApplicable,
            format!(
                "{} deadlines fell while the hogs ran and {} after: both phases are needed (more --samples, or a shorter --heavy-cost)",
                busy.len(),
                free.len()
            ),
            String::new(),
        );
    }
    let (busy_p99, free_p99) = (
        quantile(&mut busy, 0.99).unwrap_or(0),
        quantile(&mut free, 0.99).unwrap_or(0),
    );
    let heavy = nanos(run.config.heavy_cost);
    let evidence = format!(
        "p99 lateness {} over {} wakes whose deadline fell while every worker ran a hog (a hog step is {}), {} over {} wakes after",
        human_ns(busy_p99),
        busy.len(),
        human_ns(heavy),
        human_ns(free_p99),
        free.len()
    );
    if busy_p99 < heavy {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "with every worker busy the p99 lateness was only {} (at least a hog's step, {}, expected)",
                human_ns(busy_p99),
                human_ns(heavy)
            ),
            evidence,
        )
    } else if free_p99 as f64 > FREE_LATENESS_TICKS * TICK_NS as f64 {
        late_with_workers_free(run, free_p99, &free_wakes, evidence)
    } else {
        Judgement::holds(evidence)
    }
}

/// The lateness of each timer wake, ns, by the phase its deadline fell in:
/// (while the hogs ran, after), and each wake after as (when it woke, its
/// lateness).
fn wakes_by_phase(run: &Run<'_>) -> (Vec<u64>, Vec<u64>, Vec<(u64, u64)>) {
    let hogs_done = hogs(run)
        .iter()
        .filter_map(|f| f.polls.last().map(|p| p.end_ns))
        .max()
        .unwrap_or(0);
    let timers = named(run, TIMER);
    let (mut busy, mut free): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
    // When each free-phase wake happened, with its lateness.
    let mut free_wakes: Vec<(u64, u64)> = Vec::new();
    // A wake belongs to the phase its deadline fell in: a timer whose
    // deadline passed while the hogs ran was late because of them, even if
    // it only woke after (with `--event-interval 1` no timer wakes while a
    // yielding hog holds the only worker).
    for s in timers.iter().flat_map(|f| f.samples.iter()) {
        let late = (s.value.max(0.0) * 1e3).round() as u64;
        if s.start_ns.saturating_add(TICK_NS) <= hogs_done {
            busy.push(late);
        } else {
            free.push(late);
            free_wakes.push((s.end_ns, late));
        }
    }
    (busy, free, free_wakes)
}

/// [`lateness`] once the p99 lateness with workers free (`free_p99`) is
/// over [`FREE_LATENESS_TICKS`] ticks: inconclusive when every wake that
/// late came within one tick, else does not hold.
fn late_with_workers_free(
    run: &Run<'_>,
    free_p99: u64,
    free_wakes: &[(u64, u64)],
    evidence: String,
) -> Judgement {
    let bound = (FREE_LATENESS_TICKS * TICK_NS as f64) as u64;
    let over: Vec<u64> = free_wakes
        .iter()
        .filter(|(_, late)| *late > bound)
        .map(|(end, _)| *end)
        .collect();
    let (first, last) = (
        over.iter().copied().min().unwrap_or(0),
        over.iter().copied().max().unwrap_or(0),
    );
    if last - first <= TICK_NS {
        // The timers sleep in step: one stall (of the machine, or of the
        // runtime's thread) delays all those due at that tick at once,
        // which can make 1 % of the wakes by itself. One tick decides
        // nothing.
        return Judgement::because(
            Verdict::Inconclusive,
            format!(
                "every wake over {FREE_LATENESS_TICKS} ticks ({} of {}) came within one tick, at {}: one stall of the thread, not the timer's resolution, decided the p99",
                over.len(),
                free_wakes.len(),
                human_ns(first)
            ),
            evidence,
        );
    }
    // Timer events carry no on-CPU time; the hogs' steps, which ran beside
    // them, tell whether another process had the CPU.
    failed(
        run,
        &hogs(run),
        format!(
            "with workers free the p99 lateness was {:.2} ticks (at most {FREE_LATENESS_TICKS} expected)",
            free_p99 as f64 / TICK_NS as f64
        ),
        evidence,
    )
}

/// `channel_pipeline.in_order`: the sink received every item, and the
/// median end-to-end latency is at least T × the light cost (each stage
/// spends it on every item).
pub(crate) fn in_order(run: &Run<'_>) -> Judgement {
    let sink = named(run, SINK);
    let stages = named(run, STAGE).len() as u64;
    let planned = run.config.samples as usize;
    let received = sink.iter().map(|f| f.samples.len()).sum::<usize>();
    let mut latency = values_ns(sink.iter().copied());
    let p50 = median(&mut latency).unwrap_or(0);
    let work = stages.saturating_mul(nanos(run.config.light_cost));
    let evidence = format!(
        "{received} of {planned} items reached the sink; median end-to-end latency {} for {stages} stages of {} each",
        human_ns(p50),
        human_ns(nanos(run.config.light_cost))
    );
    if received != planned {
        Judgement::because(
            Verdict::DoesNotHold,
            format!("{received} of {planned} items reached the sink"),
            evidence,
        )
    } else if p50 < work {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "the median latency {} is under the stages' work {}",
                human_ns(p50),
                human_ns(work)
            ),
            evidence,
        )
    } else {
        Judgement::holds(evidence)
    }
}

/// `fan_in.throughput`: every message of every sender reached the sink,
/// at a throughput and a CPU per message that the receiver's work
/// explains. The receiver handles the N messages one after another, so
/// the time from the first send to the last arrival stays within N × (the
/// light cost + [`MESSAGE_BUDGET_NS`]) + 1 ms, and the process's CPU time
/// within N × (the light cost's CPU + [`MESSAGE_BUDGET_NS`]) +
/// [`RUN_CPU_ALLOWANCE_NS`] (a `sleep` cost spends no CPU; without a
/// process CPU clock the throughput alone is judged).
pub(crate) fn fan_in_throughput(run: &Run<'_>) -> Judgement {
    let senders = named(run, SENDER).len();
    let sink = named(run, SINK);
    let received: usize = sink.iter().map(|f| f.samples.len()).sum();
    let planned = (run.config.samples as usize).saturating_mul(senders);
    let (first, last) = sink
        .iter()
        .flat_map(|f| f.samples.iter())
        .fold((u64::MAX, 0), |(a, b), s| {
            (a.min(s.start_ns), b.max(s.end_ns))
        });
    let span = last.saturating_sub(first.min(last));
    let work = nanos(run.config.light_cost);
    let n = received as u64;
    let time_limit = n
        .saturating_mul(work.saturating_add(MESSAGE_BUDGET_NS))
        .saturating_add(ROUND_TRIP_SLACK_NS);
    let cpu_work = match run.config.cost_kind {
        CostKind::Sleep => 0,
        CostKind::Cpu | CostKind::Spin => work,
    };
    let cpu_limit = n
        .saturating_mul(cpu_work.saturating_add(MESSAGE_BUDGET_NS))
        .saturating_add(RUN_CPU_ALLOWANCE_NS);
    let cpu = run.result.trace.info.process_cpu_ns;
    let mut latency = values_ns(sink.iter().copied());
    let per_s = if span > 0 {
        n as f64 * 1e9 / span as f64
    } else {
        0.0
    };
    let evidence = format!(
        "{received} of {planned} messages from {senders} senders reached the sink in {} ({per_s:.0}/s; at most {} expected at {} of receiver's work each); CPU {} per message ({} in all, at most {} expected); send → sink latency median {}, p99 {}",
        human_ns(span),
        human_ns(time_limit),
        human_ns(work),
        cpu.map_or("unknown".to_string(), |c| human_ns(c / n.max(1))),
        cpu.map_or("unknown".to_string(), human_ns),
        human_ns(cpu_limit),
        human_ns(median(&mut latency).unwrap_or(0)),
        human_ns(quantile(&mut latency, 0.99).unwrap_or(0)),
    );
    if received != planned || senders == 0 {
        return Judgement::because(
            Verdict::DoesNotHold,
            format!("{received} of {planned} messages reached the sink"),
            evidence,
        );
    }
    let pipe: Vec<&FutureTrace> = named(run, RECEIVER).into_iter().chain(sink).collect();
    if span > time_limit {
        let reason = format!(
            "the messages took {} from the first send to the last arrival, over {n} × ({} of work + {}) + 1 ms = {}",
            human_ns(span),
            human_ns(work),
            human_ns(MESSAGE_BUDGET_NS),
            human_ns(time_limit)
        );
        return failed(run, &pipe, reason, evidence);
    }
    match cpu {
        Some(cpu) if cpu > cpu_limit => {
            let reason = format!(
                "the run spent {} of CPU, over {n} × ({} of work + {}) + {} = {}",
                human_ns(cpu),
                human_ns(cpu_work),
                human_ns(MESSAGE_BUDGET_NS),
                human_ns(RUN_CPU_ALLOWANCE_NS),
                human_ns(cpu_limit)
            );
            failed(run, &pipe, reason, evidence)
        }
        _ => Judgement::holds(evidence),
    }
}

/// `mutex_contention.waits`: every locker took the lock `samples` times,
/// and (T ≥ 2) no locker starves: the p99 wait stays within
/// [`FAIR_WAIT_FACTOR`] × the others' holds, (T − 1) × the light cost, plus
/// 1 ms — tokio's mutex hands the lock to its waiters in order. (A locker
/// that asks while nobody waits takes the lock at once: the medians per
/// locker in the evidence show who waited.)
pub(crate) fn waits(run: &Run<'_>) -> Judgement {
    let lockers = named(run, LOCKER);
    let t = lockers.len() as u64;
    if t < 2 {
        return Judgement::because(
            Verdict::NotApplicable,
            format!("{t} locker: nobody to wait for"),
            String::new(),
        );
    }
    let lost = short(&lockers);
    let mut waits = values_ns(lockers.iter().copied());
    let p99 = quantile(&mut waits, 0.99).unwrap_or(0);
    let others = (t - 1).saturating_mul(nanos(run.config.light_cost));
    let limit = (FAIR_WAIT_FACTOR * others as f64) as u64 + ROUND_TRIP_SLACK_NS;
    let medians: Vec<String> = lockers
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f.name,
                human_ns(median(&mut values_ns([*f])).unwrap_or(0))
            )
        })
        .collect();
    let evidence = format!(
        "p99 wait {} for {t} lockers holding the lock {} each (others' holds {}); median wait per locker: {}",
        human_ns(p99),
        human_ns(nanos(run.config.light_cost)),
        human_ns(others),
        medians.join(", ")
    );
    if !lost.is_empty() {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "lockers took the lock fewer times than asked: {}",
                first_few(&lost)
            ),
            evidence,
        )
    } else if p99 > limit {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "the p99 wait {} exceeds {FAIR_WAIT_FACTOR} × the others' holds plus 1 ms ({})",
                human_ns(p99),
                human_ns(limit)
            ),
            evidence,
        )
    } else {
        Judgement::holds(evidence)
    }
}

/// `starvation.ticker_starved`: when non-yielding hogs occupy every thread
/// that runs tasks, the ticker's longest lateness is at least
/// [`STARVED_SHARE`] × (the time every thread was held by a hog, from the
/// last hog poll's start to the first one's end, less one tick): the
/// ticker's first deadline inside the hold may come up to a tick after the
/// hold began (smol's first tick fires at once, before the hogs take the
/// threads), and it can be late by no more than the rest. Nothing preempts
/// a task that never yields, and tokio's coop budget only acts at awaits.
/// Not applicable when a thread was left free.
pub(crate) fn ticker_starved(run: &Run<'_>) -> Judgement {
    let hogs = hogs(run);
    let threads = task_threads(run);
    if hogs.len() < threads {
        return Judgement::because(
            Verdict::NotApplicable,
            format!(
                "{} hogs for {threads} task threads: one is free for the ticker",
                hogs.len()
            ),
            String::new(),
        );
    }
    // Each hog's longest poll; every thread is held while all of them run.
    let longest: Vec<(u64, u64)> = hogs
        .iter()
        .filter_map(|f| {
            f.polls
                .iter()
                .max_by_key(|p| p.duration_ns())
                .map(|p| (p.start_ns, p.end_ns))
        })
        .collect();
    let held = match (
        longest.iter().map(|s| s.0).max(),
        longest.iter().map(|s| s.1).min(),
    ) {
        (Some(start), Some(end)) => end.saturating_sub(start),
        _ => 0,
    };
    let worst = values_ns(named(run, TICKER)).into_iter().max().unwrap_or(0);
    let evidence = format!(
        "the ticker's worst lateness {} while {} hog(s) held every task thread for {}",
        human_ns(worst),
        hogs.len(),
        human_ns(held)
    );
    let tick = TICK_NS;
    let reachable = held.saturating_sub(tick);
    if (worst as f64) < STARVED_SHARE * reachable as f64 {
        Judgement::because(
            Verdict::DoesNotHold,
            format!(
                "the ticker was at most {} late, under {STARVED_SHARE} × ({} the hogs held every thread − one {} tick)",
                human_ns(worst),
                human_ns(held),
                human_ns(tick)
            ),
            evidence,
        )
    } else {
        Judgement::holds(evidence)
    }
}

#[cfg(test)]
mod tests {
    //! Each service judge on hand-built events, on both sides of its
    //! thresholds.

    use crate::analysis::RunResult;
    use crate::findings::Verdict;
    use crate::findings::synthetic::{SyntheticRun, verdict};
    use crate::scenario::{CostKind, Placement};

    /// `n` events `every_us` apart, each of `latency_us`.
    fn events(n: u64, every_us: u64, latency_us: f64) -> Vec<(u64, f64)> {
        (0..n).map(|i| (i * every_us, latency_us)).collect()
    }

    /// tcp_echo: one client's 10 round trips of `rtt_us`; `short`: 11 were
    /// planned.
    fn echo(rtt_us: f64, short: bool) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        synth.service("client1", &events(10, 2000, rtt_us));
        if short {
            synth.futures[0].planned_samples = Some(11);
        }
        synth.result("tcp_echo")
    }

    #[test]
    fn round_trips_stay_under_the_handlers_work_plus_1_ms_and_all_are_recorded() {
        // Median round trip under the handler's work (100 µs) + 1 ms.
        assert_eq!(
            verdict("tcp_echo.round_trips", &echo(1099.0, false)),
            Verdict::Holds
        );
        assert_eq!(
            verdict("tcp_echo.round_trips", &echo(1100.0, false)),
            Verdict::DoesNotHold
        );
        // A missing round trip fails however fast the others were.
        assert_eq!(
            verdict("tcp_echo.round_trips", &echo(50.0, true)),
            Verdict::DoesNotHold
        );
    }

    /// tcp_echo: ten clients' 10 round trips of `rtt_us` each, on two
    /// threads.
    fn crowd(rtt_us: f64) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        for i in 1..=10 {
            synth.service(&format!("client{i}"), &events(10, 2000, rtt_us));
        }
        synth.result("tcp_echo")
    }

    #[test]
    fn round_trips_may_queue_behind_the_handlers_ahead() {
        // Ten clients on two threads: a request may wait for five
        // handlers' work (500 µs) plus 1 ms.
        assert_eq!(
            verdict("tcp_echo.round_trips", &crowd(1499.0)),
            Verdict::Holds
        );
        assert_eq!(
            verdict("tcp_echo.round_trips", &crowd(1500.0)),
            Verdict::DoesNotHold
        );
    }

    /// timers with one worker: hog1's 20 steps of 500 µs on worker 1 (to
    /// 10 ms), while `timer_count` timers each wake 5 times with the
    /// lateness `busy_us` during the hog and 5 times after it (from 20 ms)
    /// with the lateness `free_us(i)` of wake `i`.
    fn timers_of(timer_count: u32, busy_us: f64, free_us: impl Fn(u64) -> f64) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 1, 2);
        let hog = synth.future("hog1", Placement::Spawn, 500);
        for i in 0..20 {
            synth.step(hog, i * 500, 500, 1, 1.0);
        }
        for k in 1..=timer_count {
            let mut e = events(5, 1000, busy_us);
            e.extend((0..5).map(|i| (20_000 + i * 3000, free_us(i))));
            synth.service(&format!("timer{k}"), &e);
        }
        synth.result("timers")
    }

    /// One timer late by `busy_us` while the hog runs, `free_us` after.
    fn timers(busy_us: f64, free_us: f64) -> RunResult {
        timers_of(1, busy_us, |_| free_us)
    }

    #[test]
    fn lateness_grows_to_a_hog_step_while_the_hog_runs_and_stays_within_two_ticks_after() {
        // Late by ≥ a hog step (500 µs) while the hog runs (to 10 ms),
        // within 2 ticks after.
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
    }

    #[test]
    fn lateness_over_two_ticks_all_at_one_tick_after_the_hogs_decides_nothing() {
        // After the hogs, all the wakes over 2 ticks came at one tick
        // (timers in step, one stall): that decides nothing.
        let one_stall = timers_of(3, 600.0, |i| if i == 2 { 2500.0 } else { 100.0 });
        assert_eq!(
            verdict("timers.lateness", &one_stall),
            Verdict::Inconclusive
        );
    }

    /// channel_pipeline: two stages and a sink that received `items` of
    /// the 10 samples, each `latency_us` after it entered.
    fn pipeline(items: u64, latency_us: f64) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        synth.config.samples = 10;
        synth.service("stage1", &[]).service("stage2", &[]);
        synth.service("sink", &events(items, 100, latency_us));
        synth.result("channel_pipeline")
    }

    #[test]
    fn in_order_needs_every_item_after_the_stages_work() {
        // Every item, after at least 2 stages × 100 µs.
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
    }

    /// fan_in: 2 senders of 10 messages (N = 20) through a receiver of
    /// 100 µs; the sink got `messages` of them, one every `every_us`, each
    /// 10 µs after its send; the process spent `cpu_ns`.
    fn fan_in(messages: u64, every_us: u64, cpu_ns: Option<u64>) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        synth.process_cpu_ns = cpu_ns;
        synth.service("sender1", &[]).service("sender2", &[]);
        synth.service("receiver", &[]);
        synth.service("sink", &events(messages, every_us, 10.0));
        synth.result("fan_in")
    }

    #[test]
    fn fan_in_delivers_every_message_within_the_receivers_work_plus_the_budget() {
        // 20 × (100 µs + 100 µs) + 1 ms = 5 ms from the first send to the
        // last arrival: 19 × 262 + 10 = 4988 µs holds, 19 × 263 + 10 does not.
        let id = "fan_in.throughput";
        assert_eq!(verdict(id, &fan_in(20, 262, None)), Verdict::Holds);
        assert_eq!(verdict(id, &fan_in(20, 263, None)), Verdict::DoesNotHold);
        // A lost message fails however fast the rest were.
        assert_eq!(verdict(id, &fan_in(19, 10, None)), Verdict::DoesNotHold);
        // CPU: 20 × (100 µs + 100 µs) + 20 ms = 24 ms.
        assert_eq!(
            verdict(id, &fan_in(20, 10, Some(24_000_000))),
            Verdict::Holds
        );
        assert_eq!(
            verdict(id, &fan_in(20, 10, Some(24_000_001))),
            Verdict::DoesNotHold
        );
    }

    /// mutex_contention: 3 lockers of 100 µs, each waiting `wait_us` for
    /// each of its 10 locks.
    fn mutex(wait_us: f64) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        for name in ["locker1", "locker2", "locker3"] {
            synth.service(name, &events(10, 1000, wait_us));
        }
        synth.result("mutex_contention")
    }

    #[test]
    fn waits_stay_within_twice_the_others_holds_plus_1_ms() {
        // 3 lockers of 100 µs: p99 wait ≤ 2 × 200 µs + 1 ms.
        assert_eq!(
            verdict("mutex_contention.waits", &mutex(1400.0)),
            Verdict::Holds
        );
        assert_eq!(
            verdict("mutex_contention.waits", &mutex(1401.0)),
            Verdict::DoesNotHold
        );
    }

    #[test]
    fn waits_need_a_second_locker() {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        synth.service("locker1", &events(10, 1000, 0.0));
        assert_eq!(
            verdict("mutex_contention.waits", &synth.result("mutex_contention")),
            Verdict::NotApplicable
        );
    }

    /// starvation: `hogs` hogs on workers 1.., one poll of 5 ms each, and
    /// a ticker late by 10 µs five times, then by `worst_us` once.
    fn starved(worst_us: f64, hogs: u16) -> RunResult {
        let mut synth = SyntheticRun::new(CostKind::Cpu, 2, 2);
        for k in 1..=hogs {
            let hog = synth.future(&format!("hog{k}"), Placement::Spawn, 500);
            synth.step(hog, 0, 5000, k, 1.0);
        }
        let mut e = events(5, 1000, 10.0);
        e.push((6000, worst_us));
        synth.service("ticker", &e);
        synth.result("starvation")
    }

    #[test]
    fn ticker_starved_while_hogs_hold_every_worker() {
        // Hogs on both workers: the ticker must have been late ≥ 0.9 ×
        // (5 ms − one 1 ms tick) = 3.6 ms once.
        assert_eq!(
            verdict("starvation.ticker_starved", &starved(3600.0, 2)),
            Verdict::Holds
        );
        assert_eq!(
            verdict("starvation.ticker_starved", &starved(3500.0, 2)),
            Verdict::DoesNotHold
        );
        // One hog leaves a worker free.
        assert_eq!(
            verdict("starvation.ticker_starved", &starved(3600.0, 1)),
            Verdict::NotApplicable
        );
    }
}
