//! The cross product of runs: every scenario × executor × flavor × workers
//! × tokio knob × heavy cost × repeat is one run.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::names;
use crate::error::{Error, Result};
use crate::scenario::CostKind;
use crate::scenario::{BUILTINS, Builtin};
use crate::scenario::{Executor, Flavor, JourneyParams, Placement, Scenario, cores};

/// Where a scenario of the matrix comes from.
#[derive(Clone, Debug)]
pub(crate) enum ScenarioSource {
    /// A built-in scenario, rebuilt for each heavy cost.
    Builtin(Builtin),
    /// A fixed scenario (a TOML experiment): heavy costs do not apply; the
    /// flavor, workers, blocking cap, cost kind and samples of the matrix
    /// override the file's.
    Custom(Scenario),
}

impl ScenarioSource {
    /// What the source is, for messages: `built-in scenario `two_futures``
    /// or `experiment `x``.
    pub(crate) fn describe(&self) -> String {
        match self {
            ScenarioSource::Builtin(b) => format!("the built-in scenario `{}`", b.name),
            ScenarioSource::Custom(s) => format!("the experiment `{}` ({})", s.name, s.description),
        }
    }

    /// The built-in scenario called `name`.
    pub(crate) fn builtin(name: &str) -> Option<Self> {
        BUILTINS
            .iter()
            .find(|b| b.name == name)
            .copied()
            .map(Self::Builtin)
    }
}

/// The knobs that span the matrix, plus those applied to every run. An
/// empty axis keeps what the scenario says (tokio's default for the
/// built-ins); a `None` inside an axis asks for the runtime's default.
#[derive(Clone, Debug, Default)]
pub(crate) struct Matrix {
    /// Knobs of the built-in scenarios (the heavy cost is overridden by
    /// `heavy_costs` when that is not empty).
    pub params: JourneyParams,
    /// Heavy costs to sweep; empty = the params' one.
    pub heavy_costs: Vec<Duration>,
    /// Executors to sweep.
    pub executors: Vec<Executor>,
    /// Flavors to sweep.
    pub flavors: Vec<Flavor>,
    /// Worker counts to sweep (`None`: one per core).
    pub workers: Vec<Option<usize>>,
    /// tokio's `global_queue_interval` values to sweep.
    pub global_queue_intervals: Vec<Option<u32>>,
    /// tokio's `event_interval` values to sweep.
    pub event_intervals: Vec<Option<u32>>,
    /// tokio's `thread_keep_alive` for every tokio run.
    pub thread_keep_alive: Option<Duration>,
    /// Blocking pool cap for every tokio run; `None` = the scenario's.
    pub max_blocking_threads: Option<usize>,
    /// Runs per configuration (at least 1).
    pub repeat: u32,
    /// Cost kind forced on custom scenarios (every future); built-ins take
    /// theirs from `params`.
    pub custom_cost_kind: Option<CostKind>,
    /// Samples forced on custom scenarios (every future).
    pub custom_samples: Option<u32>,
}

/// One run of the matrix.
#[derive(Clone, Debug)]
pub(crate) struct RunPlan {
    /// The fully configured scenario.
    pub scenario: Scenario,
    /// Repeat number, from 0.
    pub repeat: u32,
}

impl RunPlan {
    /// The run's id.
    pub(crate) fn run_id(&self) -> String {
        self.scenario.run_id(self.repeat)
    }
}

/// An axis: its values as overrides, or one "keep the scenario's" entry.
fn axis<T: Copy>(values: &[T]) -> Vec<Option<T>> {
    if values.is_empty() {
        vec![None]
    } else {
        values.iter().copied().map(Some).collect()
    }
}

/// One point of the runtime axes, before it meets a scenario.
#[derive(Clone, Copy, Debug)]
struct RuntimePoint {
    executor: Option<Executor>,
    flavor: Option<Flavor>,
    workers: Option<Option<usize>>,
    global_queue_interval: Option<Option<u32>>,
    event_interval: Option<Option<u32>>,
}

impl Matrix {
    /// Every point of the runtime axes, executor-major, then flavor,
    /// workers, global_queue_interval and event_interval.
    fn runtime_points(&self) -> Vec<RuntimePoint> {
        let mut points = Vec::new();
        for executor in axis(&self.executors) {
            for flavor in axis(&self.flavors) {
                for workers in axis(&self.workers) {
                    for global_queue_interval in axis(&self.global_queue_intervals) {
                        for event_interval in axis(&self.event_intervals) {
                            points.push(RuntimePoint {
                                executor,
                                flavor,
                                workers,
                                global_queue_interval,
                                event_interval,
                            });
                        }
                    }
                }
            }
        }
        points
    }

    /// `source` configured for one runtime point and heavy cost.
    fn configure(&self, source: &ScenarioSource, point: RuntimePoint, heavy: Duration) -> Scenario {
        let mut scenario = match source {
            ScenarioSource::Builtin(b) => (b.build)(&JourneyParams {
                heavy_cost: heavy,
                task_threads: match (point.flavor, point.workers) {
                    (Some(Flavor::CurrentThread), _) => Some(1),
                    (_, Some(w)) => Some(w.unwrap_or_else(cores)),
                    (_, None) => None,
                },
                ..self.params.clone()
            }),
            ScenarioSource::Custom(s) => {
                let mut s = s.clone();
                if let Some(kind) = self.custom_cost_kind {
                    s.cost_kind = kind;
                    s.futures.iter_mut().for_each(|f| f.cost_kind = None);
                }
                if let Some(samples) = self.custom_samples {
                    s.samples = samples;
                    s.futures.iter_mut().for_each(|f| f.samples = None);
                }
                s
            }
        };
        let runtime = &mut scenario.runtime;
        if let Some(executor) = point.executor {
            runtime.executor = executor;
        }
        if let Some(flavor) = point.flavor {
            runtime.flavor = flavor;
        }
        if let Some(workers) = point.workers {
            runtime.workers = workers;
        }
        if runtime.flavor == Flavor::CurrentThread {
            runtime.workers = None;
        }
        if let Some(n) = point.global_queue_interval {
            runtime.global_queue_interval = n;
        }
        if let Some(n) = point.event_interval {
            runtime.event_interval = n;
        }
        if self.thread_keep_alive.is_some() {
            runtime.thread_keep_alive = self.thread_keep_alive;
        }
        if self.max_blocking_threads.is_some() {
            runtime.max_blocking_threads = self.max_blocking_threads;
        }
        if runtime.executor == Executor::Smol {
            // tokio's knobs do not apply: the smol run is made once.
            runtime.global_queue_interval = None;
            runtime.event_interval = None;
            runtime.thread_keep_alive = None;
            runtime.max_blocking_threads = None;
        }
        scenario
    }

    /// Every run, scenario-major, then executor, flavor, workers,
    /// global_queue_interval, event_interval, heavy cost and repeat. Points
    /// that make the same run (current_thread at several worker counts,
    /// smol at several tokio knobs) collapse to one. Every scenario is
    /// validated, so a bad combination fails before anything runs.
    #[cfg(test)]
    pub(crate) fn plan(&self, sources: &[ScenarioSource]) -> Result<Vec<RunPlan>> {
        self.plan_reporting(sources, &mut Vec::new())
    }

    /// [`Matrix::plan`], noting in `skipped` the points left out: a
    /// scenario with `block_in_place` on smol, when the executor list also
    /// holds tokio (alone, smol is refused: the scenario cannot run).
    pub(crate) fn plan_reporting(
        &self,
        sources: &[ScenarioSource],
        skipped: &mut Vec<String>,
    ) -> Result<Vec<RunPlan>> {
        let heavy_costs = if self.heavy_costs.is_empty() {
            vec![self.params.heavy_cost]
        } else {
            self.heavy_costs.clone()
        };
        let points = self.runtime_points();
        let mut plans: Vec<RunPlan> = Vec::new();
        // Run id → index of the source that made it: the same source may
        // repeat a run (duplicates collapse); two sources may not share one.
        let mut made_by: HashMap<String, usize> = HashMap::new();
        for (source_index, source) in sources.iter().enumerate() {
            for &point in &points {
                for &heavy in &heavy_costs {
                    let scenario = self.configure(source, point, heavy);
                    if self.executors.len() > 1
                        && scenario.runtime.executor == Executor::Smol
                        && scenario
                            .futures
                            .iter()
                            .any(|f| f.placement == Placement::BlockInPlace)
                    {
                        let note = format!(
                            "`{}` uses block_in_place, which smol has no equivalent of: it runs on tokio only",
                            scenario.name
                        );
                        if !skipped.contains(&note) {
                            skipped.push(note);
                        }
                        continue;
                    }
                    scenario.validate()?;
                    for repeat in 0..self.repeat.max(1) {
                        let plan = RunPlan {
                            scenario: scenario.clone(),
                            repeat,
                        };
                        let id = plan.run_id();
                        if let Some(problem) = names::run_id_problem(&id) {
                            return Err(Error::bad_input(format!("run id `{id}` {problem}")));
                        }
                        match made_by.get(&id) {
                            Some(&other) if other == source_index => {}
                            Some(&other) => {
                                return Err(Error::bad_input(format!(
                                    "{} and {} would both write the run `{id}`: rename the experiment",
                                    sources[other].describe(),
                                    source.describe()
                                )));
                            }
                            None => {
                                made_by.insert(id, source_index);
                                plans.push(plan);
                            }
                        }
                    }
                }
            }
        }
        Ok(plans)
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn matrix_plan() {
        use crate::run::matrix::{Matrix, ScenarioSource};
        use std::time::Duration;

        let matrix = Matrix {
            workers: vec![Some(1), Some(2)],
            heavy_costs: vec![Duration::from_micros(100), Duration::from_micros(500)],
            repeat: 2,
            ..Default::default()
        };
        let runs = matrix
            .plan(&[ScenarioSource::builtin("two_futures").unwrap()])
            .unwrap();
        assert_eq!(runs.len(), 8);
        assert_eq!(runs[0].run_id(), "two_futures-w1-cpu100us-r0");
        assert_eq!(runs[7].run_id(), "two_futures-w2-cpu500us-r1");
    }
}
