//! The knobs of the built-in scenarios, and the pieces they are built of.

use std::time::Duration;

use super::{CostKind, FutureSpec, Origin, Placement, RuntimeSpec, Scenario};

/// The knobs of the built-in scenarios.
#[derive(Clone, Debug, PartialEq)]
pub struct JourneyParams {
    /// Steps per future (default 500).
    pub samples: u32,
    /// Cost of a light step (default 100 µs).
    pub light_cost: Duration,
    /// Cost of a heavy step (default 500 µs).
    pub heavy_cost: Duration,
    /// Heavy tasks `T` of the `many_*` scenarios (default 6).
    pub tasks: u32,
    /// How costs are spent (default `cpu`).
    pub cost_kind: CostKind,
    /// The threads that will run tasks (workers; 1 for current_thread):
    /// the service workloads start as many hogs (default: one per core).
    pub task_threads: Option<usize>,
}

impl Default for JourneyParams {
    fn default() -> Self {
        Self {
            samples: 500,
            light_cost: Duration::from_micros(100),
            heavy_cost: Duration::from_micros(500),
            tasks: 6,
            cost_kind: CostKind::Cpu,
            task_threads: None,
        }
    }
}

/// A built-in scenario called `name` with the knobs of `params` and these
/// futures (its description is the [`super::builtins::Builtin`]'s).
pub(super) fn builtin_scenario(
    name: &str,
    params: &JourneyParams,
    futures: Vec<FutureSpec>,
) -> Scenario {
    Scenario {
        name: name.to_string(),
        description: String::new(),
        origin: Origin::Builtin,
        runtime: RuntimeSpec::default(),
        cost_kind: params.cost_kind,
        samples: params.samples,
        light_cost: Some(params.light_cost),
        heavy_cost: Some(params.heavy_cost),
        tasks: Some(params.tasks),
        futures,
        claims: Vec::new(),
    }
}

/// An inline producer of the light cost.
pub(super) fn light(name: &str, p: &JourneyParams) -> FutureSpec {
    FutureSpec::new(name, Placement::Inline, p.light_cost)
}

/// `prefix1..prefixT`: heavy producers placed as asked.
pub(super) fn heavy_tasks(
    prefix: &str,
    placement: Placement,
    p: &JourneyParams,
) -> Vec<FutureSpec> {
    (1..=p.tasks)
        .map(|i| FutureSpec::new(format!("{prefix}{i}"), placement, p.heavy_cost))
        .collect()
}
