//! The bodies of the service workloads' futures (see
//! [`Role`](crate::scenario::Role)): they wait on a loopback socket, timers,
//! channels and a lock, and record one sample per event — start and end of
//! the event, the thread that completed it, and its latency in µs as the
//! value; no on-CPU time (an event spans awaits).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use std::time::Instant;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::common::duration::nanos;
use crate::probe::{NOT_MEASURED, SampleRecord, clock, record_step};
use crate::run::cost::Cost;
use crate::run::executor::ExecutorHandle;
use crate::run::executor::io::{Listener, Stream};
use crate::scenario::{FutureSpec, Role, Scenario};

/// Bytes of one echo request.
pub(crate) const REQUEST_BYTES: usize = 64;
/// The timers' sleep and the ticker's period: tokio's timer has
/// millisecond resolution (deadlines round up to the next tick); smol's
/// fires at the deadline.
pub(crate) const TICK: Duration = Duration::from_millis(1);
/// Capacity of each pipeline channel.
pub(crate) const CHANNEL_CAPACITY: usize = 16;
/// An echo client gives up after this long (the loop is bounded in count
/// and in time).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// An item of the pipeline, or a fan_in message: when it was made.
#[derive(Clone, Copy, Debug)]
struct Item {
    born: clock::Ticks,
}

/// The connections between one run's service futures, made before time 0:
/// the loopback listener and the hand-off of each accepted connection to
/// its handler, the pipeline's channels, the shared lock.
#[derive(Debug, Default)]
pub(crate) struct Wiring {
    /// The executor the futures run on: its sockets and timers, and the
    /// lockers yield to it.
    executor: Option<ExecutorHandle>,
    listener: Option<Listener>,
    addr: Option<SocketAddr>,
    to_handlers: Vec<oneshot::Sender<Stream>>,
    handlers: VecDeque<oneshot::Receiver<Stream>>,
    senders: VecDeque<mpsc::Sender<Item>>,
    receivers: VecDeque<mpsc::Receiver<Item>>,
    /// fan_in: the channel every sender sends into, and how many senders
    /// have yet to take their clone (the last takes it, so the receiver
    /// ends when every sender has).
    fan_in: Option<mpsc::Sender<Item>>,
    fan_in_senders: usize,
    lock: Arc<Mutex<()>>,
}

impl Wiring {
    /// The wiring `scenario`'s service futures need (nothing for a
    /// scenario of producers). The listener binds 127.0.0.1 only, on a
    /// port the OS chooses.
    pub(crate) async fn for_scenario(
        scenario: &Scenario,
        executor: &ExecutorHandle,
    ) -> std::io::Result<Self> {
        let count = |role: Role| scenario.futures.iter().filter(|f| f.role == role).count();
        let mut wiring = Wiring {
            executor: Some(executor.clone()),
            ..Wiring::default()
        };
        if count(Role::EchoServer) > 0 {
            let listener = executor.bind_loopback().await?;
            wiring.addr = Some(listener.local_addr()?);
            wiring.listener = Some(listener);
            for _ in 0..count(Role::EchoHandler) {
                let (tx, rx) = oneshot::channel();
                wiring.to_handlers.push(tx);
                wiring.handlers.push_back(rx);
            }
        }
        if count(Role::FanInSender) > 0 {
            // sender1..T → receiver → sink: the shared channel, then the
            // receiver's to the sink.
            let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
            wiring.fan_in = Some(tx);
            wiring.fan_in_senders = count(Role::FanInSender);
            wiring.receivers.push_back(rx);
            let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
            wiring.senders.push_back(tx);
            wiring.receivers.push_back(rx);
        }
        if count(Role::Source) > 0 {
            // source → stage1 → … → stageS → sink: S + 1 channels.
            for _ in 0..=count(Role::Stage) {
                let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
                wiring.senders.push_back(tx);
                wiring.receivers.push_back(rx);
            }
        }
        Ok(wiring)
    }

    /// The body of the service future `spec`: `samples` events, `cost` of
    /// work per event. Futures take their ends of the wiring in scenario
    /// order.
    pub(crate) fn body(
        &mut self,
        spec: &FutureSpec,
        samples: u32,
        cost: Cost,
    ) -> BoxFuture<'static, ()> {
        let work = move || {
            if !cost.duration().is_zero() {
                cost.burn();
            }
        };
        let executor = self
            .executor
            .clone()
            .expect("the wiring is made for the run's executor");
        match spec.role {
            Role::Producer => async {}.boxed(),
            Role::EchoServer => {
                let listener = self.listener.take();
                let handlers = std::mem::take(&mut self.to_handlers);
                serve(executor, listener, handlers).boxed()
            }
            Role::EchoHandler => {
                let connection = self.handlers.pop_front();
                echo(connection, work).boxed()
            }
            Role::EchoClient => client(executor, self.addr, samples).boxed(),
            Role::Timer => timer(executor, samples).boxed(),
            Role::Ticker => ticker(executor, samples).boxed(),
            Role::Source => source(self.senders.pop_front(), samples).boxed(),
            Role::Stage => {
                let (rx, tx) = (self.receivers.pop_front(), self.senders.pop_front());
                stage(rx, tx, work).boxed()
            }
            Role::FanInSender => {
                self.fan_in_senders = self.fan_in_senders.saturating_sub(1);
                let tx = if self.fan_in_senders == 0 {
                    self.fan_in.take()
                } else {
                    self.fan_in.clone()
                };
                source(tx, samples).boxed()
            }
            Role::FanInReceiver => {
                let (rx, tx) = (self.receivers.pop_front(), self.senders.pop_front());
                stage(rx, tx, work).boxed()
            }
            Role::Sink => sink(self.receivers.pop_front()).boxed(),
            Role::Locker => locker(Arc::clone(&self.lock), samples, work, executor).boxed(),
        }
    }
}

/// Records an event that began at `start` and completed now, with its
/// latency in µs as the value.
fn event(seq: u32, start: clock::Ticks, latency: Duration) {
    record_step(
        SampleRecord {
            seq,
            value: latency.as_nanos() as f64 / 1e3,
            start,
            end: clock::now(),
            cpu_ns: NOT_MEASURED,
            thread: 0,
        },
        None,
    );
}

/// The clock reading `elapsed` before now.
fn ticks_ago(elapsed: Duration) -> clock::Ticks {
    clock::now().saturating_sub(clock::ticks_after(0, nanos(elapsed)))
}

/// Accepts one connection per handler; gives up with the clients (a client
/// that never connects must not keep the run waiting), which drops the
/// remaining handlers' senders so they end too.
async fn serve(
    executor: ExecutorHandle,
    listener: Option<Listener>,
    handlers: Vec<oneshot::Sender<Stream>>,
) {
    let Some(listener) = listener else { return };
    let accept_all = async move {
        for handler in handlers {
            let Ok(stream) = listener.accept().await else {
                return;
            };
            let _ = handler.send(stream);
        }
    };
    let _ = executor.timeout(CLIENT_TIMEOUT, accept_all).await;
}

async fn echo(connection: Option<oneshot::Receiver<Stream>>, work: impl Fn()) {
    let Some(Ok(mut stream)) = (match connection {
        Some(rx) => Some(rx.await),
        None => None,
    }) else {
        return;
    };
    let mut buffer = [0u8; REQUEST_BYTES];
    while stream.read_exact(&mut buffer).await.is_ok() {
        work();
        if stream.write_all(&buffer).await.is_err() {
            return;
        }
    }
}

async fn client(executor: ExecutorHandle, addr: Option<SocketAddr>, samples: u32) {
    let Some(addr) = addr else { return };
    let connecting = executor.clone();
    let requests = async move {
        let Ok(mut stream) = connecting.connect(addr).await else {
            return;
        };
        let mut buffer = [7u8; REQUEST_BYTES];
        for seq in 0..samples {
            let (start, t0) = (clock::now(), Instant::now());
            if stream.write_all(&buffer).await.is_err()
                || stream.read_exact(&mut buffer).await.is_err()
            {
                return;
            }
            event(seq, start, t0.elapsed());
        }
    };
    let _ = executor.timeout(CLIENT_TIMEOUT, requests).await;
}

/// Sleeps one tick `samples` times; the value is the lateness: the actual
/// wake minus the deadline.
async fn timer(executor: ExecutorHandle, samples: u32) {
    for seq in 0..samples {
        let (start, t0) = (clock::now(), Instant::now());
        executor.sleep(TICK).await;
        event(seq, start, t0.elapsed().saturating_sub(TICK));
    }
}

/// Ticks a one-tick interval `samples` times; the value is each tick's
/// lateness behind its schedule, and the event starts at the scheduled
/// instant.
async fn ticker(executor: ExecutorHandle, samples: u32) {
    let mut interval = executor.interval(TICK);
    for seq in 0..samples {
        let scheduled = interval.tick().await;
        let late = Instant::now().saturating_duration_since(scheduled);
        event(seq, ticks_ago(late), late);
    }
}

/// Sends `samples` items, each stamped as the send begins (a wait for room
/// in a full channel is part of its latency).
async fn source(tx: Option<mpsc::Sender<Item>>, samples: u32) {
    let Some(tx) = tx else { return };
    for _ in 0..samples {
        let item = Item { born: clock::now() };
        if tx.send(item).await.is_err() {
            return;
        }
    }
}

async fn stage(rx: Option<mpsc::Receiver<Item>>, tx: Option<mpsc::Sender<Item>>, work: impl Fn()) {
    let (Some(mut rx), Some(tx)) = (rx, tx) else {
        return;
    };
    while let Some(item) = rx.recv().await {
        work();
        if tx.send(item).await.is_err() {
            return;
        }
    }
}

/// Receives the items; the value is each one's end-to-end latency, the
/// number its place in the order of arrival (a pipeline's items arrive in
/// the order they were made; fan_in's senders interleave).
async fn sink(rx: Option<mpsc::Receiver<Item>>) {
    let Some(mut rx) = rx else { return };
    let mut seq = 0;
    while let Some(item) = rx.recv().await {
        let latency = clock::ticks_to_ns(item.born, clock::now());
        event(seq, item.born, Duration::from_nanos(latency));
        seq += 1;
    }
}

/// Takes the lock `samples` times; the value is each wait for it.
async fn locker(lock: Arc<Mutex<()>>, samples: u32, work: impl Fn(), executor: ExecutorHandle) {
    for seq in 0..samples {
        let (start, t0) = (clock::now(), Instant::now());
        let guard = lock.lock().await;
        event(seq, start, t0.elapsed());
        work();
        drop(guard);
        executor.yield_now().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::JourneyParams;

    #[test]
    fn the_echo_server_listens_on_loopback_only() {
        let scenario = crate::scenario::builtin("tcp_echo", &JourneyParams::default()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let wiring = runtime
            .block_on(Wiring::for_scenario(&scenario, &ExecutorHandle::Tokio))
            .unwrap();
        let addr = wiring.addr.unwrap();
        assert!(addr.ip().is_loopback(), "{addr}");
        assert_eq!(wiring.handlers.len(), 6);
    }
}
