//! The probe's own cost, and how faithful each cost kind is.
//!
//! * `probe_sample/pollscope` — one recorded sample: two clock reads and a
//!   store into the polled future's buffer (the target: ≤ 25 ns);
//! * `probe_sample/post_way` — the blog post's way: a `String` per sample,
//!   `thread_id::get()`, two `Instant` reads and an unbounded mpsc send;
//! * `probe_poll/{bare,instrumented}` — one poll of a future that wakes
//!   itself and returns `Pending`, under a no-op waker, without and with
//!   the probe's wrapper (the difference is the probe's cost per poll);
//! * `probe_overhead/many_spawn_task/{bare,instrumented}` — a whole run's
//!   wall time with the probe off and on (the target: a ratio ≤ 1.01);
//! * `cost_fidelity/<kind>/<cost>` — one call of the cost function; the
//!   median and p99 of every timed call are printed at the end.

use std::collections::BTreeMap;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use hdrhistogram::Histogram;
use pollscope::cost::{Cost, CostKind};
use pollscope::probe::{Recording, ThreadKind, clock, record_sample};
use pollscope::runner::{Probe, timed_run};
use pollscope::scenario::JourneyParams;
use pollscope::scenario::journey::many_spawn_task;

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
    group.bench_function("instrumented", |b| {
        b.iter_custom(|iters| {
            let recording = Recording::new();
            recording.thread_index(ThreadKind::Main);
            chunks(iters)
                .map(|n| {
                    let future =
                        recording.instrument("bench", n as usize, SelfWaking { remaining: n + 1 });
                    let mut future = Box::pin(future);
                    let elapsed = poll_n(future.as_mut(), n);
                    drop(future);
                    drop(recording.take_logs());
                    elapsed
                })
                .sum()
        })
    });
    group.finish();
}

fn bench_overhead(c: &mut Criterion) {
    let scenario = many_spawn_task(&JourneyParams {
        samples: 100,
        ..JourneyParams::default()
    });
    let mut group = c.benchmark_group("probe_overhead");
    group.sampling_mode(SamplingMode::Flat).sample_size(20);
    for (name, probe) in [("bare", Probe::Off), ("instrumented", Probe::On)] {
        group.bench_function(format!("many_spawn_task/{name}"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| timed_run(&scenario, probe).expect("many_spawn_task runs"))
                    .sum()
            })
        });
    }
    group.finish();
}

/// Every timed call of each cost, by benchmark id.
static CALLS: Mutex<BTreeMap<String, Histogram<u64>>> = Mutex::new(BTreeMap::new());

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
                    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
                        .expect("valid bounds");
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let start = Instant::now();
                        cost.burn();
                        let elapsed = start.elapsed();
                        histogram.saturating_record(elapsed.as_nanos() as u64);
                        total += elapsed;
                    }
                    let mut calls = CALLS.lock().unwrap();
                    let all = calls
                        .entry(id.clone())
                        .or_insert_with(|| Histogram::new_from(&histogram));
                    all.add(&histogram).expect("same bounds");
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
        pollscope::cost::calibration()
    );
    for (id, h) in calls.iter() {
        let requested = id
            .split('/')
            .nth(1)
            .and_then(|c| pollscope::duration::parse_duration(c).ok())
            .map_or(1.0, |d| d.as_nanos() as f64);
        let pct = |v: u64| (v as f64 / requested - 1.0) * 100.0;
        let (p50, p99) = (h.value_at_quantile(0.5), h.value_at_quantile(0.99));
        println!(
            "  {id:<14} calls {:>6}  median {:>9.1}µs ({:+.2}%)  p99 {:>9.1}µs ({:+.2}%)",
            h.len(),
            p50 as f64 / 1e3,
            pct(p50),
            p99 as f64 / 1e3,
            pct(p99)
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
    bench_overhead(&mut criterion);
    bench_cost_fidelity(&mut criterion);
    criterion.final_summary();
    print_fidelity();
}
