//! shard.json: what a shard folder (`pollscope run … --shard K/N`) or a
//! merged one (`pollscope merge`) is a part of, so that `merge` can check
//! that its folders belong together before it joins them.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// shard.json of a result folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct ShardFile {
    /// The pollscope that wrote the folder.
    pub pollscope_version: String,
    /// `run` (one shard) or `merge` (shards joined).
    pub made_by: String,
    /// The shards (K, from 1) the folder holds.
    pub shards: Vec<u32>,
    /// N: how many shards the matrix was cut into.
    pub of: u32,
    /// The id of the whole matrix's settings
    /// ([`crate::run::shard::settings_id`]): equal for shards of one
    /// command line.
    pub settings: String,
    /// The command line, less `--shard` and `--out`, for people.
    pub command: String,
    /// Every run id of the whole matrix, in run order.
    pub matrix: Vec<String>,
    /// The run ids the folder holds, in run order.
    pub runs: Vec<String>,
}

impl ShardFile {
    /// The file's name in a result folder.
    pub(crate) const FILE: &'static str = "shard.json";

    /// Writes the file into `dir`.
    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(Self::FILE);
        let text = serde_json::to_string_pretty(self).expect("a shard file serializes");
        std::fs::write(&path, text + "\n").map_err(|e| Error::io(&path, e))
    }

    /// The file of the result folder `dir`; `None` where it has none.
    /// Malformed is bad input naming the file.
    pub(crate) fn read(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(Self::FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let file: Self = serde_json::from_str(&text).map_err(|e| {
            Error::bad_input(format!(
                "{}: not a shard file: {e}",
                crate::error::shown_path(&path)
            ))
        })?;
        let bad = file.of == 0
            || file.shards.is_empty()
            || file.shards.iter().any(|&k| k == 0 || k > file.of)
            || !matches!(file.made_by.as_str(), "run" | "merge");
        if bad {
            return Err(Error::bad_input(format!(
                "{}: not a shard file: its shards, `of` or `made_by` are impossible",
                crate::error::shown_path(&path)
            )));
        }
        Ok(Some(file))
    }
}
