//! The result folder: CSV files (and, later stages, pictures), written into
//! a temporary sibling and moved into place whole.

mod csv_files;
mod findings_md;
mod folder;
mod load;
mod pftrace;
pub(crate) mod rows;
mod shard_file;
mod trace_json;
mod tracks;

pub(crate) use csv_files::{write_csv_files, write_histograms};
pub(crate) use findings_md::{summary_lines, to_markdown};
pub use folder::ResultFolder;
pub(crate) use folder::{interrupt, remove_temporaries, wait_if_interrupted};
pub use load::load_results;
pub use pftrace::write_pftrace;
pub(crate) use shard_file::ShardFile;
pub(crate) use trace_json::write_trace_json;
