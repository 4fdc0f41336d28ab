//! The six CSV files of a result folder; column order is the contract's
//! (extra columns follow the contract's ones).

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use serde::Serialize;

use super::RunResult;
use crate::analysis::Summary;
use crate::error::{Error, Result};

/// The CSV files of a result folder, in the order they are written.
pub const CSV_FILES: [&str; 6] = [
    "runs.csv",
    "futures.csv",
    "samples.csv",
    "polls.csv",
    "threads.csv",
    "histograms.csv",
];

#[derive(Serialize, Default)]
struct RunRow<'a> {
    run_id: &'a str,
    scenario: &'a str,
    flavor: &'a str,
    workers: usize,
    max_blocking_threads: usize,
    cost_kind: &'a str,
    light_cost_us: u64,
    heavy_cost_us: u64,
    samples: u32,
    tasks: u32,
    repeat: u32,
    cores: usize,
    calibration: f64,
    makespan_us: u64,
    lower_bound_us: u64,
    efficiency: f64,
    // Extra columns.
    blocking_permits: Option<usize>,
    pool_threads: usize,
    light_cost_ns: u64,
    heavy_cost_ns: u64,
    tokio_worker_busy_ns: String,
    tokio_worker_parks: String,
}

#[derive(Serialize, Default)]
struct FutureRow<'a> {
    run_id: &'a str,
    future: &'a str,
    placement: &'a str,
    cost_us: u64,
    samples: usize,
    first_poll_ns: Option<u64>,
    completed_ns: Option<u64>,
    polls: usize,
    busy_ns: u64,
    threads: usize,
    poll_p50_ns: Option<u64>,
    poll_p99_ns: Option<u64>,
    poll_max_ns: Option<u64>,
    sched_delay_p50_ns: Option<u64>,
    sched_delay_p99_ns: Option<u64>,
    sched_delay_max_ns: Option<u64>,
    // Extra columns.
    cost_kind: &'a str,
    cost_ns: u64,
    planned_samples: u32,
}

#[derive(Serialize, Default)]
struct SampleRow<'a> {
    run_id: &'a str,
    future: &'a str,
    seq: u32,
    value: f64,
    start_ns: u64,
    end_ns: u64,
    thread: u16,
}

#[derive(Serialize, Default)]
struct PollRow<'a> {
    run_id: &'a str,
    future: &'a str,
    poll: usize,
    start_ns: u64,
    end_ns: u64,
    thread: u16,
    woken_ns: Option<u64>,
    ready: u8,
}

#[derive(Serialize, Default)]
struct ThreadRow<'a> {
    run_id: &'a str,
    thread: u16,
    os_thread_id: u64,
    name: &'a str,
    kind: &'a str,
    polls: usize,
    busy_ns: u64,
    cpu_time_ns: Option<u64>,
}

#[derive(Serialize, Default)]
struct HistogramRow<'a> {
    run_id: &'a str,
    future: &'a str,
    metric: &'a str,
    percentile: f64,
    value_ns: u64,
    count: u64,
}

/// The contract's columns of each CSV file, in order. The files may have
/// more columns after these (pollscope's extras, defined by the row types
/// below).
pub mod columns {
    /// runs.csv
    pub const RUNS: &[&str] = &[
        "run_id",
        "scenario",
        "flavor",
        "workers",
        "max_blocking_threads",
        "cost_kind",
        "light_cost_us",
        "heavy_cost_us",
        "samples",
        "tasks",
        "repeat",
        "cores",
        "calibration",
        "makespan_us",
        "lower_bound_us",
        "efficiency",
        "blocking_permits",
        "pool_threads",
        "light_cost_ns",
        "heavy_cost_ns",
    ];
    /// futures.csv
    pub const FUTURES: &[&str] = &[
        "run_id",
        "future",
        "placement",
        "cost_us",
        "samples",
        "first_poll_ns",
        "completed_ns",
        "polls",
        "busy_ns",
        "threads",
        "poll_p50_ns",
        "poll_p99_ns",
        "poll_max_ns",
        "sched_delay_p50_ns",
        "sched_delay_p99_ns",
        "sched_delay_max_ns",
        "cost_kind",
        "cost_ns",
        "planned_samples",
    ];
    /// samples.csv
    pub const SAMPLES: &[&str] = &[
        "run_id", "future", "seq", "value", "start_ns", "end_ns", "thread",
    ];
    /// polls.csv
    pub const POLLS: &[&str] = &[
        "run_id", "future", "poll", "start_ns", "end_ns", "thread", "woken_ns", "ready",
    ];
    /// threads.csv
    pub const THREADS: &[&str] = &[
        "run_id",
        "thread",
        "os_thread_id",
        "name",
        "kind",
        "polls",
        "busy_ns",
    ];
    /// histograms.csv
    pub const HISTOGRAMS: &[&str] = &[
        "run_id",
        "future",
        "metric",
        "percentile",
        "value_ns",
        "count",
    ];
}

/// The header of a row type: its field names, in order.
fn header_of<T: Serialize + Default>() -> Vec<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .serialize(T::default())
        .expect("a default row serializes");
    let bytes = writer.into_inner().expect("writing to memory");
    let text = String::from_utf8(bytes).expect("field names are UTF-8");
    text.lines()
        .next()
        .unwrap_or("")
        .split(',')
        .map(String::from)
        .collect()
}

/// A CSV writer for `dir/name` that names the file in its errors. The header
/// (the row type's fields) is written up front, so a file with no rows still
/// has one.
struct CsvFile {
    path: std::path::PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl CsvFile {
    fn create<Row: Serialize + Default>(dir: &Path, name: &str) -> Result<Self> {
        let header = header_of::<Row>();
        let path = dir.join(name);
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(BufWriter::with_capacity(1 << 20, file));
        let mut file = Self { path, writer };
        file.writer.write_record(header).map_err(|e| Error::Csv {
            path: file.path.clone(),
            message: e.to_string(),
        })?;
        Ok(file)
    }

    fn row(&mut self, row: impl Serialize) -> Result<()> {
        self.writer.serialize(row).map_err(|e| Error::Csv {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }

    fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|e| Error::io(&self.path, e))
    }
}

fn us(ns: u64) -> u64 {
    (ns + 500) / 1_000
}

/// A list in one cell: values separated by `;`.
fn join(values: impl Iterator<Item = u64>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(";")
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// Writes the six CSV files of `runs` into `dir`.
pub fn write_csv_files(dir: &Path, runs: &[RunResult]) -> Result<()> {
    write_runs(dir, runs)?;
    write_futures(dir, runs)?;
    write_samples(dir, runs)?;
    write_polls(dir, runs)?;
    write_threads(dir, runs)?;
    write_histograms(dir, runs)
}

fn write_runs(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<RunRow<'_>>(dir, "runs.csv")?;
    for run in runs {
        let info = &run.trace.info;
        let a = &run.analysis;
        file.row(RunRow {
            run_id: &info.run_id,
            scenario: &info.scenario,
            flavor: info.flavor.as_str(),
            workers: info.workers,
            max_blocking_threads: info.max_blocking_threads,
            cost_kind: info.cost_kind.as_str(),
            light_cost_us: us(info.light_cost.as_nanos() as u64),
            heavy_cost_us: us(info.heavy_cost.as_nanos() as u64),
            samples: info.samples,
            tasks: info.tasks,
            repeat: info.repeat,
            cores: info.cores,
            calibration: round(info.calibration, 3),
            makespan_us: us(a.makespan_ns),
            lower_bound_us: us(a.lower_bound_ns),
            efficiency: round(a.efficiency, 4),
            blocking_permits: info.blocking_permits,
            pool_threads: info.pool_threads,
            light_cost_ns: info.light_cost.as_nanos() as u64,
            heavy_cost_ns: info.heavy_cost.as_nanos() as u64,
            tokio_worker_busy_ns: join(info.tokio_workers.iter().map(|w| w.busy_ns)),
            tokio_worker_parks: join(info.tokio_workers.iter().map(|w| w.parks)),
        })?;
    }
    file.finish()
}

fn write_futures(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<FutureRow<'_>>(dir, "futures.csv")?;
    for run in runs {
        for (stats, future) in run.analysis.futures.iter().zip(&run.trace.futures) {
            let pick = |s: Option<Summary>, f: fn(Summary) -> u64| s.map(f);
            file.row(FutureRow {
                run_id: &run.trace.info.run_id,
                future: &stats.name,
                placement: stats.placement.as_str(),
                cost_us: us(stats.cost.as_nanos() as u64),
                samples: stats.samples,
                first_poll_ns: stats.first_poll_ns,
                completed_ns: stats.completed_ns,
                polls: stats.polls,
                busy_ns: stats.busy_ns,
                threads: stats.threads,
                poll_p50_ns: pick(stats.poll_duration, |s| s.p50),
                poll_p99_ns: pick(stats.poll_duration, |s| s.p99),
                poll_max_ns: pick(stats.poll_duration, |s| s.max),
                sched_delay_p50_ns: pick(stats.sched_delay, |s| s.p50),
                sched_delay_p99_ns: pick(stats.sched_delay, |s| s.p99),
                sched_delay_max_ns: pick(stats.sched_delay, |s| s.max),
                cost_kind: future.cost_kind.as_str(),
                cost_ns: future.cost.as_nanos() as u64,
                planned_samples: future.planned_samples,
            })?;
        }
    }
    file.finish()
}

fn write_samples(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<SampleRow<'_>>(dir, "samples.csv")?;
    for run in runs {
        for future in &run.trace.futures {
            for s in &future.samples {
                file.row(SampleRow {
                    run_id: &run.trace.info.run_id,
                    future: &future.name,
                    seq: s.seq,
                    value: s.value,
                    start_ns: s.start_ns,
                    end_ns: s.end_ns,
                    thread: s.thread,
                })?;
            }
        }
    }
    file.finish()
}

fn write_polls(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<PollRow<'_>>(dir, "polls.csv")?;
    for run in runs {
        for future in &run.trace.futures {
            for (i, p) in future.polls.iter().enumerate() {
                file.row(PollRow {
                    run_id: &run.trace.info.run_id,
                    future: &future.name,
                    poll: i,
                    start_ns: p.start_ns,
                    end_ns: p.end_ns,
                    thread: p.thread,
                    woken_ns: p.woken_ns,
                    ready: u8::from(p.ready),
                })?;
            }
        }
    }
    file.finish()
}

fn write_threads(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<ThreadRow<'_>>(dir, "threads.csv")?;
    for run in runs {
        for (info, stats) in run.trace.threads.iter().zip(&run.analysis.threads) {
            file.row(ThreadRow {
                run_id: &run.trace.info.run_id,
                thread: info.index,
                os_thread_id: info.os_thread_id,
                name: &info.name,
                kind: info.kind.as_str(),
                polls: stats.polls,
                busy_ns: stats.busy_ns,
                cpu_time_ns: info.cpu_time_ns,
            })?;
        }
    }
    file.finish()
}

fn write_histograms(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<HistogramRow<'_>>(dir, "histograms.csv")?;
    for run in runs {
        for h in &run.analysis.histograms {
            for q in h.quantile_rows() {
                file.row(HistogramRow {
                    run_id: &run.trace.info.run_id,
                    future: &h.future,
                    metric: h.metric.as_str(),
                    percentile: round(q.percentile, 6),
                    value_ns: q.value_ns,
                    count: q.count,
                })?;
            }
        }
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_starts_with_the_contract_columns() {
        let cases: [(Vec<String>, &[&str]); 6] = [
            (header_of::<RunRow<'_>>(), columns::RUNS),
            (header_of::<FutureRow<'_>>(), columns::FUTURES),
            (header_of::<SampleRow<'_>>(), columns::SAMPLES),
            (header_of::<PollRow<'_>>(), columns::POLLS),
            (header_of::<ThreadRow<'_>>(), columns::THREADS),
            (header_of::<HistogramRow<'_>>(), columns::HISTOGRAMS),
        ];
        for (header, contract) in cases {
            assert_eq!(&header[..contract.len()], contract);
        }
    }
}
