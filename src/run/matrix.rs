//! The cross product of runs: every scenario × executor × flavor × workers
//! × each of tokio's knobs × heavy cost × repeat is one run.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::names;
use crate::error::{Error, Result};
use crate::run::resources::Estimate;
use crate::scenario::CostKind;
use crate::scenario::{BUILTINS, Builtin};
use crate::scenario::{
    Choice, Executor, Flavor, JourneyParams, KNOBS, Placement, Scenario, TokioKnobs, cores,
};

/// Where a scenario of the matrix comes from.
#[derive(Clone, Debug)]
pub(crate) enum ScenarioSource {
    /// A built-in scenario, rebuilt for each heavy cost.
    Builtin(Builtin),
    /// A fixed scenario (a TOML experiment): heavy costs do not apply; the
    /// flavor, workers, blocking cap, cost kind and samples of the matrix
    /// override the file's.
    Custom(Box<Scenario>),
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

/// The settings that span the matrix, plus those applied to every run.
/// An empty axis keeps what the scenario says (tokio's default for the
/// built-ins).
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
    /// Worker counts to sweep (`Default`: one per core).
    pub workers: Vec<Choice<usize>>,
    /// tokio's knobs to sweep, one axis per knob of [`KNOBS`], in its
    /// order; they apply to tokio runs only.
    pub knobs: [Vec<Choice<u64>>; KNOBS.len()],
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

/// One point of the runtime axes, before it meets a scenario.
#[derive(Clone, Copy, Debug, Default)]
struct RuntimePoint {
    executor: Choice<Executor>,
    flavor: Choice<Flavor>,
    workers: Choice<usize>,
    knobs: [Choice<u64>; KNOBS.len()],
}

/// Every point of `points` combined with every value of `axis` (the
/// points as they are when the axis is empty).
fn cross<T: Copy>(
    points: Vec<RuntimePoint>,
    axis: &[T],
    set: impl Fn(&mut RuntimePoint, T),
) -> Vec<RuntimePoint> {
    if axis.is_empty() {
        return points;
    }
    let mut out = Vec::with_capacity(points.len() * axis.len());
    for point in points {
        for &value in axis {
            let mut next = point;
            set(&mut next, value);
            out.push(next);
        }
    }
    out
}

impl Matrix {
    /// Every point of the runtime axes, executor-major, then flavor,
    /// workers and tokio's knobs in [`KNOBS`] order.
    fn runtime_points(&self) -> Vec<RuntimePoint> {
        let mut points = vec![RuntimePoint::default()];
        points = cross(points, &self.executors, |p, e| p.executor = Choice::Set(e));
        points = cross(points, &self.flavors, |p, f| p.flavor = Choice::Set(f));
        points = cross(points, &self.workers, |p, w| p.workers = w);
        for (i, axis) in self.knobs.iter().enumerate() {
            points = cross(points, axis, |p, v| p.knobs[i] = v);
        }
        points
    }

    /// The heavy costs to sweep.
    fn heavy_costs(&self) -> Vec<Duration> {
        if self.heavy_costs.is_empty() {
            vec![self.params.heavy_cost]
        } else {
            self.heavy_costs.clone()
        }
    }

    /// `source` configured for one runtime point and heavy cost, with the
    /// built-ins' task count `tasks`.
    fn configure(
        &self,
        source: &ScenarioSource,
        point: RuntimePoint,
        heavy: Duration,
        tasks: u32,
    ) -> Scenario {
        let mut scenario = match source {
            ScenarioSource::Builtin(b) => {
                let mut task_threads = None;
                point.workers.apply(&mut task_threads);
                b.scenario(&JourneyParams {
                    heavy_cost: heavy,
                    tasks,
                    task_threads: match point.flavor {
                        Choice::Set(Flavor::CurrentThread) => Some(1),
                        _ => match point.workers {
                            Choice::Keep => None,
                            _ => Some(task_threads.unwrap_or_else(cores)),
                        },
                    },
                    ..self.params.clone()
                })
            }
            ScenarioSource::Custom(s) => {
                let mut s = (**s).clone();
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
        if let Choice::Set(executor) = point.executor {
            runtime.executor = executor;
        }
        if let Choice::Set(flavor) = point.flavor {
            runtime.flavor = flavor;
        }
        point.workers.apply(&mut runtime.workers);
        if runtime.flavor == Flavor::CurrentThread {
            runtime.workers = None;
        }
        for (i, spec) in KNOBS.iter().enumerate() {
            let mut value = runtime.tokio.get(spec.knob);
            point.knobs[i].apply(&mut value);
            runtime.tokio.set(spec.knob, value);
        }
        if self.max_blocking_threads.is_some() {
            runtime.max_blocking_threads = self.max_blocking_threads;
        }
        if runtime.executor == Executor::Smol {
            // tokio's knobs do not apply: the smol run is made once.
            runtime.tokio = TokioKnobs::default();
            runtime.max_blocking_threads = None;
        }
        scenario
    }

    /// What the whole matrix would need, from counts alone: nothing big is
    /// built. A built-in scenario is built for one and for two tasks and
    /// extrapolated to `params.tasks` (its futures grow linearly with the
    /// task count); every point and heavy cost is counted `repeat` times.
    pub(crate) fn estimate(&self, sources: &[ScenarioSource]) -> Estimate {
        let repeats = u128::from(self.repeat.max(1));
        let mut total = Estimate::default();
        for source in sources {
            for point in self.runtime_points() {
                for heavy in self.heavy_costs() {
                    let one = Estimate::of(&self.configure(source, point, heavy, 1));
                    let run = match source {
                        ScenarioSource::Custom(_) => one,
                        ScenarioSource::Builtin(_) => {
                            let two = Estimate::of(&self.configure(source, point, heavy, 2));
                            one.extrapolate(&two, self.params.tasks)
                        }
                    };
                    total = total.plus(&run.times(repeats));
                }
            }
        }
        total
    }

    /// Every run, repeat-major (the whole matrix runs once, then again for
    /// each further repeat, so the repeats of a configuration are spread
    /// over the whole invocation and a passing disturbance touches one of
    /// them, not all), then scenario, the runtime points (executor, flavor,
    /// workers, tokio's knobs) and heavy cost. Points
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
        let heavy_costs = self.heavy_costs();
        let points = self.runtime_points();
        let mut plans: Vec<RunPlan> = Vec::new();
        // Run id → index of the source that made it: the same source may
        // repeat a run (duplicates collapse); two sources may not share one.
        let mut made_by: HashMap<String, usize> = HashMap::new();
        for (source_index, source) in sources.iter().enumerate() {
            for &point in &points {
                for &heavy in &heavy_costs {
                    let scenario = self.configure(source, point, heavy, self.params.tasks);
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
        // Stable: within a repeat, the order above.
        plans.sort_by_key(|plan| plan.repeat);
        Ok(plans)
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn matrix_plan() {
        use crate::run::matrix::{Matrix, ScenarioSource};
        use crate::scenario::Choice;
        use std::time::Duration;

        let matrix = Matrix {
            workers: vec![Choice::Set(1), Choice::Set(2)],
            heavy_costs: vec![Duration::from_micros(100), Duration::from_micros(500)],
            repeat: 2,
            ..Default::default()
        };
        let runs = matrix
            .plan(&[ScenarioSource::builtin("two_futures").unwrap()])
            .unwrap();
        assert_eq!(runs.len(), 8);
        assert_eq!(runs[0].run_id(), "two_futures-w1-cpu100us-r0");
        // Repeat-major: the first repeat of every configuration first.
        assert_eq!(runs[3].run_id(), "two_futures-w2-cpu500us-r0");
        assert_eq!(runs[7].run_id(), "two_futures-w2-cpu500us-r1");
    }
}
