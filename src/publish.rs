//! Writes a result folder through one [`Exporter`] per output — the CSV
//! files, the findings (findings.md and findings.csv), trace.json,
//! trace.pftrace, and the pictures with the report — driven in one place
//! (as hyperfine's `ExportManager` does). `pollscope run`, `pollscope plot`
//! and a library session all end here.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use crate::analysis::RunResult;
use crate::common::names::check_name;
use crate::error::{Error, Result};
use crate::export::rows::{FindingRow, Row, header_of};
use crate::export::{ResultFolder, to_markdown, write_csv_files, write_pftrace, write_trace_json};
#[cfg(feature = "pictures")]
use crate::export::{load_results, write_histograms};
use crate::findings::{Finding, findings, truth_checks};
#[cfg(feature = "pictures")]
use crate::render::{PictureOptions, SummaryAxis, write_pictures_with};

/// What to write besides the CSV files and the findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pictures {
    /// trace.json, trace.pftrace, plots/*.svg and index.html too (the
    /// plots and the report need the `pictures` feature; without it,
    /// only the traces, with a warning).
    Yes,
    /// CSV files and findings only (`--no-plots`).
    No,
}

/// What a published folder holds besides its files.
#[derive(Debug)]
#[non_exhaustive]
pub struct Published {
    /// Where the folder now is.
    pub dir: PathBuf,
    /// The findings written to findings.md and findings.csv.
    pub findings: Vec<Finding>,
    /// What the user should know about what was drawn (e.g. a zoom window
    /// past a run's end).
    pub warnings: Vec<String>,
}

/// Everything the exporters write from: the runs and what was concluded
/// from them, computed once.
#[derive(Debug)]
pub(crate) struct Publication<'a> {
    /// The runs.
    pub results: &'a [RunResult],
    /// Every claim judged on them.
    pub findings: Vec<Finding>,
    /// findings.md (the findings and the truth check of every run), also
    /// inlined in the report.
    pub markdown: String,
    /// The zoom window and the runs to draw.
    #[cfg(feature = "pictures")]
    pub pictures: PictureOptions,
}

impl<'a> Publication<'a> {
    /// Judges `results` and prepares their findings.
    pub(crate) fn of(results: &'a [RunResult]) -> Self {
        let findings = findings(results);
        let markdown = to_markdown(results, &findings, &truth_checks(results));
        Self {
            results,
            findings,
            markdown,
            #[cfg(feature = "pictures")]
            pictures: PictureOptions::default(),
        }
    }
}

/// One output of a result folder.
pub(crate) trait Exporter: std::fmt::Debug {
    /// Writes its files for `publication` into `dir`.
    fn export(&self, dir: &Path, publication: &Publication<'_>) -> Result<()>;
}

/// The six CSV files.
#[derive(Debug)]
struct CsvFiles;

/// histograms.csv alone: derived from the polls and samples, so `plot`
/// writes it afresh.
#[cfg(feature = "pictures")]
#[derive(Debug)]
struct Histograms;

#[cfg(feature = "pictures")]
impl Exporter for Histograms {
    fn export(&self, dir: &Path, p: &Publication<'_>) -> Result<()> {
        write_histograms(dir, p.results)
    }
}

impl Exporter for CsvFiles {
    fn export(&self, dir: &Path, p: &Publication<'_>) -> Result<()> {
        write_csv_files(dir, p.results)
    }
}

/// findings.md and findings.csv.
#[derive(Debug)]
struct FindingsFiles;

impl Exporter for FindingsFiles {
    fn export(&self, dir: &Path, p: &Publication<'_>) -> Result<()> {
        let path = dir.join("findings.md");
        fs::write(&path, &p.markdown).map_err(|e| Error::io(&path, e))?;
        let path = dir.join(FindingRow::FILE);
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_path(&path)
            .map_err(|e| Error::csv(&path, None, e.to_string()))?;
        let csv_error = |e: csv::Error| Error::csv(&path, None, e.to_string());
        writer
            .write_record(header_of::<FindingRow<'_>>())
            .map_err(csv_error)?;
        for f in &p.findings {
            writer
                .serialize(FindingRow {
                    run_id: Cow::Borrowed(&f.run_id),
                    claim: Cow::Borrowed(f.claim.id),
                    verdict: f.verdict(),
                    reason: Cow::Borrowed(&f.judgement.reason),
                    evidence: Cow::Borrowed(&f.judgement.evidence),
                })
                .map_err(csv_error)?;
        }
        writer.flush().map_err(|e| Error::io(&path, e))
    }
}

/// trace.json (Chrome trace events).
#[derive(Debug)]
struct TraceJson;

impl Exporter for TraceJson {
    fn export(&self, dir: &Path, p: &Publication<'_>) -> Result<()> {
        write_trace_json(&dir.join("trace.json"), p.results)
    }
}

/// trace.pftrace (Perfetto protobuf).
#[derive(Debug)]
struct Pftrace;

impl Exporter for Pftrace {
    fn export(&self, dir: &Path, p: &Publication<'_>) -> Result<()> {
        write_pftrace(&dir.join("trace.pftrace"), p.results)
    }
}

/// plots/*.svg and index.html.
#[cfg(feature = "pictures")]
#[derive(Debug)]
struct PicturesAndReport;

#[cfg(feature = "pictures")]
impl Exporter for PicturesAndReport {
    fn export(&self, dir: &Path, p: &Publication<'_>) -> Result<()> {
        write_pictures_with(dir, p.results, Some(&p.markdown), &p.pictures)
    }
}

/// The exporters of one kind of write, run in order.
#[derive(Debug)]
pub(crate) struct ExportManager {
    exporters: Vec<Box<dyn Exporter>>,
}

impl ExportManager {
    /// A run's outputs: the CSV files and the findings, then (with
    /// pictures) the traces, the plots and the report.
    pub(crate) fn for_run(pictures: Pictures) -> Self {
        let mut exporters: Vec<Box<dyn Exporter>> = vec![Box::new(CsvFiles)];
        exporters.extend(Self::derived(pictures));
        Self { exporters }
    }

    /// What `pollscope plot` rewrites from the CSV files: everything
    /// derived from them, histograms.csv included.
    #[cfg(feature = "pictures")]
    pub(crate) fn for_plot() -> Self {
        Self::from_csv(Pictures::Yes)
    }

    /// Everything derived from the CSV files: histograms.csv, the
    /// findings and (with pictures) the rest (`pollscope merge` writes
    /// these beside the files it joined).
    #[cfg(feature = "pictures")]
    pub(crate) fn from_csv(pictures: Pictures) -> Self {
        let mut exporters: Vec<Box<dyn Exporter>> = vec![Box::new(Histograms)];
        exporters.extend(Self::derived(pictures));
        Self { exporters }
    }

    fn derived(pictures: Pictures) -> Vec<Box<dyn Exporter>> {
        let mut exporters: Vec<Box<dyn Exporter>> = vec![Box::new(FindingsFiles)];
        if pictures == Pictures::Yes {
            exporters.push(Box::new(TraceJson));
            exporters.push(Box::new(Pftrace));
            #[cfg(feature = "pictures")]
            exporters.push(Box::new(PicturesAndReport));
        }
        exporters
    }

    /// Writes every output of `publication` into `dir`.
    pub(crate) fn export_all(&self, dir: &Path, publication: &Publication<'_>) -> Result<()> {
        self.exporters
            .iter()
            .try_for_each(|e| e.export(dir, publication))
    }
}

/// Refuses (bad input) a run that a result folder could not hold (a
/// library session's, where the user names futures and records values):
/// an unsafe future name, two futures (or a future and a span) of one
/// name, whose rows `plot` could not tell apart, or a sample value that is
/// not finite.
pub(crate) fn check_futures(result: &RunResult) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for future in &result.trace.futures {
        check_name("future name", &future.name)?;
        if !seen.insert(future.name.as_str()) {
            return Err(Error::bad_input(format!(
                "run `{}`: two futures are named `{}`; future names must be unique in a run (a session)",
                result.trace.info.run_id, future.name
            )));
        }
        if let Some(bad) = future.samples.iter().find(|s| !s.value.is_finite()) {
            return Err(Error::bad_input(format!(
                "run `{}`: future `{}` recorded the sample value {} (seq {}); sample values must be finite",
                result.trace.info.run_id, future.name, bad.value, bad.seq
            )));
        }
    }
    Ok(())
}

/// Refuses (bad input) two runs of one id: `plot`, `compare` and `history`
/// could not tell them apart.
fn check_run_ids(results: &[RunResult]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for result in results {
        let id = &result.trace.info.run_id;
        if !seen.insert(id.as_str()) {
            return Err(Error::bad_input(format!(
                "two runs have the id `{}`; run ids must be unique in a result folder (give each session its own name, or use pollscope::measure for repeats)",
                crate::error::shown(id)
            )));
        }
    }
    Ok(())
}

/// Writes `results` into `folder` (still the temporary sibling) and moves it
/// into place. Two runs of one id, a run with two futures of one name or a
/// sample value that is not finite is bad input, with nothing written.
pub fn publish(
    folder: ResultFolder,
    results: &[RunResult],
    pictures: Pictures,
) -> Result<Published> {
    check_run_ids(results)?;
    results.iter().try_for_each(check_futures)?;
    let publication = Publication::of(results);
    // A write that fails (a full disk) is the run failing, named by the
    // user's folder; the temporary sibling goes with `folder`.
    let target = folder.target().to_path_buf();
    ExportManager::for_run(pictures)
        .export_all(folder.path(), &publication)
        .map_err(|e| e.written_into(&target))?;
    let mut warnings = Vec::new();
    if pictures == Pictures::Yes && !cfg!(feature = "pictures") {
        warnings.push(
            "pollscope was built without its `pictures` feature: no plots and no index.html were written"
                .to_string(),
        );
    }
    Ok(Published {
        dir: folder.commit().map_err(|e| e.written_into(&target))?,
        findings: publication.findings,
        warnings,
    })
}

/// Regenerates the findings, traces, plots and index.html of the result
/// folder `dir` from its CSV files alone, with the zoom window `zoom` (ns
/// since each run's start; `None`: each run's default) and only the
/// pictures of the runs whose id matches `runs` (the plots of other runs
/// stay as they are). Only pollscope's files are replaced (each
/// atomically); every other file in `dir` stays.
///
/// ```
/// use pollscope::{ResultFolder, RunResult};
/// use pollscope::{publish, replot, Pictures, SummaryAxis};
/// use pollscope::{builtin, JourneyParams};
///
/// let params = JourneyParams { samples: 5, ..Default::default() };
/// let result = RunResult::new(pollscope::run(&builtin("two_futures", &params).unwrap(), 0).unwrap());
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("r");
/// publish(ResultFolder::create(&out).unwrap(), &[result], Pictures::No).unwrap();
/// assert!(!out.join("index.html").exists());
/// replot(&out, None, None, SummaryAxis::Workers).unwrap();
/// assert!(out.join("index.html").exists() && out.join("trace.json").exists());
/// ```
#[cfg(feature = "pictures")]
pub fn replot(
    dir: &Path,
    zoom: Option<(u64, u64)>,
    runs: Option<&regex::Regex>,
    summary_axis: SummaryAxis,
) -> Result<Published> {
    // Read (and check) the files before anything is written.
    ResultFolder::check_result(dir)?;
    let results = load_results(dir)?;
    let folder = ResultFolder::update(dir)?;
    let runs = runs
        .map(|pattern| {
            let ids: Vec<String> = results
                .iter()
                .map(|r| r.trace.info.run_id.clone())
                .filter(|id| pattern.is_match(id))
                .collect();
            if ids.is_empty() {
                return Err(Error::bad_input(format!(
                    "--run `{pattern}` matches none of the {} run(s) in {}",
                    results.len(),
                    crate::error::shown_path(dir)
                )));
            }
            Ok(ids)
        })
        .transpose()?;
    let warnings: Vec<String> = zoom
        .map(|(from, _)| {
            results
                .iter()
                .filter(|r| {
                    runs.as_ref()
                        .is_none_or(|ids| ids.contains(&r.trace.info.run_id))
                })
                .filter(|r| from >= r.analysis.makespan_ns)
                .map(|r| {
                    format!(
                        "--zoom starts after the end of run {} ({}): its zoom view is empty",
                        r.trace.info.run_id,
                        crate::common::duration::human_ns(r.analysis.makespan_ns)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut warnings = warnings;
    if summary_axis != SummaryAxis::Workers
        && crate::render::scenario_summaries(&results, summary_axis).is_empty()
    {
        warnings.push(format!(
            "--x {}: no scenario has multi_thread runs at two or more values of it (scenarios whose work all runs on main get no chart), so none was drawn",
            summary_axis.as_str()
        ));
    }
    let options = PictureOptions {
        zoom,
        runs,
        existing: Some(dir.to_path_buf()),
        summary_axis,
    };
    let mut publication = Publication::of(&results);
    publication.pictures = options;
    let target = folder.target().to_path_buf();
    ExportManager::for_plot()
        .export_all(folder.path(), &publication)
        .map_err(|e| e.written_into(&target))?;
    Ok(Published {
        dir: folder.commit().map_err(|e| e.written_into(&target))?,
        findings: publication.findings,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::{Pictures, publish};
    use crate::analysis::RunResult;
    use crate::export::ResultFolder;
    use crate::scenario::{JourneyParams, builtin};

    /// The folder of the light library (and of the full one) from one
    /// small run, published with pictures asked for.
    #[test]
    fn pictures_are_drawn_only_with_the_pictures_feature() {
        let params = JourneyParams {
            samples: 5,
            ..Default::default()
        };
        let scenario = builtin("two_futures", &params).unwrap();
        let result = RunResult::new(crate::run::run(&scenario, 0).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        let published = publish(
            ResultFolder::create(&out).unwrap(),
            &[result],
            Pictures::Yes,
        )
        .unwrap();
        for file in [
            "runs.csv",
            "futures.csv",
            "findings.csv",
            "findings.md",
            "trace.json",
        ] {
            assert!(out.join(file).exists(), "{file}");
        }
        let drawn = cfg!(feature = "pictures");
        assert_eq!(out.join("index.html").exists(), drawn);
        assert_eq!(
            published.warnings.is_empty(),
            drawn,
            "{:?}",
            published.warnings
        );
    }
}
