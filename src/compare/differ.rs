//! When two folders share no configuration: the settings that differ, and
//! the `pollscope run` command that would reproduce BASE's configurations.

use super::{ConfigKey, Metrics};
use crate::scenario::Setting;

/// The values of `setting` over one side's configurations: `default`
/// first, numbers by value, then names, each once.
pub(super) fn values_of(side: &Metrics, setting: Setting) -> Vec<String> {
    let mut values: Vec<String> = side.keys().filter_map(|k| k.value(setting)).collect();
    values.sort_by_key(|s| {
        (
            s != "default",
            s.parse::<u64>().unwrap_or(u64::MAX),
            s.clone(),
        )
    });
    values.dedup();
    values
}

/// The `pollscope run` option that sets `setting` to `values` (BASE's),
/// `Ok(None)` where none is needed, `Err(())` where one option cannot.
fn run_option(setting: Setting, values: &[String]) -> Result<Option<String>, ()> {
    let spec = setting.spec();
    match values {
        [] => Ok(None),
        [one] if spec.default == Some(one.as_str()) => Ok(None),
        [_] if setting == Setting::PollCpuTime => Ok(Some(format!("--{}", spec.flag))),
        [one] => Ok(Some(format!("--{} {one}", spec.flag))),
        many if spec.list => Ok(Some(format!("--{} {}", spec.flag, many.join(",")))),
        _ => Err(()),
    }
}

/// The settings whose values differ between two folders' configurations,
/// and the whole `pollscope run` command that would reproduce BASE's
/// configurations (where one command can: a single value for the
/// single-valued options). Every setting comes from the table
/// ([`Setting::ALL`]).
pub(crate) fn differing_settings(base: &Metrics, new: &Metrics) -> String {
    // tokio's settings differ only where both folders have tokio runs (a
    // smol run has none of them).
    let has_tokio = |side: &Metrics| side.keys().any(ConfigKey::on_tokio);
    let tokio_on_both = has_tokio(base) && has_tokio(new);
    let mut scenarios: Vec<&str> = base.keys().map(|k| k.scenario.as_str()).collect();
    scenarios.dedup();
    let (scenarios_new, mut differences) = (
        new.keys()
            .map(|k| k.scenario.as_str())
            .collect::<std::collections::BTreeSet<_>>(),
        Vec::new(),
    );
    let shown = |v: &[String]| {
        if v.is_empty() {
            "–".to_string()
        } else {
            v.join(",")
        }
    };
    if scenarios
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        != scenarios_new
    {
        let names = |v: Vec<&str>| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        differences.push(format!(
            "scenario: {} in base, {} in new",
            shown(&names(scenarios.clone())),
            shown(&names(scenarios_new.iter().copied().collect()))
        ));
    }
    let mut command = vec!["pollscope run".to_string(), scenarios.join(" ")];
    let mut reproducible = true;
    for setting in Setting::ALL {
        let (b, n) = (values_of(base, setting), values_of(new, setting));
        if b != n && (!setting.spec().tokio_only || tokio_on_both) {
            differences.push(format!(
                "{}: {} in base, {} in new",
                setting.spec().label,
                shown(&b),
                shown(&n)
            ));
        }
        match run_option(setting, &b) {
            Ok(option) => command.extend(option),
            Err(()) => reproducible = false,
        }
    }
    if differences.is_empty() {
        return "their configurations differ in no single setting".to_string();
    }
    if reproducible {
        format!(
            "{}; to match the base, run `{}`",
            differences.join("; "),
            command.join(" ")
        )
    } else {
        format!(
            "{}; the base mixes settings no single `pollscope run` reproduces",
            differences.join("; ")
        )
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn differing_settings() {
        use crate::compare::{ConfigKey, Metrics, differing_settings};
        use crate::scenario::{Executor, Setting, SettingValue, TokioKnob};
        use SettingValue::{Count, Micros, Text};
        let key = |samples, workers| ConfigKey {
            scenario: "two_futures".into(),
            values: [
                (Setting::Executor, Text("tokio".into())),
                (Setting::Flavor, Text("multi_thread".into())),
                (Setting::Workers, Count(workers)),
                (Setting::CostKind, Text("cpu".into())),
                (Setting::LightCost, Micros(100)),
                (Setting::HeavyCost, Micros(500)),
                (Setting::Samples, Count(samples)),
                (Setting::Tasks, Count(6)),
                (Setting::PollCpuTime, Text("false".into())),
                (Setting::MaxBlockingThreads, Count(512)),
            ]
            .into_iter()
            .collect(),
        };
        let side = |k: ConfigKey| -> Metrics { [(k, Default::default())].into_iter().collect() };
        let text = differing_settings(&side(key(100, 1)), &side(key(500, 2)));
        assert!(text.contains("samples: 100 in base, 500 in new"), "{text}");
        assert!(
            text.contains(
                "pollscope run two_futures --workers 1 --cost-kind cpu \
                 --light-cost 100us --heavy-cost 500us --samples 100 --tasks 6`"
            ),
            "{text}"
        );
        // Only the poll CPU time differs: the command still names the rest.
        let mut on = key(100, 1);
        on.values.insert(Setting::PollCpuTime, Text("true".into()));
        let text = differing_settings(&side(on), &side(key(100, 1)));
        assert!(
            text.contains("poll CPU time: true in base, false in new"),
            "{text}"
        );
        assert!(text.ends_with("--tasks 6 --poll-cpu-time`"), "{text}");
        // The executor and tokio's knobs are settings like the rest.
        let mut smol = key(100, 1);
        smol.values
            .insert(Setting::Executor, Text(Executor::Smol.to_string()));
        smol.values.remove(&Setting::MaxBlockingThreads);
        let mut tuned = key(100, 1);
        tuned
            .values
            .insert(Setting::Tokio(TokioKnob::GlobalQueueInterval), Count(7));
        tuned
            .values
            .insert(Setting::Tokio(TokioKnob::EventInterval), Count(31));
        let text = differing_settings(&side(tuned.clone()), &side(smol));
        assert!(
            text.contains("executor: tokio in base, smol in new"),
            "{text}"
        );
        // A smol side has no tokio settings to differ in.
        assert!(!text.contains("global_queue_interval:"), "{text}");
        assert!(
            text.ends_with("--tasks 6 --global-queue-interval 7 --event-interval 31`"),
            "{text}"
        );
        let text = differing_settings(&side(tuned.clone()), &side(key(100, 1)));
        assert!(
            text.contains("global_queue_interval: 7 in base, default in new"),
            "{text}"
        );
        assert_eq!(
            tuned.to_string(),
            "two_futures w1 cpu light=100us heavy=500us n=100 T=6 gqi7 ei31"
        );
    }
}
