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
//! environment variables (see README): `POLLSCOPE_BENCH_SCENARIOS` (default
//! the journey's five; e.g. `tcp_echo,timers`), `POLLSCOPE_BENCH_WORKERS` (default
//! `1,2,4`), `POLLSCOPE_BENCH_HEAVY_COSTS` (`100us,500us`),
//! `POLLSCOPE_BENCH_COST_KIND` (`cpu`), `POLLSCOPE_BENCH_SAMPLES` (`100`),
//! `POLLSCOPE_BENCH_EXECUTORS` (`tokio`; e.g. `tokio,smol`),
//! `POLLSCOPE_BENCH_GLOBAL_QUEUE_INTERVALS` and
//! `POLLSCOPE_BENCH_EVENT_INTERVALS` (`default`; e.g. `default,7`); ids end
//! in the run ids' suffixes (`-smol`, `-gqi7`, `-ei31`).
//! The last run of every point is written to `results/bench/`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use pollscope::CostKind;
use pollscope::Executor;
use pollscope::Metric;
use pollscope::internals::{format_duration, parse_duration};
use pollscope::internals::{or_default, parse_list, positive};
use pollscope::{BUILTINS, JOURNEY, builtin};
use pollscope::{JourneyParams, Scenario};
use pollscope::{Pictures, publish};
use pollscope::{ResultFolder, RunResult};

/// The last run of each matrix point, by run id.
static LAST_RUNS: Mutex<BTreeMap<String, RunResult>> = Mutex::new(BTreeMap::new());

struct Matrix {
    scenarios: Vec<&'static str>,
    executors: Vec<Executor>,
    global_queue_intervals: Vec<Option<u32>>,
    event_intervals: Vec<Option<u32>>,
    workers: Vec<usize>,
    heavy_costs: Vec<Duration>,
    cost_kind: CostKind,
    samples: u32,
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}

/// A list knob from the environment; a malformed or empty list stops with a
/// message, a repeated value is dropped with a warning.
fn list<T: PartialEq>(
    name: &str,
    default: &str,
    item: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let text = std::env::var(name).ok();
    let knob = parse_list(name, text.as_deref(), default, item).unwrap_or_else(|e| fail(&e));
    for warning in &knob.warnings {
        eprintln!("warning: {warning}");
    }
    knob.values
}

fn matrix_from_env() -> Matrix {
    let workers = list("POLLSCOPE_BENCH_WORKERS", "1,2,4", |w| {
        positive(w).map(|n| n as usize)
    });
    let heavy_costs = list("POLLSCOPE_BENCH_HEAVY_COSTS", "100us,500us", parse_duration);
    let kind = std::env::var("POLLSCOPE_BENCH_COST_KIND").unwrap_or_else(|_| "cpu".into());
    let cost_kind = kind
        .parse()
        .unwrap_or_else(|e: String| fail(&format!("POLLSCOPE_BENCH_COST_KIND={kind:?}: {e}")));
    let samples = std::env::var("POLLSCOPE_BENCH_SAMPLES").unwrap_or_else(|_| "100".into());
    let samples = positive(&samples)
        .unwrap_or_else(|e| fail(&format!("POLLSCOPE_BENCH_SAMPLES={samples:?}: {e}")));
    let scenarios = list("POLLSCOPE_BENCH_SCENARIOS", &JOURNEY.join(","), |name| {
        BUILTINS
            .iter()
            .find(|b| b.name == name)
            .map(|b| b.name)
            .ok_or_else(|| format!("`{name}` is not a built-in scenario (see `pollscope list`)"))
    });
    let executors = list("POLLSCOPE_BENCH_EXECUTORS", "tokio", |e| e.parse());
    let global_queue_intervals = list("POLLSCOPE_BENCH_GLOBAL_QUEUE_INTERVALS", "default", |v| {
        or_default(v, positive)
    });
    let event_intervals = list("POLLSCOPE_BENCH_EVENT_INTERVALS", "default", |v| {
        or_default(v, positive)
    });
    Matrix {
        scenarios,
        executors,
        global_queue_intervals,
        event_intervals,
        workers,
        heavy_costs,
        cost_kind,
        samples,
    }
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

fn points(matrix: &Matrix) -> Vec<(String, Scenario)> {
    let mut points = Vec::new();
    for &name in &matrix.scenarios {
        for &executor in &matrix.executors {
            // tokio's knobs do not apply to smol: one smol point per cell.
            let tokio = executor == Executor::Tokio;
            let knob_values = |values: &[Option<u32>]| -> Vec<Option<u32>> {
                if tokio { values.to_vec() } else { vec![None] }
            };
            for &workers in &matrix.workers {
                for gqi in knob_values(&matrix.global_queue_intervals) {
                    for ei in knob_values(&matrix.event_intervals) {
                        for &heavy in &matrix.heavy_costs {
                            let params = JourneyParams {
                                samples: matrix.samples,
                                heavy_cost: heavy,
                                cost_kind: matrix.cost_kind,
                                task_threads: Some(workers),
                                ..JourneyParams::default()
                            };
                            let mut scenario =
                                builtin(name, &params).expect("the knob names built-ins");
                            let runtime = &mut scenario.runtime;
                            runtime.workers = Some(workers);
                            runtime.executor = executor;
                            runtime.global_queue_interval = gqi;
                            runtime.event_interval = ei;
                            if let Err(e) = scenario.validate() {
                                eprintln!("warning: skipped: {e}");
                                continue;
                            }
                            let id = format!(
                                "{name}/w{workers}-{}{}{}",
                                matrix.cost_kind,
                                format_duration(heavy),
                                scenario.runtime.id_suffix()
                            );
                            points.push((id, scenario));
                        }
                    }
                }
            }
        }
    }
    points
}

fn bench_matrix(c: &mut Criterion, matrix: &Matrix) {
    let points = points(matrix);
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
    let matrix = matrix_from_env();
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();
    bench_matrix(&mut criterion, &matrix);
    criterion.final_summary();
    write_results();
}
