//! The scenario matrix as criterion benchmarks: every chosen built-in
//! scenario (default: the journey's five) × worker counts × heavy costs,
//! measured up to four ways:
//!
//! * `makespan/<scenario>/w<workers>-<kind><cost>` — the run's makespan;
//! * `fut0_completion/...` — when the light future `fut0` completes (the
//!   post's key effect);
//! * `sched_delay_p99/...` — p99 wake → poll delay of all futures;
//! * `value_p99/...` — for the service workloads, p99 of their events'
//!   latencies (round trips, lateness, end-to-end latency, waits).
//!
//! Each value comes from one whole run (`iter_custom`, flat sampling), so
//! criterion's statistics and `--save-baseline` / `--baseline` apply to
//! scheduling metrics, not only to wall time. The matrix is widened through
//! environment variables (see docs/benchmarks.md and `pollscope::internals::bench_points`,
//! which plans them with `pollscope run`'s matrix): `POLLSCOPE_BENCH_SCENARIOS`
//! (default the journey's five; e.g. `tcp_echo,timers`),
//! `POLLSCOPE_BENCH_WORKERS` (default `1,2,4`), `POLLSCOPE_BENCH_HEAVY_COSTS`
//! (`100us,500us`), `POLLSCOPE_BENCH_COST_KIND` (`cpu`),
//! `POLLSCOPE_BENCH_SAMPLES` (`100`), `POLLSCOPE_BENCH_EXECUTORS` (`tokio`;
//! e.g. `tokio,smol`) and one variable per tokio knob
//! (`POLLSCOPE_BENCH_GLOBAL_QUEUE_INTERVALS`, `POLLSCOPE_BENCH_EVENT_INTERVALS`,
//! `POLLSCOPE_BENCH_THREAD_KEEP_ALIVES`; `default`, e.g. `default,7`); ids
//! end in the run ids' suffixes (`-smol`, `-gqi7`, `-ei31`).
//! The last run of every point is written to `results/bench/`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use pollscope::Metric;
use pollscope::Scenario;
use pollscope::internals::{BenchPoint, bench_points};
use pollscope::{Pictures, publish};
use pollscope::{ResultFolder, RunResult};

/// The last run of each matrix point, by run id.
static LAST_RUNS: Mutex<BTreeMap<String, RunResult>> = Mutex::new(BTreeMap::new());

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}

type Measure = fn(&RunResult) -> u64;
type Applies = fn(&Scenario) -> bool;

/// p99 of `metric` over all the run's futures.
fn p99(r: &RunResult, metric: Metric) -> u64 {
    let mut values: Vec<u64> = r
        .trace
        .futures
        .iter()
        .flat_map(|f| metric.values(f))
        .collect();
    pollscope::internals::quantile(&mut values, 0.99).unwrap_or(0)
}

/// Each group: its name, the scenarios it applies to, what one value is.
const GROUPS: [(&str, Applies, Measure); 4] = [
    ("makespan", |_| true, |r| r.analysis.makespan_ns),
    (
        "fut0_completion",
        |s| s.futures.iter().any(|f| f.name == "fut0"),
        |r| {
            r.analysis
                .future("fut0")
                .and_then(|f| f.completed_ns)
                .unwrap_or(0)
        },
    ),
    ("sched_delay_p99", |_| true, |r| p99(r, Metric::SchedDelay)),
    (
        "value_p99",
        |s| s.futures.iter().any(|f| f.role.is_service()),
        |r| p99(r, Metric::Value),
    ),
];

fn bench_matrix(c: &mut Criterion, points: &[BenchPoint]) {
    for (group_name, applies, measure) in GROUPS {
        let mut group = c.benchmark_group(group_name);
        group.sampling_mode(SamplingMode::Flat);
        for (id, scenario) in points.iter().filter(|(_, s)| applies(s)) {
            group.bench_function(id.as_str(), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let trace = pollscope::run(scenario, 0).expect("a built-in scenario runs");
                        let result = RunResult::new(trace);
                        total += Duration::from_nanos(measure(&result));
                        let mut last = LAST_RUNS.lock().unwrap();
                        last.insert(result.trace.info.run_id.clone(), result);
                    }
                    total
                })
            });
        }
        group.finish();
    }
}

fn write_results() {
    let results: Vec<RunResult> = std::mem::take(&mut *LAST_RUNS.lock().unwrap())
        .into_values()
        .collect();
    if results.is_empty() {
        return;
    }
    let written = ResultFolder::create("results/bench")
        .and_then(|folder| publish(folder, &results, Pictures::Yes));
    match written {
        Ok(published) => println!("last run of each point: {}", published.dir.display()),
        Err(e) => eprintln!("warning: could not write results/bench: {e}"),
    }
}

fn main() {
    let (points, warnings) =
        bench_points(|name| std::env::var(name).ok()).unwrap_or_else(|e| fail(&e));
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();
    bench_matrix(&mut criterion, &points);
    criterion.final_summary();
    write_results();
}
