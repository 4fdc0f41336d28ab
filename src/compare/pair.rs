//! Which configurations are compared with which: by default those of BASE
//! and NEW whose every setting agrees; with `--vary S,…`, those that agree
//! in every setting but the varied ones (across two folders, or within one
//! folder against a base value).

use std::collections::BTreeMap;
use std::path::Path;

use super::load::Folder;
use super::{ConfigKey, ConfigMetrics, differ::values_of};
use crate::common::duration::{format_duration, parse_duration};
use crate::error::{Error, Result};
use crate::scenario::Setting;

/// A varied setting's value on each side (`None`: the configuration has
/// no such setting, as workers under current_thread).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Varied {
    /// The setting.
    pub setting: Setting,
    /// Its base value.
    pub base: Option<String>,
    /// Its new value.
    pub new: Option<String>,
}

impl std::fmt::Display for Varied {
    /// `event_interval: default → 1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".to_string());
        write!(
            f,
            "{}: {} → {}",
            self.setting,
            shown(&self.base),
            shown(&self.new)
        )
    }
}

/// Two configurations to compare.
#[derive(Clone, Debug)]
pub(crate) struct Pair<'a> {
    /// What they share (every setting without `--vary`).
    pub config: ConfigKey,
    /// The varied settings' values.
    pub vary: Vec<Varied>,
    /// The base side's metrics.
    pub base: &'a ConfigMetrics,
    /// The new side's metrics.
    pub new: &'a ConfigMetrics,
}

/// The pairs, and the configurations left without a partner.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pairing<'a> {
    /// The pairs, in the order rows are printed.
    pub pairs: Vec<Pair<'a>>,
    /// Base configurations without a partner.
    pub only_in_base: Vec<ConfigKey>,
    /// Configurations of one folder with no value of any varied setting
    /// (`two_futures` has no heavy cost): nothing to vary.
    pub without_varied: Vec<ConfigKey>,
    /// New configurations without a partner.
    pub only_in_new: Vec<ConfigKey>,
}

/// The settings of `key` that pairs must share: all but the varied ones.
/// When the executor varies, tokio's own settings at their defaults go too
/// (a smol run has none of them, a tokio run at defaults has nothing else).
fn shared(key: &ConfigKey, vary: &[Setting]) -> ConfigKey {
    let executor_varies = vary.contains(&Setting::Executor);
    ConfigKey {
        scenario: key.scenario.clone(),
        values: key
            .values
            .iter()
            .filter(|(setting, value)| {
                let spec = setting.spec();
                let tokio_default =
                    spec.tokio_only && spec.default == Some(value.to_string().as_str());
                let dropped = vary.contains(setting) || (executor_varies && tokio_default);
                !dropped
            })
            .map(|(s, v)| (*s, v.clone()))
            .collect(),
    }
}

/// The varied settings' values of `key`.
fn values(key: &ConfigKey, vary: &[Setting]) -> Vec<Option<String>> {
    vary.iter().map(|&s| key.value(s)).collect()
}

fn varied(vary: &[Setting], base: &ConfigKey, new: &ConfigKey) -> Vec<Varied> {
    vary.iter()
        .map(|&setting| Varied {
            setting,
            base: base.value(setting),
            new: new.value(setting),
        })
        .collect()
}

/// Without `--vary`: configurations equal in every setting.
pub(crate) fn same_settings<'a>(base: &'a Folder, new: &'a Folder) -> Pairing<'a> {
    let mut pairing = Pairing::default();
    for (key, b) in &base.metrics {
        match new.metrics.get(key) {
            Some(n) => pairing.pairs.push(Pair {
                config: key.clone(),
                vary: Vec::new(),
                base: b,
                new: n,
            }),
            None => pairing.only_in_base.push(key.clone()),
        }
    }
    pairing.only_in_new = new
        .metrics
        .keys()
        .filter(|k| !base.metrics.contains_key(k))
        .cloned()
        .collect();
    pairing
}

/// `--vary` over two folders: each base configuration with each new one
/// that shares every other setting.
pub(crate) fn across_folders<'a>(
    base: &'a Folder,
    new: &'a Folder,
    vary: &[Setting],
) -> Pairing<'a> {
    let mut groups: BTreeMap<ConfigKey, Vec<&ConfigKey>> = BTreeMap::new();
    for key in &new.order {
        groups.entry(shared(key, vary)).or_default().push(key);
    }
    let mut pairing = Pairing::default();
    for key in &base.order {
        let common = shared(key, vary);
        let Some(partners) = groups.get(&common) else {
            pairing.only_in_base.push(key.clone());
            continue;
        };
        for partner in partners {
            pairing.pairs.push(Pair {
                config: common.clone(),
                vary: varied(vary, key, partner),
                base: &base.metrics[key],
                new: &new.metrics[*partner],
            });
        }
    }
    let base_shared: Vec<ConfigKey> = base.order.iter().map(|k| shared(k, vary)).collect();
    pairing.only_in_new = new
        .order
        .iter()
        .filter(|k| !base_shared.contains(&shared(k, vary)))
        .cloned()
        .collect();
    pairing
}

/// `--vary` within one folder: in each group of configurations that share
/// every other setting, the one at the base values against each other.
/// The base value of a setting is `base_values`' entry (in `vary`'s order)
/// or, without one, the setting's first value in the folder's run order.
pub(crate) fn within_folder<'a>(
    folder: &'a Folder,
    dir: &Path,
    vary: &[Setting],
    base_values: &[String],
) -> Result<Pairing<'a>> {
    let base = base_tuple(folder, dir, vary, base_values)?;
    let mut groups: BTreeMap<ConfigKey, Vec<&ConfigKey>> = BTreeMap::new();
    for key in &folder.order {
        groups.entry(shared(key, vary)).or_default().push(key);
    }
    let mut pairing = Pairing::default();
    for (common, members) in groups {
        if members
            .iter()
            .all(|k| values(k, vary).iter().all(Option::is_none))
        {
            pairing.without_varied.extend(members.into_iter().cloned());
            continue;
        }
        // A setting the configuration has no value of (a knob its scenario
        // does not use) matches any base value.
        let is_base = |k: &ConfigKey| {
            values(k, vary)
                .iter()
                .zip(&base)
                .all(|(value, base)| value.is_none() || value == base)
        };
        let Some(&at_base) = members.iter().find(|k| is_base(k)) else {
            pairing.only_in_new.extend(members.into_iter().cloned());
            continue;
        };
        let others: Vec<&ConfigKey> = members.into_iter().filter(|k| *k != at_base).collect();
        if others.is_empty() {
            pairing.only_in_base.push(at_base.clone());
        }
        for other in others {
            pairing.pairs.push(Pair {
                config: common.clone(),
                vary: varied(vary, at_base, other),
                base: &folder.metrics[at_base],
                new: &folder.metrics[other],
            });
        }
    }
    Ok(pairing)
}

/// The varied settings' base values in `folder`, checked against the
/// values the folder has.
fn base_tuple(
    folder: &Folder,
    dir: &Path,
    vary: &[Setting],
    base_values: &[String],
) -> Result<Vec<Option<String>>> {
    if !base_values.is_empty() && base_values.len() != vary.len() {
        return Err(Error::bad_input(format!(
            "--base gives {} value(s) for {} varied setting(s): give one per setting of --vary, in its order",
            base_values.len(),
            vary.len()
        )));
    }
    let mut tuple = Vec::new();
    for (i, &setting) in vary.iter().enumerate() {
        let known = values_of(&folder.metrics, setting);
        let value = match base_values.get(i) {
            Some(text) => normalized(text, &known).ok_or_else(|| {
                Error::bad_input(format!(
                    "--base `{text}` is not a value of {setting} in {} (it has {})",
                    crate::error::shown_path(dir),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })?,
            None => folder
                .order
                .iter()
                .find_map(|k| k.value(setting))
                .ok_or_else(|| {
                    Error::bad_input(format!(
                        "{}: no run has a value of {setting} to vary",
                        crate::error::shown_path(dir)
                    ))
                })?,
        };
        tuple.push(Some(value));
    }
    Ok(tuple)
}

/// `text` as the folder spells one of its values (`0.1ms` is `100us`).
fn normalized(text: &str, known: &[String]) -> Option<String> {
    let text = text.trim();
    if known.iter().any(|k| k == text) {
        return Some(text.to_string());
    }
    let as_duration = format_duration(parse_duration(text).ok()?);
    known.iter().find(|k| **k == as_duration).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{SettingValue, TokioKnob};

    fn key(workers: u64, event_interval: Option<u64>) -> ConfigKey {
        let mut values: BTreeMap<Setting, SettingValue> = [
            (Setting::Executor, SettingValue::Text("tokio".into())),
            (Setting::Workers, SettingValue::Count(workers)),
            (Setting::MaxBlockingThreads, SettingValue::Count(512)),
        ]
        .into_iter()
        .collect();
        if let Some(ei) = event_interval {
            values.insert(
                Setting::Tokio(TokioKnob::EventInterval),
                SettingValue::Count(ei),
            );
        }
        ConfigKey {
            scenario: "two_futures".into(),
            values,
        }
    }

    fn folder(keys: &[ConfigKey]) -> Folder {
        Folder {
            metrics: keys
                .iter()
                .map(|k| (k.clone(), ConfigMetrics::default()))
                .collect(),
            order: keys.to_vec(),
            ..Folder::default()
        }
    }

    const EI: Setting = Setting::Tokio(TokioKnob::EventInterval);

    #[test]
    fn one_folder_pairs_each_value_with_the_first_in_run_order() {
        let f = folder(&[key(1, None), key(1, Some(1)), key(2, Some(1)), key(2, None)]);
        let pairing = within_folder(&f, Path::new("d"), &[EI], &[]).unwrap();
        let shown: Vec<String> = pairing
            .pairs
            .iter()
            .map(|p| format!("{} | {}", p.config, p.vary[0]))
            .collect();
        assert_eq!(
            shown,
            [
                "two_futures w1 | event_interval: default → 1",
                "two_futures w2 | event_interval: default → 1"
            ]
        );
        // --base 1: the other way round.
        let pairing = within_folder(&f, Path::new("d"), &[EI], &["1".into()]).unwrap();
        assert_eq!(
            pairing.pairs[0].vary[0].to_string(),
            "event_interval: 1 → default"
        );
        let err = within_folder(&f, Path::new("d"), &[EI], &["7".into()]).unwrap_err();
        assert!(
            err.to_string()
                .contains("--base `7` is not a value of event_interval in d (it has default, 1)"),
            "{err}"
        );
    }

    #[test]
    fn one_folder_pairs_workers_within_the_shared_settings() {
        let f = folder(&[key(2, None), key(1, None), key(4, Some(31))]);
        let pairing = within_folder(&f, Path::new("d"), &[Setting::Workers], &[]).unwrap();
        assert_eq!(pairing.pairs.len(), 1);
        assert_eq!(pairing.pairs[0].vary[0].to_string(), "workers: 2 → 1");
        // w4 at ei 31 has no base (w2) at ei 31.
        assert_eq!(pairing.only_in_new, [key(4, Some(31))]);
    }

    #[test]
    fn two_folders_pair_across_the_varied_setting() {
        let (base, new) = (
            folder(&[key(1, None)]),
            folder(&[key(1, Some(1)), key(2, Some(1))]),
        );
        let pairing = across_folders(&base, &new, &[EI]);
        assert_eq!(pairing.pairs.len(), 1);
        assert_eq!(
            pairing.pairs[0].vary[0].to_string(),
            "event_interval: default → 1"
        );
        assert_eq!(pairing.only_in_new, [key(2, Some(1))]);
        assert!(same_settings(&base, &new).pairs.is_empty());
    }

    /// `scenario` on `workers`, with a heavy cost where it uses one.
    fn heavy(scenario: &str, workers: u64, heavy_us: Option<u64>) -> ConfigKey {
        let mut k = key(workers, None);
        k.scenario = scenario.into();
        if let Some(us) = heavy_us {
            k.values
                .insert(Setting::HeavyCost, SettingValue::Micros(us));
        }
        k
    }

    #[test]
    fn a_setting_a_configuration_has_no_value_of_is_not_varied() {
        let f = folder(&[
            heavy("two_futures", 1, None),
            heavy("two_futures", 2, None),
            heavy("spawn_task", 1, Some(100)),
            heavy("spawn_task", 1, Some(500)),
        ]);
        // Alone, the heavy cost leaves two_futures out.
        let pairing = within_folder(&f, Path::new("d"), &[Setting::HeavyCost], &[]).unwrap();
        let shown: Vec<String> = pairing.pairs.iter().map(|p| p.config.to_string()).collect();
        assert_eq!(shown, ["spawn_task w1"]);
        assert_eq!(
            pairing.without_varied,
            [heavy("two_futures", 1, None), heavy("two_futures", 2, None)]
        );
        assert!(pairing.only_in_base.is_empty() && pairing.only_in_new.is_empty());
        // Beside workers, two_futures varies in workers alone.
        let vary = [Setting::HeavyCost, Setting::Workers];
        let pairing = within_folder(&f, Path::new("d"), &vary, &[]).unwrap();
        let shown: Vec<String> = pairing
            .pairs
            .iter()
            .map(|p| format!("{} | {} | {}", p.config.scenario, p.vary[0], p.vary[1]))
            .collect();
        assert_eq!(
            shown,
            [
                "spawn_task | heavy_cost: 100us → 500us | workers: 1 → 1",
                "two_futures | heavy_cost: – → – | workers: 1 → 2"
            ]
        );
        assert!(pairing.without_varied.is_empty() && pairing.only_in_new.is_empty());
    }

    #[test]
    fn durations_are_matched_by_value() {
        let known = ["100us".to_string(), "1ms".to_string()];
        assert_eq!(normalized("0.1ms", &known).as_deref(), Some("100us"));
        assert_eq!(normalized("1ms", &known).as_deref(), Some("1ms"));
        assert_eq!(normalized("2ms", &known), None);
    }
}
