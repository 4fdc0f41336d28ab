//! The probe's own cost, and how faithful each cost kind is.
//!
//! * `probe_sample/pollscope` — one recorded sample: two clock reads and a
//!   store into the polled future's buffer (the target: ≤ 25 ns);
//! * `probe_sample/post_way` — the blog post's way: a `String` per sample,
//!   `thread_id::get()`, two `Instant` reads and an unbounded mpsc send;
//! * `probe_poll/{bare,instrumented,instrumented_cpu}` — one poll of a
//!   future that wakes itself and returns `Pending`, under a no-op waker,
//!   without and with the probe's wrapper, and with the poll's on-CPU time
//!   measured too (`--poll-cpu-time`);
//! * `cpu_clock/read` — one read of the thread's CPU clock;
//! * `probe_overhead/{many_spawn_task,many_spawn_task-smol,journey}/{bare,instrumented}`
//!   — whole runs' wall time with the probe off and on (targets: ratios
//!   ≤ 1.01 and, for the journey with every step's on-CPU time, ≤ 1.02),
//!   then 10 interleaved pairs of `many_spawn_task` on tokio and on smol,
//!   printed as each executor's median ratio (the target: within 1 %);
//! * `probe_overhead/tcp_echo/{bare,instrumented}` — a pure loopback echo
//!   (4 clients × 2,000 requests), then 10 interleaved pairs printed as
//!   requests per second and their ratio (the target: ≥ 0.99);
//! * `cost_fidelity/<kind>/<cost>` — one call of the cost function; the
//!   median and p99 of every timed call's wall time and of the on-CPU time
//!   the cost reports are printed at the end (the `cpu` kind's target: the
//!   on-CPU median within ±1 % of the request).

use std::collections::BTreeMap;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use hdrhistogram::Histogram;
use pollscope::ThreadKind;
use pollscope::internals::{Probe, positive_env, timed_run};
use pollscope::internals::{Recording, clock, record_sample, thread_cpu_ns};
use pollscope::{Cost, CostKind, Executor};
use pollscope::{JOURNEY, builtin};
use pollscope::{JourneyParams, Scenario};

/// Events per chunk: buffers are sized for a chunk, then dropped untimed.
const CHUNK: u64 = 100_000;

fn chunks(iters: u64) -> impl Iterator<Item = u64> {
    let full = iters / CHUNK;
    (0..full)
        .map(|_| CHUNK)
        .chain((!iters.is_multiple_of(CHUNK)).then_some(iters % CHUNK))
}

fn bench_sample(c: &mut Criterion) {
    let mut group = c.benchmark_group("probe_sample");
    group.bench_function("pollscope", |b| {
        b.iter_custom(|iters| {
            let recording = Recording::new();
            recording.thread_index(ThreadKind::Main);
            let mut total = Duration::ZERO;
            for n in chunks(iters) {
                let future = recording.instrument("bench", n as usize, async move {
                    let start = Instant::now();
                    for i in 0..n {
                        let t0 = clock::now();
                        let value = black_box(i as f64);
                        record_sample(i as u32, value, t0, clock::now());
                    }
                    start.elapsed()
                });
                total += futures::executor::block_on(future);
                drop(recording.take_logs());
            }
            total
        })
    });
    group.bench_function("post_way", |b| {
        #[allow(dead_code)]
        struct PostSample {
            fut_name: String,
            value: f64,
            start: u128,
            end: u128,
            thread_id: usize,
        }
        b.iter_custom(|iters| {
            let run_start = Instant::now();
            let mut total = Duration::ZERO;
            for n in chunks(iters) {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let start = Instant::now();
                for i in 0..n {
                    let t0 = run_start.elapsed().as_micros();
                    let value = black_box(i as f64);
                    let t1 = run_start.elapsed().as_micros();
                    let sample = PostSample {
                        fut_name: "fut0".to_string(),
                        value,
                        start: t0,
                        end: t1,
                        thread_id: thread_id::get(),
                    };
                    tx.send(sample).expect("the receiver is alive");
                }
                total += start.elapsed();
                while rx.try_recv().is_ok() {}
            }
            total
        })
    });
    group.finish();
}

/// Returns `Pending` `remaining` times, waking itself each time (as
/// `yield_now` does), then `Ready`.
struct SelfWaking {
    remaining: u64,
}

impl Future for SelfWaking {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn poll_n<F: Future>(mut future: Pin<&mut F>, n: u64) -> Duration {
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    let start = Instant::now();
    for _ in 0..n {
        black_box(future.as_mut().poll(&mut cx).is_ready());
    }
    start.elapsed()
}

fn bench_poll(c: &mut Criterion) {
    let mut group = c.benchmark_group("probe_poll");
    group.bench_function("bare", |b| {
        b.iter_custom(|iters| {
            chunks(iters)
                .map(|n| {
                    let mut future = SelfWaking { remaining: n + 1 };
                    poll_n(Pin::new(&mut future), n)
                })
                .sum()
        })
    });
    for (name, poll_cpu_time) in [("instrumented", false), ("instrumented_cpu", true)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let recording = Recording::with_poll_cpu_time(poll_cpu_time);
                recording.thread_index(ThreadKind::Main);
                chunks(iters)
                    .map(|n| {
                        let future = recording.instrument(
                            "bench",
                            n as usize,
                            SelfWaking { remaining: n + 1 },
                        );
                        let mut future = Box::pin(future);
                        let elapsed = poll_n(future.as_mut(), n);
                        drop(future);
                        drop(recording.take_logs());
                        elapsed
                    })
                    .sum()
            })
        });
    }
    group.finish();
}

/// One read of the calling thread's CPU clock (what per-step and per-poll
/// CPU time cost).
fn bench_cpu_clock(c: &mut Criterion) {
    let mut group = c.benchmark_group("cpu_clock");
    group.bench_function("read", |b| b.iter(|| black_box(thread_cpu_ns())));
    group.finish();
}

/// Whole runs with the probe off and on: `many_spawn_task` (on tokio and
/// on smol), and the default journey (its five scenarios one after
/// another, every step recording its on-CPU time); then interleaved pairs
/// of `many_spawn_task` runs on each executor, printed as the median
/// instrumented/bare ratio (the target: smol's within 1 % of tokio's).
fn bench_overhead(c: &mut Criterion) {
    let params = JourneyParams {
        samples: 100,
        ..JourneyParams::default()
    };
    let journey: Vec<Scenario> = JOURNEY
        .iter()
        .filter_map(|name| builtin(name, &params))
        .collect();
    let mut on_smol = journey[3].clone();
    on_smol.runtime.executor = Executor::Smol;
    let mut group = c.benchmark_group("probe_overhead");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for (set, scenarios) in [
        ("many_spawn_task", &journey[3..4]),
        ("many_spawn_task-smol", std::slice::from_ref(&on_smol)),
        ("journey", &journey[..]),
    ] {
        for (name, probe) in [("bare", Probe::Off), ("instrumented", Probe::On)] {
            group.bench_function(format!("{set}/{name}"), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .flat_map(|_| scenarios.iter())
                        .map(|s| timed_run(s, probe).expect("a journey scenario runs"))
                        .sum()
                })
            });
        }
    }
    group.finish();
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let pairs = if benchmarking { 10 } else { 1 };
    let mut line = Vec::new();
    for (executor, scenario) in [("tokio", &journey[3]), ("smol", &on_smol)] {
        let mut ratios: Vec<f64> = (0..pairs)
            .map(|pair| {
                let (bare, on) = interleaved_pair(scenario, pair);
                on.as_secs_f64() / bare.as_secs_f64()
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        line.push((
            executor,
            ratios[(ratios.len() - 1) / 2],
            ratios[0],
            ratios[ratios.len() - 1],
        ));
    }
    let shown: Vec<String> = line
        .iter()
        .map(|(e, median, low, high)| format!("{e} {median:.4} ({low:.4}–{high:.4})"))
        .collect();
    println!(
        "\nprobe_overhead/many_spawn_task instrumented/bare over {pairs} interleaved pairs (median, spread): {}; smol − tokio {:+.2} %{}",
        shown.join(", "),
        (line[1].1 - line[0].1) * 100.0,
        if benchmarking {
            ""
        } else {
            " [test mode: one pair of an unoptimized build]"
        }
    );
}

/// Pair number `pair` of whole runs of `scenario`, probe off and on, as
/// (bare, instrumented) wall times. Which runs first alternates, so that
/// whatever the first run of a pair leaves behind (sockets in TIME_WAIT, a
/// warm allocator) favours neither side.
fn interleaved_pair(scenario: &Scenario, pair: usize) -> (Duration, Duration) {
    let run = |probe| timed_run(scenario, probe).expect("the scenario runs");
    if pair.is_multiple_of(2) {
        let bare = run(Probe::Off);
        (bare, run(Probe::On))
    } else {
        let on = run(Probe::On);
        (run(Probe::Off), on)
    }
}

/// A pure echo: 4 clients × 2,000 requests of 64 bytes on 2 workers, no
/// work per request (what dial9 gates its own overhead on).
fn echo_scenario() -> Scenario {
    let params = JourneyParams {
        samples: 2_000,
        tasks: 4,
        light_cost: Duration::ZERO,
        ..JourneyParams::default()
    };
    let mut scenario = builtin("tcp_echo", &params).expect("tcp_echo is built in");
    scenario.runtime.workers = Some(2);
    scenario
}

/// Echo throughput with the probe off and on: a criterion pair, then at
/// least 10 interleaved pairs of whole runs, printed as requests per
/// second and the median instrumented/bare ratio with its spread.
fn bench_echo_overhead(c: &mut Criterion) {
    let scenario = echo_scenario();
    let requests = (4 * 2_000) as f64;
    let mut group = c.benchmark_group("probe_overhead");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for (name, probe) in [("bare", Probe::Off), ("instrumented", Probe::On)] {
        group.bench_function(format!("tcp_echo/{name}"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| timed_run(&scenario, probe).expect("tcp_echo runs"))
                    .sum()
            })
        });
    }
    group.finish();
    // `cargo test --benches` runs each bench once (criterion's test mode,
    // without `--bench`): one pair is enough there.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let pairs = positive_env(
        "POLLSCOPE_BENCH_ECHO_PAIRS",
        if benchmarking { 10 } else { 1 },
    )
    .unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    }) as usize;
    let mut ratios = Vec::new();
    let (mut bare_rps, mut probe_rps) = (Vec::new(), Vec::new());
    for pair in 0..pairs {
        let (bare, on) = interleaved_pair(&scenario, pair);
        bare_rps.push(requests / bare.as_secs_f64());
        probe_rps.push(requests / on.as_secs_f64());
        ratios.push(bare.as_secs_f64() / on.as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[(v.len() - 1) / 2]
    };
    let spread = (
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
    );
    let mode = if benchmarking {
        ""
    } else {
        " [test mode: an unoptimized build; `cargo bench --bench probe` measures]"
    };
    println!(
        "\necho throughput over {pairs} interleaved pairs: bare {:.0} requests/s, instrumented {:.0} requests/s; \
         instrumented/bare {:.3} (median; {:.3}–{:.3}){mode}",
        median(&mut bare_rps),
        median(&mut probe_rps),
        median(&mut ratios),
        spread.0,
        spread.1
    );
}

/// The wall time and the on-CPU time (as the cost reports it) of calls.
type WallAndCpu = (Histogram<u64>, Histogram<u64>);

/// Every timed call of each cost, by benchmark id.
static CALLS: Mutex<BTreeMap<String, WallAndCpu>> = Mutex::new(BTreeMap::new());

fn calls_histogram() -> Histogram<u64> {
    Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("valid bounds")
}

fn bench_cost_fidelity(c: &mut Criterion) {
    let mut group = c.benchmark_group("cost_fidelity");
    group
        .measurement_time(Duration::from_secs(1))
        .warm_up_time(Duration::from_millis(200));
    for kind in CostKind::ALL {
        for micros in [100, 500] {
            let cost = Cost::new(kind, Duration::from_micros(micros));
            let id = format!("{kind}/{micros}us");
            group.bench_function(id.as_str(), |b| {
                b.iter_custom(|iters| {
                    let (mut wall, mut on_cpu) = (calls_histogram(), calls_histogram());
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let start = Instant::now();
                        let cpu = cost.burn();
                        let elapsed = start.elapsed();
                        wall.saturating_record(elapsed.as_nanos() as u64);
                        if let Some(cpu) = cpu {
                            on_cpu.saturating_record(cpu);
                        }
                        total += elapsed;
                    }
                    let mut calls = CALLS.lock().unwrap();
                    let all = calls
                        .entry(id.clone())
                        .or_insert_with(|| (calls_histogram(), calls_histogram()));
                    all.0.add(&wall).expect("same bounds");
                    all.1.add(&on_cpu).expect("same bounds");
                    total
                })
            });
        }
    }
    group.finish();
}

fn print_fidelity() {
    let calls = CALLS.lock().unwrap();
    if calls.is_empty() {
        return;
    }
    println!(
        "\ncost fidelity (every timed call; cpu calibration {:.1} iterations/µs):",
        pollscope::internals::calibration()
    );
    for (id, (wall, on_cpu)) in calls.iter() {
        let requested = id
            .split('/')
            .nth(1)
            .and_then(|c| pollscope::internals::parse_duration(c).ok())
            .map_or(1.0, |d| d.as_nanos() as f64);
        let line = |what: &str, h: &Histogram<u64>| {
            let pct = |v: u64| (v as f64 / requested - 1.0) * 100.0;
            let (p50, p99) = (h.value_at_quantile(0.5), h.value_at_quantile(0.99));
            format!(
                "{what} median {:>8.1}µs ({:+.2}%)  p99 {:>8.1}µs ({:+.2}%)",
                p50 as f64 / 1e3,
                pct(p50),
                p99 as f64 / 1e3,
                pct(p99)
            )
        };
        println!(
            "  {id:<14} calls {:>6}  {}  |  {}",
            wall.len(),
            line("wall", wall),
            line("on-CPU", on_cpu)
        );
    }
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench_sample(&mut criterion);
    bench_poll(&mut criterion);
    bench_cpu_clock(&mut criterion);
    bench_overhead(&mut criterion);
    bench_echo_overhead(&mut criterion);
    bench_cost_fidelity(&mut criterion);
    criterion.final_summary();
    print_fidelity();
}
