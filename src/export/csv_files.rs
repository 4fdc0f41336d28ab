//! Writing the six CSV files of a result folder from the row types of
//! [`rows`](super::rows).

use std::borrow::Cow;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::rows::{
    ClaimRow, FutureRow, HistogramRow, PollRow, Row, RunRow, SampleRow, ThreadRow, header_of,
};
use crate::analysis::RunResult;
use crate::analysis::for_each_of_run;
use crate::common::duration::nanos;
use crate::common::stats::Summary;
use crate::error::{Error, Result};
use crate::probe::ThreadKind;
use crate::scenario::CostKind;

/// A CSV writer for `dir/R::FILE` that names the file in its errors. The
/// header (the row type's fields) is written up front, so a file with no
/// rows still has one.
struct CsvFile {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl CsvFile {
    fn create<R: Row>(dir: &Path) -> Result<Self> {
        let path = dir.join(R::FILE);
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(BufWriter::with_capacity(1 << 20, file));
        writer
            .write_record(header_of::<R>())
            .map_err(|e| Error::csv(&path, None, e.to_string()))?;
        Ok(Self { path, writer })
    }

    fn row(&mut self, row: impl serde::Serialize) -> Result<()> {
        self.writer
            .serialize(row)
            .map_err(|e| Error::csv(&self.path, None, e.to_string()))
    }

    fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|e| Error::io(&self.path, e))
    }
}

/// Nanoseconds to whole microseconds, rounded to nearest.
fn us(ns: u64) -> u64 {
    ns.saturating_add(500) / 1_000
}

/// A list in one cell: values separated by `;`.
fn join(values: impl Iterator<Item = u64>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(";")
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// Writes the six CSV files of `runs` into `dir`, and claims.csv where a
/// run carries user claims.
pub(crate) fn write_csv_files(dir: &Path, runs: &[RunResult]) -> Result<()> {
    write_claims(dir, runs)?;
    write_runs(dir, runs)?;
    write_futures(dir, runs)?;
    write_samples(dir, runs)?;
    write_polls(dir, runs)?;
    write_threads(dir, runs)?;
    write_histograms(dir, runs)
}

/// claims.csv, only where some run carries user claims.
fn write_claims(dir: &Path, runs: &[RunResult]) -> Result<()> {
    if runs.iter().all(|r| r.trace.info.claims.is_empty()) {
        return Ok(());
    }
    let mut file = CsvFile::create::<ClaimRow<'_>>(dir)?;
    for run in runs {
        for claim in &run.trace.info.claims {
            file.row(ClaimRow {
                run_id: Cow::Borrowed(&run.trace.info.run_id),
                claim: Cow::Owned(claim.id()),
                future: Cow::Borrowed(&claim.future),
                metric: Cow::Borrowed(claim.metric.as_str()),
                percentile: claim.percentile,
                bound: Cow::Borrowed(claim.bound.word()),
                limit: claim.bound.limit(),
            })?;
        }
    }
    file.finish()
}

fn write_runs(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<RunRow<'_>>(dir)?;
    for run in runs {
        file.row(run_row(run))?;
    }
    file.finish()
}

/// The runs.csv row of `run`: empty cells where the run has no
/// configuration (a library session) or a knob does not apply.
fn run_row(run: &RunResult) -> RunRow<'_> {
    let info = &run.trace.info;
    let config = info.config.as_ref();
    let a = &run.analysis;
    let workers = &info.metrics.tokio_workers;
    let versions = &info.environment.versions;
    let mut row = RunRow {
        run_id: Cow::Borrowed(&info.run_id),
        scenario: Cow::Borrowed(&info.scenario),
        flavor: config.map(|c| c.flavor),
        workers: config.map(|c| c.workers as u64),
        max_blocking_threads: config.map(|c| c.max_blocking_threads as u64),
        cost_kind: config.map(|c| c.cost_kind),
        light_cost_us: config.and_then(|c| c.light_cost).map(|d| us(nanos(d))),
        heavy_cost_us: config.and_then(|c| c.heavy_cost).map(|d| us(nanos(d))),
        samples: config.map(|c| u64::from(c.samples)),
        tasks: config.and_then(|c| c.tasks).map(u64::from),
        repeat: config.map(|c| u64::from(c.repeat)),
        cores: info.environment.cores as u64,
        calibration: info.environment.calibration.map(|c| round(c, 3)),
        makespan_us: us(a.makespan_ns),
        lower_bound_us: a.lower_bound_ns.map(us),
        efficiency: a.efficiency.map(|e| round(e, 4)),
        origin: Some(info.origin),
        poll_cpu_time: Some(u8::from(info.poll_cpu_time)),
        executor: config.map(|c| c.executor),
        tokio_version: versions.tokio.as_deref().map(Cow::Borrowed),
        smol_version: versions.smol.as_deref().map(Cow::Borrowed),
        pollscope_version: versions.pollscope.as_deref().map(Cow::Borrowed),
        kernel: versions.kernel.as_deref().map(Cow::Borrowed),
        cpu_model: versions.cpu_model.as_deref().map(Cow::Borrowed),
        started_at: info.started_at.as_deref().map(Cow::Borrowed),
        label: info.label.as_deref().map(Cow::Borrowed),
        commit: info.commit.as_deref().map(Cow::Borrowed),
        cost_clock: config.map(|c| {
            Cow::Borrowed(match c.cost_kind {
                CostKind::Cpu => "thread_cpu",
                CostKind::Spin | CostKind::Sleep => "wall",
            })
        }),
        blocking_permits: config.and_then(|c| c.blocking_permits).map(|p| p as u64),
        pool_threads: config.map(|c| c.pool_threads as u64),
        light_cost_ns: config.and_then(|c| c.light_cost).map(nanos),
        heavy_cost_ns: config.and_then(|c| c.heavy_cost).map(nanos),
        tokio_worker_busy_ns: (!workers.is_empty())
            .then(|| Cow::Owned(join(workers.iter().map(|w| w.busy_ns)))),
        tokio_worker_parks: (!workers.is_empty())
            .then(|| Cow::Owned(join(workers.iter().map(|w| w.parks)))),
        ..RunRow::default()
    };
    interference_columns(&mut row, run);
    if let Some(config) = config {
        row.set_tokio_knobs(&config.tokio);
    }
    row
}

/// runs.csv's interference and throughput columns of `run`.
fn interference_columns(row: &mut RunRow<'_>, run: &RunResult) {
    if let Some(i) = &run.trace.info.interference {
        row.other_cpu_pct = Some(round(i.other_cpu_pct, 2));
        row.steal_pct = Some(round(i.steal_pct, 2));
        row.idle_pct = Some(round(i.idle_pct, 2));
        row.disturbed = Some(u8::from(i.disturbed));
    }
    let t = &run.analysis.throughput;
    row.events = Some(t.events);
    row.events_per_s = t.events_per_s.map(|e| round(e, 1));
    row.process_cpu_ns = t.process_cpu_ns;
    row.cpu_per_event_ns = t.cpu_per_event_ns;
}

fn write_futures(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<FutureRow<'_>>(dir)?;
    for run in runs {
        for (stats, future) in run.analysis.futures.iter().zip(&run.trace.futures) {
            let pick = |s: Option<Summary>, f: fn(Summary) -> u64| s.map(f);
            file.row(FutureRow {
                run_id: Cow::Borrowed(&run.trace.info.run_id),
                future: Cow::Borrowed(&stats.name),
                placement: stats.kind,
                cost_us: stats.cost.map(|c| us(nanos(c))),
                samples: stats.samples as u64,
                first_poll_ns: stats.first_poll_ns,
                completed_ns: stats.completed_ns,
                polls: stats.polls as u64,
                busy_ns: stats.busy_ns,
                threads: stats.threads as u64,
                poll_p50_ns: pick(stats.poll_duration, |s| s.p50),
                poll_p99_ns: pick(stats.poll_duration, |s| s.p99),
                poll_max_ns: pick(stats.poll_duration, |s| s.max),
                sched_delay_p50_ns: pick(stats.sched_delay, |s| s.p50),
                sched_delay_p99_ns: pick(stats.sched_delay, |s| s.p99),
                sched_delay_max_ns: pick(stats.sched_delay, |s| s.max),
                cost_kind: future.cost_kind,
                cost_ns: future.cost.map(nanos),
                planned_samples: future.planned_samples.map(u64::from),
                wake_clamps: Some(u64::from(future.wake_clamps)),
                kind: Some(Cow::Borrowed(future.kind.role())),
                value_p50_ns: pick(stats.value, |s| s.p50),
                value_p99_ns: pick(stats.value, |s| s.p99),
                value_max_ns: pick(stats.value, |s| s.max),
            })?;
        }
    }
    file.finish()
}

fn write_samples(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<SampleRow<'_>>(dir)?;
    for run in runs {
        for future in &run.trace.futures {
            for s in &future.samples {
                file.row(SampleRow {
                    run_id: Cow::Borrowed(&run.trace.info.run_id),
                    future: Cow::Borrowed(&future.name),
                    seq: s.seq,
                    value: s.value,
                    start_ns: s.start_ns,
                    end_ns: s.end_ns,
                    thread: s.thread,
                    cpu_ns: s.cpu_ns(),
                })?;
            }
        }
    }
    file.finish()
}

fn write_polls(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<PollRow<'_>>(dir)?;
    for run in runs {
        for future in &run.trace.futures {
            for (i, p) in future.polls.iter().enumerate() {
                file.row(PollRow {
                    run_id: Cow::Borrowed(&run.trace.info.run_id),
                    future: Cow::Borrowed(&future.name),
                    poll: i as u64,
                    start_ns: p.start_ns,
                    end_ns: p.end_ns,
                    thread: p.thread,
                    woken_ns: p.woken_ns(),
                    ready: u8::from(p.ready),
                    cpu_ns: p.cpu_ns(),
                })?;
            }
        }
    }
    file.finish()
}

fn write_threads(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<ThreadRow<'_>>(dir)?;
    for run in runs {
        for (info, stats) in run.trace.threads.iter().zip(&run.analysis.threads) {
            let role = |kind: ThreadKind| Some(stats.busy_by_role[kind as usize]);
            file.row(ThreadRow {
                run_id: Cow::Borrowed(&run.trace.info.run_id),
                thread: info.index,
                os_thread_id: info.os_thread_id,
                name: Cow::Borrowed(&info.name),
                kind: Cow::Owned(stats.kind()),
                polls: stats.polls as u64,
                busy_ns: stats.busy_ns,
                cpu_time_ns: info.cpu_time_ns,
                step_cpu_ns: Some(stats.step_cpu_ns),
                probe_cpu_ns: stats.probe_cpu_ns,
                runtime_cpu_ns: info.runtime_cpu_ns,
                busy_main_ns: role(ThreadKind::Main),
                busy_worker_ns: role(ThreadKind::Worker),
                busy_blocking_ns: role(ThreadKind::Blocking),
                busy_pool_ns: role(ThreadKind::Pool),
            })?;
        }
    }
    file.finish()
}

/// Writes histograms.csv of `runs` into `dir`.
pub(crate) fn write_histograms(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<HistogramRow<'_>>(dir)?;
    for run in runs {
        let mut outcome = Ok(());
        for_each_of_run(&run.trace, |h| {
            for q in h.quantile_rows() {
                if outcome.is_ok() {
                    outcome = file.row(HistogramRow {
                        run_id: Cow::Borrowed(&run.trace.info.run_id),
                        future: Cow::Borrowed(&h.future),
                        metric: Cow::Borrowed(h.metric.as_str()),
                        percentile: round(q.percentile, 6),
                        value_ns: q.value_ns,
                        count: q.count,
                    });
                }
            }
        });
        outcome?;
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_starts_with_the_contract_columns() {
        fn starts<R: Row>() {
            let header = header_of::<R>();
            assert_eq!(&header[..R::CONTRACT.len()], R::CONTRACT, "{}", R::FILE);
        }
        starts::<RunRow<'_>>();
        starts::<FutureRow<'_>>();
        starts::<SampleRow<'_>>();
        starts::<PollRow<'_>>();
        starts::<ThreadRow<'_>>();
        starts::<HistogramRow<'_>>();
    }
}
