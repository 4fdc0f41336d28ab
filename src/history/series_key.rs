//! A series: one configuration on one machine fingerprint, and its id.

use std::collections::BTreeMap;

use crate::common::hash::Fnv;
use crate::compare::ConfigKey;
use crate::scenario::Setting;

/// A series: one configuration on one machine fingerprint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SeriesKey {
    /// The short stable id (a hash of everything below).
    pub id: String,
    /// The scenario.
    pub scenario: String,
    /// The settings as a JSON object, name → value.
    pub configuration: String,
    /// The configuration for people (`two_futures w2 heavy=500us …`).
    pub description: String,
    /// runs.csv's `cpu_model`; in a folder written before runs.csv had
    /// it, /proc/cpuinfo's model name of the machine that adds it
    /// (`unknown` where neither says).
    pub cpu_model: String,
    /// Cores available to the run.
    pub cores: u64,
    /// The kernel's release (`unknown` where runs.csv has none).
    pub kernel: String,
}

impl SeriesKey {
    /// The series of the configuration `key` on a machine: its id is the
    /// first 10 hex digits of FNV-1a over the scenario, the settings'
    /// JSON, the CPU model, the cores and the kernel.
    pub(crate) fn new(key: &ConfigKey, cpu_model: &str, cores: u64, kernel: &str) -> Self {
        let settings = spelled_settings(key);
        let configuration: BTreeMap<&str, &str> =
            settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let configuration =
            serde_json::to_string(&configuration).expect("a map of strings serializes");
        let fingerprint = format!(
            "{}\u{1f}{configuration}\u{1f}{cpu_model}\u{1f}{cores}\u{1f}{kernel}",
            key.scenario
        );
        Self {
            id: Fnv::default().write(fingerprint.as_bytes()).hex()[..10].to_string(),
            scenario: key.scenario.clone(),
            configuration,
            description: key.to_string(),
            cpu_model: cpu_model.to_string(),
            cores,
            kernel: kernel.to_string(),
        }
    }

    /// Stores the series in the `series` table, unless it is there.
    pub(crate) fn store(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO series (series_id, scenario, configuration, cpu_model, cores, \
             kernel, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(rusqlite::params![
            self.id,
            self.scenario,
            self.configuration,
            self.cpu_model,
            self.cores,
            self.kernel,
            self.description
        ])?;
        Ok(())
    }
}

/// Every setting `key` has a value of, by name, as the history stores it.
pub(crate) fn spelled_settings(key: &ConfigKey) -> Vec<(&'static str, String)> {
    Setting::ALL
        .iter()
        .filter_map(|&s| Some((s.spec().name, key.value(s)?)))
        .collect()
}
