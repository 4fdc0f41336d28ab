//! The service workloads: built-in scenarios whose futures wait on sockets,
//! timers, channels and locks instead of computing sine steps. Each records
//! one sample per event, whose `value` is that event's latency in µs (see
//! [`Role`]); `--tasks` sets their count and `--light-cost` the work per
//! event.

use super::future_names::{
    CLIENT, HANDLER, HOG, LOCKER, RECEIVER, SENDER, SERVER, SINK, SOURCE, STAGE, TICKER, TIMER,
};
use std::time::Duration;

use super::params::builtin_scenario as scenario;
use super::{FutureSpec, JourneyParams, Placement, Role, Scenario, cores};

/// Heavy tasks beside the service: one per thread that runs tasks.
fn hogs(p: &JourneyParams, yields: bool, samples: Option<u32>) -> Vec<FutureSpec> {
    let count = p.task_threads.unwrap_or_else(cores).max(1);
    (1..=count)
        .map(|i| {
            let mut hog = FutureSpec::new(format!("{HOG}{i}"), Placement::Spawn, p.heavy_cost);
            hog.yields = yields;
            hog.samples = samples;
            hog
        })
        .collect()
}

fn numbered(prefix: &str, role: Role, cost: Duration, p: &JourneyParams) -> Vec<FutureSpec> {
    (1..=p.tasks)
        .map(|i| FutureSpec::service(format!("{prefix}{i}"), role, cost))
        .collect()
}

/// `server`, `client1..T`, `handler1..T`: T clients each send `samples`
/// requests of 64 bytes to a loopback echo server, whose handler per
/// connection spends the light cost on each.
pub(crate) fn tcp_echo(p: &JourneyParams) -> Scenario {
    let mut futures = vec![FutureSpec::service(
        SERVER,
        Role::EchoServer,
        Duration::ZERO,
    )];
    futures.extend(numbered(CLIENT, Role::EchoClient, Duration::ZERO, p));
    futures.extend(numbered(HANDLER, Role::EchoHandler, p.light_cost, p));
    scenario("tcp_echo", p, futures)
}

/// `timer1..T` sleeping 1 ms `samples` times, beside `hog1..W`: one
/// yielding heavy task per thread that runs tasks.
pub(crate) fn timers(p: &JourneyParams) -> Scenario {
    let mut futures = numbered(TIMER, Role::Timer, Duration::ZERO, p);
    futures.extend(hogs(p, true, None));
    scenario("timers", p, futures)
}

/// `source` → `stage1..T` → `sink` over bounded channels (capacity 16),
/// each stage spending the light cost per item.
pub(crate) fn channel_pipeline(p: &JourneyParams) -> Scenario {
    let mut futures = vec![FutureSpec::service(SOURCE, Role::Source, Duration::ZERO)];
    futures.extend(numbered(STAGE, Role::Stage, p.light_cost, p));
    futures.push(FutureSpec::service(SINK, Role::Sink, Duration::ZERO));
    scenario("channel_pipeline", p, futures)
}

/// `sender1..T` → `receiver` → `sink`: T senders send `samples` small
/// messages each at full rate through one bounded channel (capacity 16) to
/// the receiver, which spends the light cost on each and forwards it to
/// the sink over a second one; the shape of brokers and proxies.
pub(crate) fn fan_in(p: &JourneyParams) -> Scenario {
    let messages = p.samples.saturating_mul(p.tasks);
    let mut futures = numbered(SENDER, Role::FanInSender, Duration::ZERO, p);
    let mut receiver = FutureSpec::service(RECEIVER, Role::FanInReceiver, p.light_cost);
    receiver.samples = Some(messages);
    let mut sink = FutureSpec::service(SINK, Role::Sink, Duration::ZERO);
    sink.samples = Some(messages);
    futures.push(receiver);
    futures.push(sink);
    scenario("fan_in", p, futures)
}

/// `locker1..T` taking turns on one `tokio::sync::Mutex`, each holding it
/// for the light cost.
pub(crate) fn mutex_contention(p: &JourneyParams) -> Scenario {
    scenario(
        "mutex_contention",
        p,
        numbered(LOCKER, Role::Locker, p.light_cost, p),
    )
}

/// A `ticker` on a 1 ms interval beside `hog1..W` that never yield: each
/// runs a tenth of the samples of heavy steps in one poll.
pub(crate) fn starvation(p: &JourneyParams) -> Scenario {
    let mut futures = vec![FutureSpec::service(TICKER, Role::Ticker, Duration::ZERO)];
    futures.extend(hogs(p, false, Some((p.samples / 10).max(1))));
    scenario("starvation", p, futures)
}
