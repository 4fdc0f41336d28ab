//! Shards: `--shard K/N` runs the K-th of N deterministic, disjoint slices
//! of the run matrix that together cover it, so that the machines of a CI
//! job matrix can share a matrix too long for one (`pollscope merge`
//! joins their folders).
//!
//! **The slices.** A configuration's repeats stay together, in one shard:
//! `compare` and `history` take a configuration's repeats as its sample,
//! and repeats measured on different machines would mix the machines'
//! differences into it. Configurations are weighed by their estimated
//! time ([`weight_ns`]) and dealt longest first, each to the shard with
//! the least estimated time so far (the lowest-numbered on ties): the
//! greedy longest-processing-time rule, whose shards differ by at most one
//! configuration's weight. The deal depends on the matrix alone, so every
//! machine computes the same slices; each shard runs its configurations in
//! the matrix's order.

use std::fmt;
use std::str::FromStr;

use crate::common::hash::Fnv;
use crate::run::matrix::RunPlan;
use crate::run::resources::Estimate;

/// `--shard K/N`: the `index`-th (from 1) of `count` slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shard {
    /// K, from 1.
    pub index: u32,
    /// N, at least 1.
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N` with 1 ≤ K ≤ N.
    fn from_str(text: &str) -> Result<Self, String> {
        let parts = text.trim().split_once('/');
        let parsed = parts.and_then(|(k, n)| {
            Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?))
        });
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        match parsed {
            Some((index, count)) if index >= 1 && index <= count => Ok(Self { index, count }),
            None if parts.is_some_and(|(k, n)| digits(k.trim()) && digits(n.trim())) => {
                Err(format!(
                    "`{}` is not a shard: K and N are at most {} (e.g. 2/4)",
                    crate::error::shown(text),
                    u32::MAX
                ))
            }
            _ => Err(format!(
                "`{}` is not a shard: K/N with 1 ≤ K ≤ N (e.g. 2/4)",
                crate::error::shown(text)
            )),
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What each event (a poll or a sample) adds to a run's estimated time
/// besides its steps' costs: the probe's records, the runtime's wakes and
/// the rows they become. A rough figure that matters for the services,
/// whose steps may cost nothing.
const EVENT_NS: u128 = 1_000;

/// A run's estimated time, ns: its slowest future's `samples × cost` (the
/// least time it can take) plus [`EVENT_NS`] per expected event; at
/// least 1.
pub(crate) fn weight_ns(plan: &RunPlan) -> u128 {
    let estimate = Estimate::of(&plan.scenario);
    estimate
        .least_ns
        .saturating_add(estimate.memory.events.saturating_mul(EVENT_NS))
        .max(1)
}

/// The shard (from 0) of each plan, by the rule in the module's notes;
/// `count` ≥ 1.
pub(crate) fn deal(plans: &[RunPlan], count: u32) -> Vec<u32> {
    // Configurations in the matrix's order, each with its plans.
    let mut units: Vec<(String, Vec<usize>, u128)> = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        let key = plan.scenario.run_id(0);
        let weight = weight_ns(plan);
        match units.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, members, total)) => {
                members.push(i);
                *total = total.saturating_add(weight);
            }
            None => units.push((key, vec![i], weight)),
        }
    }
    // Longest first; the matrix's order on ties (the sort is stable).
    units.sort_by_key(|unit| std::cmp::Reverse(unit.2));
    let mut loads = vec![0u128; count.max(1) as usize];
    let mut shard_of = vec![0u32; plans.len()];
    for (_, members, weight) in units {
        let (lightest, _) = loads
            .iter()
            .enumerate()
            .min_by_key(|&(i, &load)| (load, i))
            .expect("at least one shard");
        loads[lightest] = loads[lightest].saturating_add(weight);
        for i in members {
            shard_of[i] = lightest as u32;
        }
    }
    shard_of
}

/// The plans of `shard`, in the matrix's order.
pub(crate) fn slice(plans: &[RunPlan], shard: Shard) -> Vec<RunPlan> {
    deal(plans, shard.count)
        .into_iter()
        .zip(plans)
        .filter(|&(s, _)| s + 1 == shard.index)
        .map(|(_, plan)| plan.clone())
        .collect()
}

/// The number of configurations of `plans` (a configuration's repeats
/// count once): the most shards that each get a run.
pub(crate) fn configurations(plans: &[RunPlan]) -> usize {
    let mut keys: Vec<String> = plans.iter().map(|p| p.scenario.run_id(0)).collect();
    keys.sort();
    keys.dedup();
    keys.len()
}

/// An id of everything that decides what a matrix measures: every run's
/// id, repeat and fully configured scenario (costs, samples, tasks,
/// runtime and knobs), and whether polls' CPU time is recorded. Shards of
/// one command line share it; `--shard`, `--out` and what only changes
/// the output (`--no-plots`, `--quiet`) leave it alone. A default worker
/// count (one per core) is part of it as the machine resolves it.
pub(crate) fn settings_id(plans: &[RunPlan], poll_cpu_time: bool) -> String {
    let mut hash = Fnv::default();
    hash.write(if poll_cpu_time {
        b"poll_cpu_time\x1e"
    } else {
        b"\x1e"
    });
    for plan in plans {
        hash.write(plan.run_id().as_bytes())
            .write(b"\x1f")
            .write(format!("{:?}", plan.scenario).as_bytes())
            .write(b"\x1e");
    }
    hash.hex()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::run::matrix::{Matrix, ScenarioSource};
    use crate::scenario::{BUILTINS, Choice, JourneyParams};

    fn plans(names: &[&str], workers: &[usize], repeat: u32) -> Vec<RunPlan> {
        let matrix = Matrix {
            params: JourneyParams {
                samples: 20,
                ..Default::default()
            },
            workers: workers.iter().map(|&w| Choice::Set(w)).collect(),
            heavy_costs: vec![Duration::from_micros(100), Duration::from_micros(700)],
            repeat,
            ..Default::default()
        };
        let sources: Vec<ScenarioSource> = names
            .iter()
            .map(|n| ScenarioSource::builtin(n).unwrap())
            .collect();
        matrix.plan(&sources).unwrap()
    }

    #[test]
    fn shards_parse_and_refuse() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(" 1 / 1 ".parse(), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "-1/2", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains("K/N"), "{bad}: {e}");
        }
        let e = "1/99999999999999999999".parse::<Shard>().unwrap_err();
        assert!(e.contains("at most 4294967295"), "{e}");
        assert_eq!(Shard { index: 3, count: 5 }.to_string(), "3/5");
    }

    /// For every N, the slices are disjoint, cover the matrix exactly
    /// once, keep each shard in the matrix's order and each
    /// configuration's repeats together, and differ in estimated time by
    /// at most one configuration's weight.
    #[test]
    fn slices_are_disjoint_cover_the_matrix_and_balance() {
        let all: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        for (names, workers, repeat) in [
            (vec!["two_futures"], vec![1], 1),
            (vec!["two_futures", "many_spawn_task"], vec![1, 2], 3),
            (all, vec![1, 2, 4], 2),
        ] {
            let plans = plans(&names, &workers, repeat);
            let ids: Vec<String> = plans.iter().map(RunPlan::run_id).collect();
            for count in 1..=9u32 {
                let mut seen: Vec<String> = Vec::new();
                let mut loads = Vec::new();
                for index in 1..=count {
                    let slice = slice(&plans, Shard { index, count });
                    let slice_ids: Vec<String> = slice.iter().map(RunPlan::run_id).collect();
                    let in_order: Vec<&String> =
                        ids.iter().filter(|id| slice_ids.contains(id)).collect();
                    assert_eq!(in_order, slice_ids.iter().collect::<Vec<_>>());
                    loads.push(slice.iter().map(weight_ns).sum::<u128>());
                    seen.extend(slice_ids);
                }
                let mut sorted = seen.clone();
                sorted.sort();
                sorted.dedup();
                assert_eq!(sorted.len(), seen.len(), "N={count}: a run in two shards");
                assert_eq!(seen.len(), ids.len(), "N={count}: a run in no shard");
                let dealt = deal(&plans, count);
                for (a, pa) in plans.iter().enumerate() {
                    for (b, pb) in plans.iter().enumerate() {
                        if pa.scenario.run_id(0) == pb.scenario.run_id(0) {
                            assert_eq!(dealt[a], dealt[b], "repeats split");
                        }
                    }
                }
                let heaviest = plans
                    .iter()
                    .map(|p| weight_ns(p) * u128::from(repeat))
                    .max()
                    .unwrap();
                if (count as usize) <= configurations(&plans) {
                    let (min, max) = (loads.iter().min().unwrap(), loads.iter().max().unwrap());
                    assert!(*min > 0, "N={count}: an empty shard");
                    assert!(max - min <= heaviest, "N={count}: {loads:?}");
                }
                assert_eq!(deal(&plans, count), dealt, "not deterministic");
            }
        }
    }

    #[test]
    fn settings_id_follows_what_is_measured() {
        let a = plans(&["two_futures"], &[1], 1);
        assert_eq!(settings_id(&a, false), settings_id(&a.clone(), false));
        assert_ne!(settings_id(&a, false), settings_id(&a, true));
        let mut more = a.clone();
        more[0].scenario.samples += 1;
        assert_ne!(settings_id(&a, false), settings_id(&more, false));
    }
}
