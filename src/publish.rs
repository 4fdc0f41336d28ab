//! Writes a whole result folder: the CSV files, then (unless asked not to)
//! trace.json, the plots and index.html. `pollscope run` and
//! `pollscope plot` both end here.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::export::{
    CSV_FILES, ResultFolder, RunResult, load_results, write_csv_files, write_trace_json,
};
use crate::render::write_pictures;

/// What to write besides the CSV files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pictures {
    /// trace.json, plots/*.svg and index.html too.
    Yes,
    /// CSV files only (`--no-plots`).
    No,
}

/// Writes `results` into `folder` (still the temporary sibling) and moves it
/// into place; returns the final path.
pub fn publish(folder: ResultFolder, results: &[RunResult], pictures: Pictures) -> Result<PathBuf> {
    write_csv_files(folder.path(), results)?;
    if pictures == Pictures::Yes {
        write_derived(folder.path(), results)?;
    }
    folder.commit()
}

/// trace.json, the plots and index.html of `results` into `dir`.
fn write_derived(dir: &Path, results: &[RunResult]) -> Result<()> {
    write_trace_json(&dir.join("trace.json"), results)?;
    write_pictures(dir, results, None)
}

/// Regenerates trace.json, the plots and index.html of the result folder
/// `dir` from its CSV files alone; the folder is replaced whole, like a run's.
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
/// replot(&out).unwrap();
/// assert!(out.join("index.html").exists() && out.join("trace.json").exists());
/// ```
pub fn replot(dir: &Path) -> Result<PathBuf> {
    let results = load_results(dir)?;
    let folder = ResultFolder::create(dir)?;
    for name in CSV_FILES {
        let (from, to) = (dir.join(name), folder.path().join(name));
        if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
        }
    }
    write_derived(folder.path(), &results)?;
    folder.commit()
}
