//! pollscope's probe against the nearest peer, re-measured on every machine.
//!
//! dial9 (crate `dial9`, feature `tokio`) records every poll of the tasks
//! started through `dial9::spawn`. Both probes wrap the same tasks on the
//! same 2-worker runtime:
//!
//! * `peer_overhead/yield/{bare,pollscope,dial9}` — 64 tasks × 5,000
//!   `yield_now`, about 40 ns of arithmetic per poll: the probe's cost per
//!   poll shows through almost undiluted;
//! * `peer_overhead/tcp_echo/{bare,pollscope,dial9}` — a pure loopback echo,
//!   4 clients × 2,000 requests of 64 bytes, one handler task per
//!   connection.
//!
//! `bare` spawns with `tokio::spawn`, `pollscope` wraps each task with the
//! library's [`pollscope::Session::instrument`] under a [`pollscope::Session`] (whose
//! logs are discarded, untimed, after each run), `dial9` spawns with
//! `dial9::spawn` on a runtime attached to an in-memory dial9 recorder.
//! After criterion's groups, interleaved rounds (7 with `--bench`, 1 in
//! test mode; `POLLSCOPE_BENCH_PEER_ROUNDS` sets it) print each probe's
//! median cost per poll over bare with its spread, and the ratio of the two
//! (the target: pollscope ≤ 30 ns per poll, at least 4× below dial9).

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use dial9::{Dial9HandleTokioExt, MemoryBuffer, TokioAttachOptions};
use pollscope::Session;
use pollscope::internals::positive_env;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

const WORKERS: usize = 2;
const YIELD_TASKS: usize = 64;
const YIELDS: usize = 5_000;
const ECHO_CLIENTS: usize = 4;
const ECHO_REQUESTS: usize = 2_000;
const MESSAGE: usize = 64;

/// Who records the tasks' polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    Bare,
    Pollscope,
    Dial9,
}

const PROBES: [Probe; 3] = [Probe::Bare, Probe::Pollscope, Probe::Dial9];

impl Probe {
    fn name(self) -> &'static str {
        match self {
            Probe::Bare => "bare",
            Probe::Pollscope => "pollscope",
            Probe::Dial9 => "dial9",
        }
    }

    /// Spawns `future` as a task recorded by this probe.
    fn spawn<F>(self, name: &'static str, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Probe::Bare => tokio::spawn(future),
            Probe::Pollscope => tokio::spawn(session().instrument(name, future)),
            Probe::Dial9 => dial9::spawn(future),
        }
    }
}

/// One runtime per probe, built once; dial9's is attached to its recorder.
struct Runtimes {
    plain: Runtime,
    dial9: Runtime,
    /// Kept alive for as long as its runtime records into it.
    _recorder: dial9::Recorder,
}

/// The bench's one session, which every pollscope-probed task records into.
fn session() -> &'static Session {
    static SESSION: std::sync::OnceLock<Session> = std::sync::OnceLock::new();
    SESSION.get_or_init(|| Session::start("peer_overhead").expect("a valid session name"))
}

impl Runtimes {
    fn new() -> Self {
        let builder = || {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(WORKERS).enable_all();
            builder
        };
        // The session's thread 0 is this one, which calls block_on.
        session();
        let recorder =
            dial9::recorder(MemoryBuffer::new(64 << 20).expect("an in-memory buffer")).build();
        let dial9 = recorder
            .handle()
            .attach_tokio_runtime(
                builder(),
                TokioAttachOptions::builder()
                    .task_tracking_enabled(true)
                    .build(),
            )
            .expect("dial9 attaches to a tokio runtime");
        Self {
            plain: builder().build().expect("a tokio runtime"),
            dial9,
            _recorder: recorder,
        }
    }

    /// Runs `workload` once under `probe` and returns its wall time.
    fn time<W, Fut>(&self, probe: Probe, workload: W) -> Duration
    where
        W: FnOnce(Probe) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let runtime = match probe {
            Probe::Dial9 => &self.dial9,
            _ => &self.plain,
        };
        let run = workload(probe);
        let start = Instant::now();
        runtime.block_on(run);
        let elapsed = start.elapsed();
        // Whatever pollscope recorded is dropped outside the timed part.
        drop(session().recording().take_logs());
        elapsed
    }
}

/// About 40 ns of arithmetic the optimizer cannot remove.
fn work(seed: u64) -> u64 {
    (0..16).fold(seed, |acc, i| {
        black_box(acc.wrapping_mul(31).wrapping_add(i))
    })
}

/// 64 tasks that each yield 5,000 times, doing a little work per poll.
async fn yield_heavy(probe: Probe) {
    let tasks: Vec<_> = (0..YIELD_TASKS as u64)
        .map(|seed| {
            probe.spawn("yielder", async move {
                let mut acc = seed;
                for _ in 0..YIELDS {
                    acc = work(acc);
                    tokio::task::yield_now().await;
                }
                black_box(acc);
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a yielding task finishes");
    }
}

/// Polls per run of [`yield_heavy`]: each yield is one pending poll, then
/// one ready poll per task.
const YIELD_POLLS: usize = YIELD_TASKS * (YIELDS + 1);

/// A loopback echo: one handler task per connection, clients that send
/// fixed-size requests and await each echo.
async fn echo(probe: Probe) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address: SocketAddr = listener.local_addr().expect("a bound address");
    let server = probe.spawn("server", async move {
        let mut handlers = Vec::with_capacity(ECHO_CLIENTS);
        for _ in 0..ECHO_CLIENTS {
            let (mut stream, _) = listener.accept().await.expect("a client connects");
            stream.set_nodelay(true).expect("nodelay");
            handlers.push(probe.spawn("handler", async move {
                let mut buffer = [0u8; MESSAGE];
                while stream.read_exact(&mut buffer).await.is_ok() {
                    stream.write_all(&buffer).await.expect("an echo");
                }
            }));
        }
        for handler in handlers {
            handler.await.expect("a handler finishes");
        }
    });
    let clients: Vec<_> = (0..ECHO_CLIENTS)
        .map(|_| {
            probe.spawn("client", async move {
                let mut stream = TcpStream::connect(address).await.expect("a connection");
                stream.set_nodelay(true).expect("nodelay");
                let mut buffer = [7u8; MESSAGE];
                for _ in 0..ECHO_REQUESTS {
                    stream.write_all(&buffer).await.expect("a request");
                    stream.read_exact(&mut buffer).await.expect("its echo");
                }
            })
        })
        .collect();
    for client in clients {
        client.await.expect("a client finishes");
    }
    server.await.expect("the server finishes");
}

type Workload = fn(Probe) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

const WORKLOADS: [(&str, Workload); 2] = [
    ("yield", |probe| Box::pin(yield_heavy(probe))),
    ("tcp_echo", |probe| Box::pin(echo(probe))),
];

fn bench_peers(c: &mut Criterion, runtimes: &Runtimes) {
    let mut group = c.benchmark_group("peer_overhead");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for (workload_name, workload) in WORKLOADS {
        for probe in PROBES {
            group.bench_function(format!("{workload_name}/{}", probe.name()), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| runtimes.time(probe, workload)).sum())
            });
        }
    }
    group.finish();
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[(values.len() - 1) / 2]
}

fn spread(values: &[f64]) -> (f64, f64) {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (low, high)
}

/// Interleaved rounds (the order of the three rotates each round, so that
/// none always runs first), printed as each probe's cost over bare.
fn print_rounds(runtimes: &Runtimes, benchmarking: bool) {
    let rounds = positive_env(
        "POLLSCOPE_BENCH_PEER_ROUNDS",
        if benchmarking { 7 } else { 1 },
    )
    .unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    }) as usize;
    let mode = if benchmarking {
        ""
    } else {
        " [test mode: an unoptimized build; `cargo bench --bench peer` measures]"
    };
    for (workload_name, workload) in WORKLOADS {
        let mut times: [Vec<f64>; 3] = Default::default();
        for round in 0..rounds {
            for k in 0..PROBES.len() {
                let index = (round + k) % PROBES.len();
                times[index].push(runtimes.time(PROBES[index], workload).as_secs_f64());
            }
        }
        let bare = times[0].clone();
        let over_bare = |index: usize| -> Vec<f64> {
            times[index].iter().zip(&bare).map(|(t, b)| t - b).collect()
        };
        let (mut pollscope, mut dial9) = (over_bare(1), over_bare(2));
        let mut ratios: Vec<f64> = pollscope
            .iter()
            .zip(&dial9)
            .map(|(p, d)| d / p.max(f64::EPSILON))
            .collect();
        let bare_ms = median(&mut bare.clone()) * 1e3;
        if workload_name == "yield" {
            let per_poll = |v: &[f64]| v.iter().map(|s| s * 1e9 / YIELD_POLLS as f64).collect();
            let (mut p, mut d): (Vec<f64>, Vec<f64>) = (per_poll(&pollscope), per_poll(&dial9));
            let ((p_low, p_high), (d_low, d_high)) = (spread(&p), spread(&d));
            println!(
                "\npeer_overhead/yield over {rounds} interleaved rounds ({YIELD_POLLS} polls a run, bare {bare_ms:.1} ms): \
                 pollscope +{:.1} ns per poll ({p_low:.1}…{p_high:.1}), dial9 +{:.1} ns per poll ({d_low:.1}…{d_high:.1}); \
                 dial9/pollscope {:.1}× (median){mode}",
                median(&mut p),
                median(&mut d),
                median(&mut ratios)
            );
        } else {
            let requests = (ECHO_CLIENTS * ECHO_REQUESTS) as f64;
            let rps = |v: &[f64]| -> Vec<f64> { v.iter().map(|s| requests / s).collect() };
            let throughput = |index: usize| median(&mut rps(&times[index]));
            let relative = |v: &mut Vec<f64>| {
                let mut r: Vec<f64> = v.iter().zip(&bare).map(|(o, b)| b / (b + o)).collect();
                median(&mut r)
            };
            println!(
                "peer_overhead/tcp_echo over {rounds} interleaved rounds: bare {:.0}, pollscope {:.0}, dial9 {:.0} requests/s \
                 (medians of each one's runs); per round against that round's bare run, pollscope {:.3}, dial9 {:.3} \
                 (medians of the rounds' ratios){mode}",
                throughput(0),
                throughput(1),
                throughput(2),
                relative(&mut pollscope),
                relative(&mut dial9)
            );
        }
    }
}

fn main() {
    let runtimes = Runtimes::new();
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench_peers(&mut criterion, &runtimes);
    criterion.final_summary();
    // `cargo test --benches` runs each bench once, without `--bench`.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    print_rounds(&runtimes, benchmarking);
    #[cfg(all(tokio_unstable, feature = "task-hooks"))]
    print_hooks(&runtimes, benchmarking);
}

/// The task-hooks path (`--features task-hooks`, `RUSTFLAGS="--cfg
/// tokio_unstable"`): the yield workload's tasks spawned bare on a runtime
/// whose every task pollscope records through tokio's hooks, against the
/// plain runtime, in interleaved rounds; printed as the cost per poll.
#[cfg(all(tokio_unstable, feature = "task-hooks"))]
fn print_hooks(runtimes: &Runtimes, benchmarking: bool) {
    let rounds = if benchmarking { 7 } else { 1 };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(WORKERS).enable_all();
    let hooked = session()
        .hook_tasks(&mut builder)
        .build()
        .expect("a hooked tokio runtime");
    let time = |runtime: &Runtime| {
        let start = Instant::now();
        runtime.block_on(yield_heavy(Probe::Bare));
        start.elapsed().as_secs_f64()
    };
    let mut over: Vec<f64> = Vec::new();
    for round in 0..rounds {
        let (bare, hooks) = if round % 2 == 0 {
            let b = time(&runtimes.plain);
            (b, time(&hooked))
        } else {
            let h = time(&hooked);
            (time(&runtimes.plain), h)
        };
        over.push((hooks - bare) * 1e9 / YIELD_POLLS as f64);
    }
    let (low, high) = spread(&over);
    println!(
        "peer_overhead/yield through tokio's task hooks over {rounds} interleaved rounds: \
         +{:.1} ns per poll ({low:.1}…{high:.1})",
        median(&mut over)
    );
}
