//! Writes a whole result folder: the CSV files and findings.md, then
//! (unless asked not to) trace.json, the plots and index.html.
//! `pollscope run` and `pollscope plot` both end here.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::export::{
    ResultFolder, RunResult, load_results, write_csv_files, write_pftrace, write_trace_json,
};
use crate::findings::{Finding, findings, to_markdown, truth_checks};
use crate::render::{PictureOptions, write_pictures_with};

/// What to write besides the CSV files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pictures {
    /// trace.json, plots/*.svg and index.html too.
    Yes,
    /// CSV files only (`--no-plots`).
    No,
}

/// What a published folder holds besides its files.
#[derive(Debug)]
pub struct Published {
    /// Where the folder now is.
    pub dir: PathBuf,
    /// The findings written to findings.md.
    pub findings: Vec<Finding>,
}

/// Writes `results` into `folder` (still the temporary sibling) and moves it
/// into place.
pub fn publish(
    folder: ResultFolder,
    results: &[RunResult],
    pictures: Pictures,
) -> Result<Published> {
    write_csv_files(folder.path(), results)?;
    let findings = write_derived(folder.path(), results, pictures, &PictureOptions::default())?;
    Ok(Published {
        dir: folder.commit()?,
        findings,
    })
}

/// findings.md and, with pictures, trace.json, the plots and index.html of
/// `results` into `dir`.
fn write_derived(
    dir: &Path,
    results: &[RunResult],
    pictures: Pictures,
    options: &PictureOptions,
) -> Result<Vec<Finding>> {
    let findings = findings(results);
    let markdown = to_markdown(results, &findings, &truth_checks(results));
    let path = dir.join("findings.md");
    fs::write(&path, &markdown).map_err(|e| Error::io(&path, e))?;
    if pictures == Pictures::Yes {
        write_trace_json(&dir.join("trace.json"), results)?;
        write_pftrace(&dir.join("trace.pftrace"), results)?;
        write_pictures_with(dir, results, Some(&markdown), options)?;
    }
    Ok(findings)
}

/// Regenerates findings.md, trace.json, the plots and index.html of the
/// result folder `dir` from its CSV files alone, with the zoom window
/// `zoom` (ns since each run's start; `None`: each run's default) and only
/// the pictures of the runs whose id matches `runs` (the plots of other
/// runs stay as they are). Only pollscope's files are replaced (each
/// atomically); every other file in `dir` stays.
///
/// ```
/// use pollscope::export::{ResultFolder, RunResult};
/// use pollscope::publish::{publish, replot, Pictures};
/// use pollscope::scenario::{journey, JourneyParams};
///
/// let params = JourneyParams { samples: 5, ..Default::default() };
/// let result = RunResult::new(pollscope::runner::run(&journey::two_futures(&params), 0).unwrap());
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("r");
/// publish(ResultFolder::create(&out).unwrap(), &[result], Pictures::No).unwrap();
/// assert!(!out.join("index.html").exists());
/// replot(&out, None, None).unwrap();
/// assert!(out.join("index.html").exists() && out.join("trace.json").exists());
/// ```
pub fn replot(
    dir: &Path,
    zoom: Option<(u64, u64)>,
    runs: Option<&regex::Regex>,
) -> Result<Published> {
    let folder = ResultFolder::update(dir)?;
    let results = load_results(dir)?;
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
                    dir.display()
                )));
            }
            Ok(ids)
        })
        .transpose()?;
    let options = PictureOptions {
        zoom,
        runs,
        existing: Some(dir.to_path_buf()),
    };
    let findings = write_derived(folder.path(), &results, Pictures::Yes, &options)?;
    Ok(Published {
        dir: folder.commit()?,
        findings,
    })
}
