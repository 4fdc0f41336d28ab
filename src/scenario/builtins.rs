//! Every built-in scenario: its name, what it shows, its builder and the
//! claims its runs are judged by.

use super::{JourneyParams, Scenario, Setting, beyond, journey, services};

/// A built-in scenario: its name, its one-line description, its builder
/// and the claims its runs are judged by (ids of
/// [`crate::findings::CLAIMS`]).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Builtin {
    /// The scenario's name.
    pub name: &'static str,
    /// What it shows.
    pub description: &'static str,
    /// Builds it for the given knobs.
    pub build: fn(&JourneyParams) -> Scenario,
    /// The ids of the claims it makes, in report order.
    pub claims: &'static [&'static str],
    /// The knobs none of its futures uses ([`Scenario::used`]).
    pub unused_knobs: &'static [Setting],
}

impl Builtin {
    /// The scenario for the knobs `params`, with this entry's description.
    pub fn scenario(&self, params: &JourneyParams) -> Scenario {
        let mut scenario = (self.build)(params);
        scenario.description = self.description.to_string();
        scenario
    }
}

/// The claim every built-in scenario makes under current_thread.
const ONE_THREAD: &str = "current_thread.one_thread";

/// Every built-in scenario, the journey's five first.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "two_futures",
        description: "two futures joined in one task alternate: concurrency, not parallelism",
        build: journey::two_futures,
        claims: &["two_futures.alternate", ONE_THREAD],
        unused_knobs: &[Setting::HeavyCost, Setting::Tasks],
    },
    Builtin {
        name: "cpu_intensive",
        description: "one heavy future holds the task; the light ones finish as late as it does",
        build: journey::cpu_intensive,
        claims: &["cpu_intensive.holds_task", ONE_THREAD],
        unused_knobs: &[Setting::Tasks],
    },
    Builtin {
        name: "spawn_task",
        description: "a spawned task runs in parallel on a worker; the light futures speed up",
        build: journey::spawn_task,
        claims: &["spawn_task.restores", ONE_THREAD],
        unused_knobs: &[Setting::Tasks],
    },
    Builtin {
        name: "many_spawn_task",
        description: "more heavy tasks than workers: tasks wait for a worker and migrate",
        build: journey::many_spawn_task,
        claims: &[
            "many_spawn_task.tasks_wait",
            "many_spawn_task.migrate",
            "many_spawn_task.fut0_not_slowed",
            ONE_THREAD,
        ],
        unused_knobs: &[],
    },
    Builtin {
        name: "many_spawn_blocking",
        description: "the blocking pool gives each step a thread, but not a core",
        build: journey::many_spawn_blocking,
        claims: &["many_spawn_blocking.thread_not_core", ONE_THREAD],
        unused_knobs: &[],
    },
    Builtin {
        name: "block_in_place",
        description: "heavy steps via block_in_place in spawned tasks: the worker hands its queue to another thread",
        build: beyond::block_in_place,
        claims: &["block_in_place.hands_off"],
        unused_knobs: &[],
    },
    Builtin {
        name: "bounded_blocking",
        description: "spawn_blocking behind a semaphore sized to the cores: no more blocking threads than cores",
        build: beyond::bounded_blocking,
        claims: &["bounded_blocking.one_per_core", ONE_THREAD],
        unused_knobs: &[],
    },
    Builtin {
        name: "rayon_pool",
        description: "heavy steps on a dedicated rayon pool, results back through a oneshot",
        build: beyond::rayon_pool,
        claims: &["rayon_pool.pool_bounded", ONE_THREAD],
        unused_knobs: &[],
    },
    Builtin {
        name: "tcp_echo",
        description: "a loopback echo server: T clients send requests, a handler task per connection answers; samples are round trips",
        build: services::tcp_echo,
        claims: &["tcp_echo.round_trips"],
        unused_knobs: &[Setting::HeavyCost],
    },
    Builtin {
        name: "timers",
        description: "T tasks sleep 1 ms again and again beside a hog per worker; samples are each wake's lateness",
        build: services::timers,
        claims: &["timers.lateness"],
        unused_knobs: &[Setting::LightCost],
    },
    Builtin {
        name: "channel_pipeline",
        description: "source → T stages → sink over bounded channels; samples are each item's end-to-end latency",
        build: services::channel_pipeline,
        claims: &["channel_pipeline.in_order"],
        unused_knobs: &[Setting::HeavyCost],
    },
    Builtin {
        name: "fan_in",
        description: "T senders send small messages at full rate through one bounded channel to a receiver that forwards each to a sink; samples are each message's send → sink latency",
        build: services::fan_in,
        claims: &["fan_in.throughput"],
        unused_knobs: &[Setting::HeavyCost],
    },
    Builtin {
        name: "mutex_contention",
        description: "T tasks take turns on one async mutex, holding it for the light cost; samples are each wait",
        build: services::mutex_contention,
        claims: &["mutex_contention.waits"],
        unused_knobs: &[Setting::HeavyCost],
    },
    Builtin {
        name: "starvation",
        description: "a 1 ms ticker beside hogs that never yield; samples are each tick's lateness",
        build: services::starvation,
        claims: &["starvation.ticker_starved"],
        unused_knobs: &[Setting::LightCost, Setting::Tasks],
    },
    Builtin {
        name: "no_yield",
        description: "a heavy future that never yields beside light ones: what starvation looks like",
        build: beyond::no_yield,
        claims: &["no_yield.starves", ONE_THREAD],
        unused_knobs: &[Setting::Tasks],
    },
];

/// The journey's five scenarios, the default of `pollscope run`.
pub const JOURNEY: [&str; 5] = [
    "two_futures",
    "cpu_intensive",
    "spawn_task",
    "many_spawn_task",
    "many_spawn_blocking",
];

/// The built-in scenario called `name`'s entry, if there is one.
pub(crate) fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The knobs the built-in scenario called `name` does not use (none for
/// any other name): see [`Scenario::used`].
pub(crate) fn unused_knobs(name: &str) -> &'static [Setting] {
    find(name).map_or(&[], |b| b.unused_knobs)
}

/// The built-in scenario called `name`, if there is one.
///
/// ```
/// use pollscope::{builtin, JourneyParams};
/// let s = builtin("spawn_task", &JourneyParams::default()).unwrap();
/// assert_eq!(s.futures.len(), 3);
/// assert!(builtin("nope", &JourneyParams::default()).is_none());
/// ```
pub fn builtin(name: &str, params: &JourneyParams) -> Option<Scenario> {
    find(name).map(|b| b.scenario(params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Knobs with values no scenario uses for anything else.
    fn params(tasks: u32) -> JourneyParams {
        JourneyParams {
            light_cost: Duration::from_micros(11),
            heavy_cost: Duration::from_micros(13),
            tasks,
            task_threads: Some(2),
            ..JourneyParams::default()
        }
    }

    #[test]
    fn a_knob_is_unused_exactly_where_no_future_depends_on_it() {
        for b in BUILTINS {
            let s = b.scenario(&params(7));
            let has_cost = |micros| s.futures.iter().any(|f| f.cost.as_micros() == micros);
            let more_tasks = b.scenario(&params(8)).futures.len() != s.futures.len();
            let used = [
                (Setting::LightCost, has_cost(11)),
                (Setting::HeavyCost, has_cost(13)),
                (Setting::Tasks, more_tasks),
            ];
            for (knob, uses) in used {
                assert_eq!(
                    !b.unused_knobs.contains(&knob),
                    uses,
                    "{}: {knob:?}",
                    b.name
                );
                let value = Some(());
                assert_eq!(s.used(knob, value).is_some(), uses, "{}", b.name);
            }
        }
    }

    #[test]
    fn docs_list_the_knobs_each_scenario_does_not_use() {
        let page = include_str!("../../docs/scenarios.md");
        for (knob, flag) in [
            (Setting::LightCost, "`--light-cost`"),
            (Setting::HeavyCost, "`--heavy-cost`"),
            (Setting::Tasks, "`--tasks`"),
        ] {
            let row = page
                .lines()
                .find(|l| l.starts_with(&format!("| {flag} |")))
                .unwrap_or_else(|| panic!("docs/scenarios.md has no row for {flag}"));
            let listed: Vec<&str> = row.split('`').skip(3).step_by(2).collect();
            let unused: Vec<&str> = BUILTINS
                .iter()
                .filter(|b| b.unused_knobs.contains(&knob))
                .map(|b| b.name)
                .collect();
            assert_eq!(listed, unused, "{row}");
        }
    }
}
