//! Reading a result folder back: the CSV files are the single source of
//! truth for plots, reports, findings and comparisons.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::rows::{
    ClaimRow, FutureRow, PollRow, Row, RunRow, SampleRow, ThreadRow, for_each_row, parse_roles,
    read_rows, split_list,
};
use crate::analysis::RunResult;
use crate::error::{Error, Result};
use crate::probe::ThreadInfo;
use crate::scenario::{Origin, Setting, builtins};
use crate::trace::Interference;
use crate::trace::{
    Environment, FutureKind, FutureTrace, Poll, RunConfig, RunInfo, RunTrace, RuntimeMetrics,
    Sample, TokioWorker, Versions,
};

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A cost from its exact ns column, else from its µs column.
fn cost(ns: Option<u64>, us: Option<u64>) -> Option<Duration> {
    ns.or(us.map(|us| us.saturating_mul(1_000)))
        .map(Duration::from_nanos)
}

/// A `;`-separated list cell (checked when read).
fn list(cell: Option<&str>) -> Vec<u64> {
    cell.map(split_list)
        .and_then(|r| r.ok())
        .unwrap_or_default()
}

fn run_info(row: RunRow<'_>) -> RunInfo {
    let interference = interference(&row);
    let busy = list(row.tokio_worker_busy_ns.as_deref());
    let parks = list(row.tokio_worker_parks.as_deref());
    // A knob its scenario does not use is blank, as a run writes it now.
    let unused = builtins::unused_knobs(&row.scenario);
    let used = |knob: Setting| !unused.contains(&knob);
    let config = match (
        row.flavor,
        row.workers,
        row.max_blocking_threads,
        row.cost_kind,
        row.samples,
        row.repeat,
    ) {
        (
            Some(flavor),
            Some(workers),
            Some(max_blocking),
            Some(cost_kind),
            Some(samples),
            Some(repeat),
        ) => Some(RunConfig {
            flavor,
            workers: to_usize(workers),
            max_blocking_threads: to_usize(max_blocking),
            cost_kind,
            light_cost: cost(row.light_cost_ns, row.light_cost_us)
                .filter(|_| used(Setting::LightCost)),
            heavy_cost: cost(row.heavy_cost_ns, row.heavy_cost_us)
                .filter(|_| used(Setting::HeavyCost)),
            samples: to_u32(samples),
            tasks: row.tasks.map(to_u32).filter(|_| used(Setting::Tasks)),
            repeat: to_u32(repeat),
            blocking_permits: row.blocking_permits.map(to_usize),
            pool_threads: to_usize(row.pool_threads.unwrap_or(row.cores)),
            executor: row.executor.unwrap_or_default(),
            tokio: row.tokio_knobs(),
        }),
        _ => None,
    };
    // Folders written before runs.csv had `origin`: a built-in's name is
    // taken as the built-in.
    let origin = row
        .origin
        .unwrap_or(if builtins::find(&row.scenario).is_some() {
            Origin::Builtin
        } else {
            Origin::File
        });
    RunInfo {
        run_id: row.run_id.into_owned(),
        scenario: row.scenario.into_owned(),
        origin,
        config,
        environment: Environment {
            cores: to_usize(row.cores),
            calibration: row.calibration,
            versions: Versions {
                tokio: row.tokio_version.map(Cow::into_owned),
                smol: row.smol_version.map(Cow::into_owned),
                pollscope: row.pollscope_version.map(Cow::into_owned),
                kernel: row.kernel.map(Cow::into_owned),
                cpu_model: row.cpu_model.map(Cow::into_owned),
            },
        },
        metrics: RuntimeMetrics {
            tokio_workers: busy
                .iter()
                .zip(parks.iter().chain(std::iter::repeat(&0)))
                .map(|(&busy_ns, &parks)| TokioWorker { busy_ns, parks })
                .collect(),
        },
        poll_cpu_time: row.poll_cpu_time == Some(1),
        interference,
        process_cpu_ns: row.process_cpu_ns,
        started_at: row.started_at.map(Cow::into_owned),
        label: row.label.map(Cow::into_owned),
        commit: row.commit.map(Cow::into_owned),
        claims: Vec::new(),
    }
}

/// The interference columns of `row`: all three figures or nothing;
/// `disturbed` as recorded, else by the rule.
fn interference(row: &RunRow<'_>) -> Option<Interference> {
    let (other, steal, idle) = (row.other_cpu_pct?, row.steal_pct?, row.idle_pct?);
    let mut figures = Interference::new(other, steal, idle);
    if let Some(recorded) = row.disturbed {
        figures.disturbed = recorded == 1;
    }
    Some(figures)
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
            crate::error::shown_path(dir)
        )));
    }
    let mut loader = Loader::new(dir);
    loader.runs()?;
    loader.futures()?;
    loader.threads()?;
    loader.polls()?;
    loader.samples()?;
    loader.claims()?;
    Ok(loader.traces.into_iter().map(RunResult::new).collect())
}

/// The runs read so far, and where each run and future sits.
struct Loader<'a> {
    dir: &'a Path,
    traces: Vec<RunTrace>,
    run_index: HashMap<String, usize>,
    future_index: HashMap<(usize, String), usize>,
}

impl<'a> Loader<'a> {
    fn new(dir: &'a Path) -> Self {
        Self {
            dir,
            traces: Vec::new(),
            run_index: HashMap::new(),
            future_index: HashMap::new(),
        }
    }

    fn error(&self, file: &str, line: Option<u64>, message: String) -> Error {
        Error::csv(self.dir.join(file), line, message)
    }

    /// The index of run `run_id`, which runs.csv must hold.
    fn run(&self, file: &str, line: u64, run_id: &str) -> Result<usize> {
        self.run_index.get(run_id).copied().ok_or_else(|| {
            self.error(
                file,
                Some(line),
                format!("run_id: run `{run_id}` is not in runs.csv"),
            )
        })
    }

    /// The (run, future) of an event, whose run, future and thread must
    /// exist.
    fn locate(
        &self,
        file: &str,
        line: u64,
        run_id: &str,
        future: &str,
        thread: u16,
    ) -> Result<(usize, usize)> {
        let run = self.run(file, line, run_id)?;
        let index = self
            .future_index
            .get(&(run, future.to_string()))
            .copied()
            .ok_or_else(|| {
                self.error(
                    file,
                    Some(line),
                    format!("future: `{future}` of run `{run_id}` is not in futures.csv"),
                )
            })?;
        if usize::from(thread) >= self.traces[run].threads.len() {
            return Err(self.error(
                file,
                Some(line),
                format!("thread: thread {thread} of run `{run_id}` is not in threads.csv"),
            ));
        }
        Ok((run, index))
    }

    fn runs(&mut self) -> Result<()> {
        for (line, row) in read_rows::<RunRow<'_>>(self.dir)? {
            if self.run_index.contains_key(row.run_id.as_ref()) {
                return Err(self.error(
                    "runs.csv",
                    Some(line),
                    format!("run_id: `{}` appears twice", row.run_id),
                ));
            }
            self.run_index
                .insert(row.run_id.to_string(), self.traces.len());
            self.traces.push(RunTrace {
                info: run_info(row),
                futures: Vec::new(),
                threads: Vec::new(),
            });
        }
        Ok(())
    }

    fn futures(&mut self) -> Result<()> {
        for (line, row) in read_rows::<FutureRow<'_>>(self.dir)? {
            let run = self.run("futures.csv", line, &row.run_id)?;
            let trace = &mut self.traces[run];
            self.future_index
                .insert((run, row.future.to_string()), trace.futures.len());
            let kind = match (row.placement, row.kind.as_deref()) {
                (FutureKind::Producer(p), Some("service")) => FutureKind::Service(p),
                (kind, _) => kind,
            };
            let producer = matches!(kind, FutureKind::Producer(_));
            let config = trace.info.config.as_ref();
            trace.futures.push(FutureTrace {
                kind,
                cost: cost(row.cost_ns, row.cost_us),
                cost_kind: row
                    .cost_kind
                    .or(config.map(|c| c.cost_kind).filter(|_| producer)),
                planned_samples: row
                    .planned_samples
                    .or(producer.then_some(row.samples))
                    .map(to_u32),
                name: row.future.into_owned(),
                polls: Vec::new(),
                samples: Vec::new(),
                wake_clamps: row
                    .wake_clamps
                    .map_or(0, |c| u32::try_from(c).unwrap_or(u32::MAX)),
            });
        }
        Ok(())
    }

    /// Threads, which must be numbered 0, 1, 2, … within each run.
    fn threads(&mut self) -> Result<()> {
        for (line, row) in read_rows::<ThreadRow<'_>>(self.dir)? {
            let run = self.run("threads.csv", line, &row.run_id)?;
            let roles = parse_roles(&row.kind).unwrap_or_default();
            self.traces[run].threads.push(ThreadInfo {
                index: row.thread,
                os_thread_id: row.os_thread_id,
                name: row.name.into_owned(),
                kind: roles.first().copied().unwrap_or_default(),
                cpu_time_ns: row.cpu_time_ns,
                runtime_cpu_ns: row.runtime_cpu_ns,
            });
        }
        for trace in &mut self.traces {
            trace.threads.sort_by_key(|t| t.index);
            let numbered = trace
                .threads
                .iter()
                .enumerate()
                .all(|(i, t)| usize::from(t.index) == i);
            if !numbered {
                return Err(Error::csv(
                    self.dir.join("threads.csv"),
                    None,
                    format!(
                        "thread: the threads of run `{}` are not numbered 0, 1, 2, … without gaps or repeats",
                        trace.info.run_id
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Polls, numbered 0, 1, 2, … in order within each future.
    fn polls(&mut self) -> Result<()> {
        let dir = self.dir;
        for_each_row(dir, |line, row: PollRow<'_>| {
            let (run, future) =
                self.locate("polls.csv", line, &row.run_id, &row.future, row.thread)?;
            let polls = &mut self.traces[run].futures[future].polls;
            if row.poll != polls.len() as u64 {
                let expected = polls.len();
                return Err(self.error(
                    "polls.csv",
                    Some(line),
                    format!(
                        "poll: `{}` where poll {expected} of the future was expected (polls are numbered 0, 1, 2, … in order)",
                        row.poll
                    ),
                ));
            }
            polls.push(Poll::new(
                row.start_ns,
                row.end_ns,
                row.thread,
                row.woken_ns,
                row.cpu_ns,
                row.ready == 1,
            ));
            Ok(())
        })
    }

    /// Samples, whose `seq` increases within each future.
    fn samples(&mut self) -> Result<()> {
        let dir = self.dir;
        for_each_row(dir, |line, row: SampleRow<'_>| {
            let (run, future) =
                self.locate("samples.csv", line, &row.run_id, &row.future, row.thread)?;
            let samples = &mut self.traces[run].futures[future].samples;
            if let Some(last) = samples.last().filter(|l| l.seq >= row.seq) {
                let last = last.seq;
                return Err(self.error(
                    "samples.csv",
                    Some(line),
                    format!(
                        "seq: `{}` follows seq {last} of the same future (seq must increase)",
                        row.seq
                    ),
                ));
            }
            samples.push(Sample::new(
                row.seq,
                row.value,
                row.start_ns,
                row.end_ns,
                row.thread,
                row.cpu_ns,
            ));
            Ok(())
        })
    }

    /// User claims (claims.csv, absent where no run carries any), each on
    /// a run of runs.csv.
    fn claims(&mut self) -> Result<()> {
        let dir = self.dir;
        if !dir.join(ClaimRow::FILE).exists() {
            return Ok(());
        }
        for_each_row(dir, |line, row: ClaimRow<'_>| {
            let run = self.run(ClaimRow::FILE, line, &row.run_id)?;
            let claim = row
                .claim()
                .map_err(|why| self.error(ClaimRow::FILE, Some(line), why))?;
            self.traces[run].info.claims.push(claim);
            Ok(())
        })
    }
}
