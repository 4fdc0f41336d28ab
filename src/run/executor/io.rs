//! Sockets and timers of either executor: tokio's own (its I/O driver and
//! millisecond timer wheel) or smol's (`async-io`'s reactor and timers,
//! `async-net`'s sockets). Made through [`super::ExecutorHandle`]; the
//! workloads are written once against these.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[cfg(feature = "smol")]
use futures::StreamExt;

use crate::scenario::Executor;

/// Why an arm for smol cannot be reached: without the `smol` feature,
/// [`super::block_on`] refuses smol runs before any socket or timer is
/// made.
#[cfg(not(feature = "smol"))]
const NO_SMOL: &str = "smol runs are refused without the smol feature";

/// A loopback listener of either executor.
#[derive(Debug)]
pub(crate) enum Listener {
    Tokio(tokio::net::TcpListener),
    #[cfg(feature = "smol")]
    Smol(smol::net::TcpListener),
}

/// A connected socket of either executor, with `TCP_NODELAY` set where the
/// OS allows (a refusal only costs latency, so it is not an error).
#[derive(Debug)]
pub(crate) enum Stream {
    Tokio(tokio::net::TcpStream),
    #[cfg(feature = "smol")]
    Smol(smol::net::TcpStream),
}

impl Listener {
    /// Binds `127.0.0.1` on a port the OS chooses (loopback only).
    pub(super) async fn bind_loopback(executor: Executor) -> io::Result<Self> {
        let local = SocketAddr::from(([127, 0, 0, 1], 0));
        Ok(match executor {
            Executor::Tokio => Listener::Tokio(tokio::net::TcpListener::bind(local).await?),
            #[cfg(not(feature = "smol"))]
            Executor::Smol => unreachable!("{}", NO_SMOL),
            #[cfg(feature = "smol")]
            Executor::Smol => Listener::Smol(smol::net::TcpListener::bind(local).await?),
        })
    }

    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Listener::Tokio(l) => l.local_addr(),
            #[cfg(feature = "smol")]
            Listener::Smol(l) => l.local_addr(),
        }
    }

    pub(crate) async fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Tokio(l) => {
                let (stream, _) = l.accept().await?;
                let _ = stream.set_nodelay(true);
                Ok(Stream::Tokio(stream))
            }
            #[cfg(feature = "smol")]
            Listener::Smol(l) => {
                let (stream, _) = l.accept().await?;
                let _ = stream.set_nodelay(true);
                Ok(Stream::Smol(stream))
            }
        }
    }
}

impl Stream {
    pub(super) async fn connect(executor: Executor, addr: SocketAddr) -> io::Result<Self> {
        Ok(match executor {
            Executor::Tokio => {
                let stream = tokio::net::TcpStream::connect(addr).await?;
                let _ = stream.set_nodelay(true);
                Stream::Tokio(stream)
            }
            #[cfg(not(feature = "smol"))]
            Executor::Smol => unreachable!("{}", NO_SMOL),
            #[cfg(feature = "smol")]
            Executor::Smol => {
                let stream = smol::net::TcpStream::connect(addr).await?;
                let _ = stream.set_nodelay(true);
                Stream::Smol(stream)
            }
        })
    }

    pub(crate) async fn read_exact(&mut self, buffer: &mut [u8]) -> io::Result<()> {
        match self {
            Stream::Tokio(s) => tokio::io::AsyncReadExt::read_exact(s, buffer)
                .await
                .map(drop),
            #[cfg(feature = "smol")]
            Stream::Smol(s) => futures::AsyncReadExt::read_exact(s, buffer).await,
        }
    }

    pub(crate) async fn write_all(&mut self, buffer: &[u8]) -> io::Result<()> {
        match self {
            Stream::Tokio(s) => tokio::io::AsyncWriteExt::write_all(s, buffer).await,
            #[cfg(feature = "smol")]
            Stream::Smol(s) => futures::AsyncWriteExt::write_all(s, buffer).await,
        }
    }
}

/// Sleeps `period`: tokio's timer rounds the deadline up to its next 1 ms
/// tick; smol's fires at the deadline (as precisely as the OS wakes it).
pub(super) async fn sleep(executor: Executor, period: Duration) {
    match executor {
        Executor::Tokio => tokio::time::sleep(period).await,
        #[cfg(not(feature = "smol"))]
        Executor::Smol => unreachable!("{}", NO_SMOL),
        #[cfg(feature = "smol")]
        Executor::Smol => {
            smol::Timer::after(period).await;
        }
    }
}

/// `future`'s output, or `None` once `limit` has passed.
pub(super) async fn timeout<T>(
    executor: Executor,
    limit: Duration,
    future: impl Future<Output = T>,
) -> Option<T> {
    match executor {
        Executor::Tokio => tokio::time::timeout(limit, future).await.ok(),
        #[cfg(not(feature = "smol"))]
        Executor::Smol => unreachable!("{}", NO_SMOL),
        #[cfg(feature = "smol")]
        Executor::Smol => {
            smol::future::or(async { Some(future.await) }, async {
                smol::Timer::after(limit).await;
                None
            })
            .await
        }
    }
}

/// A periodic timer whose first tick is immediate and that catches up on
/// missed ticks in a burst (tokio's default, and smol's interval timer).
#[derive(Debug)]
pub(crate) enum Interval {
    Tokio(tokio::time::Interval),
    #[cfg(feature = "smol")]
    Smol(smol::Timer),
}

impl Interval {
    pub(super) fn new(executor: Executor, period: Duration) -> Self {
        match executor {
            Executor::Tokio => Interval::Tokio(tokio::time::interval(period)),
            #[cfg(not(feature = "smol"))]
            Executor::Smol => unreachable!("{}", NO_SMOL),
            #[cfg(feature = "smol")]
            Executor::Smol => Interval::Smol(smol::Timer::interval_at(Instant::now(), period)),
        }
    }

    /// Waits for the next tick and returns when it was scheduled.
    pub(crate) async fn tick(&mut self) -> Instant {
        match self {
            Interval::Tokio(i) => i.tick().await.into_std(),
            #[cfg(feature = "smol")]
            Interval::Smol(t) => t.next().await.unwrap_or_else(Instant::now),
        }
    }
}
