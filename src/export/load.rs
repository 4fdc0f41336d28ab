//! Reading a result folder back: the CSV files are the single source of
//! truth for plots, reports, findings and comparisons.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::RunResult;
use super::rows::{FutureRow, PollRow, RunRow, SampleRow, ThreadRow, read_rows, split_list};
use crate::error::{Error, Result};
use crate::probe::ThreadInfo;
use crate::trace::{FutureTrace, Poll, RunInfo, RunTrace, Sample, TokioWorker};

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A cost from its exact ns column, else from its µs column.
fn cost(ns: Option<u64>, us: u64) -> Duration {
    Duration::from_nanos(ns.unwrap_or(us.saturating_mul(1_000)))
}

fn run_info(row: RunRow<'_>) -> RunInfo {
    let busy = row
        .tokio_worker_busy_ns
        .as_deref()
        .map_or(Ok(Vec::new()), split_list)
        .unwrap_or_default();
    let parks = row
        .tokio_worker_parks
        .as_deref()
        .map_or(Ok(Vec::new()), split_list)
        .unwrap_or_default();
    RunInfo {
        tokio_workers: busy
            .iter()
            .zip(parks.iter().chain(std::iter::repeat(&0)))
            .map(|(&busy_ns, &parks)| TokioWorker { busy_ns, parks })
            .collect(),
        flavor: row.flavor,
        cost_kind: row.cost_kind,
        light_cost: cost(row.light_cost_ns, row.light_cost_us),
        heavy_cost: cost(row.heavy_cost_ns, row.heavy_cost_us),
        workers: to_usize(row.workers),
        max_blocking_threads: to_usize(row.max_blocking_threads),
        samples: to_u32(row.samples),
        tasks: to_u32(row.tasks),
        repeat: to_u32(row.repeat),
        cores: to_usize(row.cores),
        calibration: row.calibration,
        blocking_permits: row.blocking_permits.map(to_usize),
        pool_threads: to_usize(row.pool_threads.unwrap_or(row.cores)),
        scenario: row.scenario.into_owned(),
        run_id: row.run_id.into_owned(),
    }
}

/// Loads every run of the result folder `dir` and analyses it again.
///
/// Fails with bad input naming the file, the line and the column when a
/// CSV file is missing, lacks a contract column, holds a malformed or
/// impossible value (a negative or non-finite number, an end before its
/// start, an unsafe run id or name), or refers to a run, future or thread
/// that the other files do not have.
pub fn load_results(dir: &Path) -> Result<Vec<RunResult>> {
    if !dir.is_dir() {
        return Err(Error::bad_input(format!(
            "{}: not a result folder",
            dir.display()
        )));
    }
    let mut traces: Vec<RunTrace> = Vec::new();
    let mut run_index: HashMap<String, usize> = HashMap::new();
    for (line, row) in read_rows::<RunRow<'_>>(dir)? {
        if run_index.contains_key(row.run_id.as_ref()) {
            return Err(Error::csv(
                dir.join("runs.csv"),
                Some(line),
                format!("run_id: `{}` appears twice", row.run_id),
            ));
        }
        run_index.insert(row.run_id.to_string(), traces.len());
        traces.push(RunTrace {
            info: run_info(row),
            futures: Vec::new(),
            threads: Vec::new(),
        });
    }
    let unknown_run = |file: &str, line: u64, run_id: &str| {
        Error::csv(
            dir.join(file),
            Some(line),
            format!("run_id: run `{run_id}` is not in runs.csv"),
        )
    };
    let mut future_index: HashMap<(usize, String), usize> = HashMap::new();
    for (line, row) in read_rows::<FutureRow<'_>>(dir)? {
        let run = *run_index
            .get(row.run_id.as_ref())
            .ok_or_else(|| unknown_run("futures.csv", line, &row.run_id))?;
        let trace = &mut traces[run];
        future_index.insert((run, row.future.to_string()), trace.futures.len());
        trace.futures.push(FutureTrace {
            placement: row.placement,
            cost: cost(row.cost_ns, row.cost_us),
            cost_kind: row.cost_kind.unwrap_or(trace.info.cost_kind),
            planned_samples: to_u32(row.planned_samples.unwrap_or(row.samples)),
            name: row.future.into_owned(),
            polls: Vec::new(),
            samples: Vec::new(),
        });
    }
    for (line, row) in read_rows::<ThreadRow<'_>>(dir)? {
        let run = *run_index
            .get(row.run_id.as_ref())
            .ok_or_else(|| unknown_run("threads.csv", line, &row.run_id))?;
        traces[run].threads.push(ThreadInfo {
            index: row.thread,
            os_thread_id: row.os_thread_id,
            name: row.name.into_owned(),
            kind: row.kind,
            cpu_time_ns: row.cpu_time_ns,
        });
    }
    for trace in &mut traces {
        trace.threads.sort_by_key(|t| t.index);
        let contiguous = trace
            .threads
            .iter()
            .enumerate()
            .all(|(i, t)| usize::from(t.index) == i);
        if !contiguous {
            return Err(Error::csv(
                dir.join("threads.csv"),
                None,
                format!(
                    "thread: the threads of run `{}` are not numbered 0, 1, 2, … without gaps or repeats",
                    trace.info.run_id
                ),
            ));
        }
    }
    // Polls and samples: the run and future must exist, and so must the
    // thread that ran them.
    let locate = |file: &str, line: u64, run_id: &str, future: &str, thread: u16| {
        let run = *run_index
            .get(run_id)
            .ok_or_else(|| unknown_run(file, line, run_id))?;
        let future = *future_index
            .get(&(run, future.to_string()))
            .ok_or_else(|| {
                Error::csv(
                    dir.join(file),
                    Some(line),
                    format!("future: `{future}` of run `{run_id}` is not in futures.csv"),
                )
            })?;
        if usize::from(thread) >= traces[run].threads.len() {
            return Err(Error::csv(
                dir.join(file),
                Some(line),
                format!("thread: thread {thread} of run `{run_id}` is not in threads.csv"),
            ));
        }
        Ok::<_, Error>((run, future))
    };
    let mut polls = Vec::new();
    for (line, row) in read_rows::<PollRow<'_>>(dir)? {
        let at = locate("polls.csv", line, &row.run_id, &row.future, row.thread)?;
        polls.push((
            at,
            Poll::new(
                row.start_ns,
                row.end_ns,
                row.thread,
                row.woken_ns,
                row.ready == 1,
            ),
        ));
    }
    let mut samples = Vec::new();
    for (line, row) in read_rows::<SampleRow<'_>>(dir)? {
        let at = locate("samples.csv", line, &row.run_id, &row.future, row.thread)?;
        samples.push((
            at,
            Sample {
                seq: row.seq,
                value: row.value,
                start_ns: row.start_ns,
                end_ns: row.end_ns,
                thread: row.thread,
            },
        ));
    }
    for ((run, future), poll) in polls {
        traces[run].futures[future].polls.push(poll);
    }
    for ((run, future), sample) in samples {
        traces[run].futures[future].samples.push(sample);
    }
    Ok(traces.into_iter().map(RunResult::new).collect())
}
