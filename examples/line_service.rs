//! A small real service tracked with pollscope: a loopback line-protocol
//! server (one handler task per connection, each line answered with its
//! checksum) under a load generator of 4 clients, measured with 5 repeats
//! on fresh 2-worker runtimes, with one claim about the handlers.
//!
//!     cargo run --release --example line_service -- results/line_a
//!     pollscope check results/line_a          # exit 1 if the claim fails
//!
//! Compare two commits: run it on each, then compare the folders (exit 1
//! when something regressed):
//!
//!     git checkout OLD && cargo run --release --example line_service -- results/old
//!     git checkout NEW && cargo run --release --example line_service -- results/new
//!     pollscope compare results/old results/new
//!
//! `LINE_SERVICE_SLEEP_US=500` makes every handler block its worker for
//! that long per line (a `std::thread::sleep`, the classic mistake), to
//! see `compare` flag it.

use std::time::{Duration, Instant};

use pollscope::{MeasureOptions, Pictures, Probed, Repeat, UserClaim};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const CLIENTS: usize = 4;
const LINES: usize = 300;

/// Serves one connection: each line is answered with its checksum.
async fn handle(stream: TcpStream, sleep: Duration) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if !sleep.is_zero() {
            std::thread::sleep(sleep); // blocks the worker: don't do this
        }
        let sum = line
            .bytes()
            .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
        if write
            .write_all(format!("{sum}\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

/// One client: `LINES` requests, one at a time, each round trip a sample.
async fn client(addr: std::net::SocketAddr, id: usize) {
    let stream = TcpStream::connect(addr).await.expect("the server listens");
    stream.set_nodelay(true).expect("nodelay");
    let (read, mut write) = stream.into_split();
    let mut answers = BufReader::new(read).lines();
    for n in 0..LINES {
        let start = Instant::now();
        let request = format!("client {id} line {n}\n");
        write.write_all(request.as_bytes()).await.expect("sent");
        answers
            .next_line()
            .await
            .expect("answered")
            .expect("a line");
        pollscope::sample_duration(start.elapsed());
    }
}

/// One repeat: the server, its handlers and the clients, all probed.
async fn workload(repeat: Repeat, sleep: Duration) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("loopback");
    let addr = listener.local_addr().expect("an address");
    let server_repeat = repeat.clone();
    let server = tokio::spawn(async move {
        let mut handlers = Vec::new();
        for i in 1..=CLIENTS {
            let (stream, _) = listener.accept().await.expect("a client");
            stream.set_nodelay(true).expect("nodelay");
            let handler = handle(stream, sleep).probed(&server_repeat, format!("handler{i}"));
            handlers.push(tokio::spawn(handler));
        }
        for h in handlers {
            h.await.expect("handler");
        }
    });
    let clients: Vec<_> = (1..=CLIENTS)
        .map(|id| tokio::spawn(client(addr, id).probed(&repeat, format!("client{id}"))))
        .collect();
    for c in clients {
        c.await.expect("client");
    }
    server.await.expect("server");
}

fn main() -> pollscope::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "results/line_service".into());
    let sleep_us = std::env::var("LINE_SERVICE_SLEEP_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let sleep = Duration::from_micros(sleep_us);
    // The claim CI gates on: no handler poll longer than 1 ms at p99.
    let claim: UserClaim = "handler* poll_duration p99 < 1ms".parse()?;
    let options = MeasureOptions::new("line_service")
        .repeats(5)
        .workers(2)
        .out(out)
        .pictures(Pictures::Yes)
        .claim(claim);
    let published = pollscope::measure(&options, |repeat| workload(repeat, sleep))?;
    for warning in &published.warnings {
        eprintln!("warning: {warning}");
    }
    for f in &published.findings {
        println!("{} {}: {}", f.run_id, f.claim.id, f.verdict());
    }
    println!("report: {}", published.dir.join("index.html").display());
    Ok(())
}
