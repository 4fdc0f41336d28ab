//! A criterion bench of "your own" async code with pollscope beside it:
//! a small request/response service (a dispatcher handing requests over
//! channels to three handlers) timed by criterion, then measured with
//! repeats into `target/pollscope/user_code_service/`, with one claim.
//!
//!     cargo bench --bench user_code --features criterion
//!     pollscope check target/pollscope/user_code_service
//!     pollscope compare OLD_COPY target/pollscope/user_code_service

use criterion::{Criterion, criterion_group, criterion_main};
use pollscope::{MeasureOptions, Pictures, Probed, Repeat, UserClaim};
use tokio::sync::{mpsc, oneshot};

/// Requests per handler per workload run.
const REQUESTS: u32 = 200;

/// One workload run: three handlers serve `REQUESTS` requests each, sent
/// by a client task, each answered over a oneshot; the round trip is a
/// sample (µs) of the client.
async fn service(repeat: Repeat) {
    let mut senders = Vec::new();
    let mut handlers = Vec::new();
    for h in 1..=3 {
        let (tx, mut rx) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(16);
        senders.push(tx);
        handlers.push(tokio::spawn(
            async move {
                while let Some((n, reply)) = rx.recv().await {
                    // A little work per request.
                    let answer = (0..n % 64).fold(n, |a, i| a.wrapping_mul(31).wrapping_add(i));
                    let _ = reply.send(answer);
                }
            }
            .probed(&repeat, format!("handler{h}")),
        ));
    }
    let client = tokio::spawn(
        async move {
            for n in 0..u64::from(REQUESTS) * 3 {
                let (reply, answer) = oneshot::channel();
                let start = std::time::Instant::now();
                let handler = &senders[(n % 3) as usize];
                handler.send((n, reply)).await.expect("handler alive");
                answer.await.expect("answered");
                pollscope::sample_duration(start.elapsed());
            }
        }
        .probed(&repeat, "client"),
    );
    client.await.expect("client");
    for h in handlers {
        h.await.expect("handler");
    }
}

fn user_code(c: &mut Criterion) {
    let claim: UserClaim = "handler* poll_duration p99 < 5ms".parse().expect("a claim");
    let options = MeasureOptions::new("user_code_service")
        .repeats(5)
        .workers(2)
        .pictures(Pictures::No)
        .claim(claim);
    let published = pollscope::criterion::bench_async(c, "user_code_service", options, service)
        .expect("the folder is writable");
    println!("pollscope: {}", published.dir.display());
}

criterion_group!(benches, user_code);
criterion_main!(benches);
