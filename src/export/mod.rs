//! The result folder: CSV files (and, later stages, pictures), written into
//! a temporary sibling and moved into place whole.

mod csv_files;
mod folder;
mod load;
mod pftrace;
pub(crate) mod rows;
mod trace_json;
mod tracks;

pub(crate) use csv_files::{write_csv_files, write_histograms};
pub use folder::ResultFolder;
pub(crate) use folder::remove_temporaries;
pub use load::load_results;
pub use pftrace::write_pftrace;
pub(crate) use trace_json::write_trace_json;

use crate::analysis::{RunAnalysis, analyze};
use crate::trace::RunTrace;

/// A run's trace together with its analysis: what the exporters write.
#[derive(Debug)]
pub struct RunResult {
    /// The recording.
    pub trace: RunTrace,
    /// Numbers computed from it.
    pub analysis: RunAnalysis,
}

impl RunResult {
    /// Analyses `trace`.
    pub fn new(trace: RunTrace) -> Self {
        let analysis = analyze(&trace);
        Self { trace, analysis }
    }
}
