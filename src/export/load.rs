//! Reading a result folder back: the CSV files are the single source of
//! truth for plots, reports, findings and comparisons.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::RunResult;
use super::csv_files::columns;
use crate::error::{Error, Result};
use crate::probe::{ThreadInfo, ThreadKind};
use crate::trace::{FutureTrace, Poll, RunInfo, RunTrace, Sample, TokioWorker};

#[derive(Deserialize)]
struct RunRow {
    run_id: String,
    scenario: String,
    flavor: String,
    workers: usize,
    max_blocking_threads: usize,
    cost_kind: String,
    light_cost_us: u64,
    heavy_cost_us: u64,
    samples: u32,
    tasks: u32,
    repeat: u32,
    cores: usize,
    calibration: f64,
    #[serde(default)]
    blocking_permits: Option<usize>,
    #[serde(default)]
    pool_threads: Option<usize>,
    #[serde(default)]
    light_cost_ns: Option<u64>,
    #[serde(default)]
    heavy_cost_ns: Option<u64>,
    #[serde(default)]
    tokio_worker_busy_ns: Option<String>,
    #[serde(default)]
    tokio_worker_parks: Option<String>,
}

#[derive(Deserialize)]
struct FutureRow {
    run_id: String,
    future: String,
    placement: String,
    cost_us: u64,
    samples: u32,
    #[serde(default)]
    cost_kind: Option<String>,
    #[serde(default)]
    cost_ns: Option<u64>,
    #[serde(default)]
    planned_samples: Option<u32>,
}

#[derive(Deserialize)]
struct SampleRow {
    run_id: String,
    future: String,
    seq: u32,
    value: f64,
    start_ns: u64,
    end_ns: u64,
    thread: u16,
}

#[derive(Deserialize)]
struct PollRow {
    run_id: String,
    future: String,
    start_ns: u64,
    end_ns: u64,
    thread: u16,
    woken_ns: Option<u64>,
    ready: u8,
}

#[derive(Deserialize)]
struct ThreadRow {
    run_id: String,
    thread: u16,
    os_thread_id: u64,
    name: String,
    kind: String,
    #[serde(default)]
    cpu_time_ns: Option<u64>,
}

/// Reads `dir/name`, checking that its header starts with the contract's
/// columns; errors name the file and, where known, the line.
fn read_rows<T: DeserializeOwned>(dir: &Path, name: &str, expected: &[&str]) -> Result<Vec<T>> {
    let path = dir.join(name);
    let csv_error = |path: &PathBuf, message: String| Error::Csv {
        path: path.clone(),
        message,
    };
    let mut reader = csv::Reader::from_path(&path).map_err(|e| match e.kind() {
        csv::ErrorKind::Io(io) => csv_error(&path, io.to_string()),
        _ => csv_error(&path, e.to_string()),
    })?;
    let header = reader
        .headers()
        .map_err(|e| csv_error(&path, e.to_string()))?;
    if let Some(missing) = expected.iter().find(|c| !header.iter().any(|h| h == **c)) {
        return Err(csv_error(
            &path,
            format!("the header lacks the column `{missing}`"),
        ));
    }
    reader
        .deserialize()
        .map(|row| row.map_err(|e| csv_error(&path, e.to_string())))
        .collect()
}

fn parse<T: std::str::FromStr<Err = String>>(dir: &Path, file: &str, text: &str) -> Result<T> {
    text.parse().map_err(|message: String| Error::Csv {
        path: dir.join(file),
        message,
    })
}

/// A `;`-separated list of numbers in one cell of runs.csv.
fn split_list(dir: &Path, cell: Option<&str>) -> Result<Vec<u64>> {
    cell.unwrap_or("")
        .split(';')
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse().map_err(|_| Error::Csv {
                path: dir.join("runs.csv"),
                message: format!("`{v}` is not a number"),
            })
        })
        .collect()
}

/// Loads every run of the result folder `dir` and analyses it again.
///
/// Fails with a message naming the file when a CSV file is missing, lacks a
/// contract column or holds a malformed row.
pub fn load_results(dir: &Path) -> Result<Vec<RunResult>> {
    if !dir.is_dir() {
        return Err(Error::bad_input(format!(
            "{}: not a result folder",
            dir.display()
        )));
    }
    let runs: Vec<RunRow> = read_rows(dir, "runs.csv", columns::RUNS)?;
    let futures: Vec<FutureRow> = read_rows(dir, "futures.csv", columns::FUTURES)?;
    let samples: Vec<SampleRow> = read_rows(dir, "samples.csv", columns::SAMPLES)?;
    let polls: Vec<PollRow> = read_rows(dir, "polls.csv", columns::POLLS)?;
    let threads: Vec<ThreadRow> = read_rows(dir, "threads.csv", columns::THREADS)?;

    let mut traces: Vec<RunTrace> = Vec::with_capacity(runs.len());
    let mut run_index: HashMap<String, usize> = HashMap::new();
    for row in runs {
        let busy = split_list(dir, row.tokio_worker_busy_ns.as_deref())?;
        let parks = split_list(dir, row.tokio_worker_parks.as_deref())?;
        let tokio_workers = busy
            .iter()
            .zip(parks.iter().chain(std::iter::repeat(&0)))
            .map(|(&busy_ns, &parks)| TokioWorker { busy_ns, parks })
            .collect();
        let info = RunInfo {
            tokio_workers,
            flavor: parse(dir, "runs.csv", &row.flavor)?,
            cost_kind: parse(dir, "runs.csv", &row.cost_kind)?,
            light_cost: Duration::from_nanos(
                row.light_cost_ns.unwrap_or(row.light_cost_us * 1_000),
            ),
            heavy_cost: Duration::from_nanos(
                row.heavy_cost_ns.unwrap_or(row.heavy_cost_us * 1_000),
            ),
            workers: row.workers,
            max_blocking_threads: row.max_blocking_threads,
            samples: row.samples,
            tasks: row.tasks,
            repeat: row.repeat,
            cores: row.cores,
            calibration: row.calibration,
            blocking_permits: row.blocking_permits,
            pool_threads: row.pool_threads.unwrap_or(row.cores),
            scenario: row.scenario,
            run_id: row.run_id.clone(),
        };
        run_index.insert(row.run_id, traces.len());
        traces.push(RunTrace {
            info,
            futures: Vec::new(),
            threads: Vec::new(),
        });
    }
    let unknown_run = |file: &str, run_id: &str| Error::Csv {
        path: dir.join(file),
        message: format!("run `{run_id}` is not in runs.csv"),
    };
    let mut future_index: HashMap<(usize, String), usize> = HashMap::new();
    for row in futures {
        let run = *run_index
            .get(&row.run_id)
            .ok_or_else(|| unknown_run("futures.csv", &row.run_id))?;
        let trace = &mut traces[run];
        let cost_kind = match &row.cost_kind {
            Some(kind) => parse(dir, "futures.csv", kind)?,
            None => trace.info.cost_kind,
        };
        future_index.insert((run, row.future.clone()), trace.futures.len());
        trace.futures.push(FutureTrace {
            placement: parse(dir, "futures.csv", &row.placement)?,
            cost: Duration::from_nanos(row.cost_ns.unwrap_or(row.cost_us * 1_000)),
            cost_kind,
            planned_samples: row.planned_samples.unwrap_or(row.samples),
            name: row.future,
            polls: Vec::new(),
            samples: Vec::new(),
        });
    }
    let locate = |file: &str, run_id: &str, future: &str| -> Result<(usize, usize)> {
        let run = *run_index
            .get(run_id)
            .ok_or_else(|| unknown_run(file, run_id))?;
        let future = *future_index
            .get(&(run, future.to_string()))
            .ok_or_else(|| Error::Csv {
                path: dir.join(file),
                message: format!("future `{future}` of run `{run_id}` is not in futures.csv"),
            })?;
        Ok((run, future))
    };
    for row in polls {
        let (run, future) = locate("polls.csv", &row.run_id, &row.future)?;
        traces[run].futures[future].polls.push(Poll {
            start_ns: row.start_ns,
            end_ns: row.end_ns,
            thread: row.thread,
            woken_ns: row.woken_ns,
            ready: row.ready == 1,
        });
    }
    for row in samples {
        let (run, future) = locate("samples.csv", &row.run_id, &row.future)?;
        traces[run].futures[future].samples.push(Sample {
            seq: row.seq,
            value: row.value,
            start_ns: row.start_ns,
            end_ns: row.end_ns,
            thread: row.thread,
        });
    }
    for row in threads {
        let run = *run_index
            .get(&row.run_id)
            .ok_or_else(|| unknown_run("threads.csv", &row.run_id))?;
        let kind: ThreadKind = parse(dir, "threads.csv", &row.kind)?;
        traces[run].threads.push(ThreadInfo {
            index: row.thread,
            os_thread_id: row.os_thread_id,
            name: row.name,
            kind,
            cpu_time_ns: row.cpu_time_ns,
        });
    }
    for trace in &mut traces {
        trace.threads.sort_by_key(|t| t.index);
    }
    Ok(traces.into_iter().map(RunResult::new).collect())
}
