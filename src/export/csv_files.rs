//! Writing the six CSV files of a result folder from the row types of
//! [`rows`](super::rows).

use std::borrow::Cow;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::RunResult;
use super::rows::{FutureRow, HistogramRow, PollRow, Row, RunRow, SampleRow, ThreadRow, header_of};
use crate::analysis::for_each_of_run;
use crate::error::{Error, Result};
use crate::stats::Summary;

/// The CSV files of a result folder, in the order they are written.
pub const CSV_FILES: [&str; 6] = [
    RunRow::FILE,
    FutureRow::FILE,
    SampleRow::FILE,
    PollRow::FILE,
    ThreadRow::FILE,
    HistogramRow::FILE,
];

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

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
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
    let mut file = CsvFile::create::<RunRow<'_>>(dir)?;
    for run in runs {
        let info = &run.trace.info;
        let a = &run.analysis;
        file.row(RunRow {
            run_id: Cow::Borrowed(&info.run_id),
            scenario: Cow::Borrowed(&info.scenario),
            flavor: info.flavor,
            workers: info.workers as u64,
            max_blocking_threads: info.max_blocking_threads as u64,
            cost_kind: info.cost_kind,
            light_cost_us: us(nanos(info.light_cost)),
            heavy_cost_us: us(nanos(info.heavy_cost)),
            samples: u64::from(info.samples),
            tasks: u64::from(info.tasks),
            repeat: u64::from(info.repeat),
            cores: info.cores as u64,
            calibration: round(info.calibration, 3),
            makespan_us: us(a.makespan_ns),
            lower_bound_us: us(a.lower_bound_ns),
            efficiency: round(a.efficiency, 4),
            blocking_permits: info.blocking_permits.map(|p| p as u64),
            pool_threads: Some(info.pool_threads as u64),
            light_cost_ns: Some(nanos(info.light_cost)),
            heavy_cost_ns: Some(nanos(info.heavy_cost)),
            tokio_worker_busy_ns: Some(Cow::Owned(join(
                info.tokio_workers.iter().map(|w| w.busy_ns),
            ))),
            tokio_worker_parks: Some(Cow::Owned(join(info.tokio_workers.iter().map(|w| w.parks)))),
        })?;
    }
    file.finish()
}

fn write_futures(dir: &Path, runs: &[RunResult]) -> Result<()> {
    let mut file = CsvFile::create::<FutureRow<'_>>(dir)?;
    for run in runs {
        for (stats, future) in run.analysis.futures.iter().zip(&run.trace.futures) {
            let pick = |s: Option<Summary>, f: fn(Summary) -> u64| s.map(f);
            file.row(FutureRow {
                run_id: Cow::Borrowed(&run.trace.info.run_id),
                future: Cow::Borrowed(&stats.name),
                placement: stats.placement,
                cost_us: us(nanos(stats.cost)),
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
                cost_kind: Some(future.cost_kind),
                cost_ns: Some(nanos(future.cost)),
                planned_samples: Some(u64::from(future.planned_samples)),
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
            file.row(ThreadRow {
                run_id: Cow::Borrowed(&run.trace.info.run_id),
                thread: info.index,
                os_thread_id: info.os_thread_id,
                name: Cow::Borrowed(&info.name),
                kind: info.kind,
                polls: stats.polls as u64,
                busy_ns: stats.busy_ns,
                cpu_time_ns: info.cpu_time_ns,
            })?;
        }
    }
    file.finish()
}

fn write_histograms(dir: &Path, runs: &[RunResult]) -> Result<()> {
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
